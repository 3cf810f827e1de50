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
 * and learning included (run allocation excluded) — of ppo-clip and trpo with their
 * default parameters on cartpole and hopper, for 4 iterations of n_steps (2 with --quick),
 * median of 3 runs of the same seed (identical work).  The floor is the task's env-only
 * rate measured as in `bench envs`, in the same process: the median of 3 spans of 1.5 s
 * (0.3 s with --quick), each followed by one run of each algorithm, so floor and runs see
 * the same machine.  ratio = training / env-only; the learning overhead is 1/ratio − 1
 * (time spent learning per unit of sampling time; target <= 1 for PPO on Hopper), and
 * 1e6 / steps_per_s projects one 1M-step PPO Hopper run (target < 180 s).  BLAS is
 * single-threaded (main sets it). */
#include "experiments/bench_run.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algorithms/run.h"
#include "core/clock.h"
#include "core/rng.h"
#include "experiments/cli.h"
#include "experiments/walker.h"
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
      "inverted-double-pendulum", "reacher", "cartpole", "acrobot", "mountaincar",
      "pendulum", "mountaincar-continuous", "garnet:100,4,5", "frozenlake8", "cliffwalking"};
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

/* One run of iters iterations of algo's defaults (seed 1) on em: *rate = steps / s of the
 * iterations (allocation excluded). */
static tr_status train_once(const char *algo, env_model *em, size_t iters, double *rate) {
  const alg_class *cls = alg_find(algo);
  if (!cls) return TR_EINVAL;
  alg_config cfg;
  tr_status st = alg_config_init(&cfg, cls);
  if (st) return st;
  alg_run *run = NULL;
  alg_shared_params shared;
  alg_config_shared(&cfg, &shared);
  st = alg_run_alloc(&run, em, &cfg, 1, iters * shared.n_steps);
  alg_config_clear(&cfg);
  if (st) return st;
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
  *rate = (double)run->state.steps_done / (tr_clock_seconds() - t0);
  alg_run_free(run);
  return st;
}

enum { N_ALGOS = 2 };

/* One environment's rows: REPS rounds of (env-only for secs, then one run of each
 * algorithm), so the floor and the runs share the machine's state; medians of the rounds. */
static tr_status bench_algos_env(const char *name, const char *const *algos, size_t iters,
                                 double secs, double *flr, double *rate) {
  env_model *em = env_model_alloc(name);
  if (!em) return TR_EINVAL;
  env_loop L;
  tr_status st = env_loop_init(&L, em);
  if (st) {
    env_model_free(em);
    return st;
  }
  double fl[REPS], tr[N_ALGOS][REPS], n = 0.0, t = 0.0;
  st = env_loop_run(&L, 0.2 * secs, &n, &t); /* warm-up */
  for (int k = 0; k < REPS && !st; k++) {
    n = t = 0.0;
    if ((st = env_loop_run(&L, secs, &n, &t))) break;
    fl[k] = n / t;
    for (size_t i = 0; i < N_ALGOS && !st; i++) st = train_once(algos[i], em, iters, &tr[i][k]);
  }
  if (!st) {
    *flr = median3(fl[0], fl[1], fl[2]);
    for (size_t i = 0; i < N_ALGOS; i++) rate[i] = median3(tr[i][0], tr[i][1], tr[i][2]);
  }
  env_loop_free(&L);
  env_model_free(em);
  return st;
}

int exp_bench_algos(int quick) {
  static const char *const algos[N_ALGOS] = {"ppo-clip", "trpo"};
  static const char *const envs[] = {"cartpole", "hopper"};
  double secs = quick ? 0.3 : 1.5, ppo_hopper = NAN, ppo_hopper_ratio = NAN;
  size_t iters = quick ? 2 : 4;
  printf("algo\tenv\tsteps_per_s\tfloor_steps_per_s\tratio\n");
  fflush(stdout);
  for (size_t j = 0; j < sizeof envs / sizeof *envs; j++) {
    double flr, rate[N_ALGOS];
    tr_status st = bench_algos_env(envs[j], algos, iters, secs, &flr, rate);
    if (st) return exp_fail_status(st);
    for (size_t i = 0; i < N_ALGOS; i++) {
      printf("%s\t%s\t%.0f\t%.0f\t%.3g\n", algos[i], envs[j], rate[i], flr, rate[i] / flr);
      if (!strcmp(algos[i], "ppo-clip") && !strcmp(envs[j], "hopper"))
        ppo_hopper = rate[i], ppo_hopper_ratio = rate[i] / flr;
    }
    fflush(stdout);
  }
  printf("# ppo-clip hopper: 1e6 steps projected %.0f s (target < 180 s); learning overhead "
         "1/ratio - 1 = %.2f (target <= 1)\n",
         1e6 / ppo_hopper, 1.0 / ppo_hopper_ratio - 1.0);
  return EXP_EXIT_OK;
}
