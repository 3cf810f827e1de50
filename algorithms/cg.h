/* algorithms/cg.h — conjugate gradient and the trust-region backtracking line search of TRPO.
 *
 * Letters: n the length of the CG vectors, P the number of policy parameters (n = P inside
 * TRPO); all vectors are flat double arrays in the parameter layout of the policy.
 *
 * TRPO's step (Schulman et al. 2015, § 6 and Appendix C; REFERENCES.md § 4):
 *   1. s ≈ (F + μI)⁻¹ g by 10 CG iterations, F the Fisher matrix (the Hessian of the mean
 *      KL), μ the damping (0.1), both supplied by the caller as a product callback;
 *   2. β = sqrt(2δ / sᵀ(F + μI)s), so that the quadratic model ½(βs)ᵀF(βs) of the KL is δ
 *      (alg_trust_region_scale);
 *   3. backtrack θ_k = θ_old + 0.8^k βs, k = 0, 1, …, 10, accepting the first θ_k with mean
 *      KL(π_old ‖ π_θk) ≤ δ and surrogate L(θ_k) − L(θ_old) > 0; if none qualifies the
 *      parameters stay θ_old (alg_linesearch_*).
 *
 * Both iterative methods are driven from outside (set / iterate / test, as GSL's minimizers):
 * the caller owns logging and stopping; "not converged" and "no step accepted" are states,
 * not errors.  Each also has a one-call driver. */
#ifndef ALG_CG_H
#define ALG_CG_H

#include <stddef.h>

#include "../core/error.h"

/* ---- conjugate gradient ------------------------------------------------------------ */

/* out (n) = A v for v (n).  A must be symmetric positive definite for CG to make sense;
 * for TRPO it is F + μI.  The callback may not fail; a non-finite out is detected. */
typedef void (*alg_cg_matvec)(void *ctx, const double *v, double *out);

typedef enum {
  ALG_CG_CONTINUE = 0,  /* set, not yet converged */
  ALG_CG_CONVERGED = 1, /* ‖r‖₂ ≤ rtol ‖b‖₂ (or b = 0) */
  ALG_CG_MAXITER = 2,   /* alg_cg_solve used its iterations without converging (not an error) */
  ALG_CG_BREAKDOWN = 3  /* curvature pᵀAp ≤ threshold or non-finite: A is not SPD along p */
} alg_cg_state;

/* Default relative curvature floor (see alg_cg_iterate). */
#define ALG_CG_CURV_EPS 1e-12

/* The solver's state and workspace, allocated once for a length n.  Fields are read-only
 * for callers except curv_eps, which may be changed before alg_cg_set. */
typedef struct {
  size_t n;
  double curv_eps;    /* relative curvature floor, ALG_CG_CURV_EPS by default */
  alg_cg_matvec Av;   /* the operator and its context, from alg_cg_set */
  void *ctx;
  double *x;          /* (n) current iterate x_k */
  double *r;          /* (n) recursive residual r_k = b − A x_k (updated, not recomputed) */
  double *p;          /* (n) search direction p_k */
  double *Ap;         /* (n) A p_k */
  double rr;          /* r_kᵀ r_k */
  double bnorm;       /* ‖b‖₂ */
  double qmax;        /* largest Rayleigh quotient pᵀAp / pᵀp met so far */
  double pAp;         /* curvature of the last step */
  size_t iter;        /* iterations done since alg_cg_set */
  alg_cg_state state;
} alg_cg;

/* A workspace for vectors of length n ≥ 1; NULL with a message on failure. */
alg_cg *alg_cg_alloc(size_t n);
void alg_cg_free(alg_cg *cg);

/* Start solving A x = b, b (n), from x0 (n) or from 0 when x0 is NULL (TRPO starts at 0).
 * r_0 = b − A x_0 (one product when x0 is given), p_0 = r_0.  TR_EINVAL if b or x0 has a
 * non-finite entry, TR_ENUM if A x0 is non-finite.  b = 0 with x0 = NULL is CONVERGED at once. */
tr_status alg_cg_set(alg_cg *cg, alg_cg_matvec Av, void *ctx, const double *b, const double *x0);

/* One CG step (Hestenes & Stiefel 1952; Nocedal & Wright, Algorithm 5.2):
 *   α = rᵀr / pᵀAp,  x ← x + αp,  r ← r − αAp,  β = r_newᵀr_new / rᵀr,  p ← r_new + βp.
 * Denominators are guarded instead of perturbed (REFERENCES.md § 5: CG needs an epsilon):
 *   - pᵀAp: the step is taken only if q = pᵀAp / pᵀp is finite and q > curv_eps · q_max,
 *     q_max the largest such quotient met so far (q > 0 at the first step).  This is
 *     scale-free (the Rayleigh quotients of an SPD A lie in [λ_min, λ_max], so it can only
 *     trigger when cond(A) ≳ 1/curv_eps) and catches pᵀAp ≤ 0, 0 and NaN.  Otherwise the
 *     state becomes BREAKDOWN, x is left at the last (finite) iterate and TR_ENUM is
 *     returned with a message.  Reference codes add 1e-8 to pᵀAp instead (Spinning Up,
 *     sb3-contrib); that biases α once pᵀAp is small (in tests/test_cg.c it stalls the
 *     relative residual near 1e-6 on systems with λ ∈ [0.1, 100]) and hides indefiniteness.
 *   - rᵀr: positive whenever a step is taken, because a step with rᵀr = 0 is not taken
 *     (the state becomes CONVERGED).
 * Does nothing (TR_OK) once CONVERGED, TR_ENUM again once BREAKDOWN. */
tr_status alg_cg_iterate(alg_cg *cg);

/* ALG_CG_CONVERGED if ‖r_k‖₂ ≤ rtol · ‖b‖₂, else the current state (CONTINUE or BREAKDOWN).
 * r_k is the recursive residual; in floating point it drifts from b − A x_k by about
 * k·ε·‖A‖·max_j‖x_j‖ (Greenbaum 1997, ch. 7), so rtol below ~n·ε·cond(A) is not attainable. */
alg_cg_state alg_cg_test(const alg_cg *cg, double rtol);

/* x (n) ≈ A⁻¹ b: set (from 0), then at most max_iter iterations, stopping when
 * alg_cg_test(rtol) says CONVERGED.  TRPO: max_iter = 10 (REFERENCES.md § 4), rtol e.g.
 * 1e-10 (relative here; Spinning Up's 1e-10 bounds the absolute rᵀr).  Returns TR_OK when
 * converged or out of iterations (cg->state CONVERGED or MAXITER, cg->iter the count) and
 * TR_ENUM on breakdown (cg->state BREAKDOWN; x holds the last finite iterate, which the
 * caller may use or discard).  x may not alias b. */
tr_status alg_cg_solve(double *x, const double *b, alg_cg_matvec Av, void *ctx, size_t max_iter,
                       double rtol, alg_cg *cg);

/* ---- the trust-region step length ------------------------------------------------ */

/* β = sqrt(2δ / sFs), where sFs = sᵀ(F + μI)s: the largest step βs with quadratic KL model
 * ½ β² sᵀFs ≤ δ (TRPO Appendix C).  TR_ENUM with a message if sFs ≤ 0 or non-finite (the
 * caller skips the update and logs it: REFERENCES.md § 4 guard; rllab #24), TR_EINVAL if
 * δ ≤ 0 or non-finite. */
tr_status alg_trust_region_scale(double *beta, double sFs, double delta);

/* ---- backtracking line search ---------------------------------------------------- */

/* Decisions (REFERENCES.md § 4; Spinning Up and sb3-contrib agree; each a parameter):
 *   delta = 0.01           maximum mean KL(π_old ‖ π_θ) (TRPO: every experiment);
 *   shrink = 0.8           θ_k = θ_old + shrink^k · step;
 *   max_backtracks = 10    k = 0 … 10: the full step and at most 10 shrinks (11 trials;
 *                          Spinning Up and sb3-contrib evaluate 10 trials, k = 0 … 9);
 *   accept iff KL(θ_k) ≤ delta and L(θ_k) − L(θ_old) > 0 (strict), both finite;
 *   otherwise the parameters stay θ_old exactly (tianshou #1287: restore after failure). */
typedef struct {
  double delta;
  double shrink;
  size_t max_backtracks;
} alg_linesearch_params;

alg_linesearch_params alg_linesearch_params_default(void);
/* NULL if valid, else a sentence ("line search shrink must be in (0, 1), got 1.5"). */
const char *alg_linesearch_params_check(const alg_linesearch_params *par);

typedef enum {
  ALG_LS_CONTINUE = 0, /* a trial is pending or was rejected; call iterate again */
  ALG_LS_ACCEPTED = 1, /* theta holds the accepted θ_k */
  ALG_LS_NO_STEP = 2   /* every trial rejected; theta was restored to θ_old (not an error) */
} alg_ls_state;

/* State and workspace for P parameters.  Read-only for callers. */
typedef struct {
  size_t P;
  alg_linesearch_params par;
  double *theta_old;   /* (P) copy of θ_old */
  double *step;        /* (P) copy of the full step */
  double surr_old;     /* L(θ_old) */
  size_t k;            /* backtracks of the current / accepted trial */
  double frac;         /* shrink^k */
  size_t n_evals;      /* trials tested since set */
  double kl;           /* KL of the last tested trial */
  double improvement;  /* L(θ_k) − L(θ_old) of the last tested trial */
  alg_ls_state state;
} alg_linesearch;

alg_linesearch *alg_linesearch_alloc(size_t P);
void alg_linesearch_free(alg_linesearch *ls);

/* Start a search from theta_old (P) along step (P) (the full step βs), with L(θ_old) =
 * surr_old.  Copies both vectors.  TR_EINVAL on bad parameters or non-finite inputs. */
tr_status alg_linesearch_set(alg_linesearch *ls, const alg_linesearch_params *par,
                             const double *theta_old, const double *step, double surr_old);
/* theta (P) = θ_old + shrink^k · step, the pending trial; the caller then evaluates the mean
 * KL and the surrogate there and calls alg_linesearch_test. */
void alg_linesearch_iterate(alg_linesearch *ls, double *theta);
/* Judge the pending trial (kl, surr evaluated at theta).  ACCEPTED: theta is the new
 * parameter vector.  CONTINUE: k was increased; call iterate again.  NO_STEP: theta was
 * overwritten with θ_old.  A NaN kl or surr rejects the trial. */
alg_ls_state alg_linesearch_test(alg_linesearch *ls, double *theta, double kl, double surr);

/* The caller's evaluation at theta (P): mean KL(π_old ‖ π_θ) into *kl, surrogate L(θ) into
 * *surr.  A non-OK status aborts the search. */
typedef tr_status (*alg_linesearch_eval)(void *ctx, const double *theta, double *kl,
                                         double *surr);

/* The whole search.  theta (P): θ_old on entry; on return the accepted parameters, or θ_old
 * unchanged (bit for bit) when no trial qualified or eval failed.  Returns TR_OK in both the
 * ACCEPTED and NO_STEP cases (ls->state says which; ls->k is the number of backtracks, ls->kl
 * and ls->improvement those of the last trial); eval's status otherwise. */
tr_status alg_linesearch_run(double *theta, const double *step, double surr_old,
                             alg_linesearch_eval eval, void *ctx,
                             const alg_linesearch_params *par, alg_linesearch *ls);

#endif
