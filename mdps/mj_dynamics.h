/* mdps/mj_dynamics.h — the MuJoCo tasks as a model: state get/set, a step from any (state,
 * control) on a scratch instance, the reward r(x, u), and the linearization f_x, f_u.
 *
 * Letters: nq, nv, na, nu as in the task's mjModel (nq = nv: the planar tasks, so the
 * tangent space is the state itself); N = 2·nv + na the state dimension (MuJoCo's tangent
 * state dx of mjd_transitionFD); U = nu the control dimension; S = N + 1 + nv the width of a
 * full state.
 *
 *   full state s (S) = (qpos (nq), qvel (nv), act (na), time (1), qacc_warmstart (nv))
 *   x (N)            = s[0 : N), the part the optimizer differentiates
 *
 * The warm start and the time ride along (the warm start makes a step from s continue the
 * episode it came from bit for bit: MUJOCO_TASKS.md § 4.4); derivatives are with respect to
 * x only.  A step from s never touches a running episode: it runs on the model's own scratch
 * instance (an env of the same task with no time limit), set through the env snapshot
 * (env_restore: mj_forward, then the warm start again).
 *
 * Rewards.  One step from s with control u (clipped to the action box, as env_step does)
 * gives s' and three rewards:
 *   task   the environment's reward (env_step: the alive bonus paid even on a terminal step);
 *   fixed  the fixed-horizon reward: no termination; a step that leaves the healthy region
 *          loses the alive bonus instead (fixed = task − alive·terminated);
 *   shaped the reward the trajectory optimizer maximizes, smooth in (x, u):
 *            r̃(x, u) = w_v·(x'_0 − x_0)/dt − c·‖u‖² + alive·σ(x'),
 *          x' = f(x, u), with σ(x') = 1 − Σ_i ((q'_i − c_i)/h_i)² over the coordinates the
 *          healthy test bounds (c_i the centre of the healthy interval, or the start value
 *          when it is one-sided; h_i the distance to its edge).  The healthy indicator has
 *          no derivative; σ is its smooth stand-in (1 at the centre, 0 on the edge).
 * Per task (w_v, c, alive, bounded coordinates; MUJOCO_TASKS.md § 2):
 *   hopper             1, 1e-3, 1,  z = q1: c 1.25, h 0.55;  angle q2: c 0, h 0.2
 *   walker2d           1, 1e-3, 1,  z = q1: c 1.4, h 0.6;    angle q2: c 0, h 1
 *   halfcheetah        1, 0.1,  0
 *   swimmer            1, 1e-4, 0
 *   inverted-pendulum  0, 0,    1,  angle q1: c 0, h 0.2
 * The other MuJoCo tasks (inverted-double-pendulum, reacher: rewards of site and body
 * positions; tasks with a free joint, nq ≠ nv) have no model here: env_dyn_alloc says so.
 *
 * Derivatives of the shaped reward (Gauss–Newton: f's second derivatives dropped, as iLQR
 * does), with A = f_x, B = f_u and Φ = ∂²(alive·σ)/∂x'² (diagonal):
 *   g = ∂φ/∂x' with φ(x') = w_v·x'_0/dt + alive·σ(x');
 *   r_x = Aᵀg − (w_v/dt)·e_0,  r_u = Bᵀg − 2c·u,
 *   r_xx = AᵀΦA,  r_uu = BᵀΦB − 2c·I,  r_ux = BᵀΦA.
 *
 * Linearization: A (N, N) and B (N, U) of one environment step (frame_skip mj_steps with the
 * control held), chained from mjd_transitionFD's per-mj_step A_j, B_j:
 *   A = A_{k−1} ⋯ A_0,  B = Σ_j A_{k−1} ⋯ A_{j+1} B_j.
 * On the RK4 tasks mjd_transitionFD is wrong (below), so the default is the model's own
 * forward differences of whole environment steps: column j of [A B] = (x'(z + ε e_j) −
 * x'(z))/ε, each a copy of the state into mjData and frame_skip mj_steps (mj_step starts
 * with mj_forward), the warm start held.
 * Cost: (N + U + 1)·frame_skip mj_steps forward, 2(N + U)·frame_skip centered (own) or
 * (2N + 2U + 1)·frame_skip (mjd).
 * Counting: every mj_step the model takes (steps and derivatives) is added to its counter
 * (env_dyn_mj_steps). */
#ifndef MDP_MJ_DYNAMICS_H
#define MDP_MJ_DYNAMICS_H

#include <stddef.h>

#include "core/error.h"
#include "mdps/env.h"

typedef struct env_dyn env_dyn;

typedef struct {
  double task, fixed, shaped;
  int terminated; /* the task's termination test after the step */
  int unstable;   /* MuJoCo's instability reset fired: s' is NaN, the rewards NaN */
} env_dyn_reward;

/* The model of a MuJoCo task (em must outlive it).  TR_EINVAL, "ENV: ...", for an
 * environment that is not a MuJoCo task or a MuJoCo task without a model reward. */
tr_status env_dyn_alloc(env_dyn **out, const env_model *em);
void env_dyn_free(env_dyn *d);

size_t env_dyn_state_dim(const env_dyn *d); /* N */
size_t env_dyn_full_dim(const env_dyn *d);  /* S */
size_t env_dyn_ctrl_dim(const env_dyn *d);  /* U */
double env_dyn_dt(const env_dyn *d);        /* timestep × frame_skip */
double env_dyn_alive(const env_dyn *d);     /* the alive bonus (0: none) */
const env_model *env_dyn_env(const env_dyn *d);
/* mj_steps taken by this model so far (steps, linearizations). */
unsigned long env_dyn_mj_steps(const env_dyn *d);

/* s (S) of a running instance of the model's task (its mjData as it is).  Here and in
 * env_dyn_set the instance may also be of a task with the same state (nq, nv, na and
 * snapshot: hopper-terrain:SEED for hopper's model), whose whole state is the same vector. */
tr_status env_dyn_get(const env_dyn *d, env *e, double *s);
/* Put the running instance e in state s (S): e's own snapshot with the state replaced,
 * restored (mj_forward, then the warm start again); e's step counter is kept. */
tr_status env_dyn_set(const env_dyn *d, env *e, const double *s);
/* s (S): the task's reset state drawn from r (the scratch instance's env_reset). */
tr_status env_dyn_reset(env_dyn *d, gsl_rng *r, double *s);

/* One environment step from s (S) with control u (U) on the scratch instance: s_next (S)
 * and the rewards.  An unstable step is not an error (rew->unstable, s_next NaN). */
tr_status env_dyn_step(env_dyn *d, const double *s, const double *u, double *s_next,
                       env_dyn_reward *rew);

/* How the linearization is computed. */
typedef enum {
  ENV_DYN_OWN_FORWARD = 0,  /* own forward differences of whole steps (the default) */
  ENV_DYN_OWN_CENTERED = 1, /* own central differences */
  ENV_DYN_MJD_FORWARD = 2,  /* mjd_transitionFD, centered = 0, chained over the frame skip */
  ENV_DYN_MJD_CENTERED = 3  /* mjd_transitionFD, centered = 1 */
} env_dyn_fd;

/* A (N, N), B (N, U) row-major at (s, u) (u clipped to the box), finite-difference step eps.
 * The mjd methods are refused on RK4 models (TR_EINVAL): MuJoCo 2.2.2's mjd_transitionFD
 * reuses the position stage (skipstage) for the velocity and control columns, but after an
 * RK4 step mjData holds the positions of the last RK4 stage, so those columns are wrong
 * (forward: off by 10²–10¹⁰; centered: by 10–100 %).  Measured in tests/test_mj_dynamics.c
 * (which sets TRBENCH_TEST_MJD_RK4 to show it); on the Euler task (halfcheetah) they agree
 * with own central differences, the control block's sign included.  2.2.2's
 * mjd_transitionFD also leaves mjData's time advanced by the steps it took. */
tr_status env_dyn_linearize(env_dyn *d, const double *s, const double *u, double eps,
                            env_dyn_fd method, double *A, double *B);

/* The shaped reward's derivatives at (x, u) with x' = s_next (S) and the linearization A, B:
 * r_x (N), r_u (U), r_xx (N, N), r_uu (U, U), r_ux (U, N) (formulas above). */
void env_dyn_reward_derivs(const env_dyn *d, const double *s, const double *u,
                           const double *s_next, const double *A, const double *B, double *r_x,
                           double *r_u, double *r_xx, double *r_uu, double *r_ux);

/* The shaped reward alone from (s, u, s_next) (S, U, S): what env_dyn_step puts in shaped. */
double env_dyn_shaped(const env_dyn *d, const double *s, const double *u, const double *s_next);

/* One line on the fixed-horizon reward and its shaped stand-in, for `trbench algos`. */
const char *env_dyn_doc(void);

#endif
