/* algorithms/preferences.h — trajectory segments and a synthetic labeler's comparisons.
 *
 * Letters: k steps per segment, I the width of a step's features (0 on tabular
 * environments, where a step is the index s·A + a), K segments per query.
 *
 * A segment is k consecutive steps of one episode (s_t, a_t), with its true undiscounted
 * return R = Σ r(s_t, a_t).  A query shows K segments to the labeler, which ranks them;
 * the ranking becomes all C(K,2) pairs (InstructGPT § 3.5; K = 2 is Christiano et al.'s pair).
 * The synthetic labeler (REFERENCES.md § 9, GPS_RLHF.md § 4.1):
 *   with probability ε a uniformly random ranking (Christiano: 10% random answers),
 *   else Plackett–Luce on the true returns at temperature τ: the next-ranked segment drawn
 *   with probability ∝ exp(R/τ) among those left — for K = 2 the Bradley–Terry model
 *   P[σ¹ ≻ σ²] = 1 / (1 + exp(−(R¹ − R²)/τ));
 *   τ = 0: the noiseless oracle (sorted by R; segments of equal R tie: label ½).
 * A comparison (a, b, μ) says "a ≻ b with probability μ" (μ ∈ {0, ½, 1}); soft = 1 (the
 * limit of infinitely many labels per pair, for tests) labels each pair of a query with the
 * Bradley–Terry probability itself.
 *
 * Segments are cut from a stream of steps (alg_pref_add_steps): each finished episode of
 * length L ≥ k gives ⌊(L − o)/k⌋ non-overlapping segments from a uniform offset
 * o ∈ [0, L mod k]; shorter episodes give none. */
#ifndef ALG_PREFERENCES_H
#define ALG_PREFERENCES_H

#include <gsl/gsl_rng.h>
#include <stdio.h>

#include "../core/error.h"

typedef struct {
  size_t a, b;      /* segment indices: a ≻ b with probability mu */
  double mu;        /* the label */
  double p;         /* the Bradley–Terry probability of a ≻ b (τ = 0: 1, ½ or 0) */
  size_t query;     /* the query it came from */
  size_t iter;      /* the training iteration before which it was labeled */
  int random;       /* the query's ranking was the ε random answer */
} alg_pref_cmp;

typedef struct {
  size_t k, I;        /* segment length; feature width (0: tabular indices) */
  size_t n_seg, cap_seg;
  size_t *idx;        /* (cap_seg, k) tabular steps s·A + a */
  double *feat;       /* (cap_seg, k, I) feature steps */
  double *ret;        /* (cap_seg) true segment returns */
  int *source;        /* (cap_seg) 0: the reference policy, 1: the current one */
  size_t n_cmp, cap_cmp, n_query;
  alg_pref_cmp *cmp;
  /* the episode being cut (alg_pref_add_steps): its steps so far */
  size_t ep_n, ep_cap;
  size_t *ep_idx;
  double *ep_feat, *ep_rew;
  size_t episodes_seen, longest_episode;
} alg_pref_data;

alg_pref_data *alg_pref_data_alloc(size_t k, size_t I);
void alg_pref_data_free(alg_pref_data *d);

/* Append n steps of one environment's stream (idx (n) or feat (n, I), rew (n), done (n):
 * 1 where the episode ends after the step); segments are cut at each episode's end and
 * tagged with source.  *made (may be NULL) gets the number of new segments. */
tr_status alg_pref_add_steps(alg_pref_data *d, const size_t *idx, const double *feat,
                             const double *rew, const unsigned char *done, size_t n, int source,
                             gsl_rng *r, size_t *made);
/* Add one segment directly (idx (k) or feat (k, I)); its index into *id (may be NULL). */
tr_status alg_pref_add_segment(alg_pref_data *d, const size_t *idx, const double *feat,
                               double ret, int source, size_t *id);

/* The labeler on one query of segments seg (K ≥ 2): appends its C(K,2) comparisons. */
tr_status alg_pref_label(alg_pref_data *d, const size_t *seg, size_t K, double temperature,
                         double epsilon, int soft, size_t iter, gsl_rng *r);

/* The whole record (segments, comparisons, the episode being cut, the counters) through the
 * checkpoint visitor (checkpoint.h), blocks named PREFIX.*: a resumed run labels on as the
 * uninterrupted one. */
typedef struct alg_ckpt_io alg_ckpt_io;
tr_status alg_pref_data_ckpt(alg_pref_data *d, alg_ckpt_io *io, const char *prefix);

/* The comparisons as a TSV (README "After training"): a header, then one row per
 * comparison: query iter a b return_a return_b p_bt label random source_a source_b, and on
 * tabular environments steps_a steps_b (k "s:a" items joined by ','). */
tr_status alg_pref_write_tsv(const alg_pref_data *d, size_t A, FILE *f);

#endif
