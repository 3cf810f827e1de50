/* algorithms/rollout.c — see rollout.h */
#include "algorithms/rollout.h"

#include "algorithms/checkpoint.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/size.h"

struct alg_sampler {
  const env_model *m;
  size_t E, O, U;
  env **envs;        /* (E) */
  gsl_rng **rngs;    /* (E) one stream per environment (transitions, resets) */
  gsl_rng *act_rng;  /* the policy's stream */
  double *obs;       /* (E, O) current observations */
  int *need_reset;   /* (E) */
  double *ep_ret;    /* (E) running episode return */
  size_t *ep_len;    /* (E) */
  double *act;       /* (E, U) scratch */
  double *logp;      /* (E) scratch */
  /* snapshots of the last single-path batch (alg_sample_single_path_snap) */
  unsigned char *snaps; /* (T, snapshot size) */
  gsl_rng **snap_rngs;  /* (T) stream states at each step */
  size_t snap_cap, snap_bytes;
  env *scratch;         /* an instance for vine rollouts */
  gsl_rng *vine_rng, *vine_base;
  double *vine_obs, *vine_next, *vine_a; /* (O), (O), (U): a vine rollout's scratch */
  alg_obs_fn transform;
  void *transform_ctx;
  alg_reward_fn reward;  /* NULL: the environment's reward in vine rollouts */
  void *reward_ctx;
};

void alg_sampler_set_reward(alg_sampler *s, alg_reward_fn fn, void *ctx) {
  s->reward = fn;
  s->reward_ctx = ctx;
}

void alg_sampler_set_transform(alg_sampler *s, alg_obs_fn fn, void *ctx) {
  s->transform = fn;
  s->transform_ctx = ctx;
}

static void transform(alg_sampler *s, double *obs, int update) {
  if (s->transform) s->transform(s->transform_ctx, obs, 1, update);
}

alg_batch *alg_batch_alloc(size_t T, size_t O, size_t U) {
  alg_batch *b = tr_calloc(1, sizeof *b);
  if (!b) return NULL;
  b->T = T, b->O = O, b->U = U;
  b->ep_cap = T + 1;
  b->obs = tr_malloc(T * O * sizeof *b->obs);
  b->act = tr_malloc(T * U * sizeof *b->act);
  b->logp = tr_malloc(T * sizeof *b->logp);
  b->rew = tr_malloc(T * sizeof *b->rew);
  b->term = tr_malloc(T);
  b->trunc = tr_malloc(T);
  b->cut = tr_malloc(T);
  b->next_obs = tr_malloc(T * O * sizeof *b->next_obs);
  b->env_id = tr_malloc(T * sizeof *b->env_id);
  b->state = tr_malloc(T * sizeof *b->state);
  b->ep_return = tr_malloc(b->ep_cap * sizeof *b->ep_return);
  b->ep_len = tr_malloc(b->ep_cap * sizeof *b->ep_len);
  if (!b->obs || !b->act || !b->logp || !b->rew || !b->term || !b->trunc || !b->cut || !b->next_obs ||
      !b->env_id || !b->state || !b->ep_return || !b->ep_len) {
    alg_batch_free(b);
    return NULL;
  }
  return b;
}

void alg_batch_free(alg_batch *b) {
  if (!b) return;
  free(b->obs), free(b->act), free(b->logp), free(b->rew), free(b->term), free(b->trunc), free(b->cut);
  free(b->next_obs), free(b->env_id), free(b->state), free(b->ep_return), free(b->ep_len);
  free(b);
}

void alg_batch_clear(alg_batch *b) {
  b->n = 0;
  b->n_episodes = 0;
}

static void free_snaps(alg_sampler *s) {
  if (s->snap_rngs)
    for (size_t i = 0; i < s->snap_cap; i++) gsl_rng_free(s->snap_rngs[i]);
  free(s->snap_rngs);
  free(s->snaps);
  s->snap_rngs = NULL;
  s->snaps = NULL;
  s->snap_cap = 0;
}

void alg_sampler_free(alg_sampler *s) {
  if (!s) return;
  for (size_t i = 0; i < s->E; i++) {
    if (s->envs) env_free(s->envs[i]);
    if (s->rngs) gsl_rng_free(s->rngs[i]);
  }
  free(s->envs), free(s->rngs);
  gsl_rng_free(s->act_rng);
  free(s->obs), free(s->need_reset), free(s->ep_ret), free(s->ep_len), free(s->act), free(s->logp);
  free_snaps(s);
  env_free(s->scratch);
  gsl_rng_free(s->vine_rng);
  gsl_rng_free(s->vine_base);
  free(s->vine_obs), free(s->vine_next), free(s->vine_a);
  free(s);
}

void alg_sampler_set_time_limit(alg_sampler *s, size_t limit) {
  env_set_time_limit(s->scratch, limit);
  for (size_t i = 0; i < s->E; i++) env_set_time_limit(s->envs[i], limit);
}

alg_sampler *alg_sampler_alloc(const env_model *m, size_t E, uint64_t seed) {
  alg_sampler *s = tr_calloc(1, sizeof *s);
  if (!s) return NULL;
  s->m = m;
  s->E = E;
  s->O = env_obs_dim(m);
  s->U = env_action_dim(m);
  s->snap_bytes = env_snapshot_size(m);
  s->envs = tr_calloc(E, sizeof *s->envs);
  s->rngs = tr_calloc(E, sizeof *s->rngs);
  s->obs = tr_malloc(E * s->O * sizeof *s->obs);
  s->need_reset = tr_malloc(E * sizeof *s->need_reset);
  s->ep_ret = tr_calloc(E, sizeof *s->ep_ret);
  s->ep_len = tr_calloc(E, sizeof *s->ep_len);
  s->act = tr_malloc(E * s->U * sizeof *s->act);
  s->logp = tr_malloc(E * sizeof *s->logp);
  s->act_rng = tr_rng_derive(seed, "policy");
  s->scratch = env_alloc(m);
  s->vine_rng = tr_rng_derive(seed, "vine");
  s->vine_base = tr_rng_derive(seed, "vine-base");
  s->vine_obs = tr_malloc(s->O * sizeof *s->vine_obs);
  s->vine_next = tr_malloc(s->O * sizeof *s->vine_next);
  s->vine_a = tr_malloc((s->U ? s->U : 1) * sizeof *s->vine_a);
  if (!s->envs || !s->rngs || !s->obs || !s->need_reset || !s->ep_ret || !s->ep_len ||
      !s->act || !s->logp || !s->act_rng || !s->scratch || !s->vine_rng || !s->vine_base ||
      !s->vine_obs || !s->vine_next || !s->vine_a) {
    alg_sampler_free(s);
    return NULL;
  }
  for (size_t i = 0; i < E; i++) {
    char id[48];
    snprintf(id, sizeof id, "env:%zu", i);
    s->envs[i] = env_alloc(m);
    s->rngs[i] = tr_rng_derive(seed, id);
    s->need_reset[i] = 1;
    if (!s->envs[i] || !s->rngs[i]) {
      alg_sampler_free(s);
      return NULL;
    }
  }
  return s;
}

tr_status alg_sampler_ckpt(alg_sampler *s, alg_ckpt_io *io) {
  return alg_sampler_ckpt_named(s, io, "sampler");
}

tr_status alg_sampler_ckpt_named(alg_sampler *s, alg_ckpt_io *io, const char *prefix) {
  size_t E = s->E;
  char name[160];
  unsigned char *snap = tr_malloc(s->snap_bytes ? s->snap_bytes : 1);
  int *need = s->need_reset;
  uint64_t *nr = tr_malloc(E * sizeof *nr), *len = tr_malloc(E * sizeof *len);
  tr_status st = snap && nr && len ? TR_OK : TR_ENOMEM;
  for (size_t i = 0; !st && i < E; i++) nr[i] = (uint64_t)need[i], len[i] = s->ep_len[i];
  for (size_t i = 0; !st && i < E; i++) {
    snprintf(name, sizeof name, "%.120s.env%zu", prefix, i);
    if (!alg_ckpt_loading(io)) env_snapshot(s->envs[i], snap);
    st = alg_ckpt_u8(io, name, snap, s->snap_bytes);
    if (!st && alg_ckpt_loading(io)) st = env_restore(s->envs[i], snap);
    snprintf(name, sizeof name, "%.120s.rng%zu", prefix, i);
    if (!st) st = alg_ckpt_rng(io, name, s->rngs[i]);
  }
  if (!st) {
    snprintf(name, sizeof name, "%.120s.act_rng", prefix);
    st = alg_ckpt_rng(io, name, s->act_rng);
  }
  if (!st) {
    snprintf(name, sizeof name, "%.120s.obs", prefix);
    st = alg_ckpt_f64(io, name, s->obs, E * s->O);
  }
  if (!st) {
    snprintf(name, sizeof name, "%.120s.need_reset", prefix);
    st = alg_ckpt_u64(io, name, nr, E);
  }
  if (!st) {
    snprintf(name, sizeof name, "%.120s.ep_return", prefix);
    st = alg_ckpt_f64(io, name, s->ep_ret, E);
  }
  if (!st) {
    snprintf(name, sizeof name, "%.120s.ep_len", prefix);
    st = alg_ckpt_u64(io, name, len, E);
  }
  for (size_t i = 0; !st && alg_ckpt_loading(io) && i < E; i++)
    need[i] = (int)nr[i], s->ep_len[i] = (size_t)len[i];
  free(snap), free(nr), free(len);
  return st;
}

size_t alg_sampler_envs(const alg_sampler *s) { return s->E; }
env *alg_sampler_env(alg_sampler *s, size_t i) { return s->envs[i]; }

static tr_status ensure_snaps(alg_sampler *s, size_t T) {
  if (s->snap_cap >= T) return TR_OK;
  free_snaps(s);
  s->snaps = tr_malloc(T * s->snap_bytes);
  s->snap_rngs = tr_calloc(T, sizeof *s->snap_rngs);
  if (!s->snaps || !s->snap_rngs) return TR_ENOMEM;
  s->snap_cap = T;
  for (size_t i = 0; i < T; i++)
    if (!(s->snap_rngs[i] = gsl_rng_alloc(gsl_rng_mt19937))) return TR_ENOMEM;
  return TR_OK;
}

static tr_status sample(alg_batch *out, alg_sampler *s, size_t T, alg_act_fn act, void *policy,
                        int snap) {
  size_t E = s->E, O = s->O, U = s->U;
  if (T % E != 0 || T > out->T)
    return tr_error(TR_EINVAL, "sampler: %zu steps is not a multiple of %zu environments "
                               "or exceeds the batch (%zu)", T, E, out->T);
  tr_status st = snap ? ensure_snaps(s, T) : TR_OK;
  if (st) return st;
  alg_batch_clear(out);
  for (size_t k = 0; k < T / E; k++) {
    for (size_t i = 0; i < E; i++)
      if (s->need_reset[i]) {
        if ((st = env_reset(s->envs[i], s->rngs[i], s->obs + i * O))) return st;
        transform(s, s->obs + i * O, 1);
        s->need_reset[i] = 0;
        s->ep_ret[i] = 0.0;
        s->ep_len[i] = 0;
      }
    if ((st = act(policy, s->obs, E, s->act_rng, s->act, s->logp))) return st;
    for (size_t i = 0; i < E; i++) {
      size_t t = out->n++;
      if (snap) {
        env_snapshot(s->envs[i], s->snaps + t * s->snap_bytes);
        gsl_rng_memcpy(s->snap_rngs[t], s->rngs[i]);
      }
      memcpy(out->obs + t * O, s->obs + i * O, O * sizeof *out->obs);
      memcpy(out->act + t * U, s->act + i * U, U * sizeof *out->act);
      out->logp[t] = s->logp[i];
      out->env_id[t] = i;
      out->state[t] = env_state_index(s->envs[i]);
      env_step_result res;
      if ((st = env_step(s->envs[i], s->act + i * U, s->rngs[i], s->obs + i * O, &res))) return st;
      transform(s, s->obs + i * O, 1);
      out->rew[t] = res.reward;
      out->term[t] = (unsigned char)res.terminated;
      out->trunc[t] = (unsigned char)res.truncated;
      out->cut[t] = 0;
      s->ep_ret[i] += res.reward;
      s->ep_len[i]++;
      int last = k + 1 == T / E;
      if (res.terminated || res.truncated || last)
        memcpy(out->next_obs + t * O, s->obs + i * O, O * sizeof *out->obs);
      if (res.terminated || res.truncated) {
        if (out->n_episodes < out->ep_cap) {
          out->ep_return[out->n_episodes] = s->ep_ret[i];
          out->ep_len[out->n_episodes++] = s->ep_len[i];
        }
        s->need_reset[i] = 1;
      } else if (last) {
        out->trunc[t] = 1; /* the batch ends mid-episode: bootstrap from next_obs */
        out->cut[t] = 1;
      }
    }
  }
  return TR_OK;
}

tr_status alg_sample_single_path(alg_batch *out, alg_sampler *s, size_t T, alg_act_fn act,
                                 void *policy) {
  return sample(out, s, T, act, policy, 0);
}

tr_status alg_sample_single_path_snap(alg_batch *out, alg_sampler *s, size_t T,
                                      alg_act_fn act, void *policy) {
  return sample(out, s, T, act, policy, 1);
}

alg_vine *alg_vine_alloc(size_t N, size_t K, size_t O, size_t U) {
  alg_vine *v = tr_calloc(1, sizeof *v);
  if (!v) return NULL;
  v->N = N, v->K = K;
  v->obs = tr_malloc(N * O * sizeof *v->obs);
  v->state = tr_malloc(N * sizeof *v->state);
  v->act = tr_malloc(N * K * U * sizeof *v->act);
  v->q = tr_malloc(N * K * sizeof *v->q);
  if (!v->obs || !v->state || !v->act || !v->q) {
    alg_vine_free(v);
    return NULL;
  }
  return v;
}

void alg_vine_free(alg_vine *v) {
  if (!v) return;
  free(v->obs), free(v->state), free(v->act), free(v->q);
  free(v);
}

/* One rollout of at most L steps from the restored trunk step t, first action a0.  The
 * environment and the policy draw from one stream, set to the same state for all K
 * rollouts of a vine state (common random numbers). */
static tr_status vine_rollout(double *q, size_t *steps, alg_sampler *s, size_t t,
                              const double *obs0, const double *a0, size_t L, double gamma,
                              alg_act_fn act, void *policy, alg_value_fn boot, void *vctx) {
  size_t O = s->O, U = s->U;
  double *obs = s->vine_obs, *a = s->vine_a, lp, *next = s->vine_next; /* any O (one-hot S) */
  tr_status st = env_restore(s->scratch, s->snaps + t * s->snap_bytes);
  if (st) return st;
  gsl_rng_memcpy(s->vine_rng, s->vine_base);
  memcpy(a, a0, U * sizeof *a);
  memcpy(obs, obs0, O * sizeof *obs); /* s_0: the trunk's (the reward hook reads it) */
  double disc = 1.0, ret = 0.0;
  for (size_t l = 0; l < L; l++) {
    if (l > 0 && (st = act(policy, obs, 1, s->vine_rng, a, &lp))) return st;
    env_step_result res;
    if ((st = env_step(s->scratch, a, s->vine_rng, next, &res))) return st;
    transform(s, next, 0);
    (*steps)++;
    double rew = res.reward;
    if (s->reward && (st = s->reward(s->reward_ctx, obs, a, res.reward, &rew))) return st;
    ret += disc * rew;
    disc *= gamma;
    memcpy(obs, next, O * sizeof *obs);
    if (res.terminated) {
      *q = ret;
      return TR_OK;
    }
    if (res.truncated) break;
  }
  double vb = 0.0;
  if (boot && (st = boot(vctx, obs, 1, &vb))) return st;
  *q = ret + disc * vb;
  return TR_OK;
}

tr_status alg_sample_vine(alg_vine *out, alg_sampler *s, const alg_batch *trunk, size_t N,
                          size_t K, size_t L, double gamma, alg_act_fn act, void *policy,
                          alg_value_fn bootstrap, void *vctx, gsl_rng *r) {
  size_t O = s->O, U = s->U, T = trunk->n;
  if (N > out->N || K > out->K || N > T || !s->snaps || s->snap_cap < T)
    return tr_error(TR_EINVAL, "vine: %zu states of %zu trunk steps (capacity %zu x %zu; "
                               "the trunk must be sampled with snapshots)", N, T, out->N, out->K);
  env_space sp = env_action_space(s->m);
  int enumerate = sp.kind == ENV_DISCRETE && sp.n <= K;
  out->k_used = enumerate ? sp.n : K;
  out->steps = 0;
  /* N distinct trunk steps, uniformly (selection sampling keeps them in order) */
  size_t chosen = 0;
  tr_status st = TR_OK;
  for (size_t t = 0; t < T && chosen < N; t++) {
    if (gsl_rng_uniform(r) * (double)(T - t) >= (double)(N - chosen)) continue;
    size_t n = chosen++;
    memcpy(out->obs + n * O, trunk->obs + t * O, O * sizeof *out->obs);
    out->state[n] = trunk->state[t];
    /* the shared stream for this state's K rollouts */
    gsl_rng_set(s->vine_base, gsl_rng_get(r));
    for (size_t k = 0; k < out->k_used; k++) {
      double *a = out->act + (n * out->K + k) * U;
      double lp;
      if (enumerate) {
        a[0] = (double)k;
      } else if ((st = act(policy, out->obs + n * O, 1, r, a, &lp))) {
        return st;
      }
      if ((st = vine_rollout(&out->q[n * out->K + k], &out->steps, s, t, out->obs + n * O, a,
                             L, gamma, act, policy, bootstrap, vctx)))
        return st;
    }
  }
  out->n = chosen;
  return TR_OK;
}
