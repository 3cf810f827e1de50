/* tests/test_mujoco.c — the MuJoCo tasks (mdps/env_mujoco.c and the MJCF files in mdps/models): models,
 * sizes, compiled masses, the published rewards, terminations and observations, random-
 * policy returns, time limits, determinism, snapshots, and every failure sentence.
 *
 * Letters: O observation size, U action size; q = qpos, v = qvel of the instance's mjData.
 * Truth: MUJOCO_TASKS.md § 2 (masses as printed there, measured on MuJoCo 2.2.2 with the
 * gym assets) and REFERENCES.md § 7 (formulas, random-policy returns); the formulas are
 * re-derived here from those documents, not taken from env_mujoco.c.  For ant, humanoid,
 * humanoid-standup and pusher: Gymnasium's ant_v4.py, humanoid_v4.py,
 * humanoidstandup_v4.py, pusher_v4.py and mujoco_env.py (Farama-Foundation/Gymnasium
 * 3f0476a8), restated in section 7 and README "MuJoCo tasks"; their masses are those of
 * Gymnasium's assets compiled on MuJoCo 2.2.2 (the models here compile to the same masses,
 * inertias, frames, joints, actuators and options, and roll out bit for bit the same).
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

enum { OMAX = 384, UMAX = 20, TASKS = 11 };
/* task indices of the last four (specs[]) */
enum { ANT = 7, HUMANOID = 8, STANDUP = 9, PUSHER = 10 };

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
    /* Gymnasium envs/__init__.py (limits), the v4 classes (frame skip 5, observation sizes:
     * Ant 27 with use_contact_forces False, Humanoid 376), the assets (timesteps 0.01,
     * 0.003, 0.003, 0.01; ctrlrange ±1, ±0.4, ±0.4, ±2) */
    {"ant", 27, 8, 1000, 5, 0.05, 1.0},
    {"humanoid", 376, 17, 1000, 5, 0.015, 0.4},
    {"humanoid-standup", 376, 17, 1000, 5, 0.015, 0.4},
    {"pusher", 23, 7, 100, 5, 0.05, 2.0},
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

static double sum_sq_test(const double *a, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += a[i] * a[i];
  return s;
}

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

  /* the last four: Gymnasium's assets compiled on MuJoCo 2.2.2, to the printed digits */
  const mass_spec ant[] = {{"torso", 0.32725, 5e-6},          {"front_left_leg", 0.039158, 5e-7},
                           {"aux_1", 0.039158, 5e-7},          {"shin_1", 0.067592, 5e-7},
                           {"right_back_leg", 0.039158, 5e-7}, {"shin_4", 0.067592, 5e-7}};
  check_masses("ant", ant, 6, 0.91088, 5e-6);
  const mass_spec hum[] = {
      {"torso", 8.9075, 5e-5},           {"lwaist", 2.2619, 5e-5},
      {"pelvis", 6.6162, 5e-5},          {"right_thigh", 4.7518, 5e-5},
      {"right_shin", 2.7557, 5e-5},      {"right_foot", 1.7671, 5e-5},
      {"left_thigh", 4.7518, 5e-5},      {"left_shin", 2.7557, 5e-5},
      {"left_foot", 1.7671, 5e-5},       {"right_upper_arm", 1.6611, 5e-5},
      {"right_lower_arm", 1.2295, 5e-5}, {"left_upper_arm", 1.6611, 5e-5},
      {"left_lower_arm", 1.2295, 5e-5}};
  check_masses("humanoid", hum, 13, 42.116, 5e-4);
  check_masses("humanoid-standup", hum, 13, 42.116, 5e-4);
  const mass_spec push[] = {
      {"r_shoulder_pan_link", 7.2935, 5e-5},    {"r_shoulder_lift_link", 3.1416, 5e-5},
      {"r_upper_arm_roll_link", 0.085451, 5e-7}, {"r_upper_arm_link", 1.6286, 5e-5},
      {"r_elbow_flex_link", 0.40715, 5e-6},     {"r_forearm_roll_link", 0.085451, 5e-7},
      {"r_forearm_link", 0.84273, 5e-6},        {"r_wrist_flex_link", 0.0050265, 5e-8},
      {"r_wrist_roll_link", 0.18096, 5e-6},     {"tips_arm", 0.0025133, 5e-8},
      {"object", 1.3090e-8, 5e-13},             {"goal", 4.0212e-10, 5e-15}};
  check_masses("pusher", push, 12, 13.673, 5e-4);

  /* options, gears and which joint each actuator drives (the action order) */
  static const struct {
    const char *task;
    int integrator, solver, iterations;
    double gravity_z;
  } opts[] = {{"ant", mjINT_RK4, mjSOL_NEWTON, 100, -9.81},
              {"humanoid", mjINT_RK4, mjSOL_PGS, 50, -9.81},
              {"humanoid-standup", mjINT_RK4, mjSOL_PGS, 50, -9.81},
              {"pusher", mjINT_EULER, mjSOL_NEWTON, 20, 0.0}};
  static const char *const ant_act[] = {"hip_4", "ankle_4", "hip_1", "ankle_1",
                                        "hip_2", "ankle_2", "hip_3", "ankle_3"};
  static const char *const hum_act[] = {
      "abdomen_y",   "abdomen_z",       "abdomen_x",       "right_hip_x", "right_hip_z",
      "right_hip_y", "right_knee",      "left_hip_x",      "left_hip_z",  "left_hip_y",
      "left_knee",   "right_shoulder1", "right_shoulder2", "right_elbow", "left_shoulder1",
      "left_shoulder2", "left_elbow"};
  static const double hum_gear[] = {100, 100, 100, 100, 100, 300, 200, 100, 100,
                                    300, 200, 25,  25,  25,  25,  25,  25};
  static const char *const push_act[] = {"r_shoulder_pan_joint", "r_shoulder_lift_joint",
                                         "r_upper_arm_roll_joint", "r_elbow_flex_joint",
                                         "r_forearm_roll_joint", "r_wrist_flex_joint",
                                         "r_wrist_roll_joint"};
  for (int k = 0; k < 4; k++) {
    em = load(opts[k].task);
    if (!em) continue;
    const mjModel *m = env_mujoco_model(em);
    CHECK(m->opt.integrator == opts[k].integrator && m->opt.solver == opts[k].solver &&
              m->opt.iterations == opts[k].iterations && m->opt.gravity[2] == opts[k].gravity_z,
          "%s: integrator %d solver %d iterations %d gravity %g", opts[k].task,
          m->opt.integrator, m->opt.solver, m->opt.iterations, m->opt.gravity[2]);
    const char *const *act = k == 0 ? ant_act : k < 3 ? hum_act : push_act;
    for (int i = 0; i < m->nu; i++) {
      double gear = k == 0 ? 150.0 : k < 3 ? hum_gear[i] : 1.0;
      const char *j = mj_id2name(m, mjOBJ_JOINT, m->actuator_trnid[2 * i]);
      CHECK(m->actuator_trntype[i] == mjTRN_JOINT && j && !strcmp(j, act[i]),
            "%s: actuator %d drives %s, want %s", opts[k].task, i, j ? j : "?", act[i]);
      CHECK(m->actuator_gear[6 * i] == gear, "%s: actuator %d gear %g, want %g", opts[k].task,
            i, m->actuator_gear[6 * i], gear);
    }
    /* the root is a free joint (qpos 7, qvel 6) for the three walkers; qpos0 z is the
     * torso height (0.75, 1.4, 0.105) */
    if (k < 3) {
      const double z0[] = {0.75, 1.4, 0.105};
      CHECK(m->jnt_type[0] == mjJNT_FREE && m->qpos0[2] == z0[k] && m->qpos0[3] == 1.0,
            "%s: free root at z %g", opts[k].task, m->qpos0[2]);
    }
    env_model_free(em);
  }
  /* the HumanoidStandup asset's one joint difference: left_hip_y's range starts at -120° */
  em = load("humanoid-standup");
  if (em) {
    const mjModel *m = env_mujoco_model(em);
    int j = mj_name2id(m, mjOBJ_JOINT, "left_hip_y"), r = mj_name2id(m, mjOBJ_JOINT, "right_hip_y");
    CHECK(j >= 0 && r >= 0 && fabs(m->jnt_range[2 * j] + 120 * M_PI / 180) < 1e-15 &&
              fabs(m->jnt_range[2 * r] + 110 * M_PI / 180) < 1e-15,
          "humanoid-standup: hip_y ranges");
    env_model_free(em);
  }
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
    case ANT: /* ant: (q, v) finite, 0.2 ≤ z ≤ 1.0 (closed) */
      for (int i = 0; i < m->nq; i++)
        if (!isfinite(q[i])) return 0;
      for (int i = 0; i < m->nv; i++)
        if (!isfinite(v[i])) return 0;
      return q[2] >= 0.2 && q[2] <= 1.0;
    case HUMANOID: /* humanoid: 1 < z < 2 (open) */
      return q[2] > 1.0 && q[2] < 2.0;
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
    case ANT: /* q[2:], v (use_contact_forces False) */
      for (int i = 2; i < m->nq; i++) o[n++] = q[i];
      for (int i = 0; i < m->nv; i++) o[n++] = v[i];
      break;
    case HUMANOID: case STANDUP: /* q[2:], v, cinert, cvel, qfrc_actuator, cfrc_ext */
      for (int i = 2; i < m->nq; i++) o[n++] = q[i];
      for (int i = 0; i < m->nv; i++) o[n++] = v[i];
      for (int i = 0; i < 10 * m->nbody; i++) o[n++] = d->cinert[i];
      for (int i = 0; i < 6 * m->nbody; i++) o[n++] = d->cvel[i];
      for (int i = 0; i < m->nv; i++) o[n++] = d->qfrc_actuator[i];
      for (int i = 0; i < 6 * m->nbody; i++) o[n++] = d->cfrc_ext[i];
      break;
    case PUSHER: { /* q[0:7], v[0:7], xpos of tips_arm, object, goal */
      const char *body[] = {"tips_arm", "object", "goal"};
      for (int i = 0; i < 7; i++) o[n++] = q[i];
      for (int i = 0; i < 7; i++) o[n++] = v[i];
      for (int b = 0; b < 3; b++) {
        int id = mj_name2id(m, mjOBJ_BODY, body[b]);
        for (int i = 0; i < 3; i++) o[n++] = d->xpos[3 * id + i];
      }
      break;
    }
  }
}

static double body_dist(const mjModel *m, const mjData *d, const char *a, const char *b) {
  int i = mj_name2id(m, mjOBJ_BODY, a), j = mj_name2id(m, mjOBJ_BODY, b);
  double s = 0.0;
  for (int c = 0; c < 3; c++) s += pow(d->xpos[3 * i + c] - d->xpos[3 * j + c], 2);
  return sqrt(s);
}

/* What the reward reads before the step, from the mjData as it is then:
 * pre[0] = x: q[0]; ant: the torso's xpos x; humanoid: the mass centre's x, here MuJoCo's
 *   own subtree_com of the world body (= Σ m_b·xipos_b / Σ m_b, computed by MuJoCo in the
 *   same pass as xipos, so independent of the sum in env_mujoco.c);
 * pre[1] = reacher ‖fingertip − target‖, pusher ‖object − goal‖; pre[2] = pusher
 *   ‖object − tips_arm‖. */
static void pre_of(int k, const mjModel *m, const mjData *d, double pre[3]) {
  pre[0] = d->qpos[0];
  pre[1] = pre[2] = 0.0;
  if (k == 6) pre[1] = body_dist(m, d, "fingertip", "target");
  if (k == ANT) pre[0] = d->xpos[3 * mj_name2id(m, mjOBJ_BODY, "torso")];
  if (k == HUMANOID) pre[0] = d->subtree_com[0];
  if (k == PUSHER) {
    pre[1] = body_dist(m, d, "object", "goal");
    pre[2] = body_dist(m, d, "object", "tips_arm");
  }
}

/* The reward from what it read before the step (pre_of) and the mjData after; a clipped;
 * alive: the healthy reward of hopper, walker2d, ant, humanoid (expected_reward: the
 * constant, paid on every step as with terminate_when_unhealthy = true). */
static double expected_reward_alive(int k, const mjModel *m, const mjData *d,
                                    const double pre[3], const double *a, double alive) {
  double dt = specs[k].dt, ss = 0.0, x0 = pre[0], dist0 = pre[1];
  for (int i = 0; i < m->nu; i++) ss += a[i] * a[i];
  double vx = (d->qpos[0] - x0) / dt;
  switch (k) {
    case 0: case 1: return vx + alive - 1e-3 * ss;
    case 2: return vx - 0.1 * ss;
    case 3: return vx - 1e-4 * ss;
    case 4: return 1.0;
    case 5: {
      int tip = mj_name2id(m, mjOBJ_SITE, "tip");
      double x = d->site_xpos[3 * tip], y = d->site_xpos[3 * tip + 2];
      double v1 = d->qvel[1], v2 = d->qvel[2];
      return 10.0 - (0.01 * x * x + (y - 2) * (y - 2)) - (1e-3 * v1 * v1 + 5e-3 * v2 * v2);
    }
    case ANT: /* forward (torso xpos) + healthy 1 − 0.5 Σa² (no contact cost in v4's default) */
      return (d->xpos[3 * mj_name2id(m, mjOBJ_BODY, "torso")] - x0) / dt + alive - 0.5 * ss;
    case HUMANOID: /* 1.25 · mass-centre velocity + healthy 5 − 0.1 Σa² */
      return 1.25 * (d->subtree_com[0] - x0) / dt + alive - 0.1 * ss;
    case STANDUP: { /* z / timestep − 0.1 Σa² − min(0.5e-6 Σcfrc_ext², 10) + 1 */
      double impact = 0.0;
      for (int i = 0; i < 6 * m->nbody; i++) impact += d->cfrc_ext[i] * d->cfrc_ext[i];
      return d->qpos[2] / 0.003 - 0.1 * ss - fmin(0.5e-6 * impact, 10.0) + 1.0;
    }
    case PUSHER: /* −‖object − goal‖ − 0.1 Σa² − 0.5 ‖object − tips_arm‖, both before */
      return -dist0 - 0.1 * ss - 0.5 * pre[2];
    default: return -dist0 - ss;
  }
}

/* The healthy reward of Gymnasium v4's tasks with a health test (0: none). */
static double alive_bonus(int k) { return k == HUMANOID ? 5.0 : (k == 0 || k == 1 || k == ANT) ? 1.0 : 0.0; }

static double expected_reward(int k, const mjModel *m, const mjData *d, const double pre[3],
                              const double *a) {
  return expected_reward_alive(k, m, d, pre, a, alive_bonus(k));
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
 * Reacher [−47, −39] (control cost alone: 2·(1/3)·50 = 33.3).
 * The last four (no published random-policy figures were used; the bands follow from the
 * reward terms and the measured spread, the same 4-standard-error rule; measured with
 * seed 7 over 400 episodes (HumanoidStandup 40): mean return, its standard deviation,
 * mean episode length):
 *   Ant: −67.8, 107, 198 steps.  Per step 1 − 0.5·8·(1/3) = −0.33 plus the forward term,
 *     whose mean is ≈ 0, so ≈ −0.33 × the length; the episodes end when the torso leaves
 *     [0.2, 1.0] (bouncing above 1.0 under random torques) or at 1000.  Band [−130, −5]
 *     (SE 15); length [140, 260].
 *   Humanoid: 119.5, 34, 23.8 steps.  Per step 5 − 0.1·17·(0.4²/3) = 4.909 plus the
 *     forward term; it falls below z = 1 in about 24 steps.  Band [100, 140] (SE 4.8);
 *     length [20, 28].
 *   HumanoidStandup: 33452, 2318, 1000 steps.  Per step z/0.003 with z ≈ 0.1 lying, + 1
 *     − 0.09 − the impact cost; never terminates.  10 episodes (SE 733): band
 *     [30500, 36500]; length exactly 1000.
 *   Pusher: −149.9, 7.6, 100 steps.  The control cost alone is 0.1·7·(2²/3)·100 = 93.3;
 *     the distances add about 57.  Band [−155, −145] (SE 1.1); length exactly 100. */
static void test_random_returns(void) {
  const double lo[TASKS] = {8, -2, -340, -6, 4, 45, -47, -130, 100, 30500, -155};
  const double hi[TASKS] = {30, 7, -220, 6, 10, 70, -39, -5, 140, 36500, -145};
  const double len_lo[TASKS] = {0, 0, 1000, 1000, 0, 0, 50, 140, 20, 1000, 100};
  const double len_hi[TASKS] = {1000, 1000, 1000, 1000, 1000, 1000, 50, 260, 28, 1000, 100};
  for (int k = 0; k < TASKS; k++) {
    const int episodes = k == STANDUP ? 10 : 50;
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
        double pre[3];
        pre_of(k, m, d, pre);
        st = env_step(e, a, r, obs, &res);
        if (st) break;
        steps++;
        G += res.reward;
        expected_obs(k, m, d, want);
        bad_obs += memcmp(obs, want, specs[k].O * sizeof *obs) != 0;
        bad_rew += !(fabs(res.reward - expected_reward(k, m, d, pre, a)) <= 1e-12);
        bad_term += res.terminated != !healthy(k, m, d);
      }
      CHECK(st == TR_OK, "%s step: %s", specs[k].name, tr_error_msg());
      sum += G;
    }
    double mean = sum / episodes, len = (double)steps / episodes;
    printf("# %-25s random-policy mean return %9.3f over %d episodes (%ld steps)\n",
           specs[k].name, mean, episodes, steps);
    CHECK(mean >= lo[k] && mean <= hi[k], "%s: mean return %g outside [%g, %g]", specs[k].name,
          mean, lo[k], hi[k]);
    CHECK(len >= len_lo[k] && len <= len_hi[k], "%s: mean episode length %g outside [%g, %g]",
          specs[k].name, len, len_lo[k], len_hi[k]);
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
  /* Ant: healthy while 0.2 ≤ z ≤ 1.0 — z 1.2 (still above 1 after one 0.05 s step of free
   * fall) terminates, with the healthy reward still paid; the start pose (0.75) does not;
   * a non-finite velocity does (MuJoCo's own check resets the state first: instability) */
  res = step_edited("ant", -1, 0, -1, 0, NULL);
  CHECK(!res.terminated, "ant: healthy after reset");
  res = step_edited("ant", 2, 1.2, -1, 0, &rew);
  CHECK(res.terminated, "ant: z 1.2 terminates");
  CHECK(rew > 0.5 && rew < 1.5, "ant: healthy reward 1 on the terminal step (reward %g)", rew);
  /* Humanoid: healthy while 1 < z < 2 (the fall below 1 is checked at the end) */
  res = step_edited("humanoid", -1, 0, -1, 0, NULL);
  CHECK(!res.terminated, "humanoid: healthy after reset");
  res = step_edited("humanoid", 2, 2.1, -1, 0, &rew);
  CHECK(res.terminated, "humanoid: z 2.1 terminates");
  CHECK(rew > 4.0, "humanoid: healthy reward 5 on the terminal step (reward %g)", rew);
  /* HumanoidStandup and Pusher never terminate; standing up high pays z / 0.003 */
  res = step_edited("humanoid-standup", 2, 1.5, -1, 0, &rew);
  CHECK(!res.terminated && rew > 400.0, "humanoid-standup: z 1.5 pays ≈ 1.5/0.003 (%g)", rew);
  res = step_edited("pusher", 0, 1.5, 1, 5.0, NULL);
  CHECK(!res.terminated, "pusher never terminates");

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

  /* Humanoid collapsing under zero torques: the step that terminates is the first with
   * z = q[2] (obs[0]) ≤ 1, and it still pays the healthy reward 5 */
  em = load("humanoid");
  if (!em) return;
  e = env_alloc(em);
  r = tr_rng_alloc(3);
  double hobs[OMAX], zero[UMAX] = {0};
  env_reset(e, r, hobs);
  res.terminated = res.truncated = 0;
  t = 0;
  while (!res.terminated && !res.truncated && t < 1000) {
    z_prev = hobs[0];
    env_step(e, zero, r, hobs, &res);
    t++;
  }
  printf("# humanoid under zero torques terminated at step %zu: z %.4f (before %.4f), "
         "reward %.4f\n", t, hobs[0], z_prev, res.reward);
  CHECK(res.terminated && hobs[0] <= 1.0 && z_prev > 1.0 && res.reward > 4.0,
        "humanoid falls by z: t %zu z %g prev %g reward %g", t, hobs[0], z_prev, res.reward);
  gsl_rng_free(r);
  env_free(e);
  env_model_free(em);
}

/* env.c clips the action to the box before the task sees it: an action beyond the box gives
 * the same step, reward included, as the action clipped by hand (the control cost is
 * charged on the clipped action). */
static void test_clipping(void) {
  const char *names[] = {"halfcheetah", "reacher", "inverted-pendulum", "humanoid", "pusher"};
  for (int k = 0; k < 5; k++) {
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
  const char *names[] = {"swimmer", "reacher", "pusher"};
  const size_t limit[] = {1000, 50, 100};
  for (int k = 0; k < 3; k++) {
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

/* ---- 4b. terminate_when_unhealthy (Gymnasium v4's kwarg) ----------------------------------
 * With false, an episode runs to the time limit and never terminates on health; the healthy
 * reward is (is_healthy or terminate_when_unhealthy) × the constant, so the reward is the
 * terminated task's minus the constant on the unhealthy steps.  Two instances step in
 * lockstep with the same actions: one of the model as built (true), one of a view set to
 * false (env_model_view); the physics is the same (observations equal bit for bit), and the
 * view's reward is checked against the formula with the health test re-derived from its
 * state (healthy(), expected_reward_alive()), the model's against the same minus nothing. */
static void test_terminate_when_unhealthy(void) {
  const int ks[] = {0, 1, ANT, HUMANOID};
  const size_t L = 300;
  for (int i = 0; i < 4; i++) {
    int k = ks[i];
    for (int zero = 0; zero < (k == 0 ? 2 : 1); zero++) { /* hopper: zero actions too */
      env_model *em = load(specs[k].name);
      if (!em) continue;
      CHECK(env_has_health_test(em) && env_terminate_when_unhealthy(em),
            "%s: a health test, terminating by default", specs[k].name);
      env_model *v = env_model_view(em);
      CHECK(v && env_model_set_terminate_when_unhealthy(v, 0) == TR_OK, "%s: set false: %s",
            specs[k].name, tr_error_msg());
      env_model_set_time_limit(v, L);
      CHECK(!env_terminate_when_unhealthy(v) && env_terminate_when_unhealthy(em),
            "%s: the view is false, the model still true", specs[k].name);
      env *ea = env_alloc(em), *eb = env_alloc(v);
      const mjModel *m = env_mujoco_model(v);
      mjData *db = env_mujoco_data(eb);
      gsl_rng *ra = tr_rng_alloc(41), *rb = tr_rng_alloc(41), *ract = tr_rng_alloc(43);
      double oa[OMAX], ob[OMAX], a[UMAX] = {0}, pre[3];
      env_reset(ea, ra, oa);
      env_reset(eb, rb, ob);
      size_t steps = 0, sick = 0, well = 0, bad_obs = 0, bad_rew = 0, bad_diff = 0, bad_term = 0;
      env_step_result rsa = {0, 0, 0}, rsb = {0, 0, 0};
      while (!rsb.terminated && !rsb.truncated && steps < 2 * L) {
        if (!zero) random_action(v, ract, a);
        pre_of(k, m, db, pre);
        if (env_step(ea, a, ra, oa, &rsa) || env_step(eb, a, rb, ob, &rsb)) break;
        steps++;
        int h = healthy(k, m, db);
        h ? well++ : sick++;
        bad_obs += memcmp(oa, ob, specs[k].O * sizeof *oa) != 0;
        bad_rew += !(fabs(rsb.reward - expected_reward_alive(k, m, db, pre, a,
                                                             h ? alive_bonus(k) : 0.0)) <= 1e-12);
        /* the terminated task's reward minus the healthy reward on unhealthy steps */
        bad_diff += h ? rsb.reward != rsa.reward
                      : !(fabs(rsb.reward - (rsa.reward - alive_bonus(k))) <= 1e-12);
        bad_term += rsa.terminated != !h; /* the model as built still ends on health */
      }
      const char *how = zero ? "zero actions" : "random actions";
      CHECK(steps == L && rsb.truncated && !rsb.terminated,
            "%s (%s): %zu steps, truncated %d, terminated %d; want the time limit %zu",
            specs[k].name, how, steps, rsb.truncated, rsb.terminated, L);
      CHECK(sick > 0 && well > 0, "%s (%s): %zu unhealthy and %zu healthy steps, want both",
            specs[k].name, how, sick, well);
      CHECK(bad_obs == 0, "%s (%s): %zu observations differ from the terminating model's",
            specs[k].name, how, bad_obs);
      CHECK(bad_rew == 0, "%s (%s): %zu rewards differ from the formula", specs[k].name, how,
            bad_rew);
      CHECK(bad_diff == 0, "%s (%s): %zu rewards are not the terminating task's minus the "
            "healthy reward on unhealthy steps", specs[k].name, how, bad_diff);
      CHECK(bad_term == 0, "%s (%s): %zu terminal flags of the model as built differ",
            specs[k].name, how, bad_term);
      printf("# %s (%s), terminate_when_unhealthy=false: %zu steps, %zu unhealthy\n",
             specs[k].name, how, steps, sick);
      gsl_rng_free(ra), gsl_rng_free(rb), gsl_rng_free(ract);
      env_free(ea), env_free(eb);
      env_model_free(v); /* the view alone */
      CHECK(env_obs_dim(em) == specs[k].O && !strcmp(env_model_name(em), specs[k].name),
            "%s: the model outlives its view intact", specs[k].name);
      env_model_free(em);
    }
  }
  /* the terrains inherit it; tasks without a health test refuse false, accept true */
  env_model *t = load("hopper-terrain:5");
  CHECK(t && env_model_set_terminate_when_unhealthy(t, 0) == TR_OK, "hopper-terrain: false");
  env_model_free(t);
  const char *none[] = {"halfcheetah", "swimmer", "inverted-pendulum",
                        "inverted-double-pendulum", "reacher", "humanoid-standup", "pusher",
                        "cartpole", "pendulum", "garnet:5,3,2"};
  for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
    env_model *m = load(none[i]);
    if (!m) continue;
    CHECK(!env_has_health_test(m), "%s: no health test", none[i]);
    CHECK(env_model_set_terminate_when_unhealthy(m, 0) == TR_EINVAL, "%s: false refused", none[i]);
    MSG_HAS("terminate_when_unhealthy=false: ");
    MSG_HAS("has no health test");
    CHECK(env_model_set_terminate_when_unhealthy(m, 1) == TR_OK, "%s: true accepted", none[i]);
    env_model_free(m);
  }
}

/* ---- 5. determinism and snapshots ------------------------------------------------------------ */

enum { KSTEPS = 40 };

typedef struct {
  double obs[KSTEPS][OMAX], reward[KSTEPS], qpos[KSTEPS][32];
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
 * instance and in a fresh one.  Hopper, Walker2d, HalfCheetah, Ant, Humanoid,
 * HumanoidStandup, Pusher (its object rests on the table): the snapshot is taken while
 * the body touches the floor (contacts active), after some steps, so the warm start and
 * the lagged derived quantities (xipos: Humanoid's mass centre before the step) matter. */
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
    int contact_task = k <= 2 || k >= ANT, warm = 0;
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
                                                  6 * (size_t)m->nbody + 3 * (size_t)m->nsite),
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
  char path[512], want[700];

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

/* ---- 7. ant, humanoid, humanoid-standup, pusher: the reset observation, one step against
 * Gymnasium's step written out on MuJoCo's own data, the failures of their models ------- */

/* Reset observations: the layout read from mjData at the reset state (gym's set_state:
 * mj_forward, no mj_rnePostConstraint, so cfrc_ext is 0), and the reset distributions. */
static void test_reset_obs(void) {
  for (int k = ANT; k <= PUSHER; k++) {
    const char *name = specs[k].name;
    env_model *em = load(name);
    if (!em) continue;
    env *e = env_alloc(em);
    gsl_rng *r = tr_rng_alloc(31);
    const mjModel *m = env_mujoco_model(em);
    mjData *d = env_mujoco_data(e);
    double obs[OMAX], want[OMAX], s2 = 0.0;
    long bad_layout = 0, bad_q = 0, bad_v = 0, bad_other = 0, nv = 0;
    for (int rep = 0; rep < 20; rep++) {
      CHECK(env_reset(e, r, obs) == TR_OK, "%s reset: %s", name, tr_error_msg());
      expected_obs(k, m, d, want);
      bad_layout += memcmp(obs, want, specs[k].O * sizeof *obs) != 0;
      const double *q = d->qpos, *v = d->qvel, *q0 = m->qpos0;
      if (k == ANT || k == HUMANOID || k == STANDUP) {
        /* q = qpos0 + U(±s) (ant 0.1, humanoids 0.01), the root quaternion q[3:7] then
         * normalised in place by MuJoCo's mj_forward (so its entries move a little more) */
        double sq = k == ANT ? 0.1 : 0.01, norm = 0.0;
        for (int i = 0; i < m->nq; i++) {
          if (i >= 3 && i < 7) norm += q[i] * q[i];
          else bad_q += !(fabs(q[i] - q0[i]) <= sq);
        }
        bad_other += !(fabs(norm - 1.0) < 1e-15);
        for (int i = 0; i < m->nv; i++) {
          if (k == ANT) s2 += v[i] * v[i], nv++; /* 0.1·N(0, 1) */
          else bad_v += !(fabs(v[i]) <= 0.01);
        }
        if (k != ANT) /* the cfrc_ext block is the observation's last nbody × 6 entries */
          for (size_t i = specs[k].O - 6 * (size_t)m->nbody; i < specs[k].O; i++)
            bad_other += obs[i] != 0.0;
      } else { /* pusher */
        for (int i = 0; i < 7; i++) bad_q += q[i] != 0.0;
        bad_q += q[9] != 0.0 || q[10] != 0.0;
        bad_q += !(q[7] >= -0.3 && q[7] <= 0.0 && q[8] >= -0.2 && q[8] <= 0.2 &&
                   sqrt(q[7] * q[7] + q[8] * q[8]) > 0.17);
        for (int i = 0; i < 7; i++) bad_v += !(fabs(v[i]) <= 0.005);
        for (int i = 7; i < 11; i++) bad_v += v[i] != 0.0;
        /* the object's frame is (0.45, −0.05, −0.275) + (x slide q[8], y slide q[7], 0);
         * the goal's is its body position */
        bad_other += !(fabs(obs[17] - (0.45 + q[8])) < 1e-15 &&
                       fabs(obs[18] - (-0.05 + q[7])) < 1e-15 && obs[19] == -0.275);
        bad_other += !(obs[20] == 0.45 && obs[21] == -0.05 && obs[22] == -0.323);
      }
    }
    CHECK(bad_layout == 0, "%s: %ld reset observations differ from the layout", name, bad_layout);
    CHECK(bad_q == 0, "%s: %ld reset positions outside the noise", name, bad_q);
    CHECK(bad_v == 0, "%s: %ld reset velocities outside the noise", name, bad_v);
    CHECK(bad_other == 0, "%s: %ld other reset facts wrong", name, bad_other);
    if (k == ANT) {
      double sd = sqrt(s2 / (double)nv); /* 280 draws: the estimate is within ±0.02 w.p. ~0.999 */
      CHECK(sd > 0.08 && sd < 0.12, "ant: reset velocity sd %g, want 0.1", sd);
    }
    gsl_rng_free(r);
    env_free(e);
    env_model_free(em);
  }
}

/* One step from a fixed state with a fixed action, against Gymnasium's step written out on
 * a copy of the mjData: read what the reward needs, ctrl = a, frame_skip × mj_step,
 * mj_rnePostConstraint (MujocoEnv does it for every task), then the observation and the
 * reward from that data (expected_obs, expected_reward: the v4 formulas).  The state:
 * qpos0 + 0.02·sin(1.7i + 0.3), qvel = 0.3·cos(0.9i) (pusher: object at offset (−0.2, 0.1),
 * the goal at 0; the root z: qpos0's + dz), then mj_forward (gym's set_state).  vz adds a
 * vertical velocity to the root (humanoid-standup: a hard landing, so the impact cost
 * passes its clip at 10). */
static void reference_step(int k, double dz, double vz) {
  const char *name = specs[k].name;
  env_model *em = load(name);
  if (!em) return;
  env *e = env_alloc(em);
  gsl_rng *r = tr_rng_alloc(41);
  const mjModel *m = env_mujoco_model(em);
  mjData *d = env_mujoco_data(e);
  double obs[OMAX], want[OMAX], a[UMAX], pre[3];
  env_reset(e, r, obs);
  for (int i = 0; i < m->nq; i++) d->qpos[i] = m->qpos0[i] + 0.02 * sin(1.7 * i + 0.3);
  for (int i = 0; i < m->nv; i++) d->qvel[i] = 0.3 * cos(0.9 * i);
  if (k == PUSHER) {
    d->qpos[7] = -0.2, d->qpos[8] = 0.1, d->qpos[9] = d->qpos[10] = 0.0;
    for (int i = 7; i < 11; i++) d->qvel[i] = 0.0;
  } else {
    d->qpos[2] = m->qpos0[2] + dz, d->qvel[2] += vz;
  }
  mj_forward(m, d);
  for (int i = 0; i < m->nu; i++)
    a[i] = 0.9 * specs[k].high * sin(1.3 * i + 0.5);

  mjData *ref = mj_copyData(NULL, m, d);
  pre_of(k, m, ref, pre);
  for (int i = 0; i < m->nu; i++) ref->ctrl[i] = a[i];
  for (size_t f = 0; f < specs[k].frame_skip; f++) mj_step(m, ref);
  mj_rnePostConstraint(m, ref);
  expected_obs(k, m, ref, want);
  double reward = expected_reward(k, m, ref, pre, a);
  int terminated = !healthy(k, m, ref);

  env_step_result res;
  CHECK(env_step(e, a, r, obs, &res) == TR_OK, "%s step: %s", name, tr_error_msg());
  CHECK(memcmp(d->qpos, ref->qpos, (size_t)m->nq * sizeof(double)) == 0 &&
            memcmp(d->qvel, ref->qvel, (size_t)m->nv * sizeof(double)) == 0,
        "%s: the step's state is MuJoCo's, bit for bit", name);
  CHECK(memcmp(obs, want, specs[k].O * sizeof *obs) == 0,
        "%s: the step's observation is Gymnasium's layout of MuJoCo's data, bit for bit", name);
  CHECK(fabs(res.reward - reward) <= 1e-12, "%s: reward %.17g, Gymnasium's formula %.17g", name,
        res.reward, reward);
  CHECK(res.terminated == terminated && !res.truncated, "%s: terminated %d, want %d", name,
        res.terminated, terminated);
  printf("# %-17s reference step (vz %g): reward %.17g (formula %.17g), terminated %d\n", name,
         vz, res.reward, reward, res.terminated);

  /* facts the formulas rest on, from MuJoCo's data */
  if (k == HUMANOID || k == STANDUP) {
    double num = 0.0, den = 0.0, ext = 0.0;
    for (int b = 0; b < m->nbody; b++) num += m->body_mass[b] * ref->xipos[3 * b], den += m->body_mass[b];
    CHECK(fabs(num / den - ref->subtree_com[0]) < 1e-14, "%s: the mass centre is Σm·xipos/Σm", name);
    for (int i = 0; i < 6 * m->nbody; i++) ext += fabs(ref->cfrc_ext[i]);
    CHECK(ref->ncon > 0 && ext > 0.0, "%s: in contact, cfrc_ext in the observation is nonzero "
          "(mj_rnePostConstraint ran): ncon %d, Σ|cfrc_ext| %g", name, ref->ncon, ext);
  }
  if (k == STANDUP) {
    double raw = 0.0;
    for (int i = 0; i < 6 * m->nbody; i++) raw += ref->cfrc_ext[i] * ref->cfrc_ext[i];
    raw *= 0.5e-6;
    double unclipped = ref->qpos[2] / 0.003 - 0.1 * sum_sq_test(a, m->nu) - raw + 1.0;
    printf("# humanoid-standup impact cost before its clip at 10: %.6g\n", raw);
    if (vz < 0.0)
      CHECK(raw > 10.0 && fabs(res.reward - unclipped) > 1e-6,
            "humanoid-standup: a hard landing's impact cost %g is clipped at 10", raw);
    else
      CHECK(raw < 10.0 && fabs(res.reward - unclipped) <= 1e-12,
            "humanoid-standup: a soft step's impact cost %g is paid in full", raw);
  }
  if (k == ANT) { /* the torso frame is the free joint's: xpos = q[0:3] at a forward'd state */
    int torso = mj_name2id(m, mjOBJ_BODY, "torso");
    CHECK(memcmp(d->xpos + 3 * torso, ref->xpos + 3 * torso, 3 * sizeof(double)) == 0,
          "ant: torso xpos as MuJoCo left it");
  }
  mj_deleteData(ref);
  gsl_rng_free(r);
  env_free(e);
  env_model_free(em);
}

static void test_reference_steps(void) {
  /* ant and humanoid start 0.02 and 0.11 lower than qpos0 (feet on the floor: the
   * humanoid's hang 0.1 above it at qpos0), the standup 0.02 higher */
  reference_step(ANT, -0.02, 0.0);
  reference_step(HUMANOID, -0.11, 0.0);
  reference_step(STANDUP, 0.02, 0.0);
  reference_step(PUSHER, 0.0, 0.0);
  reference_step(STANDUP, 0.02, -8.0);
}

/* The failures of the four models under TRBENCH_MODELS: a missing file, a valid model of
 * the wrong task, a Humanoid with a body missing (the observation's size follows nbody),
 * the bodies the rewards read renamed. */
static void test_failures_four(void) {
  char *text[4] = {NULL, NULL, NULL, NULL};
  for (int k = ANT; k <= PUSHER; k++) {
    env_model *em = load(specs[k].name);
    if (em) text[k - ANT] = read_file(env_mujoco_path(em));
    env_model_free(em);
    CHECK(text[k - ANT] != NULL, "%s: model file readable", specs[k].name);
  }
  char dir[] = "/tmp/trbench_mujoco4_XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp failed");
    goto out;
  }
  const char *old = getenv("TRBENCH_MODELS");
  char *old_copy = old ? strdup(old) : NULL;
  setenv("TRBENCH_MODELS", dir, 1);
  char path[512], want[700];
  static const char *const file[] = {"ant.xml", "humanoid.xml", "humanoidstandup.xml",
                                     "pusher.xml"};
  for (int k = ANT; k <= PUSHER; k++) {
    snprintf(path, sizeof path, "%s/%s", dir, file[k - ANT]);
    CHECK(env_model_alloc(specs[k].name) == NULL, "%s: missing model file fails", specs[k].name);
    snprintf(want, sizeof want, "%s: MuJoCo could not load the model: cannot read the file "
             "(No such file or directory); TRBENCH_MODELS names the model directory", path);
    MSG_HAS(want);
  }
  /* the humanoid's file under the ant's name */
  snprintf(path, sizeof path, "%s/ant.xml", dir);
  if (text[1]) {
    write_file(path, text[1]);
    CHECK(env_model_alloc("ant") == NULL, "wrong model fails");
    MSG_HAS("the model has nq = 24, nv = 23, nu = 17; task ant needs 15, 14, 8");
  }
  /* the ant without its torso's name */
  char *s = text[0] ? strstr(text[0], "<body name=\"torso\"") : NULL;
  CHECK(s != NULL, "ant.xml names the torso");
  if (s) {
    memcpy(s + 12, "TORSO", 5);
    write_file(path, text[0]);
    CHECK(env_model_alloc("ant") == NULL, "ant without a torso body fails");
    MSG_HAS("the model needs a body named 'torso'");
  }
  unlink(path);
  /* a humanoid whose right foot is folded into its shin: the same joints, 13 bodies */
  snprintf(path, sizeof path, "%s/humanoid.xml", dir);
  char *foot = text[1] ? strstr(text[1], "<body name=\"right_foot\"") : NULL;
  char *end = foot ? strstr(foot, "</body>") : NULL;
  CHECK(foot && end, "humanoid.xml has a right_foot body");
  if (foot && end) {
    /* drop the body's open and close tags, keep its geom inside the shin (the sphere's
     * position then is relative to the shin: fine for this test) */
    char *open_end = strchr(foot, '>');
    memset(foot, ' ', (size_t)(open_end + 1 - foot));
    memset(end, ' ', 7);
    write_file(path, text[1]);
    CHECK(env_model_alloc("humanoid") == NULL, "humanoid with 13 bodies fails");
    MSG_HAS("the model has 13 bodies; task humanoid needs 14");
  }
  unlink(path);
  /* the pusher without its goal's name */
  snprintf(path, sizeof path, "%s/pusher.xml", dir);
  char *g = text[3] ? strstr(text[3], "<body name=\"goal\"") : NULL;
  CHECK(g != NULL, "pusher.xml names the goal");
  if (g) {
    memcpy(g + 12, "GOAL", 4);
    write_file(path, text[3]);
    CHECK(env_model_alloc("pusher") == NULL, "pusher without a goal body fails");
    MSG_HAS("the model needs bodies named 'tips_arm', 'object' and 'goal'");
  }
  unlink(path);
  rmdir(dir);
  if (old_copy) setenv("TRBENCH_MODELS", old_copy, 1);
  else unsetenv("TRBENCH_MODELS");
  free(old_copy);
  /* Gymnasium's ids are not trbench names */
  CHECK(env_model_alloc("Humanoid-v4") == NULL, "unknown name fails");
  MSG_HAS("unknown environment 'Humanoid-v4'");
out:
  for (int i = 0; i < 4; i++) free(text[i]);
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
  test_terminate_when_unhealthy();
  test_determinism();
  test_snapshots();
  test_failures();
  test_reset_obs();
  test_reference_steps();
  test_failures_four();
  test_random_returns();
  return check_done("test_mujoco");
}
