/* experiments/results.c — an experiment's runs loaded for `trbench table` and `trbench plot`:
 * every run's summary.ini (rundir.c reads it), cells, normalization, row scores, Spearman's ρ.
 *
 * Letters: V variants (rows, in spec order), E environments, K seeds per (variant, env),
 * R = V·E·K runs, G points of a learning curve.
 *
 * Scores.  A run's score x is the spec's `score` key of its summary.ini (default
 * return_last100), or with score = eval the mean return of its evaluation episodes on its
 * training environment (eval.tsv); a run without a summary, without that key (or file), or
 * with a non-finite value is missing: it is shown as missing and never counted as 0.
 * Diverged and failed runs with a finite score count, with that score (the notes say how
 * many).  Per (variant, env) cell: the mean over the seeds found, x̄ = Σ x / n, and its
 * standard error s/√n with s the sample standard deviation (n − 1); no standard error for
 * n = 1.
 *
 * Normalization random_best (PPO, Schulman et al. 2017, Table 1; REFERENCES.md § 3 with its
 * decision): per environment e,  x̃ = (x − random_e) / (best_e − random_e),  where
 *   random_e = the mean undiscounted return of a uniform random policy over 100 episodes,
 *              each to termination or the time limit, streams from seed 1 — exactly
 *              `trbench rollout --env E --episodes 100 --seed 1` (uniform over the discrete
 *              actions, or uniform in the action box); when every variant sets the same
 *              time_limit on e (time_limit@ENV included), episodes use it; for score = exact_J on a tabular environment,
 *              the exact J = μᵀV of the uniform policy instead;
 *   best_e   = the largest cell mean x̄ on e among the rows of this sweep.
 * A row's score is the mean of x̃ over all its runs found (the paper's 21 = 7 tasks × 3
 * seeds).  With normalization = none there is no across-task score: only the cells.
 *
 * Agreement with the paper: Spearman's ρ between our row scores and the paper's numbers over
 * the rows with both, ranks averaged over ties, ρ = Pearson correlation of the two rank
 * vectors (which reduces to 1 − 6Σd²/(n(n²−1)) without ties).
 */
#define _GNU_SOURCE
#include "experiments/results.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/io.h"
#include "core/size.h"
#include "experiments/cli.h"
#include "experiments/rundir.h"
#include "experiments/walker.h"
#include "mdps/env.h"
#include "theory/exact.h"

/* ---- loading the runs ----------------------------------------------------------------- */


void exp_table_free(exp_table *t) {
  if (t->random_how)
    for (size_t e = 0; e < t->s->n_envs; e++) free(t->random_how[e]);
  free(t->random_how);
  free(t->dir), free(t->runs), free(t->score), free(t->state);
  free(t->mean), free(t->se), free(t->n);
  free(t->random), free(t->best), free(t->best_v);
  free(t->time_limit), free(t->time_limit_agree);
  free(t->row_score), free(t->row_n), free(t->row_found);
  free(t->agg);
  exp_spec_free(t->s);
  exp_sweep_settings_free(&t->set);
  memset(t, 0, sizeof *t);
}

/* random_e: see the file's comment.  how (n bytes) receives how it was obtained. */
static tr_status random_score(const char *name, const char *score_key, size_t time_limit,
                              double *out, char *how, size_t n) {
  env_model *m = env_model_alloc(name);
  if (!m) return TR_EINVAL;
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
  if (env_time_limit(m) == 0 && !time_limit)
    st = tr_error(TR_EINVAL, "%s: no time limit for the random policy's episodes", name);
  if (!st && !exp_action_box_bounded(m))
    st = tr_error(TR_EINVAL, "%s: an unbounded action box has no uniform random policy", name);
  /* `trbench rollout --env NAME --episodes 100 --seed 1`, to the bit (the same walker) */
  double ret[EXP_RANDOM_EPISODES];
  exp_walker w;
  if (!st) st = exp_walker_init(&w, m, EXP_POLICY_RANDOM, EXP_RANDOM_SEED, "rollout", time_limit);
  if (!st) {
    st = exp_walker_episodes(&w, EXP_RANDOM_EPISODES, ret);
    exp_walker_clear(&w);
  }
  if (!st) {
    double sum = 0.0; /* rollout's order: per-episode returns, then their mean */
    for (size_t i = 0; i < EXP_RANDOM_EPISODES; i++) sum += ret[i];
    *out = sum / EXP_RANDOM_EPISODES;
    snprintf(how, n, "uniform random actions, %d episodes of at most %zu steps, seed %d",
             EXP_RANDOM_EPISODES, time_limit ? time_limit : env_time_limit(m), EXP_RANDOM_SEED);
  }
  env_model_free(m);
  return st;
}


/* The episode time limit the variants train with on environment env: the common value of
 * their time_limit parameter there (time_limit@ENV counts; 0: the environment's own);
 * *agree = 0 when they differ (then 0). */
static size_t spec_time_limit(const exp_spec *s, const char *env, int *agree) {
  size_t common = 0;
  *agree = 1;
  for (size_t v = 0; v < s->n_variants; v++) {
    alg_shared_params sh; /* the spec was validated: its settings apply */
    size_t tl = exp_variant_shared(&s->variants[v], env, &sh) ? 0 : sh.time_limit;
    if (v == 0) common = tl;
    else if (tl != common) *agree = 0;
  }
  return *agree ? common : 0;
}

tr_status exp_table_no_runs(const exp_table *t) {
  char seeds[32];
  exp_sweep_seeds_text(seeds, sizeof seeds, t->set.seeds);
  return tr_error(TR_EINVAL,
                  "%s/runs: no run of %s found (looked for %zu run directories with --results %s "
                  "--scale %g --seeds %s%s)",
                  t->dir, t->s->path, t->n_runs, t->set.results, t->scale, seeds,
                  t->set.recorded ? ", as the sweep recorded" : "; no sweep.ini there");
}

/* Read the spec and every run's summary; compute cells, random and best, row scores, ρ. */
tr_status exp_table_load(exp_table *t, const char *spec, const exp_sweep_flags *flags,
                         int need_random) {
  memset(t, 0, sizeof *t);
  tr_status st = exp_spec_read(&t->s, spec);
  if (!st) st = exp_sweep_resolve(t->s, flags, EXP_SWEEP_FIND, &t->set);
  if (st) return st;
  const char *results = t->set.results;
  t->results = results;
  t->scale = t->set.scale;
  if ((st = exp_spec_runs(t->s, t->scale, t->set.seeds, &t->runs, &t->n_runs))) return st;
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
    exp_summary sum;
    int found;
    int eval = exp_spec_score_is_eval(s); /* the score is eval.tsv's, not a summary key */
    tr_status rs = exp_summary_read(p, eval ? NULL : s->score, &sum, &t->score[k], &found);
    if (eval) t->score[k] = exp_eval_mean(rd, "eval.tsv");
    double steps = sum.steps;
    t->state[k] = rs || !found ? EXP_RUN_ABSENT : sum.state; /* unreadable: as absent */
    free(p), free(rd);
    if (t->state[k] == EXP_RUN_ABSENT) {
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
    t->diverged += t->state[k] == EXP_RUN_DIVERGED;
    t->failed += t->state[k] == EXP_RUN_FAILED;
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
  t->time_limit = calloc(E, sizeof *t->time_limit);
  t->time_limit_agree = calloc(E, sizeof *t->time_limit_agree);
  if (!t->time_limit || !t->time_limit_agree) return tr_error(TR_ENOMEM, "out of memory");
  for (size_t e = 0; e < E; e++)
    t->time_limit[e] = spec_time_limit(s, s->envs[e], &t->time_limit_agree[e]);
  if (need_random)
    for (size_t e = 0; e < E; e++) {
      char how[160];
      if ((st = random_score(s->envs[e], s->score, t->time_limit[e], &t->random[e], how,
                             sizeof how))) {
        tr_error_prefix("random policy");
        return st;
      }
      if (!(t->random_how[e] = strdup(how))) return tr_error(TR_ENOMEM, "out of memory");
    }
  /* x̃ = (x − random)/(best − random), averaged over the row's runs on environments that
   * can be normalized (best ≠ random) */
  for (size_t k = 0; k < R; k++) {
    double z = exp_table_normalized(t, k);
    if (!isfinite(z)) continue;
    t->row_score[t->runs[k].variant] += z;
    t->row_n[t->runs[k].variant]++;
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
  t->rho = exp_stats_spearman(x, y, t->rho_n, &t->rho_n);
  free(x), free(y);
  return exp_table_aggregates(t); /* the rows' IQM & co. with intervals, ρ's interval */
}

int exp_table_args_parse(const char *cmd, int argc, char **argv, exp_table_args *a, int *help) {
  static const struct option opts[] = {{"results", required_argument, 0, 'o'},
                                       {"scale", required_argument, 0, 'x'},
                                       {"seeds", required_argument, 0, 'n'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int c;
  optind = 0;
  opterr = 0;
  *help = 0;
  memset(a, 0, sizeof *a); /* every flag unset: the sweep's record or the defaults apply */
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      a->flags.results = optarg;
      a->flags.has_results = 1;
      break;
    case 'x':
      if (exp_parse_scale(optarg, &a->flags.scale)) return EXP_EXIT_INPUT;
      a->flags.has_scale = 1;
      break;
    case 'n':
      if (exp_parse_size("--seeds", optarg, &a->flags.seeds)) return EXP_EXIT_INPUT;
      if (a->flags.seeds < 1) return exp_fail("--seeds: must be at least 1");
      a->flags.has_seeds = 1;
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

int exp_progress_read(const char *path, const char *xname, const char *yname, double **xs,
                      double **ys, size_t *n_out) {
  char *text = NULL;
  double *X = NULL, *Y = NULL;
  size_t n = 0, cap = 0;
  *xs = *ys = NULL;
  *n_out = 0;
  if (access(path, F_OK) != 0 || tr_read_file(path, &text, NULL)) return 0;
  char *line = text, *next = strchr(line, '\n');
  if (next) *next++ = '\0';
  int cx = -1, cy = -1, col = 0;
  for (char *p = line, *q; p; p = q, col++) {
    if ((q = strchr(p, '\t'))) *q++ = '\0';
    if (!strcmp(p, xname)) cx = col;
    if (!strcmp(p, yname)) cy = col;
  }
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
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      double *nx = realloc(X, cap * sizeof *nx);
      if (nx) X = nx;
      double *ny = nx ? realloc(Y, cap * sizeof *ny) : NULL;
      if (ny) Y = ny;
      if (!nx || !ny) break;
    }
    X[n] = x;
    Y[n++] = y;
  }
  free(text);
  if (!n) {
    free(X), free(Y);
    return 0;
  }
  *xs = X, *ys = Y, *n_out = n;
  return 1;
}

int exp_run_progress_read(const exp_table *t, const exp_run_ref *r, const char *xname,
                          const char *yname, double **x, double **y, size_t *n) {
  char *rd = exp_run_dir(t->s, t->results, r), *pp = rd ? tr_path_join(rd, "progress.tsv") : NULL;
  int ok = pp && exp_progress_read(pp, xname, yname, x, y, n);
  if (!pp) *x = *y = NULL, *n = 0;
  free(rd), free(pp);
  return ok;
}

int exp_table_updates_differ(const exp_table *t, size_t e) {
  double first = NAN, last = NAN, count = NAN;
  int differ = 0;
  for (size_t k = 0; k < t->n_runs && !differ; k++) {
    if (t->runs[k].env != e) continue;
    double *x, *y;
    size_t n;
    if (!exp_run_progress_read(t, &t->runs[k], "steps", "return_last100", &x, &y, &n)) continue;
    if (isnan(first)) first = x[0], last = x[n - 1], count = (double)n;
    else differ = x[0] != first || x[n - 1] != last || (double)n != count;
    free(x), free(y);
  }
  return differ;
}

double exp_curve_at(const double *x, const double *y, size_t n, double at) {
  if (!n || at < x[0] || at > x[n - 1]) return NAN;
  size_t lo = 0, hi = n - 1;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (x[mid] <= at) lo = mid;
    else hi = mid;
  }
  if (x[hi] == at || hi == lo) return y[hi];
  double w = (at - x[lo]) / (x[hi] - x[lo]);
  return (1 - w) * y[lo] + w * y[hi];
}
