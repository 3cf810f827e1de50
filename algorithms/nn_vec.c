/* algorithms/nn_vec.c — see nn_vec.h.
 *
 * This file is compiled on its own (Makefile.am: libtrvec.a) with -fno-math-errno
 * -fvect-cost-model=dynamic -ffp-contract=off, and each loop is cloned for AVX-512 and AVX2
 * (target_clones, picked at load time; the baseline build has SSE2 only), so that GCC
 * vectorizes it: with errno kept, sqrt may not be vectorized, the -O2 default cost model
 * ("very cheap") leaves loops of unknown length scalar, and GCC's per-function optimize
 * attributes did not take.  The results are the bits of the scalar loops in every clone:
 * the operations are elementwise and not reordered, sqrt and division are correctly
 * rounded in every width, FMA contraction is off, and v ≥ 0 (errno is never set).
 * Adam was 9% of a PPO Hopper run in scalar code; the tanh slope and the bias gradient's
 * column sums 6% and 3.5% of a CartPole run at CleanRL's settings. */
#include "algorithms/nn_vec.h"

#include <math.h>

/* GCC: clones per ISA; clang 14 (the fuzzing build) does not export target_clones under
 * its sanitizers, so there the one baseline loop; nor under ThreadSanitizer (--enable-tsan),
 * whose instrumented ifunc resolvers would run before its runtime starts and crash. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
#define NN_VEC_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NN_VEC_CLONES
#endif

NN_VEC_CLONES void nn_adam_update(
    size_t n, double *restrict theta, const double *restrict g, double *restrict m,
    double *restrict v, double beta1, double beta2, double step, double sbc2, double eps) {
  for (size_t i = 0; i < n; i++) {
    const double gi = g[i];
    m[i] = beta1 * m[i] + (1.0 - beta1) * gi;
    v[i] = beta2 * v[i] + (1.0 - beta2) * gi * gi;
    theta[i] -= step * m[i] / (sqrt(v[i]) / sbc2 + eps);
  }
}

NN_VEC_CLONES void nn_vec_tanh_slope(double *restrict x, const double *restrict h, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] *= 1.0 - h[i] * h[i];
}

NN_VEC_CLONES void nn_vec_column_sums_add(double *restrict g, const double *restrict d,
                                          size_t B, size_t n) {
  for (size_t r = 0; r < B; r++)
    for (size_t j = 0; j < n; j++) g[j] += d[r * n + j];
}
