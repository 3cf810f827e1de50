/* experiments/plot.h — trbench's one gnuplot runner (plot.c), for `trbench plot` and the
 * figures of `trbench verify --out`.
 *
 * A script DIR/BASE.gp writes each of its outputs to "BASE.EXT".tmp, where tmp is a
 * variable the runner passes with -e (scripts start with `if (!exists("tmp")) tmp = ""`, so
 * they also run by hand).  gnuplot runs by fork/exec in DIR with its standard output
 * discarded; then each BASE.EXT.tmp is renamed to BASE.EXT (atomic: a figure is never
 * seen half-written), and on any failure the temporaries are removed. */
#ifndef EXP_PLOT_H
#define EXP_PLOT_H

#include <stddef.h>

/* The gnuplot to run: $TRBENCH_GNUPLOT when set (empty: none), else the one found at
 * build time; NULL when there is none or it is not executable. */
const char *exp_gnuplot_path(void);

/* Renders DIR/BASE.gp (see above) to BASE.EXT for each of the n extensions.  Returns 0, or
 * gnuplot's exit status (128 + signal; −1 when it could not run; 1 when an output is
 * missing or empty). */
int exp_gnuplot_render(const char *gnuplot, const char *dir, const char *base,
                       const char *const *ext, size_t n);

#endif
