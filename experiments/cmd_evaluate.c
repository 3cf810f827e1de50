/* experiments/cmd_evaluate.c — `trbench evaluate RUN_DIR [--env NAME] [--episodes N]
 * [--seed S] [--deterministic] [--time-limit N]`: the run's saved policy on fresh episodes.
 *
 * The observation normalizer is frozen at its saved statistics; --deterministic takes the
 * mean action (the most probable one on discrete spaces).  Episodes end at a termination
 * (fell = 1: the task's own end before the time limit) or at the time limit.  Streams derive
 * from (S, "evaluate"), one per episode, so the same command gives the same file.
 * Written into RUN_DIR atomically: eval.tsv (the run's own environment) or eval_<ENV>.tsv,
 *   episode  return  length  fell
 * and one line on stdout:
 *   evaluate ENV: N episodes, return MEAN +- STD (min MIN, max MAX), length MEAN, fell K
 * A run of an algorithm whose controller is not a policy network (alg_class.control: ilqr's
 * feedback law) acts through it instead, deterministically; the law ends at its horizon H,
 * which ends the episode as a time limit would (fell 0), and the line adds
 * ", M ended at the controller's horizon (not a fall)". */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "core/rng.h"
#include "core/size.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/saved_run.h"
#include "experiments/spec.h"

typedef exp_policy_opts eval_args;

static void evaluate_help(FILE *f) {
  fputs("usage: trbench evaluate RUN_DIR [--env NAME] [--episodes N] [--seed S] [--deterministic]\n"
        "                        [--time-limit N]\n\n"
        "The saved policy of RUN_DIR (its checkpoint.bin) on N fresh episodes (default 10, seed\n"
        "1), with the observation normalizer frozen; --deterministic: the mean action.\n"
        "--env: another environment with the same observation and action spaces; --time-limit:\n"
        "another episode limit.  Writes RUN_DIR/eval.tsv (eval_<ENV>.tsv for another\n"
        "environment): episode, return, length, fell (1: ended by the task before the limit),\n"
        "and one summary line on stdout.\n"
        "A run of ilqr (no policy network): its final feedback law\n"
        "u_t = clamp(u_bar_t + K_t (x_t - x_bar_t)) on the task's whole MuJoCo state, from the\n"
        "task's resets (from the plan's start state with start = plan), deterministic.  The law\n"
        "exists for its horizon H only: an episode that reaches H ends there as at a time\n"
        "limit (fell 0), and the summary line counts those episodes.  render and --init-from\n"
        "refuse such runs.\n", f);
}

static int parse(int argc, char **argv, eval_args *a, int *help) {
  static const struct option opts[] = {EXP_POLICY_LONGOPTS, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  *a = (eval_args){NULL, NULL, 10, 0, 1, 0};
  *help = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'h') return *help = 1, 0;
    int rc = exp_policy_opt(c, optarg, a);
    if (rc == 1)
      return exp_fail("evaluate: unknown or incomplete option '%s' (trbench evaluate --help)",
                      argv[optind - 1]);
    if (rc) return rc;
  }
  return exp_policy_dir("evaluate", optind, argc, argv, a);
}

typedef struct {
  double ret;
  size_t len;
  int fell;
  int horizon; /* 1: a controller's episode ended at its horizon (fell 0) */
} episode;

/* One episode of the saved policy (or controller) from its own stream. */
static tr_status run_episode(exp_saved_run *s, env *e, gsl_rng *r, int det, double *obs,
                             double *act, episode *out) {
  env_step_result res = {0};
  tr_status st = env_reset(e, r, obs);
  *out = (episode){0, 0, 0, 0};
  while (!st) {
    if (s->controller) {
      if ((st = exp_saved_run_control(s, e, out->len, act, &out->horizon))) break;
      if (out->horizon) break; /* the law ends: as a time limit, not a fall */
    } else if ((st = exp_saved_run_act(s, obs, det, r, act))) break;
    if ((st = env_step(e, act, r, obs, &res))) break;
    out->ret += res.reward;
    out->len++;
    if (res.terminated || res.truncated) {
      out->fell = res.terminated && !res.truncated;
      break;
    }
  }
  return st;
}

static tr_status exp_evaluate_run(exp_saved_run *s, size_t episodes, uint64_t seed, int det,
                           episode *out) {
  env *e = env_alloc(s->em);
  double *obs = tr_malloc(env_obs_dim(s->em) * sizeof *obs);
  double *act = tr_malloc((env_action_dim(s->em) + 1) * sizeof *act);
  tr_status st = e && obs && act ? TR_OK : TR_ENOMEM;
  for (size_t k = 0; !st && k < episodes; k++) {
    char id[48];
    snprintf(id, sizeof id, "evaluate:%zu", k);
    gsl_rng *r = tr_rng_derive(seed, id);
    st = r ? run_episode(s, e, r, det, obs, act, &out[k]) : TR_ENOMEM;
    gsl_rng_free(r);
  }
  env_free(e);
  free(obs), free(act);
  return st;
}

static tr_status write_tsv(const char *dir, const char *leaf, const episode *ep, size_t n) {
  tr_atomic_file af;
  tr_status st = tr_atomic_open_in(&af, dir, leaf);
  if (st) return st;
  fputs("episode\treturn\tlength\tfell\n", af.f);
  for (size_t k = 0; k < n; k++)
    fprintf(af.f, "%zu\t%.17g\t%zu\t%d\n", k + 1, ep[k].ret, ep[k].len, ep[k].fell);
  return tr_atomic_commit(&af);
}

tr_status exp_evaluate_write(const char *run_dir, const char *out_dir, const char *env,
                             size_t time_limit, size_t episodes, uint64_t seed, int det,
                             char *line, size_t n) {
  exp_saved_run s;
  tr_status st = exp_saved_run_load_eval(&s, run_dir, env, time_limit);
  if (st) return st;
  episode *ep = tr_calloc(episodes, sizeof *ep);
  if (!ep) st = TR_ENOMEM;
  if (!st) st = exp_evaluate_run(&s, episodes, seed, det, ep);
  char leaf[600] = "eval.tsv", safe[512];
  const char *name = env ? env : s.env;
  if (strcmp(name, s.env)) {
    exp_safe_name(safe, sizeof safe, name);
    snprintf(leaf, sizeof leaf, "eval_%s.tsv", safe);
  }
  if (!st) st = write_tsv(out_dir, leaf, ep, episodes);
  if (!st) {
    double m = 0, v = 0, lo = INFINITY, hi = -INFINITY, len = 0;
    size_t fell = 0, horizon = 0;
    for (size_t k = 0; k < episodes; k++) {
      m += ep[k].ret / (double)episodes, len += (double)ep[k].len / (double)episodes;
      fell += (size_t)ep[k].fell, horizon += (size_t)ep[k].horizon;
      lo = fmin(lo, ep[k].ret), hi = fmax(hi, ep[k].ret);
    }
    for (size_t k = 0; k < episodes; k++) v += (ep[k].ret - m) * (ep[k].ret - m);
    char ends[160] = "";
    if (s.controller) /* its law is deterministic, --deterministic or not */
      snprintf(ends, sizeof ends, ", %zu ended at the controller's horizon (not a fall)", horizon);
    snprintf(line, n, "evaluate %s: %zu episodes%s, return %.6g +- %.3g (min %.6g, max %.6g), "
             "length %.1f, fell %zu%s -> %s/%s", name, episodes,
             s.controller ? " (a feedback law: deterministic)" : det ? " (deterministic)" : "",
             m, episodes > 1 ? sqrt(v / (double)(episodes - 1)) : 0.0, lo, hi, len, fell, ends,
             run_dir, leaf);
  }
  free(ep);
  exp_saved_run_free(&s);
  return st;
}

int exp_cmd_evaluate(int argc, char **argv) {
  eval_args a;
  int help, rc = parse(argc, argv, &a, &help);
  if (rc || help) {
    if (help) evaluate_help(stdout);
    return rc;
  }
  char line[1024];
  tr_status st = exp_evaluate_write(a.dir, a.dir, a.env, a.time_limit, a.episodes, a.seed,
                                    a.deterministic, line, sizeof line);
  if (st) return exp_fail_status(st);
  printf("%s\n", line);
  return EXP_EXIT_OK;
}
