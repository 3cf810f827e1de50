/* theory/search.h — adversarial search for the tightest instance of an inequality.
 *
 * For a claim of kind bound or course (read lhs ≥ rhs), minimize slack/room (points with
 * negligible room excepted)
 * (i.e. maximize tightness; a negative value is a violation) over a small dense MDP and a
 * policy pair: P(·|s,a) = softmax of free logits (full support), r(s,a) = logistic(y) ∈
 * [0,1], μ uniform, π = softmax θ, π' = softmax θ', α = logistic(z).  GSL's Nelder–Mead
 * simplex (nmsimplex2) from random restarts; each evaluation reseeds the claim's stream
 * identically, so the objective is deterministic. */
#ifndef THY_SEARCH_H
#define THY_SEARCH_H

#include <stdint.h>

#include "theory/claims.h"

typedef struct {
  size_t S, A;
  double gamma;
  size_t restarts;
  size_t max_iter; /* simplex iterations per restart */
  uint64_t seed;
} thy_search_opts;

typedef struct {
  double objective; /* best slack/room found */
  thy_check best;   /* the check at the best point */
  size_t evals;
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
