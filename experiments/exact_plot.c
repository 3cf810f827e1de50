/* experiments/exact_plot.c — the figures of exact truth against the sampled estimates, per
 * environment of a spec scored by exact_J (exact_diag.h):
 *   exact_J_<env>      each variant's exact J per iteration (mean ± s.e. over seeds, the
 *                      seeds aligned on the iteration index, x their environment steps),
 *                      J* (policy iteration) and J_rand (uniform policy) as lines
 *   exact_kl_<env>     each variant's exact mean KL per iteration (mean over seeds, log y),
 *                      its KL target as a dashed line of its colour
 *   improvement_<env>  every iteration of every run: sampled against exact improvement, one
 *                      colour per variant, and the diagonal sampled = exact
 * Scripts and data are written atomically; plot.c renders them. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "experiments/exact_diag.h"
#include "experiments/gnuplot.h"

enum { FIG_J = 0, FIG_KL, FIG_IMP, N_FIG };
static const char *const fig_prefix[N_FIG] = {"exact_J", "exact_kl", "improvement"};

/* Append block v's data of one figure: the seeds' series ss (nk) of a variant. */
static void write_block(FILE *f, int fig, const exp_xd_series *ss, size_t nk) {
  if (fig == FIG_IMP) {
    for (size_t k = 0; k < nk; k++)
      for (size_t i = 0; i < ss[k].n; i++)
        if (isfinite(ss[k].sampled_improvement[i]) && isfinite(ss[k].exact_improvement[i]))
          fprintf(f, "%.17g\t%.17g\n", ss[k].exact_improvement[i], ss[k].sampled_improvement[i]);
    return;
  }
  size_t n = 0;
  for (size_t k = 0; k < nk; k++) n = ss[k].n > n ? ss[k].n : n;
  for (size_t i = 0; i < n; i++) {
    double s1 = 0, s2 = 0, x = 0;
    size_t m = 0;
    for (size_t k = 0; k < nk; k++) {
      if (i >= ss[k].n) continue;
      double y = fig == FIG_J ? ss[k].exact_J[i] : ss[k].exact_kl_mean[i];
      if (!isfinite(y)) continue;
      s1 += y, s2 += y * y, x += ss[k].steps[i], m++;
    }
    if (!m) continue;
    double mu = s1 / (double)m, var = m > 1 ? fmax(0, (s2 - m * mu * mu) / (double)(m - 1)) : 0;
    fprintf(f, "%.17g\t%.17g\t%.17g\n", x / (double)m, mu, sqrt(var / (double)m));
  }
}

/* The seeds of (v, e) found: their series into ss (K), *nk of them. */
static tr_status read_cell(const exp_xd *x, size_t v, size_t e, exp_xd_series *ss, size_t *nk) {
  const exp_table *t = x->t;
  *nk = 0;
  for (size_t k = 0; k < t->n_runs; k++) {
    const exp_run_ref *r = &t->runs[k];
    if (r->variant != v || r->env != e) continue;
    char *rd = exp_run_dir(t->s, t->results, r), *pp = rd ? tr_path_join(rd, "progress.tsv") : NULL;
    int found = 0;
    tr_status st = pp ? exp_xd_series_read(pp, &ss[*nk], &found) : tr_error(TR_ENOMEM, "out of memory");
    free(rd), free(pp);
    if (st) return st;
    if (found) (*nk)++;
  }
  return TR_OK;
}

/* The data file of one figure; block[v] its gnuplot index (SIZE_MAX: none). */
static tr_status write_dat(const exp_xd *x, size_t e, int fig, const char *base, size_t *block,
                           int *any) {
  const exp_table *t = x->t;
  char name[320];
  snprintf(name, sizeof name, "%s.dat", base);
  exp_xd_series *ss = calloc(t->K + 1, sizeof *ss);
  if (!ss) return tr_error(TR_ENOMEM, "out of memory");
  tr_atomic_file af;
  tr_status st = tr_atomic_open_in(&af, x->t->dir, name);
  if (st) {
    free(ss);
    return st;
  }
  fprintf(af.f, "# trbench plot: %s on %s: %s; one block per variant (gnuplot index)\n",
          t->s->name, t->s->envs[e],
          fig == FIG_IMP ? "exact_improvement, sampled_improvement per iteration of every run"
                         : "environment steps, mean, standard error over seeds per iteration");
  size_t nb = 0;
  *any = 0;
  for (size_t v = 0; !st && v < t->s->n_variants; v++) {
    size_t nk;
    block[v] = SIZE_MAX;
    st = read_cell(x, v, e, ss, &nk);
    if (!st && nk) {
      fprintf(af.f, "%s# variant %s: %zu of %zu seeds\n", nb ? "\n\n" : "", t->s->variants[v].name,
              nk, t->K);
      write_block(af.f, fig, ss, nk);
      fputs("nan\tnan\tnan\n", af.f); /* keeps an empty block a block */
      block[v] = nb++, *any = 1;
    }
    for (size_t k = 0; k < nk; k++) exp_xd_series_free(&ss[k]);
  }
  free(ss);
  if (st) {
    tr_atomic_abort(&af);
    return st;
  }
  return tr_atomic_commit(&af);
}

static void gp_plot_lines(FILE *f, const exp_xd *x, size_t e, int fig, const char *base,
                          const size_t *block) {
  const exp_spec *s = x->t->s;
  fputs("plot \\\n", f);
  int first = 1;
  for (size_t v = 0; v < s->n_variants; v++) {
    if (block[v] == SIZE_MAX) continue;
    const char *col = exp_gp_palette[v % exp_gp_n_palette];
    fprintf(f, "%s  \"%s.dat\" index %zu using 1:2 with %s lc rgb \"%s\" title ", first ? "" : ", \\\n",
            base, block[v], fig == FIG_IMP ? "points pt 7 ps 0.5" : "linespoints pt 7 ps 0.6 lw 2", col);
    exp_gp_string(f, s->variants[v].name);
    if (fig == FIG_KL && isfinite(x->var_target[v]))
      fprintf(f, ", \\\n  %.17g with lines dt 2 lw 1.5 lc rgb \"%s\" notitle", x->var_target[v], col);
    first = 0;
  }
  if (fig == FIG_J) {
    fprintf(f, ", \\\n  %.17g with lines dt 2 lw 2 lc rgb \"black\" title \"J* (policy iteration)\"",
            x->j_opt[e]);
    fprintf(f, ", \\\n  %.17g with lines dt 3 lw 1.5 lc rgb \"#7f7f7f\" title \"J of the uniform "
               "policy\"", x->j_rand[e]);
  }
  if (fig == FIG_IMP) fputs(", \\\n  x with lines dt 2 lc rgb \"black\" title \"sampled = exact\"", f);
  fputc('\n', f);
}

static tr_status write_gp(const exp_xd *x, size_t e, int fig, const char *base, const size_t *block) {
  char name[320], title[512];
  snprintf(name, sizeof name, "%s.gp", base);
  tr_atomic_file af;
  tr_status st = tr_atomic_open_in(&af, x->t->dir, name);
  if (st) return st;
  FILE *f = af.f;
  const exp_spec *s = x->t->s;
  static const char *const what[N_FIG] = {"exact J per iteration", "exact mean KL per iteration",
                                          "sampled against exact improvement"};
  snprintf(title, sizeof title, "%s on %s: %s", s->name, s->envs[e], what[fig]);
  exp_gp_head(f, s->name, title, base);
  fputs("set title ", f);
  exp_gp_string(f, title);
  fputs("\nset key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2\n", f);
  if (fig == FIG_IMP)
    fputs("set xlabel \"exact improvement J(π_new) − J(π_old)\"\n"
          "set ylabel \"sampled improvement (1/(1−γ)) mean (r − 1) Â\"\n"
          "set xzeroaxis lt 1 lc rgb \"#999999\"\nset yzeroaxis lt 1 lc rgb \"#999999\"\n", f);
  else
    fprintf(f, "set xlabel \"environment steps (one point per iteration)\"\nset ylabel \"%s\"\n%s",
            fig == FIG_J ? "exact J (mean ± s.e. over seeds)"
                         : "exact mean KL(π_old ‖ π_new) (mean over seeds; dashed: target)",
            fig == FIG_KL ? "set logscale y\nset format y \"%g\"\n" : "");
  exp_gp_png(f, base, 1100, 620);
  gp_plot_lines(f, x, e, fig, base, block);
  exp_gp_svg(f, base, 1100, 620);
  return tr_atomic_commit(&af);
}

tr_status exp_xd_plot(const exp_xd *x, const char *pdir, char (*bases)[256], size_t *n_fig) {
  const exp_table *t = x->t;
  size_t *block = calloc(t->s->n_variants + 1, sizeof *block);
  if (!block) return tr_error(TR_ENOMEM, "out of memory");
  exp_xd shifted = *x; /* the same diagnostics, files under pdir */
  exp_table tp = *t;
  tp.dir = (char *)pdir;
  shifted.t = &tp;
  tr_status st = TR_OK;
  for (size_t e = 0; !st && e < t->s->n_envs; e++)
    for (int fig = 0; !st && fig < N_FIG; fig++) {
      char safe[200], base[256];
      int any = 0;
      exp_safe_name(safe, sizeof safe, t->s->envs[e]);
      snprintf(base, sizeof base, "%s_%s", fig_prefix[fig], safe);
      if (!(st = write_dat(&shifted, e, fig, base, block, &any)) && any &&
          !(st = write_gp(&shifted, e, fig, base, block)))
        snprintf(bases[(*n_fig)++], sizeof bases[0], "%s", base);
    }
  free(block);
  return st;
}
