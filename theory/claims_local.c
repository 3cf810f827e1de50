/* theory/claims_local.c — the claims that need no random MDP (REFERENCES.md § 2 items 7,
 * 8, 9, 15, 17 and course statements C6–C8).
 *
 * Each check draws its own small sub-instance from in->rng and reads nothing else of the
 * instance (in->m may be NULL): sizes are chosen here.  Over many instances the draws
 * cover the ordinary case and the edges: ratios at or near 1, ε at the ends of (0,1), r
 * at the clip boundary, zero advantages and rewards, near-deterministic distributions,
 * λ = 1 and γ = 1 (finite trajectories), γ = 0.999.  Every check writes the numbers of
 * its sub-instance into c->note (after the helper has filled lhs/rhs) so a
 * counterexample report can show them.
 *
 * Letters: A points of a distribution (actions), T length of a trajectory, n number of
 * samples.  Vectors are plain arrays of A (or T, T+1) doubles.
 *
 * Five evaluators (thy_local_*_eval) compute a check on given inputs instead of drawn
 * ones; tests/test_claims_local.c uses them for hand-worked cases.  They are declared
 * here and in that test until claims.h carries them. */
#include <float.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "theory/claims.h"
#include "theory/softmax.h"


#define AMAX 8  /* largest A drawn */
_Static_assert(AMAX <= THY_SIMPLEX_MAX_A, "thy_random_simplex draws at most THY_SIMPLEX_MAX_A points");
#define TMAX 24 /* longest trajectory drawn */

/* ---- draws --------------------------------------------------------------------------- */

static double unif(gsl_rng *r, double a, double b) { return a + (b - a) * gsl_rng_uniform(r); }
/* exp U(log lo, log hi): spread over decades */
static double log_unif(gsl_rng *r, double lo, double hi) {
  return exp(unif(r, log(lo), log(hi)));
}
static size_t pick(gsl_rng *r, size_t lo, size_t hi) {
  return lo + (size_t)gsl_rng_uniform_int(r, (unsigned long)(hi - lo + 1));
}
/* A signed real with a magnitude anywhere in 10^[-3, 3]. */
static double draw_real(gsl_rng *r) {
  return gsl_ran_gaussian(r, 1.0) * pow(10.0, unif(r, -3.0, 3.0));
}

/* f (A): Gaussian entries at a random scale, or (10% each) all zero, constant, one-hot. */
static void draw_values(double *f, size_t A, gsl_rng *r) {
  double u = gsl_rng_uniform(r), s = pow(10.0, unif(r, -3.0, 3.0));
  double c = gsl_ran_gaussian(r, s);
  size_t k = pick(r, 0, A - 1);
  for (size_t a = 0; a < A; a++) {
    if (u < 0.1) f[a] = 0.0;
    else if (u < 0.2) f[a] = c;
    else if (u < 0.3) f[a] = a == k ? c : 0.0;
    else f[a] = gsl_ran_gaussian(r, s);
  }
}

/* Dyadic distributions.  p_a = k_a 2^-52 with integers k_a summing to 2^52, so Σ p = 1
 * holds exactly and p_a − q_a is exact.  Pinsker is tight as q → p (binary, around ½:
 * slack ≈ TV³/3), while a KL computed from vectors whose sums are off by an ulp, or as
 * Σ p log(p/q) (log of a rounded ratio), is off by O(ulp) absolute, i.e. sqrt(KL/2) by
 * O(ulp/TV): that fakes violations at small TV (with thy_kl, KL = 0 at TV = 1e-9 was
 * seen).  Exact normalization and kl_accurate remove both errors.  Entries below 2^-52
 * are lost, which costs nothing: such a q only makes KL larger. */
#define DY_BITS 52
#define DY_ONE ((int64_t)1 << DY_BITS)

/* k (A) from w on the simplex: floors, the remainder added to the largest; full != 0
 * keeps every k_a ≥ 1 (full support). */
static void dyadic_round(int64_t *k, const double *w, size_t A, int full) {
  int64_t sum = 0;
  size_t imax = 0;
  for (size_t a = 0; a < A; a++) {
    double x = floor(w[a] * (double)DY_ONE);
    k[a] = x < 0.0 ? 0 : x > (double)DY_ONE ? DY_ONE : (int64_t)x;
    if (full && k[a] == 0) k[a] = 1;
    sum += k[a];
    if (k[a] > k[imax]) imax = a;
  }
  k[imax] += DY_ONE - sum;
}

/* Move 1–3 random amounts (1 to 2^40 units, i.e. up to 2.4e-4 of mass) between entries,
 * keeping every k_a ≥ 1: a nearby distribution, still exactly normalized. */
static void dyadic_nudge(int64_t *k, size_t A, gsl_rng *r) {
  size_t moves = pick(r, 1, 3);
  for (size_t i = 0; i < moves; i++) {
    size_t from = pick(r, 0, A - 1), to = (from + pick(r, 1, A - 1)) % A;
    int64_t m = (int64_t)log_unif(r, 1.0, 0x1p40);
    if (m > k[from] - 1) m = k[from] - 1;
    k[from] -= m;
    k[to] += m;
  }
}

/* Raise every zero k_a to 1, taking the units from the largest entry. */
static void dyadic_fill(int64_t *k, size_t A) {
  size_t imax = 0;
  for (size_t a = 1; a < A; a++)
    if (k[a] > k[imax]) imax = a;
  for (size_t a = 0; a < A; a++)
    if (k[a] == 0) k[a] = 1, k[imax]--;
}

static void dyadic_to_double(double *p, const int64_t *k, size_t A) {
  for (size_t a = 0; a < A; a++) p[a] = ldexp((double)k[a], -DY_BITS);
}

/* A pair (p, q) on A points, q of full support (p too if p_full), both dyadic.  Families:
 * independent Dirichlet draws with concentrations from 0.02 (near-deterministic) to 5;
 * q a nudge of p (ratios near 1, TV from 1e-16 to 1e-4); q = p; p a point mass (with
 * p_full: 2^-52 elsewhere); q near-deterministic against a spread p (ratios up to 2^52). */
static void draw_pair(double *p, double *q, size_t A, int p_full, gsl_rng *r) {
  static const double conc[] = {0.02, 0.2, 1.0, 5.0};
  double w[AMAX];
  int64_t kp[AMAX], kq[AMAX];
  double u = gsl_rng_uniform(r);
  if (u < 0.35) {
    thy_random_simplex(w, A, conc[pick(r, 0, 3)], r);
    dyadic_round(kp, w, A, 0);
    thy_random_simplex(w, A, conc[pick(r, 0, 3)], r);
    dyadic_round(kq, w, A, 1);
  } else if (u < 0.65) {
    thy_random_simplex(w, A, conc[pick(r, 0, 3)], r);
    dyadic_round(kp, w, A, 0);
    dyadic_round(kq, w, A, 1);
    dyadic_nudge(kq, A, r);
  } else if (u < 0.75) {
    thy_random_simplex(w, A, conc[pick(r, 0, 3)], r);
    dyadic_round(kq, w, A, 1);
    memcpy(kp, kq, A * sizeof *kp);
  } else if (u < 0.87) {
    size_t i = pick(r, 0, A - 1);
    for (size_t a = 0; a < A; a++) kp[a] = a == i ? DY_ONE : 0;
    thy_random_simplex(w, A, conc[pick(r, 0, 3)], r);
    dyadic_round(kq, w, A, 1);
  } else {
    thy_random_simplex(w, A, 5.0, r);
    dyadic_round(kp, w, A, 0);
    thy_random_simplex(w, A, 0.02, r);
    dyadic_round(kq, w, A, 1);
  }
  if (p_full) dyadic_fill(kp, A);
  dyadic_to_double(p, kp, A);
  dyadic_to_double(q, kq, A);
}

/* "(x0,x1,…)" with %.3g, at most 4 entries shown. */
static const char *fmt_vec(char *buf, size_t n, const double *x, size_t A) {
  size_t used = (size_t)snprintf(buf, n, "(");
  for (size_t a = 0; a < A && a < 4 && used < n; a++)
    used += (size_t)snprintf(buf + used, n - used, "%s%.3g", a ? "," : "", x[a]);
  if (used < n) snprintf(buf + used, n - used, "%s)", A > 4 ? ",..." : "");
  return buf;
}

/* x > 0 ? x : 1 — a scale for terms that may all vanish (then lhs = rhs = 0 exactly). */
static double pos_or_one(double x) { return x > 0.0 ? x : 1.0; }


/* ---- Pinsker: sqrt(KL(p‖q)/2) ≥ TV(p,q), and the weaker KL ≥ TV² (item 15) ----------- */

/* h(x) = (1+x) log1p(x) − x ≥ 0, by its series Σ_{k≥2} (−1)^k x^k/(k(k−1)) for |x| ≤ 0.1
 * (twenty terms: 0.1^20 is below one ulp) and directly otherwise; h(−1) = 1. */
static double kl_h(double x) {
  if (x == -1.0) return 1.0;
  if (fabs(x) > 0.1) return (1.0 + x) * log1p(x) - x;
  double acc = 0.0, xk = x * x;
  for (int k = 2; k <= 21; k++, xk *= -x) acc += xk / (double)(k * (k - 1));
  return acc;
}

/* KL(p‖q) = Σ_a p_a log(p_a/q_a) = Σ_a q_a h((p_a − q_a)/q_a) + Σ_a (p_a − q_a), q > 0.
 * The first sum has nonnegative terms each accurate to a few ulps, so there is no
 * cancellation (thy_kl's Σ p log(p/q) loses ~1e-16 absolute, which matters where
 * Pinsker is tight); the second is zero for exactly normalized p, q and corrects to
 * first order otherwise. */
static double kl_accurate(const double *p, const double *q, size_t A) {
  double acc = 0.0, drift = 0.0;
  for (size_t a = 0; a < A; a++) {
    acc += q[a] * kl_h((p[a] - q[a]) / q[a]);
    drift += p[a] - q[a];
  }
  acc += drift;
  return acc > 0.0 ? acc : 0.0;
}

/* weak = 0: lhs = sqrt(KL/2), rhs = TV; weak = 1: lhs = KL, rhs = TV².  room = lhs (the
 * bound x ≤ B with B = lhs; DBL_MIN keeps it positive at p = q, where 0 ≥ 0 is attained);
 * scale = lhs + rhs, the size of either side, so tol is relative.  q must be > 0. */
tr_status thy_local_pinsker_eval(thy_check *c, const double *p, const double *q, size_t A,
                                 int weak) {
  double kl = kl_accurate(p, q, A), tv = 0.0;
  for (size_t a = 0; a < A; a++) tv += fabs(p[a] - q[a]);
  tv *= 0.5;
  double lhs = weak ? kl : sqrt(0.5 * kl), rhs = weak ? tv * tv : tv;
  thy_check_bound(c, lhs, rhs, lhs > 0.0 ? lhs : DBL_MIN, pos_or_one(lhs + rhs));
  char bp[64], bq[64];
  snprintf(c->note, sizeof c->note, "A=%zu p=%s q=%s KL=%.6g TV=%.6g", A,
           fmt_vec(bp, sizeof bp, p, A), fmt_vec(bq, sizeof bq, q, A), kl, tv);
  return TR_OK;
}

static tr_status check_pinsker_any(thy_check *c, const thy_instance *in, int weak) {
  double p[AMAX], q[AMAX];
  size_t A = gsl_rng_uniform(in->rng) < 0.4 ? 2 : pick(in->rng, 3, AMAX);
  draw_pair(p, q, A, 0, in->rng);
  return thy_local_pinsker_eval(c, p, q, A, weak);
}
static tr_status check_pinsker(thy_check *c, const thy_instance *in) {
  return check_pinsker_any(c, in, 0);
}
static tr_status check_pinsker_weak(thy_check *c, const thy_instance *in) {
  return check_pinsker_any(c, in, 1);
}

/* ---- baseline: Σ_a π(a) ∇_θ log π(a) · b = 0 (item 7) ---------------------------------
 * One state of the tabular softmax, π = softmax(θ), ∇_θ log π(a) = e_a − π, so
 * v = Σ_a π_a (e_a − π) b = b (π − π Σ_a π_a) = 0.  lhs = ‖v‖₂ computed term by term,
 * rhs = 0, scale = |b| (1 + Σ_{a,j} |π_a (δ_aj − π_j)|): the size of the summed terms. */
static tr_status check_baseline_zero(thy_check *c, const thy_instance *in) {
  static const double spread[] = {0.1, 1.0, 4.0, 30.0}; /* 30: near-deterministic π */
  gsl_rng *r = in->rng;
  size_t A = pick(r, 2, AMAX);
  double theta[AMAX], pi[AMAX], v[AMAX] = {0};
  double sd = spread[pick(r, 0, 3)];
  for (size_t a = 0; a < A; a++) theta[a] = gsl_ran_gaussian(r, sd);
  thy_softmax(pi, theta, 1, A);
  double b = gsl_rng_uniform(r) < 0.1 ? 0.0 : draw_real(r), mass = 0.0;
  for (size_t a = 0; a < A; a++)
    for (size_t j = 0; j < A; j++) {
      double t = pi[a] * ((a == j ? 1.0 : 0.0) - pi[j]);
      v[j] += t * b;
      mass += fabs(t);
    }
  double norm = 0.0;
  for (size_t j = 0; j < A; j++) norm += v[j] * v[j];
  norm = sqrt(norm);
  thy_check_identity(c, norm, 0.0, b != 0.0 ? fabs(b) * (1.0 + mass) : 1.0);
  char bp[64];
  snprintf(c->note, sizeof c->note, "A=%zu theta_sd=%g pi=%s b=%.6g |v|=%.3g", A, sd,
           fmt_vec(bp, sizeof bp, pi, A), b, norm);
  return TR_OK;
}

/* ---- importance sampling (item 7) -----------------------------------------------------
 * w = p/q (q > 0).  Unbiased: E_q[w f] = Σ_a q_a (p_a/q_a) f_a = Σ_a p_a f_a = E_p[f];
 * scale = Σ_a p_a |f_a| (each side's terms; the products q·(p/q) are p to two ulps). */
static tr_status check_is_unbiased(thy_check *c, const thy_instance *in) {
  gsl_rng *r = in->rng;
  size_t A = pick(r, 2, AMAX);
  double p[AMAX], q[AMAX], f[AMAX];
  draw_pair(p, q, A, 0, r);
  draw_values(f, A, r);
  double lhs = 0.0, rhs = 0.0, mag = 0.0;
  for (size_t a = 0; a < A; a++) {
    lhs += q[a] * (p[a] / q[a] * f[a]);
    rhs += p[a] * f[a];
    mag += p[a] * fabs(f[a]);
  }
  thy_check_identity(c, lhs, rhs, pos_or_one(mag));
  char bp[64], bq[64], bf[64];
  snprintf(c->note, sizeof c->note, "A=%zu p=%s q=%s f=%s", A, fmt_vec(bp, sizeof bp, p, A),
           fmt_vec(bq, sizeof bq, q, A), fmt_vec(bf, sizeof bf, f, A));
  return TR_OK;
}

/* Variance: lhs from the definition, Var_q[w f] = Σ_a q_a (w_a f_a − m)² with
 * m = Σ_a q_a w_a f_a (nonnegative terms); rhs by the formula E_p[w f²] − (E_p f)².  The
 * formula cancels, so scale = E_p[w f²] + (E_p f)², the size of its two terms. */
tr_status thy_local_is_variance_eval(thy_check *c, const double *p, const double *q,
                                     const double *f, size_t A) {
  double m = 0.0, ep_f = 0.0, ep_wf2 = 0.0, var = 0.0;
  for (size_t a = 0; a < A; a++) {
    double w = p[a] / q[a];
    m += q[a] * (w * f[a]);
    ep_f += p[a] * f[a];
    ep_wf2 += p[a] * (w * f[a] * f[a]);
  }
  for (size_t a = 0; a < A; a++) {
    double dev = p[a] / q[a] * f[a] - m;
    var += q[a] * dev * dev;
  }
  thy_check_identity(c, var, ep_wf2 - ep_f * ep_f, pos_or_one(ep_wf2 + ep_f * ep_f));
  char bp[64], bq[64], bf[64];
  snprintf(c->note, sizeof c->note, "A=%zu p=%s q=%s f=%s", A, fmt_vec(bp, sizeof bp, p, A),
           fmt_vec(bq, sizeof bq, q, A), fmt_vec(bf, sizeof bf, f, A));
  return TR_OK;
}

static tr_status check_is_variance(thy_check *c, const thy_instance *in) {
  gsl_rng *r = in->rng;
  size_t A = pick(r, 2, AMAX);
  double p[AMAX], q[AMAX], f[AMAX];
  draw_pair(p, q, A, 0, r);
  draw_values(f, A, r);
  return thy_local_is_variance_eval(c, p, q, f, A);
}

/* ---- GAE (item 8; Schulman et al. 2016, § 3) ------------------------------------------
 * A trajectory of T steps: rewards r_0..r_{T−1}, values V_0..V_T (V_T the bootstrap),
 * δ_k = r_k + γ V_{k+1} − V_k.  At step t, with N = T − t steps left, the n-step advantage
 *   Â^{(n)}_t = Σ_{l<n} γ^l r_{t+l} + γ^n V_{t+n} − V_t   (n ≤ N),  Â^{(n)} = Â^{(N)} (n > N).
 * GAE: (1−λ) Σ_{n≥1} λ^{n−1} Â^{(n)}_t
 *        = (1−λ) Σ_{n=1}^{N−1} λ^{n−1} Â^{(n)}_t + λ^{N−1} Â^{(N)}_t     (the tail sums to λ^{N−1})
 *        = Σ_{l=0}^{N−1} (γλ)^l δ_{t+l};
 * at λ = 1 both equal the Monte Carlo advantage Σ_{l<N} γ^l r_{t+l} + γ^N V_T − V_t.
 * Every t is checked; the worst relative residual is reported, with
 * scale_t = Σ_{k≥t} |r_k| + Σ_{k≥t} |V_k| (the size of the summed terms; weights ≤ 1). */
typedef struct {
  size_t T;
  double gamma, lambda;
  double r[TMAX], V[TMAX + 1];
} gae_traj;

/* γ ∈ [0,1] (0, 1, 0.99, 0.999 among them: the trajectory is finite), λ ∈ [0,1] with
 * λ = 1 a quarter of the time and λ = 0 a tenth; rewards and values at random scales,
 * sometimes all zero (zero advantages). */
static void draw_traj(gae_traj *g, gsl_rng *r) {
  static const double gammas[] = {0.0, 1.0, 0.99, 0.999};
  g->T = pick(r, 1, TMAX);
  double u = gsl_rng_uniform(r);
  g->gamma = u < 0.2 ? gammas[pick(r, 0, 3)] : unif(r, 0.0, 1.0);
  u = gsl_rng_uniform(r);
  g->lambda = u < 0.25 ? 1.0 : u < 0.35 ? 0.0 : u < 0.45 ? 0.95 : unif(r, 0.0, 1.0);
  double sr = pow(10.0, unif(r, -2.0, 2.0)), sv = pow(10.0, unif(r, -2.0, 2.0));
  int zero = gsl_rng_uniform(r) < 0.1;
  for (size_t k = 0; k < g->T; k++) g->r[k] = zero ? 0.0 : gsl_ran_gaussian(r, sr);
  for (size_t k = 0; k <= g->T; k++) g->V[k] = zero ? 0.0 : gsl_ran_gaussian(r, sv);
}

static double gae_scale(const gae_traj *g, size_t t) {
  double s = fabs(g->V[g->T]);
  for (size_t k = t; k < g->T; k++) s += fabs(g->r[k]) + fabs(g->V[k]);
  return pos_or_one(s);
}

/* Â^{(n)}_t for n = 1..N into adv[n−1]. */
static void gae_nstep(double *adv, const gae_traj *g, size_t t) {
  size_t N = g->T - t;
  double G = 0.0, gl = 1.0; /* Σ_{l<n} γ^l r_{t+l}, γ^n */
  for (size_t n = 1; n <= N; n++) {
    G += gl * g->r[t + n - 1];
    gl *= g->gamma;
    adv[n - 1] = G + gl * g->V[t + n] - g->V[t];
  }
}

/* Σ_{l<N} (γλ)^l δ_{t+l}. */
static double gae_delta_sum(const gae_traj *g, size_t t) {
  double acc = 0.0, w = 1.0;
  for (size_t k = t; k < g->T; k++) {
    acc += w * (g->r[k] + g->gamma * g->V[k + 1] - g->V[k]);
    w *= g->gamma * g->lambda;
  }
  return acc;
}

static tr_status check_gae_sum(thy_check *c, const thy_instance *in) {
  gae_traj g;
  draw_traj(&g, in->rng);
  double adv[TMAX], worst = -1.0, wl = 0.0, wr = 0.0, ws = 1.0;
  size_t wt = 0;
  const char *what = "";
  for (size_t t = 0; t < g.T; t++) {
    size_t N = g.T - t;
    gae_nstep(adv, &g, t);
    double lhs = 0.0, lp = 1.0; /* λ^{n−1} */
    for (size_t n = 1; n < N; n++, lp *= g.lambda) lhs += (1.0 - g.lambda) * lp * adv[n - 1];
    lhs += lp * adv[N - 1]; /* tail weight λ^{N−1} */
    double rhs = gae_delta_sum(&g, t), s = gae_scale(&g, t);
    double cand[2][2] = {{lhs, rhs}, {adv[N - 1], rhs}}; /* adv[N−1]: Monte Carlo */
    for (int k = 0; k < (g.lambda == 1.0 ? 2 : 1); k++) {
      double res = fabs(cand[k][0] - cand[k][1]) / s;
      if (res > worst) {
        worst = res, wl = cand[k][0], wr = cand[k][1], ws = s, wt = t;
        what = k ? "MC" : "lambda-sum";
      }
    }
  }
  thy_check_identity(c, wl, wr, ws);
  snprintf(c->note, sizeof c->note, "T=%zu gamma=%.6g lambda=%.6g worst t=%zu (%s vs delta-sum)",
           g.T, g.gamma, g.lambda, wt, what);
  return TR_OK;
}

/* Course C6: "GAE = Σ_{i=1}^{T} (γλ)^i Â^{(i)}" (no (1−λ), weights (γλ)^i), read at every
 * t with the sum over the N = T − t steps left, against the true GAE Σ_l (γλ)^l δ_{t+l}.
 * Worst t reported; scale as for gae.sum. */
static tr_status check_course_c6(thy_check *c, const thy_instance *in) {
  gae_traj g;
  draw_traj(&g, in->rng);
  double adv[TMAX], worst = -1.0, wl = 0.0, wr = 0.0, ws = 1.0;
  size_t wt = 0;
  for (size_t t = 0; t < g.T; t++) {
    size_t N = g.T - t;
    gae_nstep(adv, &g, t);
    double course = 0.0, w = 1.0;
    for (size_t i = 1; i <= N; i++) {
      w *= g.gamma * g.lambda;
      course += w * adv[i - 1];
    }
    double truth = gae_delta_sum(&g, t), s = gae_scale(&g, t);
    double res = fabs(course - truth) / s;
    if (res > worst) worst = res, wl = course, wr = truth, ws = s, wt = t;
  }
  thy_check_identity(c, wl, wr, ws);
  snprintf(c->note, sizeof c->note,
           "T=%zu gamma=%.6g lambda=%.6g worst t=%zu (r_t=%.4g V_t=%.4g V_t+1=%.4g): "
           "course %.6g true %.6g",
           g.T, g.gamma, g.lambda, wt, g.r[wt], g.V[wt], g.V[wt + 1], wl, wr);
  return TR_OK;
}

/* ---- PPO's clipped objective (item 17; Schulman et al. 2017, eq. 7) --------------------
 * L(r) = min(r Â, clip(r, 1−ε, 1+ε) Â), L^CPI(r) = r Â. */
static double clip(double r, double eps) {
  return r < 1.0 - eps ? 1.0 - eps : r > 1.0 + eps ? 1.0 + eps : r;
}
static double ppo_clip_obj(double r, double adv, double eps) {
  double a = r * adv, b = clip(r, eps) * adv;
  return b < a ? b : a;
}

/* ε ∈ (0,1): typical U(0.01, 0.5), 0.2, tiny 10^U(−5,−2), near 1: 1 − 10^U(−5,−1). */
static double draw_eps(gsl_rng *r) {
  double u = gsl_rng_uniform(r);
  return u < 0.5 ? unif(r, 0.01, 0.5)
         : u < 0.65 ? 0.2
         : u < 0.8 ? log_unif(r, 1e-5, 1e-2)
                   : 1.0 - log_unif(r, 1e-5, 1e-1);
}
/* Â: 15% zero, else ±10^U(−3,3). */
static double draw_adv(gsl_rng *r) {
  return gsl_rng_uniform(r) < 0.15 ? 0.0 : draw_real(r);
}
/* r > 0: U(0,3), near 1 (1 + N(0, 10^−3)), exactly 1, exactly 1 ± ε, near 1 ± ε
 * (offsets 10^U(−7,−2) either side), tiny, large. */
static double draw_ratio(gsl_rng *r, double eps) {
  double u = gsl_rng_uniform(r), x;
  double kink = gsl_rng_uniform(r) < 0.5 ? 1.0 - eps : 1.0 + eps;
  double side = gsl_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
  if (u < 0.35) x = unif(r, 0.0, 3.0);
  else if (u < 0.5) x = 1.0 + gsl_ran_gaussian(r, 1e-3);
  else if (u < 0.6) x = 1.0;
  else if (u < 0.7) x = kink;
  else if (u < 0.85) x = kink + side * log_unif(r, 1e-7, 1e-2);
  else if (u < 0.92) x = log_unif(r, 1e-6, 1e-1);
  else x = log_unif(r, 3.0, 100.0);
  return x > 0.0 ? x : log_unif(r, 1e-6, 1e-1);
}

/* L(1) = Â = L^CPI(1): clip(1) = 1 for every ε ≥ 0, and min returns one of its arguments,
 * so the identity is exact in floating point (tol 0).  scale = |Â| (1 at Â = 0). */
static tr_status check_ppo_clip_eq1(thy_check *c, const thy_instance *in) {
  double eps = draw_eps(in->rng), adv = draw_adv(in->rng), r = 1.0;
  thy_check_identity(c, ppo_clip_obj(r, adv, eps), r * adv, pos_or_one(fabs(adv)));
  snprintf(c->note, sizeof c->note, "r=1 eps=%.17g adv=%.17g", eps, adv);
  return TR_OK;
}

/* L^CPI ≥ L^CLIP: r Â ≥ min(r Â, clip(r) Â), for either sign of Â — a min is at most each
 * argument, exactly so in floating point (tol 0).  room = |r Â| + |clip(r) Â| (≥ the slack,
 * DBL_MIN keeps it positive at Â = 0); scale likewise (1 at Â = 0). */
static tr_status check_ppo_clip_le(thy_check *c, const thy_instance *in) {
  double eps = draw_eps(in->rng), adv = draw_adv(in->rng), r = draw_ratio(in->rng, eps);
  double mag = fabs(r * adv) + fabs(clip(r, eps) * adv);
  thy_check_bound(c, r * adv, ppo_clip_obj(r, adv, eps), mag + DBL_MIN, pos_or_one(mag));
  snprintf(c->note, sizeof c->note, "r=%.17g eps=%.17g adv=%.17g", r, eps, adv);
  return TR_OK;
}

/* dL/dr = 0 when r ∉ [1−ε, 1+ε] and the clipped term is strictly the smaller
 * (r > 1+ε with Â > 0, or r < 1−ε with Â < 0); dL/dr = Â otherwise (inside the interval
 * both terms are r Â; outside with the other sign the unclipped term is the min; Â = 0
 * gives L ≡ 0).  r is kept ≥ 2e-6 from the kinks 1 ± ε and the derivative taken by a
 * central difference with h = min(dist/2, r/4), exact in real arithmetic since L is linear
 * on [r−h, r+h]; x₊ − x₋ is exact (Sterbenz: x₋ ≥ x₊/2), so the only error is the
 * rounding of x± Â: ≈ ulp·r|Â|/h.  Hence scale = |Â| (1 + r/h) (1 at Â = 0), which makes
 * the residual relative to Â: a wrong rule shows as residual ≈ 1/(1 + r/h) ≫ tol. */
static tr_status check_ppo_clip_grad(thy_check *c, const thy_instance *in) {
  gsl_rng *rng = in->rng;
  double eps = draw_eps(rng), adv = draw_adv(rng), r = draw_ratio(rng, eps);
  double lo = 1.0 - eps, hi = 1.0 + eps;
  for (int tries = 0; fabs(r - lo) < 2e-6 || fabs(r - hi) < 2e-6; tries++) {
    /* step off the kink, 2e-6 to 1e-3 away, to a side that stays > 0 */
    double kink = fabs(r - lo) < 2e-6 ? lo : hi;
    double off = log_unif(rng, 2e-6, 1e-3) * (1.0 + tries);
    r = (kink - off > 0.0 && gsl_rng_uniform(rng) < 0.5) ? kink - off : kink + off;
  }
  double dist = fmin(fabs(r - lo), fabs(r - hi));
  double h = fmin(0.5 * dist, 0.25 * r);
  double xp = r + h, xm = r - h;
  double num = (ppo_clip_obj(xp, adv, eps) - ppo_clip_obj(xm, adv, eps)) / (xp - xm);
  int outside = r < lo || r > hi;
  int clipped_smaller = clip(r, eps) * adv < r * adv;
  double pred = outside && clipped_smaller ? 0.0 : adv;
  thy_check_identity(c, num, pred, adv != 0.0 ? fabs(adv) * (1.0 + r / h) : 1.0);
  snprintf(c->note, sizeof c->note, "r=%.17g eps=%.17g adv=%.6g h=%.3g dL/dr=%.6g pred=%.6g",
           r, eps, adv, h, num, pred);
  return TR_OK;
}

/* ---- Kakade's example (item 9; Kakade 2003, thesis Example 7.4.1) ----------------------
 * States i = 0, j = 1; actions 1 → index 0, 2 → index 1.  At i: action 1 self-loops with
 * reward ½, action 2 moves to j with reward 1; at j both self-loop, rewards ½ and 0.
 * μ = δ_i, π ≡ action 1, π' ≡ action 2, π_α = (1−α)π + απ'.
 * By hand: V_π(i) = V_π(j) = 1/(2(1−γ)); A_π(i,2) = 1 + γ/(2(1−γ)) − 1/(2(1−γ)) = ½,
 * A_π(j,2) = γ/(2(1−γ)) − 1/(2(1−γ)) = −½; d_π = δ_i (π never leaves i).  So 𝔸 = ½ and
 * ε = max(½, |−½|) = ½.  With D = 1 − γ + αγ:
 *   V_α(j) = (1−α)/(2(1−γ)),  V_α(i) D = (1−α)/2 + α + αγ V_α(j),
 *   J(π_α) − J(π) = α(1 − γ − αγ) / (2(1−γ)D),
 * and the Kakade–Langford bound (α/(1−γ))(𝔸 − 2αγε/(1 − γ(1−α))) = (α/(1−γ))(½ − αγ/D)
 * = α(D − 2αγ)/(2(1−γ)D) = α(1 − γ − αγ)/(2(1−γ)D): equal for every α ∈ [0,1], γ ∈ [0,1),
 * in trbench's units (the bound is homogeneous in the reward scale).  The check computes
 * everything exactly (thy_evaluate; 𝔸 and ε from thy_policy_advantage and
 * thy_max_expected_advantage), not from this closed form.
 * lhs = J(π_α) − J(π), rhs = the bound; scale = (|J(π_α)| + |J(π)| + α|𝔸|/(1−γ) +
 * penalty)/(1−γ): the terms' size times the conditioning of I − γP_π. */
tr_status thy_local_kakade_eval(thy_check *c, double gamma, double alpha) {
  enum { S = 2, A = 2 };
  static const double P[S * A * S] = {1, 0, /* i,1 → i */ 0, 1, /* i,2 → j */
                                      0, 1, /* j,1 → j */ 0, 1 /* j,2 → j */};
  static const double R[S * A] = {0.5, 1.0, 0.5, 0.0};
  static const double MU[S] = {1.0, 0.0};
  static const double PI[S * A] = {1, 0, 1, 0}, PI2[S * A] = {0, 1, 0, 1};
  double mix[S * A];
  tr_status st = TR_OK;
  mdp *m = mdp_alloc_dense(S, A, gamma, P, R, MU);
  thy_values *v = thy_values_alloc(S, A), *vm = thy_values_alloc(S, A);
  if (!m || !v || !vm) {
    st = m ? TR_ENOMEM : TR_EINVAL;
    tr_error_prefix("kakade.example");
    goto done;
  }
  thy_policy_mix(mix, PI, PI2, alpha, S, A);
  if ((st = thy_evaluate(v, m, PI, THY_SOLVER_DENSE, NULL)) ||
      (st = thy_evaluate(vm, m, mix, THY_SOLVER_DENSE, NULL))) {
    tr_error_prefix("kakade.example");
    goto done;
  }
  double pa = thy_policy_advantage(v->d, v->Adv, PI2, S, A);
  double e = thy_max_expected_advantage(v->Adv, PI2, S, A);
  double gain = alpha * pa / (1.0 - gamma);
  double pen = alpha / (1.0 - gamma) * 2.0 * alpha * gamma * e / (1.0 - gamma * (1.0 - alpha));
  double dJ = vm->J - v->J;
  thy_check_identity(c, dJ, gain - pen,
           pos_or_one((fabs(vm->J) + fabs(v->J) + fabs(gain) + pen) / (1.0 - gamma)));
  snprintf(c->note, sizeof c->note,
           "gamma=%.17g alpha=%.17g dJ=%.10g bound=%.10g AA=%.6g eps=%.6g", gamma, alpha, dJ,
           gain - pen, pa, e);
done:
  thy_values_free(v);
  thy_values_free(vm);
  mdp_free(m);
  return st;
}

/* γ: U(0,1) mostly, 0.999 (a fifth), 0, near 1 (1 − 10^U(−4,−1)); α: U[0,1], 0, 1. */
static tr_status check_kakade_example(thy_check *c, const thy_instance *in) {
  gsl_rng *r = in->rng;
  double u = gsl_rng_uniform(r);
  double gamma = u < 0.2 ? 0.999 : u < 0.25 ? 0.0 : u < 0.4 ? 1.0 - log_unif(r, 1e-4, 1e-1)
                                                           : unif(r, 0.0, 1.0);
  u = gsl_rng_uniform(r);
  double alpha = u < 0.1 ? 0.0 : u < 0.2 ? 1.0 : unif(r, 0.0, 1.0);
  return thy_local_kakade_eval(c, gamma, alpha);
}

/* ---- course C7: self-normalized importance sampling is unbiased ------------------------
 * p and q of full support (so no tuple has Σ w = 0 and the bias found is SNIS's own).
 * n i.i.d. samples a_1..a_n ~ q, w_k = p(a_k)/q(a_k); the estimate Σ_k w_k f(a_k) / Σ_k w_k.
 * Its expectation is computed exactly by enumerating the A^n tuples (A ≤ 4, n ∈ {2,3}):
 * lhs = Σ_tuples Π_k q(a_k) · estimate, rhs = E_p[f].  The estimate is a convex
 * combination of f values, so scale = max_a |f(a)|. */
tr_status thy_local_snis_eval(thy_check *c, const double *p, const double *q, const double *f,
                              size_t A, size_t n) {
  size_t idx[3] = {0, 0, 0}, tuples = 1;
  if (n < 1 || n > 3 || A < 1 || A > AMAX)
    return tr_error(TR_EINVAL, "course.c7: n = %zu, A = %zu (need 1 <= n <= 3, A <= %d)", n,
                    A, AMAX);
  for (size_t k = 0; k < n; k++) tuples *= A;
  double lhs = 0.0, rhs = 0.0, fmax = 0.0;
  for (size_t a = 0; a < A; a++) {
    rhs += p[a] * f[a];
    if (fabs(f[a]) > fmax) fmax = fabs(f[a]);
  }
  for (size_t t = 0; t < tuples; t++) {
    size_t x = t;
    for (size_t k = 0; k < n; k++, x /= A) idx[k] = x % A;
    double prob = 1.0, num = 0.0, den = 0.0;
    for (size_t k = 0; k < n; k++) {
      double w = p[idx[k]] / q[idx[k]];
      prob *= q[idx[k]];
      num += w * f[idx[k]];
      den += w;
    }
    lhs += prob * (num / den); /* den > 0: p and q have full support */
  }
  thy_check_identity(c, lhs, rhs, pos_or_one(fmax));
  char bp[64], bq[64], bf[64];
  snprintf(c->note, sizeof c->note, "n=%zu p=%s q=%s f=%s E[snis]=%.6g E_p f=%.6g", n,
           fmt_vec(bp, sizeof bp, p, A), fmt_vec(bq, sizeof bq, q, A),
           fmt_vec(bf, sizeof bf, f, A), lhs, rhs);
  return TR_OK;
}

static tr_status check_course_c7(thy_check *c, const thy_instance *in) {
  gsl_rng *r = in->rng;
  size_t A = pick(r, 2, 4), n = pick(r, 2, 3);
  double p[AMAX], q[AMAX], f[AMAX];
  draw_pair(p, q, A, 1, r);
  draw_values(f, A, r);
  return thy_local_snis_eval(c, p, q, f, A, n);
}

/* ---- course C8: a baseline never increases the variance ----------------------------------
 * Softmax bandit π = softmax(θ) on A arms, reward f(a), score g(a) = ∇_θ log π(a) = e_a − π.
 * X = g(a) f(a) and Y = g(a)(f(a) − b), a ~ π, have the same mean (item 7).  Total variance
 * tr Cov = Σ_a π_a ‖g(a) c_a − E‖² (c = f or f − b, E the mean vector), exact sums from
 * the definition.  Read as lhs = tr Cov X ≥ rhs = tr Cov Y.  b: the mean reward E_π f
 * (a third), U(−1,1)·max|f|, or U(−5,5)·max|f| (far off); a random real when f ≡ 0.
 * room = lhs (the bound Var_b ≤ B with B = Var), or the scale when Var = 0 (f ≡ 0, where any
 * b ≠ 0 adds variance); scale = E‖X‖² + E‖Y‖². */
static double score_variance(const double *pi, const double *cv, size_t A, double *m2) {
  double mean[AMAX] = {0}, var = 0.0;
  *m2 = 0.0;
  for (size_t a = 0; a < A; a++)
    for (size_t j = 0; j < A; j++) mean[j] += pi[a] * ((a == j) - pi[j]) * cv[a];
  for (size_t a = 0; a < A; a++) {
    double d2 = 0.0, x2 = 0.0;
    for (size_t j = 0; j < A; j++) {
      double x = ((a == j) - pi[j]) * cv[a];
      d2 += (x - mean[j]) * (x - mean[j]);
      x2 += x * x;
    }
    var += pi[a] * d2;
    *m2 += pi[a] * x2;
  }
  return var;
}

tr_status thy_local_baseline_var_eval(thy_check *c, const double *pi, const double *f,
                                      double b, size_t A) {
  double fb[AMAX], m2x, m2y;
  if (A < 1 || A > AMAX) return tr_error(TR_EINVAL, "course.c8: A = %zu > %d", A, AMAX);
  for (size_t a = 0; a < A; a++) fb[a] = f[a] - b;
  double vx = score_variance(pi, f, A, &m2x), vy = score_variance(pi, fb, A, &m2y);
  double scale = pos_or_one(m2x + m2y);
  thy_check_bound(c, vx, vy, vx > 0.0 ? vx : scale, scale);
  char bp[64], bf[64];
  snprintf(c->note, sizeof c->note, "A=%zu pi=%s f=%s b=%.6g Var=%.6g Var_b=%.6g", A,
           fmt_vec(bp, sizeof bp, pi, A), fmt_vec(bf, sizeof bf, f, A), b, vx, vy);
  return TR_OK;
}

static tr_status check_course_c8(thy_check *c, const thy_instance *in) {
  static const double spread[] = {0.1, 1.0, 4.0, 30.0};
  gsl_rng *r = in->rng;
  size_t A = pick(r, 2, AMAX);
  double theta[AMAX], pi[AMAX], f[AMAX];
  for (size_t a = 0; a < A; a++) theta[a] = gsl_ran_gaussian(r, spread[pick(r, 0, 3)]);
  thy_softmax(pi, theta, 1, A);
  draw_values(f, A, r);
  double fmax = 0.0, fmean = 0.0;
  for (size_t a = 0; a < A; a++) {
    fmean += pi[a] * f[a];
    if (fabs(f[a]) > fmax) fmax = fabs(f[a]);
  }
  double u = gsl_rng_uniform(r), b;
  if (fmax == 0.0) b = draw_real(r);
  else if (u < 1.0 / 3.0) b = fmean;
  else if (u < 2.0 / 3.0) b = unif(r, -1.0, 1.0) * fmax;
  else b = unif(r, -5.0, 5.0) * fmax;
  return thy_local_baseline_var_eval(c, pi, f, b, A);
}

/* ---- the table -------------------------------------------------------------------------
 * Tolerances: 1e-12 on residuals relative to the terms' size (sums of at most a few hundred
 * terms, each accurate to a few ulps: errors ~1e-14); 0 where the comparison is exact in
 * IEEE arithmetic (the PPO min/clip statements). */
const thy_claim thy_claims_local[] = {
    {"baseline.zero", THY_IDENTITY,
     "score-function baseline (REFERENCES sec. 2 item 7): E_pi[grad log pi] = 0",
     "sum_a pi(a|s) grad_theta log pi(a|s) * b = 0 for any b; tabular softmax, "
     "grad_{theta_s} log pi(a|s) = e_a - pi_s",
     "", 1e-12, check_baseline_zero},
    {"is.unbiased", THY_IDENTITY, "importance sampling (REFERENCES sec. 2 item 7)",
     "E_q[(p/q) f] = E_p[f]", "q > 0 wherever p > 0 (q of full support)", 1e-12,
     check_is_unbiased},
    {"is.variance", THY_IDENTITY, "importance sampling (REFERENCES sec. 2 item 7)",
     "Var_q[(p/q) f] = E_p[(p/q) f^2] - (E_p f)^2 (lhs from the definition "
     "sum_a q(a)((p/q)f - m)^2)",
     "q of full support", 1e-12, check_is_variance},
    {"gae.sum", THY_IDENTITY, "GAE, Schulman et al. 2016, sec. 3 (REFERENCES sec. 2 item 8)",
     "(1-lambda) sum_{n>=1} lambda^{n-1} A^(n)_t = sum_{l>=0} (gamma lambda)^l delta_{t+l} on a "
     "finite trajectory (A^(n) = A^(T-t) past the end); lambda = 1 gives the Monte Carlo "
     "advantage",
     "gamma, lambda in [0,1]; V(s_T) is the bootstrap value", 1e-12, check_gae_sum},
    {"ppo.clip_eq1", THY_IDENTITY, "PPO, Schulman et al. 2017, sec. 3 (REFERENCES sec. 2 item 17)",
     "at r = 1, min(r A, clip(r, 1-eps, 1+eps) A) = r A (L^CLIP = L^CPI)", "eps in (0,1)", 0.0,
     check_ppo_clip_eq1},
    {"ppo.clip_grad", THY_IDENTITY, "PPO, Schulman et al. 2017, sec. 3 (REFERENCES sec. 2 item 17)",
     "d/dr min(r A, clip(r, 1-eps, 1+eps) A) = 0 if r is outside [1-eps, 1+eps] and the "
     "clipped term is strictly smaller, A otherwise",
     "r > 0 away from the kinks 1 +- eps (by >= 2e-6); eps in (0,1)", 1e-12,
     check_ppo_clip_grad},
    {"kakade.example", THY_IDENTITY,
     "Kakade 2003 (thesis), Example 7.4.1; Kakade & Langford 2002, Thm 4.1 "
     "(REFERENCES sec. 2 items 9, 10)",
     "on the two-state example, J(pi_new) - J(pi) = (alpha/(1-gamma))(AA - 2 alpha gamma eps / "
     "(1 - gamma(1-alpha))) for every alpha, gamma: the CPI bound holds with equality",
     "pi_new = (1-alpha) pi + alpha pi'; mu = delta_i", 1e-12, check_kakade_example},
    {"pinsker", THY_BOUND, "Pinsker's inequality (REFERENCES sec. 2 item 15)",
     "sqrt(KL(p||q)/2) >= TV(p,q)", "q of full support (else KL = inf)", 1e-12, check_pinsker},
    {"pinsker.weak", THY_BOUND, "Pinsker, the weaker form TRPO uses (REFERENCES sec. 2 item 15)",
     "KL(p||q) >= TV(p,q)^2", "q of full support", 1e-12, check_pinsker_weak},
    {"ppo.clip_le", THY_BOUND, "PPO, Schulman et al. 2017, sec. 3 (REFERENCES sec. 2 item 17)",
     "L^CPI >= L^CLIP per sample: r A >= min(r A, clip(r, 1-eps, 1+eps) A), either sign of A",
     "r > 0, eps in (0,1)", 0.0, check_ppo_clip_le},
    {"course.c6", THY_COURSE, "course slides, GAE (REFERENCES sec. 2 C6)",
     "GAE = sum_{i=1}^{T} (gamma lambda)^i A^(i)_t (no (1-lambda) factor); checked as an "
     "identity against sum_l (gamma lambda)^l delta_{t+l}",
     "finite trajectory, sum over the T - t steps left", 1e-12, check_course_c6},
    {"course.c7", THY_COURSE, "course slides, importance sampling (REFERENCES sec. 2 C7)",
     "self-normalized IS is unbiased: E_q[sum_k w_k f(a_k) / sum_k w_k] = E_p[f], w = p/q; "
     "checked as an identity, exact expectation over all A^n sample tuples",
     "n = 2 or 3 i.i.d. samples from q; p and q of full support", 1e-12, check_course_c7},
    {"course.c8", THY_COURSE, "course slides, policy-gradient baselines (REFERENCES sec. 2 C8)",
     "subtracting a baseline never increases the variance: tr Cov[grad log pi(a) f(a)] >= "
     "tr Cov[grad log pi(a)(f(a) - b)]; checked as a bound",
     "softmax bandit, any constant b", 1e-12, check_course_c8},
};
const size_t thy_claims_local_n = sizeof thy_claims_local / sizeof thy_claims_local[0];
