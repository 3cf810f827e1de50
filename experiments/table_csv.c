/* experiments/table_csv.c — table.csv (RFC 4180) of `trbench table` (table.c): one row per
 * variant — name, algorithm, score (normalized specs), paper, runs found and expected, each
 * environment's mean, standard error and n, then (normalized specs) each aggregate with its
 * interval, then (specs with `baseline = ROW`) each environment's ratio to the baseline row
 * with its interval; a missing number is an empty field, never 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/results.h"

void exp_csv_field(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_field(FILE *f, const char *s, int first) {
  if (!first) fputc(',', f);
  exp_csv_field(f, s);
}

static void csv_double(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, ",%.17g", x);
  else fputc(',', f); /* missing: an empty field, never 0 */
}

void exp_table_write_csv(FILE *f, const exp_table *t) {
  const exp_spec *s = t->s;
  size_t V = s->n_variants, E = s->n_envs;
  char h[512];
  csv_field(f, "variant", 1);
  csv_field(f, "algo", 0);
  if (s->normalize) csv_field(f, "score", 0);
  csv_field(f, "paper", 0);
  csv_field(f, "runs_found", 0);
  csv_field(f, "runs_expected", 0);
  for (size_t e = 0; e < E; e++) {
    snprintf(h, sizeof h, "%s_mean", s->envs[e]);
    csv_field(f, h, 0);
    snprintf(h, sizeof h, "%s_se", s->envs[e]);
    csv_field(f, h, 0);
    snprintf(h, sizeof h, "%s_n", s->envs[e]);
    csv_field(f, h, 0);
  }
  for (int k = 0; s->normalize && k < EXP_AGG_COUNT; k++)
    for (int j = 0; j < 3; j++) {
      snprintf(h, sizeof h, "%s%s", exp_agg_names[k], j == 0 ? "" : j == 1 ? "_lo" : "_hi");
      csv_field(f, h, 0);
    }
  size_t C = V * E;
  int ratios = s->baseline_v < V;
  double *q = ratios ? malloc(3 * C * sizeof *q) : NULL;
  if (q && exp_table_baseline_ratios(t, q, q + C, q + 2 * C)) free(q), q = NULL;
  for (size_t e = 0; ratios && e < E; e++)
    for (int j = 0; j < 3; j++) {
      snprintf(h, sizeof h, "%s_ratio%s", s->envs[e], j == 0 ? "" : j == 1 ? "_lo" : "_hi");
      csv_field(f, h, 0);
    }
  fputc('\n', f);
  for (size_t v = 0; v < V; v++) {
    csv_field(f, s->variants[v].name, 1);
    csv_field(f, s->variants[v].algo, 0);
    if (s->normalize) csv_double(f, t->row_score[v]);
    csv_double(f, s->variants[v].paper);
    fprintf(f, ",%zu,%zu", t->row_found[v], t->K * E);
    for (size_t e = 0; e < E; e++) {
      csv_double(f, t->mean[v * E + e]);
      csv_double(f, t->se[v * E + e]);
      fprintf(f, ",%zu", t->n[v * E + e]);
    }
    for (int k = 0; s->normalize && k < EXP_AGG_COUNT; k++) {
      csv_double(f, t->agg[v].point[k]);
      csv_double(f, t->agg[v].lo[k]);
      csv_double(f, t->agg[v].hi[k]);
    }
    for (size_t e = 0; ratios && e < E; e++)
      for (int j = 0; j < 3; j++) csv_double(f, q ? q[j * C + v * E + e] : NAN);
    fputc('\n', f);
  }
  free(q);
}

