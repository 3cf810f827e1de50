/* theory/exact.c — exact policy evaluation, occupancy, optimal control, divergences.
 * Conventions and references: see exact.h and REFERENCES.md § 1. */
#include "theory/exact.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_spblas.h>
#include <gsl/gsl_splinalg.h>
#include <gsl/gsl_spmatrix.h>
#include <gsl/gsl_vector.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/size.h"

struct thy_ws {
  size_t S;
  double *M;        /* (S, S) column-major: I − γ P_π, then its LU factors */
  lapack_int *ipiv; /* (S) */
  double *rpi;      /* (S) */
};

thy_ws *thy_ws_alloc(size_t S) {
  thy_ws *ws = tr_calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->S = S;
  ws->M = tr_malloc(S * S * sizeof *ws->M);
  ws->ipiv = tr_malloc(S * sizeof *ws->ipiv);
  ws->rpi = tr_malloc(S * sizeof *ws->rpi);
  if (!ws->M || !ws->ipiv || !ws->rpi) {
    thy_ws_free(ws);
    return NULL;
  }
  return ws;
}

void thy_ws_free(thy_ws *ws) {
  if (!ws) return;
  free(ws->M);
  free(ws->ipiv);
  free(ws->rpi);
  free(ws);
}

thy_values *thy_values_alloc(size_t S, size_t A) {
  thy_values *v = tr_calloc(1, sizeof *v);
  if (!v) return NULL;
  v->S = S;
  v->A = A;
  v->V = tr_malloc(S * sizeof *v->V);
  v->d = tr_malloc(S * sizeof *v->d);
  v->Q = tr_malloc(S * A * sizeof *v->Q);
  v->Adv = tr_malloc(S * A * sizeof *v->Adv);
  if (!v->V || !v->d || !v->Q || !v->Adv) {
    thy_values_free(v);
    return NULL;
  }
  return v;
}

void thy_values_free(thy_values *v) {
  if (!v) return;
  free(v->V);
  free(v->d);
  free(v->Q);
  free(v->Adv);
  free(v);
}

tr_status thy_policy_check(const mdp *m, const double *pi) {
  for (size_t s = 0; s < m->S; s++) {
    double sum = 0.0;
    for (size_t a = 0; a < m->A; a++) {
      double p = pi[s * m->A + a];
      if (!isfinite(p) || p < 0.0)
        return tr_error(TR_EINVAL, "policy entry pi(a=%zu|s=%zu) = %.17g is not a probability",
                        a, s, p);
      sum += p;
    }
    if (fabs(sum - 1.0) > MDP_ROW_TOL)
      return tr_error(TR_EINVAL, "row of state %zu sums to %.17g", s, sum);
  }
  return TR_OK;
}

void thy_policy_reward(double *rpi, const mdp *m, const double *pi) {
  for (size_t s = 0; s < m->S; s++) {
    double acc = 0.0;
    for (size_t a = 0; a < m->A; a++) acc += pi[s * m->A + a] * m->r[s * m->A + a];
    rpi[s] = acc;
  }
}

void thy_policy_transition(double *Ppi, const mdp *m, const double *pi) {
  size_t S = m->S, A = m->A;
  memset(Ppi, 0, S * S * sizeof *Ppi);
  for (size_t s = 0; s < S; s++)
    for (size_t a = 0; a < A; a++) {
      double w = pi[s * A + a];
      if (w == 0.0) continue;
      size_t k = s * A + a;
      for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++) Ppi[s * S + m->col[i]] += w * m->prob[i];
    }
}

void thy_q_from_v(double *Q, const mdp *m, const double *V) {
  size_t K = m->S * m->A;
  for (size_t k = 0; k < K; k++) {
    double acc = 0.0;
    for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++) acc += m->prob[i] * V[m->col[i]];
    Q[k] = m->r[k] + m->gamma * acc;
  }
}

void thy_state_action_occupancy(double *nu, const double *d, const double *pi, size_t S,
                                size_t A) {
  for (size_t s = 0; s < S; s++)
    for (size_t a = 0; a < A; a++) nu[s * A + a] = d[s] * pi[s * A + a];
}

/* Dense: M = I − γP_π, one LU, then M V = r_π and Mᵀ d = (1−γ) μ
 * (dᵀ = (1−γ) μᵀ M⁻¹  ⇔  Mᵀ d = (1−γ) μ).
 * M is written row-major (M[i*S + j] = row i, column j): the rows of P_π are sparse rows of
 * the MDP, so they are scattered within one row of memory, where the column-major writes
 * this replaced jumped S doubles apart for every entry (one cache line and, above S = 512,
 * one 4 KiB page each).  Read as a column-major array the same memory is Mᵀ, so LAPACK
 * factors Mᵀ = P L U and the two solves swap: V by dgetrs 'T', d by dgetrs 'N'.
 * The _work entry points skip LAPACKE's NaN scans of the S × S matrix (three per
 * evaluation, 10% of the time at S = 1000, where the bare dgesv floor scans once); a NaN
 * in π or P still shows, as a NaN in V or d, which the callers test. */
static tr_status solve_dense(double *V, double *d, const mdp *m, const double *pi, thy_ws *ws) {
  size_t S = m->S, A = m->A;
  double *M = ws->M;
  memset(M, 0, S * S * sizeof *M);
  for (size_t s = 0; s < S; s++) {
    double *row = M + s * S;
    row[s] = 1.0;
    for (size_t a = 0; a < A; a++) {
      double w = m->gamma * pi[s * A + a];
      if (w == 0.0) continue;
      size_t k = s * A + a;
      for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++) row[m->col[i]] -= w * m->prob[i];
    }
  }
  lapack_int n = (lapack_int)S;
  lapack_int info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, M, n, ws->ipiv);
  if (info != 0) return tr_error(TR_ENUM, "policy evaluation: I - gamma P_pi is singular (dgetrf info %d)", (int)info);
  thy_policy_reward(V, m, pi);
  info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'T', n, 1, M, n, ws->ipiv, V, n);
  if (info != 0) return tr_error(TR_ENUM, "policy evaluation: dgetrs info %d", (int)info);
  if (d) {
    for (size_t s = 0; s < S; s++) d[s] = (1.0 - m->gamma) * m->mu[s];
    info = LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', n, 1, M, n, ws->ipiv, d, n);
    if (info != 0) return tr_error(TR_ENUM, "occupancy: dgetrs info %d", (int)info);
  }
  return TR_OK;
}

/* Sparse: M = I − γP_π (or its transpose) in CSR, GMRES from x0 to ‖Mx − b‖ ≤ tol ‖b‖.
 * GSL's error handler must be off (the command's main and every test turn it off once):
 * a GSL failure then comes back as a status here, never as an abort. */
static gsl_spmatrix *sparse_system(const mdp *m, const double *pi, int transpose) {
  size_t S = m->S, A = m->A, nnz = S + mdp_nnz(m);
  gsl_spmatrix *T = gsl_spmatrix_alloc_nzmax(S, S, nnz, GSL_SPMATRIX_COO);
  if (!T) return NULL;
  for (size_t s = 0; s < S; s++) {
    gsl_spmatrix_set(T, s, s, 1.0);
    for (size_t a = 0; a < A; a++) {
      double w = m->gamma * pi[s * A + a];
      if (w == 0.0) continue;
      size_t k = s * A + a;
      for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++) {
        size_t r = transpose ? m->col[i] : s, c = transpose ? s : m->col[i];
        double *e = gsl_spmatrix_ptr(T, r, c);
        if (e) *e -= w * m->prob[i];
        else gsl_spmatrix_set(T, r, c, -w * m->prob[i]);
      }
    }
  }
  gsl_spmatrix *C = gsl_spmatrix_compress(T, GSL_SPMATRIX_CSR);
  gsl_spmatrix_free(T);
  return C;
}

static tr_status gmres_solve(double *x, const gsl_spmatrix *M, const double *b, size_t S,
                             const char *what) {
  gsl_vector_const_view bv = gsl_vector_const_view_array(b, S);
  gsl_vector_view xv = gsl_vector_view_array(x, S);
  gsl_splinalg_itersolve *w = gsl_splinalg_itersolve_alloc(
      gsl_splinalg_itersolve_gmres, S, S < THY_GMRES_RESTART ? S : THY_GMRES_RESTART);
  if (!w) return tr_error(TR_ENOMEM, "%s: cannot allocate GMRES workspace", what);
  int status = GSL_CONTINUE;
  for (size_t it = 0; it < THY_GMRES_MAX_ITER && status == GSL_CONTINUE; it++)
    status = gsl_splinalg_itersolve_iterate(M, &bv.vector, THY_GMRES_TOL, &xv.vector, w);
  double res = gsl_splinalg_itersolve_normr(w);
  gsl_splinalg_itersolve_free(w);
  if (status != GSL_SUCCESS)
    return tr_error(TR_ENUM, "%s: GMRES did not converge (residual %.3g)", what, res);
  return TR_OK;
}

static tr_status solve_sparse(double *V, double *d, const mdp *m, const double *pi) {
  size_t S = m->S;
  tr_status st = TR_OK;
  double *b = tr_malloc(S * sizeof *b);
  gsl_spmatrix *M = sparse_system(m, pi, 0);
  if (!b || !M) {
    st = tr_error(TR_ENOMEM, "policy evaluation: out of memory for the sparse system");
    goto done;
  }
  thy_policy_reward(b, m, pi);
  memset(V, 0, S * sizeof *V);
  if ((st = gmres_solve(V, M, b, S, "policy evaluation"))) goto done;
  if (d) {
    gsl_spmatrix_free(M);
    M = sparse_system(m, pi, 1);
    if (!M) {
      st = tr_error(TR_ENOMEM, "occupancy: out of memory for the sparse system");
      goto done;
    }
    for (size_t s = 0; s < S; s++) b[s] = (1.0 - m->gamma) * m->mu[s];
    memcpy(d, m->mu, S * sizeof *d); /* the start distribution is a fair first guess */
    st = gmres_solve(d, M, b, S, "occupancy");
  }
done:
  free(b);
  gsl_spmatrix_free(M);
  return st;
}

static int use_dense(const mdp *m, thy_solver solver) {
  if (solver == THY_SOLVER_DENSE) return 1;
  if (solver == THY_SOLVER_ITERATIVE) return 0;
  return m->S <= THY_DENSE_MAX_S;
}

/* V (and d if non-NULL) for pi by the chosen solver. */
static tr_status solve_v_d(double *V, double *d, const mdp *m, const double *pi,
                           thy_solver solver, thy_ws *ws) {
  if (!use_dense(m, solver)) return solve_sparse(V, d, m, pi);
  thy_ws *own = NULL;
  if (!ws || ws->S != m->S) {
    own = thy_ws_alloc(m->S);
    if (!own) return TR_ENOMEM;
    ws = own;
  }
  tr_status st = solve_dense(V, d, m, pi, ws);
  thy_ws_free(own);
  return st;
}

tr_status thy_evaluate(thy_values *out, const mdp *m, const double *pi, thy_solver solver,
                       thy_ws *ws) {
  if (out->S != m->S || out->A != m->A)
    return tr_error(TR_EINVAL, "thy_evaluate: values sized (%zu, %zu) for an MDP (%zu, %zu)",
                    out->S, out->A, m->S, m->A);
  tr_status st = solve_v_d(out->V, out->d, m, pi, solver, ws);
  if (st) return st;
  thy_q_from_v(out->Q, m, out->V);
  for (size_t s = 0; s < m->S; s++)
    for (size_t a = 0; a < m->A; a++) out->Adv[s * m->A + a] = out->Q[s * m->A + a] - out->V[s];
  out->J = 0.0;
  for (size_t s = 0; s < m->S; s++) out->J += m->mu[s] * out->V[s];
  return TR_OK;
}

void thy_greedy(double *pi, const double *Q, size_t S, size_t A) {
  for (size_t s = 0; s < S; s++) {
    size_t best = 0;
    for (size_t a = 1; a < A; a++)
      if (Q[s * A + a] > Q[s * A + best]) best = a;
    for (size_t a = 0; a < A; a++) pi[s * A + a] = a == best ? 1.0 : 0.0;
  }
}

void thy_policy_uniform(double *pi, size_t S, size_t A) {
  for (size_t i = 0; i < S * A; i++) pi[i] = 1.0 / (double)A;
}

struct thy_pi_ws {
  size_t S, A;
  double *pi, *Q; /* (S, A) */
  double *V;      /* (S) */
  size_t *act;    /* (S) the current action of each state */
  thy_ws *lu;     /* the dense solver's (S ≤ THY_DENSE_MAX_S), else NULL */
};

thy_pi_ws *thy_pi_ws_alloc(size_t S, size_t A) {
  thy_pi_ws *ws = tr_calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->S = S;
  ws->A = A;
  ws->pi = tr_malloc(S * A * sizeof *ws->pi);
  ws->Q = tr_malloc(S * A * sizeof *ws->Q);
  ws->V = tr_malloc(S * sizeof *ws->V);
  ws->act = tr_malloc(S * sizeof *ws->act);
  if (S <= THY_DENSE_MAX_S) ws->lu = thy_ws_alloc(S);
  if (!ws->pi || !ws->Q || !ws->V || !ws->act || (S <= THY_DENSE_MAX_S && !ws->lu)) {
    thy_pi_ws_free(ws);
    return NULL;
  }
  return ws;
}

void thy_pi_ws_free(thy_pi_ws *ws) {
  if (!ws) return;
  free(ws->pi), free(ws->Q), free(ws->V), free(ws->act);
  thy_ws_free(ws->lu);
  free(ws);
}

/* One improvement step of Howard's iteration on ws->Q: switch a state's action only for a
 * gain above THY_PI_SWITCH_REL (|Q| + 1).  Returns whether any action changed. */
static int pi_improve(thy_pi_ws *ws) {
  size_t S = ws->S, A = ws->A;
  int changed = 0;
  for (size_t s = 0; s < S; s++) {
    size_t best = ws->act[s];
    double scale = THY_PI_SWITCH_REL * (fabs(ws->Q[s * A + best]) + 1.0);
    for (size_t a = 0; a < A; a++)
      if (ws->Q[s * A + a] > ws->Q[s * A + best] + scale) best = a;
    if (best != ws->act[s]) {
      ws->pi[s * A + ws->act[s]] = 0.0;
      ws->pi[s * A + best] = 1.0;
      ws->act[s] = best;
      changed = 1;
    }
  }
  return changed;
}

/* Howard's policy iteration (see exact.h). */
tr_status thy_policy_iteration_ws(double *Vstar, double *pi_star, const mdp *m,
                                  thy_solver solver, size_t *iters, thy_pi_ws *ws) {
  size_t S = m->S, A = m->A;
  if (ws->S != S || ws->A != A)
    return tr_error(TR_EINVAL, "policy iteration: workspace sized (%zu, %zu) for an MDP (%zu, %zu)",
                    ws->S, ws->A, S, A);
  /* start: greedy for the immediate reward */
  thy_greedy(ws->pi, m->r, S, A);
  for (size_t s = 0; s < S; s++)
    for (size_t a = 0; a < A; a++)
      if (ws->pi[s * A + a] == 1.0) ws->act[s] = a;
  size_t it = 0;
  for (;;) {
    tr_status st = solve_v_d(ws->V, NULL, m, ws->pi, solver, ws->lu);
    if (st) return st;
    thy_q_from_v(ws->Q, m, ws->V);
    it++;
    if (!pi_improve(ws)) break;
    if (it > THY_PI_MAX_ITER)
      return tr_error(TR_ENUM, "policy iteration did not stabilize in %zu iterations", it);
  }
  if (iters) *iters = it;
  if (Vstar) memcpy(Vstar, ws->V, S * sizeof *ws->V);
  if (pi_star) memcpy(pi_star, ws->pi, S * A * sizeof *ws->pi);
  return TR_OK;
}

tr_status thy_policy_iteration(double *Vstar, double *pi_star, const mdp *m, thy_solver solver,
                               size_t *iters) {
  thy_pi_ws *ws = thy_pi_ws_alloc(m->S, m->A);
  if (!ws) return tr_error(TR_ENOMEM, "policy iteration: out of memory (S = %zu, A = %zu)", m->S, m->A);
  tr_status st = thy_policy_iteration_ws(Vstar, pi_star, m, solver, iters, ws);
  thy_pi_ws_free(ws);
  return st;
}

tr_status thy_value_iteration(double *V, const mdp *m, double tol, size_t max_iter,
                              size_t *iters) {
  size_t S = m->S, A = m->A;
  double *Q = tr_malloc(S * A * sizeof *Q);
  if (!Q) return TR_ENOMEM;
  double stop = m->gamma > 0.0 ? tol * (1.0 - m->gamma) / (2.0 * m->gamma) : INFINITY;
  memset(V, 0, S * sizeof *V);
  size_t it = 0;
  double delta = INFINITY;
  while (it < max_iter) {
    thy_q_from_v(Q, m, V);
    delta = 0.0;
    for (size_t s = 0; s < S; s++) {
      double best = Q[s * A];
      for (size_t a = 1; a < A; a++)
        if (Q[s * A + a] > best) best = Q[s * A + a];
      double diff = fabs(best - V[s]);
      if (diff > delta) delta = diff;
      V[s] = best;
    }
    it++;
    if (delta <= stop) break;
  }
  free(Q);
  if (iters) *iters = it;
  if (delta > stop)
    return tr_error(TR_ENUM, "value iteration: %zu sweeps left a change of %.3g (> %.3g)",
                    it, delta, stop);
  return TR_OK;
}

/* ---- divergences ------------------------------------------------------------------ */
void thy_tv_states(double *out, const double *p, const double *q, size_t S, size_t A) {
  for (size_t s = 0; s < S; s++) {
    double acc = 0.0;
    for (size_t a = 0; a < A; a++) acc += fabs(p[s * A + a] - q[s * A + a]);
    out[s] = 0.5 * acc;
  }
}

double thy_kl(const double *p, const double *q, size_t A) {
  double acc = 0.0;
  for (size_t a = 0; a < A; a++) {
    if (p[a] <= 0.0) continue;
    if (q[a] <= 0.0) return INFINITY;
    acc += p[a] * log(p[a] / q[a]);
  }
  return acc > 0.0 ? acc : 0.0; /* KL ≥ 0; a negative value is rounding */
}

void thy_kl_states(double *out, const double *p, const double *q, size_t S, size_t A) {
  for (size_t s = 0; s < S; s++) out[s] = thy_kl(p + s * A, q + s * A, A);
}

double thy_vec_max(const double *x, size_t n) {
  double m = x[0];
  for (size_t i = 1; i < n; i++)
    if (x[i] > m) m = x[i];
  return m;
}

double thy_max_abs(const double *x, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    if (fabs(x[i]) > m) m = fabs(x[i]);
  return m;
}

double thy_weighted_mean(const double *x, const double *w, size_t n) {
  double acc = 0.0;
  for (size_t i = 0; i < n; i++)
    if (w[i] != 0.0) acc += w[i] * x[i];
  return acc;
}

/* ---- surrogate -------------------------------------------------------------------- */
double thy_policy_advantage(const double *d, const double *Adv, const double *pi_new,
                            size_t S, size_t A) {
  double acc = 0.0;
  for (size_t s = 0; s < S; s++) {
    double e = 0.0;
    for (size_t a = 0; a < A; a++) e += pi_new[s * A + a] * Adv[s * A + a];
    acc += d[s] * e;
  }
  return acc;
}

double thy_surrogate(const thy_values *old, double gamma, const double *pi_new) {
  return old->J + thy_policy_advantage(old->d, old->Adv, pi_new, old->S, old->A) / (1.0 - gamma);
}

double thy_max_expected_advantage(const double *Adv, const double *pi_new, size_t S, size_t A) {
  double m = 0.0;
  for (size_t s = 0; s < S; s++) {
    double e = 0.0;
    for (size_t a = 0; a < A; a++) e += pi_new[s * A + a] * Adv[s * A + a];
    if (fabs(e) > m) m = fabs(e);
  }
  return m;
}

void thy_policy_mix(double *pi_mix, const double *pi, const double *pi2, double alpha,
                    size_t S, size_t A) {
  for (size_t i = 0; i < S * A; i++) pi_mix[i] = (1.0 - alpha) * pi[i] + alpha * pi2[i];
}
