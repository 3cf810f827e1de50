/* experiments/bench_run.c — `trbench bench envs` and `trbench bench algos`.
 *
 * envs: environment steps per second with a uniform random policy (gsl_ran_flat in the
 * box, gsl_rng_uniform_int over discrete actions) through env.h — env_step, and env_reset
 * whenever an episode ends (terminated or truncated), the policy's draws included.
 * Classic-control and tabular rows have no floor (those columns are left empty).
 *
 * The MuJoCo floor is bare physics on the same mjModel, as the issue words it: "bare
 * mj_step calls on the same model, times the frame skip".  Its timed work is only: random
 * ctrl in ctrlrange, then frame_skip × mj_step; floor_steps_per_s = (mj_step calls / s) /
 * frame_skip.  It leaves out everything else the env does — episode resets (mj_resetData,
 * reset noise, mj_forward), observations, rewards, termination and instability checks,
 * action validation and clipping — so ratio = steps_per_s / floor (target >= 0.8) is the
 * share of the env's time that is physics (timing mj_step inside env_step put it at
 * 0.95-0.99 for the seven tasks: resets cost most of the rest).
 *
 * The floor's own mjData is put back with mj_resetData OUTSIDE the timed segments, as often
 * as the env's episodes end (their mean length over the env's warm-up; at least every 1000
 * env steps, and after a bad-qacc warning, so random controls cannot drive a model
 * somewhere pathological).  The cost of mj_step depends on the state: a Hopper left to
 * random controls for 1000 steps lies on the ground in contact and costs ~25 µs per mj_step
 * against ~11 µs near its start pose, so a floor that resets only every 1000 steps runs
 * slower physics than the env does (it gave ratios up to 1.4 on Hopper and
 * InvertedPendulum).  Matching the episode length keeps the floor's physics comparable
 * while its timed work stays bare mj_step.
 *
 * Each number is the median of 3 repetitions of a fixed wall time (1.5 s, 0.3 s with
 * --quick) after a warm-up of a fifth of that; within a repetition the env and its floor
 * alternate in slices of a tenth, so drift or a competing process (this 2-core VM varies
 * by ±10-15%) hits both alike.  The environment's state carries over between slices.
 *
 * algos: training throughput — environment steps per second of alg_run_iterate, sampling
 * and learning included (run allocation excluded) — of the rows of algo_rows (ppo-clip and
 * trpo with their defaults on cartpole and hopper; ppo-clip on cartpole at CleanRL's
 * settings), for a fixed number of iterations (fewer with --quick), median of 3 runs of the
 * same seed (identical work).  Two floors, measured in the same process in each of the 3
 * rounds (each round: the env-only rate over 1.5 s (0.3 s with --quick), one 1024³ dgemm,
 * then one run of each row), so floors and runs see the same machine:
 *   ratio = training / env-only steps/s (the learning overhead is 1/ratio − 1);
 *   flop_ratio = learn_flop/s / dgemm flop/s, where learn_flop/s = the network FLOPs the run
 *     did (nn_flops: 2MNK per product, from the shapes and the updates actually made) over
 *     the run's time minus steps / env-only rate (the time not spent in the environment).
 *   ratio_ceiling = 1 / (1 + (FLOPs per step) · (env-only steps/s) / (dgemm FLOP/s)): the
 *     ratio a learner would reach if all its FLOPs ran at the 1024³ dgemm's rate and nothing
 *     else cost anything — the most any GEMM backend could give at this configuration.
 * A row's target is on ratio or on steps/s.  Then the projected wall time of ppo_table1
 * with -j = the cores, and the GEMM backends (bench_gemm.c).  BLAS is
 * single-threaded (main sets it). */
#include "experiments/bench_run.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "algorithms/nn.h"
#include "algorithms/run.h"
#include "core/clock.h"
#include "core/rng.h"
#include "experiments/bench_gemm.h"
#include "experiments/cli.h"
#include "experiments/walker.h"
#include "experiments/spec.h"
#include "mdps/env.h"
#include "mdps/env_mujoco.h"

enum { REPS = 3, SLICES = 10, CHUNK = 64, FLOOR_RESET_MAX = 1000 };

static double median3(double a, double b, double c) {
  return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* ---- the env-interface loop ---------------------------------------------------------- */

/* The random-policy walker of `trbench rollout` (walker.h) on streams (1, "bench/…"). */
typedef exp_walker env_loop;

static void env_loop_free(env_loop *L) { exp_walker_clear(L); }

static tr_status env_loop_init(env_loop *L, const env_model *m) {
  if (!exp_action_box_bounded(m))
    return tr_error(TR_EINVAL, "%s: unbounded action box (no uniform policy)", env_model_name(m));
  tr_status st = exp_walker_init(L, m, EXP_POLICY_RANDOM, 1, "bench", 0);
  return st ? tr_error(TR_ENOMEM, "%s: out of memory", env_model_name(m)) : TR_OK;
}

/* Random-policy steps for at least secs seconds: adds their number to *n, the time to *busy. */
static tr_status env_loop_run(env_loop *L, double secs, double *n, double *busy) {
  size_t steps = 0;
  double t0 = tr_clock_seconds(), t;
  do {
    for (int k = 0; k < CHUNK; k++) {
      int ended;
      tr_status st = exp_walker_step(L, &ended);
      if (st) return st;
    }
    steps += CHUNK;
    t = tr_clock_seconds();
  } while (t - t0 < secs);
  *n += (double)steps;
  *busy += t - t0;
  return TR_OK;
}

/* ---- the bare mj_step floor ---------------------------------------------------------- */

typedef struct {
  const mjModel *m;
  mjData *d;
  gsl_rng *r;
  int frame_skip;
  size_t episode; /* env steps between (untimed) resets */
  size_t since_reset;
} mj_loop;

/* Env steps (frame_skip mj_steps each) for at least secs seconds of timed work (resets
 * excluded): adds their number to *n, the timed seconds to *total.  MuJoCo errors are not
 * expected with controls inside ctrlrange; one would abort with env_mujoco.c's message. */
static void mj_loop_run(mj_loop *L, double secs, double *n, double *total) {
  const mjModel *m = L->m;
  mjData *d = L->d;
  size_t steps = 0;
  double busy = 0.0, seg = tr_clock_seconds(), t;
  do {
    for (int k = 0; k < CHUNK; k++) {
      for (int i = 0; i < m->nu; i++)
        d->ctrl[i] = gsl_ran_flat(L->r, m->actuator_ctrlrange[2 * i],
                                  m->actuator_ctrlrange[2 * i + 1]);
      for (int j = 0; j < L->frame_skip; j++) mj_step(m, d);
      if (++L->since_reset >= L->episode || d->warning[mjWARN_BADQACC].number) {
        busy += tr_clock_seconds() - seg;
        mj_resetData(m, d);
        L->since_reset = 0;
        seg = tr_clock_seconds();
      }
    }
    steps += CHUNK;
    t = tr_clock_seconds();
  } while (busy + (t - seg) < secs);
  busy += t - seg;
  *n += (double)steps;
  *total += busy;
}

/* ---- `bench envs` ---------------------------------------------------------------------- */

/* Median env rate and, for MuJoCo tasks, the floor's (NAN for the others).  Each
 * repetition alternates env and floor in SLICES slices of secs / SLICES, so a competing
 * process slows both alike. */
static tr_status measure_env(env_model *m, double secs, double *rate, double *flr) {
  env_loop L;
  tr_status st = env_loop_init(&L, m);
  if (st) return st;
  const mjModel *mm = env_mujoco_model(m);
  mj_loop F = {mm, NULL, NULL, (int)env_frame_skip(m), FLOOR_RESET_MAX, 0};
  if (mm) {
    F.d = mj_makeData(mm);
    F.r = tr_rng_derive(1, "bench/floor");
    if (!F.d || !F.r) {
      st = tr_error(TR_ENOMEM, "%s: out of memory", env_model_name(m));
      goto done;
    }
  }
  double re[REPS], rf[REPS], n = 0.0, t = 0.0;
  if ((st = env_loop_run(&L, 0.2 * secs, &n, &t))) goto done; /* warm-up */
  if (L.episodes) {
    size_t len = (L.steps + L.episodes / 2) / L.episodes;
    F.episode = len < 1 ? 1 : len < FLOOR_RESET_MAX ? len : FLOOR_RESET_MAX;
  }
  if (mm) mj_loop_run(&F, 0.2 * secs, &n, &t);
  for (int k = 0; k < REPS; k++) {
    double ne = 0.0, te = 0.0, nf = 0.0, tf = 0.0;
    for (int j = 0; j < SLICES; j++) {
      if ((st = env_loop_run(&L, secs / SLICES, &ne, &te))) goto done;
      if (mm) mj_loop_run(&F, secs / SLICES, &nf, &tf);
    }
    re[k] = ne / te;
    rf[k] = mm ? nf / tf : NAN;
  }
  *rate = median3(re[0], re[1], re[2]);
  *flr = mm ? median3(rf[0], rf[1], rf[2]) : NAN;
done:
  if (F.d) mj_deleteData(F.d);
  gsl_rng_free(F.r);
  env_loop_free(&L);
  return st;
}

int exp_bench_envs(int quick) {
  static const char *const names[] = {
      "hopper", "walker2d", "halfcheetah", "swimmer", "inverted-pendulum",
      "inverted-double-pendulum", "reacher", "ant", "humanoid", "humanoid-standup", "pusher",
      "cartpole", "acrobot", "mountaincar", "pendulum", "mountaincar-continuous",
      "garnet:100,4,5", "frozenlake8", "cliffwalking"};
  double secs = quick ? 0.3 : 1.5;
  printf("env\tsteps_per_s\tfloor_steps_per_s\tratio\n");
  fflush(stdout);
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    env_model *m = env_model_alloc(names[i]);
    if (!m) return exp_fail_status(TR_EINVAL);
    double rate = NAN, flr = NAN;
    tr_status st = measure_env(m, secs, &rate, &flr);
    env_model_free(m);
    if (st) return exp_fail_status(st);
    if (isnan(flr))
      printf("%s\t%.0f\t\t\n", names[i], rate);
    else
      printf("%s\t%.0f\t%.0f\t%.3f\n", names[i], rate, flr, rate / flr);
    fflush(stdout);
  }
  return EXP_EXIT_OK;
}

/* ---- `bench algos` ------------------------------------------------------------------- */

/* One row of the table: an algorithm with its defaults (settings NULL) or with overrides
 * "key=value,key=value", on an environment, for iters iterations (quick: iters_quick). */
typedef struct {
  const char *algo, *env, *settings;
  size_t iters, iters_quick;
  double target;   /* NAN: none */
  int target_rate; /* 1: target on steps_per_s; 0: on ratio */
} algo_row;

static const algo_row algo_rows[] = {
    {"ppo-clip", "cartpole", NULL, 4, 2, NAN, 0},
    {"trpo", "cartpole", NULL, 4, 2, NAN, 0},
    {"ppo-clip", "cartpole", "n_envs=4,n_steps=512,n_epochs=4,batch_size=128", 16, 8, 1e5, 1},
    {"ppo-clip", "hopper", NULL, 4, 2, 0.8, 0},
    {"trpo", "hopper", NULL, 4, 2, 0.7, 0},
};
enum { N_ROWS = sizeof algo_rows / sizeof *algo_rows, DGEMM_N = 1024 };

/* The measurements of one row in one repetition. */
typedef struct {
  double steps, secs, flops;
} train_meas;

/* Applies "key=value,key=value" to cfg. */
static tr_status apply_settings(alg_config *cfg, const char *settings) {
  char buf[256];
  if (!settings) return TR_OK;
  snprintf(buf, sizeof buf, "%s", settings);
  for (char *save = NULL, *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
    tr_status st = alg_config_set(cfg, kv);
    if (st) return st;
  }
  return TR_OK;
}

/* One run of iters iterations of algo (seed 1) on em: steps, seconds and network FLOPs of the
 * iterations (allocation excluded). */
static tr_status train_once(const char *algo, const char *settings, env_model *em, size_t iters,
                            train_meas *out) {
  const alg_class *cls = alg_find(algo);
  if (!cls) return TR_EINVAL;
  alg_config cfg;
  tr_status st = alg_config_init(&cfg, cls);
  if (st) return st;
  alg_run *run = NULL;
  alg_shared_params shared;
  if (!(st = apply_settings(&cfg, settings))) {
    alg_config_shared(&cfg, &shared);
    st = alg_run_alloc(&run, em, &cfg, 1, iters * shared.n_steps);
  }
  alg_config_clear(&cfg);
  if (st) return st;
  nn_flops_reset();
  double t0 = tr_clock_seconds();
  while (run->state.steps_done < run->model.total_steps) {
    alg_iter_stats s;
    if ((st = alg_run_iterate(run, &s))) break;
    if (s.bad[0]) {
      st = tr_error(TR_ENUM, "bench algos: %s on %s diverged (non-finite %s at iteration %zu)",
                    algo, env_model_name(em), s.bad, run->state.iter);
      break;
    }
  }
  out->secs = tr_clock_seconds() - t0;
  out->steps = (double)run->state.steps_done;
  out->flops = nn_flops();
  alg_run_free(run);
  return st;
}

/* The rows of one environment: REPS rounds of (env-only for secs, one large dgemm, then one
 * run of each row), so the floors and the runs share the machine's state.  fl[k] and
 * dg[k] are round k's env-only steps/s and dgemm FLOP/s; m[i][k] row i's run. */
static tr_status bench_algos_env(const char *name, int quick, double secs, double *fl,
                                 double *dg, train_meas m[N_ROWS][REPS]) {
  env_model *em = env_model_alloc(name);
  if (!em) return TR_EINVAL;
  env_loop L;
  tr_status st = env_loop_init(&L, em);
  if (st) {
    env_model_free(em);
    return st;
  }
  double n = 0.0, t = 0.0;
  st = env_loop_run(&L, 0.2 * secs, &n, &t); /* warm-up */
  for (int k = 0; k < REPS && !st; k++) {
    n = t = 0.0;
    if ((st = env_loop_run(&L, secs, &n, &t))) break;
    fl[k] = n / t;
    dg[k] = exp_bench_dgemm_flops(DGEMM_N);
    for (size_t i = 0; i < N_ROWS && !st; i++)
      if (!strcmp(algo_rows[i].env, name))
        st = train_once(algo_rows[i].algo, algo_rows[i].settings, em,
                        quick ? algo_rows[i].iters_quick : algo_rows[i].iters, &m[i][k]);
  }
  env_loop_free(&L);
  env_model_free(em);
  return st;
}

/* One row's line from the medians of its repetitions (see exp_bench_algos). */
static void print_row(const algo_row *r, const train_meas *m, double flr, double dgemm,
                      int *met_all) {
  double rate[REPS], lrate[REPS];
  for (int k = 0; k < REPS; k++) {
    double net = m[k].secs - m[k].steps / flr; /* time not spent in the environment */
    rate[k] = m[k].steps / m[k].secs;
    lrate[k] = net > 0 ? m[k].flops / net : NAN;
  }
  double sps = median3(rate[0], rate[1], rate[2]), lr = median3(lrate[0], lrate[1], lrate[2]);
  double ratio = sps / flr, got = r->target_rate ? sps : ratio;
  char target[32] = "-", met[4] = "-";
  if (!isnan(r->target)) {
    snprintf(target, sizeof target, r->target_rate ? "steps_per_s>=%.0f" : "ratio>=%.2g", r->target);
    snprintf(met, sizeof met, "%s", got >= r->target ? "yes" : "no");
    *met_all &= got >= r->target;
  }
  /* the ratio if every learning FLOP ran at the large dgemm's rate and nothing else cost */
  double ceiling = 1.0 / (1.0 + m[0].flops / m[0].steps * flr / dgemm);
  printf("%s\t%s\t%.0f\t%.0f\t%.3g\t%.3g\t%.3g\t%.3g\t%.3g\t%s\t%s\t%s\t%.3g\n", r->algo,
         r->env, sps, flr, ratio, 1e-6 * m[0].flops / m[0].steps, 1e-9 * lr, 1e-9 * dgemm,
         lr / dgemm, target, met, r->settings ? r->settings : "defaults", ceiling);
}

/* A spec shipped with trbench: the source tree's copy, else the installed one. */
static const char *shipped_spec(const char *file, char *buf, size_t len) {
  snprintf(buf, len, "%s/experiments/%s", TR_SRCDIR, file);
  FILE *f = fopen(buf, "r");
  if (f) {
    fclose(f);
    return buf;
  }
  snprintf(buf, len, "%s/experiments/%s", TR_DATADIR, file);
  return buf;
}

/* The projected wall time of the whole ppo_table1 spec with -j cores: every run of a task
 * takes steps / rate(task) seconds, rate = ppo-clip's training steps/s with the paper's
 * defaults on that task (iters iterations, one run; hopper's median is reused), and the
 * runs share the cores perfectly.  The KL-penalty variants do a little more work per
 * minibatch (one more backward pass) and are counted at ppo-clip's rate. */
static tr_status project_table1(int quick, double hopper_rate) {
  char path[4096];
  exp_spec *spec = NULL;
  tr_status st = exp_spec_read(&spec, shipped_spec("ppo_table1.ini", path, sizeof path));
  if (st) return st;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  if (cores < 1) cores = 1;
  double total = 0.0;
  size_t runs = 0;
  printf("# ppo_table1 projection (ppo-clip defaults, steps/s per task):");
  for (size_t e = 0; e < spec->n_envs && !st; e++) {
    double rate = hopper_rate;
    if (strcmp(spec->envs[e], "hopper") || isnan(rate)) {
      env_model *em = env_model_alloc(spec->envs[e]);
      train_meas m;
      if (!em) {
        st = TR_EINVAL;
        break;
      }
      st = train_once("ppo-clip", NULL, em, quick ? 1 : 2, &m);
      env_model_free(em);
      rate = m.steps / m.secs;
    }
    printf(" %s %.0f", spec->envs[e], rate);
    total += (double)(spec->n_variants * spec->n_seeds) * (double)spec->steps / rate;
    runs += spec->n_variants * spec->n_seeds;
  }
  printf("\n");
  if (!st)
    printf("# ppo_table1: %zu runs x %zu steps; projected wall time with -j %ld: %.2f h "
           "(target <= 3.5 h)\n", runs, spec->steps, cores, total / (double)cores / 3600.0);
  exp_spec_free(spec);
  return st;
}

int exp_bench_algos(int quick) {
  static const char *const envs[] = {"cartpole", "hopper"};
  double secs = quick ? 0.3 : 1.5, ppo_hopper = NAN, ppo_hopper_ratio = NAN;
  int met_all = 1;
  printf("algo\tenv\tsteps_per_s\tfloor_steps_per_s\tratio\tmflop_per_step\tlearn_gflop_per_s"
         "\tdgemm_gflop_per_s\tflop_ratio\ttarget\tmet\tsettings\tratio_ceiling\n");
  fflush(stdout);
  for (size_t j = 0; j < sizeof envs / sizeof *envs; j++) {
    double fl[REPS], dg[REPS];
    static train_meas m[N_ROWS][REPS];
    tr_status st = bench_algos_env(envs[j], quick, secs, fl, dg, m);
    if (st) return exp_fail_status(st);
    double flr = median3(fl[0], fl[1], fl[2]), dgemm = median3(dg[0], dg[1], dg[2]);
    for (size_t i = 0; i < N_ROWS; i++) {
      const algo_row *r = &algo_rows[i];
      if (strcmp(r->env, envs[j])) continue;
      print_row(r, m[i], flr, dgemm, &met_all);
      if (!strcmp(r->algo, "ppo-clip") && !strcmp(r->env, "hopper") && !r->settings) {
        double rt[REPS];
        for (int k = 0; k < REPS; k++) rt[k] = m[i][k].steps / m[i][k].secs;
        ppo_hopper = median3(rt[0], rt[1], rt[2]);
        ppo_hopper_ratio = ppo_hopper / flr;
      }
    }
    fflush(stdout);
  }
  printf("# ppo-clip hopper: 1e6 steps projected %.0f s (target < 180 s); learning overhead "
         "1/ratio - 1 = %.2f (target <= 1)\n",
         1e6 / ppo_hopper, 1.0 / ppo_hopper_ratio - 1.0);
  int ilqr_met = 0; /* the iLQR row (its own columns) */
  tr_status ist = exp_bench_ilqr(quick, &ilqr_met);
  if (ist) return exp_fail_status(ist);
  met_all &= ilqr_met;
  printf("# targets %s\n", met_all ? "all met" : "NOT all met");
  fflush(stdout);
  tr_status st = project_table1(quick, ppo_hopper);
  if (st) return exp_fail_status(st);
  printf("\n");
  fflush(stdout);
  if (exp_bench_gemm(quick)) return exp_fail_status(TR_ENOMEM);
  return EXP_EXIT_OK;
}
