/* algorithms/ilqr_mj.c — see ilqr_mj.h. */
#include "algorithms/ilqr_mj.h"
#include "algorithms/gps_is.h"
#include "core/size.h"
#include "mdps/env_mujoco.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static tr_status mj_step_cb(void *ctx, const double *s, const double *u, double *sn, double *r,
                            double *rt) {
  alg_ilqr_mj *c = ctx;
  env_dyn_reward rw;
  tr_status st = env_dyn_step(c->d, s, u, sn, &rw);
  if (st) return st;
  *r = rw.shaped;
  *rt = rw.fixed;
  return TR_OK;
}

static tr_status mj_derivs_cb(void *ctx, const double *s, const double *u, const double *sn,
                              double *A, double *B, double *rx, double *ru, double *rxx,
                              double *ruu, double *rux) {
  alg_ilqr_mj *c = ctx;
  tr_status st = env_dyn_linearize(c->d, s, u, c->eps, c->fd, A, B);
  if (st) return st;
  env_dyn_reward_derivs(c->d, s, u, sn, A, B, rx, ru, rxx, ruu, rux);
  return TR_OK;
}

void alg_ilqr_mj_problem(alg_ilqr_mj *ctx, size_t H, ilqr_problem *p) {
  env_space sp = env_action_space(env_dyn_env(ctx->d));
  p->N = env_dyn_state_dim(ctx->d);
  p->S = env_dyn_full_dim(ctx->d);
  p->U = env_dyn_ctrl_dim(ctx->d);
  p->H = H;
  p->u_lo = sp.low;
  p->u_hi = sp.high;
  p->ctx = ctx;
  p->step = mj_step_cb;
  p->derivs = mj_derivs_cb;
}

tr_status alg_ilqr_mj_closed_loop(const ilqr *il, const env_dyn *d, env *e, double *ret,
                                  size_t *steps, int *terminated) {
  size_t S = il->p.S, U = il->p.U;
  double *s = tr_malloc((S + U + env_obs_dim(env_dyn_env(d)) + 1) * sizeof *s);
  if (!s) return TR_ENOMEM;
  double *u = s + S, *obs = u + U;
  *ret = 0.0;
  *steps = 0;
  *terminated = 0;
  tr_status st = TR_OK;
  for (size_t t = 0; t < il->p.H; t++) {
    if ((st = env_dyn_get(d, e, s))) break;
    alg_ilqr_law(il, t, 0.0, s, u);
    env_step_result res;
    if ((st = env_step(e, u, NULL, obs, &res))) break;
    *ret += res.reward;
    (*steps)++;
    if (res.terminated) {
      *terminated = 1;
      break;
    }
  }
  free(s);
  return st;
}

tr_status alg_ilqr_mj_guide_samples(const ilqr *il, const env_dyn *d, env *e, size_t m,
                                    gsl_rng *r, double *obs, double *act, double *rew,
                                    double *logq, double *X) {
  size_t S = il->p.S, U = il->p.U, H = il->p.H, O = env_obs_dim(env_dyn_env(d));
  double *s = tr_malloc((S + O + 1) * sizeof *s);
  if (!s) return TR_ENOMEM;
  double *o = s + S, alive = env_dyn_alive(d);
  tr_status st = TR_OK;
  env_set_time_limit(e, 0);
  for (size_t i = 0; !st && i < m; i++) {
    if ((st = env_reset(e, r, o))) break;
    for (size_t t = 0; !st && t < H; t++) {
      size_t row = i * H + t;
      double *u = act + row * U, lq;
      if ((st = env_dyn_get(d, e, s))) break;
      memcpy(obs + row * O, o, O * sizeof *o);
      if (X) memcpy(X + row * S, s, S * sizeof *s);
      if ((st = alg_guide_sample(il, t, s, r, u)) || (st = alg_guide_logpdf(il, t, s, u, &lq)))
        break;
      env_step_result res;
      unsigned long unstable0 = env_mujoco_get_stats(env_dyn_env(d)).unstable;
      if ((st = env_step(e, u, NULL, o, &res))) break;
      double rw = res.reward - (res.terminated ? alive : 0.0);
      int finite = isfinite(rw) && env_mujoco_get_stats(env_dyn_env(d)).unstable == unstable0;
      for (size_t j = 0; j < O; j++) finite &= isfinite(o[j]) != 0;
      if (!finite) {
        st = tr_error(TR_ENUM, "guiding samples: trajectory %zu is not finite after step %zu "
                      "(the simulator went unstable)", i, t);
        break;
      }
      if (rew) rew[row] = rw;
      if (logq) logq[row] = lq;
    }
  }
  free(s);
  return st;
}
