/* algorithms/alg_ppo.c — PPO (Schulman et al. 2017): the clipped surrogate, the fixed and
 * adaptive KL penalties, and the plain surrogate, sharing one loop.
 *
 * Per iteration: a single-path batch of n_steps; GAE(γ, λ) advantages, standardized; then
 * n_epochs passes of minibatches of batch_size, each an Adam step ascending
 *   clip:     L = mean_t min(r_t Â_t, clip(r_t, 1−ε, 1+ε) Â_t)
 *   noclip:   L = mean_t r_t Â_t
 *   kl:       L = mean_t r_t Â_t − β mean_t KL[π_old(·|s_t), π_θ(·|s_t)]   (old first)
 * plus ent_coef · mean entropy, r_t = π_θ(a_t|s_t)/π_old(a_t|s_t).  Gradients go through
 * ∂L/∂log π_θ(a_t|s_t) = (∂L/∂r_t) r_t:  for the clip objective ∂/∂r_t is Â_t unless the
 * clipped term is the smaller one and r_t is outside [1−ε, 1+ε], where it is 0.
 * Adaptive KL (the paper's § 4): after the epochs, d = mean KL[π_old, π]; β ← β/2 if
 * d < d_targ/1.5, β ← 2β if d > 1.5 d_targ.  The value MLP is fit with Adam on the
 * λ-returns with the same epochs and minibatch size (REFERENCES.md § 3 decisions).
 *
 * Code-level choices (Engstrom et al. 2020; REFERENCES.md § 5.1), each a parameter whose
 * default is the PPO paper's: clip_range_vf (value clipping; 0 off), grad_clip_scope
 * (max_grad_norm on the policy gradient alone, or — global — on policy and value together,
 * the value then stepping on the same minibatches inside the epochs with its gradient scaled
 * by vf_coef, as one optimizer over both: CleanRL, baselines ppo2), normalize_advantage_scope
 * (standardize per batch, or per minibatch as CleanRL), and the shared normalize_reward,
 * reward_clip, normalize_obs, obs_clip, init, activation, anneal_lr. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/checkpoint.h"
#include "algorithms/run.h"
#include "core/size.h"

typedef enum { PPO_CLIP, PPO_KL_FIXED, PPO_KL_ADAPTIVE, PPO_NOCLIP } ppo_kind;

/* The parameters of every variant (a variant's table lists the ones it reads; the others
 * stay 0 and are not read). */
typedef struct {
  alg_shared_params shared;
  size_t n_epochs, batch_size;
  double learning_rate, gae_lambda, ent_coef, vf_coef, max_grad_norm, target_kl, adam_eps;
  double clip_range; /* clip */
  double kl_coef;    /* kl, adaptive kl: (initial) β */
  double d_targ;     /* adaptive kl */
  double clip_range_vf;      /* value clipping; 0: off */
  int grad_clip_scope;       /* PPO_CLIP_POLICY or PPO_CLIP_GLOBAL */
  int adv_norm_scope;        /* PPO_NORM_BATCH or PPO_NORM_MINIBATCH */
} ppo_params;
enum { PPO_CLIP_POLICY = 0, PPO_CLIP_GLOBAL = 1 };
enum { PPO_NORM_BATCH = 0, PPO_NORM_MINIBATCH = 1 };
#define PPO_AT(field) offsetof(ppo_params, field)

typedef struct {
  ppo_kind kind;
  nn_adam *adam;
  double beta;
  double *obs, *act, *adv, *logp_old, *dist_old, *w; /* minibatch gathers */
  double *ret, *vold; /* (mb) value targets and values at sampling (joint value steps) */
  int joint;          /* the value steps with the policy on each minibatch (global clip) */
  double *g2; /* (P) scratch gradient (KL, entropy) */
  double *ratio; /* (T) π_θ/π_old on the batch after the update (clip fraction) */
} ppo_state;

#define PPO_PARAMS(NORM)                                                                     \
  ALG_COMMON_PARAMS(NORM, 1, 1),                                                                \
  {"n_steps", ALG_INT, 2048, 1, 1e8, NULL, "environment steps per batch (the horizon T)",    \
   ALG_SHARED(n_steps)},                                                                     \
  {"n_epochs", ALG_INT, 10, 1, 1000, NULL, "passes over the batch per update",               \
   PPO_AT(n_epochs)},                                                                        \
  {"batch_size", ALG_INT, 64, 1, 1e8, NULL, "minibatch size", PPO_AT(batch_size)},          \
  {"learning_rate", ALG_REAL, 3e-4, 0, 1, NULL, "Adam step size of the policy and value",    \
   PPO_AT(learning_rate)},                                                                   \
  {"gae_lambda", ALG_REAL, 0.95, 0, 1, NULL, "GAE lambda", PPO_AT(gae_lambda)},             \
  {"ent_coef", ALG_REAL, 0, 0, 1e3, NULL, "entropy bonus coefficient", PPO_AT(ent_coef)},   \
  {"vf_coef", ALG_REAL, 1, 0, 1e3, NULL,                                                    \
   "value-loss weight (separate networks and optimizers: scales the value gradient)",       \
   PPO_AT(vf_coef)},                                                                         \
  {"max_grad_norm", ALG_REAL, 0, 0, 1e9, NULL, "clip the policy gradient's norm (0: off)",  \
   PPO_AT(max_grad_norm)},                                                                   \
  {"target_kl", ALG_REAL, 0, 0, 1e3, NULL,                                                  \
   "stop the epochs when mean KL exceeds 1.5 target_kl (0: off)", PPO_AT(target_kl)},       \
  {"adam_eps", ALG_REAL, 1e-8, 0, 1, NULL, "Adam epsilon", PPO_AT(adam_eps)},               \
  {"clip_range_vf", ALG_REAL, 0, 0, 1e9, NULL,                                              \
   "value clipping: V within V_old +- clip_range_vf, max of the two squared errors (0: off)", \
   PPO_AT(clip_range_vf)},                                                                   \
  {"grad_clip_scope", ALG_CHOICE, 0, 0, 0, "policy|global",                                 \
   "max_grad_norm on the policy gradient, or on policy and value together (value stepping " \
   "per minibatch)", PPO_AT(grad_clip_scope)},                                               \
  {"normalize_advantage_scope", ALG_CHOICE, 0, 0, 0, "batch|minibatch",                     \
   "normalize_advantage standardizes per batch or per minibatch", PPO_AT(adv_norm_scope)}

static const alg_param p_clip[] = {PPO_PARAMS(1),
  {"clip_range", ALG_REAL, 0.2, 0, 10, NULL, "clip epsilon", PPO_AT(clip_range)}};
static const alg_param p_kl[] = {PPO_PARAMS(1),
  {"kl_coef", ALG_REAL, 1, 0, 1e6, NULL, "the penalty coefficient beta", PPO_AT(kl_coef)}};
static const alg_param p_akl[] = {PPO_PARAMS(1),
  {"kl_coef", ALG_REAL, 1, 0, 1e6, NULL, "initial beta", PPO_AT(kl_coef)},
  {"d_targ", ALG_REAL, 0.01, 1e-12, 1e3, NULL, "target mean KL per update", PPO_AT(d_targ)}};
static const alg_param p_noclip[] = {PPO_PARAMS(1)};

static const char *ppo_check(const void *params) {
  static _Thread_local char why[128];
  const ppo_params *p = params;
  if (p->batch_size > p->shared.n_steps) {
    snprintf(why, sizeof why, "batch_size=%zu exceeds n_steps=%zu", p->batch_size,
             p->shared.n_steps);
    return why;
  }
  return NULL;
}

static tr_status ppo_init_kind(alg_run *run, ppo_kind kind) {
  ppo_state *s = tr_calloc(1, sizeof *s);
  if (!s) return TR_ENOMEM;
  run->alg = s;
  s->kind = kind;
  const ppo_params *p = run->model.params;
  size_t mb = p->batch_size, O = env_obs_dim(run->model.em);
  size_t U = run->model.pol->W, K = run->model.pol->K;
  s->beta = kind == PPO_KL_FIXED || kind == PPO_KL_ADAPTIVE ? p->kl_coef : 0.0;
  s->adam = nn_adam_alloc(run->model.pol->P);
  s->obs = tr_malloc(mb * O * sizeof *s->obs);
  s->act = tr_malloc(mb * U * sizeof *s->act);
  s->adv = tr_malloc(mb * sizeof *s->adv);
  s->logp_old = tr_malloc(mb * sizeof *s->logp_old);
  s->dist_old = tr_malloc(mb * K * sizeof *s->dist_old);
  s->w = tr_malloc(mb * sizeof *s->w);
  s->ret = tr_malloc(mb * sizeof *s->ret);
  s->vold = tr_malloc(mb * sizeof *s->vold);
  s->g2 = tr_malloc(run->model.pol->P * sizeof *s->g2);
  s->ratio = tr_malloc(run->model.T * sizeof *s->ratio);
  if (!s->adam || !s->obs || !s->act || !s->adv || !s->logp_old || !s->dist_old || !s->w ||
      !s->ret || !s->vold || !s->g2 || !s->ratio)
    return TR_ENOMEM;
  s->joint = p->grad_clip_scope == PPO_CLIP_GLOBAL && !run->model.exact_values;
  s->adam->eps = p->adam_eps;
  run->state.vadam->eps = s->adam->eps;
  return TR_OK;
}

static tr_status init_clip(alg_run *run) { return ppo_init_kind(run, PPO_CLIP); }
static tr_status init_kl(alg_run *run) { return ppo_init_kind(run, PPO_KL_FIXED); }
static tr_status init_akl(alg_run *run) { return ppo_init_kind(run, PPO_KL_ADAPTIVE); }
static tr_status init_noclip(alg_run *run) { return ppo_init_kind(run, PPO_NOCLIP); }

static void ppo_free(alg_run *run) {
  ppo_state *s = run->alg;
  if (!s) return;
  nn_adam_free(s->adam);
  free(s->obs), free(s->act), free(s->adv), free(s->logp_old), free(s->dist_old), free(s->w), free(s->g2);
  free(s->ret), free(s->vold), free(s->ratio);
  free(s);
  run->alg = NULL;
}

/* Rows perm[i0 … i0+mb) of the batch into the minibatch buffers. */
static void gather(ppo_state *s, const alg_run *run, size_t i0, size_t mb) {
  size_t O = env_obs_dim(run->model.em), U = run->model.pol->W, K = run->model.pol->K;
  const alg_batch *b = run->state.batch;
  for (size_t i = 0; i < mb; i++) {
    size_t t = run->ws.perm[i0 + i];
    memcpy(s->obs + i * O, b->obs + t * O, O * sizeof *s->obs);
    memcpy(s->act + i * U, b->act + t * U, U * sizeof *s->act);
    memcpy(s->dist_old + i * K, run->state.dist_old + t * K, K * sizeof *s->dist_old);
    s->adv[i] = run->state.adv[t];
    s->logp_old[i] = b->logp[t];
    s->ret[i] = run->state.ret[t];
    s->vold[i] = run->state.values[t];
  }
}

/* ∂L/∂log π for one sample of the clip objective (see the file comment). */
static double clip_weight(double r, double A, double eps) {
  double rc = r < 1 - eps ? 1 - eps : r > 1 + eps ? 1 + eps : r;
  if (r * A <= rc * A) return r * A; /* the unclipped term is the min (ties included) */
  return (r < 1 - eps || r > 1 + eps) ? 0.0 : r * A;
}

/* The minimized loss on the gathered minibatch (s->obs, act, adv, logp_old, dist_old) at θ:
 *   loss = −(1/B) Σ_i ℓ_i(r_i) + β (1/B) Σ_i KL[π_old(s_i) ‖ π_θ(s_i)] − c_H (1/B) Σ_i H(π_θ(s_i)),
 * ℓ = min(rÂ, clip(r)Â) (clip) or rÂ (kl, noclip), and its gradient into grad (P, overwritten).
 * The forward pass leaves π_θ's distribution in run->ws.pws. */
static tr_status ppo_loss(alg_run *run, ppo_state *s, const double *theta, size_t B, double *loss,
                          double *grad) {
  pol_ws *ws = run->ws.pws;
  size_t P = run->model.pol->P;
  const ppo_params *p = run->model.params;
  double eps = p->clip_range, ent = p->ent_coef, L = 0;
  tr_status st;
  if (p->shared.normalize_advantage && p->adv_norm_scope == PPO_NORM_MINIBATCH &&
      (st = alg_advantage_normalize(s->adv, B)))
    return st;
  st = pol_forward(run->model.pol, theta, s->obs, B, ws, NULL);
  if (!st) st = pol_log_prob(run->model.pol, ws->dist, s->act, B, run->ws.logp_new);
  if (st) return st;
  for (size_t i = 0; i < B; i++) {
    double r = exp(run->ws.logp_new[i] - s->logp_old[i]), A = s->adv[i];
    double rc = r < 1 - eps ? 1 - eps : r > 1 + eps ? 1 + eps : r;
    L += s->kind == PPO_CLIP ? fmin(r * A, rc * A) : r * A;
    /* ∂ℓ/∂log π = r ∂ℓ/∂r */
    s->w[i] = -(s->kind == PPO_CLIP ? clip_weight(r, A, eps) : r * A) / (double)B;
  }
  *loss = -L / (double)B;
  nn_zero(grad, P);
  if ((st = pol_log_prob_grad(run->model.pol, theta, ws, s->act, s->w, B, grad))) return st;
  if (s->beta > 0) { /* + β mean KL */
    pol_kl(run->model.pol, s->dist_old, ws->dist, B, run->ws.tmp);
    for (size_t i = 0; i < B; i++) *loss += s->beta * run->ws.tmp[i] / (double)B;
    nn_zero(s->g2, P);
    if ((st = pol_kl_grad(run->model.pol, theta, ws, s->dist_old, B, s->g2))) return st;
    for (size_t k = 0; k < P; k++) grad[k] += s->beta * s->g2[k];
  }
  if (ent > 0) { /* − c_H mean entropy */
    pol_entropy(run->model.pol, ws->dist, B, run->ws.tmp);
    for (size_t i = 0; i < B; i++) *loss -= ent * run->ws.tmp[i] / (double)B;
    nn_zero(s->g2, P);
    if ((st = pol_entropy_grad(run->model.pol, theta, ws, B, s->g2))) return st;
    for (size_t k = 0; k < P; k++) grad[k] -= ent * s->g2[k];
  }
  return TR_OK;
}

/* One Adam step on a minibatch (and, joint, the value's on the same rows, its gradient
 * scaled by vf_coef, both clipped together); *bad set on a non-finite loss. */
static tr_status minibatch_step(alg_run *run, ppo_state *s, size_t mb, double lr, int *bad) {
  const ppo_params *p = run->model.params;
  double loss, vloss = 0;
  tr_status st = ppo_loss(run, s, run->state.theta, mb, &loss, run->ws.grad);
  if (!st && s->joint)
    st = alg_run_value_loss_clipped(run, run->state.vparams, s->obs, s->ret, s->vold,
                                    p->clip_range_vf, mb, &vloss, run->ws.vgrad);
  if (st) return st;
  if (!isfinite(loss) || !isfinite(vloss)) {
    *bad = 1;
    return TR_OK;
  }
  size_t P = run->model.pol->P, Pv = run->model.vnet->P;
  double mgn = p->max_grad_norm;
  if (s->joint) {
    for (size_t k = 0; k < Pv; k++) run->ws.vgrad[k] *= p->vf_coef;
    if (mgn > 0) nn_clip_grad_norm2(run->ws.grad, P, run->ws.vgrad, Pv, mgn);
    nn_adam_step(run->state.vadam, run->state.vparams, run->ws.vgrad, lr);
  } else if (mgn > 0) {
    nn_clip_grad_norm(run->ws.grad, P, mgn);
  }
  nn_adam_step(s->adam, run->state.theta, run->ws.grad, lr);
  return TR_OK;
}

tr_status alg_ppo_minibatch_loss(alg_run *run, const double *theta, const double *obs,
                                 const double *act, const double *adv, const double *logp_old,
                                 const double *dist_old, size_t B, double *loss, double *grad) {
  ppo_state *s = run->alg;
  size_t O = env_obs_dim(run->model.em), W = run->model.pol->W, K = run->model.pol->K;
  if (B > ((const ppo_params *)run->model.params)->batch_size)
    return tr_error(TR_EINVAL, "alg_ppo_minibatch_loss: %zu rows exceed batch_size", B);
  memcpy(s->obs, obs, B * O * sizeof *obs);
  memcpy(s->act, act, B * W * sizeof *act);
  memcpy(s->adv, adv, B * sizeof *adv);
  memcpy(s->logp_old, logp_old, B * sizeof *logp_old);
  memcpy(s->dist_old, dist_old, B * K * sizeof *dist_old);
  return ppo_loss(run, s, theta, B, loss, grad);
}

static tr_status ppo_iterate(alg_run *run, alg_iter_stats *stats) {
  ppo_state *s = run->alg;
  const ppo_params *p = run->model.params;
  size_t T = run->model.T, mb = p->batch_size, epochs = p->n_epochs;
  double lr = alg_run_lr(run, p->learning_rate), target_kl = p->target_kl;
  alg_state *S = &run->state;
  /* per-minibatch normalization happens in ppo_loss */
  int norm = p->shared.normalize_advantage && p->adv_norm_scope == PPO_NORM_BATCH;
  tr_status st = alg_run_sample(run, S->batch, S->rew_used, S->values, S->v_next, stats, 0);
  if (!st)
    st = alg_run_advantages(run, S->batch, S->rew_used, S->values, S->v_next, p->gae_lambda,
                            norm, S->adv, S->adv_raw, S->ret);
  if (!st) st = alg_run_old_dist(run, S->batch, S->dist_old, &stats->entropy);
  if (st) return st;
  stats->lr = lr;
  alg_rows rows = alg_run_rows(run);
  int bad = 0;
  double kl = 0;
  for (size_t e = 0; e < epochs && !bad; e++) {
    alg_run_shuffle(run);
    for (size_t i0 = 0; i0 + mb <= T && !bad; i0 += mb) {
      gather(s, run, i0, mb);
      if ((st = minibatch_step(run, s, mb, lr, &bad))) return st;
    }
    if (target_kl > 0) {
      if ((st = alg_run_mean_kl(run, &rows, run->state.theta, &kl))) return st;
      if (kl > 1.5 * target_kl) break;
    }
  }
  if (bad) {
    snprintf(stats->bad, sizeof stats->bad, "policy loss");
    return TR_OK;
  }
  /* statistics at the new parameters over the whole batch */
  double surr, eps = p->clip_range, adv_mean = 0;
  if ((st = alg_run_kl_surrogate(run, &rows, run->state.theta, &kl, &surr, s->ratio))) return st;
  size_t clipped = 0;
  for (size_t t = 0; t < T; t++) {
    adv_mean += run->state.adv[t];
    clipped += fabs(s->ratio[t] - 1.0) > eps;
  }
  stats->kl_mean = kl;
  stats->surrogate_gain = surr - adv_mean / (double)T; /* L(θ) − L(θ_old), L(θ_old) = mean Â */
  stats->clip_frac = s->kind == PPO_CLIP ? (double)clipped / (double)T : NAN;
  if (s->kind == PPO_KL_FIXED || s->kind == PPO_KL_ADAPTIVE) stats->beta = s->beta;
  if (s->kind == PPO_KL_ADAPTIVE) {
    double dt = p->d_targ;
    if (kl < dt / 1.5) s->beta /= 2;
    else if (kl > 1.5 * dt) s->beta *= 2;
  }
  if (!isfinite(kl) || !isfinite(surr)) {
    snprintf(stats->bad, sizeof stats->bad, !isfinite(kl) ? "kl_mean" : "surrogate");
    return TR_OK;
  }
  if (s->joint) { /* the value stepped with the policy; its loss before the update */
    double l0 = 0;
    for (size_t t = 0; t < T; t++) l0 += (run->state.values[t] - run->state.ret[t]) * (run->state.values[t] - run->state.ret[t]);
    stats->value_loss = l0 / (double)T;
    if (!isfinite(stats->value_loss)) snprintf(stats->bad, sizeof stats->bad, "value_loss");
    return TR_OK;
  }
  double vlr = lr * p->vf_coef;
  alg_value_fit fit = {.epochs = epochs, .mb = mb, .lr = vlr, .clip = p->clip_range_vf};
  st = alg_run_fit_value(run, S->batch, S->values, S->ret, &fit, &stats->value_loss);
  if (!st && !isfinite(stats->value_loss)) snprintf(stats->bad, sizeof stats->bad, "value_loss");
  return st;
}

/* Between iterations: the policy's Adam and β (the adaptive penalty moves it). */
static tr_status ppo_checkpoint(alg_run *run, alg_ckpt_io *io) {
  ppo_state *s = run->alg;
  tr_status st = alg_ckpt_adam(io, "ppo.adam", s->adam);
  return st ? st : alg_ckpt_f64(io, "ppo.beta", &s->beta, 1);
}

#define N(a) (sizeof a / sizeof a[0])
const alg_class alg_ppo_clip = {"ppo-clip",  "PPO with the clipped surrogate (epsilon clip_range)",
                                p_clip,      N(p_clip),
                                0,           sizeof(ppo_params),
                                ppo_check,   init_clip,
                                ppo_iterate, ppo_free, ppo_checkpoint, NULL};
const alg_class alg_ppo_kl = {
    "ppo-kl",    "PPO with a fixed KL penalty (beta kl_coef, KL old first)",
    p_kl,        N(p_kl),
    0,           sizeof(ppo_params),
    ppo_check,   init_kl,
    ppo_iterate, ppo_free, ppo_checkpoint, NULL};
const alg_class alg_ppo_adaptive_kl = {
    "ppo-adaptive-kl",
    "PPO with the adaptive KL penalty (beta halved below d_targ/1.5, doubled above 1.5 d_targ)",
    p_akl,
    N(p_akl),
    0,
    sizeof(ppo_params),
    ppo_check,
    init_akl,
    ppo_iterate,
    ppo_free,
    ppo_checkpoint, NULL};
const alg_class alg_ppo_noclip = {"ppo-noclip",
                                  "PPO's plain surrogate r*A: no clip, no penalty",
                                  p_noclip,
                                  N(p_noclip),
                                  0,
                                  sizeof(ppo_params),
                                  ppo_check,
                                  init_noclip,
                                  ppo_iterate,
                                  ppo_free,
                                  ppo_checkpoint, NULL};
