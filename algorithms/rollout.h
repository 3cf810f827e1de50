/* algorithms/rollout.h — sampling trajectories from environments: single path and vine.
 *
 * Letters: T steps in a batch, O observation size, U action size (1 for discrete),
 * E parallel environment instances (stepped in lockstep), N vine states, K actions per
 * vine state, L vine rollout length.
 *
 * The sampler sees the policy only through a callback that acts on a batch of
 * observations, so every policy family (tabular, categorical, Gaussian) shares it.
 *
 * Single path (TRPO § 5.1; the PPO/A2C batch): run E environments for T/E steps each,
 * across episode boundaries.  Each step records (s_t, a_t, log π_old(a_t|s_t), r_t,
 * terminated_t, truncated_t).  A time-limit truncation, and the cut at the end of the
 * batch, are marked truncated and keep the next observation so the advantage estimator can
 * bootstrap with V(s_{t+1}); a termination is marked terminated and is never bootstrapped.
 * Environments reset themselves after an episode ends; their state carries over to the
 * next batch (the sampler owns them). */
#ifndef ALG_ROLLOUT_H
#define ALG_ROLLOUT_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "../mdps/env.h"

/* The policy: for obs (B, O) fill actions (B, U) and logp (B) (log π of the chosen action;
 * may be NULL when not needed).  B ≤ the batch size given at sampler creation. */
typedef tr_status (*alg_act_fn)(void *policy, const double *obs, size_t B, gsl_rng *r,
                                double *actions, double *logp);

typedef struct {
  size_t T, O, U;   /* capacity and sizes */
  size_t n;         /* steps stored */
  double *obs;      /* (T, O) */
  double *act;      /* (T, U) */
  double *logp;     /* (T) */
  double *rew;      /* (T) */
  unsigned char *term;  /* (T) terminal: do not bootstrap */
  unsigned char *trunc; /* (T) time limit or batch end: bootstrap with next_obs */
  unsigned char *cut;   /* (T) 1 where trunc marks only the end of the batch (the episode
                           goes on in the next batch) */
  double *next_obs; /* (T, O): the observation after step t (valid where trunc or term) */
  size_t *env_id;   /* (T) which environment instance produced step t */
  size_t *state;    /* (T) tabular state index (SIZE_MAX otherwise) */
  /* episodes completed during this batch */
  size_t n_episodes;
  double *ep_return; /* (cap) undiscounted returns */
  size_t *ep_len;    /* (cap) */
  size_t ep_cap;
} alg_batch;

alg_batch *alg_batch_alloc(size_t T, size_t O, size_t U);
void alg_batch_free(alg_batch *b);
void alg_batch_clear(alg_batch *b);

typedef struct alg_sampler alg_sampler;

/* E instances of the model; each is reset with its own stream derived from (seed, i). */
alg_sampler *alg_sampler_alloc(const env_model *m, size_t E, uint64_t seed);
/* An observation transform applied to every observation the environments return, before it
 * is stored or shown to the policy (e.g. running normalization).  update = 1 while sampling
 * the training batch (statistics may move), 0 in vine rollouts. */
typedef void (*alg_obs_fn)(void *ctx, double *obs, size_t B, int update);
void alg_sampler_set_transform(alg_sampler *s, alg_obs_fn fn, void *ctx);
/* The reward of each vine-rollout step in place of the environment's r: *r from the step's
 * observation obs (O, as the policy saw it), its action act (U) and r (learned rewards and
 * KL penalties, rlhf.h).  NULL (the default): r itself. */
typedef tr_status (*alg_reward_fn)(void *ctx, const double *obs, const double *act, double r,
                                   double *out);
void alg_sampler_set_reward(alg_sampler *s, alg_reward_fn fn, void *ctx);
/* The episode time limit of every instance (vine rollouts' included), in place of the
 * model's; before the first sample. */
void alg_sampler_set_time_limit(alg_sampler *s, size_t limit);
void alg_sampler_free(alg_sampler *s);
/* The sampler's state between batches through the checkpoint visitor (checkpoint.h): every
 * environment mid-episode (its snapshot), every stream, the current observations and the
 * episodes' running returns and lengths. */
typedef struct alg_ckpt_io alg_ckpt_io;
tr_status alg_sampler_ckpt(alg_sampler *s, alg_ckpt_io *io);
/* The same with the blocks named PREFIX.* instead of sampler.* (several samplers in one
 * checkpoint: a3c's workers). */
tr_status alg_sampler_ckpt_named(alg_sampler *s, alg_ckpt_io *io, const char *prefix);
size_t alg_sampler_envs(const alg_sampler *s);
env *alg_sampler_env(alg_sampler *s, size_t i);

/* Single path: T steps in total (T/E per environment, T a multiple of E). */
tr_status alg_sample_single_path(alg_batch *out, alg_sampler *s, size_t T, alg_act_fn act,
                                 void *policy);

/* Vine (TRPO § 5.2).  From the states of a single-path batch `trunk`, draw N rollout states
 * uniformly among its steps (without replacement); at each, K actions: for discrete spaces
 * with n ≤ K every action once, else K draws from the policy.  Each action is followed by
 * one rollout of L steps under the policy from the restored snapshot; all K rollouts of a
 * state share common random numbers (the same stream state for environment and policy).
 * Q_hat(s_n, a_k) = Σ_{l<L} γ^l r_l (r_l the reward hook's when set), plus γ^L V_boot if the rollout was cut (by L or the
 * time limit) — the caller supplies V_boot through `bootstrap` (may be NULL: no bootstrap).
 *
 * Requires snapshots from the trunk: the sampler keeps one per trunk step when
 * `keep_snapshots` was set in alg_sample_single_path_snap. */
typedef tr_status (*alg_value_fn)(void *ctx, const double *obs, size_t B, double *v);

typedef struct {
  size_t N, K;     /* capacity */
  size_t n;        /* rollout states filled (≤ N) */
  double *obs;     /* (N, O) the rollout states */
  size_t *state;   /* (N) tabular state index or SIZE_MAX */
  double *act;     /* (N, K, U) */
  double *q;       /* (N, K) Q estimates */
  size_t k_used;   /* K actually used (n for small discrete spaces) */
  size_t steps;    /* environment steps spent on the vine rollouts */
} alg_vine;

alg_vine *alg_vine_alloc(size_t N, size_t K, size_t O, size_t U);
void alg_vine_free(alg_vine *v);

/* Single path that also keeps a snapshot (and the stream state) of every step. */
tr_status alg_sample_single_path_snap(alg_batch *out, alg_sampler *s, size_t T,
                                      alg_act_fn act, void *policy);
tr_status alg_sample_vine(alg_vine *out, alg_sampler *s, const alg_batch *trunk, size_t N,
                          size_t K, size_t L, double gamma, alg_act_fn act, void *policy,
                          alg_value_fn bootstrap, void *vctx, gsl_rng *r);

#endif
