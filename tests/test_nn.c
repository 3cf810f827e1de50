/* tests/test_nn.c — algorithms/nn: the MLP, its derivatives, initialization, Adam.
 *
 * Letters: B batch, I inputs, O outputs, L layers, P parameters; eps = DBL_EPSILON ≈ 2.2e-16.
 * Truth: an independent per-sample forward written with plain loops; central finite
 * differences for backward (params and inputs) and jvp; the adjoint identity
 * ⟨c, J v⟩ = ⟨Jᵀ c, v⟩ between the two modes; WᵀW = gain² I for orthogonal init and the Haar
 * sign law; sample moments for the normal init; Adam's first step in closed form, a second
 * step written out by hand, and convergence on a quadratic.  The softplus activation
 * σ(x) = log(1 + e^x) and its slope against the closed forms in long double (σ' = the
 * logistic 1/(1 + e^{−x})) and against central differences, out to x = ±40 and ±800; the
 * MLP's derivatives with softplus hidden units as with tanh.
 *
 * Finite differences: f'(θ) ≈ (f(θ + h) − f(θ − h)) / 2h errs by ≤ h²|f'''|/6 (truncation)
 * + ~eps·|f|/h (rounding).  The test losses have |f| ≲ 10 and |f'''| ≲ 10, so with h = 1e-5
 * the error is ≲ 2e-10 + 2e-10; the checks allow 1e-8 + 1e-6·|want|, a 25× margin that
 * still catches any wrong factor, sign or index (those make O(1) relative errors).
 * Measured worst errors here: ~1e-10.
 * Random inputs: mt19937 with fixed seeds. */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/nn.h"
#include "core/rng.h"
#include "tests/check.h"

#define FD_H 1e-5
#define FD_ABS 1e-8
#define FD_REL 1e-6

static void fill_uniform(double *x, size_t n, gsl_rng *r, double lo, double hi) {
  for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * gsl_rng_uniform(r);
}

/* σ by its definition (nn.h), for the reference forward. */
static double naive_sigma(nn_activation act, double z) {
  switch (act) {
  case NN_RELU: return z > 0 ? z : 0.0;
  case NN_SOFTPLUS: return (double)log1pl(expl((long double)z));
  default: return tanh(z);
  }
}

/* The reference forward: one sample at a time, by the definition in nn.h. */
static void naive_forward(const nn_mlp *net, const double *params, const double *x, size_t B,
                          double *out) {
  double a[256], z[256];
  for (size_t b = 0; b < B; b++) {
    for (size_t i = 0; i < net->n[0]; i++) a[i] = x[b * net->n[0] + i];
    for (size_t l = 1; l <= net->L; l++) {
      const double *W = params + net->off_W[l - 1], *bias = params + net->off_b[l - 1];
      for (size_t j = 0; j < net->n[l]; j++) {
        double s = bias[j];
        for (size_t i = 0; i < net->n[l - 1]; i++) s += W[j * net->n[l - 1] + i] * a[i];
        z[j] = s;
      }
      for (size_t j = 0; j < net->n[l]; j++) a[j] = l < net->L ? naive_sigma(net->act, z[j]) : z[j];
    }
    for (size_t o = 0; o < net->n[net->L]; o++) out[b * net->n[net->L] + o] = a[o];
  }
}

/* ℓ = Σ_{b,o} c_{b,o} out_{b,o}: a scalar whose ∂ℓ/∂out is c. */
static double loss(const nn_mlp *net, const double *params, const double *x, size_t B,
                   nn_ws *ws, const double *c, double *out) {
  nn_forward(net, params, x, B, ws, out);
  double s = 0.0;
  for (size_t i = 0; i < B * nn_mlp_n_out(net); i++) s += c[i] * out[i];
  return s;
}

/* ---- shapes, forward, backward, jvp on several architectures ------------------------ */
static void test_derivatives(gsl_rng *r, size_t n_sizes, const size_t *sizes, size_t B,
                             nn_activation act) {
  nn_mlp *net = nn_mlp_alloc(n_sizes, sizes);
  CHECK(net != NULL, "alloc: %s", tr_error_msg());
  if (!net) return;
  nn_mlp_set_activation(net, act);
  const size_t I = nn_mlp_n_in(net), O = nn_mlp_n_out(net), P = nn_mlp_n_params(net);
  size_t Pwant = 0;
  for (size_t l = 1; l < n_sizes; l++) Pwant += sizes[l] * (sizes[l - 1] + 1);
  CHECK(P == Pwant, "P = %zu, want %zu", P, Pwant);
  CHECK(net->off_W[0] == 0 && net->off_b[0] == sizes[1] * sizes[0], "layer-1 offsets");
  if (n_sizes > 2)
    CHECK(net->off_W[1] == sizes[1] * (sizes[0] + 1), "layer-2 W offset %zu", net->off_W[1]);

  nn_ws *ws = nn_ws_alloc(net, B + 3); /* Bmax > B: the batch need not fill the workspace */
  double *theta = malloc(P * sizeof *theta), *x = malloc(B * I * sizeof *x);
  double *c = malloc(B * O * sizeof *c), *out = malloc(B * O * sizeof *out);
  double *ref = malloc(B * O * sizeof *ref), *grad = malloc(P * sizeof *grad);
  double *g0 = malloc(P * sizeof *g0), *dx = malloc(B * I * sizeof *dx);
  double *dx0 = malloc(B * I * sizeof *dx0), *v = malloc(P * sizeof *v);
  double *jv = malloc(B * O * sizeof *jv), *op = malloc(B * O * sizeof *op);
  double *om = malloc(B * O * sizeof *om), *th = malloc(P * sizeof *th);
  /* weights ~ U(−0.9137, 0.9137): tanh units neither linear nor saturated */
  fill_uniform(theta, P, r, -0.9137, 0.9137);
  fill_uniform(x, B * I, r, -1.7311, 1.2093);
  fill_uniform(c, B * O, r, -1.1, 1.3);
  fill_uniform(g0, P, r, -0.31, 0.47);
  fill_uniform(dx0, B * I, r, -0.29, 0.53);
  fill_uniform(v, P, r, -1.0, 1.0);
  double vn = 0.0; /* ‖v‖ = 1: the step along v is then h, as in the other differences */
  for (size_t j = 0; j < P; j++) vn += v[j] * v[j];
  for (size_t j = 0; j < P; j++) v[j] /= sqrt(vn);

  /* forward against the per-sample reference (same operations, different order: a few eps) */
  CHECK(nn_forward(net, theta, x, B, ws, out) == TR_OK, "forward: %s", tr_error_msg());
  naive_forward(net, theta, x, B, ref);
  for (size_t i = 0; i < B * O; i++) CHECK_CLOSE(out[i], ref[i], 1e-13, 1e-13, "forward");

  /* backward ADDS: start grad at g0, dx at dx0 */
  memcpy(grad, g0, P * sizeof *grad);
  memcpy(dx, dx0, B * I * sizeof *dx);
  CHECK(nn_backward(net, theta, ws, c, B, grad, dx) == TR_OK, "backward");
  memcpy(th, theta, P * sizeof *th);
  for (size_t j = 0; j < P; j++) {
    th[j] = theta[j] + FD_H;
    double fp = loss(net, th, x, B, ws, c, out);
    th[j] = theta[j] - FD_H;
    double fm = loss(net, th, x, B, ws, c, out);
    th[j] = theta[j];
    CHECK_CLOSE(grad[j] - g0[j], (fp - fm) / (2 * FD_H), FD_ABS, FD_REL, "dℓ/dθ_j");
  }
  double *xx = malloc(B * I * sizeof *xx);
  memcpy(xx, x, B * I * sizeof *xx);
  for (size_t i = 0; i < B * I; i++) {
    xx[i] = x[i] + FD_H;
    double fp = loss(net, theta, xx, B, ws, c, out);
    xx[i] = x[i] - FD_H;
    double fm = loss(net, theta, xx, B, ws, c, out);
    xx[i] = x[i];
    CHECK_CLOSE(dx[i] - dx0[i], (fp - fm) / (2 * FD_H), FD_ABS, FD_REL, "dℓ/dx_i");
  }
  free(xx);

  /* jvp against (out(θ + h v) − out(θ − h v)) / 2h, elementwise */
  CHECK(nn_forward(net, theta, x, B, ws, out) == TR_OK, "forward");
  CHECK(nn_jvp(net, theta, ws, v, B, jv) == TR_OK, "jvp");
  for (size_t j = 0; j < P; j++) th[j] = theta[j] + FD_H * v[j];
  nn_forward(net, th, x, B, ws, op);
  for (size_t j = 0; j < P; j++) th[j] = theta[j] - FD_H * v[j];
  nn_forward(net, th, x, B, ws, om);
  for (size_t i = 0; i < B * O; i++)
    CHECK_CLOSE(jv[i], (op[i] - om[i]) / (2 * FD_H), FD_ABS, FD_REL, "jvp");

  /* adjoint identity ⟨c, J v⟩ = ⟨Jᵀ c, v⟩: both sides exact up to rounding (~P·eps) */
  nn_forward(net, theta, x, B, ws, out);
  nn_jvp(net, theta, ws, v, B, jv);
  nn_zero(grad, P);
  nn_backward(net, theta, ws, c, B, grad, NULL);
  double lhs = 0.0, rhs = 0.0, scale = 0.0;
  for (size_t i = 0; i < B * O; i++) lhs += c[i] * jv[i], scale += fabs(c[i] * jv[i]);
  for (size_t j = 0; j < P; j++) rhs += grad[j] * v[j];
  CHECK_CLOSE(lhs, rhs, 1e-13 * scale, 0.0, "⟨c, Jv⟩ = ⟨Jᵀc, v⟩");

  /* rows are independent: a one-row batch gives that row of the full batch */
  nn_forward(net, theta, x, B, ws, out);
  size_t b = B / 2;
  nn_forward(net, theta, x + b * I, 1, ws, ref);
  for (size_t o = 0; o < O; o++) CHECK_CLOSE(ref[o], out[b * O + o], 1e-14, 1e-14, "row");

  /* determinism: the same call twice gives the same bits */
  nn_forward(net, theta, x, B, ws, op);
  nn_forward(net, theta, x, B, ws, om);
  CHECK(memcmp(op, om, B * O * sizeof *op) == 0, "forward is not bit-reproducible");

  free(theta), free(x), free(c), free(out), free(ref), free(grad), free(g0), free(dx);
  free(dx0), free(v), free(jv), free(op), free(om), free(th);
  nn_ws_free(ws);
  nn_mlp_free(net);
}

/* ---- orthogonal initialization ----------------------------------------------------- */

/* max |M − gain² I| for M = WᵀW (cols × cols) or W Wᵀ (rows × rows). */
static double gram_error(const double *W, size_t rows, size_t cols, int transpose, double g2) {
  size_t n = transpose ? rows : cols, m = transpose ? cols : rows;
  double worst = 0.0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double s = 0.0;
      for (size_t k = 0; k < m; k++)
        s += transpose ? W[i * cols + k] * W[j * cols + k] : W[k * cols + i] * W[k * cols + j];
      double e = fabs(s - (i == j ? g2 : 0.0));
      if (e > worst) worst = e;
    }
  return worst;
}

static void test_orthogonal(void) {
  /* The PPO policy net for Hopper: 11 → 64 → 64 → 3, gains √2, √2, 0.01.  W_1 (64, 11):
   * WᵀW = 2 I; W_2 (64, 64): both; W_3 (3, 64): W Wᵀ = 1e-4 I.  Householder QR keeps
   * orthogonality to ~n·eps ≈ 1.4e-14; allow 1e-12·gain². */
  const size_t sizes[] = {11, 64, 64, 3};
  nn_mlp *net = nn_mlp_alloc(4, sizes);
  double *p = malloc(net->P * sizeof *p), *q = malloc(net->P * sizeof *q);
  gsl_rng *r = tr_rng_alloc(20240611);
  for (size_t i = 0; i < net->P; i++) p[i] = 0.9137; /* init must overwrite everything */
  CHECK(nn_mlp_init_orthogonal(net, p, NN_GAIN_HIDDEN, 0.01, r) == TR_OK, "init: %s",
        tr_error_msg());
  CHECK(gram_error(p + net->off_W[0], 64, 11, 0, 2.0) < 2e-12, "W1ᵀW1 ≠ 2I: %.3g",
        gram_error(p + net->off_W[0], 64, 11, 0, 2.0));
  CHECK(gram_error(p + net->off_W[1], 64, 64, 0, 2.0) < 2e-12, "W2ᵀW2 ≠ 2I");
  CHECK(gram_error(p + net->off_W[1], 64, 64, 1, 2.0) < 2e-12, "W2W2ᵀ ≠ 2I");
  CHECK(gram_error(p + net->off_W[2], 3, 64, 1, 1e-4) < 1e-16, "W3W3ᵀ ≠ 1e-4 I: %.3g",
        gram_error(p + net->off_W[2], 3, 64, 1, 1e-4));
  int zero_b = 1;
  for (size_t l = 0; l < net->L; l++)
    for (size_t j = 0; j < net->n[l + 1]; j++) zero_b &= p[net->off_b[l] + j] == 0.0;
  CHECK(zero_b, "biases not 0");
  /* determinism: the same seed gives the same bits; another seed, other weights */
  gsl_rng_set(r, 7);
  nn_mlp_init_orthogonal(net, p, NN_GAIN_HIDDEN, 0.01, r);
  gsl_rng_set(r, 7);
  nn_mlp_init_orthogonal(net, q, NN_GAIN_HIDDEN, 0.01, r);
  CHECK(memcmp(p, q, net->P * sizeof *p) == 0, "init not reproducible");
  gsl_rng_set(r, 8);
  nn_mlp_init_orthogonal(net, q, NN_GAIN_HIDDEN, 0.01, r);
  CHECK(memcmp(p, q, net->P * sizeof *p) != 0, "init ignores the stream");
  free(p), free(q);
  nn_mlp_free(net);

  /* The sign correction: for Haar Q (4 × 4), Q_11 is symmetric about 0 and
   * E[Q_11²] = 1/4 (Q_11² ∼ Beta(½, 3/2), variance 1/16).  Householder QR without the
   * correction gives Q_11 = −|g_11|/‖g_1‖ < 0 always.  N = 400 draws: the fraction positive
   * has sd 0.025, the mean square sd 0.0125; allow 4 sd (0.1 and 0.05). */
  const size_t sq[] = {4, 4};
  net = nn_mlp_alloc(2, sq);
  p = malloc(net->P * sizeof *p);
  int pos = 0;
  double ms = 0.0;
  const int N = 400;
  for (int t = 0; t < N; t++) {
    nn_mlp_init_orthogonal(net, p, 1.0, 1.0, r);
    pos += p[0] > 0.0;
    ms += p[0] * p[0] / N;
  }
  CHECK_CLOSE(pos / (double)N, 0.5, 0.1, 0.0, "fraction of Q_11 > 0 (Haar: ½)");
  CHECK_CLOSE(ms, 0.25, 0.05, 0.0, "E Q_11² (Haar: 1/4)");
  free(p);
  nn_mlp_free(net);
  gsl_rng_free(r);
}

static void test_normal_init(void) {
  /* W_1 (200, 300) ~ N(0, 1.3²/300): 60000 entries, the sample variance over σ² has sd
   * √(2/60000) = 0.58%; allow 3% (5 sd); the mean has sd σ/√60000, allow 5 sd.  The output
   * layer W_2 (2, 200) has gain 0.1: 400 entries, ratio sd 7%, allow 35%. */
  const size_t sizes[] = {300, 200, 2};
  nn_mlp *net = nn_mlp_alloc(3, sizes);
  double *p = malloc(net->P * sizeof *p);
  gsl_rng *r = tr_rng_alloc(99);
  CHECK(nn_mlp_init_normal(net, p, 1.3, 0.1, r) == TR_OK, "normal init");
  const double *W = p + net->off_W[0];
  double s2 = 1.3 * 1.3 / 300, m = 0.0, v = 0.0;
  for (size_t i = 0; i < 60000; i++) m += W[i] / 60000;
  for (size_t i = 0; i < 60000; i++) v += (W[i] - m) * (W[i] - m) / 59999;
  CHECK_CLOSE(m, 0.0, 5 * sqrt(s2 / 60000), 0.0, "normal init mean");
  CHECK_CLOSE(v / s2, 1.0, 0.03, 0.0, "normal init variance / (gain²/fan_in)");
  W = p + net->off_W[1];
  s2 = 0.01 / 200, v = 0.0;
  for (size_t i = 0; i < 400; i++) v += W[i] * W[i] / 400;
  CHECK_CLOSE(v / s2, 1.0, 0.35, 0.0, "output layer variance / (gain_out²/fan_in)");
  int zero_b = 1;
  for (size_t j = 0; j < 200; j++) zero_b &= p[net->off_b[0] + j] == 0.0;
  CHECK(zero_b, "biases not 0");
  free(p);
  nn_mlp_free(net);
  gsl_rng_free(r);
}

/* ---- Adam ---------------------------------------------------------------------------- */
static void test_adam(void) {
  /* First step, closed form: m₁ = (1−β1)g, v₁ = (1−β2)g², so m̂ = g, √v̂ = |g| and
   * Δθ = −lr·g/(|g| + ε) = −lr·sign(g)·(1 − ε/(|g| + ε)): lr·sign(g) up to ε for |g| ≫ ε,
   * lr/11 for |g| = 1e-9 = ε/10. */
  const size_t n = 6;
  const double lr = 0.0137;
  double x[6] = {0.9137, -1.2041, 0.3318, 2.7183, -0.0571, 0.4142};
  double g[6] = {0.5772, -3.1416, 1e-9, -1e-3, 7.389, 0.0};
  double x0[6];
  memcpy(x0, x, sizeof x);
  nn_adam *a = nn_adam_alloc(n);
  CHECK(a && a->beta1 == 0.9 && a->beta2 == 0.999 && a->eps == 1e-8, "Adam defaults");
  nn_adam_step(a, x, g, lr);
  for (size_t i = 0; i < n; i++) {
    double want = x0[i] - lr * g[i] / (fabs(g[i]) + 1e-8);
    CHECK_CLOSE(x[i], want, 4 * DBL_EPSILON * fabs(x0[i]), 0.0, "Adam step 1 closed form");
  }
  CHECK_CLOSE(x[0] - x0[0], -lr, lr * 1e-7, 0.0, "step 1 = −lr·sign(g)");
  CHECK_CLOSE(x[1] - x0[1], +lr, lr * 1e-7, 0.0, "step 1 = −lr·sign(g)");
  CHECK_CLOSE(x[2] - x0[2], -lr / 11, 1e-15, 0.0, "step 1 with |g| = ε/10: lr/11");
  CHECK(x[5] == x0[5], "a zero gradient does not move");

  /* Second step on coordinate 0 with g₂ = −0.25, written out (values from bc -l):
   *   m₂ = 0.9·0.05772 − 0.025 = 0.026948;   v₂ = 0.999·0.001·0.5772² + 0.001·0.0625
   *      = 0.00039532668016;  m̂ = m₂/0.19 = 0.14183157894736842,
   *   √v̂ = √(v₂/0.001999) = 0.44470464489433;  Δ = −lr·m̂/(√v̂ + ε) = −0.004369400252940114. */
  double g2[6] = {-0.25, 0, 0, 0, 0, 0};
  double before = x[0];
  nn_adam_step(a, x, g2, lr);
  double v2 = 0.999 * 0.001 * 0.5772 * 0.5772 + 0.001 * 0.0625;
  double want = before - lr * (0.026948 / 0.19) / (sqrt(v2 / 0.001999) + 1e-8);
  CHECK_CLOSE(x[0], want, 1e-15, 0.0, "Adam step 2 written out");
  CHECK_CLOSE(x[0] - before, -0.004369400252940114, 1e-16, 0.0, "Adam step 2 value");
  CHECK(a->t == 2, "step count %ld", a->t);

  /* reset: a fresh optimizer again */
  nn_adam_reset(a);
  memcpy(x, x0, sizeof x);
  nn_adam_step(a, x, g, lr);
  CHECK_CLOSE(x[0], x0[0] - lr * g[0] / (fabs(g[0]) + 1e-8), 1e-15, 0.0, "after reset");
  nn_adam_free(a);

  /* Convergence on f(x) = ½ Σ a_i (x_i − c_i)², curvatures 0.09 … 19 (ill-conditioned),
   * start 1.5–3 away, lr = 0.01: Adam moves ≲ lr per step, so it needs ≳ 300 steps.  Then
   * m and √v shrink with the gradient and the iteration contracts like heavy-ball momentum:
   * measured max error 1e-3 after 1000 steps, 2e-15 after 3000; after 5000 require 1e-9. */
  double curv[5] = {0.0913, 1.0, 3.7, 11.2, 19.0}, c[5] = {1.4142, -0.5772, 2.0, 0.3183, -1.1};
  double y[5] = {-1.0, 1.9, 0.0, -2.7, 1.6}, gy[5];
  a = nn_adam_alloc(5);
  for (int t = 0; t < 5000; t++) {
    for (int i = 0; i < 5; i++) gy[i] = curv[i] * (y[i] - c[i]);
    nn_adam_step(a, y, gy, 0.01);
  }
  for (int i = 0; i < 5; i++) CHECK_CLOSE(y[i], c[i], 1e-9, 0.0, "Adam converges on a quadratic");
  nn_adam_free(a);
}

static void test_clip(void) {
  /* ‖(3, −4, 0.9137·12)‖ = √(25 + 120.21…) = 12.050…; clipped to max 1.5 the vector keeps
   * its direction and has norm 1.5·N/(N + 1e-6). */
  double g[3] = {3.0, -4.0, 0.9137 * 12}, g0[3];
  memcpy(g0, g, sizeof g);
  double N = sqrt(9 + 16 + 0.9137 * 12 * 0.9137 * 12);
  double got = nn_clip_grad_norm(g, 3, 1.5);
  CHECK_CLOSE(got, N, 0.0, 1e-15, "returns the norm before clipping");
  for (int i = 0; i < 3; i++) CHECK_CLOSE(g[i], g0[i] * 1.5 / (N + 1e-6), 0.0, 1e-15, "clipped");
  memcpy(g, g0, sizeof g);
  nn_clip_grad_norm(g, 3, 100.0);
  CHECK(memcmp(g, g0, sizeof g) == 0, "a small gradient is left alone");
}

static void test_errors(void) {
  const size_t one[] = {3}, zero[] = {3, 0, 2}, ok[] = {3, 4, 2};
  tr_error_clear();
  CHECK(nn_mlp_alloc(1, one) == NULL && strstr(tr_error_msg(), "at least 2"), "%s",
        tr_error_msg());
  CHECK(nn_mlp_alloc(3, zero) == NULL && strstr(tr_error_msg(), "width 1"), "%s", tr_error_msg());
  nn_mlp *net = nn_mlp_alloc(3, ok);
  CHECK(nn_ws_alloc(net, 0) == NULL, "Bmax 0 accepted");
  nn_ws *ws = nn_ws_alloc(net, 4);
  double p[26] = {0}, x[15] = {0}, out[10], g[26] = {0};
  CHECK(net->P == 26, "P = %zu", net->P);
  CHECK(nn_forward(net, p, x, 5, ws, out) == TR_EINVAL && strstr(tr_error_msg(), "1 to 4"),
        "B > Bmax: %s", tr_error_msg());
  CHECK(nn_backward(net, p, ws, out, 2, g, NULL) == TR_EINVAL, "backward before forward");
  nn_forward(net, p, x, 3, ws, out);
  CHECK(nn_backward(net, p, ws, out, 2, g, NULL) == TR_EINVAL && strstr(tr_error_msg(), "had 3"),
        "backward on another batch: %s", tr_error_msg());
  CHECK(nn_jvp(net, p, ws, p, 4, out) == TR_EINVAL, "jvp on another batch");
  nn_ws_free(ws);
  nn_mlp_free(net);
  nn_mlp_free(NULL);
  nn_ws_free(NULL);
  nn_adam_free(NULL);
}

/* ulp(y): the spacing of doubles in y's binade, 2^(e−52) for y in [2^e, 2^(e+1)), and the
 * subnormal spacing 2^−1074 below 2^−1022; computed exactly in long double. */
static long double ulp_of(long double y) {
  int e;
  frexpl(fabsl(y), &e); /* |y| = f·2^e, f in [1/2, 1) */
  return ldexpl(1.0L, (e - 1 < -1022 ? -1022 : e - 1) - 52);
}

/* The worst error of nn_tanh_on(isa) in ulps against tanhl (long double: 64-bit mantissa,
 * so the reference itself errs by < 2^−11 ulp of a double) over a sweep: magnitudes
 * 1e-300 … 40 (ratio 1.0137, both signs, through SLEEF's range switches and the saturation
 * at 19.06), a uniform grid on [−20, 20] with step 1/1024 + 1e-7 (not a dyadic grid), in
 * arrays of 1 … 11 elements so the vector body and every tail length are exercised. */
static double tanh_worst_ulp(const char *isa, double *at, size_t *count) {
  double worst = 0;
  size_t n = 0;
  double buf[11];
  size_t len = 1, fill = 0, j = 0;
  for (int pass = 0; pass < 2; pass++) {
    double m = pass ? -20.0 : 1e-300;
    for (;;) {
      double v;
      if (pass == 0) {
        if (m >= 40) break;
        v = (j % 2) ? -m : m;
        if (j++ % 2) m *= 1.0137;
      } else {
        if (m > 20) break;
        v = m;
        m += 1.0 / 1024 + 1e-7;
      }
      buf[fill++] = v;
      if (fill < len) continue;
      double y[11];
      memcpy(y, buf, fill * sizeof *y);
      if (nn_tanh_on(isa, y, fill)) return INFINITY;
      for (size_t k = 0; k < fill; k++, n++) {
        long double ref = tanhl((long double)buf[k]);
        double e = (double)(fabsl((long double)y[k] - ref) / ulp_of(ref));
        if (e > worst) worst = e, *at = buf[k];
      }
      fill = 0;
      len = len % 11 + 1;
    }
  }
  *count = n;
  return worst;
}

/* nn_tanh (SLEEF's vector tanh, the _u35 functions) in every instruction set this CPU
 * runs: ≤ 3.5 ulp against long double (SLEEF's documented bound for _u35), ±0 → ±0,
 * ±inf → ±1, NaN kept, and an element's result independent of its position (vector body
 * or tail).  The bound allows 3.5 + 2^−10: tanhl's own rounding (its 64-bit mantissa
 * resolves 2^−11 ulp of a double) can add to a result at SLEEF's bound. */
static void test_tanh(void) {
  static const char *const isas[] = {"sse2", "avx", "avx512f", "scalar"};
  size_t tested = 0;
  for (size_t i = 0; i < sizeof isas / sizeof *isas; i++) {
    double probe = 0.5;
    if (nn_tanh_on(isas[i], &probe, 1)) continue; /* not this CPU */
    tested++;
    double at = 0;
    size_t n = 0;
    double worst = tanh_worst_ulp(isas[i], &at, &n);
    CHECK(n > 90000 && worst <= 3.5 + 0x1p-10, "nn_tanh[%s]: worst error %.6f ulp (at x = %.17g) over %zu points",
          isas[i], worst, at, n);
    double s[9] = {0.0, -0.0, INFINITY, -INFINITY, NAN, -NAN, 19.5, -400.0, 1e-310};
    CHECK(nn_tanh_on(isas[i], s, 9) == TR_OK, "nn_tanh_on(%s)", isas[i]);
    CHECK(s[0] == 0 && !signbit(s[0]) && s[1] == 0 && signbit(s[1]) && s[2] == 1 && s[3] == -1,
          "nn_tanh[%s](±0) = ±0, (±inf) = ±1: got %g %g %g %g", isas[i], s[0], s[1], s[2], s[3]);
    CHECK(isnan(s[4]) && isnan(s[5]), "nn_tanh[%s](NaN) is NaN (a diverging network must show)",
          isas[i]);
    CHECK(s[6] == 1 && s[7] == -1 && s[8] == 1e-310, "nn_tanh[%s]: saturation and subnormals",
          isas[i]);
    /* position independence: x at every index of arrays of 1 … 19 elements */
    double x = 0.8137, one = x, arr[19];
    nn_tanh_on(isas[i], &one, 1);
    int same = 1;
    for (size_t len = 1; len <= 19; len++) {
      for (size_t k = 0; k < len; k++) arr[k] = x;
      nn_tanh_on(isas[i], arr, len);
      for (size_t k = 0; k < len; k++) same &= memcmp(&arr[k], &one, sizeof one) == 0;
    }
    CHECK(same, "nn_tanh[%s]: a value's result depends on its position in the array", isas[i]);
    printf("# nn_tanh[%s]: worst %.6f ulp at x = %.17g over %zu points\n", isas[i], worst, at, n);
  }
  CHECK(tested >= 1, "no instruction set of nn_tanh ran");
  double y = 0.3, z = 0.3;
  nn_tanh(&y, 1);
  nn_tanh_on(nn_tanh_isa(), &z, 1);
  CHECK(y == z, "nn_tanh uses the set it names (%s)", nn_tanh_isa());
  CHECK(nn_tanh_on("mmx", &z, 1) == TR_EINVAL, "an unknown instruction set is refused");
  printf("# nn_tanh: %s\n", nn_tanh_isa());
}

/* ---- softplus -------------------------------------------------------------------------
 * σ(x) = log(1 + e^x), σ'(x) = 1/(1 + e^{−x}) (the logistic), both in long double as the truth
 * (expl does not overflow below 11356, so log1pl(expl(800)) = 800 + e^{−800} is exact there,
 * and expl(−800) ≈ 3.7e-348 is a long double: the truth at −800 is that, which rounds to a
 * double 0).  Error budget: max(x, 0) + log1p(e^{−|x|}) is exp (≤ 1 ulp), log1p (≤ 1 ulp,
 * condition ≤ 1) and one addition: ≤ 3 ulp; σ' = −expm1(−h) adds expm1's ulp to h's error,
 * carried with condition h e^{−h}/(1 − e^{−h}) ≤ 1: ≤ 4.5 ulp.  Allowed: 4 and 6 ulp, the
 * measured worst printed.  Central differences at h_x = 1e-5 max(1, |x|): truncation
 * h_x² σ‴/6 ≤ 2e-11 σ' relative; rounding eps |σ|/h_x ≤ 2e-11 σ' relative (for x ≫ 0,
 * σ ≈ x, σ' ≈ 1 and h_x = 1e-5 x); the tolerance is 1e-7 relative. */
static double softplus_of(double x) {
  nn_activate(NN_SOFTPLUS, &x, 1);
  return x;
}
static double softplus_slope_of(double x) {
  double h = softplus_of(x), d = 1.0;
  nn_activation_slope(NN_SOFTPLUS, &d, &h, 1);
  return d;
}

static void test_softplus(void) {
  /* closed forms at chosen points: 0 (log 2, ½), ±0.9137, ±40, ±800, ±inf, NaN */
  CHECK(softplus_of(0.0) == M_LN2, "softplus(0) = %.17g, want log 2", softplus_of(0.0));
  CHECK(softplus_slope_of(0.0) == 0.5, "softplus'(0) = %.17g, want 1/2", softplus_slope_of(0.0));
  const double pts[] = {-800, -40, -7.3137, -0.9137, 0.4219, 0.9137, 2.7, 40, 800};
  for (size_t i = 0; i < sizeof pts / sizeof *pts; i++) {
    double x = pts[i];
    long double f = log1pl(expl((long double)x)), d = 1.0L / (1.0L + expl(-(long double)x));
    double got = softplus_of(x), slope = softplus_slope_of(x);
    CHECK(isfinite(got) && isfinite(slope), "softplus(%g) = %g, slope %g: not finite", x, got,
          slope);
    CHECK_CLOSE(got, (double)f, 0.0, 4 * DBL_EPSILON, "softplus(x) vs log1pl(expl(x))");
    CHECK_CLOSE(slope, (double)d, 0.0, 6 * DBL_EPSILON, "softplus'(x) vs 1/(1 + expl(-x))");
    /* central differences of nn_activate against the slope */
    double hx = 1e-5 * (fabs(x) > 1 ? fabs(x) : 1);
    double fd = (softplus_of(x + hx) - softplus_of(x - hx)) / (2 * hx);
    CHECK_CLOSE(slope, fd, 0.0, 1e-7, "softplus'(x) vs central differences");
  }
  /* the extremes exactly: no overflow at +800 (naive log(1 + e^800) is inf), no loss at −40
   * (naive log(1 + e^−40) is log(1) = 0), underflow to 0 at −800 */
  CHECK(softplus_of(800) == 800 && softplus_slope_of(800) == 1, "softplus(800) = %g, slope %g",
        softplus_of(800), softplus_slope_of(800));
  CHECK(softplus_of(-800) == 0 && softplus_slope_of(-800) == 0, "softplus(-800) = %g, slope %g",
        softplus_of(-800), softplus_slope_of(-800));
  CHECK(softplus_of(-40) > 4.24e-18 && softplus_of(-40) < 4.25e-18,
        "softplus(-40) = %g, want e^-40 = 4.248e-18", softplus_of(-40));
  CHECK(softplus_of(40) == 40 && softplus_slope_of(40) == 1, "softplus(40) = %.17g",
        softplus_of(40));
  CHECK(softplus_of(INFINITY) == INFINITY && softplus_of(-INFINITY) == 0 &&
            softplus_slope_of(INFINITY) == 1 && softplus_slope_of(-INFINITY) == 0,
        "softplus(±inf) = %g %g", softplus_of(INFINITY), softplus_of(-INFINITY));
  CHECK(isnan(softplus_of(NAN)) && isnan(softplus_slope_of(NAN)),
        "softplus(NaN) is NaN (a diverging network must show)");
  /* a sweep: x = −50 … 50 step 1/1024 + 1e-7 (not dyadic), worst ulps against long double */
  double wv = 0, ws = 0, at_v = 0, at_s = 0;
  size_t n = 0;
  for (double x = -50; x <= 50; x += 1.0 / 1024 + 1e-7, n++) {
    long double f = log1pl(expl((long double)x)), d = 1.0L / (1.0L + expl(-(long double)x));
    double ev = (double)(fabsl((long double)softplus_of(x) - f) / ulp_of(f));
    double es = (double)(fabsl((long double)softplus_slope_of(x) - d) / ulp_of(d));
    if (ev > wv) wv = ev, at_v = x;
    if (es > ws) ws = es, at_s = x;
  }
  CHECK(n > 100000 && wv <= 4 && ws <= 6,
        "softplus: worst %.3f ulp (x = %.17g), slope %.3f ulp (x = %.17g) over %zu points", wv,
        at_v, ws, at_s, n);
  printf("# softplus: worst %.3f ulp at x = %.17g, slope %.3f ulp at x = %.17g, %zu points\n",
         wv, at_v, ws, at_s, n);
  /* a whole array: each element as alone (the activation is elementwise) */
  double arr[7] = {-800, -40, -0.9137, 0, 0.4219, 40, 800}, one[7];
  for (size_t i = 0; i < 7; i++) one[i] = softplus_of(arr[i]);
  nn_activate(NN_SOFTPLUS, arr, 7);
  CHECK(memcmp(arr, one, sizeof arr) == 0, "softplus over an array differs from one at a time");
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *r = tr_rng_alloc(31337);
  const size_t s_ppo[] = {4, 7, 5, 3}, s_lin[] = {3, 2}, s_deep[] = {5, 6, 4, 3, 2};
  test_derivatives(r, 4, s_ppo, 6, NN_TANH);
  test_derivatives(r, 2, s_lin, 5, NN_TANH);
  test_derivatives(r, 5, s_deep, 1, NN_TANH);
  test_derivatives(r, 5, s_deep, 9, NN_TANH);
  test_derivatives(r, 4, s_ppo, 6, NN_SOFTPLUS);
  test_derivatives(r, 5, s_deep, 9, NN_SOFTPLUS);
  gsl_rng_free(r);
  test_tanh();
  test_softplus();
  test_orthogonal();
  test_normal_init();
  test_adam();
  test_clip();
  test_errors();
  return check_done("test_nn");
}
