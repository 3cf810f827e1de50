/* theory/softmax.c — see softmax.h */
#include "theory/softmax.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mathx.h"
#include "core/size.h"

void thy_log_softmax(double *logpi, const double *theta, size_t S, size_t A) {
  for (size_t s = 0; s < S; s++) {
    const double *t = theta + s * A;
    double mx, lz = log(tr_softmax_norm(t, A, &mx)); /* (θ − max) − log Z: error ε·|log π| */
    for (size_t a = 0; a < A; a++) logpi[s * A + a] = (t[a] - mx) - lz;
  }
}

void thy_softmax(double *pi, const double *theta, size_t S, size_t A) {
  for (size_t s = 0; s < S; s++) {
    const double *t = theta + s * A;
    double mx, z = tr_softmax_norm(t, A, &mx);
    for (size_t a = 0; a < A; a++) pi[s * A + a] = exp(t[a] - mx) / z;
  }
}

void thy_softmax_grad_from(double *g, const double *pi, const double *d, const double *Adv,
                           size_t S, size_t A, double gamma) {
  for (size_t s = 0; s < S; s++)
    for (size_t a = 0; a < A; a++) g[s * A + a] = d[s] * pi[s * A + a] * Adv[s * A + a] / (1.0 - gamma);
}

tr_status thy_softmax_grad(double *g, const mdp *m, const double *theta, thy_values *vals) {
  size_t S = m->S, A = m->A;
  thy_values *own = NULL;
  double *pi = tr_malloc(S * A * sizeof *pi);
  if (!pi) return TR_ENOMEM;
  if (!vals) {
    own = vals = thy_values_alloc(S, A);
    if (!own) {
      free(pi);
      return TR_ENOMEM;
    }
  }
  thy_softmax(pi, theta, S, A);
  tr_status st = thy_evaluate(vals, m, pi, THY_SOLVER_AUTO, NULL);
  if (!st) thy_softmax_grad_from(g, pi, vals->d, vals->Adv, S, A, m->gamma);
  free(pi);
  thy_values_free(own);
  return st;
}

void thy_softmax_fisher(double *F, const double *pi, const double *d, size_t S, size_t A) {
  size_t n = S * A;
  memset(F, 0, n * n * sizeof *F);
  for (size_t s = 0; s < S; s++)
    for (size_t a = 0; a < A; a++)
      for (size_t b = 0; b < A; b++) {
        double p = pi[s * A + a], q = pi[s * A + b];
        F[(s * A + a) * n + s * A + b] = d[s] * ((a == b ? p : 0.0) - p * q);
      }
}

tr_status thy_pinv_sym_apply(double *y, const double *M, const double *x, size_t n,
                             double rcond) {
  double *U = tr_malloc(n * n * sizeof *U), *lam = tr_malloc(n * sizeof *lam);
  double *c = tr_malloc(n * sizeof *c);
  tr_status st = TR_OK;
  if (!U || !lam || !c) {
    st = TR_ENOMEM;
    goto done;
  }
  memcpy(U, M, n * n * sizeof *U);
  lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)n, U, (lapack_int)n, lam);
  if (info != 0) {
    st = tr_error(TR_ENUM, "pseudo-inverse: dsyev info %d", (int)info);
    goto done;
  }
  double lmax = 0.0;
  for (size_t i = 0; i < n; i++)
    if (fabs(lam[i]) > lmax) lmax = fabs(lam[i]);
  /* y = Σ_i u_i (u_iᵀ x)/λ_i over kept i; eigenvectors are U's columns */
  for (size_t i = 0; i < n; i++) {
    double dot = 0.0;
    for (size_t j = 0; j < n; j++) dot += U[j * n + i] * x[j];
    c[i] = fabs(lam[i]) > rcond * lmax && lmax > 0.0 ? dot / lam[i] : 0.0;
  }
  for (size_t j = 0; j < n; j++) {
    double acc = 0.0;
    for (size_t i = 0; i < n; i++) acc += U[j * n + i] * c[i];
    y[j] = acc;
  }
done:
  free(U);
  free(lam);
  free(c);
  return st;
}

tr_status thy_softmax_natural_grad(double *ng, const double *g, const double *pi,
                                   const double *d, size_t S, size_t A, double rcond) {
  double *B = tr_malloc(A * A * sizeof *B);
  if (!B) return TR_ENOMEM;
  tr_status st = TR_OK;
  for (size_t s = 0; s < S && !st; s++) {
    if (d[s] <= 0.0) {
      memset(ng + s * A, 0, A * sizeof *ng);
      continue;
    }
    for (size_t a = 0; a < A; a++)
      for (size_t b = 0; b < A; b++)
        B[a * A + b] = d[s] * ((a == b ? pi[s * A + a] : 0.0) - pi[s * A + a] * pi[s * A + b]);
    st = thy_pinv_sym_apply(ng + s * A, B, g + s * A, A, rcond);
  }
  free(B);
  return st;
}
