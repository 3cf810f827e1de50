/* algorithms/cg.c — see cg.h */
#include "algorithms/cg.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/size.h"

/* ---- conjugate gradient ------------------------------------------------------------ */

alg_cg *alg_cg_alloc(size_t n) {
  if (n == 0) {
    tr_error(TR_EINVAL, "cg: vector length must be at least 1");
    return NULL;
  }
  alg_cg *cg = tr_calloc(1, sizeof *cg);
  if (!cg) return NULL;
  cg->n = n;
  cg->curv_eps = ALG_CG_CURV_EPS;
  cg->x = tr_malloc(n * sizeof *cg->x);
  cg->r = tr_malloc(n * sizeof *cg->r);
  cg->p = tr_malloc(n * sizeof *cg->p);
  cg->Ap = tr_malloc(n * sizeof *cg->Ap);
  if (!cg->x || !cg->r || !cg->p || !cg->Ap) {
    alg_cg_free(cg);
    tr_error_prefix("cg: workspace for n = %zu", n);
    return NULL;
  }
  return cg;
}

void alg_cg_free(alg_cg *cg) {
  if (!cg) return;
  free(cg->x);
  free(cg->r);
  free(cg->p);
  free(cg->Ap);
  free(cg);
}

static int all_finite(const double *v, size_t n, size_t *where) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i])) {
      *where = i;
      return 0;
    }
  return 1;
}

tr_status alg_cg_set(alg_cg *cg, alg_cg_matvec Av, void *ctx, const double *b,
                     const double *x0) {
  size_t n = cg->n, bad;
  int ni = (int)n;
  cg->Av = Av;
  cg->ctx = ctx;
  cg->iter = 0;
  cg->qmax = 0.0;
  cg->pAp = NAN;
  cg->state = ALG_CG_CONTINUE;
  if (!all_finite(b, n, &bad)) {
    memset(cg->x, 0, n * sizeof *cg->x);
    cg->state = ALG_CG_BREAKDOWN;
    return tr_error(TR_EINVAL, "cg: right-hand side b[%zu] is %g", bad, b[bad]);
  }
  cg->bnorm = cblas_dnrm2(ni, b, 1);
  if (x0) {
    if (!all_finite(x0, n, &bad)) {
      memset(cg->x, 0, n * sizeof *cg->x);
      cg->state = ALG_CG_BREAKDOWN;
      return tr_error(TR_EINVAL, "cg: starting point x0[%zu] is %g", bad, x0[bad]);
    }
    memcpy(cg->x, x0, n * sizeof *cg->x);
    Av(ctx, cg->x, cg->Ap);
    if (!all_finite(cg->Ap, n, &bad)) {
      cg->state = ALG_CG_BREAKDOWN;
      return tr_error(TR_ENUM, "cg: (A x0)[%zu] is %g", bad, cg->Ap[bad]);
    }
    for (size_t i = 0; i < n; i++) cg->r[i] = b[i] - cg->Ap[i]; /* r_0 = b − A x_0 */
  } else {
    memset(cg->x, 0, n * sizeof *cg->x);
    memcpy(cg->r, b, n * sizeof *cg->r); /* r_0 = b */
  }
  memcpy(cg->p, cg->r, n * sizeof *cg->p); /* p_0 = r_0 */
  cg->rr = cblas_ddot(ni, cg->r, 1, cg->r, 1);
  if (cg->rr == 0.0) cg->state = ALG_CG_CONVERGED;
  return TR_OK;
}

tr_status alg_cg_iterate(alg_cg *cg) {
  if (cg->state == ALG_CG_CONVERGED) return TR_OK;
  if (cg->state == ALG_CG_BREAKDOWN)
    return tr_error(TR_ENUM, "cg: iterate called after a breakdown (iteration %zu)", cg->iter);
  if (cg->rr == 0.0) { /* exact solution reached: nothing to divide by below */
    cg->state = ALG_CG_CONVERGED;
    return TR_OK;
  }
  int n = (int)cg->n;
  cg->Av(cg->ctx, cg->p, cg->Ap);
  double pAp = cblas_ddot(n, cg->p, 1, cg->Ap, 1);
  double pp = cblas_ddot(n, cg->p, 1, cg->p, 1);
  double q = pAp / pp; /* Rayleigh quotient of A along p; pp > 0 since p = r + βp, rᵀp = rᵀr > 0 */
  cg->pAp = pAp;
  if (!(isfinite(q) && q > 0.0 && q > cg->curv_eps * cg->qmax)) {
    cg->state = ALG_CG_BREAKDOWN;
    return tr_error(TR_ENUM,
                    "cg: curvature pᵀAp = %g (pᵀAp/pᵀp = %g) at iteration %zu: the operator "
                    "is not positive definite along the search direction",
                    pAp, q, cg->iter + 1);
  }
  if (q > cg->qmax) cg->qmax = q;
  double alpha = cg->rr / pAp;
  cblas_daxpy(n, alpha, cg->p, 1, cg->x, 1);   /* x ← x + αp */
  cblas_daxpy(n, -alpha, cg->Ap, 1, cg->r, 1); /* r ← r − αAp */
  double rr_new = cblas_ddot(n, cg->r, 1, cg->r, 1);
  double beta = rr_new / cg->rr; /* cg->rr > 0: checked above */
  cblas_dscal(n, beta, cg->p, 1);
  cblas_daxpy(n, 1.0, cg->r, 1, cg->p, 1); /* p ← r + βp */
  cg->rr = rr_new;
  cg->iter++;
  if (rr_new == 0.0) cg->state = ALG_CG_CONVERGED;
  return TR_OK;
}

alg_cg_state alg_cg_test(const alg_cg *cg, double rtol) {
  if (cg->state == ALG_CG_BREAKDOWN) return ALG_CG_BREAKDOWN;
  if (cg->state == ALG_CG_CONVERGED) return ALG_CG_CONVERGED;
  return sqrt(cg->rr) <= rtol * cg->bnorm ? ALG_CG_CONVERGED : ALG_CG_CONTINUE;
}

tr_status alg_cg_solve(double *x, const double *b, alg_cg_matvec Av, void *ctx, size_t max_iter,
                       double rtol, alg_cg *cg) {
  tr_status st = alg_cg_set(cg, Av, ctx, b, NULL);
  while (!st && alg_cg_test(cg, rtol) == ALG_CG_CONTINUE && cg->iter < max_iter)
    st = alg_cg_iterate(cg);
  if (!st) cg->state = alg_cg_test(cg, rtol) == ALG_CG_CONVERGED ? ALG_CG_CONVERGED
                                                                  : ALG_CG_MAXITER;
  memcpy(x, cg->x, cg->n * sizeof *x);
  if (st) tr_error_prefix("cg solve");
  return st;
}

/* ---- the trust-region step length ------------------------------------------------ */

tr_status alg_trust_region_scale(double *beta, double sFs, double delta) {
  *beta = 0.0;
  if (!(isfinite(delta) && delta > 0.0))
    return tr_error(TR_EINVAL, "trust region: max KL delta must be positive, got %g", delta);
  if (!(isfinite(sFs) && sFs > 0.0))
    return tr_error(TR_ENUM,
                    "trust region: sᵀFs = %g is not positive and finite; step skipped", sFs);
  double b = sqrt(2.0 * delta / sFs);
  if (!isfinite(b))
    return tr_error(TR_ENUM, "trust region: step scale sqrt(2·%g/%g) overflows; step skipped",
                    delta, sFs);
  *beta = b;
  return TR_OK;
}

/* ---- backtracking line search ---------------------------------------------------- */

alg_linesearch_params alg_linesearch_params_default(void) {
  return (alg_linesearch_params){.delta = 0.01, .shrink = 0.8, .max_backtracks = 10};
}

const char *alg_linesearch_params_check(const alg_linesearch_params *par) {
  static _Thread_local char msg[160];
  if (!(isfinite(par->delta) && par->delta > 0.0)) {
    snprintf(msg, sizeof msg, "line search max KL delta must be positive and finite, got %g",
             par->delta);
    return msg;
  }
  if (!(par->shrink > 0.0 && par->shrink < 1.0)) {
    snprintf(msg, sizeof msg, "line search shrink must be in (0, 1), got %g", par->shrink);
    return msg;
  }
  return NULL;
}

alg_linesearch *alg_linesearch_alloc(size_t P) {
  if (P == 0) {
    tr_error(TR_EINVAL, "line search: parameter count must be at least 1");
    return NULL;
  }
  alg_linesearch *ls = tr_calloc(1, sizeof *ls);
  if (!ls) return NULL;
  ls->P = P;
  ls->par = alg_linesearch_params_default();
  ls->theta_old = tr_malloc(P * sizeof *ls->theta_old);
  ls->step = tr_malloc(P * sizeof *ls->step);
  if (!ls->theta_old || !ls->step) {
    alg_linesearch_free(ls);
    tr_error_prefix("line search: workspace for P = %zu", P);
    return NULL;
  }
  ls->state = ALG_LS_NO_STEP;
  return ls;
}

void alg_linesearch_free(alg_linesearch *ls) {
  if (!ls) return;
  free(ls->theta_old);
  free(ls->step);
  free(ls);
}

tr_status alg_linesearch_set(alg_linesearch *ls, const alg_linesearch_params *par,
                             const double *theta_old, const double *step, double surr_old) {
  const char *why = alg_linesearch_params_check(par);
  ls->state = ALG_LS_NO_STEP;
  if (why) return tr_error(TR_EINVAL, "%s", why);
  size_t bad;
  if (!all_finite(theta_old, ls->P, &bad))
    return tr_error(TR_EINVAL, "line search: theta_old[%zu] is %g", bad, theta_old[bad]);
  if (!all_finite(step, ls->P, &bad))
    return tr_error(TR_EINVAL, "line search: step[%zu] is %g", bad, step[bad]);
  if (!isfinite(surr_old))
    return tr_error(TR_EINVAL, "line search: surrogate at theta_old is %g", surr_old);
  ls->par = *par;
  memcpy(ls->theta_old, theta_old, ls->P * sizeof *ls->theta_old);
  memcpy(ls->step, step, ls->P * sizeof *ls->step);
  ls->surr_old = surr_old;
  ls->k = 0;
  ls->frac = 1.0;
  ls->n_evals = 0;
  ls->kl = NAN;
  ls->improvement = NAN;
  ls->state = ALG_LS_CONTINUE;
  return TR_OK;
}

void alg_linesearch_iterate(alg_linesearch *ls, double *theta) {
  if (ls->state == ALG_LS_NO_STEP) { /* nothing pending: the old parameters */
    memcpy(theta, ls->theta_old, ls->P * sizeof *theta);
    return;
  }
  for (size_t i = 0; i < ls->P; i++) theta[i] = ls->theta_old[i] + ls->frac * ls->step[i];
}

alg_ls_state alg_linesearch_test(alg_linesearch *ls, double *theta, double kl, double surr) {
  if (ls->state != ALG_LS_CONTINUE) return ls->state;
  ls->n_evals++;
  ls->kl = kl;
  ls->improvement = surr - ls->surr_old;
  /* Written so that NaN in kl or surr fails both comparisons. */
  if (kl <= ls->par.delta && ls->improvement > 0.0 && isfinite(surr)) {
    ls->state = ALG_LS_ACCEPTED;
    return ls->state;
  }
  if (ls->k >= ls->par.max_backtracks) {
    memcpy(theta, ls->theta_old, ls->P * sizeof *theta);
    ls->state = ALG_LS_NO_STEP;
    return ls->state;
  }
  ls->k++;
  ls->frac *= ls->par.shrink; /* shrink^k by repeated products: the same numbers every run */
  return ls->state;
}

tr_status alg_linesearch_run(double *theta, const double *step, double surr_old,
                             alg_linesearch_eval eval, void *ctx,
                             const alg_linesearch_params *par, alg_linesearch *ls) {
  tr_status st = alg_linesearch_set(ls, par, theta, step, surr_old);
  if (st) return st;
  while (ls->state == ALG_LS_CONTINUE) {
    double kl = NAN, surr = NAN;
    alg_linesearch_iterate(ls, theta);
    st = eval(ctx, theta, &kl, &surr);
    if (st) {
      memcpy(theta, ls->theta_old, ls->P * sizeof *theta);
      ls->state = ALG_LS_NO_STEP;
      tr_error_prefix("line search (backtrack %zu)", ls->k);
      return st;
    }
    alg_linesearch_test(ls, theta, kl, surr);
  }
  return TR_OK;
}
