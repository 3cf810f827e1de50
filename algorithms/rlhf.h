/* algorithms/rlhf.h — training against a learned reward with a KL leash to a reference
 * policy (REFERENCES.md § 9; issue 22 items 1–4), shared by every algorithm.
 *
 * Letters as run.h: T steps per batch, P policy parameters, S, A tabular sizes.
 *
 * With the shared parameters reward = learned and/or kl_ref_coef = β > 0, the rewards the
 * estimators see (alg_run_sample) are, per step,
 *   r̃_t = r_t − β (log π_θ(a_t|s_t) − log π_ref(a_t|s_t))        (InstructGPT Eq. 2, γ_ptx = 0)
 * with r_t the environment's reward (reward = true) or the reward model's r_φ(s_t, a_t)
 * (reward = learned; reward_model.h), log π_θ the sampling policy's (the batch's logp) and
 * π_ref the reference policy: the policy the run starts from (trbench run --ref-policy DIR
 * loads a saved run's policy as both; otherwise the run's initial policy, after
 * --init-from / --init-policy), frozen.  The environment's own rewards stay in the batch:
 * return_mean and the other episode statistics are the true ("gold") returns.
 *
 * Labels (reward = learned): queries of pref_rank segments of pref_segment steps, labeled by
 * the synthetic labeler of preferences.h (pref_temperature, pref_epsilon); pref_labels
 * queries in all, from pref_source (the reference policy, the current one, or both
 * alternately within each query), drawn by the run's own labeling environment (its own
 * random streams: the training batches are those of a reward = true run until the rewards
 * differ).  pref_schedule = offline: every query before the first iteration (InstructGPT);
 * online: round(pref_initial · pref_labels) before it, the rest evenly before each iteration
 * until half the iterations (Christiano et al.); the reward model is retrained (rm_epochs
 * passes, warm) whenever labels arrive.
 *
 * Exact columns on tabular environments (the exact_every iterations): gold_J = J of π_θ on
 * the true reward, proxy_J = J on r_φ (the true reward when reward = true), kl_ref =
 * Σ_s d_π(s) KL(π_θ(·|s) ‖ π_ref(·|s)) (d normalized: per step; the discounted trajectory
 * KL is kl_ref/(1−γ)), sqrt_kl_ref, soft_opt_J = max_π J_β(π) on the proxy reward
 * (theory/soft.h; β = 0: the proxy optimum) and soft_gap = soft_opt_J − J_β(π_θ) ≥ 0. */
#ifndef ALG_RLHF_H
#define ALG_RLHF_H

#include <stdio.h>

#include "registry.h"
#include "rollout.h"
#include "../core/error.h"

typedef enum { ALG_REWARD_TRUE = 0, ALG_REWARD_LEARNED = 1 } alg_reward_kind;
typedef enum { ALG_PREF_REFERENCE = 0, ALG_PREF_CURRENT = 1, ALG_PREF_MIX = 2 } alg_pref_source;
typedef enum { ALG_PREF_OFFLINE = 0, ALG_PREF_ONLINE = 1 } alg_pref_schedule;

typedef struct alg_rlhf alg_rlhf;

/* Whether the shared parameters ask for it (reward = learned or kl_ref_coef > 0). */
int alg_rlhf_wanted(const alg_shared_params *sh);
/* NULL, or the sentence on shared RLHF parameters that cannot run together. */
const char *alg_rlhf_check(const alg_shared_params *sh);

/* The run's part (run->state.rlhf), built by alg_run_alloc when wanted or by
 * alg_run_set_reference. */
tr_status alg_rlhf_alloc(alg_run *run);
void alg_rlhf_free(alg_rlhf *h);
/* Before each iteration: the reference when none is set yet, the labels due and the reward
 * model's training. */
tr_status alg_rlhf_before(alg_run *run);
/* The rewards the estimators see (T) from the batch b (see above). */
tr_status alg_rlhf_rewards(alg_run *run, const alg_batch *b, double *rew);
/* The statistics of this iteration: labels, reward-model loss, and the exact columns when
 * exact (tabular, the exact_every iterations; π_new's table and values in run->state). */
tr_status alg_rlhf_stats(alg_run *run, alg_iter_stats *s, int exact);

/* reward = learned: π_ref, the labels and segments so far (pending ones too), the labeler's
 * stream and environment, the reward model (weights, Adam moments, normalization), through
 * the checkpoint visitor (checkpoint.h; blocks rlhf.*): a resumed run labels, trains and
 * writes preferences.tsv as the uninterrupted one.  Nothing otherwise. */
typedef struct alg_ckpt_io alg_ckpt_io;
tr_status alg_rlhf_ckpt(alg_run *run, alg_ckpt_io *io);

/* π_ref ← the run's current policy (trbench run calls it once the starting policy is in
 * place, before resuming a checkpoint).  Builds the run's part when absent, so a reference
 * alone adds the exact KL columns to a reward = true, β = 0 run. */
tr_status alg_run_set_reference(alg_run *run);
/* The labels so far (0 without a learned reward), and their TSV (preferences.h). */
size_t alg_run_pref_comparisons(const alg_run *run);
tr_status alg_run_write_preferences(const alg_run *run, FILE *f);

#endif
