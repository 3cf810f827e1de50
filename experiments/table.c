/* experiments/table.c — `trbench table SPEC` and `trbench plot SPEC`: an experiment's table
 * and figures from the run directories of its sweep.
 *
 * Letters: V variants (rows, in spec order), E environments, K seeds per (variant, env),
 * R = V·E·K runs, G points of a learning curve.
 *
 * Scores.  A run's score x is the spec's `score` key of its summary.ini (default
 * return_last100); a run without a summary, without that key, or with a non-finite value is
 * missing: it is shown as missing and never counted as 0.  Diverged and failed runs with a
 * finite score count, with that score (the notes say how many).  Per (variant, env) cell:
 * the mean over the seeds found, x̄ = Σ x / n, and its standard error s/√n with s the
 * sample standard deviation (n − 1); no standard error for n = 1.
 *
 * Normalization random_best (PPO, Schulman et al. 2017, Table 1; REFERENCES.md § 3 with its
 * decision): per environment e,  x̃ = (x − random_e) / (best_e − random_e),  where
 *   random_e = the mean undiscounted return of a uniform random policy over 100 episodes,
 *              each to termination or the time limit, streams from seed 1 — exactly
 *              `trbench rollout --env E --episodes 100 --seed 1` (uniform over the discrete
 *              actions, or uniform in the action box); when every variant sets the same
 *              time_limit, episodes use it; for score = exact_J on a tabular environment,
 *              the exact J = μᵀV of the uniform policy instead;
 *   best_e   = the largest cell mean x̄ on e among the rows of this sweep.
 * A row's score is the mean of x̃ over all its runs found (the paper's 21 = 7 tasks × 3
 * seeds).  With normalization = none there is no across-task score: only the cells.
 *
 * Agreement with the paper: Spearman's ρ between our row scores and the paper's numbers over
 * the rows with both, ranks averaged over ties, ρ = Pearson correlation of the two rank
 * vectors (which reduces to 1 − 6Σd²/(n(n²−1)) without ties).
 *
 * Learning curves (plot): per (variant, env), the seeds' progress.tsv curves of
 * return_last100 against environment steps.  When the seeds' step grids agree (identical
 * steps on their common prefix) they are aligned on the iteration index; otherwise each
 * is interpolated linearly onto a common grid of EXP_PLOT_GRID points spanning them all.
 * A point's mean and standard error are over the seeds that reach it with a finite value.
 * Each figure is a gnuplot script with its data (plots/NAME.gp, NAME.dat), rendered to PNG
 * and SVG by the gnuplot found at build time (TR_GNUPLOT; $TRBENCH_GNUPLOT overrides it, and
 * empty means none).
 *
 * Every file is written atomically: tables and scripts through tr_atomic_open/commit, the
 * images by gnuplot under "<name>.tmp.<pid>" (the scripts' `tmp` suffix), then renamed. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/num.h"
#include "core/io.h"
#include "core/rng.h"
#include "experiments/cli.h"
#include "experiments/cmd_sweep.h"
#include "experiments/rundir.h"
#include "experiments/spec.h"
#include "mdps/env.h"
#include "theory/exact.h"

#define EXP_RANDOM_EPISODES 100
#define EXP_RANDOM_SEED 1
#define EXP_PLOT_GRID 200

/* ---- loading the runs ----------------------------------------------------------------- */

typedef enum { RUN_ABSENT = 0, RUN_OK, RUN_DIVERGED, RUN_FAILED, RUN_OTHER } run_state;

typedef struct {
  exp_spec *s;
  const char *results;
  double scale;
  char *dir;           /* results/<name> */
  exp_run_ref *runs;   /* (R) */
  size_t n_runs, K;
  double *score;       /* (R) the score, NAN when missing */
  run_state *state;    /* (R) RUN_ABSENT: no summary.ini */
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
  double rho;
  size_t rho_n;
  size_t time_limit;    /* of the random policy's episodes (0: each environment's own) */
  int time_limit_agree; /* whether all variants train with the same time limit */
  double steps_min, steps_max; /* environment steps of the runs found (summary.ini) */
  /* counts over all runs */
  size_t found, absent, unusable, diverged, failed;
} table;

static void table_free(table *t) {
  if (t->random_how)
    for (size_t e = 0; e < t->s->n_envs; e++) free(t->random_how[e]);
  free(t->random_how);
  free(t->dir), free(t->runs), free(t->score), free(t->state);
  free(t->mean), free(t->se), free(t->n);
  free(t->random), free(t->best), free(t->best_v);
  free(t->row_score), free(t->row_n), free(t->row_found);
  exp_spec_free(t->s);
  memset(t, 0, sizeof *t);
}

/* The status, the score key and the steps of a summary.ini ("[summary]", then "key = value"
 * lines); the score is NAN when absent or not finite.  Returns 0 when there is no file. */
static int read_summary(const char *path, const char *key, double *score, run_state *state,
                        double *steps) {
  char *text = NULL;
  *score = NAN;
  *steps = NAN;
  *state = RUN_ABSENT;
  if (access(path, F_OK) != 0 || tr_read_file(path, &text, NULL)) return 0;
  *state = RUN_OTHER;
  for (char *line = text, *next; line; line = next) {
    if ((next = strchr(line, '\n'))) *next++ = '\0';
    char *eq = strchr(line, '=');
    if (!eq || line[0] == '[' || line[0] == '#' || line[0] == ';') continue;
    char *k = line, *v = eq + 1, *ke = eq;
    while (isspace((unsigned char)*k)) k++;
    while (ke > k && isspace((unsigned char)ke[-1])) ke--;
    *ke = '\0';
    while (isspace((unsigned char)*v)) v++;
    size_t vl = strlen(v);
    while (vl && isspace((unsigned char)v[vl - 1])) v[--vl] = '\0';
    if (!strcmp(k, "status")) {
      *state = !strcmp(v, "ok") ? RUN_OK : !strcmp(v, "diverged") ? RUN_DIVERGED
               : !strcmp(v, "failed") ? RUN_FAILED : RUN_OTHER;
    } else if (!strcmp(k, "steps")) {
      *steps = strtod(v, NULL);
    }
    if (!strcmp(k, key)) {
      char *end;
      double x = strtod(v, &end);
      *score = end != v && !*end && isfinite(x) ? x : NAN;
    }
  }
  free(text);
  return 1;
}

/* random_e: see the file's comment.  how (n bytes) receives how it was obtained. */
static tr_status random_score(const char *name, const char *score_key, size_t time_limit,
                              double *out, char *how, size_t n) {
  env_model *m = env_model_alloc(name);
  if (!m) return TR_EINVAL;
  if (time_limit) env_model_set_time_limit(m, time_limit);
  tr_status st = TR_OK;
  const mdp *tab = env_model_mdp(m);
  if (tab && !strcmp(score_key, "exact_J")) {
    double *pi = tr_malloc(tab->S * tab->A * sizeof *pi);
    thy_values *v = thy_values_alloc(tab->S, tab->A);
    if (!pi || !v) st = tr_error(TR_ENOMEM, "out of memory");
    if (!st) {
      thy_policy_uniform(pi, tab->S, tab->A);
      st = thy_evaluate(v, tab, pi, THY_SOLVER_AUTO, NULL);
    }
    if (!st) {
      *out = v->J;
      snprintf(how, n, "exact J of the uniform policy");
    }
    free(pi);
    thy_values_free(v);
    env_model_free(m);
    return st;
  }
  env_space sp = env_action_space(m);
  if (env_time_limit(m) == 0)
    st = tr_error(TR_EINVAL, "%s: no time limit for the random policy's episodes", name);
  for (size_t i = 0; !st && sp.kind == ENV_BOX && i < sp.n; i++)
    if (!isfinite(sp.low[i]) || !isfinite(sp.high[i]))
      st = tr_error(TR_EINVAL, "%s: an unbounded action box has no uniform random policy", name);
  size_t O = env_obs_dim(m), U = env_action_dim(m);
  env *e = st ? NULL : env_alloc(m);
  /* the streams and the order of draws of `trbench rollout` (experiments/cmd_envs.c) */
  gsl_rng *r_env = tr_rng_derive(EXP_RANDOM_SEED, "rollout/env");
  gsl_rng *r_pol = tr_rng_derive(EXP_RANDOM_SEED, "rollout/policy");
  double *obs = malloc((O ? O : 1) * sizeof *obs), *a = malloc((U ? U : 1) * sizeof *a);
  if (!st && !(e && r_env && r_pol && obs && a)) st = tr_error(TR_ENOMEM, "out of memory");
  double sum = 0.0;
  for (size_t ep = 0; ep < EXP_RANDOM_EPISODES && !st; ep++) {
    env_step_result res = {0};
    st = env_reset(e, r_env, obs);
    while (!st && !res.terminated && !res.truncated) {
      if (sp.kind == ENV_DISCRETE) a[0] = (double)gsl_rng_uniform_int(r_pol, sp.n);
      else
        for (size_t i = 0; i < sp.n; i++) a[i] = gsl_ran_flat(r_pol, sp.low[i], sp.high[i]);
      if ((st = env_step(e, a, r_env, obs, &res))) break;
      sum += res.reward;
    }
  }
  if (!st) {
    /* the same summation order as `trbench rollout`: per-episode returns, then their mean */
    *out = sum / EXP_RANDOM_EPISODES;
    snprintf(how, n, "uniform random actions, %d episodes of at most %zu steps, seed %d",
             EXP_RANDOM_EPISODES, env_time_limit(m), EXP_RANDOM_SEED);
  }
  free(obs), free(a);
  gsl_rng_free(r_env), gsl_rng_free(r_pol);
  env_free(e);
  env_model_free(m);
  return st;
}

/* Average ranks (1-based) of x (n), ties sharing the mean of their positions. */
static void ranks(double *rk, const double *x, size_t n) {
  for (size_t i = 0; i < n; i++) {
    size_t less = 0, equal = 0;
    for (size_t j = 0; j < n; j++) less += x[j] < x[i], equal += x[j] == x[i];
    rk[i] = (double)less + ((double)equal + 1.0) / 2.0;
  }
}

/* Spearman's ρ of x and y (n): Pearson's correlation of their average ranks; NAN when
 * n < 2 or either side is constant. */
static double spearman(const double *x, const double *y, size_t n) {
  if (n < 2) return NAN;
  double *rx = malloc(n * sizeof *rx), *ry = malloc(n * sizeof *ry);
  if (!rx || !ry) {
    free(rx), free(ry);
    return NAN;
  }
  ranks(rx, x, n);
  ranks(ry, y, n);
  double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; i++) mx += rx[i], my += ry[i];
  mx /= (double)n, my /= (double)n;
  for (size_t i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  free(rx), free(ry);
  return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

/* The episode time limit the variants train with: the common value of their time_limit
 * parameter (0: the environment's own); *agree = 0 when they differ (then 0). */
static size_t spec_time_limit(const exp_spec *s, int *agree) {
  size_t common = 0;
  *agree = 1;
  for (size_t v = 0; v < s->n_variants; v++) {
    size_t tl = 0;
    for (size_t i = 0; i < s->variants[v].n_sets; i++)
      if (!strncmp(s->variants[v].sets[i], "time_limit=", 11))
        tl = (size_t)strtoull(s->variants[v].sets[i] + 11, NULL, 10);
    if (v == 0) common = tl;
    else if (tl != common) *agree = 0;
  }
  return *agree ? common : 0;
}

/* Read the spec and every run's summary; compute cells, random and best, row scores, ρ. */
static tr_status table_load(table *t, const char *spec, const char *results, double scale,
                            size_t seeds, int need_random) {
  memset(t, 0, sizeof *t);
  tr_status st = exp_spec_read(&t->s, spec);
  if (st) return st;
  t->results = results;
  t->scale = scale;
  if ((st = exp_spec_runs(t->s, scale, seeds, &t->runs, &t->n_runs))) return st;
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs, R = t->n_runs;
  t->K = R / (V * E);
  t->steps_min = INFINITY;
  t->steps_max = -INFINITY;
  t->dir = exp_spec_dir(s, results);
  t->score = calloc(R, sizeof *t->score);
  t->state = calloc(R, sizeof *t->state);
  t->mean = calloc(V * E, sizeof *t->mean);
  t->se = calloc(V * E, sizeof *t->se);
  t->n = calloc(V * E, sizeof *t->n);
  t->random = calloc(E, sizeof *t->random);
  t->best = calloc(E, sizeof *t->best);
  t->best_v = calloc(E, sizeof *t->best_v);
  t->random_how = calloc(E, sizeof *t->random_how);
  t->row_score = calloc(V, sizeof *t->row_score);
  t->row_n = calloc(V, sizeof *t->row_n);
  t->row_found = calloc(V, sizeof *t->row_found);
  if (!t->dir || !t->score || !t->state || !t->mean || !t->se || !t->n || !t->random ||
      !t->best || !t->best_v || !t->random_how || !t->row_score || !t->row_n || !t->row_found)
    return tr_error(TR_ENOMEM, "out of memory");

  for (size_t k = 0; k < R; k++) {
    const exp_run_ref *r = &t->runs[k];
    char *rd = exp_run_dir(s, results, r), *p = rd ? tr_path_join(rd, "summary.ini") : NULL;
    if (!p) {
      free(rd);
      return tr_error(TR_ENOMEM, "out of memory");
    }
    double steps;
    read_summary(p, s->score, &t->score[k], &t->state[k], &steps);
    free(p), free(rd);
    if (t->state[k] == RUN_ABSENT) {
      t->absent++;
      continue;
    }
    if (!isfinite(t->score[k])) {
      t->unusable++;
      continue;
    }
    t->found++;
    if (isfinite(steps)) {
      t->steps_min = fmin(t->steps_min, steps);
      t->steps_max = fmax(t->steps_max, steps);
    }
    t->diverged += t->state[k] == RUN_DIVERGED;
    t->failed += t->state[k] == RUN_FAILED;
    size_t c = r->variant * E + r->env;
    t->n[c]++;
    t->mean[c] += t->score[k];
    t->row_found[r->variant]++;
  }
  for (size_t c = 0; c < V * E; c++) t->mean[c] = t->n[c] ? t->mean[c] / (double)t->n[c] : NAN;
  for (size_t k = 0; k < R; k++) {
    size_t c = t->runs[k].variant * E + t->runs[k].env;
    if (isfinite(t->score[k])) t->se[c] += (t->score[k] - t->mean[c]) * (t->score[k] - t->mean[c]);
  }
  for (size_t c = 0; c < V * E; c++)
    t->se[c] = t->n[c] > 1 ? sqrt(t->se[c] / (double)(t->n[c] - 1) / (double)t->n[c]) : NAN;

  for (size_t e = 0; e < E; e++) {
    t->best[e] = NAN;
    t->random[e] = NAN;
    for (size_t v = 0; v < V; v++)
      if (t->n[v * E + e] && !(t->mean[v * E + e] <= t->best[e])) {
        t->best[e] = t->mean[v * E + e];
        t->best_v[e] = v;
      }
  }
  if (!s->normalize) return TR_OK;
  t->time_limit = spec_time_limit(s, &t->time_limit_agree);
  if (need_random)
    for (size_t e = 0; e < E; e++) {
      char how[160];
      if ((st = random_score(s->envs[e], s->score, t->time_limit, &t->random[e], how, sizeof how))) {
        tr_error_prefix("random policy");
        return st;
      }
      if (!(t->random_how[e] = strdup(how))) return tr_error(TR_ENOMEM, "out of memory");
    }
  /* x̃ = (x − random)/(best − random), averaged over the row's runs on environments that
   * can be normalized (best ≠ random) */
  for (size_t k = 0; k < R; k++) {
    size_t v = t->runs[k].variant, e = t->runs[k].env;
    double den = t->best[e] - t->random[e];
    if (!isfinite(t->score[k]) || !isfinite(den) || den == 0) continue;
    t->row_score[v] += (t->score[k] - t->random[e]) / den;
    t->row_n[v]++;
  }
  double *x = calloc(V, sizeof *x), *y = calloc(V, sizeof *y);
  if (!x || !y) {
    free(x), free(y);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  for (size_t v = 0; v < V; v++) {
    t->row_score[v] = t->row_n[v] ? t->row_score[v] / (double)t->row_n[v] : NAN;
    if (isfinite(t->row_score[v]) && isfinite(s->variants[v].paper)) {
      x[t->rho_n] = t->row_score[v];
      y[t->rho_n++] = s->variants[v].paper;
    }
  }
  t->rho = spearman(x, y, t->rho_n);
  free(x), free(y);
  return TR_OK;
}

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
static void put_cell(FILE *f, const table *t, size_t v, size_t e, cell_fmt fmt) {
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

static void put_row_score(FILE *f, const table *t, size_t v) {
  char a[64];
  if (!t->row_n[v]) {
    fprintf(f, "n/a (0/%zu runs)", t->K * t->s->n_envs);
    return;
  }
  snprintf(a, sizeof a, "%.2f", t->row_score[v]);
  fputs(a, f);
}

static void put_paper(FILE *f, const exp_variant *var, cell_fmt fmt) {
  if (!isfinite(var->paper)) fputs(fmt == FMT_TEX ? "---" : "—", f);
  else fprintf(f, "%.2f", var->paper);
}

/* A command line with shell quoting where a word needs it. */
static void put_command(FILE *f, int argc, char **argv) {
  fputs("trbench", f);
  for (int i = 0; i < argc; i++) {
    fputc(' ', f);
    tr_shell_quote(f, argv[i]);
  }
}

typedef struct {
  char machine[512];
  char cpu[256];
  char date[64];
} provenance;

static void provenance_get(provenance *p) {
  struct utsname u;
  /* uname -nmsr prints in the order s n r m */
  if (uname(&u) == 0)
    snprintf(p->machine, sizeof p->machine, "%s %s %s %s", u.sysname, u.nodename, u.release,
             u.machine);
  else snprintf(p->machine, sizeof p->machine, "unknown");
  snprintf(p->cpu, sizeof p->cpu, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10)) continue;
    char *c = strchr(line, ':');
    if (!c) continue;
    c++;
    while (isspace((unsigned char)*c)) c++;
    c[strcspn(c, "\n")] = '\0';
    snprintf(p->cpu, sizeof p->cpu, "%s", c);
    break;
  }
  if (f) fclose(f);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(p->date, sizeof p->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- table.md ---------------------------------------------------------------------------- */

static void write_markdown(FILE *f, const table *t, const provenance *pv, int argc, char **argv) {
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
  fputs(" runs |\n| --- |", f);
  if (s->normalize) fputs(" ---: |", f);
  fputs(" ---: |", f);
  for (size_t e = 0; e < E; e++) fputs(" ---: |", f);
  fputs(" ---: |\n", f);
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
    put_paper(f, &s->variants[v], FMT_MD);
    fputs(" |", f);
    for (size_t e = 0; e < E; e++) {
      fputc(' ', f);
      put_cell(f, t, v, e, FMT_MD);
      fputs(" |", f);
    }
    fprintf(f, " %zu/%zu |\n", t->row_found[v], t->K * E);
  }

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
    if (t->time_limit)
      fprintf(f, "- Every variant sets time_limit = %zu: the random policy's episodes use it too.\n",
              t->time_limit);
    if (!t->time_limit_agree)
      fputs("- The variants set different time_limit values: the random policy's episodes use "
            "each environment's own time limit.\n", f);
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
    if (isfinite(t->rho))
      fprintf(f, "- Spearman rank correlation between our scores and the paper's: ρ = %.3f (%zu "
                 "rows with both; ties share average ranks).\n", t->rho, t->rho_n);
    else
      fprintf(f, "- Spearman rank correlation with the paper: n/a (%zu row%s with both a score "
                 "and a paper number; it needs 2 and neither side constant).\n", t->rho_n,
              t->rho_n == 1 ? "" : "s");
  } else {
    fputs("- normalization = none: no score across environments, so no average column and no "
          "rank correlation with the paper.\n", f);
  }
  fprintf(f, "- Runs: %zu of %zu found with a finite score; %zu diverged and %zu failed among "
             "them (counted with their scores); %zu with a summary but no finite `%s` and %zu "
             "without a summary are shown as missing.\n",
          t->found, t->n_runs, t->diverged, t->failed, t->unusable, s->score, t->absent);

  fputs("\nProvenance\n\n- command: `", f);
  put_command(f, argc, argv);
  fprintf(f, "`\n- trbench %s, commit %s\n", exp_version(), exp_commit());
  fprintf(f, "- machine: %s; CPU: %s\n- date: %s\n", pv->machine, pv->cpu, pv->date);
  fprintf(f, "- spec: %s; runs: %s/runs (%zu of %zu found, --scale %g)\n", s->path, t->dir,
          t->found, t->n_runs, t->scale);
  fprintf(f, "- environment steps per run: %zu asked", t->n_runs ? t->runs[0].steps : (size_t)0);
  if (t->steps_min <= t->steps_max) {
    fprintf(f, "; %.0f", t->steps_min);
    if (t->steps_max > t->steps_min) fprintf(f, " to %.0f", t->steps_max);
    fputs(" done (summary.ini; whole batches, fewer when a run stopped early)", f);
  }
  fputc('\n', f);
}

/* ---- table.csv (RFC 4180) ---------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s, int first) {
  if (!first) fputc(',', f);
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_double(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, ",%.17g", x);
  else fputc(',', f); /* missing: an empty field, never 0 */
}

static void write_csv(FILE *f, const table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  char h[512];
  csv_field(f, "variant", 1);
  csv_field(f, "algo", 0);
  if (s->normalize) csv_field(f, "score", 0);
  csv_field(f, "paper", 0);
  csv_field(f, "runs_found", 0);
  csv_field(f, "runs_expected", 0);
  for (size_t e = 0; e < E; e++) {
    snprintf(h, sizeof h, "%s_mean", s->envs[e]);
    csv_field(f, h, 0);
    snprintf(h, sizeof h, "%s_se", s->envs[e]);
    csv_field(f, h, 0);
    snprintf(h, sizeof h, "%s_n", s->envs[e]);
    csv_field(f, h, 0);
  }
  fputc('\n', f);
  for (size_t v = 0; v < V; v++) {
    csv_field(f, s->variants[v].name, 1);
    csv_field(f, s->variants[v].algo, 0);
    if (s->normalize) csv_double(f, t->row_score[v]);
    csv_double(f, s->variants[v].paper);
    fprintf(f, ",%zu,%zu", t->row_found[v], t->K * E);
    for (size_t e = 0; e < E; e++) {
      csv_double(f, t->mean[v * E + e]);
      csv_double(f, t->se[v * E + e]);
      fprintf(f, ",%zu", t->n[v * E + e]);
    }
    fputc('\n', f);
  }
}

/* ---- table.tex (booktabs) ---------------------------------------------------------------- */

static void write_tex(FILE *f, const table *t, const provenance *pv, int argc, char **argv) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  char a[64], b[64];
  fputs("% trbench table (needs \\usepackage{booktabs}); command: ", f);
  put_command(f, argc, argv);
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
  fputs("r}\n\\toprule\nVariant", f);
  if (s->normalize) fputs(" & Score", f);
  fputs(" & Paper", f);
  for (size_t e = 0; e < E; e++) {
    fputs(" & ", f);
    put_text(f, s->envs[e], FMT_TEX);
  }
  fputs(" & Runs \\\\\n\\midrule\n", f);
  for (size_t v = 0; v < V; v++) {
    put_text(f, s->variants[v].name, FMT_TEX);
    if (s->normalize) {
      fputs(" & ", f);
      put_row_score(f, t, v);
    }
    fputs(" & ", f);
    put_paper(f, &s->variants[v], FMT_TEX);
    for (size_t e = 0; e < E; e++) {
      fputs(" & ", f);
      put_cell(f, t, v, e, FMT_TEX);
    }
    fprintf(f, " & %zu/%zu \\\\\n", t->row_found[v], t->K * E);
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
    if (isfinite(t->rho))
      fprintf(f, " Spearman $\\rho = %.3f$ with the paper over %zu rows.", t->rho, t->rho_n);
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

/* ---- arguments ----------------------------------------------------------------------------- */

typedef struct {
  const char *spec, *results;
  double scale;
  size_t seeds; /* --seeds N: the spec's first N seeds (0: all) */
} tp_args;

static int parse_tp_args(const char *cmd, int argc, char **argv, tp_args *a, int *help) {
  static const struct option opts[] = {{"results", required_argument, 0, 'o'},
                                       {"scale", required_argument, 0, 'x'},
                                       {"seeds", required_argument, 0, 'n'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int c;
  optind = 0;
  opterr = 0;
  *help = 0;
  a->results = "results";
  a->scale = 1.0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'o': a->results = optarg; break;
    case 'x': {
      if (tr_parse_real("--scale", optarg, 0, HUGE_VAL, &a->scale) || !(a->scale > 0))
        return exp_fail("--scale: '%s' is not a positive number", optarg);
      break;
    }
    case 'n':
      if (exp_parse_size("--seeds", optarg, &a->seeds)) return EXP_EXIT_INPUT;
      if (a->seeds < 1) return exp_fail("--seeds: must be at least 1");
      break;
    case 'h': *help = 1; return 0;
    default:
      return exp_fail("%s: unknown or incomplete option '%s' (trbench %s --help)", cmd,
                      argv[optind - 1], cmd);
    }
  }
  if (optind >= argc) return exp_fail("%s: SPEC is required (e.g. experiments/ppo_table1.ini)", cmd);
  a->spec = argv[optind++];
  if (optind < argc) return exp_fail("%s: unexpected argument '%s'", cmd, argv[optind]);
  return 0;
}

/* Write `name` under dir atomically with writer(f, ...). */
typedef struct {
  const table *t;
  const provenance *pv;
  int argc;
  char **argv;
} out_ctx;

static tr_status write_out(const char *dir, const char *name, const out_ctx *o,
                           void (*writer)(FILE *, const out_ctx *)) {
  char *p = tr_path_join(dir, name);
  if (!p) return tr_error(TR_ENOMEM, "out of memory");
  tr_atomic_file af;
  tr_status st = tr_atomic_open(&af, p);
  free(p);
  if (st) return st;
  writer(af.f, o);
  return tr_atomic_commit(&af);
}

static void md_writer(FILE *f, const out_ctx *o) { write_markdown(f, o->t, o->pv, o->argc, o->argv); }
static void csv_writer(FILE *f, const out_ctx *o) { write_csv(f, o->t); }
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
        "  --results DIR  where the sweep wrote its runs (default results)\n"
        "  --scale F      the sweep's --scale (it changes the run list only when the spec sets\n"
        "                 scale_seeds = true)\n"
        "  --seeds N      the sweep's --seeds: only the spec's first N seeds\n", f);
}

int exp_cmd_table(int argc, char **argv) {
  tp_args a;
  /* getopt_long permutes argv: keep the command line as typed, for the provenance */
  char **typed = malloc(((size_t)argc + 1) * sizeof *typed);
  if (!typed) return exp_fail("out of memory");
  memcpy(typed, argv, ((size_t)argc + 1) * sizeof *typed);
  int help, rc = parse_tp_args("table", argc, argv, &a, &help);
  if (rc || help) {
    if (help) table_help(stdout);
    free(typed);
    return rc;
  }
  table t;
  tr_status st = table_load(&t, a.spec, a.results, a.scale, a.seeds, 1);
  if (!st) st = tr_mkdir_p(t.dir);
  provenance pv;
  provenance_get(&pv);
  out_ctx o = {&t, &pv, argc, typed};
  if (st || (st = write_out(t.dir, "table.md", &o, md_writer)) ||
      (st = write_out(t.dir, "table.csv", &o, csv_writer)) ||
      (st = write_out(t.dir, "table.tex", &o, tex_writer))) {
    rc = exp_fail_status(st);
  } else {
    write_markdown(stdout, &t, &pv, argc, typed);
    if (!t.found)
      fprintf(stderr, "trbench: warning: no runs found under %s/runs (same --results and "
                      "--scale as the sweep?)\n", t.dir);
  }
  table_free(&t);
  free(typed);
  return rc;
}

/* ---- plot ------------------------------------------------------------------------------------ */

/* One seed's learning curve: steps (G) and return_last100 (G). */
typedef struct {
  double *x, *y;
  size_t n;
} curve;

/* Read the steps and return_last100 columns of a progress.tsv; 0 when absent or empty. */
static int read_curve(const char *path, curve *c) {
  char *text = NULL;
  memset(c, 0, sizeof *c);
  if (access(path, F_OK) != 0 || tr_read_file(path, &text, NULL)) return 0;
  char *line = text, *next = strchr(line, '\n');
  if (next) *next++ = '\0';
  int cx = -1, cy = -1, col = 0;
  for (char *p = line, *q; p; p = q, col++) {
    if ((q = strchr(p, '\t'))) *q++ = '\0';
    if (!strcmp(p, "steps")) cx = col;
    if (!strcmp(p, "return_last100")) cy = col;
  }
  size_t cap = 0;
  for (line = next; cx >= 0 && cy >= 0 && line && *line; line = next) {
    if ((next = strchr(line, '\n'))) *next++ = '\0';
    double x = NAN, y = NAN;
    col = 0;
    for (char *p = line, *q; p; p = q, col++) {
      if ((q = strchr(p, '\t'))) *q++ = '\0';
      if (col == cx) x = strtod(p, NULL);
      if (col == cy) y = strtod(p, NULL);
    }
    if (!isfinite(x)) continue;
    if (c->n == cap) {
      cap = cap ? 2 * cap : 64;
      double *nx = realloc(c->x, cap * sizeof *nx), *ny = realloc(c->y, cap * sizeof *ny);
      if (nx) c->x = nx;
      if (ny) c->y = ny;
      if (!nx || !ny) break;
    }
    c->x[c->n] = x;
    c->y[c->n++] = y;
  }
  free(text);
  return c->n > 0;
}

/* y at x on the piecewise-linear curve c (c->x increasing); NAN outside its range. */
static double curve_at(const curve *c, double x) {
  if (!c->n || x < c->x[0] || x > c->x[c->n - 1]) return NAN;
  size_t lo = 0, hi = c->n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (c->x[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (c->x[hi] == x || hi == lo) return c->y[hi];
  double w = (x - c->x[lo]) / (c->x[hi] - c->x[lo]);
  return (1 - w) * c->y[lo] + w * c->y[hi];
}

/* Rows "x mean se n" of the mean curve over the seeds cs (nc); returns the rows written. */
static size_t write_mean_curve(FILE *f, const curve *cs, size_t nc) {
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
  fprintf(f, "# %s; columns: steps mean se n\n",
          aligned ? "seeds aligned on the iteration index" : "seeds interpolated onto a common grid");
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

/* A gnuplot string literal: double quotes, with " and \ escaped. */
static void gp_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* A file-name-safe copy (as spec.c's run ids). */
static void safe_name(char *dst, size_t n, const char *src) {
  size_t i = 0;
  for (; *src && i + 1 < n; src++)
    dst[i++] = isalnum((unsigned char)*src) || strchr(".-_", *src) ? *src : '_';
  dst[i] = '\0';
}

static const char *palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8"};
#define N_PALETTE (sizeof palette / sizeof palette[0])

/* The common head of a script: outputs to NAME.png and NAME.svg (+ the suffix `tmp` that
 * trbench passes with -e to write atomically; empty when run by hand). */
static void gp_head(FILE *f, const char *exp_name, const char *what, const char *base) {
  fprintf(f, "# trbench plot: %s — %s\n# render: gnuplot %s.gp   (writes %s.png and %s.svg)\n",
          exp_name, what, base, base, base);
  fputs("if (!exists(\"tmp\")) tmp = \"\"\n"
        "set encoding utf8\n"
        "set title font \",14\"\n"
        "set grid xtics ytics lt 1 lw 1 lc rgb \"#e4e4e4\"\n"
        "set border 3\nset tics nomirror\n", f);
}

/* Before the plot command: the PNG; after it: the same figure as SVG. */
static void gp_png(FILE *f, const char *base, int w, int h) {
  fprintf(f, "set terminal pngcairo size %d,%d font \"sans,11\" noenhanced\n"
             "set output \"%s.png\".tmp\n", w, h, base);
}

static void gp_svg(FILE *f, const char *base, int w, int h) {
  fprintf(f, "set terminal svg size %d,%d dynamic font \"sans,11\" noenhanced background rgb \"white\"\n"
             "set output \"%s.svg\".tmp\nreplot\nset output\n", w, h, base);
}

/* curves_<env>.dat and .gp for environment e; *written: whether any curve was found. */
static tr_status plot_env(const table *t, size_t e, const char *pdir, char *base, size_t nb,
                          int *written) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants;
  char safe[200], *p;
  safe_name(safe, sizeof safe, s->envs[e]);
  snprintf(base, nb, "curves_%s", safe);
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
  fprintf(af.f, "# trbench plot: %s on %s: return_last100 against environment steps, mean and "
                "standard error over seeds; one block per variant (gnuplot index)\n",
          s->name, s->envs[e]);
  size_t n_blocks = 0, n_plotted = 0;
  double xmax = 0;
  for (size_t v = 0; v < V; v++) {
    size_t nc = 0;
    block[v] = SIZE_MAX;
    for (size_t k = 0; k < t->n_runs; k++) {
      const exp_run_ref *r = &t->runs[k];
      if (r->variant != v || r->env != e) continue;
      char *rd = exp_run_dir(s, t->results, r), *pp = rd ? tr_path_join(rd, "progress.tsv") : NULL;
      if (pp && read_curve(pp, &cs[nc])) nc++;
      free(rd), free(pp);
    }
    nseeds[v] = nc;
    if (nc) {
      for (size_t j = 0; j < nc; j++) xmax = fmax(xmax, cs[j].x[cs[j].n - 1]);
      if (n_blocks) fputs("\n\n", af.f);
      fprintf(af.f, "# variant %s: %zu of %zu seeds\n", s->variants[v].name, nc, t->K);
      if (write_mean_curve(af.f, cs, nc)) block[v] = n_blocks++, n_plotted++;
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
  double unit = xmax >= 2e6 ? 1e6 : xmax >= 2e4 ? 1e3 : 1;
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
  snprintf(what, sizeof what, "learning curves on %s", s->envs[e]);
  gp_head(f, s->name, what, base);
  fputs("set title ", f);
  char title[512];
  snprintf(title, sizeof title, "%s on %s", s->name, s->envs[e]);
  gp_string(f, title);
  fprintf(f, "\nset xlabel \"environment steps%s\"\n", unit_name);
  fprintf(f, "set ylabel \"return of the last 100 episodes (mean ± s.e. over %zu seeds)\"\n", t->K);
  fputs("set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2\n"
        "set style fill transparent solid 0.18 noborder\n"
        "set xrange [0:*]\nset autoscale xfixmax\n", f);
  gp_png(f, base, 1100, 620);
  fputs("plot \\\n", f);
  int first = 1;
  for (size_t v = 0; v < V; v++) {
    if (block[v] == SIZE_MAX) continue;
    const char *col = palette[v % N_PALETTE];
    int dt = 1 + (int)(v / N_PALETTE);
    fprintf(f, "%s  \"%s\" index %zu using ($1/%g):($2-$3):($2+$3) with filledcurves "
               "lc rgb \"%s\" notitle, \\\n",
            first ? "" : ", \\\n", dat, block[v], unit, col);
    char label[256];
    if (nseeds[v] < t->K)
      snprintf(label, sizeof label, "%s (%zu/%zu seeds)", s->variants[v].name, nseeds[v], t->K);
    else snprintf(label, sizeof label, "%s", s->variants[v].name);
    fprintf(f, "  \"%s\" index %zu using ($1/%g):2 with lines lw 2 dt %d lc rgb \"%s\" title ", dat,
            block[v], unit, dt, col);
    gp_string(f, label);
    first = 0;
  }
  fputc('\n', f);
  free(block), free(nseeds);
  gp_svg(f, base, 1100, 620);
  *written = 1;
  return tr_atomic_commit(&af);
}

/* scores.dat and scores.gp: the normalized score per variant, the paper's beside it;
 * *written = 0 (and nothing written) when there is neither a score nor a paper number. */
static tr_status plot_scores(const table *t, const char *pdir, int *written) {
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
    gp_string(af.f, s->variants[v].name);
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
  gp_head(f, s->name, "normalized score per variant", "scores");
  char title[512];
  snprintf(title, sizeof title, "%s: normalized score (random policy = 0, best row = 1)", s->name);
  fputs("set title ", f);
  gp_string(f, title);
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
    gp_string(f, s->variants[v].name);
    fprintf(f, " %zu", v);
  }
  fputs(")\n", f);
  double w = any_paper ? 0.38 : 0.7, off = any_paper ? 0.2 : 0.0;
  fprintf(f, "set xrange [-0.6:%zu-0.4]\n", V);
  gp_png(f, "scores", 1000, 600);
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
            first ? "" : ", \\\n  ", o, 3 + j, w, j ? "#bbbbbb" : palette[0]);
    char key[512];
    if (j && s->paper) snprintf(key, sizeof key, "paper (%s)", s->paper);
    else if (j) snprintf(key, sizeof key, "paper");
    else snprintf(key, sizeof key, "trbench");
    gp_string(f, key);
    if (sign[j][0]) fprintf(f, lab, o, 3 + j, ">=", 3 + j, 3 + j, "0.7");
    if (sign[j][1]) fprintf(f, lab, o, 3 + j, "<", 3 + j, 3 + j, "-0.7");
    first = 0;
  }
  fputc('\n', f);
  gp_svg(f, "scores", 1000, 600);
  return tr_atomic_commit(&af);
}

/* The gnuplot to use: $TRBENCH_GNUPLOT when set (empty: none), else the build's TR_GNUPLOT. */
static const char *gnuplot_path(void) {
  const char *g = getenv("TRBENCH_GNUPLOT");
  if (!g) g = TR_GNUPLOT;
  return *g && access(g, X_OK) == 0 ? g : NULL;
}

/* Run gnuplot on dir/base.gp with outputs suffixed tmp, then rename base.png/.svg into
 * place; on failure remove the temporaries.  Returns 0 on success. */
static int render(const char *gnuplot, const char *dir, const char *base) {
  char tmp[64], set[96], script[512];
  snprintf(tmp, sizeof tmp, ".tmp.%ld", (long)getpid());
  snprintf(set, sizeof set, "tmp='%s'", tmp);
  snprintf(script, sizeof script, "%s.gp", base);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(126);
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 1), close(fd);
    execl(gnuplot, "gnuplot", "-e", set, script, (char *)NULL);
    _exit(127);
  }
  int ws = 0;
  if (pid < 0 || waitpid(pid, &ws, 0) < 0) ws = -1;
  int ok = ws != -1 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
  static const char *ext[] = {"png", "svg"};
  for (size_t i = 0; i < 2; i++) {
    char from[1024], to[1024];
    snprintf(from, sizeof from, "%s/%s.%s%s", dir, base, ext[i], tmp);
    snprintf(to, sizeof to, "%s/%s.%s", dir, base, ext[i]);
    struct stat sb;
    if (ok && stat(from, &sb) == 0 && sb.st_size > 0 && rename(from, to) == 0) continue;
    remove(from);
    ok = 0;
  }
  return ok ? 0 : ws == -1 ? -1 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void plot_help(FILE *f) {
  fputs("usage: trbench plot SPEC [--results DIR] [--scale F] [--seeds N]\n\n"
        "Writes gnuplot scripts and their data under DIR/<experiment>/plots/ and renders each to\n"
        "PNG and SVG with gnuplot: curves_<env>: learning curves per environment (x environment\n"
        "steps, y return_last100 from each run's progress.tsv, mean +- standard error over seeds,\n"
        "one line per variant); scores (normalization = random_best): the normalized score per\n"
        "variant, the paper's beside it.  Without gnuplot, writes the scripts and data and says\n"
        "how to render them (cd DIR && gnuplot *.gp).  The gnuplot used is the one found at\n"
        "build time, or $TRBENCH_GNUPLOT when set (empty: do not render).\n"
        "  --results DIR  where the sweep wrote its runs (default results)\n"
        "  --scale F      the sweep's --scale (matters only with scale_seeds = true)\n"
        "  --seeds N      the sweep's --seeds: only the spec's first N seeds\n", f);
}

int exp_cmd_plot(int argc, char **argv) {
  tp_args a;
  int help, rc = parse_tp_args("plot", argc, argv, &a, &help);
  if (rc || help) {
    if (help) plot_help(stdout);
    return rc;
  }
  table t;
  tr_status st = table_load(&t, a.spec, a.results, a.scale, a.seeds, 1);
  char *pdir = NULL;
  if (!st && !(pdir = tr_path_join(t.dir, "plots"))) st = tr_error(TR_ENOMEM, "out of memory");
  if (!st) st = tr_mkdir_p(pdir);
  size_t E = st ? 0 : t.s->n_envs, n_fig = 0;
  char (*bases)[256] = calloc(E + 1, sizeof *bases);
  if (!st && !bases) st = tr_error(TR_ENOMEM, "out of memory");
  for (size_t e = 0; !st && e < E; e++) {
    int written;
    char b[256];
    if (!(st = plot_env(&t, e, pdir, b, sizeof b, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "%s", b);
  }
  if (!st && t.s->normalize) {
    int written;
    if (!(st = plot_scores(&t, pdir, &written)) && written)
      snprintf(bases[n_fig++], sizeof bases[0], "scores");
  }
  if (st) {
    rc = exp_fail_status(st);
    goto done;
  }
  if (!t.found && !n_fig)
    fprintf(stderr, "trbench: warning: no runs found under %s/runs (same --results and --scale "
                    "as the sweep?)\n", t.dir);
  const char *gp = gnuplot_path();
  if (!gp) {
    fprintf(stderr, "trbench: notice: gnuplot not available; wrote %zu scripts and their data to "
                    "%s; render them with: cd %s && gnuplot *.gp\n", n_fig, pdir, pdir);
    goto done;
  }
  for (size_t i = 0; i < n_fig; i++) {
    int g = render(gp, pdir, bases[i]);
    if (g) {
      rc = exp_fail("plot: gnuplot failed on %s/%s.gp (status %d)", pdir, bases[i], g);
      goto done;
    }
    printf("%s/%s.png\n%s/%s.svg\n", pdir, bases[i], pdir, bases[i]);
  }
done:
  free(bases);
  free(pdir);
  table_free(&t);
  return rc;
}
