/* algorithms/policy.h — stochastic policies on a flat parameter vector.
 *
 * Letters: B batch (states in a batch), Bmax the most a workspace holds, O observation
 * width, S states (tabular: O = S), A discrete actions, U continuous action dimension,
 * K distribution-parameter width (K = A logits; K = 2U for the Gaussian), P parameters.
 * Arrays are row-major.
 *
 *   obs     (B, O)   one observation per row (tabular: the one-hot e_s of the state s)
 *   dist    (B, K)   the distribution parameters at each state:
 *                      discrete:  logits z (A);  π(a|s) = exp z_a / Σ_c exp z_c
 *                      Gaussian:  mean μ (U) then log-std ℓ (U);  σ = exp ℓ,
 *                                 π(a|s) = Π_u N(a_u; μ_u, σ_u²)
 *   act     (B, W)   actions as doubles: W = 1 (the index a ∈ {0 … A−1}) or W = U
 *   w, logp, ent, kl (B)   per-state weights and values
 *   params, grad, v, Fv (P)
 *
 * The three kinds and their parameter layouts:
 *   POL_TABULAR      θ (S, A) row-major; logits = obs θ, i.e. row θ_s for obs = e_s.  (Any
 *                    other obs gives the linear-softmax policy with the same formulas.)
 *   POL_CATEGORICAL  logits = MLP(obs), sizes (O, hidden…, A); params = the MLP's (nn.h).
 *   POL_GAUSSIAN     μ = MLP(obs), sizes (O, hidden…, U); params = the MLP's P_net then
 *                    the state-independent log-stds ℓ (U), so P = P_net + U.
 * Every dist row of a Gaussian carries ℓ, so a batch's old distribution is one (B, K)
 * array, whatever the kind.
 *
 * Usage: pol_forward computes dist for a batch and keeps it (and the MLP activations) in
 * the workspace; the _grad, _jvp and _fvp functions then refer to that batch and need the
 * same params.  Gradient functions ADD into grad (zero it with nn_zero).  log_prob,
 * entropy, kl, sample and mode are pure functions of dist arrays (old or new).  Nothing
 * allocates after _alloc. */
#ifndef ALG_POLICY_H
#define ALG_POLICY_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "nn.h"
#include "../core/error.h"

typedef enum { POL_TABULAR = 0, POL_CATEGORICAL, POL_GAUSSIAN } pol_kind;

/* A policy's shape: immutable after _alloc. */
typedef struct {
  pol_kind kind;
  size_t O;     /* observation width (S for tabular) */
  size_t A;     /* discrete actions (0 for the Gaussian) */
  size_t U;     /* action dimension of the Gaussian (0 for discrete kinds) */
  size_t K;     /* distribution-parameter width: A or 2U */
  size_t W;     /* action width: 1 or U */
  size_t P;     /* parameters */
  size_t P_net; /* parameters of the MLP (0 for tabular); the log-stds start here */
  nn_mlp *net;  /* NULL for tabular */
} pol_policy;

/* θ (S, A), all S·A entries free (no pinned reference logit). */
pol_policy *pol_tabular_alloc(size_t S, size_t A);
/* Logits from an MLP of widths (O, hidden[0], …, hidden[n_hidden−1], A); n_hidden = 0 is
 * a linear softmax policy. */
pol_policy *pol_categorical_alloc(size_t O, size_t n_hidden, const size_t *hidden, size_t A);
/* Mean from an MLP of widths (O, hidden…, U); state-independent log-stds. */
pol_policy *pol_gaussian_alloc(size_t O, size_t n_hidden, const size_t *hidden, size_t U);
void pol_free(pol_policy *pol);

size_t pol_n_params(const pol_policy *pol);   /* P */
size_t pol_dist_width(const pol_policy *pol); /* K */
size_t pol_act_width(const pol_policy *pol);  /* W */

/* Initial parameters: tabular θ = 0 (uniform policy); MLP kinds: orthogonal init with gain
 * √2 on hidden layers and gain_out on the output layer (0.01 for a policy head as in the
 * PPO reference code), biases 0; Gaussian log-stds 0.  For the scaled-normal init call
 * nn_mlp_init_normal(pol->net, params, …) afterwards (the MLP block is params[0 … P_net)). */
tr_status pol_init(const pol_policy *pol, double *params, double gain_out, gsl_rng *r);

/* The workspace for batches of up to Bmax states.  Fields are the module's business
 * except dist: the (B, K) distribution parameters of the last forward, read-only. */
typedef struct {
  size_t Bmax;
  size_t B;       /* rows of the last forward (0: none yet) */
  nn_ws *nn;      /* MLP activations (NULL for tabular) */
  double *obs;    /* tabular: (Bmax, S) copy of the observations */
  double *dist;   /* (Bmax, K) */
  double *ddist;  /* (Bmax, K) scratch: ∂ℓ/∂dist */
  double *jv;     /* (Bmax, K) scratch: J v */
  double *net_io; /* Gaussian: (Bmax, U) contiguous means / their gradients / tangents */
} pol_ws;

pol_ws *pol_ws_alloc(const pol_policy *pol, size_t Bmax);
void pol_ws_free(pol_ws *ws);

/* dist (B, K) of π_params at the states obs (B, O), 1 ≤ B ≤ Bmax; also kept in ws->dist
 * (dist may be NULL). */
tr_status pol_forward(const pol_policy *pol, const double *params, const double *obs, size_t B,
                      pol_ws *ws, double *dist);

/* ---- functions of distribution parameters ------------------------------------------- */

/* logp (B): log π(act_b | s_b) from dist (B, K).
 *   discrete:  z_a − log Σ_c exp z_c   (max subtracted)
 *   Gaussian:  Σ_u [−(a_u − μ_u)²/(2σ_u²) − ℓ_u − ½ log 2π]
 * TR_EINVAL if a discrete action is not an integer in [0, A). */
tr_status pol_log_prob(const pol_policy *pol, const double *dist, const double *act, size_t B,
                       double *logp);

/* ent (B): H(π(·|s_b)) in nats.
 *   discrete:  −Σ_a p_a log p_a;      Gaussian:  Σ_u ℓ_u + (U/2)(1 + log 2π). */
void pol_entropy(const pol_policy *pol, const double *dist, size_t B, double *ent);

/* kl (B): KL(old_b ‖ new_b) = E_{a∼old}[log old(a) − log new(a)] — the OLD policy first, as
 * in TRPO's constraint and PPO's penalty (REFERENCES.md § 3–4).
 *   discrete:  Σ_a p_a (log p_a − log q_a)
 *   Gaussian:  Σ_u [ℓ'_u − ℓ_u + (σ_u² + (μ_u − μ'_u)²)/(2σ'_u²) − ½]   (old μ, ℓ; new μ', ℓ') */
void pol_kl(const pol_policy *pol, const double *dist_old, const double *dist_new, size_t B,
            double *kl);

/* act (B, W): one draw a_b ∼ π(·|s_b) per row, from r.  Discrete: inverse CDF with one
 * uniform per row; Gaussian: μ + σ ⊙ ξ, ξ ∼ N(0, I) (GSL ziggurat), U normals per row. */
void pol_sample(const pol_policy *pol, const double *dist, size_t B, gsl_rng *r, double *act);

/* act (B, W): the mode (argmax logit, lowest index on ties; or μ), for evaluation. */
void pol_mode(const pol_policy *pol, const double *dist, size_t B, double *act);

/* ---- derivatives for the batch last forwarded ---------------------------------------- */

/* Chain rule through the distribution parameters: grad (P) += Σ_b J_bᵀ ddist_b, where
 * J_b = ∂dist_b/∂θ (K, P) and ddist (B, K) = ∂ℓ/∂dist.  The core of every gradient below. */
tr_status pol_dist_backward(const pol_policy *pol, const double *params, pol_ws *ws,
                            const double *ddist, size_t B, double *grad);

/* jv (B, K): J_b v for each b, the directional derivative of dist along v (P). */
tr_status pol_dist_jvp(const pol_policy *pol, const double *params, pol_ws *ws, const double *v,
                       size_t B, double *jv);

/* grad (P) += ∇_θ Σ_b w_b log π_θ(act_b | s_b)   (w NULL: all w_b = 1).  ∂/∂dist:
 *   discrete:  e_a − p;     Gaussian:  ∂/∂μ_u = (a_u − μ_u)/σ_u²,  ∂/∂ℓ_u = (a_u − μ_u)²/σ_u² − 1.
 * TR_EINVAL for a bad discrete action. */
tr_status pol_log_prob_grad(const pol_policy *pol, const double *params, pol_ws *ws,
                            const double *act, const double *w, size_t B, double *grad);

/* grad (P) += ∇_θ (1/B) Σ_b H(π_θ(·|s_b)).  ∂H/∂z_a = −p_a (log p_a + H);  ∂H/∂ℓ_u = 1. */
tr_status pol_entropy_grad(const pol_policy *pol, const double *params, pol_ws *ws, size_t B,
                           double *grad);

/* grad (P) += ∇_θ (1/B) Σ_b KL(old_b ‖ π_θ(·|s_b)), old fixed at dist_old (B, K).
 *   discrete:  ∂/∂z' = q − p   (q new, p old);
 *   Gaussian:  ∂/∂μ'_u = (μ'_u − μ_u)/σ'_u²,   ∂/∂ℓ'_u = 1 − (σ_u² + (μ_u − μ'_u)²)/σ'_u². */
tr_status pol_kl_grad(const pol_policy *pol, const double *params, pol_ws *ws,
                      const double *dist_old, size_t B, double *grad);

/* The exact Fisher-vector product at θ = params over the forwarded batch:
 *   Fv (P) = (1/B) Σ_b J_bᵀ M_b J_b v + damping · v     (overwrites Fv; Fv ≠ v),
 * M_b the Fisher information of the distribution in its own parameters:
 *   discrete (logits):  M = diag(p) − p pᵀ;
 *   Gaussian (μ, ℓ):    M = diag(1/σ² on μ, 2 on ℓ).
 * (1/B) Σ J_bᵀ M_b J_b is also the Hessian of the mean KL(π_{θ_old} ‖ π_θ) at θ = θ_old
 * (the first-order term vanishes there), i.e. TRPO's "analytic Hessian of the mean KL"
 * — computed without second derivatives of the network (Gauss–Newton form, Martens 2014). */
tr_status pol_fvp(const pol_policy *pol, const double *params, pol_ws *ws, const double *v,
                  size_t B, double damping, double *Fv);

#endif
