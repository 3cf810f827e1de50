/* algorithms/gemm.c — see gemm.h.
 *
 * The blocked kernel.  C is cut into blocks of MR = 4 rows × NR = 16 columns; a block's 64
 * sums are held in registers (GCC vector extensions: 2 vectors of 8 doubles per row, which
 * the compiler maps onto zmm, ymm or xmm registers for the clone it builds) while k runs
 * from 0 to K−1:  acc_ij ← acc_ij + a_ik b_kj  (acc from +0), then c_ij ← acc_ij (β = 0) or
 * c_ij + acc_ij (β = 1).  The columns left over (N mod 16) and the rows left over (M mod 4)
 * use the same sums in scalar code, so every element of C is computed by one and the same
 * sequence of roundings whichever path, clone or CPU computes it.  That needs
 * -ffp-contract=off (GCC contracts a·b + c into an FMA by default where the target has one;
 * an FMA rounds once, so AVX2 and baseline clones would differ): set for this file below.
 * op(B) = Bᵀ is packed into (K, N) first, so the inner loop always reads rows of B. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* clang's spelling (used by the fuzzing build) */
#else
#pragma GCC optimize("fp-contract=off")
#endif
#include "algorithms/gemm.h"

#include <cblas.h>
#include <string.h>

enum { MR = 4, NR = 16 };

typedef double v8d __attribute__((vector_size(64)));

/* Unaligned vector loads and stores (macros, not functions: a function passing v8d by value
 * would have an AVX-512-dependent ABI in the baseline build). */
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8d))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v8d))

/* C (mr, NR) ← β C + a (mr, K) · B (K, NR), a_rk = A[r·sai + k·sak], 1 ≤ mr ≤ MR.  The
 * MR × NR sums are eight named vectors so that they stay in registers; rows past mr repeat
 * row 0's inputs and are not stored. */
static inline __attribute__((always_inline)) void block_vec(size_t mr, size_t K,
                                                             const double *A, size_t sai,
                                                             size_t sak, const double *B,
                                                             size_t ldb, double beta, double *C,
                                                             size_t ldc) {
  const double *a0 = A, *a1 = mr > 1 ? A + sai : A, *a2 = mr > 2 ? A + 2 * sai : A;
  const double *a3 = mr > 3 ? A + 3 * sai : A;
  v8d c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
  for (size_t k = 0; k < K; k++) {
    v8d b0, b1;
    LOAD8(b0, B + k * ldb);
    LOAD8(b1, B + k * ldb + 8);
    const size_t o = k * sak;
    const double x0 = a0[o], x1 = a1[o], x2 = a2[o], x3 = a3[o];
    c00 += (v8d){x0, x0, x0, x0, x0, x0, x0, x0} * b0;
    c01 += (v8d){x0, x0, x0, x0, x0, x0, x0, x0} * b1;
    c10 += (v8d){x1, x1, x1, x1, x1, x1, x1, x1} * b0;
    c11 += (v8d){x1, x1, x1, x1, x1, x1, x1, x1} * b1;
    c20 += (v8d){x2, x2, x2, x2, x2, x2, x2, x2} * b0;
    c21 += (v8d){x2, x2, x2, x2, x2, x2, x2, x2} * b1;
    c30 += (v8d){x3, x3, x3, x3, x3, x3, x3, x3} * b0;
    c31 += (v8d){x3, x3, x3, x3, x3, x3, x3, x3} * b1;
  }
  v8d c[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  for (size_t r = 0; r < mr; r++) {
    double *p = C + r * ldc;
    if (beta != 0.0) {
      v8d p0, p1;
      LOAD8(p0, p);
      LOAD8(p1, p + 8);
      c[r][0] = p0 + c[r][0];
      c[r][1] = p1 + c[r][1];
    }
    STORE8(p, c[r][0]);
    STORE8(p + 8, c[r][1]);
  }
}

/* The same sums for a (mr, nr) block in scalar code (the edges of C). */
static void block_scalar(size_t mr, size_t nr, size_t K, const double *A, size_t sai,
                         size_t sak, const double *B, size_t ldb, double beta, double *C,
                         size_t ldc) {
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++) {
      double acc = 0.0;
      for (size_t k = 0; k < K; k++) acc += A[r * sai + k * sak] * B[k * ldb + j];
      C[r * ldc + j] = beta != 0.0 ? C[r * ldc + j] + acc : acc;
    }
}

/* C (M, N) ← β C + a (M, K) · B (K, N) with a_ik = A[i·sai + k·sak]. */
/* no clones under ThreadSanitizer: its instrumented ifunc resolver would run before the
 * runtime starts (--enable-tsan) */
#ifndef __SANITIZE_THREAD__
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void blocked(
    size_t M, size_t N, size_t K, const double *A, size_t sai, size_t sak, const double *B,
    size_t ldb, double beta, double *C, size_t ldc) {
  const size_t Nv = N - N % NR;
  size_t i = 0;
  for (; i + MR <= M; i += MR) {
    const double *Ai = A + i * sai;
    double *Ci = C + i * ldc;
    for (size_t j = 0; j < Nv; j += NR) block_vec(MR, K, Ai, sai, sak, B + j, ldb, beta, Ci + j, ldc);
    if (Nv < N) block_scalar(MR, N - Nv, K, Ai, sai, sak, B + Nv, ldb, beta, Ci + Nv, ldc);
  }
  if (i < M) {
    const size_t mr = M - i;
    const double *Ai = A + i * sai;
    double *Ci = C + i * ldc;
    for (size_t j = 0; j < Nv; j += NR) block_vec(mr, K, Ai, sai, sak, B + j, ldb, beta, Ci + j, ldc);
    if (Nv < N) block_scalar(mr, N - Nv, K, Ai, sai, sak, B + Nv, ldb, beta, Ci + Nv, ldc);
  }
}

static void blocked_gemm(int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                         size_t lda, const double *B, size_t ldb, double beta, double *C,
                         size_t ldc, double *pack) {
  if (tb) { /* pack (K, N) = Bᵀ from B (N, K) */
    for (size_t j = 0; j < N; j++)
      for (size_t k = 0; k < K; k++) pack[k * N + j] = B[j * ldb + k];
    B = pack;
    ldb = N;
  }
  blocked(M, N, K, A, ta ? 1 : lda, ta ? lda : 1, B, ldb, beta, C, ldc);
}

const char *nn_gemm_backend_name(nn_gemm_backend b) {
  return b == NN_GEMM_BLAS ? "openblas" : b == NN_GEMM_BLOCKED ? "blocked" : "?";
}

nn_gemm_backend nn_gemm_default(void) { return NN_GEMM_BLAS; }

void nn_gemm(nn_gemm_backend be, int ta, int tb, size_t M, size_t N, size_t K, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc,
             double *pack) {
  if (M == 0 || N == 0) return;
  if (be == NN_GEMM_BLOCKED) {
    blocked_gemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc, pack);
    return;
  }
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              (int)M, (int)N, (int)K, 1.0, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}
