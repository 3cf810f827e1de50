/* tests/test_stats.c — experiments/stats.c against values worked out by hand, and the
 * stratified bootstrap's coverage against a known truth.
 *
 * Hand values (x = {0.3, 1.7, −2.0, 9.5, 0.9, 1.1, 4.0}, sorted −2.0 0.3 0.9 1.1 1.7 4.0 9.5):
 *   mean 15.5/7; median 1.1; IQM drops ⌊7/4⌋ = 1 at each end: (0.3+0.9+1.1+1.7+4.0)/5 = 1.6;
 *   optimality gap (0.7 + 3.0 + 0.1)/7 = 3.8/7.
 *   {1..8}: IQM (3+4+5+6)/4 = 4.5 (the middle 50% exactly); median of {4,1,3,2} = 2.5.
 *   P(X>Y), x = {1,2,3}, y = {2,2,4}: x=1 → 0; x=2 → ½+½; x=3 → 1+1; 3/9 = 1/3.
 *   Welch, x = {1,2,3,4}, y = {2,4,6,8,10}: t = −3.5/√(5/12 + 2) = −2.2514363231593691,
 *   ν = 5.5207877461706783, p = 0.069133593192392413 (mpmath, 30 digits, I_x(ν/2, ½)).
 *   Spearman {1,2,3,4} vs {10,30,20,40}: 1 − 6·2/(4·15) = 0.8; with ties {1,2,2,3} vs
 *   {1,2,3,4}: ranks (1, 2.5, 2.5, 4): Pearson of ranks 4.5/√(4.5·5) = 3/√10. */
#include <gsl/gsl_randist.h>
#include <math.h>

#include "core/rng.h"
#include "experiments/stats.h"
#include "tests/check.h"

static void test_hand_values(void) {
  const double x[] = {0.3, 1.7, -2.0, 9.5, 0.9, 1.1, 4.0};
  CHECK_CLOSE(exp_stats_mean(x, 7), 15.5 / 7, 1e-15, 0, "mean");
  CHECK_CLOSE(exp_stats_median(x, 7), 1.1, 0, 0, "median (odd)");
  CHECK_CLOSE(exp_stats_iqm(x, 7), 1.6, 1e-15, 0, "IQM (7 values)");
  CHECK_CLOSE(exp_stats_opt_gap(x, 7), 3.8 / 7, 1e-15, 0, "optimality gap");
  const double e[] = {5, 1, 8, 3, 7, 2, 6, 4}, f[] = {4, 1, 3, 2};
  CHECK_CLOSE(exp_stats_iqm(e, 8), 4.5, 0, 0, "IQM of 1..8");
  CHECK_CLOSE(exp_stats_median(f, 4), 2.5, 0, 0, "median (even)");
  const double withnan[] = {NAN, 2, 4};
  CHECK_CLOSE(exp_stats_mean(withnan, 3), 3, 0, 0, "NaN skipped");
  CHECK(isnan(exp_stats_iqm(NULL, 0)), "IQM of nothing is NaN");
  for (int a = 0; a < EXP_AGG_COUNT; a++)
    CHECK(exp_stats_aggregate((exp_agg)a, x, 7) == (a == 0   ? exp_stats_mean(x, 7)
                                                    : a == 1 ? exp_stats_median(x, 7)
                                                    : a == 2 ? exp_stats_iqm(x, 7)
                                                             : exp_stats_opt_gap(x, 7)),
          "aggregate %s dispatches", exp_agg_names[a]);

  const double px[] = {1, 2, 3}, py[] = {2, 2, 4};
  CHECK_CLOSE(exp_stats_prob_greater(px, 3, py, 3), 1.0 / 3, 1e-15, 0, "Mann-Whitney with ties");
  CHECK_CLOSE(exp_stats_prob_greater(py, 3, px, 3), 2.0 / 3, 1e-15, 0, "P(Y>X) = 1 - P(X>Y)");

  const double wx[] = {1, 2, 3, 4}, wy[] = {2, 4, 6, 8, 10};
  double t, df, p;
  exp_stats_welch(wx, 4, wy, 5, &t, &df, &p);
  CHECK_CLOSE(t, -2.2514363231593691, 1e-14, 0, "Welch t");
  CHECK_CLOSE(df, 5.5207877461706783, 1e-13, 0, "Welch-Satterthwaite df");
  CHECK_CLOSE(p, 0.069133593192392413, 1e-12, 0, "Welch two-sided p");
  const double one[] = {1};
  exp_stats_welch(one, 1, wy, 5, &t, &df, &p);
  CHECK(isnan(t) && isnan(p), "Welch with one value is NaN");

  size_t used;
  const double sa[] = {1, 2, 3, 4}, sb[] = {10, 30, 20, 40};
  CHECK_CLOSE(exp_stats_spearman(sa, sb, 4, &used), 0.8, 1e-15, 0, "Spearman");
  CHECK(used == 4, "pairs used");
  const double ta[] = {1, 2, 2, 3};
  CHECK_CLOSE(exp_stats_spearman(ta, sa, 4, &used), 3 / sqrt(10), 1e-15, 0, "Spearman with ties");
  const double na[] = {1, NAN, 3, 4}, nb[] = {10, 30, 20, 40};
  CHECK_CLOSE(exp_stats_spearman(na, nb, 4, &used), 1.0, 1e-15, 0, "Spearman skips NaN pairs (10,20,40 rise with 1,3,4)");
  CHECK(used == 3, "3 pairs used");
}

static void test_profile_and_determinism(void) {
  const double a[] = {0.3, 0.6}, b[] = {0.9, 1.2};
  exp_stratum s[] = {{a, 2}, {b, 2}};
  const double tau[] = {0.5, 1.0, 2.0};
  double prof[3], lo[3], hi[3];
  gsl_rng *r = tr_rng_alloc(7);
  CHECK(exp_stats_profile(s, 2, tau, 3, 500, r, prof, lo, hi) == 0, "profile runs");
  CHECK_CLOSE(prof[0], 0.75, 0, 0, "3 of 4 runs above 0.5");
  CHECK_CLOSE(prof[1], 0.25, 0, 0, "1 of 4 runs above 1");
  CHECK_CLOSE(prof[2], 0, 0, 0, "none above 2");
  /* stratified: each task keeps its own runs, so task b alone decides τ = 1: {0.9, 1.2}
   * resampled gives 0, 1 or 2 runs above → shares 0, 0.25, 0.5 */
  CHECK(lo[1] >= 0 && hi[1] <= 0.5, "the band at τ = 1 stays within what the strata allow");
  CHECK(lo[0] >= 0.5 && hi[0] <= 1, "the band at τ = 0.5 stays within [0.5, 1]");
  /* the same seed gives the same interval */
  double p1, l1, h1, p2, l2, h2;
  gsl_rng *r1 = tr_rng_alloc(11), *r2 = tr_rng_alloc(11);
  exp_stats_aggregate_ci(EXP_AGG_IQM, s, 2, 2000, r1, &p1, &l1, &h1);
  exp_stats_aggregate_ci(EXP_AGG_IQM, s, 2, 2000, r2, &p2, &l2, &h2);
  CHECK(p1 == p2 && l1 == l2 && h1 == h2, "seeded bootstrap is reproducible");
  CHECK(l1 <= p1 && p1 <= h1, "the interval holds the point estimate here");
  gsl_rng_free(r), gsl_rng_free(r1), gsl_rng_free(r2);
}

/* Coverage: 3 tasks, 10 runs each from N(μ_t, 1), μ = (0, 1, 2).  The pooled mean and the
 * pooled IQM both estimate 1 (the equal mixture is symmetric about 1, so its 25%-trimmed
 * mean is 1).  Over M = 600 simulated data sets, the 95% stratified-bootstrap interval (1000
 * resamples) must hold the truth in ≈ 95% of cases.  The percentile bootstrap under-covers
 * slightly at n = 10 per stratum (≈ 0.93–0.94); the binomial s.d. at M = 600 is 0.009, so
 * [0.90, 0.98] is > 3 s.d. from both the nominal and the small-sample value, and an interval
 * that ignored stratification or used a wrong percentile would fall outside it.  A P(X > Y)
 * interval for two equal distributions must hold ½ as often. */
static void test_coverage(void) {
  enum { T = 3, N = 10, M = 600, R = 1000 };
  gsl_rng *r = tr_rng_alloc(20211206);
  double data[T][N], ydata[T][N];
  exp_stratum s[T], y[T];
  size_t hit_mean = 0, hit_iqm = 0, hit_poi = 0;
  for (int m = 0; m < M; m++) {
    for (int t = 0; t < T; t++) {
      for (int i = 0; i < N; i++) {
        data[t][i] = t + gsl_ran_gaussian(r, 1.0);
        ydata[t][i] = t + gsl_ran_gaussian(r, 1.0);
      }
      s[t] = (exp_stratum){data[t], N};
      y[t] = (exp_stratum){ydata[t], N};
    }
    double p, lo, hi;
    exp_stats_aggregate_ci(EXP_AGG_MEAN, s, T, R, r, &p, &lo, &hi);
    hit_mean += lo <= 1 && 1 <= hi;
    exp_stats_aggregate_ci(EXP_AGG_IQM, s, T, R, r, &p, &lo, &hi);
    hit_iqm += lo <= 1 && 1 <= hi;
    exp_stats_prob_improvement(s, y, T, R / 4, r, &p, &lo, &hi);
    hit_poi += lo <= 0.5 && 0.5 <= hi;
  }
  double cm = (double)hit_mean / M, ci = (double)hit_iqm / M, cp = (double)hit_poi / M;
  printf("coverage of 95%% intervals over %d data sets: mean %.3f, IQM %.3f, P(X>Y) %.3f\n", M, cm,
         ci, cp);
  CHECK(cm >= 0.90 && cm <= 0.98, "mean interval coverage %.3f", cm);
  CHECK(ci >= 0.90 && ci <= 0.98, "IQM interval coverage %.3f", ci);
  CHECK(cp >= 0.90 && cp <= 0.99, "P(X>Y) interval coverage %.3f", cp);
  gsl_rng_free(r);
}

int main(void) {
  test_hand_values();
  test_profile_and_determinism();
  test_coverage();
  return check_done("test_stats");
}
