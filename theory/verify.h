/* theory/verify.h — check every claim of the catalogue over random instances.
 *
 * Instance i is built from the stream tr_seed_derive(seed, "verify:i"): S, A and γ drawn
 * from the given lists, an MDP from the instance space of instances.h (Garnet branching
 * b ∈ [1, S], near-deterministic half the time; μ uniform, Dirichlet(0.1), a point mass or
 * a near point mass); logits θ ~ N(0, σ²) with σ ∈ {0.3, 1, 3, 10}, π = softmax θ; a new policy π' near π (logit noise
 * 0.01), moderately far (0.3), independent, or deterministic (greedy for Q_π); a mixture
 * weight α ∈ [0,1] (half the time log-uniform in [1e-4, 1]).  Each claim's own draws come
 * from tr_seed_derive(seed, "verify:i:<claim id>"), so filtering claims changes nothing
 * else.  Rows are aggregated per claim (claims.h defines slack, residual, tightness). */
#ifndef THY_VERIFY_H
#define THY_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "theory/claims.h"
#include "theory/instances.h"

typedef struct {
  size_t n_mdps;
  uint64_t seed;
  const size_t *states;
  size_t n_states;
  const size_t *actions;
  size_t n_actions;
  const double *gammas;
  size_t n_gammas;
  const char *claim; /* NULL: every claim */
  int keep_points;   /* keep (lhs, rhs) of every instance, for figures */
} thy_verify_opts;

/* One built instance and everything it owns. */
typedef struct {
  mdp *m;
  double *theta, *pi, *pi2; /* (S, A) */
  thy_values *v, *v2;
  thy_ws *ws;
  double alpha;
  size_t branching;
  thy_mu_kind mu_kind;
  int near_det; /* P sharpened towards a deterministic one */
  int pair_kind; /* 0 near, 1 moderate, 2 independent, 3 deterministic */
} thy_instance_data;

tr_status thy_instance_build(thy_instance_data *d, const thy_verify_opts *o, size_t i);
void thy_instance_data_free(thy_instance_data *d);

enum { THY_WORST_K = 3 };

typedef struct {
  const thy_claim *claim;
  size_t instances, violations;
  int identity; /* its checks claim equality */
  double max_residual, min_slack, median_tightness;
  int has_counterexample;
  size_t ce_instance; /* the worst violation */
  thy_check ce;
  double ce_residual;
  double *lhs, *rhs, *room; /* (instances) when keep_points */
  double *tight;     /* internal */
  size_t n_tight;
  /* the tightest random instances (largest tightness first), for the search and certify */
  size_t worst[THY_WORST_K];
  double worst_t[THY_WORST_K];
  size_t n_worst;
  /* the search (verdicts.h): 0 instances when not searched */
  size_t search_instances;
  double search_max_tightness;
  int search_violated;
  thy_check search_best;
  mdp *search_m; /* the search's tightest instance (owned) */
  double *search_pi, *search_pi2, search_alpha;
  /* ball-arithmetic certificate: -1 not attempted ('-'), 0 no, 1 yes */
  int certified;
} thy_verify_row;

typedef struct {
  size_t n_rows;
  thy_verify_row *rows;
  size_t n_instances;
  double seconds;
} thy_verify_report;

/* Runs the checks; a check that fails numerically is an error (TR_ENUM with the claim
 * and instance named).  *out is new. */
tr_status thy_verify_run(thy_verify_report **out, const thy_verify_opts *o);
void thy_verify_report_free(thy_verify_report *r);
/* The table: header `claim kind instances violations max_residual min_slack
 * median_tightness search_instances search_max_tightness verdict certified`, one row per
 * claim; "-" where a column does not apply.  verdict (thy_verify_row_verdict): `violated`
 * when a random or a searched instance violates the claim; `holds` when none does and the
 * adversarial search ran on the claim; `not_refuted` when no random instance violates it
 * and no search ran (not asked for, or the claim is outside the search: identities,
 * claims on distributions, course.c4).  One token, so the column stays one field. */
void thy_verify_write_tsv(const thy_verify_report *r, FILE *f);
/* The claim's verdict over random and searched instances: 1 violated, 0 not violated. */
int thy_verify_row_violated(const thy_verify_row *row);
/* "violated", "holds" or "not_refuted", as above. */
const char *thy_verify_row_verdict(const thy_verify_row *row);
/* Any violated claim of kind identity or bound (random or searched)? */
int thy_verify_failed(const thy_verify_report *r);

#endif
