/* theory/claims.h — the claims catalogue: statements of the theory, each with a check.
 *
 * A claim is checked on an instance (a tabular MDP, an old policy π and a new policy
 * π', a random stream).  Its check fills a thy_check: for an identity, lhs and rhs
 * should be equal; for a bound or a course statement, the claim reads lhs ≥ rhs.
 *
 *   slack     = lhs − rhs                              (bounds: ≥ 0 when it holds)
 *   residual  = |lhs − rhs| / scale       (identities) or max(0, rhs − lhs) / scale (bounds)
 *   tightness = 1 − slack / room          (bounds): how much of the bound's room the true
 *               value uses.  room is the size of the bound's penalty term (for x ≤ B it is B,
 *               so tightness = x/B; for ΔJ ≥ G − P it is P, so tightness = (G − ΔJ)/P).
 *               1 means the bound is attained, 0 that the true value sits at the
 *               penalty-free prediction, < 0 that it does better still.
 *   violated  = identity: residual > tol;  bound: lhs − rhs < −tol·scale.
 *
 * scale carries the conditioning (e.g. 1/(1−γ) times the magnitude of the terms) so one
 * tolerance serves every γ.  A check may declare itself not applicable to an instance
 * (an assumption fails, e.g. rewards outside [0,1]): such instances are not counted. */
#ifndef THY_CLAIMS_H
#define THY_CLAIMS_H

#include <gsl/gsl_rng.h>

#include "theory/exact.h"

typedef enum { THY_IDENTITY = 0, THY_BOUND, THY_COURSE } thy_claim_kind;

/* One instance, with the exact values of both policies computed once. */
typedef struct {
  const mdp *m;
  const double *pi;     /* (S, A) old policy π */
  const double *pi2;    /* (S, A) new policy π' */
  const double *theta;  /* (S, A) logits with softmax(theta) = pi, or NULL */
  const thy_values *v;  /* values of π */
  const thy_values *v2; /* values of π' */
  double alpha;         /* a mixture weight in [0,1] drawn for this instance */
  gsl_rng *rng;         /* for checks that draw more (samples, directions) */
  thy_ws *ws;           /* dense workspace for this S */
} thy_instance;

typedef struct {
  double lhs, rhs;
  double scale; /* > 0: magnitude of the terms times conditioning */
  double room;  /* bounds: size of the penalty term (0 if none) */
  int applicable;
  int identity;   /* set by thy_check_identity: lhs = rhs is claimed, not lhs ≥ rhs */
  char note[160]; /* optional: what was compared, for counterexample reports */
} thy_check;

typedef tr_status (*thy_check_fn)(thy_check *out, const thy_instance *in);

typedef struct {
  const char *id;
  thy_claim_kind kind;
  const char *source;      /* the theorem or slide it encodes */
  const char *statement;   /* in words and symbols */
  const char *assumptions; /* "" if none */
  double tol;
  thy_check_fn check;
} thy_claim;

/* The catalogue: identities, then bounds, then course statements. */
size_t thy_claims_count(void);
const thy_claim *thy_claim_at(size_t i);
const thy_claim *thy_claim_find(const char *id);
const char *thy_claim_kind_name(thy_claim_kind k);

/* Derived numbers of one check (see the legend above). */
double thy_check_slack(const thy_check *c);
double thy_check_residual(const thy_check *c, thy_claim_kind kind);
double thy_check_tightness(const thy_check *c);
int thy_check_violated(const thy_check *c, const thy_claim *claim);

/* Claims that need no MDP (sampled scalars, distributions) live in claims_local.c and
 * are appended to the catalogue: */
extern const thy_claim thy_claims_local[];
extern const size_t thy_claims_local_n;

/* Local checks on given inputs (hand-worked cases in tests; see claims_local.c). */
tr_status thy_local_pinsker_eval(thy_check *c, const double *p, const double *q, size_t A,
                                 int weak);
tr_status thy_local_is_variance_eval(thy_check *c, const double *p, const double *q,
                                     const double *f, size_t A);
tr_status thy_local_kakade_eval(thy_check *c, double gamma, double alpha);
tr_status thy_local_snis_eval(thy_check *c, const double *p, const double *q, const double *f,
                              size_t A, size_t n);
tr_status thy_local_baseline_var_eval(thy_check *c, const double *pi, const double *f,
                                      double b, size_t A);

/* Helpers shared by the checks. */
void thy_check_identity(thy_check *c, double lhs, double rhs, double scale);
void thy_check_bound(thy_check *c, double lhs, double rhs, double room, double scale);
/* A random distribution p (A) ~ Dirichlet(conc·1) on A ≤ THY_SIMPLEX_MAX_A points (no
 * allocation; larger A is a programming error, caught by an assert). */
#define THY_SIMPLEX_MAX_A 64
void thy_random_simplex(double *p, size_t A, double conc, gsl_rng *r);

#endif
