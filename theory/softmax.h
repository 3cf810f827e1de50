/* theory/softmax.h — the tabular softmax parametrization, exactly.
 *
 * θ is (S, A); π_θ(a|s) = exp θ_{s,a} / Σ_b exp θ_{s,b}.  With d = d_{π,μ} normalized
 * and A_π the advantage (exact.h):
 *   ∂J/∂θ_{s,a} = d(s) π(a|s) A_π(s,a) / (1−γ)            (policy gradient theorem)
 *   F = Σ_s d(s) (diag π_s − π_s π_sᵀ)   (block diagonal, (SA, SA))
 *     = the Hessian at δ = 0 of Σ_s d(s) KL(π_θ(s) ‖ π_{θ+δ}(s)).
 * The natural gradient is F⁺ ∇J with the Moore–Penrose pseudo-inverse (F is singular:
 * each block annihilates the constant vector). */
#ifndef THY_SOFTMAX_H
#define THY_SOFTMAX_H

#include "theory/exact.h"

/* pi (S, A) from theta (S, A), computed stably (max subtracted). */
void thy_softmax(double *pi, const double *theta, size_t S, size_t A);
/* log π (S, A). */
void thy_log_softmax(double *logpi, const double *theta, size_t S, size_t A);

/* g (S, A) = ∇_θ J = d(s) π(a|s) A(s,a) / (1−γ) from π (S, A), d (S) and A_π (S, A): the
 * policy gradient theorem's expression, the one place it is written. */
void thy_softmax_grad_from(double *g, const double *pi, const double *d, const double *Adv,
                           size_t S, size_t A, double gamma);
/* g (S, A) = ∇_θ J at theta; also fills vals (may be NULL) with π_θ's values. */
tr_status thy_softmax_grad(double *g, const mdp *m, const double *theta, thy_values *vals);
/* F (SA, SA) row-major, dense, from π and d. */
void thy_softmax_fisher(double *F, const double *pi, const double *d, size_t S, size_t A);
/* ng (S, A) = F⁺ g block by block (each block's pseudo-inverse from its eigenvalues,
 * those ≤ rcond·max dropped).  Blocks with d(s) = 0 give 0. */
tr_status thy_softmax_natural_grad(double *ng, const double *g, const double *pi,
                                   const double *d, size_t S, size_t A, double rcond);

/* y = M⁺ x for a symmetric (n, n) matrix M (row-major) by eigen-decomposition; eigenvalues
 * with |λ| ≤ rcond·max|λ| are dropped. */
tr_status thy_pinv_sym_apply(double *y, const double *M, const double *x, size_t n, double rcond);

#endif
