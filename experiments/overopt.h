/* experiments/overopt.h — reward-model overoptimization, measured exactly (issue 22 item 5;
 * GPS_RLHF.md § 4.2, § 5): for specs whose runs have the exact RLHF columns of progress.tsv
 * (gold_J, proxy_J, kl_ref: tabular environments, rlhf.h), per row (variant, environment)
 * gold J against d = √KL, d = sqrt_kl_ref (per-step KL(π ‖ π_ref) under d_π), with
 *
 *   Gao et al.'s RL form  R(d) = d (α − β log d),  R = gold_J − J_ref,  R(0) = 0,
 *
 * J_ref the gold J of the initial policy: the exact_J in the summary.ini of the row's
 * ref_policy run on that environment (spec.h; the saved policy the runs start from), else —
 * no ref_policy — the run's first gold_J (an approximation: one iteration in).  The fit is
 * least squares without intercept on the features (d, −d log d) over the run's iterations;
 * R² = 1 − Σ(R − R̂)² / Σ(R − mean R)².
 *
 * Per run (its iterations with finite gold_J, proxy_J and kl_ref):
 *   alpha, beta, r2   the fit above (NAN with fewer than 3 points, or collinear features)
 *   kl_peak           kl_ref at the iteration of the largest gold_J (the first such)
 *   gain_peak         gold_J there − J_ref
 *   gold_lost         gold_J at the peak − gold_J at the last iteration (≥ 0)
 *   proxy_gain        proxy_J at the last iteration − proxy_J at the peak: overoptimization
 *                     is gold_lost > 0 while proxy_gain > 0
 * Per cell: mean ± s.e. over the cell's runs with a finite value. */
#ifndef EXP_OVEROPT_H
#define EXP_OVEROPT_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "experiments/results.h"

enum { EXP_OO_ALPHA, EXP_OO_BETA, EXP_OO_R2, EXP_OO_KL_PEAK, EXP_OO_GAIN_PEAK, EXP_OO_GOLD_LOST,
       EXP_OO_PROXY_GAIN, EXP_OO_M };
extern const char *const exp_oo_names[EXP_OO_M];

/* Gao's fit of R (n) at d (n) (see above). */
void exp_oo_fit(const double *d, const double *R, size_t n, double *alpha, double *beta,
                double *r2);
/* One run's measures (out: EXP_OO_M) from its gold, proxy and kl (n) and J_ref. */
void exp_oo_run(const double *gold, const double *proxy, const double *kl, size_t n,
                double j_ref, double *out);

typedef struct {
  const exp_table *t;
  double *j_ref;        /* (R) J_ref of each run (NAN: no data) */
  int *ref_exact;       /* (R) 1: from the ref_policy run, 0: the first gold_J */
  double *run;          /* (R, M) */
  double *mean, *se;    /* (V, E, M) */
  size_t *n;            /* (V, E, M) */
  size_t found;         /* runs with the columns */
} exp_oo;

/* Reads the runs' progress.tsv (and the ref_policy runs' summary.ini).  x->found = 0 when no
 * run has the columns (the section and figures are then left out). */
tr_status exp_oo_load(exp_oo *x, const exp_table *t);
void exp_oo_free(exp_oo *x);
/* The table section ("## Reward-model overoptimization"), when x->found. */
void exp_oo_write(FILE *f, const exp_oo *x);
/* Load, write, free: nothing when the runs lack the columns. */
tr_status exp_oo_section(FILE *f, const exp_table *t);
/* plots/overopt_<variant>_<env>: each run's gold J − J_ref against √KL with the fit of the
 * cell's mean α, β; base names appended to bases (room for V E more), *n_fig counts them. */
tr_status exp_oo_figures(const exp_table *t, const char *pdir, char (*bases)[256], size_t *n_fig);

#endif
