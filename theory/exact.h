/* theory/exact.h — exact quantities of a tabular policy on a tabular MDP.
 *
 * Letters: S states, A actions.  A policy π is an (S, A) row-major array, each row on
 * the simplex.  Conventions of REFERENCES.md § 1:
 *   P_π(s,s') = Σ_a π(a|s) P(s'|s,a),  r_π(s) = Σ_a π(a|s) r(s,a),
 *   V_π = (I − γP_π)⁻¹ r_π,  Q_π(s,a) = r(s,a) + γ Σ_s' P(s'|s,a) V_π(s'),
 *   A_π = Q_π − V_π,  J(π) = μᵀ V_π  (all unnormalized: no (1−γ) factor),
 *   d_{π,μ}ᵀ = (1−γ) μᵀ (I − γP_π)⁻¹  (normalized: sums to 1).
 *
 * Two solvers: dense LU (LAPACKE dgetrf/dgetrs on the column-major matrix, one
 * factorization for V and d) and, above THY_DENSE_MAX_S states, sparse GMRES (GSL
 * splinalg) to a relative residual of THY_GMRES_TOL. */
#ifndef THY_EXACT_H
#define THY_EXACT_H

#include <stddef.h>

#include "../mdps/mdp.h"

/* Above this many states the AUTO solver is sparse GMRES: a dense (S, S) LU costs S³/3
 * flops and 8S² bytes (3000: 9e9 flops, 72 MB, about a second here). */
#define THY_DENSE_MAX_S 3000
/* GMRES stops at ‖(I − γP_π)x − b‖ ≤ THY_GMRES_TOL ‖b‖.  The condition number of I − γP_π
 * is at most (1+γ)/(1−γ) (‖·‖∞: ‖I − γP_π‖ ≤ 1+γ, ‖(I − γP_π)⁻¹‖ ≤ 1/(1−γ)), so the
 * relative error of V is at most that times 1e-13: 2e-10 at γ = 0.999; a tighter
 * tolerance would sit at GMRES's own rounding floor (≈ S·ε·cond) on large sparse MDPs. */
#define THY_GMRES_TOL 1e-13
/* GMRES(m) restarts after THY_GMRES_RESTART inner steps (fewer when S is smaller: then it
 * is full GMRES) and gives up after THY_GMRES_MAX_ITER restart cycles: a status, not a
 * crash (TR_ENUM "did not converge"). */
#define THY_GMRES_RESTART 50
#define THY_GMRES_MAX_ITER 20000
/* Policy iteration switches a state's action only when the gain exceeds
 * THY_PI_SWITCH_REL · (|Q(s, current)| + 1): ~4500 ulps of Q, far above the rounding of
 * an LU solve (≈ S·ε·cond), so rounding cannot make it cycle between tied actions, and far
 * below any gap a test or claim resolves.  Howard's iteration ends in at most A^S steps
 * and in practice in a few dozen; THY_PI_MAX_ITER is a guard that reports TR_ENUM. */
#define THY_PI_SWITCH_REL 1e-12
#define THY_PI_MAX_ITER 100000

typedef enum { THY_SOLVER_AUTO = 0, THY_SOLVER_DENSE, THY_SOLVER_ITERATIVE } thy_solver;

typedef struct {
  size_t S, A;
  double J;   /* μᵀ V */
  double *V;  /* (S) */
  double *Q;  /* (S, A) */
  double *Adv; /* (S, A)  A_π = Q − V */
  double *d;  /* (S)  normalized occupancy d_{π,μ} */
} thy_values;

thy_values *thy_values_alloc(size_t S, size_t A);
void thy_values_free(thy_values *v);

/* Scratch for dense evaluation: the (S,S) matrix, pivots, two vectors.  Reusable
 * across calls on MDPs with the same S. */
typedef struct thy_ws thy_ws;
thy_ws *thy_ws_alloc(size_t S);
void thy_ws_free(thy_ws *ws);

/* NULL-free check that pi is (S, A) with rows on the simplex (tolerance MDP_ROW_TOL). */
tr_status thy_policy_check(const mdp *m, const double *pi);

/* r_π (S); P_π densely (S, S) row-major if Ppi != NULL. */
void thy_policy_reward(double *rpi, const mdp *m, const double *pi);
void thy_policy_transition(double *Ppi, const mdp *m, const double *pi);

/* Everything of thy_values in one pass.  ws may be NULL (allocated inside). */
tr_status thy_evaluate(thy_values *out, const mdp *m, const double *pi, thy_solver solver,
                       thy_ws *ws);
/* Q(s,a) = r(s,a) + γ Σ P(s'|s,a) V(s'), Q is (S, A). */
void thy_q_from_v(double *Q, const mdp *m, const double *V);
/* d(s,a) = d(s) π(a|s), nu is (S, A). */
void thy_state_action_occupancy(double *nu, const double *d, const double *pi, size_t S,
                                size_t A);

/* Scratch of policy iteration on MDPs of S states and A actions (the dense solver's
 * thy_ws included when S ≤ THY_DENSE_MAX_S). */
typedef struct thy_pi_ws thy_pi_ws;
thy_pi_ws *thy_pi_ws_alloc(size_t S, size_t A);
void thy_pi_ws_free(thy_pi_ws *ws);

/* Optimal control.  Policy iteration from the policy greedy for r, greedy improvement that
 * keeps the current action on ties (THY_PI_SWITCH_REL, so it terminates); V* (S), a greedy
 * optimal deterministic policy pi_star (S, A) (either may be NULL).  *iters gets the count.
 * The _ws form uses a workspace of the MDP's sizes (no allocation); the other allocates
 * one per call. */
tr_status thy_policy_iteration_ws(double *Vstar, double *pi_star, const mdp *m,
                                  thy_solver solver, size_t *iters, thy_pi_ws *ws);
tr_status thy_policy_iteration(double *Vstar, double *pi_star, const mdp *m, thy_solver solver,
                               size_t *iters);
/* Value iteration until ‖V_{k+1} − V_k‖∞ ≤ tol (1−γ)/(2γ), which bounds ‖V_k − V*‖∞ by tol;
 * at most max_iter sweeps (TR_ENUM if not reached). */
tr_status thy_value_iteration(double *V, const mdp *m, double tol, size_t max_iter,
                              size_t *iters);
/* The greedy deterministic policy of Q (S, A): argmax with the lowest index on ties. */
void thy_greedy(double *pi, const double *Q, size_t S, size_t A);

/* ---- divergences between policies (per state and aggregated) ---------------------- */
/* TV(p,q) = ½‖p − q‖₁ per state: out (S). */
void thy_tv_states(double *out, const double *p, const double *q, size_t S, size_t A);
/* KL(p‖q) = Σ_a p log(p/q) per state (+inf where q = 0 < p): out (S). */
void thy_kl_states(double *out, const double *p, const double *q, size_t S, size_t A);
double thy_kl(const double *p, const double *q, size_t A);
double thy_vec_max(const double *x, size_t n);
/* Σ_s w(s) x(s). */
double thy_weighted_mean(const double *x, const double *w, size_t n);

/* ---- surrogate and policy advantage ----------------------------------------------- */
/* Σ_s d(s) Σ_a π'(a|s) A(s,a): the policy advantage 𝔸 of pi_new under d (old occupancy). */
double thy_policy_advantage(const double *d, const double *Adv, const double *pi_new,
                            size_t S, size_t A);
/* TRPO's L_π(π') = J(π) + (1/(1−γ)) Σ_s d_π(s) Σ_a π'(a|s) A_π(s,a), from old's values. */
double thy_surrogate(const thy_values *old, double gamma, const double *pi_new);
/* max_s |Σ_a π'(a|s) A(s,a)| and max_{s,a} |A(s,a)|. */
double thy_max_expected_advantage(const double *Adv, const double *pi_new, size_t S, size_t A);
double thy_max_abs(const double *x, size_t n);

/* pi_mix = (1−α) pi + α pi2, (S, A). */
void thy_policy_mix(double *pi_mix, const double *pi, const double *pi2, double alpha,
                    size_t S, size_t A);
/* The uniform policy. */
void thy_policy_uniform(double *pi, size_t S, size_t A);

#endif
