/* experiments/plot.c — `trbench plot SPEC`: an experiment's figures from its runs
 * (results.c), rendered by trbench's one gnuplot runner (gnuplot.h).
 *
 * Learning curves (plot): per (variant, env), the seeds' progress.tsv curves of
 * return_last100 against environment steps.  When the seeds' step grids agree (identical
 * steps on their common prefix) they are aligned on the iteration index; otherwise each
 * is interpolated linearly onto a common grid of EXP_PLOT_GRID points spanning them all.
 * When an environment's variants differ in steps per iteration (vine against single path,
 * rows with their own budgets), a second figure shows the same curves against iterations
 * (the TRPO paper's x-axis), so both equal-steps and equal-updates comparisons are drawn.
 * A point's mean and standard error are over the seeds that reach it with a finite value.
 * Each figure is a gnuplot script with its data (plots/NAME.gp, NAME.dat), rendered to PNG
 * and SVG by the gnuplot found at build time (TR_GNUPLOT; $TRBENCH_GNUPLOT overrides it, and
 * empty means none).
 *
 * Every file is written atomically: scripts and data through tr_atomic_open/commit, the
 * images by gnuplot under "<name>.tmp.<pid>" (the scripts' `tmp` suffix), then renamed. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/exact_diag.h"
#include "experiments/gnuplot.h"
#include "experiments/overopt.h"
#include "experiments/plot_stats.h"
#include "experiments/results.h"

#define EXP_PLOT_GRID 200

/* ---- plot ------------------------------------------------------------------------------------ */

/* One seed's learning curve: steps (G) and return_last100 (G). */
typedef struct {
  double *x, *y;
  size_t n;
} curve;

/* The column xname ("steps" or "iter") and return_last100 of run r's progress.tsv; 0 when
 * absent or empty. */
static int read_curve(const exp_table *t, const exp_run_ref *r, const char *xname, curve *c) {
  return exp_run_progress_read(t, r, xname, "return_last100", &c->x, &c->y, &c->n);
}

/* y at x on the piecewise-linear curve c (c->x increasing); NAN outside its range. */
static double curve_at(const curve *c, double x) {
  return exp_curve_at(c->x, c->y, c->n, x);
}

/* Rows "x mean se n" of the mean curve over the seeds cs (nc); returns the rows written. */
static size_t write_mean_curve(FILE *f, const curve *cs, size_t nc, const char *xname) {
  size_t minlen = SIZE_MAX, maxlen = 0, rows = 0;
  for (size_t j = 0; j < nc; j++) {
    minlen = cs[j].n < minlen ? cs[j].n : minlen;
    maxlen = cs[j].n > maxlen ? cs[j].n : maxlen;
  }
  int aligned = 1;
  for (size_t i = 0; i < minlen && aligned; i++)
    for (size_t j = 1; j < nc; j++) aligned &= cs[j].x[i] == cs[0].x[i];
  double lo = INFINITY, hi = -INFINITY;
  for (size_t j = 0; j < nc; j++) {
    lo = fmin(lo, cs[j].x[0]);
    hi = fmax(hi, cs[j].x[cs[j].n - 1]);
  }
  size_t G = aligned ? maxlen : EXP_PLOT_GRID;
  fprintf(f, "# %s; columns: %s mean se n\n",
          aligned ? "seeds aligned on the iteration index" : "seeds interpolated onto a common grid",
          xname);
  for (size_t i = 0; i < G; i++) {
    double x = NAN, sum = 0, sq = 0;
    size_t n = 0;
    if (!aligned) x = G > 1 ? lo + (hi - lo) * (double)i / (double)(G - 1) : lo;
    for (size_t j = 0; j < nc; j++) {
      double y;
      if (aligned) {
        if (i >= cs[j].n) continue;
        x = cs[j].x[i];
        y = cs[j].y[i];
      } else {
        y = curve_at(&cs[j], x);
      }
      if (!isfinite(y)) continue;
      sum += y;
      n++;
    }
    if (!n) continue;
    double m = sum / (double)n;
    for (size_t j = 0; j < nc; j++) {
      double y = aligned ? (i < cs[j].n ? cs[j].y[i] : NAN) : curve_at(&cs[j], x);
      if (isfinite(y)) sq += (y - m) * (y - m);
    }
    double se = n > 1 ? sqrt(sq / (double)(n - 1) / (double)n) : 0.0;
    fprintf(f, "%.17g %.17g %.17g %zu\n", x, m, se, n);
    rows++;
  }
  return rows;
}

/* curves_<env>.dat and .gp for environment e (by_iter: curves_iter_<env>, against
 * iterations); *written: whether any curve was found. */
static tr_status plot_env(const exp_table *t, size_t e, int by_iter, const char *pdir, char *base,
                          size_t nb, int *written) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants;
  const char *xname = by_iter ? "iter" : "steps";
  char safe[200], *p;
  exp_safe_name(safe, sizeof safe, s->envs[e]);
  snprintf(base, nb, by_iter ? "curves_iter_%s" : "curves_%s", safe);
  char dat[512], gp[512];
  snprintf(dat, sizeof dat, "%s.dat", base);
  snprintf(gp, sizeof gp, "%s.gp", base);
  *written = 0;
  curve *cs = calloc(t->K, sizeof *cs);
  size_t *block = calloc(V, sizeof *block), *nseeds = calloc(V, sizeof *nseeds);
  if (!cs || !block || !nseeds) {
    free(cs), free(block), free(nseeds);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  tr_atomic_file af;
  char *dat_path = tr_path_join(pdir, dat);
  tr_status st = dat_path ? tr_atomic_open(&af, dat_path) : tr_error(TR_ENOMEM, "out of memory");
  if (st) {
    free(dat_path), free(cs), free(block), free(nseeds);
    return st;
  }
  fprintf(af.f, "# trbench plot: %s on %s: return_last100 against %s, mean and "
                "standard error over seeds; one block per variant (gnuplot index)\n",
          s->name, s->envs[e], by_iter ? "iterations" : "environment steps");
  size_t n_blocks = 0, n_plotted = 0;
  double xmax = 0;
  for (size_t v = 0; v < V; v++) {
    size_t nc = 0;
    block[v] = SIZE_MAX;
    for (size_t k = 0; k < t->n_runs; k++) {
      const exp_run_ref *r = &t->runs[k];
      if (r->variant != v || r->env != e) continue;
      if (read_curve(t, r, xname, &cs[nc])) nc++;
    }
    nseeds[v] = nc;
    if (nc) {
      for (size_t j = 0; j < nc; j++) xmax = fmax(xmax, cs[j].x[cs[j].n - 1]);
      if (n_blocks) fputs("\n\n", af.f);
      fprintf(af.f, "# variant %s: %zu of %zu seeds\n", s->variants[v].name, nc, t->K);
      if (write_mean_curve(af.f, cs, nc, xname)) block[v] = n_blocks++, n_plotted++;
      else fputs("nan nan nan 0\n", af.f), n_blocks++; /* no finite point: keep the index */
    }
    for (size_t j = 0; j < nc; j++) free(cs[j].x), free(cs[j].y);
  }
  free(cs);
  st = tr_atomic_commit(&af);
  if (!st && !n_plotted) remove(dat_path); /* no run of this environment has a curve */
  free(dat_path);
  if (st || !n_plotted) {
    free(block), free(nseeds);
    return st;
  }
  /* steps in thousands or millions keep the tic labels short */
  double unit = by_iter ? 1 : xmax >= 2e6 ? 1e6 : xmax >= 2e4 ? 1e3 : 1;
  const char *unit_name = unit == 1e6 ? " (millions)" : unit == 1e3 ? " (thousands)" : "";
  if (!(p = tr_path_join(pdir, gp))) {
    free(block), free(nseeds);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  st = tr_atomic_open(&af, p);
  free(p);
  if (st) {
    free(block), free(nseeds);
    return st;
  }
  FILE *f = af.f;
  char what[256];
  snprintf(what, sizeof what, "learning curves on %s%s", s->envs[e],
           by_iter ? " against iterations" : "");
  exp_gp_head(f, s->name, what, base);
  fputs("set title ", f);
  char title[512];
  snprintf(title, sizeof title, "%s on %s", s->name, s->envs[e]);
  exp_gp_string(f, title);
  if (by_iter) fputs("\nset xlabel \"iterations (policy updates)\"\n", f);
  else fprintf(f, "\nset xlabel \"environment steps%s\"\n", unit_name);
  fprintf(f, "set ylabel \"return of the last 100 episodes (mean ± s.e. over %zu seeds)\"\n", t->K);
  fputs("set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2\n"
        "set style fill transparent solid 0.18 noborder\n"
        "set xrange [0:*]\nset autoscale xfixmax\n", f);
  exp_gp_png(f, base, 1100, 620);
  fputs("plot \\\n", f);
  int first = 1;
  for (size_t v = 0; v < V; v++) {
    if (block[v] == SIZE_MAX) continue;
    const char *col = exp_gp_palette[v % exp_gp_n_palette];
    int dt = 1 + (int)(v / exp_gp_n_palette);
    fprintf(f, "%s  \"%s\" index %zu using ($1/%g):($2-$3):($2+$3) with filledcurves "
               "lc rgb \"%s\" notitle, \\\n",
            first ? "" : ", \\\n", dat, block[v], unit, col);
    char label[256];
    if (nseeds[v] < t->K)
      snprintf(label, sizeof label, "%s (%zu/%zu seeds)", s->variants[v].name, nseeds[v], t->K);
    else snprintf(label, sizeof label, "%s", s->variants[v].name);
    fprintf(f, "  \"%s\" index %zu using ($1/%g):2 with lines lw 2 dt %d lc rgb \"%s\" title ", dat,
            block[v], unit, dt, col);
    exp_gp_string(f, label);
    first = 0;
  }
  fputc('\n', f);
  free(block), free(nseeds);
  exp_gp_svg(f, base, 1100, 620);
  *written = 1;
  return tr_atomic_commit(&af);
}

/* scores.dat and scores.gp: the normalized score per variant, the paper's beside it;
 * *written = 0 (and nothing written) when there is neither a score nor a paper number. */
static tr_status plot_scores(const exp_table *t, const char *pdir, int *written) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants;
  int any_paper = 0, any = 0;
  for (size_t v = 0; v < V; v++) {
    any_paper |= isfinite(s->variants[v].paper);
    any |= isfinite(s->variants[v].paper) || isfinite(t->row_score[v]);
  }
  *written = any;
  if (!any) return TR_OK;
  tr_atomic_file af;
  char *p = tr_path_join(pdir, "scores.dat");
  if (!p) return tr_error(TR_ENOMEM, "out of memory");
  tr_status st = tr_atomic_open(&af, p);
  free(p);
  if (st) return st;
  fprintf(af.f, "# trbench plot: %s: normalized score per variant ((score - random)/(best - "
                "random) averaged over the row's runs) and the paper's; NaN where absent\n"
                "# columns: index variant ours paper runs_found\n", s->name);
  for (size_t v = 0; v < V; v++) {
    fprintf(af.f, "%zu ", v);
    exp_gp_string(af.f, s->variants[v].name);
    if (isfinite(t->row_score[v])) fprintf(af.f, " %.17g", t->row_score[v]);
    else fputs(" NaN", af.f);
    if (isfinite(s->variants[v].paper)) fprintf(af.f, " %.17g", s->variants[v].paper);
    else fputs(" NaN", af.f);
    fprintf(af.f, " %zu\n", t->row_found[v]);
  }
  if ((st = tr_atomic_commit(&af))) return st;
  if (!(p = tr_path_join(pdir, "scores.gp"))) return tr_error(TR_ENOMEM, "out of memory");
  st = tr_atomic_open(&af, p);
  free(p);
  if (st) return st;
  FILE *f = af.f;
  exp_gp_head(f, s->name, "normalized score per variant", "scores");
  char title[512];
  snprintf(title, sizeof title, "%s: normalized score (random policy = 0, best row = 1)", s->name);
  fputs("set title ", f);
  exp_gp_string(f, title);
  fputs("\nset ylabel \"normalized score, mean over all runs of a row\"\n"
        "set grid noxtics ytics\n"
        "set xzeroaxis lt -1 lw 1\n"
        "set key outside bottom center horizontal samplen 2\n"
        "set style fill solid 0.85 border -1\n"
        "set datafile missing \"NaN\"\n"
        "# bars start at 0; 0 (random) and 1 (best) stay in view\n"
        "set yrange [*<0:1.1<*]\n", f);
  fprintf(f, "set xtics %s scale 0 (", V > 4 ? "rotate by -30 left" : "");
  for (size_t v = 0; v < V; v++) {
    fputs(v ? ", " : "", f);
    exp_gp_string(f, s->variants[v].name);
    fprintf(f, " %zu", v);
  }
  fputs(")\n", f);
  double w = any_paper ? 0.38 : 0.7, off = any_paper ? 0.2 : 0.0;
  fprintf(f, "set xrange [-0.6:%zu-0.4]\n", V);
  exp_gp_png(f, "scores", 1000, 600);
  /* value labels above positive bars, below negative ones (only series with points: gnuplot
   * warns about empty ones) */
  static const char *lab = ", \\\n  \"scores.dat\" using ($1%+g):($%d%s0 ? $%d : NaN):"
                           "(sprintf(\"%%.2f\", $%d)) with labels offset 0,char %s notitle";
  int sign[2][2] = {{0, 0}, {0, 0}}; /* [ours|paper][≥ 0|< 0] */
  for (size_t v = 0; v < V; v++) {
    double x[2] = {t->row_score[v], s->variants[v].paper};
    for (int j = 0; j < 2; j++)
      if (isfinite(x[j])) sign[j][x[j] < 0] = 1;
  }
  if (sign[0][1] || sign[1][1]) fputs("set offsets 0, 0, 0, graph 0.1   # room for labels below\n", f);
  fputs("plot ", f);
  int first = 1;
  for (int j = 0; j < 2; j++) {
    if (!sign[j][0] && !sign[j][1]) continue;
    double o = j ? off : -off;
    fprintf(f, "%s\"scores.dat\" using ($1%+g):%d:(%g) with boxes lc rgb \"%s\" title ",
            first ? "" : ", \\\n  ", o, 3 + j, w, j ? "#bbbbbb" : exp_gp_palette[0]);
    char key[512];
    if (j && s->paper) snprintf(key, sizeof key, "paper (%s)", s->paper);
    else if (j) snprintf(key, sizeof key, "paper");
    else snprintf(key, sizeof key, "trbench");
    exp_gp_string(f, key);
    if (sign[j][0]) fprintf(f, lab, o, 3 + j, ">=", 3 + j, 3 + j, "0.7");
    if (sign[j][1]) fprintf(f, lab, o, 3 + j, "<", 3 + j, 3 + j, "-0.7");
    first = 0;
  }
  fputc('\n', f);
  exp_gp_svg(f, "scores", 1000, 600);
  return tr_atomic_commit(&af);
}

static void plot_help(FILE *f) {
  fputs("usage: trbench plot SPEC [--results DIR] [--scale F] [--seeds N]\n\n"
        "Writes gnuplot scripts and their data under DIR/<experiment>/plots/ and renders each to\n"
        "PNG and SVG with gnuplot: curves_<env>: learning curves per environment (x environment\n"
        "steps, y return_last100 from each run's progress.tsv, mean +- standard error over seeds,\n"
        "one line per variant); curves_iter_<env>: the same against iterations, when the\n"
        "variants differ in steps per iteration (vine, rows with their own steps); scores (normalization = random_best): the normalized score per\n"
        "variant, the paper's beside it; specs scored by exact_J (tabular): per environment\n"
        "exact_J_<env> (exact J per iteration, J* and the uniform policy's J as lines),\n"
        "exact_kl_<env> (exact mean KL per iteration, each variant's KL target dashed) and\n"
        "improvement_<env> (sampled against exact improvement, the diagonal).  Without gnuplot, writes the scripts and data and says\n"
        "how to render them (cd DIR && gnuplot *.gp).  The gnuplot used is the one found at\n"
        "build time, or $TRBENCH_GNUPLOT when set (empty: do not render).\n"
        "  --results DIR  where the sweep wrote its runs (default: the sweep's, else results)\n"
        "  --scale F      the sweep's --scale (default: the one the sweep recorded)\n"
        "  --seeds N      the sweep's --seeds (default: the recorded ones)\n"
        "No run found is an error (exit 2) that names where it looked.\n", f);
}

int exp_cmd_plot(int argc, char **argv) {
  exp_table_args a;
  int help, rc = exp_table_args_parse("plot", argc, argv, &a, &help);
  if (rc || help) {
    if (help) plot_help(stdout);
    return rc;
  }
  exp_table t;
  tr_status st = exp_table_load(&t, a.spec, &a.flags, 1);
  if (!st) exp_sweep_note(stderr, "plot", t.s, &t.set); /* what came from memory */
  if (!st && !t.found) st = exp_table_no_runs(&t);
  char *pdir = NULL;
  if (!st && !(pdir = tr_path_join(t.dir, "plots"))) st = tr_error(TR_ENOMEM, "out of memory");
  if (!st) st = tr_mkdir_p(pdir);
  size_t E = st ? 0 : t.s->n_envs, n_fig = 0;
  size_t VE = st ? 0 : t.s->n_variants * E; /* overopt.c: one figure per row */
  char (*bases)[256] = calloc(5 * E + 4 + VE, sizeof *bases); /* + 3 E: exact_plot.c */
  if (!st && !bases) st = tr_error(TR_ENOMEM, "out of memory");
  for (size_t e = 0; !st && e < E; e++) {
    int written;
    char b[256];
    if (!(st = plot_env(&t, e, 0, pdir, b, sizeof b, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "%s", b);
    if (!st && exp_table_updates_differ(&t, e) &&
        !(st = plot_env(&t, e, 1, pdir, b, sizeof b, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "%s", b);
  }
  if (!st && t.s->normalize) {
    int written;
    if (!(st = plot_scores(&t, pdir, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "scores");
  }
  if (!st && t.s->normalize) { /* Agarwal et al. 2021: profiles and intervals (plot_stats.c) */
    int written;
    if (!(st = exp_plot_profiles(&t, pdir, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "profiles");
    if (!st && !(st = exp_plot_intervals(&t, pdir, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "intervals");
    if (!st && !(st = exp_plot_efficiency(&t, pdir, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "efficiency");
  }
  if (!st && exp_xd_applies(&t)) st = exp_xd_figures(&t, pdir, bases, &n_fig); /* tabular */
  if (!st) st = exp_oo_figures(&t, pdir, bases, &n_fig); /* runs with the RLHF columns */
  if (st) {
    rc = exp_fail_status(st);
    goto done;
  }
  const char *gp = exp_gnuplot_path();
  if (!gp) {
    fprintf(stderr, "trbench: notice: gnuplot not available; wrote %zu scripts and their data to "
                    "%s; render them with: cd %s && gnuplot *.gp\n", n_fig, pdir, pdir);
    goto done;
  }
  for (size_t i = 0; i < n_fig; i++) {
    static const char *const ext[] = {"png", "svg"};
    int g = exp_gnuplot_render(gp, pdir, bases[i], ext, 2);
    if (g) {
      rc = exp_fail("plot: gnuplot failed on %s/%s.gp (status %d)", pdir, bases[i], g);
      goto done;
    }
    printf("%s/%s.png\n%s/%s.svg\n", pdir, bases[i], pdir, bases[i]);
  }
done:
  free(bases);
  free(pdir);
  exp_table_free(&t);
  return rc;
}
