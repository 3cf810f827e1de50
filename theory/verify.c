/* theory/verify.c — see verify.h */
#include "theory/verify.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/rng.h"
#include "core/size.h"
#include "mdps/generators.h"
#include "theory/instances.h"
#include "theory/softmax.h"

void thy_instance_data_free(thy_instance_data *d) {
  mdp_free(d->m);
  free(d->theta);
  free(d->pi);
  free(d->pi2);
  thy_values_free(d->v);
  thy_values_free(d->v2);
  thy_ws_free(d->ws);
  memset(d, 0, sizeof *d);
}

static size_t pick_size(const size_t *list, size_t n, gsl_rng *r) {
  return list[gsl_rng_uniform_int(r, n)];
}

tr_status thy_instance_build(thy_instance_data *d, const thy_verify_opts *o, size_t i) {
  char id[64];
  memset(d, 0, sizeof *d);
  snprintf(id, sizeof id, "verify:%zu", i);
  gsl_rng *r = tr_rng_derive(o->seed, id);
  if (!r) return TR_ENOMEM;
  tr_status st = TR_OK;
  size_t S = pick_size(o->states, o->n_states, r), A = pick_size(o->actions, o->n_actions, r);
  double gamma = o->gammas[gsl_rng_uniform_int(r, o->n_gammas)];
  d->m = thy_random_mdp(S, A, gamma, r, &d->branching, &d->mu_kind, &d->near_det);
  size_t n = S * A;
  d->theta = tr_malloc(n * sizeof *d->theta);
  d->pi = tr_malloc(n * sizeof *d->pi);
  d->pi2 = tr_malloc(n * sizeof *d->pi2);
  d->v = thy_values_alloc(S, A);
  d->v2 = thy_values_alloc(S, A);
  d->ws = thy_ws_alloc(S);
  double *th2 = tr_malloc(n * sizeof *th2);
  if (!d->m || !d->theta || !d->pi || !d->pi2 || !d->v || !d->v2 || !d->ws || !th2) {
    st = TR_ENOMEM;
    goto done;
  }
  static const double sigmas[] = {0.3, 1.0, 3.0, 10.0};
  double sigma = sigmas[gsl_rng_uniform_int(r, 4)];
  for (size_t k = 0; k < n; k++) d->theta[k] = gsl_ran_gaussian(r, sigma);
  thy_softmax(d->pi, d->theta, S, A);
  if ((st = thy_evaluate(d->v, d->m, d->pi, THY_SOLVER_DENSE, d->ws))) goto done;
  d->pair_kind = (int)gsl_rng_uniform_int(r, 4);
  static const double noise[] = {0.01, 0.3, 3.0};
  if (d->pair_kind < 3) {
    for (size_t k = 0; k < n; k++)
      th2[k] = (d->pair_kind < 2 ? d->theta[k] : 0.0) + gsl_ran_gaussian(r, noise[d->pair_kind]);
    thy_softmax(d->pi2, th2, S, A);
  } else {
    thy_greedy(d->pi2, d->v->Q, S, A);
  }
  if ((st = thy_evaluate(d->v2, d->m, d->pi2, THY_SOLVER_DENSE, d->ws))) goto done;
  d->alpha = gsl_rng_uniform(r) < 0.5 ? gsl_rng_uniform(r) : pow(10.0, gsl_ran_flat(r, -4.0, 0.0));
done:
  free(th2);
  gsl_rng_free(r);
  if (st) {
    tr_error_prefix("instance %zu", i);
    thy_instance_data_free(d);
  }
  return st;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Keep instance i among the THY_WORST_K tightest (largest tightness first). */
static void worst_add(thy_verify_row *row, double t, size_t i) {
  if (!isfinite(t)) return;
  size_t k = row->n_worst < THY_WORST_K ? row->n_worst++ : THY_WORST_K;
  if (k == THY_WORST_K) {
    if (!(t > row->worst_t[THY_WORST_K - 1])) return;
    k = THY_WORST_K - 1;
  }
  for (; k > 0 && row->worst_t[k - 1] < t; k--) {
    row->worst_t[k] = row->worst_t[k - 1];
    row->worst[k] = row->worst[k - 1];
  }
  row->worst_t[k] = t;
  row->worst[k] = i;
}

static void row_add(thy_verify_row *row, const thy_check *c, size_t i, int keep) {
  if (!c->applicable) return;
  size_t k = row->instances++;
  double res = thy_check_residual(c, row->claim->kind);
  if (k == 0 || res > row->max_residual || isnan(res)) row->max_residual = res;
  row->identity = c->identity;
  if (!c->identity) {
    double sl = thy_check_slack(c);
    if (k == 0 || sl < row->min_slack) row->min_slack = sl;
    double t = thy_check_tightness(c);
    if (isfinite(t)) row->tight[row->n_tight++] = t;
    worst_add(row, t, i);
  }
  if (keep) {
    row->lhs[k] = c->lhs;
    row->rhs[k] = c->rhs;
    row->room[k] = c->room;
  }
  /* the counterexample shown is the worst violation (largest residual), not the first */
  if (thy_check_violated(c, row->claim)) {
    if (!row->violations || res > row->ce_residual) {
      row->has_counterexample = 1;
      row->ce_instance = i;
      row->ce = *c;
      row->ce_residual = res;
    }
    row->violations++;
  }
}

static void row_finish(thy_verify_row *row) {
  if (row->n_tight) {
    qsort(row->tight, row->n_tight, sizeof *row->tight, cmp_double);
    size_t h = row->n_tight / 2;
    row->median_tightness =
        row->n_tight % 2 ? row->tight[h] : 0.5 * (row->tight[h - 1] + row->tight[h]);
  } else {
    row->median_tightness = NAN;
  }
  if (!row->instances) row->max_residual = row->min_slack = NAN;
}

void thy_verify_report_free(thy_verify_report *r) {
  if (!r) return;
  for (size_t j = 0; j < r->n_rows; j++) {
    free(r->rows[j].tight);
    free(r->rows[j].lhs);
    free(r->rows[j].rhs);
    free(r->rows[j].room);
    mdp_free(r->rows[j].search_m);
    free(r->rows[j].search_pi);
    free(r->rows[j].search_pi2);
  }
  free(r->rows);
  free(r);
}

/* Sizes before memory (core/size.h): the rows' N points per claim, and one instance of the
 * largest S and A (Garnet rows up to S entries, dense S x S solves; 16 S·A·S + 16 S·S bytes,
 * counted as S · S · 16(A + 1)). */
static tr_status check_sizes(const thy_verify_opts *o, size_t nc) {
  tr_status st = tr_mem_need("--mdps", o->n_mdps, 4 * nc, sizeof(double));
  size_t S = 0, A = 0, A1, per;
  for (size_t i = 0; i < o->n_states; i++) S = o->states[i] > S ? o->states[i] : S;
  for (size_t i = 0; i < o->n_actions; i++) A = o->actions[i] > A ? o->actions[i] : A;
  if (!st && (tr_size_add(&A1, A, 1) || tr_size_mul(&per, A1, 16)))
    st = tr_mem_need("--actions", A, 16, 1);
  if (!st) st = tr_mem_need("--states", S, S, per);
  return st;
}

static tr_status report_alloc(thy_verify_report **out, const thy_verify_opts *o) {
  size_t nc = thy_claims_count();
  tr_status st0 = check_sizes(o, nc);
  if (st0) return st0;
  thy_verify_report *r = tr_calloc(1, sizeof *r);
  if (!r) return TR_ENOMEM;
  r->rows = tr_calloc(nc, sizeof *r->rows);
  if (!r->rows) {
    free(r);
    return TR_ENOMEM;
  }
  for (size_t j = 0; j < nc; j++) {
    const thy_claim *c = thy_claim_at(j);
    if (o->claim && strcmp(o->claim, c->id)) continue;
    thy_verify_row *row = &r->rows[r->n_rows++];
    row->claim = c;
    row->certified = -1;
    row->search_max_tightness = NAN;
    row->tight = tr_malloc(o->n_mdps * sizeof *row->tight);
    if (o->keep_points) {
      row->lhs = tr_malloc(o->n_mdps * sizeof *row->lhs);
      row->rhs = tr_malloc(o->n_mdps * sizeof *row->rhs);
      row->room = tr_malloc(o->n_mdps * sizeof *row->room);
    }
    if (!row->tight || (o->keep_points && (!row->lhs || !row->rhs || !row->room))) {
      thy_verify_report_free(r);
      return TR_ENOMEM;
    }
  }
  if (o->claim && !r->n_rows) {
    thy_verify_report_free(r);
    return tr_error(TR_EINVAL, "--claim: unknown claim '%s' (trbench verify --list shows them)",
                    o->claim);
  }
  *out = r;
  return TR_OK;
}

tr_status thy_verify_run(thy_verify_report **out, const thy_verify_opts *o) {
  thy_verify_report *r = NULL;
  tr_status st = report_alloc(&r, o);
  if (st) return st;
  gsl_rng *crng = tr_rng_alloc(1);
  if (!crng) {
    thy_verify_report_free(r);
    return TR_ENOMEM;
  }
  double t0 = tr_clock_seconds();
  for (size_t i = 0; i < o->n_mdps && !st; i++) {
    thy_instance_data d;
    if ((st = thy_instance_build(&d, o, i))) break;
    for (size_t j = 0; j < r->n_rows && !st; j++) {
      char id[128];
      snprintf(id, sizeof id, "verify:%zu:%s", i, r->rows[j].claim->id);
      gsl_rng_set(crng, (unsigned long)tr_seed_derive(o->seed, id));
      thy_instance in = {d.m, d.pi, d.pi2, d.theta, d.v, d.v2, d.alpha, crng, d.ws};
      thy_check c;
      memset(&c, 0, sizeof c);
      st = r->rows[j].claim->check(&c, &in);
      if (st) {
        tr_error_prefix("claim %s, instance %zu", r->rows[j].claim->id, i);
        break;
      }
      row_add(&r->rows[j], &c, i, o->keep_points);
    }
    thy_instance_data_free(&d);
    r->n_instances = i + 1;
  }
  r->seconds = tr_clock_seconds() - t0;
  gsl_rng_free(crng);
  if (st) {
    thy_verify_report_free(r);
    return st;
  }
  for (size_t j = 0; j < r->n_rows; j++) row_finish(&r->rows[j]);
  *out = r;
  return TR_OK;
}

static void put_num(FILE *f, double x) {
  if (isnan(x)) fputs("\t-", f);
  else fprintf(f, "\t%.6g", x);
}

void thy_verify_write_tsv(const thy_verify_report *r, FILE *f) {
  fputs("claim\tkind\tinstances\tviolations\tmax_residual\tmin_slack\tmedian_tightness"
        "\tsearch_instances\tsearch_max_tightness\tverdict\tcertified\n", f);
  for (size_t j = 0; j < r->n_rows; j++) {
    const thy_verify_row *row = &r->rows[j];
    int id = row->claim->kind == THY_IDENTITY || row->identity;
    fprintf(f, "%s\t%s\t%zu\t%zu", row->claim->id, thy_claim_kind_name(row->claim->kind),
            row->instances, row->violations);
    put_num(f, row->max_residual);
    put_num(f, id ? NAN : row->min_slack);
    put_num(f, id ? NAN : row->median_tightness);
    if (row->search_instances) fprintf(f, "\t%zu", row->search_instances);
    else fputs("\t-", f);
    put_num(f, row->search_instances ? row->search_max_tightness : NAN);
    fprintf(f, "\t%s\t%s\n", thy_verify_row_verdict(row),
            row->certified < 0 ? "-" : row->certified ? "yes" : "no");
  }
}

int thy_verify_row_violated(const thy_verify_row *row) {
  return row->violations > 0 || row->search_violated;
}

const char *thy_verify_row_verdict(const thy_verify_row *row) {
  if (thy_verify_row_violated(row)) return "violated";
  return row->search_instances ? "holds" : "not_refuted";
}

int thy_verify_failed(const thy_verify_report *r) {
  for (size_t j = 0; j < r->n_rows; j++)
    if (r->rows[j].claim->kind != THY_COURSE && thy_verify_row_violated(&r->rows[j])) return 1;
  return 0;
}
