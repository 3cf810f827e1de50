/* experiments/bench_run.c — `trbench bench envs` and `trbench bench algos`.
 *
 * envs: environment steps per second with a uniform random policy (gsl_ran_flat in the
 * box, gsl_rng_uniform_int over discrete actions) through env.h — env_step, and env_reset
 * whenever an episode ends (terminated or truncated), the policy's draws included.  For
 * the MuJoCo tasks the floor is bare physics on the same mjModel, as the issue words it:
 * "bare mj_step calls on the same model, times the frame skip".  Its loop is: random ctrl
 * in ctrlrange, frame_skip × mj_step, and mj_resetData every 1000 env steps (or after a
 * bad-qacc warning) only so that random controls cannot drive a model somewhere
 * pathological.  The floor does NOT include the env's episode resets (mj_resetData + reset
 * noise + mj_forward every ~20 steps on Hopper with random actions), nor observations,
 * rewards, termination tests or action clipping: those are what the ratio measures.
 * floor_steps_per_s = (mj_step calls / s) / frame_skip; ratio = steps_per_s / floor
 * (target >= 0.8).  Classic-control and tabular rows have no floor (columns left empty).
 *
 * Each number is the median of 3 repetitions of a fixed wall time (1.5 s, 0.3 s with
 * --quick) after a short warm-up; the env and floor repetitions alternate, so slow drift
 * of the machine (this VM's ±10%) hits both alike.  The environment's state carries over
 * between repetitions.
 *
 * algos: training throughput — environment steps per second of alg_run_iterate, sampling
 * and learning included (run allocation excluded) — of ppo-clip and trpo with their
 * default parameters on cartpole and hopper, for ITERS iterations of n_steps (4, --quick 2),
 * median of 3 runs of the same seed (identical work), next to the task's env-only rate
 * measured as in `bench envs` in the same process.  ratio = train / env-only; the learning
 * overhead is 1/ratio − 1 (time spent learning per unit of sampling time; target <= 1 for
 * PPO on Hopper), and 1e6 / steps_per_s projects one 1M-step PPO Hopper run (target
 * < 180 s).  BLAS is single-threaded (main sets it). */
#include "experiments/bench_run.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algorithms/run.h"
#include "core/rng.h"
#include "experiments/cli.h"
#include "mdps/env.h"
#include "mdps/env_mujoco.h"

enum { REPS = 3, CHUNK = 64, FLOOR_RESET_EVERY = 1000 };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double median3(double a, double b, double c) {
  return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* ---- the env-interface loop ---------------------------------------------------------- */

typedef struct {
  const env_model *m;
  env *e;
  gsl_rng *r_env, *r_pol;
  double *obs, *a;
  int need_reset;
} env_loop;

static void env_loop_free(env_loop *L) {
  env_free(L->e);
  gsl_rng_free(L->r_env);
  gsl_rng_free(L->r_pol);
  free(L->obs);
  free(L->a);
}

static tr_status env_loop_init(env_loop *L, const env_model *m) {
  memset(L, 0, sizeof *L);
  L->m = m;
  size_t O = env_obs_dim(m), U = env_action_dim(m);
  L->e = env_alloc(m);
  L->r_env = tr_rng_derive(1, "bench/env");
  L->r_pol = tr_rng_derive(1, "bench/policy");
  L->obs = malloc((O ? O : 1) * sizeof *L->obs);
  L->a = malloc(U * sizeof *L->a);
  L->need_reset = 1;
  if (!L->e || !L->r_env || !L->r_pol || !L->obs || !L->a) {
    env_loop_free(L);
    return tr_error(TR_ENOMEM, "%s: out of memory", env_model_name(m));
  }
  env_space sp = env_action_space(m);
  if (sp.kind == ENV_BOX)
    for (size_t i = 0; i < sp.n; i++)
      if (!isfinite(sp.low[i]) || !isfinite(sp.high[i])) {
        env_loop_free(L);
        return tr_error(TR_EINVAL, "%s: unbounded action box (no uniform policy)",
                        env_model_name(m));
      }
  return TR_OK;
}

/* Random-policy steps for at least secs seconds; *rate = steps / elapsed. */
static tr_status env_loop_run(env_loop *L, double secs, double *rate) {
  env_space sp = env_action_space(L->m);
  size_t steps = 0;
  double t0 = now(), t;
  do {
    for (int k = 0; k < CHUNK; k++) {
      env_step_result res;
      tr_status st;
      if (L->need_reset) {
        if ((st = env_reset(L->e, L->r_env, L->obs))) return st;
        L->need_reset = 0;
      }
      if (sp.kind == ENV_DISCRETE)
        L->a[0] = (double)gsl_rng_uniform_int(L->r_pol, sp.n);
      else
        for (size_t i = 0; i < sp.n; i++)
          L->a[i] = gsl_ran_flat(L->r_pol, sp.low[i], sp.high[i]);
      if ((st = env_step(L->e, L->a, L->r_env, L->obs, &res))) return st;
      L->need_reset = res.terminated || res.truncated;
    }
    steps += CHUNK;
    t = now();
  } while (t - t0 < secs);
  *rate = (double)steps / (t - t0);
  return TR_OK;
}

/* ---- the bare mj_step floor ---------------------------------------------------------- */

typedef struct {
  const mjModel *m;
  mjData *d;
  gsl_rng *r;
  int frame_skip;
  size_t since_reset;
} mj_loop;

/* Env steps (frame_skip mj_steps each) for at least secs seconds; *rate = env steps / s. */
static void mj_loop_run(mj_loop *L, double secs, double *rate) {
  const mjModel *m = L->m;
  mjData *d = L->d;
  size_t steps = 0;
  double t0 = now(), t;
  do {
    for (int k = 0; k < CHUNK; k++) {
      for (int i = 0; i < m->nu; i++)
        d->ctrl[i] = gsl_ran_flat(L->r, m->actuator_ctrlrange[2 * i],
                                  m->actuator_ctrlrange[2 * i + 1]);
      for (int j = 0; j < L->frame_skip; j++) mj_step(m, d);
      if (++L->since_reset >= FLOOR_RESET_EVERY || d->warning[mjWARN_BADQACC].number) {
        mj_resetData(m, d);
        L->since_reset = 0;
      }
    }
    steps += CHUNK;
    t = now();
  } while (t - t0 < secs);
  *rate = (double)steps / (t - t0);
}

/* ---- one row of `bench envs` (also the env-only rate of `bench algos`) --------------- */

/* Median env rate (and, for MuJoCo tasks when floor != NULL, the floor; else NAN). */
static tr_status measure_env(env_model *m, double secs, double *rate, double *floor) {
  env_loop L;
  tr_status st = env_loop_init(&L, m);
  if (st) return st;
  const mjModel *mm = floor ? env_mujoco_model(m) : NULL;
  mj_loop F = {mm, NULL, NULL, (int)env_frame_skip(m), 0};
  if (mm) {
    F.d = mj_makeData(mm);
    F.r = tr_rng_derive(1, "bench/floor");
    if (!F.d || !F.r) {
      st = tr_error(TR_ENOMEM, "%s: out of memory", env_model_name(m));
      goto done;
    }
  }
  double re[REPS], rf[REPS], junk;
  if ((st = env_loop_run(&L, 0.1 * secs, &junk))) goto done; /* warm-up */
  if (mm) mj_loop_run(&F, 0.1 * secs, &junk);
  for (int k = 0; k < REPS; k++) {
    if ((st = env_loop_run(&L, secs, &re[k]))) goto done;
    if (mm) mj_loop_run(&F, secs, &rf[k]);
  }
  *rate = median3(re[0], re[1], re[2]);
  if (floor) *floor = mm ? median3(rf[0], rf[1], rf[2]) : NAN;
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
    double rate, floor;
    tr_status st = measure_env(m, secs, &rate, &floor);
    env_model_free(m);
    if (st) return exp_fail_status(st);
    if (isnan(floor))
      printf("%s\t%.0f\t\t\n", names[i], rate);
    else
      printf("%s\t%.0f\t%.0f\t%.3f\n", names[i], rate, floor, rate / floor);
    fflush(stdout);
  }
  return EXP_EXIT_OK;
}

/* ---- `bench algos` ------------------------------------------------------------------- */

/* Median training rate of REPS runs of ITERS iterations (same seed, same work). */
static tr_status measure_train(const char *algo, env_model *em, size_t iters, double *rate) {
  const alg_class *cls = alg_find(algo);
  if (!cls) return TR_EINVAL;
  alg_config cfg;
  tr_status st = alg_config_init(&cfg, cls);
  if (st) return st;
  size_t T = (size_t)alg_config_get(&cfg, "n_steps");
  double r[REPS];
  for (int k = 0; k < REPS && !st; k++) {
    alg_run *run = NULL;
    if ((st = alg_run_alloc(&run, em, &cfg, 1, iters * T))) break;
    double t0 = now();
    while (run->steps_done < run->total_steps) {
      alg_iter_stats s;
      if ((st = alg_run_iterate(run, &s))) break;
      if (s.bad[0]) {
        st = tr_error(TR_ENUM, "bench algos: %s on %s diverged (non-finite %s at iteration %zu)",
                      algo, env_model_name(em), s.bad, run->iter);
        break;
      }
    }
    r[k] = (double)run->steps_done / (now() - t0);
    alg_run_free(run);
  }
  alg_config_clear(&cfg);
  if (!st) *rate = median3(r[0], r[1], r[2]);
  return st;
}

int exp_bench_algos(int quick) {
  static const char *const algos[] = {"ppo-clip", "trpo"};
  static const char *const envs[] = {"cartpole", "hopper"};
  double secs = quick ? 0.3 : 1.5, ppo_hopper = NAN, ppo_hopper_ratio = NAN;
  size_t iters = quick ? 2 : 4;
  printf("algo\tenv\tsteps_per_s\tfloor_steps_per_s\tratio\n");
  fflush(stdout);
  for (size_t j = 0; j < sizeof envs / sizeof *envs; j++) {
    env_model *em = env_model_alloc(envs[j]);
    if (!em) return exp_fail_status(TR_EINVAL);
    double floor;
    tr_status st = measure_env(em, secs, &floor, NULL);
    for (size_t i = 0; i < sizeof algos / sizeof *algos && !st; i++) {
      double rate;
      if ((st = measure_train(algos[i], em, iters, &rate))) break;
      printf("%s\t%s\t%.0f\t%.0f\t%.3f\n", algos[i], envs[j], rate, floor, rate / floor);
      fflush(stdout);
      if (!strcmp(algos[i], "ppo-clip") && !strcmp(envs[j], "hopper"))
        ppo_hopper = rate, ppo_hopper_ratio = rate / floor;
    }
    env_model_free(em);
    if (st) return exp_fail_status(st);
  }
  printf("# ppo-clip hopper: 1e6 steps projected %.0f s (target < 180 s); learning overhead "
         "1/ratio - 1 = %.2f (target <= 1)\n",
         1e6 / ppo_hopper, 1.0 / ppo_hopper_ratio - 1.0);
  return EXP_EXIT_OK;
}
