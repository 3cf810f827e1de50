/* experiments/exact_diag.h — exact truth against the sampled estimates, for specs scored by
 * exact_J on tabular environments: per run, from its progress.tsv, summary.ini and config.ini,
 * the diagnostics below; per (variant, environment) cell their mean and standard error over
 * seeds (`trbench table` writes them to diagnostics.md/.csv, `trbench plot` draws them).
 *
 * Letters: V variants, E environments, R runs, N iterations of a run, M diagnostics.
 *
 * Per run (iterations with a finite column only):
 *   share_opt   (J − J_rand)/(J* − J_rand): J the final policy's exact J (summary.ini
 *               exact_J), J* the optimum by policy iteration (summary.ini optimal_J), J_rand
 *               the exact J of the uniform policy on the environment's MDP (its own γ)
 *   neg         the number of iterations with exact_improvement < 0
 *   neg_share   neg / the iterations with a finite exact_improvement
 *   kl_med      median over iterations of exact_kl_mean / target
 *   kl_max      maximum over iterations of exact_kl_mean / target
 *               target: the run's own KL target from its config.ini — d_targ
 *               (ppo-adaptive-kl), else target_kl when > 0 (trpo's δ; npg on this branch;
 *               tnpg later; ppo-* with early stopping); no target: the raw KL (target 1)
 *   tv_max      maximum over iterations of exact_tv_max
 *   rank_corr   Spearman's ρ of (sampled_improvement, exact_improvement) over iterations
 *   rel_err     median over iterations with exact_improvement ≠ 0 of
 *               |sampled − exact| / |exact|
 * exact_kl_mean is Σ_s d_{π_old}(s) KL(π_old(s) ‖ π_new(s)), exact_tv_max max_s TV (run.c). */
#ifndef EXP_EXACT_DIAG_H
#define EXP_EXACT_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "experiments/results.h"

enum {
  EXP_XD_SHARE_OPT = 0,
  EXP_XD_NEG,
  EXP_XD_NEG_SHARE,
  EXP_XD_KL_MED,
  EXP_XD_KL_MAX,
  EXP_XD_TV_MAX,
  EXP_XD_RANK_CORR,
  EXP_XD_REL_ERR,
  EXP_XD_M
};
/* short names (CSV columns) and the notes' definitions, (M) */
extern const char *const exp_xd_names[EXP_XD_M];

/* One run's progress.tsv columns, (N) each. */
typedef struct {
  size_t n;
  double *iter, *steps, *exact_J, *exact_improvement, *exact_kl_mean, *exact_tv_max,
      *sampled_improvement;
} exp_xd_series;

typedef struct {
  const exp_table *t;
  double *j_rand, *j_opt;   /* (E) J_rand; J* (from the first run found, NAN when none) */
  double *target;           /* (R) the run's KL target, NAN when it has none */
  double *run;              /* (R, M) per run, NAN when missing */
  double *mean, *se;        /* (V, E, M) over the cell's runs with a finite value */
  size_t *n;                /* (V, E, M) how many */
  double *var_target;       /* (V) the target of the variant's first run found (NAN: raw) */
} exp_xd;

/* Whether t's spec is scored by exact_J (the diagnostics apply). */
int exp_xd_applies(const exp_table *t);
/* Reads the runs' progress.tsv, summary.ini and config.ini; computes J_rand per environment
 * and the per-run and per-cell diagnostics.  TR_EINVAL when an environment is not tabular. */
tr_status exp_xd_load(exp_xd *x, const exp_table *t);
void exp_xd_free(exp_xd *x);

/* The columns of one progress.tsv ((N) each, new arrays); *found = 0 when the file is absent
 * or has none of the columns. */
tr_status exp_xd_series_read(const char *path, exp_xd_series *s, int *found);
void exp_xd_series_free(exp_xd_series *s);
/* The KL target of a run directory's config.ini (NAN when none; see above). */
double exp_xd_run_target(const char *run_dir);

/* diagnostics.md and diagnostics.csv into t->dir; the markdown also to `also` (or NULL). */
tr_status exp_xd_write(const exp_xd *x, FILE *also);

/* plots/exact_J_<env>, exact_kl_<env>, improvement_<env> (.dat, .gp); their base names are
 * appended to bases (room for 3 E more), *n_fig counts them. */
tr_status exp_xd_plot(const exp_xd *x, const char *pdir, char (*bases)[256], size_t *n_fig);

/* Load, write (exp_xd_write) and free: what `trbench table` adds for such specs. */
tr_status exp_xd_table(const exp_table *t, FILE *also);
/* Load, plot (exp_xd_plot) and free: what `trbench plot` adds. */
tr_status exp_xd_figures(const exp_table *t, const char *pdir, char (*bases)[256], size_t *n_fig);

#endif
