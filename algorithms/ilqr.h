/* algorithms/ilqr.h — iterative LQR (the DDP variant without second-order dynamics terms),
 * maximizing Σ_{t<H} r(x_t, u_t) over a finite horizon H from a fixed x_0.
 *
 * Letters: H horizon, N state (tangent) dimension, S stored state width (S ≥ N: the first N
 * entries are the differentiated state, the rest rides along, e.g. MuJoCo's warm start),
 * U control dimension.  Arrays row-major: X (H+1, S), Ubar (H, U), k (H, U), K (H, U, N),
 * Quu (H, U, U).
 *
 * Internally the cost c = −r is minimized (Tassa, Erez & Todorov 2012, GPS_RLHF.md § 2.3):
 *   backward pass (V_x = 0, V_xx = 0 after the last step), with A = f_x, B = f_u:
 *     Q_x = c_x + AᵀV_x,  Q_u = c_u + BᵀV_x,  Q_xx = c_xx + AᵀV_xxA,
 *     Q_ux = c_ux + BᵀV_xxA,  Q_uu = c_uu + BᵀV_xxB;
 *     regularized (§ II.F):  Q̃_uu = Q_uu + μBᵀB,  Q̃_ux = Q_ux + μBᵀA;
 *     k = −Q̃_uu⁻¹Q_u,  K = −Q̃_uu⁻¹Q̃_ux  (Q̃_uu not positive definite: μ grows, restart);
 *     ΔV₁ += kᵀQ_u,  ΔV₂ += ½kᵀQ_uu k;
 *     V_x = Q_x + KᵀQ_uu k + KᵀQ_u + Q_uxᵀk,  V_xx = Q_xx + KᵀQ_uu K + KᵀQ_ux + Q_uxᵀK.
 *   forward pass (Eq. 12): x̂_0 = x_0, û_t = clamp(ū_t + α k_t + K_t(x̂_t − x̄_t)),
 *     x̂_{t+1} = f(x̂_t, û_t); α over 10^linspace(0, −3, n_alpha) (Tassa's iLQG.m), the
 *     first with z = actual/expected > c1 accepted, expected = −(αΔV₁ + α²ΔV₂) (z = sign
 *     of actual when expected ≤ 0, as iLQG.m); a candidate with a non-finite reward or
 *     state is rejected.
 *   μ schedule (§ II.F, Δ₀ = 2, μ_min = 1e-6): increase Δ ← max(Δ₀, ΔΔ₀), μ ← max(μ_min, μΔ);
 *     decrease Δ ← min(1/Δ₀, Δ/Δ₀), μ ← μΔ if μΔ > μ_min else 0.  Increased on a non-
 *     definite Q̃_uu (then the backward pass restarts) and on a rejected line search;
 *     decreased on an accepted one.  μ > μ_max in the backward pass (Q̃_uu never definite)
 *     is an error ("μ at its bound"); after a rejected line search it ends the solve as
 *     converged with `stalled` set (no step improves the nominal: it is kept).
 *   converged: an accepted step with |actual| ≤ tol·|J|, or stalled.
 * Control limits by clamping û (MuJoCo 2.2.2 has no mju_boxQP).
 * Outputs per t: the nominal (x̄, ū), k, K and Q_uu in REWARD sign, regularized:
 *   Quu_t = −Q̃_uu (negative definite), so the guiding distribution's covariance is
 *   −Quu_t⁻¹ (ilqr_guide in gps_is.h). */
#ifndef ALG_ILQR_H
#define ALG_ILQR_H

#include <stddef.h>

#include "core/error.h"

typedef struct {
  size_t N, S, U, H;
  const double *u_lo, *u_hi; /* (U) each, or NULL: unbounded */
  void *ctx;
  /* s_next (S) from s (S) and u (U); r the reward optimized, r_true the one reported (may
   * be the same).  A non-finite s_next or r is not an error (the line search rejects it). */
  tr_status (*step)(void *ctx, const double *s, const double *u, double *s_next, double *r,
                    double *r_true);
  /* At (s, u) with s_next = f(s, u): A (N, N), B (N, U) and the reward's r_x (N), r_u (U),
   * r_xx (N, N), r_uu (U, U), r_ux (U, N). */
  tr_status (*derivs)(void *ctx, const double *s, const double *u, const double *s_next,
                      double *A, double *B, double *r_x, double *r_u, double *r_xx,
                      double *r_uu, double *r_ux);
} ilqr_problem;

typedef struct {
  double mu_init;   /* 1 (0 allowed: an exact Newton step) */
  double mu_min;    /* 1e-6 */
  double mu_max;    /* 1e10 (iLQG.m's lambdaMax) */
  double delta0;    /* 2 */
  double c1;        /* 0: accept any actual improvement of the expected sign (iLQG.m zMin) */
  double tol;       /* 1e-6: relative improvement at convergence */
  size_t n_alpha;   /* 11: α = 10^linspace(0, −3, n_alpha) */
} ilqr_settings;

void alg_ilqr_settings_default(ilqr_settings *s);

/* The μ schedule, one step (for tests): *mu, *delta updated. */
void alg_ilqr_mu_increase(const ilqr_settings *s, double *mu, double *delta);
void alg_ilqr_mu_decrease(const ilqr_settings *s, double *mu, double *delta);

typedef struct {
  ilqr_problem p;
  ilqr_settings set;
  double *X, *Ubar, *R, *Rt;  /* nominal: (H+1, S), (H, U), (H), (H) */
  double *k, *K, *Quu;        /* (H, U), (H, U, N), (H, U, U) */
  double J, J_true;           /* Σ R, Σ Rt of the nominal */
  double mu, delta;
  /* the last iteration */
  double alpha;      /* accepted step (0: rejected) */
  double expected;   /* expected improvement at the accepted (or last tried) α */
  double actual;     /* actual improvement (J_new − J) there */
  size_t n_backward; /* backward passes (1 + restarts) */
  size_t n_forward;  /* forward rollouts */
  int converged;
  int stalled; /* converged because no step improved the objective at μ_max (the last
               * iteration's line search failed at every α; the nominal is kept) */
  size_t iter;
  int derivs_current; /* A, B, r_* belong to the current nominal (alg_ilqr_derivatives set it, an
                       * accepted step clears it): alg_ilqr_iterate after alg_ilqr_gains reuses them */
  int in_gains;       /* inside alg_ilqr_gains: its messages say "iLQR gains after iteration I" */
  /* scratch */
  double *A, *B, *rx, *ru, *rxx, *ruu, *rux; /* per t: (H, N, N), (H, N, U), ... */
  double *Xc, *Uc, *Rc, *Rtc;                /* candidate */
  double *work;
} ilqr;

/* From x0 (S) and the initial controls u0 (H, U) (clamped): the nominal rolled out.
 * TR_EINVAL for H = 0, N > S, or a non-finite initial rollout (TR_ENUM). */
tr_status alg_ilqr_alloc(ilqr **out, const ilqr_problem *p, const ilqr_settings *set,
                     const double *x0, const double *u0);
void alg_ilqr_free(ilqr *il);

/* One iteration: derivatives along the nominal, backward pass (μ raised until Q̃_uu is
 * definite), line search, μ update.  TR_ENUM with "iLQR iteration I: ..." for non-finite
 * derivatives (naming t) and for μ above μ_max; the nominal is then unchanged. */
tr_status alg_ilqr_iterate(ilqr *il);

/* The backward pass alone at the current derivatives (for tests): 0 done, 1 Q̃_uu not
 * positive definite at some t; dV (2) = (ΔV₁, ΔV₂). */
int alg_ilqr_backward(ilqr *il, double mu, double *dV);
/* Derivatives along the nominal (for tests; alg_ilqr_iterate and alg_ilqr_gains call it unless
 * derivs_current says the stored ones are the nominal's). */
tr_status alg_ilqr_derivatives(ilqr *il);

/* k, K and Quu at the current nominal (derivatives, then the backward pass with μ raised
 * until Q̃_uu is definite; μ kept): after the last iteration, the gains the guiding
 * distribution and the closed-loop policy use.  Errors as alg_ilqr_iterate. */
tr_status alg_ilqr_gains(ilqr *il);

/* Whether st, an error of alg_ilqr_alloc (il NULL), alg_ilqr_iterate or alg_ilqr_gains, is a
 * divergence — a non-finite initial rollout or derivative (TR_ENUM with μ ≤ μ_max) — rather
 * than μ above μ_max or another error: the run then ends diverged, not failed. */
int alg_ilqr_diverged(const ilqr *il, tr_status st);

/* u (U) of the feedback law at time t for the state s (S): clamp(ū_t + α k_t + K_t(s − x̄_t)). */
void alg_ilqr_law(const ilqr *il, size_t t, double alpha, const double *s, double *u);

#endif
