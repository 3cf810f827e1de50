/* algorithms/ilqr_mj.h — iLQR on a MuJoCo task's model (mdps/mj_dynamics.h).
 *
 * The problem: S = the model's full state width, N its state dimension, U its controls;
 * step = env_dyn_step (r = the shaped reward, r_true = the fixed-horizon reward);
 * derivs = env_dyn_linearize (finite-difference step eps, method fd) then
 * env_dyn_reward_derivs; controls clamped to the action box. */
#ifndef ALG_ILQR_MJ_H
#define ALG_ILQR_MJ_H

#include "algorithms/ilqr.h"
#include "mdps/mj_dynamics.h"

typedef struct {
  env_dyn *d;
  double eps;
  env_dyn_fd fd;
} alg_ilqr_mj;

/* p for horizon H on ctx (d, eps, fd set by the caller; ctx must outlive p). */
void alg_ilqr_mj_problem(alg_ilqr_mj *ctx, size_t H, ilqr_problem *p);

/* The feedback law u_t = clamp(ū_t + K_t(x_t − x̄_t)) of il run in closed loop on the running
 * instance e (already in il's start state) for H steps or until the task terminates:
 * *ret the sum of the task's rewards, *steps the steps taken, *terminated. */
tr_status alg_ilqr_mj_closed_loop(const ilqr *il, const env_dyn *d, env *e, double *ret,
                                  size_t *steps, int *terminated);

/* m whole trajectories of the guiding distribution π_G of il (gps_is.h; il after alg_ilqr_gains)
 * on the running instance e of the task (its time limit is lifted: a trajectory is H steps):
 * each from a reset of e drawn from r, then for t < H: s_t the state (env_dyn_get), u_t ~
 * π_G(· | s_t, t) (draws from r; the control as drawn, before env_step clips it to the box),
 * and one env_step.  Fixed horizon, as the optimizer's: a step where the task terminates loses
 * the alive bonus and the trajectory goes on (reward = task reward − alive·terminated).
 * Out, row-major (any but obs and act may be NULL):
 *   obs (m, H, O) the observation u_t was drawn at; act (m, H, U); rew (m, H);
 *   logq (m, H) log π_G(u_t | s_t, t); X (m, H, S) the full states s_t (to evaluate other
 *   samplers' log-densities for a mixture q, alg_guide_logpdf);
 * obs, act, rew and logq are alg_is_data's layout with n_q = 1.  TR_ENUM naming the
 * trajectory and step when the simulator goes unstable (nothing else is reported half). */
tr_status alg_ilqr_mj_guide_samples(const ilqr *il, const env_dyn *d, env *e, size_t m,
                                    gsl_rng *r, double *obs, double *act, double *rew,
                                    double *logq, double *X);

#endif
