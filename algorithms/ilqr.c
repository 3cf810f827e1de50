/* algorithms/ilqr.c — see ilqr.h. */
#include "algorithms/ilqr.h"
#include "core/size.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void alg_ilqr_settings_default(ilqr_settings *s) {
  s->mu_init = 1.0;
  s->mu_min = 1e-6;
  s->mu_max = 1e10;
  s->delta0 = 2.0;
  s->c1 = 0.0;
  s->tol = 1e-6;
  s->n_alpha = 11;
}

void alg_ilqr_mu_increase(const ilqr_settings *s, double *mu, double *delta) {
  *delta = fmax(s->delta0, *delta * s->delta0);
  *mu = fmax(s->mu_min, *mu * *delta);
}

void alg_ilqr_mu_decrease(const ilqr_settings *s, double *mu, double *delta) {
  *delta = fmin(1.0 / s->delta0, *delta / s->delta0);
  *mu = *mu * *delta > s->mu_min ? *mu * *delta : 0.0;
}

void alg_ilqr_free(ilqr *il) {
  if (!il) return;
  double *bufs[] = {il->X, il->Ubar, il->R, il->Rt, il->k, il->K, il->Quu, il->A, il->B,
                    il->rx, il->ru, il->rxx, il->ruu, il->rux, il->Xc, il->Uc, il->Rc,
                    il->Rtc, il->work};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
  free(il);
}

static double clampd(double v, const double *lo, const double *hi, size_t i) {
  if (lo) v = fmax(v, lo[i]);
  if (hi) v = fmin(v, hi[i]);
  return v;
}

void alg_ilqr_law(const ilqr *il, size_t t, double alpha, const double *s, double *u) {
  size_t N = il->p.N, S = il->p.S, U = il->p.U;
  const double *xb = il->X + t * S, *K = il->K + t * U * N;
  for (size_t i = 0; i < U; i++) {
    double v = il->Ubar[t * U + i] + alpha * il->k[t * U + i];
    for (size_t j = 0; j < N; j++) v += K[i * N + j] * (s[j] - xb[j]);
    u[i] = clampd(v, il->p.u_lo, il->p.u_hi, i);
  }
}

/* Roll out from X[0] with the law at α (α < 0: the controls Uin as given) into Xo, Uo, Ro,
 * Rto; *J, *Jt the sums (NaN when some step is not finite). */
static tr_status rollout(ilqr *il, double alpha, const double *Uin, double *Xo, double *Uo,
                         double *Ro, double *Rto, double *J, double *Jt) {
  size_t S = il->p.S, U = il->p.U, H = il->p.H;
  double sum = 0.0, sumt = 0.0;
  if (Xo != il->X) memcpy(Xo, il->X, S * sizeof *Xo);
  il->n_forward++;
  for (size_t t = 0; t < H; t++) {
    const double *s = Xo + t * S;
    double *u = Uo + t * U;
    if (alpha < 0)
      for (size_t i = 0; i < U; i++) u[i] = clampd(Uin[t * U + i], il->p.u_lo, il->p.u_hi, i);
    else
      alg_ilqr_law(il, t, alpha, s, u);
    int ok = 1;
    for (size_t i = 0; i < U; i++) ok &= isfinite(u[i]) != 0;
    if (!ok) {
      *J = *Jt = NAN;
      return TR_OK;
    }
    tr_status st = il->p.step(il->p.ctx, s, u, Xo + (t + 1) * S, &Ro[t], &Rto[t]);
    if (st) return st;
    if (!isfinite(Ro[t])) {
      *J = *Jt = NAN;
      return TR_OK;
    }
    sum += Ro[t];
    sumt += Rto[t];
  }
  *J = sum;
  *Jt = sumt;
  return TR_OK;
}

static double *zeros(size_t n) { return tr_calloc(n > 0 ? n : 1, sizeof(double)); }
#define ALLOC(ptr, n) (((ptr) = zeros(n)) != NULL)

tr_status alg_ilqr_alloc(ilqr **out, const ilqr_problem *p, const ilqr_settings *set,
                     const double *x0, const double *u0) {
  *out = NULL;
  if (p->H == 0) return tr_error(TR_EINVAL, "iLQR: horizon H = 0 (must be > 0)");
  if (p->N == 0 || p->N > p->S || p->U == 0)
    return tr_error(TR_EINVAL, "iLQR: sizes N = %zu, S = %zu, U = %zu (need 0 < N <= S, U > 0)",
                    p->N, p->S, p->U);
  ilqr *il = tr_calloc(1, sizeof *il);
  if (!il) return TR_ENOMEM;
  il->p = *p;
  if (set) il->set = *set;
  else alg_ilqr_settings_default(&il->set);
  size_t N = p->N, S = p->S, U = p->U, H = p->H;
  int ok = ALLOC(il->X, (H + 1) * S) && ALLOC(il->Ubar, H * U) && ALLOC(il->R, H) &&
           ALLOC(il->Rt, H) && ALLOC(il->k, H * U) && ALLOC(il->K, H * U * N) &&
           ALLOC(il->Quu, H * U * U) && ALLOC(il->A, H * N * N) && ALLOC(il->B, H * N * U) &&
           ALLOC(il->rx, H * N) && ALLOC(il->ru, H * U) && ALLOC(il->rxx, H * N * N) &&
           ALLOC(il->ruu, H * U * U) && ALLOC(il->rux, H * U * N) &&
           ALLOC(il->Xc, (H + 1) * S) && ALLOC(il->Uc, H * U) && ALLOC(il->Rc, H) &&
           ALLOC(il->Rtc, H) && ALLOC(il->work, 6 * N * N + 6 * U * N + 6 * U * U + 4 * N + 4 * U);
  if (!ok) {
    alg_ilqr_free(il);
    return TR_ENOMEM;
  }
  il->mu = il->set.mu_init;
  il->delta = 1.0;
  memcpy(il->X, x0, S * sizeof *x0);
  tr_status st = rollout(il, -1.0, u0, il->X, il->Ubar, il->R, il->Rt, &il->J, &il->J_true);
  if (!st && !isfinite(il->J))
    st = tr_error(TR_ENUM, "iLQR: the initial rollout is not finite");
  if (st) {
    alg_ilqr_free(il);
    return st;
  }
  *out = il;
  return TR_OK;
}

/* Where an error happened: "iLQR iteration I" or "iLQR gains after iteration I". */
static const char *where(const ilqr *il) {
  static _Thread_local char buf[64];
  if (il->in_gains) snprintf(buf, sizeof buf, "iLQR gains after iteration %zu", il->iter);
  else snprintf(buf, sizeof buf, "iLQR iteration %zu", il->iter + 1);
  return buf;
}

tr_status alg_ilqr_derivatives(ilqr *il) {
  size_t N = il->p.N, S = il->p.S, U = il->p.U, H = il->p.H;
  for (size_t t = 0; t < H; t++) {
    tr_status st = il->p.derivs(il->p.ctx, il->X + t * S, il->Ubar + t * U, il->X + (t + 1) * S,
                                il->A + t * N * N, il->B + t * N * U, il->rx + t * N,
                                il->ru + t * U, il->rxx + t * N * N, il->ruu + t * U * U,
                                il->rux + t * U * N);
    if (st) {
      tr_error_prefix("%s: derivatives at t = %zu", where(il), t);
      return st;
    }
    const double *blocks[] = {il->A + t * N * N, il->B + t * N * U, il->rx + t * N,
                              il->ru + t * U, il->rxx + t * N * N, il->ruu + t * U * U,
                              il->rux + t * U * N};
    const size_t sizes[] = {N * N, N * U, N, U, N * N, U * U, U * N};
    const char *names[] = {"f_x", "f_u", "r_x", "r_u", "r_xx", "r_uu", "r_ux"};
    for (size_t b = 0; b < 7; b++)
      for (size_t i = 0; i < sizes[b]; i++)
        if (!isfinite(blocks[b][i]))
          return tr_error(TR_ENUM, "%s: non-finite derivative %s[%zu] = %g at t = %zu",
                          where(il), names[b], i, blocks[b][i], t);
  }
  il->derivs_current = 1;
  return TR_OK;
}

/* In-place Cholesky of M (n, n) (lower); 0 ok, 1 not positive definite. */
static int cholesky(double *M, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double d = M[j * n + j];
    for (size_t k = 0; k < j; k++) d -= M[j * n + k] * M[j * n + k];
    if (!(d > 0.0)) return 1;
    d = sqrt(d);
    M[j * n + j] = d;
    for (size_t i = j + 1; i < n; i++) {
      double v = M[i * n + j];
      for (size_t k = 0; k < j; k++) v -= M[i * n + k] * M[j * n + k];
      M[i * n + j] = v / d;
    }
  }
  return 0;
}

/* Solve L Lᵀ y = b in place (b (n)). */
static void chol_solve(const double *L, size_t n, double *b) {
  for (size_t i = 0; i < n; i++) {
    double v = b[i];
    for (size_t k = 0; k < i; k++) v -= L[i * n + k] * b[k];
    b[i] = v / L[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {
    double v = b[i];
    for (size_t k = i + 1; k < n; k++) v -= L[k * n + i] * b[k];
    b[i] = v / L[i * n + i];
  }
}

int alg_ilqr_backward(ilqr *il, double mu, double *dV) {
  size_t N = il->p.N, U = il->p.U, H = il->p.H;
  double *w = il->work;
  double *Vx = w, *Vxx = Vx + N, *Qx = Vxx + N * N, *Qxx = Qx + N, *Qu = Qxx + N * N;
  double *Quu = Qu + U, *Qux = Quu + U * U, *Quut = Qux + U * N, *Quxt = Quut + U * U;
  double *VA = Quxt + U * N, *VB = VA + N * N, *col = VB + N * U;
  memset(Vx, 0, N * sizeof *Vx);
  memset(Vxx, 0, N * N * sizeof *Vxx);
  dV[0] = dV[1] = 0.0;
  for (size_t t = H; t-- > 0;) {
    const double *A = il->A + t * N * N, *B = il->B + t * N * U;
    const double *rx = il->rx + t * N, *ru = il->ru + t * U, *rxx = il->rxx + t * N * N;
    const double *ruu = il->ruu + t * U * U, *rux = il->rux + t * U * N;
    /* VA = V_xx A (N, N), VB = V_xx B (N, U) */
    for (size_t i = 0; i < N; i++) {
      for (size_t j = 0; j < N; j++) {
        double a = 0.0;
        for (size_t l = 0; l < N; l++) a += Vxx[i * N + l] * A[l * N + j];
        VA[i * N + j] = a;
      }
      for (size_t j = 0; j < U; j++) {
        double a = 0.0;
        for (size_t l = 0; l < N; l++) a += Vxx[i * N + l] * B[l * U + j];
        VB[i * U + j] = a;
      }
    }
    /* cost c = −r */
    for (size_t i = 0; i < N; i++) {
      double a = -rx[i];
      for (size_t l = 0; l < N; l++) a += A[l * N + i] * Vx[l];
      Qx[i] = a;
      for (size_t j = 0; j < N; j++) {
        double q = -rxx[i * N + j];
        for (size_t l = 0; l < N; l++) q += A[l * N + i] * VA[l * N + j];
        Qxx[i * N + j] = q;
      }
    }
    for (size_t i = 0; i < U; i++) {
      double a = -ru[i];
      for (size_t l = 0; l < N; l++) a += B[l * U + i] * Vx[l];
      Qu[i] = a;
      for (size_t j = 0; j < U; j++) {
        double q = -ruu[i * U + j], bb = 0.0;
        for (size_t l = 0; l < N; l++) {
          q += B[l * U + i] * VB[l * U + j];
          bb += B[l * U + i] * B[l * U + j];
        }
        Quu[i * U + j] = q;
        Quut[i * U + j] = q + mu * bb;
      }
      for (size_t j = 0; j < N; j++) {
        double q = -rux[i * N + j], ba = 0.0;
        for (size_t l = 0; l < N; l++) {
          q += B[l * U + i] * VA[l * N + j];
          ba += B[l * U + i] * A[l * N + j];
        }
        Qux[i * N + j] = q;
        Quxt[i * N + j] = q + mu * ba;
      }
    }
    /* symmetrize Q̃_uu, keep its reward-sign copy, factor */
    for (size_t i = 0; i < U; i++)
      for (size_t j = 0; j < i; j++) {
        double s = 0.5 * (Quut[i * U + j] + Quut[j * U + i]);
        Quut[i * U + j] = Quut[j * U + i] = s;
      }
    double *Qout = il->Quu + t * U * U;
    for (size_t i = 0; i < U * U; i++) Qout[i] = -Quut[i];
    if (cholesky(Quut, U)) return 1;
    double *k = il->k + t * U, *K = il->K + t * U * N;
    for (size_t i = 0; i < U; i++) k[i] = -Qu[i];
    chol_solve(Quut, U, k);
    for (size_t j = 0; j < N; j++) {
      for (size_t i = 0; i < U; i++) col[i] = -Quxt[i * N + j];
      chol_solve(Quut, U, col);
      for (size_t i = 0; i < U; i++) K[i * N + j] = col[i];
    }
    /* ΔV and the value (Eq. 11, unregularized Q_uu, Q_ux) */
    double *Quuk = col; /* (U) Q_uu k */
    for (size_t i = 0; i < U; i++) {
      double a = 0.0;
      for (size_t j = 0; j < U; j++) a += Quu[i * U + j] * k[j];
      Quuk[i] = a;
      dV[0] += k[i] * Qu[i];
      dV[1] += 0.5 * k[i] * a;
    }
    for (size_t i = 0; i < N; i++) {
      double v = Qx[i];
      for (size_t j = 0; j < U; j++)
        v += K[j * N + i] * Quuk[j] + K[j * N + i] * Qu[j] + Qux[j * N + i] * k[j];
      Vx[i] = v;
    }
    for (size_t i = 0; i < N; i++)
      for (size_t j = 0; j < N; j++) {
        double v = Qxx[i * N + j];
        for (size_t a = 0; a < U; a++) {
          double KQ = 0.0; /* (Kᵀ Q_uu)_{i a} */
          for (size_t b = 0; b < U; b++) KQ += K[b * N + i] * Quu[b * U + a];
          v += KQ * K[a * N + j] + K[a * N + i] * Qux[a * N + j] + Qux[a * N + i] * K[a * N + j];
        }
        Vxx[i * N + j] = v;
      }
    for (size_t i = 0; i < N; i++)
      for (size_t j = 0; j < i; j++) {
        double s = 0.5 * (Vxx[i * N + j] + Vxx[j * N + i]);
        Vxx[i * N + j] = Vxx[j * N + i] = s;
      }
  }
  return 0;
}

/* Backward passes until Q̃_uu is definite (μ raised between them); counts them. */
static tr_status backward_regularized(ilqr *il, double *dV) {
  for (;;) {
    il->n_backward++;
    if (!alg_ilqr_backward(il, il->mu, dV)) return TR_OK;
    alg_ilqr_mu_increase(&il->set, &il->mu, &il->delta);
    if (il->mu > il->set.mu_max)
      return tr_error(TR_ENUM, "%s: mu = %g is above its bound %g (Q_uu not negative "
                      "definite however regularized)", where(il), il->mu, il->set.mu_max);
  }
}

tr_status alg_ilqr_gains(ilqr *il) {
  double dV[2];
  il->in_gains = 1;
  tr_status st = il->derivs_current ? TR_OK : alg_ilqr_derivatives(il);
  if (!st) st = backward_regularized(il, dV);
  il->in_gains = 0;
  return st;
}

tr_status alg_ilqr_iterate(ilqr *il) {
  size_t S = il->p.S, U = il->p.U, H = il->p.H;
  il->n_backward = 0;
  il->alpha = 0.0;
  il->expected = il->actual = NAN;
  il->converged = il->stalled = 0;
  tr_status st = il->derivs_current ? TR_OK : alg_ilqr_derivatives(il);
  if (st) return st;
  double dV[2];
  if ((st = backward_regularized(il, dV))) return st;
  for (size_t a = 0; a < il->set.n_alpha; a++) {
    double alpha = il->set.n_alpha > 1 ? pow(10.0, -3.0 * (double)a / (double)(il->set.n_alpha - 1)) : 1.0;
    double Jc, Jtc;
    if ((st = rollout(il, alpha, NULL, il->Xc, il->Uc, il->Rc, il->Rtc, &Jc, &Jtc))) return st;
    int finite = isfinite(Jc);
    for (size_t i = 0; finite && i < (H + 1) * S; i++) finite = isfinite(il->Xc[i]);
    double expected = -(alpha * dV[0] + alpha * alpha * dV[1]);
    double actual = finite ? Jc - il->J : NAN;
    il->expected = expected;
    il->actual = actual;
    if (!finite) continue;
    double z = expected > 0 ? actual / expected : (actual > 0 ? 1.0 : actual < 0 ? -1.0 : 0.0);
    if (z > il->set.c1) {
      il->alpha = alpha;
      double *tmp;
      tmp = il->X, il->X = il->Xc, il->Xc = tmp;
      tmp = il->Ubar, il->Ubar = il->Uc, il->Uc = tmp;
      tmp = il->R, il->R = il->Rc, il->Rc = tmp;
      tmp = il->Rt, il->Rt = il->Rtc, il->Rtc = tmp;
      il->derivs_current = 0;
      double J0 = il->J;
      il->J = Jc;
      il->J_true = Jtc;
      il->converged = fabs(actual) <= il->set.tol * fabs(J0);
      alg_ilqr_mu_decrease(&il->set, &il->mu, &il->delta);
      il->iter++;
      return TR_OK;
    }
  }
  (void)U;
  double mu_kept = il->mu, delta_kept = il->delta;
  alg_ilqr_mu_increase(&il->set, &il->mu, &il->delta);
  il->iter++;
  if (il->mu > il->set.mu_max) {
    /* No step size improved the objective, however regularized: the nominal is a local
     * optimum to the resolution of the line search (Tassa, Erez & Todorov 2012 stop at μ_max).
     * It is kept and the solve ends as converged (stalled = 1), not as an error; μ stays at
     * the last value whose backward pass was definite, so alg_ilqr_gains can still run. */
    il->mu = mu_kept, il->delta = delta_kept;
    il->converged = il->stalled = 1;
  }
  return TR_OK;
}

int alg_ilqr_diverged(const ilqr *il, tr_status st) {
  return st == TR_ENUM && (!il || il->mu <= il->set.mu_max);
}
