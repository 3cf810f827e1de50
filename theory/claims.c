/* theory/claims.c — the catalogue's MDP claims and its registry.
 *
 * Every check follows REFERENCES.md § 2 (item numbers in each comment).  Notation:
 * π old (in->pi, values v), π' new (in->pi2, values v2); V, Q, A, J unnormalized; d
 * normalized; 𝔸 = Σ_s d_π(s) Σ_a π'(a|s) A_π(s,a); κ = (1+γ)/(1−γ) bounds the ∞-norm
 * condition number of I − γP_π, so errors of exact solves are ≲ κ·ε_mach·|V|: checks put
 * κ into their scale. */
#include "theory/claims.h"

#include <assert.h>
#include <complex.h>
#include <gsl/gsl_randist.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/size.h"
#include "theory/softmax.h"

/* ---- shared helpers ---------------------------------------------------------------- */
void thy_check_identity(thy_check *c, double lhs, double rhs, double scale) {
  c->lhs = lhs;
  c->rhs = rhs;
  c->scale = scale > 0.0 ? scale : 1.0;
  c->room = 0.0;
  c->applicable = 1;
  c->identity = 1;
}

void thy_check_bound(thy_check *c, double lhs, double rhs, double room, double scale) {
  c->lhs = lhs;
  c->rhs = rhs;
  c->room = room;
  c->scale = scale > 0.0 ? scale : 1.0;
  c->applicable = 1;
  c->identity = 0;
}

void thy_random_simplex(double *p, size_t A, double conc, gsl_rng *r) {
  double alpha[THY_SIMPLEX_MAX_A];
  assert(A >= 1 && A <= THY_SIMPLEX_MAX_A);
  for (size_t a = 0; a < A; a++) alpha[a] = conc;
  gsl_ran_dirichlet(r, A, alpha, p);
}

double thy_check_slack(const thy_check *c) { return c->lhs - c->rhs; }

double thy_check_residual(const thy_check *c, thy_claim_kind kind) {
  (void)kind;
  if (c->identity) return fabs(c->lhs - c->rhs) / c->scale;
  double v = c->rhs - c->lhs;
  return v > 0.0 ? v / c->scale : 0.0;
}

double thy_check_tightness(const thy_check *c) {
  if (!(c->room > 0.0) || !isfinite(c->room)) return NAN;
  return 1.0 - (c->lhs - c->rhs) / c->room;
}

int thy_check_violated(const thy_check *c, const thy_claim *claim) {
  if (!c->applicable) return 0;
  if (!isfinite(c->lhs) || !isfinite(c->rhs)) return isnan(c->lhs) || isnan(c->rhs);
  if (c->identity) /* an identity (or a course statement of one) */
    return fabs(c->lhs - c->rhs) > claim->tol * c->scale;
  return c->lhs - c->rhs < -claim->tol * c->scale;
}

static double kappa(const mdp *m) { return (1.0 + m->gamma) / (1.0 - m->gamma); }

/* Values of a policy, allocated; NULL with message on failure. */
static thy_values *eval_new(const thy_instance *in, const double *pi) {
  thy_values *v = thy_values_alloc(in->m->S, in->m->A);
  if (v && thy_evaluate(v, in->m, pi, THY_SOLVER_DENSE, in->ws)) {
    thy_values_free(v);
    return NULL;
  }
  return v;
}

/* magnitude of J-scale quantities of an instance */
static double jmag(const thy_instance *in) {
  double rmin, rmax;
  mdp_reward_range(in->m, &rmin, &rmax);
  double rm = fmax(fabs(rmin), fabs(rmax));
  return (rm > 0.0 ? rm : 1.0) / (1.0 - in->m->gamma);
}

/* ---- identities (REFERENCES § 2 items 1–6) ------------------------------------------ */

/* 1. PDL: J(π') − J(π) = (1/(1−γ)) Σ_s d_{π'}(s) Σ_a π'(a|s) A_π(s,a). */
static tr_status chk_pdl(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A;
  double rhs = thy_policy_advantage(in->v2->d, in->v->Adv, in->pi2, S, A) / (1.0 - in->m->gamma);
  thy_check_identity(c, in->v2->J - in->v->J, rhs, kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 1. PDL, state–action form: J(π') − J(π) = (1/(1−γ)) Σ_{s,a} ν_{π'}(s,a) A_π(s,a). */
static tr_status chk_pdl_sa(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A;
  double *nu = tr_malloc(S * A * sizeof *nu);
  if (!nu) return TR_ENOMEM;
  thy_state_action_occupancy(nu, in->v2->d, in->pi2, S, A);
  double acc = 0.0;
  for (size_t k = 0; k < S * A; k++) acc += nu[k] * in->v->Adv[k];
  free(nu);
  thy_check_identity(c, in->v2->J - in->v->J, acc / (1.0 - in->m->gamma), kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 1. J(π) = Σ_s d_π(s) r_π(s) / (1−γ). */
static tr_status chk_j_occ(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S;
  double *rpi = tr_malloc(S * sizeof *rpi);
  if (!rpi) return TR_ENOMEM;
  thy_policy_reward(rpi, in->m, in->pi);
  double rhs = thy_weighted_mean(rpi, in->v->d, S) / (1.0 - in->m->gamma);
  free(rpi);
  thy_check_identity(c, in->v->J, rhs, kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 2. Σ_a π(a|s) A_π(s,a) = 0 for every s (worst state reported). */
static tr_status chk_adv_zero(thy_check *c, const thy_instance *in) {
  double worst = thy_max_expected_advantage(in->v->Adv, in->pi, in->m->S, in->m->A);
  thy_check_identity(c, worst, 0.0, kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 2. L_π(π) = J(π). */
static tr_status chk_surr_self(thy_check *c, const thy_instance *in) {
  thy_check_identity(c, thy_surrogate(in->v, in->m->gamma, in->pi), in->v->J,
                     kappa(in->m) * jmag(in));
  return TR_OK;
}

/* L_{π_θ0}(π_θ) for θ = θ0 + h u (only π_θ changes: d and A stay those of π_θ0). */
static double surrogate_at(const thy_instance *in, const double *u, double h, double *th,
                           double *pi) {
  size_t n = in->m->S * in->m->A;
  for (size_t k = 0; k < n; k++) th[k] = in->theta[k] + h * u[k];
  thy_softmax(pi, th, in->m->S, in->m->A);
  return thy_surrogate(in->v, in->m->gamma, pi);
}

static void random_direction(double *u, size_t n, gsl_rng *r) {
  for (size_t k = 0; k < n; k++) u[k] = gsl_ran_gaussian(r, 1.0);
}

/* 2. ∇_θ L_{π_θ0}(π_θ)|θ0 = ∇J(θ0) (TRPO eq. 4), along a random direction u: a
 * fourth-order central difference of L (h = 1e-3: truncation ~h⁴ ≈ 1e-12 relative, rounding
 * ~ε|L|/h ≈ 1e-13|L|) against uᵀ∇J from the policy gradient theorem. */
static tr_status chk_surr_grad(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A, n = S * A;
  if (!in->theta) {
    c->applicable = 0;
    return TR_OK;
  }
  double *u = tr_malloc(n * sizeof *u), *th = tr_malloc(n * sizeof *th);
  double *pi = tr_malloc(n * sizeof *pi);
  if (!u || !th || !pi) {
    free(u), free(th), free(pi);
    return TR_ENOMEM;
  }
  random_direction(u, n, in->rng);
  double h = 1e-3;
  double fd = (-surrogate_at(in, u, 2 * h, th, pi) + 8 * surrogate_at(in, u, h, th, pi) -
               8 * surrogate_at(in, u, -h, th, pi) + surrogate_at(in, u, -2 * h, th, pi)) /
              (12 * h);
  double g = 0.0, unorm = 0.0;
  thy_softmax_grad_from(th, in->pi, in->v->d, in->v->Adv, S, A, in->m->gamma); /* th: scratch */
  for (size_t k = 0; k < S * A; k++) {
    g += u[k] * th[k];
    unorm += u[k] * u[k];
  }
  free(u), free(th), free(pi);
  thy_check_identity(c, fd, g, jmag(in) * sqrt(unorm));
  return TR_OK;
}

/* 3. J(π') − L_π(π') = (1/(1−γ)) Σ_s (d_{π'}(s) − d_π(s)) Σ_a π'(a|s) A_π(s,a). */
static tr_status chk_surr_err(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A;
  double acc = 0.0;
  for (size_t s = 0; s < S; s++) {
    double e = 0.0;
    for (size_t a = 0; a < A; a++) e += in->pi2[s * A + a] * in->v->Adv[s * A + a];
    acc += (in->v2->d[s] - in->v->d[s]) * e;
  }
  double lhs = in->v2->J - thy_surrogate(in->v, in->m->gamma, in->pi2);
  thy_check_identity(c, lhs, acc / (1.0 - in->m->gamma), kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 4. d_{π'}ᵀ − d_πᵀ = γ d_πᵀ (P_{π'} − P_π)(I − γP_{π'})⁻¹: y = γ(P_{π'} − P_π)ᵀ d_π, then
 * (I − γP_{π'})ᵀ z = y by LU; worst coordinate reported. */
static tr_status chk_occ_diff(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S;
  double g = in->m->gamma;
  double *P1 = tr_malloc(S * S * sizeof *P1), *P2 = tr_malloc(S * S * sizeof *P2);
  double *z = tr_malloc(S * sizeof *z);
  lapack_int *ipiv = tr_malloc(S * sizeof *ipiv);
  tr_status st = TR_OK;
  if (!P1 || !P2 || !z || !ipiv) {
    st = TR_ENOMEM;
    goto done;
  }
  thy_policy_transition(P1, in->m, in->pi);
  thy_policy_transition(P2, in->m, in->pi2);
  for (size_t j = 0; j < S; j++) {
    double acc = 0.0;
    for (size_t i = 0; i < S; i++) acc += in->v->d[i] * (P2[i * S + j] - P1[i * S + j]);
    z[j] = g * acc;
  }
  /* P1 := (I − γP_{π'}) row-major; solving its transpose system = 'T' in row-major */
  for (size_t i = 0; i < S; i++)
    for (size_t j = 0; j < S; j++) P1[i * S + j] = (i == j) - g * P2[i * S + j];
  lapack_int info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, (lapack_int)S, (lapack_int)S, P1, (lapack_int)S, ipiv);
  if (!info)
    info = LAPACKE_dgetrs(LAPACK_ROW_MAJOR, 'T', (lapack_int)S, 1, P1, (lapack_int)S, ipiv, z, 1);
  if (info) {
    st = tr_error(TR_ENUM, "occupancy.diff: LU failed (info %d)", (int)info);
    goto done;
  }
  double worst = 0.0, lw = 0.0, rw = 0.0;
  for (size_t s = 0; s < S; s++) {
    double lhs = in->v2->d[s] - in->v->d[s];
    if (fabs(lhs - z[s]) >= worst) {
      worst = fabs(lhs - z[s]);
      lw = lhs;
      rw = z[s];
    }
  }
  thy_check_identity(c, lw, rw, kappa(in->m));
done:
  free(P1), free(P2), free(z), free(ipiv);
  return st;
}

/* J at complex logits θ + i h u: complex LU of I − γP_π(θ+ihu).  With h = 1e-40 the
 * complex step Im J / h is ∇J·u to machine precision (no subtraction: Squire & Trapp 1998). */
static tr_status complex_step_dj(double *out, const thy_instance *in, const double *u) {
  size_t S = in->m->S, A = in->m->A;
  double h = 1e-40, g = in->m->gamma;
  double complex *M = tr_malloc(S * S * sizeof *M), *pi = tr_malloc(S * A * sizeof *pi);
  double complex *V = tr_malloc(S * sizeof *V);
  lapack_int *ipiv = tr_malloc(S * sizeof *ipiv);
  tr_status st = TR_OK;
  if (!M || !pi || !V || !ipiv) {
    st = TR_ENOMEM;
    goto done;
  }
  for (size_t s = 0; s < S; s++) {
    double mx = in->theta[s * A];
    for (size_t a = 1; a < A; a++) mx = fmax(mx, in->theta[s * A + a]);
    double complex z = 0.0;
    for (size_t a = 0; a < A; a++)
      z += (pi[s * A + a] = cexp(in->theta[s * A + a] - mx + I * h * u[s * A + a]));
    for (size_t a = 0; a < A; a++) pi[s * A + a] /= z;
  }
  memset(M, 0, S * S * sizeof *M);
  for (size_t s = 0; s < S; s++) {
    M[s * S + s] = 1.0;
    V[s] = 0.0;
    for (size_t a = 0; a < A; a++) {
      size_t k = s * A + a;
      V[s] += pi[k] * in->m->r[k];
      for (size_t i = in->m->rowptr[k]; i < in->m->rowptr[k + 1]; i++)
        M[s * S + in->m->col[i]] -= g * pi[k] * in->m->prob[i];
    }
  }
  lapack_int info = LAPACKE_zgesv(LAPACK_ROW_MAJOR, (lapack_int)S, 1,
                                  (lapack_complex_double *)M, (lapack_int)S, ipiv,
                                  (lapack_complex_double *)V, 1);
  if (info) {
    st = tr_error(TR_ENUM, "complex-step evaluation: zgesv info %d", (int)info);
    goto done;
  }
  double complex J = 0.0;
  for (size_t s = 0; s < S; s++) J += in->m->mu[s] * V[s];
  *out = cimag(J) / h;
done:
  free(M), free(pi), free(V), free(ipiv);
  return st;
}

/* 5. ∂J/∂θ_{s,a} = d_π(s) π(a|s) A_π(s,a)/(1−γ) against the complex-step derivative along a
 * random direction (exact to rounding even at γ = 0.999, where central differences fail). */
static tr_status chk_pg_exact(thy_check *c, const thy_instance *in) {
  size_t n = in->m->S * in->m->A;
  if (!in->theta) {
    c->applicable = 0;
    return TR_OK;
  }
  double *u = tr_malloc(n * sizeof *u), *g = tr_malloc(n * sizeof *g);
  if (!u || !g) {
    free(u), free(g);
    return TR_ENOMEM;
  }
  random_direction(u, n, in->rng);
  double dj = 0.0, gu = 0.0, un = 0.0;
  tr_status st = complex_step_dj(&dj, in, u);
  thy_softmax_grad_from(g, in->pi, in->v->d, in->v->Adv, in->m->S, in->m->A, in->m->gamma);
  for (size_t k = 0; k < n; k++) {
    gu += g[k] * u[k];
    un += u[k] * u[k];
  }
  free(u), free(g);
  if (st) return st;
  thy_check_identity(c, dj, gu, kappa(in->m) * jmag(in) * sqrt(un));
  return TR_OK;
}

/* D(t) = Σ_s d(s) KL(π_θ(s) ‖ π_{θ+tδ}(s)).  With δ̃ = δ − E_π δ (per state),
 * KL(π ‖ π_{θ+tδ}) = log Σ_a π(a) exp(t δ̃_a) = log1p(Σ_a π(a) expm1(t δ̃_a)): no cancellation
 * of O(t) terms, so the O(t²) value keeps ≈ ε/t relative accuracy. */
static double kl_along(const thy_instance *in, const double *delta, double t) {
  size_t S = in->m->S, A = in->m->A;
  double acc = 0.0;
  for (size_t s = 0; s < S; s++) {
    const double *p = in->pi + s * A, *dl = delta + s * A;
    double mean = 0.0, sum = 0.0;
    for (size_t a = 0; a < A; a++) mean += p[a] * dl[a];
    for (size_t a = 0; a < A; a++) sum += p[a] * expm1(t * (dl[a] - mean));
    acc += in->v->d[s] * log1p(sum);
  }
  return acc;
}

/* Var_p(x) = Σ_a p(a)(x(a) − E_p x)², two-pass. */
static double pi_variance(const double *p, const double *x, size_t A) {
  double m = 0.0, v = 0.0;
  for (size_t a = 0; a < A; a++) m += p[a] * x[a];
  for (size_t a = 0; a < A; a++) v += p[a] * (x[a] - m) * (x[a] - m);
  return v;
}

/* (D(t) + D(−t)) / t² and δᵀFδ: the symmetric sum cancels the cubic term, so with t = 1e-4
 * the truncation error is O(t²) ≈ 1e-8 (times moments of δ) and rounding ≈ ε/t ≈ 1e-12. */
static tr_status kl_second_order(double *lhs, double *quad, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A, n = S * A;
  double *delta = tr_malloc(n * sizeof *delta);
  if (!delta) return TR_ENOMEM;
  random_direction(delta, n, in->rng);
  double t = 1e-4;
  *lhs = (kl_along(in, delta, t) + kl_along(in, delta, -t)) / (t * t);
  /* δᵀFδ = Σ_s d(s) Var_{π_s}(δ_s) (the block form of F); the variance in two passes,
   * since E[δ²] − E[δ]² cancels catastrophically for a near-deterministic π_s */
  double q = 0.0;
  for (size_t s = 0; s < S; s++) q += in->v->d[s] * pi_variance(in->pi + s * A, delta + s * A, A);
  *quad = q;
  free(delta);
  return TR_OK;
}

/* 5. KL ≈ ½ δᵀFδ: (D(t) + D(−t))/t² → δᵀFδ as t → 0. */
static tr_status chk_fisher_kl2(thy_check *c, const thy_instance *in) {
  if (!in->theta) {
    c->applicable = 0;
    return TR_OK;
  }
  double lhs, q;
  tr_status st = kl_second_order(&lhs, &q, in);
  if (!st) thy_check_identity(c, lhs, q, q + 1e-300);
  return st;
}

/* C4. "KL equals δᵀFδ to second order (no ½)": (D(t)+D(−t))/(2t²) against δᵀFδ. */
static tr_status chk_course_c4(thy_check *c, const thy_instance *in) {
  if (!in->theta) {
    c->applicable = 0;
    return TR_OK;
  }
  double lhs, q;
  tr_status st = kl_second_order(&lhs, &q, in);
  if (!st) {
    thy_check_identity(c, lhs / 2.0, q, q + 1e-300);
    snprintf(c->note, sizeof c->note, "mean KL/t^2 = %.6g but dFd = %.6g (ratio %.4f)", lhs / 2.0,
             q, lhs / 2.0 / q);
  }
  return st;
}

/* 6. Tabular NPG = soft policy iteration: softmax(θ + η F⁺∇J) = π·exp(ηA/(1−γ)), normalized
 * (Agarwal, Kakade, Lee & Mahajan 2021, Lemma 15).  Applicable when μ has full support
 * (so d > 0) and every block of F is well conditioned (min_s d(s)·min_a π ≥ 1e-9), so the
 * pseudo-inverse (rcond 1e-13) drops only the constant direction. */
static tr_status chk_npg_softpi(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A, n = S * A;
  double g1 = 1.0 - in->m->gamma;
  if (!in->theta) {
    c->applicable = 0;
    return TR_OK;
  }
  double dmin = thy_vec_max(in->v->d, S), pmin = 1.0;
  for (size_t s = 0; s < S; s++) dmin = fmin(dmin, in->v->d[s]);
  for (size_t k = 0; k < n; k++) pmin = fmin(pmin, in->pi[k]);
  if (dmin * pmin < 1e-9) {
    c->applicable = 0;
    return TR_OK;
  }
  double *g = tr_malloc(n * sizeof *g), *ng = tr_malloc(n * sizeof *ng);
  double *th = tr_malloc(n * sizeof *th), *p1 = tr_malloc(n * sizeof *p1);
  double *p2 = tr_malloc(n * sizeof *p2);
  tr_status st = TR_OK;
  if (!g || !ng || !th || !p1 || !p2) {
    st = TR_ENOMEM;
    goto done;
  }
  thy_softmax_grad_from(g, in->pi, in->v->d, in->v->Adv, S, A, in->m->gamma);
  if ((st = thy_softmax_natural_grad(ng, g, in->pi, in->v->d, S, A, 1e-13))) goto done;
  double eta = g1 * gsl_ran_flat(in->rng, 0.01, 2.0) / (thy_max_abs(in->v->Adv, n) + 1e-12);
  for (size_t k = 0; k < n; k++) th[k] = in->theta[k] + eta * ng[k];
  thy_softmax(p1, th, S, A);
  for (size_t k = 0; k < n; k++) th[k] = in->theta[k] + eta * in->v->Adv[k] / g1;
  thy_softmax(p2, th, S, A); /* π·exp(ηA/(1−γ)) ∝ exp(θ + ηA/(1−γ)) */
  double worst = 0.0, lw = 0.0, rw = 0.0;
  for (size_t k = 0; k < n; k++)
    if (fabs(p1[k] - p2[k]) >= worst) worst = fabs(p1[k] - p2[k]), lw = p1[k], rw = p2[k];
  /* errors of F⁺ scale with its block condition 1/(d·π) */
  thy_check_identity(c, lw, rw, 1.0 / (dmin * pmin) * 1e-3);
done:
  free(g), free(ng), free(th), free(p1), free(p2);
  return st;
}

/* ---- bounds (REFERENCES § 2 items 10–16, 18) --------------------------------------- */

/* Kakade–Langford-type bounds on the mixture π_α = (1−α)π + απ': returns ΔJ and fills 𝔸, ε. */
static tr_status mixture_gain(double *dJ, double *adv, double *eps, const thy_instance *in,
                              const double *pi2, double alpha) {
  size_t S = in->m->S, A = in->m->A;
  double *mix = tr_malloc(S * A * sizeof *mix);
  if (!mix) return TR_ENOMEM;
  thy_policy_mix(mix, in->pi, pi2, alpha, S, A);
  thy_values *vm = eval_new(in, mix);
  free(mix);
  if (!vm) return TR_ENUM;
  *dJ = vm->J - in->v->J;
  thy_values_free(vm);
  *adv = thy_policy_advantage(in->v->d, in->v->Adv, pi2, S, A);
  *eps = thy_max_expected_advantage(in->v->Adv, pi2, S, A);
  return TR_OK;
}

/* 10. Kakade–Langford Thm 4.1: ΔJ ≥ (α/(1−γ))(𝔸 − 2αγε/(1 − γ(1−α))), ε = max_s|Σ_a π' A_π|. */
static tr_status chk_cpi_kl(thy_check *c, const thy_instance *in) {
  double dJ, adv, eps, g = in->m->gamma, al = in->alpha;
  tr_status st = mixture_gain(&dJ, &adv, &eps, in, in->pi2, al);
  if (st) return st;
  double pen = al / (1 - g) * 2 * al * g * eps / (1 - g * (1 - al));
  thy_check_bound(c, dJ, al / (1 - g) * adv - pen, pen, kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 10 at the best α: the bound b(α) = (α/(1−γ))(𝔸 − 2αγε/(1 − γ(1−α))) is concave in α on
 * [0,1] (the penalty is convex), so golden-section search finds its maximizer α*; then
 * ΔJ(α*) ≥ b(α*).  Applicable when 𝔸 > 0 (otherwise α* = 0 and both sides vanish). */
static double kl_bound(double al, double adv, double eps, double g) {
  return al / (1 - g) * (adv - 2 * al * g * eps / (1 - g * (1 - al)));
}

static tr_status chk_cpi_kl_opt(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A;
  double g = in->m->gamma;
  double adv = thy_policy_advantage(in->v->d, in->v->Adv, in->pi2, S, A);
  double eps = thy_max_expected_advantage(in->v->Adv, in->pi2, S, A);
  if (!(adv > 0.0)) {
    c->applicable = 0;
    return TR_OK;
  }
  double lo = 0.0, hi = 1.0, phi = (sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
    double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo);
    if (kl_bound(x1, adv, eps, g) < kl_bound(x2, adv, eps, g)) lo = x1;
    else hi = x2;
  }
  double al = 0.5 * (lo + hi), dJ, adv2, eps2;
  tr_status st = mixture_gain(&dJ, &adv2, &eps2, in, in->pi2, al);
  if (st) return st;
  double b = kl_bound(al, adv, eps, g);
  thy_check_bound(c, dJ, b, al / (1 - g) * 2 * al * g * eps / (1 - g * (1 - al)),
                  kappa(in->m) * jmag(in));
  snprintf(c->note, sizeof c->note, "alpha*=%.6g AA=%.6g eps=%.6g", al, adv, eps);
  return TR_OK;
}

/* 10'. The same as the TRPO paper quotes it: denominator (1−γ)² overall (weaker). */
static tr_status chk_cpi_kl_weak(thy_check *c, const thy_instance *in) {
  double dJ, adv, eps, g = in->m->gamma, al = in->alpha;
  tr_status st = mixture_gain(&dJ, &adv, &eps, in, in->pi2, al);
  if (st) return st;
  double pen = 2 * eps * g * al * al / ((1 - g) * (1 - g));
  thy_check_bound(c, dJ, al / (1 - g) * adv - pen, pen, kappa(in->m) * jmag(in));
  return TR_OK;
}

static int rewards_in_unit(const mdp *m) {
  double lo, hi;
  mdp_reward_range(m, &lo, &hi);
  return lo >= 0.0 && hi <= 1.0;
}

/* π' greedy w.r.t. A_π (the CPI step's target policy). */
static double *greedy_of(const thy_instance *in) {
  double *pg = tr_malloc(in->m->S * in->m->A * sizeof *pg);
  if (pg) thy_greedy(pg, in->v->Q, in->m->S, in->m->A);
  return pg;
}

/* 11. CPI, AJKS form (r ∈ [0,1], π' greedy): ΔJ ≥ (α/(1−γ))(𝔸 − 2αγ/(1−γ)²). */
static tr_status chk_cpi_ajks(thy_check *c, const thy_instance *in) {
  if (!rewards_in_unit(in->m)) {
    c->applicable = 0;
    return TR_OK;
  }
  double *pg = greedy_of(in);
  if (!pg) return TR_ENOMEM;
  double dJ, adv, eps, g = in->m->gamma, al = in->alpha;
  tr_status st = mixture_gain(&dJ, &adv, &eps, in, pg, al);
  free(pg);
  if (st) return st;
  double pen = al / (1 - g) * 2 * al * g / ((1 - g) * (1 - g));
  thy_check_bound(c, dJ, al / (1 - g) * adv - pen, pen, kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 11. at α* = 𝔸(1−γ)²/(4γ) (applicable when α* ≤ 1): ΔJ ≥ 𝔸²(1−γ)/(8γ). */
static tr_status chk_cpi_ajks_opt(thy_check *c, const thy_instance *in) {
  double g = in->m->gamma;
  if (!rewards_in_unit(in->m) || g == 0.0) {
    c->applicable = 0;
    return TR_OK;
  }
  double *pg = greedy_of(in);
  if (!pg) return TR_ENOMEM;
  double adv = thy_policy_advantage(in->v->d, in->v->Adv, pg, in->m->S, in->m->A);
  double al = adv * (1 - g) * (1 - g) / (4 * g);
  if (!(al > 0.0 && al <= 1.0)) {
    free(pg);
    c->applicable = 0;
    return TR_OK;
  }
  double dJ, eps;
  tr_status st = mixture_gain(&dJ, &adv, &eps, in, pg, al);
  free(pg);
  if (st) return st;
  double b = adv * adv * (1 - g) / (8 * g);
  thy_check_bound(c, dJ, b, dJ, kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 12. Occupancy perturbation (AJKS): ‖d_π − d_{π'}‖₁ ≤ 2αγ/(1−γ), α = max_s TV. */
static tr_status chk_occ_tv(thy_check *c, const thy_instance *in, int average) {
  size_t S = in->m->S, A = in->m->A;
  double g = in->m->gamma;
  double *tv = tr_malloc(S * sizeof *tv);
  if (!tv) return TR_ENOMEM;
  thy_tv_states(tv, in->pi, in->pi2, S, A);
  double a = average ? thy_weighted_mean(tv, in->v->d, S) : thy_vec_max(tv, S);
  free(tv);
  double l1 = 0.0;
  for (size_t s = 0; s < S; s++) l1 += fabs(in->v->d[s] - in->v2->d[s]);
  double b = 2 * a * g / (1 - g);
  thy_check_bound(c, b, l1, b, kappa(in->m));
  return TR_OK;
}
static tr_status chk_occ_tv_max(thy_check *c, const thy_instance *in) { return chk_occ_tv(c, in, 0); }
/* 12'. Achiam et al. 2017, Lemma 3: the d_π-average of TV in place of the max. */
static tr_status chk_occ_tv_avg(thy_check *c, const thy_instance *in) { return chk_occ_tv(c, in, 1); }

/* Divergences of π' (pi2) from π (pi): per state, then the max over states or the
 * d_π-average. */
typedef enum {
  DIV_TV_MAX,      /* max_s TV(π(s), π'(s)) */
  DIV_KL_MAX,      /* max_s KL(π(s) ‖ π'(s)) (old first) */
  DIV_KL_REV_MAX,  /* max_s KL(π'(s) ‖ π(s)) (new first) */
  DIV_KL_AVG,      /* Σ_s d_π(s) KL(π(s) ‖ π'(s)) */
  DIV_TV_AVG,      /* Σ_s d_π(s) TV(π'(s), π(s)) */
  DIV_KL_REV_AVG   /* Σ_s d_π(s) KL(π'(s) ‖ π(s)) */
} div_kind;

static tr_status divergence(double *out, const thy_instance *in, div_kind kind) {
  size_t S = in->m->S, A = in->m->A;
  double *x = tr_malloc(S * sizeof *x);
  if (!x) return TR_ENOMEM;
  if (kind == DIV_TV_MAX || kind == DIV_TV_AVG) thy_tv_states(x, in->pi, in->pi2, S, A);
  else if (kind == DIV_KL_MAX || kind == DIV_KL_AVG) thy_kl_states(x, in->pi, in->pi2, S, A);
  else thy_kl_states(x, in->pi2, in->pi, S, A);
  int average = kind == DIV_KL_AVG || kind == DIV_TV_AVG || kind == DIV_KL_REV_AVG;
  *out = average ? thy_weighted_mean(x, in->v->d, S) : thy_vec_max(x, S);
  free(x);
  return TR_OK;
}

/* J(π') ≥ L_π(π') − coef·D: the shape of items 13, 14 and C1–C3. */
static tr_status penalized_surrogate(thy_check *c, const thy_instance *in, double coef,
                                     div_kind kind, int square) {
  double D;
  tr_status st = divergence(&D, in, kind);
  if (st) return st;
  if (!isfinite(D)) { /* an infinite KL makes the bound vacuous */
    c->applicable = 0;
    return TR_OK;
  }
  double pen = coef * (square ? D * D : D);
  double L = thy_surrogate(in->v, in->m->gamma, in->pi2);
  thy_check_bound(c, in->v2->J, L - pen, pen, kappa(in->m) * jmag(in));
  snprintf(c->note, sizeof c->note, "J(new)=%.10g L(new)=%.10g penalty=%.6g D=%.6g gamma=%g",
           in->v2->J, L, pen, D, in->m->gamma);
  return TR_OK;
}

static double trpo_c(const thy_instance *in) {
  double g = in->m->gamma;
  return 4 * thy_max_abs(in->v->Adv, in->m->S * in->m->A) * g / ((1 - g) * (1 - g));
}

/* 13. TRPO Theorem 1: J(π') ≥ L_π(π') − (4εγ/(1−γ)²)α², α = D_TV^max, ε = max|A_π|. */
static tr_status chk_trpo_tv(thy_check *c, const thy_instance *in) {
  return penalized_surrogate(c, in, trpo_c(in), DIV_TV_MAX, 1);
}

/* 13'. The proof's two-sided form: |J(π') − L_π(π')| ≤ 4α²γε/((1−γ)(1 − γ(1−α))). */
static tr_status chk_trpo_tv_tight(thy_check *c, const thy_instance *in) {
  double al, g = in->m->gamma;
  tr_status st = divergence(&al, in, DIV_TV_MAX);
  if (st) return st;
  double eps = thy_max_abs(in->v->Adv, in->m->S * in->m->A);
  double b = 4 * al * al * g * eps / ((1 - g) * (1 - g * (1 - al)));
  double err = fabs(in->v2->J - thy_surrogate(in->v, g, in->pi2));
  thy_check_bound(c, b, err, b, kappa(in->m) * jmag(in));
  return TR_OK;
}

/* 14. TRPO eq. 9: J(π') ≥ L_π(π') − C·D_KL^max(π‖π'), C = 4εγ/(1−γ)², old policy first. */
static tr_status chk_trpo_kl(thy_check *c, const thy_instance *in) {
  return penalized_surrogate(c, in, trpo_c(in), DIV_KL_MAX, 0);
}
/* 14'. With C/2 (Pinsker makes it true). */
static tr_status chk_trpo_kl_half(thy_check *c, const thy_instance *in) {
  return penalized_surrogate(c, in, trpo_c(in) / 2, DIV_KL_MAX, 0);
}
/* 14''. With the KL in the other order, D_KL^max(π'‖π). */
static tr_status chk_trpo_kl_rev(thy_check *c, const thy_instance *in) {
  return penalized_surrogate(c, in, trpo_c(in), DIV_KL_REV_MAX, 0);
}

/* 16. Achiam et al. 2017, Corollary 1 (avg = 0: d_π-average TV) and Corollary 3 (avg = 1:
 * sqrt of half the d_π-average KL(π'‖π)):
 * J(π') − J(π) ≥ (1/(1−γ)) [𝔸 − (2γε'/(1−γ)) D],  ε' = max_s |Σ_a π'(a|s) A_π(s,a)|. */
static tr_status chk_achiam(thy_check *c, const thy_instance *in, int kl) {
  size_t S = in->m->S, A = in->m->A;
  double g = in->m->gamma, D;
  tr_status st = divergence(&D, in, kl ? DIV_KL_REV_AVG : DIV_TV_AVG);
  if (st) return st;
  if (kl) D = sqrt(D / 2);
  if (!isfinite(D)) {
    c->applicable = 0;
    return TR_OK;
  }
  double adv = thy_policy_advantage(in->v->d, in->v->Adv, in->pi2, S, A);
  double epsp = thy_max_expected_advantage(in->v->Adv, in->pi2, S, A);
  double pen = 2 * g * epsp / (1 - g) * D / (1 - g);
  thy_check_bound(c, in->v2->J - in->v->J, adv / (1 - g) - pen, pen, kappa(in->m) * jmag(in));
  return TR_OK;
}
static tr_status chk_achiam_tv(thy_check *c, const thy_instance *in) { return chk_achiam(c, in, 0); }
static tr_status chk_achiam_kl(thy_check *c, const thy_instance *in) { return chk_achiam(c, in, 1); }

/* 18. Exact tabular NPG from θ₀ = 0 with step η for T iterations (r ∈ [0,1]):
 * V*(μ) − V^{(T)}(μ) ≤ log|A|/(ηT) + 1/((1−γ)²T) (Agarwal et al. 2021, Theorem 16).
 * The iteration is the soft policy iteration of item 6. */
static tr_status chk_npg_rate(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A, n = S * A;
  double g = in->m->gamma;
  if (!rewards_in_unit(in->m)) {
    c->applicable = 0;
    return TR_OK;
  }
  size_t T = 1 + gsl_rng_uniform_int(in->rng, 20);
  double eta = pow(10.0, gsl_ran_flat(in->rng, -2.0, 1.0)) * (1 - g);
  double *th = tr_calloc(n, sizeof *th), *pi = tr_malloc(n * sizeof *pi);
  double *Vs = tr_malloc(S * sizeof *Vs);
  thy_values *v = thy_values_alloc(S, A);
  tr_status st = TR_OK;
  if (!th || !pi || !Vs || !v) {
    st = TR_ENOMEM;
    goto done;
  }
  for (size_t t = 0; t < T; t++) {
    thy_softmax(pi, th, S, A);
    if ((st = thy_evaluate(v, in->m, pi, THY_SOLVER_DENSE, in->ws))) goto done;
    for (size_t k = 0; k < n; k++) th[k] += eta * v->Adv[k] / (1 - g);
  }
  thy_softmax(pi, th, S, A);
  if ((st = thy_evaluate(v, in->m, pi, THY_SOLVER_DENSE, in->ws))) goto done;
  if ((st = thy_policy_iteration(Vs, NULL, in->m, THY_SOLVER_DENSE, NULL))) goto done;
  double Jstar = thy_weighted_mean(Vs, in->m->mu, S);
  double b = log((double)A) / (eta * (double)T) + 1.0 / ((1 - g) * (1 - g) * (double)T);
  thy_check_bound(c, b, Jstar - v->J, b, kappa(in->m) * jmag(in));
done:
  free(th), free(pi), free(Vs);
  thy_values_free(v);
  return st;
}

/* ---- course statements (REFERENCES § 2, C1–C5) ------------------------------------ */

/* C1. Cost form η(π') ≤ L(π') + (2εγ/(1−γ)²)α²: with costs = −rewards this reads
 * J(π') ≥ L_π(π') − (2εγ/(1−γ)²)α² — half of Theorem 1's constant. */
static tr_status chk_course_c1(thy_check *c, const thy_instance *in) {
  return penalized_surrogate(c, in, trpo_c(in) / 2, DIV_TV_MAX, 1);
}
/* C2. J(π') ≥ L_π(π') − (2εγ/(1−γ)²) D_KL^max(π'‖π) (new policy first). */
static tr_status chk_course_c2(thy_check *c, const thy_instance *in) {
  return penalized_surrogate(c, in, trpo_c(in) / 2, DIV_KL_REV_MAX, 0);
}
/* C3. J(π') ≥ L_π(π') − C·D̄_KL with the d_π-average KL(π‖π') in place of the max. */
static tr_status chk_course_c3(thy_check *c, const thy_instance *in) {
  return penalized_surrogate(c, in, trpo_c(in), DIV_KL_AVG, 0);
}

/* Mean KL d_π-average KL(π ‖ softmax(θ + β·ng)) of the step β·ng. */
static double step_kl(const thy_instance *in, const double *ng, double beta, double *th,
                      double *p2, double *kl) {
  size_t S = in->m->S, A = in->m->A;
  for (size_t k = 0; k < S * A; k++) th[k] = in->theta[k] + beta * ng[k];
  thy_softmax(p2, th, S, A);
  thy_kl_states(kl, in->pi, p2, S, A);
  return thy_weighted_mean(kl, in->v->d, S);
}

/* C5, read as written: the step Δ = sqrt(α/(gᵀF⁺g)) F⁺g satisfies "D̄_KL ≤ α" to second
 * order, i.e. on the quadratic model ½ΔᵀFΔ (= α/2 exactly, since ΔᵀFΔ = α when g lies in
 * F's range).  lhs = α, rhs = ½ΔᵀFΔ = ½ Σ_s d(s) Var_{π_s}(Δ_s) (the block form of F);
 * room α.  The instance's α is the budget.  The finite step's exact mean KL — a different
 * statement, of order α/2 + O(α^{3/2}) — is reported in the note at α, α/100, α/10⁴ as a
 * fraction of its budget, and not judged. */
static tr_status chk_course_c5(thy_check *c, const thy_instance *in) {
  size_t S = in->m->S, A = in->m->A, n = S * A;
  double g1 = 1 - in->m->gamma;
  if (!in->theta || !(in->alpha > 0.0)) {
    c->applicable = 0;
    return TR_OK;
  }
  double *ng = tr_malloc(n * sizeof *ng), *th = tr_malloc(n * sizeof *th);
  double *p2 = tr_malloc(n * sizeof *p2), *kl = tr_malloc(S * sizeof *kl);
  tr_status st = TR_OK;
  if (!ng || !th || !p2 || !kl) {
    st = TR_ENOMEM;
    goto done;
  }
  /* F⁻¹g in closed form: F's block d(s)(diag π_s − π_sπ_sᵀ) maps A_π(s,·)/(1−γ) to
   * g_s = d(s) π_s∘A_π(s,·)/(1−γ) (as Σ_a π A_π = 0), so x = A_π/(1−γ) solves Fx = g up to
   * per-state constants, which F ignores (a pseudo-inverse loses every digit when some
   * d(s)·π(a|s) is tiny); gᵀx = Σ_s d(s) E_π[x²] */
  double gFg = 0.0, quad = 0.0;
  for (size_t k = 0; k < n; k++) ng[k] = in->v->Adv[k] / g1;
  for (size_t s = 0; s < S; s++) {
    double m2 = 0.0;
    for (size_t a = 0; a < A; a++) m2 += in->pi[s * A + a] * ng[s * A + a] * ng[s * A + a];
    gFg += in->v->d[s] * m2;
  }
  if (!(gFg > 1e-300)) {
    c->applicable = 0;
    goto done;
  }
  double alpha = in->alpha, beta = sqrt(alpha / gFg);
  for (size_t s = 0; s < S; s++) quad += in->v->d[s] * pi_variance(in->pi + s * A, ng + s * A, A);
  quad *= beta * beta;
  thy_check_bound(c, alpha, 0.5 * quad, alpha, alpha);
  double f0 = step_kl(in, ng, beta, th, p2, kl) / alpha;
  double f2 = step_kl(in, ng, beta / 10, th, p2, kl) / (alpha / 100);
  double f4 = step_kl(in, ng, beta / 100, th, p2, kl) / (alpha / 1e4);
  snprintf(c->note, sizeof c->note,
           "a=%.3g: 1/2 D^T F D = %.6g a; finite-step mean KL/budget at a, a/1e2, a/1e4: "
           "%.3g %.3g %.3g (not judged)",
           alpha, 0.5 * quad / alpha, f0, f2, f4);
done:
  free(ng), free(th), free(p2), free(kl);
  return st;
}

/* ---- the catalogue ----------------------------------------------------------------- */
#define ID THY_IDENTITY
#define BD THY_BOUND
#define CO THY_COURSE
/* ---- causal importance sampling on a finite horizon (GPS, REFERENCES § 8) ------------ */

/* Every trajectory (s_0, a_0, ..., s_{H-1}, a_{H-1}) of the instance's MDP from mu, drawn by
 * the behaviour q = pi (full support: softmax) for the target pi' = pi2, enumerated exactly
 * (H the largest <= 4 with (S^2 A)^H <= 2e5, at least 1).  Per trajectory: the causal weights
 * w_t = prod_{k<=t} pi'(a_k|s_k)/q(a_k|s_k), the return R = sum_t r_t.  Accumulates
 *   causal = E_q[sum_t w_t r_t], whole = E_q[w_{H-1} R], snis1 = E_q[sum_t (w_t r_t)/w_t]
 * (the self-normalized estimate from one sample). */
typedef struct {
  const thy_instance *in;
  size_t H;
  double causal, whole, snis1;
} is_enum;

static void is_rec(is_enum *e, size_t t, size_t s, double pq, double w, double c, double R,
                   double sn) {
  const mdp *m = e->in->m;
  size_t A = m->A;
  for (size_t a = 0; a < A; a++) {
    double q = e->in->pi[s * A + a], p = e->in->pi2[s * A + a];
    if (q <= 0.0) continue;
    double wt = w * (p / q), r = m->r[s * A + a];
    double c2 = c + wt * r, R2 = R + r, sn2 = sn + (wt > 0.0 ? (wt * r) / wt : r);
    double pa = pq * q;
    if (t + 1 == e->H) {
      e->causal += pa * c2;
      e->whole += pa * wt * R2;
      e->snis1 += pa * sn2;
      continue;
    }
    for (size_t k = m->rowptr[s * A + a]; k < m->rowptr[s * A + a + 1]; k++)
      is_rec(e, t + 1, m->col[k], pa * m->prob[k], wt, c2, R2, sn2);
  }
}

/* J_H(pol) = sum_{t<H} E_pol[r_t] by propagating the state distribution (no enumeration). */
static double finite_j(const mdp *m, const double *pol, size_t H, double *d, double *dn) {
  size_t S = m->S, A = m->A;
  double J = 0.0;
  memcpy(d, m->mu, S * sizeof *d);
  for (size_t t = 0; t < H; t++) {
    memset(dn, 0, S * sizeof *dn);
    for (size_t s = 0; s < S; s++)
      for (size_t a = 0; a < A; a++) {
        double pa = d[s] * pol[s * A + a];
        J += pa * m->r[s * A + a];
        for (size_t k = m->rowptr[s * A + a]; k < m->rowptr[s * A + a + 1]; k++)
          dn[m->col[k]] += pa * m->prob[k];
      }
    memcpy(d, dn, S * sizeof *d);
  }
  return J;
}

typedef enum { IS_CAUSAL = 0, IS_WHOLE, IS_SNIS1 } is_kind;

static tr_status chk_is_finite(thy_check *c, const thy_instance *in, is_kind kind) {
  const mdp *m = in->m;
  size_t S = m->S, A = m->A, H = 1;
  double per = (double)S * (double)S * (double)A, n = per;
  while (H < 4 && n * per <= 2e5) n *= per, H++;
  if (per > 2e5) {
    c->applicable = 0;
    return TR_OK;
  }
  for (size_t i = 0; i < S * A; i++)
    if (in->pi2[i] > 0.0 && !(in->pi[i] > 0.0)) { /* q must cover pi' */
      c->applicable = 0;
      return TR_OK;
    }
  double *d = tr_malloc(2 * S * sizeof *d);
  if (!d) return TR_ENOMEM;
  is_enum e = {in, H, 0.0, 0.0, 0.0};
  for (size_t s = 0; s < S; s++)
    if (m->mu[s] > 0.0) is_rec(&e, 0, s, m->mu[s], 1.0, 0.0, 0.0, 0.0);
  double lhs = kind == IS_CAUSAL ? e.causal : kind == IS_WHOLE ? e.whole : e.snis1;
  double rhs = finite_j(m, kind == IS_SNIS1 ? in->pi : in->pi2, H, d, d + S);
  free(d);
  double rmin, rmax;
  mdp_reward_range(m, &rmin, &rmax);
  double scale = (double)H * fmax(1.0, fmax(fabs(rmin), fabs(rmax)));
  thy_check_identity(c, lhs, rhs, kind == IS_WHOLE ? scale * 10.0 : scale);
  snprintf(c->note, sizeof c->note, "H=%zu E_q[estimate]=%.12g J_H=%.12g", H, lhs, rhs);
  return TR_OK;
}
static tr_status chk_is_causal(thy_check *c, const thy_instance *in) {
  return chk_is_finite(c, in, IS_CAUSAL);
}
static tr_status chk_is_whole(thy_check *c, const thy_instance *in) {
  return chk_is_finite(c, in, IS_WHOLE);
}
static tr_status chk_is_snis1(thy_check *c, const thy_instance *in) {
  return chk_is_finite(c, in, IS_SNIS1);
}

static const thy_claim claims_mdp[] = {
  {"is.causal", ID, "causal (per-decision) importance sampling, GPS's per-step weights "
   "(REFERENCES sec. 8; GPS_RLHF.md sec. 3.1, 3.3)",
   "E_q[sum_{t<H} w_t r_t] = J_H(pi') = sum_{t<H} E_pi'[r_t], w_t = prod_{k<=t} "
   "pi'(a_k|s_k)/q(a_k|s_k): every trajectory enumerated (H <= 4)",
   "q = pi of full support where pi' > 0; behaviour pi, target pi'", 1e-12, chk_is_causal},
  {"is.whole", ID, "ordinary (whole-trajectory) importance sampling (GPS_RLHF.md sec. 3.1)",
   "E_q[w_{H-1} sum_{t<H} r_t] = J_H(pi'): every trajectory enumerated (H <= 4)",
   "q = pi of full support where pi' > 0", 1e-12, chk_is_whole},
  {"is.snis.one", ID, "self-normalized per-step IS with one sample (GPS_RLHF.md sec. 3.3)",
   "with m = 1, sum_t (w_t r_t)/w_t = sum_t r_t whatever pi', so E_q[estimate] = J_H(q): "
   "the behaviour policy's value (the largest bias)",
   "q = pi of full support", 1e-12, chk_is_snis1},
  {"pdl", ID, "Kakade & Langford 2002, Lemma 6.1; AJKS ch. 1",
   "J(pi') - J(pi) = 1/(1-g) sum_s d_pi'(s) sum_a pi'(a|s) A_pi(s,a)", "", 1e-12, chk_pdl},
  {"pdl.sa", ID, "performance difference lemma, state-action form",
   "J(pi') - J(pi) = 1/(1-g) sum_{s,a} nu_pi'(s,a) A_pi(s,a), nu = d pi'", "", 1e-12, chk_pdl_sa},
  {"j.occupancy", ID, "definition of the normalized occupancy",
   "J(pi) = sum_s d_pi(s) r_pi(s) / (1-g)", "", 1e-12, chk_j_occ},
  {"adv.zero", ID, "definition of the advantage",
   "sum_a pi(a|s) A_pi(s,a) = 0 for every s", "", 1e-12, chk_adv_zero},
  {"surrogate.self", ID, "TRPO (Schulman et al. 2015), eq. 4", "L_pi(pi) = J(pi)", "", 1e-12,
   chk_surr_self},
  {"surrogate.grad", ID, "TRPO (Schulman et al. 2015), eq. 4: first-order match",
   "grad_theta L_{pi_theta0}(pi_theta) at theta0 = grad_theta J(theta0)",
   "tabular softmax policy", 1e-7, chk_surr_grad},
  {"surrogate.error", ID, "exact surrogate error (from the PDL)",
   "J(pi') - L_pi(pi') = 1/(1-g) sum_s (d_pi'(s) - d_pi(s)) sum_a pi'(a|s) A_pi(s,a)", "",
   1e-12, chk_surr_err},
  {"occupancy.diff", ID, "occupancy difference identity",
   "d_pi'^T - d_pi^T = g d_pi^T (P_pi' - P_pi)(I - g P_pi')^-1", "", 1e-12, chk_occ_diff},
  {"pg.exact", ID, "policy gradient theorem, tabular softmax (vs complex-step derivative)",
   "dJ/dtheta_{s,a} = d_pi(s) pi(a|s) A_pi(s,a) / (1-g)", "tabular softmax policy", 1e-11,
   chk_pg_exact},
  {"fisher.kl2", ID, "Fisher = Hessian of the average KL (second-order expansion)",
   "sum_s d(s) KL(pi_theta(s) || pi_theta+delta(s)) = 1/2 delta^T F delta + O(|delta|^3)",
   "tabular softmax policy", 1e-6, chk_fisher_kl2},
  {"npg.softpi", ID, "Agarwal, Kakade, Lee & Mahajan 2021: tabular NPG = soft policy iteration",
   "softmax(theta + eta F^+ grad J) = pi exp(eta A_pi/(1-g)) / Z",
   "tabular softmax; mu with full support", 1e-9, chk_npg_softpi},
  {"cpi.kl", BD, "Kakade & Langford 2002, Theorem 4.1",
   "J(pi_a) - J(pi) >= a/(1-g) (AA - 2 a g eps / (1 - g(1-a))), pi_a = (1-a)pi + a pi', "
   "eps = max_s |sum_a pi' A_pi|", "", 1e-12, chk_cpi_kl},
  {"cpi.kl.opt", BD, "Kakade & Langford 2002, Theorem 4.1 at the bound's maximizing alpha",
   "J(pi_a*) - J(pi) >= max_a a/(1-g) (AA - 2 a g eps / (1 - g(1-a)))", "policy advantage AA > 0",
   1e-12, chk_cpi_kl_opt},
  {"cpi.kl.weak", BD, "Kakade-Langford bound as quoted by TRPO (1-g in the denominator)",
   "J(pi_a) - J(pi) >= a/(1-g) AA - 2 eps g a^2/(1-g)^2", "", 1e-12, chk_cpi_kl_weak},
  {"cpi.ajks", BD, "AJKS (Agarwal, Jiang, Kakade, Sun), CPI improvement",
   "J(pi_a) - J(pi) >= a/(1-g) (AA - 2 a g/(1-g)^2), pi' greedy w.r.t. A_pi, a in [0,1]",
   "rewards in [0,1]", 1e-12, chk_cpi_ajks},
  {"cpi.ajks.opt", BD, "AJKS, CPI at the optimal step a = AA (1-g)^2/(4g)",
   "J(pi_a) - J(pi) >= AA^2 (1-g) / (8g)", "rewards in [0,1]; a <= 1", 1e-12, chk_cpi_ajks_opt},
  {"occupancy.tv", BD, "AJKS occupancy perturbation lemma",
   "|d_pi - d_pi'|_1 <= 2 a g/(1-g), a = max_s TV(pi(s), pi'(s))", "", 1e-12, chk_occ_tv_max},
  {"occupancy.tv.avg", BD, "Achiam, Held, Tamar & Abbeel 2017, Lemma 3",
   "|d_pi' - d_pi|_1 <= 2g/(1-g) sum_s d_pi(s) TV(pi'(s), pi(s))", "", 1e-12, chk_occ_tv_avg},
  {"trpo.tv", BD, "TRPO (Schulman et al. 2015), Theorem 1",
   "J(pi') >= L_pi(pi') - 4 eps g/(1-g)^2 a^2, a = max_s TV, eps = max |A_pi|", "", 1e-12,
   chk_trpo_tv},
  {"trpo.tv.tight", BD, "TRPO Theorem 1, the proof's two-sided bound",
   "|J(pi') - L_pi(pi')| <= 4 a^2 g eps / ((1-g)(1 - g(1-a)))", "", 1e-12, chk_trpo_tv_tight},
  {"trpo.kl", BD, "TRPO (Schulman et al. 2015), eq. 9",
   "J(pi') >= L_pi(pi') - C max_s KL(pi(s) || pi'(s)), C = 4 eps g/(1-g)^2", "", 1e-12,
   chk_trpo_kl},
  {"trpo.kl.half", BD, "TRPO eq. 9 with C/2 (Pinsker)",
   "J(pi') >= L_pi(pi') - (C/2) max_s KL(pi(s) || pi'(s))", "", 1e-12, chk_trpo_kl_half},
  {"trpo.kl.rev", BD, "TRPO eq. 9 with the KL reversed",
   "J(pi') >= L_pi(pi') - C max_s KL(pi'(s) || pi(s))", "", 1e-12, chk_trpo_kl_rev},
  {"achiam.tv", BD, "Achiam et al. 2017, Corollary 1",
   "J(pi') - J(pi) >= 1/(1-g) sum_s d_pi(s) [sum_a pi' A_pi - 2 g eps'/(1-g) TV(pi'(s), pi(s))]",
   "", 1e-12, chk_achiam_tv},
  {"achiam.kl", BD, "Achiam et al. 2017, Corollary 3",
   "as achiam.tv with the average TV replaced by sqrt(sum_s d_pi(s) KL(pi'(s)||pi(s)) / 2)", "",
   1e-12, chk_achiam_kl},
  {"npg.rate", BD, "Agarwal, Kakade, Lee & Mahajan 2021, Theorem 16 (NPG, tabular softmax)",
   "V*(mu) - V^T(mu) <= log|A|/(eta T) + 1/((1-g)^2 T), theta_0 = 0", "rewards in [0,1]", 1e-12,
   chk_npg_rate},
  {"course.c1", CO, "course slide: TRPO bound in cost form with constant 2",
   "eta(pi') <= L(pi') + 2 eps g/(1-g)^2 a^2 (cost form), i.e. J(pi') >= L(pi') - 2 eps g a^2/(1-g)^2",
   "", 1e-12, chk_course_c1},
  {"course.c2", CO, "course slide: KL form with the new policy first and constant 2",
   "J(pi') >= L(pi') - 2 eps g/(1-g)^2 max_s KL(pi'(s) || pi(s))", "", 1e-12, chk_course_c2},
  {"course.c3", CO, "course slide: the practical TRPO constraint read as a bound",
   "J(pi') >= L(pi') - C sum_s d_pi(s) KL(pi(s) || pi'(s))", "", 1e-12, chk_course_c3},
  {"course.c4", CO, "course slide: KL equals delta^T F delta to second order (no 1/2)",
   "sum_s d(s) KL(pi_theta || pi_theta+delta) = delta^T F delta + O(|delta|^3)",
   "tabular softmax policy", 1e-6, chk_course_c4},
  {"course.c5", CO, "course slide: the NPG/TRPO step sqrt(a/(g^T F^-1 g)) F^-1 g",
   "the step satisfies mean KL <= a to second order: a >= 1/2 D^T F D (quadratic model)",
   "tabular softmax policy; the instance's alpha is the budget a", 1e-12,
   chk_course_c5},
};
#undef ID
#undef BD
#undef CO

static const thy_claim *catalogue[128];
static size_t catalogue_n;

static void catalogue_build(void) {
  if (catalogue_n) return;
  size_t nm = sizeof claims_mdp / sizeof claims_mdp[0];
  /* identities, then bounds, then course statements; MDP claims before local ones */
  for (int kind = THY_IDENTITY; kind <= THY_COURSE; kind++) {
    for (size_t i = 0; i < nm; i++)
      if ((int)claims_mdp[i].kind == kind) catalogue[catalogue_n++] = &claims_mdp[i];
    for (size_t i = 0; i < thy_claims_local_n; i++)
      if ((int)thy_claims_local[i].kind == kind) catalogue[catalogue_n++] = &thy_claims_local[i];
  }
}

size_t thy_claims_count(void) {
  catalogue_build();
  return catalogue_n;
}

const thy_claim *thy_claim_at(size_t i) {
  catalogue_build();
  return i < catalogue_n ? catalogue[i] : NULL;
}

const thy_claim *thy_claim_find(const char *id) {
  catalogue_build();
  for (size_t i = 0; i < catalogue_n; i++)
    if (!strcmp(catalogue[i]->id, id)) return catalogue[i];
  return NULL;
}

const char *thy_claim_kind_name(thy_claim_kind k) {
  return k == THY_IDENTITY ? "identity" : k == THY_BOUND ? "bound" : "course";
}
