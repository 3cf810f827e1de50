/* theory/verdicts.h — one verdict per claim: the adversarial search seeded from the worst
 * random instances, and ball-arithmetic certificates of the instances a verdict rests on.
 *
 * thy_verdicts_search fills each searched row's search_* fields (search.h); the starting
 * instances are the row's THY_WORST_K tightest random instances plus `restarts` random
 * points per (S, A, γ) combination of the verify lists (or of the sizes given).  A row that
 * was searched and not violated gets the verdict `holds`; one that was not searched,
 * `not_refuted` (verify.h).
 * thy_verdicts_certify re-evaluates, in Arb (certify.h), for a violated claim its worst
 * counterexample (the search's if it found one, else the worst random violation) and for a
 * claim that holds its tightest instance (the search's if searched, else the tightest
 * random one); certified = 1 when the ball of lhs − rhs lies wholly on the verdict's side. */
#ifndef THY_VERDICTS_H
#define THY_VERDICTS_H

#include "theory/search.h"
#include "theory/verify.h"

/* Where a search reports (thy_verdicts_search_opts.progress): claims searched so far of
 * those to search, instances evaluated, and the share of the whole budget done (the
 * finished claims plus the current claim's share, search.h, claims counted alike). */
typedef struct {
  size_t claims_done, claims_total;
  const char *claim; /* the claim being searched */
  size_t evals;      /* instances evaluated, all claims so far */
  double fraction;   /* [0, 1] */
  int finished;      /* this report is the end of `claim`'s search */
} thy_verdicts_progress;

typedef struct {
  size_t restarts; /* random starting points per (S, A, γ) combination */
  size_t max_iter; /* iterations per starting point */
  /* the sizes searched: NULL for the verify lists' (the random instances are rebuilt from
   * those lists whatever this says) */
  const size_t *states;
  size_t n_states;
  int course_only; /* search only the course statements (verify's default short search) */
  void (*progress)(void *arg, const thy_verdicts_progress *p); /* NULL: none */
  void *progress_arg;
} thy_verdicts_search_opts;

/* Every row the search applies to (thy_search_applies), course statements only when
 * so->course_only; a row is searched once. */
tr_status thy_verdicts_search(thy_verify_report *r, const thy_verify_opts *o,
                              const thy_verdicts_search_opts *so);

/* The instance a row's verdict rests on: *d is built (free with thy_instance_data_free)
 * when the instance is a random one, else the search's arrays are pointed to.  Returns 0
 * when the row has none (no applicable instance, or a claim without an MDP). */
typedef struct {
  const mdp *m;
  const double *pi, *pi2;
  double alpha;
  const char *source; /* "search" or "random" */
  size_t instance;    /* random instance index */
  thy_instance_data d;
} thy_verdict_instance;
int thy_verdict_instance_get(thy_verdict_instance *vi, const thy_verify_row *row,
                             const thy_verify_opts *o, tr_status *st);
void thy_verdict_instance_free(thy_verdict_instance *vi);

tr_status thy_verdicts_certify(thy_verify_report *r, const thy_verify_opts *o);

#endif
