/* mdps/generators.h — tabular MDP families, each built explicitly (seeded where random).
 *
 * All return a new MDP (free with mdp_free) or NULL with a message.  State numbering is
 * stated per generator; start distributions too. */
#ifndef MDP_GENERATORS_H
#define MDP_GENERATORS_H

#include <gsl/gsl_rng.h>

#include "mdps/mdp.h"

/* Garnet(S, A, b) (Archibald, McKinnon & Thomas 1995; Bhatnagar et al. 2009): for each
 * (s,a), b distinct next states drawn uniformly without replacement; their probabilities
 * are the gaps between b−1 sorted U(0,1) cut points (uniform on the simplex); r(s,a)
 * ~ U(0,1); μ uniform.  1 ≤ b ≤ S. */
mdp *mdp_garnet_alloc(size_t S, size_t A, size_t b, double gamma, gsl_rng *rng);

/* A RiverSwim-like chain of N ≥ 2 states (Strehl & Littman 2008): actions 0 = left,
 * 1 = right.  Left moves one state left deterministically (stays at 0).  Right, in the
 * interior: right with 0.35, stay 0.6, left 0.05; at state 0: right 0.4, stay 0.6; at
 * N−1: stay 0.6, left 0.4.  Rewards: r(0, left) = 5/1000, r(N−1, right) = 1, else 0.
 * Starts at state 0 (μ = δ_0). */
mdp *mdp_chain_alloc(size_t N, double gamma);

/* A W×H gridworld, state s = y*W + x (y = 0 the top row), actions 0 up, 1 right,
 * 2 down, 3 left.  With probability 1−slip the intended move happens, with slip the move
 * is uniform over the four directions; moves into a wall stay put.  The goal (W−1, H−1)
 * is absorbing and rewarding: r(s,a) = P(reach goal | s, a) from non-goal states, 0 at
 * the goal.  Starts at (0,0). */
mdp *mdp_gridworld_alloc(size_t W, size_t H, double slip, double gamma);

/* FrozenLake (gym's 4x4 and 8x8 maps), slippery: the intended direction or either
 * perpendicular one, 1/3 each; actions 0 left, 1 down, 2 right, 3 up (gym's order).
 * Holes and the goal are absorbing; reward 1 on entering the goal, i.e.
 * r(s,a) = P(s' = goal | s, a) for s not terminal.  Starts at the top-left cell.
 * size is 4 or 8. */
mdp *mdp_frozenlake_alloc(int size, double gamma);
/* The map behind it: `size` rows of `size` characters, S start, F frozen, H hole, G goal
 * (Gymnasium's MAPS["4x4"], MAPS["8x8"]); NULL when size is not 4 or 8. */
const char *const *mdp_frozenlake_map(int size);

/* CliffWalking (Sutton & Barto, Example 6.6): 4×12 grid, start (3,0), goal (3,11),
 * actions 0 up, 1 right, 2 down, 3 left; −1 per step, stepping into the cliff (row 3,
 * columns 1..10) gives −100 and returns to the start; the goal is absorbing with reward 0. */
mdp *mdp_cliffwalking_alloc(double gamma);

#endif
