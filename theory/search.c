/* theory/search.c — see search.h */
#include "theory/search.h"

#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/size.h"
#include "theory/softmax.h"

enum { NM_MAX_DIM = 80, NM_ROUNDS = 4 };
static const double LOGIT_FLOOR = -30.0; /* log of a zero probability in a starting instance */

int thy_search_applies(const thy_claim *c) {
  if (c->kind == THY_IDENTITY) return 0;
  if (c >= thy_claims_local && c < thy_claims_local + thy_claims_local_n) return 0;
  /* course.c4 is an identity-shaped statement; npg.rate draws its own η and T */
  return strcmp(c->id, "course.c4") != 0;
}

/* One (S, A, γ) combination's evaluation context. */
typedef struct {
  const thy_claim *claim;
  size_t S, A, n;
  double gamma;
  uint64_t seed;
  gsl_rng *rng;
  double *P, *r, *mu, *pi, *pi2; /* scratch */
  thy_values *v, *v2;
  thy_ws *ws;
  size_t evals;
  double best_obj;
  thy_check best;
  double *best_x; /* (n) */
} search_ctx;

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }
static double logit(double p) {
  p = fmin(fmax(p, 1e-13), 1.0 - 1e-13);
  return log(p / (1.0 - p));
}
static double safe_log(double p) { return p > 0.0 ? fmax(log(p), LOGIT_FLOOR) : LOGIT_FLOOR; }

/* slack/room, the quantity to minimize (1 − tightness).  A violation beyond the claim's
 * rounding tolerance always counts (negative); otherwise points whose room is negligible
 * (≤ 1e-8·scale: π' = π, α = 0) say nothing about tightness and get a flat 1e3. */
static double search_objective(const thy_check *c, const thy_claim *claim) {
  double slack = c->lhs - c->rhs, tol = claim->tol * c->scale;
  if (slack < -tol) return slack / (c->room + tol);
  if (!(c->room > 1e-8 * c->scale)) return 1e3;
  return slack / c->room;
}

/* x = [P logits (K·S) | reward logits (K) | θ (K) | θ' (K) | α logit | μ logits (S)] */
static size_t n_params(size_t S, size_t A) { return S * A * S + 3 * S * A + 1 + S; }

/* Decode x into the context's scratch (P, r, μ, π, π'); returns α. */
static double decode(search_ctx *c, const double *x) {
  size_t S = c->S, A = c->A, K = S * A;
  const double *xr = x + K * S, *xt = xr + K, *xt2 = xt + K, *xa = xt2 + K, *xm = xa + 1;
  thy_softmax(c->P, x, K, S);
  for (size_t k = 0; k < K; k++) c->r[k] = logistic(xr[k]);
  thy_softmax(c->mu, xm, 1, S);
  thy_softmax(c->pi, xt, S, A);
  thy_softmax(c->pi2, xt2, S, A);
  return logistic(*xa);
}

/* The objective at x (+1e6 when the instance cannot be built or the claim does not apply). */
static double evaluate(search_ctx *c, const double *x, thy_check *out) {
  double alpha = decode(c, x);
  const double *theta = x + c->S * c->A * (c->S + 1);
  c->evals++;
  mdp *m = mdp_alloc_dense(c->S, c->A, c->gamma, c->P, c->r, c->mu);
  if (!m) return 1e6;
  tr_status st = thy_evaluate(c->v, m, c->pi, THY_SOLVER_DENSE, c->ws);
  if (!st) st = thy_evaluate(c->v2, m, c->pi2, THY_SOLVER_DENSE, c->ws);
  double obj = 1e6;
  if (!st) {
    gsl_rng_set(c->rng, (unsigned long)tr_seed_derive(c->seed, c->claim->id));
    thy_instance in = {m, c->pi, c->pi2, theta, c->v, c->v2, alpha, c->rng, c->ws};
    memset(out, 0, sizeof *out);
    if (!c->claim->check(out, &in) && out->applicable && isfinite(out->lhs) && isfinite(out->rhs))
      obj = search_objective(out, c->claim);
  }
  mdp_free(m);
  return isfinite(obj) ? obj : 1e6;
}

static double eval_track(search_ctx *c, const double *x) {
  thy_check chk;
  double f = evaluate(c, x, &chk);
  if (f < c->best_obj) {
    c->best_obj = f;
    c->best = chk;
    memcpy(c->best_x, x, c->n * sizeof *c->best_x);
  }
  return f;
}

static double nm_objective(const gsl_vector *x, void *params) { return eval_track(params, x->data); }

static void ctx_free(search_ctx *c) {
  gsl_rng_free(c->rng);
  free(c->P), free(c->r), free(c->mu), free(c->pi), free(c->pi2), free(c->best_x);
  thy_values_free(c->v);
  thy_values_free(c->v2);
  thy_ws_free(c->ws);
  memset(c, 0, sizeof *c);
}

static tr_status ctx_init(search_ctx *c, const thy_claim *claim, size_t S, size_t A,
                          double gamma, uint64_t seed) {
  size_t K = S * A;
  memset(c, 0, sizeof *c);
  c->claim = claim;
  c->S = S;
  c->A = A;
  c->n = n_params(S, A);
  c->gamma = gamma;
  c->seed = seed;
  c->best_obj = INFINITY;
  c->rng = tr_rng_alloc(seed);
  c->P = tr_malloc(K * S * sizeof *c->P);
  c->r = tr_malloc(K * sizeof *c->r);
  c->mu = tr_malloc(S * sizeof *c->mu);
  c->pi = tr_malloc(K * sizeof *c->pi);
  c->pi2 = tr_malloc(K * sizeof *c->pi2);
  c->best_x = tr_malloc(c->n * sizeof *c->best_x);
  c->v = thy_values_alloc(S, A);
  c->v2 = thy_values_alloc(S, A);
  c->ws = thy_ws_alloc(S);
  if (!c->rng || !c->P || !c->r || !c->mu || !c->pi || !c->pi2 || !c->best_x || !c->v ||
      !c->v2 || !c->ws) {
    ctx_free(c);
    return TR_ENOMEM;
  }
  return TR_OK;
}

void thy_search_result_clear(thy_search_result *res) {
  mdp_free(res->m);
  free(res->pi);
  free(res->pi2);
  memset(res, 0, sizeof *res);
}

/* A random starting point from the instance space: restart k cycles through diffuse and
 * near-deterministic transitions, μ uniform / near a point mass / random, and logit
 * spreads 0.5, 2, 5 for the policies. */
static void random_start(double *x, const search_ctx *c, size_t k, gsl_rng *r) {
  size_t S = c->S, A = c->A, K = S * A;
  double spread = k % 3 == 0 ? 0.5 : k % 3 == 1 ? 2.0 : 5.0;
  double *xr = x + K * S, *xt = xr + K, *xm = xt + 2 * K + 1;
  for (size_t i = 0; i < K * S; i++) x[i] = gsl_ran_gaussian(r, k % 2 ? 1.0 : 3.0);
  if (k % 4 >= 2) /* near-deterministic rows */
    for (size_t i = 0; i < K; i++) x[i * S + gsl_rng_uniform_int(r, S)] += 8.0;
  for (size_t i = 0; i < K; i++) xr[i] = gsl_ran_gaussian(r, 2.0);
  for (size_t i = 0; i < 2 * K; i++) xt[i] = gsl_ran_gaussian(r, spread);
  xt[2 * K] = gsl_ran_gaussian(r, 2.0);
  int mk = (int)(k % 3);
  for (size_t s = 0; s < S; s++) xm[s] = mk == 0 ? 0.0 : gsl_ran_gaussian(r, 1.0);
  if (mk == 1) xm[gsl_rng_uniform_int(r, S)] += 8.0;
}

/* Encode a given instance as parameters (zeros become LOGIT_FLOOR). */
static void encode_start(double *x, const search_ctx *c, const thy_search_start *st) {
  size_t S = c->S, A = c->A, K = S * A;
  double *xr = x + K * S, *xt = xr + K, *xt2 = xt + K, *xm = xt2 + K + 1;
  for (size_t k = 0; k < K; k++)
    for (size_t j = 0; j < S; j++) x[k * S + j] = safe_log(mdp_prob(st->m, k / A, k % A, j));
  for (size_t k = 0; k < K; k++) {
    xr[k] = logit(st->m->r[k]);
    xt[k] = safe_log(st->pi[k]);
    xt2[k] = safe_log(st->pi2[k]);
  }
  xt2[K] = logit(st->alpha);
  for (size_t s = 0; s < S; s++) xm[s] = safe_log(st->m->mu[s]);
}

/* Nelder–Mead from x for max_iter iterations. */
static tr_status run_nm(search_ctx *c, const double *x0, size_t max_iter, double step0) {
  gsl_vector *x = gsl_vector_alloc(c->n), *step = gsl_vector_alloc(c->n);
  gsl_multimin_fminimizer *mz = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, c->n);
  tr_status st = TR_OK;
  if (!x || !step || !mz) {
    st = tr_error(TR_ENOMEM, "search: out of memory");
    goto done;
  }
  memcpy(x->data, x0, c->n * sizeof *x0);
  gsl_multimin_function f = {nm_objective, c->n, c};
  /* NM_ROUNDS rounds, each a fresh simplex (edge step0) around the previous round's best:
   * a collapsed simplex otherwise stalls on the objective's kinks (max over states) */
  size_t per = max_iter / NM_ROUNDS + 1;
  for (int round = 0; round < NM_ROUNDS; round++) {
    gsl_vector_set_all(step, step0);
    if (gsl_multimin_fminimizer_set(mz, &f, x, step)) goto done;
    for (size_t it = 0; it < per; it++) {
      if (gsl_multimin_fminimizer_iterate(mz)) break;
      if (gsl_multimin_fminimizer_size(mz) < 1e-10) break;
    }
    gsl_vector_memcpy(x, gsl_multimin_fminimizer_x(mz));
  }
done:
  gsl_vector_free(x);
  gsl_vector_free(step);
  gsl_multimin_fminimizer_free(mz);
  return st;
}

/* (1+1)-ES: perturb about 8 random coordinates by N(0, σ²); keep the child if no worse;
 * σ ×1.5 on success, ×0.9 on failure (≈ the 1/5 success rule). */
static tr_status run_es(search_ctx *c, const double *x0, size_t max_iter, double sigma, gsl_rng *r) {
  double *x = tr_malloc(c->n * sizeof *x), *y = tr_malloc(c->n * sizeof *y);
  if (!x || !y) {
    free(x), free(y);
    return tr_error(TR_ENOMEM, "search: out of memory");
  }
  memcpy(x, x0, c->n * sizeof *x);
  double fx = eval_track(c, x), p = fmin(1.0, 8.0 / (double)c->n);
  for (size_t it = 0; it < max_iter; it++) {
    memcpy(y, x, c->n * sizeof *y);
    y[gsl_rng_uniform_int(r, c->n)] += gsl_ran_gaussian(r, sigma);
    for (size_t i = 0; i < c->n; i++)
      if (gsl_rng_uniform(r) < p) y[i] += gsl_ran_gaussian(r, sigma);
    double fy = eval_track(c, y);
    if (fy <= fx) {
      memcpy(x, y, c->n * sizeof *x);
      fx = fy;
      sigma = fmin(sigma * 1.5, 10.0);
    } else {
      sigma = fmax(sigma * 0.9, 1e-6);
    }
  }
  free(x), free(y);
  return TR_OK;
}

static tr_status improve(search_ctx *c, const double *x0, size_t max_iter, gsl_rng *r) {
  return c->n <= NM_MAX_DIM ? run_nm(c, x0, max_iter, 1.0) : run_es(c, x0, max_iter, 1.0, r);
}

/* Replace res with the context's best instance if it beats res. */
static tr_status keep_best(thy_search_result *res, search_ctx *c, const thy_claim *claim) {
  if (!(c->best_obj < res->objective)) return TR_OK;
  size_t K = c->S * c->A;
  double alpha = decode(c, c->best_x);
  mdp *m = mdp_alloc_dense(c->S, c->A, c->gamma, c->P, c->r, c->mu);
  double *pi = tr_malloc(K * sizeof *pi), *pi2 = tr_malloc(K * sizeof *pi2);
  if (!m || !pi || !pi2) {
    mdp_free(m), free(pi), free(pi2);
    return TR_ENOMEM;
  }
  memcpy(pi, c->pi, K * sizeof *pi);
  memcpy(pi2, c->pi2, K * sizeof *pi2);
  mdp_free(res->m), free(res->pi), free(res->pi2);
  res->m = m;
  res->pi = pi;
  res->pi2 = pi2;
  res->alpha = alpha;
  res->objective = c->best_obj;
  res->best = c->best;
  res->violated = thy_check_violated(&c->best, claim);
  return TR_OK;
}

/* Search one (S, A, γ) combination: its random restarts and the starting instances of its
 * sizes. */
static tr_status search_combo(thy_search_result *res, const thy_claim *claim,
                              const thy_search_opts *o, size_t S, size_t A, double gamma) {
  char id[160];
  snprintf(id, sizeof id, "search:%s:%zu:%zu:%.17g", claim->id, S, A, gamma);
  search_ctx c;
  tr_status st = ctx_init(&c, claim, S, A, gamma, o->seed);
  if (st) return st;
  gsl_rng *r = tr_rng_derive(o->seed, id);
  double *x = tr_malloc(c.n * sizeof *x);
  if (!r || !x) st = TR_ENOMEM;
  for (size_t i = 0; !st && i < o->n_starts; i++) {
    const thy_search_start *s0 = &o->starts[i];
    if (s0->m->S != S || s0->m->A != A || s0->m->gamma != gamma) continue;
    encode_start(x, &c, s0);
    st = improve(&c, x, o->max_iter, r);
  }
  for (size_t k = 0; !st && k < o->restarts; k++) {
    random_start(x, &c, k, r);
    st = improve(&c, x, o->max_iter, r);
  }
  res->evals += c.evals;
  if (!st) st = keep_best(res, &c, claim);
  free(x);
  gsl_rng_free(r);
  ctx_free(&c);
  return st;
}

/* The budgeted work of one combination (search.h: starting points × max_iter × cost). */
static double combo_work(const thy_search_opts *o, size_t S, size_t A, double gamma) {
  size_t n = o->restarts;
  for (size_t i = 0; i < o->n_starts; i++) {
    const mdp *m = o->starts[i].m;
    n += m->S == S && m->A == A && m->gamma == gamma;
  }
  return (double)n * (double)(o->max_iter + 1) * ((double)S * (double)S * (double)(A + 1) + 32.0);
}

tr_status thy_search_claim(thy_search_result *res, const thy_claim *claim,
                           const thy_search_opts *o) {
  memset(res, 0, sizeof *res);
  res->objective = INFINITY;
  tr_status st = TR_OK;
  double total = 0.0, done = 0.0;
  for (size_t i = 0; i < o->n_states; i++)
    for (size_t j = 0; j < o->n_actions; j++)
      for (size_t k = 0; k < o->n_gammas; k++)
        total += combo_work(o, o->states[i], o->actions[j], o->gammas[k]);
  for (size_t i = 0; !st && i < o->n_states; i++)
    for (size_t j = 0; !st && j < o->n_actions; j++)
      for (size_t k = 0; !st && k < o->n_gammas; k++) {
        st = search_combo(res, claim, o, o->states[i], o->actions[j], o->gammas[k]);
        done += combo_work(o, o->states[i], o->actions[j], o->gammas[k]);
        if (!st && o->progress) o->progress(o->progress_arg, total > 0.0 ? done / total : 1.0, res->evals);
      }
  if (!st && (!res->m || res->objective >= 1e6))
    st = tr_error(TR_ENUM, "search %s: no applicable instance found", claim->id);
  if (st) thy_search_result_clear(res);
  return st;
}
