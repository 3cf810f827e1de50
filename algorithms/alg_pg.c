/* algorithms/alg_pg.c — vanilla policy gradient: REINFORCE and advantage actor-critic.
 *
 * One ascent step per batch on  L(θ) = mean_t log π_θ(a_t|s_t) Â_t  (+ ent_coef · mean
 * entropy), whose gradient is the policy-gradient estimate (1/T) Σ_t Â_t ∇ log π(a_t|s_t)
 * (Williams 1992; Sutton et al. 2000).
 *   reinforce, baseline=false: Â_t = G_t = Σ_l γ^l r_{t+l}, the discounted reward-to-go of
 *              the rest of the episode inside the batch, with NO baseline anywhere: no learned
 *              V (not even to bootstrap a cut episode: a return cut by the time limit or the
 *              batch end simply stops there — make n_steps a multiple of the episode length
 *              to sample whole episodes), and normalize_advantage (off by default) only
 *              divides by the batch std, never centres.  The value MLP is not fitted.
 *   reinforce, baseline=true: Â_t = G_t − V(s_t), G_t bootstrapped with V at cuts; V is
 *              regressed on G_t (vf_iters Adam steps); normalize_advantage standardizes.
 *   a2c:       Â_t = GAE(γ, λ) with the value function as critic (λ = 1: n-step returns
 *              over the batch), with Stable-Baselines3's A2C defaults: 5 steps × 8
 *              environments, RMSprop (α 0.99, ε rms_prop_eps = 1e-5) at 7e-4, no advantage
 *              normalization, value loss weight vf_coef = 0.5, and the gradients of policy
 *              and value clipped together to norm 0.5 (grad_clip_scope=global) — one step of
 *              each per batch, as SB3's single optimizer over both networks (RMSprop is
 *              elementwise, so two optimizers with the same settings are that one).
 * The policy steps with Adam (reinforce, or a2c with use_rms_prop=false) or RMSprop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/alg_pg.h"
#include "algorithms/checkpoint.h"
#include "algorithms/run.h"
#include "core/size.h"

typedef struct {
  int a2c;
  nn_adam *adam;
  nn_rmsprop *rms, *vrms; /* a2c with use_rms_prop: policy's and value's */
  double *g2; /* (P) */
  double *v_zero; /* (T) zeros: reinforce's continuation values without a baseline */
} pg_state;

static const alg_param p_reinforce[] = {
    ALG_COMMON_PARAMS(0, 1, 0),
    {"n_steps", ALG_INT, 2048, 1, 1e8, NULL, "environment steps per batch", ALG_SHARED(n_steps)},
    {"learning_rate", ALG_REAL, 1e-3, 0, 1, NULL, "Adam step size of the policy",
     PG_AT(learning_rate)},
    {"baseline", ALG_BOOL, 0, 0, 1, NULL,
     "subtract the learned V from the return (false: no baseline, no bootstrap, no centring)",
     PG_AT(baseline)},
    {"ent_coef", ALG_REAL, 0, 0, 1e3, NULL, "entropy bonus coefficient", PG_AT(ent_coef)},
    {"max_grad_norm", ALG_REAL, 0, 0, 1e9, NULL, "clip the gradient's norm (0: off)",
     PG_AT(max_grad_norm)},
    {"vf_learning_rate", ALG_REAL, 1e-3, 0, 1, NULL, "Adam step size of the value function",
     PG_AT(vf_learning_rate)},
    {"vf_iters", ALG_INT, 20, 0, 1e6, NULL, "value-function Adam steps per batch (full batch)",
     PG_AT(vf_iters)}};

/* Stable-Baselines3's A2C defaults (its documentation: learning_rate 7e-4, n_steps 5 per
 * environment, gamma 0.99, gae_lambda 1, ent_coef 0, vf_coef 0.5, max_grad_norm 0.5,
 * rms_prop_eps 1e-5, use_rms_prop true, normalize_advantage false); 8 environments as the
 * rl-zoo's classic-control settings (n_steps here counts all environments: 5 × 8). */
static const alg_param p_a2c[] = {
    ALG_COMMON_PARAMS(0, 8, 0),
    {"n_steps", ALG_INT, 40, 1, 1e8, NULL, "environment steps per batch (all environments)",
     ALG_SHARED(n_steps)},
    {"learning_rate", ALG_REAL, 7e-4, 0, 1, NULL, "step size of the policy", PG_AT(learning_rate)},
    {"gae_lambda", ALG_REAL, 1, 0, 1, NULL, "GAE lambda (1: n-step returns)", PG_AT(gae_lambda)},
    {"ent_coef", ALG_REAL, 0, 0, 1e3, NULL, "entropy bonus coefficient", PG_AT(ent_coef)},
    {"max_grad_norm", ALG_REAL, 0.5, 0, 1e9, NULL, "clip the gradient's norm (0: off)",
     PG_AT(max_grad_norm)},
    {"vf_learning_rate", ALG_REAL, 7e-4, 0, 1, NULL, "step size of the value function",
     PG_AT(vf_learning_rate)},
    {"vf_iters", ALG_INT, 1, 0, 1e6, NULL,
     "value-function steps per batch (full batch; the first one together with the policy's)",
     PG_AT(vf_iters)},
    {"vf_coef", ALG_REAL, 0.5, 0, 1e3, NULL, "value-loss weight (scales the value gradient)",
     PG_AT(vf_coef)},
    {"use_rms_prop", ALG_BOOL, 1, 0, 1, NULL, "RMSprop (SB3) instead of Adam", PG_AT(use_rms_prop)},
    {"rms_prop_eps", ALG_REAL, 1e-5, 0, 1, NULL, "RMSprop epsilon", PG_AT(rms_prop_eps)},
    {"grad_clip_scope", ALG_CHOICE, 1, 0, 0, "policy|global",
     "max_grad_norm clips the policy gradient alone, or policy and value together",
     PG_AT(grad_clip_scope)}};

static tr_status pg_init(alg_run *run, int a2c) {
  pg_state *s = tr_calloc(1, sizeof *s);
  if (!s) return TR_ENOMEM;
  run->alg = s;
  s->a2c = a2c;
  const pg_params *p = run->model.params;
  s->adam = nn_adam_alloc(run->model.pol->P);
  s->g2 = tr_malloc(run->model.pol->P * sizeof *s->g2);
  s->v_zero = tr_calloc(run->model.T, sizeof *s->v_zero);
  if (!s->adam || !s->g2 || !s->v_zero) return TR_ENOMEM;
  if (a2c && p->use_rms_prop) {
    s->rms = nn_rmsprop_alloc(run->model.pol->P);
    s->vrms = nn_rmsprop_alloc(run->model.vnet->P);
    if (!s->rms || !s->vrms) return TR_ENOMEM;
    s->rms->eps = s->vrms->eps = p->rms_prop_eps;
  }
  return TR_OK;
}
static tr_status init_reinforce(alg_run *run) { return pg_init(run, 0); }
static tr_status init_a2c(alg_run *run) { return pg_init(run, 1); }

static void pg_free(alg_run *run) {
  pg_state *s = run->alg;
  if (!s) return;
  nn_adam_free(s->adam);
  nn_rmsprop_free(s->rms);
  nn_rmsprop_free(s->vrms);
  free(s->g2);
  free(s->v_zero);
  free(s);
  run->alg = NULL;
}

/* Â into run->state.adv (normalized if asked) and value targets into run->state.ret.
 * reinforce without baseline: the returns stop at every cut (the continuation values are 0,
 * not V) and normalization only scales. */
static tr_status estimate(alg_run *run, pg_state *s) {
  const pg_params *p = run->model.params;
  int norm = p->shared.normalize_advantage;
  alg_state *S = &run->state;
  if (s->a2c)
    return alg_run_advantages(run, S->batch, S->rew_used, S->values, S->v_next, p->gae_lambda,
                              norm, S->adv, S->adv_raw, S->ret);
  alg_batch *b = S->batch;
  size_t T = run->model.T;
  const double *v_next = S->v_next;
  if (!p->baseline) v_next = s->v_zero; /* no bootstrap: zero continuation values */
  tr_status st = alg_returns_mc(S->ret, S->rew_used, v_next, b->term, b->trunc, T,
                                run->model.E, run->model.gamma);
  if (!st) st = alg_advantage_rtg(S->adv, S->ret, p->baseline ? S->values : NULL, T);
  if (st) return st;
  memcpy(S->adv_raw, S->adv, T * sizeof *S->adv);
  if (!norm) return TR_OK;
  return p->baseline ? alg_advantage_normalize(S->adv, T) : alg_advantage_scale(S->adv, T);
}

/* loss = −(1/T) Σ_t Â_t log π_θ(a_t|s_t) − c_H (1/T) Σ_t H(π_θ(s_t)), gradient into grad. */
tr_status alg_pg_loss(alg_run *run, const double *theta, double *loss, double *grad) {
  pg_state *s = run->alg;
  size_t T = run->model.T, P = run->model.pol->P;
  double ent = ((const pg_params *)run->model.params)->ent_coef, L = 0;
  tr_status st = pol_forward(run->model.pol, theta, run->state.batch->obs, T, run->ws.pws, NULL);
  if (!st)
    st =
        pol_log_prob(run->model.pol, run->ws.pws->dist, run->state.batch->act, T, run->ws.logp_new);
  if (st) return st;
  for (size_t t = 0; t < T; t++) {
    L += run->state.adv[t] * run->ws.logp_new[t];
    run->ws.tmp[t] = -run->state.adv[t] / (double)T;
  }
  *loss = -L / (double)T;
  nn_zero(grad, P);
  if ((st = pol_log_prob_grad(run->model.pol, theta, run->ws.pws, run->state.batch->act,
                              run->ws.tmp, T, grad)))
    return st;
  if (ent > 0) {
    pol_entropy(run->model.pol, run->ws.pws->dist, T, run->ws.tmp);
    for (size_t t = 0; t < T; t++) *loss -= ent * run->ws.tmp[t] / (double)T;
    nn_zero(s->g2, P);
    if ((st = pol_entropy_grad(run->model.pol, theta, run->ws.pws, T, s->g2))) return st;
    for (size_t k = 0; k < P; k++) grad[k] -= ent * s->g2[k];
  }
  return TR_OK;
}

tr_status alg_pg_a2c_gradient(alg_run *run, alg_iter_stats *stats, int *joint) {
  pg_state *s = run->alg;
  const pg_params *p = run->model.params;
  size_t T = run->model.T, P = run->model.pol->P;
  alg_state *S = &run->state;
  *joint = 0;
  tr_status st = alg_run_sample(run, S->batch, S->rew_used, S->values, S->v_next, stats, 0);
  if (!st) st = estimate(run, s);
  if (!st) st = alg_run_old_dist(run, S->batch, S->dist_old, &stats->entropy);
  if (st) return st;
  double loss;
  if ((st = alg_pg_loss(run, run->state.theta, &loss, run->ws.grad))) return st;
  if (!isfinite(loss)) {
    snprintf(stats->bad, sizeof stats->bad, "policy loss");
    return TR_OK;
  }
  double mgn = p->max_grad_norm;
  /* a2c: the first value step is taken with the policy's (one optimizer over both in SB3),
   * from the value loss at the batch (before any update), its gradient scaled by vf_coef */
  *joint = s->a2c && p->vf_iters > 0 && !run->model.exact_values;
  if (*joint) {
    double vl;
    if ((st = alg_run_value_loss(run, run->state.vparams, run->state.batch->obs, run->state.ret, T,
                                 &vl, run->ws.vgrad)))
      return st;
    for (size_t k = 0; k < run->model.vnet->P; k++) run->ws.vgrad[k] *= p->vf_coef;
  }
  if (mgn > 0 && *joint && p->grad_clip_scope == ALG_CLIP_GLOBAL)
    nn_clip_grad_norm2(run->ws.grad, P, run->ws.vgrad, run->model.vnet->P, mgn);
  else if (mgn > 0)
    nn_clip_grad_norm(run->ws.grad, P, mgn);
  return TR_OK;
}

tr_status alg_pg_step_stats(alg_run *ctx, const alg_rows *rows, const double *theta_new,
                            alg_iter_stats *stats) {
  double kl, surr, adv_mean = 0;
  tr_status st = alg_run_kl_surrogate(ctx, rows, theta_new, &kl, &surr, NULL);
  if (st) return st;
  for (size_t t = 0; t < rows->n; t++) adv_mean += rows->adv[t];
  stats->kl_mean = kl;
  stats->surrogate_gain = surr - adv_mean / (double)rows->n;
  if (!isfinite(kl) || !isfinite(surr)) snprintf(stats->bad, sizeof stats->bad, "policy loss");
  return TR_OK;
}

double alg_pg_value_loss0(const double *values, const double *ret, size_t T) {
  double l0 = 0;
  for (size_t t = 0; t < T; t++) l0 += (values[t] - ret[t]) * (values[t] - ret[t]);
  return l0 / (double)T;
}

static tr_status pg_iterate(alg_run *run, alg_iter_stats *stats) {
  pg_state *s = run->alg;
  const pg_params *p = run->model.params;
  size_t T = run->model.T;
  alg_state *S = &run->state;
  int joint;
  tr_status st = alg_pg_a2c_gradient(run, stats, &joint);
  if (st || stats->bad[0]) return st;
  double lr = alg_run_lr(run, p->learning_rate);
  double vlr = alg_run_lr(run, p->vf_learning_rate);
  stats->lr = lr;
  if (s->rms) nn_rmsprop_step(s->rms, run->state.theta, run->ws.grad, lr);
  else nn_adam_step(s->adam, run->state.theta, run->ws.grad, lr);
  alg_rows rows = alg_run_rows(run);
  if ((st = alg_pg_step_stats(run, &rows, run->state.theta, stats)) || stats->bad[0]) return st;
  if (!s->a2c && !p->baseline) return TR_OK; /* no learned V anywhere: none fitted */
  if (joint) { /* the joint step, then the rest alone */
    stats->value_loss = alg_pg_value_loss0(run->state.values, run->state.ret, T);
    if (s->vrms) nn_rmsprop_step(s->vrms, run->state.vparams, run->ws.vgrad, vlr);
    else nn_adam_step(run->state.vadam, run->state.vparams, run->ws.vgrad, vlr);
    for (size_t i = 1; i < p->vf_iters; i++) {
      double vl;
      if ((st = alg_run_value_loss(run, run->state.vparams, run->state.batch->obs, run->state.ret,
                                   T, &vl, run->ws.vgrad)))
        return st;
      for (size_t k = 0; k < run->model.vnet->P; k++) run->ws.vgrad[k] *= p->vf_coef;
      if (s->vrms) nn_rmsprop_step(s->vrms, run->state.vparams, run->ws.vgrad, vlr);
      else nn_adam_step(run->state.vadam, run->state.vparams, run->ws.vgrad, vlr);
    }
  } else {
    alg_value_fit fit = {.epochs = p->vf_iters, .mb = T, .lr = vlr};
    st = alg_run_fit_value(run, S->batch, S->values, S->ret, &fit, &stats->value_loss);
  }
  if (!st && !isfinite(stats->value_loss)) snprintf(stats->bad, sizeof stats->bad, "value_loss");
  return st;
}

/* Between iterations: the optimizers' moments. */
static tr_status pg_checkpoint(alg_run *run, alg_ckpt_io *io) {
  pg_state *s = run->alg;
  tr_status st = alg_ckpt_adam(io, "pg.adam", s->adam);
  if (!st) st = alg_ckpt_rmsprop(io, "pg.rms", s->rms);
  return st ? st : alg_ckpt_rmsprop(io, "pg.vrms", s->vrms);
}

#define N(a) (sizeof a / sizeof a[0])
const alg_class alg_reinforce = {"reinforce", "REINFORCE: Monte Carlo policy gradient (baseline=false: none at all; true: subtracts the learned V)",
                                 p_reinforce, N(p_reinforce), 0, sizeof(pg_params), NULL, init_reinforce, pg_iterate, pg_free, pg_checkpoint, NULL};
const alg_class alg_a2c = {"a2c", "advantage actor-critic with GAE, Stable-Baselines3's defaults (RMSprop, joint gradient clipping)", p_a2c, N(p_a2c), 0,
                           sizeof(pg_params), NULL, init_a2c, pg_iterate, pg_free, pg_checkpoint, NULL};
