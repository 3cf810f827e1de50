/* experiments/table.c — `trbench table SPEC`: an experiment's table as markdown, CSV (RFC
 * 4180) and LaTeX (booktabs), from its runs as results.c loads them (scores, normalization
 * and Spearman's ρ are explained there).  Every file is written atomically (tr_atomic_open
 * / commit). */
#define _GNU_SOURCE
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/num.h"
#include "core/io.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/exact_diag.h"
#include "experiments/provenance.h"
#include "experiments/results.h"

/* ---- formatting ------------------------------------------------------------------------ */

/* x with `sig` significant digits, but whole numbers in plain notation when |x| ≥ 10^sig. */
static const char *num(char *buf, size_t n, double x, int sig) {
  if (!isfinite(x)) snprintf(buf, n, "n/a");
  else if (fabs(x) >= pow(10, sig) && fabs(x) < 1e15) snprintf(buf, n, "%.0f", x);
  else snprintf(buf, n, "%.*g", sig, x);
  return buf;
}

typedef enum { FMT_MD, FMT_TEX } cell_fmt;

/* Text with the characters special to the format escaped. */
static void put_text(FILE *f, const char *s, cell_fmt fmt) {
  for (; *s; s++) {
    if (fmt == FMT_MD && (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`'))
      fprintf(f, "\\%c", *s);
    else if (fmt == FMT_TEX && strchr("&%$#_{}", *s)) fprintf(f, "\\%c", *s);
    else if (fmt == FMT_TEX && *s == '\\') fputs("\\textbackslash{}", f);
    else if (fmt == FMT_TEX && *s == '~') fputs("\\textasciitilde{}", f);
    else if (fmt == FMT_TEX && *s == '^') fputs("\\textasciicircum{}", f);
    else fputc(*s, f);
  }
}

/* One (variant, env) cell: "mean ± se", "(k/K)" when runs are missing, "missing (0/K)". */
static void put_cell(FILE *f, const exp_table *t, size_t v, size_t e, cell_fmt fmt) {
  size_t c = v * t->s->n_envs + e, k = t->n[c];
  char a[64], b[64];
  if (!k) {
    fprintf(f, "missing (0/%zu)", t->K);
    return;
  }
  num(a, sizeof a, t->mean[c], 4);
  if (k > 1) {
    num(b, sizeof b, t->se[c], 2);
    if (fmt == FMT_TEX) fprintf(f, "$%s \\pm %s$", a, b);
    else fprintf(f, "%s ± %s", a, b);
  } else {
    fputs(fmt == FMT_TEX ? "$" : "", f);
    fputs(a, f);
    fputs(fmt == FMT_TEX ? "$" : "", f);
  }
  if (k < t->K) fprintf(f, " (%zu/%zu)", k, t->K);
}

static void put_row_score(FILE *f, const exp_table *t, size_t v) {
  char a[64];
  if (!t->row_n[v]) {
    fprintf(f, "n/a (0/%zu runs)", t->K * t->s->n_envs);
    return;
  }
  snprintf(a, sizeof a, "%.2f", t->row_score[v]);
  fputs(a, f);
}

/* A row's aggregate k with its interval: "0.82 [0.75, 0.88]" (n/a without normalized runs). */
static void put_agg(FILE *f, const exp_table *t, size_t v, int k, cell_fmt fmt) {
  const exp_row_agg *g = &t->agg[v];
  if (!g->n || !isfinite(g->point[k])) {
    fputs("n/a", f);
    return;
  }
  fprintf(f, fmt == FMT_TEX ? "%.2f\\,[%.2f, %.2f]" : "%.2f [%.2f, %.2f]", g->point[k], g->lo[k],
          g->hi[k]);
}

/* the aggregate columns, in this order */
static const int agg_cols[] = {EXP_AGG_IQM, EXP_AGG_MEDIAN, EXP_AGG_MEAN, EXP_AGG_OPT_GAP};
static const char *const agg_titles[] = {"IQM", "median", "mean", "opt. gap"};
#define N_AGG_COLS 4

/* The row's published number, or its per-environment numbers "a / b" in the environments'
 * order ("—" for one without). */
static void put_paper(FILE *f, const exp_spec *s, const exp_variant *var, cell_fmt fmt) {
  const char *none = fmt == FMT_TEX ? "---" : "—";
  if (isfinite(var->paper)) {
    fprintf(f, "%.2f", var->paper);
    return;
  }
  if (!var->paper_env) {
    fputs(none, f);
    return;
  }
  char a[64];
  for (size_t e = 0; e < s->n_envs; e++) {
    if (e) fputs(" / ", f);
    fputs(isfinite(var->paper_env[e]) ? num(a, sizeof a, var->paper_env[e], 4) : none, f);
  }
}

/* ---- table.md ---------------------------------------------------------------------------- */

/* Per group (variants with the same `group`), per environment: the group's row with the best
 * mean (a step-size sweep's "best per task", as the TRPO paper picked its NPG step size). */
static void write_groups(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  for (size_t g = 0; g < V; g++) {
    const char *name = s->variants[g].group;
    int first = 1;
    for (size_t w = 0; w < g && first; w++) first = !(s->variants[w].group && !strcmp(s->variants[w].group, name ? name : ""));
    if (!name || !first) continue;
    fputs("\nBest row of the group `", f);
    put_text(f, name, FMT_MD);
    fputs("` per environment (highest mean; the paper picked the best per task the same way)\n\n"
          "| environment | best row | mean |\n| --- | --- | ---: |\n", f);
    for (size_t e = 0; e < E; e++) {
      size_t best = V;
      for (size_t v = 0; v < V; v++) {
        size_t c = v * E + e;
        if (!s->variants[v].group || strcmp(s->variants[v].group, name) || !t->n[c]) continue;
        if (best == V || t->mean[c] > t->mean[best * E + e]) best = v;
      }
      fputs("| ", f);
      put_text(f, s->envs[e], FMT_MD);
      fputs(" | ", f);
      if (best == V) {
        fputs("n/a (no runs) | n/a |\n", f);
        continue;
      }
      put_text(f, s->variants[best].name, FMT_MD);
      fputs(" | ", f);
      put_cell(f, t, best, e, FMT_MD);
      fputs(" |\n", f);
    }
  }
}

/* The rest of a per-environment section's header, after "| variant |": each environment's
 * name followed by `after` (its columns), then the rule line, `rule` per environment. */
static void put_env_header(FILE *f, const exp_spec *s, const char *after, const char *rule) {
  for (size_t e = 0; e < s->n_envs; e++) {
    fputc(' ', f);
    put_text(f, s->envs[e], FMT_MD);
    fputs(after, f);
  }
  fputs("\n| --- |", f);
  for (size_t e = 0; e < s->n_envs; e++) fputs(rule, f);
}

/* One run at n_at environment steps, from its progress.tsv: the return_last100 of the last
 * iteration with steps <= n_at (*y, NAN if none), the iterations by then (*k) and in all
 * (*total).  0 when the file has no curve. */
static int run_at_steps(const exp_table *t, const exp_run_ref *r, double n_at, double *y,
                        double *k, double *total) {
  double *x, *ret;
  size_t n, i = 0;
  if (!exp_run_progress_read(t, r, "steps", "return_last100", &x, &ret, &n)) return 0;
  while (i < n && x[i] <= n_at) i++;
  *y = i ? ret[i - 1] : NAN, *k = (double)i, *total = (double)n;
  free(x), free(ret);
  return 1;
}

/* "At equal environment steps": every row read at the smallest step budget of the spec,
 * with the iterations done by then and in all — written when the rows' budgets differ or
 * their runs make different numbers of iterations (vine against single path), where the
 * main table (each run's final score) compares rows at their own budgets. */
static void write_equal_steps(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs, C = V * E;
  double n_at = INFINITY, hi = 0;
  for (size_t i = 0; i < t->n_runs; i++) {
    n_at = fmin(n_at, (double)t->runs[i].steps);
    hi = fmax(hi, (double)t->runs[i].steps);
  }
  int differ = hi > n_at;
  for (size_t e = 0; e < E && !differ; e++) differ = exp_table_updates_differ(t, e);
  if (!differ) return;
  double *acc = calloc(5 * C, sizeof *acc); /* per cell: Σy, Σy², n_y, Σk, Σtotal (n runs) */
  size_t *nr = calloc(C, sizeof *nr);
  if (!acc || !nr) {
    free(acc), free(nr);
    return;
  }
  for (size_t i = 0; i < t->n_runs; i++) {
    const exp_run_ref *r = &t->runs[i];
    double y, k, total;
    if (!run_at_steps(t, r, n_at, &y, &k, &total)) continue;
    size_t c = r->variant * E + r->env;
    if (isfinite(y)) acc[5 * c] += y, acc[5 * c + 1] += y * y, acc[5 * c + 2] += 1;
    acc[5 * c + 3] += k, acc[5 * c + 4] += total, nr[c]++;
  }
  char a[64], b[64];
  fprintf(f, "\nAt equal environment steps: every row read at %.0f steps, the smallest budget "
             "(the return_last100 of each run's last iteration within it, mean ± standard "
             "error over seeds), with the iterations (policy updates) done by then and by the "
             "end of the run (means over seeds). The table above gives each run's final score, "
             "at its own budget.\n\n| variant |", n_at);
  put_env_header(f, s, " |", " ---: |");
  for (size_t v = 0; v < V; v++) {
    fputs("\n| ", f);
    put_text(f, s->variants[v].name, FMT_MD);
    fputs(" |", f);
    for (size_t e = 0; e < E; e++) {
      size_t c = v * E + e;
      const double *q = acc + 5 * c;
      if (!nr[c]) {
        fputs(" n/a (no curve) |", f);
        continue;
      }
      double m = q[2] ? q[0] / q[2] : NAN;
      double var = q[2] > 1 ? (q[1] - q[2] * m * m) / (q[2] - 1) : NAN;
      fprintf(f, " %s", num(a, sizeof a, m, 4));
      if (q[2] > 1) fprintf(f, " ± %s", num(b, sizeof b, sqrt(fmax(var, 0) / q[2]), 2));
      fprintf(f, " · %.4g it. (end %.4g) |", q[3] / (double)nr[c], q[4] / (double)nr[c]);
    }
  }
  fputc('\n', f);
  free(acc), free(nr);
}

/* "Against the paper, per environment": for specs with per-environment published numbers
 * (paper@ENV, raw scores such as Engstrom et al.'s Table 1), each cell's mean with its
 * bootstrap 95% interval over seeds, the paper's number and the difference, ✓ where the
 * paper's number lies in the interval; then how many cells that is and Spearman's ρ between
 * the rows' means and the paper's per environment. */
static void write_paper_cells(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs, C = V * E;
  size_t paper_rows = 0; /* rows with per-environment paper numbers */
  for (size_t v = 0; v < V; v++) paper_rows += s->variants[v].paper_env != NULL;
  if (!paper_rows) return;
  double *lo = malloc(C * sizeof *lo), *hi = malloc(C * sizeof *hi);
  double *ours = malloc(V * sizeof *ours), *paper = malloc(V * sizeof *paper);
  if (!lo || !hi || !ours || !paper || exp_table_cell_cis(t, lo, hi)) {
    free(lo), free(hi), free(ours), free(paper);
    return;
  }
  char a[64], b[64], c[64];
  fprintf(f, "\nAgainst the paper, per environment: our mean [95%% bootstrap interval over the "
             "seeds] (%d resamples, percentile interval, seed %u), the paper's number, and our "
             "mean minus the paper's; ✓ where the paper's number lies inside our interval.\n\n"
             "| variant |", EXP_AGG_RESAMPLES, EXP_AGG_SEED);
  put_env_header(f, s, " [95% CI] | paper | difference |", " ---: | ---: | ---: |");
  size_t inside = 0, compared = 0;
  for (size_t v = 0; v < V; v++) {
    const double *pe = s->variants[v].paper_env;
    fputs("\n| ", f);
    put_text(f, s->variants[v].name, FMT_MD);
    fputs(" |", f);
    for (size_t e = 0; e < E; e++) {
      size_t i = v * E + e;
      double p = pe ? pe[e] : NAN, m = t->n[i] ? t->mean[i] : NAN;
      if (!t->n[i]) fprintf(f, " missing (0/%zu) |", t->K);
      else if (isfinite(lo[i]))
        fprintf(f, " %s [%s, %s] |", num(a, sizeof a, m, 4), num(b, sizeof b, lo[i], 4),
                num(c, sizeof c, hi[i], 4));
      else fprintf(f, " %s (%zu seed) |", num(a, sizeof a, m, 4), t->n[i]);
      fprintf(f, " %s |", isfinite(p) ? num(a, sizeof a, p, 4) : "—");
      if (!isfinite(p) || !isfinite(m)) {
        fputs(" — |", f);
        continue;
      }
      fprintf(f, " %s%s", m - p > 0 ? "+" : "", num(a, sizeof a, m - p, 3));
      if (isfinite(lo[i])) {
        compared++;
        if (lo[i] <= p && p <= hi[i]) fputs(" ✓", f), inside++;
      }
      fputs(" |", f);
    }
  }
  fprintf(f, "\n\nThe paper's number lies inside our interval in %zu of %zu cells (those with "
             "a paper number and at least 2 seeds). Spearman's ρ between the rows' means and "
             "the paper's:", inside, compared);
  if (paper_rows < 2) fputs(" n/a (one row has paper numbers; a rank correlation needs 2)", f);
  for (size_t e = 0; paper_rows >= 2 && e < E; e++) {
    for (size_t v = 0; v < V; v++) {
      size_t i = v * E + e;
      ours[v] = t->n[i] ? t->mean[i] : NAN;
      paper[v] = s->variants[v].paper_env ? s->variants[v].paper_env[e] : NAN;
    }
    size_t used;
    double rho = exp_stats_spearman(ours, paper, V, &used);
    fprintf(f, "%s ", e ? ";" : "");
    put_text(f, s->envs[e], FMT_MD);
    if (isfinite(rho)) fprintf(f, " %.2f (%zu rows)", rho, used);
    else fprintf(f, " n/a (%zu row%s)", used, used == 1 ? "" : "s");
  }
  fputs(". With few seeds a percentile interval is narrower than a 95% one should be, so a "
        "number outside it is a hint, not a verdict.\n", f);
  free(lo), free(hi), free(ours), free(paper);
}

/* The notes on the random policy's episode time limits (time_limit and time_limit@ENV). */
static void time_limit_notes(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t E = s->n_envs, set = 0, agree = 0;
  int one = 1; /* one value everywhere */
  for (size_t e = 0; e < E; e++) {
    set += t->time_limit[e] != 0;
    agree += t->time_limit_agree[e] != 0;
    one = one && t->time_limit_agree[e] && t->time_limit[e] == t->time_limit[0];
  }
  if (one && t->time_limit[0]) {
    fprintf(f, "- Every variant sets time_limit = %zu: the random policy's episodes use it too.\n",
            t->time_limit[0]);
    return;
  }
  for (size_t e = 0; e < E && set; e++)
    if (t->time_limit[e])
      fprintf(f, "- On %s every variant sets time_limit = %zu: the random policy's episodes "
                 "there use it too.\n", s->envs[e], t->time_limit[e]);
  if (!agree)
    fputs("- The variants set different time_limit values: the random policy's episodes use "
          "each environment's own time limit.\n", f);
  else
    for (size_t e = 0; e < E && agree < E; e++)
      if (!t->time_limit_agree[e])
        fprintf(f, "- On %s the variants set different time_limit values: the random policy's "
                   "episodes there use the environment's own time limit.\n", s->envs[e]);
}

static void write_markdown(FILE *f, const exp_table *t, const exp_provenance *pv, int argc, char **argv) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  char a[64], b[64];
  fprintf(f, "## %s", s->name);
  if (s->description) fprintf(f, ": %s", s->description);
  fputs("\n\n| variant |", f);
  if (s->normalize) fputs(" score |", f);
  fputs(" paper |", f);
  for (size_t e = 0; e < E; e++) {
    fputc(' ', f);
    put_text(f, s->envs[e], FMT_MD);
    fputs(" |", f);
  }
  fputs(" runs |", f);
  for (int k = 0; s->normalize && k < N_AGG_COLS; k++) fprintf(f, " %s [95%% CI] |", agg_titles[k]);
  fputs("\n| --- |", f);
  if (s->normalize) fputs(" ---: |", f);
  fputs(" ---: |", f);
  for (size_t e = 0; e < E; e++) fputs(" ---: |", f);
  fputs(" ---: |", f);
  for (int k = 0; s->normalize && k < N_AGG_COLS; k++) fputs(" ---: |", f);
  fputc('\n', f);
  for (size_t v = 0; v < V; v++) {
    fputs("| ", f);
    put_text(f, s->variants[v].name, FMT_MD);
    fputs(" |", f);
    if (s->normalize) {
      fputc(' ', f);
      put_row_score(f, t, v);
      fputs(" |", f);
    }
    fputc(' ', f);
    put_paper(f, s, &s->variants[v], FMT_MD);
    fputs(" |", f);
    for (size_t e = 0; e < E; e++) {
      fputc(' ', f);
      put_cell(f, t, v, e, FMT_MD);
      fputs(" |", f);
    }
    fprintf(f, " %zu/%zu |", t->row_found[v], t->K * E);
    for (int k = 0; s->normalize && k < N_AGG_COLS; k++) {
      fputc(' ', f);
      put_agg(f, t, v, agg_cols[k], FMT_MD);
      fputs(" |", f);
    }
    fputc('\n', f);
  }
  write_groups(f, t);
  write_equal_steps(f, t);
  write_paper_cells(f, t);

  fputs("\nNotes\n\n", f);
  fprintf(f, "- A run's score is `%s` from its summary.ini. Environment columns: the raw score, "
             "mean ± standard error over seeds; (k/%zu) when only k of %zu seeds were found; "
             "missing runs are never counted as 0.\n", s->score, t->K, t->K);
  if (s->normalize) {
    fputs("- score: per environment (score − random)/(best − random), averaged over all runs "
          "of the row found (REFERENCES.md § 3). random: ", f);
    int exact = 0;
    for (size_t e = 0; e < E; e++) exact |= t->random_how[e] && strstr(t->random_how[e], "exact J");
    fprintf(f, "the mean return of uniform random actions over %d episodes (to termination or "
               "the time limit) measured by trbench with seed %d, as `trbench rollout --env ENV "
               "--episodes %d --seed %d`%s; best: the best row's mean on that environment in this "
               "sweep.\n", EXP_RANDOM_EPISODES, EXP_RANDOM_SEED, EXP_RANDOM_EPISODES,
            EXP_RANDOM_SEED,
            exact ? " (for exact_J on tabular environments: the exact J of the uniform policy)" : "");
    time_limit_notes(f, t);
    fputs("\n| environment | random | best | best row | random measured as |\n"
          "| --- | ---: | ---: | --- | --- |\n", f);
    for (size_t e = 0; e < E; e++) {
      fputs("| ", f);
      put_text(f, s->envs[e], FMT_MD);
      fprintf(f, " | %s | %s | ", num(a, sizeof a, t->random[e], 6), num(b, sizeof b, t->best[e], 6));
      if (isfinite(t->best[e])) put_text(f, s->variants[t->best_v[e]].name, FMT_MD);
      else fputs("n/a (no runs)", f);
      fprintf(f, " | %s |\n", t->random_how[e] ? t->random_how[e] : "n/a");
    }
    fputc('\n', f);
    for (size_t e = 0; e < E; e++)
      if (isfinite(t->best[e]) && t->best[e] == t->random[e])
        fprintf(f, "- %s: best = random, so its runs cannot be normalized and are left out of "
                   "the score.\n", s->envs[e]);
    for (size_t e = 0; e < E; e++)
      if (isfinite(t->best[e]) && t->best[e] < t->random[e])
        fprintf(f, "- %s: every row is below random (best < random): its normalized scores "
                   "reverse the order.\n", s->envs[e]);
  }
  fputs("- paper: ", f);
  if (s->paper) put_text(f, s->paper, FMT_MD);
  else fputs("(no source given in the spec)", f);
  fputs(" (— where the spec gives no number).\n", f);
  if (s->normalize) {
    fprintf(f, "- IQM, median, mean and opt. gap (Agarwal et al. 2021): over the normalized "
               "scores of all of a row's runs pooled across environments; IQM: the mean after "
               "dropping a quarter of the runs (rounded down) at each end; opt. gap: the mean "
               "shortfall below 1 (the best row); mean equals score. [95%% CI]: stratified "
               "bootstrap (runs resampled within each environment, %d resamples, percentile "
               "interval, seed %u, so the table is reproducible).\n", EXP_AGG_RESAMPLES,
            EXP_AGG_SEED);
    if (isfinite(t->rho))
      fprintf(f, "- Spearman rank correlation between our scores and the paper's: ρ = %.3f "
                 "[%.3f, %.3f] (95%% stratified-bootstrap CI over the runs of each (row, "
                 "environment) cell; %zu rows with both; ties share average ranks).\n",
              t->rho, t->rho_lo, t->rho_hi, t->rho_n);
    else
      fprintf(f, "- Spearman rank correlation with the paper: n/a (%zu row%s with both a score "
                 "and a paper number; it needs 2 and neither side constant).\n", t->rho_n,
              t->rho_n == 1 ? "" : "s");
  } else {
    fputs("- normalization = none: no score across environments, so no average column and no "
          "rank correlation with the paper across them (per environment, with per-environment "
          "paper numbers: the section above).\n", f);
  }
  fprintf(f, "- Runs: %zu of %zu found with a finite score; %zu diverged and %zu failed among "
             "them (counted with their scores); %zu with a summary but no finite `%s` and %zu "
             "without a summary are shown as missing.\n",
          t->found, t->n_runs, t->diverged, t->failed, t->unusable, s->score, t->absent);

  exp_provenance_write_md(f, pv, argc, argv);
  fprintf(f, "- spec: %s; runs: %s/runs (%zu of %zu found, --scale %g)\n", s->path, t->dir,
          t->found, t->n_runs, t->scale);
  size_t ask_lo = SIZE_MAX, ask_hi = 0;
  for (size_t i = 0; i < t->n_runs; i++) {
    if (t->runs[i].steps < ask_lo) ask_lo = t->runs[i].steps;
    if (t->runs[i].steps > ask_hi) ask_hi = t->runs[i].steps;
  }
  if (!t->n_runs) ask_lo = ask_hi = 0;
  fprintf(f, "- environment steps per run: %zu", ask_lo);
  if (ask_hi > ask_lo) fprintf(f, " to %zu (the rows' own budgets)", ask_hi);
  fputs(" asked", f);
  if (t->steps_min <= t->steps_max) {
    fprintf(f, "; %.0f", t->steps_min);
    if (t->steps_max > t->steps_min) fprintf(f, " to %.0f", t->steps_max);
    fputs(" done (summary.ini; whole batches, fewer when a run stopped early)", f);
  }
  fputc('\n', f);
}

/* ---- table.tex (booktabs) ---------------------------------------------------------------- */

static void write_tex(FILE *f, const exp_table *t, const exp_provenance *pv, int argc, char **argv) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  char a[64], b[64];
  fputs("% trbench table (needs \\usepackage{booktabs}); command: ", f);
  exp_put_command(f, argc, argv);
  fprintf(f, "\n%% trbench %s, commit %s; %s; CPU: %s; %s\n", exp_version(), exp_commit(),
          pv->machine, pv->cpu, pv->date);
  fprintf(f, "%% runs: %zu of %zu found in %s/runs\n", t->found, t->n_runs, t->dir);
  fputs("\\begin{table}[t]\n\\centering\n\\caption{", f);
  put_text(f, s->name, FMT_TEX);
  if (s->description) {
    fputs(": ", f);
    put_text(f, s->description, FMT_TEX);
  }
  fputs(".}\n\\label{tab:", f);
  for (const char *p = s->name; *p; p++) fputc(isalnum((unsigned char)*p) ? *p : '-', f);
  fputs("}\n\\begin{tabular}{l", f);
  if (s->normalize) fputc('r', f);
  fputc('r', f);
  for (size_t e = 0; e < E; e++) fputc('r', f);
  fputc('r', f);
  for (int k = 0; s->normalize && k < N_AGG_COLS; k++) fputc('r', f);
  fputs("}\n\\toprule\nVariant", f);
  if (s->normalize) fputs(" & Score", f);
  fputs(" & Paper", f);
  for (size_t e = 0; e < E; e++) {
    fputs(" & ", f);
    put_text(f, s->envs[e], FMT_TEX);
  }
  fputs(" & Runs", f);
  for (int k = 0; s->normalize && k < N_AGG_COLS; k++) fprintf(f, " & %s", agg_titles[k]);
  fputs(" \\\\\n\\midrule\n", f);
  for (size_t v = 0; v < V; v++) {
    put_text(f, s->variants[v].name, FMT_TEX);
    if (s->normalize) {
      fputs(" & ", f);
      put_row_score(f, t, v);
    }
    fputs(" & ", f);
    put_paper(f, s, &s->variants[v], FMT_TEX);
    for (size_t e = 0; e < E; e++) {
      fputs(" & ", f);
      put_cell(f, t, v, e, FMT_TEX);
    }
    fprintf(f, " & %zu/%zu", t->row_found[v], t->K * E);
    for (int k = 0; s->normalize && k < N_AGG_COLS; k++) {
      fputs(" & ", f);
      put_agg(f, t, v, agg_cols[k], FMT_TEX);
    }
    fputs(" \\\\\n", f);
  }
  fputs("\\bottomrule\n\\end{tabular}\n\\par\\smallskip\n\\footnotesize\n", f);
  fputs("Environment columns: ", f);
  put_text(f, s->score, FMT_TEX);
  fprintf(f, ", mean $\\pm$ standard error over seeds; $(k/%zu)$: only $k$ seeds found.", t->K);
  if (s->normalize) {
    fputs(" Score: per environment $(x - \\mathrm{random})/(\\mathrm{best} - \\mathrm{random})$ "
          "averaged over the row's runs; random (uniform random actions, 100 episodes) / best: ", f);
    for (size_t e = 0; e < E; e++) {
      put_text(f, s->envs[e], FMT_TEX);
      fprintf(f, " %s / %s%s", num(a, sizeof a, t->random[e], 4), num(b, sizeof b, t->best[e], 4),
              e + 1 < E ? "; " : ".");
    }
    fprintf(f, " IQM, median, mean, optimality gap of the normalized scores, [95\\%% CI] by "
               "stratified bootstrap (%d resamples).", EXP_AGG_RESAMPLES);
    if (isfinite(t->rho))
      fprintf(f, " Spearman $\\rho = %.3f$ [%.3f, %.3f] with the paper over %zu rows.", t->rho,
              t->rho_lo, t->rho_hi, t->rho_n);
  }
  if (s->paper) {
    fputs(" Paper: ", f);
    put_text(f, s->paper, FMT_TEX);
    fputc('.', f);
  }
  if (t->diverged || t->failed)
    fprintf(f, " %zu diverged and %zu failed runs counted with their scores.", t->diverged, t->failed);
  fputs("\n\\end{table}\n", f);
}

typedef struct {
  const exp_table *t;
  const exp_provenance *pv;
  int argc;
  char **argv;
} out_ctx;

static tr_status write_out(const char *dir, const char *name, const out_ctx *o,
                           void (*writer)(FILE *, const out_ctx *)) {
  tr_atomic_file af;
  tr_status st = tr_atomic_open_in(&af, dir, name);
  if (st) return st;
  writer(af.f, o);
  return tr_atomic_commit(&af);
}

static void md_writer(FILE *f, const out_ctx *o) { write_markdown(f, o->t, o->pv, o->argc, o->argv); }
static void csv_writer(FILE *f, const out_ctx *o) { exp_table_write_csv(f, o->t); }
static void tex_writer(FILE *f, const out_ctx *o) { write_tex(f, o->t, o->pv, o->argc, o->argv); }

static void table_help(FILE *f) {
  fputs("usage: trbench table SPEC [--results DIR] [--scale F] [--seeds N]\n\n"
        "Writes DIR/<experiment>/table.md, table.csv and table.tex (booktabs) from the run\n"
        "directories of `trbench sweep SPEC` and prints the markdown: one row per variant with\n"
        "its score (normalization = random_best: per environment (score - random)/(best -\n"
        "random), averaged over the row's runs), the paper's number, each environment's mean\n"
        "+- standard error over seeds, and the runs found; notes with random and best per\n"
        "environment, Spearman's rank correlation with the paper, and provenance.  Missing runs\n"
        "show as missing, never as 0.  random is the mean return of uniform random actions over\n"
        "100 episodes (seed 1), as `trbench rollout --env ENV --episodes 100 --seed 1`.\n"
        "When the rows' step budgets or iterations per run differ (vine against single path),\n"
        "a section reads every row at the smallest budget from progress.tsv, with the\n"
        "iterations done by then and in all: equal steps beside the main table's own budgets.\n"
        "With per-environment paper numbers (paper@ENV), a section sets each cell's mean and\n"
        "its bootstrap 95% interval over seeds beside the paper's number, with Spearman's rho\n"
        "per environment.\n"
        "Specs scored by exact_J (tabular) also get diagnostics.md and diagnostics.csv: per\n"
        "variant and environment the share of the optimum reached, the iterations whose exact\n"
        "improvement was negative, the exact KL against the algorithm's KL target, the max\n"
        "exact TV, and how well the sampled improvement tracks the exact one (notes define each).\n"
        "  --results DIR  where the sweep wrote its runs (default: the sweep's, else results)\n"
        "  --scale F      the sweep's --scale (default: the one the sweep recorded)\n"
        "  --seeds N      the sweep's --seeds (default: the recorded ones)\n"
        "No run found is an error (exit 2) that names where it looked.\n", f);
}

int exp_cmd_table(int argc, char **argv) {
  exp_table_args a;
  /* getopt_long permutes argv: keep the command line as typed, for the provenance */
  char **typed = malloc(((size_t)argc + 1) * sizeof *typed);
  if (!typed) return exp_fail("out of memory");
  memcpy(typed, argv, ((size_t)argc + 1) * sizeof *typed);
  int help, rc = exp_table_args_parse("table", argc, argv, &a, &help);
  if (rc || help) {
    if (help) table_help(stdout);
    free(typed);
    return rc;
  }
  exp_table t;
  tr_status st = exp_table_load(&t, a.spec, &a.flags, 1);
  if (!st) exp_sweep_note(stderr, "table", t.s, &t.set); /* what came from memory */
  if (!st && !t.found) st = exp_table_no_runs(&t);
  if (!st) st = tr_mkdir_p(t.dir);
  exp_provenance pv;
  exp_provenance_get(&pv);
  out_ctx o = {&t, &pv, argc, typed};
  if (st || (st = write_out(t.dir, "table.md", &o, md_writer)) ||
      (st = write_out(t.dir, "table.csv", &o, csv_writer)) ||
      (st = write_out(t.dir, "table.tex", &o, tex_writer))) {
    rc = exp_fail_status(st);
  } else {
    write_markdown(stdout, &t, &pv, argc, typed);
    if (exp_xd_applies(&t) && (st = exp_xd_table(&t, stdout))) rc = exp_fail_status(st);
  }
  exp_table_free(&t);
  free(typed);
  return rc;
}
