/* experiments/plot_stats.h — the few-run statistics of a normalized spec as figures
 * (plot_stats.c), drawn by `trbench plot` (plot.c) with the runner of gnuplot.h. */
#ifndef EXP_PLOT_STATS_H
#define EXP_PLOT_STATS_H

#include "core/error.h"
#include "experiments/results.h"

/* Normalized specs: performance profiles — per row the share of its runs
 * whose normalized score exceeds τ, over a grid of τ, with a stratified-bootstrap 95% band
 * (profiles.dat/.gp) — and an interval plot of the rows' IQM, median, mean and optimality
 * gap with their 95% CIs (intervals.dat/.gp).  *written: whether a figure was written. */
tr_status exp_plot_profiles(const exp_table *t, const char *pdir, int *written);
tr_status exp_plot_intervals(const exp_table *t, const char *pdir, int *written);
/* efficiency.{dat,gp}: per row, the IQM of the normalized scores against environment steps
 * with its stratified-bootstrap 95% band (rliable's sample-efficiency curve;
 * plot_efficiency.c). */
tr_status exp_plot_efficiency(const exp_table *t, const char *pdir, int *written);

#endif
