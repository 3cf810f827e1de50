/* algorithms/alg_pg.c — vanilla policy gradient: REINFORCE and advantage actor-critic.
 *
 * One Adam ascent step per batch on  L(θ) = mean_t log π_θ(a_t|s_t) Â_t  (+ ent_coef · mean
 * entropy), whose gradient is the policy-gradient estimate (1/T) Σ_t Â_t ∇ log π(a_t|s_t)
 * (Williams 1992; Sutton et al. 2000).
 *   reinforce: Â_t = G_t, the discounted reward-to-go (a Monte Carlo return; episodes cut
 *              by the batch end or the time limit bootstrap with the value function), or
 *              G_t − V(s_t) with baseline=true.
 *   a2c:       Â_t = GAE(γ, λ) with the value function as critic (λ = 1: n-step returns
 *              over the batch, as Stable-Baselines3's A2C; Adam in place of RMSprop).
 * The value MLP is fit to the targets (G_t, or the λ-returns) with vf_iters Adam steps. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/run.h"

/* reinforce's and a2c's parameters (each table lists its own; the rest stay 0). */
typedef struct {
  alg_shared_params shared;
  double learning_rate, gae_lambda, ent_coef, max_grad_norm, vf_learning_rate;
  size_t vf_iters;
  int baseline; /* reinforce */
} pg_params;
#define PG_AT(field) offsetof(pg_params, field)

typedef struct {
  int a2c;
  nn_adam *adam;
  double *g2; /* (P) */
} pg_state;

static const alg_param p_reinforce[] = {
    ALG_COMMON_PARAMS(0, 1),
    {"n_steps", ALG_INT, 2048, 1, 1e8, NULL, "environment steps per batch", ALG_SHARED(n_steps)},
    {"learning_rate", ALG_REAL, 1e-3, 0, 1, NULL, "Adam step size of the policy",
     PG_AT(learning_rate)},
    {"baseline", ALG_BOOL, 0, 0, 1, NULL, "subtract the value function from the return",
     PG_AT(baseline)},
    {"ent_coef", ALG_REAL, 0, 0, 1e3, NULL, "entropy bonus coefficient", PG_AT(ent_coef)},
    {"max_grad_norm", ALG_REAL, 0, 0, 1e9, NULL, "clip the gradient's norm (0: off)",
     PG_AT(max_grad_norm)},
    {"vf_learning_rate", ALG_REAL, 1e-3, 0, 1, NULL, "Adam step size of the value function",
     PG_AT(vf_learning_rate)},
    {"vf_iters", ALG_INT, 20, 0, 1e6, NULL, "value-function Adam steps per batch (full batch)",
     PG_AT(vf_iters)}};

static const alg_param p_a2c[] = {
    ALG_COMMON_PARAMS(0, 8),
    {"n_steps", ALG_INT, 40, 1, 1e8, NULL, "environment steps per batch (all environments)",
     ALG_SHARED(n_steps)},
    {"learning_rate", ALG_REAL, 7e-4, 0, 1, NULL, "Adam step size of the policy",
     PG_AT(learning_rate)},
    {"gae_lambda", ALG_REAL, 1, 0, 1, NULL, "GAE lambda (1: n-step returns)", PG_AT(gae_lambda)},
    {"ent_coef", ALG_REAL, 0, 0, 1e3, NULL, "entropy bonus coefficient", PG_AT(ent_coef)},
    {"max_grad_norm", ALG_REAL, 0.5, 0, 1e9, NULL, "clip the gradient's norm (0: off)",
     PG_AT(max_grad_norm)},
    {"vf_learning_rate", ALG_REAL, 7e-4, 0, 1, NULL, "Adam step size of the value function",
     PG_AT(vf_learning_rate)},
    {"vf_iters", ALG_INT, 1, 0, 1e6, NULL, "value-function Adam steps per batch (full batch)",
     PG_AT(vf_iters)}};

static tr_status pg_init(alg_run *run, int a2c) {
  pg_state *s = tr_calloc(1, sizeof *s);
  if (!s) return TR_ENOMEM;
  run->alg = s;
  s->a2c = a2c;
  s->adam = nn_adam_alloc(run->model.pol->P);
  s->g2 = tr_malloc(run->model.pol->P * sizeof *s->g2);
  return s->adam && s->g2 ? TR_OK : TR_ENOMEM;
}
static tr_status init_reinforce(alg_run *run) { return pg_init(run, 0); }
static tr_status init_a2c(alg_run *run) { return pg_init(run, 1); }

static void pg_free(alg_run *run) {
  pg_state *s = run->alg;
  if (!s) return;
  nn_adam_free(s->adam);
  free(s->g2);
  free(s);
  run->alg = NULL;
}

/* Â into run->state.adv (normalized if asked) and value targets into run->state.ret. */
static tr_status estimate(alg_run *run, pg_state *s) {
  const pg_params *p = run->model.params;
  int norm = p->shared.normalize_advantage;
  if (s->a2c) return alg_run_advantages(run, p->gae_lambda, norm);
  alg_batch *b = run->state.batch;
  tr_status st = alg_returns_mc(run->state.ret, run->state.rew_used, run->state.v_next, b->term,
                                b->trunc, run->model.T, run->model.E, run->model.gamma);
  if (!st)
    st = alg_advantage_rtg(run->state.adv, run->state.ret, p->baseline ? run->state.values : NULL,
                           run->model.T);
  if (st) return st;
  memcpy(run->state.adv_raw, run->state.adv, run->model.T * sizeof *run->state.adv);
  return norm ? alg_advantage_normalize(run->state.adv, run->model.T) : TR_OK;
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

static tr_status pg_iterate(alg_run *run, alg_iter_stats *stats) {
  pg_state *s = run->alg;
  const pg_params *p = run->model.params;
  size_t T = run->model.T, P = run->model.pol->P;
  tr_status st = alg_run_sample(run, stats, 0);
  if (!st) st = estimate(run, s);
  if (!st) st = alg_run_old_dist(run, &stats->entropy);
  if (st) return st;
  double loss;
  if ((st = alg_pg_loss(run, run->state.theta, &loss, run->ws.grad))) return st;
  if (!isfinite(loss)) {
    snprintf(stats->bad, sizeof stats->bad, "policy loss");
    return TR_OK;
  }
  double mgn = p->max_grad_norm;
  if (mgn > 0) nn_clip_grad_norm(run->ws.grad, P, mgn);
  double lr = alg_run_lr(run, p->learning_rate);
  stats->lr = lr;
  nn_adam_step(s->adam, run->state.theta, run->ws.grad, lr);
  double kl, surr, adv_mean = 0;
  alg_rows rows = alg_run_rows(run);
  if ((st = alg_run_mean_kl(run, &rows, run->state.theta, &kl)) ||
      (st = alg_run_surrogate(run, &rows, run->state.theta, &surr)))
    return st;
  for (size_t t = 0; t < T; t++) adv_mean += run->state.adv[t];
  stats->kl_mean = kl;
  stats->surrogate_gain = surr - adv_mean / (double)T;
  if (!isfinite(kl) || !isfinite(surr)) {
    snprintf(stats->bad, sizeof stats->bad, "policy loss");
    return TR_OK;
  }
  st = alg_run_fit_value(run, p->vf_iters, T, alg_run_lr(run, p->vf_learning_rate),
                         &stats->value_loss);
  if (!st && !isfinite(stats->value_loss)) snprintf(stats->bad, sizeof stats->bad, "value_loss");
  return st;
}

#define N(a) (sizeof a / sizeof a[0])
const alg_class alg_reinforce = {
    "reinforce", "REINFORCE: Monte Carlo policy gradient (baseline=true subtracts V)",
    p_reinforce, N(p_reinforce),
    0,           sizeof(pg_params),
    NULL,        init_reinforce,
    pg_iterate,  pg_free};
const alg_class alg_a2c = {"a2c", "advantage actor-critic with GAE (Adam)", p_a2c, N(p_a2c), 0,
                           sizeof(pg_params), NULL, init_a2c, pg_iterate, pg_free};
