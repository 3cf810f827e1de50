/* algorithms/alg_cpi.c — conservative policy iteration (Kakade & Langford 2002), tabular.
 *
 * π_{k+1} = (1−α) π_k + α π',  π' greedy for the advantage estimate Â(s,a):
 *   advantage=exact: Â = A_{π_k}, the exact advantage (the theorem's setting), and
 *     𝔸 = Σ_s d_{π_k}(s) Σ_a π'(a|s) A(s,a) under the exact discounted occupancy d.
 *   advantage=sampled: the batch is split by episodes (alternate episodes, by the order in
 *     which they started: independent given π_k).  From the first half, Â(s,a) = the mean of
 *     its GAE(γ, λ) advantages (λ = 1: Monte Carlo) over the visits of (s,a), and π' greedy
 *     for it (states never visited keep π_k).  From the second half alone, 𝔸 is estimated
 *     with the discounted occupancy as weights — row t at time τ_t of its episode gets γ^τ_t —
 *     and the sampled action importance-weighted:
 *       𝔸̂ = Σ_t γ^τ_t (π'(a_t|s_t)/π_k(a_t|s_t) − 1) Â_t / Σ_t γ^τ_t,
 *     a ratio estimate of E_{s∼d} Σ_a π'(a|s) A(s,a) (consistent; unbiased in the numerator).
 *     The −1 makes it immune to the value function's error: with E[Â | s, a] = Q(s,a) − V̂(s),
 *     Σ_a (π' − π)(a|s) (Q(s,a) − V̂(s)) = Σ_a π'(a|s) A(s,a) whatever V̂ is.
 *     Choosing π' and evaluating it on the same samples would bias 𝔸̂ upward (the maximum of
 *     noisy means), and α with it (issue 9).
 * The step: alpha > 0 fixes α; alpha = 0 takes the AJKS step α = 𝔸(1−γ)²/(4γ) clipped to
 * [0,1].  For rewards in [0,1] and exact advantages it guarantees
 * J(π_{k+1}) − J(π_k) ≥ 𝔸²(1−γ)/(8γ) (REFERENCES.md § 2, item 11).
 * The policy is stored as tabular logits θ = log π. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/checkpoint.h"
#include "algorithms/run.h"
#include "core/size.h"

typedef struct {
  double *ahat;   /* (S, A) */
  double *count;  /* (S, A) */
  double *greedy; /* (S, A) π' */
  double bound;   /* the AJKS lower bound of the last step (exact mode), for tests */
  double advantage; /* 𝔸 of the last step */
  double advantage_same; /* sampled: 𝔸 estimated on the half that chose π' (for tests) */
  /* sampled: per environment stream, the current episode's time and its number (parity
   * decides its half), kept across batches */
  size_t *ep_t, *ep_id, n_started;
  unsigned char *half;    /* (T) 0: chooses π', 1: estimates 𝔸 */
  double *disc;           /* (T) γ^τ of each row */
} cpi_state;

typedef enum { CPI_SAMPLED = 0, CPI_EXACT = 1 } cpi_advantage;
typedef struct {
  alg_shared_params shared;
  double gae_lambda;
  int advantage; /* cpi_advantage */
  double alpha;  /* 0: the AJKS step */
} cpi_params;
#define CPI_AT(field) offsetof(cpi_params, field)

static const alg_param p_cpi[] = {
    ALG_COMMON_PARAMS(0, 1, 0),
    {"n_steps", ALG_INT, 2048, 1, 1e8, NULL, "environment steps per batch", ALG_SHARED(n_steps)},
    {"gae_lambda", ALG_REAL, 1, 0, 1, NULL, "lambda of the sampled advantages", CPI_AT(gae_lambda)},
    {"advantage", ALG_CHOICE, 0, 0, 0, "sampled|exact",
     "advantage estimate: from the batch, or exact", CPI_AT(advantage)},
    {"alpha", ALG_REAL, 0, 0, 1, NULL, "mixture step (0: the AJKS step from the policy advantage)",
     CPI_AT(alpha)}};

/* The value table's fit per iteration: 20 full-batch Adam steps at 1e-2 (a tabular V is a
 * table; these only feed the value_loss column, CPI's step uses Â, not V). */
#define CPI_VF_ITERS 20
#define CPI_VF_LR 1e-2

static tr_status cpi_init(alg_run *run) {
  cpi_state *s = tr_calloc(1, sizeof *s);
  if (!s) return TR_ENOMEM;
  run->alg = s;
  size_t n = run->model.tab->S * run->model.tab->A;
  s->ahat = tr_malloc(n * sizeof *s->ahat);
  s->count = tr_malloc(n * sizeof *s->count);
  s->greedy = tr_malloc(n * sizeof *s->greedy);
  size_t E = run->model.E, T = run->model.T;
  s->ep_t = tr_calloc(E, sizeof *s->ep_t);
  s->ep_id = tr_calloc(E, sizeof *s->ep_id);
  s->half = tr_malloc(T * sizeof *s->half);
  s->disc = tr_malloc(T * sizeof *s->disc);
  if (!s->ahat || !s->count || !s->greedy || !s->ep_t || !s->ep_id || !s->half || !s->disc) return TR_ENOMEM;
  for (size_t i = 0; i < E; i++) s->ep_id[i] = s->n_started++;
  return TR_OK;
}

static void cpi_free(alg_run *run) {
  cpi_state *s = run->alg;
  if (!s) return;
  free(s->ahat), free(s->count), free(s->greedy);
  free(s->ep_t), free(s->ep_id), free(s->half), free(s->disc);
  free(s);
  run->alg = NULL;
}

/* Each row's half (its episode's parity) and discount γ^τ (τ: time in its episode); the
 * batch is time-major over E streams; an episode goes on across a batch-end cut. */
static void split_rows(alg_run *run, cpi_state *s) {
  const alg_batch *b = run->state.batch;
  size_t E = run->model.E;
  for (size_t t = 0; t < run->model.T; t++) {
    size_t i = t % E;
    s->half[t] = (unsigned char)(s->ep_id[i] % 2);
    s->disc[t] = pow(run->model.gamma, (double)s->ep_t[i]);
    if (b->term[t] || (b->trunc[t] && !b->cut[t])) {
      s->ep_t[i] = 0;
      s->ep_id[i] = s->n_started++;
    } else {
      s->ep_t[i]++;
    }
  }
}

/* Â table from the rows of half 0; unvisited entries get −inf (never greedy). */
static void sampled_table(alg_run *run, cpi_state *s) {
  size_t S = run->model.tab->S, A = run->model.tab->A;
  memset(s->ahat, 0, S * A * sizeof *s->ahat);
  memset(s->count, 0, S * A * sizeof *s->count);
  for (size_t t = 0; t < run->model.T; t++) {
    if (s->half[t]) continue;
    size_t k = run->state.batch->state[t] * A + (size_t)run->state.batch->act[t];
    s->ahat[k] += run->state.adv_raw[t];
    s->count[k] += 1;
  }
  for (size_t k = 0; k < S * A; k++)
    s->ahat[k] = s->count[k] > 0 ? s->ahat[k] / s->count[k] : -INFINITY;
}

/* 𝔸̂ on the rows of one half (see the file comment); 0 if the half is empty. */
static double split_estimate(const alg_run *run, const cpi_state *s, unsigned char which) {
  const alg_batch *b = run->state.batch;
  size_t A = run->model.tab->A;
  const double *pi = run->state.pi_old_tab;
  double num = 0, den = 0;
  for (size_t t = 0; t < run->model.T; t++) {
    if (s->half[t] != which) continue;
    size_t k = b->state[t] * A + (size_t)b->act[t];
    num += s->disc[t] * (s->greedy[k] / pi[k] - 1.0) * run->state.adv_raw[t];
    den += s->disc[t];
  }
  return den > 0 ? num / den : 0.0;
}

static tr_status cpi_iterate(alg_run *run, alg_iter_stats *stats) {
  cpi_state *s = run->alg;
  size_t S = run->model.tab->S, A = run->model.tab->A;
  const cpi_params *p = run->model.params;
  int exact = p->advantage == CPI_EXACT;
  alg_state *rs = &run->state; /* the batch and its arrays */
  tr_status st = alg_run_sample(run, rs->batch, rs->rew_used, rs->values, rs->v_next, stats, 0);
  if (!st)
    st = alg_run_advantages(run, rs->batch, rs->rew_used, rs->values, rs->v_next,
                            p->gae_lambda, 0, rs->adv, rs->adv_raw, rs->ret);
  if (!st) st = alg_run_old_dist(run, rs->batch, rs->dist_old, &stats->entropy);
  if (st) return st;
  const double *pi = run->state.pi_old_tab; /* tabulated by alg_run_iterate before this call */
  if (exact) {
    memcpy(s->ahat, run->state.ex_old->Adv, S * A * sizeof *s->ahat);
  } else {
    split_rows(run, s);
    sampled_table(run, s);
  }
  /* π' greedy for Â; a state with no visited action keeps π */
  for (size_t st_ = 0; st_ < S; st_++) {
    size_t best = 0;
    for (size_t a = 1; a < A; a++)
      if (s->ahat[st_ * A + a] > s->ahat[st_ * A + best]) best = a;
    int seen = isfinite(s->ahat[st_ * A + best]);
    for (size_t a = 0; a < A; a++)
      s->greedy[st_ * A + a] = seen ? (a == best) : pi[st_ * A + a];
  }
  double adv = 0, g = run->model.gamma;
  if (exact) {
    adv = thy_policy_advantage(run->state.ex_old->d, s->ahat, s->greedy, S, A);
  } else {
    adv = split_estimate(run, s, 1);
    s->advantage_same = split_estimate(run, s, 0);
  }
  double alpha = p->alpha;
  if (alpha == 0) alpha = fmin(1.0, fmax(0.0, adv * (1 - g) * (1 - g) / (4 * g)));
  s->advantage = adv;
  s->bound = alpha / (1 - g) * (adv - 2 * alpha * g / ((1 - g) * (1 - g)));
  for (size_t k = 0; k < S * A; k++) {
    double p = (1 - alpha) * pi[k] + alpha * s->greedy[k];
    run->state.theta[k] =
        p > 0 ? log(p) : -745.0; /* exp(−745) underflows to the smallest subnormal */
  }
  stats->step_frac = alpha;
  double kl;
  alg_rows rows = alg_run_rows(run);
  if ((st = alg_run_mean_kl(run, &rows, run->state.theta, &kl))) return st;
  stats->kl_mean = kl;
  stats->surrogate_gain = adv;
  alg_value_fit fit = {.epochs = CPI_VF_ITERS, .mb = run->model.T, .lr = CPI_VF_LR};
  return alg_run_fit_value(run, rs->batch, rs->values, rs->ret, &fit, &stats->value_loss);
}

/* For tests: the AJKS lower bound and 𝔸 of the last step. */
void alg_cpi_last_step(const alg_run *run, double *bound, double *advantage) {
  const cpi_state *s = run->alg;
  *bound = s->bound;
  *advantage = s->advantage;
}

/* For tests (sampled mode): the π' (S, A) of the last step and 𝔸 estimated on the half that
 * chose it (biased upward). */
const double *alg_cpi_last_greedy(const alg_run *run, double *advantage_same) {
  const cpi_state *s = run->alg;
  *advantage_same = s->advantage_same;
  return s->greedy;
}

/* Between batches: each stream's episode time and number (its half), the episodes started. */
static tr_status cpi_checkpoint(alg_run *run, alg_ckpt_io *io) {
  cpi_state *s = run->alg;
  size_t E = run->model.E;
  tr_status st = TR_OK;
  for (size_t i = 0; !st && i < E; i++) {
    char name[64];
    snprintf(name, sizeof name, "cpi.ep_t%zu", i);
    st = alg_ckpt_size(io, name, &s->ep_t[i]);
    snprintf(name, sizeof name, "cpi.ep_id%zu", i);
    if (!st) st = alg_ckpt_size(io, name, &s->ep_id[i]);
  }
  return st ? st : alg_ckpt_size(io, "cpi.n_started", &s->n_started);
}

const alg_class alg_cpi = {"cpi", "conservative policy iteration: mixture with the greedy policy (AJKS step by default)",
                           p_cpi, sizeof p_cpi / sizeof *p_cpi, ALG_NEEDS_TABULAR | ALG_NEEDS_DISCRETE,
                           sizeof(cpi_params), NULL,
                           cpi_init, cpi_iterate, cpi_free, cpi_checkpoint, NULL};
