/* algorithms/advantage.h — advantage estimators, returns, and the normalizers around them.
 *
 * Letters: T steps in a batch; E interleaved streams (environments); D feature size (the
 * observation size O for observation normalization); B rows of a block of observations.
 *
 * Batch layout.  Per-step arrays are (T) = (T/E, E) time-major: step i of the batch was taken
 * by stream i mod E, and the next step of the same stream is i + E.  E = 1 is the layout of
 * trajectory segments stored one after another (also when E environments are stored one
 * after another, each segment ending with a flag).  Per step t:
 *   r[t]        reward r_t;
 *   values[t]   V(s_t);
 *   v_next[t]   V(s_{t+1}), the value of the state after step t (read where terminated[t]
 *               is 0).  Inside an episode it equals values[t + E]; at a truncation it is the
 *               bootstrap value of the kept next observation.  alg_next_values builds it.
 *   terminated[t]  1: s_{t+1} is a true terminal state: V(s_{t+1}) = 0, no bootstrap;
 *   truncated[t]   1: the episode was cut after step t (time limit, or the end of the
 *                  sampled segment): s_{t+1} is not terminal and is bootstrapped with
 *                  v_next[t].  With both set, terminated wins (gymnasium's convention).
 * An episode (segment) ends at every step with either flag, and the last step of every stream
 * (i ≥ T − E) must have one: estimators return TR_EINVAL otherwise.  Flags are unsigned char
 * (nonzero = true), as in algorithms/rollout.h.
 *
 * Timeouts are bootstrapped and terminations are not (REFERENCES.md § 5: SB3 PR #658,
 * CleanRL #198).  All functions check their inputs (finite values, flags, γ, λ ∈ [0, 1]),
 * return TR_EINVAL with a sentence naming the step, and write nothing on failure. */
#ifndef ALG_ADVANTAGE_H
#define ALG_ADVANTAGE_H

#include <stddef.h>

#include "../core/error.h"

/* ---- estimators --------------------------------------------------------------------- */

/* v_next (T): 0 where terminated, v_boot[t] where truncated (and not terminated), values[t+E]
 * elsewhere.  v_boot (T) holds V(next_obs_t), read only at truncated steps (may be NULL when
 * no step is truncated-only).  TR_EINVAL on an unflagged last step or a non-finite read value. */
tr_status alg_next_values(double *v_next, const double *values, const double *v_boot,
                          const unsigned char *terminated, const unsigned char *truncated,
                          size_t T, size_t E);

/* TD residual delta (T):  δ_t = r_t + γ (1 − terminated_t) V(s_{t+1}) − V(s_t)
 * (Sutton 1988; Schulman et al. 2016 eq. 9), V(s_{t+1}) = v_next[t].  Step-local: needs no
 * layout, so no E. */
tr_status alg_td_residual(double *delta, const double *r, const double *values,
                          const double *v_next, const unsigned char *terminated, size_t T,
                          double gamma);

/* Discounted reward-to-go ret (T), computed backwards along each stream:
 *   G_t = r_t + γ · { 0 if terminated_t;  v_next[t] if truncated_t;  G_{t+E} otherwise },
 * i.e. the Monte Carlo return Σ_{l<L} γ^l r_{t+l} of the rest of the segment, plus
 * γ^L V(s_{t+L}) when the segment was truncated after L steps. */
tr_status alg_returns_mc(double *ret, const double *r, const double *v_next,
                         const unsigned char *terminated, const unsigned char *truncated,
                         size_t T, size_t E, double gamma);

/* adv (T) = ret − baseline (reward-to-go minus a baseline b(s_t), e.g. V(s_t); Williams
 * 1992).  baseline NULL: adv = ret (plain reward-to-go).  adv may alias ret. */
tr_status alg_advantage_rtg(double *adv, const double *ret, const double *baseline, size_t T);

/* GAE(γ, λ) (Schulman et al. 2016 eq. 16), backwards along each stream:
 *   Â_t = δ_t + γλ (1 − done_t) Â_{t+E},   done_t = terminated_t or truncated_t,
 * δ_t from alg_td_residual (at a truncation the bootstrap is already inside δ_t).  Within an
 * episode Â_t = Σ_{l≥0} (γλ)^l δ_{t+l} = (1−λ) Σ_{n≥1} λ^{n−1} Â^{(n)}_t (REFERENCES.md § 2.8);
 * λ = 0 gives δ_t, λ = 1 gives G_t − V(s_t) with G from alg_returns_mc.
 * adv (T) the advantages; ret (T) the value targets Â_t + V(s_t) (the λ-returns; may be NULL).
 * PPO: γ = 0.99, λ = 0.95 (REFERENCES.md § 3). */
tr_status alg_gae(double *adv, double *ret, const double *r, const double *values,
                  const double *v_next, const unsigned char *terminated,
                  const unsigned char *truncated, size_t T, size_t E, double gamma,
                  double lambda);

/* ---- advantage normalization ---------------------------------------------------------- */

#define ALG_ADV_NORM_EPS 1e-8

/* adv (n) ← (adv − mean) / (std + 1e-8), mean and std (population, divisor n: numpy's
 * default, as openai/baselines ppo2) over the n entries given (a batch or a minibatch: the
 * caller chooses; REFERENCES.md § 3: per batch).  TR_EINVAL (and no change) if an entry is
 * not finite. */
tr_status alg_advantage_normalize(double *adv, size_t n);
/* adv (n) ← adv / (std + 1e-8): the same scale, no centring (a positive factor: not a
 * baseline; REINFORCE without baseline).  TR_EINVAL (and no change) if an entry is not finite. */
tr_status alg_advantage_scale(double *adv, size_t n);

/* ---- running mean and variance (observation normalization) ----------------------------- */

/* Statistics of every row seen so far, per feature, kept as (count, mean, M2 = Σ(x − mean)²)
 * and updated a block at a time by the parallel merge of Chan, Golub & LeVeque (1979):
 *   n = n_a + n_b, δ = mean_b − mean_a, mean = mean_a + δ n_b / n,
 *   M2 = M2_a + M2_b + δ² n_a n_b / n,
 * with the block's own mean and M2 by two passes (Welford's update is the case n_b = 1).
 * var = M2 / count (population), or 1 while count = 0.
 * Applied as  clip((x − mean) / sqrt(var + eps), −clip, clip),  clip = 5, eps = 1e-8
 * (REFERENCES.md § 3 decision; openai/baselines VecNormalize).
 * Decision: count starts at 0, so the statistics are exactly those of the data (merging
 * equals concatenating).  openai/baselines' RunningMeanStd starts from a pseudo-sample of
 * weight 1e-4 with mean 0 and variance 1: alg_running_norm_set_prior reproduces it. */
typedef struct {
  size_t D;
  double count;
  double *mean; /* (D) */
  double *m2;   /* (D) Σ (x − mean)² */
  double clip;  /* ±clip after normalizing; 5 by default; ≤ 0 or inf: no clipping */
  double eps;   /* added to var; 1e-8 */
  double *work; /* (2D) block mean and M2, scratch */
} alg_running_norm;

#define ALG_OBS_CLIP 5.0
#define ALG_NORM_EPS 1e-8

alg_running_norm *alg_running_norm_alloc(size_t D);
void alg_running_norm_free(alg_running_norm *rn);
/* dst ← src exactly (statistics, clip, eps); TR_EINVAL if the sizes D differ. */
tr_status alg_running_norm_copy(alg_running_norm *dst, const alg_running_norm *src);
/* Forget the data: count 0. */
void alg_running_norm_reset(alg_running_norm *rn);
/* Start from `count` pseudo-observations with mean 0 and variance 1 (baselines: 1e-4). */
tr_status alg_running_norm_set_prior(alg_running_norm *rn, double count);
/* Add the B rows of x (B, D).  TR_EINVAL (and no change) if an entry is not finite. */
tr_status alg_running_norm_update(alg_running_norm *rn, const double *x, size_t B);
/* rn ← the statistics of rn's data and other's data together (same D). */
tr_status alg_running_norm_merge(alg_running_norm *rn, const alg_running_norm *other);
/* var (D): the current variance (1 while count = 0). */
void alg_running_norm_var(const alg_running_norm *rn, double *var);
/* out (B, D) = clip((x − mean)/sqrt(var + eps)); out may alias x (B, D).  Does not update. */
void alg_running_norm_apply(const alg_running_norm *rn, double *out, const double *x, size_t B);

/* ---- reward scaling ------------------------------------------------------------------ */

/* Reward scaling by the running std of the discounted return (Engstrom et al. 2020, § 3;
 * openai/baselines VecNormalize, the PPO reference code), per stream e of E:
 *   G_e ← γ G_e + r_e;   statistics ← statistics ∪ {G_1 … G_E}  (one block per step);
 *   r̃_e = clip(r_e / sqrt(var(G) + eps), −clip, clip);   G_e ← 0 if the episode ended.
 * The reward is divided, not centred.  clip = 10, eps = 1e-8 (baselines' defaults). */
typedef struct {
  size_t E;
  double gamma;
  double *G;            /* (E) running discounted return */
  alg_running_norm *rn; /* D = 1: statistics of G; rn->clip unused */
  double clip;          /* ±clip on the scaled reward; 10; ≤ 0 or inf: none */
  double eps;           /* 1e-8 */
} alg_reward_scaler;

#define ALG_REWARD_CLIP 10.0

/* E ≥ 1 streams, γ ∈ [0, 1]; statistics start at count 0 (see alg_running_norm). */
alg_reward_scaler *alg_reward_scaler_alloc(size_t E, double gamma);
void alg_reward_scaler_free(alg_reward_scaler *rs);
tr_status alg_reward_scaler_copy(alg_reward_scaler *dst, const alg_reward_scaler *src);
/* One environment step of all E streams: out (E) the scaled rewards of r (E).  done (E):
 * the episode of stream e ended at this step (terminated, or truncated by the time limit) —
 * NOT the artificial cut at the end of a sampled batch, across which the episode and G go
 * on.  out may alias r.  TR_EINVAL (and no change) if a reward is not finite. */
tr_status alg_reward_scaler_step(alg_reward_scaler *rs, double *out, const double *r,
                                 const unsigned char *done);

/* ---- learning-rate schedule ------------------------------------------------------------ */

/* lr_k = lr0 (1 − k/K) for update k = 0 … K−1 (CleanRL's anneal_lr; Engstrom et al. 2020),
 * 0 for k ≥ K; K = 0 means no annealing (lr0).  Depends on nothing but its arguments
 * (REFERENCES.md § 5). */
double alg_lr_linear(double lr0, size_t k, size_t K);

#endif
