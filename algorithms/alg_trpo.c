/* algorithms/alg_trpo.c — natural policy gradients and TRPO (Schulman et al. 2015).
 *
 * All three maximize the importance-weighted surrogate L(θ) = mean_t r_t(θ) Â_t around θ_old:
 * g = ∇L(θ_old); s ≈ F⁻¹g by cg_iters conjugate-gradient steps on exact Fisher-vector
 * products (F + damping·I, on a fvp_fraction subsample of the states).
 *   npg:  θ ← θ_old + η s, a fixed step_size η: the classic natural gradient (Kakade 2001;
 *         the TRPO paper's "natural gradient" baseline, whose η it swept in factors of 3).
 *         No KL normalization, no line search.
 *   tnpg: θ ← θ_old + β s with β = sqrt(2δ / sᵀFs), the largest step whose quadratic KL
 *         model is δ (rllab's "truncated natural policy gradient"); no line search.
 *   trpo: backtracking θ_old + 0.8^k β s, accepting the first with sampled mean
 *         KL(π_old ‖ π_θ) ≤ δ and L(θ) > L(θ_old); none accepted: θ stays θ_old.  The
 *         statistics say how the search went (ls_shrinks, ls_rejected in progress.tsv).
 * Guard (REFERENCES.md § 4–5): sᵀFs ≤ 0 or non-finite skips the step (logged as step_frac 0;
 * npg needs no sᵀFs and only skips when CG fails).
 *
 * Sampling (trpo only): single path uses GAE(γ, λ) advantages of one batch of n_steps.
 * Vine (§ 5.2): the batch is the trunk; vine_states states are drawn from it, and from each
 * vine_actions actions (every action once for small discrete spaces), each followed by one
 * rollout of vine_length steps from the restored state with common random numbers; the Q
 * estimates bootstrap with the value function where a rollout is cut.  Discrete
 * (enumerated) objective: L_n(θ) = Σ_k π_θ(a_k|s_n)(Q_nk − b_n), b_n = Σ_k π_old(a_k|s_n) Q_nk;
 * continuous: the self-normalized L_n = Σ_k w_k Q_nk / Σ_k w_k, w_k = π_θ(a_k|s_n)/π_old(a_k|s_n),
 * whose gradient at θ_old is (1/K) Σ_k (Q_nk − Q̄_n) ∇ log π(a_k|s_n).  The value function
 * is fit on the trunk's λ-returns (Adam, vf_iters steps).
 * vine_settings=appendix-e replaces vine_states/actions/length by the TRPO paper's Appendix E
 * (Table 2, Hopper/Walker): rollouts of 100 steps, 4 actions per state (every action once for
 * discrete spaces with fewer), 2,500 Q-values per batch, i.e. 2500/k rollout states; the
 * trunk (n_steps; the paper: 16 trajectories of 1,000 steps) must hold that many rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/cg.h"
#include "algorithms/run.h"
#include "core/size.h"

typedef enum { STEP_FIXED = 0, STEP_KL_NORMALIZED = 1, STEP_LINE_SEARCH = 2 } trpo_step_kind;

typedef struct {
  trpo_step_kind kind;
  alg_cg *cg;
  alg_linesearch *ls;
  double *step, *dir, *fv; /* (P) */
  double *sub_obs;         /* (T, O) the FVP subsample */
  size_t n_sub;
  pol_ws *fisher_fwd;      /* Bmax = T: π_θold's forward pass on sub_obs, made by natural_step
                            * for its trpo_fisher and read by every product of that step */
  double *ratio;           /* (T) π_θ/π_old on the objective's rows (self-normalized vine) */
  /* vine */
  alg_vine *vine;
  alg_batch *vb;           /* the vine rows as a batch (obs, act, logp) */
  double *vine_adv;        /* (T) the vine rows' advantages */
  double *vine_dist;       /* (T, K) π_old at the vine rows */
  double *snis_q;          /* (rows) Q of each row (continuous vine) */
  alg_rows rows;           /* this iteration's objective: the batch's rows or the vine's */
  size_t vine_k;           /* actions per state in the rows */
  size_t vine_n, vine_K, vine_L; /* the vine's states, actions and length in use */
  int vine_snis;
} trpo_state;

/* npg's, tnpg's and trpo's parameters (each table lists the ones it reads; the rest stay 0). */
typedef enum { TRPO_SINGLE = 0, TRPO_VINE = 1 } trpo_sampling;
enum { VINE_CUSTOM = 0, VINE_APPENDIX_E = 1 };
/* The TRPO paper's Appendix E (Table 2) vine settings for Hopper and Walker. */
#define VINE_E_LENGTH 100
#define VINE_E_ACTIONS 4
#define VINE_E_Q_VALUES 2500
typedef struct {
  alg_shared_params shared;
  double gae_lambda, target_kl, cg_damping, fvp_fraction, vf_learning_rate;
  double step_size;             /* npg: η */
  double max_grad_norm;         /* clip of the value function's gradients; 0: off */
  size_t cg_iters, vf_iters, vf_batch_size;
  int sampling;                 /* trpo_sampling */
  int vine_settings;            /* VINE_CUSTOM or VINE_APPENDIX_E */
  double line_search_shrink;
  size_t line_search_steps, vine_states, vine_actions, vine_length;
} trpo_params;
#define TRPO_AT(field) offsetof(trpo_params, field)

#define TRPO_COMMON                                                                           \
  ALG_COMMON_PARAMS(0, 1, 1),                                                                    \
  {"n_steps", ALG_INT, 2048, 1, 1e8, NULL, "environment steps per batch (single path / trunk)", \
   ALG_SHARED(n_steps)},                                                                      \
  {"gae_lambda", ALG_REAL, 0.97, 0, 1, NULL, "GAE lambda of the single-path advantages",     \
   TRPO_AT(gae_lambda)},                                                                      \
  {"cg_iters", ALG_INT, 10, 1, 1000, NULL, "conjugate-gradient iterations",                 \
   TRPO_AT(cg_iters)},                                                                        \
  {"cg_damping", ALG_REAL, 0.1, 0, 1e3, NULL, "damping added to the Fisher matrix",         \
   TRPO_AT(cg_damping)},                                                                      \
  {"fvp_fraction", ALG_REAL, 1, 1e-6, 1, NULL,                                              \
   "fraction of the batch's states used for Fisher-vector products (TRPO paper: 0.1)",      \
   TRPO_AT(fvp_fraction)},                                                                    \
  {"vf_learning_rate", ALG_REAL, 1e-3, 0, 1, NULL, "Adam step size of the value function",  \
   TRPO_AT(vf_learning_rate)},                                                                \
  {"vf_iters", ALG_INT, 80, 0, 1e6, NULL, "value-function Adam steps per iteration",        \
   TRPO_AT(vf_iters)},                                                                        \
  {"vf_batch_size", ALG_INT, 0, 0, 1e8, NULL, "value minibatch size (0: the full batch)",   \
   TRPO_AT(vf_batch_size)},                                                                   \
  {"max_grad_norm", ALG_REAL, 0, 0, 1e9, NULL,                                              \
   "clip the value function's gradient norm (0: off; Engstrom et al.'s TRPO+: 1)",           \
   TRPO_AT(max_grad_norm)}

#define TRPO_TARGET_KL                                                                        \
  {"target_kl", ALG_REAL, 0.01, 1e-12, 10, NULL, "delta: the trust region's mean KL",       \
   TRPO_AT(target_kl)}

/* npg's default η: 0.1 (a middle value of the TRPO paper-style sweep 0.01·3^k; there is no
 * published default: the paper tuned η per task). */
static const alg_param p_npg[] = {
    TRPO_COMMON,
    {"step_size", ALG_REAL, 0.1, 0, 1e6, NULL, "eta: the fixed natural-gradient step (> 0)",
     TRPO_AT(step_size)}};
static const alg_param p_tnpg[] = {TRPO_COMMON, TRPO_TARGET_KL};
static const alg_param p_trpo[] = {
    TRPO_COMMON,
    TRPO_TARGET_KL,
    {"sampling", ALG_CHOICE, 0, 0, 0, "single|vine", "single path or vine (TRPO paper, sec. 5)",
     TRPO_AT(sampling)},
    {"line_search_shrink", ALG_REAL, 0.8, 1e-3, 0.999, NULL, "backtracking factor",
     TRPO_AT(line_search_shrink)},
    {"line_search_steps", ALG_INT, 10, 0, 100, NULL, "backtracking steps at most",
     TRPO_AT(line_search_steps)},
    {"vine_states", ALG_INT, 100, 1, 1e7, NULL, "vine: rollout states per iteration",
     TRPO_AT(vine_states)},
    {"vine_actions", ALG_INT, 4, 1, 1000, NULL,
     "vine: actions per state (discrete spaces with fewer actions: each once)",
     TRPO_AT(vine_actions)},
    {"vine_length", ALG_INT, 100, 1, 1e6, NULL, "vine: steps per rollout", TRPO_AT(vine_length)},
    {"vine_settings", ALG_CHOICE, 0, 0, 0, "custom|appendix-e",
     "vine: the three above, or the TRPO paper's Appendix E (length 100, 4 actions, 2500 "
     "Q-values per batch)", TRPO_AT(vine_settings)}};

/* CG's relative residual tolerance ‖r‖₂ ≤ 1e-10 ‖g‖₂ (cg.h): at cg_iters = 10 it is rarely
 * reached, so the iteration count is the working limit, as in the TRPO paper; it stops CG
 * only when g lies in a small Krylov space (e.g. tabular runs with few states), where more
 * iterations would amplify round-off.  The step's KL is checked afterwards anyway. */
#define TRPO_CG_RESIDUAL_TOL 1e-10

static int is_vine(const alg_run *run) {
  return ((const trpo_params *)run->model.params)->sampling == TRPO_VINE;
}

static void trpo_free(alg_run *run) {
  trpo_state *s = run->alg;
  if (!s) return;
  alg_cg_free(s->cg);
  alg_linesearch_free(s->ls);
  free(s->step), free(s->dir), free(s->fv), free(s->sub_obs), free(s->snis_q);
  free(s->vine_adv), free(s->vine_dist), free(s->ratio);
  pol_ws_free(s->fisher_fwd);
  alg_vine_free(s->vine);
  alg_batch_free(s->vb);
  free(s);
  run->alg = NULL;
}

static const char *npg_check(const void *params) {
  const trpo_params *p = params;
  return p->step_size > 0 ? NULL : "step_size must be > 0 (the natural-gradient step eta)";
}

static tr_status init_common(alg_run *run, trpo_step_kind kind) {
  trpo_state *s = tr_calloc(1, sizeof *s);
  if (!s) return TR_ENOMEM;
  run->alg = s;
  size_t P = run->model.pol->P, O = env_obs_dim(run->model.em);
  s->kind = kind;
  s->cg = alg_cg_alloc(P);
  s->ls = alg_linesearch_alloc(P);
  s->step = tr_malloc(P * sizeof *s->step);
  s->dir = tr_malloc(P * sizeof *s->dir);
  s->fv = tr_malloc(P * sizeof *s->fv);
  s->sub_obs = tr_malloc(run->model.T * O * sizeof *s->sub_obs);
  s->fisher_fwd = pol_ws_alloc(run->model.pol, run->model.T);
  s->ratio = tr_malloc(run->model.T * sizeof *s->ratio);
  if (!s->cg || !s->ls || !s->step || !s->dir || !s->fv || !s->sub_obs || !s->fisher_fwd ||
      !s->ratio)
    return TR_ENOMEM;
  if (is_vine(run)) {
    const trpo_params *p = run->model.params;
    size_t N = p->vine_states, K = p->vine_actions;
    env_space sp = env_action_space(run->model.em);
    s->vine_L = p->vine_length;
    if (p->vine_settings == VINE_APPENDIX_E) {
      K = VINE_E_ACTIONS;
      s->vine_L = VINE_E_LENGTH;
    }
    s->vine_k = sp.kind == ENV_DISCRETE && sp.n <= K ? sp.n : K;
    if (p->vine_settings == VINE_APPENDIX_E) N = VINE_E_Q_VALUES / s->vine_k;
    s->vine_n = N;
    s->vine_K = K;
    s->vine_snis = !(sp.kind == ENV_DISCRETE && sp.n <= K);
    if (N > run->model.T || N * s->vine_k > run->model.T)
      return tr_error(TR_EINVAL, "vine: %zu states x %zu actions = %zu Q-values exceed the trunk "
                      "batch n_steps=%zu", N, s->vine_k, N * s->vine_k, run->model.T);
    s->vine = alg_vine_alloc(N, K, O, run->model.pol->W);
    s->vb = alg_batch_alloc(run->model.T, O, run->model.pol->W);
    s->snis_q = tr_malloc(run->model.T * sizeof *s->snis_q);
    s->vine_adv = tr_malloc(run->model.T * sizeof *s->vine_adv);
    s->vine_dist = tr_malloc(run->model.T * run->model.pol->K * sizeof *s->vine_dist);
    if (!s->vine || !s->vb || !s->snis_q || !s->vine_adv || !s->vine_dist) return TR_ENOMEM;
  }
  return TR_OK;
}
static tr_status init_npg(alg_run *run) { return init_common(run, STEP_FIXED); }
static tr_status init_tnpg(alg_run *run) { return init_common(run, STEP_KL_NORMALIZED); }
static tr_status init_trpo(alg_run *run) { return init_common(run, STEP_LINE_SEARCH); }

/* The damped Fisher operator v ↦ F v + damping v at θ_old on n subsample rows: everything a
 * product reads, the forward pass `at` (θ_old on those rows) included, made once per step. */
typedef struct {
  const pol_policy *pol;
  const double *theta_old; /* (P) */
  pol_ws *at;              /* the forward pass at theta_old on the n rows (read; its
                            * product scratch is written) */
  size_t n;
  double damping;
} trpo_fisher;

static void fvp(void *ctx, const double *v, double *out) {
  const trpo_fisher *f = ctx;
  pol_fvp(f->pol, f->theta_old, f->at, v, f->n, f->damping, out);
}

/* The vine's rows into s->vb: state n repeated k times with its actions; advantages per row
 * in s->vine_adv (see the file comment), log π_old in vb->logp, π_old in s->vine_dist; the
 * objective's rows s->rows are these. */
static tr_status vine_rows(alg_run *run, trpo_state *s) {
  alg_vine *v = s->vine;
  size_t O = env_obs_dim(run->model.em), W = run->model.pol->W, k = s->vine_k, n = 0;
  alg_batch *vb = s->vb;
  for (size_t i = 0; i < v->n; i++)
    for (size_t j = 0; j < k; j++, n++) {
      memcpy(vb->obs + n * O, v->obs + i * O, O * sizeof(double));
      memcpy(vb->act + n * W, v->act + (i * v->K + j) * W, W * sizeof(double));
    }
  vb->n = n;
  tr_status st =
      pol_forward(run->model.pol, run->state.theta, vb->obs, n, run->ws.pws, s->vine_dist);
  if (!st) st = pol_log_prob(run->model.pol, s->vine_dist, vb->act, n, vb->logp);
  if (st) return st;
  for (size_t i = 0; i < v->n; i++) {
    const double *q = v->q + i * v->K;
    double *lp = vb->logp + i * k, base = 0, mean = 0;
    for (size_t j = 0; j < k; j++) {
      base += exp(lp[j]) * q[j];
      mean += q[j] / (double)k;
    }
    for (size_t j = 0; j < k; j++) {
      s->snis_q[i * k + j] = q[j];
      s->vine_adv[i * k + j] = s->vine_snis ? q[j] - mean : (double)k * exp(lp[j]) * (q[j] - base);
    }
  }
  alg_rows r = {n, vb->obs, vb->act, vb->logp, s->vine_dist, s->vine_adv};
  s->rows = r;
  return TR_OK;
}

/* The line search's objective on s->rows (and the mean KL there when kl is not NULL, from
 * the same forward pass): continuous vine rows use the self-normalized estimate. */
static tr_status objective(alg_run *run, const double *th, double *kl, double *surr) {
  trpo_state *s = run->alg;
  tr_status st = alg_run_kl_surrogate(run, &s->rows, th, kl, surr, s->ratio);
  if (st || !s->vine || !s->vine_snis) return st;
  size_t k = s->vine_k, N = s->rows.n / k;
  double acc = 0;
  for (size_t i = 0; i < N; i++) {
    double wq = 0, ws = 0;
    for (size_t j = 0; j < k; j++) {
      wq += s->ratio[i * k + j] * s->snis_q[i * k + j];
      ws += s->ratio[i * k + j];
    }
    acc += wq / ws;
  }
  *surr = acc / (double)N;
  return TR_OK;
}

static tr_status ls_eval(void *ctx, const double *th, double *kl, double *surr) {
  return objective(ctx, th, kl, surr);
}

/* The natural step from the objective's rows s->rows. */
static tr_status natural_step(alg_run *run, trpo_state *s, alg_iter_stats *stats) {
  const trpo_params *p = run->model.params;
  const alg_rows *R = &s->rows;
  size_t P = run->model.pol->P, rows = R->n, O = env_obs_dim(run->model.em);
  double delta = p->target_kl;
  /* g = ∇ mean_t r_t Â_t at θ_old = mean_t Â_t ∇ log π(a_t|s_t) */
  for (size_t t = 0; t < rows; t++) run->ws.tmp[t] = R->adv[t] / (double)rows;
  nn_zero(run->ws.grad, P);
  tr_status st = pol_forward(run->model.pol, run->state.theta, R->obs, rows, run->ws.pws, NULL);
  if (!st)
    st = pol_log_prob_grad(run->model.pol, run->state.theta, run->ws.pws, R->act, run->ws.tmp, rows,
                           run->ws.grad);
  if (st) return st;
  /* FVP subsample: the first n_sub rows of a shuffled order */
  s->n_sub = (size_t)ceil(p->fvp_fraction * (double)rows);
  if (s->n_sub < 1) s->n_sub = 1;
  if (s->n_sub < rows) {
    alg_run_shuffle(run);
    size_t m = 0;
    for (size_t i = 0; i < run->model.T && m < s->n_sub; i++)
      if (run->ws.perm[i] < rows)
        memcpy(s->sub_obs + m++ * O, R->obs + run->ws.perm[i] * O, O * sizeof(double));
  } else {
    memcpy(s->sub_obs, R->obs, rows * O * sizeof(double));
  }
  if ((st = pol_forward(run->model.pol, run->state.theta_old, s->sub_obs, s->n_sub, s->fisher_fwd,
                        NULL)))
    return st;
  trpo_fisher F = {run->model.pol, run->state.theta_old, s->fisher_fwd, s->n_sub, p->cg_damping};
  st = alg_cg_solve(s->dir, run->ws.grad, fvp, &F, p->cg_iters, TRPO_CG_RESIDUAL_TOL, s->cg);
  double sFs = 0;
  if (!st) {
    fvp(&F, s->dir, s->fv);
    for (size_t k = 0; k < P; k++) sFs += s->dir[k] * s->fv[k];
  }
  double beta;
  if (s->kind == STEP_FIXED) { /* η s: no KL normalization (only a failed CG skips) */
    beta = p->step_size;
    if (st || !isfinite(sFs)) {
      tr_error_clear();
      stats->step_frac = 0;
      return TR_OK;
    }
  } else if (st || alg_trust_region_scale(&beta, sFs, delta)) { /* guard: skip the step */
    tr_error_clear();
    stats->step_frac = 0;
    if (s->kind == STEP_LINE_SEARCH) stats->ls_shrinks = 0, stats->ls_rejected = 1;
    return TR_OK;
  }
  for (size_t k = 0; k < P; k++) s->step[k] = beta * s->dir[k];
  double surr_old;
  if ((st = objective(run, run->state.theta_old, NULL, &surr_old))) return st;
  if (s->kind != STEP_LINE_SEARCH) {
    for (size_t k = 0; k < P; k++) run->state.theta[k] = run->state.theta_old[k] + s->step[k];
    stats->step_frac = 1;
  } else {
    alg_linesearch_params par = alg_linesearch_params_default();
    par.delta = delta;
    par.shrink = p->line_search_shrink;
    par.max_backtracks = p->line_search_steps;
    if ((st = alg_linesearch_run(run->state.theta, s->step, surr_old, ls_eval, run, &par, s->ls)))
      return st;
    stats->step_frac = s->ls->state == ALG_LS_ACCEPTED ? s->ls->frac : 0;
    stats->ls_rejected = s->ls->state != ALG_LS_ACCEPTED;
    stats->ls_shrinks = (double)s->ls->k; /* of the accepted trial; rejected: every trial */
  }
  double kl, surr;
  if ((st = objective(run, run->state.theta, &kl, &surr))) return st;
  stats->kl_mean = kl;
  stats->surrogate_gain = surr - surr_old;
  if (!isfinite(kl) || !isfinite(surr)) snprintf(stats->bad, sizeof stats->bad, "surrogate or KL");
  return TR_OK;
}

static tr_status trpo_iterate(alg_run *run, alg_iter_stats *stats) {
  trpo_state *s = run->alg;
  const trpo_params *p = run->model.params;
  int vine = s->vine != NULL, norm = p->shared.normalize_advantage;
  alg_state *S = &run->state; /* the trunk (vine) or the batch (single path) */
  tr_status st = alg_run_sample(run, S->batch, S->rew_used, S->values, S->v_next, stats, vine);
  if (!st)
    st = alg_run_advantages(run, S->batch, S->rew_used, S->values, S->v_next, p->gae_lambda,
                            norm, S->adv, S->adv_raw, S->ret);
  if (st) return st;
  if (vine) {
    st = alg_sample_vine(s->vine, S->sampler, S->batch, s->vine_n, s->vine_K, s->vine_L,
                         run->model.gamma, alg_run_act, run, alg_run_value_fn, run, S->rng);
    if (st) return st;
    stats->steps += s->vine->steps;
    memcpy(run->state.theta_old, run->state.theta, run->model.pol->P * sizeof *run->state.theta);
    st = vine_rows(run, s); /* the objective's rows are the vine's */
    if (!st && norm && s->vine_snis) st = alg_advantage_normalize(s->vine_adv, s->rows.n);
  } else {
    st = alg_run_old_dist(run, S->batch, S->dist_old, &stats->entropy);
    s->rows = alg_run_rows(run);
  }
  if (!st) st = natural_step(run, s, stats);
  if (st || stats->bad[0]) return st;
  /* value targets: the trunk's λ-returns (S->ret, from alg_run_advantages above) */
  size_t vb = p->vf_batch_size, iters = p->vf_iters;
  double lr = alg_run_lr(run, p->vf_learning_rate);
  stats->lr = lr;
  /* vf_iters Adam steps: full batch (vb = 0) or minibatches of vb, as epochs of T/vb steps */
  alg_value_fit fit = {.epochs = iters, .mb = run->model.T, .lr = lr,
                       .max_grad_norm = p->max_grad_norm};
  if (vb > 0 && vb < run->model.T)
    fit.epochs = (iters * vb + run->model.T - 1) / run->model.T, fit.mb = vb;
  st = alg_run_fit_value(run, S->batch, S->values, S->ret, &fit, &stats->value_loss);
  if (!st && !isfinite(stats->value_loss)) snprintf(stats->bad, sizeof stats->bad, "value_loss");
  return st;
}

#define N(a) (sizeof a / sizeof a[0])
const alg_class alg_npg = {"npg", "natural policy gradient: theta += step_size * F^-1 g (CG on Fisher-vector products), no KL normalization, no line search",
                           p_npg, N(p_npg), 0, sizeof(trpo_params), npg_check, init_npg, trpo_iterate, trpo_free, NULL, NULL};
const alg_class alg_tnpg = {"tnpg", "truncated natural policy gradient (rllab): the KL-normalized natural step sqrt(2 target_kl / s'Fs) s, no line search",
                            p_tnpg, N(p_tnpg), 0, sizeof(trpo_params), NULL, init_tnpg, trpo_iterate, trpo_free, NULL, NULL};
const alg_class alg_trpo = {"trpo", "TRPO: natural step with backtracking line search (KL <= target_kl, surrogate improves); sampling=single|vine",
                            p_trpo, N(p_trpo), ALG_NEEDS_SNAPSHOT, sizeof(trpo_params), NULL, init_trpo, trpo_iterate, trpo_free, NULL, NULL};
