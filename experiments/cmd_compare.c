/* experiments/cmd_compare.c — `trbench compare SPEC --variant A [--variant B]`: is A better
 * than B?  (the "compare a new variant against the baselines" use of trbench; B defaults to
 * the spec's first row).
 *
 * Per task (environment with runs of both): the raw scores' difference of means x̄_A − x̄_B
 * with a bootstrap 95% interval (A's and B's runs resampled apart), Welch's t-test, and
 * P(A > B) = the Mann–Whitney statistic with its interval; over the tasks, P(A > B) averaged
 * with its stratified-bootstrap interval (stats.h; Agarwal et al. 2021).  One sentence
 * says it plainly.  Written as compare/<A>_vs_<B>.tsv and .md beside the spec's table, the
 * markdown also on stdout.  Seeded (EXP_AGG_SEED): the same runs give the same numbers. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "core/rng.h"
#include "experiments/aggregates.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/provenance.h"
#include "experiments/results.h"

/* One task's comparison. */
typedef struct {
  size_t e, n_a, n_b;
  double mean_a, mean_b, diff, diff_lo, diff_hi, t, df, p, prob, prob_lo, prob_hi;
} task_cmp;

typedef struct {
  task_cmp *task; /* (T) */
  size_t T, improves, improves_ci;
  double prob, prob_lo, prob_hi;
} comparison;

/* The finite scores of row v on environment e, into buf; returns their count. */
static size_t row_env_scores(const exp_table *t, size_t v, size_t e, double *buf) {
  size_t n = 0;
  for (size_t k = 0; k < t->n_runs; k++)
    if (t->runs[k].variant == v && t->runs[k].env == e && isfinite(t->score[k]))
      buf[n++] = t->score[k];
  return n;
}

static tr_status compare_rows(const exp_table *t, size_t a, size_t b, comparison *c) {
  size_t E = t->s->n_envs, R = t->n_runs ? t->n_runs : 1;
  double *xa = malloc(E * R * sizeof *xa), *xb = malloc(E * R * sizeof *xb);
  exp_stratum *sa = calloc(E ? E : 1, sizeof *sa), *sb = calloc(E ? E : 1, sizeof *sb);
  c->task = calloc(E ? E : 1, sizeof *c->task);
  gsl_rng *r = tr_rng_alloc(EXP_AGG_SEED);
  tr_status st = TR_OK;
  if (!xa || !xb || !sa || !sb || !c->task || !r) st = tr_error(TR_ENOMEM, "out of memory: compare");
  for (size_t e = 0; !st && e < E; e++) {
    double *pa = xa + e * R, *pb = xb + e * R;
    size_t na = row_env_scores(t, a, e, pa), nb = row_env_scores(t, b, e, pb);
    if (!na || !nb) continue; /* not a common task */
    task_cmp *k = &c->task[c->T];
    sa[c->T] = (exp_stratum){pa, na};
    sb[c->T] = (exp_stratum){pb, nb};
    k->e = e, k->n_a = na, k->n_b = nb;
    k->mean_a = exp_stats_mean(pa, na);
    k->mean_b = exp_stats_mean(pb, nb);
    exp_stats_welch(pa, na, pb, nb, &k->t, &k->df, &k->p);
    if (exp_stats_mean_diff_ci(&sa[c->T], &sb[c->T], EXP_AGG_RESAMPLES, r, &k->diff, &k->diff_lo,
                               &k->diff_hi) ||
        exp_stats_prob_improvement(&sa[c->T], &sb[c->T], 1, EXP_AGG_RESAMPLES, r, &k->prob,
                                   &k->prob_lo, &k->prob_hi))
      st = tr_error(TR_ENOMEM, "out of memory: compare");
    c->improves += k->diff > 0;
    c->improves_ci += k->diff_lo > 0;
    c->T++;
  }
  if (!st && c->T &&
      exp_stats_prob_improvement(sa, sb, c->T, EXP_AGG_RESAMPLES, r, &c->prob, &c->prob_lo,
                                 &c->prob_hi))
    st = tr_error(TR_ENOMEM, "out of memory: compare");
  if (r) gsl_rng_free(r);
  free(xa), free(xb), free(sa), free(sb);
  return st;
}

static void g17(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, "\t%.17g", x);
  else fputs("\tnan", f);
}

static void write_tsv(FILE *f, const exp_table *t, const comparison *c) {
  fputs("task\tn_a\tn_b\tmean_a\tmean_b\tdiff\tdiff_lo\tdiff_hi\twelch_t\twelch_df\twelch_p"
        "\tprob_a_gt_b\tprob_lo\tprob_hi\n", f);
  for (size_t i = 0; i < c->T; i++) {
    const task_cmp *k = &c->task[i];
    fprintf(f, "%s\t%zu\t%zu", t->s->envs[k->e], k->n_a, k->n_b);
    double v[] = {k->mean_a, k->mean_b, k->diff, k->diff_lo, k->diff_hi, k->t,
                  k->df,     k->p,      k->prob, k->prob_lo, k->prob_hi};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) g17(f, v[j]);
    fputc('\n', f);
  }
  fputs("all\t\t", f); /* P(A > B) averaged over the tasks; the per-task columns do not apply */
  for (int j = 0; j < 8; j++) fputs("\tnan", f);
  g17(f, c->prob), g17(f, c->prob_lo), g17(f, c->prob_hi);
  fputc('\n', f);
}

static void sentence(FILE *f, const char *na, const char *nb, const comparison *c) {
  fprintf(f, "%s improves on %s on %zu of %zu task%s (%zu with the 95%% CI of the difference "
             "above 0); P(%s>%s) = %.2f [%.2f, %.2f]", na, nb, c->improves, c->T,
          c->T == 1 ? "" : "s", c->improves_ci, na, nb, c->prob, c->prob_lo, c->prob_hi);
}

/* The markdown report; argc, argv: the command as typed, for its provenance. */
static void write_md(FILE *f, const exp_table *t, const char *na, const char *nb,
                     const comparison *c, const exp_provenance *pv, int argc, char **argv) {
  char a[64], b[64];
  fprintf(f, "## %s: %s against %s\n\n", t->s->name, na, nb);
  sentence(f, na, nb, c);
  fputs(".\n\n| task | runs A/B | mean A | mean B | A − B [95% CI] | Welch t (df), p | P(A>B) [95% CI] |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n", f);
  for (size_t i = 0; i < c->T; i++) {
    const task_cmp *k = &c->task[i];
    fprintf(f, "| %s | %zu/%zu | %.4g | %.4g | %.4g [%.4g, %.4g] | ", t->s->envs[k->e], k->n_a,
            k->n_b, k->mean_a, k->mean_b, k->diff, k->diff_lo, k->diff_hi);
    if (isfinite(k->t)) {
      snprintf(a, sizeof a, "%.3g", k->t);
      snprintf(b, sizeof b, "%.3g", k->p);
      fprintf(f, "%s (%.1f), %s", a, k->df, b);
    } else fputs("n/a (fewer than 2 runs or no spread)", f);
    fprintf(f, " | %.2f [%.2f, %.2f] |\n", k->prob, k->prob_lo, k->prob_hi);
  }
  fprintf(f, "\nNotes\n\n- Scores: `%s` from each run's summary.ini; tasks: the environments "
             "where both rows have runs (%zu of %zu).\n", t->s->score, c->T, t->s->n_envs);
  fprintf(f, "- A − B: difference of the means with a bootstrap 95%% CI (A's and B's runs "
             "resampled apart, %d resamples, percentile interval, seed %u); Welch's t-test, "
             "two-sided p.\n- P(A>B): the Mann–Whitney statistic (ties count ½), averaged over "
             "the tasks, with a stratified-bootstrap 95%% CI (Agarwal et al. 2021).\n",
          EXP_AGG_RESAMPLES, EXP_AGG_SEED);
  fprintf(f, "- Runs: %s/runs (--scale %g).\n", t->dir, t->scale);
  exp_provenance_write_md(f, pv, argc, argv);
}

typedef struct {
  exp_table_args ta;
  const char *va, *vb;
} compare_args;

static void compare_help(FILE *f) {
  fputs("usage: trbench compare SPEC --variant A [--variant B] [--results DIR] [--scale F]\n"
        "                       [--seeds N]\n\n"
        "Compares row A of the spec with row B (default: the spec's first row) on every\n"
        "environment where both have runs: the difference of mean scores with a bootstrap\n"
        "95% CI, Welch's t-test, P(A > B) per task and averaged over tasks with its CI, and one\n"
        "sentence.  Writes DIR/<experiment>/compare/<A>_vs_<B>.tsv and .md; prints the markdown.\n"
        "--results, --scale and --seeds default to the sweep's (as for trbench table).\n", f);
}

/* compare's own flags (--variant, twice at most), then table's (exp_table_args_parse). */
static int parse_compare(int argc, char **argv, compare_args *a, int *help) {
  char **rest = malloc(((size_t)argc + 1) * sizeof *rest);
  if (!rest) return exp_fail("out of memory");
  int n = 0, rc = 0;
  *help = 0;
  a->va = a->vb = NULL;
  for (int i = 0; i < argc && !rc; i++) {
    const char *v = NULL;
    if (!strcmp(argv[i], "--variant")) {
      if (i + 1 >= argc) rc = exp_fail("--variant: a variant name is required");
      else v = argv[++i];
    } else if (!strncmp(argv[i], "--variant=", 10)) v = argv[i] + 10;
    else rest[n++] = argv[i];
    if (v && !a->va) a->va = v;
    else if (v && !a->vb) a->vb = v;
    else if (v) rc = exp_fail("--variant: given more than twice (A and B)");
  }
  rest[n] = NULL;
  if (!rc) rc = exp_table_args_parse("compare", n, rest, &a->ta, help);
  if (!rc && !*help && !a->va) rc = exp_fail("compare: --variant A is required");
  free(rest);
  return rc;
}

static int variant_index(const exp_spec *s, const char *name, size_t *out) {
  for (size_t v = 0; v < s->n_variants; v++)
    if (!strcmp(s->variants[v].name, name)) {
      *out = v;
      return 0;
    }
  return -1;
}

static tr_status write_outputs(const exp_table *t, const char *na, const char *nb,
                               const comparison *c, const exp_provenance *pv, int argc,
                               char **argv) {
  char sa[128], sb[128], leaf[300];
  exp_safe_name(sa, sizeof sa, na);
  exp_safe_name(sb, sizeof sb, nb);
  char *dir = tr_path_join(t->dir, "compare");
  tr_status st = dir ? tr_mkdir_p(dir) : tr_error(TR_ENOMEM, "out of memory");
  for (int j = 0; !st && j < 2; j++) {
    snprintf(leaf, sizeof leaf, "%s_vs_%s.%s", sa, sb, j ? "md" : "tsv");
    char *p = tr_path_join(dir, leaf);
    tr_atomic_file af;
    if (!p) st = tr_error(TR_ENOMEM, "out of memory");
    else if (!(st = tr_atomic_open(&af, p))) {
      if (j) write_md(af.f, t, na, nb, c, pv, argc, argv);
      else write_tsv(af.f, t, c);
      st = tr_atomic_commit(&af);
    }
    free(p);
  }
  free(dir);
  return st;
}

int exp_cmd_compare(int argc, char **argv) {
  compare_args a;
  int help, rc = parse_compare(argc, argv, &a, &help);
  if (rc || help) {
    if (help) compare_help(stdout);
    return rc;
  }
  exp_table t;
  comparison c = {0};
  tr_status st = exp_table_load(&t, a.ta.spec, &a.ta.flags, 0);
  if (!st) exp_sweep_note(stderr, "compare", t.s, &t.set); /* what came from memory */
  size_t ia = 0, ib = 0;
  if (!st && !t.found) st = exp_table_no_runs(&t);
  if (st) {
    rc = exp_fail_status(st);
    goto done;
  }
  if (variant_index(t.s, a.va, &ia)) {
    rc = exp_fail("%s: no variant '%s' (trbench compare --variant NAME: a [variant NAME] of the "
                  "spec)", t.s->path, a.va);
    goto done;
  }
  if (!a.vb) ib = 0;
  else if (variant_index(t.s, a.vb, &ib)) {
    rc = exp_fail("%s: no variant '%s'", t.s->path, a.vb);
    goto done;
  }
  if (ia == ib) {
    rc = exp_fail("compare: A and B are the same variant '%s' (give --variant B)", a.va);
    goto done;
  }
  const char *na = t.s->variants[ia].name, *nb = t.s->variants[ib].name;
  if ((st = compare_rows(&t, ia, ib, &c))) {
    rc = exp_fail_status(st);
    goto done;
  }
  if (!c.T) {
    rc = exp_fail("compare: '%s' and '%s' have no task in common (no environment where both "
                  "have runs in %s/runs)", na, nb, t.dir);
    goto done;
  }
  exp_provenance pv;
  exp_provenance_get(&pv);
  if ((st = write_outputs(&t, na, nb, &c, &pv, argc, argv))) {
    rc = exp_fail_status(st);
    goto done;
  }
  write_md(stdout, &t, na, nb, &c, &pv, argc, argv);
done:
  free(c.task);
  exp_table_free(&t);
  return rc;
}
