/* experiments/plot_efficiency.c — rliable's sample-efficiency curve (Agarwal et al. 2021,
 * Fig. 9): per row, the IQM of the normalized scores of its runs against environment steps,
 * with its stratified-bootstrap 95% band (environments as strata, EXP_AGG_RESAMPLES
 * resamples, seeded with EXP_AGG_SEED, so the figure is the same every time).
 *
 * A run's score at x steps is its return_last100 (progress.tsv) interpolated linearly at x,
 * normalized as the table normalizes it: (score − random) / (best − random).  The grid has
 * EFF_GRID points from the smallest first to the largest last step of the runs; at each
 * point only the runs whose progress covers it count.  Letters: V rows, E environments. */
#include "experiments/plot_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/io.h"
#include "core/rng.h"
#include "experiments/aggregates.h"
#include "experiments/gnuplot.h"

#define EFF_GRID 40

typedef struct {
  double *x, *y; /* (n) steps and normalized return_last100 */
  size_t n;
} eff_curve;

/* Every run's normalized curve (R); runs that cannot be normalized stay empty. */
static void read_curves(const exp_table *t, eff_curve *c, double *x0, double *x1) {
  *x0 = INFINITY, *x1 = -INFINITY;
  for (size_t k = 0; k < t->n_runs; k++) {
    size_t e = t->runs[k].env;
    double lo = t->random[e], span = t->best[e] - t->random[e];
    if (!isfinite(lo) || !isfinite(span) || span == 0) continue;
    if (!exp_run_progress_read(t, &t->runs[k], "steps", "return_last100", &c[k].x, &c[k].y,
                               &c[k].n))
      continue;
    for (size_t i = 0; i < c[k].n; i++) c[k].y[i] = (c[k].y[i] - lo) / span;
    *x0 = fmin(*x0, c[k].x[0]);
    *x1 = fmax(*x1, c[k].x[c[k].n - 1]);
  }
}

static tr_status write_dat(const exp_table *t, const char *pdir, const eff_curve *c, double x0,
                           double x1, int *has) {
  size_t V = t->s->n_variants, E = t->s->n_envs;
  double *buf = malloc((t->n_runs ? t->n_runs : 1) * sizeof *buf);
  exp_stratum *strata = malloc((E ? E : 1) * sizeof *strata);
  gsl_rng *r = tr_rng_alloc(EXP_AGG_SEED);
  tr_atomic_file af;
  tr_status st = !buf || !strata || !r ? tr_error(TR_ENOMEM, "out of memory: efficiency")
                                       : tr_atomic_open_in(&af, pdir, "efficiency.dat");
  if (!st) {
    fprintf(af.f, "# trbench plot: %s: IQM of the normalized return_last100 against environment "
                  "steps, stratified-bootstrap 95%% band (%d resamples, seed %u)\n# columns: "
                  "steps iqm lo hi runs; one block per variant\n",
            t->s->name, EXP_AGG_RESAMPLES, EXP_AGG_SEED);
    for (size_t v = 0; v < V && !st; v++) {
      fprintf(af.f, "\n\n# variant %s\n", t->s->variants[v].name);
      has[v] = 0;
      for (int g = 0; g < EFF_GRID && !st; g++) {
        double x = x0 + (x1 - x0) * g / (EFF_GRID - 1);
        size_t off = 0, n = 0;
        for (size_t e = 0; e < E; e++) {
          strata[e].x = buf + off;
          strata[e].n = 0;
          for (size_t k = 0; k < t->n_runs; k++) {
            if (t->runs[k].variant != v || t->runs[k].env != e) continue;
            double y = exp_curve_at(c[k].x, c[k].y, c[k].n, x);
            if (isfinite(y)) buf[off + strata[e].n++] = y;
          }
          off += strata[e].n;
          n += strata[e].n;
        }
        double p = NAN, lo = NAN, hi = NAN;
        if (n && exp_stats_aggregate_ci(EXP_AGG_IQM, strata, E, EXP_AGG_RESAMPLES, r, &p, &lo, &hi))
          st = tr_error(TR_ENOMEM, "out of memory: efficiency");
        if (n) has[v] = 1;
        fprintf(af.f, "%.17g %.17g %.17g %.17g %zu\n", x, n ? p : NAN, n ? lo : NAN, n ? hi : NAN, n);
      }
    }
    st = st ? (tr_atomic_abort(&af), st) : tr_atomic_commit(&af);
  }
  if (r) gsl_rng_free(r);
  free(buf), free(strata);
  return st;
}

tr_status exp_plot_efficiency(const exp_table *t, const char *pdir, int *written) {
  size_t V = t->s->n_variants, R = t->n_runs ? t->n_runs : 1;
  *written = 0;
  eff_curve *c = calloc(R, sizeof *c);
  int *has = calloc(V ? V : 1, sizeof *has);
  if (!c || !has) {
    free(c), free(has);
    return tr_error(TR_ENOMEM, "out of memory: efficiency");
  }
  double x0, x1;
  read_curves(t, c, &x0, &x1);
  tr_status st = TR_OK;
  int any = 0;
  if (isfinite(x0) && x1 > x0) {
    st = write_dat(t, pdir, c, x0, x1, has);
    for (size_t v = 0; v < V; v++) any |= has[v];
  }
  tr_atomic_file af;
  if (!st && any && !(st = tr_atomic_open_in(&af, pdir, "efficiency.gp"))) {
    FILE *f = af.f;
    exp_gp_head(f, t->s->name, "sample efficiency: IQM against steps", "efficiency");
    char title[512];
    snprintf(title, sizeof title, "%s: IQM of normalized scores against environment steps (95%% "
             "stratified-bootstrap bands)", t->s->name);
    fputs("set title ", f);
    exp_gp_string(f, title);
    fputs("\nset xlabel \"environment steps\"\nset ylabel \"IQM normalized score (random = 0, "
          "best row = 1)\"\nset key outside right top\nset datafile missing \"NaN\"\n"
          "set style fill transparent solid 0.18 noborder\nset format x \"%.0s%c\"\n", f);
    exp_gp_png(f, "efficiency", 1100, 620);
    fputs("plot ", f);
    int first = 1;
    for (size_t v = 0; v < V; v++) {
      if (!has[v]) continue;
      const char *col = exp_gp_palette[v % exp_gp_n_palette];
      fprintf(f, "%s\"efficiency.dat\" index %zu using 1:3:4 with filledcurves lc rgb \"%s\" "
                 "notitle, \\\n  \"efficiency.dat\" index %zu using 1:2 with lines lw 2 lc rgb "
                 "\"%s\" title ", first ? "" : ", \\\n  ", v, col, v, col);
      exp_gp_string(f, t->s->variants[v].name);
      first = 0;
    }
    fputc('\n', f);
    exp_gp_svg(f, "efficiency", 1100, 620);
    st = tr_atomic_commit(&af);
    *written = !st;
  }
  for (size_t k = 0; k < R && k < t->n_runs; k++) free(c[k].x), free(c[k].y);
  free(c), free(has);
  return st;
}
