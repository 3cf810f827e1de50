/* theory/verdicts.c — see verdicts.h */
#include "theory/verdicts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "theory/certify.h"

static int is_local(const thy_claim *c) {
  return c >= thy_claims_local && c < thy_claims_local + thy_claims_local_n;
}

/* Passes the search's per-claim share on as the whole search's progress. */
typedef struct {
  const thy_verdicts_search_opts *so;
  thy_verdicts_progress p;
  size_t evals0; /* instances of the claims before this one */
} progress_ctx;

static void claim_progress(void *arg, double done, size_t evals) {
  progress_ctx *pc = arg;
  pc->p.evals = pc->evals0 + evals;
  pc->p.fraction = ((double)pc->p.claims_done + done) / (double)pc->p.claims_total;
  pc->so->progress(pc->so->progress_arg, &pc->p);
}

static tr_status search_row(thy_verify_row *row, const thy_verify_opts *o,
                            const thy_verdicts_search_opts *vso, progress_ctx *pc) {
  thy_instance_data d[THY_WORST_K];
  thy_search_start starts[THY_WORST_K];
  size_t ns = 0;
  tr_status st = TR_OK;
  for (size_t k = 0; k < row->n_worst && !st; k++) {
    if ((st = thy_instance_build(&d[ns], o, row->worst[k]))) break;
    starts[ns] = (thy_search_start){d[ns].m, d[ns].pi, d[ns].pi2, d[ns].alpha};
    ns++;
  }
  thy_search_opts so = {vso->states ? vso->states : o->states,
                        vso->states ? vso->n_states : o->n_states,
                        o->actions, o->n_actions, o->gammas, o->n_gammas, vso->restarts,
                        vso->max_iter, o->seed, starts, ns,
                        vso->progress ? claim_progress : NULL, pc};
  thy_search_result res;
  if (!st && !(st = thy_search_claim(&res, row->claim, &so))) {
    row->search_instances = res.evals;
    row->search_max_tightness = thy_check_tightness(&res.best);
    row->search_violated = res.violated;
    row->search_best = res.best;
    row->search_m = res.m;
    row->search_pi = res.pi;
    row->search_pi2 = res.pi2;
    row->search_alpha = res.alpha;
  }
  for (size_t k = 0; k < ns; k++) thy_instance_data_free(&d[k]);
  return st;
}

static int to_search(const thy_verify_row *row, const thy_verdicts_search_opts *so) {
  return thy_search_applies(row->claim) && !row->search_m &&
         (!so->course_only || row->claim->kind == THY_COURSE);
}

tr_status thy_verdicts_search(thy_verify_report *r, const thy_verify_opts *o,
                              const thy_verdicts_search_opts *so) {
  tr_status st = TR_OK;
  progress_ctx pc = {so, {0, 0, NULL, 0, 0.0, 0}, 0};
  for (size_t j = 0; j < r->n_rows; j++) pc.p.claims_total += to_search(&r->rows[j], so);
  for (size_t j = 0; j < r->n_rows && !st; j++) {
    thy_verify_row *row = &r->rows[j];
    if (!to_search(row, so)) continue;
    pc.p.claim = row->claim->id;
    st = search_row(row, o, so, &pc);
    if (st) {
      tr_error_prefix("search %s", row->claim->id);
      break;
    }
    pc.evals0 += row->search_instances;
    pc.p.claims_done++;
    pc.p.evals = pc.evals0;
    pc.p.fraction = (double)pc.p.claims_done / (double)pc.p.claims_total;
    pc.p.finished = 1;
    if (so->progress) so->progress(so->progress_arg, &pc.p);
    pc.p.finished = 0;
  }
  return st;
}

void thy_verdict_instance_free(thy_verdict_instance *vi) {
  thy_instance_data_free(&vi->d);
  memset(vi, 0, sizeof *vi);
}

int thy_verdict_instance_get(thy_verdict_instance *vi, const thy_verify_row *row,
                             const thy_verify_opts *o, tr_status *st) {
  memset(vi, 0, sizeof *vi);
  *st = TR_OK;
  if (is_local(row->claim)) return 0;
  int violated = thy_verify_row_violated(row);
  int use_search = row->search_m && (violated ? row->search_violated : 1);
  /* a tightest random instance beats a search that found less */
  if (use_search && !violated && row->n_worst && row->worst_t[0] > row->search_max_tightness)
    use_search = 0;
  if (use_search) {
    vi->m = row->search_m;
    vi->pi = row->search_pi;
    vi->pi2 = row->search_pi2;
    vi->alpha = row->search_alpha;
    vi->source = "search";
    return 1;
  }
  size_t i;
  if (violated && row->has_counterexample) i = row->ce_instance;
  else if (!violated && row->n_worst) i = row->worst[0];
  else return 0;
  if ((*st = thy_instance_build(&vi->d, o, i))) return 0;
  vi->m = vi->d.m;
  vi->pi = vi->d.pi;
  vi->pi2 = vi->d.pi2;
  vi->alpha = vi->d.alpha;
  vi->source = "random";
  vi->instance = i;
  return 1;
}

tr_status thy_verdicts_certify(thy_verify_report *r, const thy_verify_opts *o) {
  tr_status st = TR_OK;
  for (size_t j = 0; j < r->n_rows && !st; j++) {
    thy_verify_row *row = &r->rows[j];
    if (!thy_certify_supports(row->claim->id)) continue;
    thy_verdict_instance vi;
    if (!thy_verdict_instance_get(&vi, row, o, &st)) continue;
    thy_cert cert;
    st = thy_certify(&cert, row->claim->id, vi.m, vi.pi, vi.pi2, vi.alpha);
    if (!st) {
      int want = thy_verify_row_violated(row) ? -1 : 1;
      row->certified = cert.applicable && cert.verdict == want;
    } else {
      tr_error_prefix("certify %s", row->claim->id);
    }
    thy_verdict_instance_free(&vi);
  }
  return st;
}
