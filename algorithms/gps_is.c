/* algorithms/gps_is.c — see gps_is.h. */
#include "algorithms/gps_is.h"
#include "core/size.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the guiding distribution ------------------------------------------------------------- */

/* mean (U) and the Cholesky factor L (U, U) of P = −Quu_t */
static tr_status guide_parts(const ilqr *il, size_t t, const double *s, double *mean, double *L) {
  size_t U = il->p.U;
  if (t >= il->p.H) return tr_error(TR_EINVAL, "guiding distribution: t = %zu >= H = %zu", t, il->p.H);
  alg_ilqr_law(il, t, 1.0, s, mean);
  for (size_t i = 0; i < U * U; i++) L[i] = -il->Quu[t * U * U + i];
  for (size_t j = 0; j < U; j++) {
    double d = L[j * U + j];
    for (size_t k = 0; k < j; k++) d -= L[j * U + k] * L[j * U + k];
    if (!(d > 0.0))
      return tr_error(TR_ENUM, "guiding distribution: -Q_uu at t = %zu is not positive definite", t);
    d = sqrt(d);
    L[j * U + j] = d;
    for (size_t i = j + 1; i < U; i++) {
      double v = L[i * U + j];
      for (size_t k = 0; k < j; k++) v -= L[i * U + k] * L[j * U + k];
      L[i * U + j] = v / d;
    }
    for (size_t i = 0; i < j; i++) L[i * U + j] = 0.0;
  }
  return TR_OK;
}

tr_status alg_guide_logpdf(const ilqr *il, size_t t, const double *s, const double *u,
                           double *logp) {
  size_t U = il->p.U;
  double mean[64], L[64 * 64];
  if (U > 64) return tr_error(TR_EINVAL, "guiding distribution: U = %zu > 64", U);
  tr_status st = guide_parts(il, t, s, mean, L);
  if (st) return st;
  /* (u − μ)ᵀ L Lᵀ (u − μ) = ‖Lᵀ(u − μ)‖² */
  double q = 0.0, ld = 0.0;
  for (size_t j = 0; j < U; j++) {
    double v = 0.0;
    for (size_t i = j; i < U; i++) v += L[i * U + j] * (u[i] - mean[i]);
    q += v * v;
    ld += log(L[j * U + j]);
  }
  *logp = -0.5 * q + ld - 0.5 * (double)U * log(2.0 * M_PI);
  return TR_OK;
}

tr_status alg_guide_sample(const ilqr *il, size_t t, const double *s, gsl_rng *r, double *u) {
  size_t U = il->p.U;
  double mean[64], L[64 * 64], xi[64];
  if (U > 64) return tr_error(TR_EINVAL, "guiding distribution: U = %zu > 64", U);
  tr_status st = guide_parts(il, t, s, mean, L);
  if (st) return st;
  for (size_t i = 0; i < U; i++) xi[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
  /* solve Lᵀ y = ξ (back substitution) */
  for (size_t i = U; i-- > 0;) {
    double v = xi[i];
    for (size_t k = i + 1; k < U; k++) v -= L[k * U + i] * xi[k];
    xi[i] = v / L[i * U + i];
  }
  for (size_t i = 0; i < U; i++) u[i] = mean[i] + xi[i];
  return TR_OK;
}

/* ---- the objective ------------------------------------------------------------------------ */

struct alg_is_ws {
  pol_ws *pws;
  double *logp;  /* (m·T) log π_θ */
  double *logw;  /* (m·T) */
  double *cum;   /* (n_q) running Σ log q_j */
  double *c;     /* (m·T) gradient weights */
  double *wn;    /* (m·T) normalized weights w/Z_t */
  double *J;     /* (T) Ĵ_t */
  double *grad;  /* (P) for the optimizer */
  const pol_policy *pol;
  const alg_is_data *data;
  double w_r;
};

void alg_is_ws_free(alg_is_ws *ws) {
  if (!ws) return;
  pol_ws_free(ws->pws);
  free(ws->logp), free(ws->logw), free(ws->cum), free(ws->c), free(ws->wn), free(ws->J);
  free(ws->grad);
  free(ws);
}

alg_is_ws *alg_is_ws_alloc(const pol_policy *pol, const alg_is_data *data) {
  size_t B = data->m * data->T;
  if (!B || !data->n_q) {
    tr_error(TR_EINVAL, "importance sampling: m = %zu, T = %zu, n_q = %zu (all must be > 0)",
             data->m, data->T, data->n_q);
    return NULL;
  }
  alg_is_ws *ws = tr_calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->pws = pol_ws_alloc(pol, B);
  ws->logp = tr_malloc(B * sizeof(double));
  ws->logw = tr_malloc(B * sizeof(double));
  ws->c = tr_malloc(B * sizeof(double));
  ws->wn = tr_malloc(B * sizeof(double));
  ws->cum = tr_malloc(data->n_q * sizeof(double));
  ws->J = tr_malloc(data->T * sizeof(double));
  ws->grad = tr_malloc(pol->P * sizeof(double));
  if (!ws->pws || !ws->logp || !ws->logw || !ws->c || !ws->wn || !ws->cum || !ws->J || !ws->grad) {
    alg_is_ws_free(ws);
    return NULL;
  }
  return ws;
}

/* log w (m, T) into ws->logw, log π into ws->logp. */
static tr_status log_weights(const pol_policy *pol, const double *theta, const alg_is_data *d,
                             alg_is_ws *ws) {
  size_t m = d->m, T = d->T, B = m * T;
  tr_status st = pol_forward(pol, theta, d->obs, B, ws->pws, NULL);
  if (!st) st = pol_log_prob(pol, ws->pws->dist, d->act, B, ws->logp);
  if (st) return st;
  for (size_t i = 0; i < m; i++) {
    double lp = 0.0;
    for (size_t j = 0; j < d->n_q; j++) ws->cum[j] = 0.0;
    for (size_t t = 0; t < T; t++) {
      lp += ws->logp[i * T + t];
      double mx = -INFINITY;
      for (size_t j = 0; j < d->n_q; j++) {
        ws->cum[j] += d->logq[(j * m + i) * T + t];
        mx = fmax(mx, ws->cum[j]);
      }
      double s = 0.0;
      for (size_t j = 0; j < d->n_q; j++) s += exp(ws->cum[j] - mx);
      double logq = mx + log(s) - log((double)d->n_q);
      ws->logw[i * T + t] = lp - logq;
    }
  }
  return TR_OK;
}

tr_status alg_is_objective(const pol_policy *pol, const double *theta, const alg_is_data *d,
                           double w_r, alg_is_ws *ws, double *phi, double *grad) {
  size_t m = d->m, T = d->T;
  tr_status st = log_weights(pol, theta, d, ws);
  if (st) return st;
  double total = 0.0;
  for (size_t t = 0; t < T; t++) {
    double mx = -INFINITY;
    for (size_t i = 0; i < m; i++) mx = fmax(mx, ws->logw[i * T + t]);
    double s = 0.0;
    for (size_t i = 0; i < m; i++) s += exp(ws->logw[i * T + t] - mx);
    double logZ = mx + log(s), Jt = 0.0;
    for (size_t i = 0; i < m; i++) {
      double wn = exp(ws->logw[i * T + t] - logZ);
      ws->wn[i * T + t] = wn;
      Jt += wn * d->rew[i * T + t];
    }
    ws->J[t] = Jt;
    total += Jt + w_r * logZ;
  }
  *phi = total;
  if (!grad) return TR_OK;
  for (size_t i = 0; i < m; i++) {
    double acc = 0.0;
    for (size_t t = T; t-- > 0;) {
      acc += ws->wn[i * T + t] * (d->rew[i * T + t] - ws->J[t] + w_r);
      ws->c[i * T + t] = acc;
    }
  }
  nn_zero(grad, pol->P);
  return pol_log_prob_grad(pol, theta, ws->pws, d->act, ws->c, m * T, grad);
}

tr_status alg_is_causal(const pol_policy *pol, const double *theta, const alg_is_data *d,
                        alg_is_ws *ws, double *est) {
  tr_status st = log_weights(pol, theta, d, ws);
  if (st) return st;
  double s = 0.0;
  for (size_t i = 0; i < d->m * d->T; i++) s += exp(ws->logw[i]) * d->rew[i];
  *est = s / (double)d->m;
  return TR_OK;
}

/* ---- L-BFGS (GSL) on −Φ --------------------------------------------------------------- */

static double neg_f(const gsl_vector *x, void *p) {
  alg_is_ws *ws = p;
  double phi;
  if (alg_is_objective(ws->pol, x->data, ws->data, ws->w_r, ws, &phi, NULL)) return GSL_NAN;
  return -phi;
}
static void neg_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) {
  alg_is_ws *ws = p;
  double phi;
  if (alg_is_objective(ws->pol, x->data, ws->data, ws->w_r, ws, &phi, ws->grad)) {
    *f = GSL_NAN;
    return;
  }
  *f = -phi;
  for (size_t k = 0; k < ws->pol->P; k++) gsl_vector_set(g, k, -ws->grad[k]);
}
static void neg_df(const gsl_vector *x, void *p, gsl_vector *g) {
  double f;
  neg_fdf(x, p, &f, g);
}

tr_status alg_is_optimize(const pol_policy *pol, double *theta, const alg_is_data *data,
                          double w_r, size_t iters, alg_is_ws *ws, double *phi) {
  size_t P = pol->P;
  ws->pol = pol;
  ws->data = data;
  ws->w_r = w_r;
  gsl_multimin_function_fdf F = {neg_f, neg_df, neg_fdf, P, ws};
  gsl_vector_view x0 = gsl_vector_view_array(theta, P);
  gsl_multimin_fdfminimizer *mz =
      gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, P);
  if (!mz) return tr_error(TR_ENOMEM, "L-BFGS: no memory");
  gsl_error_handler_t *old = gsl_set_error_handler_off();
  gsl_multimin_fdfminimizer_set(mz, &F, &x0.vector, 0.01, 0.1);
  for (size_t k = 0; k < iters; k++) {
    int s = gsl_multimin_fdfminimizer_iterate(mz);
    if (s) break; /* no further progress along the line: keep the best point */
    if (gsl_multimin_test_gradient(mz->gradient, 1e-6) == GSL_SUCCESS) break;
  }
  gsl_set_error_handler(old);
  double f = gsl_multimin_fdfminimizer_minimum(mz);
  memcpy(theta, gsl_multimin_fdfminimizer_x(mz)->data, P * sizeof *theta);
  gsl_multimin_fdfminimizer_free(mz);
  if (!isfinite(f)) return tr_error(TR_ENUM, "L-BFGS: the objective is not finite");
  *phi = -f;
  return TR_OK;
}

tr_status alg_is_ess(const pol_policy *pol, const double *theta, const alg_is_data *d,
                     alg_is_ws *ws, double *ess_min, double *ess_mean) {
  double phi;
  tr_status st = alg_is_objective(pol, theta, d, 0.0, ws, &phi, NULL);
  if (st) return st;
  double mn = INFINITY, sum = 0.0;
  for (size_t t = 0; t < d->T; t++) {
    double s2 = 0.0;
    for (size_t i = 0; i < d->m; i++) s2 += ws->wn[i * d->T + t] * ws->wn[i * d->T + t];
    double e = 1.0 / s2;
    mn = fmin(mn, e);
    sum += e;
  }
  *ess_min = mn;
  *ess_mean = sum / (double)d->T;
  return TR_OK;
}

void alg_logpi_derivs_add(size_t U, size_t N, double w, const double *e, const double *D,
                          const double *M, double *rx, double *ru, double *rxx, double *ruu,
                          double *rux) {
  for (size_t i = 0; i < U; i++) {
    ru[i] -= w * D[i] * e[i];
    ruu[i * U + i] -= w * D[i];
    for (size_t j = 0; j < N; j++) {
      rx[j] += w * M[i * N + j] * D[i] * e[i];
      rux[i * N + j] += w * D[i] * M[i * N + j];
    }
  }
  for (size_t j = 0; j < N; j++)
    for (size_t l = 0; l < N; l++) {
      double v = 0.0;
      for (size_t i = 0; i < U; i++) v += M[i * N + j] * D[i] * M[i * N + l];
      rxx[j * N + l] -= w * v;
    }
}

/* ---- maximum likelihood (L-BFGS on the mean negative log-likelihood) ---------------- */

typedef struct {
  const pol_policy *pol;
  pol_ws *pws;
  const double *obs, *act;
  size_t B;
  double *logp, *grad;
} ml_ctx;

static tr_status ml_eval(ml_ctx *c, const double *theta, double *ll, int want_grad) {
  tr_status st = pol_forward(c->pol, theta, c->obs, c->B, c->pws, NULL);
  if (!st) st = pol_log_prob(c->pol, c->pws->dist, c->act, c->B, c->logp);
  if (st) return st;
  double s = 0.0;
  for (size_t b = 0; b < c->B; b++) s += c->logp[b];
  *ll = s / (double)c->B;
  if (!want_grad) return TR_OK;
  nn_zero(c->grad, c->pol->P);
  st = pol_log_prob_grad(c->pol, theta, c->pws, c->act, NULL, c->B, c->grad);
  for (size_t k = 0; k < c->pol->P; k++) c->grad[k] /= (double)c->B;
  return st;
}
static double ml_f(const gsl_vector *x, void *p) {
  double ll;
  return ml_eval(p, x->data, &ll, 0) ? GSL_NAN : -ll;
}
static void ml_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g) {
  ml_ctx *c = p;
  double ll;
  if (ml_eval(c, x->data, &ll, 1)) {
    *f = GSL_NAN;
    return;
  }
  *f = -ll;
  for (size_t k = 0; k < c->pol->P; k++) gsl_vector_set(g, k, -c->grad[k]);
}
static void ml_df(const gsl_vector *x, void *p, gsl_vector *g) {
  double f;
  ml_fdf(x, p, &f, g);
}

tr_status alg_ml_fit(const pol_policy *pol, double *theta, const double *obs, const double *act,
                     size_t B, size_t iters, double *ll0, double *ll1) {
  if (!B) return tr_error(TR_EINVAL, "maximum likelihood: no samples");
  size_t P = pol->P;
  ml_ctx c = {pol, pol_ws_alloc(pol, B), obs, act, B, tr_malloc(B * sizeof(double)),
              tr_malloc(P * sizeof(double))};
  gsl_multimin_fdfminimizer *mz =
      gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, P);
  tr_status st = TR_OK;
  if (!c.pws || !c.logp || !c.grad || !mz) st = tr_error(TR_ENOMEM, "maximum likelihood: no memory");
  double ll = NAN;
  if (!st) st = ml_eval(&c, theta, &ll, 0);
  if (!st && ll0) *ll0 = ll;
  if (!st && iters) {
    gsl_multimin_function_fdf F = {ml_f, ml_df, ml_fdf, P, &c};
    gsl_vector_view x0 = gsl_vector_view_array(theta, P);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    gsl_multimin_fdfminimizer_set(mz, &F, &x0.vector, 0.01, 0.1);
    for (size_t k = 0; k < iters; k++) {
      if (gsl_multimin_fdfminimizer_iterate(mz)) break;
      if (gsl_multimin_test_gradient(mz->gradient, 1e-6) == GSL_SUCCESS) break;
    }
    gsl_set_error_handler(old);
    double f = gsl_multimin_fdfminimizer_minimum(mz);
    if (!isfinite(f)) st = tr_error(TR_ENUM, "maximum likelihood: the log-likelihood is not finite");
    else {
      memcpy(theta, gsl_multimin_fdfminimizer_x(mz)->data, P * sizeof *theta);
      ll = -f;
    }
  }
  if (!st && ll1) *ll1 = ll;
  if (mz) gsl_multimin_fdfminimizer_free(mz);
  pol_ws_free(c.pws);
  free(c.logp), free(c.grad);
  return st;
}
