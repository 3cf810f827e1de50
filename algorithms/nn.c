/* algorithms/nn.c — see nn.h */
#include "algorithms/nn.h"

#include "algorithms/gemm.h"
#include "algorithms/nn_vec.h"
#include "core/size.h"

#include <cblas.h>
/* gsl_randist.h includes gsl_cblas.h (through gsl_matrix.h), which redeclares the CBLAS
 * enums of OpenBLAS's cblas.h.  OpenBLAS's declarations are the same standard ones and
 * serve GSL's blas types too, so mark GSL's header as already seen. */
#define __GSL_CBLAS_H__
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
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
  size_t pack = 0; /* n_l · n_{l−1} at most: the blocked kernel's packed Wᵀ */
  for (size_t l = 1; l <= net->L; l++)
    if (net->n[l] * net->n[l - 1] > pack) pack = net->n[l] * net->n[l - 1];
  ws->block = tr_malloc(((width + 2 * net->max_n) * Bmax + pack) * sizeof *ws->block);
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
  ws->pack = ws->t1 + Bmax * net->max_n;
  return ws;
}

void nn_ws_free(nn_ws *ws) {
  if (!ws) return;
  free(ws->h);
  free(ws->block);
  free(ws);
}

void nn_zero(double *x, size_t n) { memset(x, 0, n * sizeof *x); }

/* Floating-point operations of this thread's products (2MNK each), for `bench algos`. */
static _Thread_local double flops;

double nn_flops(void) { return flops; }
void nn_flops_reset(void) { flops = 0.0; }

/* C (M, N) ← β C + op(A) op(B) with the default backend (gemm.h), counted. */
static void mm(int ta, int tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
               const double *B, size_t ldb, double beta, double *C, size_t ldc, double *pack) {
  flops += 2.0 * (double)M * (double)N * (double)K;
  nn_gemm(nn_gemm_default(), ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, pack);
}

/* dst (B, n) = 1 bᵀ: every row a copy of b (n). */
static void fill_rows(double *dst, const double *b, size_t B, size_t n) {
  for (size_t r = 0; r < B; r++) memcpy(dst + r * n, b, n * sizeof *dst);
}

/* ---- tanh over whole layers: SLEEF's vector tanh (3.5 ulp), chosen once at run time ----
 *
 * SLEEF's Sleef_tanhd{2,4,8}_u35 compute tanh in 2, 4 or 8 lanes with a maximum error of
 * 3.5 ulp, each lane independently (so an element's value does not depend on its
 * position in the array, the batch size or the thread).  The _u35 functions cost half of
 * the 1.0-ulp _u10 ones (1.4–1.7 against 3.2–3.5 ns per element in 8 lanes here), and a hidden
 * unit needs no better: the hand-written tanh this replaces erred by up to 8 ulp.  The d2
 * and d4 entry points dispatch inside SLEEF (SSE2/SSE4.1; AVX/FMA4/AVX2); the d8 one needs
 * AVX-512F.  This file is compiled for baseline x86-64 (no -march): the AVX and AVX-512
 * callers are compiled for their ISA by function attribute and only called when the CPU
 * reports it (__builtin_cpu_supports), so the binary runs on any x86-64.  The tail
 * (n mod lanes) goes through the same vector function in a padded register.
 * Per element, against glibc's tanh at 9.7 ns: 1.4–1.7 ns in AVX-512, 2.4–3.0 in AVX2, 5.1
 * in SSE2 (tests/test_nn measures the worst error at 2.3 ulp in each). */
/* GCC only: the per-function targets below use GCC's pragmas; clang (the fuzzing build)
 * takes SLEEF's scalar tanh, the same function to 3.5 ulp. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_SLEEF_X86 1
#include <x86intrin.h> /* first, with each intrinsic's own target, so baseline code inlines them */
/* sleef.h declares its AVX and AVX-512 functions only when __AVX__ / __AVX512F__ are set */
#pragma GCC push_options
#pragma GCC target("avx512f")
#include <sleef.h>
#pragma GCC pop_options

static void tanh_sse2(double *x, size_t n) {
  size_t i = 0;
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, Sleef_tanhd2_u35(_mm_loadu_pd(x + i)));
  if (i < n) {
    double t[2] = {x[i], 0.0};
    _mm_storeu_pd(t, Sleef_tanhd2_u35(_mm_loadu_pd(t)));
    x[i] = t[0];
  }
}

__attribute__((target("avx"))) static void tanh_avx(double *x, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, Sleef_tanhd4_u35(_mm256_loadu_pd(x + i)));
  if (i < n) {
    double t[4] = {0.0, 0.0, 0.0, 0.0};
    memcpy(t, x + i, (n - i) * sizeof *t);
    _mm256_storeu_pd(t, Sleef_tanhd4_u35(_mm256_loadu_pd(t)));
    memcpy(x + i, t, (n - i) * sizeof *t);
  }
}

__attribute__((target("avx512f"))) static void tanh_avx512(double *x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(x + i, Sleef_tanhd8_u35(_mm512_loadu_pd(x + i)));
  if (i < n) {
    double t[8] = {0.0};
    memcpy(t, x + i, (n - i) * sizeof *t);
    _mm512_storeu_pd(t, Sleef_tanhd8_u35(_mm512_loadu_pd(t)));
    memcpy(x + i, t, (n - i) * sizeof *t);
  }
}

typedef struct {
  const char *name;
  void (*fn)(double *, size_t);
} tanh_impl;

static const tanh_impl tanh_impls[] = {
    {"avx512f", tanh_avx512}, {"avx", tanh_avx}, {"sse2", tanh_sse2}};

static int isa_supported(const char *name) {
  __builtin_cpu_init();
  if (!strcmp(name, "avx512f")) return __builtin_cpu_supports("avx512f");
  if (!strcmp(name, "avx")) return __builtin_cpu_supports("avx");
  return !strcmp(name, "sse2");
}

static const tanh_impl *tanh_chosen;
static pthread_once_t tanh_once = PTHREAD_ONCE_INIT;

static void tanh_choose(void) {
  size_t k = 0;
  while (!isa_supported(tanh_impls[k].name)) k++; /* sse2 is always there */
  tanh_chosen = &tanh_impls[k];
}

void nn_tanh(double *x, size_t n) {
  pthread_once(&tanh_once, tanh_choose);
  tanh_chosen->fn(x, n);
}

const char *nn_tanh_isa(void) {
  pthread_once(&tanh_once, tanh_choose);
  return tanh_chosen->name;
}

tr_status nn_tanh_on(const char *isa, double *x, size_t n) {
  for (size_t k = 0; k < sizeof tanh_impls / sizeof *tanh_impls; k++)
    if (!strcmp(isa, tanh_impls[k].name)) {
      if (!isa_supported(isa))
        return tr_error(TR_EINVAL, "nn_tanh_on: this CPU has no %s", isa);
      tanh_impls[k].fn(x, n);
      return TR_OK;
    }
  return tr_error(TR_EINVAL, "nn_tanh_on: unknown instruction set '%s'", isa);
}
#else /* not x86-64: SLEEF's scalar tanh (3.5 ulp) */
#include <sleef.h>
void nn_tanh(double *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = Sleef_tanh_u35(x[i]);
}
const char *nn_tanh_isa(void) { return "scalar"; }
tr_status nn_tanh_on(const char *isa, double *x, size_t n) {
  if (strcmp(isa, "scalar")) return tr_error(TR_EINVAL, "nn_tanh_on: unknown instruction set '%s'", isa);
  nn_tanh(x, n);
  return TR_OK;
}
#endif

void nn_activate(nn_activation act, double *x, size_t n) {
  switch (act) {
  case NN_TANH: nn_tanh(x, n); return;
  case NN_RELU:
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] : (isnan(x[i]) ? x[i] : 0.0);
    return;
  case NN_SOFTPLUS: /* max(x, 0) + log1p(e^{−|x|}); NaN takes the second branch and stays */
    for (size_t i = 0; i < n; i++) x[i] = x[i] > 0 ? x[i] + log1p(exp(-x[i])) : log1p(exp(x[i]));
    return;
  }
}

void nn_activation_slope(nn_activation act, double *restrict x, const double *restrict h,
                         size_t n) {
  switch (act) {
  case NN_TANH: nn_vec_tanh_slope(x, h, n); return;
  case NN_RELU:
    for (size_t i = 0; i < n; i++) x[i] = h[i] > 0 ? x[i] : 0.0;
    return;
  case NN_SOFTPLUS: /* the logistic 1/(1 + e^{−z}) = 1 − e^{−h} */
    for (size_t i = 0; i < n; i++) x[i] *= -expm1(-h[i]);
    return;
  }
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
    mm(0, 1, B, no, ni, ws->h[l - 1], ni, W, ni, 1.0, z, no, ws->pack);
    if (l < L) nn_activate(net->act, z, B * no);
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
    mm(1, 0, no, ni, B, delta, no, hin, ni, 1.0, gW, ni, NULL);
    nn_vec_column_sums_add(gb, delta, B, no);
    if (l > 1) {
      /* δ_{l−1} (B, ni) = (δ_l (B, no) · W_l (no, ni)) ⊙ σ'(z_{l−1}) */
      double *nd = buf[k];
      k ^= 1;
      mm(0, 0, B, ni, no, delta, no, W, ni, 0.0, nd, ni, NULL);
      nn_activation_slope(net->act, nd, hin, B * ni);
      delta = nd;
    } else if (dx) {
      /* ∂ℓ/∂x (B, n_0) += δ_1 (B, n_1) · W_1 (n_1, n_0) */
      mm(0, 0, B, ni, no, delta, no, W, ni, 1.0, dx, ni, NULL);
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
    mm(0, 1, B, no, ni, ws->h[l - 1], ni, VW, ni, 1.0, zdot, no, ws->pack);
    if (hdot)
      mm(0, 1, B, no, ni, hdot, ni, W, ni, 1.0, zdot, no, ws->pack);
    if (l < L) {
      /* ḣ_l = σ'(z_l) ⊙ ż_l, in place */
      const double *h = ws->h[l];
      nn_activation_slope(net->act, zdot, h, B * no);
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
  nn_adam_update(adam->n, params, grad, adam->m, adam->v, b1, b2, step, sbc2, eps);
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
