/* algorithms/gps_is.h — Guided Policy Search's pieces on iLQR: the guiding distribution and
 * the importance-sampled policy objective Φ (REFERENCES.md § 8; GPS_RLHF.md § 1, § 3).
 *
 * Letters: m trajectories, T steps each, O observation width, W action width, n_q sampling
 * distributions in the mixture q, P policy parameters, U control dimension.
 *
 * Guiding distribution of an iLQR solution il (ilqr.h, after alg_ilqr_gains):
 *   π_G(u | x, t) = N(u; ū_t + k_t + K_t(x − x̄_t), Σ_t),  Σ_t = −Quu_t⁻¹
 * (Quu in reward sign, negative definite after regularization; with P = −Quu_t = LLᵀ:
 *  log π_G = −½(u − μ)ᵀP(u − μ) + Σ_i log L_ii − (U/2) log 2π, and a draw is μ + L⁻ᵀξ).
 *
 * The objective (the slides' Φ, rewards maximized):
 *   log w_{i,t} = Σ_{k≤t} log π_θ(u_k^i | x_k^i) − log q(τ_{i,1:t}),
 *   q(τ_{1:t}) = (1/n_q) Σ_j Π_{k≤t} q_j(u_k | x_k)   (the MIXTURE of the samplers'
 *                trajectory densities, whichever drew the sample; dynamics cancel),
 *   Z_t = Σ_i w_{i,t},  Ĵ_t = Σ_i w_{i,t} r_t^i / Z_t,
 *   Φ(θ) = Σ_t [ Ĵ_t + w_r log Z_t ],
 * all in log space (log-sum-exp over i and over j).  Its exact gradient (GPS_RLHF.md § 3.2):
 *   ∇Φ = Σ_t Σ_i (w_{i,t}/Z_t) g_{i,t} (r_t^i − Ĵ_t + w_r),  g_{i,t} = Σ_{k≤t} ∇log π_θ(u_k^i|x_k^i),
 * computed as Σ_{i,k} c_{i,k} ∇log π_θ(u_k^i|x_k^i) with c_{i,k} = Σ_{t≥k} (w_{i,t}/Z_t)(r_t^i − Ĵ_t + w_r).
 * The unnormalized causal (per-decision) estimate (1/m) Σ_i Σ_t w_{i,t} r_t^i is given too. */
#ifndef ALG_GPS_IS_H
#define ALG_GPS_IS_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "algorithms/ilqr.h"
#include "algorithms/policy.h"

/* log π_G(u | s, t) for the control u (U) at the state s (S); TR_ENUM if −Quu_t is not
 * positive definite. */
tr_status alg_guide_logpdf(const ilqr *il, size_t t, const double *s, const double *u,
                           double *logp);
/* u (U) ~ π_G(· | s, t), U standard normals from r (GSL ziggurat). */
tr_status alg_guide_sample(const ilqr *il, size_t t, const double *s, gsl_rng *r, double *u);

typedef struct {
  size_t m, T, O, W, n_q;
  const double *obs;  /* (m, T, O) */
  const double *act;  /* (m, T, W) */
  const double *rew;  /* (m, T) */
  const double *logq; /* (n_q, m, T): log q_j(u_t^i | x_t^i) */
} alg_is_data;

/* Scratch for a data set's size and a policy (pol_ws with Bmax = m·T and arrays). */
typedef struct alg_is_ws alg_is_ws;
alg_is_ws *alg_is_ws_alloc(const pol_policy *pol, const alg_is_data *data);
void alg_is_ws_free(alg_is_ws *ws);

/* Φ(θ) with weight w_r into *phi and, if grad is not NULL, ∇Φ (P) (overwritten). */
tr_status alg_is_objective(const pol_policy *pol, const double *theta, const alg_is_data *data,
                           double w_r, alg_is_ws *ws, double *phi, double *grad);
/* The unnormalized causal estimate (1/m) Σ_i Σ_t w_{i,t} r_t^i. */
tr_status alg_is_causal(const pol_policy *pol, const double *theta, const alg_is_data *data,
                        alg_is_ws *ws, double *est);

/* θ ← argmax Φ by L-BFGS (GSL's vector_bfgs2 on −Φ; first step 0.01, line tolerance 0.1,
 * gradient-norm stop 1e-6): at most iters iterations; *phi the final value. */
tr_status alg_is_optimize(const pol_policy *pol, double *theta, const alg_is_data *data,
                          double w_r, size_t iters, alg_is_ws *ws, double *phi);

/* Effective sample size of the self-normalized weights at θ, per step:
 *   ESS_t = 1 / Σ_i (w_{i,t}/Z_t)²  ∈ [1, m];
 * *ess_min the smallest over t, *ess_mean their mean (1: all weight on one sample). */
tr_status alg_is_ess(const pol_policy *pol, const double *theta, const alg_is_data *data,
                     alg_is_ws *ws, double *ess_min, double *ess_mean);

/* The derivatives of GPS's adaptive extra reward ℓ(x, u) = w log π(u | x) for a Gaussian
 * π = N(μ(x), diag σ²), added into an iLQR reward's (r_x (N), r_u (U), r_xx (N, N), r_uu (U, U),
 * r_ux (U, N)), from e = u − μ(x) (U), D = σ⁻² (U) and M = ∂μ/∂x (U, N) row-major:
 *   ℓ_u = −wDe,  ℓ_x = wMᵀDe,  ℓ_uu = −wD,  ℓ_xx = −wMᵀDM,  ℓ_ux = wDM
 * (Gauss–Newton in μ: μ's second derivatives dropped; exact when μ is affine in x). */
void alg_logpi_derivs_add(size_t U, size_t N, double w, const double *e, const double *D,
                          const double *M, double *r_x, double *r_u, double *r_xx, double *r_uu,
                          double *r_ux);

/* Maximum likelihood: θ ← argmax (1/B) Σ_b log π_θ(act_b | obs_b) over B rows (obs (B, O),
 * act (B, W)), by L-BFGS from θ (GSL's vector_bfgs2, the settings of alg_is_optimize) for at
 * most iters iterations; *ll0 and *ll1 (either may be NULL) the mean log-likelihood before and
 * after.  GPS's initial policy from the guiding samples. */
tr_status alg_ml_fit(const pol_policy *pol, double *theta, const double *obs, const double *act,
                     size_t B, size_t iters, double *ll0, double *ll1);

#endif
