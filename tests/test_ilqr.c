/* tests/test_ilqr.c — iLQR (algorithms/ilqr.c) against truth.
 *
 *   LQ: x' = A x + B u, r = −½xᵀQx − ½uᵀRu over H steps.  The optimum is the finite-horizon
 *       LQR law u_t = L_t x_t of the backward Riccati recursion (P_H = 0):
 *         L_t = −(R + BᵀP_{t+1}B)⁻¹ BᵀP_{t+1}A,  P_t = Q + AᵀP_{t+1}(A + B L_t);
 *       one iLQR iteration from u = 0 with μ = 0 and α = 1 lands on it (K_t = L_t, the
 *       trajectory and the return) to 1e-8, and the next one is converged.
 *   μ schedule: Tassa et al. 2012 § II.F (Δ₀ = 2, μ_min = 1e-6), step by step.
 *   Bad input: H = 0; a reward convex in u that no μ can fix (B = 0): μ at its bound.
 * Derivatives vs finite differences are tested where they are computed (test_mj_dynamics). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "algorithms/ilqr.h"
#include "tests/check.h"

#define MSG_HAS(part) \
  CHECK(strstr(tr_error_msg(), (part)) != NULL, "message '%s' lacks '%s'", tr_error_msg(), (part))

enum { N = 3, U = 2, H = 7 };
static const double Am[N * N] = {1.0, 0.1, 0.0, -0.05, 0.98, 0.1, 0.02, 0.0, 0.97};
static const double Bm[N * U] = {0.0, 0.1, 0.1, 0.0, 0.05, -0.07};
static const double Qm[N * N] = {1.3, 0.2, 0.0, 0.2, 0.7, 0.1, 0.0, 0.1, 0.9137};
static const double Rm[U * U] = {0.31, 0.05, 0.05, 0.17};
static double sign_r = 1.0; /* −1: a reward convex in u (μ test) */
static int zero_B = 0;

static tr_status lq_step(void *ctx, const double *s, const double *u, double *sn, double *r,
                         double *rt) {
  (void)ctx;
  double c = 0.0;
  for (int i = 0; i < N; i++) {
    double v = 0.0;
    for (int j = 0; j < N; j++) v += Am[i * N + j] * s[j], c += 0.5 * s[i] * Qm[i * N + j] * s[j];
    for (int j = 0; j < U && !zero_B; j++) v += Bm[i * U + j] * u[j];
    sn[i] = v;
  }
  for (int i = 0; i < U; i++)
    for (int j = 0; j < U; j++) c += sign_r * 0.5 * u[i] * Rm[i * U + j] * u[j];
  *r = *rt = -c;
  return TR_OK;
}

static tr_status lq_derivs(void *ctx, const double *s, const double *u, const double *sn,
                           double *A, double *B, double *rx, double *ru, double *rxx,
                           double *ruu, double *rux) {
  (void)ctx, (void)sn;
  memcpy(A, Am, sizeof Am);
  for (int i = 0; i < N * U; i++) B[i] = zero_B ? 0.0 : Bm[i];
  for (int i = 0; i < N; i++) {
    rx[i] = 0;
    for (int j = 0; j < N; j++) rx[i] -= Qm[i * N + j] * s[j], rxx[i * N + j] = -Qm[i * N + j];
  }
  for (int i = 0; i < U; i++) {
    ru[i] = 0;
    for (int j = 0; j < U; j++)
      ru[i] -= sign_r * Rm[i * U + j] * u[j], ruu[i * U + j] = -sign_r * Rm[i * U + j];
    for (int j = 0; j < N; j++) rux[i * N + j] = 0;
  }
  return TR_OK;
}

static const ilqr_problem lq = {N, N, U, H, NULL, NULL, NULL, lq_step, lq_derivs};

/* Riccati: L (H, U, N) */
static void riccati(double *L) {
  double P[N * N] = {0};
  for (int t = H - 1; t >= 0; t--) {
    double PB[N * U], PA[N * N], M[U * U], G[U * N];
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < U; j++) {
        PB[i * U + j] = 0;
        for (int l = 0; l < N; l++) PB[i * U + j] += P[i * N + l] * Bm[l * U + j];
      }
      for (int j = 0; j < N; j++) {
        PA[i * N + j] = 0;
        for (int l = 0; l < N; l++) PA[i * N + j] += P[i * N + l] * Am[l * N + j];
      }
    }
    for (int i = 0; i < U; i++) {
      for (int j = 0; j < U; j++) {
        M[i * U + j] = Rm[i * U + j];
        for (int l = 0; l < N; l++) M[i * U + j] += Bm[l * U + i] * PB[l * U + j];
      }
      for (int j = 0; j < N; j++) {
        G[i * N + j] = 0;
        for (int l = 0; l < N; l++) G[i * N + j] += Bm[l * U + i] * PA[l * N + j];
      }
    }
    double det = M[0] * M[3] - M[1] * M[2];
    double Mi[4] = {M[3] / det, -M[1] / det, -M[2] / det, M[0] / det};
    double *Lt = L + t * U * N;
    for (int i = 0; i < U; i++)
      for (int j = 0; j < N; j++) Lt[i * N + j] = -(Mi[i * U + 0] * G[j] + Mi[i * U + 1] * G[N + j]);
    double Pn[N * N];
    /* P_t = Q + Aᵀ P (A + B L) */
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double v = Qm[i * N + j];
        for (int l = 0; l < N; l++) {
          double ABL = Am[l * N + j];
          for (int k = 0; k < U; k++) ABL += Bm[l * U + k] * Lt[k * N + j];
          double AtP = 0;
          for (int m = 0; m < N; m++) AtP += Am[m * N + i] * P[m * N + l];
          v += AtP * ABL;
        }
        Pn[i * N + j] = v;
      }
    memcpy(P, Pn, sizeof P);
  }
}

static void test_lq(void) {
  double x0[N] = {0.7, -0.4, 1.1}, u0[H * U] = {0};
  ilqr_settings set;
  alg_ilqr_settings_default(&set);
  set.mu_init = 0.0;
  ilqr *il;
  CHECK(!alg_ilqr_alloc(&il, &lq, &set, x0, u0), "%s", tr_error_msg());
  CHECK(!alg_ilqr_iterate(il), "%s", tr_error_msg());
  CHECK(il->alpha == 1.0, "the full step is taken: alpha %g", il->alpha);
  CHECK_CLOSE(il->actual, il->expected, 1e-12, 1e-9, "LQ: actual = expected improvement");
  double L[H * U * N];
  riccati(L);
  double x[N];
  memcpy(x, x0, sizeof x);
  double J = 0;
  for (int t = 0; t < H; t++) {
    double u[U], xn[N], r, rt;
    for (int i = 0; i < U; i++) {
      u[i] = 0;
      for (int j = 0; j < N; j++) u[i] += L[t * U * N + i * N + j] * x[j];
      CHECK_CLOSE(il->Ubar[t * U + i], u[i], 1e-8, 0, "u_t = L_t x_t");
      for (int j = 0; j < N; j++)
        CHECK_CLOSE(il->K[t * U * N + i * N + j], L[t * U * N + i * N + j], 1e-8, 0, "K_t = L_t");
    }
    for (int j = 0; j < N; j++) CHECK_CLOSE(il->X[t * N + j], x[j], 1e-8, 0, "x_t");
    lq_step(NULL, x, u, xn, &r, &rt);
    J += r;
    memcpy(x, xn, sizeof x);
  }
  CHECK_CLOSE(il->J, J, 1e-8, 0, "the return is LQR's");
  /* Q_uu (reward sign) at t = H−1 is −R (V_xx = 0 after the last step) */
  for (int i = 0; i < U * U; i++)
    CHECK_CLOSE(il->Quu[(H - 1) * U * U + i], -Rm[i], 1e-12, 0, "Quu at H-1");
  CHECK(!alg_ilqr_iterate(il), "%s", tr_error_msg());
  CHECK(il->converged || il->alpha == 0.0, "second iteration: converged (actual %g)", il->actual);
  CHECK(fabs(il->actual) < 1e-12 || isnan(il->actual), "no improvement left: %g", il->actual);
  alg_ilqr_free(il);
}

static void test_mu_schedule(void) {
  ilqr_settings s;
  alg_ilqr_settings_default(&s);
  double mu = 1.0, d = 1.0;
  alg_ilqr_mu_increase(&s, &mu, &d);
  CHECK(d == 2 && mu == 2, "increase 1: %g %g", mu, d);
  alg_ilqr_mu_increase(&s, &mu, &d);
  CHECK(d == 4 && mu == 8, "increase 2: %g %g", mu, d);
  alg_ilqr_mu_decrease(&s, &mu, &d);
  CHECK(d == 0.5 && mu == 4, "decrease 1: %g %g", mu, d);
  alg_ilqr_mu_decrease(&s, &mu, &d);
  CHECK(d == 0.25 && mu == 1, "decrease 2: %g %g", mu, d);
  alg_ilqr_mu_decrease(&s, &mu, &d);
  CHECK(d == 0.125 && mu == 0.125, "decrease 3: %g %g", mu, d);
  int n = 3;
  while (mu > 0 && n < 100) alg_ilqr_mu_decrease(&s, &mu, &d), n++;
  /* μ_k = 2^{-k(k+1)/2}·... : after decrease k (from μ = 8, Δ = 4) μ = 8·Π 2^{-j}; zero once
   * μΔ ≤ 1e-6: 8·2^{-(1+2+…+5)} = 2^{-12} ≈ 2.4e-4 > 1e-6, next 2^{-18} ≈ 3.8e-6, then
   * 2^{-25} ≈ 3e-8 < 1e-6 → 0 at decrease 7 */
  CHECK(n == 7 && mu == 0.0, "mu reaches 0 at decrease 7 (got %d)", n);
  alg_ilqr_mu_increase(&s, &mu, &d);
  CHECK(d == 2 && mu == 1e-6, "from 0: mu_min (%g, %g)", mu, d);
  alg_ilqr_mu_increase(&s, &mu, &d);
  CHECK(d == 4 && mu == 4e-6, "then x4: %g %g", mu, d);
}

static void test_bad(void) {
  ilqr_problem p = lq;
  p.H = 0;
  double x0[N] = {1, 2, 3}, u0[H * U] = {0};
  ilqr *il;
  CHECK(alg_ilqr_alloc(&il, &p, NULL, x0, u0) == TR_EINVAL, "H = 0");
  MSG_HAS("iLQR: horizon H = 0 (must be > 0)");
  sign_r = -1.0, zero_B = 1;
  CHECK(!alg_ilqr_alloc(&il, &lq, NULL, x0, u0), "%s", tr_error_msg());
  CHECK(alg_ilqr_iterate(il) == TR_ENUM, "mu at its bound");
  MSG_HAS("iLQR iteration 1: mu = ");
  MSG_HAS("is above its bound 1e+10");
  alg_ilqr_free(il);
  sign_r = 1.0, zero_B = 0;
}

int main(void) {
  test_lq();
  test_mu_schedule();
  test_bad();
  return check_done("test_ilqr");
}
