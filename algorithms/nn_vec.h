/* algorithms/nn_vec.h — nn.c's elementwise inner loops (nn_vec.c), compiled for vectorization.
 * Internal to the algorithms room: nn.h's functions are the interface. */
#ifndef ALG_NN_VEC_H
#define ALG_NN_VEC_H

#include <stddef.h>

/* For i < n (P):  m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²,
 *                 θ ← θ − step · m / (√v / sbc2 + ε),
 * step = lr / (1 − β1^t), sbc2 = √(1 − β2^t).  theta, g, m, v (n each) must not overlap. */
void nn_adam_update(size_t n, double *restrict theta, const double *restrict g,
                    double *restrict m, double *restrict v, double beta1, double beta2,
                    double step, double sbc2, double eps);

/* x (n) ⊙= 1 − h² (tanh's slope written through h = tanh z); x and h must not overlap. */
void nn_vec_tanh_slope(double *restrict x, const double *restrict h, size_t n);

/* g (n) += the column sums of d (B, n), added row by row (each g[j] in row order, so the
 * same bits as the plain double loop); g and d must not overlap. */
void nn_vec_column_sums_add(double *restrict g, const double *restrict d, size_t B, size_t n);

#endif
