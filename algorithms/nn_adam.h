/* algorithms/nn_adam.h — Adam's elementwise update (nn_adam.c), nn.c's inner loop.
 * Internal to the algorithms room: nn.h's nn_adam_step is the interface. */
#ifndef ALG_NN_ADAM_H
#define ALG_NN_ADAM_H

#include <stddef.h>

/* For i < n (P):  m ← β1 m + (1−β1) g,  v ← β2 v + (1−β2) g²,
 *                 θ ← θ − step · m / (√v / sbc2 + ε),
 * step = lr / (1 − β1^t), sbc2 = √(1 − β2^t).  theta, g, m, v (n each) must not overlap. */
void nn_adam_update(size_t n, double *restrict theta, const double *restrict g,
                    double *restrict m, double *restrict v, double beta1, double beta2,
                    double step, double sbc2, double eps);

#endif
