/* theory/soft.h — the KL-regularized optimum of a tabular MDP, exactly.
 *
 * Letters: S states, A actions.  With a reference policy π_ref (S, A) and β > 0 the
 * objective of InstructGPT's per-step penalty (REFERENCES.md § 9, GPS_RLHF.md § 5 item 2):
 *   J_β(π) = E_π[Σ_t γ^t (r(s_t,a_t) − β log(π(a_t|s_t)/π_ref(a_t|s_t)))]
 *          = J_r(π) − β/(1−γ) Σ_s d_π(s) KL(π(·|s) ‖ π_ref(·|s))      (d normalized).
 * Its maximizer solves the soft Bellman equation
 *   V(s) = β log Σ_a π_ref(a|s) exp(Q(s,a)/β),   Q(s,a) = r(s,a) + γ Σ_s' P(s'|s,a) V(s'),
 *   π_β(a|s) = π_ref(a|s) exp((Q(s,a) − V(s))/β),
 * and max J_β = μᵀ V.  Computed by soft policy iteration: evaluate π_k on the regularized
 * reward exactly (exact.h), then π_{k+1} ∝ π_ref exp(Q_k/β); J_β(π_k) rises monotonically and
 * the iteration stops when ‖V_{k+1} − V_k‖∞ ≤ THY_SOFT_TOL (1 + ‖V_k‖∞).  0·log(0/·) is 0:
 * an action π_ref never takes is never taken. */
#ifndef THY_SOFT_H
#define THY_SOFT_H

#include <stddef.h>

#include "exact.h"

#define THY_SOFT_TOL 1e-13
#define THY_SOFT_MAX_ITER 10000

/* Σ_s w(s) KL(pi(·|s) ‖ ref(·|s)) (w (S), e.g. the normalized occupancy d_π); +inf where
 * pi puts mass on an action ref never takes. */
double thy_kl_under(const double *w, const double *pi, const double *ref, size_t S, size_t A);

/* J_β(pi) of pi (S, A) on m's reward: μᵀ V of pi on r − β log(pi/ref).  vals (may be NULL)
 * gets pi's values on the unregularized reward r (its J, d). */
tr_status thy_soft_evaluate(double *Jbeta, const mdp *m, const double *pi, const double *ref,
                            double beta, thy_values *vals);

/* The regularized optimum for β > 0: V (S) and π_β (S, A) (either may be NULL), *J = μᵀV,
 * *iters the soft policy iterations (may be NULL).  β = 0: the unregularized optimum (policy
 * iteration; a deterministic greedy π).  TR_EINVAL for β < 0 or a ref that is not a policy,
 * TR_ENUM when it does not converge in THY_SOFT_MAX_ITER. */
tr_status thy_soft_optimum(double *J, double *V, double *pi, const mdp *m, const double *ref,
                           double beta, size_t *iters);

#endif
