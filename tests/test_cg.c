/* tests/test_cg.c — algorithms/cg: conjugate gradient, the trust-region scale, the
 * backtracking line search.
 *
 * Letters: n system size, P parameters; κ = cond₂(A) = λ_max/λ_min; ε = DBL_EPSILON.
 * Systems: A = Qᵀ D Q + μI with Q a random orthogonal matrix (QR of a Gaussian matrix),
 * D = diag(d) ≥ 0 with a quarter of the d_i exactly 0 (a rank-deficient Fisher matrix),
 * μ = 0.1 (TRPO's damping), d_max = μ(κ − 1), so λ(A) ⊂ [μ, μκ] with both ends attained:
 * cond₂(A) = κ exactly.  b = A x* for a Gaussian x*.
 *
 * Truth used:
 *  - Exact-arithmetic CG minimises ‖x − x*‖_A over x_0 + K_k(A, r_0) (Nocedal & Wright,
 *    Thm 5.2), so the A-norm error is non-increasing, and
 *      ‖e_k‖_A ≤ 2 ((√κ − 1)/(√κ + 1))^k ‖e_0‖_A                       (eq. 5.36).
 *  - The true residual drifts from the recursive one r_k by
 *      ‖(b − A x_k) − r_k‖ ≤ c·k·ε·‖A‖·max_j ‖x_j‖                      (Greenbaum 1997, ch. 7)
 *    and from x_0 = 0 the norms ‖x_j‖₂ increase towards ‖x*‖₂ (Hestenes & Stiefel 1952;
 *    Nocedal & Wright Thm 7.3), so ‖A‖ max_j‖x_j‖ ≤ ‖A‖‖A⁻¹‖‖b‖ = κ‖b‖: the attainable
 *    relative residual is rtol + 4·n·ε·κ (c = 4), and ‖x − x*‖/‖x*‖ ≤ κ times it.
 *    (See test_cg_full for what n iterations do and do not achieve in floating point.)
 *  - Line search on KL(θ) = ½‖θ − θ₀‖², L(θ) = L₀ + gᵀ(θ − θ₀): trial k has
 *    KL = ½·0.64^k·‖s‖² and improvement 0.8^k·gᵀs, so the accepted k is the least k with
 *    0.64^k ≤ 2δ/‖s‖² (hand calculations at each case). */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/cg.h"
#include "core/rng.h"
#include "tests/check.h"

#define EPS DBL_EPSILON

/* ---- helpers ----------------------------------------------------------------------- */

typedef struct {
  const double *A; /* (n, n) row-major, symmetric */
  size_t n;
  size_t calls;
  int poison; /* write NaN into out on this call (1-based); 0: never */
} dense_op;

static void dense_matvec(void *ctx, const double *v, double *out) {
  dense_op *op = ctx;
  op->calls++;
  for (size_t i = 0; i < op->n; i++) {
    double s = 0.0;
    for (size_t j = 0; j < op->n; j++) s += op->A[i * op->n + j] * v[j];
    out[i] = s;
  }
  if (op->poison && op->calls == (size_t)op->poison) out[op->n / 2] = NAN;
}

static double norm2(const double *x, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += x[i] * x[i];
  return sqrt(s);
}

static int all_finite(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

/* Q (n, n) orthogonal: Q factor of a Gaussian matrix (GSL Householder QR). */
static void random_orthogonal(double *Q, size_t n, gsl_rng *rng) {
  gsl_matrix *M = gsl_matrix_alloc(n, n), *Qm = gsl_matrix_alloc(n, n), *R = gsl_matrix_alloc(n, n);
  gsl_vector *tau = gsl_vector_alloc(n);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) gsl_matrix_set(M, i, j, gsl_ran_gaussian(rng, 1.0));
  gsl_linalg_QR_decomp(M, tau);
  gsl_linalg_QR_unpack(M, tau, Qm, R);
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) Q[i * n + j] = gsl_matrix_get(Qm, i, j);
  gsl_matrix_free(M);
  gsl_matrix_free(Qm);
  gsl_matrix_free(R);
  gsl_vector_free(tau);
}

/* A (n, n) = Qᵀ diag(lam) Q. */
static void sym_from_eig(double *A, const double *Q, const double *lam, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j <= i; j++) {
      double s = 0.0;
      for (size_t k = 0; k < n; k++) s += Q[k * n + i] * lam[k] * Q[k * n + j];
      A[i * n + j] = A[j * n + i] = s;
    }
}

/* λ = d + μ with μ = 0.1, d_0 = 0, d_1 = μ(κ−1), then every 4th d_i = 0 and the others
 * log-uniform: d_i = μ(κ^u − 1), u ~ U(0,1).  cond₂ = κ. */
static void spd_spectrum(double *lam, size_t n, double kappa, gsl_rng *rng) {
  const double mu = 0.1;
  for (size_t i = 0; i < n; i++) {
    double d;
    if (i == 0 || i % 4 == 3) d = 0.0;
    else if (i == 1) d = mu * (kappa - 1.0);
    else d = mu * (pow(kappa, gsl_rng_uniform(rng)) - 1.0);
    lam[i] = d + mu;
  }
}

static double a_norm(const double *A, const double *e, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < n; j++) s += e[i] * A[i * n + j] * e[j];
  return sqrt(s > 0.0 ? s : 0.0);
}

/* ---- CG on SPD systems: n iterations ------------------------------------------------
 * In exact arithmetic CG ends in at most n steps (at most the number of distinct
 * eigenvalues).  In floating point the lost orthogonality of the residuals delays it; what
 * still holds (Greenbaum 1989: finite-precision CG behaves like exact CG on a matrix whose
 * eigenvalues lie in tiny intervals around those of A) is the Chebyshev bound, so:
 *   (a) after k steps  ‖r_k‖/‖b‖ ≤ √κ ‖e_k‖_A/‖e_0‖_A ≤ 2√κ ρ^k + 4kεκ,  ρ = (√κ−1)/(√κ+1)
 *       (λ_min‖e‖_A² ≤ ‖r‖² ≤ λ_max‖e‖_A²), checked at k = n — a sharp check when κ is small
 *       or the spectrum has few distinct values (then CG also stops before n steps);
 *   (b) K(κ) = ⌈½√κ ln(2√κ/τ)⌉ further steps reach the relative residual τ = nε, after which
 *       the true residual obeys ‖b − Ax‖/‖b‖ ≤ τ + 4nεκ and ‖x − x*‖/‖x*‖ ≤ κ (τ + 4nεκ).
 * Measured with the log-spread spectra below: n = 37, κ = 10³ needs 51 steps; n = 200,
 * κ = 10⁵ needs 1146 (K = 5880). */
static void test_cg_full(gsl_rng *rng) {
  const size_t ns[] = {5, 37, 200};
  const double kappas[] = {10.0, 1e3, 1e5};
  for (size_t in = 0; in < sizeof ns / sizeof *ns; in++)
    for (size_t ik = 0; ik < sizeof kappas / sizeof *kappas; ik++)
      for (int few = 0; few < 2; few++) {
        size_t n = ns[in];
        double kappa = kappas[ik];
        if (few && n < 37) continue;
        double *Q = malloc(n * n * sizeof *Q), *A = malloc(n * n * sizeof *A);
        double *lam = malloc(n * sizeof *lam), *xs = malloc(n * sizeof *xs);
        double *b = malloc(n * sizeof *b), *x = malloc(n * sizeof *x), *res = malloc(n * sizeof *res);
        random_orthogonal(Q, n, rng);
        spd_spectrum(lam, n, kappa, rng);
        if (few) /* 6 distinct eigenvalues: μ, μκ and 4 values between (a low-rank Fisher) */
          for (size_t i = 2; i < n; i++) lam[i] = lam[2 + i % 4];
        sym_from_eig(A, Q, lam, n);
        for (size_t i = 0; i < n; i++) xs[i] = gsl_ran_gaussian(rng, 1.0);
        dense_op op = {A, n, 0, 0};
        dense_matvec(&op, xs, b);
        alg_cg *cg = alg_cg_alloc(n);
        double rtol = (double)n * EPS, floor_ = 4.0 * (double)n * EPS * kappa;
        double rho = (sqrt(kappa) - 1.0) / (sqrt(kappa) + 1.0);
        /* (a) n steps */
        tr_status st = alg_cg_solve(x, b, dense_matvec, &op, n, rtol, cg);
        CHECK(st == TR_OK, "n=%zu κ=%g: status %d (%s)", n, kappa, (int)st, tr_error_msg());
        dense_matvec(&op, x, res);
        for (size_t i = 0; i < n; i++) res[i] = b[i] - res[i];
        double rel_res = norm2(res, n) / norm2(b, n);
        double bound_a = 2.0 * sqrt(kappa) * pow(rho, (double)n) + floor_;
        CHECK(rel_res <= bound_a, "n=%zu κ=%g few=%d: after n steps ‖b−Ax‖/‖b‖ = %.3g > %.3g", n,
              kappa, few, rel_res, bound_a);
        if (few)
          CHECK(cg->state == ALG_CG_CONVERGED && cg->iter < n,
                "n=%zu κ=%g, 6 distinct eigenvalues: state %d after %zu steps", n, kappa,
                (int)cg->state, cg->iter);
        /* (b) to convergence */
        size_t K = (size_t)ceil(0.5 * sqrt(kappa) * log(2.0 * sqrt(kappa) / rtol));
        st = alg_cg_solve(x, b, dense_matvec, &op, n + K, rtol, cg);
        CHECK(st == TR_OK && cg->state == ALG_CG_CONVERGED,
              "n=%zu κ=%g: status %d state %d after %zu of %zu steps", n, kappa, (int)st,
              (int)cg->state, cg->iter, n + K);
        dense_matvec(&op, x, res);
        for (size_t i = 0; i < n; i++) res[i] = b[i] - res[i];
        rel_res = norm2(res, n) / norm2(b, n);
        CHECK(rel_res <= rtol + floor_, "n=%zu κ=%g: ‖b−Ax‖/‖b‖ = %.3g > %.3g", n, kappa,
              rel_res, rtol + floor_);
        for (size_t i = 0; i < n; i++) res[i] = x[i] - xs[i];
        double rel_err = norm2(res, n) / norm2(xs, n);
        CHECK(rel_err <= kappa * (rtol + floor_), "n=%zu κ=%g: ‖x−x*‖/‖x*‖ = %.3g > κ·%.3g", n,
              kappa, rel_err, rtol + floor_);
        /* starting from x0 = x*: r_0 = b − A x* is at the rounding floor → converged at once */
        st = alg_cg_set(cg, dense_matvec, &op, b, xs);
        CHECK(st == TR_OK, "set with x0");
        CHECK(alg_cg_test(cg, floor_) == ALG_CG_CONVERGED, "x0 = x*: ‖r0‖/‖b‖ = %.3g",
              sqrt(cg->rr) / cg->bnorm);
        alg_cg_free(cg);
        free(Q); free(A); free(lam); free(xs); free(b); free(x); free(res);
      }
}

/* ---- CG: 10 iterations, monotone A-norm error, Chebyshev bound --------------------- */
static void test_cg_ten(gsl_rng *rng) {
  const size_t n = 120;
  const double kappas[] = {30.0, 1e4};
  for (size_t ik = 0; ik < 2; ik++) {
    double kappa = kappas[ik];
    double *Q = malloc(n * n * sizeof *Q), *A = malloc(n * n * sizeof *A);
    double *lam = malloc(n * sizeof *lam), *xs = malloc(n * sizeof *xs);
    double *b = malloc(n * sizeof *b), *e = malloc(n * sizeof *e), *tr = malloc(n * sizeof *tr);
    random_orthogonal(Q, n, rng);
    spd_spectrum(lam, n, kappa, rng);
    sym_from_eig(A, Q, lam, n);
    for (size_t i = 0; i < n; i++) xs[i] = gsl_ran_gaussian(rng, 1.0);
    dense_op op = {A, n, 0, 0};
    dense_matvec(&op, xs, b);
    alg_cg *cg = alg_cg_alloc(n);
    CHECK(alg_cg_set(cg, dense_matvec, &op, b, NULL) == TR_OK, "set");
    double e0 = a_norm(A, xs, n), prev = e0; /* e_0 = 0 − x* */
    double rho = (sqrt(kappa) - 1.0) / (sqrt(kappa) + 1.0), chev = 2.0;
    for (size_t k = 1; k <= 10; k++) {
      tr_status st = alg_cg_iterate(cg);
      CHECK(st == TR_OK, "κ=%g iterate %zu: %s", kappa, k, tr_error_msg());
      for (size_t i = 0; i < n; i++) e[i] = cg->x[i] - xs[i];
      double ek = a_norm(A, e, n);
      chev *= rho;
      CHECK(ek < prev, "κ=%g: ‖e_%zu‖_A = %.17g ≥ ‖e_%zu‖_A = %.17g", kappa, k, ek, k - 1, prev);
      CHECK(ek <= chev * e0 * (1.0 + 1e-10), "κ=%g: ‖e_%zu‖_A/‖e_0‖_A = %.3g > Chebyshev %.3g",
            kappa, k, ek / e0, chev);
      /* the recursive residual follows the true one (far from the rounding floor here) */
      dense_matvec(&op, cg->x, tr);
      for (size_t i = 0; i < n; i++) tr[i] = b[i] - tr[i] - cg->r[i];
      CHECK(norm2(tr, n) <= 1e-12 * kappa * norm2(b, n), "κ=%g k=%zu: ‖(b−Ax)−r‖ = %.3g", kappa,
            k, norm2(tr, n));
      prev = ek;
    }
    CHECK(cg->iter == 10, "iter %zu", cg->iter);
    /* The TRPO call: 10 iterations, rtol 1e-10; the ill-conditioned system is not solved
     * in 10 steps and that is a state, not an error. */
    double *x = malloc(n * sizeof *x);
    tr_status st = alg_cg_solve(x, b, dense_matvec, &op, 10, 1e-10, cg);
    CHECK(st == TR_OK, "solve(10): %s", tr_error_msg());
    CHECK(cg->state == ALG_CG_MAXITER && cg->iter == 10, "κ=%g: state %d iter %zu", kappa,
          (int)cg->state, cg->iter);
    for (size_t i = 0; i < n; i++) e[i] = x[i] - xs[i];
    CHECK_CLOSE(a_norm(A, e, n), prev, 0.0, 1e-9, "solve(10) = ten iterates");
    alg_cg_free(cg);
    free(Q); free(A); free(lam); free(xs); free(b); free(e); free(tr); free(x);
  }
}

/* ---- CG: breakdowns are statuses, never NaN ----------------------------------------- */
static void expect_breakdown(const char *what, const double *A, size_t n, const double *b,
                             size_t max_iter, size_t want_iter) {
  dense_op op = {A, n, 0, 0};
  alg_cg *cg = alg_cg_alloc(n);
  double *x = malloc(n * sizeof *x);
  tr_error_clear();
  tr_status st = alg_cg_solve(x, b, dense_matvec, &op, max_iter, 1e-10, cg);
  CHECK(st == TR_ENUM, "%s: status %d", what, (int)st);
  CHECK(cg->state == ALG_CG_BREAKDOWN, "%s: state %d", what, (int)cg->state);
  CHECK(cg->iter == want_iter, "%s: broke down after %zu iterations, want %zu", what, cg->iter,
        want_iter);
  CHECK(all_finite(x, n), "%s: x has a non-finite entry", what);
  CHECK(strstr(tr_error_msg(), "cg") != NULL && strstr(tr_error_msg(), "curvature") != NULL,
        "%s: message '%s'", what, tr_error_msg());
  /* iterating again keeps reporting, and x stays */
  CHECK(alg_cg_iterate(cg) == TR_ENUM, "%s: iterate after breakdown", what);
  CHECK(alg_cg_test(cg, 1.0) == ALG_CG_BREAKDOWN, "%s: test after breakdown", what);
  alg_cg_free(cg);
  free(x);
}

static void test_cg_breakdown(gsl_rng *rng) {
  /* zero matrix: pᵀAp = 0 at the first step */
  {
    double A[9] = {0}, b[3] = {1.0, -2.0, 0.5};
    expect_breakdown("zero", A, 3, b, 10, 0);
  }
  /* −I: pᵀAp = −‖b‖² < 0 */
  {
    double A[4] = {-1, 0, 0, -1}, b[2] = {0.3, 0.7};
    expect_breakdown("negative definite", A, 2, b, 10, 0);
  }
  /* diag(1, −1), b = (1, 1): pᵀAp = 1 − 1 = 0 exactly */
  {
    double A[4] = {1, 0, 0, -1}, b[2] = {1.0, 1.0};
    expect_breakdown("indefinite, zero curvature", A, 2, b, 10, 0);
  }
  /* diag(1, 10⁻²⁰): cond = 10²⁰ > 1/curv_eps.  Step 1 along b = (1,1) has q = 0.5; the next
   * direction lies almost along e₂ with q ≈ 10⁻²⁰ < 10⁻¹²·0.5: near-singular, reported. */
  {
    double A[4] = {1, 0, 0, 1e-20}, b[2] = {1.0, 1.0};
    expect_breakdown("near singular", A, 2, b, 10, 1);
  }
  /* diag(3, 2, −1), b = (1, 1, 1.2): q₀ = (3 + 2 − 1.44)/3.44 > 0, a first step is taken;
   * the second direction has negative curvature (computed: pᵀAp < 0 at step 2). */
  {
    double A[9] = {3, 0, 0, 0, 2, 0, 0, 0, -1}, b[3] = {1.0, 1.0, 1.2};
    expect_breakdown("indefinite, later", A, 3, b, 10, 1);
  }
  /* a non-finite product (the Fisher-vector product returned NaN) on the 3rd call */
  {
    size_t n = 20;
    double *Q = malloc(n * n * sizeof *Q), *A = malloc(n * n * sizeof *A);
    double *lam = malloc(n * sizeof *lam), *b = malloc(n * sizeof *b), *x = malloc(n * sizeof *x);
    random_orthogonal(Q, n, rng);
    spd_spectrum(lam, n, 100.0, rng);
    sym_from_eig(A, Q, lam, n);
    for (size_t i = 0; i < n; i++) b[i] = gsl_ran_gaussian(rng, 1.0);
    dense_op op = {A, n, 0, 3};
    alg_cg *cg = alg_cg_alloc(n);
    tr_status st = alg_cg_solve(x, b, dense_matvec, &op, 10, 1e-10, cg);
    CHECK(st == TR_ENUM && cg->state == ALG_CG_BREAKDOWN && cg->iter == 2,
          "NaN product: status %d state %d iter %zu", (int)st, (int)cg->state, cg->iter);
    CHECK(all_finite(x, n), "NaN product: x not finite");
    CHECK(isnan(cg->pAp), "NaN product: pAp %g", cg->pAp);
    /* random indefinite systems: whatever happens, no NaN and the status is consistent */
    for (int trial = 0; trial < 20; trial++) {
      for (size_t i = 0; i < n; i++) lam[i] = (i % 3 == 0 ? -1.0 : 1.0) * (0.1 + gsl_rng_uniform(rng));
      sym_from_eig(A, Q, lam, n);
      for (size_t i = 0; i < n; i++) b[i] = gsl_ran_gaussian(rng, 1.0);
      dense_op op2 = {A, n, 0, 0};
      st = alg_cg_solve(x, b, dense_matvec, &op2, 10, 1e-10, cg);
      CHECK(all_finite(x, n), "indefinite trial %d: x not finite", trial);
      CHECK((st == TR_OK && cg->state != ALG_CG_BREAKDOWN) ||
                (st == TR_ENUM && cg->state == ALG_CG_BREAKDOWN),
            "indefinite trial %d: status %d state %d", trial, (int)st, (int)cg->state);
    }
    alg_cg_free(cg);
    free(Q); free(A); free(lam); free(b); free(x);
  }
  /* b = 0: x = 0 and converged without a product; non-finite b: bad input */
  {
    double A[4] = {2, 0, 0, 3}, b[2] = {0.0, 0.0}, x[2] = {7, 7};
    dense_op op = {A, 2, 0, 0};
    alg_cg *cg = alg_cg_alloc(2);
    CHECK(alg_cg_solve(x, b, dense_matvec, &op, 10, 1e-10, cg) == TR_OK, "b = 0");
    CHECK(cg->state == ALG_CG_CONVERGED && cg->iter == 0 && op.calls == 0 && x[0] == 0.0 &&
              x[1] == 0.0,
          "b = 0: state %d iter %zu calls %zu", (int)cg->state, cg->iter, op.calls);
    b[1] = INFINITY;
    CHECK(alg_cg_solve(x, b, dense_matvec, &op, 10, 1e-10, cg) == TR_EINVAL, "b = inf");
    CHECK(strstr(tr_error_msg(), "b[1]") != NULL, "message '%s'", tr_error_msg());
    /* a 2×2 SPD system is solved exactly in 2 steps: A = diag(2, 3), b = (1, 1) → (½, ⅓) */
    b[1] = 1.0;
    b[0] = 1.0;
    CHECK(alg_cg_solve(x, b, dense_matvec, &op, 10, 4 * EPS, cg) == TR_OK, "2×2");
    CHECK(cg->iter <= 2, "2×2: %zu iterations", cg->iter);
    CHECK_CLOSE(x[0], 0.5, 0.0, 4 * EPS, "2×2 x[0]");
    CHECK_CLOSE(x[1], 1.0 / 3.0, 0.0, 4 * EPS, "2×2 x[1]");
    alg_cg_free(cg);
  }
  CHECK(alg_cg_alloc(0) == NULL, "alloc(0)");
  alg_cg_free(NULL);
}

/* ---- trust-region scale --------------------------------------------------------------- */
static void test_trust_region_scale(void) {
  double beta = -1.0;
  CHECK(alg_trust_region_scale(&beta, 0.3713, 0.01) == TR_OK, "scale");
  CHECK_CLOSE(0.5 * beta * beta * 0.3713, 0.01, 0.0, 4 * EPS, "½β²sᵀFs = δ");
  const double bad[] = {0.0, -1.0, NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    beta = -1.0;
    CHECK(alg_trust_region_scale(&beta, bad[i], 0.01) == TR_ENUM && beta == 0.0,
          "sFs = %g: status or beta %g", bad[i], beta);
  }
  CHECK(alg_trust_region_scale(&beta, 1e-320, 0.01) == TR_ENUM, "sFs subnormal: overflow");
  CHECK(alg_trust_region_scale(&beta, 1.0, 0.0) == TR_EINVAL, "delta 0");
  CHECK(alg_trust_region_scale(&beta, 1.0, NAN) == TR_EINVAL, "delta NaN");
}

/* ---- line search ------------------------------------------------------------------------ */
#define LS_P 5

typedef struct {
  double theta0[LS_P], g[LS_P];
  double L0;
  size_t calls;
  int nan_first;   /* return NaN KL on the first call */
  size_t fail_at;  /* return TR_EINVAL on this call (1-based); 0: never */
  double kls[16];  /* KL of each call */
} toy;

/* KL(θ) = ½‖θ − θ₀‖², L(θ) = L₀ + gᵀ(θ − θ₀). */
static tr_status toy_eval(void *ctx, const double *theta, double *kl, double *surr) {
  toy *t = ctx;
  t->calls++;
  if (t->fail_at && t->calls == t->fail_at) return tr_error(TR_EINVAL, "toy: policy exploded");
  double k = 0.0, l = t->L0;
  for (size_t i = 0; i < LS_P; i++) {
    double d = theta[i] - t->theta0[i];
    k += 0.5 * d * d;
    l += t->g[i] * d;
  }
  *kl = (t->nan_first && t->calls == 1) ? NAN : k;
  *surr = l;
  if (t->calls <= 16) t->kls[t->calls - 1] = *kl;
  return TR_OK;
}

/* direction u = (0.31, −0.72, 0.15, 0.44, −0.29) scaled to ½‖s‖² = c·δ; g = 1.7·u. */
static void toy_setup(toy *t, double *s, double c, double delta, double gsign) {
  const double u[LS_P] = {0.31, -0.72, 0.15, 0.44, -0.29};
  const double th[LS_P] = {0.9137, -1.25, 0.037, 2.5, -0.61};
  double uu = 0.0;
  for (size_t i = 0; i < LS_P; i++) uu += u[i] * u[i];
  double scale = sqrt(2.0 * c * delta / uu);
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < LS_P; i++) {
    s[i] = scale * u[i];
    t->g[i] = gsign * 1.7 * u[i];
    t->theta0[i] = th[i];
  }
  t->L0 = 0.3;
}

static void run_case(const char *what, double c, double gsign, alg_ls_state want_state,
                     size_t want_k, size_t want_evals, alg_linesearch *ls) {
  alg_linesearch_params par = alg_linesearch_params_default();
  toy t;
  double s[LS_P], theta[LS_P];
  toy_setup(&t, s, c, par.delta, gsign);
  memcpy(theta, t.theta0, sizeof theta);
  tr_status st = alg_linesearch_run(theta, s, t.L0, toy_eval, &t, &par, ls);
  CHECK(st == TR_OK, "%s: status %d (%s)", what, (int)st, tr_error_msg());
  CHECK(ls->state == want_state, "%s: state %d, want %d", what, (int)ls->state, (int)want_state);
  CHECK(ls->k == want_k, "%s: %zu backtracks, want %zu", what, ls->k, want_k);
  CHECK(ls->n_evals == want_evals && t.calls == want_evals, "%s: %zu evaluations, want %zu",
        what, t.calls, want_evals);
  if (want_state == ALG_LS_ACCEPTED) {
    double frac = pow(0.8, (double)want_k), kl = 0.0, gs = 0.0;
    for (size_t i = 0; i < LS_P; i++) {
      CHECK_CLOSE(theta[i], t.theta0[i] + frac * s[i], 1e-15, 1e-15, "accepted θ");
      double d = theta[i] - t.theta0[i];
      kl += 0.5 * d * d;
      gs += t.g[i] * s[i];
    }
    CHECK(kl <= par.delta, "%s: KL %.17g > δ", what, kl);
    CHECK_CLOSE(ls->kl, c * par.delta * frac * frac, 0.0, 1e-12, "KL = c·δ·0.64^k");
    CHECK_CLOSE(ls->improvement, frac * gs, 0.0, 1e-12, "improvement = 0.8^k gᵀs");
    CHECK(ls->improvement > 0.0, "%s: improvement %g", what, ls->improvement);
  } else {
    CHECK(memcmp(theta, t.theta0, sizeof theta) == 0, "%s: θ changed after no step", what);
  }
}

static void test_linesearch(void) {
  alg_linesearch *ls = alg_linesearch_alloc(LS_P);
  /* ½‖s‖² = 3δ: trial k has KL = 3δ·0.64^k: 3, 1.92, 1.2288, 0.786 (×δ) → k = 3, 4 trials */
  run_case("3δ", 3.0, 1.0, ALG_LS_ACCEPTED, 3, 4, ls);
  /* ½‖s‖² = 0.9δ: the full step fits → k = 0, 1 trial */
  run_case("0.9δ", 0.9, 1.0, ALG_LS_ACCEPTED, 0, 1, ls);
  /* ½‖s‖² = 80δ: 0.64⁹·80 = 1.441, 0.64¹⁰·80 = 0.922 → the last allowed trial, k = 10 */
  run_case("80δ", 80.0, 1.0, ALG_LS_ACCEPTED, 10, 11, ls);
  /* ½‖s‖² = 1000δ: 0.64¹⁰·1000 = 11.5 > 1 → no step after 11 trials */
  run_case("1000δ", 1000.0, 1.0, ALG_LS_NO_STEP, 10, 11, ls);
  /* step against the gradient (gᵀs < 0): KL fine, never an improvement → no step */
  run_case("uphill", 0.5, -1.0, ALG_LS_NO_STEP, 10, 11, ls);
  /* a flat surrogate (g = 0): improvement 0 is not > 0 → no step */
  run_case("flat", 0.5, 0.0, ALG_LS_NO_STEP, 10, 11, ls);

  alg_linesearch_params par = alg_linesearch_params_default();
  toy t;
  double s[LS_P], theta[LS_P], theta2[LS_P];
  /* The TRPO scale with a model Fisher F = ½I while the true KL Hessian is I:
   * β = sqrt(2δ / (½‖s‖²)), so the true KL of βs is ½β²‖s‖² = 2δ; trial k has KL
   * 2δ·0.64^k: 2, 1.28, 0.8192 (×δ) → k = 2. */
  toy_setup(&t, s, 1.0, par.delta, 1.0);
  double ss = 0.0, beta;
  for (size_t i = 0; i < LS_P; i++) ss += s[i] * s[i];
  CHECK(alg_trust_region_scale(&beta, 0.5 * ss, par.delta) == TR_OK, "scale");
  for (size_t i = 0; i < LS_P; i++) s[i] *= beta;
  memcpy(theta, t.theta0, sizeof theta);
  CHECK(alg_linesearch_run(theta, s, t.L0, toy_eval, &t, &par, ls) == TR_OK, "β run");
  CHECK(ls->state == ALG_LS_ACCEPTED && ls->k == 2, "β: state %d k %zu, want k = 2",
        (int)ls->state, ls->k);
  CHECK_CLOSE(t.kls[0], 2.0 * par.delta, 0.0, 1e-13, "β: full-step KL = 2δ");

  /* set / iterate / test driven by hand gives the same θ, bit for bit, as run ("3δ") */
  toy_setup(&t, s, 3.0, par.delta, 1.0);
  memcpy(theta, t.theta0, sizeof theta);
  CHECK(alg_linesearch_run(theta, s, t.L0, toy_eval, &t, &par, ls) == TR_OK, "run");
  toy_setup(&t, s, 3.0, par.delta, 1.0);
  CHECK(alg_linesearch_set(ls, &par, t.theta0, s, t.L0) == TR_OK, "set");
  alg_ls_state state = ALG_LS_CONTINUE;
  size_t loops = 0;
  while (state == ALG_LS_CONTINUE && loops++ < 100) {
    double kl, surr;
    alg_linesearch_iterate(ls, theta2);
    toy_eval(&t, theta2, &kl, &surr);
    state = alg_linesearch_test(ls, theta2, kl, surr);
  }
  CHECK(state == ALG_LS_ACCEPTED && ls->k == 3 && loops == 4, "driven: state %d k %zu loops %zu",
        (int)state, ls->k, loops);
  CHECK(memcmp(theta, theta2, sizeof theta) == 0, "driven θ ≠ run θ");
  CHECK(alg_linesearch_test(ls, theta2, 0.0, 1.0) == ALG_LS_ACCEPTED, "test after the end");

  /* A NaN KL on the full step rejects it; ½‖s‖² = 0.5δ so k = 1 is accepted */
  toy_setup(&t, s, 0.5, par.delta, 1.0);
  t.nan_first = 1;
  memcpy(theta, t.theta0, sizeof theta);
  CHECK(alg_linesearch_run(theta, s, t.L0, toy_eval, &t, &par, ls) == TR_OK, "NaN run");
  CHECK(ls->state == ALG_LS_ACCEPTED && ls->k == 1, "NaN KL: state %d k %zu", (int)ls->state,
        ls->k);

  /* An evaluation error on the 2nd trial: the error comes back, θ is θ_old bit for bit */
  toy_setup(&t, s, 3.0, par.delta, 1.0);
  t.fail_at = 2;
  memcpy(theta, t.theta0, sizeof theta);
  tr_status st = alg_linesearch_run(theta, s, t.L0, toy_eval, &t, &par, ls);
  CHECK(st == TR_EINVAL, "eval error: status %d", (int)st);
  CHECK(memcmp(theta, t.theta0, sizeof theta) == 0, "eval error: θ changed");
  CHECK(strstr(tr_error_msg(), "line search (backtrack 1): toy: policy exploded") != NULL,
        "message '%s'", tr_error_msg());

  /* Other parameters: shrink ½, 3 backtracks, δ = 0.05; ½‖s‖² = 0.9: KL 0.9·4^{−k}:
   * 0.9, 0.225, 0.05625, 0.0140625 → k = 3 (the last allowed). */
  alg_linesearch_params p2 = {.delta = 0.05, .shrink = 0.5, .max_backtracks = 3};
  toy_setup(&t, s, 18.0, 0.05, 1.0);
  memcpy(theta, t.theta0, sizeof theta);
  CHECK(alg_linesearch_run(theta, s, t.L0, toy_eval, &t, &p2, ls) == TR_OK, "p2");
  CHECK(ls->state == ALG_LS_ACCEPTED && ls->k == 3 && t.calls == 4, "p2: state %d k %zu calls %zu",
        (int)ls->state, ls->k, t.calls);
  p2.max_backtracks = 2;
  toy_setup(&t, s, 18.0, 0.05, 1.0);
  memcpy(theta, t.theta0, sizeof theta);
  CHECK(alg_linesearch_run(theta, s, t.L0, toy_eval, &t, &p2, ls) == TR_OK, "p2'");
  CHECK(ls->state == ALG_LS_NO_STEP && t.calls == 3, "p2': state %d calls %zu", (int)ls->state,
        t.calls);

  /* parameter sentences */
  alg_linesearch_params badp = par;
  badp.shrink = 1.5;
  const char *why = alg_linesearch_params_check(&badp);
  CHECK(why && strstr(why, "shrink must be in (0, 1), got 1.5"), "shrink sentence '%s'",
        why ? why : "(null)");
  badp = par;
  badp.delta = 0.0;
  why = alg_linesearch_params_check(&badp);
  CHECK(why && strstr(why, "delta must be positive"), "delta sentence '%s'", why ? why : "(null)");
  CHECK(alg_linesearch_params_check(&par) == NULL, "defaults valid");
  CHECK(par.delta == 0.01 && par.shrink == 0.8 && par.max_backtracks == 10, "defaults");
  CHECK(alg_linesearch_set(ls, &badp, t.theta0, s, 0.0) == TR_EINVAL, "set with bad params");
  s[2] = NAN;
  CHECK(alg_linesearch_set(ls, &par, t.theta0, s, 0.0) == TR_EINVAL, "set with NaN step");
  CHECK(strstr(tr_error_msg(), "step[2]") != NULL, "message '%s'", tr_error_msg());

  alg_linesearch_free(ls);
  CHECK(alg_linesearch_alloc(0) == NULL, "alloc(0)");
  alg_linesearch_free(NULL);
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *rng = tr_rng_alloc(20240611);
  test_cg_full(rng);
  test_cg_ten(rng);
  test_cg_breakdown(rng);
  test_trust_region_scale();
  test_linesearch();
  gsl_rng_free(rng);
  return check_done("test_cg");
}
