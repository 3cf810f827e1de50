/* mdps/env_mujoco.h — the MuJoCo locomotion tasks (env_mujoco.c): accessors for tests,
 * tools and benchmarks.  Users step these tasks through env.h like any other family.
 *
 * Tasks (gym "v4" semantics, REFERENCES.md § 7, MUJOCO_TASKS.md § 1–2): hopper, walker2d,
 * halfcheetah, swimmer, inverted-pendulum, inverted-double-pendulum, reacher; and
 * (Gymnasium v4, README "MuJoCo tasks") ant, humanoid, humanoid-standup, pusher.  Each loads
 * mdps/models/<file>.xml from the first of: $TRBENCH_MODELS (if set), the source tree
 * (TR_SRCDIR "/mdps/models", if the file is there), the installed TR_DATADIR "/models".
 *
 * Snapshot layout (for tools that build one by hand): env.c's step counter (a size_t),
 * then doubles, with nq, nv, na, nu, nbody, nsite those of env_mujoco_model(m):
 *   time (1), qpos (nq), qvel (nv), act (na), qacc_warmstart (nv), ctrl (nu),
 *   qfrc_constraint (nv), xpos (nbody, 3), site_xpos (nsite, 3), xipos (nbody, 3).
 * The last four are derived quantities as they were after the last mj_step (they lag the
 * state: MUJOCO_TASKS.md § 1); the next step's reward and the observation read them, so a
 * restore puts them back after its mj_forward, as it does qacc_warmstart (§ 4.4). */
#ifndef MDP_ENV_MUJOCO_H
#define MDP_ENV_MUJOCO_H

#include <mujoco/mujoco.h>

#include "mdps/env.h"

/* The compiled MuJoCo model behind a task; NULL if m is not a MuJoCo task. */
const mjModel *env_mujoco_model(const env_model *m);
/* The instance's mjData; NULL if e is not a MuJoCo task.  Writing to it puts the
 * environment in a hand-made state (tests); the next step's mj_step recomputes everything
 * derived from qpos, qvel, act and ctrl. */
mjData *env_mujoco_data(env *e);
/* The height of the ground at x (the world z of its surface at (x, 0)): 0 on flat ground and
 * for models that are not MuJoCo tasks; on hopper-terrain:SEED and walker2d-terrain:SEED the
 * height field's surface (env_terrain.h), what their healthy-height tests subtract. */
double env_mujoco_ground(const env_model *m, double x);
/* The path the model was loaded from; NULL if m is not a MuJoCo task. */
const char *env_mujoco_path(const env_model *m);

/* obs (O): the task's observation of e's state as it is (after env_restore or env_dyn_set:
 * what a step to this state would have returned).  TR_EINVAL if e is not a MuJoCo task. */
tr_status env_mujoco_observe(env *e, double *obs);

/* Events counted per model, over every instance (atomic counters). */
typedef struct {
  unsigned long unstable; /* steps where MuJoCo's instability auto-reset fired (terminated) */
  unsigned long overflow; /* steps that hit MuJoCo's contact or constraint capacity */
  unsigned long errors;   /* MuJoCo errors turned into a failed reset/step/restore */
} env_mujoco_stats;
env_mujoco_stats env_mujoco_get_stats(const env_model *m);

/* MuJoCo warnings silenced by trbench's handler in this process (any model). */
unsigned long env_mujoco_warnings(void);

/* fn(ctx) with MuJoCo errors caught: TR_OK, or TR_ENUM "WHAT: MuJoCo error: MESSAGE" (for
 * code that calls MuJoCo itself, e.g. mdps/mj_dynamics.c's mjd_transitionFD). */
tr_status env_mujoco_guard(const char *what, void (*fn)(void *ctx), void *ctx);

#endif
