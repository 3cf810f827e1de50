/* tests/test_gemm.c — algorithms/gemm: C ← β C + op(A) op(B) in both backends.
 *
 * Letters: M, N, K as in gemm.h; eps = DBL_EPSILON.
 * Truth: (1) a long-double triple loop; a double product summed over K terms errs by at most
 * γ_K Σ_k |a_ik||b_kj| with γ_K = K·eps/(1 − K·eps) (Higham, Accuracy and Stability of
 * Numerical Algorithms, § 3.5), plus eps/2·|c| for the final β-add; the check allows that
 * bound with K + 2 in place of K (the reference's own rounding is 2^−11 of it).  OpenBLAS may
 * sum in any order, so only the bound holds for it.  (2) For the blocked kernel, exactly the
 * bits of the plain sequential sum acc = Σ_{k=0}^{K−1} a_ik b_kj (from +0, in increasing k,
 * no FMA: this file is compiled with fp-contract off, like gemm.c), then c + acc or acc: the
 * order the kernel promises in every clone, so the AVX-512, AVX2 and baseline builds agree.
 * (3) Row independence: computing rows [0, M) at once or one row at a time gives the same bits.
 * Shapes: every M in 1 … 9 and N in {1, 3, 11, 16, 17, 33, 64} against K in {0, 1, 7, 64},
 * all four (ta, tb), β ∈ {0, 1}; plus the networks' 64 × 64 × 64 and 2048 × 64 × 64.
 * Inputs: mt19937, uniform on [−1, 1] (mixed signs, so cancellations are exercised). */
#pragma GCC optimize("fp-contract=off")
#include <float.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/gemm.h"
#include "core/rng.h"
#include "tests/check.h"

static double a_at(const double *A, int ta, size_t lda, size_t i, size_t k) {
  return ta ? A[k * lda + i] : A[i * lda + k];
}
static double b_at(const double *B, int tb, size_t ldb, size_t k, size_t j) {
  return tb ? B[j * ldb + k] : B[k * ldb + j];
}

/* One case: both backends against the bound, the blocked one also bit for bit. */
static void one_case(gsl_rng *r, int ta, int tb, size_t M, size_t N, size_t K, double beta) {
  size_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 5; /* padded strides */
  size_t na = (ta ? K : M) * lda + 1, nb = (tb ? N : K) * ldb + 1;
  double *A = malloc(na * sizeof *A), *B = malloc(nb * sizeof *B);
  double *C0 = malloc(M * ldc * sizeof *C0), *C = malloc(M * ldc * sizeof *C);
  double *C1 = malloc(M * ldc * sizeof *C1), *pack = malloc((K * N + 1) * sizeof *pack);
  for (size_t i = 0; i < na; i++) A[i] = 2 * gsl_rng_uniform(r) - 1;
  for (size_t i = 0; i < nb; i++) B[i] = 2 * gsl_rng_uniform(r) - 1;
  for (size_t i = 0; i < M * ldc; i++) C0[i] = 2 * gsl_rng_uniform(r) - 1;
  for (int be = 0; be < NN_GEMM_N_BACKENDS; be++) {
    memcpy(C, C0, M * ldc * sizeof *C);
    nn_gemm((nn_gemm_backend)be, ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, pack);
    size_t bad_bound = 0, bad_bits = 0, bad_pad = 0;
    double worst = 0;
    for (size_t i = 0; i < M; i++) {
      for (size_t j = 0; j < N; j++) {
        long double ref = beta != 0 ? (long double)C0[i * ldc + j] : 0.0L, mag = 0;
        double acc = 0.0;
        for (size_t k = 0; k < K; k++) {
          double a = a_at(A, ta, lda, i, k), b = b_at(B, tb, ldb, k, j);
          ref += (long double)a * b;
          mag += fabsl((long double)a * b);
          acc += a * b;
        }
        double seq = beta != 0 ? C0[i * ldc + j] + acc : acc;
        double g = (double)(K + 2) * DBL_EPSILON;
        long double bound = g / (1 - g) * mag + DBL_EPSILON * fabs(seq);
        double err = (double)fabsl((long double)C[i * ldc + j] - ref);
        if (bound > 0 && err / (double)bound > worst) worst = err / (double)bound;
        bad_bound += err > bound;
        if (be == NN_GEMM_BLOCKED) bad_bits += memcmp(&C[i * ldc + j], &seq, sizeof seq) != 0;
      }
      for (size_t j = N; j < ldc; j++) bad_pad += memcmp(&C[i * ldc + j], &C0[i * ldc + j], sizeof *C) != 0;
    }
    CHECK(bad_bound == 0, "%s ta=%d tb=%d M=%zu N=%zu K=%zu beta=%g: %zu elements beyond the bound (worst %.3g of it)",
          nn_gemm_backend_name((nn_gemm_backend)be), ta, tb, M, N, K, beta, bad_bound, worst);
    CHECK(bad_pad == 0, "%s ta=%d tb=%d M=%zu N=%zu K=%zu: %zu writes outside C's columns",
          nn_gemm_backend_name((nn_gemm_backend)be), ta, tb, M, N, K, bad_pad);
    if (be != NN_GEMM_BLOCKED) continue;
    CHECK(bad_bits == 0, "blocked ta=%d tb=%d M=%zu N=%zu K=%zu beta=%g: %zu elements differ from the sequential sum",
          ta, tb, M, N, K, beta, bad_bits);
    /* row independence: one row at a time */
    memcpy(C1, C0, M * ldc * sizeof *C1);
    for (size_t i = 0; i < M; i++)
      nn_gemm(NN_GEMM_BLOCKED, ta, tb, 1, N, K, ta ? A + i : A + i * lda, lda, B, ldb, beta,
              C1 + i * ldc, ldc, pack);
    CHECK(memcmp(C, C1, M * ldc * sizeof *C) == 0,
          "blocked ta=%d tb=%d M=%zu N=%zu K=%zu: rows computed alone differ", ta, tb, M, N, K);
  }
  free(A), free(B), free(C0), free(C), free(C1), free(pack);
}

int main(void) {
  gsl_rng *r = tr_rng_alloc(9137);
  static const size_t Ns[] = {1, 3, 11, 16, 17, 33, 64}, Ks[] = {0, 1, 7, 64};
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      for (size_t M = 1; M <= 9; M++)
        for (size_t a = 0; a < sizeof Ns / sizeof *Ns; a++)
          for (size_t b = 0; b < sizeof Ks / sizeof *Ks; b++) {
            one_case(r, ta, tb, M, Ns[a], Ks[b], 1.0);
            one_case(r, ta, tb, M, Ns[a], Ks[b], 0.0);
          }
  one_case(r, 0, 1, 64, 64, 64, 1.0);  /* forward, a minibatch */
  one_case(r, 1, 0, 64, 64, 64, 1.0);  /* ∂ℓ/∂W */
  one_case(r, 0, 0, 64, 64, 64, 0.0);  /* deltas */
  one_case(r, 0, 1, 2048, 64, 64, 1.0); /* forward, a whole batch */
  CHECK(nn_gemm_default() == NN_GEMM_BLAS, "the networks' backend is OpenBLAS (the measured choice)");
  CHECK(!strcmp(nn_gemm_backend_name(NN_GEMM_BLOCKED), "blocked") &&
            !strcmp(nn_gemm_backend_name(NN_GEMM_BLAS), "openblas"),
        "backend names");
  gsl_rng_free(r);
  return check_done("test_gemm");
}
