/* tests/test_mujoco.c — the MuJoCo tasks (mdps/env_mujoco.c and the MJCF files in mdps/models): models,
 * sizes, compiled masses, the published rewards, terminations and observations, random-
 * policy returns, time limits, determinism, snapshots, and every failure sentence.
 *
 * Letters: O observation size, U action size; q = qpos, v = qvel of the instance's mjData.
 * Truth: MUJOCO_TASKS.md § 2 (masses as printed there, measured on MuJoCo 2.2.2 with the
 * gym assets) and REFERENCES.md § 7 (formulas, random-policy returns); the formulas are
 * re-derived here from those documents, not taken from env_mujoco.c.
 * Exit status: 0 pass, 1 fail, 77 skip (MuJoCo unusable), 99 nothing checked. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "mdps/env_mujoco.h"
#include "tests/check.h"

#define MSG_HAS(part) \
  CHECK(strstr(tr_error_msg(), (part)) != NULL, "message '%s' lacks '%s'", tr_error_msg(), (part))

enum { OMAX = 32, UMAX = 8, TASKS = 7 };

typedef struct {
  const char *name;
  size_t O, U, limit, frame_skip;
  double dt, high; /* dt = timestep × frame_skip; the box is [−high, high] */
} task_spec;

/* MUJOCO_TASKS.md § 2.1. */
static const task_spec specs[TASKS] = {
    {"hopper", 11, 3, 1000, 4, 0.008, 1.0},
    {"walker2d", 17, 6, 1000, 4, 0.008, 1.0},
    {"halfcheetah", 17, 6, 1000, 5, 0.05, 1.0},
    {"swimmer", 8, 2, 1000, 4, 0.04, 1.0},
    {"inverted-pendulum", 4, 1, 1000, 2, 0.04, 3.0},
    {"inverted-double-pendulum", 11, 1, 1000, 5, 0.05, 1.0},
    {"reacher", 11, 2, 50, 2, 0.02, 1.0},
};

static env_model *load(const char *name) {
  env_model *m = env_model_alloc(name);
  CHECK(m != NULL, "%s: %s", name, tr_error_msg());
  return m;
}

static void random_action(const env_model *m, gsl_rng *r, double *a) {
  env_space sp = env_action_space(m);
  for (size_t i = 0; i < sp.n; i++) a[i] = sp.low[i] + (sp.high[i] - sp.low[i]) * gsl_rng_uniform(r);
}

static double clip10(double y) { return fmin(fmax(y, -10.0), 10.0); }

/* ---- 1. models, sizes, boxes, masses ----------------------------------------------------- */

typedef struct {
  const char *body;
  double mass, tol; /* tol: half a unit of the last printed digit */
} mass_spec;

static void check_masses(const char *task, const mass_spec *ms, size_t n, double total,
                         double total_tol) {
  env_model *em = load(task);
  if (!em) return;
  const mjModel *m = env_mujoco_model(em);
  CHECK(m != NULL, "%s: env_mujoco_model", task);
  if (m) {
    for (size_t i = 0; i < n; i++) {
      int id = mj_name2id(m, mjOBJ_BODY, ms[i].body);
      CHECK(id > 0, "%s: body '%s' exists", task, ms[i].body);
      if (id > 0) CHECK_CLOSE(m->body_mass[id], ms[i].mass, ms[i].tol, 0.0, ms[i].body);
    }
    double sum = 0.0;
    for (int b = 0; b < m->nbody; b++) sum += m->body_mass[b];
    CHECK_CLOSE(sum, total, total_tol, 0.0, task);
  }
  env_model_free(em);
}

static void test_models(void) {
  for (int k = 0; k < TASKS; k++) {
    const task_spec *s = &specs[k];
    env_model *em = load(s->name);
    if (!em) continue;
    const mjModel *m = env_mujoco_model(em);
    CHECK(m != NULL, "%s: model", s->name);
    CHECK(env_obs_dim(em) == s->O, "%s: O = %zu, want %zu", s->name, env_obs_dim(em), s->O);
    CHECK(env_action_dim(em) == s->U, "%s: U = %zu, want %zu", s->name, env_action_dim(em),
          s->U);
    CHECK(env_time_limit(em) == s->limit, "%s: limit %zu", s->name, env_time_limit(em));
    CHECK(env_frame_skip(em) == s->frame_skip, "%s: frame skip %zu", s->name,
          env_frame_skip(em));
    env_space sp = env_action_space(em);
    CHECK(sp.kind == ENV_BOX, "%s: box", s->name);
    for (size_t i = 0; i < sp.n; i++)
      CHECK(sp.low[i] == -s->high && sp.high[i] == s->high, "%s: box [%g, %g]", s->name,
            sp.low[i], sp.high[i]);
    if (m) {
      CHECK_CLOSE(m->opt.timestep * (double)s->frame_skip, s->dt, 1e-15, 0.0, s->name);
      CHECK(m->nu == (int)s->U, "%s: nu", s->name);
      /* § 4.5: every model is sized small */
      CHECK(m->njmax <= 150 && m->nconmax <= 40 && m->nstack <= 100000, "%s: sizes %d %d %d",
            s->name, m->njmax, m->nconmax, m->nstack);
    }
    CHECK(env_mujoco_path(em) && strstr(env_mujoco_path(em), ".xml"), "%s: path", s->name);
    env_model_free(em);
  }
  /* integrators (§ 2.1): HalfCheetah Euler, the rest RK4 */
  env_model *em = load("halfcheetah");
  if (em) {
    CHECK(env_mujoco_model(em)->opt.integrator == mjINT_EULER, "halfcheetah: Euler");
    env_model_free(em);
  }
  em = load("inverted-double-pendulum");
  if (em) {
    const mjModel *m = env_mujoco_model(em);
    CHECK(m->opt.integrator == mjINT_RK4, "idp: RK4");
    CHECK(m->opt.gravity[0] == 1e-5 && m->opt.gravity[2] == -9.81, "idp: gravity");
    env_model_free(em);
  }
  em = load("swimmer");
  if (em) {
    const mjModel *m = env_mujoco_model(em);
    CHECK(m->opt.density == 4000 && m->opt.viscosity == 0.1, "swimmer: medium");
    for (int g = 0; g < m->ngeom; g++)
      CHECK(m->geom_contype[g] == 0 && m->geom_conaffinity[g] == 0, "swimmer: geom %d collides",
            g);
    env_model_free(em);
  }

  /* compiled masses (MUJOCO_TASKS.md § 2.2–2.8), to the printed digits */
  const mass_spec hopper[] = {{"torso", 3.6652, 5e-5}, {"thigh", 4.0579, 5e-5},
                              {"leg", 2.7814, 5e-5}, {"foot", 5.3156, 5e-5}};
  check_masses("hopper", hopper, 4, 15.8200, 5e-5);
  const mass_spec walker[] = {{"torso", 3.6652, 5e-5},      {"thigh", 4.0579, 5e-5},
                              {"leg", 2.7814, 5e-5},        {"foot", 3.1667, 5e-5},
                              {"thigh_left", 4.0579, 5e-5}, {"leg_left", 2.7814, 5e-5},
                              {"foot_left", 3.1667, 5e-5}};
  check_masses("walker2d", walker, 7, 23.6771, 5e-5);
  const mass_spec cheetah[] = {{"torso", 6.2502, 5e-5},  {"bthigh", 1.5435, 5e-5},
                               {"bshin", 1.5874, 5e-5},  {"bfoot", 1.0954, 5e-5},
                               {"fthigh", 1.4381, 5e-5}, {"fshin", 1.2008, 5e-5},
                               {"ffoot", 0.8845, 5e-5}};
  check_masses("halfcheetah", cheetah, 7, 14.000, 5e-4);
  const mass_spec swimmer[] = {
      {"torso", 35.6047, 5e-5}, {"mid", 35.6047, 5e-5}, {"back", 35.6047, 5e-5}};
  check_masses("swimmer", swimmer, 3, 106.81, 5e-3);
  const mass_spec ip[] = {{"cart", 10.472, 5e-4}, {"pole", 5.0186, 5e-5}};
  check_masses("inverted-pendulum", ip, 2, 15.4906, 5e-5);
  const mass_spec idp[] = {{"cart", 10.472, 5e-4}, {"pole", 4.1987, 5e-5}, {"pole2", 4.1987, 5e-5}};
  check_masses("inverted-double-pendulum", idp, 3, 18.8695, 5e-5);
  const mass_spec reacher[] = {{"body0", 0.035605, 5e-7}, {"body1", 0.035605, 5e-7},
                               {"fingertip", 0.004189, 5e-7}, {"target", 0.003054, 5e-7}};
  check_masses("reacher", reacher, 4, 2 * 0.035605 + 0.004189 + 0.003054, 2e-6);
}

/* ---- 2. the published formulas, re-derived (REFERENCES.md § 7, MUJOCO_TASKS.md § 2) ------ */

/* Healthy conditions; the terminal flag must be their negation at every step. */
static int healthy(int k, const mjModel *m, const mjData *d) {
  const double *q = d->qpos, *v = d->qvel;
  switch (k) {
    case 0: /* hopper: (q, v)[2:] in (−100, 100), z > 0.7, |angle| < 0.2 */
      for (int i = 2; i < m->nq; i++)
        if (!(fabs(q[i]) < 100.0)) return 0;
      for (int i = 0; i < m->nv; i++)
        if (!(fabs(v[i]) < 100.0)) return 0;
      return q[1] > 0.7 && fabs(q[2]) < 0.2;
    case 1: /* walker2d: 0.8 < z < 2, −1 < angle < 1 */
      return q[1] > 0.8 && q[1] < 2.0 && q[2] > -1.0 && q[2] < 1.0;
    case 4: /* inverted-pendulum: finite, |q1| ≤ 0.2 */
      return isfinite(q[0]) && isfinite(q[1]) && isfinite(v[0]) && isfinite(v[1]) &&
             fabs(q[1]) <= 0.2;
    case 5: { /* inverted-double-pendulum: tip z > 1 */
      int tip = mj_name2id(m, mjOBJ_SITE, "tip");
      return d->site_xpos[3 * tip + 2] > 1.0;
    }
    default:
      return 1;
  }
}

/* The observation from the mjData right after the step (no mj_forward): § 2.2–2.8. */
static void expected_obs(int k, const mjModel *m, const mjData *d, double *o) {
  const double *q = d->qpos, *v = d->qvel;
  size_t n = 0;
  switch (k) {
    case 0: case 1: /* q[1:], clip10(v) */
      for (int i = 1; i < m->nq; i++) o[n++] = q[i];
      for (int i = 0; i < m->nv; i++) o[n++] = clip10(v[i]);
      break;
    case 2: case 3: case 4: { /* q[1:] / q[2:] / q, then v */
      int from = k == 2 ? 1 : k == 3 ? 2 : 0;
      for (int i = from; i < m->nq; i++) o[n++] = q[i];
      for (int i = 0; i < m->nv; i++) o[n++] = v[i];
      break;
    }
    case 5:
      o[0] = q[0], o[1] = sin(q[1]), o[2] = sin(q[2]), o[3] = cos(q[1]), o[4] = cos(q[2]);
      for (int i = 0; i < 3; i++) o[5 + i] = clip10(v[i]), o[8 + i] = clip10(d->qfrc_constraint[i]);
      break;
    case 6: {
      int f = mj_name2id(m, mjOBJ_BODY, "fingertip"), t = mj_name2id(m, mjOBJ_BODY, "target");
      o[0] = cos(q[0]), o[1] = cos(q[1]), o[2] = sin(q[0]), o[3] = sin(q[1]);
      o[4] = q[2], o[5] = q[3], o[6] = v[0], o[7] = v[1];
      for (int i = 0; i < 3; i++) o[8 + i] = d->xpos[3 * f + i] - d->xpos[3 * t + i];
      break;
    }
  }
}

/* The reward from the state before (x0; reacher: dist0) and the mjData after; a clipped. */
static double expected_reward(int k, const mjModel *m, const mjData *d, double x0, double dist0,
                              const double *a) {
  double dt = specs[k].dt, ss = 0.0;
  for (int i = 0; i < m->nu; i++) ss += a[i] * a[i];
  double vx = (d->qpos[0] - x0) / dt;
  switch (k) {
    case 0: case 1: return vx + 1.0 - 1e-3 * ss;
    case 2: return vx - 0.1 * ss;
    case 3: return vx - 1e-4 * ss;
    case 4: return 1.0;
    case 5: {
      int tip = mj_name2id(m, mjOBJ_SITE, "tip");
      double x = d->site_xpos[3 * tip], y = d->site_xpos[3 * tip + 2];
      double v1 = d->qvel[1], v2 = d->qvel[2];
      return 10.0 - (0.01 * x * x + (y - 2) * (y - 2)) - (1e-3 * v1 * v1 + 5e-3 * v2 * v2);
    }
    default: return -dist0 - ss;
  }
}

static double reacher_dist(const mjModel *m, const mjData *d) {
  int f = mj_name2id(m, mjOBJ_BODY, "fingertip"), t = mj_name2id(m, mjOBJ_BODY, "target");
  double s = 0.0;
  for (int i = 0; i < 3; i++) s += pow(d->xpos[3 * f + i] - d->xpos[3 * t + i], 2);
  return sqrt(s);
}

/* Random-policy returns, plus at every step: the observation layout, the reward formula and
 * the terminal flag against the re-derived versions above.
 * Bands (50 episodes, seed 20240611): REFERENCES.md § 7 gives Hopper ≈ 15–20, Walker2d ≈ 0–5,
 * HalfCheetah ≈ −280, Swimmer ≈ 0, InvertedPendulum ≈ 5–10, Reacher ≈ −43.  Measured here
 * (400 episodes, seed 7): 17.9, 2.6, −282, 0.13, 5.9, 57.4 (IDP), −43.1, with standard
 * errors for 50 episodes of about 2.5, 0.9, 12, 1.6, 0.5, 3, 0.6.  Each band is the
 * reference widened by about 4 standard errors of a 50-episode mean (a wrong formula or a
 * wrong model moves the mean by far more): Hopper [8, 30], Walker2d [−2, 7], HalfCheetah
 * [−340, −220] (the control cost alone has mean 0.1·6·(1/3)·1000 = 200), Swimmer [−6, 6],
 * InvertedPendulum [4, 10], InvertedDoublePendulum [45, 70] (about 6.3 steps of ≈ 9.1),
 * Reacher [−47, −39] (control cost alone: 2·(1/3)·50 = 33.3). */
static void test_random_returns(void) {
  const double lo[TASKS] = {8, -2, -340, -6, 4, 45, -47};
  const double hi[TASKS] = {30, 7, -220, 6, 10, 70, -39};
  const int episodes = 50;
  for (int k = 0; k < TASKS; k++) {
    env_model *em = load(specs[k].name);
    if (!em) continue;
    env *e = env_alloc(em);
    gsl_rng *r = tr_rng_alloc(20240611);
    const mjModel *m = env_mujoco_model(em);
    mjData *d = env_mujoco_data(e);
    double obs[OMAX], want[OMAX], a[UMAX], sum = 0.0;
    long bad_obs = 0, bad_rew = 0, bad_term = 0, steps = 0;
    for (int ep = 0; ep < episodes; ep++) {
      tr_status st = env_reset(e, r, obs);
      CHECK(st == TR_OK, "%s reset: %s", specs[k].name, tr_error_msg());
      env_step_result res = {0, 0, 0};
      double G = 0.0;
      while (!res.terminated && !res.truncated) {
        random_action(em, r, a);
        double x0 = d->qpos[0], dist0 = k == 6 ? reacher_dist(m, d) : 0.0;
        st = env_step(e, a, r, obs, &res);
        if (st) break;
        steps++;
        G += res.reward;
        expected_obs(k, m, d, want);
        bad_obs += memcmp(obs, want, specs[k].O * sizeof *obs) != 0;
        bad_rew += !(fabs(res.reward - expected_reward(k, m, d, x0, dist0, a)) <= 1e-12);
        bad_term += res.terminated != !healthy(k, m, d);
      }
      CHECK(st == TR_OK, "%s step: %s", specs[k].name, tr_error_msg());
      sum += G;
    }
    double mean = sum / episodes;
    printf("# %-25s random-policy mean return %9.3f over %d episodes (%ld steps)\n",
           specs[k].name, mean, episodes, steps);
    CHECK(mean >= lo[k] && mean <= hi[k], "%s: mean return %g outside [%g, %g]", specs[k].name,
          mean, lo[k], hi[k]);
    CHECK(bad_obs == 0, "%s: %ld observations differ from the published layout", specs[k].name,
          bad_obs);
    CHECK(bad_rew == 0, "%s: %ld rewards differ from the published formula", specs[k].name,
          bad_rew);
    CHECK(bad_term == 0, "%s: %ld terminal flags differ from the healthy test", specs[k].name,
          bad_term);
    env_mujoco_stats s = env_mujoco_get_stats(em);
    CHECK(s.unstable == 0 && s.overflow == 0 && s.errors == 0,
          "%s: unstable %lu overflow %lu errors %lu", specs[k].name, s.unstable, s.overflow,
          s.errors);
    gsl_rng_free(r);
    env_free(e);
    env_model_free(em);
  }
}

/* ---- 3. terminations by hand, clipping, control cost -------------------------------------- */

/* One step of `name` from its reset state after `edit` changed q or v; the result. */
static env_step_result step_edited(const char *name, int qi, double qval, int vi, double vval,
                                   double *reward_check) {
  env_step_result res = {0, 0, 0};
  env_model *em = load(name);
  if (!em) return res;
  env *e = env_alloc(em);
  gsl_rng *r = tr_rng_alloc(5);
  double obs[OMAX], a[UMAX] = {0};
  env_reset(e, r, obs);
  mjData *d = env_mujoco_data(e);
  if (qi >= 0) d->qpos[qi] = qval;
  if (vi >= 0) d->qvel[vi] = vval;
  CHECK(env_step(e, a, r, obs, &res) == TR_OK, "%s: %s", name, tr_error_msg());
  if (reward_check) *reward_check = res.reward;
  gsl_rng_free(r);
  env_free(e);
  env_model_free(em);
  return res;
}

static void test_terminations(void) {
  double rew;
  /* Hopper: the torso angle q[2] and the unclipped velocity test |v| < 100 (obs clips v at 10) */
  env_step_result res = step_edited("hopper", -1, 0, -1, 0, NULL);
  CHECK(!res.terminated, "hopper: healthy after reset");
  res = step_edited("hopper", 2, 0.25, -1, 0, &rew);
  CHECK(res.terminated, "hopper: |angle| 0.25 terminates");
  CHECK(rew > 0.5, "hopper: the alive bonus is paid on the terminal step (reward %g)", rew);
  res = step_edited("hopper", -1, 0, 0, 150.0, NULL);
  CHECK(res.terminated, "hopper: |v[0]| 150 terminates (checked unclipped)");
  res = step_edited("hopper", -1, 0, 0, 50.0, NULL);
  CHECK(!res.terminated, "hopper: |v[0]| 50 is healthy");
  /* Walker2d: 0.8 < z < 2, −1 < angle < 1 */
  res = step_edited("walker2d", 1, 2.1, -1, 0, NULL);
  CHECK(res.terminated, "walker2d: z 2.1 terminates");
  res = step_edited("walker2d", 2, 1.1, -1, 0, NULL);
  CHECK(res.terminated, "walker2d: angle 1.1 terminates");
  res = step_edited("walker2d", 2, 0.9, -1, 0, NULL);
  CHECK(!res.terminated, "walker2d: angle 0.9 is healthy");
  /* InvertedPendulum: |q1| > 0.2; reward 1 on that step */
  res = step_edited("inverted-pendulum", 1, 0.25, -1, 0, &rew);
  CHECK(res.terminated && rew == 1.0, "inverted-pendulum: |q1| 0.25 terminates, reward %g", rew);
  /* InvertedDoublePendulum: tip z ≤ 1 (pole tilted by 1.2 rad puts it near 0.43) */
  res = step_edited("inverted-double-pendulum", 1, 1.2, -1, 0, &rew);
  CHECK(res.terminated, "inverted-double-pendulum: tilted pole terminates");
  CHECK(rew > 7.0 && rew < 8.0, "idp: 10 − (y−2)² ≈ 7.5 on the terminal step, got %g", rew);
  /* HalfCheetah and Swimmer never terminate, even from an odd state */
  res = step_edited("halfcheetah", 2, 3.0, -1, 0, NULL);
  CHECK(!res.terminated, "halfcheetah never terminates");

  /* Hopper falling under the fixed action (0, 0, 0.5): the step that terminates is the
   * first with z ≤ 0.7, the angle still inside (−0.2, 0.2). */
  env_model *em = load("hopper");
  if (!em) return;
  env *e = env_alloc(em);
  gsl_rng *r = tr_rng_alloc(3);
  double obs[OMAX], a[3] = {0.0, 0.0, 0.5}, z_prev = 0.0;
  env_reset(e, r, obs);
  res.terminated = res.truncated = 0;
  size_t t = 0;
  while (!res.terminated && !res.truncated && t < 1000) {
    z_prev = obs[0];
    env_step(e, a, r, obs, &res);
    t++;
  }
  printf("# hopper under a = (0, 0, 0.5) terminated at step %zu: z %.4f (before %.4f), "
         "angle %.4f\n", t, obs[0], z_prev, obs[1]);
  CHECK(res.terminated && obs[0] <= 0.7 && z_prev > 0.7 && fabs(obs[1]) < 0.2,
        "hopper falls by z: t %zu z %g prev %g angle %g", t, obs[0], z_prev, obs[1]);
  gsl_rng_free(r);
  env_free(e);
  env_model_free(em);
}

/* env.c clips the action to the box before the task sees it: an action beyond the box gives
 * the same step, reward included, as the action clipped by hand (the control cost is
 * charged on the clipped action). */
static void test_clipping(void) {
  const char *names[] = {"halfcheetah", "reacher", "inverted-pendulum"};
  for (int k = 0; k < 3; k++) {
    env_model *em = load(names[k]);
    if (!em) continue;
    env *e1 = env_alloc(em), *e2 = env_alloc(em);
    gsl_rng *r1 = tr_rng_alloc(11), *r2 = tr_rng_alloc(11);
    double o1[OMAX], o2[OMAX], big[UMAX], clipped[UMAX];
    env_space sp = env_action_space(em);
    env_reset(e1, r1, o1);
    env_reset(e2, r2, o2);
    for (size_t i = 0; i < sp.n; i++) {
      big[i] = (i % 2 ? -1.0 : 1.0) * (sp.high[i] + 2.5);
      clipped[i] = i % 2 ? sp.low[i] : sp.high[i];
    }
    env_step_result s1, s2;
    env_step(e1, big, r1, o1, &s1);
    env_step(e2, clipped, r2, o2, &s2);
    CHECK(memcmp(o1, o2, env_obs_dim(em) * sizeof *o1) == 0 && s1.reward == s2.reward,
          "%s: out-of-box action = clipped action (rewards %.17g, %.17g)", names[k], s1.reward,
          s2.reward);
    gsl_rng_free(r1), gsl_rng_free(r2);
    env_free(e1), env_free(e2);
    env_model_free(em);
  }
}

/* ---- 4. time limits ------------------------------------------------------------------------ */

static void test_time_limit(void) {
  const char *names[] = {"swimmer", "reacher"};
  const size_t limit[] = {1000, 50};
  for (int k = 0; k < 2; k++) {
    env_model *em = load(names[k]);
    if (!em) continue;
    env *e = env_alloc(em);
    gsl_rng *r = tr_rng_alloc(17);
    double obs[OMAX], a[UMAX] = {0};
    env_reset(e, r, obs);
    env_step_result res = {0, 0, 0};
    size_t early = 0;
    for (size_t t = 1; t <= limit[k]; t++) {
      env_step(e, a, r, obs, &res);
      if (t < limit[k]) early += res.truncated || res.terminated;
    }
    CHECK(early == 0, "%s: no end before the limit", names[k]);
    CHECK(res.truncated == 1 && res.terminated == 0, "%s: step %zu truncated %d terminated %d",
          names[k], limit[k], res.truncated, res.terminated);
    CHECK(env_steps(e) == limit[k], "%s: steps %zu", names[k], env_steps(e));
    gsl_rng_free(r);
    env_free(e);
    env_model_free(em);
  }
}

/* ---- 5. determinism and snapshots ------------------------------------------------------------ */

enum { KSTEPS = 40 };

typedef struct {
  double obs[KSTEPS][OMAX], reward[KSTEPS], qpos[KSTEPS][16];
  int flags[KSTEPS];
  int ncon[KSTEPS];
} trace;

/* k random steps (actions from r), recorded. */
static void run_trace(env *e, gsl_rng *r, trace *tr) {
  const env_model *em = env_get_model(e);
  const mjModel *m = env_mujoco_model(em);
  mjData *d = env_mujoco_data(e);
  double a[UMAX];
  memset(tr, 0, sizeof *tr);
  for (int t = 0; t < KSTEPS; t++) {
    random_action(em, r, a);
    env_step_result res;
    env_step(e, a, r, tr->obs[t], &res);
    tr->reward[t] = res.reward;
    tr->flags[t] = res.terminated + 2 * res.truncated;
    memcpy(tr->qpos[t], d->qpos, (size_t)m->nq * sizeof(double));
    tr->ncon[t] = d->ncon;
  }
}

static int same_trace(const trace *a, const trace *b) { return memcmp(a, b, sizeof *a) == 0; }

static void test_determinism(void) {
  for (int k = 0; k < TASKS; k++) {
    env_model *em = load(specs[k].name);
    if (!em) continue;
    env *e1 = env_alloc(em), *e2 = env_alloc(em);
    gsl_rng *r1 = tr_rng_alloc(99), *r2 = tr_rng_alloc(99);
    double o1[OMAX], o2[OMAX];
    static trace t1, t2;
    env_reset(e1, r1, o1);
    env_reset(e2, r2, o2);
    CHECK(memcmp(o1, o2, specs[k].O * sizeof *o1) == 0, "%s: same seed, same first observation",
          specs[k].name);
    run_trace(e1, r1, &t1);
    run_trace(e2, r2, &t2);
    CHECK(same_trace(&t1, &t2), "%s: same seed, same trajectory", specs[k].name);
    gsl_rng_free(r1), gsl_rng_free(r2);
    env_free(e1), env_free(e2);
    env_model_free(em);
  }
}

/* Snapshot → KSTEPS random steps → restore → the same steps, bit for bit, in the same
 * instance and in a fresh one.  Hopper, Walker2d, HalfCheetah: the snapshot is taken while
 * the body touches the floor (contacts active), after some steps, so the warm start and
 * the lagged derived quantities matter. */
static void test_snapshots(void) {
  for (int k = 0; k < TASKS; k++) {
    const char *name = specs[k].name;
    env_model *em = load(name);
    if (!em) continue;
    env *e = env_alloc(em), *f = env_alloc(em);
    const mjModel *m = env_mujoco_model(em);
    mjData *d = env_mujoco_data(e);
    gsl_rng *r = tr_rng_alloc(1000 + (unsigned long)k);
    double obs[OMAX], a[UMAX];
    env_step_result res = {0, 0, 1};
    int contact_task = k <= 2, warm = 0;
    /* warm up: at least 8 steps into an episode and, for contact tasks, touching */
    for (int tries = 0; tries < 2000; tries++) {
      if (res.terminated || res.truncated) env_reset(e, r, obs), warm = 0;
      random_action(em, r, a);
      env_step(e, a, r, obs, &res);
      warm++;
      if (!res.terminated && !res.truncated && warm >= 8 && (!contact_task || d->ncon > 0) &&
          env_steps(e) + KSTEPS < env_time_limit(em))
        break;
    }
    if (contact_task) CHECK(d->ncon > 0, "%s: snapshot in contact (ncon %d)", name, d->ncon);
    size_t n = env_snapshot_size(em);
    CHECK(n == sizeof(size_t) + sizeof(double) * (1 + (size_t)m->nq + 3 * (size_t)m->nv +
                                                  (size_t)m->na + (size_t)m->nu +
                                                  3 * (size_t)m->nbody + 3 * (size_t)m->nsite),
          "%s: snapshot size %zu", name, n);
    unsigned char *buf = malloc(n);
    env_snapshot(e, buf);
    size_t t0 = env_steps(e);
    gsl_rng *r0 = gsl_rng_clone(r);
    static trace ref, again, fresh;
    run_trace(e, r, &ref);
    int contacts = 0;
    for (int t = 0; t < KSTEPS; t++) contacts += ref.ncon[t];
    if (contact_task) CHECK(contacts > 0, "%s: contacts during the replayed steps", name);
    CHECK(env_restore(e, buf) == TR_OK, "%s restore: %s", name, tr_error_msg());
    CHECK(env_steps(e) == t0, "%s: step counter restored", name);
    gsl_rng_memcpy(r, r0);
    run_trace(e, r, &again);
    CHECK(same_trace(&ref, &again), "%s: restore reproduces %d steps bit for bit", name,
          KSTEPS);
    env_reset(f, r, obs); /* a fresh instance somewhere else entirely */
    CHECK(env_restore(f, buf) == TR_OK, "%s restore (fresh): %s", name, tr_error_msg());
    gsl_rng_memcpy(r, r0);
    run_trace(f, r, &fresh);
    CHECK(same_trace(&ref, &fresh), "%s: restore into another instance, bit for bit", name);
    free(buf);
    gsl_rng_free(r0), gsl_rng_free(r);
    env_free(e), env_free(f);
    env_model_free(em);
  }
}

/* ---- 6. failures --------------------------------------------------------------------------- */

static int write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  if (!fp) return -1;
  fputs(text, fp);
  return fclose(fp);
}

static char *read_file(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, fp) != (size_t)n) n = 0;
  if (s) s[n] = '\0';
  fclose(fp);
  return s;
}

static void test_failures(void) {
  /* the hopper model's text, for the variants below */
  env_model *em = load("hopper");
  if (!em) return;
  char *hopper_xml = read_file(env_mujoco_path(em));
  char *reacher_xml = NULL;
  env_model_free(em);
  em = load("reacher");
  if (em) reacher_xml = read_file(env_mujoco_path(em));
  env_model_free(em);
  CHECK(hopper_xml && reacher_xml, "model files readable");

  /* a non-finite action is an error, not a crash, and the episode goes on */
  em = load("hopper");
  if (em) {
    env *e = env_alloc(em);
    gsl_rng *r = tr_rng_alloc(1);
    double obs[OMAX], a[3] = {0.1, NAN, 0.2};
    env_step_result res;
    env_reset(e, r, obs);
    CHECK(env_step(e, a, r, obs, &res) == TR_EINVAL, "NaN action is TR_EINVAL");
    MSG_HAS("hopper: action[1] = nan is not finite");
    a[1] = -INFINITY;
    CHECK(env_step(e, a, r, obs, &res) == TR_EINVAL, "inf action is TR_EINVAL");
    CHECK(env_steps(e) == 0, "a rejected action takes no step");
    a[1] = 0.0;
    CHECK(env_step(e, a, r, obs, &res) == TR_OK && env_steps(e) == 1, "then a valid step");

    /* MuJoCo's instability auto-reset: a NaN velocity → terminated, reward 0, counted, noted,
     * the observation that of the reset state; no MUJOCO_LOG.TXT, no output */
    int log_before = access("MUJOCO_LOG.TXT", F_OK) == 0;
    unsigned long w0 = env_mujoco_warnings();
    env_mujoco_data(e)->qvel[3] = NAN;
    tr_error_clear();
    CHECK(env_step(e, a, r, obs, &res) == TR_OK, "instability is not an error");
    CHECK(res.terminated == 1 && res.reward == 0.0, "instability terminates with reward 0");
    MSG_HAS("MuJoCo found the simulation unstable (bad qvel");
    int finite = 1;
    for (int i = 0; i < 11; i++) finite &= isfinite(obs[i]);
    CHECK(finite && fabs(obs[0] - 1.25) < 1e-3, "obs of the reset state (z %g)", obs[0]);
    CHECK(env_mujoco_get_stats(em).unstable == 1, "instability counted");
    CHECK(env_mujoco_warnings() > w0, "MuJoCo's warning went to our handler");
    CHECK(log_before || access("MUJOCO_LOG.TXT", F_OK) != 0, "no MUJOCO_LOG.TXT written");
    /* a second one in the same episode is seen too (counters zeroed before each mj_step) */
    env_mujoco_data(e)->qpos[4] = 1e11;
    CHECK(env_step(e, a, r, obs, &res) == TR_OK && res.terminated, "second instability seen");
    MSG_HAS("bad qpos");
    CHECK(env_mujoco_get_stats(em).unstable == 2, "second instability counted");
    gsl_rng_free(r);
    env_free(e);
    env_model_free(em);
  }

  /* TRBENCH_MODELS: a missing file, a broken file, a wrong model, a MuJoCo error mid-step */
  char dir[] = "/tmp/trbench_mujoco_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp failed");
    goto out;
  }
  const char *old = getenv("TRBENCH_MODELS");
  char *old_copy = old ? strdup(old) : NULL;
  setenv("TRBENCH_MODELS", dir, 1);
  char path[512], want[600];

  snprintf(path, sizeof path, "%s/hopper.xml", dir);
  CHECK(env_model_alloc("hopper") == NULL, "missing model file fails");
  snprintf(want, sizeof want, "%s: MuJoCo could not load the model: ", path);
  MSG_HAS(want);
  CHECK(strlen(tr_error_msg()) > strlen(want), "MuJoCo's own message follows: '%s'",
        tr_error_msg());

  snprintf(path, sizeof path, "%s/walker2d.xml", dir);
  write_file(path, "<mujoco model=\"broken\">\n  <worldbody>\n    <body name=\"x\">\n");
  CHECK(env_model_alloc("walker2d") == NULL, "broken model file fails");
  snprintf(want, sizeof want, "%s: MuJoCo could not load the model: ", path);
  MSG_HAS(want);
  CHECK(strchr(tr_error_msg(), '\n') == NULL, "the message is one line");
  unlink(path);

  /* a valid model with the wrong sizes (the reacher's file under the hopper's name) */
  snprintf(path, sizeof path, "%s/hopper.xml", dir);
  if (reacher_xml) {
    write_file(path, reacher_xml);
    CHECK(env_model_alloc("hopper") == NULL, "wrong model fails");
    MSG_HAS("the model has nq = 4, nv = 4, nu = 2; task hopper needs 6, 6, 3");
  }

  /* MuJoCo 2.2.2 raises mju_error ("Stack overflow") when a step needs more than nstack:
   * 280 mjtNums load (the compiler's forward pass has no contacts) but overflow once the
   * foot touches the floor.  The handler returns here through longjmp: TR_ENUM, counted,
   * the instance reset and usable again. */
  char *small = hopper_xml ? strstr(hopper_xml, "nstack=\"100000\"") : NULL;
  CHECK(small != NULL, "hopper.xml sets nstack=\"100000\"");
  if (small) {
    memcpy(small, "nstack=\"280\"   ", 15);
    write_file(path, hopper_xml);
    em = env_model_alloc("hopper");
    CHECK(em != NULL, "hopper with nstack 280 loads: %s", tr_error_msg());
    if (em) {
      env *e = env_alloc(em);
      gsl_rng *r = tr_rng_alloc(2);
      double obs[OMAX], a[3] = {0, 0, 0};
      env_step_result res;
      tr_status st = env_reset(e, r, obs);
      for (int t = 0; t < 300 && st == TR_OK; t++) st = env_step(e, a, r, obs, &res);
      CHECK(st == TR_ENUM, "a MuJoCo error is TR_ENUM (got %d)", st);
      MSG_HAS("hopper: MuJoCo error during mj_step: Stack overflow");
      CHECK(env_mujoco_get_stats(em).errors == 1, "error counted");
      CHECK(env_reset(e, r, obs) == TR_OK && env_step(e, a, r, obs, &res) == TR_OK,
            "the instance works again after a reset");
      gsl_rng_free(r);
      env_free(e);
      env_model_free(em);
    }
  }
  unlink(path);
  rmdir(dir);
  if (old_copy) setenv("TRBENCH_MODELS", old_copy, 1);
  else unsetenv("TRBENCH_MODELS");
  free(old_copy);

  /* an unknown name through the registry */
  CHECK(env_model_alloc("hopper-v9") == NULL, "unknown name fails");
  MSG_HAS("unknown environment 'hopper-v9'");
out:
  free(hopper_xml);
  free(reacher_xml);
}

int main(void) {
  gsl_set_error_handler_off();
  if (mj_version() != mjVERSION_HEADER) {
    printf("SKIP: the MuJoCo library (%s) does not match its header (%d)\n",
           mj_versionString(), mjVERSION_HEADER);
    return 77;
  }
  printf("# MuJoCo %s\n", mj_versionString());
  test_models();
  test_terminations();
  test_clipping();
  test_time_limit();
  test_determinism();
  test_snapshots();
  test_failures();
  test_random_returns();
  return check_done("test_mujoco");
}
