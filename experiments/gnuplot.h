/* experiments/gnuplot.h — trbench's one gnuplot runner and the script helpers every figure
 * shares, for `trbench plot` (plot.c, plot_stats.c, exact_plot.c) and the figures of
 * `trbench verify --out`.  It depends on nothing above it: the figures call it, never the
 * other way.
 *
 * A script DIR/BASE.gp writes each of its outputs to "BASE.EXT".tmp, where tmp is a
 * variable the runner passes with -e (scripts start with `if (!exists("tmp")) tmp = ""`, so
 * they also run by hand).  gnuplot runs by fork/exec in DIR with its standard output
 * discarded; then each BASE.EXT.tmp is renamed to BASE.EXT (atomic: a figure is never
 * seen half-written), and on any failure the temporaries are removed. */
#ifndef EXP_GNUPLOT_H
#define EXP_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

/* The gnuplot to run: $TRBENCH_GNUPLOT when set (empty: none), else the one found at
 * build time; NULL when there is none or it is not executable. */
const char *exp_gnuplot_path(void);

/* Renders DIR/BASE.gp (see above) to BASE.EXT for each of the n extensions.  Returns 0, or
 * gnuplot's exit status (128 + signal; −1 when it could not run; 1 when an output is
 * missing or empty). */
int exp_gnuplot_render(const char *gnuplot, const char *dir, const char *base,
                       const char *const *ext, size_t n);

/* Script helpers shared by the figures: a gnuplot string literal; the palette;
 * a script's head (outputs BASE.png / BASE.svg + the runner's `tmp` suffix); the PNG
 * terminal before the plot command and the SVG replot after it. */
void exp_gp_string(FILE *f, const char *s);
extern const char *const exp_gp_palette[];
extern const size_t exp_gp_n_palette;
void exp_gp_head(FILE *f, const char *exp_name, const char *what, const char *base);
void exp_gp_png(FILE *f, const char *base, int w, int h);
void exp_gp_svg(FILE *f, const char *base, int w, int h);

#endif
