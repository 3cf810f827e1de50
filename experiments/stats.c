/* experiments/stats.c — see stats.h */
#include "experiments/stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const exp_agg_names[EXP_AGG_COUNT] = {"mean", "median", "iqm", "opt_gap"};

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The finite-or-infinite (non-NaN) values of x, sorted, into buf (n); returns their count. */
static size_t sorted_copy(const double *x, size_t n, double *buf) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(x[i])) buf[k++] = x[i];
  qsort(buf, k, sizeof *buf, cmp_double);
  return k;
}

double exp_stats_mean(const double *x, size_t n) {
  double s = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(x[i])) s += x[i], k++;
  return k ? s / (double)k : NAN;
}

double exp_stats_opt_gap(const double *x, size_t n) {
  double s = 0;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(x[i])) s += x[i] < 1 ? 1 - x[i] : 0, k++;
  return k ? s / (double)k : NAN;
}

/* median and IQM sort a copy; a stack buffer serves the usual sizes */
#define STATS_STACK 512

static double order_stat(const double *x, size_t n, int iqm) {
  double stack[STATS_STACK], *buf = n <= STATS_STACK ? stack : malloc(n * sizeof *buf);
  if (!buf) return NAN;
  size_t k = sorted_copy(x, n, buf);
  double v = NAN;
  if (k && !iqm) v = k % 2 ? buf[k / 2] : 0.5 * (buf[k / 2 - 1] + buf[k / 2]);
  if (k && iqm) {
    size_t cut = k / 4; /* scipy.stats.trim_mean(x, 0.25): int(0.25 k) from each end */
    double s = 0;
    for (size_t i = cut; i < k - cut; i++) s += buf[i];
    v = s / (double)(k - 2 * cut);
  }
  if (buf != stack) free(buf);
  return v;
}

double exp_stats_median(const double *x, size_t n) { return order_stat(x, n, 0); }
double exp_stats_iqm(const double *x, size_t n) { return order_stat(x, n, 1); }

double exp_stats_aggregate(exp_agg a, const double *x, size_t n) {
  switch (a) {
  case EXP_AGG_MEAN: return exp_stats_mean(x, n);
  case EXP_AGG_MEDIAN: return exp_stats_median(x, n);
  case EXP_AGG_IQM: return exp_stats_iqm(x, n);
  case EXP_AGG_OPT_GAP: return exp_stats_opt_gap(x, n);
  default: return NAN;
  }
}

/* ---- the stratified bootstrap ------------------------------------------------------------ */

/* The percentile p ∈ [0, 1] of sorted v (n) by linear interpolation between order
 * statistics (numpy's default, which rliable's percentile intervals use). */
static double percentile_sorted(const double *v, size_t n, double p) {
  if (!n) return NAN;
  double h = p * (double)(n - 1);
  size_t i = (size_t)floor(h);
  if (i + 1 >= n) return v[n - 1];
  return v[i] + (h - (double)i) * (v[i + 1] - v[i]);
}

int exp_stats_bootstrap(const exp_stratum *strata, size_t T, exp_statistic f, void *ctx,
                        size_t R, gsl_rng *r, double *point, double *lo, double *hi) {
  *point = f(strata, T, ctx);
  *lo = *hi = NAN;
  size_t N = 0;
  for (size_t t = 0; t < T; t++) N += strata[t].n;
  double *pool = malloc((N ? N : 1) * sizeof *pool), *stat = malloc((R ? R : 1) * sizeof *stat);
  exp_stratum *rs = malloc((T ? T : 1) * sizeof *rs);
  if (!pool || !stat || !rs) {
    free(pool), free(stat), free(rs);
    return -1;
  }
  size_t kept = 0;
  for (size_t b = 0; b < R; b++) {
    double *p = pool;
    for (size_t t = 0; t < T; t++) { /* n_t draws with replacement from task t */
      for (size_t i = 0; i < strata[t].n; i++)
        p[i] = strata[t].x[gsl_rng_uniform_int(r, strata[t].n)];
      rs[t].x = p;
      rs[t].n = strata[t].n;
      p += strata[t].n;
    }
    double v = f(rs, T, ctx);
    if (!isnan(v)) stat[kept++] = v;
  }
  qsort(stat, kept, sizeof *stat, cmp_double);
  *lo = percentile_sorted(stat, kept, 0.025);
  *hi = percentile_sorted(stat, kept, 0.975);
  free(pool), free(stat), free(rs);
  return 0;
}

typedef struct {
  exp_agg a;
  double *buf; /* (N) the pooled runs */
} agg_ctx;

static double pooled_aggregate(const exp_stratum *s, size_t T, void *ctx) {
  agg_ctx *c = ctx;
  size_t k = 0;
  for (size_t t = 0; t < T; t++)
    for (size_t i = 0; i < s[t].n; i++) c->buf[k++] = s[t].x[i];
  return exp_stats_aggregate(c->a, c->buf, k);
}

int exp_stats_aggregate_ci(exp_agg a, const exp_stratum *strata, size_t T, size_t R, gsl_rng *r,
                           double *point, double *lo, double *hi) {
  size_t N = 0;
  for (size_t t = 0; t < T; t++) N += strata[t].n;
  agg_ctx c = {a, malloc((N ? N : 1) * sizeof(double))};
  if (!c.buf) {
    *point = *lo = *hi = NAN;
    return -1;
  }
  int rc = exp_stats_bootstrap(strata, T, pooled_aggregate, &c, R, r, point, lo, hi);
  free(c.buf);
  return rc;
}

/* ---- comparisons ------------------------------------------------------------------------- */

double exp_stats_prob_greater(const double *x, size_t n, const double *y, size_t m) {
  double s = 0;
  size_t nx = 0, ny = 0;
  for (size_t j = 0; j < m; j++) ny += !isnan(y[j]);
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i])) continue;
    nx++;
    for (size_t j = 0; j < m; j++) {
      if (isnan(y[j])) continue;
      s += x[i] > y[j] ? 1.0 : x[i] == y[j] ? 0.5 : 0.0;
    }
  }
  return nx && ny ? s / ((double)nx * (double)ny) : NAN;
}

/* strata 0..T-1 are X's tasks, T..2T-1 Y's */
static double mean_prob_greater(const exp_stratum *s, size_t TT, void *ctx) {
  (void)ctx;
  size_t T = TT / 2, k = 0;
  double sum = 0;
  for (size_t t = 0; t < T; t++) {
    double u = exp_stats_prob_greater(s[t].x, s[t].n, s[T + t].x, s[T + t].n);
    if (!isnan(u)) sum += u, k++;
  }
  return k ? sum / (double)k : NAN;
}

static int paired_bootstrap(const exp_stratum *x, const exp_stratum *y, size_t T, exp_statistic f,
                            size_t R, gsl_rng *r, double *point, double *lo, double *hi) {
  exp_stratum *s = malloc((T > 0 ? 2 * T : 1) * sizeof *s);
  if (!s) {
    *point = *lo = *hi = NAN;
    return -1;
  }
  memcpy(s, x, T * sizeof *s);
  memcpy(s + T, y, T * sizeof *s);
  int rc = exp_stats_bootstrap(s, 2 * T, f, NULL, R, r, point, lo, hi);
  free(s);
  return rc;
}

int exp_stats_prob_improvement(const exp_stratum *x, const exp_stratum *y, size_t T, size_t R,
                               gsl_rng *r, double *point, double *lo, double *hi) {
  return paired_bootstrap(x, y, T, mean_prob_greater, R, r, point, lo, hi);
}

static double diff_of_means(const exp_stratum *s, size_t TT, void *ctx) {
  (void)ctx, (void)TT;
  return exp_stats_mean(s[0].x, s[0].n) - exp_stats_mean(s[1].x, s[1].n);
}

int exp_stats_mean_diff_ci(const exp_stratum *x, const exp_stratum *y, size_t R, gsl_rng *r,
                           double *point, double *lo, double *hi) {
  return paired_bootstrap(x, y, 1, diff_of_means, R, r, point, lo, hi);
}

/* mean and unbiased variance of the non-NaN values; returns their count */
static size_t mean_var(const double *x, size_t n, double *mean, double *var) {
  size_t k = 0;
  double m = 0, m2 = 0;
  for (size_t i = 0; i < n; i++) { /* Welford */
    if (isnan(x[i])) continue;
    k++;
    double d = x[i] - m;
    m += d / (double)k;
    m2 += d * (x[i] - m);
  }
  *mean = m;
  *var = k > 1 ? m2 / (double)(k - 1) : NAN;
  return k;
}

void exp_stats_welch(const double *x, size_t n, const double *y, size_t m, double *t, double *df,
                     double *p) {
  double mx, vx, my, vy;
  size_t kx = mean_var(x, n, &mx, &vx), ky = mean_var(y, m, &my, &vy);
  *t = *df = *p = NAN;
  if (kx < 2 || ky < 2) return;
  double a = vx / (double)kx, b = vy / (double)ky, se2 = a + b;
  if (!(se2 > 0)) return;
  *t = (mx - my) / sqrt(se2);
  *df = se2 * se2 / (a * a / (double)(kx - 1) + b * b / (double)(ky - 1));
  *p = 2 * gsl_cdf_tdist_Q(fabs(*t), *df);
}

/* ---- performance profiles ------------------------------------------------------------------ */

typedef struct {
  double tau;
} profile_ctx;

static double share_above(const exp_stratum *s, size_t T, void *ctx) {
  double tau = ((profile_ctx *)ctx)->tau;
  size_t k = 0, above = 0;
  for (size_t t = 0; t < T; t++)
    for (size_t i = 0; i < s[t].n; i++)
      if (!isnan(s[t].x[i])) k++, above += s[t].x[i] > tau;
  return k ? (double)above / (double)k : NAN;
}

int exp_stats_profile(const exp_stratum *strata, size_t T, const double *tau, size_t G, size_t R,
                      gsl_rng *r, double *prof, double *lo, double *hi) {
  int rc = 0;
  for (size_t g = 0; g < G && !rc; g++) {
    profile_ctx c = {tau[g]};
    rc = exp_stats_bootstrap(strata, T, share_above, &c, R, r, &prof[g], &lo[g], &hi[g]);
  }
  return rc;
}

/* ---- rank correlation -------------------------------------------------------------------- */

typedef struct {
  double v;
  size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  return (x->v > y->v) - (x->v < y->v);
}

/* mean ranks (1-based) of v (n) into rank (n) */
static int mean_ranks(const double *v, size_t n, double *rank) {
  ranked *r = malloc((n ? n : 1) * sizeof *r);
  if (!r) return -1;
  for (size_t i = 0; i < n; i++) r[i] = (ranked){v[i], i};
  qsort(r, n, sizeof *r, cmp_ranked);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && r[j + 1].v == r[i].v) j++;
    double mean = 0.5 * (double)(i + j) + 1;
    for (size_t k = i; k <= j; k++) rank[r[k].i] = mean;
    i = j + 1;
  }
  free(r);
  return 0;
}

double exp_stats_spearman(const double *a, const double *b, size_t n, size_t *used) {
  double *buf = malloc((n > 0 ? 4 * n : 1) * sizeof *buf);
  *used = 0;
  if (!buf) return NAN;
  double *x = buf, *y = buf + n, *rx = buf + 2 * n, *ry = buf + 3 * n;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(a[i]) && !isnan(b[i])) x[k] = a[i], y[k++] = b[i];
  *used = k;
  double rho = NAN;
  if (k >= 2 && !mean_ranks(x, k, rx) && !mean_ranks(y, k, ry)) {
    /* Pearson's correlation of the ranks (exact with ties) */
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < k; i++) mx += rx[i], my += ry[i];
    mx /= (double)k, my /= (double)k;
    for (size_t i = 0; i < k; i++) {
      sxy += (rx[i] - mx) * (ry[i] - my);
      sxx += (rx[i] - mx) * (rx[i] - mx);
      syy += (ry[i] - my) * (ry[i] - my);
    }
    if (sxx > 0 && syy > 0) rho = sxy / sqrt(sxx * syy);
  }
  free(buf);
  return rho;
}
