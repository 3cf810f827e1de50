/* theory/certify.c — see certify.h.  Notation of claims.c: π old (values v), π' new
 * (values v2); ε = max_{s,a} |A_π(s,a)|, ε' = max_s |Σ_a π'(a|s) A_π(s,a)|,
 * 𝔸 = Σ_s d_π(s) Σ_a π'(a|s) A_π(s,a), L = J(π) + 𝔸/(1−γ).  Each claim's two sides are
 * the formulas of claims.c (REFERENCES.md § 2), evaluated on balls. */
#include "theory/certify.h"

#include <arb.h>
#include <arb_mat.h>
#include <flint/flint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/size.h"

/* The instance as balls: P (K, S) with K = S·A, r (K), μ (S), π and π' (K), α, γ. */
typedef struct {
  size_t S, A;
  slong prec;
  arb_ptr P, r, mu, pi, pi2;
  arb_t g, alpha;
} cinst;

/* Exact values of one policy: V (S), Adv (K), d (S), J. */
typedef struct {
  arb_ptr V, Adv, d;
  arb_t J;
} cvals;

static void cvals_init(cvals *v, size_t S, size_t A) {
  v->V = _arb_vec_init((slong)S);
  v->Adv = _arb_vec_init((slong)(S * A));
  v->d = _arb_vec_init((slong)S);
  arb_init(v->J);
}

static void cvals_clear(cvals *v, size_t S, size_t A) {
  _arb_vec_clear(v->V, (slong)S);
  _arb_vec_clear(v->Adv, (slong)(S * A));
  _arb_vec_clear(v->d, (slong)S);
  arb_clear(v->J);
}

/* out (rows, cols) = x normalized row by row in ball arithmetic: x_ij / Σ_j x_ij. */
static void set_rows_normalized(arb_ptr out, const double *x, size_t rows, size_t cols, slong prec) {
  arb_t sum;
  arb_init(sum);
  for (size_t i = 0; i < rows; i++) {
    arb_zero(sum);
    for (size_t j = 0; j < cols; j++) {
      arb_set_d(out + i * cols + j, x[i * cols + j]);
      arb_add(sum, sum, out + i * cols + j, prec);
    }
    for (size_t j = 0; j < cols; j++) arb_div(out + i * cols + j, out + i * cols + j, sum, prec);
  }
  arb_clear(sum);
}

static void cinst_init(cinst *c, const mdp *m, const double *pi, const double *pi2, double alpha,
                       slong prec, double *Pd) {
  size_t S = m->S, A = m->A, K = S * A;
  c->S = S;
  c->A = A;
  c->prec = prec;
  c->P = _arb_vec_init((slong)(K * S));
  c->r = _arb_vec_init((slong)K);
  c->mu = _arb_vec_init((slong)S);
  c->pi = _arb_vec_init((slong)K);
  c->pi2 = _arb_vec_init((slong)K);
  arb_init(c->g);
  arb_init(c->alpha);
  set_rows_normalized(c->P, Pd, K, S, prec);
  for (size_t k = 0; k < K; k++) arb_set_d(c->r + k, m->r[k]);
  set_rows_normalized(c->mu, m->mu, 1, S, prec);
  set_rows_normalized(c->pi, pi, S, A, prec);
  set_rows_normalized(c->pi2, pi2, S, A, prec);
  arb_set_d(c->g, m->gamma);
  arb_set_d(c->alpha, alpha);
}

static void cinst_clear(cinst *c) {
  size_t K = c->S * c->A;
  _arb_vec_clear(c->P, (slong)(K * c->S));
  _arb_vec_clear(c->r, (slong)K);
  _arb_vec_clear(c->mu, (slong)c->S);
  _arb_vec_clear(c->pi, (slong)K);
  _arb_vec_clear(c->pi2, (slong)K);
  arb_clear(c->g);
  arb_clear(c->alpha);
}

/* V = (I − γP_p)⁻¹ r_p, Q = r + γPV, Adv = Q − V, dᵀ = (1−γ) μᵀ(I − γP_p)⁻¹, J = μᵀV.
 * Returns 0 when arb_mat_solve cannot certify I − γP_p invertible at this precision. */
static int cvals_eval(cvals *v, const cinst *c, arb_srcptr p) {
  size_t S = c->S, A = c->A;
  slong prec = c->prec, n = (slong)S;
  arb_mat_t M, Mt, b, x;
  arb_mat_init(M, n, n), arb_mat_init(Mt, n, n), arb_mat_init(b, n, 1), arb_mat_init(x, n, 1);
  arb_t t, g1;
  arb_init(t), arb_init(g1);
  arb_sub_si(g1, c->g, 1, prec);
  arb_neg(g1, g1); /* 1 − γ */
  for (size_t s = 0; s < S; s++) {
    arb_ptr rp = arb_mat_entry(b, s, 0);
    arb_zero(rp);
    for (size_t j = 0; j < S; j++) arb_zero(arb_mat_entry(M, s, j));
    for (size_t a = 0; a < A; a++) {
      arb_srcptr w = p + s * A + a;
      arb_addmul(rp, w, c->r + s * A + a, prec);
      for (size_t j = 0; j < S; j++) {
        arb_mul(t, w, c->P + (s * A + a) * S + j, prec);
        arb_submul(arb_mat_entry(M, s, j), t, c->g, prec);
      }
    }
    arb_add_si(arb_mat_entry(M, s, s), arb_mat_entry(M, s, s), 1, prec);
  }
  int ok = arb_mat_solve(x, M, b, prec);
  for (size_t s = 0; ok && s < S; s++) arb_set(v->V + s, arb_mat_entry(x, s, 0));
  arb_mat_transpose(Mt, M);
  for (size_t s = 0; s < S; s++) arb_set(arb_mat_entry(b, s, 0), c->mu + s);
  ok = ok && arb_mat_solve(x, Mt, b, prec);
  if (ok) {
    arb_zero(v->J);
    for (size_t s = 0; s < S; s++) {
      arb_mul(v->d + s, arb_mat_entry(x, s, 0), g1, prec);
      arb_addmul(v->J, c->mu + s, v->V + s, prec);
      for (size_t a = 0; a < A; a++) {
        arb_ptr q = v->Adv + s * A + a;
        arb_zero(q);
        for (size_t j = 0; j < S; j++) arb_addmul(q, c->P + (s * A + a) * S + j, v->V + j, prec);
        arb_mul(q, q, c->g, prec);
        arb_add(q, q, c->r + s * A + a, prec);
        arb_sub(q, q, v->V + s, prec);
      }
    }
  }
  arb_clear(t), arb_clear(g1);
  arb_mat_clear(M), arb_mat_clear(Mt), arb_mat_clear(b), arb_mat_clear(x);
  return ok;
}

/* TV(p_s, q_s) = ½ Σ_a |p − q| per state, into out (S). */
static void tv_states(arb_ptr out, arb_srcptr p, arb_srcptr q, size_t S, size_t A, slong prec) {
  arb_t t;
  arb_init(t);
  for (size_t s = 0; s < S; s++) {
    arb_zero(out + s);
    for (size_t a = 0; a < A; a++) {
      arb_sub(t, p + s * A + a, q + s * A + a, prec);
      arb_abs(t, t);
      arb_add(out + s, out + s, t, prec);
    }
    arb_mul_2exp_si(out + s, out + s, -1);
  }
  arb_clear(t);
}

/* KL(p_s ‖ q_s) = Σ_{a: p>0} p (log p − log q) per state; returns 0 (infinite) if some
 * q(a|s) = 0 < p(a|s). */
static int kl_states(arb_ptr out, arb_srcptr p, arb_srcptr q, size_t S, size_t A, slong prec) {
  arb_t t, u;
  arb_init(t), arb_init(u);
  int finite = 1;
  for (size_t s = 0; s < S && finite; s++) {
    arb_zero(out + s);
    for (size_t a = 0; a < A; a++) {
      arb_srcptr pa = p + s * A + a, qa = q + s * A + a;
      if (arb_is_zero(pa)) continue;
      if (arb_is_zero(qa)) {
        finite = 0;
        break;
      }
      arb_log(t, pa, prec);
      arb_log(u, qa, prec);
      arb_sub(t, t, u, prec);
      arb_addmul(out + s, pa, t, prec);
    }
  }
  arb_clear(t), arb_clear(u);
  return finite;
}

static void vec_max(arb_t out, arb_srcptr x, size_t n, slong prec) {
  arb_set(out, x);
  for (size_t i = 1; i < n; i++) arb_max(out, out, x + i, prec);
}

static void vec_dot(arb_t out, arb_srcptr x, arb_srcptr y, size_t n, slong prec) {
  arb_zero(out);
  for (size_t i = 0; i < n; i++) arb_addmul(out, x + i, y + i, prec);
}

/* e (S): e_s = Σ_a p(a|s) Adv(s,a). */
static void expected_adv(arb_ptr e, arb_srcptr p, arb_srcptr Adv, size_t S, size_t A, slong prec) {
  for (size_t s = 0; s < S; s++) vec_dot(e + s, p + s * A, Adv + s * A, A, prec);
}

static const char *supported[] = {
    "trpo.tv", "trpo.tv.tight", "trpo.kl", "trpo.kl.half", "trpo.kl.rev", "achiam.tv", "achiam.kl",
    "occupancy.tv", "occupancy.tv.avg", "cpi.kl", "cpi.kl.weak", "course.c1", "course.c2",
    "course.c3", "course.c5"};

int thy_certify_supports(const char *id) {
  for (size_t i = 0; i < sizeof supported / sizeof *supported; i++)
    if (!strcmp(id, supported[i])) return 1;
  return 0;
}

/* Everything a claim may need, computed once. */
typedef struct {
  cvals v, v2;
  arb_ptr e;    /* (S) Σ_a π' A_π per state */
  arb_ptr x;    /* (S) scratch */
  arb_t g1;     /* 1 − γ */
  arb_t eps;    /* max |A_π| */
  arb_t epsp;   /* max_s |e_s| */
  arb_t adv;    /* 𝔸 */
  arb_t L;      /* J(π) + 𝔸/(1−γ) */
} cparts;

/* Divergence D of π' from π, kinds as claims.c's divergence(): 0 max TV, 1 max KL(π‖π'),
 * 2 max KL(π'‖π), 3 d_π-average KL(π‖π'), 4 d_π-average TV, 5 d_π-average KL(π'‖π).
 * Returns 0 when a KL is infinite. */
static int divergence(arb_t D, const cinst *c, cparts *q, int kind) {
  size_t S = c->S, A = c->A;
  int fin = 1;
  if (kind == 0 || kind == 4) tv_states(q->x, c->pi, c->pi2, S, A, c->prec);
  else if (kind == 1 || kind == 3) fin = kl_states(q->x, c->pi, c->pi2, S, A, c->prec);
  else fin = kl_states(q->x, c->pi2, c->pi, S, A, c->prec);
  if (!fin) return 0;
  if (kind >= 3) vec_dot(D, q->x, q->v.d, S, c->prec);
  else vec_max(D, q->x, S, c->prec);
  return 1;
}

/* J(π') ≥ L − coef·D (or D²): items 13, 14, C1–C3; coef = num·εγ/(1−γ)². */
static int penalized(arb_t lhs, arb_t rhs, const cinst *c, cparts *q, long num, long den,
                     int kind, int square) {
  slong prec = c->prec;
  arb_t D, coef;
  arb_init(D), arb_init(coef);
  int ok = divergence(D, c, q, kind);
  if (ok) {
    arb_mul(coef, q->eps, c->g, prec);
    arb_mul_si(coef, coef, num, prec);
    arb_div_si(coef, coef, den, prec);
    arb_div(coef, coef, q->g1, prec);
    arb_div(coef, coef, q->g1, prec);
    if (square) arb_mul(D, D, D, prec);
    arb_mul(coef, coef, D, prec);
    arb_set(lhs, q->v2.J);
    arb_sub(rhs, q->L, coef, prec);
  }
  arb_clear(D), arb_clear(coef);
  return ok;
}

/* The mixture gain J((1−α)π + απ') − J(π) into dJ; 0 if a solve fails. */
static int mixture_gain(arb_t dJ, const cinst *c, cparts *q) {
  size_t K = c->S * c->A;
  slong prec = c->prec;
  arb_ptr mix = _arb_vec_init((slong)K);
  arb_t t;
  arb_init(t);
  for (size_t k = 0; k < K; k++) {
    arb_sub(t, c->pi2 + k, c->pi + k, prec);
    arb_mul(t, t, c->alpha, prec);
    arb_add(mix + k, c->pi + k, t, prec);
  }
  cvals vm;
  cvals_init(&vm, c->S, c->A);
  int ok = cvals_eval(&vm, c, mix);
  if (ok) arb_sub(dJ, vm.J, q->v.J, prec);
  cvals_clear(&vm, c->S, c->A);
  arb_clear(t);
  _arb_vec_clear(mix, (slong)K);
  return ok;
}

/* Kakade–Langford: ΔJ ≥ (α/(1−γ))𝔸 − pen, pen = (α/(1−γ))·2αγε'/(1 − γ(1−α)) (weak = 0)
 * or 2ε'γα²/(1−γ)² (weak = 1). */
static int cpi_kl(arb_t lhs, arb_t rhs, const cinst *c, cparts *q, int weak) {
  slong prec = c->prec;
  arb_t pen, t;
  arb_init(pen), arb_init(t);
  int ok = mixture_gain(lhs, c, q);
  arb_mul(pen, c->alpha, c->alpha, prec);
  arb_mul(pen, pen, c->g, prec);
  arb_mul(pen, pen, q->epsp, prec);
  arb_mul_2exp_si(pen, pen, 1);
  arb_div(pen, pen, q->g1, prec);
  if (weak) {
    arb_div(pen, pen, q->g1, prec);
  } else {
    arb_sub_si(t, c->alpha, 1, prec); /* α − 1 */
    arb_mul(t, t, c->g, prec);        /* −γ(1−α) */
    arb_add_si(t, t, 1, prec);
    arb_div(pen, pen, t, prec);
  }
  arb_mul(t, c->alpha, q->adv, prec);
  arb_div(t, t, q->g1, prec);
  arb_sub(rhs, t, pen, prec);
  arb_clear(pen), arb_clear(t);
  return ok;
}

/* C5 on the quadratic model: with x = A_π/(1−γ) (F x = g, g = d π A_π/(1−γ) the softmax
 * gradient: F's block (diag π_s − π_sπ_sᵀ) d(s) maps A_π(s,·) to d(s)π_s∘A_π(s,·) since
 * Σ_a π A_π = 0), Δ = sqrt(α/gᵀx)·x and ½ΔᵀFΔ = ½ Σ_s d(s) Var_{π_s}(Δ_s) against α. */
static int c5_quadratic(arb_t lhs, arb_t rhs, const cinst *c, cparts *q) {
  size_t S = c->S, A = c->A;
  slong prec = c->prec;
  arb_t gx, m1, m2, xa, t, quad;
  arb_init(gx), arb_init(m1), arb_init(m2), arb_init(xa), arb_init(t), arb_init(quad);
  arb_zero(gx);
  arb_zero(quad);
  for (size_t s = 0; s < S; s++) {
    arb_zero(m1), arb_zero(m2);
    for (size_t a = 0; a < A; a++) {
      arb_div(xa, q->v.Adv + s * A + a, q->g1, prec);
      arb_mul(t, c->pi + s * A + a, xa, prec);
      arb_add(m1, m1, t, prec);
      arb_addmul(m2, t, xa, prec);
    }
    arb_addmul(gx, q->v.d + s, m2, prec); /* gᵀx = Σ d E_π[x²] */
    arb_submul(m2, m1, m1, prec);         /* Var_π(x_s) */
    arb_addmul(quad, q->v.d + s, m2, prec);
  }
  int ok = arb_is_positive(gx);
  if (ok) {
    arb_div(t, c->alpha, gx, prec); /* β² */
    arb_mul(quad, quad, t, prec);
    arb_mul_2exp_si(rhs, quad, -1);
    arb_set(lhs, c->alpha);
  }
  arb_clear(gx), arb_clear(m1), arb_clear(m2), arb_clear(xa), arb_clear(t), arb_clear(quad);
  return ok;
}

/* The claim's two sides; returns 0 when it does not apply. */
static int claim_sides(arb_t lhs, arb_t rhs, const char *id, const cinst *c, cparts *q) {
  slong prec = c->prec;
  size_t S = c->S;
  if (!strcmp(id, "trpo.tv")) return penalized(lhs, rhs, c, q, 4, 1, 0, 1);
  if (!strcmp(id, "trpo.kl")) return penalized(lhs, rhs, c, q, 4, 1, 1, 0);
  if (!strcmp(id, "trpo.kl.half")) return penalized(lhs, rhs, c, q, 2, 1, 1, 0);
  if (!strcmp(id, "trpo.kl.rev")) return penalized(lhs, rhs, c, q, 4, 1, 2, 0);
  if (!strcmp(id, "course.c1")) return penalized(lhs, rhs, c, q, 2, 1, 0, 1);
  if (!strcmp(id, "course.c2")) return penalized(lhs, rhs, c, q, 2, 1, 2, 0);
  if (!strcmp(id, "course.c3")) return penalized(lhs, rhs, c, q, 4, 1, 3, 0);
  if (!strcmp(id, "course.c5")) return c5_quadratic(lhs, rhs, c, q);
  if (!strcmp(id, "cpi.kl")) return cpi_kl(lhs, rhs, c, q, 0);
  if (!strcmp(id, "cpi.kl.weak")) return cpi_kl(lhs, rhs, c, q, 1);
  arb_t a, t;
  arb_init(a), arb_init(t);
  int ok = 1;
  if (!strcmp(id, "trpo.tv.tight")) {
    /* |J(π') − L| ≤ 4α²γε/((1−γ)(1 − γ(1−α))), α = max TV */
    divergence(a, c, q, 0);
    arb_mul(lhs, a, a, prec);
    arb_mul(lhs, lhs, c->g, prec);
    arb_mul(lhs, lhs, q->eps, prec);
    arb_mul_2exp_si(lhs, lhs, 2);
    arb_div(lhs, lhs, q->g1, prec);
    arb_sub_si(t, a, 1, prec);
    arb_mul(t, t, c->g, prec);
    arb_add_si(t, t, 1, prec);
    arb_div(lhs, lhs, t, prec);
    arb_sub(rhs, q->v2.J, q->L, prec);
    arb_abs(rhs, rhs);
  } else if (!strcmp(id, "achiam.tv") || !strcmp(id, "achiam.kl")) {
    /* ΔJ ≥ 𝔸/(1−γ) − 2γε' D/(1−γ)², D avg TV or sqrt(avg KL(π'‖π)/2) */
    int kl = id[7] == 'k';
    ok = divergence(a, c, q, kl ? 5 : 4);
    if (ok && kl) {
      arb_mul_2exp_si(a, a, -1);
      arb_sqrt(a, a, prec);
    }
    arb_sub(lhs, q->v2.J, q->v.J, prec);
    arb_mul(t, c->g, q->epsp, prec);
    arb_mul(t, t, a, prec);
    arb_mul_2exp_si(t, t, 1);
    arb_div(t, t, q->g1, prec);
    arb_div(t, t, q->g1, prec);
    arb_div(rhs, q->adv, q->g1, prec);
    arb_sub(rhs, rhs, t, prec);
  } else if (!strcmp(id, "occupancy.tv") || !strcmp(id, "occupancy.tv.avg")) {
    /* ‖d_π − d_π'‖₁ ≤ 2aγ/(1−γ), a = max TV or d_π-average TV */
    divergence(a, c, q, id[12] ? 4 : 0);
    arb_mul(lhs, a, c->g, prec);
    arb_mul_2exp_si(lhs, lhs, 1);
    arb_div(lhs, lhs, q->g1, prec);
    arb_zero(rhs);
    for (size_t s = 0; s < S; s++) {
      arb_sub(t, q->v.d + s, q->v2.d + s, prec);
      arb_abs(t, t);
      arb_add(rhs, rhs, t, prec);
    }
  } else {
    ok = 0;
  }
  arb_clear(a), arb_clear(t);
  return ok;
}

static void ball_out(double *mid, double *rad, char *str, size_t len, const arb_t x) {
  *mid = arf_get_d(arb_midref(x), ARF_RND_NEAR);
  *rad = mag_get_d(arb_radref(x));
  char *s = arb_get_str(x, 20, 0);
  snprintf(str, len, "%s", s);
  flint_free(s);
}

/* One attempt at precision prec; returns -1 if a solve failed (retry with more bits). */
static int certify_at(thy_cert *out, const char *id, const mdp *m, const double *pi,
                      const double *pi2, double alpha, slong prec, double *Pd) {
  size_t S = m->S, A = m->A;
  cinst c;
  cinst_init(&c, m, pi, pi2, alpha, prec, Pd);
  cparts q;
  cvals_init(&q.v, S, A);
  cvals_init(&q.v2, S, A);
  q.e = _arb_vec_init((slong)S);
  q.x = _arb_vec_init((slong)S);
  arb_init(q.g1), arb_init(q.eps), arb_init(q.epsp), arb_init(q.adv), arb_init(q.L);
  arb_t lhs, rhs, diff;
  arb_init(lhs), arb_init(rhs), arb_init(diff);
  int rc = -1;
  if (cvals_eval(&q.v, &c, c.pi) && cvals_eval(&q.v2, &c, c.pi2)) {
    arb_sub_si(q.g1, c.g, 1, prec);
    arb_neg(q.g1, q.g1);
    arb_zero(q.eps);
    for (size_t k = 0; k < S * A; k++) {
      arb_abs(diff, q.v.Adv + k);
      arb_max(q.eps, q.eps, diff, prec);
    }
    expected_adv(q.e, c.pi2, q.v.Adv, S, A, prec);
    vec_dot(q.adv, q.v.d, q.e, S, prec);
    for (size_t s = 0; s < S; s++) arb_abs(q.x + s, q.e + s);
    vec_max(q.epsp, q.x, S, prec);
    arb_div(q.L, q.adv, q.g1, prec);
    arb_add(q.L, q.L, q.v.J, prec);
    /* the forms that need a mixture solve may still fail: then retry */
    int ok = claim_sides(lhs, rhs, id, &c, &q);
    rc = 0;
    out->applicable = ok;
    if (ok && (!arb_is_finite(lhs) || !arb_is_finite(rhs))) rc = -1;
    if (ok && rc == 0) {
      arb_sub(diff, lhs, rhs, prec);
      ball_out(&out->lhs, &out->lhs_rad, out->lhs_str, sizeof out->lhs_str, lhs);
      ball_out(&out->rhs, &out->rhs_rad, out->rhs_str, sizeof out->rhs_str, rhs);
      ball_out(&out->diff, &out->diff_rad, out->diff_str, sizeof out->diff_str, diff);
      out->verdict = arb_is_nonnegative(diff) ? 1 : arb_is_negative(diff) ? -1 : 0;
      out->prec = prec;
    }
  }
  arb_clear(lhs), arb_clear(rhs), arb_clear(diff);
  arb_clear(q.g1), arb_clear(q.eps), arb_clear(q.epsp), arb_clear(q.adv), arb_clear(q.L);
  _arb_vec_clear(q.e, (slong)S);
  _arb_vec_clear(q.x, (slong)S);
  cvals_clear(&q.v, S, A);
  cvals_clear(&q.v2, S, A);
  cinst_clear(&c);
  return rc;
}

tr_status thy_certify(thy_cert *out, const char *id, const mdp *m, const double *pi,
                      const double *pi2, double alpha) {
  memset(out, 0, sizeof *out);
  if (!thy_certify_supports(id))
    return tr_error(TR_EINVAL, "certify: claim '%s' is not one certify evaluates", id);
  if (!(alpha >= 0.0 && alpha <= 1.0))
    return tr_error(TR_EINVAL, "certify: alpha %g is outside [0, 1]", alpha);
  double *Pd = tr_malloc(m->S * m->A * m->S * sizeof *Pd);
  if (!Pd) return TR_ENOMEM;
  mdp_dense_P(m, Pd);
  int rc = -1;
  for (slong prec = 128; prec <= 1024 && rc < 0; prec *= 2)
    rc = certify_at(out, id, m, pi, pi2, alpha, prec, Pd);
  free(Pd);
  if (rc < 0) return tr_error(TR_ENUM, "certify %s: the solves could not be certified at 1024 bits", id);
  return TR_OK;
}
