/* theory/search.c — see search.h */
#include "theory/search.h"

#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "theory/softmax.h"

int thy_search_applies(const thy_claim *c) {
  if (c->kind == THY_IDENTITY) return 0;
  if (c >= thy_claims_local && c < thy_claims_local + thy_claims_local_n) return 0;
  /* course.c4 is an identity-shaped statement; npg.rate draws its own η and T */
  return strcmp(c->id, "course.c4") != 0;
}

typedef struct {
  const thy_claim *claim;
  size_t S, A;
  double gamma;
  uint64_t seed;
  gsl_rng *rng;
  double *P, *r, *theta, *theta2, *pi, *pi2; /* scratch */
  thy_values *v, *v2;
  thy_ws *ws;
  size_t evals;
  /* best so far */
  double best_obj;
  thy_check best;
  double *best_x;
} search_ctx;

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

/* slack/room, the quantity to minimize (1 − tightness).  A violation beyond the claim's
 * rounding tolerance always counts (negative); otherwise points whose room is negligible
 * (≤ 1e-8·scale: π' = π, α = 0) say nothing about tightness and get a flat 1e3. */
static double search_objective(const thy_check *c, const thy_claim *claim) {
  double slack = c->lhs - c->rhs, tol = claim->tol * c->scale;
  if (slack < -tol) return slack / (c->room + tol);
  if (!(c->room > 1e-8 * c->scale)) return 1e3;
  return slack / c->room;
}

/* Layout of x: P logits (S·A·S), rewards (S·A), θ (S·A), θ' (S·A), α (1). */
static size_t n_params(size_t S, size_t A) { return S * A * S + 3 * S * A + 1; }

/* Decode x into an instance and run the check; returns the objective (+1e6 when the
 * instance cannot be built or the claim does not apply). */
static double evaluate(search_ctx *c, const double *x, thy_check *out) {
  size_t S = c->S, A = c->A, K = S * A;
  const double *xp = x, *xr = x + K * S, *xt = xr + K, *xt2 = xt + K;
  double alpha = logistic(xt2[K]);
  thy_softmax(c->P, xp, K, S);
  for (size_t k = 0; k < K; k++) c->r[k] = logistic(xr[k]);
  memcpy(c->theta, xt, K * sizeof *xt);
  thy_softmax(c->pi, xt, S, A);
  thy_softmax(c->pi2, xt2, S, A);
  c->evals++;
  tr_status st = TR_OK;
  mdp *m = mdp_alloc_dense(S, A, c->gamma, c->P, c->r, NULL);
  if (!m) return 1e6;
  if (!(st = thy_evaluate(c->v, m, c->pi, THY_SOLVER_DENSE, c->ws)))
    st = thy_evaluate(c->v2, m, c->pi2, THY_SOLVER_DENSE, c->ws);
  double obj = 1e6;
  if (!st) {
    gsl_rng_set(c->rng, (unsigned long)tr_seed_derive(c->seed, c->claim->id));
    thy_instance in = {m, c->pi, c->pi2, c->theta, c->v, c->v2, alpha, c->rng, c->ws};
    memset(out, 0, sizeof *out);
    if (!c->claim->check(out, &in) && out->applicable && isfinite(out->lhs) && isfinite(out->rhs))
      obj = search_objective(out, c->claim);
  }
  mdp_free(m);
  return isfinite(obj) ? obj : 1e6;
}

static double objective(const gsl_vector *x, void *params) {
  search_ctx *c = params;
  thy_check chk;
  double f = evaluate(c, x->data, &chk);
  if (f < c->best_obj) {
    c->best_obj = f;
    c->best = chk;
    memcpy(c->best_x, x->data, x->size * sizeof *c->best_x);
  }
  return f;
}

static void ctx_free(search_ctx *c) {
  gsl_rng_free(c->rng);
  free(c->P), free(c->r), free(c->theta), free(c->theta2), free(c->pi), free(c->pi2);
  free(c->best_x);
  thy_values_free(c->v);
  thy_values_free(c->v2);
  thy_ws_free(c->ws);
}

static tr_status ctx_init(search_ctx *c, const thy_claim *claim, const thy_search_opts *o) {
  size_t S = o->S, A = o->A, K = S * A;
  memset(c, 0, sizeof *c);
  c->claim = claim;
  c->S = S;
  c->A = A;
  c->gamma = o->gamma;
  c->seed = o->seed;
  c->best_obj = INFINITY;
  c->rng = tr_rng_alloc(o->seed);
  c->P = tr_malloc(K * S * sizeof *c->P);
  c->r = tr_malloc(K * sizeof *c->r);
  c->theta = tr_malloc(K * sizeof *c->theta);
  c->theta2 = tr_malloc(K * sizeof *c->theta2);
  c->pi = tr_malloc(K * sizeof *c->pi);
  c->pi2 = tr_malloc(K * sizeof *c->pi2);
  c->best_x = tr_malloc(n_params(S, A) * sizeof *c->best_x);
  c->v = thy_values_alloc(S, A);
  c->v2 = thy_values_alloc(S, A);
  c->ws = thy_ws_alloc(S);
  if (!c->rng || !c->P || !c->r || !c->theta || !c->theta2 || !c->pi || !c->pi2 ||
      !c->best_x || !c->v || !c->v2 || !c->ws) {
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

/* Rebuild the best instance from its parameters into res. */
static tr_status keep_best(thy_search_result *res, search_ctx *c) {
  size_t S = c->S, A = c->A, K = S * A;
  const double *x = c->best_x;
  thy_softmax(c->P, x, K, S);
  for (size_t k = 0; k < K; k++) c->r[k] = logistic(x[K * S + k]);
  res->m = mdp_alloc_dense(S, A, c->gamma, c->P, c->r, NULL);
  res->pi = tr_malloc(K * sizeof *res->pi);
  res->pi2 = tr_malloc(K * sizeof *res->pi2);
  if (!res->m || !res->pi || !res->pi2) return TR_ENOMEM;
  thy_softmax(res->pi, x + K * S + K, S, A);
  thy_softmax(res->pi2, x + K * S + 2 * K, S, A);
  res->alpha = logistic(x[K * S + 3 * K]);
  return TR_OK;
}

tr_status thy_search_claim(thy_search_result *res, const thy_claim *claim,
                           const thy_search_opts *o) {
  memset(res, 0, sizeof *res);
  search_ctx c;
  tr_status st = ctx_init(&c, claim, o);
  if (st) return st;
  size_t n = n_params(o->S, o->A);
  gsl_vector *x = gsl_vector_alloc(n), *step = gsl_vector_alloc(n);
  gsl_multimin_fminimizer *mz = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
  gsl_rng *r = tr_rng_derive(o->seed, claim->id);
  if (!x || !step || !mz || !r) {
    st = tr_error(TR_ENOMEM, "search: out of memory");
    goto done;
  }
  gsl_multimin_function f = {objective, n, &c};
  for (size_t rs = 0; rs < o->restarts; rs++) {
    double spread = rs % 3 == 0 ? 0.5 : rs % 3 == 1 ? 2.0 : 5.0;
    for (size_t i = 0; i < n; i++) gsl_vector_set(x, i, gsl_ran_gaussian(r, spread));
    gsl_vector_set_all(step, 1.0);
    if (gsl_multimin_fminimizer_set(mz, &f, x, step)) continue;
    for (size_t it = 0; it < o->max_iter; it++) {
      if (gsl_multimin_fminimizer_iterate(mz)) break;
      if (gsl_multimin_fminimizer_size(mz) < 1e-10) break;
    }
  }
  if (!isfinite(c.best_obj) || c.best_obj >= 1e6) {
    st = tr_error(TR_ENUM, "search %s: no applicable instance found", claim->id);
    goto done;
  }
  res->objective = c.best_obj;
  res->best = c.best;
  res->evals = c.evals;
  res->violated = thy_check_violated(&c.best, claim);
  st = keep_best(res, &c);
done:
  gsl_vector_free(x);
  gsl_vector_free(step);
  gsl_multimin_fminimizer_free(mz);
  gsl_rng_free(r);
  ctx_free(&c);
  if (st) thy_search_result_clear(res);
  return st;
}
