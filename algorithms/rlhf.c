/* algorithms/rlhf.c — see rlhf.h */
#include "algorithms/rlhf.h"
#include "core/size.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/checkpoint.h"
#include "algorithms/preferences.h"
#include "algorithms/reward_model.h"
#include "algorithms/run.h"
#include "core/rng.h"
#include "theory/soft.h"

/* steps the labeling environment samples per call */
#define RLHF_CHUNK 1024
/* the labeler gives up when this many episodes gave no segment */
#define RLHF_MAX_BARREN_EPISODES 200

struct alg_rlhf {
  int learned;
  double beta;
  int have_ref;
  double *theta_ref;       /* (P) */
  pol_ws *ws_ref;          /* Bmax = T */
  double *logp_ref;        /* (T) */
  pol_ws *ws1;             /* Bmax = 1: the vine rollouts' steps */
  double *x1;              /* (max(I, 1)) a vine step's features */
  /* labels and the reward model (reward = learned) */
  alg_sampler *ps;         /* the labeling environment (one instance) */
  alg_batch *pb;           /* (RLHF_CHUNK) */
  gsl_rng *rng;            /* the labeler's and the reward model's draws */
  pol_ws *ws_p;            /* Bmax = 1 */
  const double *act_theta; /* the policy the labeling environment acts with */
  alg_pref_data *data;
  alg_rm *rm;
  size_t I;                /* feature width (0: tabular) */
  size_t queries_done;
  size_t *pend[2], npend[2], cap_pend[2]; /* segments not yet shown, by source */
  size_t *step_idx;        /* (max(T, RLHF_CHUNK)) tabular steps */
  double *step_x;          /* (max(T, RLHF_CHUNK), I) feature steps */
  unsigned char *done;     /* (RLHF_CHUNK) */
  double rm_loss;
  /* tabular */
  double *pi_ref_tab;      /* (S, A) */
  mdp *proxy;              /* the run's MDP with r_φ (reward = learned) */
  thy_values *ev;          /* π_new on the proxy */
  int soft_valid;
  double soft_J;
};

int alg_rlhf_wanted(const alg_shared_params *sh) {
  return sh->reward == ALG_REWARD_LEARNED || sh->kl_ref_coef > 0;
}

const char *alg_rlhf_check(const alg_shared_params *sh) {
  if (alg_rlhf_wanted(sh) && sh->value_function == ALG_VALUE_EXACT)
    return "value_function=exact is the exact V of the true reward, not of reward=learned or "
           "kl_ref_coef > 0: use value_function=mlp";
  return NULL;
}

/* ---- construction ------------------------------------------------------------------ */
tr_status alg_run_set_reference(alg_run *run) {
  tr_status st = run->state.rlhf ? TR_OK : alg_rlhf_alloc(run);
  if (st) return st;
  alg_rlhf *h = run->state.rlhf;
  memcpy(h->theta_ref, run->state.theta, run->model.pol->P * sizeof *h->theta_ref);
  h->have_ref = 1;
  if (run->model.tab) st = alg_run_tabulate(run, h->theta_ref, h->pi_ref_tab);
  h->soft_valid = 0;
  return st;
}

/* The labeling environment's observation transform: the run's normalizer, not updated. */
static void ps_transform(void *ctx, double *obs, size_t B, int update) {
  alg_run *run = ctx;
  (void)update;
  alg_running_norm_apply(run->state.obs_norm, obs, obs, B);
}

static tr_status ps_act(void *ctx, const double *obs, size_t B, gsl_rng *r, double *actions,
                        double *logp) {
  alg_run *run = ctx;
  alg_rlhf *h = run->state.rlhf;
  tr_status st = pol_forward(run->model.pol, h->act_theta, obs, B, h->ws_p, NULL);
  if (st) return st;
  pol_sample(run->model.pol, h->ws_p->dist, B, r, actions);
  return logp ? pol_log_prob(run->model.pol, h->ws_p->dist, actions, B, logp) : TR_OK;
}

static tr_status alloc_learned(alg_run *run, alg_rlhf *h) {
  const alg_shared_params *sh = run->model.shared;
  const env_model *em = run->model.em;
  env_space sp = env_action_space(em);
  size_t O = env_obs_dim(em), N = 0, T = run->model.T;
  if (run->model.tab) N = run->model.tab->S * run->model.tab->A;
  else h->I = O + (sp.kind == ENV_DISCRETE ? sp.n : sp.n);
  size_t rows = T > RLHF_CHUNK ? T : RLHF_CHUNK;
  h->rng = tr_rng_derive(run->model.seed, "preferences");
  h->ps = alg_sampler_alloc(em, 1, tr_seed_derive(run->model.seed, "preference-env"));
  h->pb = alg_batch_alloc(RLHF_CHUNK, O, env_action_dim(em));
  h->ws_p = pol_ws_alloc(run->model.pol, 1);
  h->data = alg_pref_data_alloc(sh->pref_segment, h->I);
  h->done = tr_malloc(RLHF_CHUNK);
  h->step_idx = tr_malloc(rows * sizeof *h->step_idx);
  h->step_x = h->I ? tr_malloc(rows * h->I * sizeof *h->step_x) : NULL;
  if (!h->rng || !h->ps || !h->pb || !h->ws_p || !h->data || !h->done || !h->step_idx ||
      (h->I && !h->step_x))
    return TR_ENOMEM;
  if (sh->time_limit) alg_sampler_set_time_limit(h->ps, sh->time_limit);
  if (run->state.obs_norm) alg_sampler_set_transform(h->ps, ps_transform, run);
  gsl_rng *init = tr_rng_derive(run->model.seed, "reward-model-init");
  if (!init) return TR_ENOMEM;
  h->rm = alg_rm_alloc(N, h->I, sh->rm_ensemble, sh->rm_hidden_layers, sh->rm_hidden_size,
                       (nn_activation)sh->activation, sh->rm_normalize, sh->pref_segment,
                       sh->rm_batch, init);
  gsl_rng_free(init);
  if (!h->rm) return TR_ENOMEM;
  h->rm_loss = NAN;
  if (run->model.tab && !(h->proxy = mdp_copy(run->model.tab))) return TR_ENOMEM;
  return TR_OK;
}

/* One vine-rollout step's reward, as alg_rlhf_rewards gives the batch's: r_φ(s, a) (or the
 * environment's r) − β (log π_θ(a|s) − log π_ref(a|s)), θ the policy the vine acts with. */
static tr_status vine_reward(void *ctx, const double *obs, const double *act, double r,
                             double *out) {
  alg_run *run = ctx;
  alg_rlhf *h = run->state.rlhf;
  tr_status st = TR_OK;
  *out = r;
  if (h->learned) {
    size_t O = env_obs_dim(run->model.em);
    if (!h->I) { /* tabular: the one-hot observation's state */
      size_t s = 0, A = run->model.tab->A, idx;
      for (size_t i = 1; i < O; i++)
        if (obs[i] > obs[s]) s = i;
      idx = s * A + (size_t)act[0];
      st = alg_rm_predict(h->rm, &idx, NULL, 1, out);
    } else {
      memcpy(h->x1, obs, O * sizeof *h->x1);
      if (env_action_space(run->model.em).kind == ENV_DISCRETE) {
        memset(h->x1 + O, 0, (h->I - O) * sizeof *h->x1);
        h->x1[O + (size_t)act[0]] = 1.0;
      } else memcpy(h->x1 + O, act, (h->I - O) * sizeof *h->x1);
      st = alg_rm_predict(h->rm, NULL, h->x1, 1, out);
    }
  }
  if (st || h->beta == 0) return st;
  const pol_policy *pol = run->model.pol;
  double lp, lref;
  if ((st = pol_forward(pol, run->state.theta, obs, 1, h->ws1, NULL)) ||
      (st = pol_log_prob(pol, h->ws1->dist, act, 1, &lp)) ||
      (st = pol_forward(pol, h->theta_ref, obs, 1, h->ws1, NULL)) ||
      (st = pol_log_prob(pol, h->ws1->dist, act, 1, &lref)))
    return st;
  *out -= h->beta * (lp - lref);
  return TR_OK;
}

tr_status alg_rlhf_alloc(alg_run *run) {
  const alg_shared_params *sh = run->model.shared;
  size_t P = run->model.pol->P, T = run->model.T;
  alg_rlhf *h = run->state.rlhf = tr_calloc(1, sizeof *h);
  if (!h) return TR_ENOMEM;
  h->learned = sh->reward == ALG_REWARD_LEARNED;
  h->beta = sh->kl_ref_coef;
  h->theta_ref = tr_malloc(P * sizeof *h->theta_ref);
  h->ws_ref = pol_ws_alloc(run->model.pol, T);
  h->logp_ref = tr_malloc(T * sizeof *h->logp_ref);
  h->ws1 = pol_ws_alloc(run->model.pol, 1);
  if (!h->theta_ref || !h->ws_ref || !h->logp_ref || !h->ws1) return TR_ENOMEM;
  if (run->model.tab) {
    size_t S = run->model.tab->S, A = run->model.tab->A;
    h->pi_ref_tab = tr_malloc(S * A * sizeof *h->pi_ref_tab);
    h->ev = thy_values_alloc(S, A);
    if (!h->pi_ref_tab || !h->ev) return TR_ENOMEM;
  }
  tr_status st = h->learned ? alloc_learned(run, h) : TR_OK;
  if (!st && !(h->x1 = tr_malloc((h->I ? h->I : 1) * sizeof *h->x1))) st = TR_ENOMEM;
  /* TRPO's vine rollouts: their steps' rewards as the batch's (alg_rlhf_rewards) */
  if (!st) alg_sampler_set_reward(run->state.sampler, vine_reward, run);
  return st;
}

void alg_rlhf_free(alg_rlhf *h) {
  if (!h) return;
  free(h->theta_ref), free(h->logp_ref), free(h->x1);
  pol_ws_free(h->ws_ref);
  pol_ws_free(h->ws1);
  alg_sampler_free(h->ps);
  alg_batch_free(h->pb);
  gsl_rng_free(h->rng);
  pol_ws_free(h->ws_p);
  alg_pref_data_free(h->data);
  alg_rm_free(h->rm);
  free(h->pend[0]), free(h->pend[1]);
  free(h->step_idx), free(h->step_x), free(h->done);
  free(h->pi_ref_tab);
  mdp_free(h->proxy);
  thy_values_free(h->ev);
  free(h);
}

/* ---- steps as the reward model reads them --------------------------------------------- */
/* The n steps of b from row r0 into h->step_idx (tabular) or h->step_x (features). */
static void steps_of(alg_run *run, const alg_batch *b, size_t r0, size_t n) {
  alg_rlhf *h = run->state.rlhf;
  if (!h->I) {
    size_t A = run->model.tab->A;
    for (size_t t = 0; t < n; t++)
      h->step_idx[t] = b->state[r0 + t] * A + (size_t)b->act[r0 + t];
    return;
  }
  size_t O = b->O, U = b->U, W = h->I - O;
  int discrete = env_action_space(run->model.em).kind == ENV_DISCRETE;
  for (size_t t = 0; t < n; t++) {
    double *x = h->step_x + t * h->I;
    memcpy(x, b->obs + (r0 + t) * O, O * sizeof *x);
    if (discrete) {
      memset(x + O, 0, W * sizeof *x);
      x[O + (size_t)b->act[r0 + t]] = 1.0;
    } else memcpy(x + O, b->act + (r0 + t) * U, U * sizeof *x);
  }
}

/* ---- labels ------------------------------------------------------------------------- */
static tr_status pend_push(alg_rlhf *h, int src, size_t id) {
  if (h->npend[src] == h->cap_pend[src]) {
    size_t c = h->cap_pend[src] ? 2 * h->cap_pend[src] : 64;
    size_t *p = realloc(h->pend[src], c * sizeof *p);
    if (!p) return TR_ENOMEM;
    h->pend[src] = p, h->cap_pend[src] = c;
  }
  h->pend[src][h->npend[src]++] = id;
  return TR_OK;
}

/* At least want unseen segments of source src. */
static tr_status collect(alg_run *run, int src, size_t want) {
  alg_rlhf *h = run->state.rlhf;
  alg_pref_data *d = h->data;
  h->act_theta = src == ALG_PREF_REFERENCE ? h->theta_ref : run->state.theta;
  size_t episodes = 0, longest = 0, made_all = 0, longest0 = d->longest_episode;
  d->longest_episode = 0;
  while (h->npend[src] < want) {
    tr_status st = alg_sample_single_path(h->pb, h->ps, RLHF_CHUNK, ps_act, run);
    if (st) return st;
    for (size_t t = 0; t < RLHF_CHUNK; t++)
      h->done[t] = h->pb->term[t] || (h->pb->trunc[t] && !h->pb->cut[t]);
    steps_of(run, h->pb, 0, RLHF_CHUNK);
    size_t made = 0, first = d->n_seg;
    if ((st = alg_pref_add_steps(d, h->I ? NULL : h->step_idx, h->I ? h->step_x : NULL,
                                 h->pb->rew, h->done, RLHF_CHUNK, src, h->rng, &made)))
      return st;
    for (size_t i = first; i < d->n_seg; i++)
      if ((st = pend_push(h, src, i))) return st;
    made_all += made, episodes += h->pb->n_episodes;
    if (d->longest_episode > longest) longest = d->longest_episode;
    if (!made_all && episodes >= RLHF_MAX_BARREN_EPISODES)
      return tr_error(TR_EINVAL, "the labeler produces no pairs: segments of pref_segment=%zu "
                                 "steps are longer than every episode (the longest of %zu was "
                                 "%zu steps)", d->k, episodes, longest);
  }
  if (longest0 > d->longest_episode) d->longest_episode = longest0;
  return TR_OK;
}

/* The queries due before this iteration (rlhf.h: the schedule). */
static size_t queries_due(const alg_run *run) {
  const alg_shared_params *sh = run->model.shared;
  size_t N = sh->pref_labels;
  if (sh->pref_schedule == ALG_PREF_OFFLINE) return N;
  size_t n0 = (size_t)llround(sh->pref_initial * (double)N);
  size_t half = (run->model.n_iters + 1) / 2, i = run->state.iter;
  if (!half || i >= half) return N;
  return n0 + (size_t)((double)(N - n0) * (double)i / (double)half);
}

static tr_status label_queries(alg_run *run, size_t n) {
  alg_rlhf *h = run->state.rlhf;
  const alg_shared_params *sh = run->model.shared;
  size_t K = sh->pref_rank, need[2] = {0, 0};
  for (size_t q = 0; q < n; q++)
    for (size_t j = 0; j < K; j++) {
      int src = sh->pref_source == ALG_PREF_MIX ? (int)(j % 2) : sh->pref_source;
      need[src]++;
    }
  tr_status st = TR_OK;
  for (int src = 0; src < 2 && !st; src++)
    if (need[src]) st = collect(run, src, need[src]);
  size_t used[2] = {0, 0};
  for (size_t q = 0; q < n && !st; q++) {
    size_t seg[64];
    for (size_t j = 0; j < K; j++) {
      int src = sh->pref_source == ALG_PREF_MIX ? (int)(j % 2) : sh->pref_source;
      seg[j] = h->pend[src][used[src]++];
    }
    st = alg_pref_label(h->data, seg, K, sh->pref_temperature, sh->pref_epsilon, 0,
                        run->state.iter, h->rng);
  }
  for (int src = 0; src < 2; src++) { /* drop the shown segments from the queue */
    if (!used[src]) continue; /* (an empty queue may have no array at all) */
    memmove(h->pend[src], h->pend[src] + used[src], (h->npend[src] - used[src]) * sizeof(size_t));
    h->npend[src] -= used[src];
  }
  if (!st) h->queries_done += n;
  return st;
}

/* r_φ on every (s, a) into the proxy MDP (tabular). */
static tr_status proxy_rewards(alg_rlhf *h) {
  size_t N = h->proxy->S * h->proxy->A;
  size_t *idx = tr_malloc(N * sizeof *idx);
  if (!idx) return TR_ENOMEM;
  for (size_t i = 0; i < N; i++) idx[i] = i;
  tr_status st = alg_rm_predict(h->rm, idx, NULL, N, h->proxy->r);
  free(idx);
  h->soft_valid = 0;
  return st;
}

static tr_status train_rm(alg_run *run) {
  alg_rlhf *h = run->state.rlhf;
  const alg_shared_params *sh = run->model.shared;
  tr_status st = alg_rm_train(h->rm, h->data, sh->rm_epochs, sh->rm_batch, sh->rm_lr, h->rng);
  if (st) return st;
  double s = 0, l;
  for (size_t m = 0; m < h->rm->M; m++) {
    if ((st = alg_rm_bt_loss(h->rm, h->rm->params + m * h->rm->P, h->data, NULL, 0, &l, NULL)))
      return st;
    s += l;
  }
  h->rm_loss = s / (double)h->rm->M;
  return h->proxy ? proxy_rewards(h) : TR_OK;
}

tr_status alg_rlhf_before(alg_run *run) {
  alg_rlhf *h = run->state.rlhf;
  tr_status st = h->have_ref ? TR_OK : alg_run_set_reference(run);
  if (st || !h->learned) return st;
  size_t due = queries_due(run);
  if (due <= h->queries_done) return TR_OK;
  if ((st = label_queries(run, due - h->queries_done))) return st;
  return train_rm(run);
}

/* ---- rewards -------------------------------------------------------------------------- */
tr_status alg_rlhf_rewards(alg_run *run, const alg_batch *b, double *rew) {
  alg_rlhf *h = run->state.rlhf;
  size_t T = run->model.T;
  tr_status st = TR_OK;
  if (h->learned) {
    steps_of(run, b, 0, T);
    st = alg_rm_predict(h->rm, h->I ? NULL : h->step_idx, h->I ? h->step_x : NULL, T, rew);
  } else memcpy(rew, b->rew, T * sizeof *rew);
  if (st || h->beta == 0) return st;
  if ((st = pol_forward(run->model.pol, h->theta_ref, b->obs, T, h->ws_ref, NULL)) ||
      (st = pol_log_prob(run->model.pol, h->ws_ref->dist, b->act, T, h->logp_ref)))
    return st;
  for (size_t t = 0; t < T; t++) rew[t] -= h->beta * (b->logp[t] - h->logp_ref[t]);
  return TR_OK;
}

/* ---- statistics ------------------------------------------------------------------------ */
tr_status alg_rlhf_stats(alg_run *run, alg_iter_stats *s, int exact) {
  alg_rlhf *h = run->state.rlhf;
  if (h->learned) {
    s->pref_labels = (double)h->data->n_cmp;
    s->rm_loss = h->rm_loss;
  }
  if (!exact || !run->model.tab) return TR_OK;
  const mdp *proxy = h->learned ? h->proxy : run->model.tab;
  size_t S = proxy->S, A = proxy->A;
  const double *pi = run->state.pi_new_tab;
  tr_status st = TR_OK;
  if (!h->soft_valid) {
    if ((st = thy_soft_optimum(&h->soft_J, NULL, NULL, proxy, h->pi_ref_tab, h->beta, NULL)))
      return st;
    h->soft_valid = 1;
  }
  const thy_values *gold = run->state.ex_new;
  s->gold_J = gold->J;
  if (h->learned) {
    if ((st = thy_evaluate(h->ev, proxy, pi, THY_SOLVER_AUTO, run->ws.tws))) return st;
    s->proxy_J = h->ev->J;
  } else s->proxy_J = gold->J;
  s->kl_ref = thy_kl_under(gold->d, pi, h->pi_ref_tab, S, A);
  s->sqrt_kl_ref = sqrt(s->kl_ref);
  s->soft_opt_J = h->soft_J;
  s->soft_gap = h->soft_J - (s->proxy_J - h->beta / (1.0 - proxy->gamma) * s->kl_ref);
  return TR_OK;
}

/* ---- checkpoint ------------------------------------------------------------------------ */
tr_status alg_rlhf_ckpt(alg_run *run, alg_ckpt_io *io) {
  alg_rlhf *h = run->state.rlhf;
  if (!h || !h->learned) return TR_OK; /* π_ref is the starting policy, set before a resume */
  tr_status st = alg_ckpt_f64(io, "rlhf.theta_ref", h->theta_ref, run->model.pol->P);
  if (!st) st = alg_ckpt_int(io, "rlhf.have_ref", &h->have_ref);
  if (!st) st = alg_ckpt_rng(io, "rlhf.rng", h->rng);
  if (!st) st = alg_sampler_ckpt_named(h->ps, io, "rlhf.sampler");
  if (!st) st = alg_ckpt_size(io, "rlhf.queries_done", &h->queries_done);
  if (!st) st = alg_ckpt_f64(io, "rlhf.rm_loss", &h->rm_loss, 1);
  for (int src = 0; src < 2 && !st; src++) {
    char nm[64];
    snprintf(nm, sizeof nm, "rlhf.npend%d", src);
    size_t n = h->npend[src];
    if ((st = alg_ckpt_size(io, nm, &n))) break;
    if (alg_ckpt_loading(io)) {
      h->npend[src] = 0;
      for (size_t i = 0; i < n && !st; i++) st = pend_push(h, src, 0);
    }
    snprintf(nm, sizeof nm, "rlhf.pend%d", src);
    if (!st && n) st = alg_ckpt_u64(io, nm, (uint64_t *)h->pend[src], n);
  }
  if (!st) st = alg_pref_data_ckpt(h->data, io, "rlhf.prefs");
  if (!st) st = alg_rm_ckpt(h->rm, io, "rlhf.rm");
  if (st || !alg_ckpt_loading(io)) return st;
  for (int src = 0; src < 2; src++)
    for (size_t i = 0; i < h->npend[src]; i++)
      if (h->pend[src][i] >= h->data->n_seg)
        return tr_error(TR_EINVAL, "a broken block rlhf.pend%d", src);
  if (run->model.tab && (st = alg_run_tabulate(run, h->theta_ref, h->pi_ref_tab))) return st;
  h->soft_valid = 0;
  return h->proxy && h->data->n_cmp ? proxy_rewards(h) : TR_OK;
}

size_t alg_run_pref_comparisons(const alg_run *run) {
  const alg_rlhf *h = run->state.rlhf;
  return h && h->data ? h->data->n_cmp : 0;
}

tr_status alg_run_write_preferences(const alg_run *run, FILE *f) {
  const alg_rlhf *h = run->state.rlhf;
  if (!h || !h->data) return TR_OK;
  return alg_pref_write_tsv(h->data, run->model.tab ? run->model.tab->A : 0, f);
}
