/* algorithms/alg_bc.h — behaviour cloning (the SFT step of issue 22 item 3): the run's policy
 * fit to an expert's actions by maximum likelihood.
 *
 * Letters as run.h: T demonstration steps per iteration (n_steps), O observation size, W
 * action width, P policy parameters, N demonstrations so far, S, A tabular sizes.
 *
 * Each iteration the expert acts in the run's E environments for T steps (counted as the
 * run's steps; the batch's episode columns are the expert's returns), its (s, a) are added to
 * the demonstrations, then bc_epochs passes of Adam (learning_rate) over minibatches of
 * batch_size of all N demonstrations so far minimize the negative log-likelihood
 *   ℓ(θ) = −(1/N) Σ_i log π_θ(a_i | s_i)
 * — the cross-entropy on discrete and tabular policies, the Gaussian's maximum likelihood of
 * μ and the log-stds on boxes; bc_fit_std = false freezes the log-stds at their start, so ℓ
 * is (1/2N) Σ_i Σ_u (a_iu − μ_u(s_i))² / σ_u² + const: least squares on the mean.  The
 * observation normalizer (normalize_obs) gathers its statistics from the demonstrations and
 * is saved with the policy, as a training run's is.
 *
 * The expert: a callback on raw observations (trbench run --expert RUN: a saved run's policy,
 * experiments/cmd_run.c), or on tabular environments --expert optimal:EPS, the exact optimal
 * policy made noisy: π_E(a|s) = (1 − ε) 1[a = a*(s)] + ε / A (a* greedy optimal, policy
 * iteration).  expert_deterministic: the expert's mode (its mean; the greedy a* for
 * optimal:EPS) instead of a draw. */
#ifndef ALG_BC_H
#define ALG_BC_H

#include <gsl/gsl_rng.h>

#include "registry.h"
#include "../core/error.h"

/* The expert's actions act (B, W) at raw observations obs (B, O): its mode when
 * deterministic, else draws from r. */
typedef tr_status (*alg_expert_fn)(void *ctx, const double *obs, size_t B, int deterministic,
                                   gsl_rng *r, double *act);

/* The expert of a run of an algorithm with ALG_NEEDS_EXPERT (ctx outlives the run). */
tr_status alg_run_set_expert(alg_run *run, alg_expert_fn fn, void *ctx);
/* Tabular: the ε-greedy exact optimal policy as the expert; TR_EINVAL unless ε ∈ [0, 1] and
 * the environment is tabular. */
tr_status alg_run_set_optimal_expert(alg_run *run, double eps);

/* For tests: the demonstrations so far, raw observations obs (N, O) and actions act (N, W). */
size_t alg_bc_demos(const alg_run *run, const double **obs, const double **act);

#endif
