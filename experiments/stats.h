/* experiments/stats.h — statistics of few-run results (Agarwal et al. 2021, NeurIPS, "Deep
 * Reinforcement Learning at the Edge of the Statistical Precipice"; REFERENCES.md § 5.2).
 *
 * Letters: T tasks (strata), n_t runs of task t, N = Σ n_t runs pooled, R bootstrap
 * resamples, G points of a grid.  Scores are normalized (random 0, target 1) by the caller.
 *
 * Aggregates of the pooled runs x (N):
 *   mean     Σ x / N
 *   median   the middle order statistic (mean of the two middle ones when N is even)
 *   IQM      the interquartile mean: sort x, drop ⌊N/4⌋ runs at each end, average the rest
 *            (scipy.stats.trim_mean(x, 0.25), which rliable uses; the middle 50% exactly
 *            when 4 divides N)
 *   opt_gap  optimality gap Σ max(1 − x, 0) / N (the mean shortfall below the target 1)
 *
 * Stratified bootstrap: a resample draws n_t runs with replacement from task t's own runs,
 * for every t; an aggregate is recomputed on each of R resamples and the 95% interval is the
 * 2.5th and 97.5th percentiles of those R values (the percentile method).  Seeded by the
 * caller's gsl_rng, so intervals are reproducible.
 *
 * Probability of improvement P(X > Y) over tasks: per task the Mann–Whitney statistic
 *   U_t = (1/(n m)) Σ_i Σ_j ( [x_i > y_j] + ½ [x_i = y_j] ),
 * averaged over the tasks; its interval resamples X's and Y's runs of each task
 * independently.
 *
 * Welch's t-test: t = (x̄ − ȳ)/√(s_x²/n + s_y²/m), ν by Welch–Satterthwaite, p two-sided. */
#ifndef EXP_STATS_H
#define EXP_STATS_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

/* The runs of one task (stratum): x (n). */
typedef struct {
  const double *x;
  size_t n;
} exp_stratum;

typedef enum { EXP_AGG_MEAN = 0, EXP_AGG_MEDIAN, EXP_AGG_IQM, EXP_AGG_OPT_GAP, EXP_AGG_COUNT } exp_agg;
extern const char *const exp_agg_names[EXP_AGG_COUNT]; /* "mean", "median", "iqm", "opt_gap" */

/* Aggregates of the pooled values x (n, any order; NaN values are skipped); NaN when empty. */
double exp_stats_mean(const double *x, size_t n);
double exp_stats_median(const double *x, size_t n);
double exp_stats_iqm(const double *x, size_t n);
double exp_stats_opt_gap(const double *x, size_t n);
double exp_stats_aggregate(exp_agg a, const double *x, size_t n);

/* A statistic of T strata (each already resampled); ctx is the caller's. */
typedef double (*exp_statistic)(const exp_stratum *strata, size_t T, void *ctx);

/* The statistic on the data (*point) and its stratified-bootstrap 95% interval [*lo, *hi]
 * over R resamples drawn from r.  Returns 0, or -1 when out of memory (results NaN). */
int exp_stats_bootstrap(const exp_stratum *strata, size_t T, exp_statistic f, void *ctx,
                        size_t R, gsl_rng *r, double *point, double *lo, double *hi);

/* An aggregate of the pooled strata with its stratified-bootstrap interval. */
int exp_stats_aggregate_ci(exp_agg a, const exp_stratum *strata, size_t T, size_t R, gsl_rng *r,
                           double *point, double *lo, double *hi);

/* Mann–Whitney U/(n m) of x (n) against y (m), ties counting ½; NaN when either is empty. */
double exp_stats_prob_greater(const double *x, size_t n, const double *y, size_t m);
/* P(X > Y) averaged over T tasks (x[t] against y[t]) and its bootstrap interval. */
int exp_stats_prob_improvement(const exp_stratum *x, const exp_stratum *y, size_t T, size_t R,
                               gsl_rng *r, double *point, double *lo, double *hi);

/* The difference of means x̄ − ȳ with a bootstrap interval (x and y resampled apart). */
int exp_stats_mean_diff_ci(const exp_stratum *x, const exp_stratum *y, size_t R, gsl_rng *r,
                           double *point, double *lo, double *hi);

/* Welch's t-test of x (n) against y (m): t, degrees of freedom, two-sided p.  NaN when a
 * sample has fewer than 2 values or both variances are 0. */
void exp_stats_welch(const double *x, size_t n, const double *y, size_t m, double *t, double *df,
                     double *p);

/* Performance profile: for each τ of tau (G), the share of pooled runs whose score exceeds
 * τ, with a stratified-bootstrap 95% band; prof, lo, hi are (G). */
int exp_stats_profile(const exp_stratum *strata, size_t T, const double *tau, size_t G, size_t R,
                      gsl_rng *r, double *prof, double *lo, double *hi);

/* Spearman's rank correlation of a and b (n, NaN pairs skipped; ties get mean ranks);
 * NaN with fewer than 2 pairs or a constant side.  *used counts the pairs. */
double exp_stats_spearman(const double *a, const double *b, size_t n, size_t *used);

#endif
