/* theory/instances.h — the instance space that random instances and the search share.
 *
 * Letters: S states, A actions, K = S·A rows of P.  An instance is (μ, P, r, γ, π, π', α).
 * Random instances (verify.c) draw:
 *   P  a Garnet(S, A, b) with b uniform in [1, S] (b = 1: deterministic), half the time
 *      made near-deterministic: (1 − ε)·P_b=1 + ε·P, ε log-uniform in [1e-6, 1e-2];
 *   μ  uniform, Dirichlet(0.1·1) (small concentration: mass on few states), a point mass
 *      δ_s, or a near point mass (1 − ε)δ_s + ε·uniform, ε log-uniform in [1e-6, 1e-1],
 *      each with probability 1/4 (bad starts hide behind uniform μ: REFERENCES § 2, C1);
 *   π  softmax of N(0, σ²) logits, σ ∈ {0.3, 1, 3, 10} (σ = 10: near-deterministic).
 * The search (search.c) uses the same space through free parameters x (see search.h). */
#ifndef THY_INSTANCES_H
#define THY_INSTANCES_H

#include <gsl/gsl_rng.h>

#include "mdps/mdp.h"

typedef enum { THY_MU_UNIFORM = 0, THY_MU_DIRICHLET, THY_MU_POINT, THY_MU_NEAR_POINT } thy_mu_kind;

/* μ (S) drawn as above; returns its kind. */
thy_mu_kind thy_draw_start(double *mu, size_t S, gsl_rng *r);
const char *thy_mu_kind_name(thy_mu_kind k);

/* A random instance MDP: Garnet(S, A, b) transitions (near-deterministic half the time, as
 * above) with rewards U(0,1), and a start distribution from thy_draw_start.  *b gets the
 * branching, *mu_kind the start's kind, *near_det whether P was sharpened.  New MDP or
 * NULL with a message. */
mdp *thy_random_mdp(size_t S, size_t A, double gamma, gsl_rng *r, size_t *b,
                    thy_mu_kind *mu_kind, int *near_det);

#endif
