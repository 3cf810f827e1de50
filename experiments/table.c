/* experiments/table.c — `trbench table SPEC`: an experiment's table as markdown, CSV (RFC
 * 4180) and LaTeX (booktabs), from its runs as results.c loads them (scores, normalization
 * and Spearman's ρ are explained there).  Every file is written atomically (tr_atomic_open
 * / commit).  table.md's sections beyond the main table, and the cell formatting both
 * formats share, are in table_sections.c; table.csv is table_csv.c's. */
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
#include "experiments/overopt.h"
#include "experiments/provenance.h"
#include "experiments/results.h"
#include "experiments/table_sections.h"

/* ---- formatting ------------------------------------------------------------------------ */

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
static void put_agg(FILE *f, const exp_table *t, size_t v, int k, exp_cell_fmt fmt) {
  const exp_row_agg *g = &t->agg[v];
  if (!g->n || !isfinite(g->point[k])) {
    fputs("n/a", f);
    return;
  }
  fprintf(f, fmt == EXP_FMT_TEX ? "%.2f\\,[%.2f, %.2f]" : "%.2f [%.2f, %.2f]", g->point[k], g->lo[k],
          g->hi[k]);
}

/* the aggregate columns, in this order */
static const int agg_cols[] = {EXP_AGG_IQM, EXP_AGG_MEDIAN, EXP_AGG_MEAN, EXP_AGG_OPT_GAP};
static const char *const agg_titles[] = {"IQM", "median", "mean", "opt. gap"};
#define N_AGG_COLS 4

/* The row's published number, or its per-environment numbers "a / b" in the environments'
 * order ("—" for one without). */
static void put_paper(FILE *f, const exp_spec *s, const exp_variant *var, exp_cell_fmt fmt) {
  const char *none = fmt == EXP_FMT_TEX ? "---" : "—";
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
    fputs(isfinite(var->paper_env[e]) ? exp_table_num(a, sizeof a, var->paper_env[e], 4) : none, f);
  }
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
    exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
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
    exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
    fputs(" |", f);
    if (s->normalize) {
      fputc(' ', f);
      put_row_score(f, t, v);
      fputs(" |", f);
    }
    fputc(' ', f);
    put_paper(f, s, &s->variants[v], EXP_FMT_MD);
    fputs(" |", f);
    for (size_t e = 0; e < E; e++) {
      fputc(' ', f);
      exp_table_put_cell(f, t, v, e, EXP_FMT_MD);
      fputs(" |", f);
    }
    fprintf(f, " %zu/%zu |", t->row_found[v], t->K * E);
    for (int k = 0; s->normalize && k < N_AGG_COLS; k++) {
      fputc(' ', f);
      put_agg(f, t, v, agg_cols[k], EXP_FMT_MD);
      fputs(" |", f);
    }
    fputc('\n', f);
  }
  exp_table_write_groups(f, t);
  exp_table_write_baseline(f, t);
  exp_table_write_equal_steps(f, t);
  exp_table_write_paper_cells(f, t);
  exp_table_write_evaluation(f, t);
  exp_table_write_cost(f, t);

  fputs("\nNotes\n\n", f);
  if (exp_spec_score_is_eval(s)) {
    char tl[64] = "";
    if (s->eval_time_limit) snprintf(tl, sizeof tl, ", at most %zu steps each", s->eval_time_limit);
    fprintf(f, "- A run's score is `eval`: the mean return of its %zu evaluation episodes on its "
               "training environment (eval.tsv: its saved policy on fresh episodes%s%s)",
            s->eval_episodes, s->eval_deterministic ? ", mean action" : "", tl);
  } else
    fprintf(f, "- A run's score is `%s` from its summary.ini", s->score);
  fprintf(f, ". Environment columns: the raw score, "
             "mean ± standard error over seeds; (k/%zu) when only k of %zu seeds were found; "
             "missing runs are never counted as 0.\n", t->K, t->K);
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
    exp_table_time_limit_notes(f, t);
    fputs("\n| environment | random | best | best row | random measured as |\n"
          "| --- | ---: | ---: | --- | --- |\n", f);
    for (size_t e = 0; e < E; e++) {
      fputs("| ", f);
      exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
      fprintf(f, " | %s | %s | ", exp_table_num(a, sizeof a, t->random[e], 6), exp_table_num(b, sizeof b, t->best[e], 6));
      if (isfinite(t->best[e])) exp_table_put_text(f, s->variants[t->best_v[e]].name, EXP_FMT_MD);
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
  if (s->paper) exp_table_put_text(f, s->paper, EXP_FMT_MD);
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
  exp_table_put_text(f, s->name, EXP_FMT_TEX);
  if (s->description) {
    fputs(": ", f);
    exp_table_put_text(f, s->description, EXP_FMT_TEX);
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
    exp_table_put_text(f, s->envs[e], EXP_FMT_TEX);
  }
  fputs(" & Runs", f);
  for (int k = 0; s->normalize && k < N_AGG_COLS; k++) fprintf(f, " & %s", agg_titles[k]);
  fputs(" \\\\\n\\midrule\n", f);
  for (size_t v = 0; v < V; v++) {
    exp_table_put_text(f, s->variants[v].name, EXP_FMT_TEX);
    if (s->normalize) {
      fputs(" & ", f);
      put_row_score(f, t, v);
    }
    fputs(" & ", f);
    put_paper(f, s, &s->variants[v], EXP_FMT_TEX);
    for (size_t e = 0; e < E; e++) {
      fputs(" & ", f);
      exp_table_put_cell(f, t, v, e, EXP_FMT_TEX);
    }
    fprintf(f, " & %zu/%zu", t->row_found[v], t->K * E);
    for (int k = 0; s->normalize && k < N_AGG_COLS; k++) {
      fputs(" & ", f);
      put_agg(f, t, v, agg_cols[k], EXP_FMT_TEX);
    }
    fputs(" \\\\\n", f);
  }
  fputs("\\bottomrule\n\\end{tabular}\n\\par\\smallskip\n\\footnotesize\n", f);
  fputs("Environment columns: ", f);
  exp_table_put_text(f, s->score, EXP_FMT_TEX);
  fprintf(f, ", mean $\\pm$ standard error over seeds; $(k/%zu)$: only $k$ seeds found.", t->K);
  if (s->normalize) {
    fputs(" Score: per environment $(x - \\mathrm{random})/(\\mathrm{best} - \\mathrm{random})$ "
          "averaged over the row's runs; random (uniform random actions, 100 episodes) / best: ", f);
    for (size_t e = 0; e < E; e++) {
      exp_table_put_text(f, s->envs[e], EXP_FMT_TEX);
      fprintf(f, " %s / %s%s", exp_table_num(a, sizeof a, t->random[e], 4), exp_table_num(b, sizeof b, t->best[e], 4),
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
    exp_table_put_text(f, s->paper, EXP_FMT_TEX);
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

static void md_writer(FILE *f, const out_ctx *o) {
  write_markdown(f, o->t, o->pv, o->argc, o->argv);
  exp_oo_section(f, o->t); /* runs with the exact RLHF columns (overopt.h) */
}
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
        "With `baseline = ROW` in [experiment] (the NAME of a [variant NAME]), a section gives\n"
        "per environment each row's mean score divided by the baseline row's, with a bootstrap\n"
        "95% interval (both rows' seeds resampled apart), and table.csv gets the columns\n"
        "ENV_ratio, ENV_ratio_lo, ENV_ratio_hi (the baseline's own ratio is 1).\n"
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
    if ((st = exp_oo_section(stdout, &t))) rc = exp_fail_status(st);
    if (exp_xd_applies(&t) && (st = exp_xd_table(&t, stdout))) rc = exp_fail_status(st);
  }
  exp_table_free(&t);
  free(typed);
  return rc;
}
