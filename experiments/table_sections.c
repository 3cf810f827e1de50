/* experiments/table_sections.c — the sections of table.md beyond its main table (table.c):
 * each group's best row per environment, every row at equal environment steps, each cell
 * against the paper's per-environment number, the notes on the random policy's time limits;
 * and the cell formatting that table.md and table.tex share.  See table_sections.h. */
#include "experiments/table_sections.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "experiments/aggregates.h"
#include "experiments/rundir.h"
#include "experiments/stats.h"

/* ---- formatting ------------------------------------------------------------------------ */

/* x with `sig` significant digits, but whole numbers in plain notation when |x| ≥ 10^sig. */
const char *exp_table_num(char *buf, size_t n, double x, int sig) {
  if (!isfinite(x)) snprintf(buf, n, "n/a");
  else if (fabs(x) >= pow(10, sig) && fabs(x) < 1e15) snprintf(buf, n, "%.0f", x);
  else snprintf(buf, n, "%.*g", sig, x);
  return buf;
}

/* Text with the characters special to the format escaped. */
void exp_table_put_text(FILE *f, const char *s, exp_cell_fmt fmt) {
  for (; *s; s++) {
    if (fmt == EXP_FMT_MD && (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '`'))
      fprintf(f, "\\%c", *s);
    else if (fmt == EXP_FMT_TEX && strchr("&%$#_{}", *s)) fprintf(f, "\\%c", *s);
    else if (fmt == EXP_FMT_TEX && *s == '\\') fputs("\\textbackslash{}", f);
    else if (fmt == EXP_FMT_TEX && *s == '~') fputs("\\textasciitilde{}", f);
    else if (fmt == EXP_FMT_TEX && *s == '^') fputs("\\textasciicircum{}", f);
    else fputc(*s, f);
  }
}

/* One (variant, env) cell: "mean ± se", "(k/K)" when runs are missing, "missing (0/K)". */
void exp_table_put_cell(FILE *f, const exp_table *t, size_t v, size_t e, exp_cell_fmt fmt) {
  size_t c = v * t->s->n_envs + e, k = t->n[c];
  char a[64], b[64];
  if (!k) {
    fprintf(f, "missing (0/%zu)", t->K);
    return;
  }
  exp_table_num(a, sizeof a, t->mean[c], 4);
  if (k > 1) {
    exp_table_num(b, sizeof b, t->se[c], 2);
    if (fmt == EXP_FMT_TEX) fprintf(f, "$%s \\pm %s$", a, b);
    else fprintf(f, "%s ± %s", a, b);
  } else {
    fputs(fmt == EXP_FMT_TEX ? "$" : "", f);
    fputs(a, f);
    fputs(fmt == EXP_FMT_TEX ? "$" : "", f);
  }
  if (k < t->K) fprintf(f, " (%zu/%zu)", k, t->K);
}

/* ---- sections of table.md ---------------------------------------------------------------- */

/* ---- table.md ---------------------------------------------------------------------------- */

/* Per group (variants with the same `group`), per environment: the group's row with the best
 * mean (a step-size sweep's "best per task", as the TRPO paper picked its NPG step size). */
void exp_table_write_groups(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  for (size_t g = 0; g < V; g++) {
    const char *name = s->variants[g].group;
    int first = 1;
    for (size_t w = 0; w < g && first; w++) first = !(s->variants[w].group && !strcmp(s->variants[w].group, name ? name : ""));
    if (!name || !first) continue;
    fputs("\nBest row of the group `", f);
    exp_table_put_text(f, name, EXP_FMT_MD);
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
      exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
      fputs(" | ", f);
      if (best == V) {
        fputs("n/a (no runs) | n/a |\n", f);
        continue;
      }
      exp_table_put_text(f, s->variants[best].name, EXP_FMT_MD);
      fputs(" | ", f);
      exp_table_put_cell(f, t, best, e, EXP_FMT_MD);
      fputs(" |\n", f);
    }
  }
}

/* The rest of a per-environment section's header, after "| variant |": each environment's
 * name followed by `after` (its columns), then the rule line, `rule` per environment. */
void exp_table_put_env_header(FILE *f, const exp_spec *s, const char *after, const char *rule) {
  for (size_t e = 0; e < s->n_envs; e++) {
    fputc(' ', f);
    exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
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
void exp_table_write_equal_steps(FILE *f, const exp_table *t) {
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
  exp_table_put_env_header(f, s, " |", " ---: |");
  for (size_t v = 0; v < V; v++) {
    fputs("\n| ", f);
    exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
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
      fprintf(f, " %s", exp_table_num(a, sizeof a, m, 4));
      if (q[2] > 1) fprintf(f, " ± %s", exp_table_num(b, sizeof b, sqrt(fmax(var, 0) / q[2]), 2));
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
void exp_table_write_paper_cells(FILE *f, const exp_table *t) {
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
  exp_table_put_env_header(f, s, " [95% CI] | paper | difference |", " ---: | ---: | ---: |");
  size_t inside = 0, compared = 0;
  for (size_t v = 0; v < V; v++) {
    const double *pe = s->variants[v].paper_env;
    fputs("\n| ", f);
    exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
    fputs(" |", f);
    for (size_t e = 0; e < E; e++) {
      size_t i = v * E + e;
      double p = pe ? pe[e] : NAN, m = t->n[i] ? t->mean[i] : NAN;
      if (!t->n[i]) fprintf(f, " missing (0/%zu) |", t->K);
      else if (isfinite(lo[i]))
        fprintf(f, " %s [%s, %s] |", exp_table_num(a, sizeof a, m, 4), exp_table_num(b, sizeof b, lo[i], 4),
                exp_table_num(c, sizeof c, hi[i], 4));
      else fprintf(f, " %s (%zu seed) |", exp_table_num(a, sizeof a, m, 4), t->n[i]);
      fprintf(f, " %s |", isfinite(p) ? exp_table_num(a, sizeof a, p, 4) : "—");
      if (!isfinite(p) || !isfinite(m)) {
        fputs(" — |", f);
        continue;
      }
      fprintf(f, " %s%s", m - p > 0 ? "+" : "", exp_table_num(a, sizeof a, m - p, 3));
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
    exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
    if (isfinite(rho)) fprintf(f, " %.2f (%zu rows)", rho, used);
    else fprintf(f, " n/a (%zu row%s)", used, used == 1 ? "" : "s");
  }
  fputs(". With few seeds a percentile interval is narrower than a 95% one should be, so a "
        "number outside it is a hint, not a verdict.\n", f);
  free(lo), free(hi), free(ours), free(paper);
}

/* The notes on the random policy's episode time limits (time_limit and time_limit@ENV). */
void exp_table_time_limit_notes(FILE *f, const exp_table *t) {
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

/* The file a run on environment e writes for its evaluation on `name`. */
static void eval_leaf(char *leaf, size_t n, const exp_spec *s, size_t e, const char *name) {
  char safe[512];
  if (!strcmp(name, s->envs[e])) {
    snprintf(leaf, n, "eval.tsv");
    return;
  }
  exp_safe_name(safe, sizeof safe, name);
  snprintf(leaf, n, "eval_%s.tsv", safe);
}

/* Specs with evaluate_environments@ENV: per row and training environment, one return and one
 * fall fraction pooled over that environment's evaluation environments (the test terrains of
 * a walker trained on flat ground, say).  return: the mean over the runs of each run's mean
 * return over all its evaluation episodes (every environment's N), ± the standard error over
 * the runs; fell: the fraction of all those episodes (all runs) that ended by a termination
 * before the time limit (eval.tsv's fell).  A run counts when every file is there. */
static void write_evaluation_pooled(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  char tl[64] = "";
  if (s->eval_time_limit) snprintf(tl, sizeof tl, " of at most %zu steps", s->eval_time_limit);
  fprintf(f, "\nEvaluation on other environments: each finished run's saved policy on %zu fresh "
             "episodes%s%s on each environment listed for its training environment; return: "
             "mean over the runs of each run's mean episode return, pooled over those "
             "environments, ± standard error over the runs; fell: the fraction of those "
             "episodes that ended by a termination (a fall) before the time limit\n\n"
             "| variant | trained on | evaluated on | return | fell |\n"
             "| --- | --- | --- | ---: | ---: |\n",
          s->eval_episodes, tl, s->eval_deterministic ? " (mean action)" : "");
  for (size_t v = 0; v < s->n_variants; v++)
    for (size_t e = 0; e < s->n_envs; e++) {
      size_t W;
      char *const *list = exp_spec_eval_envs(s, e, &W);
      char *const own[1] = {s->envs[e]};
      if (!W) list = own, W = 1;
      fputs("| ", f);
      exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
      fputs(" | ", f);
      exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
      fputs(" | ", f);
      for (size_t w = 0; w < (W <= 3 ? W : 1); w++) {
        if (w) fputs(", ", f);
        exp_table_put_text(f, list[w], EXP_FMT_MD);
      }
      if (W > 3) {
        fputs(" … ", f);
        exp_table_put_text(f, list[W - 1], EXP_FMT_MD);
        fprintf(f, " (%zu environments)", W);
      }
      fputs(" |", f);
      double sum = 0, sq = 0;
      size_t n = 0, K = 0, episodes = 0, fell = 0;
      for (size_t k = 0; k < t->n_runs; k++) {
        const exp_run_ref *r = &t->runs[k];
        if (r->variant != v || r->env != e) continue;
        K++;
        char *dir = exp_run_dir(s, t->results, r);
        double run_ret = 0;
        size_t run_n = 0, run_fell = 0, w;
        for (w = 0; dir && w < W; w++) {
          char leaf[600];
          double ret;
          size_t ne, nf;
          eval_leaf(leaf, sizeof leaf, s, e, list[w]);
          if (!exp_eval_read(dir, leaf, &ret, &ne, &nf)) break;
          run_ret += ret, run_n += ne, run_fell += nf;
        }
        free(dir);
        if (w < W) continue; /* a file is missing: the run is not counted */
        double x = run_ret / (double)run_n;
        sum += x, sq += x * x, n++;
        episodes += run_n, fell += run_fell;
      }
      if (!n) {
        fprintf(f, " missing (0/%zu) | missing |\n", K);
        continue;
      }
      char a[32], b[32], c[32];
      double m = sum / (double)n, var = n > 1 ? (sq - n * m * m) / (double)(n - 1) : 0;
      fprintf(f, " %s ± %s", exp_table_num(a, sizeof a, m, 4),
              exp_table_num(b, sizeof b, n > 1 ? sqrt(fmax(var, 0) / (double)n) : 0, 4));
      if (n < K) fprintf(f, " (%zu/%zu)", n, K);
      fprintf(f, " | %s (%zu/%zu) |\n",
              exp_table_num(c, sizeof c, (double)fell / (double)episodes, 3), fell, episodes);
    }
}

void exp_table_write_evaluation(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  if (!s->eval_episodes) return;
  if (exp_spec_eval_per_env(s)) {
    write_evaluation_pooled(f, t);
    return;
  }
  size_t V = s->n_variants, E = s->n_envs, W = s->n_eval_envs ? s->n_eval_envs : 1;
  char tl[64] = "";
  if (s->eval_time_limit) snprintf(tl, sizeof tl, " of at most %zu steps", s->eval_time_limit);
  fprintf(f, "\nEvaluation: each finished run's saved policy on %zu fresh episodes%s%s (mean "
             "return ± standard error over the runs found)\n\n| variant | trained on |",
          s->eval_episodes, tl, s->eval_deterministic ? ", mean action" : "");
  for (size_t w = 0; w < W; w++) {
    fputc(' ', f);
    exp_table_put_text(f, s->n_eval_envs ? s->eval_envs[w] : "its own environment", EXP_FMT_MD);
    fputs(" |", f);
  }
  fputs("\n| --- | --- |", f);
  for (size_t w = 0; w < W; w++) fputs(" ---: |", f);
  fputc('\n', f);
  for (size_t v = 0; v < V; v++)
    for (size_t e = 0; e < E; e++) {
      fputs("| ", f);
      exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
      fputs(" | ", f);
      exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
      fputs(" |", f);
      for (size_t w = 0; w < W; w++) {
        char leaf[600] = "eval.tsv", safe[512], a[32], b[32];
        if (s->n_eval_envs && strcmp(s->eval_envs[w], s->envs[e])) {
          exp_safe_name(safe, sizeof safe, s->eval_envs[w]);
          snprintf(leaf, sizeof leaf, "eval_%s.tsv", safe);
        }
        double sum = 0, sq = 0;
        size_t n = 0, K = 0;
        for (size_t k = 0; k < t->n_runs; k++) {
          const exp_run_ref *r = &t->runs[k];
          if (r->variant != v || r->env != e) continue;
          K++;
          char *dir = exp_run_dir(s, t->results, r);
          double x = dir ? exp_eval_mean(dir, leaf) : NAN;
          free(dir);
          if (isfinite(x)) sum += x, sq += x * x, n++;
        }
        if (!n) {
          fprintf(f, " missing (0/%zu) |", K);
          continue;
        }
        double m = sum / (double)n, var = n > 1 ? (sq - n * m * m) / (double)(n - 1) : 0;
        fprintf(f, " %s ± %s", exp_table_num(a, sizeof a, m, 4),
                exp_table_num(b, sizeof b, n > 1 ? sqrt(fmax(var, 0) / (double)n) : 0, 4));
        if (n < K) fprintf(f, " (%zu/%zu)", n, K);
        fputs(" |", f);
      }
      fputc('\n', f);
    }
}

void exp_table_write_cost(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs, rows = 0;
  for (size_t v = 0; v < V; v++)
    for (size_t e = 0; e < E; e++) {
      double it = 0, wall = 0, sps = 0;
      size_t n = 0;
      for (size_t k = 0; k < t->n_runs; k++) {
        const exp_run_ref *r = &t->runs[k];
        if (r->variant != v || r->env != e) continue;
        char *dir = exp_run_dir(s, t->results, r);
        char *p = dir ? tr_path_join(dir, "summary.ini") : NULL;
        exp_summary sum;
        int found = 0;
        if (p && !exp_summary_read(p, NULL, &sum, NULL, &found) && found &&
            sum.wall_seconds > 0 && isfinite(sum.steps_per_s)) /* timings recorded */
          it += (double)sum.iterations, wall += sum.wall_seconds, sps += sum.steps_per_s, n++;
        tr_error_clear();
        free(dir), free(p);
      }
      if (!n) continue;
      if (!rows++)
        fputs("\nCost per run (mean over the runs found; wall time and steps/s measure the machine "
              "as it was while they ran: see the provenance and the results' README)\n\n"
              "| variant | environment | updates | wall seconds | steps/s | runs |\n"
              "| --- | --- | ---: | ---: | ---: | ---: |\n", f);
      char a[32], b[32], c[32];
      fputs("| ", f);
      exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
      fputs(" | ", f);
      exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
      fprintf(f, " | %s | %s | %s | %zu |\n", exp_table_num(a, sizeof a, it / (double)n, 6),
              exp_table_num(b, sizeof b, wall / (double)n, 4),
              exp_table_num(c, sizeof c, sps / (double)n, 4), n);
    }
}

void exp_table_write_baseline(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs, C = V * E, B = s->baseline_v;
  if (B >= V) return;
  double *q = malloc(3 * C * sizeof *q);
  if (!q || exp_table_baseline_ratios(t, q, q + C, q + 2 * C)) {
    free(q);
    fputs("\nRatio to the baseline row: n/a (out of memory)\n", f);
    return;
  }
  const double *lo = q + C, *hi = q + 2 * C;
  char a[64], b[64], c[64];
  fputs("\nRatio to the baseline row `", f);
  exp_table_put_text(f, s->variants[B].name, EXP_FMT_MD);
  fprintf(f, "` (`baseline` in the spec), per environment: the row's mean score divided by "
             "the baseline's [95%% bootstrap interval: the row's and the baseline's seeds "
             "resampled apart, %d resamples, percentile interval, seed %u]; 1 = as good as the "
             "baseline. A ratio reads as a share only where both means are positive.\n\n"
             "| variant |", EXP_AGG_RESAMPLES, EXP_AGG_SEED);
  exp_table_put_env_header(f, s, " ratio [95% CI] |", " ---: |");
  for (size_t v = 0; v < V; v++) {
    fputs("\n| ", f);
    exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
    fputs(" |", f);
    for (size_t e = 0; e < E; e++) {
      size_t i = v * E + e;
      if (v == B && isfinite(q[i])) fputs(" 1 (baseline) |", f);
      else if (!isfinite(q[i]))
        fprintf(f, " n/a (%s) |", !t->n[i] || !t->n[B * E + e] ? "missing runs" : "baseline mean 0");
      else if (isfinite(lo[i]))
        fprintf(f, " %s [%s, %s] |", exp_table_num(a, sizeof a, q[i], 4),
                exp_table_num(b, sizeof b, lo[i], 4), exp_table_num(c, sizeof c, hi[i], 4));
      else fprintf(f, " %s (no interval: < 2 seeds) |", exp_table_num(a, sizeof a, q[i], 4));
    }
  }
  fputc('\n', f);
  free(q);
}
