/* experiments/cmd_export.c — `trbench export SPEC [--long FILE.csv] [--scores FILE.json]`:
 * an experiment's runs in the two shapes other tools read.
 *
 * long.csv (RFC 4180, for pandas / R): one row per (run, iteration) with the columns
 *   variant, env, seed, run, then every column of the runs' progress.tsv in the order of
 *   their first appearance (a column a run lacks is empty; "nan" stays "nan").
 * scores.json (rliable's score_dict): for each variant an array of runs, each an array of
 *   task scores, shape (num_runs, num_tasks) — `np.array(d["raw"][variant])` is what
 *   rliable's `get_interval_estimates` takes.  "raw" holds the runs' scores (return_last100),
 *   "normalized" (normalized specs) (score − random) / (best − random) as the table computes
 *   it.  Run k of a variant is its k-th seed on every task; a missing run is null.
 * Both are written atomically (a temporary renamed into place): never half written.
 * Default paths: RESULTS/<experiment>/export/long.csv and scores.json. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/results.h"

enum { MAX_COLS = 256 };

typedef struct {
  char *name[MAX_COLS];
  size_t n;
} col_set;

/* Index of name in c, added when new; -1 when c is full. */
static int col_index(col_set *c, const char *name) {
  for (size_t i = 0; i < c->n; i++)
    if (!strcmp(c->name[i], name)) return (int)i;
  if (c->n == MAX_COLS || !(c->name[c->n] = strdup(name))) return -1;
  return (int)c->n++;
}

static void col_set_free(col_set *c) {
  for (size_t i = 0; i < c->n; i++) free(c->name[i]);
}

/* Splits line (modified) at tabs into f (at most max); returns the count. */
static size_t split_tabs(char *line, char **f, size_t max) {
  size_t n = 0;
  line[strcspn(line, "\r\n")] = '\0';
  for (char *save = NULL, *p = strtok_r(line, "\t", &save); p && n < max;
       p = strtok_r(NULL, "\t", &save))
    f[n++] = p;
  return n;
}

/* The union of the header rows of every run's progress.tsv. */
static tr_status collect_columns(const exp_table *t, col_set *c) {
  char line[8192], *f[MAX_COLS];
  for (size_t k = 0; k < t->n_runs; k++) {
    char *dir = exp_run_dir(t->s, t->results, &t->runs[k]);
    char *p = dir ? tr_path_join(dir, "progress.tsv") : NULL;
    FILE *in = p ? fopen(p, "r") : NULL;
    free(dir), free(p);
    if (!in) continue;
    if (fgets(line, sizeof line, in)) {
      size_t n = split_tabs(line, f, MAX_COLS);
      for (size_t i = 0; i < n; i++)
        if (col_index(c, f[i]) < 0) {
          fclose(in);
          return tr_error(TR_EINVAL, "export: more than %d progress columns", MAX_COLS);
        }
    }
    fclose(in);
  }
  return TR_OK;
}

/* The rows of run k into out, its columns mapped onto c's order. */
static tr_status write_run_rows(FILE *out, const exp_table *t, size_t k, col_set *c) {
  const exp_run_ref *r = &t->runs[k];
  char *dir = exp_run_dir(t->s, t->results, r);
  char *p = dir ? tr_path_join(dir, "progress.tsv") : NULL;
  FILE *in = p ? fopen(p, "r") : NULL;
  free(dir), free(p);
  if (!in) return TR_OK; /* a run not (yet) made */
  char line[8192], *f[MAX_COLS];
  int map[MAX_COLS];
  const char *cell[MAX_COLS];
  size_t nh = 0;
  if (fgets(line, sizeof line, in)) {
    nh = split_tabs(line, f, MAX_COLS);
    for (size_t i = 0; i < nh; i++) map[i] = col_index(c, f[i]);
  }
  while (fgets(line, sizeof line, in)) {
    size_t n = split_tabs(line, f, MAX_COLS);
    if (!n) continue;
    for (size_t j = 0; j < c->n; j++) cell[j] = "";
    for (size_t i = 0; i < n && i < nh; i++)
      if (map[i] >= 0) cell[map[i]] = f[i];
    exp_csv_field(out, t->s->variants[r->variant].name);
    fputc(',', out);
    exp_csv_field(out, t->s->envs[r->env]);
    fprintf(out, ",%llu,", (unsigned long long)r->seed);
    exp_csv_field(out, r->id);
    for (size_t j = 0; j < c->n; j++) {
      fputc(',', out);
      exp_csv_field(out, cell[j]);
    }
    fputc('\n', out);
  }
  int bad = ferror(in);
  fclose(in);
  return bad ? tr_error(TR_EIO, "%s: cannot read a progress.tsv", r->id) : TR_OK;
}

static tr_status write_long(FILE *out, const exp_table *t) {
  col_set c = {{0}, 0};
  tr_status st = collect_columns(t, &c);
  if (!st) {
    fputs("variant,env,seed,run", out);
    for (size_t j = 0; j < c.n; j++) {
      fputc(',', out);
      exp_csv_field(out, c.name[j]);
    }
    fputc('\n', out);
  }
  for (size_t k = 0; !st && k < t->n_runs; k++) st = write_run_rows(out, t, k, &c);
  col_set_free(&c);
  return st;
}

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

static void json_number(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, "%.17g", x);
  else fputs("null", f);
}

/* One matrix per variant: runs (the spec's seeds, in order) × tasks (its environments). */
static void write_matrix(FILE *f, const exp_table *t, int normalized) {
  size_t V = t->s->n_variants, E = t->s->n_envs;
  fputs("{", f);
  for (size_t v = 0; v < V; v++) {
    fputs(v ? ",\n    " : "\n    ", f);
    json_string(f, t->s->variants[v].name);
    fputs(": [", f);
    for (size_t s = 0; s < t->K; s++) {
      fputs(s ? ", [" : "[", f);
      for (size_t e = 0; e < E; e++) {
        double x = NAN;
        size_t seen = 0;
        for (size_t k = 0; k < t->n_runs; k++) {
          const exp_run_ref *r = &t->runs[k];
          if (r->variant != v || r->env != e || seen++ != s) continue;
          x = normalized ? exp_table_normalized(t, k) : t->score[k];
          break;
        }
        if (e) fputs(", ", f);
        json_number(f, x);
      }
      fputs("]", f);
    }
    fputs("]", f);
  }
  fputs("\n  }", f);
}

static tr_status write_scores(FILE *f, const exp_table *t) {
  int normalizable = 0;
  for (size_t e = 0; e < t->s->n_envs; e++)
    normalizable |= isfinite(t->random[e]) && isfinite(t->best[e]) && t->best[e] != t->random[e];
  fputs("{\n  \"format\": \"trbench-scores\",\n  \"version\": 1,\n  \"experiment\": ", f);
  json_string(f, t->s->name);
  fputs(",\n  \"shape\": \"(num_runs, num_tasks) per variant, as rliable's score_dict\",\n"
        "  \"tasks\": [", f);
  for (size_t e = 0; e < t->s->n_envs; e++) {
    if (e) fputs(", ", f);
    json_string(f, t->s->envs[e]);
  }
  fputs("],\n  \"random\": [", f);
  for (size_t e = 0; e < t->s->n_envs; e++) fputs(e ? ", " : "", f), json_number(f, t->random[e]);
  fputs("],\n  \"best\": [", f);
  for (size_t e = 0; e < t->s->n_envs; e++) fputs(e ? ", " : "", f), json_number(f, t->best[e]);
  fputs("],\n  \"raw\": ", f);
  write_matrix(f, t, 0);
  if (normalizable) {
    fputs(",\n  \"normalized\": ", f);
    write_matrix(f, t, 1);
  }
  fputs("\n}\n", f);
  return TR_OK;
}

/* Writes path (or DIR/export/leaf when path is NULL) atomically with writer. */
static tr_status write_file(const exp_table *t, const char *path, const char *leaf,
                            tr_status (*writer)(FILE *, const exp_table *), char **written) {
  tr_atomic_file af;
  char *dir = NULL, *own = NULL;
  tr_status st = TR_OK;
  if (!path) {
    dir = tr_path_join(t->dir, "export");
    if (!dir || (st = tr_mkdir_p(dir))) {
      free(dir);
      return st ? st : tr_error(TR_ENOMEM, "out of memory");
    }
    path = own = tr_path_join(dir, leaf);
    free(dir);
    if (!own) return tr_error(TR_ENOMEM, "out of memory");
  }
  if ((st = tr_atomic_open(&af, path))) {
    free(own);
    return st;
  }
  if ((st = writer(af.f, t))) tr_atomic_abort(&af);
  else st = tr_atomic_commit(&af);
  *written = st ? NULL : strdup(path);
  free(own);
  return st;
}

static void export_help(FILE *f) {
  fprintf(f, "usage: trbench export SPEC [--long FILE.csv] [--scores FILE.json]\n"
             "                      [--results DIR] [--scale F] [--seeds N]\n\n"
             "Every run of the spec as one long table (variant, env, seed, run, then every\n"
             "progress.tsv column; one row per run and iteration) and the score matrix rliable\n"
             "reads: per variant (num_runs, num_tasks), raw and (normalized specs) normalized.\n"
             "Defaults: RESULTS/<experiment>/export/long.csv and scores.json.  --results, --scale\n"
             "and --seeds as for trbench table (the sweep's recorded ones by default).\n");
}

int exp_cmd_export(int argc, char **argv) {
  const char *long_path = NULL, *scores_path = NULL;
  char **rest = malloc(((size_t)argc + 1) * sizeof *rest);
  if (!rest) return exp_fail("out of memory");
  int n = 0, rc = 0, help = 0;
  for (int i = 0; i < argc && !rc; i++) {
    const char **dst = !strcmp(argv[i], "--long") ? &long_path
                       : !strcmp(argv[i], "--scores") ? &scores_path : NULL;
    if (!dst) rest[n++] = argv[i];
    else if (i + 1 >= argc || !*argv[i + 1]) rc = exp_fail("%s: a FILE is required", argv[i]);
    else *dst = argv[++i];
  }
  rest[n] = NULL;
  exp_table_args a;
  if (!rc) rc = exp_table_args_parse("export", n, rest, &a, &help);
  free(rest);
  if (rc || help) {
    if (help) export_help(stdout);
    return rc;
  }
  exp_table t;
  tr_status st = exp_table_load(&t, a.spec, &a.flags, 1);
  if (!st && !t.found) st = exp_table_no_runs(&t);
  char *w1 = NULL, *w2 = NULL;
  if (!st) st = write_file(&t, long_path, "long.csv", write_long, &w1);
  if (!st) st = write_file(&t, scores_path, "scores.json", write_scores, &w2);
  if (st) rc = exp_fail_status(st);
  else printf("long table: %s\nscores: %s\n", w1, w2);
  free(w1), free(w2);
  exp_table_free(&t);
  return rc;
}
