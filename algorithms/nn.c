/* algorithms/nn.c — see nn.h */
#include "algorithms/nn.h"

#include <cblas.h>
/* gsl_randist.h includes gsl_cblas.h (through gsl_matrix.h), which redeclares the CBLAS
 * enums of OpenBLAS's cblas.h.  OpenBLAS's declarations are the same standard ones and
 * serve GSL's blas types too, so mark GSL's header as already seen. */
#define __GSL_CBLAS_H__
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

nn_mlp *nn_mlp_alloc(size_t n_sizes, const size_t *sizes) {
  if (n_sizes < 2 || !sizes) {
    tr_error(TR_EINVAL, "nn_mlp_alloc: need at least 2 widths (inputs and outputs), got %zu",
             n_sizes);
    return NULL;
  }
  for (size_t l = 0; l < n_sizes; l++)
    if (sizes[l] == 0) {
      tr_error(TR_EINVAL, "nn_mlp_alloc: width %zu of %zu is 0", l, n_sizes);
      return NULL;
    }
  nn_mlp *net = tr_calloc(1, sizeof *net);
  if (!net) return NULL;
  net->L = n_sizes - 1;
  net->n = tr_malloc(n_sizes * sizeof *net->n);
  net->off_W = tr_malloc(net->L * sizeof *net->off_W);
  net->off_b = tr_malloc(net->L * sizeof *net->off_b);
  if (!net->n || !net->off_W || !net->off_b) {
    nn_mlp_free(net);
    return NULL;
  }
  memcpy(net->n, sizes, n_sizes * sizeof *net->n);
  size_t P = 0;
  net->max_n = 0;
  for (size_t l = 1; l <= net->L; l++) {
    net->off_W[l - 1] = P;
    P += sizes[l] * sizes[l - 1];
    net->off_b[l - 1] = P;
    P += sizes[l];
    if (sizes[l] > net->max_n) net->max_n = sizes[l];
  }
  net->P = P;
  return net;
}

void nn_mlp_free(nn_mlp *net) {
  if (!net) return;
  free(net->n);
  free(net->off_W);
  free(net->off_b);
  free(net);
}

size_t nn_mlp_n_params(const nn_mlp *net) { return net->P; }
size_t nn_mlp_n_in(const nn_mlp *net) { return net->n[0]; }
size_t nn_mlp_n_out(const nn_mlp *net) { return net->n[net->L]; }

nn_ws *nn_ws_alloc(const nn_mlp *net, size_t Bmax) {
  if (Bmax == 0) {
    tr_error(TR_EINVAL, "nn_ws_alloc: Bmax must be at least 1");
    return NULL;
  }
  nn_ws *ws = tr_calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->Bmax = Bmax;
  ws->h = tr_malloc(net->L * sizeof *ws->h);
  size_t width = 0; /* n_0 + n_1 + … + n_{L−1}: the stored activations */
  for (size_t l = 0; l < net->L; l++) width += net->n[l];
  ws->block = tr_malloc((width + 2 * net->max_n) * Bmax * sizeof *ws->block);
  if (!ws->h || !ws->block) {
    nn_ws_free(ws);
    return NULL;
  }
  double *p = ws->block;
  for (size_t l = 0; l < net->L; l++) {
    ws->h[l] = p;
    p += Bmax * net->n[l];
  }
  ws->t0 = p;
  ws->t1 = p + Bmax * net->max_n;
  return ws;
}

void nn_ws_free(nn_ws *ws) {
  if (!ws) return;
  free(ws->h);
  free(ws->block);
  free(ws);
}

void nn_zero(double *x, size_t n) { memset(x, 0, n * sizeof *x); }

/* dst (B, n) = 1 bᵀ: every row a copy of b (n). */
static void fill_rows(double *dst, const double *b, size_t B, size_t n) {
  for (size_t r = 0; r < B; r++) memcpy(dst + r * n, b, n * sizeof *dst);
}

/* x (n) ← tanh x, for the hidden units.  glibc's tanh (through expm1) was a third of a PPO
 * run's time (bench algos); this costs half as much with a relative error ≤ 8 ulp:
 *   |x| < 1/8:   the odd Taylor series to x¹³ (the next term is below 1e-18 relative);
 *   |x| < 19.1:  tanh|x| = 1 − 2/(e^{2|x|} + 1), glibc's exp (≤ 1 ulp), and the cancellation
 *                in 1 − … costs at most a factor 8 at |x| = 1/8;
 *   otherwise:   ±1 (tanh 19.1 rounds to 1); NaN stays NaN. */
void nn_tanh(double *x, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double v = x[i], a = fabs(v);
    if (a < 0.125) {
      double z = v * v;
      x[i] = v * (1 + z * (-1.0 / 3 + z * (2.0 / 15 + z * (-17.0 / 315 + z * (62.0 / 2835 +
                  z * (-1382.0 / 155925 + z * (21844.0 / 6081075)))))));
    } else if (a < 19.1) {
      double t = 1 - 2 / (exp(2 * a) + 1);
      x[i] = v < 0 ? -t : t;
    } else if (a >= 19.1) {
      x[i] = v < 0 ? -1.0 : 1.0;
    } /* NaN stays NaN, so a diverging network is seen */
  }
}

static void activate(nn_activation act, double *z, size_t n) {
  if (act == NN_TANH) {
    nn_tanh(z, n);
    return;
  }
  for (size_t i = 0; i < n; i++) z[i] = z[i] > 0 ? z[i] : (isnan(z[i]) ? z[i] : 0.0);
}

/* x (n) ⊙= σ'(z) written through h = σ(z) (n) */
static void times_slope(nn_activation act, double *x, const double *h, size_t n) {
  if (act == NN_TANH)
    for (size_t i = 0; i < n; i++) x[i] *= 1.0 - h[i] * h[i];
  else
    for (size_t i = 0; i < n; i++) x[i] = h[i] > 0 ? x[i] : 0.0;
}

void nn_mlp_set_activation(nn_mlp *net, nn_activation act) { net->act = act; }

tr_status nn_forward(const nn_mlp *net, const double *params, const double *x, size_t B,
                     nn_ws *ws, double *out) {
  if (B == 0 || B > ws->Bmax)
    return tr_error(TR_EINVAL, "nn_forward: batch of %zu rows; the workspace holds 1 to %zu",
                    B, ws->Bmax);
  const size_t L = net->L;
  memcpy(ws->h[0], x, B * net->n[0] * sizeof *x);
  for (size_t l = 1; l <= L; l++) {
    const size_t ni = net->n[l - 1], no = net->n[l];
    const double *W = params + net->off_W[l - 1], *b = params + net->off_b[l - 1];
    double *z = l < L ? ws->h[l] : out;
    /* z (B, no) = 1 bᵀ + h_{l−1} (B, ni) · Wᵀ (ni, no) */
    fill_rows(z, b, B, no);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)no, (int)ni, 1.0,
                ws->h[l - 1], (int)ni, W, (int)ni, 1.0, z, (int)no);
    if (l < L) activate(net->act, z, B * no);
  }
  ws->B = B;
  return TR_OK;
}

tr_status nn_backward(const nn_mlp *net, const double *params, nn_ws *ws, const double *dout,
                      size_t B, double *grad, double *dx) {
  if (B == 0 || B != ws->B)
    return tr_error(TR_EINVAL, "nn_backward: batch of %zu rows, but the last forward had %zu",
                    B, ws->B);
  double *buf[2] = {ws->t0, ws->t1};
  int k = 0;
  const double *delta = dout; /* δ_l (B, n_l) */
  for (size_t l = net->L; l >= 1; l--) {
    const size_t ni = net->n[l - 1], no = net->n[l];
    const double *W = params + net->off_W[l - 1], *hin = ws->h[l - 1];
    double *gW = grad + net->off_W[l - 1], *gb = grad + net->off_b[l - 1];
    /* ∂ℓ/∂W_l (no, ni) += δ_lᵀ (no, B) · h_{l−1} (B, ni) */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)no, (int)ni, (int)B, 1.0, delta,
                (int)no, hin, (int)ni, 1.0, gW, (int)ni);
    /* ∂ℓ/∂b_l += column sums of δ_l */
    for (size_t r = 0; r < B; r++) {
      const double *d = delta + r * no;
      for (size_t j = 0; j < no; j++) gb[j] += d[j];
    }
    if (l > 1) {
      /* δ_{l−1} (B, ni) = (δ_l (B, no) · W_l (no, ni)) ⊙ (1 − h_{l−1}²) */
      double *nd = buf[k];
      k ^= 1;
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)ni, (int)no, 1.0,
                  delta, (int)no, W, (int)ni, 0.0, nd, (int)ni);
      times_slope(net->act, nd, hin, B * ni);
      delta = nd;
    } else if (dx) {
      /* ∂ℓ/∂x (B, n_0) += δ_1 (B, n_1) · W_1 (n_1, n_0) */
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)ni, (int)no, 1.0,
                  delta, (int)no, W, (int)ni, 1.0, dx, (int)ni);
    }
  }
  return TR_OK;
}

tr_status nn_jvp(const nn_mlp *net, const double *params, nn_ws *ws, const double *v, size_t B,
                 double *dout) {
  if (B == 0 || B != ws->B)
    return tr_error(TR_EINVAL, "nn_jvp: batch of %zu rows, but the last forward had %zu", B,
                    ws->B);
  const size_t L = net->L;
  double *buf[2] = {ws->t0, ws->t1};
  int k = 0;
  const double *hdot = NULL; /* tangent of h_{l−1} (B, n_{l−1}); the input's is 0 */
  for (size_t l = 1; l <= L; l++) {
    const size_t ni = net->n[l - 1], no = net->n[l];
    const double *W = params + net->off_W[l - 1];
    const double *VW = v + net->off_W[l - 1], *Vb = v + net->off_b[l - 1];
    double *zdot = l < L ? buf[k] : dout;
    /* ż_l (B, no) = 1 V_bᵀ + h_{l−1} V_Wᵀ + ḣ_{l−1} W_lᵀ */
    fill_rows(zdot, Vb, B, no);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)no, (int)ni, 1.0,
                ws->h[l - 1], (int)ni, VW, (int)ni, 1.0, zdot, (int)no);
    if (hdot)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)no, (int)ni, 1.0, hdot,
                  (int)ni, W, (int)ni, 1.0, zdot, (int)no);
    if (l < L) {
      /* ḣ_l = (1 − h_l²) ⊙ ż_l, in place */
      const double *h = ws->h[l];
      times_slope(net->act, zdot, h, B * no);
      hdot = zdot;
      k ^= 1;
    }
  }
  return TR_OK;
}

/* ---- initialization ------------------------------------------------------------------ */

/* W (rows, cols) = gain · a Haar-distributed matrix with orthonormal columns (rows ≥ cols)
 * or rows (rows < cols).  G (m, k), tau (k) and sgn (k) are scratch, m = max, k = min. */
static tr_status orthogonal_fill(double *W, size_t rows, size_t cols, double gain, double *G,
                                 double *tau, double *sgn, gsl_rng *r) {
  const size_t m = rows > cols ? rows : cols, k = rows > cols ? cols : rows;
  for (size_t i = 0; i < m * k; i++) G[i] = gsl_ran_gaussian(r, 1.0);
  lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)k, G,
                                   (lapack_int)k, tau);
  if (info != 0) return tr_error(TR_ENUM, "orthogonal init: dgeqrf info %d", (int)info);
  /* Q ← Q diag(sign R_jj) makes the factorization unique (R_jj > 0), so Q is Haar-distributed
   * (Mezzadri 2007); without it Householder QR gives Q_11 < 0 always. */
  for (size_t j = 0; j < k; j++) sgn[j] = G[j * k + j] < 0.0 ? -1.0 : 1.0;
  info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)k, (lapack_int)k, G,
                        (lapack_int)k, tau);
  if (info != 0) return tr_error(TR_ENUM, "orthogonal init: dorgqr info %d", (int)info);
  if (rows >= cols) {
    for (size_t i = 0; i < rows; i++)
      for (size_t j = 0; j < cols; j++) W[i * cols + j] = gain * G[i * k + j] * sgn[j];
  } else {
    for (size_t i = 0; i < rows; i++)
      for (size_t j = 0; j < cols; j++) W[i * cols + j] = gain * G[j * k + i] * sgn[i];
  }
  return TR_OK;
}

tr_status nn_mlp_init_orthogonal(const nn_mlp *net, double *params, double gain_hidden,
                                 double gain_out, gsl_rng *r) {
  size_t most = 0, kmax = 0;
  for (size_t l = 1; l <= net->L; l++) {
    size_t a = net->n[l], b = net->n[l - 1];
    if (a * b > most) most = a * b;
    if ((a < b ? a : b) > kmax) kmax = a < b ? a : b;
  }
  double *G = tr_malloc(most * sizeof *G), *tau = tr_malloc(2 * kmax * sizeof *tau);
  tr_status st = TR_OK;
  if (!G || !tau) {
    st = TR_ENOMEM;
    goto done;
  }
  for (size_t l = 1; l <= net->L && !st; l++) {
    double gain = l < net->L ? gain_hidden : gain_out;
    st = orthogonal_fill(params + net->off_W[l - 1], net->n[l], net->n[l - 1], gain, G, tau,
                         tau + kmax, r);
    nn_zero(params + net->off_b[l - 1], net->n[l]);
  }
  if (st) tr_error_prefix("nn_mlp_init_orthogonal");
done:
  free(G);
  free(tau);
  return st;
}

tr_status nn_mlp_init_normal(const nn_mlp *net, double *params, double gain_hidden,
                             double gain_out, gsl_rng *r) {
  for (size_t l = 1; l <= net->L; l++) {
    double gain = l < net->L ? gain_hidden : gain_out;
    double sd = gain / sqrt((double)net->n[l - 1]);
    double *W = params + net->off_W[l - 1];
    for (size_t i = 0; i < net->n[l] * net->n[l - 1]; i++) W[i] = gsl_ran_gaussian(r, sd);
    nn_zero(params + net->off_b[l - 1], net->n[l]);
  }
  return TR_OK;
}

tr_status nn_mlp_init_xavier(const nn_mlp *net, double *params, double gain_hidden,
                             double gain_out, gsl_rng *r) {
  for (size_t l = 1; l <= net->L; l++) {
    double gain = l < net->L ? gain_hidden : gain_out;
    double a = gain * sqrt(6.0 / (double)(net->n[l - 1] + net->n[l]));
    double *W = params + net->off_W[l - 1];
    for (size_t i = 0; i < net->n[l] * net->n[l - 1]; i++) W[i] = a * (2.0 * gsl_rng_uniform(r) - 1.0);
    nn_zero(params + net->off_b[l - 1], net->n[l]);
  }
  return TR_OK;
}

/* ---- Adam ---------------------------------------------------------------------------- */

nn_adam *nn_adam_alloc(size_t n_params) {
  nn_adam *a = tr_calloc(1, sizeof *a);
  if (!a) return NULL;
  a->n = n_params;
  a->m = tr_calloc(n_params, sizeof *a->m);
  a->v = tr_calloc(n_params, sizeof *a->v);
  if (!a->m || !a->v) {
    nn_adam_free(a);
    return NULL;
  }
  a->beta1 = 0.9;
  a->beta2 = 0.999;
  a->eps = 1e-8;
  return a;
}

void nn_adam_free(nn_adam *adam) {
  if (!adam) return;
  free(adam->m);
  free(adam->v);
  free(adam);
}

void nn_adam_reset(nn_adam *adam) {
  nn_zero(adam->m, adam->n);
  nn_zero(adam->v, adam->n);
  adam->t = 0;
}

void nn_adam_step(nn_adam *adam, double *params, const double *grad, double lr) {
  const double b1 = adam->beta1, b2 = adam->beta2, eps = adam->eps;
  adam->t++;
  const double bc1 = 1.0 - pow(b1, (double)adam->t), bc2 = 1.0 - pow(b2, (double)adam->t);
  const double step = lr / bc1, sbc2 = sqrt(bc2);
  double *m = adam->m, *v = adam->v;
  for (size_t i = 0; i < adam->n; i++) {
    const double g = grad[i];
    m[i] = b1 * m[i] + (1.0 - b1) * g;
    v[i] = b2 * v[i] + (1.0 - b2) * g * g;
    params[i] -= step * m[i] / (sqrt(v[i]) / sbc2 + eps);
  }
}

double nn_clip_grad_norm(double *grad, size_t n, double max_norm) {
  if (n == 0) return 0.0;
  double norm = cblas_dnrm2((int)n, grad, 1);
  double coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) cblas_dscal((int)n, coef, grad, 1);
  return norm;
}

double nn_clip_grad_norm2(double *g1, size_t n1, double *g2, size_t n2, double max_norm) {
  double a = n1 ? cblas_dnrm2((int)n1, g1, 1) : 0.0, b = n2 ? cblas_dnrm2((int)n2, g2, 1) : 0.0;
  double norm = hypot(a, b), coef = max_norm / (norm + 1e-6);
  if (coef < 1.0) {
    if (n1) cblas_dscal((int)n1, coef, g1, 1);
    if (n2) cblas_dscal((int)n2, coef, g2, 1);
  }
  return norm;
}

nn_rmsprop *nn_rmsprop_alloc(size_t n_params) {
  nn_rmsprop *o = tr_calloc(1, sizeof *o);
  if (!o) return NULL;
  o->n = n_params;
  o->alpha = 0.99;
  o->eps = 1e-8;
  if (!(o->v = tr_calloc(n_params ? n_params : 1, sizeof *o->v))) {
    free(o);
    return NULL;
  }
  return o;
}

void nn_rmsprop_free(nn_rmsprop *opt) {
  if (!opt) return;
  free(opt->v);
  free(opt);
}

void nn_rmsprop_step(nn_rmsprop *opt, double *params, const double *grad, double lr) {
  const double a = opt->alpha, eps = opt->eps;
  for (size_t i = 0; i < opt->n; i++) {
    const double g = grad[i];
    opt->v[i] = a * opt->v[i] + (1.0 - a) * g * g;
    params[i] -= lr * g / (sqrt(opt->v[i]) + eps);
  }
}
