/* experiments/plot_stats.c — the few-run statistics as figures (Agarwal et al. 2021; see
 * plot_stats.h and aggregates.h).  Letters: V rows, E environments, G points of the τ grid. */
#include "experiments/plot_stats.h"

#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/io.h"
#include "core/rng.h"
#include "experiments/aggregates.h"
#include "experiments/gnuplot.h"

#define PROFILE_GRID 101 /* G: τ from the lowest normalized score (at most 0) to the highest
                            (at least 1), evenly spaced */

/* The normalized runs of row v as E strata over buf (R): strata (E). */
static void row_strata(const exp_table *t, size_t v, double *buf, exp_stratum *strata) {
  size_t E = t->s->n_envs, off = 0;
  for (size_t e = 0; e < E; e++) {
    strata[e].x = buf + off;
    strata[e].n = 0;
    for (size_t k = 0; k < t->n_runs; k++) {
      if (t->runs[k].variant != v || t->runs[k].env != e) continue;
      double z = exp_table_normalized(t, k);
      if (isfinite(z)) buf[off + strata[e].n++] = z;
    }
    off += strata[e].n;
  }
}

/* profiles.dat: one block per row with runs ("# variant NAME", then "tau share lo hi"). */
static tr_status write_profiles_dat(const exp_table *t, const char *pdir, const double *tau,
                                    int *has) {
  size_t V = t->s->n_variants, E = t->s->n_envs;
  double *buf = malloc((t->n_runs ? t->n_runs : 1) * sizeof *buf);
  double *pr = malloc(3 * PROFILE_GRID * sizeof *pr);
  exp_stratum *strata = malloc((E ? E : 1) * sizeof *strata);
  gsl_rng *r = tr_rng_alloc(EXP_AGG_SEED);
  tr_atomic_file af;
  tr_status st = !buf || !pr || !strata || !r ? tr_error(TR_ENOMEM, "out of memory: profiles")
                                               : tr_atomic_open_in(&af, pdir, "profiles.dat");
  if (!st) {
    fprintf(af.f, "# trbench plot: %s: performance profiles: the share of a row's runs whose "
                  "normalized score exceeds tau, with a stratified-bootstrap 95%% band (%d "
                  "resamples, seed %u)\n# columns: tau share lo hi; one block per variant\n",
            t->s->name, EXP_AGG_RESAMPLES, EXP_AGG_SEED);
    for (size_t v = 0; v < V && !st; v++) {
      row_strata(t, v, buf, strata);
      has[v] = t->agg && t->agg[v].n > 0;
      fprintf(af.f, "\n\n# variant %s\n", t->s->variants[v].name);
      if (!has[v]) {
        fputs("NaN NaN NaN NaN\n", af.f); /* keeps the block indices aligned with the rows */
        continue;
      }
      if (exp_stats_profile(strata, E, tau, PROFILE_GRID, EXP_AGG_RESAMPLES, r, pr,
                            pr + PROFILE_GRID, pr + 2 * PROFILE_GRID))
        st = tr_error(TR_ENOMEM, "out of memory: profiles");
      for (size_t g = 0; g < PROFILE_GRID && !st; g++)
        fprintf(af.f, "%.17g %.17g %.17g %.17g\n", tau[g], pr[g], pr[PROFILE_GRID + g],
                pr[2 * PROFILE_GRID + g]);
    }
    st = st ? (tr_atomic_abort(&af), st) : tr_atomic_commit(&af);
  }
  if (r) gsl_rng_free(r);
  free(buf), free(pr), free(strata);
  return st;
}

tr_status exp_plot_profiles(const exp_table *t, const char *pdir, int *written) {
  size_t V = t->s->n_variants;
  *written = 0;
  double lo = 0, hi = 1;
  for (size_t k = 0; k < t->n_runs; k++) {
    double z = exp_table_normalized(t, k);
    if (isfinite(z)) lo = fmin(lo, z), hi = fmax(hi, z);
  }
  double tau[PROFILE_GRID];
  for (int g = 0; g < PROFILE_GRID; g++) tau[g] = lo + (hi - lo) * g / (PROFILE_GRID - 1);
  int *has = calloc(V ? V : 1, sizeof *has);
  if (!has) return tr_error(TR_ENOMEM, "out of memory: profiles");
  tr_status st = write_profiles_dat(t, pdir, tau, has);
  int any = 0;
  for (size_t v = 0; v < V; v++) any |= has[v];
  tr_atomic_file af;
  if (!st && any && !(st = tr_atomic_open_in(&af, pdir, "profiles.gp"))) {
    FILE *f = af.f;
    exp_gp_head(f, t->s->name, "performance profiles", "profiles");
    char title[512];
    snprintf(title, sizeof title, "%s: performance profiles (share of runs above tau, 95%% bands)",
             t->s->name);
    fputs("set title ", f);
    exp_gp_string(f, title);
    fputs("\nset xlabel \"normalized score tau (random policy = 0, best row = 1)\"\n"
          "set ylabel \"share of runs with score > tau\"\nset yrange [0:1.02]\n"
          "set key outside right top\nset datafile missing \"NaN\"\n"
          "set style fill transparent solid 0.18 noborder\n", f);
    exp_gp_png(f, "profiles", 1100, 620);
    fputs("plot ", f);
    int first = 1;
    for (size_t v = 0; v < V; v++) {
      if (!has[v]) continue;
      const char *col = exp_gp_palette[v % exp_gp_n_palette];
      fprintf(f, "%s\"profiles.dat\" index %zu using 1:3:4 with filledcurves lc rgb \"%s\" notitle, "
                 "\\\n  \"profiles.dat\" index %zu using 1:2 with lines lw 2 lc rgb \"%s\" title ",
              first ? "" : ", \\\n  ", v, col, v, col);
      exp_gp_string(f, t->s->variants[v].name);
      first = 0;
    }
    fputc('\n', f);
    exp_gp_svg(f, "profiles", 1100, 620);
    st = tr_atomic_commit(&af);
    *written = !st;
  }
  free(has);
  return st;
}

/* A tic step of 1, 2, 2.5 or 5 times a power of ten giving at most about 6 tics over range
 * (a quarter of the figure's width does not hold more labels). */
static double tic_step(double range) {
  static const double m[] = {1, 2, 2.5, 5};
  if (!(range > 0) || !isfinite(range)) return 0.2;
  double p = pow(10, floor(log10(range / 6))); /* p ≤ range/6 < 10 p */
  for (size_t i = 0; i < sizeof m / sizeof *m; i++)
    if (m[i] * p >= range / 6) return m[i] * p;
  return 10 * p;
}

/* Panel j of the interval plot: the rows' names on the first panel only; point and CI of
 * columns 3 + 3j .. 5 + 3j of intervals.dat as horizontal error bars, aggregate k. */
static void interval_panel(FILE *f, const exp_table *t, int j, int k, const char *name) {
  double lo = INFINITY, hi = -INFINITY;
  for (size_t v = 0; v < t->s->n_variants; v++)
    if (t->agg[v].n && isfinite(t->agg[v].lo[k]) && isfinite(t->agg[v].hi[k]))
      lo = fmin(lo, t->agg[v].lo[k]), hi = fmax(hi, t->agg[v].hi[k]);
  fprintf(f, "set xtics %g\n", tic_step(hi - lo));
  if (j == 0) {
    fputs("set ytics scale 0 (", f);
    for (size_t v = 0; v < t->s->n_variants; v++) {
      fputs(v ? ", " : "", f);
      exp_gp_string(f, t->s->variants[v].name);
      fprintf(f, " %zu", v);
    }
    fputs(")\n", f);
  } else fputs("unset ytics\n", f);
  int c = 3 + 3 * j; /* point, lo, hi */
  fprintf(f, "set title \"%s\"\nplot \"intervals.dat\" using %d:1:%d:%d with xerrorbars pt 7 "
             "ps 1.2 lw 2 lc rgb \"%s\"\n", name, c, c + 1, c + 2, exp_gp_palette[j]);
}

tr_status exp_plot_intervals(const exp_table *t, const char *pdir, int *written) {
  static const int order[] = {EXP_AGG_MEDIAN, EXP_AGG_IQM, EXP_AGG_MEAN, EXP_AGG_OPT_GAP};
  static const char *const names[] = {"Median", "IQM", "Mean", "Optimality gap"};
  size_t V = t->s->n_variants;
  *written = 0;
  int any = 0;
  for (size_t v = 0; t->agg && v < V; v++) any |= t->agg[v].n > 0;
  if (!any) return TR_OK;
  tr_atomic_file af;
  tr_status st = tr_atomic_open_in(&af, pdir, "intervals.dat");
  if (st) return st;
  fprintf(af.f, "# trbench plot: %s: aggregates of the normalized scores per row with their "
                "stratified-bootstrap 95%% CIs\n# columns: index variant then (point lo hi) for "
                "median, IQM, mean, optimality gap; NaN where a row has no run\n", t->s->name);
  for (size_t v = 0; v < V; v++) {
    fprintf(af.f, "%zu ", v);
    exp_gp_string(af.f, t->s->variants[v].name);
    for (int j = 0; j < 4; j++) {
      int k = order[j];
      const exp_row_agg *g = &t->agg[v];
      if (g->n && isfinite(g->point[k]))
        fprintf(af.f, " %.17g %.17g %.17g", g->point[k], g->lo[k], g->hi[k]);
      else fputs(" NaN NaN NaN", af.f);
    }
    fputc('\n', af.f);
  }
  if ((st = tr_atomic_commit(&af))) return st;
  if ((st = tr_atomic_open_in(&af, pdir, "intervals.gp"))) return st;
  FILE *f = af.f;
  exp_gp_head(f, t->s->name, "aggregate scores with 95% CIs", "intervals");
  fprintf(f, "set datafile missing \"NaN\"\nset yrange [%zu-0.3:-0.7]\n"
             "set grid xtics noytics\nunset key\n", V);
  int h = 160 + 34 * (int)V;
  exp_gp_png(f, "intervals", 1400, h);
  /* four panels side by side; the SVG replays them with the same settings */
  /* equal panels: the row names sit in a left margin sized to the longest (≈ 7 px a
   * character at 11 pt on the 1400 px figure) */
  size_t longest = 0;
  for (size_t v = 0; v < V; v++)
    if (strlen(t->s->variants[v].name) > longest) longest = strlen(t->s->variants[v].name);
  double lm = fmin(0.4, fmax(0.06, (7.0 * (double)longest + 30.0) / 1400.0));
  char layout[128];
  snprintf(layout, sizeof layout, "set multiplot layout 1,4 margins %.3f,0.98,%.3f,%.3f spacing 0.03 title ",
           lm, 60.0 / h, 1.0 - 70.0 / h);
  fputs(layout, f);
  char title[512];
  snprintf(title, sizeof title, "%s: normalized scores, point estimate and 95%% stratified-bootstrap CI",
           t->s->name);
  exp_gp_string(f, title);
  fputc('\n', f);
  for (int j = 0; j < 4; j++) interval_panel(f, t, j, order[j], names[j]);
  fputs("unset multiplot\n", f);
  /* SVG: the same panels (replot cannot repeat a multiplot) */
  fprintf(f, "set terminal svg size 1400,%d dynamic font \"sans,11\" noenhanced background rgb "
             "\"white\"\nset output \"intervals.svg\".tmp\n%s", h, layout);
  exp_gp_string(f, title);
  fputc('\n', f);
  for (int j = 0; j < 4; j++) interval_panel(f, t, j, order[j], names[j]);
  fputs("unset multiplot\nset output\n", f);
  st = tr_atomic_commit(&af);
  *written = !st;
  return st;
}
