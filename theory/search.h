/* theory/search.h — adversarial search for the tightest instance of an inequality.
 *
 * For a claim of kind bound or course (read lhs ≥ rhs), minimize slack/room (points with
 * negligible room excepted), i.e. maximize tightness (a negative value is a violation),
 * over the whole instance space of instances.h with every quantity free:
 *   x = [ P logits (S·A·S) | reward logits (S·A) | θ (S·A) | θ' (S·A) | α logit (1) |
 *         μ logits (S) ],
 * P(·|s,a) = softmax (full support; large logits reach near-deterministic rows),
 * r(s,a) = logistic ∈ [0,1], π = softmax θ, π' = softmax θ', α = logistic, μ = softmax
 * (near point masses reachable).  For every (S, A, γ) combination of the lists, `restarts`
 * random starting points drawn from the instance space (μ uniform, near a point mass or
 * random; transitions diffuse or near-deterministic), plus the given starting instances
 * (the worst random instances), each improved for `max_iter` iterations: GSL's Nelder–Mead
 * simplex (nmsimplex2) when x has at most 80 coordinates, else a (1+1) evolution strategy
 * with the 1/5 success rule (memory O(|x|)).  Each evaluation reseeds the claim's stream
 * identically, so the objective is deterministic.
 *
 * Progress: after each combination the optional callback gets the share of the claim's
 * budgeted work done, each combination weighted by its starting points × max_iter ×
 * (S²(A+1) + 32), an evaluation's cost measured at S = 2…30 (dense solves and checks
 * dominate at large S, fixed overhead at small). */
#ifndef THY_SEARCH_H
#define THY_SEARCH_H

#include <stdint.h>

#include "theory/claims.h"

/* A starting instance (e.g. a worst random one): dense, rows and policies read as given. */
typedef struct {
  const mdp *m;
  const double *pi, *pi2; /* (S, A) */
  double alpha;
} thy_search_start;

typedef struct {
  const size_t *states;
  size_t n_states;
  const size_t *actions;
  size_t n_actions;
  const double *gammas;
  size_t n_gammas;
  size_t restarts; /* random starting points per (S, A, γ) combination */
  size_t max_iter; /* iterations per starting point */
  uint64_t seed;
  const thy_search_start *starts; /* may be NULL */
  size_t n_starts;
  /* NULL, or called after each (S, A, γ) combination with the share (0, 1] of the claim's
   * budgeted work done and the instances evaluated so far */
  void (*progress)(void *arg, double done, size_t evals);
  void *progress_arg;
} thy_search_opts;

typedef struct {
  double objective; /* best slack/room found */
  thy_check best;   /* the check at the best point */
  size_t evals;     /* instances evaluated */
  int violated;     /* the best point violates the claim */
  mdp *m;           /* the best instance (owned) */
  double *pi, *pi2; /* (S, A) */
  double alpha;
} thy_search_result;

/* Claims that take part: MDP claims of kind bound or course whose check is an inequality. */
int thy_search_applies(const thy_claim *c);
tr_status thy_search_claim(thy_search_result *res, const thy_claim *c, const thy_search_opts *o);
void thy_search_result_clear(thy_search_result *res);

#endif
