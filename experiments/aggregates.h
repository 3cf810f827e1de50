/* experiments/aggregates.h — a table's rows as few-run statistics (stats.h; Agarwal et al.
 * 2021; REFERENCES.md § 5.2): over the normalized scores of a row's runs on every
 * environment, the mean, median, IQM and optimality gap, each with its stratified-bootstrap
 * 95% interval (the environments are the strata), and Spearman's ρ with the paper with its
 * interval (strata: the (row, environment) cells; each resample recomputes the row scores,
 * random and best held fixed).  Seeded with EXP_AGG_SEED, so a table is the same every time
 * it is made.  The functions are declared in results.h (they work on an exp_table). */
#ifndef EXP_AGGREGATES_H
#define EXP_AGGREGATES_H

#include <stddef.h>

#include "experiments/stats.h"

#define EXP_AGG_RESAMPLES 2000
#define EXP_AGG_SEED 20211206u /* fixed: tables are reproducible */

/* One row: point, lo, hi per aggregate (exp_agg order), over n normalized runs. */
typedef struct {
  double point[EXP_AGG_COUNT], lo[EXP_AGG_COUNT], hi[EXP_AGG_COUNT];
  size_t n;
} exp_row_agg;

#endif
