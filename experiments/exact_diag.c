/* experiments/exact_diag.c — the exact-against-sampled diagnostics of a tabular spec
 * (exact_diag.h defines each); their table, diagnostics.md and diagnostics.csv. */
#define _GNU_SOURCE
#include "experiments/exact_diag.h"

#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/io.h"
#include "experiments/stats.h"
#include "mdps/env.h"
#include "theory/exact.h"

const char *const exp_xd_names[EXP_XD_M] = {"share_opt", "neg",     "neg_share", "kl_med",
                                            "kl_max",    "tv_max",  "rank_corr", "rel_err"};

int exp_xd_applies(const exp_table *t) { return t->s->score && !strcmp(t->s->score, "exact_J"); }

/* ---- one run's files --------------------------------------------------------------------- */

static const char *const series_cols[] = {"iter",          "steps",        "exact_J",
                                          "exact_improvement", "exact_kl_mean", "exact_tv_max",
                                          "sampled_improvement"};
#define N_SERIES (sizeof series_cols / sizeof *series_cols)

static double **series_slot(exp_xd_series *s, size_t j) {
  double **slots[N_SERIES] = {&s->iter,          &s->steps,        &s->exact_J,
                              &s->exact_improvement, &s->exact_kl_mean, &s->exact_tv_max,
                              &s->sampled_improvement};
  return slots[j];
}

void exp_xd_series_free(exp_xd_series *s) {
  for (size_t j = 0; j < N_SERIES; j++) free(*series_slot(s, j));
  memset(s, 0, sizeof *s);
}

/* The header's column of each name (−1: absent). */
static void header_columns(char *line, int *col) {
  for (size_t j = 0; j < N_SERIES; j++) col[j] = -1;
  int c = 0;
  for (char *p = line, *q; p; p = q, c++) {
    if ((q = strchr(p, '\t'))) *q++ = '\0';
    for (size_t j = 0; j < N_SERIES; j++)
      if (!strcmp(p, series_cols[j])) col[j] = c;
  }
}

static tr_status series_grow(exp_xd_series *s, size_t *cap) {
  if (s->n < *cap) return TR_OK;
  size_t nc = *cap ? 2 * *cap : 64;
  for (size_t j = 0; j < N_SERIES; j++) {
    double **a = series_slot(s, j), *b = realloc(*a, nc * sizeof *b);
    if (!b) return tr_error(TR_ENOMEM, "out of memory");
    *a = b;
  }
  *cap = nc;
  return TR_OK;
}

tr_status exp_xd_series_read(const char *path, exp_xd_series *s, int *found) {
  char *text = NULL;
  memset(s, 0, sizeof *s);
  *found = 0;
  if (access(path, F_OK) != 0) return TR_OK;
  tr_status st = tr_read_file(path, &text, NULL);
  if (st) return st;
  char *line = text, *next = strchr(line, '\n');
  if (next) *next++ = '\0';
  int col[N_SERIES], any = 0;
  header_columns(line, col);
  for (size_t j = 0; j < N_SERIES; j++) any |= col[j] >= 0;
  size_t cap = 0;
  for (line = next; any && line && *line; line = next) {
    if ((next = strchr(line, '\n'))) *next++ = '\0';
    if ((st = series_grow(s, &cap))) break;
    for (size_t j = 0; j < N_SERIES; j++) (*series_slot(s, j))[s->n] = NAN;
    int c = 0;
    for (char *p = line, *q; p; p = q, c++) {
      if ((q = strchr(p, '\t'))) *q++ = '\0';
      for (size_t j = 0; j < N_SERIES; j++)
        if (col[j] == c) (*series_slot(s, j))[s->n] = strtod(p, NULL);
    }
    s->n++;
  }
  free(text);
  if (st) exp_xd_series_free(s);
  else *found = any && s->n > 0;
  return st;
}

typedef struct {
  double d_targ, target_kl;
  char section[64];
} target_ctx;

static int target_key(void *user, const char *section, const char *name, const char *value) {
  target_ctx *c = user;
  if (!strcmp(section, "run") && !strcmp(name, "algo"))
    snprintf(c->section, sizeof c->section, "%s", value);
  else if (c->section[0] && !strcmp(section, c->section)) {
    char *end;
    double v = strtod(value, &end);
    if (end == value) return 1;
    if (!strcmp(name, "d_targ")) c->d_targ = v;
    if (!strcmp(name, "target_kl")) c->target_kl = v;
  }
  return 1;
}

double exp_xd_run_target(const char *run_dir) {
  char *p = tr_path_join(run_dir, "config.ini");
  FILE *f = p ? fopen(p, "r") : NULL;
  free(p);
  if (!f) return NAN;
  target_ctx c = {NAN, NAN, ""};
  ini_parse_file(f, target_key, &c); /* [run] comes first: it names the algorithm's section */
  fclose(f);
  if (isfinite(c.d_targ) && c.d_targ > 0) return c.d_targ;
  if (isfinite(c.target_kl) && c.target_kl > 0) return c.target_kl;
  return NAN;
}

/* ---- per run ------------------------------------------------------------------------------- */

static double max_finite(const double *x, size_t n) {
  double m = NAN;
  for (size_t i = 0; i < n; i++)
    if (isfinite(x[i]) && !(x[i] <= m)) m = x[i];
  return m;
}

/* The diagnostics of one run, out (M); buf (N) scratch. */
static void run_diagnostics(const exp_xd_series *s, double J, double j_opt, double j_rand,
                            double target, double *buf, double *out) {
  size_t n = s->n, fin = 0, neg = 0, m = 0;
  double scale = isfinite(target) ? target : 1.0;
  out[EXP_XD_SHARE_OPT] = j_opt != j_rand ? (J - j_rand) / (j_opt - j_rand) : NAN;
  for (size_t i = 0; i < n; i++)
    if (isfinite(s->exact_improvement[i])) fin++, neg += s->exact_improvement[i] < 0;
  out[EXP_XD_NEG] = fin ? (double)neg : NAN;
  out[EXP_XD_NEG_SHARE] = fin ? (double)neg / (double)fin : NAN;
  for (size_t i = 0; i < n; i++) buf[i] = s->exact_kl_mean[i] / scale;
  out[EXP_XD_KL_MED] = exp_stats_median(buf, n); /* NaN values skipped */
  out[EXP_XD_KL_MAX] = max_finite(buf, n);
  out[EXP_XD_TV_MAX] = max_finite(s->exact_tv_max, n);
  size_t used;
  out[EXP_XD_RANK_CORR] = exp_stats_spearman(s->sampled_improvement, s->exact_improvement, n, &used);
  for (size_t i = 0; i < n; i++) {
    double e = s->exact_improvement[i], a = s->sampled_improvement[i];
    if (isfinite(e) && isfinite(a) && e != 0) buf[m++] = fabs(a - e) / fabs(e);
  }
  out[EXP_XD_REL_ERR] = exp_stats_median(buf, m);
}

/* J of the uniform policy on the environment's MDP. */
static tr_status uniform_J(const char *env, double *J) {
  env_model *em = env_model_alloc(env);
  if (!em) return tr_error(TR_EINVAL, "%s", tr_error_msg());
  const mdp *m = env_model_mdp(em);
  tr_status st = TR_OK;
  if (!m) {
    st = tr_error(TR_EINVAL, "%s: score exact_J needs a tabular environment", env);
  } else {
    double *pi = malloc(m->S * m->A * sizeof *pi);
    thy_values *v = thy_values_alloc(m->S, m->A);
    if (!pi || !v) st = tr_error(TR_ENOMEM, "out of memory");
    for (size_t i = 0; !st && i < m->S * m->A; i++) pi[i] = 1.0 / (double)m->A;
    if (!st && !(st = thy_evaluate(v, m, pi, THY_SOLVER_AUTO, NULL))) *J = v->J;
    free(pi);
    thy_values_free(v);
  }
  env_model_free(em);
  return st;
}

/* Run k's row of x->run and its target. */
static tr_status load_run(exp_xd *x, size_t k) {
  const exp_table *t = x->t;
  const exp_run_ref *r = &t->runs[k];
  double *out = x->run + k * EXP_XD_M;
  for (size_t j = 0; j < EXP_XD_M; j++) out[j] = NAN;
  x->target[k] = NAN;
  if (t->state[k] == EXP_RUN_ABSENT) return TR_OK;
  char *rd = exp_run_dir(t->s, t->results, r);
  char *sp = rd ? tr_path_join(rd, "summary.ini") : NULL, *pp = rd ? tr_path_join(rd, "progress.tsv") : NULL;
  tr_status st = sp && pp ? TR_OK : tr_error(TR_ENOMEM, "out of memory");
  exp_summary sum;
  double score;
  int found = 0;
  if (!st) st = exp_summary_read(sp, NULL, &sum, &score, &found);
  exp_xd_series s;
  int have = 0;
  if (!st && found && sum.has_exact) st = exp_xd_series_read(pp, &s, &have);
  if (!st && have) {
    double *buf = malloc((s.n + 1) * sizeof *buf);
    if (!buf) st = tr_error(TR_ENOMEM, "out of memory");
    else {
      x->target[k] = exp_xd_run_target(rd);
      if (!isfinite(x->j_opt[r->env])) x->j_opt[r->env] = sum.optimal_J;
      run_diagnostics(&s, sum.exact_J, sum.optimal_J, x->j_rand[r->env], x->target[k], buf, out);
    }
    free(buf);
    exp_xd_series_free(&s);
  }
  free(rd), free(sp), free(pp);
  return st;
}

/* Mean and standard error (s.d./√n) of each cell's finite values. */
static void cell_stats(exp_xd *x) {
  const exp_table *t = x->t;
  size_t E = t->s->n_envs, V = t->s->n_variants;
  for (size_t c = 0; c < V * E; c++)
    for (size_t j = 0; j < EXP_XD_M; j++) {
      double s1 = 0, s2 = 0;
      size_t n = 0;
      for (size_t k = 0; k < t->n_runs; k++) {
        double y = x->run[k * EXP_XD_M + j];
        if (t->runs[k].variant * E + t->runs[k].env != c || !isfinite(y)) continue;
        s1 += y, n++;
      }
      double mu = n ? s1 / (double)n : NAN;
      for (size_t k = 0; k < t->n_runs; k++) {
        double y = x->run[k * EXP_XD_M + j];
        if (t->runs[k].variant * E + t->runs[k].env == c && isfinite(y)) s2 += (y - mu) * (y - mu);
      }
      size_t i = c * EXP_XD_M + j;
      x->mean[i] = mu;
      x->se[i] = n > 1 ? sqrt(s2 / (double)(n - 1) / (double)n) : NAN;
      x->n[i] = n;
    }
}

void exp_xd_free(exp_xd *x) {
  free(x->j_rand), free(x->j_opt), free(x->target), free(x->run);
  free(x->mean), free(x->se), free(x->n), free(x->var_target);
  memset(x, 0, sizeof *x);
}

tr_status exp_xd_load(exp_xd *x, const exp_table *t) {
  memset(x, 0, sizeof *x);
  x->t = t;
  size_t E = t->s->n_envs, V = t->s->n_variants, R = t->n_runs, C = V * E * EXP_XD_M;
  x->j_rand = malloc(E * sizeof *x->j_rand), x->j_opt = malloc(E * sizeof *x->j_opt);
  x->target = malloc((R + 1) * sizeof *x->target);
  x->run = malloc((R + 1) * EXP_XD_M * sizeof *x->run);
  x->mean = malloc(C * sizeof *x->mean), x->se = malloc(C * sizeof *x->se);
  x->n = malloc(C * sizeof *x->n), x->var_target = malloc(V * sizeof *x->var_target);
  if (!x->j_rand || !x->j_opt || !x->target || !x->run || !x->mean || !x->se || !x->n ||
      !x->var_target) {
    exp_xd_free(x);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  tr_status st = TR_OK;
  for (size_t e = 0; !st && e < E; e++) {
    x->j_opt[e] = NAN;
    st = uniform_J(t->s->envs[e], &x->j_rand[e]);
  }
  for (size_t k = 0; !st && k < R; k++) st = load_run(x, k);
  for (size_t v = 0; v < V; v++) {
    x->var_target[v] = NAN;
    for (size_t k = 0; k < R; k++)
      if (t->runs[k].variant == v && isfinite(x->target[k])) {
        x->var_target[v] = x->target[k];
        break;
      }
  }
  if (st) exp_xd_free(x);
  else cell_stats(x);
  return st;
}

/* ---- the table ----------------------------------------------------------------------------- */

static void put_num(FILE *f, double x) {
  if (!isfinite(x)) fputs("n/a", f);
  else fprintf(f, "%.3g", x);
}

static void put_mean_se(FILE *f, const exp_xd *x, size_t c, size_t j) {
  size_t i = c * EXP_XD_M + j;
  put_num(f, x->mean[i]);
  if (x->n[i] > 1) fputs(" ± ", f), put_num(f, x->se[i]);
}

static void put_md_name(FILE *f, const char *s) {
  for (; *s; s++) {
    if (strchr("|\\*_`", *s)) fputc('\\', f);
    fputc(*s, f);
  }
}

static void write_md(FILE *f, const exp_xd *x) {
  const exp_table *t = x->t;
  const exp_spec *s = t->s;
  size_t E = s->n_envs, V = s->n_variants;
  fprintf(f, "\n## %s: exact truth against the sampled estimates\n\n", s->name);
  fputs("| variant | environment | KL target | share of optimum | iterations with exact "
        "improvement < 0 | share of such iterations | median exact KL / target | max exact KL / "
        "target | max exact TV | rank corr. sampled vs exact improvement | median rel. error of "
        "sampled improvement | runs |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | "
        "---: | ---: | ---: | ---: |\n", f);
  for (size_t v = 0; v < V; v++)
    for (size_t e = 0; e < E; e++) {
      size_t c = v * E + e;
      fputs("| ", f);
      put_md_name(f, s->variants[v].name);
      fputs(" | ", f);
      put_md_name(f, s->envs[e]);
      fputs(" | ", f);
      if (isfinite(x->var_target[v])) put_num(f, x->var_target[v]);
      else fputs("none (raw KL)", f);
      for (size_t j = 0; j < EXP_XD_M; j++) fputs(" | ", f), put_mean_se(f, x, c, j);
      fprintf(f, " | %zu/%zu |\n", x->n[c * EXP_XD_M + EXP_XD_SHARE_OPT], t->K);
    }
  fputs("\nNotes. Each cell: mean ± standard error over the seeds whose run has the value. Per run:"
        "\n- share of optimum: (J − J_rand)/(J* − J_rand); J the final policy's exact J, J* the "
        "optimum by policy iteration, J_rand the exact J of the uniform policy: ", f);
  for (size_t e = 0; e < E; e++) {
    fprintf(f, "%s J* = ", s->envs[e]);
    put_num(f, x->j_opt[e]);
    fputs(", J_rand = ", f);
    put_num(f, x->j_rand[e]);
    fputs(e + 1 < E ? "; " : ".\n", f);
  }
  fputs("- iterations with exact improvement < 0: how many updates lowered the true J "
        "(exact_improvement = J(π_new) − J(π_old) < 0); share: of the iterations.\n"
        "- median / max exact KL / target: over iterations, the exact mean KL "
        "Σ_s d_π_old(s) KL(π_old(s) ‖ π_new(s)) divided by the algorithm's own KL target (KL "
        "target column: d_targ of ppo-adaptive-kl, else target_kl when set — trpo's δ); "
        "where the algorithm has none (\"none (raw KL)\") the raw KL is shown.\n"
        "- max exact TV: over iterations, max_s TV(π_old(s), π_new(s)).\n"
        "- rank corr.: Spearman's ρ between the sampled improvement estimate "
        "(1/(1−γ)) mean_t (r_t − 1) Â_t and the exact improvement, over the run's iterations.\n"
        "- median rel. error: median over iterations of |sampled − exact| / |exact| "
        "(iterations with exact improvement 0 skipped).\n"
        "- runs: the seeds with a final exact J. The per-iteration columns use the iterations "
        "with diagnostics (exact_every = k: every k-th; n/a when a run had none).\n", f);
}

static void csv_num(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, ",%.17g", x);
  else fputs(",", f);
}

static void csv_text(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void write_csv(FILE *f, const exp_xd *x) {
  const exp_table *t = x->t;
  size_t E = t->s->n_envs, V = t->s->n_variants;
  fputs("variant,environment,kl_target,j_opt,j_rand", f);
  for (size_t j = 0; j < EXP_XD_M; j++) fprintf(f, ",%s_mean,%s_se,%s_n", exp_xd_names[j],
                                                exp_xd_names[j], exp_xd_names[j]);
  fputs("\r\n", f);
  for (size_t v = 0; v < V; v++)
    for (size_t e = 0; e < E; e++) {
      size_t c = v * E + e;
      csv_text(f, t->s->variants[v].name);
      fputc(',', f);
      csv_text(f, t->s->envs[e]);
      csv_num(f, x->var_target[v]), csv_num(f, x->j_opt[e]), csv_num(f, x->j_rand[e]);
      for (size_t j = 0; j < EXP_XD_M; j++) {
        csv_num(f, x->mean[c * EXP_XD_M + j]), csv_num(f, x->se[c * EXP_XD_M + j]);
        fprintf(f, ",%zu", x->n[c * EXP_XD_M + j]);
      }
      fputs("\r\n", f);
    }
}

static tr_status write_file(const char *dir, const char *name, const exp_xd *x,
                            void (*w)(FILE *, const exp_xd *)) {
  tr_atomic_file af;
  tr_status st = tr_atomic_open_in(&af, dir, name);
  if (st) return st;
  w(af.f, x);
  return tr_atomic_commit(&af);
}

tr_status exp_xd_write(const exp_xd *x, FILE *also) {
  tr_status st = write_file(x->t->dir, "diagnostics.md", x, write_md);
  if (!st) st = write_file(x->t->dir, "diagnostics.csv", x, write_csv);
  if (!st && also) write_md(also, x);
  return st;
}

tr_status exp_xd_table(const exp_table *t, FILE *also) {
  exp_xd x;
  tr_status st = exp_xd_load(&x, t);
  if (st) return st;
  st = exp_xd_write(&x, also);
  exp_xd_free(&x);
  return st;
}

tr_status exp_xd_figures(const exp_table *t, const char *pdir, char (*bases)[256], size_t *n_fig) {
  exp_xd x;
  tr_status st = exp_xd_load(&x, t);
  if (st) return st;
  st = exp_xd_plot(&x, pdir, bases, n_fig);
  exp_xd_free(&x);
  return st;
}
