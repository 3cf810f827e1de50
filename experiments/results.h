/* experiments/results.h — an experiment's runs loaded for its table and its figures:
 * the spec, every run's score and status, the (variant, environment) cells, the random and
 * best scores per environment, the rows' normalized scores and Spearman's ρ against the
 * paper (results.c explains each).  Letters: V variants, E environments, K seeds, R runs. */
#ifndef EXP_RESULTS_H
#define EXP_RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "experiments/aggregates.h"
#include "experiments/rundir.h"
#include "experiments/spec.h"
#include "experiments/sweep_state.h"

/* random_e: the uniform random policy's mean return over this many episodes, streams from
 * this seed (`trbench rollout --env ENV --episodes 100 --seed 1`). */
#define EXP_RANDOM_EPISODES 100
#define EXP_RANDOM_SEED 1

typedef struct {
  exp_spec *s;
  exp_sweep_settings set; /* the sweep's --results, --scale, --seeds (sweep_state.h) */
  const char *results;
  double scale;
  char *dir;           /* results/<name> */
  exp_run_ref *runs;   /* (R) */
  size_t n_runs, K;
  double *score;       /* (R) the score, NAN when missing */
  exp_run_state *state; /* (R) EXP_RUN_ABSENT: no summary.ini */
  /* cells, (V, E) row-major */
  double *mean, *se;
  size_t *n;
  /* per environment (E) */
  double *random, *best;
  size_t *best_v;
  char **random_how;
  /* per row (V): the normalized score over the runs found, and how many */
  double *row_score;
  size_t *row_n, *row_found;
  double rho, rho_lo, rho_hi; /* ρ with the paper and its bootstrap interval */
  size_t rho_n;
  exp_row_agg *agg;           /* (V) the rows' aggregates (normalized specs; aggregates.h) */
  size_t *time_limit;    /* (E) of the random policy's episodes (0: the environment's own) */
  int *time_limit_agree; /* (E) whether all variants train with the same time limit there */
  double steps_min, steps_max; /* environment steps of the runs found (summary.ini) */
  /* counts over all runs */
  size_t found, absent, unusable, diverged, failed;
} exp_table;

/* Reads the spec and every run's summary — of the sweep's folder, with the sweep's --scale and
 * --seeds unless the flags say otherwise (exp_sweep_resolve) — and computes the cells, random
 * and best (the random policy's episodes only when need_random), the row scores and ρ.
 * TR_EINVAL on a bad spec or flags that contradict the sweep's record. */
tr_status exp_table_load(exp_table *t, const char *spec, const exp_sweep_flags *flags,
                         int need_random);
/* TR_EINVAL "DIR/runs: no run of SPEC found (looked for ... with --results ... )": for a
 * table or plot of a spec none of whose runs exist. */
tr_status exp_table_no_runs(const exp_table *t);
void exp_table_free(exp_table *t);

/* The normalized score of run k, (score − random)/(best − random); NAN when the run is
 * missing or its environment cannot be normalized (best = random, or either unknown). */
double exp_table_normalized(const exp_table *t, size_t k);
/* t->agg and t->rho_lo/hi from the loaded runs (aggregates.c; normalized specs only). */
tr_status exp_table_aggregates(exp_table *t);
/* Per (row, environment) cell, (V E) row-major: the bootstrap 95% interval [lo, hi] of the
 * mean of its runs' raw scores (the seeds resampled, EXP_AGG_RESAMPLES resamples, percentile
 * interval, seeded with EXP_AGG_SEED in cell order, so it is reproducible); NAN for a cell
 * with fewer than 2 runs.  For comparing a cell with a published per-environment number. */
tr_status exp_table_cell_cis(const exp_table *t, double *lo, double *hi);

/* With `baseline = ROW` in the spec, per (row, environment) cell, (V E) row-major: the mean of
 * its runs' raw scores divided by the baseline row's mean on that environment (ratio), and
 * its bootstrap 95% interval [lo, hi]: the row's and the baseline's seeds resampled apart
 * (two strata), EXP_AGG_RESAMPLES resamples, percentile interval, seeded with EXP_AGG_SEED in
 * cell order.  The baseline's own cells are 1 (no interval); NAN where either mean is
 * missing or the baseline's is 0; no interval unless both cells have at least 2 runs.
 * Without a baseline every entry is NAN. */
tr_status exp_table_baseline_ratios(const exp_table *t, double *ratio, double *lo, double *hi);

/* Two columns of a run's progress.tsv, by header name: x (n) and y (n), malloc'd, rows whose x
 * is not finite skipped (y may be NAN).  1 when at least one row was read, else 0 (file
 * absent, unreadable, a column missing, or out of memory; *x = *y = NULL). */
int exp_progress_read(const char *path, const char *xname, const char *yname, double **x,
                      double **y, size_t *n);
/* The same for run r of the table (its directory's progress.tsv). */
int exp_run_progress_read(const exp_table *t, const exp_run_ref *r, const char *xname,
                          const char *yname, double **x, double **y, size_t *n);
/* Whether environment e's runs (those with a progress.tsv) differ in their updates: in the
 * steps of the first or the last iteration, or in the number of iterations (vine against
 * single path, rows with their own budgets).  The table's equal-steps section and the plots
 * against iterations are made for such environments. */
int exp_table_updates_differ(const exp_table *t, size_t e);

/* One RFC 4180 field: s as it is, or quoted with its quotes doubled when it holds a comma, a
 * quote or a line break (table_csv.c). */
void exp_csv_field(FILE *f, const char *s);
/* y at x on the piecewise-linear curve (x (n) increasing, y (n)); NAN outside its range. */
double exp_curve_at(const double *x, const double *y, size_t n, double at);
/* table.csv (RFC 4180) of the table (table_csv.c). */
void exp_table_write_csv(FILE *f, const exp_table *t);

/* The arguments `trbench table` and `trbench plot` share. */
typedef struct {
  const char *spec;
  exp_sweep_flags flags; /* --results, --scale, --seeds as typed (the sweep's by default) */
} exp_table_args;
/* SPEC [--results DIR] [--scale F] [--seeds N] [--help] of `trbench <cmd>`; returns 0 or an
 * exit status (message printed). */
int exp_table_args_parse(const char *cmd, int argc, char **argv, exp_table_args *a, int *help);

#endif
