/* experiments/cmd_run.c — `trbench run` (one training run into a run directory) and
 * `trbench algos` (the registry with every parameter). */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "algorithms/alg_bc.h"
#include "algorithms/checkpoint.h"
#include "algorithms/rlhf.h"
#include "algorithms/run.h"
#include "core/blas.h"
#include "core/clock.h"
#include "core/io.h"
#include "core/num.h"
#include "core/size.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/provenance.h"
#include "experiments/rundir.h"
#include "experiments/saved_run.h"
#include "experiments/spec.h"
#include "experiments/sweep_state.h"
#include "mdps/mdpfile.h"

static void put(FILE *f, double x) {
  if (isnan(x)) fputs("\tnan", f);
  else fprintf(f, "\t%.17g", x);
}

static const char *progress_header =
    "iter\tsteps\tepisodes\treturn_mean\treturn_std\tep_len\tkl_mean\tentropy\tclip_frac\t"
    "surrogate_gain\tvalue_loss\tseconds\treturn_last100\tbeta\tlr\tstep_frac\texact_J\t"
    "exact_improvement\texact_tv_max\texact_kl_mean\texact_kl_max\tsampled_improvement\tls_shrinks\tls_rejected\t"
    "staleness\tpref_labels\trm_loss\tgold_J\tproxy_J\tkl_ref\tsqrt_kl_ref\tsoft_opt_J\tsoft_gap\t"
    "nominal_return\tmu\talpha\texpected_improvement\tactual_improvement\tmodel_steps\t"
    "is_estimate\tis_estimate_best\taccepted\tw_r\tess_min\tess_mean\teval_return\tbc_loss\n";

static void progress_row(FILE *f, size_t iter, size_t steps, const alg_iter_stats *s,
                         double secs, double last100) {
  fprintf(f, "%zu\t%zu\t%zu", iter, steps, s->episodes);
  double v[] = {s->return_mean, s->return_std, s->ep_len, s->kl_mean, s->entropy, s->clip_frac,
                s->surrogate_gain, s->value_loss, secs, last100, s->beta, s->lr, s->step_frac,
                s->exact_J, s->exact_improvement, s->exact_tv_max, s->exact_kl_mean,
                s->exact_kl_max, s->sampled_improvement, s->ls_shrinks, s->ls_rejected, s->staleness,
                s->pref_labels, s->rm_loss, s->gold_J, s->proxy_J, s->kl_ref, s->sqrt_kl_ref,
                s->soft_opt_J, s->soft_gap, s->nominal_return, s->mu, s->alpha,
                s->expected_improvement, s->actual_improvement, s->model_steps,
                s->is_estimate, s->is_estimate_best, s->accepted, s->w_r, s->ess_min,
                s->ess_mean, s->eval_return, s->bc_loss};
  for (size_t i = 0; i < sizeof v / sizeof *v; i++) put(f, v[i]);
  fputc('\n', f);
  fflush(f);
}

/* SIGINT / SIGTERM while a run trains: the run stops after the iteration under way (an
 * algorithm's threads are stopped and joined by alg_run_free), its temporary directory left
 * as a killed run's is — whole rows in progress.tsv, a checkpoint with --checkpoint-every
 * (run --resume continues), and a summary.ini saying status = failed, interrupted — and
 * exits 128 + the signal's number. */
static volatile sig_atomic_t run_signal;
static void run_on_signal(int sig) { run_signal = sig; }

/* The last 100 episode returns (a ring). */
typedef struct {
  double r[100];
  size_t n, next;
} last100;

static void last100_add(last100 *l, const alg_batch *b) {
  for (size_t i = 0; i < b->n_episodes; i++) {
    l->r[l->next] = b->ep_return[i];
    l->next = (l->next + 1) % 100;
    if (l->n < 100) l->n++;
  }
}

static double last100_mean(const last100 *l) {
  if (!l->n) return NAN;
  double s = 0;
  for (size_t i = 0; i < l->n; i++) s += l->r[i];
  return s / (double)l->n;
}

static void run_help(FILE *f) {
  fputs("usage: trbench run --algo NAME --env NAME --steps N --seed S [--set key=value ...]\n"
        "                   --out DIR [--force] [--quiet]\n\n"
        "One training run (algorithm x environment x seed) into the run directory DIR:\n"
        "  config.ini    every resolved parameter, the seed, the trbench version and commit\n"
        "  progress.tsv  one row per iteration (header first; nan where a column does not apply)\n"
        "  summary.ini   return_last100, steps_per_s, status (ok|diverged|failed) and reason;\n"
        "                on tabular environments exact_J of the final policy and optimal_J,\n"
        "                and exact_seconds: the wall time of the per-iteration exact\n"
        "                diagnostics (part of wall_seconds); ilqr: model_steps, the\n"
        "                simulator steps (mj_step) its model took apart from --steps\n"
        "The directory is written as DIR.tmp.<pid> and renamed into place when complete.\n"
        "DIR must not exist or hold a complete trbench run, which is then replaced atomically\n"
        "(checked before training); --force replaces whatever DIR is.\n"
        "A NaN or inf in any loss stops the run as diverged, naming the quantity (exit 1).\n"
        "trbench algos lists the algorithms and their parameters; --set overrides any.\n"
        "--quiet drops the live progress line; the closing line (status, return_last100,\n"
        "where) is always printed on stdout.\n"
        "A run trains whole batches of n_steps: N is rounded up to the next multiple (the\n"
        "steps done are in summary.ini); N below one batch trains one, with a warning.\n"
        "Checkpoints (checkpoint.bin: the whole training state; README \"After training\"):\n"
        "  every run writes its final one; --checkpoint-every N also one every N iterations\n"
        "  while it trains (the latest is kept, in DIR.tmp.<pid>/)\n"
        "  --resume            continue a killed run of DIR from its last checkpoint (the same\n"
        "                      command otherwise): the finished run is the uninterrupted one,\n"
        "                      bit for bit (timing columns aside); without one it starts anew\n"
        "  --variant NAME      the experiment variant the run belongs to, recorded in config.ini\n"
        "                      (trbench sweep sets it)\n"
        "  --init-from RUN     start from RUN's saved policy (and value function when the shapes\n"
        "                      match): fine-tuning; any algorithm with the same policy shape\n"
        "  --ref-policy RUN    the reference policy pi_ref of kl_ref_coef and of the exact kl_ref\n"
        "                      columns: RUN's saved policy (same environment, same policy shape),\n"
        "                      which the run also starts from; without it pi_ref is the run's\n"
        "                      starting policy.  reward=learned runs write preferences.tsv\n"
        "                      (the synthetic labels; README \"Learned rewards\")\n"
        "  --expert RUN        bc (behaviour cloning): the expert whose actions are cloned, RUN's\n"
        "                      saved policy (same environment); on tabular environments also\n"
        "                      optimal:EPS, the exact optimal policy epsilon-greedy (EPS in [0,1])\n"
        "While it trains, DIR.live/progress.tsv is the run's progress so far.\n"
        "  --evaluate N        when the run ends ok, its policy on N fresh episodes (trbench\n"
        "                      evaluate) into eval.tsv, or eval_<ENV>.tsv for each\n"
        "                      --evaluate-env ENV; --evaluate-deterministic: the mean action;\n"
        "                      --evaluate-time-limit N: episodes of at most N steps (trbench\n"
        "                      evaluate --time-limit).  An ilqr run's evaluation is its\n"
        "                      feedback law's, at most H steps (trbench evaluate --help)\n"
        "Tabular environments only:\n"
        "  --init-policy FILE  start from the policy FILE (policy file format, as trbench eval\n"
        "                      reads): logits theta(s,a) = log max(pi(a|s), 1e-30)\n"
        "  --save-policies     write the tabulated policy before the first iteration and after\n"
        "                      each one as policies/pi_NNNN.txt (NNNN the iteration, as the iter\n"
        "                      column of progress.tsv; 0000 the initial policy), for trbench eval\n", f);
}

typedef struct {
  const char *algo, *env, *out;
  size_t steps;
  uint64_t seed;
  int force;       /* --force: replace whatever --out is */
  int quiet, progress; /* progress: the live line even when stderr is not a terminal */
  const char *init_policy; /* tabular: the starting policy's file (NULL: the algorithm's init) */
  int save_policies;       /* tabular: policies/pi_NNNN.txt per iteration */
  size_t checkpoint_every; /* 0: only the final checkpoint */
  int resume;              /* continue DIR's killed run from its checkpoint */
  const char *init_from;   /* a run directory whose policy starts this run */
  const char *ref_policy;  /* a run directory whose policy is π_ref (and the start) */
  const char *expert;      /* bc: a run directory, or optimal:EPS (tabular) */
  const char *variant;     /* the spec's variant this run belongs to (sweeps set it) */
  size_t eval_episodes;    /* 0: no evaluation at the end */
  const char *eval_envs[EXP_EVAL_ENVS_MAX];
  size_t n_eval_envs;
  int eval_deterministic;
  size_t eval_time_limit;  /* 0: the environment's own */
  char **sets;
  size_t n_sets;
} run_args;

static int parse_args(int argc, char **argv, run_args *a, int *help) {
  static const struct option opts[] = {
      {"algo", required_argument, 0, 'a'}, {"env", required_argument, 0, 'e'},
      {"steps", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
      {"set", required_argument, 0, 'k'}, {"out", required_argument, 0, 'o'},
      {"quiet", no_argument, 0, 'q'}, {"progress", no_argument, 0, 'p'},
      {"force", no_argument, 0, 'f'}, {"init-policy", required_argument, 0, 'i'},
      {"save-policies", no_argument, 0, 'P'}, {"help", no_argument, 0, 'h'},
      {"checkpoint-every", required_argument, 0, 'c'}, {"resume", no_argument, 0, 'r'},
      {"init-from", required_argument, 0, 'I'}, {"variant", required_argument, 0, 'V'},
      {"evaluate", required_argument, 0, 'E'}, {"evaluate-env", required_argument, 0, 'X'},
      {"evaluate-deterministic", no_argument, 0, 'D'}, {"ref-policy", required_argument, 0, 'R'},
      {"expert", required_argument, 0, 'x'},
      {"evaluate-time-limit", required_argument, 0, 'T'}, {0, 0, 0, 0}};
  int c, have_steps = 0, have_seed = 0;
  optind = 0;
  opterr = 0;
  *help = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'a': a->algo = optarg; break;
    case 'e': a->env = optarg; break;
    case 'n':
      if (exp_parse_size("--steps", optarg, &a->steps)) return EXP_EXIT_INPUT;
      have_steps = 1;
      break;
    case 's':
      if (exp_parse_u64("--seed", optarg, &a->seed)) return EXP_EXIT_INPUT;
      have_seed = 1;
      break;
    case 'k': a->sets[a->n_sets++] = optarg; break;
    case 'o': a->out = optarg; break;
    case 'q': a->quiet = 1; break;
    case 'f': a->force = 1; break;
    case 'p': a->progress = 1; break;
    case 'i': a->init_policy = optarg; break;
    case 'P': a->save_policies = 1; break;
    case 'c':
      if (exp_parse_size("--checkpoint-every", optarg, &a->checkpoint_every)) return EXP_EXIT_INPUT;
      if (!a->checkpoint_every) return exp_fail("--checkpoint-every: must be at least 1");
      break;
    case 'r': a->resume = 1; break;
    case 'I': a->init_from = optarg; break;
    case 'R': a->ref_policy = optarg; break;
    case 'x': a->expert = optarg; break;
    case 'V': a->variant = optarg; break;
    case 'E':
      if (exp_parse_size("--evaluate", optarg, &a->eval_episodes)) return EXP_EXIT_INPUT;
      break;
    case 'X':
      if (a->n_eval_envs == EXP_EVAL_ENVS_MAX)
        return exp_fail("--evaluate-env: at most %d", EXP_EVAL_ENVS_MAX);
      a->eval_envs[a->n_eval_envs++] = optarg;
      break;
    case 'D': a->eval_deterministic = 1; break;
    case 'T':
      if (exp_parse_size("--evaluate-time-limit", optarg, &a->eval_time_limit))
        return EXP_EXIT_INPUT;
      if (!a->eval_time_limit) return exp_fail("--evaluate-time-limit: must be at least 1");
      break;
    case 'h': *help = 1; return 0;
    default:
      return exp_fail("run: unknown or incomplete option '%s' (trbench run --help)",
                      argv[optind - 1]);
    }
  }
  if (optind < argc) return exp_fail("run: unexpected argument '%s'", argv[optind]);
  if (!a->algo) return exp_fail("run: --algo NAME is required (trbench algos lists them)");
  if (!a->env) return exp_fail("run: --env NAME is required (trbench envs lists them)");
  if (!have_steps || a->steps == 0) return exp_fail("run: --steps N (N >= 1) is required");
  if (!have_seed) return exp_fail("run: --seed S is required");
  if (!a->out) return exp_fail("run: --out DIR is required");
  if (a->eval_time_limit && !a->eval_episodes)
    return exp_fail("--evaluate-time-limit: given without --evaluate N (nothing to limit)");
  return 0;
}

static tr_status write_config(const exp_rundir *rd, const run_args *a, const alg_run *run,
                              int argc, char **argv) {
  FILE *f = exp_rundir_open(rd, "config.ini");
  if (!f) return TR_EIO;
  fprintf(f, "# trbench run configuration (every resolved parameter)\n[run]\n");
  fprintf(f, "algo = %s\nenv = %s\nsteps = %zu\nseed = %llu\n", a->algo, a->env, a->steps,
          (unsigned long long)a->seed);
  if (a->variant) fprintf(f, "variant = %s\n", a->variant);
  fprintf(f, "trbench_version = %s\ncommit = %s\ncommand = ", exp_version(), exp_commit());
  exp_put_command(f, argc, argv);
  tr_blas_info b;
  tr_blas_describe(&b);
  fprintf(f, "\nblas = %s\nblas_core = %s\nblas_core_source = %s\nblas_core_detected = %s\n"
             "cpu_isa = %s",
          b.config, b.core, b.source, b.detected, b.isa);
  fprintf(f, "\ngamma_resolved = %.17g\niterations = %zu\npolicy_parameters = %zu\n",
          run->model.gamma, run->model.n_iters, run->model.pol->P);
  fprintf(f, "\n[%s]\n", a->algo);
  alg_config_write(&run->model.cfg, f);
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  return bad ? tr_error(TR_EIO, "%s: cannot write config.ini", rd->tmp_path) : TR_OK;
}

/* The run's summary.ini (rundir.c writes it); on tabular environments with the exact J of
 * the final policy and the optimal J. */
static tr_status write_summary(const exp_rundir *rd, alg_run *run, const char *status,
                               const char *reason, const last100 *l, size_t episodes,
                               double wall, double model_steps) {
  exp_summary s = {0};
  s.has_model_steps = isfinite(model_steps);
  s.model_steps = model_steps;
  s.state = !strcmp(status, "ok") ? EXP_RUN_OK : !strcmp(status, "diverged") ? EXP_RUN_DIVERGED
                                                                              : EXP_RUN_FAILED;
  snprintf(s.reason, sizeof s.reason, "%s", reason);
  s.return_last100 = last100_mean(l);
  s.episodes = episodes;
  s.steps = (double)run->state.steps_done;
  s.iterations = run->state.iter;
  s.wall_seconds = wall;
  s.steps_per_s = wall > 0 ? (double)run->state.steps_done / wall : 0.0;
  s.exact_seconds = run->model.tab ? run->state.exact_seconds : NAN;
  const mdp *tab = run->model.tab;
  if (tab) {
    size_t S = tab->S, A = tab->A;
    double *pi = tr_malloc(S * A * sizeof *pi), *V = tr_malloc(S * sizeof *V);
    thy_values *v = thy_values_alloc(S, A);
    if (!pi || !V || !v) {
      free(pi), free(V);
      thy_values_free(v);
      return tr_error(TR_ENOMEM, "out of memory: the exact J of a %zu-state policy", S);
    }
    /* a numerical failure of the exact solves leaves exact_J and optimal_J out */
    if (!alg_run_tabulate(run, run->state.theta, pi) &&
        !thy_evaluate(v, tab, pi, THY_SOLVER_AUTO, NULL) &&
        !thy_policy_iteration(V, NULL, tab, THY_SOLVER_AUTO, NULL)) {
      s.has_exact = 1;
      s.exact_J = v->J;
      s.optimal_J = thy_weighted_mean(V, tab->mu, S);
    }
    free(pi), free(V);
    thy_values_free(v);
  }
  return exp_summary_write(rd, &s);
}

/* Logits of a tabular policy from the file: θ (S, A) = log max(π, EXP_INIT_PI_FLOOR), so a
 * deterministic policy is reproduced to within e^-69 per action. */
#define EXP_INIT_PI_FLOOR 1e-30
static tr_status init_policy(alg_run *run, const char *path) {
  const mdp *m = run->model.tab;
  if (!m) return tr_error(TR_EINVAL, "--init-policy: needs a tabular environment");
  double *pi = NULL;
  tr_status st = mdp_policy_read(path, m->S, m->A, &pi);
  if (st) return st;
  for (size_t i = 0; i < m->S * m->A; i++)
    run->state.theta[i] = log(fmax(pi[i], EXP_INIT_PI_FLOOR));
  free(pi);
  return TR_OK;
}

/* policies/pi_NNNN.txt in the run directory: the tabulated policy after iteration iter. */
static tr_status save_policy(const exp_rundir *rd, alg_run *run, size_t iter) {
  const mdp *m = run->model.tab;
  if (!m) return tr_error(TR_EINVAL, "--save-policies: needs a tabular environment");
  char name[64];
  snprintf(name, sizeof name, "policies/pi_%04zu.txt", iter);
  char *dir = tr_path_join(rd->tmp_path, "policies"), *p = tr_path_join(rd->tmp_path, name);
  double *pi = tr_malloc(m->S * m->A * sizeof *pi);
  tr_status st = dir && p && pi ? tr_mkdir_p(dir) : tr_error(TR_ENOMEM, "out of memory");
  if (!st) st = alg_run_tabulate(run, run->state.theta, pi);
  if (!st) st = mdp_policy_write(p, pi, m->S, m->A);
  free(dir), free(p), free(pi);
  return st;
}

/* What trbench run itself carries between iterations, in the checkpoint after the run's
 * blocks: the last-100 window, the episode count and the wall seconds so far. */
typedef struct {
  last100 *l;
  size_t *episodes;
  double *seconds;
} run_extra;

static tr_status extra_io(alg_ckpt_io *io, void *ctx) {
  run_extra *x = ctx;
  tr_status st = alg_ckpt_f64(io, "run.last100", x->l->r, 100);
  if (!st) st = alg_ckpt_size(io, "run.last100_n", &x->l->n);
  if (!st) st = alg_ckpt_size(io, "run.last100_next", &x->l->next);
  if (!st) st = alg_ckpt_size(io, "run.episodes", x->episodes);
  if (!st) st = alg_ckpt_f64(io, "run.seconds", x->seconds, 1);
  if (!st && (x->l->n > 100 || x->l->next >= 100))
    st = tr_error(TR_EINVAL, "a checkpoint with a broken last-100 window");
  return st;
}

static tr_status save_checkpoint(const exp_rundir *rd, alg_run *run, run_extra *x) {
  char *p = tr_path_join(rd->tmp_path, ALG_CKPT_FILE);
  tr_status st = p ? alg_ckpt_save(run, p, extra_io, x) : TR_ENOMEM;
  free(p);
  return st;
}

/* An adopted temporary's progress.tsv cut back to its header and the rows of iterations
 * 1..iter (those after the checkpoint are made again), opened for appending. */
static FILE *progress_reopen(const exp_rundir *rd, size_t iter) {
  char *p = tr_path_join(rd->tmp_path, "progress.tsv"), *text = NULL;
  size_t len = 0;
  if (!p || tr_read_file(p, &text, &len)) {
    free(p);
    return NULL;
  }
  size_t keep = 0;
  for (char *line = text; *line;) {
    char *nl = strchr(line, '\n');
    if (!nl) break; /* a row cut by the kill */
    if (line != text && strtoull(line, NULL, 10) > iter) break;
    keep = (size_t)(nl + 1 - text);
    line = nl + 1;
  }
  FILE *f = fopen(p, "w");
  if (f && fwrite(text, 1, keep, f) != keep) {
    fclose(f);
    f = NULL;
  }
  if (!f) tr_error(TR_EIO, "%s: cannot rewrite", p);
  free(text), free(p);
  return f;
}

/* --init-from RUN: RUN's saved policy (and value function when the shapes match). */
static tr_status init_from(alg_run *run, const char *dir) {
  char *p = tr_path_join(dir, ALG_CKPT_FILE);
  char *algo = p ? alg_ckpt_header(p, "algo") : NULL;
  const alg_class *src = algo ? alg_find(algo) : NULL;
  tr_status st = !p ? TR_ENOMEM : !algo ? TR_EINVAL : TR_OK;
  if (!st && src && (src->needs & ALG_NO_POLICY))
    st = tr_error(TR_EINVAL, "a run of %s holds no policy network to start from", algo);
  free(algo);
  if (!st) st = alg_ckpt_load_policy(run, p, 1);
  free(p);
  if (st) tr_error_prefix("--init-from %s", dir);
  return st;
}

/* --ref-policy RUN: RUN's saved policy, of the same environment, as the start and π_ref. */
static tr_status ref_policy(alg_run *run, const char *dir, const char *env) {
  char *p = tr_path_join(dir, ALG_CKPT_FILE), *e = p ? alg_ckpt_header(p, "env") : NULL;
  tr_status st = !p ? TR_ENOMEM : !e ? TR_EINVAL : TR_OK;
  if (!st && strcmp(e, env))
    st = tr_error(TR_EINVAL, "a policy of %s, not of %s", e, env);
  if (!st) st = alg_ckpt_load_policy(run, p, 1);
  free(p), free(e);
  if (st == TR_EINVAL) tr_error_prefix("--ref-policy %s", dir);
  return st;
}

/* --expert RUN: a saved run's policy acting on raw observations (bc, alg_bc.h). */
static tr_status expert_act(void *ctx, const double *obs, size_t B, int det, gsl_rng *r,
                            double *act) {
  exp_saved_run *e = ctx;
  size_t O = env_obs_dim(e->em), W = e->run->model.pol->W;
  tr_status st = TR_OK;
  for (size_t b = 0; b < B && !st; b++)
    st = exp_saved_run_act(e, obs + b * O, det, r, act + b * W);
  return st;
}

/* --expert SPEC for a run of an algorithm that reads one (ALG_NEEDS_EXPERT): optimal:EPS, or
 * a run directory of the same environment loaded into *e. */
static tr_status load_expert(alg_run *run, const char *spec, const char *env, exp_saved_run *e) {
  tr_status st;
  if (!strncmp(spec, "optimal:", 8)) {
    double eps;
    if (tr_parse_real("EPS", spec + 8, 0, 1, &eps)) st = TR_EINVAL;
    else st = alg_run_set_optimal_expert(run, eps);
  } else if (!(st = exp_saved_run_load(e, spec, NULL, 0))) {
    if (strcmp(e->env, env))
      st = tr_error(TR_EINVAL, "a policy of %s, not of %s", e->env, env);
    else if (!(st = exp_env_same_spaces(run->model.em, e->em, env)))
      st = alg_run_set_expert(run, expert_act, e);
  }
  if (st == TR_EINVAL) tr_error_prefix("--expert %s", spec);
  return st;
}

/* preferences.tsv: the labels of a reward=learned run. */
static tr_status write_preferences(const exp_rundir *rd, const alg_run *run) {
  if (!alg_run_pref_comparisons(run)) return TR_OK;
  FILE *f = exp_rundir_open(rd, "preferences.tsv");
  if (!f) return TR_EIO;
  tr_status st = alg_run_write_preferences(run, f);
  if (fclose(f) && !st) st = tr_error(TR_EIO, "%s: cannot write preferences.tsv", rd->tmp_path);
  return st;
}

/* On a terminal the line is redrawn in place; elsewhere (a log) one line every 10%. */
static void live_line(size_t steps, size_t total, double ret, double t0, int tty, int *decile) {
  double el = tr_clock_seconds() - t0, sps = el > 0 ? (double)steps / el : 0;
  double eta = sps > 0 ? (double)(total > steps ? total - steps : 0) / sps : 0;
  int d = (int)(10.0 * (double)steps / (double)total);
  if (!tty && d <= *decile) return;
  *decile = d;
  fprintf(stderr, "%s  steps %zu/%zu  return %.2f  %.0f steps/s  ETA %.0f s   %s", tty ? "\r" : "",
          steps, total, ret, sps, eta, tty ? "" : "\n");
}

/* A killed run's checkpoint that this build cannot load (st): when the run's config.ini names
 * another commit, the message says which and what to do (a parameter added since changes the
 * checkpoint's config block, say). */
static void stale_build_hint(const char *stale, tr_status st) {
  char *p = tr_path_join(stale, "config.ini");
  FILE *f = p ? fopen(p, "r") : NULL;
  free(p);
  char line[512], commit[64] = "";
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "commit = %63s", commit) == 1) break;
  if (f) fclose(f);
  if (!commit[0] || !strcmp(commit, exp_commit())) return;
  char msg[TR_ERRMSG_MAX];
  snprintf(msg, sizeof msg, "%s", tr_error_msg());
  tr_error(st, "%s; the run was begun by commit %s and this build is %s: resume it with that "
           "build, or remove %s to start the run over", msg, commit, exp_commit(), stale);
}

int exp_cmd_run(int argc, char **argv) {
  char *sets[256];
  run_args a = {0};
  a.sets = sets;
  int help,
      rc = argc > 257 ? exp_fail("run: too many arguments") : parse_args(argc, argv, &a, &help);
  if (rc || help) {
    if (help) run_help(stdout);
    return rc;
  }
  if (a.resume && a.force) return exp_fail("run: --resume continues DIR; --force replaces it");
  if (a.resume && exp_rundir_is_complete(a.out)) {
    printf("%s: complete already -> %s\n", a.algo, a.out);
    return EXP_EXIT_OK;
  }
  tr_status st0 = exp_rundir_check(a.out, a.force); /* before anything costly */
  if (st0) return exp_fail_status(st0);
  const alg_class *cls = alg_find(a.algo);
  if (!cls) return exp_fail("--algo: %s", tr_error_msg());
  alg_config cfgv;
  if (alg_config_init(&cfgv, cls)) return exp_fail_status(TR_ENOMEM);
  for (size_t i = 0; i < a.n_sets; i++)
    if (alg_config_set(&cfgv, a.sets[i])) {
      alg_config_clear(&cfgv);
      return exp_fail_status(TR_EINVAL);
    }
  env_model *em = env_model_alloc(a.env);
  if (!em) {
    alg_config_clear(&cfgv);
    return exp_fail("--env: %s", tr_error_msg());
  }
  alg_run *run = NULL;
  tr_status st = alg_run_alloc(&run, em, &cfgv, a.seed, a.steps);
  alg_config_clear(&cfgv);
  if (st) {
    env_model_free(em);
    if (st == TR_EINVAL) return exp_fail("run: %s", tr_error_msg());
    return exp_fail_status(st);
  }
  if (a.init_policy && (st = init_policy(run, a.init_policy))) {
    alg_run_free(run);
    env_model_free(em);
    return exp_fail_status(st);
  }
  for (size_t i = 0; !st && i < a.n_eval_envs; i++) { /* before training, not after */
    env_model *ev = env_model_alloc(a.eval_envs[i]);
    if (!ev) tr_error_prefix("--evaluate-env"), st = TR_EINVAL;
    else st = exp_env_same_spaces(em, ev, a.eval_envs[i]);
    if (st == TR_EINVAL && ev) tr_error_prefix("--evaluate-env");
    env_model_free(ev);
  }
  if (st) {
    alg_run_free(run);
    env_model_free(em);
    return exp_fail_status(st);
  }
  if (!st && a.eval_episodes && (cls->needs & ALG_NO_POLICY) && !cls->control)
    st = tr_error(TR_EINVAL, "--evaluate: %s has no saved policy network to evaluate", a.algo);
  if (st) {
    alg_run_free(run);
    env_model_free(em);
    return exp_fail_status(st);
  }
  if (a.init_from && (st = init_from(run, a.init_from))) {
    alg_run_free(run);
    env_model_free(em);
    return exp_fail_status(st);
  }
  exp_saved_run expert = {0};
  if (!st && a.expert && !(cls->needs & ALG_NEEDS_EXPERT))
    st = tr_error(TR_EINVAL, "--expert: %s reads no expert (bc does)", a.algo);
  else if (!st && !a.expert && (cls->needs & ALG_NEEDS_EXPERT))
    st = tr_error(TR_EINVAL, "run: %s needs --expert RUN (or on a tabular environment "
                  "--expert optimal:EPS)", a.algo);
  else if (!st && a.expert) st = load_expert(run, a.expert, a.env, &expert);
  if (st) {
    exp_saved_run_free(&expert);
    alg_run_free(run);
    env_model_free(em);
    return exp_fail_status(st);
  }
  if (a.ref_policy && (a.init_from || a.init_policy)) {
    exp_saved_run_free(&expert);
    alg_run_free(run);
    env_model_free(em);
    return exp_fail("--ref-policy: the run starts from the reference; drop --init-from and "
                    "--init-policy");
  }
  if (a.ref_policy && (st = ref_policy(run, a.ref_policy, a.env))) {
    exp_saved_run_free(&expert);
    alg_run_free(run);
    env_model_free(em);
    return exp_fail_status(st);
  }
  /* π_ref: the starting policy, fixed before a checkpoint is resumed */
  if ((a.ref_policy || run->state.rlhf) && (st = alg_run_set_reference(run))) {
    exp_saved_run_free(&expert);
    alg_run_free(run);
    env_model_free(em);
    return exp_fail_status(st);
  }
  /* the labels due before the first iteration, before the run directory exists: a labeler
   * that produces no pairs is bad input (exit 2), not a failed run (a resumed run's labels
   * are in its checkpoint) */
  char *stale0 = a.resume ? exp_run_stale_checkpoint(a.out) : NULL;
  int resuming = stale0 != NULL;
  free(stale0);
  if (run->state.rlhf && !resuming && (st = alg_rlhf_before(run))) {
    exp_saved_run_free(&expert);
    alg_run_free(run);
    env_model_free(em);
    if (st == TR_EINVAL) return exp_fail("run: %s", tr_error_msg());
    return exp_fail_status(st);
  }
  if (a.save_policies && !run->model.tab) {
    exp_saved_run_free(&expert);
    alg_run_free(run);
    env_model_free(em);
    return exp_fail("--save-policies: needs a tabular environment; %s is not one", a.env);
  }
  if (a.steps < run->model.T) /* a run trains whole batches: say so, never silently */
    fprintf(stderr, "trbench: warning: --steps %zu is less than one batch (n_steps = %zu): the "
                    "run trains one whole batch, %zu steps\n", a.steps, run->model.T, run->model.T);
  exp_rundir rd;
  last100 l = {0};
  size_t episodes = 0;
  double secs = 0.0;
  run_extra x = {&l, &episodes, &secs};
  FILE *prog = NULL;
  int handlers = 0; /* SIGINT/SIGTERM: run_on_signal */
  struct sigaction sa = {0}, old_int, old_term;
  char *stale = a.resume ? exp_run_stale_checkpoint(a.out) : NULL;
  if (stale) { /* a killed run: its temporary becomes ours, its checkpoint our start */
    char *ck = tr_path_join(stale, ALG_CKPT_FILE);
    st = ck ? alg_ckpt_load(run, ck, extra_io, &x) : TR_ENOMEM;
    free(ck);
    if (st && st != TR_ENOMEM) stale_build_hint(stale, st);
    if (!st) st = exp_rundir_adopt(&rd, a.out, stale);
    free(stale);
    if (st) goto done;
    if (!(prog = progress_reopen(&rd, run->state.iter))) {
      st = TR_EIO;
      goto abort;
    }
    if (!a.quiet)
      fprintf(stderr, "trbench: resuming %s at iteration %zu (%zu steps)\n", a.out,
              run->state.iter, run->state.steps_done);
  } else {
    if ((st = exp_rundir_begin_force(&rd, a.out, a.force))) goto done;
    if (a.save_policies && (st = save_policy(&rd, run, 0))) goto abort;
    if ((st = write_config(&rd, &a, run, argc, argv))) goto abort;
    if (!(prog = exp_rundir_open(&rd, "progress.tsv"))) {
      st = TR_EIO;
      goto abort;
    }
    fputs(progress_header, prog);
  }
  int tty = isatty(2), decile = -1;
  int live = a.progress || (!a.quiet && tty);
  double t0 = tr_clock_seconds() - secs;
  const char *ka = getenv("TRBENCH_TEST_KILL_AT_ITER");
  size_t kill_at = ka ? strtoull(ka, NULL, 10) : 0;
  const char *status = "ok";
  char reason[256] = "";
  /* with --checkpoint-every, one before the first iteration too: a run killed in its first
   * iterations resumes, and an algorithm that cannot checkpoint while it trains says so now */
  if (!stale && a.checkpoint_every && (st = save_checkpoint(&rd, run, &x))) goto abort;
  sa.sa_handler = run_on_signal;
  sigemptyset(&sa.sa_mask);
  run_signal = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  handlers = 1;
  double model_steps = NAN; /* the last row's (ilqr: cumulative) */
  while (run->state.steps_done < run->model.total_steps && !run_signal) {
    alg_iter_stats s;
    tr_status is = alg_run_iterate(run, &s);
    if (is) {
      status = "failed";
      snprintf(reason, sizeof reason, "iteration %zu: %s", run->state.iter + 1, tr_error_msg());
      break;
    }
    if (a.save_policies && (st = save_policy(&rd, run, run->state.iter))) goto abort;
    last100_add(&l, run->state.batch);
    episodes += s.episodes;
    if (isfinite(s.model_steps)) model_steps = s.model_steps;
    progress_row(prog, run->state.iter, run->state.steps_done, &s, tr_clock_seconds() - t0,
                 last100_mean(&l));
    if (live)
      live_line(run->state.steps_done, run->model.total_steps, last100_mean(&l), t0, tty, &decile);
    if (s.bad[0]) {
      status = "diverged";
      snprintf(reason, sizeof reason, "non-finite %s at iteration %zu", s.bad, run->state.iter);
      break;
    }
    if (a.checkpoint_every && run->state.iter % a.checkpoint_every == 0 &&
        run->state.steps_done < run->model.total_steps) {
      secs = tr_clock_seconds() - t0;
      if ((st = save_checkpoint(&rd, run, &x))) goto abort;
    }
    if (kill_at && run->state.iter == kill_at) raise(SIGKILL); /* tests: a killed run */
  }
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  handlers = 0;
  if (live && tty) fputc('\n', stderr);
  int bad = ferror(prog);
  bad |= fclose(prog) != 0;
  prog = NULL;
  if (bad) {
    st = tr_error(TR_EIO, "%s: cannot write progress.tsv", rd.tmp_path);
    goto abort;
  }
  secs = tr_clock_seconds() - t0;
  if (run_signal && !strcmp(status, "ok")) { /* interrupted: the temporary stays, resumable */
    int sig = run_signal;
    if (a.checkpoint_every && (st = save_checkpoint(&rd, run, &x))) goto abort;
    snprintf(reason, sizeof reason, "interrupted by %s after iteration %zu (partial progress; "
             "the directory is %s%s)", sig == SIGINT ? "SIGINT" : "SIGTERM", run->state.iter,
             rd.tmp_path, a.checkpoint_every ? "; trbench run --resume continues it" : "");
    if ((st = write_summary(&rd, run, "failed", reason, &l, episodes, tr_clock_seconds() - t0,
                             model_steps)))
      goto abort;
    fprintf(stderr, "trbench: %s: %s\n", a.algo, reason);
    free(rd.final_path), free(rd.tmp_path); /* released, not removed */
    rc = 128 + sig;
    goto done;
  }
  if (strcmp(status, "failed") && (st = save_checkpoint(&rd, run, &x))) goto abort;
  if ((st = write_preferences(&rd, run))) goto abort;
  for (size_t i = 0; a.eval_episodes && !strcmp(status, "ok") && i < (a.n_eval_envs ? a.n_eval_envs : 1); i++) {
    char line[1024];
    if ((st = exp_evaluate_write(rd.tmp_path, rd.tmp_path, a.n_eval_envs ? a.eval_envs[i] : NULL,
                                 a.eval_time_limit, a.eval_episodes, a.seed,
                                 a.eval_deterministic, line,
                                 sizeof line)))
      goto abort;
  }
  if ((st = write_summary(&rd, run, status, reason, &l, episodes, tr_clock_seconds() - t0,
                           model_steps)))
    goto abort;
  if ((st = exp_rundir_commit(&rd))) goto abort;
  /* one closing line even with --quiet, so a job log (Slurm's .out) shows how it ended */
  printf("%s: %s, return_last100 %.4g, %zu steps -> %s\n", a.algo, status, last100_mean(&l),
         run->state.steps_done, a.out);
  rc = strcmp(status, "ok") ? EXP_EXIT_CHECK : EXP_EXIT_OK;
  goto done;
abort:
  if (handlers) sigaction(SIGINT, &old_int, NULL), sigaction(SIGTERM, &old_term, NULL);
  if (prog) fclose(prog);
  exp_rundir_abort(&rd);
done:
  if (st) rc = exp_fail_status(st);
  exp_saved_run_free(&expert);
  alg_run_free(run);
  env_model_free(em);
  return rc;
}

int exp_cmd_algos(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--help")) {
    fputs("usage: trbench algos\n\n"
          "Lists every algorithm with its parameters: name, default, doc and allowed range\n"
          "(defaults in the shortest form that reads back as the same double).  A parameter is\n"
          "set with `trbench run --set key=value`, or `key = value` in a spec's [variant].\n", stdout);
    return EXP_EXIT_OK;
  }
  if (argc > 1) return exp_fail("algos: unexpected argument '%s'", argv[1]);
  printf("Algorithms (trbench run --algo NAME; --set key=value overrides a parameter):\n\n");
  alg_list(stdout);
  return EXP_EXIT_OK;
}
