/* tests/test_softmax.c — theory/softmax: the tabular softmax parametrization.
 *
 * Letters: S states, A actions, n = S·A parameters; eps = DBL_EPSILON ≈ 2.2e-16.
 * Truth: closed forms for softmax on extreme logits; high-order finite differences of
 * J(θ) (from thy_evaluate) for ∇J; finite differences of the d-weighted KL for F;
 * the min-norm solution of the per-state system for F⁺∇J, written out below; soft policy
 * iteration for the NPG step (REFERENCES.md § 2.5–2.6).  cond∞(I − γP_π) ≤ (1+γ)/(1−γ)
 * bounds how rounding in one policy evaluation grows (see tests/test_exact.c).
 * Random inputs: mt19937, fixed seeds. */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "tests/check.h"
#include "theory/softmax.h"

#define EPS DBL_EPSILON

static double vmax_abs(const double *x, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    if (fabs(x[i]) > m) m = fabs(x[i]);
  return m;
}

static double cond_bound(double gamma) { return (1.0 + gamma) / (1.0 - gamma); }

/* A random MDP with dense rows P(·|s,a) ∝ U(0,1), r ~ U(−1,1), μ ∝ U(0,1) (full support). */
static mdp *random_mdp(gsl_rng *rng, size_t S, size_t A, double gamma) {
  double *P = malloc(S * A * S * sizeof *P), *r = malloc(S * A * sizeof *r);
  double *mu = malloc(S * sizeof *mu);
  for (size_t row = 0; row < S * A; row++) {
    double sum = 0.0;
    for (size_t t = 0; t < S; t++) sum += (P[row * S + t] = gsl_rng_uniform_pos(rng));
    for (size_t t = 0; t < S; t++) P[row * S + t] /= sum;
  }
  for (size_t i = 0; i < S * A; i++) r[i] = 2.0 * gsl_rng_uniform(rng) - 1.0;
  double sum = 0.0;
  for (size_t s = 0; s < S; s++) sum += (mu[s] = gsl_rng_uniform_pos(rng));
  for (size_t s = 0; s < S; s++) mu[s] /= sum;
  mdp *m = mdp_alloc_dense(S, A, gamma, P, r, mu);
  free(P);
  free(r);
  free(mu);
  return m;
}

static void random_theta(double *theta, gsl_rng *rng, size_t n, double sigma) {
  for (size_t i = 0; i < n; i++) theta[i] = gsl_ran_gaussian(rng, sigma);
}

/* ---- softmax and log-softmax ------------------------------------------------------- */
static void test_softmax_stable(gsl_rng *rng) {
  /* Row 0: (1000, 999, −1000) → (1, e⁻¹, e⁻²⁰⁰⁰)/(1 + e⁻¹ + e⁻²⁰⁰⁰); e⁻²⁰⁰⁰ underflows to 0,
   *   log π = (−L, −1 − L, −2000 − L), L = log(1 + e⁻¹) = 0.31326168751822283405.
   * Row 1: (−1000, −1000.5, −999.25) → shifted by the max: (e^−0.75, e^−1.25, 1)/Z.
   * Row 2: (710, 710, 710) (exp 710 overflows) → uniform 1/3.
   * Row 3: (0, −800, 800): (0, 0, 1) to the last bit; log π = (−800, −1600, 0). */
  const double theta[12] = {1000, 999, -1000, -1000, -1000.5, -999.25,
                            710,  710, 710,   0,     -800,    800};
  double pi[12], lp[12];
  thy_softmax(pi, theta, 4, 3);
  thy_log_softmax(lp, theta, 4, 3);
  const double L = 0.31326168751822283405; /* log1p(e⁻¹), 20 digits (mpmath) */
  /* Each π is exp(·)/Z: two roundings, plus one in Z and one in exp: 4 eps relative. */
  CHECK_CLOSE(pi[0], 1.0 / (1.0 + exp(-1.0)), 0.0, 4 * EPS, "softmax row 0");
  CHECK_CLOSE(pi[1], exp(-1.0) / (1.0 + exp(-1.0)), 0.0, 4 * EPS, "softmax row 0");
  CHECK(pi[2] == 0.0, "e^-2000 must underflow to 0, got %g", pi[2]);
  double Z1 = exp(-0.75) + exp(-1.25) + 1.0;
  CHECK_CLOSE(pi[3], exp(-0.75) / Z1, 0.0, 4 * EPS, "softmax row 1");
  CHECK_CLOSE(pi[4], exp(-1.25) / Z1, 0.0, 4 * EPS, "softmax row 1");
  CHECK_CLOSE(pi[5], 1.0 / Z1, 0.0, 4 * EPS, "softmax row 1");
  CHECK(pi[6] == 1.0 / 3.0 && pi[7] == 1.0 / 3.0 && pi[8] == 1.0 / 3.0, "row 2 not uniform");
  CHECK(pi[9] == exp(-800.0) && pi[10] == 0.0 && pi[11] == 1.0, "row 3: %g %g %g", pi[9],
        pi[10], pi[11]);
  /* log-softmax is computed as θ − (max θ + log Z): an absolute error of a few ulps of
   * the largest magnitude involved, 4·eps·(1 + |log π| + max_a|θ_{s,a}|) (≈ 2.7e-12 for
   * the entry −2000.3 of row 0). */
  const double lp_want[12] = {-L, -1.0 - L, -2000.0 - L,
                              -0.75 - log(Z1), -1.25 - log(Z1), -log(Z1),
                              -log(3.0), -log(3.0), -log(3.0),
                              -800.0, -1600.0, 0.0};
  for (size_t i = 0; i < 12; i++)
    CHECK_CLOSE(lp[i], lp_want[i],
                4 * EPS * (1.0 + fabs(lp_want[i]) + vmax_abs(theta + i / 3 * 3, 3)), 0.0,
                "log_softmax extreme");
  for (size_t i = 0; i < 12; i++) CHECK(isfinite(pi[i]) && isfinite(lp[i]), "not finite at %zu", i);

  /* Random rows (A up to 7, logits with σ = 30 so some entries are tiny): rows sum to 1
   * within A·2 eps (A rounded quotients summed); log_softmax = log(softmax) wherever
   * softmax is a normal number: log of a value with 2-eps relative error is within
   * 2 eps absolute, and log_softmax carries the 4·eps·(1 + |log π| + max|θ_s|) above. */
  for (size_t A = 1; A <= 7; A++) {
    size_t S = 20;
    double *th = malloc(S * A * sizeof *th), *p = malloc(S * A * sizeof *p);
    double *l = malloc(S * A * sizeof *l);
    random_theta(th, rng, S * A, 30.0);
    thy_softmax(p, th, S, A);
    thy_log_softmax(l, th, S, A);
    for (size_t s = 0; s < S; s++) {
      double sum = 0.0;
      for (size_t a = 0; a < A; a++) {
        sum += p[s * A + a];
        if (p[s * A + a] >= DBL_MIN)
          CHECK_CLOSE(l[s * A + a], log(p[s * A + a]),
                      4 * EPS * (1.0 + fabs(l[s * A + a]) + vmax_abs(th + s * A, A)), 0.0,
                      "log_softmax = log(softmax)");
      }
      CHECK_CLOSE(sum, 1.0, 2 * A * EPS, 0.0, "softmax row sum");
    }
    free(th);
    free(p);
    free(l);
  }
}

/* ---- ∇J against finite differences ---------------------------------------------------- */
static double J_of_theta(const mdp *m, const double *theta, double *pi, thy_values *v) {
  thy_softmax(pi, theta, m->S, m->A);
  if (thy_evaluate(v, m, pi, THY_SOLVER_DENSE, NULL)) return NAN;
  return v->J;
}

/* 7-point central difference, order 6:
 *   f'(0) ≈ [45(f(h) − f(−h)) − 9(f(2h) − f(−2h)) + (f(3h) − f(−3h))] / (60h),
 * truncation error h⁶ f⁽⁷⁾(ξ)/140; an error ε in each f costs (45+9+1)·2ε/(60h) = 1.83ε/h. */
static double fd7(const mdp *m, double *theta, size_t i, double h, double *pi, thy_values *v) {
  double t0 = theta[i], f[7];
  for (int k = -3; k <= 3; k++) {
    theta[i] = t0 + k * h;
    f[k + 3] = J_of_theta(m, theta, pi, v);
  }
  theta[i] = t0;
  return (45.0 * (f[4] - f[2]) - 9.0 * (f[5] - f[1]) + (f[6] - f[0])) / (60.0 * h);
}

static void test_gradient(gsl_rng *rng) {
  const double gammas[3] = {0.5, 0.9, 0.99};
  const double sigmas[2] = {1.0, 4.0}; /* σ = 4: near-deterministic rows, π down to ~1e-6 */
  const size_t S = 7, A = 3, n = S * A;
  for (int gi = 0; gi < 3; gi++) {
    double g = gammas[gi];
    mdp *m = random_mdp(rng, S, A, g);
    CHECK(m != NULL, "%s", tr_error_msg());
    if (!m) continue;
    double *theta = malloc(n * sizeof *theta), *grad = malloc(n * sizeof *grad);
    double *pi = malloc(n * sizeof *pi);
    thy_values *v = thy_values_alloc(S, A), *vals = thy_values_alloc(S, A);
    for (int si = 0; si < 2; si++) {
      random_theta(theta, rng, n, sigmas[si]);
      CHECK(thy_softmax_grad(grad, m, theta, vals) == TR_OK, "%s", tr_error_msg());
      CHECK(thy_softmax_grad(pi, m, theta, NULL) == TR_OK, "%s", tr_error_msg());
      CHECK(memcmp(pi, grad, n * sizeof *pi) == 0, "grad with and without vals differ");
      /* vals is π_θ's evaluation: the same dense path (AUTO = dense here), bitwise. */
      double J0 = J_of_theta(m, theta, pi, v);
      CHECK(vals->J == J0 && memcmp(vals->Adv, v->Adv, n * sizeof *v->Adv) == 0,
            "vals is not the evaluation of pi_theta");
      /* The policy-gradient theorem by hand: d(s)π(a|s)A(s,a)/(1−γ) (3 roundings). */
      for (size_t k = 0; k < n; k++)
        CHECK_CLOSE(grad[k], v->d[k / A] * pi[k] * v->Adv[k] / (1.0 - g), 0.0, 4 * EPS,
                    "grad formula");
      /* Σ_a ∂J/∂θ_{s,a} = 0 (softmax is shift invariant): = d(s)Σ_a πA/(1−γ), d(s) ≤ 1,
       * and Σ_a πA is the evaluation's residual ≤ 16·eps·(1+γ)·max|V| (test_exact.c)
       * plus 2A·eps·max|V| for the two A-term sums. */
      double vmax = vmax_abs(v->V, S);
      for (size_t s = 0; s < S; s++) {
        double sum = 0.0;
        for (size_t a = 0; a < A; a++) sum += grad[s * A + a];
        CHECK_CLOSE(sum, 0.0, (16 * (1.0 + g) + 2 * A) * EPS * vmax / (1.0 - g), 0.0,
                    "sum_a grad = 0");
      }
      /* Finite differences with h = 0.02.
       * Absolute floor (rounding): one evaluation of J is exact to ε_J ≤ 16·eps·cond·max|V|
       *   (LU forward error), which fd7 turns into 1.83·ε_J/h (≈ 4e-10 at γ = 0.99).
       * Scale term (truncation h⁶|J⁽⁷⁾|/140): along one coordinate J(t) is a rational
       *   function of the logistic σ(t + c), whose poles lie at distance π from the real
       *   axis (those of the rational part are farther for these fast-mixing dense MDPs),
       *   so Cauchy gives |J⁽⁷⁾| ≲ 7!/π⁷·max|V| and the truncation ≲ 0.012·h⁶·max|V|
       *   ≈ 8e-13·max|V|; allowed: 1e-10·max|V| (the h⁶ law holds: halving h from 0.2
       *   to 0.1 cuts the error 64×, measured). */
      const double h = 0.02;
      double epsJ = 16 * EPS * cond_bound(g) * vmax;
      double tol = 1.83 * epsJ / h + 1e-10 * vmax;
      for (size_t k = 0; k < n; k++) {
        double fd = fd7(m, theta, k, h, pi, v);
        CHECK_CLOSE(grad[k], fd, tol, 0.0, "grad vs 7-point FD");
      }
    }
    free(theta);
    free(grad);
    free(pi);
    thy_values_free(v);
    thy_values_free(vals);
    mdp_free(m);
  }
}

/* ---- Fisher = Hessian of the d-weighted KL -------------------------------------------- */
/* f(δ) = Σ_s d(s) KL(π_θ(s) ‖ π_{θ+δ}(s)), with KL = Σ_a π_θ (log π_θ − log π_{θ+δ}). */
static double dkl(const double *theta, const double *delta, const double *d, size_t S,
                  size_t A, double *work /* 3n */) {
  size_t n = S * A;
  double *lp = work, *lq = work + n, *tq = work + 2 * n;
  thy_log_softmax(lp, theta, S, A);
  for (size_t i = 0; i < n; i++) tq[i] = theta[i] + delta[i];
  thy_log_softmax(lq, tq, S, A);
  double f = 0.0;
  for (size_t s = 0; s < S; s++) {
    double kl = 0.0;
    for (size_t a = 0; a < A; a++) kl += exp(lp[s * A + a]) * (lp[s * A + a] - lq[s * A + a]);
    f += d[s] * kl;
  }
  return f;
}

/* Second-order central mixed difference with step h:
 *   H_ij(h) = [f(he_i + he_j) − f(he_i − he_j) − f(−he_i + he_j) + f(−he_i − he_j)]/(4h²)
 * (for i = j: [f(2he_i) − 2f(0) + f(−2he_i)]/(4h²), f(0) = 0), = H_ij + c₂h² + c₄h⁴ + …
 * (even in h), so the Richardson combination (4H(h/2) − H(h))/3 is O(h⁴). */
static double hess_fd(const double *theta, const double *d, size_t S, size_t A, size_t i,
                      size_t j, double h, double *delta, double *work) {
  size_t n = S * A;
  double f[4];
  const int si[4] = {1, 1, -1, -1}, sj[4] = {1, -1, 1, -1};
  for (int c = 0; c < 4; c++) {
    memset(delta, 0, n * sizeof *delta);
    delta[i] += si[c] * h;
    delta[j] += sj[c] * h;
    f[c] = dkl(theta, delta, d, S, A, work);
  }
  return (f[0] - f[1] - f[2] + f[3]) / (4.0 * h * h);
}

static void test_fisher(gsl_rng *rng) {
  const size_t S = 5, A = 3, n = S * A;
  mdp *m = random_mdp(rng, S, A, 0.9137);
  CHECK(m != NULL, "%s", tr_error_msg());
  if (!m) return;
  double *theta = malloc(n * sizeof *theta), *pi = malloc(n * sizeof *pi);
  double *F = malloc(n * n * sizeof *F), *delta = malloc(n * sizeof *delta);
  double *work = malloc(3 * n * sizeof *work);
  thy_values *v = thy_values_alloc(S, A);
  random_theta(theta, rng, n, 1.0);
  thy_softmax(pi, theta, S, A);
  CHECK(thy_evaluate(v, m, pi, THY_SOLVER_DENSE, NULL) == TR_OK, "%s", tr_error_msg());
  thy_softmax_fisher(F, pi, v->d, S, A);
  /* h = 0.01.  Rounding: each f is exact to ≈ eps·Σ_s d(s)Σ_a π|log π| ≤ eps·max|log π|
   * ≈ 1e-15, so H(h) carries 4·1e-15/(4h²) = 1e-11 and the Richardson value (weights
   * 4/3 and 1/3, H(h/2) with 4× the rounding) ≈ 6e-11.  Truncation c·h⁴ = c·1e-8, with
   * c a combination of 6th derivatives of the log-partition function (cumulants of a
   * categorical variable, all < 0.02 in size) times d(s) ≤ 1: ≤ 2e-10 (measured: c ≈
   * 7e-4).  Tolerance 1e-9 absolute, on entries of size d(s)π(1−π) ≈ 0.05. */
  const double h = 0.01;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) {
      double H = (4.0 * hess_fd(theta, v->d, S, A, i, j, h / 2, delta, work) -
                  hess_fd(theta, v->d, S, A, i, j, h, delta, work)) / 3.0;
      CHECK_CLOSE(F[i * n + j], H, 1e-9, 0.0, "Fisher vs Hessian of d-weighted KL");
      if (i / A != j / A) CHECK(F[i * n + j] == 0.0, "F not block diagonal at (%zu, %zu)", i, j);
      CHECK(F[i * n + j] == F[j * n + i], "F not symmetric at (%zu, %zu)", i, j);
    }
  /* Each block annihilates the constant vector: Σ_b F_(s,a),(s,b) = d(s)π_a(1 − Σ_b π_b),
   * A products of size ≤ d(s)π_a, so 2·A·eps. */
  for (size_t i = 0; i < n; i++) {
    double row = 0.0;
    for (size_t b = 0; b < A; b++) row += F[i * n + (i / A) * A + b];
    CHECK_CLOSE(row, 0.0, 2 * A * EPS, 0.0, "F 1 = 0");
  }
  free(theta);
  free(pi);
  free(F);
  free(delta);
  free(work);
  thy_values_free(v);
  mdp_free(m);
}

/* ---- natural gradient and NPG = soft policy iteration ------------------------------- */
/* For d(s) > 0 and π(·|s) of full support, the block F_s = d(s)(diag π_s − π_sπ_sᵀ) has
 * null space span{1}, and g_s = d(s)π_s∘A_s/(1−γ) (with Σ_a π A = 0) is solved by
 * x = A_s/(1−γ) + c1: F_s x = d(s)(π∘x − π(πᵀx)) = d(s)π∘A_s/(1−γ) − d(s)π(πᵀA_s)/(1−γ).
 * The pseudo-inverse picks the min-norm one, x ⊥ 1:
 *   ng(s,a) = (A(s,a) − (1/A)Σ_b A(s,b)) / (1−γ).
 * Nonzero eigenvalues of diag π − ππᵀ interlace the π's (rank-one downdate), so they lie
 * in [min_a π, max_a π]: each block is conditioned by κ_s ≤ max π_s / min π_s. */
static void test_natural_gradient(gsl_rng *rng) {
  const size_t S = 6, A = 4, n = S * A;
  const double gammas[2] = {0.9137, 0.99};
  for (int gi = 0; gi < 2; gi++) {
    double g = gammas[gi];
    mdp *m = random_mdp(rng, S, A, g);
    CHECK(m != NULL, "%s", tr_error_msg());
    if (!m) continue;
    double *theta = malloc(n * sizeof *theta), *pi = malloc(n * sizeof *pi);
    double *grad = malloc(n * sizeof *grad), *ng = malloc(n * sizeof *ng);
    double *ng_full = malloc(n * sizeof *ng_full), *F = malloc(n * n * sizeof *F);
    double *th2 = malloc(n * sizeof *th2), *pi2 = malloc(n * sizeof *pi2);
    double *want = malloc(n * sizeof *want), *logit = malloc(n * sizeof *logit);
    double *logpi = malloc(n * sizeof *logpi);
    thy_values *v = thy_values_alloc(S, A);
    random_theta(theta, rng, n, 1.0);
    thy_softmax(pi, theta, S, A);
    CHECK(thy_softmax_grad(grad, m, theta, v) == TR_OK, "%s", tr_error_msg());
    const double rcond = 1e-10;
    CHECK(thy_softmax_natural_grad(ng, grad, pi, v->d, S, A, rcond) == TR_OK, "%s",
          tr_error_msg());
    thy_softmax_fisher(F, pi, v->d, S, A);
    double ngmax = vmax_abs(ng, n);
    double kappa_all = 0.0, dmax = vmax_abs(v->d, S), lam_min = INFINITY;
    for (size_t s = 0; s < S; s++) {
      double pmin = 1.0, pmax = 0.0;
      for (size_t a = 0; a < A; a++) {
        pmin = fmin(pmin, pi[s * A + a]);
        pmax = fmax(pmax, pi[s * A + a]);
      }
      double kappa = pmax / pmin;
      lam_min = fmin(lam_min, v->d[s] * pmin);
      /* F ng = g, blockwise.  dsyev is backward stable: the pinv applied is exact for a
       * block perturbed by ~A·eps·‖F_s‖, so the residual is ≤ 16·A·eps(‖F_s‖‖ng_s‖ +
       * ‖g_s‖), plus g's own component along 1, which no F_s x can produce. */
      double gnull = 0.0, ngs = vmax_abs(ng + s * A, A), gs = vmax_abs(grad + s * A, A);
      for (size_t a = 0; a < A; a++) gnull += grad[s * A + a];
      for (size_t a = 0; a < A; a++) {
        double Fx = 0.0; /* the whole row of F (zero off the block) */
        for (size_t j = 0; j < n; j++) Fx += F[(s * A + a) * n + j] * ng[j];
        CHECK_CLOSE(Fx, grad[s * A + a], fabs(gnull) + 16 * A * EPS * (v->d[s] * ngs + gs), 0.0,
                    "F ng = g");
      }
      /* ng ⊥ 1 (per state): the dropped eigenvector is accurate to eps·κ_s, so the
       * leftover component is ≤ 16·A·eps·κ_s·‖ng_s‖. */
      double sum = 0.0, amean = 0.0;
      for (size_t a = 0; a < A; a++) sum += ng[s * A + a], amean += v->Adv[s * A + a];
      amean /= (double)A;
      CHECK_CLOSE(sum, 0.0, 16 * A * EPS * kappa * ngs, 0.0, "ng orthogonal to 1");
      /* The closed form above; forward error of the block solve ≤ 16·A·eps·κ_s·‖ng_s‖,
       * and A's own error (≤ 16·eps·cond·max|V|, test_exact.c) over 1−γ. */
      double tolA = 16 * A * EPS * kappa * ngs +
                    2 * 16 * EPS * cond_bound(g) * vmax_abs(v->V, S) / (1.0 - g);
      for (size_t a = 0; a < A; a++)
        CHECK_CLOSE(ng[s * A + a], (v->Adv[s * A + a] - amean) / (1.0 - g), tolA, 0.0,
                    "ng = (A - mean A)/(1-gamma)");
      kappa_all = fmax(kappa_all, dmax / (v->d[s] * pmin));
    }
    /* Whole (n, n) F: its S-dimensional null space (eigenvalues ~eps·‖F‖) falls below
     * rcond·max|λ| and every nonzero eigenvalue (≥ min_s d(s)min π) stays above it; the
     * global condition of the kept part is ≤ κ_all = max d / min_s(d(s) min π_s), so
     * the two pseudo-inverses agree to 16·n·eps·κ_all·max|ng|. */
    CHECK(lam_min > rcond * dmax, "test premise: smallest kept eigenvalue above the cut");
    CHECK(thy_pinv_sym_apply(ng_full, F, grad, n, rcond) == TR_OK, "%s", tr_error_msg());
    for (size_t k = 0; k < n; k++)
      CHECK_CLOSE(ng_full[k], ng[k], 16 * n * EPS * kappa_all * ngmax, 0.0,
                  "pinv of full F vs blockwise");

    /* NPG = soft policy iteration (REFERENCES § 2.6): θ' = θ + η F⁺∇J gives
     * π'(a|s) ∝ π(a|s) exp(ηA(s,a)/(1−γ)).  The target is computed in log space,
     * log π + ηA/(1−γ), through thy_softmax (stable, checked above).  Up to a per-state
     * constant (which softmax ignores) the two logit vectors differ by η·tolA of the
     * closed-form check (≈ 1e-13 here) plus rounding of logits of size ≤ |θ| +
     * η·max|A|/(1−γ) ≲ 100 (≈ 1e-14); softmax's Jacobian diag π − ππᵀ has ∞-norm
     * max_a 2π_a(1−π_a) ≤ ½, so the policies differ by < 1e-12: 1e-10 has margin. */
    thy_log_softmax(logpi, theta, S, A);
    const double etas[3] = {0.1, 1.0, 4.7};
    for (int e = 0; e < 3; e++) {
      double eta = etas[e];
      for (size_t k = 0; k < n; k++) {
        th2[k] = theta[k] + eta * ng[k];
        logit[k] = logpi[k] + eta * v->Adv[k] / (1.0 - g);
      }
      thy_softmax(pi2, th2, S, A);
      thy_softmax(want, logit, S, A);
      for (size_t k = 0; k < n; k++)
        CHECK_CLOSE(pi2[k], want[k], 1e-10, 0.0, "NPG = soft policy iteration");
    }
    free(theta);
    free(pi);
    free(grad);
    free(ng);
    free(ng_full);
    free(F);
    free(th2);
    free(pi2);
    free(want);
    free(logit);
    free(logpi);
    thy_values_free(v);
    mdp_free(m);
  }
}

/* ---- the pseudo-inverse on matrices with known inverses -------------------------------- */
static void test_pinv_small(void) {
  /* M = [[1, 2], [2, 1]]: eigenvalues 3 and −1 (indefinite), M⁻¹ = −(1/3)[[1, −2], [−2, 1]];
   * x = (0.7, −0.3) → M⁻¹x = −(1/3)(1.3, −1.7) = (−0.4333…, 0.5666…).  Conditioned
   * by 3, so 16·eps relative. */
  const double M[4] = {1, 2, 2, 1}, x[2] = {0.7, -0.3};
  double y[2];
  CHECK(thy_pinv_sym_apply(y, M, x, 2, 1e-12) == TR_OK, "%s", tr_error_msg());
  CHECK_CLOSE(y[0], -1.3 / 3.0, 16 * EPS, 0.0, "inverse of indefinite 2x2");
  CHECK_CLOSE(y[1], 1.7 / 3.0, 16 * EPS, 0.0, "inverse of indefinite 2x2");
  /* diag(4, 1e-12, 0) with rcond 1e-10: the last two are dropped; y = (x0/4, 0, 0). */
  const double D[9] = {4, 0, 0, 0, 1e-12, 0, 0, 0, 0}, x3[3] = {2.0, 5.0, 7.0};
  double y3[3];
  CHECK(thy_pinv_sym_apply(y3, D, x3, 3, 1e-10) == TR_OK, "%s", tr_error_msg());
  CHECK(y3[0] == 0.5 && y3[1] == 0.0 && y3[2] == 0.0, "rcond cut: %g %g %g", y3[0], y3[1], y3[2]);
  /* The zero matrix: M⁺ = 0. */
  const double Z[4] = {0, 0, 0, 0};
  CHECK(thy_pinv_sym_apply(y, Z, x, 2, 1e-10) == TR_OK && y[0] == 0.0 && y[1] == 0.0,
        "pinv of 0 is not 0");
  /* Natural gradient with a state of zero occupancy: that block is 0 (header). */
  const double pi[6] = {0.25, 0.75, 0.5, 0.5, 0.125, 0.875};
  const double d[3] = {0.6, 0.0, 0.4}, gr[6] = {0.3, -0.3, 1.0, -1.0, -0.2, 0.2};
  double ng[6];
  CHECK(thy_softmax_natural_grad(ng, gr, pi, d, 3, 2, 1e-10) == TR_OK, "%s", tr_error_msg());
  CHECK(ng[2] == 0.0 && ng[3] == 0.0, "d = 0 block not zero: %g %g", ng[2], ng[3]);
  /* A = 2 by hand: block d(p q)[[1,−1],[−1,1]] (p + q = 1), g = (c, −c) → ng = c/(2dpq)·(1, −1).
   * State 0: 0.3/(2·0.6·0.1875) = 4/3; state 2: −0.2/(2·0.4·0.109375) = −16/7.  2×2 dsyev:
   * 16·eps relative. */
  CHECK_CLOSE(ng[0], 4.0 / 3.0, 0.0, 16 * EPS, "2-action block, state 0");
  CHECK_CLOSE(ng[1], -4.0 / 3.0, 0.0, 16 * EPS, "2-action block, state 0");
  CHECK_CLOSE(ng[4], -16.0 / 7.0, 0.0, 16 * EPS, "2-action block, state 2");
  CHECK_CLOSE(ng[5], 16.0 / 7.0, 0.0, 16 * EPS, "2-action block, state 2");
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *rng = tr_rng_alloc(20240612);
  if (!rng) return 99;
  test_softmax_stable(rng);
  test_gradient(rng);
  test_fisher(rng);
  test_natural_gradient(rng);
  test_pinv_small();
  gsl_rng_free(rng);
  return check_done("test_softmax");
}
