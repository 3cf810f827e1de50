/* experiments/aggregates.c — see aggregates.h.  Letters: V rows, E environments, R runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "experiments/results.h"

double exp_table_normalized(const exp_table *t, size_t k) {
  size_t e = t->runs[k].env;
  double den = t->best[e] - t->random[e];
  if (!isfinite(t->score[k]) || !isfinite(den) || den == 0) return NAN;
  return (t->score[k] - t->random[e]) / den;
}

/* Run k's raw score (NAN when missing). */
static double raw_score(const exp_table *t, size_t k) { return t->score[k]; }

/* A run's value for the statistics: normalized or raw; NAN leaves the run out. */
typedef double (*run_value)(const exp_table *t, size_t k);

/* The runs' values grouped by (row, environment) cell: x (R) holds them cell by cell,
 * cell[v * E + e] points into x. */
typedef struct {
  double *x;
  exp_stratum *cell; /* (V E) */
} cells;

static tr_status cells_fill(const exp_table *t, run_value value, cells *c) {
  size_t V = t->s->n_variants, E = t->s->n_envs, R = t->n_runs;
  c->x = malloc((R ? R : 1) * sizeof *c->x);
  c->cell = calloc(V * E > 0 ? V * E : 1, sizeof *c->cell);
  if (!c->x || !c->cell) return tr_error(TR_ENOMEM, "out of memory: table aggregates");
  size_t *count = calloc(V * E > 0 ? V * E : 1, sizeof *count);
  if (!count) return tr_error(TR_ENOMEM, "out of memory: table aggregates");
  for (size_t k = 0; k < R; k++)
    if (isfinite(value(t, k))) count[t->runs[k].variant * E + t->runs[k].env]++;
  size_t off = 0;
  for (size_t i = 0; i < V * E; i++) {
    c->cell[i].x = c->x + off;
    c->cell[i].n = 0;
    off += count[i];
  }
  for (size_t k = 0; k < R; k++) {
    double z = value(t, k);
    if (!isfinite(z)) continue;
    exp_stratum *s = &c->cell[t->runs[k].variant * E + t->runs[k].env];
    ((double *)s->x)[s->n++] = z;
  }
  free(count);
  return TR_OK;
}

/* ρ between the rows' mean normalized scores and the paper: the statistic of the (V E)
 * cell strata; ctx holds V, E and the paper column. */
typedef struct {
  size_t V, E;
  const double *paper; /* (V) */
  double *a, *b;       /* (V) scratch */
} rho_ctx;

static double rho_of_cells(const exp_stratum *s, size_t T, void *ctx) {
  rho_ctx *c = ctx;
  (void)T;
  for (size_t v = 0; v < c->V; v++) {
    double sum = 0;
    size_t n = 0;
    for (size_t e = 0; e < c->E; e++)
      for (size_t i = 0; i < s[v * c->E + e].n; i++) sum += s[v * c->E + e].x[i], n++;
    c->a[v] = n && isfinite(c->paper[v]) ? sum / (double)n : NAN;
    c->b[v] = c->paper[v];
  }
  size_t used;
  return exp_stats_spearman(c->a, c->b, c->V, &used);
}

tr_status exp_table_aggregates(exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  t->rho_lo = t->rho_hi = NAN;
  if (!s->normalize) return TR_OK;
  cells c = {0};
  tr_status st = cells_fill(t, exp_table_normalized, &c);
  gsl_rng *r = st ? NULL : tr_rng_alloc(EXP_AGG_SEED);
  double *paper = calloc(V, sizeof *paper), *a = calloc(V, sizeof *a), *b = calloc(V, sizeof *b);
  t->agg = calloc(V, sizeof *t->agg);
  if (!st && (!r || !paper || !a || !b || !t->agg))
    st = tr_error(TR_ENOMEM, "out of memory: table aggregates");
  for (size_t v = 0; !st && v < V; v++) {
    exp_row_agg *g = &t->agg[v];
    const exp_stratum *row = &c.cell[v * E]; /* the row's E strata */
    for (size_t e = 0; e < E; e++) g->n += row[e].n;
    for (int k = 0; k < EXP_AGG_COUNT && !st; k++)
      if (exp_stats_aggregate_ci((exp_agg)k, row, E, EXP_AGG_RESAMPLES, r, &g->point[k], &g->lo[k],
                                 &g->hi[k]))
        st = tr_error(TR_ENOMEM, "out of memory: table aggregates");
  }
  if (!st) {
    for (size_t v = 0; v < V; v++) paper[v] = s->variants[v].paper;
    rho_ctx rc = {V, E, paper, a, b};
    double point;
    if (exp_stats_bootstrap(c.cell, V * E, rho_of_cells, &rc, EXP_AGG_RESAMPLES, r, &point,
                            &t->rho_lo, &t->rho_hi))
      st = tr_error(TR_ENOMEM, "out of memory: table aggregates");
  }
  if (r) gsl_rng_free(r);
  free(paper), free(a), free(b), free(c.x), free(c.cell);
  return st;
}

tr_status exp_table_cell_cis(const exp_table *t, double *lo, double *hi) {
  size_t C = t->s->n_variants * t->s->n_envs;
  for (size_t i = 0; i < C; i++) lo[i] = hi[i] = NAN;
  cells c = {0};
  tr_status st = cells_fill(t, raw_score, &c);
  gsl_rng *r = st ? NULL : tr_rng_alloc(EXP_AGG_SEED);
  if (!st && !r) st = tr_error(TR_ENOMEM, "out of memory: table intervals");
  for (size_t i = 0; !st && i < C; i++) {
    double point;
    if (c.cell[i].n < 2) continue;
    if (exp_stats_aggregate_ci(EXP_AGG_MEAN, &c.cell[i], 1, EXP_AGG_RESAMPLES, r, &point, &lo[i],
                               &hi[i]))
      st = tr_error(TR_ENOMEM, "out of memory: table intervals");
  }
  if (r) gsl_rng_free(r);
  free(c.x), free(c.cell);
  return st;
}

/* The ratio of the two strata's means: s[0] a row's runs, s[1] the baseline row's. */
static double ratio_of_means(const exp_stratum *s, size_t T, void *ctx) {
  (void)T, (void)ctx;
  double m = exp_stats_mean(s[0].x, s[0].n), b = exp_stats_mean(s[1].x, s[1].n);
  return isfinite(m) && isfinite(b) && b != 0 ? m / b : NAN;
}

tr_status exp_table_baseline_ratios(const exp_table *t, double *ratio, double *lo, double *hi) {
  size_t V = t->s->n_variants, E = t->s->n_envs, B = t->s->baseline_v;
  for (size_t i = 0; i < V * E; i++) ratio[i] = lo[i] = hi[i] = NAN;
  if (B >= V) return TR_OK;
  cells c = {0};
  tr_status st = cells_fill(t, raw_score, &c);
  gsl_rng *r = st ? NULL : tr_rng_alloc(EXP_AGG_SEED);
  if (!st && !r) st = tr_error(TR_ENOMEM, "out of memory: table ratios");
  for (size_t v = 0; !st && v < V; v++)
    for (size_t e = 0; !st && e < E; e++) {
      size_t i = v * E + e;
      exp_stratum two[2] = {c.cell[i], c.cell[B * E + e]};
      if (v == B) { /* the baseline against itself: 1 wherever its mean is a finite non-zero */
        ratio[i] = isfinite(ratio_of_means(two, 2, NULL)) ? 1.0 : NAN;
        continue;
      }
      if (two[0].n < 2 || two[1].n < 2) {
        ratio[i] = ratio_of_means(two, 2, NULL); /* no interval from one seed */
        continue;
      }
      if (exp_stats_bootstrap(two, 2, ratio_of_means, NULL, EXP_AGG_RESAMPLES, r, &ratio[i],
                              &lo[i], &hi[i]))
        st = tr_error(TR_ENOMEM, "out of memory: table ratios");
    }
  if (r) gsl_rng_free(r);
  free(c.x), free(c.cell);
  return st;
}
