/* core/mathx.h — small numerical kernels shared across the layers. */
#ifndef TR_MATHX_H
#define TR_MATHX_H

#include <stddef.h>

/* The stable softmax normalizer of z (n ≥ 1): returns Z = Σ_i exp(z_i − m) with
 * m = max_i z_i in *m, summed in index order.  Then softmax_i = exp(z_i − m) / Z and
 * log Σ exp z = m + log Z, without overflow (Z ∈ [1, n]) and with error ε·|log Σ exp z|.
 * Every softmax of trbench (theory/softmax.c, the categorical policy) goes through it. */
double tr_softmax_norm(const double *z, size_t n, double *m);

#endif
