/* theory/certify.h — a claim's two sides on one instance in ball arithmetic (Arb).
 *
 * The instance's doubles (P, r, μ, γ, π, π', α) are read as exact rational values; the
 * rows of P, the start μ and both policies are then normalized in ball arithmetic (each
 * divided by its exact sum), so the instance certified is an exactly stochastic one even
 * when the stored doubles sum to 1 only within rounding.  V and the normalized occupancy
 * d of each policy come from arb_mat_solve on (I − γP_π) and its transpose; every
 * divergence, ε and both sides of the claim are balls.  Working precision 128 bits,
 * doubled (up to 1024) while a solve cannot certify its matrix invertible.
 *
 * verdict: +1 when the ball of lhs − rhs lies in [0, ∞) (holds, certainly), −1 when it
 * lies in (−∞, 0) (violated, certainly), 0 when it contains 0 (undecided). */
#ifndef THY_CERTIFY_H
#define THY_CERTIFY_H

#include "mdps/mdp.h"

typedef struct {
  double lhs, lhs_rad; /* midpoint and radius (radius rounded up) */
  double rhs, rhs_rad;
  double diff, diff_rad; /* lhs − rhs */
  int verdict;
  int applicable; /* 0: the claim does not apply (e.g. an infinite KL) */
  long prec;      /* bits used */
  char lhs_str[96], rhs_str[96], diff_str[96]; /* Arb's decimal ball [m +/- r] */
} thy_cert;

/* Claims certify knows (MDP inequalities; the rest answer 0). */
int thy_certify_supports(const char *claim_id);

/* The claim's sides on (m, π, π', α); pi, pi2 (S, A).  TR_EINVAL for an unsupported
 * claim or α outside [0, 1]; TR_ENUM if the solves cannot be certified at 1024 bits. */
tr_status thy_certify(thy_cert *out, const char *claim_id, const mdp *m, const double *pi,
                      const double *pi2, double alpha);

#endif
