/* algorithms/run.h — the state of one training run, and the parts every algorithm shares.
 *
 * Letters: T steps per batch (n_steps), E environments (n_envs), O observation size,
 * U action width (1 discrete), K distribution-parameter width, P policy parameters,
 * Pv value parameters, S, A the tabular sizes.
 *
 * A run owns: the environment model, a sampler of E environments, the policy (tabular
 * softmax on tabular environments, categorical MLP on discrete ones, diagonal Gaussian MLP
 * on boxes), a value function (an MLP regressed with Adam; on tabular environments the
 * option value_function=exact uses the exact V_π instead), an optional running observation
 * normalizer, one batch and its per-step scratch.  The algorithm's iterate() samples and
 * updates; the caller (trbench run) logs and stops.  Every stochastic part draws from a
 * stream derived from (seed, role). */
#ifndef ALG_RUN_H
#define ALG_RUN_H

#include <stdint.h>

#include "advantage.h"
#include "nn.h"
#include "policy.h"
#include "registry.h"
#include "rollout.h"
#include "../mdps/env.h"
#include "../theory/exact.h"

/* Per-iteration statistics (progress.tsv); NAN where a column does not apply. */
struct alg_iter_stats {
  size_t steps;          /* environment steps this iteration (vine rollouts included) */
  size_t episodes;       /* episodes completed in the batch */
  double return_mean, return_std, ep_len;
  double kl_mean;        /* sampled mean KL(π_old ‖ π_new) over the batch states */
  double entropy;        /* mean entropy of π_old over the batch */
  double clip_frac;      /* PPO: fraction of samples with |r − 1| > ε */
  double surrogate_gain; /* sampled L(θ_new) − L(θ_old) (advantage-weighted ratio) */
  double value_loss;     /* mean squared error of the value fit (before the update) */
  double beta;           /* KL penalty coefficient (PPO KL variants) */
  double lr;             /* the learning rate used */
  double step_frac;      /* TRPO: accepted fraction of the full step (0: none); CPI: α */
  /* tabular environments: exact quantities of the policies before and after the update */
  double exact_J, exact_improvement, exact_tv_max, exact_kl_mean, exact_kl_max;
  double sampled_improvement; /* an estimate of J(π_new) − J(π_old) from the batch */
  /* TRPO's line search: backtracking steps of the accepted trial (0: the full step), or of
   * the last trial when every one was rejected; ls_rejected 1 when no step was taken */
  double ls_shrinks, ls_rejected;
  /* rlhf.h: labels so far, the reward model's mean training loss, and on tabular
   * environments gold and proxy J, the exact KL to π_ref, the KL-regularized optimum, the gap */
  double pref_labels, rm_loss;
  double gold_J, proxy_J, kl_ref, sqrt_kl_ref, soft_opt_J, soft_gap;
  char bad[96];          /* non-empty: the quantity that went non-finite (run diverged) */
  /* a3c: updates the shared parameters took between the worker's fetch and this update's
   * apply (the gradient's age) */
  double staleness;
  /* iLQR (ilqr): the nominal's fixed-horizon return, μ after the iteration, the accepted α
   * (0: rejected), the expected and actual improvement of the optimized (shaped) objective,
   * and the simulator's mj_steps spent on the model so far (derivatives, forward passes) */
  double nominal_return, mu, alpha, expected_improvement, actual_improvement, model_steps;
  /* GPS (gps, is-ps; alg_gps.c): the IS estimates (Φ without the regularizer) of θ_k and θ* on
   * S_k, 1 if θ_k was accepted, w_r after the update, the effective sample size of θ_k's
   * weights (min and mean over t), and π_θ*'s return on fresh episodes */
  double is_estimate, is_estimate_best, accepted, w_r, ess_min, ess_mean, eval_return;
  /* behaviour cloning (bc; alg_bc.h): the negative log-likelihood of the demonstrations,
   * the mean over the iteration's last pass */
  double bc_loss;
};

/* What is fixed for the run: built by alg_run_alloc, read only afterwards (MuJoCo's
 * mjModel).  The networks' shapes live in pol and vnet; their parameters are state. */
typedef struct {
  const env_model *em;     /* never modified by the run: the caller's model, or em_view */
  env_model *em_view;      /* NULL, or the run's view of the caller's model with its own
                            * settings (terminate_when_unhealthy = false) */
  alg_config cfg;          /* the configuration as given (config.ini is written from it) */
  const void *params;      /* the algorithm's typed parameters, resolved once from cfg */
  const alg_shared_params *shared; /* their shared head (params itself) */
  uint64_t seed;
  double gamma;
  size_t T, E;             /* n_steps, n_envs */
  int exact_values;        /* value_function = exact (tabular) */
  int uses_exact;          /* some choice parameter is set to "exact" (value_function,
                            * cpi's advantage): π_old's exact values every iteration */
  pol_policy *pol;         /* the policy's shape (tabular, categorical or Gaussian) */
  nn_mlp *vnet;            /* the value MLP's shape */
  size_t total_steps, n_iters;
  const mdp *tab;          /* the environment's MDP with the run's γ (exact diagnostics) */
  mdp *tab_own;            /* that copy when --set gamma differs from the MDP's own */
} alg_model;

/* What the iterations change (mjData): parameters, optimizer and normalizer statistics,
 * the environments, the batch and what is computed from it, counters. */
typedef struct {
  gsl_rng *rng;            /* the algorithm's own draws (minibatch order, vine choice) */
  double *theta;           /* (P) */
  double *theta_old;       /* (P) */
  double *vparams;         /* (Pv) */
  nn_adam *vadam;
  alg_running_norm *obs_norm;  /* NULL: off */
  alg_reward_scaler *rscale;   /* NULL: off */
  alg_sampler *sampler;
  alg_batch *batch;
  /* from the batch, (T) unless stated; the shared helpers below take them as arguments */
  double *values, *v_next, *adv, *ret;
  double *adv_raw;         /* advantages before normalization */
  double *rew_used;        /* the rewards the estimators see (scaled if asked) */
  double *dist_old;        /* (T, K) π_old at the batch states */
  size_t steps_done, iter;
  /* tabular: exact quantities of π_old and π_new */
  thy_values *ex_old, *ex_new;
  double *pi_old_tab, *pi_new_tab; /* (S, A) */
  double *theta_exact;     /* (P) the parameters ex_new and pi_new_tab belong to: the next
                            * iteration's π_old is reused from them when theta is unchanged */
  int exact_valid;         /* theta_exact holds such parameters */
  double exact_seconds;    /* wall time spent in the exact diagnostics so far */
  struct alg_rlhf *rlhf;   /* NULL, or the learned reward and KL leash (rlhf.h) */
} alg_state;

/* Scratch, allocated once from the sizes; no meaning between calls. */
typedef struct {
  double *grad;            /* (P) */
  double *vgrad;           /* (Pv) */
  pol_ws *pws;             /* Bmax = T */
  pol_ws *pws_act;         /* Bmax = E: acting */
  pol_ws *pws_tab;         /* Bmax = S: tabulating the policy */
  double *act_dist;        /* (E, K) */
  nn_ws *vws;              /* Bmax = T */
  double *logp_new, *tmp;  /* (T) */
  double *vtarget;         /* (T) a minibatch's value targets (alg_run_fit_value) */
  double *v_boot;          /* (T) V(next_obs) at truncations (alg_run_sample) */
  double *vold;            /* (T) a minibatch's values at sampling (clipped value loss) */
  double *obs_buf;         /* (T, O) gathered observations (minibatches, bootstraps) */
  size_t *perm;            /* (T) minibatch order */
  double *onehot;          /* (S, S) identity: every state's observation */
  thy_ws *tws;             /* exact policy evaluation (tabular; NULL above THY_DENSE_MAX_S
                            * states, where the solver is iterative) */
  double *tab_x;           /* (S) per-state divergences (tabular) */
} alg_work;

struct alg_run {
  alg_model model;
  alg_state state;
  alg_work ws;
  void *alg;               /* the algorithm's private model, state and scratch */
};

/* Build a run: the environment model must outlive it and is not modified (a nonzero
 * time_limit parameter applies to the run's own environment instances;
 * terminate_when_unhealthy = false to a view of the model, em_view, that every instance the
 * run makes is built from — TR_EINVAL on a model without a health test).  The config is
 * copied and resolved into its typed parameters once; TR_EINVAL with one sentence when
 * they cannot run. */
tr_status alg_run_alloc(alg_run **out, const env_model *em, const alg_config *cfg,
                        uint64_t seed, size_t total_steps);
void alg_run_free(alg_run *run);

/* One iteration of the algorithm (sample + update) with its statistics; adds the exact
 * diagnostics on tabular environments.  A non-finite loss sets stats->bad (the run stops
 * as diverged; not an error). */
tr_status alg_run_iterate(alg_run *run, alg_iter_stats *stats);

/* ---- shared parts for the algorithms ---------------------------------------------- */

/* The sampler's policy callback: act with π_θ on obs (B, O) (B ≤ E, or 1 in vine rollouts). */
tr_status alg_run_act(void *run, const double *obs, size_t B, gsl_rng *r, double *actions,
                      double *logp);
/* V(obs) for B rows (any B: processed in chunks). */
tr_status alg_run_values(alg_run *run, const double *obs, size_t B, double *v);
/* value callback for vine bootstraps */
tr_status alg_run_value_fn(void *run, const double *obs, size_t B, double *v);

/* The helpers below work on the batch and arrays they are given (an algorithm passes its
 * own, usually run->state's), never on another's; none of them is part of run->ws, which the
 * helpers use as scratch.  b has capacity T; its rows are time-major (advantage.h: step t's
 * next step in its stream is t + E). */

/* A single-path batch of T steps from the run's E environments with π_θ into b, and what the
 * estimators read from it:
 *   rew (T)     the rewards the estimators see: b->rew, or with normalize_reward those
 *               scaled (and clipped) by the running std of the discounted return;
 *   values (T)  V(obs_t) (the MLP, or the exact V_π_old with value_function=exact);
 *   v_next (T)  V(s_{t+1}): 0 where terminated, V(next_obs_t) where truncated, values[t+E]
 *               elsewhere (alg_next_values).
 * Adds T to stats->steps and fills its episode statistics.  snapshots: keep the
 * environments' snapshots (vine rollouts restore them). */
tr_status alg_run_sample(alg_run *run, alg_batch *b, double *rew, double *values,
                         double *v_next, alg_iter_stats *stats, int snapshots);
/* The episode statistics of b's finished episodes into s: episodes, return_mean,
 * return_std, ep_len (NaN without one). */
void alg_batch_episode_stats(const alg_batch *b, alg_iter_stats *s);
/* The learning rate of this iteration: lr0, annealed linearly if anneal_lr. */
double alg_run_lr(const alg_run *run, double lr0);
/* GAE(γ, λ) on the batch b (its flags) from rew, values, v_next (T) (alg_run_sample):
 * advantages adv (T), standardized when normalize, the same before standardizing in
 * adv_raw (T), and the value targets ret (T) = Â + V (the λ-returns; lambda = 1: Monte Carlo
 * advantages with the baseline). */
tr_status alg_run_advantages(alg_run *run, const alg_batch *b, const double *rew,
                             const double *values, const double *v_next, double lambda,
                             int normalize, double *adv, double *adv_raw, double *ret);
/* θ_old ← θ, π_old's distribution parameters at the batch's T states into dist_old (T, K),
 * and their mean entropy into *entropy (may be NULL). */
tr_status alg_run_old_dist(alg_run *run, const alg_batch *b, double *dist_old,
                           double *entropy);
/* How alg_run_fit_value regresses V: epochs passes of minibatches of size mb (mb ≥ T or 0:
 * the full batch) at learning rate lr; clip > 0: the clipped loss below (PPO's
 * clip_range_vf), 0: the plain squared error; max_grad_norm > 0: each minibatch's value
 * gradient clipped to that norm (TRPO's max_grad_norm), 0: off.  A designated initializer
 * names what a caller sets: (alg_value_fit){.epochs = 10, .mb = 64, .lr = 1e-3}. */
typedef struct {
  size_t epochs, mb;
  double lr;
  double clip;
  double max_grad_norm;
} alg_value_fit;
/* Regress the run's V (its value parameters, with Adam) on the targets ret (T) at the batch's
 * observations b->obs (T, O) as fit says.  values (T) are V at sampling: *loss = (1/T) Σ_t
 * (values_t − ret_t)², the loss before the update, and the V_old of the clipped loss.
 * Only *loss for exact values. */
tr_status alg_run_fit_value(alg_run *run, const alg_batch *b, const double *values,
                            const double *ret, const alg_value_fit *fit, double *loss);
/* The value loss (1/B) Σ_b (V_params(obs_b) − target_b)² and its gradient (Pv, overwritten;
 * may be NULL) for B ≤ T rows. */
tr_status alg_run_value_loss(alg_run *run, const double *params, const double *obs,
                             const double *targets, size_t B, double *loss, double *grad);
/* The clipped value loss (Engstrom et al. 2020 item 1; baselines ppo2, CleanRL clip_vloss):
 *   (1/B) Σ_b max((V_b − R_b)², (V_old,b + clip(V_b − V_old,b, −c, c) − R_b)²),
 * V_b = V_params(obs_b), old (B) the values when the batch was sampled, c = clip > 0
 * (clip ≤ 0: the plain loss above).  ∂/∂V_b is 2(V_b − R_b) where the unclipped term is the
 * max (ties included) or |V_b − V_old,b| ≤ c, and 0 where the clipped, constant term wins. */
tr_status alg_run_value_loss_clipped(alg_run *run, const double *params, const double *obs,
                                     const double *targets, const double *old, double clip,
                                     size_t B, double *loss, double *grad);
/* For tests: a PPO run's minibatch loss (the quantity its Adam steps minimize: minus the
 * clipped or plain surrogate, plus β·KL, minus c_H·entropy) at theta over B ≤ batch_size rows,
 * and its gradient (P). */
tr_status alg_ppo_minibatch_loss(alg_run *run, const double *theta, const double *obs,
                                 const double *act, const double *adv, const double *logp_old,
                                 const double *dist_old, size_t B, double *loss, double *grad);
/* For tests: a reinforce/a2c run's loss −(1/T) Σ_t Â_t log π_θ(a_t|s_t) (− c_H mean entropy) on
 * its batch at theta, and its gradient (P). */
tr_status alg_pg_loss(alg_run *run, const double *theta, double *loss, double *grad);

/* The rows a surrogate objective is computed on (n ≤ T): the batch's own (alg_run_rows), or
 * an algorithm's (TRPO's vine rows), which then owns the arrays. */
typedef struct {
  size_t n;
  const double *obs;      /* (n, O) */
  const double *act;      /* (n, U) */
  const double *logp_old; /* (n) log π_old(a|s) */
  const double *dist_old; /* (n, K) π_old's distribution parameters */
  const double *adv;      /* (n) Â */
} alg_rows;
/* The T rows of the run's own batch: run->state.batch, .dist_old (alg_run_old_dist), .adv. */
alg_rows alg_run_rows(const alg_run *run);

/* Mean KL(π_old ‖ π_θ) over the rows at parameters th (uses run->pws). */
tr_status alg_run_mean_kl(alg_run *run, const alg_rows *rows, const double *th, double *kl);
/* Importance-weighted surrogate (1/n) Σ_t r_t(θ) Â_t over the rows at parameters th. */
tr_status alg_run_surrogate(alg_run *run, const alg_rows *rows, const double *th, double *surr);
/* Both at once from one forward pass (the same bits as the two calls), and the ratios
 * r_t = π_θ(a_t|s_t) / π_old(a_t|s_t) into ratio (n) when the caller wants them (PPO's clip
 * fraction, TRPO's self-normalized vine estimate); any of kl, surr, ratio may be NULL (ratio
 * is filled only with surr). */
tr_status alg_run_kl_surrogate(alg_run *run, const alg_rows *rows, const double *th, double *kl,
                               double *surr, double *ratio);
/* The tabulated policy π_θ (S, A) on a tabular environment. */
tr_status alg_run_tabulate(alg_run *run, const double *th, double *pi);
/* A shuffled permutation of 0..T−1 in run->perm. */
void alg_run_shuffle(alg_run *run);

/* Parameters every algorithm declares (a macro so each table lists them in its own order);
 * their values go to the alg_shared_params at the start of each typed parameter struct.
 * NORM_OBS, N_ENVS, NORM_ADV: the algorithm's defaults of normalize_obs, n_envs and
 * normalize_advantage. */
#define ALG_COMMON_PARAMS(NORM_OBS, N_ENVS, NORM_ADV)                                         \
  {"gamma", ALG_REAL, -1, -1, 0.999999, NULL,                                                 \
   "discount; -1 = the environment's (a tabular MDP's own gamma, else 0.99)",                 \
   ALG_SHARED(gamma)},                                                                        \
  {"n_envs", ALG_INT, N_ENVS, 1, 256, NULL, "environments sampled in lockstep",               \
   ALG_SHARED(n_envs)},                                                                       \
  {"time_limit", ALG_INT, 0, 0, 1e9, NULL,                                                   \
   "episode time limit (0: the environment's own; tabular default 1000)",                    \
   ALG_SHARED(time_limit)},                                                                   \
  {"terminate_when_unhealthy", ALG_BOOL, 1, 0, 1, NULL,                                     \
   "Gymnasium v4's: false runs hopper/walker2d/ant/humanoid episodes to the time limit, the " \
   "healthy reward paid on healthy steps only", ALG_SHARED(terminate_when_unhealthy)},       \
  {"hidden_layers", ALG_INT, 2, 0, 8, NULL, "hidden layers of the policy and value MLPs",   \
   ALG_SHARED(hidden_layers)},                                                                \
  {"hidden_size", ALG_INT, 64, 1, 4096, NULL, "units per hidden layer",                       \
   ALG_SHARED(hidden_size)},                                                                  \
  {"normalize_obs", ALG_BOOL, NORM_OBS, 0, 1, NULL,                                          \
   "running mean/std observation normalization (ignored on tabular environments)",         \
   ALG_SHARED(normalize_obs)},                                                                \
  {"obs_clip", ALG_REAL, 5, 0, 1e9, NULL, "clip normalized observations to +-obs_clip (0: none)", \
   ALG_SHARED(obs_clip)},                                                                     \
  {"normalize_advantage", ALG_BOOL, NORM_ADV, 0, 1, NULL, "standardize advantages per batch", \
   ALG_SHARED(normalize_advantage)},                                                          \
  {"value_function", ALG_CHOICE, 0, 0, 0, "mlp|exact",                                       \
   "baseline: an MLP fit by Adam, or (tabular) the exact V of the current policy",           \
   ALG_SHARED(value_function)},                                                               \
  {"policy_init_gain", ALG_REAL, 0.01, 0, 100, NULL,                                         \
   "orthogonal-init gain of the policy output layer", ALG_SHARED(policy_init_gain)},         \
  {"anneal_lr", ALG_BOOL, 0, 0, 1, NULL, "anneal learning rates linearly to 0",             \
   ALG_SHARED(anneal_lr)},                                                                    \
  {"normalize_reward", ALG_BOOL, 0, 0, 1, NULL,                                              \
   "scale rewards by the running std of the discounted return (Engstrom et al. 2020)",       \
   ALG_SHARED(normalize_reward)},                                                             \
  {"reward_clip", ALG_REAL, 10, 0, 1e9, NULL,                                                \
   "clip the scaled rewards to +-reward_clip (with normalize_reward; 0: no clipping)",      \
   ALG_SHARED(reward_clip)},                                                                  \
  {"init", ALG_CHOICE, 0, 0, 0, "orthogonal|xavier",                                        \
   "MLP initialization: orthogonal (hidden gain sqrt 2, policy_init_gain, value 1) or "     \
   "Xavier uniform (gain 1 everywhere)", ALG_SHARED(init)},                                   \
  {"activation", ALG_CHOICE, 0, 0, 0, "tanh|relu|softplus",                                    \
   "hidden units of the policy and value MLPs (softplus: log(1 + e^x), GPS's soft rectifier)", \
   ALG_SHARED(activation)},                                                                 \
  {"exact_every", ALG_INT, 1, 1, 1e9, NULL,                                                  \
   "tabular: the exact diagnostics of progress.tsv on every this-many-th iteration (the "     \
   "others nan); 1: every iteration", ALG_SHARED(exact_every)},                                \
  ALG_RLHF_PARAMS

/* The shared parameters of rlhf.h (part of ALG_COMMON_PARAMS). */
#define ALG_RLHF_PARAMS                                                                       \
  {"reward", ALG_CHOICE, 0, 0, 0, "true|learned",                                             \
   "the reward trained on: the environment's, or a reward model fit to synthetic preferences", \
   ALG_SHARED(reward)},                                                                       \
  {"kl_ref_coef", ALG_REAL, 0, 0, 1e9, NULL,                                                  \
   "beta: reward - beta log(pi/pi_ref) per step, pi_ref the starting policy (run --ref-policy)", \
   ALG_SHARED(kl_ref_coef)},                                                                  \
  {"pref_labels", ALG_INT, 700, 1, 1e8, NULL, "reward=learned: queries to the labeler in all", \
   ALG_SHARED(pref_labels)},                                                                  \
  {"pref_segment", ALG_INT, 25, 1, 1e5, NULL, "steps per segment (k)", ALG_SHARED(pref_segment)}, \
  {"pref_rank", ALG_INT, 2, 2, 16, NULL,                                                      \
   "segments per query, ranked and turned into all pairs (2: a pair)", ALG_SHARED(pref_rank)}, \
  {"pref_temperature", ALG_REAL, 0, 0, 1e9, NULL,                                             \
   "Bradley-Terry temperature on segment returns; 0: the noiseless oracle",                  \
   ALG_SHARED(pref_temperature)},                                                             \
  {"pref_epsilon", ALG_REAL, 0.1, 0, 1, NULL, "probability of a uniformly random answer",     \
   ALG_SHARED(pref_epsilon)},                                                                 \
  {"pref_source", ALG_CHOICE, 0, 0, 0, "reference|current|mix",                              \
   "the policy the segments come from (mix: alternately within a query)",                    \
   ALG_SHARED(pref_source)},                                                                  \
  {"pref_schedule", ALG_CHOICE, 0, 0, 0, "offline|online",                                    \
   "all labels before training, or pref_initial of them then the rest until half-way",       \
   ALG_SHARED(pref_schedule)},                                                                \
  {"pref_initial", ALG_REAL, 0.25, 0, 1, NULL, "online: the share of labels before training", \
   ALG_SHARED(pref_initial)},                                                                 \
  {"rm_ensemble", ALG_INT, 3, 1, 64, NULL, "reward-model members averaged",                   \
   ALG_SHARED(rm_ensemble)},                                                                  \
  {"rm_hidden_layers", ALG_INT, 2, 0, 8, NULL,                                                \
   "reward-model hidden layers (0 on a tabular environment: a table r(s,a))",                \
   ALG_SHARED(rm_hidden_layers)},                                                             \
  {"rm_hidden_size", ALG_INT, 64, 1, 4096, NULL, "reward-model units per hidden layer",       \
   ALG_SHARED(rm_hidden_size)},                                                               \
  {"rm_epochs", ALG_INT, 20, 1, 1e6, NULL, "reward-model passes over the labels per training", \
   ALG_SHARED(rm_epochs)},                                                                    \
  {"rm_batch", ALG_INT, 64, 1, 1e5, NULL, "comparisons per reward-model minibatch",           \
   ALG_SHARED(rm_batch)},                                                                     \
  {"rm_lr", ALG_REAL, 1e-3, 1e-12, 10, NULL, "reward-model Adam learning rate",               \
   ALG_SHARED(rm_lr)},                                                                        \
  {"rm_normalize", ALG_BOOL, 1, 0, 1, NULL,                                                   \
   "each member to mean 0, std 1 on the visited steps (Christiano et al.)",                  \
   ALG_SHARED(rm_normalize)}

#endif
