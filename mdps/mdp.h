/* mdps/mdp.h — the immutable tabular MDP value.
 *
 * Letters: S states, A actions, K = S*A state-action rows, N nonzeros of P.
 * An MDP is (S, A, γ, μ, P, r): P(s'|s,a) stored as compressed rows (row k = s*A + a
 * holds the pairs (col[i], prob[i]) for i in [rowptr[k], rowptr[k+1]), columns
 * increasing, probabilities > 0), r(s,a) as the (S, A) row-major array r[s*A + a],
 * μ the initial distribution (S).  Sparse rows let Garnets with S = 10^5 fit; dense
 * algorithms expand what they need.
 *
 * Validation on construction (mdp_check): γ ∈ [0,1); S, A ≥ 1; every probability
 * finite and ≥ 0; each row of P sums to 1 within MDP_ROW_TOL; rewards finite; μ a
 * distribution (same tolerance).  Messages name the row and its sum. */
#ifndef MDP_MDP_H
#define MDP_MDP_H

#include <stddef.h>

#include "../core/error.h"

#define MDP_ROW_TOL 1e-9

typedef struct mdp {
  size_t S, A;
  double gamma;
  double *mu;     /* (S) */
  double *r;      /* (S, A) */
  size_t *rowptr; /* (S*A + 1) */
  size_t *col;    /* (N) */
  double *prob;   /* (N) */
  char **state_names;  /* NULL or S strings */
  char **action_names; /* NULL or A strings */
} mdp;

/* From dense arrays: P is (S, A, S) row-major, P[(s*A + a)*S + s'].  mu may be NULL
 * (uniform).  Zeros are dropped.  Returns NULL with a message on invalid input. */
mdp *mdp_alloc_dense(size_t S, size_t A, double gamma, const double *P,
                     const double *r, const double *mu);
/* From compressed rows (see above); the arrays are copied.  Entries of one row may
 * come in any column order and may repeat (repeats are summed). */
mdp *mdp_alloc_csr(size_t S, size_t A, double gamma, const size_t *rowptr,
                   const size_t *col, const double *prob, const double *r,
                   const double *mu);
void mdp_free(mdp *m);
mdp *mdp_copy(const mdp *m);

/* Validate dense input without building; TR_OK or TR_EINVAL with the sentence. */
tr_status mdp_check_dense(size_t S, size_t A, double gamma, const double *P,
                          const double *r, const double *mu);

/* Attach names (copied); either may be NULL.  Only before the MDP is shared. */
tr_status mdp_set_names(mdp *m, char *const *state_names, char *const *action_names);

/* A new MDP with rewards mapped affinely onto [0,1]: r' = (r − min r)/(max r − min r)
 * (all zeros if r is constant).  Several theorems assume r ∈ [0,1]. */
mdp *mdp_rescale_rewards(const mdp *m);
/* A new MDP identical but for γ. */
mdp *mdp_with_gamma(const mdp *m, double gamma);

/* P(s'|s,a) (0 if absent). */
double mdp_prob(const mdp *m, size_t s, size_t a, size_t s2);
/* Dense (S, A, S) copy of P into out. */
void mdp_dense_P(const mdp *m, double *out);
/* min and max of r. */
void mdp_reward_range(const mdp *m, double *rmin, double *rmax);
size_t mdp_nnz(const mdp *m);

#endif
