/* experiments/table_sections.h — the parts of `trbench table`'s table.md beyond its main
 * table, and the cell formatting table.md and table.tex share (table_sections.c; table.c
 * writes the files).  Every function writes to f and reads the loaded table t (results.h).
 *
 * Cells: a (variant v, environment e) cell is "mean ± se" over the seeds found, with
 * "(k/K)" when only k of K seeds were found and "missing (0/K)" when none; numbers with
 * 4 significant digits (whole numbers in plain notation). */
#ifndef EXP_TABLE_SECTIONS_H
#define EXP_TABLE_SECTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "experiments/results.h"

typedef enum { EXP_FMT_MD, EXP_FMT_TEX } exp_cell_fmt;

/* x with `sig` significant digits into buf (n bytes), whole numbers in plain notation when
 * |x| >= 10^sig, "n/a" when not finite; returns buf. */
const char *exp_table_num(char *buf, size_t n, double x, int sig);
/* s with the characters special to the format escaped. */
void exp_table_put_text(FILE *f, const char *s, exp_cell_fmt fmt);
/* The cell (v, e) of t (see above). */
void exp_table_put_cell(FILE *f, const exp_table *t, size_t v, size_t e, exp_cell_fmt fmt);
/* The rest of a per-environment section's header after "| variant |": each environment's
 * name followed by `after`, then the rule line with `rule` per environment. */
void exp_table_put_env_header(FILE *f, const exp_spec *s, const char *after, const char *rule);

/* Per group of rows (`group = G`), per environment: the group's row with the best mean. */
void exp_table_write_groups(FILE *f, const exp_table *t);
/* Every row at the smallest step budget, with its updates by then and in all — when the
 * rows' budgets or numbers of iterations differ (else nothing). */
void exp_table_write_equal_steps(FILE *f, const exp_table *t);
/* Each cell's mean and bootstrap 95% interval against the paper's per-environment number,
 * and Spearman's ρ per environment — for specs with paper@ENV numbers (else nothing). */
void exp_table_write_paper_cells(FILE *f, const exp_table *t);
/* Specs with `evaluate = N`: per row and training environment, the mean return of its runs'
 * evaluations (eval.tsv, or eval_<ENV>.tsv per evaluate_environments) ± its standard error
 * over the runs, one column per evaluation environment; or, when the spec has
 * evaluate_environments@ENV, one return pooled over the training environment's evaluation
 * environments (± standard error over the runs) and the fraction of those episodes that
 * fell (ended by a termination before the time limit) (else nothing). */
void exp_table_write_evaluation(FILE *f, const exp_table *t);
/* Specs with `baseline = ROW`: per row and environment, the row's mean score divided by the
 * baseline row's, with its bootstrap 95% interval (exp_table_baseline_ratios; else nothing). */
void exp_table_write_baseline(FILE *f, const exp_table *t);
/* Per row and environment: the runs' mean updates (iterations), wall seconds and steps/s
 * (summary.ini); nothing when no run has them. */
void exp_table_write_cost(FILE *f, const exp_table *t);
/* The notes' lines on the random policy's episode time limits (time_limit, time_limit@ENV). */
void exp_table_time_limit_notes(FILE *f, const exp_table *t);

#endif
