/* tests/test_env.c — the sampling environments (mdps/env.c, env_tabular.c, env_classic.c):
 * determinism by exact equality, snapshot/restore, time-limit truncation, classic-control
 * steps against values worked out by hand from the gym/gymnasium equations (REFERENCES.md
 * § 6), Acrobot against an independent RK4 of the book dynamics and its energy, CartPole's
 * random-policy episode length, tabular transition frequencies against P (chi-square),
 * Gymnasium's FrozenLake (episodes that end in a hole or at the goal, sampled reward,
 * time limits, the exact J against value iteration and Monte Carlo), and the sentence for
 * each bad input.
 *
 * Letters: O observation size, U action size, S states, A actions, K = S·A rows. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "mdps/env.h"
#include "mdps/env_classic.h"
#include "mdps/generators.h"
#include "theory/exact.h"
#include "tests/check.h"

#define MSG_IS(want) \
  CHECK(strcmp(tr_error_msg(), (want)) == 0, "message '%s', want '%s'", tr_error_msg(), (want))

static char kakade_name[4096];

/* Every tabular and classic name of the contract; can_terminate says whether the task has
 * terminal states (tabular tasks and Pendulum never terminate). */
static struct {
  const char *name;
  int can_terminate;
} all_envs[] = {
    {"cartpole", 1},      {"acrobot", 1},        {"mountaincar", 1},
    {"pendulum", 0},      {"mountaincar-continuous", 1},
    {"garnet:10,3,4,7", 0}, {"chain:6", 0},      {"gridworld:4,3,0.1", 0},
    {"frozenlake4", 1},   {"frozenlake8", 1},    {"cliffwalking", 0},
    {"frozenlake4-continuing", 0}, {"frozenlake8-continuing", 0},
    {kakade_name, 0},
};
#define N_ENVS (sizeof all_envs / sizeof all_envs[0])

/* A uniformly random action: an index in [0, n), or a point of the box. */
static void random_action(const env_model *m, gsl_rng *r, double *a) {
  env_space sp = env_action_space(m);
  if (sp.kind == ENV_DISCRETE) {
    a[0] = (double)gsl_rng_uniform_int(r, sp.n);
  } else {
    for (size_t i = 0; i < sp.n; i++) a[i] = sp.low[i] + (sp.high[i] - sp.low[i]) * gsl_rng_uniform(r);
  }
}

/* ---- determinism ----------------------------------------------------------------------
 * A log of `steps` random-action steps from reset, resetting after each end of episode:
 * every observation (O each; the reset ones included), reward and flag pair. */
typedef struct {
  size_t n_obs, n_steps;
  double *obs, *reward;
  int *flags; /* 2·terminated + truncated */
} traj_log;

static tr_status run_log(env *e, gsl_rng *r_env, gsl_rng *r_act, size_t steps, traj_log *lg) {
  const env_model *m = env_get_model(e);
  size_t O = env_obs_dim(m);
  double a[8];
  lg->n_obs = lg->n_steps = 0;
  lg->obs = malloc((2 * steps + 1) * O * sizeof *lg->obs);
  lg->reward = malloc(steps * sizeof *lg->reward);
  lg->flags = malloc(steps * sizeof *lg->flags);
  if (!lg->obs || !lg->reward || !lg->flags) return TR_ENOMEM;
  tr_status st = env_reset(e, r_env, lg->obs);
  lg->n_obs = 1;
  for (size_t i = 0; i < steps && !st; i++) {
    env_step_result res;
    random_action(m, r_act, a);
    if ((st = env_step(e, a, r_env, lg->obs + lg->n_obs * O, &res))) break;
    lg->n_obs++;
    lg->reward[i] = res.reward;
    lg->flags[i] = 2 * res.terminated + res.truncated;
    lg->n_steps++;
    if (res.terminated || res.truncated) {
      st = env_reset(e, r_env, lg->obs + lg->n_obs * O);
      lg->n_obs++;
    }
  }
  return st;
}

static void log_free(traj_log *lg) {
  free(lg->obs);
  free(lg->reward);
  free(lg->flags);
}

static int logs_equal(const traj_log *x, const traj_log *y, size_t O) {
  return x->n_obs == y->n_obs && x->n_steps == y->n_steps &&
         !memcmp(x->obs, y->obs, x->n_obs * O * sizeof *x->obs) &&
         !memcmp(x->reward, y->reward, x->n_steps * sizeof *x->reward) &&
         !memcmp(x->flags, y->flags, x->n_steps * sizeof *x->flags);
}

/* Two models and environments built from the same name, stepped with streams of the same
 * seed, give bit-identical logs; a different seed gives a different one. */
static void test_determinism(const char *name) {
  env_model *m1 = env_model_alloc(name), *m2 = env_model_alloc(name);
  CHECK(m1 && m2, "%s: model: %s", name, tr_error_msg());
  if (!m1 || !m2) goto out_models;
  env *e1 = env_alloc(m1), *e2 = env_alloc(m2);
  gsl_rng *r1 = tr_rng_alloc(2024), *a1 = tr_rng_alloc(77), *r2 = tr_rng_alloc(2024),
          *a2 = tr_rng_alloc(77), *r3 = tr_rng_alloc(2025), *a3 = tr_rng_alloc(78);
  traj_log l1 = {0}, l2 = {0}, l3 = {0};
  size_t O = env_obs_dim(m1), steps = 600;
  tr_status s1 = run_log(e1, r1, a1, steps, &l1), s2 = run_log(e2, r2, a2, steps, &l2),
            s3 = run_log(e1, r3, a3, steps, &l3);
  CHECK(!s1 && !s2 && !s3, "%s: run: %s", name, tr_error_msg());
  CHECK(logs_equal(&l1, &l2, O), "%s: same seed, different trajectories", name);
  CHECK(!logs_equal(&l1, &l3, O), "%s: different seeds, same trajectory", name);
  log_free(&l1);
  log_free(&l2);
  log_free(&l3);
  gsl_rng_free(r1), gsl_rng_free(a1), gsl_rng_free(r2), gsl_rng_free(a2), gsl_rng_free(r3),
      gsl_rng_free(a3);
  env_free(e1);
  env_free(e2);
out_models:
  env_model_free(m1);
  env_model_free(m2);
}

/* snapshot → k steps → restore (and the streams, by gsl_rng_memcpy) → the same k steps:
 * identical observations, rewards and flags, and the step counter restored. */
#define SNAP_K 40 /* steps replayed after a restore */
static void test_snapshot(const char *name) {
  env_model *m = env_model_alloc(name);
  CHECK(m != NULL, "%s: model: %s", name, tr_error_msg());
  if (!m) return;
  env *e = env_alloc(m);
  size_t O = env_obs_dim(m), U = env_action_dim(m), k = SNAP_K;
  gsl_rng *r = tr_rng_alloc(31), *ra = tr_rng_alloc(32), *r_save = tr_rng_alloc(1),
          *ra_save = tr_rng_alloc(1);
  double *obs = malloc(O * sizeof *obs), *run1 = malloc(2 * k * O * sizeof *run1),
         *run2 = malloc(2 * k * O * sizeof *run2), rew1[SNAP_K], rew2[SNAP_K], a[8];
  int fl1[SNAP_K], fl2[SNAP_K];
  size_t n_obs[2] = {0, 0};
  unsigned char *snap = malloc(env_snapshot_size(m));
  CHECK(U <= 8, "%s: U = %zu", name, U);
  tr_status st = env_reset(e, r, obs);
  for (size_t i = 0; i < 13 && !st; i++) { /* move away from the start */
    env_step_result res;
    random_action(m, ra, a);
    st = env_step(e, a, r, obs, &res);
    if (!st && (res.terminated || res.truncated)) st = env_reset(e, r, obs);
  }
  size_t t0 = env_steps(e);
  env_snapshot(e, snap);
  gsl_rng_memcpy(r_save, r);
  gsl_rng_memcpy(ra_save, ra);
  for (int pass = 0; pass < 2 && !st; pass++) {
    double *run = pass ? run2 : run1, *rew = pass ? rew2 : rew1;
    int *fl = pass ? fl2 : fl1;
    size_t n = 0;
    if (pass) {
      st = env_restore(e, snap);
      gsl_rng_memcpy(r, r_save);
      gsl_rng_memcpy(ra, ra_save);
      CHECK(env_steps(e) == t0, "%s: restored step counter %zu, want %zu", name, env_steps(e), t0);
    }
    for (size_t i = 0; i < k && !st; i++) {
      env_step_result res;
      random_action(m, ra, a);
      if ((st = env_step(e, a, r, run + n++ * O, &res))) break;
      rew[i] = res.reward;
      fl[i] = 2 * res.terminated + res.truncated;
      if (res.terminated || res.truncated) st = env_reset(e, r, run + n++ * O);
    }
    n_obs[pass] = n;
  }
  CHECK(!st, "%s: run: %s", name, tr_error_msg());
  if (!st)
    CHECK(n_obs[0] == n_obs[1] && !memcmp(run1, run2, n_obs[0] * O * sizeof *run1) &&
              !memcmp(rew1, rew2, sizeof rew1) && !memcmp(fl1, fl2, sizeof fl1),
          "%s: restored run differs", name);
  free(obs), free(run1), free(run2), free(snap);
  gsl_rng_free(r), gsl_rng_free(ra), gsl_rng_free(r_save), gsl_rng_free(ra_save);
  env_free(e);
  env_model_free(m);
}

/* With time limit L = 7: truncated is 0 before step L, and at step L it is 1 unless the
 * step terminated; terminated and truncated are never both set; tasks without terminal
 * states never terminate. */
static void test_truncation(const char *name, int can_terminate) {
  env_model *m = env_model_alloc(name);
  CHECK(m != NULL, "%s: model: %s", name, tr_error_msg());
  if (!m) return;
  const size_t L = 7;
  env_model_set_time_limit(m, L);
  CHECK(env_time_limit(m) == L, "%s: time limit %zu", name, env_time_limit(m));
  env *e = env_alloc(m);
  gsl_rng *r = tr_rng_alloc(5), *ra = tr_rng_alloc(6);
  double *obs = malloc(env_obs_dim(m) * sizeof *obs), a[8];
  int bad_early = 0, bad_limit = 0, bad_both = 0, terminations = 0, truncations = 0;
  tr_status st = TR_OK;
  for (int ep = 0; ep < 20 && !st; ep++) {
    st = env_reset(e, r, obs);
    for (size_t t = 1; !st; t++) {
      env_step_result res;
      random_action(m, ra, a);
      if ((st = env_step(e, a, r, obs, &res))) break;
      if (res.terminated && res.truncated) bad_both++;
      if (t < L && res.truncated) bad_early++;
      if (t == L && !res.terminated && !res.truncated) bad_limit++;
      terminations += res.terminated;
      truncations += res.truncated;
      if (res.terminated || res.truncated || t >= L) break;
    }
  }
  CHECK(!st, "%s: run: %s", name, tr_error_msg());
  CHECK(!bad_early && !bad_limit && !bad_both,
        "%s: truncated before the limit %d, missing at the limit %d, both flags %d", name,
        bad_early, bad_limit, bad_both);
  CHECK(truncations + terminations == 20, "%s: %d truncations + %d terminations in 20 episodes",
        name, truncations, terminations);
  if (!can_terminate) CHECK(terminations == 0, "%s: %d terminations", name, terminations);
  free(obs);
  gsl_rng_free(r), gsl_rng_free(ra);
  env_free(e);
  env_model_free(m);
}

/* ---- classic control against hand computation ---------------------------------------- */

/* Put e in the state st (bytes of the env_classic.h struct) at step counter t. */
static void set_state(env *e, const void *st, size_t bytes, size_t t) {
  unsigned char buf[sizeof(size_t) + 64];
  CHECK(env_snapshot_size(env_get_model(e)) == sizeof t + bytes, "%s: snapshot size %zu",
        env_model_name(env_get_model(e)), env_snapshot_size(env_get_model(e)));
  memcpy(buf, &t, sizeof t);
  memcpy(buf + sizeof t, st, bytes);
  CHECK(env_restore(e, buf) == TR_OK, "restore: %s", tr_error_msg());
}

/* Read e's state back into st. */
static void get_state(const env *e, void *st, size_t bytes) {
  unsigned char buf[sizeof(size_t) + 64];
  env_snapshot(e, buf);
  memcpy(st, buf + sizeof(size_t), bytes);
}

/* Against a hand value given to 15 digits: the same arithmetic, rounding only. */
#define CHECK_HAND(got, want, what) CHECK_CLOSE(got, want, 1e-15, 1e-12, what)

/* CartPole from (x, ẋ, θ, θ̇) = (0, 0, 0.05, 0), action 1 (F = +10), twice.
 * Step 1: sin 0.05 = 0.0499791692706783, cos 0.05 = 0.998750260394966;
 *   temp = (10 + 0.05·0²·sin θ)/1.1 = 9.09090909090909
 *   θ̈ = (9.8·0.0499791692706783 − 0.998750260394966·9.09090909090909)
 *        / (0.5·(4/3 − 0.1·0.998750260394966²/1.1))
 *      = (0.489795858852648 − 9.07954782177242) / (0.5·(1.33333333333333 − 0.0906819600213))
 *      = −8.58975196291977 / 0.62132568665601 = −13.8248787643578
 *   ẍ = 9.09090909090909 − 0.05·(−13.8248787643578)·0.998750260394966/1.1 = 9.71852733026505
 *   Euler (old derivatives): x = 0 + 0.02·0 = 0; ẋ = 0 + 0.02·9.71852733026505 = 0.194370546605301;
 *   θ = 0.05 + 0.02·0 = 0.05; θ̇ = 0 + 0.02·(−13.8248787643578) = −0.276497575287155.
 * Step 2 (θ still 0.05, θ̇ = −0.276497575287155):
 *   temp = (10 + 0.05·0.0764509·0.0499792)/1.1 = 9.09108277058767
 *   θ̈ = (0.489795858852648 − 0.998750260394966·9.09108277058767)/0.62132568665601 = −13.8251579458475
 *   ẍ = 9.09108277058767 + 0.05·13.8251579458475·0.998750260394966/1.1 = 9.71871368415207
 *   x = 0 + 0.02·0.194370546605301 = 0.0038874109321060; ẋ = 0.194370546605301 + 0.02·9.71871368415207
 *     = 0.388744820288342; θ = 0.05 + 0.02·(−0.276497575287155) = 0.0444700484942569;
 *   θ̇ = −0.276497575287155 + 0.02·(−13.8251579458475) = −0.553000734204106.
 * Reward 1 each, not terminated. */
static void test_cartpole_hand(void) {
  env_model *m = env_model_alloc("cartpole");
  env *e = env_alloc(m);
  env_cartpole_state s0 = {0.0, 0.0, 0.05, 0.0};
  double obs[4], a = 1.0;
  env_step_result res;
  set_state(e, &s0, sizeof s0, 0);
  CHECK(env_step(e, &a, NULL, obs, &res) == TR_OK, "cartpole step: %s", tr_error_msg());
  CHECK_HAND(obs[0], 0.0, "cartpole step 1 x");
  CHECK_HAND(obs[1], 0.194370546605301, "cartpole step 1 x_dot");
  CHECK_HAND(obs[2], 0.05, "cartpole step 1 theta");
  CHECK_HAND(obs[3], -0.276497575287155, "cartpole step 1 theta_dot");
  CHECK(res.reward == 1.0 && !res.terminated && !res.truncated, "cartpole step 1 reward %g", res.reward);
  CHECK(env_step(e, &a, NULL, obs, &res) == TR_OK, "cartpole step: %s", tr_error_msg());
  CHECK_HAND(obs[0], 0.0038874109321060, "cartpole step 2 x");
  CHECK_HAND(obs[1], 0.388744820288342, "cartpole step 2 x_dot");
  CHECK_HAND(obs[2], 0.0444700484942569, "cartpole step 2 theta");
  CHECK_HAND(obs[3], -0.553000734204106, "cartpole step 2 theta_dot");
  CHECK(env_steps(e) == 2, "cartpole steps %zu", env_steps(e));

  /* Termination at |θ| > 12° = 0.2094395102 rad, judged after the Euler update
   * (θ' = θ + τθ̇, τ = 0.02): from θ = 0.2094, θ̇ = 0.0019 gives θ' = 0.209438 (1.5e-6 under,
   * stays in), θ̇ = 0.0020 gives θ' = 0.20944 (5e-7 over, terminates); θ = −0.2, θ̇ = −0.5
   * gives θ' = −0.21 (terminates), θ̇ = −0.45 gives −0.209 (stays); |x| > 2.4 too (x = 2.39,
   * ẋ = ±1 gives x' = ±2.41; ẋ = 0.4 gives 2.398).  The terminating step pays 1. */
  struct {
    env_cartpole_state s;
    int terminal;
  } cases[] = {{{0.0, 0.0, 0.2094, 0.0019}, 0}, {{0.0, 0.0, 0.2094, 0.0020}, 1},
               {{0.0, 0.0, -0.2, -0.5}, 1},    {{0.0, 0.0, -0.2, -0.45}, 0},
               {{2.39, 1.0, 0.0, 0.0}, 1},     {{-2.39, -1.0, 0.0, 0.0}, 1},
               {{2.39, 0.4, 0.0, 0.0}, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    a = 0.0;
    set_state(e, &cases[i].s, sizeof cases[i].s, 3);
    CHECK(env_step(e, &a, NULL, obs, &res) == TR_OK, "cartpole case %zu: %s", i, tr_error_msg());
    CHECK(res.terminated == cases[i].terminal && res.reward == 1.0 && !res.truncated,
          "cartpole case %zu: terminated %d reward %g, want %d and 1", i, res.terminated,
          res.reward, cases[i].terminal);
  }
  /* and stepping on from a terminal state is refused */
  set_state(e, &cases[1].s, sizeof cases[1].s, 3);
  env_step(e, &a, NULL, obs, &res);
  CHECK(env_step(e, &a, NULL, obs, &res) == TR_EINVAL, "cartpole: step after termination");
  CHECK(strstr(tr_error_msg(), "step from a terminal state") != NULL, "message '%s'", tr_error_msg());
  env_free(e);
  env_model_free(m);
}

/* A uniform random policy on CartPole lasts ≈ 22 steps on average (REFERENCES.md § 6);
 * over 2000 episodes the mean's standard error is ≈ 0.3, so [18, 26] is a wide margin. */
static void test_cartpole_random(void) {
  env_model *m = env_model_alloc("cartpole");
  env *e = env_alloc(m);
  gsl_rng *r = tr_rng_alloc(11), *ra = tr_rng_alloc(12);
  double obs[4], a, total = 0.0;
  size_t episodes = 2000;
  int last_reward_ok = 1, truncated = 0;
  for (size_t ep = 0; ep < episodes; ep++) {
    env_reset(e, r, obs);
    env_step_result res = {0};
    while (!res.terminated && !res.truncated) {
      a = (double)gsl_rng_uniform_int(ra, 2);
      if (env_step(e, &a, r, obs, &res)) break;
    }
    last_reward_ok &= res.reward == 1.0;
    truncated += res.truncated;
    total += (double)env_steps(e);
  }
  double mean = total / (double)episodes;
  printf("# cartpole: uniform random policy, mean episode length %.3f over %zu episodes\n", mean,
         episodes);
  CHECK(mean >= 18.0 && mean <= 26.0, "cartpole random policy: mean length %g", mean);
  CHECK(last_reward_ok, "cartpole: a terminal step paid other than 1");
  CHECK(truncated == 0, "cartpole: %d random episodes reached the limit 500", truncated);
  gsl_rng_free(r), gsl_rng_free(ra);
  env_free(e);
  env_model_free(m);
}

/* Pendulum one step from θ = 0.3, θ̇ = −0.2 with u = 1.5 (g = 10, m = l = 1, dt = 0.05):
 *   reward = −(0.3² + 0.1·0.2² + 0.001·1.5²) = −(0.09 + 0.004 + 0.00225) = −0.09625
 *   θ̇' = −0.2 + (3·10/2·sin 0.3 + 3·1.5)·0.05 = −0.2 + (15·0.295520206661340 + 4.5)·0.05
 *      = −0.2 + 8.93280309992009·0.05 = 0.246640154996005
 *   θ' = 0.3 + 0.246640154996005·0.05 = 0.312332007749800
 *   obs = (cos θ', sin θ', θ̇') = (0.951619581908504, 0.307278654202150, 0.246640154996005).
 * Clipping: θ = 1.5, θ̇ = 7.9, u = 2: 7.9 + (15 sin 1.5 + 6)·0.05 = 8.9482 → θ̇' = 8, θ' = 1.9.
 * Reward uses θ normalized to [−π, π): θ = 2π + 0.3 costs 0.09 (θ̇ = 0, u = 0); θ = −π − 0.1
 * costs (π − 0.1)².  Box clipping: u = 100 behaves exactly as u = 2, u = −7 as u = −2. */
static void test_pendulum_hand(void) {
  env_model *m = env_model_alloc("pendulum");
  env *e = env_alloc(m);
  double obs[3], obs2[3], u = 1.5;
  env_step_result res, res2;
  env_pendulum_state s0 = {0.3, -0.2}, s;
  set_state(e, &s0, sizeof s0, 0);
  CHECK(env_step(e, &u, NULL, obs, &res) == TR_OK, "pendulum step: %s", tr_error_msg());
  CHECK_HAND(res.reward, -0.09625, "pendulum reward");
  CHECK_HAND(obs[0], 0.951619581908504, "pendulum cos");
  CHECK_HAND(obs[1], 0.307278654202150, "pendulum sin");
  CHECK_HAND(obs[2], 0.246640154996005, "pendulum theta_dot");
  get_state(e, &s, sizeof s);
  CHECK_HAND(s.theta, 0.312332007749800, "pendulum theta");
  CHECK(!res.terminated && !res.truncated, "pendulum flags");

  env_pendulum_state fast = {1.5, 7.9};
  u = 2.0;
  set_state(e, &fast, sizeof fast, 0);
  env_step(e, &u, NULL, obs, &res);
  get_state(e, &s, sizeof s);
  CHECK(s.theta_dot == 8.0, "pendulum: theta_dot %.17g not clipped to 8", s.theta_dot);
  CHECK_HAND(s.theta, 1.9, "pendulum theta after clipped speed");

  env_pendulum_state wrapped[2] = {{2 * M_PI + 0.3, 0.0}, {-M_PI - 0.1, 0.0}};
  double want[2] = {-0.09, -(M_PI - 0.1) * (M_PI - 0.1)};
  u = 0.0;
  for (int i = 0; i < 2; i++) {
    set_state(e, &wrapped[i], sizeof wrapped[i], 0);
    env_step(e, &u, NULL, obs, &res);
    CHECK_CLOSE(res.reward, want[i], 1e-12, 1e-12, "pendulum normalized-angle reward");
  }

  double big[2] = {100.0, -7.0}, edge[2] = {2.0, -2.0};
  for (int i = 0; i < 2; i++) {
    set_state(e, &s0, sizeof s0, 0);
    env_step(e, &big[i], NULL, obs, &res);
    set_state(e, &s0, sizeof s0, 0);
    env_step(e, &edge[i], NULL, obs2, &res2);
    CHECK(!memcmp(obs, obs2, sizeof obs) && res.reward == res2.reward,
          "pendulum: u = %g differs from u = %g", big[i], edge[i]);
  }
  env_free(e);
  env_model_free(m);
}

/* MountainCar from x = −0.5, v = 0 with action 2 (push right), twice:
 *   v = 0 + (2 − 1)·0.001 − 0.0025·cos(−1.5) = 0.001 − 0.0025·0.0707372016677029 = 0.000823156995830743
 *   x = −0.5 + 0.000823156995830743 = −0.499176843004169
 *   v = 0.000823156995830743 + 0.001 − 0.0025·cos(−1.49753052901251) (= 0.0732002684058873)
 *     = 0.00164015632481602;  x = −0.499176843004169 + 0.00164015632481602 = −0.497536686679353
 * reward −1 each.  The left wall: x = −1.19, v = −0.05, action 0 gives v ≈ −0.0488, x = −1.2388
 * → x = −1.2 and v = 0.  The speed limit: x = −1, v = 0.0695, action 2: v = 0.0695 + 0.001
 * − 0.0025·cos(−3) = 0.0729750 → 0.07, x = −0.93.  The goal: x = 0.49, v = 0.02, action 1:
 * v = 0.02 − 0.0025·cos(1.47) = 0.0197502, x = 0.5097502 ≥ 0.5 → terminated, reward −1. */
static void test_mountaincar_hand(void) {
  env_model *m = env_model_alloc("mountaincar");
  env *e = env_alloc(m);
  double obs[2], a = 2.0;
  env_step_result res;
  env_mountaincar_state s0 = {-0.5, 0.0};
  set_state(e, &s0, sizeof s0, 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK_HAND(obs[1], 0.000823156995830743, "mountaincar step 1 v");
  CHECK_HAND(obs[0], -0.499176843004169, "mountaincar step 1 x");
  CHECK(res.reward == -1.0 && !res.terminated, "mountaincar step 1 reward %g", res.reward);
  env_step(e, &a, NULL, obs, &res);
  CHECK_HAND(obs[1], 0.00164015632481602, "mountaincar step 2 v");
  CHECK_HAND(obs[0], -0.497536686679353, "mountaincar step 2 x");

  env_mountaincar_state wall = {-1.19, -0.05}, fast = {-1.0, 0.0695}, goal = {0.49, 0.02};
  a = 0.0;
  set_state(e, &wall, sizeof wall, 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK(obs[0] == -1.2 && obs[1] == 0.0, "mountaincar wall: (%.17g, %.17g)", obs[0], obs[1]);
  a = 2.0;
  set_state(e, &fast, sizeof fast, 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK(obs[1] == 0.07, "mountaincar speed limit: v = %.17g", obs[1]);
  CHECK_HAND(obs[0], -0.93, "mountaincar x after the speed limit");
  a = 1.0;
  set_state(e, &goal, sizeof goal, 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK_HAND(obs[1], 0.02 - 0.0025 * cos(1.47), "mountaincar goal v");
  CHECK(res.terminated && res.reward == -1.0 && !res.truncated,
        "mountaincar goal: terminated %d reward %g", res.terminated, res.reward);
  env_free(e);
  env_model_free(m);
}

/* MountainCarContinuous from x = −0.5, v = 0 with a = 0.7 (power 0.0015):
 *   v = 0.7·0.0015 − 0.0025·cos(−1.5) = 0.00105 − 0.000176843004169257 = 0.000873156995830743
 *   x = −0.499126843004169; reward −0.1·0.7² = −0.049.
 * The goal: x = 0.44, v = 0.02, a = 0.5: v = 0.02 + 0.00075 − 0.0025·cos(1.32) = 0.0203694,
 * x = 0.4603694 ≥ 0.45 → terminated, reward 100 − 0.1·0.25 = 99.975.
 * a = 5 is clipped to 1 by the box [−1, 1]: the step and its reward equal a = 1's. */
static void test_mountaincar_cont_hand(void) {
  env_model *m = env_model_alloc("mountaincar-continuous");
  env *e = env_alloc(m);
  double obs[2], obs2[2], a = 0.7;
  env_step_result res, res2;
  env_mountaincar_state s0 = {-0.5, 0.0}, goal = {0.44, 0.02};
  set_state(e, &s0, sizeof s0, 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK_HAND(obs[1], 0.000873156995830743, "mountaincar-continuous v");
  CHECK_HAND(obs[0], -0.499126843004169, "mountaincar-continuous x");
  CHECK_HAND(res.reward, -0.049, "mountaincar-continuous reward");
  CHECK(!res.terminated, "mountaincar-continuous terminated early");
  a = 0.5;
  set_state(e, &goal, sizeof goal, 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK(res.terminated && !res.truncated, "mountaincar-continuous goal not terminal");
  CHECK_HAND(res.reward, 99.975, "mountaincar-continuous goal reward");
  double five = 5.0, one = 1.0;
  set_state(e, &s0, sizeof s0, 0);
  env_step(e, &five, NULL, obs, &res);
  set_state(e, &s0, sizeof s0, 0);
  env_step(e, &one, NULL, obs2, &res2);
  CHECK(!memcmp(obs, obs2, sizeof obs) && res.reward == res2.reward && res.reward == -0.1,
        "mountaincar-continuous: a = 5 differs from a = 1 (rewards %g, %g)", res.reward, res2.reward);
  env_free(e);
  env_model_free(m);
}

/* ---- Acrobot: an independent implementation of the book dynamics ------------------------
 * Spong's form (Sutton & Barto 1998, § 11.3): with d11 = m1 lc1² + m2 (l1² + lc2² + 2 l1 lc2
 * cos θ2) + I1 + I2, d12 = m2 (lc2² + l1 lc2 cos θ2) + I2, d22 = m2 lc2² + I2,
 * h1 = −m2 l1 lc2 sin θ2 (θ̇2² + 2 θ̇1 θ̇2), h2 = m2 l1 lc2 sin θ2 θ̇1²,
 * G1 = (m1 lc1 + m2 l1) g sin θ1 + m2 lc2 g sin(θ1 + θ2), G2 = m2 lc2 g sin(θ1 + θ2):
 *   [d11 d12; d12 d22] (θ̈1, θ̈2) = (−h1 − G1, τ − h2 − G2),
 * solved here by Cramer's rule (gym eliminates θ̈1 first; same equations, other algebra).
 * All masses, lengths and inertias 1, lc = 0.5, g = 9.8. */
static void acro_f(const double *y, double tau, double *dy) {
  const double m1 = 1, m2 = 1, l1 = 1, lc1 = 0.5, lc2 = 0.5, I1 = 1, I2 = 1, g = 9.8;
  double s2 = sin(y[1]), c2 = cos(y[1]);
  double d11 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * c2) + I1 + I2;
  double d12 = m2 * (lc2 * lc2 + l1 * lc2 * c2) + I2, d22 = m2 * lc2 * lc2 + I2;
  double h1 = -m2 * l1 * lc2 * s2 * (y[3] * y[3] + 2 * y[2] * y[3]);
  double h2 = m2 * l1 * lc2 * s2 * y[2] * y[2];
  double G2 = m2 * lc2 * g * sin(y[0] + y[1]), G1 = (m1 * lc1 + m2 * l1) * g * sin(y[0]) + G2;
  double b1 = -h1 - G1, b2 = tau - h2 - G2, det = d11 * d22 - d12 * d12;
  dy[0] = y[2];
  dy[1] = y[3];
  dy[2] = (b1 * d22 - d12 * b2) / det;
  dy[3] = (d11 * b2 - d12 * b1) / det;
}

/* Mechanical energy: ½ (d11 θ̇1² + 2 d12 θ̇1 θ̇2 + d22 θ̇2²) − (m1 lc1 + m2 l1) g cos θ1
 * − m2 lc2 g cos(θ1 + θ2), θ1 = 0 hanging down. */
static double acro_energy(const env_acrobot_state *s) {
  double c2 = cos(s->theta2);
  double d11 = 0.25 + (1 + 0.25 + c2) + 2, d12 = 0.25 + 0.5 * c2 + 1, d22 = 1.25;
  return 0.5 * (d11 * s->dtheta1 * s->dtheta1 + 2 * d12 * s->dtheta1 * s->dtheta2 +
                d22 * s->dtheta2 * s->dtheta2) -
         1.5 * 9.8 * cos(s->theta1) - 0.5 * 9.8 * cos(s->theta1 + s->theta2);
}

/* One env step as the reference describes it: RK4 over dt = 0.2 in one step, angles into
 * [−π, π] (by remainder, not gym's loop), velocities clipped to ±4π, ±9π. */
static void acro_reference_step(const env_acrobot_state *s, double tau, env_acrobot_state *out) {
  const double h = 0.2;
  double y[4] = {s->theta1, s->theta2, s->dtheta1, s->dtheta2}, k[4][4], z[4];
  acro_f(y, tau, k[0]);
  for (int i = 0; i < 4; i++) z[i] = y[i] + 0.5 * h * k[0][i];
  acro_f(z, tau, k[1]);
  for (int i = 0; i < 4; i++) z[i] = y[i] + 0.5 * h * k[1][i];
  acro_f(z, tau, k[2]);
  for (int i = 0; i < 4; i++) z[i] = y[i] + h * k[2][i];
  acro_f(z, tau, k[3]);
  for (int i = 0; i < 4; i++) y[i] += h * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]) / 6;
  out->theta1 = remainder(y[0], 2 * M_PI);
  out->theta2 = remainder(y[1], 2 * M_PI);
  out->dtheta1 = fmax(-4 * M_PI, fmin(4 * M_PI, y[2]));
  out->dtheta2 = fmax(-9 * M_PI, fmin(9 * M_PI, y[3]));
}

static void test_acrobot(void) {
  env_model *m = env_model_alloc("acrobot");
  env *e = env_alloc(m);
  double obs[6], a;
  env_step_result res;
  gsl_rng *r = tr_rng_alloc(99);
  /* 1. the env's step against the reference step, from hand-picked states (a wrap of θ1
   * past π, θ̇2 beyond 9π, θ̇1 beyond 4π) and random ones, under each torque */
  env_acrobot_state cases[8] = {{0.3, -0.2, 0.5, -1.0},   {3.1, 3.04, 3.0, 0.0},
                                {0.0, 0.0, 0.0, 40.0},     {0.2, 0.1, -20.0, 0.0},
                                {-2.9, -3.0, -4.0, 2.0},   {1.0, 2.0, 0.0, 0.0}};
  for (int i = 6; i < 8; i++)
    cases[i] = (env_acrobot_state){gsl_ran_flat(r, -M_PI, M_PI), gsl_ran_flat(r, -M_PI, M_PI),
                                   gsl_ran_flat(r, -5, 5), gsl_ran_flat(r, -10, 10)};
  int worst_case = -1;
  double worst = 0.0;
  for (int i = 0; i < 8; i++) {
    for (int act = 0; act < 3; act++) {
      env_acrobot_state want, got;
      if (-cos(cases[i].theta1) - cos(cases[i].theta1 + cases[i].theta2) > 1.0) continue;
      acro_reference_step(&cases[i], act - 1.0, &want);
      set_state(e, &cases[i], sizeof cases[i], 0);
      a = act;
      if (env_step(e, &a, NULL, obs, &res)) {
        CHECK(0, "acrobot case %d: %s", i, tr_error_msg());
        continue;
      }
      get_state(e, &got, sizeof got);
      double d = fmax(fmax(fabs(got.theta1 - want.theta1), fabs(got.theta2 - want.theta2)),
                      fmax(fabs(got.dtheta1 - want.dtheta1), fabs(got.dtheta2 - want.dtheta2)));
      if (d > worst) worst = d, worst_case = i;
      CHECK(got.theta1 >= -M_PI && got.theta1 <= M_PI && got.theta2 >= -M_PI &&
                got.theta2 <= M_PI && fabs(got.dtheta1) <= 4 * M_PI && fabs(got.dtheta2) <= 9 * M_PI,
            "acrobot case %d: state (%g, %g, %g, %g) out of its ranges", i, got.theta1, got.theta2,
            got.dtheta1, got.dtheta2);
      CHECK(obs[0] == cos(got.theta1) && obs[1] == sin(got.theta1) && obs[2] == cos(got.theta2) &&
                obs[3] == sin(got.theta2) && obs[4] == got.dtheta1 && obs[5] == got.dtheta2,
            "acrobot case %d: observation is not (cos, sin, cos, sin, rates)", i);
      int term = -cos(got.theta1) - cos(got.theta1 + got.theta2) > 1.0;
      CHECK(res.terminated == term && res.reward == (term ? 0.0 : -1.0),
            "acrobot case %d: terminated %d reward %g", i, res.terminated, res.reward);
    }
  }
  printf("# acrobot: env step vs reference step: max difference %.3g\n", worst);
  CHECK(worst <= 1e-12, "acrobot: env and reference steps differ by %.3g (case %d)", worst, worst_case);
  /* case 1 wraps θ1 past π; case 2 clips θ̇2 at 9π; case 3 clips θ̇1 at −4π */
  env_acrobot_state got;
  a = 1.0;
  set_state(e, &cases[1], sizeof cases[1], 0);
  env_step(e, &a, NULL, obs, &res);
  get_state(e, &got, sizeof got);
  CHECK(got.theta1 < 0.0, "acrobot: theta1 %g not wrapped past pi", got.theta1);
  set_state(e, &cases[2], sizeof cases[2], 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK(obs[5] == 9 * M_PI, "acrobot: dtheta2 %.17g not clipped to 9 pi", obs[5]);
  set_state(e, &cases[3], sizeof cases[3], 0);
  env_step(e, &a, NULL, obs, &res);
  CHECK(obs[4] == -4 * M_PI, "acrobot: dtheta1 %.17g not clipped to -4 pi", obs[4]);

  /* 2. the terminal step: from θ1 = 2, θ2 = 0 swinging up at θ̇1 = 3 (tip height
   * −2 cos 2 = 0.83 ≤ 1, not terminal) the tip rises above the bar within one step:
   * terminated, reward 0; stepping on is refused */
  env_acrobot_state up = {2.0, 0.0, 3.0, 0.0}, up_want;
  acro_reference_step(&up, 0.0, &up_want);
  CHECK(-2 * cos(up_want.theta1) > 1.0, "acrobot: terminal case is not terminal (theta1 %g)",
        up_want.theta1);
  set_state(e, &up, sizeof up, 0);
  CHECK(env_step(e, &a, NULL, obs, &res) == TR_OK, "acrobot: %s", tr_error_msg());
  CHECK(res.terminated && res.reward == 0.0 && !res.truncated,
        "acrobot terminal step: terminated %d reward %g", res.terminated, res.reward);
  CHECK(env_step(e, &a, NULL, obs, &res) == TR_EINVAL, "acrobot: step after termination");

  /* 3. energy: the book dynamics conserve ½ θ̇ᵀ D θ̇ + potential without torque; RK4 at
   * dt = 0.2 keeps it within 0.1 J (0.5% of its scale 2·9.8 J; measured 0.035 J, and the
   * "nips" variant, which drops the θ̇1² term, drifts by 0.85 J) over 50 steps (10 s) of a swing
   * from (0.6, −0.4) at rest (no clipping: the speeds stay far below 4π) */
  env_acrobot_state s = {0.6, -0.4, 0.0, 0.0};
  double E0 = acro_energy(&s), drift = 0.0;
  set_state(e, &s, sizeof s, 0);
  a = 1.0; /* τ = 0 */
  for (int t = 0; t < 50; t++) {
    if (env_step(e, &a, NULL, obs, &res)) break;
    get_state(e, &s, sizeof s);
    drift = fmax(drift, fabs(acro_energy(&s) - E0));
  }
  printf("# acrobot: energy drift over 50 steps without torque: %.3g J (E0 = %.6g J)\n", drift, E0);
  CHECK(drift <= 0.1, "acrobot: energy drifts by %g J over 50 steps", drift);
  gsl_rng_free(r);
  env_free(e);
  env_model_free(m);
}

/* ---- tabular environments against P ----------------------------------------------------
 * Random actions for `steps` steps with time limit `limit` (resets spread the visits).  For
 * each (s,a) with n visits: no next state outside the support of P(·|s,a); if the smallest
 * expected count n·min P ≥ 5 and the support has ≥ 2 states, Pearson's statistic
 * Σ (O − nP)²/(nP) against χ² with |support| − 1 degrees of freedom has p ≥ 1e-4 (a fixed
 * seed, so the verdict is deterministic; for a correct sampler each row fails with
 * probability 1e-4).  The same for the reset states against μ.  Every observation is the
 * one-hot vector of env_state_index, and every reward is r(s,a). */
static void chisq_row(const size_t *counts, const double *p, size_t S, const char *what,
                      size_t *tested) {
  size_t n = 0, support = 0;
  double pmin = 1.0;
  for (size_t j = 0; j < S; j++) {
    n += counts[j];
    if (p[j] > 0.0) support++, pmin = fmin(pmin, p[j]);
  }
  int off = 0;
  for (size_t j = 0; j < S; j++) off += p[j] == 0.0 && counts[j] > 0;
  CHECK(!off, "%s: %d next states outside the support", what, off);
  if (support < 2 || (double)n * pmin < 5.0) return;
  double stat = 0.0;
  for (size_t j = 0; j < S; j++)
    if (p[j] > 0.0) {
      double E = (double)n * p[j], d = (double)counts[j] - E;
      stat += d * d / E;
    }
  double pval = gsl_cdf_chisq_Q(stat, (double)(support - 1));
  CHECK(pval >= 1e-4, "%s: chi2 = %g on %zu df, p = %.3g (n = %zu)", what, stat, support - 1, pval, n);
  (*tested)++;
}

/* obs (S) is e_s: 1 at s, 0 elsewhere. */
static int one_hot(const double *obs, size_t S, size_t s) {
  if (s >= S) return 0;
  for (size_t j = 0; j < S; j++)
    if (obs[j] != (j == s ? 1.0 : 0.0)) return 0;
  return 1;
}

static void test_tabular_frequencies(const char *name, size_t steps, size_t limit,
                                     size_t min_rows) {
  env_model *m = env_model_alloc(name);
  CHECK(m != NULL, "%s: %s", name, tr_error_msg());
  if (!m) return;
  const mdp *p = env_model_mdp(m);
  size_t S = p->S, A = p->A;
  CHECK(env_obs_dim(m) == S && env_action_space(m).kind == ENV_DISCRETE &&
            env_action_space(m).n == A && env_default_gamma(m) == p->gamma,
        "%s: sizes", name);
  env_model_set_time_limit(m, limit);
  env *e = env_alloc(m);
  gsl_rng *r = tr_rng_alloc(4242), *ra = tr_rng_alloc(4243);
  size_t *counts = calloc(S * A * S, sizeof *counts), *starts = calloc(S, sizeof *starts);
  double *P = malloc(S * A * S * sizeof *P), *obs = malloc(S * sizeof *obs);
  mdp_dense_P(p, P);
  int bad_obs = 0, bad_reward = 0;
  env_reset(e, r, obs);
  size_t s = env_state_index(e);
  starts[s]++;
  bad_obs += !one_hot(obs, S, s);
  for (size_t i = 0; i < steps; i++) {
    double a = (double)gsl_rng_uniform_int(ra, A);
    env_step_result res;
    if (env_step(e, &a, r, obs, &res)) {
      CHECK(0, "%s: step: %s", name, tr_error_msg());
      break;
    }
    size_t s2 = env_state_index(e), k = s * A + (size_t)a;
    bad_obs += !one_hot(obs, S, s2);
    bad_reward += res.reward != p->r[k];
    counts[k * S + s2]++;
    s = s2;
    if (res.truncated) {
      env_reset(e, r, obs);
      s = env_state_index(e);
      starts[s]++;
      bad_obs += !one_hot(obs, S, s);
    }
  }
  CHECK(!bad_obs && !bad_reward, "%s: %d observations not one-hot of the state, %d rewards not r(s,a)",
        name, bad_obs, bad_reward);
  size_t tested = 0, tested_mu = 0;
  char what[256];
  for (size_t k = 0; k < S * A; k++) {
    snprintf(what, sizeof what, "%s: row (s=%zu, a=%zu)", name, k / A, k % A);
    chisq_row(counts + k * S, P + k * S, S, what, &tested);
  }
  snprintf(what, sizeof what, "%s: start states", name);
  chisq_row(starts, p->mu, S, what, &tested_mu);
  CHECK(tested >= min_rows, "%s: only %zu rows had enough counts for the test", name, tested);
  printf("# %s: chi-square on %zu (s,a) rows and %zu start distribution(s), all p >= 1e-4\n", name,
         tested, tested_mu);
  free(counts), free(starts), free(P), free(obs);
  gsl_rng_free(r), gsl_rng_free(ra);
  env_free(e);
  env_model_free(m);
}

/* ---- Gymnasium's FrozenLake ------------------------------------------------------------
 * frozenlake4/8 are FrozenLake-v1 with is_slippery=True on Gymnasium's maps: the intended
 * direction or either perpendicular one, 1/3 each (a move off the map stays put); reward 1
 * on exactly the step that reaches G, else 0; the episode terminates on reaching H or G,
 * and is truncated at 100 (4x4) / 200 (8x8) steps.  Everything below is re-derived from
 * the map strings, not from mdp_frozenlake_alloc. */
static int lake_terminal(const char *const *map, size_t n, size_t s) {
  char c = map[s / n][s % n];
  return c == 'H' || c == 'G';
}

/* Gymnasium's move: action 0 left, 1 down, 2 right, 3 up, clamped at the edges. */
static size_t lake_move(size_t s, int a, size_t n) {
  size_t row = s / n, col = s % n;
  if (a == 0 && col > 0) col--;
  if (a == 1 && row + 1 < n) row++;
  if (a == 2 && col + 1 < n) col++;
  if (a == 3 && row > 0) row--;
  return row * n + col;
}

/* Random episodes: every reward is 1{s' = G}, terminated iff s' is H or G, truncated only
 * at the limit; the policy "always up" never leaves the top row (up stays, left and right
 * slide along it), so its episodes are truncated at exactly the limit. */
static void test_frozenlake_episodes(int size) {
  char name[32];
  snprintf(name, sizeof name, "frozenlake%d", size);
  const char *const *map = mdp_frozenlake_map(size);
  size_t n = (size_t)size, S = n * n, goal = S - 1, limit = size == 4 ? 100 : 200;
  env_model *m = env_model_alloc(name);
  CHECK(m != NULL && map != NULL, "%s: %s", name, tr_error_msg());
  if (!m || !map) return;
  CHECK(env_time_limit(m) == limit, "%s: time limit %zu, want %zu", name, env_time_limit(m), limit);
  env *e = env_alloc(m);
  gsl_rng *r = tr_rng_alloc(77), *ra = tr_rng_alloc(78);
  double obs[64];
  size_t goals = 0, holes = 0, bad_reward = 0, bad_term = 0, bad_trunc = 0, bad_len = 0;
  for (int ep = 0; ep < 20000; ep++) {
    env_reset(e, r, obs);
    size_t s = env_state_index(e), t = 0;
    for (;;) {
      double a = (double)gsl_rng_uniform_int(ra, 4);
      env_step_result res;
      if (env_step(e, &a, r, obs, &res)) {
        CHECK(0, "%s: step: %s", name, tr_error_msg());
        goto done;
      }
      t++;
      size_t s2 = env_state_index(e);
      bad_reward += res.reward != (s2 == goal ? 1.0 : 0.0);
      bad_term += res.terminated != lake_terminal(map, n, s2);
      bad_trunc += res.truncated != (!res.terminated && t == limit);
      (void)s;
      s = s2;
      if (res.terminated) {
        goals += s2 == goal;
        holes += s2 != goal;
      }
      if (res.terminated || res.truncated) break;
      if (t > limit) {
        bad_len++;
        break;
      }
    }
  }
  CHECK(!bad_reward && !bad_term && !bad_trunc && !bad_len,
        "%s: %zu rewards not 1{s'=G}, %zu terminations not at H/G, %zu truncations off the limit, "
        "%zu episodes past it", name, bad_reward, bad_term, bad_trunc, bad_len);
  CHECK(goals > 0 && holes > goals, "%s: %zu episodes ended at the goal, %zu in a hole", name, goals, holes);
  /* always up: truncated at exactly the limit, reward 0 throughout */
  for (int ep = 0; ep < 5; ep++) {
    env_reset(e, r, obs);
    double up = 3.0, sum = 0.0;
    env_step_result res = {0, 0, 0};
    size_t t = 0;
    while (!res.terminated && !res.truncated && t < 10 * limit) {
      env_step(e, &up, r, obs, &res);
      sum += res.reward;
      t++;
      CHECK(env_state_index(e) < n || res.terminated, "%s: 'up' left the top row", name);
    }
    CHECK(t == limit && res.truncated && !res.terminated && sum == 0.0,
          "%s: 'always up' ended after %zu steps (truncated %d, terminated %d, return %g)", name, t,
          res.truncated, res.terminated, sum);
  }
  printf("# %s: 20000 random episodes, %zu at the goal, %zu in a hole\n", name, goals, holes);
done:
  gsl_rng_free(r), gsl_rng_free(ra);
  env_free(e);
  env_model_free(m);
}

/* Value iteration of the uniform policy from the map alone:
 *   V(s) = 0 for s terminal,
 *   V(s) = Σ_a ¼ Σ_{b ∈ {a−1, a, a+1} mod 4} ⅓ (1{s_b = G} + γ V(s_b))  otherwise,
 * s_b the cell the move b leads to (V(s_b) = 0 when s_b is terminal); J = V(start = 0).
 * A γ-contraction: stopped when an update changes V by < 1e-15, so
 * |V − V^π| ≤ γ/(1−γ)·1e-15 ≈ 1e-13. */
static double lake_vi_J(const char *const *map, size_t n, double gamma) {
  size_t S = n * n;
  double V[64] = {0}, W[64];
  for (int it = 0; it < 100000; it++) {
    double diff = 0.0;
    for (size_t s = 0; s < S; s++) {
      W[s] = 0.0;
      if (lake_terminal(map, n, s)) continue;
      for (int a = 0; a < 4; a++)
        for (int j = 3; j <= 5; j++) {
          size_t s2 = lake_move(s, (a + j) % 4, n);
          W[s] += (1.0 / 12.0) * ((s2 == S - 1 ? 1.0 : 0.0) + gamma * V[s2]);
        }
      diff = fmax(diff, fabs(W[s] - V[s]));
    }
    memcpy(V, W, S * sizeof *V);
    if (diff < 1e-15) break;
  }
  return V[0];
}

/* The exact J (theory/exact.c on the MDP the environment hands to exact diagnostics) of the
 * uniform policy equals value iteration's on the episodic task, to 2e-13: value iteration
 * stops within γ/(1−γ)·1e-15 ≈ 1e-13 of V^π, the dense LU's rounding is about cond·ε ≈
 * (1+γ)/(1−γ)·1e-16 ≈ 2e-14.  The time limit is not part of J: J is the discounted value
 * of the episodic task. */
static void test_frozenlake_exact_J(int size) {
  char name[32];
  snprintf(name, sizeof name, "frozenlake%d", size);
  env_model *m = env_model_alloc(name);
  const mdp *p = m ? env_model_mdp(m) : NULL;
  CHECK(p != NULL, "%s: no MDP: %s", name, tr_error_msg());
  if (!p) {
    env_model_free(m);
    return;
  }
  double *pi = malloc(p->S * p->A * sizeof *pi);
  thy_values *v = thy_values_alloc(p->S, p->A);
  thy_policy_uniform(pi, p->S, p->A);
  tr_status st = thy_evaluate(v, p, pi, THY_SOLVER_DENSE, NULL);
  CHECK(st == TR_OK, "%s: evaluate: %s", name, tr_error_msg());
  double want = lake_vi_J(mdp_frozenlake_map(size), (size_t)size, p->gamma);
  if (!st) CHECK_CLOSE(v->J, want, 2e-13, 0.0, name);
  printf("# %s: exact J of the uniform policy %.17g (value iteration %.17g)\n", name, v->J, want);
  thy_values_free(v);
  free(pi);
  env_model_free(m);
}

/* Monte Carlo through the environment itself: 400,000 episodes of the uniform policy on
 * frozenlake4 with no time limit (episodes end in a hole or at the goal with probability
 * 1), each scoring Σ_t γ^t r_t; the mean lies within 4.5 standard errors of the exact J
 * (a false alarm has probability < 1e-5). */
static void test_frozenlake_monte_carlo(void) {
  env_model *m = env_model_alloc("frozenlake4");
  const mdp *p = m ? env_model_mdp(m) : NULL;
  CHECK(p != NULL, "frozenlake4: %s", tr_error_msg());
  if (!p) {
    env_model_free(m);
    return;
  }
  double pi[64], J;
  thy_values *v = thy_values_alloc(p->S, p->A);
  thy_policy_uniform(pi, p->S, p->A);
  thy_evaluate(v, p, pi, THY_SOLVER_DENSE, NULL);
  J = v->J;
  thy_values_free(v);
  env *e = env_alloc(m);
  env_set_time_limit(e, 0);
  gsl_rng *r = tr_rng_alloc(91), *ra = tr_rng_alloc(92);
  const size_t N = 400000;
  double obs[16], sum = 0.0, sum2 = 0.0;
  for (size_t ep = 0; ep < N; ep++) {
    env_reset(e, r, obs);
    double g = 0.0, disc = 1.0;
    env_step_result res = {0, 0, 0};
    while (!res.terminated) {
      double a = (double)gsl_rng_uniform_int(ra, 4);
      env_step(e, &a, r, obs, &res);
      g += disc * res.reward;
      disc *= p->gamma;
    }
    sum += g;
    sum2 += g * g;
  }
  double mean = sum / (double)N, var = (sum2 - sum * mean) / (double)(N - 1), se = sqrt(var / (double)N);
  CHECK(fabs(mean - J) <= 4.5 * se, "frozenlake4: Monte Carlo J %.6g +/- %.2g (SE), exact %.6g", mean, se, J);
  printf("# frozenlake4: Monte Carlo J of the uniform policy %.6g +/- %.2g (SE, %zu episodes), exact %.17g\n",
         mean, se, N, J);
  gsl_rng_free(r), gsl_rng_free(ra);
  env_free(e);
  env_model_free(m);
}

/* ---- bad input ---------------------------------------------------------------------- */
static void test_bad_names(void) {
  env_model *m = env_model_alloc("nope");
  const char *want = "unknown environment 'nope' (known: cartpole, ";
  CHECK(m == NULL && !strncmp(tr_error_msg(), want, strlen(want)), "message '%s'", tr_error_msg());
  CHECK(strstr(tr_error_msg(), "garnet:S,A,b[,seed]") && strstr(tr_error_msg(), "mdp:PATH"),
        "message '%s' lists the tabular names", tr_error_msg());
  CHECK(env_model_alloc("frozenlake5") == NULL, "frozenlake5 accepted");
  CHECK(env_model_alloc(NULL) == NULL, "NULL name accepted");

  static const struct {
    const char *name, *msg;
  } bad[] = {
      {"garnet:5,x,2", "garnet:5,x,2: expected garnet:S,A,b[,seed] with positive integers"},
      {"garnet:5,3", "garnet:5,3: expected garnet:S,A,b[,seed] with positive integers"},
      {"garnet:", "garnet:: expected garnet:S,A,b[,seed] with positive integers"},
      {"garnet:0,3,2", "garnet:0,3,2: expected garnet:S,A,b[,seed] with positive integers"},
      {"garnet:5,3,2,-1", "garnet:5,3,2,-1: expected garnet:S,A,b[,seed] with positive integers"},
      {"garnet:5,3,2,1,9", "garnet:5,3,2,1,9: expected garnet:S,A,b[,seed] with positive integers"},
      {"garnet: 5,3,2", "garnet: 5,3,2: expected garnet:S,A,b[,seed] with positive integers"},
      {"garnet:5,3,9", "garnet:5,3,9: Garnet: branching factor b=9 is outside [1, S=5]"},
      {"chain:x", "chain:x: expected chain:N with an integer N >= 2"},
      {"chain:3,4", "chain:3,4: expected chain:N with an integer N >= 2"},
      {"chain:1", "chain:1: chain: N=1 states, need at least 2"},
      {"gridworld:4,3",
       "gridworld:4,3: expected gridworld:W,H,slip with positive integers W, H and a number "
       "slip in [0, 1]"},
      {"gridworld:4,3,nan",
       "gridworld:4,3,nan: expected gridworld:W,H,slip with positive integers W, H and a "
       "number slip in [0, 1]"},
      {"gridworld:4,3,1.5", "gridworld:4,3,1.5: gridworld: slip 1.5 is outside [0, 1]"},
      {"mdp:", "mdp:: expected mdp:PATH with the path of an MDP file"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    m = env_model_alloc(bad[i].name);
    CHECK(m == NULL, "%s accepted", bad[i].name);
    env_model_free(m);
    MSG_IS(bad[i].msg);
  }
  m = env_model_alloc("mdp:/nonexistent/x.mdp");
  CHECK(m == NULL && strstr(tr_error_msg(), "/nonexistent/x.mdp"), "missing file: '%s'",
        tr_error_msg());
  env_model_free(m);
  /* the seed defaults to 1 */
  env_model *g1 = env_model_alloc("garnet:6,2,3"), *g2 = env_model_alloc("garnet:6,2,3,1"),
            *g3 = env_model_alloc("garnet:6,2,3,2");
  CHECK(g1 && g2 && g3, "garnet: %s", tr_error_msg());
  if (g1 && g2 && g3) {
    const mdp *p1 = env_model_mdp(g1), *p2 = env_model_mdp(g2), *p3 = env_model_mdp(g3);
    CHECK(!memcmp(p1->r, p2->r, 12 * sizeof *p1->r) && memcmp(p1->r, p3->r, 12 * sizeof *p1->r),
          "garnet: the default seed is not 1");
    CHECK(p1->gamma == 0.99 && env_time_limit(g1) == 1000, "garnet: gamma %g, limit %zu",
          p1->gamma, env_time_limit(g1));
  }
  env_model_free(g1), env_model_free(g2), env_model_free(g3);
}

static void test_bad_actions(void) {
  env_model *m = env_model_alloc("cartpole");
  env *e = env_alloc(m);
  gsl_rng *r = tr_rng_alloc(3);
  double obs[4], obs_before[4], bad[] = {2.5, -1.0, NAN, 2.0, 1e300, INFINITY};
  env_step_result res;
  env_reset(e, r, obs);
  env_step(e, (double[]){1.0}, r, obs_before, &res);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(env_step(e, &bad[i], r, obs, &res) == TR_EINVAL, "cartpole: action %g accepted", bad[i]);
    CHECK(strstr(tr_error_msg(), "cartpole: invalid discrete action") != NULL, "message '%s'",
          tr_error_msg());
  }
  CHECK(env_steps(e) == 1, "cartpole: rejected actions counted as steps (%zu)", env_steps(e));
  env_free(e);
  env_model_free(m);

  m = env_model_alloc("frozenlake4");
  e = env_alloc(m);
  env_reset(e, r, (double[16]){0});
  double four = 4.0, half = 0.5;
  CHECK(env_step(e, &four, r, (double[16]){0}, &res) == TR_EINVAL &&
            env_step(e, &half, r, (double[16]){0}, &res) == TR_EINVAL,
        "frozenlake4: action 4 or 0.5 accepted");
  MSG_IS("frozenlake4: invalid discrete action 0.5 (actions are 0..3)");
  /* a snapshot with a state index beyond S */
  unsigned char buf[2 * sizeof(size_t)];
  size_t t = 0, s = 16;
  memcpy(buf, &t, sizeof t);
  memcpy(buf + sizeof t, &s, sizeof s);
  env_restore(e, buf);
  double zero = 0.0;
  CHECK(env_step(e, &zero, r, (double[16]){0}, &res) == TR_EINVAL, "bad state index accepted");
  MSG_IS("frozenlake4: state index 16 out of range (S = 16); bad snapshot?");
  env_free(e);
  env_model_free(m);

  const char *boxes[] = {"pendulum", "mountaincar-continuous"};
  for (int i = 0; i < 2; i++) {
    m = env_model_alloc(boxes[i]);
    e = env_alloc(m);
    env_reset(e, r, obs);
    double u[] = {NAN, -INFINITY};
    for (int j = 0; j < 2; j++) {
      CHECK(env_step(e, &u[j], r, obs, &res) == TR_EINVAL, "%s: action %g accepted", boxes[i], u[j]);
      CHECK(strstr(tr_error_msg(), "is not finite") != NULL, "message '%s'", tr_error_msg());
    }
    env_free(e);
    env_model_free(m);
  }
  gsl_rng_free(r);
}

/* Sizes, spaces, limits and discounts as REFERENCES.md § 6 and the contract state them. */
static void test_models(void) {
  static const struct {
    const char *name;
    size_t O, n, limit;
    env_space_kind kind;
    double lo, hi;
    int tabular;
  } want[] = {
      {"cartpole", 4, 2, 500, ENV_DISCRETE, 0, 0, 0},
      {"acrobot", 6, 3, 500, ENV_DISCRETE, 0, 0, 0},
      {"mountaincar", 2, 3, 200, ENV_DISCRETE, 0, 0, 0},
      {"pendulum", 3, 1, 200, ENV_BOX, -2, 2, 0},
      {"mountaincar-continuous", 2, 1, 999, ENV_BOX, -1, 1, 0},
      {"chain:6", 6, 2, 1000, ENV_DISCRETE, 0, 0, 1},
      {"gridworld:4,3,0.1", 12, 4, 1000, ENV_DISCRETE, 0, 0, 1},
      {"frozenlake4", 16, 4, 100, ENV_DISCRETE, 0, 0, 1},
      {"frozenlake8", 64, 4, 200, ENV_DISCRETE, 0, 0, 1},
      {"frozenlake4-continuing", 16, 4, 1000, ENV_DISCRETE, 0, 0, 1},
      {"frozenlake8-continuing", 64, 4, 1000, ENV_DISCRETE, 0, 0, 1},
      {"cliffwalking", 48, 4, 1000, ENV_DISCRETE, 0, 0, 1},
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    env_model *m = env_model_alloc(want[i].name);
    CHECK(m != NULL, "%s: %s", want[i].name, tr_error_msg());
    if (!m) continue;
    env_space sp = env_action_space(m);
    int ok = env_obs_dim(m) == want[i].O && sp.kind == want[i].kind && sp.n == want[i].n &&
             env_time_limit(m) == want[i].limit && env_default_gamma(m) == 0.99 &&
             env_action_dim(m) == (sp.kind == ENV_BOX ? sp.n : 1) && env_frame_skip(m) == 1;
    if (sp.kind == ENV_BOX) ok &= sp.low[0] == want[i].lo && sp.high[0] == want[i].hi;
    CHECK(ok, "%s: O=%zu n=%zu limit=%zu gamma=%g", want[i].name, env_obs_dim(m), sp.n,
          env_time_limit(m), env_default_gamma(m));
    CHECK((env_model_mdp(m) != NULL) == want[i].tabular,
          "%s: mdp pointer", want[i].name);
    env *e = env_alloc(m);
    CHECK(env_state_index(e) == (env_model_mdp(m) ? 0 : SIZE_MAX), "%s: state index", want[i].name);
    env_free(e);
    env_model_free(m);
  }
  env_model *k = env_model_alloc(kakade_name);
  CHECK(k && env_default_gamma(k) == 0.9 && env_obs_dim(k) == 2, "%s: gamma from the file: %s",
        kakade_name, tr_error_msg());
  env_model_free(k);
}

int main(void) {
  gsl_set_error_handler_off();
  const char *data = getenv("TR_TESTDATA");
  snprintf(kakade_name, sizeof kakade_name, "mdp:%s/kakade.mdp", data && *data ? data : "tests/data");

  test_models();
  for (size_t i = 0; i < N_ENVS; i++) {
    test_determinism(all_envs[i].name);
    test_snapshot(all_envs[i].name);
    test_truncation(all_envs[i].name, all_envs[i].can_terminate);
  }
  test_cartpole_hand();
  test_cartpole_random();
  test_pendulum_hand();
  test_mountaincar_hand();
  test_mountaincar_cont_hand();
  test_acrobot();
  test_tabular_frequencies("garnet:10,3,4,7", 300000, 50, 25);
  /* the continuing variant pays r(s,a) every step: the test's reward check applies to it;
   * its transitions are the episodic task's */
  test_tabular_frequencies("frozenlake4-continuing", 300000, 30, 20);
  test_frozenlake_episodes(4);
  test_frozenlake_episodes(8);
  test_frozenlake_exact_J(4);
  test_frozenlake_exact_J(8);
  test_frozenlake_monte_carlo();
  test_bad_names();
  test_bad_actions();
  return check_done("test_env");
}
