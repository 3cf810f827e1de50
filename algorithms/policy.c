/* algorithms/policy.c — see policy.h */
#include "algorithms/policy.h"

#include <cblas.h>
/* gsl_randist.h includes gsl_cblas.h (through gsl_matrix.h), which redeclares the CBLAS
 * enums of OpenBLAS's cblas.h.  OpenBLAS's declarations are the same standard ones and
 * serve GSL's blas types too, so mark GSL's header as already seen. */
#define __GSL_CBLAS_H__
#include <gsl/gsl_randist.h>
#include <math.h>
#include "core/mathx.h"
#include "core/size.h"
#include <stdlib.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836 /* log 2π */

/* ---- shapes -------------------------------------------------------------------------- */

/* The MLP widths (in, hidden…, out); NULL with a message on failure. */
static nn_mlp *mlp_of(size_t in, size_t n_hidden, const size_t *hidden, size_t out) {
  if (n_hidden && !hidden) {
    tr_error(TR_EINVAL, "%zu hidden layers but no widths", n_hidden);
    return NULL;
  }
  size_t *sizes = tr_malloc((n_hidden + 2) * sizeof *sizes);
  if (!sizes) return NULL;
  sizes[0] = in;
  for (size_t i = 0; i < n_hidden; i++) sizes[i + 1] = hidden[i];
  sizes[n_hidden + 1] = out;
  nn_mlp *net = nn_mlp_alloc(n_hidden + 2, sizes);
  free(sizes);
  return net;
}

pol_policy *pol_tabular_alloc(size_t S, size_t A) {
  if (S == 0 || A == 0) {
    tr_error(TR_EINVAL, "pol_tabular_alloc: need S ≥ 1 and A ≥ 1, got S = %zu, A = %zu", S, A);
    return NULL;
  }
  pol_policy *pol = tr_calloc(1, sizeof *pol);
  if (!pol) return NULL;
  *pol = (pol_policy){.kind = POL_TABULAR, .O = S, .A = A, .K = A, .W = 1, .P = S * A};
  return pol;
}

pol_policy *pol_categorical_alloc(size_t O, size_t n_hidden, const size_t *hidden, size_t A) {
  nn_mlp *net = mlp_of(O, n_hidden, hidden, A);
  if (!net) {
    tr_error_prefix("pol_categorical_alloc");
    return NULL;
  }
  pol_policy *pol = tr_calloc(1, sizeof *pol);
  if (!pol) {
    nn_mlp_free(net);
    return NULL;
  }
  *pol = (pol_policy){.kind = POL_CATEGORICAL, .O = O, .A = A, .K = A, .W = 1,
                      .P = net->P, .P_net = net->P, .net = net};
  return pol;
}

pol_policy *pol_gaussian_alloc(size_t O, size_t n_hidden, const size_t *hidden, size_t U) {
  nn_mlp *net = mlp_of(O, n_hidden, hidden, U);
  if (!net) {
    tr_error_prefix("pol_gaussian_alloc");
    return NULL;
  }
  pol_policy *pol = tr_calloc(1, sizeof *pol);
  if (!pol) {
    nn_mlp_free(net);
    return NULL;
  }
  *pol = (pol_policy){.kind = POL_GAUSSIAN, .O = O, .U = U, .K = 2 * U, .W = U,
                      .P = net->P + U, .P_net = net->P, .net = net};
  return pol;
}

void pol_free(pol_policy *pol) {
  if (!pol) return;
  nn_mlp_free(pol->net);
  free(pol);
}

size_t pol_n_params(const pol_policy *pol) { return pol->P; }
size_t pol_dist_width(const pol_policy *pol) { return pol->K; }
size_t pol_act_width(const pol_policy *pol) { return pol->W; }

tr_status pol_init(const pol_policy *pol, double *params, double gain_out, gsl_rng *r) {
  nn_zero(params, pol->P); /* tabular θ = 0; Gaussian log-stds ℓ = 0 */
  if (!pol->net) return TR_OK;
  return nn_mlp_init_orthogonal(pol->net, params, NN_GAIN_HIDDEN, gain_out, r);
}

pol_ws *pol_ws_alloc(const pol_policy *pol, size_t Bmax) {
  if (Bmax == 0) {
    tr_error(TR_EINVAL, "pol_ws_alloc: Bmax must be at least 1");
    return NULL;
  }
  pol_ws *ws = tr_calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->Bmax = Bmax;
  int ok = 1;
  if (pol->net) ok = (ws->nn = nn_ws_alloc(pol->net, Bmax)) != NULL;
  if (pol->kind == POL_TABULAR) ok = ok && (ws->obs = tr_malloc(Bmax * pol->O * sizeof *ws->obs));
  if (pol->kind == POL_GAUSSIAN)
    ok = ok && (ws->net_io = tr_malloc(Bmax * pol->U * sizeof *ws->net_io));
  ok = ok && (ws->dist = tr_malloc(Bmax * pol->K * sizeof *ws->dist));
  ok = ok && (ws->ddist = tr_malloc(Bmax * pol->K * sizeof *ws->ddist));
  ok = ok && (ws->jv = tr_malloc(Bmax * pol->K * sizeof *ws->jv));
  if (!ok) {
    pol_ws_free(ws);
    return NULL;
  }
  return ws;
}

void pol_ws_free(pol_ws *ws) {
  if (!ws) return;
  nn_ws_free(ws->nn);
  free(ws->obs);
  free(ws->dist);
  free(ws->ddist);
  free(ws->jv);
  free(ws->net_io);
  free(ws);
}

/* ---- forward ------------------------------------------------------------------------- */

tr_status pol_forward(const pol_policy *pol, const double *params, const double *obs, size_t B,
                      pol_ws *ws, double *dist) {
  if (B == 0 || B > ws->Bmax)
    return tr_error(TR_EINVAL, "pol_forward: batch of %zu states; the workspace holds 1 to %zu",
                    B, ws->Bmax);
  const size_t K = pol->K;
  tr_status st = TR_OK;
  switch (pol->kind) {
  case POL_TABULAR: /* logits (B, A) = obs (B, S) · θ (S, A) */
    memcpy(ws->obs, obs, B * pol->O * sizeof *obs);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)pol->A, (int)pol->O,
                1.0, ws->obs, (int)pol->O, params, (int)pol->A, 0.0, ws->dist, (int)K);
    break;
  case POL_CATEGORICAL:
    st = nn_forward(pol->net, params, obs, B, ws->nn, ws->dist);
    break;
  case POL_GAUSSIAN: {
    const size_t U = pol->U;
    const double *ell = params + pol->P_net;
    st = nn_forward(pol->net, params, obs, B, ws->nn, ws->net_io);
    if (st) break;
    for (size_t b = 0; b < B; b++) {
      memcpy(ws->dist + b * K, ws->net_io + b * U, U * sizeof *ell);
      memcpy(ws->dist + b * K + U, ell, U * sizeof *ell);
    }
  } break;
  }
  if (st) {
    ws->B = 0;
    tr_error_prefix("pol_forward");
    return st;
  }
  ws->B = B;
  if (dist) memcpy(dist, ws->dist, B * K * sizeof *dist);
  return TR_OK;
}

/* ---- one categorical row ------------------------------------------------------------- */

/* log Σ_a exp z_a = m + log Σ_a exp(z_a − m), m = max z (no overflow; error ε·|lse|). */
static double logsumexp(const double *z, size_t A) {
  double m, s = tr_softmax_norm(z, A, &m);
  return m + log(s);
}

/* The action index of act, or −1 if it is not an integer in [0, A). */
static long action_index(double a, size_t A) {
  if (!(a >= 0.0 && a < (double)A) || a != floor(a)) return -1;
  return (long)a;
}

static tr_status bad_action(const char *where, size_t b, double a, size_t A) {
  return tr_error(TR_EINVAL, "%s: action %.17g of row %zu is not an index in 0 to %zu", where,
                  a, b, A - 1);
}

/* ---- functions of distribution parameters -------------------------------------------- */

tr_status pol_log_prob(const pol_policy *pol, const double *dist, const double *act, size_t B,
                       double *logp) {
  const size_t K = pol->K;
  if (pol->kind != POL_GAUSSIAN) {
    for (size_t b = 0; b < B; b++) {
      long a = action_index(act[b], pol->A);
      if (a < 0) return bad_action("pol_log_prob", b, act[b], pol->A);
      logp[b] = dist[b * K + a] - logsumexp(dist + b * K, pol->A);
    }
    return TR_OK;
  }
  const size_t U = pol->U;
  for (size_t b = 0; b < B; b++) {
    const double *mu = dist + b * K, *ell = mu + U, *a = act + b * U;
    double s = 0.0;
    for (size_t u = 0; u < U; u++) {
      double y = (a[u] - mu[u]) * exp(-ell[u]); /* (a − μ)/σ */
      s += -0.5 * y * y - ell[u];
    }
    logp[b] = s - 0.5 * (double)U * LOG_2PI;
  }
  return TR_OK;
}

void pol_entropy(const pol_policy *pol, const double *dist, size_t B, double *ent) {
  const size_t K = pol->K;
  if (pol->kind != POL_GAUSSIAN) {
    for (size_t b = 0; b < B; b++) {
      const double *z = dist + b * K;
      double lse = logsumexp(z, pol->A), h = 0.0;
      for (size_t a = 0; a < pol->A; a++) {
        double lp = z[a] - lse;
        h -= exp(lp) * lp;
      }
      ent[b] = h;
    }
    return;
  }
  const size_t U = pol->U;
  for (size_t b = 0; b < B; b++) {
    const double *ell = dist + b * K + U;
    double s = 0.0;
    for (size_t u = 0; u < U; u++) s += ell[u];
    ent[b] = s + 0.5 * (double)U * (1.0 + LOG_2PI);
  }
}

void pol_kl(const pol_policy *pol, const double *dist_old, const double *dist_new, size_t B,
            double *kl) {
  const size_t K = pol->K;
  if (pol->kind != POL_GAUSSIAN) {
    for (size_t b = 0; b < B; b++) {
      const double *zp = dist_old + b * K, *zq = dist_new + b * K;
      double lp0 = logsumexp(zp, pol->A), lq0 = logsumexp(zq, pol->A), s = 0.0;
      for (size_t a = 0; a < pol->A; a++) {
        double lp = zp[a] - lp0, lq = zq[a] - lq0;
        s += exp(lp) * (lp - lq);
      }
      kl[b] = s > 0.0 ? s : 0.0; /* ≥ 0 exactly; rounding can leave −ε */
    }
    return;
  }
  const size_t U = pol->U;
  for (size_t b = 0; b < B; b++) {
    const double *mu = dist_old + b * K, *ell = mu + U;
    const double *mu2 = dist_new + b * K, *ell2 = mu2 + U;
    double s = 0.0;
    for (size_t u = 0; u < U; u++) {
      /* with d = ℓ − ℓ': ℓ' − ℓ + ½(e^{2d} − 1) + ½ (μ − μ')² e^{−2ℓ'}; expm1 keeps the
       * small-step KL (≈ d²) accurate relative to d, not to 1 */
      double d = ell[u] - ell2[u], dm = (mu[u] - mu2[u]) * exp(-ell2[u]);
      s += -d + 0.5 * expm1(2.0 * d) + 0.5 * dm * dm;
    }
    kl[b] = s > 0.0 ? s : 0.0;
  }
}

void pol_sample(const pol_policy *pol, const double *dist, size_t B, gsl_rng *r, double *act) {
  const size_t K = pol->K;
  if (pol->kind != POL_GAUSSIAN) {
    const size_t A = pol->A;
    for (size_t b = 0; b < B; b++) {
      const double *z = dist + b * K;
      double m, Z = tr_softmax_norm(z, A, &m);
      /* the first a with u·Z < Σ_{c ≤ a} exp(z_c − m); rounding past the end: the last
       * action with positive mass */
      double t = gsl_rng_uniform(r) * Z, c = 0.0;
      size_t pick = A;
      for (size_t a = 0; a < A && pick == A; a++) {
        c += exp(z[a] - m);
        if (t < c) pick = a;
      }
      if (pick == A)
        for (size_t a = A; a-- > 0 && pick == A;)
          if (exp(z[a] - m) > 0.0) pick = a;
      act[b] = (double)pick;
    }
    return;
  }
  const size_t U = pol->U;
  for (size_t b = 0; b < B; b++) {
    const double *mu = dist + b * K, *ell = mu + U;
    for (size_t u = 0; u < U; u++)
      act[b * U + u] = mu[u] + exp(ell[u]) * gsl_ran_gaussian_ziggurat(r, 1.0);
  }
}

void pol_mode(const pol_policy *pol, const double *dist, size_t B, double *act) {
  const size_t K = pol->K;
  for (size_t b = 0; b < B; b++) {
    const double *z = dist + b * K;
    if (pol->kind == POL_GAUSSIAN) {
      memcpy(act + b * pol->U, z, pol->U * sizeof *act);
    } else {
      size_t best = 0;
      for (size_t a = 1; a < pol->A; a++)
        if (z[a] > z[best]) best = a;
      act[b] = (double)best;
    }
  }
}

/* ---- derivatives --------------------------------------------------------------------- */

static tr_status check_batch(const char *where, const pol_ws *ws, size_t B) {
  if (B == 0 || B != ws->B)
    return tr_error(TR_EINVAL, "%s: batch of %zu states, but the last forward had %zu", where,
                    B, ws->B);
  return TR_OK;
}

tr_status pol_dist_backward(const pol_policy *pol, const double *params, pol_ws *ws,
                            const double *ddist, size_t B, double *grad) {
  tr_status st = check_batch("pol_dist_backward", ws, B);
  if (st) return st;
  const size_t K = pol->K;
  switch (pol->kind) {
  case POL_TABULAR: /* ∂ℓ/∂θ (S, A) += obsᵀ (S, B) · ddist (B, A) */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)pol->O, (int)pol->A, (int)B, 1.0,
                ws->obs, (int)pol->O, ddist, (int)K, 1.0, grad, (int)pol->A);
    break;
  case POL_CATEGORICAL:
    st = nn_backward(pol->net, params, ws->nn, ddist, B, grad, NULL);
    break;
  case POL_GAUSSIAN: {
    /* μ columns go back through the MLP; ℓ is shared by all rows: ∂ℓ/∂ℓ_u += Σ_b ddist_{b,U+u} */
    const size_t U = pol->U;
    double *gell = grad + pol->P_net;
    for (size_t b = 0; b < B; b++) {
      memcpy(ws->net_io + b * U, ddist + b * K, U * sizeof *ddist);
      for (size_t u = 0; u < U; u++) gell[u] += ddist[b * K + U + u];
    }
    st = nn_backward(pol->net, params, ws->nn, ws->net_io, B, grad, NULL);
  } break;
  }
  return st;
}

tr_status pol_dist_jvp(const pol_policy *pol, const double *params, pol_ws *ws, const double *v,
                       size_t B, double *jv) {
  tr_status st = check_batch("pol_dist_jvp", ws, B);
  if (st) return st;
  const size_t K = pol->K;
  switch (pol->kind) {
  case POL_TABULAR: /* jv (B, A) = obs (B, S) · V (S, A) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)pol->A, (int)pol->O,
                1.0, ws->obs, (int)pol->O, v, (int)pol->A, 0.0, jv, (int)K);
    break;
  case POL_CATEGORICAL:
    st = nn_jvp(pol->net, params, ws->nn, v, B, jv);
    break;
  case POL_GAUSSIAN: {
    const size_t U = pol->U;
    st = nn_jvp(pol->net, params, ws->nn, v, B, ws->net_io);
    if (st) break;
    for (size_t b = 0; b < B; b++) {
      memcpy(jv + b * K, ws->net_io + b * U, U * sizeof *jv);
      memcpy(jv + b * K + U, v + pol->P_net, U * sizeof *jv); /* ∂ℓ/∂θ is the identity on ℓ */
    }
  } break;
  }
  return st;
}

tr_status pol_log_prob_grad(const pol_policy *pol, const double *params, pol_ws *ws,
                            const double *act, const double *w, size_t B, double *grad) {
  tr_status st = check_batch("pol_log_prob_grad", ws, B);
  if (st) return st;
  const size_t K = pol->K;
  for (size_t b = 0; b < B; b++) {
    const double *z = ws->dist + b * K;
    double *g = ws->ddist + b * K, wb = w ? w[b] : 1.0;
    if (pol->kind != POL_GAUSSIAN) { /* w (e_a − p) */
      long a = action_index(act[b], pol->A);
      if (a < 0) return bad_action("pol_log_prob_grad", b, act[b], pol->A);
      double lse = logsumexp(z, pol->A);
      for (size_t c = 0; c < pol->A; c++) g[c] = -wb * exp(z[c] - lse);
      g[a] += wb;
    } else { /* w (a − μ)/σ² on μ, w ((a − μ)²/σ² − 1) on ℓ */
      const size_t U = pol->U;
      const double *ell = z + U, *a = act + b * U;
      for (size_t u = 0; u < U; u++) {
        double is = exp(-ell[u]), y = (a[u] - z[u]) * is;
        g[u] = wb * y * is;
        g[U + u] = wb * (y * y - 1.0);
      }
    }
  }
  return pol_dist_backward(pol, params, ws, ws->ddist, B, grad);
}

tr_status pol_entropy_grad(const pol_policy *pol, const double *params, pol_ws *ws, size_t B,
                           double *grad) {
  tr_status st = check_batch("pol_entropy_grad", ws, B);
  if (st) return st;
  const size_t K = pol->K;
  const double invB = 1.0 / (double)B;
  for (size_t b = 0; b < B; b++) {
    const double *z = ws->dist + b * K;
    double *g = ws->ddist + b * K;
    if (pol->kind != POL_GAUSSIAN) { /* −p_a (log p_a + H) / B */
      double lse = logsumexp(z, pol->A), h = 0.0;
      for (size_t a = 0; a < pol->A; a++) h -= exp(z[a] - lse) * (z[a] - lse);
      for (size_t a = 0; a < pol->A; a++) g[a] = -invB * exp(z[a] - lse) * (z[a] - lse + h);
    } else { /* 0 on μ, 1/B on ℓ */
      for (size_t u = 0; u < pol->U; u++) {
        g[u] = 0.0;
        g[pol->U + u] = invB;
      }
    }
  }
  return pol_dist_backward(pol, params, ws, ws->ddist, B, grad);
}

tr_status pol_kl_grad(const pol_policy *pol, const double *params, pol_ws *ws,
                      const double *dist_old, size_t B, double *grad) {
  tr_status st = check_batch("pol_kl_grad", ws, B);
  if (st) return st;
  const size_t K = pol->K;
  const double invB = 1.0 / (double)B;
  for (size_t b = 0; b < B; b++) {
    const double *zn = ws->dist + b * K, *zo = dist_old + b * K;
    double *g = ws->ddist + b * K;
    if (pol->kind != POL_GAUSSIAN) { /* (q − p) / B */
      double ln = logsumexp(zn, pol->A), lo = logsumexp(zo, pol->A);
      for (size_t a = 0; a < pol->A; a++) g[a] = invB * (exp(zn[a] - ln) - exp(zo[a] - lo));
    } else {
      const size_t U = pol->U;
      for (size_t u = 0; u < U; u++) {
        /* with r = e^{−ℓ'}: (μ' − μ) r² on μ'; 1 − (e^{2ℓ} + (μ − μ')²) r² on ℓ' */
        double r = exp(-zn[U + u]), dm = zn[u] - zo[u], so = exp(zo[U + u]);
        g[u] = invB * dm * r * r;
        g[U + u] = invB * (1.0 - (so * so + dm * dm) * r * r);
      }
    }
  }
  return pol_dist_backward(pol, params, ws, ws->ddist, B, grad);
}

tr_status pol_fvp(const pol_policy *pol, const double *params, pol_ws *ws, const double *v,
                  size_t B, double damping, double *Fv) {
  if (Fv == v) return tr_error(TR_EINVAL, "pol_fvp: Fv and v must be different arrays");
  tr_status st = pol_dist_jvp(pol, params, ws, v, B, ws->jv);
  if (st) return st;
  const size_t K = pol->K;
  const double invB = 1.0 / (double)B;
  for (size_t b = 0; b < B; b++) { /* ddist_b = M_b (J_b v) / B */
    const double *z = ws->dist + b * K, *u = ws->jv + b * K;
    double *g = ws->ddist + b * K;
    if (pol->kind != POL_GAUSSIAN) { /* (diag p − p pᵀ) u = p ⊙ (u − pᵀu) */
      double lse = logsumexp(z, pol->A), pu = 0.0;
      for (size_t a = 0; a < pol->A; a++) pu += (g[a] = exp(z[a] - lse)) * u[a];
      for (size_t a = 0; a < pol->A; a++) g[a] *= invB * (u[a] - pu);
    } else { /* u/σ² on μ, 2u on ℓ */
      const size_t U = pol->U;
      for (size_t k = 0; k < U; k++) {
        g[k] = invB * u[k] * exp(-2.0 * z[U + k]);
        g[U + k] = invB * 2.0 * u[U + k];
      }
    }
  }
  nn_zero(Fv, pol->P);
  st = pol_dist_backward(pol, params, ws, ws->ddist, B, Fv);
  if (st) return st;
  if (damping != 0.0) cblas_daxpy((int)pol->P, damping, v, 1, Fv, 1);
  return TR_OK;
}
