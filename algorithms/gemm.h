/* algorithms/gemm.h — the small matrix products of the networks (nn.c), behind one call (module prefix nn_gemm).
 *
 * Letters: M, N rows and columns of C; K the inner dimension.  Row-major throughout;
 * ld* are the row strides.  The networks' products are
 *   forward      C (B, n_l) += A (B, n_{l−1}) · Bᵀ, B = W_l (n_l, n_{l−1})      (NT)
 *   deltas       C (B, n_{l−1}) = A (B, n_l) · W_l (n_l, n_{l−1})              (NN)
 *   ∂ℓ/∂W_l      C (n_l, n_{l−1}) += Aᵀ · B, A = δ_l (B, n_l), B = h_{l−1}      (TN)
 * with widths 1 … 256 and B from 1 (acting) over 64 … 128 (minibatches) to 2,048 (a whole
 * batch).  Every call computes
 *   C ← β C + op(A) op(B),   β ∈ {0, 1}   (no α: the networks never scale a product),
 * where β = 0 overwrites C without reading it.
 *
 * Backends (nn_gemm_backend): NN_GEMM_BLAS is OpenBLAS's cblas_dgemm on one thread; NN_GEMM_BLOCKED
 * is this module's register-blocked kernel (4 × 16 blocks of C, summed over k in increasing
 * order, one rounding per multiply and per add: no FMA contraction), compiled for baseline
 * x86-64 and, through GCC's target_clones, for AVX2 and AVX-512, picked at load time.  Its
 * results are the same bits on every x86-64 CPU and every clone (the order of every sum is
 * fixed by the code), and for any M: row i of C depends on row i of op(A) only.  OpenBLAS's are
 * reproducible on one machine (single-threaded), but its kernels differ between CPUs.
 *
 * The default backend is the one nn.c uses (nn_gemm_default); `trbench bench algos`
 * times both on the networks' shapes and prints which one is used. */
#ifndef ALG_GEMM_H
#define ALG_GEMM_H

#include <stddef.h>

typedef enum { NN_GEMM_BLAS = 0, NN_GEMM_BLOCKED = 1, NN_GEMM_N_BACKENDS = 2 } nn_gemm_backend;

/* "openblas" or "blocked" */
const char *nn_gemm_backend_name(nn_gemm_backend b);

/* The backend the networks use (fixed at build time, never by timing: results must not depend
 * on how busy the machine was). */
nn_gemm_backend nn_gemm_default(void);

/* C (M, N) ← β C + op(A) op(B), op(A) (M, K), op(B) (K, N); ta / tb nonzero for a transposed
 * operand: A stored (K, M) with row stride lda, B stored (N, K) with row stride ldb.  beta
 * is 0 or 1.  pack is scratch of at least K·N doubles when tb (the blocked kernel packs Bᵀ
 * there), unused otherwise (may be NULL).  M, N or K = 0 is allowed (K = 0: C ← β C). */
void nn_gemm(nn_gemm_backend be, int ta, int tb, size_t M, size_t N, size_t K, const double *A,
             size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc,
          double *pack);

#endif
