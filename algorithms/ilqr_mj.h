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

#endif
