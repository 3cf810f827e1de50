/* algorithms/alg_pg.h — the parts of a2c that a3c (alg_a3c.c) shares: its parameter struct
 * and its update split in two, the gradient at the parameters a batch was sampled with and
 * the statistics of the step that applied it.  Internal: not installed. */
#ifndef ALG_PG_H
#define ALG_PG_H

#include "run.h"

/* reinforce's and a2c's parameters (each table lists its own; the rest stay 0). */
typedef enum { ALG_CLIP_POLICY = 0, ALG_CLIP_GLOBAL = 1 } pg_clip_scope;
typedef struct {
  alg_shared_params shared;
  double learning_rate, gae_lambda, ent_coef, max_grad_norm, vf_learning_rate;
  size_t vf_iters;
  int baseline; /* reinforce */
  /* a2c */
  double vf_coef, rms_prop_eps;
  int use_rms_prop, grad_clip_scope; /* pg_clip_scope */
} pg_params;
#define PG_AT(field) offsetof(pg_params, field)

/* On an a2c run (run->alg its own): a batch sampled with π at run->state.theta, GAE into
 * run->state.adv (adv_raw, ret), π_old's distribution at the batch into run->state.dist_old,
 * the policy-loss gradient into run->ws.grad (P) and, when *joint (vf_iters > 0 and an MLP
 * value), the value-loss gradient at run->state.vparams times vf_coef into run->ws.vgrad
 * (Pv), both clipped as max_grad_norm and grad_clip_scope say.  stats: steps, episodes,
 * entropy; bad "policy loss" (and nothing else computed) when the loss is not finite. */
tr_status alg_pg_a2c_gradient(alg_run *run, alg_iter_stats *stats, int *joint);
/* After a step to theta_new: the mean KL(π_old ‖ π_new) and the surrogate gain over rows
 * (alg_run_kl_surrogate's scratch: ctx's), into stats; bad "policy loss" when not finite. */
tr_status alg_pg_step_stats(alg_run *ctx, const alg_rows *rows, const double *theta_new,
                            alg_iter_stats *stats);
/* (1/T) Σ_t (values_t − ret_t)²: the value loss before the update. */
double alg_pg_value_loss0(const double *values, const double *ret, size_t T);

#endif
