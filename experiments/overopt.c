/* experiments/overopt.c — see overopt.h */
#include "experiments/overopt.h"

#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "experiments/gnuplot.h"
#include "experiments/table_sections.h"

const char *const exp_oo_names[EXP_OO_M] = {"alpha", "beta", "r2", "kl_peak", "gain_peak",
                                            "gold_lost", "proxy_gain"};

void exp_oo_fit(const double *d, const double *R, size_t n, double *alpha, double *beta,
                double *r2) {
  *alpha = *beta = *r2 = NAN;
  if (n < 3) return;
  double s11 = 0, s12 = 0, s22 = 0, t1 = 0, t2 = 0, mean = 0;
  for (size_t i = 0; i < n; i++) {
    double x1 = d[i], x2 = d[i] > 0 ? -d[i] * log(d[i]) : 0;
    s11 += x1 * x1, s12 += x1 * x2, s22 += x2 * x2, t1 += x1 * R[i], t2 += x2 * R[i];
    mean += R[i] / (double)n;
  }
  double det = s11 * s22 - s12 * s12;
  if (!(fabs(det) > 1e-12 * s11 * s22)) return; /* collinear (or all d = 0) */
  double a = (s22 * t1 - s12 * t2) / det, b = (s11 * t2 - s12 * t1) / det;
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < n; i++) {
    double x2 = d[i] > 0 ? -d[i] * log(d[i]) : 0, e = R[i] - (a * d[i] + b * x2);
    ss_res += e * e, ss_tot += (R[i] - mean) * (R[i] - mean);
  }
  *alpha = a, *beta = b;
  *r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : NAN;
}

void exp_oo_run(const double *gold, const double *proxy, const double *kl, size_t n,
                double j_ref, double *out) {
  for (int j = 0; j < EXP_OO_M; j++) out[j] = NAN;
  if (!n) return;
  double *d = malloc(n * sizeof *d), *R = malloc(n * sizeof *R);
  if (d && R) {
    for (size_t i = 0; i < n; i++) d[i] = sqrt(kl[i]), R[i] = gold[i] - j_ref;
    exp_oo_fit(d, R, n, &out[EXP_OO_ALPHA], &out[EXP_OO_BETA], &out[EXP_OO_R2]);
  }
  free(d), free(R);
  size_t p = 0;
  for (size_t i = 1; i < n; i++)
    if (gold[i] > gold[p]) p = i;
  out[EXP_OO_KL_PEAK] = kl[p];
  out[EXP_OO_GAIN_PEAK] = gold[p] - j_ref;
  out[EXP_OO_GOLD_LOST] = gold[p] - gold[n - 1];
  out[EXP_OO_PROXY_GAIN] = proxy[n - 1] - proxy[p];
}

/* The run's three columns, rows where all are finite (new arrays); 0 when none. */
static size_t read_cols(const exp_table *t, const exp_run_ref *r, double **gold, double **proxy,
                        double **kl) {
  double *x1 = NULL, *g = NULL, *x2 = NULL, *pr = NULL, *x3 = NULL, *k = NULL;
  size_t n1 = 0, n2 = 0, n3 = 0, m = 0;
  *gold = *proxy = *kl = NULL;
  if (exp_run_progress_read(t, r, "iter", "gold_J", &x1, &g, &n1) &&
      exp_run_progress_read(t, r, "iter", "proxy_J", &x2, &pr, &n2) &&
      exp_run_progress_read(t, r, "iter", "kl_ref", &x3, &k, &n3) && n1 == n2 && n1 == n3) {
    for (size_t i = 0; i < n1; i++)
      if (isfinite(g[i]) && isfinite(pr[i]) && isfinite(k[i]) && k[i] >= 0)
        g[m] = g[i], pr[m] = pr[i], k[m] = k[i], m++;
  }
  free(x1), free(x2), free(x3);
  if (!m) {
    free(g), free(pr), free(k);
    return 0;
  }
  *gold = g, *proxy = pr, *kl = k;
  return m;
}

static int exact_j_key(void *user, const char *section, const char *name, const char *value) {
  (void)section;
  if (!strcmp(name, "exact_J")) {
    char *end;
    double v = strtod(value, &end);
    if (end != value) *(double *)user = v;
  }
  return 1;
}

/* exact_J of the run directory's summary.ini (NAN when absent). */
static double ref_exact_j(const char *dir) {
  char *p = tr_path_join(dir, "summary.ini");
  FILE *f = p ? fopen(p, "r") : NULL;
  free(p);
  double j = NAN;
  if (f) {
    ini_parse_file(f, exact_j_key, &j);
    fclose(f);
  }
  return j;
}

void exp_oo_free(exp_oo *x) {
  free(x->j_ref), free(x->ref_exact), free(x->run), free(x->mean), free(x->se), free(x->n);
  memset(x, 0, sizeof *x);
}

tr_status exp_oo_load(exp_oo *x, const exp_table *t) {
  memset(x, 0, sizeof *x);
  x->t = t;
  size_t R = t->n_runs, C = t->s->n_variants * t->s->n_envs, M = EXP_OO_M;
  x->j_ref = malloc((R ? R : 1) * sizeof *x->j_ref);
  x->ref_exact = calloc(R ? R : 1, sizeof *x->ref_exact);
  x->run = malloc((R ? R : 1) * M * sizeof *x->run);
  x->mean = malloc(C * M * sizeof *x->mean);
  x->se = malloc(C * M * sizeof *x->se);
  x->n = calloc(C * M, sizeof *x->n);
  if (!x->j_ref || !x->ref_exact || !x->run || !x->mean || !x->se || !x->n) {
    exp_oo_free(x);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  for (size_t k = 0; k < R; k++) {
    const exp_run_ref *r = &t->runs[k];
    double *gold, *proxy, *kl;
    x->j_ref[k] = NAN;
    for (size_t j = 0; j < M; j++) x->run[k * M + j] = NAN;
    size_t n = read_cols(t, r, &gold, &proxy, &kl);
    if (!n) continue;
    x->found++;
    const char *ref = exp_spec_ref_policy(t->s, r->variant, r->env, NULL);
    double jr = ref ? ref_exact_j(ref) : NAN;
    x->ref_exact[k] = isfinite(jr);
    x->j_ref[k] = isfinite(jr) ? jr : gold[0];
    exp_oo_run(gold, proxy, kl, n, x->j_ref[k], &x->run[k * M]);
    free(gold), free(proxy), free(kl);
  }
  for (size_t c = 0; c < C; c++)
    for (size_t j = 0; j < M; j++) {
      double s1 = 0, s2 = 0;
      size_t m = 0;
      for (size_t k = 0; k < R; k++) {
        double y = x->run[k * M + j];
        if (t->runs[k].variant * t->s->n_envs + t->runs[k].env != c || !isfinite(y)) continue;
        s1 += y, s2 += y * y, m++;
      }
      double mu = m ? s1 / (double)m : NAN, var = m > 1 ? (s2 - m * mu * mu) / (double)(m - 1) : NAN;
      x->mean[c * M + j] = mu;
      x->se[c * M + j] = m > 1 ? sqrt(var > 0 ? var : 0) / sqrt((double)m) : NAN;
      x->n[c * M + j] = m;
    }
  return TR_OK;
}

static void put_ms(FILE *f, const exp_oo *x, size_t c, int j) {
  char a[40], b[40];
  size_t M = EXP_OO_M;
  if (!x->n[c * M + j]) {
    fputs(" n/a |", f);
    return;
  }
  fprintf(f, " %s", exp_table_num(a, sizeof a, x->mean[c * M + j], 4));
  if (x->n[c * M + j] > 1) fprintf(f, " ± %s", exp_table_num(b, sizeof b, x->se[c * M + j], 2));
  fputs(" |", f);
}

void exp_oo_write(FILE *f, const exp_oo *x) {
  const exp_table *t = x->t;
  const exp_spec *s = t->s;
  size_t E = s->n_envs, M = EXP_OO_M, approx = 0;
  for (size_t k = 0; k < t->n_runs; k++) approx += isfinite(x->j_ref[k]) && !x->ref_exact[k];
  fputs("\n## Reward-model overoptimization (exact)\n\n"
        "| variant | environment | runs | α | β | R² | KL at the gold peak | gold gain at the peak | "
        "gold lost past the peak | proxy gain past the peak |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n", f);
  for (size_t v = 0; v < s->n_variants; v++)
    for (size_t e = 0; e < E; e++) {
      size_t c = v * E + e;
      if (!x->n[c * M + EXP_OO_KL_PEAK]) continue;
      fputs("| ", f);
      exp_table_put_text(f, s->variants[v].name, EXP_FMT_MD);
      fputs(" | ", f);
      exp_table_put_text(f, s->envs[e], EXP_FMT_MD);
      fprintf(f, " | %zu |", x->n[c * M + EXP_OO_KL_PEAK]);
      static const int order[] = {EXP_OO_ALPHA, EXP_OO_BETA, EXP_OO_R2, EXP_OO_KL_PEAK,
                                  EXP_OO_GAIN_PEAK, EXP_OO_GOLD_LOST, EXP_OO_PROXY_GAIN};
      for (size_t j = 0; j < sizeof order / sizeof *order; j++) put_ms(f, x, c, order[j]);
      fputc('\n', f);
    }
  fprintf(f, "\nMean ± s.e. over seeds. Gao et al. (2022)'s RL form R(d) = d(α − β log d) fit by "
             "least squares to each run's iterations, d = √KL with KL = kl_ref (per-step "
             "KL(π ‖ π_ref) under d_π, exact), R = gold J − J_ref, J_ref the gold J of the "
             "reference policy (its run's summary.ini exact_J%s); R² of the fit. The peak is the "
             "iteration of the largest gold J; gold lost = gold J at the peak − at the last "
             "iteration, proxy gain = proxy J at the last iteration − at the peak: "
             "overoptimization is both > 0.\n",
          approx ? "; where a row has no ref_policy, the run's first gold J, one iteration in" : "");
}

tr_status exp_oo_section(FILE *f, const exp_table *t) {
  exp_oo x;
  tr_status st = exp_oo_load(&x, t);
  if (st) return st;
  if (x.found) exp_oo_write(f, &x);
  exp_oo_free(&x);
  return TR_OK;
}

tr_status exp_oo_figures(const exp_table *t, const char *pdir, char (*bases)[256], size_t *n_fig) {
  exp_oo x;
  tr_status st = exp_oo_load(&x, t);
  if (st || !x.found) {
    exp_oo_free(&x);
    return st;
  }
  const exp_spec *s = t->s;
  size_t E = s->n_envs, M = EXP_OO_M;
  for (size_t v = 0; !st && v < s->n_variants; v++)
    for (size_t e = 0; !st && e < E; e++) {
      size_t c = v * E + e, blocks = 0;
      if (!x.n[c * M + EXP_OO_KL_PEAK]) continue;
      char sv[100], se[120], base[256], name[300], title[512];
      exp_safe_name(sv, sizeof sv, s->variants[v].name);
      exp_safe_name(se, sizeof se, s->envs[e]);
      snprintf(base, sizeof base, "overopt_%s_%s", sv, se);
      tr_atomic_file af;
      snprintf(name, sizeof name, "%s.dat", base);
      if ((st = tr_atomic_open_in(&af, pdir, name))) break;
      for (size_t k = 0; k < t->n_runs; k++) {
        const exp_run_ref *r = &t->runs[k];
        double *gold, *proxy, *kl;
        size_t n;
        if (r->variant != v || r->env != e || !(n = read_cols(t, r, &gold, &proxy, &kl))) continue;
        fprintf(af.f, "# seed %llu: sqrt_kl_ref gold_J-J_ref proxy_J\n", (unsigned long long)r->seed);
        for (size_t i = 0; i < n; i++)
          fprintf(af.f, "%.17g\t%.17g\t%.17g\n", sqrt(kl[i]), gold[i] - x.j_ref[k], proxy[i]);
        fputs("\n\n", af.f);
        blocks++;
        free(gold), free(proxy), free(kl);
      }
      if ((st = tr_atomic_commit(&af))) break;
      snprintf(name, sizeof name, "%s.gp", base);
      if ((st = tr_atomic_open_in(&af, pdir, name))) break;
      FILE *f = af.f;
      snprintf(title, sizeof title, "%s: %s on %s: gold J against √KL", s->name,
               s->variants[v].name, s->envs[e]);
      exp_gp_head(f, s->name, title, base);
      fputs("set title ", f);
      exp_gp_string(f, title);
      fputs("\nset key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2\n"
            "set xlabel \"d = √KL(π ‖ π_ref) (per step, exact)\"\n"
            "set ylabel \"gold J − J(π_ref)\"\nset xzeroaxis lt 1 lc rgb \"#999999\"\n", f);
      double a = x.mean[c * M + EXP_OO_ALPHA], b = x.mean[c * M + EXP_OO_BETA];
      exp_gp_png(f, base, 1100, 620);
      fputs("plot \\\n", f);
      for (size_t i = 0; i < blocks; i++)
        fprintf(f, "%s  \"%s.dat\" index %zu using 1:2 with linespoints pt 7 ps 0.5 lc rgb \"%s\" "
                   "title \"run %zu\"", i ? ", \\\n" : "", base, i,
                exp_gp_palette[i % exp_gp_n_palette], i + 1);
      if (isfinite(a) && isfinite(b))
        fprintf(f, ", \\\n  (x > 0 ? x * (%.17g - %.17g * log(x)) : 0) with lines dt 2 lw 2 "
                   "lc rgb \"black\" title \"d(α − β log d), mean α, β\"", a, b);
      fputc('\n', f);
      exp_gp_svg(f, base, 1100, 620);
      if ((st = tr_atomic_commit(&af))) break;
      snprintf(bases[(*n_fig)++], sizeof bases[0], "%s", base);
    }
  exp_oo_free(&x);
  return st;
}
