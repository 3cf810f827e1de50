/* mdps/env_mujoco.c — the MuJoCo tasks, gym/Gymnasium "v4" semantics: the seven of the PPO
 * paper's Table 1, and Ant, Humanoid, HumanoidStandup and Pusher (the rest of Gymnasium's
 * MuJoCo suite).
 *
 * Letters: nq positions, nv velocities, nu actuators (= U, the action size), O the
 * observation size; q = qpos (nq), v = qvel (nv), a the action (nu).  dt = opt.timestep ×
 * frame_skip; x = q[0] (the root slide along x); clip10(y) = min(max(y, −10), 10);
 * U(±s) uniform noise on [−s, s]; N(σ) Gaussian noise of standard deviation σ.
 *
 * Sources: gym (openai/gym) <task>_v4.py and gym/envs/__init__.py, as collected in
 * MUJOCO_TASKS.md § 1–2 and REFERENCES.md § 7; for ant, humanoid, humanoid-standup and
 * pusher Gymnasium's (Farama-Foundation/Gymnasium) ant_v4.py, humanoid_v4.py,
 * humanoidstandup_v4.py, pusher_v4.py, mujoco_env.py and envs/__init__.py (README,
 * "MuJoCo tasks"); the formulas are restated above each task.
 * Semantics (REFERENCES.md § 7, decision): v4.  The alive bonus is paid on the terminal
 * step too (v1–v4; Gymnasium v5 changed it);
 * terminate_when_unhealthy (env.h; Gymnasium v4's kwarg of Hopper, Walker2d, Ant and
 * Humanoid, default True, the only v4 tasks that have it): with False an unhealthy state
 * does not end the episode and the healthy reward is (is_healthy or
 * terminate_when_unhealthy) × the constant, so 0 on unhealthy steps (v4's healthy_reward
 * property); the terrains inherit it.  An unstable simulation (below) still terminates; observations and the derived quantities the
 * rewards use (site_xpos, xpos, xipos, qfrc_constraint, cinert, cvel, qfrc_actuator) are
 * read right after the last mj_step with no extra mj_forward, so they lag the state as they
 * do in gym (§ 1).  Gymnasium's MujocoEnv calls mj_rnePostConstraint after the frame_skip
 * mj_steps of every step (MuJoCo ≥ 2.0 leaves cacc, cfrc_int and cfrc_ext uncomputed
 * otherwise); it changes only those three arrays, so here it is called for the tasks that
 * read cfrc_ext (humanoid, humanoid-standup), at the same point.  It is not called at
 * reset (gym's set_state is mj_forward only), so a reset observation's cfrc_ext is 0.
 *
 * Control cost: gym's v4 env does not clip the action and charges the cost on the raw
 * action while MuJoCo clamps the force (§ 1).  Here env.c clips every box action to
 * [low, high] = ctrlrange before calling step, so the cost is charged on the CLIPPED action
 * (the force actually applied).  Within the box the two agree; outside it a policy is not
 * charged for the part that had no effect (MUJOCO_TASKS.md § 7, risk 6).
 *
 * Per instance: one mjData (instance_alloc = mj_makeData); the mjModel is shared and never
 * written, so one model serves many threads, each with its own env (§ 4.9).
 *
 * MuJoCo's process-global handlers (§ 4.8) are installed once (pthread_once) at the first
 * model_init: warnings are counted and dropped (no MUJOCO_LOG.TXT, no printing); errors
 * longjmp back to the trbench call that entered MuJoCo (every such call runs inside
 * mj_guarded), which records "TASK: MuJoCo error during WHAT: MESSAGE", resets the mjData
 * (mj_resetData also clears the half-used stack) and returns TR_ENUM.  MuJoCo's engine is C
 * and holds no lock or heap allocation of its own across mj_step/mj_forward/mj_makeData
 * frames (its scratch memory is the mjData stack), so unwinding them is safe; at worst a
 * failed mj_makeData leaks its partial allocation.  An error raised outside any trbench
 * call (another library calling MuJoCo in this process) cannot return to MuJoCo and has no
 * trbench frame to go back to: the handler prints it to stderr and aborts.  mj_loadXML
 * does not use these handlers (it reports in its err buffer, § 4.8).
 *
 * Instability: when a q, v or qacc entry becomes NaN, inf or > 1e10, mj_step warns
 * (mjWARN_BADQPOS/BADQVEL/BADQACC) and resets the mjData itself (§ 4.2).  The step that
 * sees it stops stepping, returns the observation of that reset state, reward 0 and
 * terminated = 1 (the physics produced no next state to score; the counters above count
 * it), and records a note with tr_error(TR_OK, ...).  The warning counters are zeroed
 * before each mj_step, so a repeat after an earlier auto-reset is seen as well. */
#include "mdps/env_mujoco.h"

#include <errno.h>
#include <limits.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/num.h"
#include "core/size.h"
#include "mdps/env_impl.h"
#include "mdps/env_terrain.h"

#ifndef TR_SRCDIR
#define TR_SRCDIR "."
#endif
#ifndef TR_DATADIR
#define TR_DATADIR "."
#endif
#ifndef TR_BINDIR
#define TR_BINDIR ""
#endif

#define MJ_PATH_MAX 4096

/* ---- MuJoCo's error and warning handlers ------------------------------------------------ */

static atomic_ulong mj_n_warnings;
static _Thread_local jmp_buf *mj_guard_jb; /* where an error returns to; NULL outside */
static _Thread_local char mj_guard_msg[512];

static void mj_on_warning(const char *msg) {
  (void)msg;
  atomic_fetch_add(&mj_n_warnings, 1);
}

/* MuJoCo requires that this never returns (§ 4.8). */
static void mj_on_error(const char *msg) {
  snprintf(mj_guard_msg, sizeof mj_guard_msg, "%s", msg ? msg : "(no message)");
  if (mj_guard_jb) longjmp(*mj_guard_jb, 1);
  fprintf(stderr, "trbench: MuJoCo error outside a trbench call: %s\n", mj_guard_msg);
  abort();
}

static pthread_once_t mj_handlers_once = PTHREAD_ONCE_INIT;
static void mj_install_handlers(void) {
  mju_user_warning = mj_on_warning;
  mju_user_error = mj_on_error;
}

unsigned long env_mujoco_warnings(void) { return atomic_load(&mj_n_warnings); }

/* fn(m, d) with MuJoCo errors caught: 0, or −1 with the message in mj_guard_msg. */
static int mj_guarded(void (*fn)(const mjModel *, mjData *), const mjModel *m, mjData *d) {
  jmp_buf jb;
  jmp_buf *prev = mj_guard_jb;
  if (setjmp(jb)) {
    mj_guard_jb = prev;
    return -1;
  }
  mj_guard_jb = &jb;
  fn(m, d);
  mj_guard_jb = prev;
  return 0;
}

static mjData *mj_make_data_guarded(const mjModel *m) {
  jmp_buf jb;
  jmp_buf *prev = mj_guard_jb;
  if (setjmp(jb)) {
    mj_guard_jb = prev;
    return NULL;
  }
  mj_guard_jb = &jb;
  mjData *d = mj_makeData(m);
  mj_guard_jb = prev;
  return d;
}

/* ---- the task table ---------------------------------------------------------------------- */

typedef struct mj_task mj_task;

typedef struct {
  const mj_task *task;
  mjModel *m;
  double dt;          /* opt.timestep × frame_skip */
  /* reacher: bodies fingertip, target; inverted-double-pendulum: site tip; ant: body
   * torso; pusher: bodies tips_arm, object, goal */
  int id_a, id_b, id_c;
  double mass;        /* humanoid: Σ body_mass (the mass-centre denominator) */
  /* terrain tasks: the height field's first row (ENV_TERRAIN_N floats in [0, 1], inside the
   * model) and its z and scale (the ground is z0 + scale·data); NULL on flat ground */
  const float *ground;
  double ground_z0, ground_scale;
  char path[MJ_PATH_MAX];
  atomic_ulong n_unstable, n_overflow, n_errors;
} mj_impl;

/* What the reward needs from before the step. */
typedef struct {
  double x;    /* q[0]; ant: the torso's xpos x; humanoid: the mass centre's x */
  double dist; /* reacher: ‖fingertip − target‖; pusher: ‖object − goal‖ (mjData's xpos) */
  double near; /* pusher: ‖object − tips_arm‖ */
  int terminate; /* terminate_when_unhealthy (env.h; hopper, walker2d, ant, humanoid) */
} mj_pre;

struct mj_task {
  const char *name, *file;
  int nq, nv, nu;     /* the sizes the observation and reward code index (checked at load) */
  size_t obs_dim;     /* O */
  int frame_skip;
  size_t time_limit;
  /* qpos = qpos0 + noise, qvel = noise (after mj_resetData; mj_forward follows) */
  void (*reset)(const mj_impl *im, mjData *d, gsl_rng *r);
  void (*obs)(const mj_impl *im, const mjData *d, double *obs);
  /* reward and termination after the frame_skip mj_steps; a is the clipped action (nu) */
  void (*reward)(const mj_impl *im, const mjData *d, const mj_pre *pre, const double *a,
                 env_step_result *res);
  /* what the reward needs from mjData before the step; NULL: pre->x = q[0] only */
  void (*pre)(const mj_impl *im, const mjData *d, mj_pre *pre);
  int post; /* 1: mj_rnePostConstraint after the last mj_step (cfrc_ext is read) */
};

static double clip10(double y) { return y < -10.0 ? -10.0 : y > 10.0 ? 10.0 : y; }

/* The ground's height at x: 0 on flat ground, the height field's surface on a terrain. */
static double ground_at(const mj_impl *im, double x) {
  return im->ground ? env_terrain_height_at_f(im->ground, im->ground_z0, im->ground_scale, x)
                    : 0.0;
}

static double unif(gsl_rng *r, double s) { return -s + 2.0 * s * gsl_rng_uniform(r); }

static double sum_sq(const double *a, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += a[i] * a[i];
  return s;
}

/* obs = (q[from:nq], v or clip10(v)): the layout of hopper, walker2d, halfcheetah, swimmer
 * and inverted-pendulum. */
static void obs_pos_vel(const mjModel *m, const mjData *d, int from, int clip, double *obs) {
  size_t k = 0;
  for (int i = from; i < m->nq; i++) obs[k++] = d->qpos[i];
  for (int i = 0; i < m->nv; i++) obs[k++] = clip ? clip10(d->qvel[i]) : d->qvel[i];
}

/* Reset noise: q += U(±sq), v += U(±sv) (hopper 5e-3, walker2d 5e-3, swimmer 0.1,
 * inverted-pendulum 0.01), drawn q first, then v, in index order. */
static void reset_uniform(const mjModel *m, mjData *d, gsl_rng *r, double sq, double sv) {
  for (int i = 0; i < m->nq; i++) d->qpos[i] = m->qpos0[i] + unif(r, sq);
  for (int i = 0; i < m->nv; i++) d->qvel[i] = unif(r, sv);
}

/* q += U(±0.1), v += 0.1·N(0, 1): halfcheetah and inverted-double-pendulum. */
static void reset_gauss_vel(const mjModel *m, mjData *d, gsl_rng *r) {
  for (int i = 0; i < m->nq; i++) d->qpos[i] = m->qpos0[i] + unif(r, 0.1);
  for (int i = 0; i < m->nv; i++) d->qvel[i] = gsl_ran_gaussian(r, 0.1);
}

/* ---- hopper (gym hopper_v4.py; MUJOCO_TASKS.md § 2.2) ------------------------------------
 * obs (11) = (q[1:6], clip10(v[0:6])).
 * r = (x' − x)/dt + 1 − 1e-3·Σa²  (healthy reward 1, paid on the terminal step too).
 * terminated = not healthy (terminate_when_unhealthy = false: never, and the 1 is paid on
 * healthy steps only; the same for walker2d, ant and humanoid below), healthy = every entry of (q, v)[2:] in (−100, 100) and
 * q[1] (z) in (0.7, ∞) and q[2] (torso angle) in (−0.2, 0.2); open intervals, so NaN
 * is unhealthy (v2's "all finite" test).  Reset U(±5e-3) on q and v.
 * hopper-terrain:SEED (and walker2d-terrain:SEED below): z is the torso's height above the
 * ground under it, q[1] − h(q[0]) (h = 0 on flat ground, so there it is q[1] bit for bit);
 * the torso angle stays absolute (upright is upright on a slope too). */
static void hopper_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  reset_uniform(im->m, d, r, 5e-3, 5e-3);
}
static void hopper_obs(const mj_impl *im, const mjData *d, double *obs) {
  obs_pos_vel(im->m, d, 1, 1, obs);
}
static int hopper_healthy(const mj_impl *im, const mjData *d) {
  const mjModel *m = im->m;
  for (int i = 2; i < m->nq; i++)
    if (!(d->qpos[i] > -100.0 && d->qpos[i] < 100.0)) return 0;
  for (int i = 0; i < m->nv; i++)
    if (!(d->qvel[i] > -100.0 && d->qvel[i] < 100.0)) return 0;
  double z = d->qpos[1] - ground_at(im, d->qpos[0]), angle = d->qpos[2];
  return z > 0.7 && angle > -0.2 && angle < 0.2;
}
static void hopper_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                          const double *a, env_step_result *res) {
  double vx = (d->qpos[0] - pre->x) / im->dt;
  int healthy = hopper_healthy(im, d);
  res->reward = vx + (healthy || pre->terminate ? 1.0 : 0.0) - 1e-3 * sum_sq(a, im->m->nu);
  res->terminated = pre->terminate && !healthy;
}

/* ---- walker2d (gym walker2d_v4.py; § 2.3) -------------------------------------------------
 * obs (17) = (q[1:9], clip10(v[0:9])).
 * r = (x' − x)/dt + 1 − 1e-3·Σa²  (healthy reward paid on the terminal step too).
 * terminated = not healthy, healthy = (0.8 < q[1] < 2.0 and −1 < q[2] < 1); no magnitude or finiteness test
 * beyond these (NaN fails them).  Reset U(±5e-3) on q and v.  On walker2d-terrain:SEED
 * q[1] − h(q[0]) in place of q[1] (see hopper). */
static void walker_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  reset_uniform(im->m, d, r, 5e-3, 5e-3);
}
static void walker_obs(const mj_impl *im, const mjData *d, double *obs) {
  obs_pos_vel(im->m, d, 1, 1, obs);
}
static void walker_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                          const double *a, env_step_result *res) {
  double vx = (d->qpos[0] - pre->x) / im->dt;
  double z = d->qpos[1] - ground_at(im, d->qpos[0]), angle = d->qpos[2];
  int healthy = z > 0.8 && z < 2.0 && angle > -1.0 && angle < 1.0;
  res->reward = vx + (healthy || pre->terminate ? 1.0 : 0.0) - 1e-3 * sum_sq(a, im->m->nu);
  res->terminated = pre->terminate && !healthy;
}

/* ---- halfcheetah (gym half_cheetah_v4.py; § 2.4) ------------------------------------------
 * obs (17) = (q[1:9], v[0:9]), not clipped.  r = (x' − x)/dt − 0.1·Σa².  Never terminates.
 * Reset q += U(±0.1), v += 0.1·N(0, 1). */
static void cheetah_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  reset_gauss_vel(im->m, d, r);
}
static void cheetah_obs(const mj_impl *im, const mjData *d, double *obs) {
  obs_pos_vel(im->m, d, 1, 0, obs);
}
static void cheetah_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                           const double *a, env_step_result *res) {
  res->reward = (d->qpos[0] - pre->x) / im->dt - 0.1 * sum_sq(a, im->m->nu);
}

/* ---- swimmer (gym swimmer_v4.py; § 2.5) ---------------------------------------------------
 * obs (8) = (q[2:5], v[0:5]).  r = (x' − x)/dt − 1e-4·Σa² (only the x velocity counts).
 * Never terminates.  Reset U(±0.1) on q and v. */
static void swimmer_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  reset_uniform(im->m, d, r, 0.1, 0.1);
}
static void swimmer_obs(const mj_impl *im, const mjData *d, double *obs) {
  obs_pos_vel(im->m, d, 2, 0, obs);
}
static void swimmer_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                           const double *a, env_step_result *res) {
  res->reward = (d->qpos[0] - pre->x) / im->dt - 1e-4 * sum_sq(a, im->m->nu);
}

/* ---- inverted-pendulum (gym inverted_pendulum_v4.py; § 2.6) -------------------------------
 * obs (4) = (q[0:2], v[0:2]).  r = 1 every step, the terminal one included.
 * terminated = some obs entry is not finite, or |q[1]| > 0.2.  Reset U(±0.01) on q and v. */
static void ip_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  reset_uniform(im->m, d, r, 0.01, 0.01);
}
static void ip_obs(const mj_impl *im, const mjData *d, double *obs) {
  obs_pos_vel(im->m, d, 0, 0, obs);
}
static void ip_reward(const mj_impl *im, const mjData *d, const mj_pre *pre, const double *a,
                      env_step_result *res) {
  (void)im, (void)pre, (void)a;
  int finite = isfinite(d->qpos[0]) && isfinite(d->qpos[1]) && isfinite(d->qvel[0]) &&
               isfinite(d->qvel[1]);
  res->reward = 1.0;
  res->terminated = !finite || fabs(d->qpos[1]) > 0.2;
}

/* ---- inverted-double-pendulum (gym inverted_double_pendulum_v4.py; § 2.7) -----------------
 * obs (11) = (q[0], sin q[1], sin q[2], cos q[1], cos q[2], clip10(v[0:3]),
 *             clip10(qfrc_constraint[0:3])), read right after the last mj_step (lagged).
 * (x_tip, ·, y_tip) = site_xpos of the site "tip" (y_tip is the world z), as mj_step left it.
 * r = 10 − (0.01·x_tip² + (y_tip − 2)²) − (1e-3·v[1]² + 5e-3·v[2]²), paid on the terminal
 * step too.  terminated = y_tip ≤ 1.  Reset q += U(±0.1), v += 0.1·N(0, 1). */
static void idp_reset(const mj_impl *im, mjData *d, gsl_rng *r) { reset_gauss_vel(im->m, d, r); }
static void idp_obs(const mj_impl *im, const mjData *d, double *obs) {
  (void)im;
  obs[0] = d->qpos[0];
  obs[1] = sin(d->qpos[1]);
  obs[2] = sin(d->qpos[2]);
  obs[3] = cos(d->qpos[1]);
  obs[4] = cos(d->qpos[2]);
  for (int i = 0; i < 3; i++) obs[5 + i] = clip10(d->qvel[i]);
  for (int i = 0; i < 3; i++) obs[8 + i] = clip10(d->qfrc_constraint[i]);
}
static void idp_reward(const mj_impl *im, const mjData *d, const mj_pre *pre, const double *a,
                       env_step_result *res) {
  (void)pre, (void)a;
  const double *tip = d->site_xpos + 3 * im->id_a;
  double x = tip[0], y = tip[2], v1 = d->qvel[1], v2 = d->qvel[2];
  double dist_penalty = 0.01 * x * x + (y - 2.0) * (y - 2.0);
  double vel_penalty = 1e-3 * v1 * v1 + 5e-3 * v2 * v2;
  res->reward = 10.0 - dist_penalty - vel_penalty;
  res->terminated = y <= 1.0;
}

/* ---- reacher (gym reacher_v4.py; § 2.8) ---------------------------------------------------
 * obs (11) = (cos q[0:2], sin q[0:2], q[2:4] (target xy), v[0:2], fingertip − target (3)),
 * the positions being the bodies' xpos (gym v4 get_body_com) right after the last mj_step.
 * r = −‖fingertip − target‖ − Σa², the distance taken BEFORE the step, from the positions
 * mjData holds then (left by the previous step, or by reset's mj_forward).  Never
 * terminates; time limit 50.  Reset: q = q0 + U(±0.1); the goal (gx, gy) = U(±0.2)² drawn
 * again until ‖goal‖ < 0.2 and written to q[2:4]; v = U(±5e-3), then v[2:4] = 0. */
static void reacher_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  const mjModel *m = im->m;
  for (int i = 0; i < m->nq; i++) d->qpos[i] = m->qpos0[i] + unif(r, 0.1);
  double gx, gy;
  do {
    gx = unif(r, 0.2);
    gy = unif(r, 0.2);
  } while (!(sqrt(gx * gx + gy * gy) < 0.2));
  d->qpos[2] = gx;
  d->qpos[3] = gy;
  for (int i = 0; i < m->nv; i++) d->qvel[i] = unif(r, 5e-3);
  d->qvel[2] = d->qvel[3] = 0.0;
}
static double reacher_dist(const mj_impl *im, const mjData *d) {
  const double *f = d->xpos + 3 * im->id_a, *t = d->xpos + 3 * im->id_b;
  double dx = f[0] - t[0], dy = f[1] - t[1], dz = f[2] - t[2];
  return sqrt(dx * dx + dy * dy + dz * dz);
}
static void reacher_obs(const mj_impl *im, const mjData *d, double *obs) {
  const double *f = d->xpos + 3 * im->id_a, *t = d->xpos + 3 * im->id_b;
  obs[0] = cos(d->qpos[0]);
  obs[1] = cos(d->qpos[1]);
  obs[2] = sin(d->qpos[0]);
  obs[3] = sin(d->qpos[1]);
  obs[4] = d->qpos[2];
  obs[5] = d->qpos[3];
  obs[6] = d->qvel[0];
  obs[7] = d->qvel[1];
  for (int i = 0; i < 3; i++) obs[8 + i] = f[i] - t[i];
}
static void reacher_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                           const double *a, env_step_result *res) {
  (void)d;
  res->reward = -pre->dist - sum_sq(a, im->m->nu);
}
static void reacher_pre(const mj_impl *im, const mjData *d, mj_pre *pre) {
  pre->dist = reacher_dist(im, d);
}

/* ---- ant (Gymnasium ant_v4.py with its defaults; README "MuJoCo tasks") -------------------
 * obs (27) = (q[2:15], v[0:14]).  use_contact_forces defaults to False in v4: no cfrc_ext
 * in the observation (27, not 111) and no contact cost in the reward.
 * r = (x' − x)/dt + 1 − 0.5·Σa², x the torso body's xpos x (gym's get_body_com) before and
 * after the step, as mjData holds it (after: lagged, as mj_step left it); dt = 0.05.  The
 * healthy reward 1 is paid on every step, the terminal one included.
 * terminated = not healthy; healthy = every entry of (q, v) finite and 0.2 ≤ q[2] ≤ 1.0
 * (closed, as in the source).  Reset q = qpos0 + U(±0.1), v = 0.1·N(0, 1). */
static void ant_reset(const mj_impl *im, mjData *d, gsl_rng *r) { reset_gauss_vel(im->m, d, r); }
static void ant_obs(const mj_impl *im, const mjData *d, double *obs) {
  obs_pos_vel(im->m, d, 2, 0, obs);
}
static void ant_pre(const mj_impl *im, const mjData *d, mj_pre *pre) {
  pre->x = d->xpos[3 * im->id_a];
}
static void ant_reward(const mj_impl *im, const mjData *d, const mj_pre *pre, const double *a,
                       env_step_result *res) {
  const mjModel *m = im->m;
  int finite = 1;
  for (int i = 0; i < m->nq; i++) finite &= isfinite(d->qpos[i]);
  for (int i = 0; i < m->nv; i++) finite &= isfinite(d->qvel[i]);
  double vx = (d->xpos[3 * im->id_a] - pre->x) / im->dt, z = d->qpos[2];
  int healthy = finite && z >= 0.2 && z <= 1.0;
  res->reward = vx + (healthy || pre->terminate ? 1.0 : 0.0) - 0.5 * sum_sq(a, m->nu);
  res->terminated = pre->terminate && !healthy;
}

/* ---- humanoid (Gymnasium humanoid_v4.py with its defaults) ---------------------------------
 * obs (376) = (q[2:24] (22), v (23), cinert (nbody × 10 = 140), cvel (nbody × 6 = 84),
 * qfrc_actuator (23), cfrc_ext (nbody × 6 = 84)), nbody = 14 with the world body's rows
 * (v4 keeps them; v5 drops them), as mjData holds them after the step and
 * mj_rnePostConstraint.
 * c = Σ_b body_mass[b]·xipos[b] / Σ_b body_mass[b], the mass centre (its x is used).
 * r = 1.25·(c'x − cx)/dt + 5 − 0.1·Σa²; dt = 0.015.  No contact cost: v4 has none (v3's
 * 5e-7·Σcfrc_ext² term, clipped at 10, was dropped in v4 and restored in v5).  The healthy
 * reward 5 is paid on the terminal step too.  Gymnasium charges the control cost on
 * data.ctrl, the action as written (§ 1): here the clipped action, as for every task.
 * terminated = not (1.0 < q[2] < 2.0).  Reset U(±0.01) on q and v. */
static void humanoid_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  reset_uniform(im->m, d, r, 1e-2, 1e-2);
}
static void humanoid_obs(const mj_impl *im, const mjData *d, double *obs) {
  const mjModel *m = im->m;
  size_t k = 0, nb = (size_t)m->nbody;
  for (int i = 2; i < m->nq; i++) obs[k++] = d->qpos[i];
  for (int i = 0; i < m->nv; i++) obs[k++] = d->qvel[i];
  memcpy(obs + k, d->cinert, 10 * nb * sizeof *obs), k += 10 * nb;
  memcpy(obs + k, d->cvel, 6 * nb * sizeof *obs), k += 6 * nb;
  memcpy(obs + k, d->qfrc_actuator, (size_t)m->nv * sizeof *obs), k += (size_t)m->nv;
  memcpy(obs + k, d->cfrc_ext, 6 * nb * sizeof *obs);
}
static double mass_center_x(const mj_impl *im, const mjData *d) {
  double s = 0.0;
  for (int b = 0; b < im->m->nbody; b++) s += im->m->body_mass[b] * d->xipos[3 * b];
  return s / im->mass;
}
static void humanoid_pre(const mj_impl *im, const mjData *d, mj_pre *pre) {
  pre->x = mass_center_x(im, d);
}
static void humanoid_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                            const double *a, env_step_result *res) {
  double vx = (mass_center_x(im, d) - pre->x) / im->dt, z = d->qpos[2];
  int healthy = z > 1.0 && z < 2.0;
  res->reward = 1.25 * vx + (healthy || pre->terminate ? 5.0 : 0.0) - 0.1 * sum_sq(a, im->m->nu);
  res->terminated = pre->terminate && !healthy;
}

/* ---- humanoid-standup (Gymnasium humanoidstandup_v4.py) -----------------------------------
 * obs (376): the layout of humanoid.
 * r = q[2]/timestep − 0.1·Σa² − min(0.5e-6·Σcfrc_ext², 10) + 1, with cfrc_ext over every
 * body (nbody × 6) after the step and mj_rnePostConstraint.  The height term divides by
 * the timestep (0.003), not dt (0.015), as the source does.  Never terminates.
 * Reset U(±0.01) on q and v. */
static void standup_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                           const double *a, env_step_result *res) {
  (void)pre;
  const mjModel *m = im->m;
  double impact = 0.5e-6 * sum_sq(d->cfrc_ext, 6 * m->nbody);
  if (impact > 10.0) impact = 10.0;
  res->reward = d->qpos[2] / m->opt.timestep - 0.1 * sum_sq(a, m->nu) - impact + 1.0;
}

/* ---- pusher (Gymnasium pusher_v4.py) ------------------------------------------------------
 * obs (23) = (q[0:7], v[0:7], tips_arm, object, goal), the three bodies' xpos after the
 * step (lagged, as mj_step left them).
 * r = −‖object − goal‖ − 0.1·Σa² − 0.5·‖object − tips_arm‖, the distances taken BEFORE the
 * step from the xpos mjData holds then (left by the previous step, or by reset's
 * mj_forward).  Never terminates; time limit 100.
 * Reset: q = qpos0 (all 0, no noise); (q[7], q[8]) — the object's y and x slides, in that
 * order — = (U(−0.3, 0), U(−0.2, 0.2)), drawn again until its norm is > 0.17 (the goal is
 * at offset (0, 0)); q[9:11] (the goal's slides) = 0; v = U(±0.005), then v[7:11] = 0. */
static void pusher_reset(const mj_impl *im, mjData *d, gsl_rng *r) {
  const mjModel *m = im->m;
  for (int i = 0; i < m->nq; i++) d->qpos[i] = m->qpos0[i];
  double cy, cx;
  do {
    cy = -0.3 + 0.3 * gsl_rng_uniform(r);
    cx = unif(r, 0.2);
  } while (!(sqrt(cy * cy + cx * cx) > 0.17));
  d->qpos[7] = cy;
  d->qpos[8] = cx;
  d->qpos[9] = d->qpos[10] = 0.0;
  for (int i = 0; i < m->nv; i++) d->qvel[i] = unif(r, 5e-3);
  for (int i = 7; i < 11; i++) d->qvel[i] = 0.0;
}
static void pusher_obs(const mj_impl *im, const mjData *d, double *obs) {
  for (int i = 0; i < 7; i++) obs[i] = d->qpos[i];
  for (int i = 0; i < 7; i++) obs[7 + i] = d->qvel[i];
  memcpy(obs + 14, d->xpos + 3 * im->id_a, 3 * sizeof *obs);
  memcpy(obs + 17, d->xpos + 3 * im->id_b, 3 * sizeof *obs);
  memcpy(obs + 20, d->xpos + 3 * im->id_c, 3 * sizeof *obs);
}
static double body_dist(const mjData *d, int i, int j) {
  const double *p = d->xpos + 3 * i, *q = d->xpos + 3 * j;
  double dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
  return sqrt(dx * dx + dy * dy + dz * dz);
}
static void pusher_pre(const mj_impl *im, const mjData *d, mj_pre *pre) {
  pre->near = body_dist(d, im->id_b, im->id_a); /* object − tips_arm */
  pre->dist = body_dist(d, im->id_b, im->id_c); /* object − goal */
}
static void pusher_reward(const mj_impl *im, const mjData *d, const mj_pre *pre,
                          const double *a, env_step_result *res) {
  (void)d;
  res->reward = -pre->dist - 0.1 * sum_sq(a, im->m->nu) - 0.5 * pre->near;
}

/* The tasks: gym's registration (frame skip, limits) and the sizes of MUJOCO_TASKS.md § 2.1;
 * for the last four Gymnasium's (envs/__init__.py, the v4 classes' frame_skip). */
static const mj_task mj_tasks[] = {
    {"hopper", "hopper.xml", 6, 6, 3, 11, 4, 1000, hopper_reset, hopper_obs, hopper_reward,
     NULL, 0},
    {"walker2d", "walker2d.xml", 9, 9, 6, 17, 4, 1000, walker_reset, walker_obs, walker_reward,
     NULL, 0},
    {"halfcheetah", "half_cheetah.xml", 9, 9, 6, 17, 5, 1000, cheetah_reset, cheetah_obs,
     cheetah_reward, NULL, 0},
    {"swimmer", "swimmer.xml", 5, 5, 2, 8, 4, 1000, swimmer_reset, swimmer_obs,
     swimmer_reward, NULL, 0},
    {"inverted-pendulum", "inverted_pendulum.xml", 2, 2, 1, 4, 2, 1000, ip_reset, ip_obs,
     ip_reward, NULL, 0},
    {"inverted-double-pendulum", "inverted_double_pendulum.xml", 3, 3, 1, 11, 5, 1000,
     idp_reset, idp_obs, idp_reward, NULL, 0},
    {"reacher", "reacher.xml", 4, 4, 2, 11, 2, 50, reacher_reset, reacher_obs,
     reacher_reward, reacher_pre, 0},
    {"ant", "ant.xml", 15, 14, 8, 27, 5, 1000, ant_reset, ant_obs, ant_reward, ant_pre, 0},
    {"humanoid", "humanoid.xml", 24, 23, 17, 376, 5, 1000, humanoid_reset, humanoid_obs,
     humanoid_reward, humanoid_pre, 1},
    {"humanoid-standup", "humanoidstandup.xml", 24, 23, 17, 376, 5, 1000, humanoid_reset,
     humanoid_obs, standup_reward, NULL, 1},
    {"pusher", "pusher.xml", 11, 11, 7, 23, 5, 100, pusher_reset, pusher_obs, pusher_reward,
     pusher_pre, 0},
};
static const size_t mj_n_tasks = sizeof mj_tasks / sizeof mj_tasks[0];

/* ---- model ------------------------------------------------------------------------------- */

/* Whether this process is the installed binary, TR_BINDIR/trbench. */
static int mj_installed_binary(void) {
  char self[4096], inst[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0 || !TR_BINDIR[0]) return 0;
  self[len] = '\0';
  snprintf(inst, sizeof inst, "%s/trbench", TR_BINDIR);
  char *real = realpath(inst, NULL);
  int same = real && !strcmp(real, self);
  free(real);
  return same;
}

/* The model file: $TRBENCH_MODELS/FILE if the variable is set (even if the file is missing,
 * so the error names the directory the user chose), else — for the installed binary —
 * TR_DATADIR/models/FILE, else TR_SRCDIR/mdps/models/FILE if it exists (the build tree),
 * else TR_DATADIR/models/FILE. */
static tr_status mj_model_path(const char *file, char *out, size_t n) {
  const char *dir = getenv("TRBENCH_MODELS");
  int k;
  if (dir && *dir) {
    k = snprintf(out, n, "%s/%s", dir, file);
  } else if (mj_installed_binary()) {
    k = snprintf(out, n, "%s/models/%s", TR_DATADIR, file);
  } else {
    k = snprintf(out, n, "%s/mdps/models/%s", TR_SRCDIR, file);
    if (k >= 0 && (size_t)k < n && access(out, R_OK) != 0)
      k = snprintf(out, n, "%s/models/%s", TR_DATADIR, file);
  }
  if (k < 0 || (size_t)k >= n)
    return tr_error(TR_EINVAL, "%s: the model directory's path is too long", file);
  return TR_OK;
}

/* MuJoCo's message on one line: newlines become spaces, trailing blanks go. */
static void one_line(char *s) {
  for (char *p = s; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == ' ') s[--n] = '\0';
}

static void mj_model_free(void *impl) {
  mj_impl *im = impl;
  if (!im) return;
  if (im->m) mj_deleteModel(im->m);
  free(im);
}

/* Doubles in a snapshot (layout in env_mujoco.h). */
static size_t mj_snapshot_doubles(const mjModel *m) {
  return 1 + (size_t)m->nq + 3 * (size_t)m->nv + (size_t)m->na + (size_t)m->nu +
         6 * (size_t)m->nbody + 3 * (size_t)m->nsite;
}

/* ---- test terrains (env_terrain.h) -------------------------------------------------------
 * hopper-terrain:SEED and walker2d-terrain:SEED are the flat task's model file with three
 * edits made to its text before it is compiled (from memory, through a MuJoCo VFS):
 *   the floor geom (name="floor") loses its type, pos and size and becomes
 *     type="hfield" hfield="trbench_terrain" pos="XC 0 −MAX_HEIGHT", every other attribute
 *     (friction, condim, contact flags, solver settings) kept;
 *   <asset><hfield name="trbench_terrain" nrow="2" ncol="N" size="HX HY 2·MAX_HEIGHT 0.5"/>
 *     is added before <worldbody> (HX = (XMAX − XMIN)/2, XC = (XMAX + XMIN)/2; no file: MuJoCo
 *     leaves the data 0, and the profile is written into hfield_data after compiling);
 *   <size .../> gets room for the contacts a height field makes (one per prism touched,
 *     up to 50 per geom pair, where a plane makes at most 2 per capsule): njmax 1000,
 *     nconmax 200, nstack 400000.  Only buffer sizes: the physics is the flat task's.
 * The data of a grid point is (h + MAX_HEIGHT)/(2·MAX_HEIGHT), so the ground is
 * −MAX_HEIGHT + 2·MAX_HEIGHT·data; both rows hold the same profile (no variation along y). */

#define TERRAIN_SUFFIX "-terrain:"

/* "TASK-terrain:SEED": the flat task's name into base (n bytes) and the seed; 0 when name
 * has no terrain suffix, −1 (with a message) when the seed is missing or not a number. */
static int terrain_name(const char *name, char *base, size_t n, uint64_t *seed) {
  const char *p = name ? strstr(name, TERRAIN_SUFFIX) : NULL;
  if (!p) return 0;
  size_t k = (size_t)(p - name);
  if (k >= n) k = n - 1;
  memcpy(base, name, k);
  base[k] = '\0';
  const char *num = p + strlen(TERRAIN_SUFFIX);
  if (!*num)
    return tr_error(TR_EINVAL, "%s: the terrain's seed is missing (%s" TERRAIN_SUFFIX "SEED, "
                    "SEED a non-negative integer)", name, base), -1;
  if (tr_parse_u64(name, num, 0, UINT64_MAX, seed))
    return tr_error(TR_EINVAL, "%s: the terrain's seed '%s' is not a non-negative integer "
                    "(%s" TERRAIN_SUFFIX "SEED)", name, num, base), -1;
  return 1;
}

/* Remove the attribute ` NAME="..."` from the text s[0..*len) in place. */
static void drop_attr(char *s, size_t *len, const char *attr) {
  char key[32];
  snprintf(key, sizeof key, " %s=\"", attr);
  char *a = strstr(s, key);
  if (!a || (size_t)(a - s) >= *len) return;
  char *q = strchr(a + strlen(key), '"');
  if (!q || (size_t)(q - s) >= *len) return;
  size_t cut = (size_t)(q + 1 - a);
  memmove(a, q + 1, *len - (size_t)(q + 1 - s) + 1);
  *len -= cut;
}

/* The terrain model's text (new, NUL-terminated) from the flat model's xml. */
static tr_status terrain_xml(const char *path, const char *xml, char **out) {
  const char *floor = strstr(xml, "<geom name=\"floor\"");
  const char *floor_end = floor ? strstr(floor, "/>") : NULL;
  const char *wb = strstr(xml, "<worldbody>");
  const char *size = strstr(xml, "<size ");
  const char *size_end = size ? strstr(size, "/>") : NULL;
  if (!floor || !floor_end || !wb || wb > floor || !size || !size_end || size_end > wb ||
      strstr(xml, "<asset"))
    return tr_error(TR_EINVAL, "%s: cannot make a terrain of this model (it needs a <size .../> "
                    "before <worldbody>, a <geom name=\"floor\" .../> in it, and no <asset>)",
                    path);
  /* the floor's attributes, without type, pos and size */
  size_t alen = (size_t)(floor_end - (floor + 18));
  char *attrs = malloc(alen + 1);
  if (!attrs) return tr_error(TR_ENOMEM, "out of memory");
  memcpy(attrs, floor + 18, alen);
  attrs[alen] = '\0';
  drop_attr(attrs, &alen, "type");
  drop_attr(attrs, &alen, "pos");
  drop_attr(attrs, &alen, "size");
  const double hx = 0.5 * (ENV_TERRAIN_XMAX - ENV_TERRAIN_XMIN);
  const double xc = 0.5 * (ENV_TERRAIN_XMAX + ENV_TERRAIN_XMIN);
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (!f) {
    free(attrs);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  fwrite(xml, 1, (size_t)(size - xml), f);
  fputs("<size njmax=\"1000\" nconmax=\"200\" nstack=\"400000\"/>", f);
  fwrite(size_end + 2, 1, (size_t)(wb - (size_end + 2)), f);
  fprintf(f, "<asset>\n    <hfield name=\"trbench_terrain\" nrow=\"2\" ncol=\"%d\" "
             "size=\"%.17g %.17g %.17g 0.5\"/>\n  </asset>\n  ", ENV_TERRAIN_N, hx,
          ENV_TERRAIN_HALF_WIDTH, 2.0 * ENV_TERRAIN_MAX_HEIGHT);
  fwrite(wb, 1, (size_t)(floor - wb), f);
  fprintf(f, "<geom name=\"floor\" type=\"hfield\" hfield=\"trbench_terrain\" "
             "pos=\"%.17g 0 %.17g\"%s/>", xc, -ENV_TERRAIN_MAX_HEIGHT, attrs);
  fputs(floor_end + 2, f);
  free(attrs);
  if (fclose(f) || !buf) {
    free(buf);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  *out = buf;
  return TR_OK;
}

/* The whole file at path (new, NUL-terminated). */
static tr_status read_text(const char *path, char **out) {
  FILE *f = fopen(path, "rb");
  if (!f) return tr_error(TR_EINVAL, "%s: cannot read: %s", path, strerror(errno));
  char *buf = NULL;
  size_t n = 0, cap = 0, got;
  do {
    if (n + 4096 + 1 > cap) {
      char *nb = realloc(buf, cap = 2 * cap + 8192);
      if (!nb) {
        free(buf), fclose(f);
        return tr_error(TR_ENOMEM, "out of memory");
      }
      buf = nb;
    }
    got = fread(buf + n, 1, 4096, f);
    n += got;
  } while (got > 0);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return tr_error(TR_EINVAL, "%s: cannot read", path);
  }
  buf[n] = '\0';
  *out = buf;
  return TR_OK;
}

/* The terrain model of the flat model file at path, compiled, its height field filled
 * with the profile of seed; NULL with err filled (MuJoCo's message) or a tr_error. */
static mjModel *terrain_load(const char *path, uint64_t seed, char *err, int nerr,
                             tr_status *st) {
  char *flat = NULL, *xml = NULL;
  mjModel *m = NULL;
  mjVFS *vfs = NULL;
  double *h = NULL;
  if ((*st = read_text(path, &flat)) || (*st = terrain_xml(path, flat, &xml))) goto done;
  vfs = malloc(sizeof *vfs);
  h = malloc(ENV_TERRAIN_N * sizeof *h);
  if (!vfs || !h) {
    *st = tr_error(TR_ENOMEM, "out of memory");
    goto done;
  }
  mj_defaultVFS(vfs);
  size_t len = strlen(xml);
  if (len > INT_MAX || mj_makeEmptyFileVFS(vfs, "trbench_terrain.xml", (int)len)) {
    *st = tr_error(TR_ENOMEM, "%s: MuJoCo's VFS refused the terrain model", path);
    goto done;
  }
  memcpy(vfs->filedata[mj_findFileVFS(vfs, "trbench_terrain.xml")], xml, len);
  m = mj_loadXML("trbench_terrain.xml", vfs, err, nerr);
  if (!m) goto done; /* err says why */
  int hid = mj_name2id(m, mjOBJ_HFIELD, "trbench_terrain");
  if (hid < 0 || m->hfield_nrow[hid] != 2 || m->hfield_ncol[hid] != ENV_TERRAIN_N) {
    mj_deleteModel(m), m = NULL;
    *st = tr_error(TR_EINVAL, "%s: the terrain's height field did not compile as made", path);
    goto done;
  }
  if ((*st = env_terrain_profile(h, seed))) {
    mj_deleteModel(m), m = NULL;
    goto done;
  }
  float *data = m->hfield_data + m->hfield_adr[hid];
  for (int r = 0; r < 2; r++)
    for (size_t i = 0; i < ENV_TERRAIN_N; i++)
      data[(size_t)r * ENV_TERRAIN_N + i] =
          (float)((h[i] + ENV_TERRAIN_MAX_HEIGHT) / (2.0 * ENV_TERRAIN_MAX_HEIGHT));
done:
  if (vfs) mj_deleteVFS(vfs);
  free(vfs), free(h), free(flat), free(xml);
  return m;
}

static tr_status mj_model_init(env_model *em, const char *args) {
  pthread_once(&mj_handlers_once, mj_install_handlers);
  const mj_task *t = NULL;
  char base[64];
  uint64_t seed = 0;
  int terrain = terrain_name(args, base, sizeof base, &seed);
  if (terrain < 0) return TR_EINVAL;
  const char *task = terrain ? base : args;
  for (size_t i = 0; i < mj_n_tasks; i++)
    if (task && !strcmp(task, mj_tasks[i].name)) t = &mj_tasks[i];
  if (terrain && t && t->reward != hopper_reward && t->reward != walker_reward) t = NULL;
  if (!t) return tr_error(TR_EINVAL, "unknown MuJoCo task '%s'", args ? args : "");
  mj_impl *im = tr_calloc(1, sizeof *im);
  if (!im) return TR_ENOMEM;
  em->impl = im; /* from here on env_model_free releases it */
  im->task = t;
  tr_status st = mj_model_path(t->file, im->path, sizeof im->path);
  if (st) return st;

  /* a file that cannot be read gets the system's reason, not the XML parser's */
  if (access(im->path, R_OK) != 0)
    return tr_error(TR_EINVAL, "%s: MuJoCo could not load the model: cannot read the file "
                    "(%s)%s", im->path, strerror(errno),
                    getenv("TRBENCH_MODELS") && *getenv("TRBENCH_MODELS")
                        ? "; TRBENCH_MODELS names the model directory"
                        : "");
  char err[1024] = "";
  st = TR_OK;
  im->m = terrain ? terrain_load(im->path, seed, err, sizeof err, &st)
                  : mj_loadXML(im->path, NULL, err, sizeof err);
  if (st) return st;
  if (!im->m) {
    one_line(err);
    return tr_error(TR_EINVAL, "%s: MuJoCo could not load the model: %s", im->path,
                    *err ? err : "(no message)");
  }
  const mjModel *m = im->m;
  if (m->nq != t->nq || m->nv != t->nv || m->nu != t->nu)
    return tr_error(TR_EINVAL,
                    "%s: the model has nq = %d, nv = %d, nu = %d; task %s needs %d, %d, %d",
                    im->path, m->nq, m->nv, m->nu, t->name, t->nq, t->nv, t->nu);
  im->id_a = im->id_b = im->id_c = -1;
  if (t->reward == reacher_reward) {
    im->id_a = mj_name2id(m, mjOBJ_BODY, "fingertip");
    im->id_b = mj_name2id(m, mjOBJ_BODY, "target");
    if (im->id_a < 0 || im->id_b < 0)
      return tr_error(TR_EINVAL, "%s: the model needs bodies named 'fingertip' and 'target'",
                      im->path);
  } else if (t->reward == idp_reward) {
    im->id_a = mj_name2id(m, mjOBJ_SITE, "tip");
    if (im->id_a < 0)
      return tr_error(TR_EINVAL, "%s: the model needs a site named 'tip'", im->path);
  } else if (t->reward == ant_reward) {
    im->id_a = mj_name2id(m, mjOBJ_BODY, "torso");
    if (im->id_a < 0)
      return tr_error(TR_EINVAL, "%s: the model needs a body named 'torso'", im->path);
  } else if (t->reward == pusher_reward) {
    im->id_a = mj_name2id(m, mjOBJ_BODY, "tips_arm");
    im->id_b = mj_name2id(m, mjOBJ_BODY, "object");
    im->id_c = mj_name2id(m, mjOBJ_BODY, "goal");
    if (im->id_a < 0 || im->id_b < 0 || im->id_c < 0)
      return tr_error(TR_EINVAL, "%s: the model needs bodies named 'tips_arm', 'object' and "
                      "'goal'", im->path);
  }
  /* the humanoid observation's size follows nbody: check it is the task's */
  if (t->obs == humanoid_obs &&
      (size_t)(m->nq - 2 + m->nv + 16 * m->nbody + m->nv + 6 * m->nbody) != t->obs_dim)
    return tr_error(TR_EINVAL, "%s: the model has %d bodies; task %s needs 14", im->path,
                    m->nbody, t->name);
  im->mass = 0.0;
  for (int b = 0; b < m->nbody; b++) im->mass += m->body_mass[b];
  if (terrain) {
    int hid = mj_name2id(m, mjOBJ_HFIELD, "trbench_terrain");
    im->ground = m->hfield_data + m->hfield_adr[hid];
    int gid = mj_name2id(m, mjOBJ_GEOM, "floor");
    if (gid < 0 || m->geom_dataid[gid] != hid)
      return tr_error(TR_EINVAL, "%s: the terrain's floor geom did not compile as made",
                      im->path);
    im->ground_z0 = m->geom_pos[3 * gid + 2];
    im->ground_scale = m->hfield_size[4 * hid + 2];
  }

  /* The action box is the actuators' ctrlrange (gym: a float32 box of ctrlrange). */
  double low[64], high[64];
  if (m->nu > 64) return tr_error(TR_EINVAL, "%s: %d actuators (at most 64)", im->path, m->nu);
  for (int i = 0; i < m->nu; i++) {
    if (!m->actuator_ctrllimited[i])
      return tr_error(TR_EINVAL, "%s: actuator %d is not ctrllimited: the action box needs "
                      "its ctrlrange", im->path, i);
    low[i] = m->actuator_ctrlrange[2 * i];
    high[i] = m->actuator_ctrlrange[2 * i + 1];
  }
  st = env_model_box(em, (size_t)m->nu, low, high);
  if (st) return st;

  im->dt = m->opt.timestep * t->frame_skip;
  em->obs_dim = t->obs_dim;
  em->time_limit = t->time_limit;
  em->frame_skip = (size_t)t->frame_skip;
  em->state_bytes = 0; /* all of the state lives in the mjData */
  em->snapshot_extra = mj_snapshot_doubles(m) * sizeof(double);
  return TR_OK;
}

static void *mj_instance_alloc(const env_model *em) {
  const mj_impl *im = em->impl;
  mjData *d = mj_make_data_guarded(im->m);
  if (!d) {
    tr_error(TR_ENOMEM, "%s: MuJoCo could not allocate its data: %s", em->name,
             mj_guard_msg);
    return NULL;
  }
  return d;
}

static void mj_instance_free(void *inst) { mj_deleteData(inst); }

/* The tasks with Gymnasium v4's terminate_when_unhealthy (their terrains included). */
static int mj_health_test(const env_model *em) {
  const mj_impl *im = em->impl;
  void (*rw)(const mj_impl *, const mjData *, const mj_pre *, const double *,
             env_step_result *) = im ? im->task->reward : NULL;
  return rw == hopper_reward || rw == walker_reward || rw == ant_reward || rw == humanoid_reward;
}

/* A MuJoCo error was caught: count it, leave a valid mjData (the reset state), report. */
static tr_status mj_fail(const env_model *em, mjData *d, const char *what) {
  mj_impl *im = em->impl;
  atomic_fetch_add(&im->n_errors, 1);
  mj_resetData(im->m, d);
  return tr_error(TR_ENUM, "%s: MuJoCo error during %s: %s (the state was reset to the "
                  "model's initial state)", em->name, what, mj_guard_msg);
}

/* ---- reset, step ------------------------------------------------------------------------- */

/* gym's reset: mj_resetData, q = qpos0 + noise, v = noise, mj_forward (set_state); the first
 * observation is read at that exact state. */
static tr_status mj_reset(const env_model *em, void *state, void *inst, gsl_rng *r,
                          double *obs) {
  (void)state;
  const mj_impl *im = em->impl;
  mjData *d = inst;
  mj_resetData(im->m, d);
  im->task->reset(im, d, r);
  if (mj_guarded(mj_forward, im->m, d)) return mj_fail(em, d, "reset");
  im->task->obs(im, d, obs);
  return TR_OK;
}

static const int mj_bad_warnings[] = {mjWARN_BADQPOS, mjWARN_BADQVEL, mjWARN_BADQACC};
static const char *const mj_bad_names[] = {"bad qpos", "bad qvel", "bad qacc"};

/* d->ctrl = a, frame_skip × mj_step, then the observation and the reward (gym's step). */
static tr_status mj_step_env(const env_model *em, void *state, void *inst, const double *a,
                             gsl_rng *r, double *obs, env_step_result *res) {
  (void)state, (void)r;
  mj_impl *im = em->impl;
  const mj_task *t = im->task;
  const mjModel *m = im->m;
  mjData *d = inst;

  mj_pre pre = {d->qpos[0], 0.0, 0.0, !em->unhealthy_continues};
  if (t->pre) t->pre(im, d, &pre);
  for (int i = 0; i < m->nu; i++) d->ctrl[i] = a[i];

  int bad = -1, overflow = 0;
  for (int k = 0; k < t->frame_skip && bad < 0; k++) {
    for (int w = 0; w < 3; w++) d->warning[mj_bad_warnings[w]].number = 0;
    d->warning[mjWARN_CONTACTFULL].number = d->warning[mjWARN_CNSTRFULL].number = 0;
    if (mj_guarded(mj_step, m, d)) return mj_fail(em, d, "mj_step");
    for (int w = 0; w < 3; w++)
      if (d->warning[mj_bad_warnings[w]].number > 0) bad = w;
    if (d->warning[mjWARN_CONTACTFULL].number || d->warning[mjWARN_CNSTRFULL].number)
      overflow = 1;
  }
  if (overflow) atomic_fetch_add(&im->n_overflow, 1);
  if (t->post && mj_guarded(mj_rnePostConstraint, m, d)) return mj_fail(em, d, "mj_step");

  t->obs(im, d, obs);
  if (bad >= 0) {
    atomic_fetch_add(&im->n_unstable, 1);
    res->reward = 0.0;
    res->terminated = 1;
    tr_error(TR_OK, "%s: MuJoCo found the simulation unstable (%s, entry %d) and reset it; "
             "the episode ends here (terminated, reward 0)", em->name, mj_bad_names[bad],
             d->warning[mj_bad_warnings[bad]].lastinfo);
    return TR_OK;
  }
  t->reward(im, d, &pre, a, res);
  return TR_OK;
}

/* ---- snapshots (layout in env_mujoco.h; MUJOCO_TASKS.md § 4.4) --------------------------- */

static double *put(double *p, const double *src, size_t n) {
  memcpy(p, src, n * sizeof *p);
  return p + n;
}
static const double *get(double *dst, const double *p, size_t n) {
  memcpy(dst, p, n * sizeof *p);
  return p + n;
}

static void mj_save(const env_model *em, const void *state, const void *inst, void *buf) {
  (void)state;
  const mj_impl *im = em->impl;
  const mjModel *m = im->m;
  const mjData *d = inst;
  double *p = buf; /* env.c's buffer: memcpy only, no alignment assumed */
  p = put(p, &d->time, 1);
  p = put(p, d->qpos, (size_t)m->nq);
  p = put(p, d->qvel, (size_t)m->nv);
  p = put(p, d->act, (size_t)m->na);
  p = put(p, d->qacc_warmstart, (size_t)m->nv);
  p = put(p, d->ctrl, (size_t)m->nu);
  p = put(p, d->qfrc_constraint, (size_t)m->nv);
  p = put(p, d->xpos, 3 * (size_t)m->nbody);
  p = put(p, d->site_xpos, 3 * (size_t)m->nsite);
  put(p, d->xipos, 3 * (size_t)m->nbody);
}

/* Copy the state back, mj_forward (everything derived from it), then qpos and
 * qacc_warmstart again — mj_forward overwrites both (it normalises a free or ball joint's
 * quaternion in qpos in place, and normalising again is not bitwise idempotent; its solver
 * ends with qacc_warmstart = qacc) and the next step starts from them — and the lagged
 * derived quantities the next reward and observations read, so the continuation is bit
 * for bit the one that followed the snapshot. */
static tr_status mj_load(const env_model *em, void *state, void *inst, const void *buf) {
  (void)state;
  const mj_impl *im = em->impl;
  const mjModel *m = im->m;
  mjData *d = inst;
  const double *p = buf, *warm, *qpos;
  p = get(&d->time, p, 1);
  qpos = p;
  p = get(d->qpos, p, (size_t)m->nq);
  p = get(d->qvel, p, (size_t)m->nv);
  p = get(d->act, p, (size_t)m->na);
  warm = p;
  p = get(d->qacc_warmstart, p, (size_t)m->nv);
  p = get(d->ctrl, p, (size_t)m->nu);
  if (mj_guarded(mj_forward, m, d)) return mj_fail(em, d, "restore");
  get(d->qpos, qpos, (size_t)m->nq);
  get(d->qacc_warmstart, warm, (size_t)m->nv);
  p = get(d->qfrc_constraint, p, (size_t)m->nv);
  p = get(d->xpos, p, 3 * (size_t)m->nbody);
  p = get(d->site_xpos, p, 3 * (size_t)m->nsite);
  get(d->xipos, p, 3 * (size_t)m->nbody);
  return TR_OK;
}

const env_class env_class_mujoco = {
    .model_init = mj_model_init,
    .model_free = mj_model_free,
    .instance_alloc = mj_instance_alloc,
    .instance_free = mj_instance_free,
    .reset = mj_reset,
    .step = mj_step_env,
    .save = mj_save,
    .load = mj_load,
    .state_index = NULL,
    .health_test = mj_health_test,
};

/* ---- accessors (env_mujoco.h) ------------------------------------------------------------ */

const mjModel *env_mujoco_model(const env_model *m) {
  if (!m || m->cls != &env_class_mujoco || !m->impl) return NULL;
  return ((const mj_impl *)m->impl)->m;
}

mjData *env_mujoco_data(env *e) {
  if (!e || e->model->cls != &env_class_mujoco) return NULL;
  return e->inst;
}

double env_mujoco_ground(const env_model *m, double x) {
  if (!m || m->cls != &env_class_mujoco || !m->impl) return 0.0;
  return ground_at(m->impl, x);
}

const char *env_mujoco_path(const env_model *m) {
  if (!m || m->cls != &env_class_mujoco || !m->impl) return NULL;
  return ((const mj_impl *)m->impl)->path;
}

tr_status env_mujoco_observe(env *e, double *obs) {
  if (!e || e->model->cls != &env_class_mujoco)
    return tr_error(TR_EINVAL, "%s: not a MuJoCo task", e ? e->model->name : "(null)");
  const mj_impl *im = e->model->impl;
  im->task->obs(im, e->inst, obs);
  return TR_OK;
}

env_mujoco_stats env_mujoco_get_stats(const env_model *m) {
  env_mujoco_stats s = {0, 0, 0};
  if (!m || m->cls != &env_class_mujoco || !m->impl) return s;
  mj_impl *im = m->impl;
  s.unstable = atomic_load(&im->n_unstable);
  s.overflow = atomic_load(&im->n_overflow);
  s.errors = atomic_load(&im->n_errors);
  return s;
}

/* fn(ctx) with MuJoCo errors caught (as the steps above): TR_OK, or TR_ENUM with
 * "WHAT: MuJoCo error: MESSAGE".  For code outside this file that calls MuJoCo itself
 * (mdps/mj_dynamics.c: mjd_transitionFD); fn must leave no state of its own half-made. */
tr_status env_mujoco_guard(const char *what, void (*fn)(void *ctx), void *ctx) {
  pthread_once(&mj_handlers_once, mj_install_handlers);
  jmp_buf jb;
  jmp_buf *prev = mj_guard_jb;
  if (setjmp(jb)) {
    mj_guard_jb = prev;
    return tr_error(TR_ENUM, "%s: MuJoCo error: %s", what, mj_guard_msg);
  }
  mj_guard_jb = &jb;
  fn(ctx);
  mj_guard_jb = prev;
  return TR_OK;
}
