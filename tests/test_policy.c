/* tests/test_policy.c — algorithms/policy: tabular softmax, categorical MLP, Gaussian MLP.
 *
 * Letters: B batch, S states, A actions, U action dimension, K dist width, P parameters;
 * eps = DBL_EPSILON ≈ 2.2e-16.
 * Truth:
 *   - gradients (log-prob, mean KL, mean entropy): central finite differences of the
 *     values (pol_forward + pol_log_prob / pol_kl / pol_entropy);
 *   - Fisher-vector products, three ways: (a) F = (1/B) Σ_b J_bᵀ M_b J_b with J_b by finite
 *     differences of pol_forward and M_b written out; (b) the score-function definition
 *     F = (1/B) Σ_b E_{a∼π}[∇log π ∇log πᵀ], exact by summing over actions (discrete) or by
 *     3-point Gauss–Hermite quadrature per dimension (Gaussian: ∇log π is a polynomial of
 *     degree ≤ 2 in the standardized action y, so the integrand has degree ≤ 4 and the rule
 *     nodes ±√3, 0 with weights 1/6, 2/3, 1/6 is exact); (c) the Hessian at θ_old of the
 *     mean KL(π_θold ‖ π_θ), by finite differences of pol_kl_grad;
 *   - entropy, log-prob and KL: closed forms with numbers derived in the comments, GSL's
 *     Gaussian density, numerical integration (gsl_integration_qagi) of p log(p/q);
 *   - sampling: frequencies and moments against the distribution (fixed seed, 5 sd).
 * The Gaussian MLP is checked twice: with tanh hidden units (the default) and with softplus
 * (GPS's soft rectifier), so σ' of each enters the gradients and Fisher products.
 *
 * Finite differences of a value f: (f(θ+h) − f(θ−h))/2h errs by ≤ h²|f'''|/6 + ~eps|f|/h;
 * here |f| ≲ 10 and the third derivatives are O(10), so at h = 1e-5 the error is ≲ 4e-10;
 * the checks allow 1e-8 + 1e-6·|want| (25× margin; any wrong factor, sign or index gives an
 * O(1) relative error).  The KL Hessian is taken by the same differences of pol_kl_grad
 * (error h²|∂⁴KL|/6 + ~eps|∇KL|/h, the same order) with the same tolerance.  Measured worst
 * errors of all the finite-difference comparisons: ≤ 1.5e-10. */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/policy.h"
#include "core/rng.h"
#include "tests/check.h"

#define FD_H 1e-5
#define FD_ABS 1e-8
#define FD_REL 1e-6

static void fill_uniform(double *x, size_t n, gsl_rng *r, double lo, double hi) {
  for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * gsl_rng_uniform(r);
}

/* One check for a whole array: the entry that violates |got − want| ≤ abs + rel|want| the
 * most (or comes closest) is reported. */
static void close_all(const double *got, const double *want, size_t n, double abs_tol,
                      double rel_tol, const char *what) {
  size_t worst = 0;
  double wv = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double v = fabs(got[i] - want[i]) - (abs_tol + rel_tol * fabs(want[i]));
    if (!(v <= wv)) wv = v, worst = i; /* NaN counts as worst */
  }
  if (n) CHECK_CLOSE(got[worst], want[worst], abs_tol, rel_tol, what);
}

/* ---- fixtures: one policy of each kind, a batch, parameters, actions and weights ---- */
typedef struct {
  const char *name;
  pol_policy *pol;
  pol_ws *ws;
  size_t B, P, K, W;
  double *theta, *obs, *act, *w;
} fixture;

/* act: the hidden units of an MLP policy (ignored for tabular) */
static fixture make_fixture(pol_kind kind, nn_activation act, gsl_rng *r) {
  fixture f = {0};
  const size_t hid_c[] = {7, 5}, hid_g[] = {6, 5};
  size_t O;
  switch (kind) {
  case POL_TABULAR:
    f.name = "tabular", f.B = 8, O = 5;
    f.pol = pol_tabular_alloc(5, 3);
    break;
  case POL_CATEGORICAL:
    f.name = "categorical", f.B = 7, O = 4;
    f.pol = pol_categorical_alloc(4, 2, hid_c, 3);
    break;
  default:
    f.name = act == NN_SOFTPLUS ? "gaussian-softplus" : "gaussian", f.B = 7, O = 4;
    f.pol = pol_gaussian_alloc(4, 2, hid_g, 2);
    break;
  }
  if (f.pol->net) nn_mlp_set_activation(f.pol->net, act);
  f.P = pol_n_params(f.pol), f.K = pol_dist_width(f.pol), f.W = pol_act_width(f.pol);
  f.ws = pol_ws_alloc(f.pol, 16);
  f.theta = malloc(f.P * sizeof *f.theta);
  f.obs = calloc(f.B * O, sizeof *f.obs);
  f.act = malloc(f.B * f.W * sizeof *f.act);
  f.w = malloc(f.B * sizeof *f.w);
  if (kind == POL_TABULAR) {
    /* states with repeats and one state (1) never visited */
    const size_t st[8] = {0, 3, 2, 3, 4, 2, 0, 3};
    for (size_t b = 0; b < f.B; b++) f.obs[b * O + st[b]] = 1.0;
    fill_uniform(f.theta, f.P, r, -1.2, 1.3);
  } else {
    fill_uniform(f.obs, f.B * O, r, -1.5, 1.4);
    /* orthogonal init with output gain 1 (logits far from uniform), then perturbed so that
     * biases are nonzero */
    pol_init(f.pol, f.theta, 1.0, r);
    for (size_t j = 0; j < f.P; j++) f.theta[j] += 0.3 * (2 * gsl_rng_uniform(r) - 1);
    if (kind == POL_GAUSSIAN) f.theta[f.P - 2] = -0.3137, f.theta[f.P - 1] = 0.4219;
  }
  double *dist = malloc(f.B * f.K * sizeof *dist);
  pol_forward(f.pol, f.theta, f.obs, f.B, f.ws, dist);
  pol_sample(f.pol, dist, f.B, r, f.act);
  fill_uniform(f.w, f.B, r, -1.3, 1.7);
  free(dist);
  return f;
}

static void free_fixture(fixture *f) {
  pol_ws_free(f->ws);
  pol_free(f->pol);
  free(f->theta), free(f->obs), free(f->act), free(f->w);
}

/* The scalar functions whose gradients are checked, at parameters th. */
enum { F_LOGP, F_KL, F_ENT };
static double value(fixture *f, int which, const double *th, const double *dist_old) {
  double *dist = malloc(f->B * f->K * sizeof *dist), *v = malloc(f->B * sizeof *v);
  pol_forward(f->pol, th, f->obs, f->B, f->ws, dist);
  double s = 0.0;
  if (which == F_LOGP) {
    pol_log_prob(f->pol, dist, f->act, f->B, v);
    for (size_t b = 0; b < f->B; b++) s += f->w[b] * v[b];
  } else {
    if (which == F_KL) pol_kl(f->pol, dist_old, dist, f->B, v);
    else pol_entropy(f->pol, dist, f->B, v);
    for (size_t b = 0; b < f->B; b++) s += v[b] / (double)f->B;
  }
  free(dist), free(v);
  return s;
}

static void test_gradients(fixture *f, gsl_rng *r) {
  const size_t P = f->P;
  double *g = malloc(P * sizeof *g), *g0 = malloc(P * sizeof *g0), *fd = malloc(P * sizeof *fd);
  double *th = malloc(P * sizeof *th), *th_old = malloc(P * sizeof *th_old);
  double *dist_old = malloc(f->B * f->K * sizeof *dist_old);
  char what[96];
  /* θ_old: θ moved by up to 0.25 per coordinate (a KL of order 0.1) */
  for (size_t j = 0; j < P; j++) th_old[j] = f->theta[j] + 0.25 * (2 * gsl_rng_uniform(r) - 1);
  pol_forward(f->pol, th_old, f->obs, f->B, f->ws, dist_old);
  fill_uniform(g0, P, r, -0.4, 0.6);

  for (int which = F_LOGP; which <= F_ENT; which++) {
    memcpy(th, f->theta, P * sizeof *th);
    for (size_t j = 0; j < P; j++) {
      th[j] = f->theta[j] + FD_H;
      double fp = value(f, which, th, dist_old);
      th[j] = f->theta[j] - FD_H;
      double fm = value(f, which, th, dist_old);
      th[j] = f->theta[j];
      fd[j] = (fp - fm) / (2 * FD_H);
    }
    memcpy(g, g0, P * sizeof *g); /* the gradient functions ADD */
    CHECK(pol_forward(f->pol, f->theta, f->obs, f->B, f->ws, NULL) == TR_OK, "forward");
    tr_status st = which == F_LOGP ? pol_log_prob_grad(f->pol, f->theta, f->ws, f->act, f->w,
                                                       f->B, g)
                   : which == F_KL ? pol_kl_grad(f->pol, f->theta, f->ws, dist_old, f->B, g)
                                   : pol_entropy_grad(f->pol, f->theta, f->ws, f->B, g);
    CHECK(st == TR_OK, "%s", tr_error_msg());
    for (size_t j = 0; j < P; j++) g[j] -= g0[j];
    snprintf(what, sizeof what, "%s: ∇ of %s vs finite differences", f->name,
             which == F_LOGP ? "Σ w log π" : which == F_KL ? "mean KL(old‖new)" : "mean H");
    close_all(g, fd, P, FD_ABS, FD_REL, what);
  }
  /* w = NULL means all weights 1 */
  double *ones = malloc(f->B * sizeof *ones);
  for (size_t b = 0; b < f->B; b++) ones[b] = 1.0;
  nn_zero(g, P), nn_zero(fd, P);
  pol_forward(f->pol, f->theta, f->obs, f->B, f->ws, NULL);
  pol_log_prob_grad(f->pol, f->theta, f->ws, f->act, NULL, f->B, g);
  pol_log_prob_grad(f->pol, f->theta, f->ws, f->act, ones, f->B, fd);
  CHECK(memcmp(g, fd, P * sizeof *g) == 0, "%s: w = NULL differs from w = 1", f->name);
  free(ones);
  free(g), free(g0), free(fd), free(th), free(th_old), free(dist_old);
}

/* M_b (K, K): the Fisher of the distribution in its own parameters, from the definition. */
static void dist_fisher(const pol_policy *pol, const double *z, double *M) {
  const size_t K = pol->K;
  memset(M, 0, K * K * sizeof *M);
  if (pol->kind == POL_GAUSSIAN) {
    for (size_t u = 0; u < pol->U; u++) {
      M[u * K + u] = exp(-2 * z[pol->U + u]);
      M[(pol->U + u) * K + pol->U + u] = 2.0;
    }
    return;
  }
  double p[16], Z = 0.0;
  for (size_t a = 0; a < K; a++) Z += (p[a] = exp(z[a]));
  for (size_t a = 0; a < K; a++) p[a] /= Z;
  for (size_t a = 0; a < K; a++)
    for (size_t c = 0; c < K; c++) M[a * K + c] = (a == c ? p[a] : 0.0) - p[a] * p[c];
}

static void test_fisher(fixture *f, gsl_rng *r) {
  const size_t P = f->P, B = f->B, K = f->K, W = f->W;
  pol_policy *pol = f->pol;
  char what[96];
  double *Fc = malloc(P * P * sizeof *Fc), *Fr = calloc(P * P, sizeof *Fr);
  double *e = calloc(P, sizeof *e), *col = malloc(P * sizeof *col);
  double *J = malloc(B * K * P * sizeof *J), *dp = malloc(B * K * sizeof *dp);
  double *dm = malloc(B * K * sizeof *dm), *th = malloc(P * sizeof *th);
  double *M = malloc(K * K * sizeof *M), *dist = malloc(B * K * sizeof *dist);

  /* the explicit Fisher, column by column: F e_j */
  CHECK(pol_forward(pol, f->theta, f->obs, B, f->ws, dist) == TR_OK, "forward");
  for (size_t j = 0; j < P; j++) {
    e[j] = 1.0;
    CHECK(pol_fvp(pol, f->theta, f->ws, e, B, 0.0, col) == TR_OK, "fvp: %s", tr_error_msg());
    e[j] = 0.0;
    for (size_t i = 0; i < P; i++) Fc[i * P + j] = col[i];
  }
  double Fmax = 0.0, asym = 0.0;
  for (size_t i = 0; i < P * P; i++) Fmax = Fmax > fabs(Fc[i]) ? Fmax : fabs(Fc[i]);
  for (size_t i = 0; i < P; i++)
    for (size_t j = 0; j < i; j++) asym = fmax(asym, fabs(Fc[i * P + j] - Fc[j * P + i]));
  CHECK(asym <= 1e-14 * Fmax, "%s: F not symmetric (%.3g of max %.3g)", f->name, asym, Fmax);

  /* (a) (1/B) Σ J_bᵀ M_b J_b with J by central differences of dist (B, K) */
  memcpy(th, f->theta, P * sizeof *th);
  for (size_t j = 0; j < P; j++) {
    th[j] = f->theta[j] + FD_H;
    pol_forward(pol, th, f->obs, B, f->ws, dp);
    th[j] = f->theta[j] - FD_H;
    pol_forward(pol, th, f->obs, B, f->ws, dm);
    th[j] = f->theta[j];
    for (size_t i = 0; i < B * K; i++) J[i * P + j] = (dp[i] - dm[i]) / (2 * FD_H);
  }
  for (size_t b = 0; b < B; b++) {
    dist_fisher(pol, dist + b * K, M);
    const double *Jb = J + b * K * P; /* (K, P) */
    for (size_t i = 0; i < P; i++)
      for (size_t j = 0; j < P; j++) {
        double s = 0.0;
        for (size_t k = 0; k < K; k++)
          for (size_t l = 0; l < K; l++) s += Jb[k * P + i] * M[k * K + l] * Jb[l * P + j];
        Fr[i * P + j] += s / (double)B;
      }
  }
  snprintf(what, sizeof what, "%s: F vs (1/B)Σ JᵀMJ with J by differences", f->name);
  close_all(Fc, Fr, P * P, FD_ABS, FD_REL, what);

  /* (b) the score-function Fisher (1/B) Σ_b E_a[g gᵀ], g = ∇ log π(a|s_b): pol_log_prob_grad
   * with weight 1 on row b only.  Discrete: Σ_a π(a|s_b)(·).  Gaussian: a = μ + σ ⊙ y over
   * the 3^U Gauss–Hermite nodes y ∈ {−√3, 0, √3}^U, weights Π (1/6, 2/3, 1/6). */
  memset(Fr, 0, P * P * sizeof *Fr);
  double *wb = calloc(B, sizeof *wb), *act = malloc(B * W * sizeof *act);
  memcpy(act, f->act, B * W * sizeof *act);
  const double node[3] = {-sqrt(3.0), 0.0, sqrt(3.0)}, wq[3] = {1.0 / 6, 2.0 / 3, 1.0 / 6};
  size_t n_nodes = 1;
  if (pol->kind == POL_GAUSSIAN)
    for (size_t u = 0; u < pol->U; u++) n_nodes *= 3;
  else
    n_nodes = pol->A;
  pol_forward(pol, f->theta, f->obs, B, f->ws, NULL);
  for (size_t b = 0; b < B; b++) {
    wb[b] = 1.0;
    const double *z = dist + b * K;
    double lse = 0.0;
    if (pol->kind != POL_GAUSSIAN) {
      for (size_t a = 0; a < pol->A; a++) lse += exp(z[a]);
      lse = log(lse);
    }
    for (size_t q = 0; q < n_nodes; q++) {
      double mass;
      if (pol->kind != POL_GAUSSIAN) {
        act[b] = (double)q;
        mass = exp(z[q] - lse);
      } else {
        mass = 1.0;
        for (size_t u = 0, qq = q; u < pol->U; u++, qq /= 3) {
          act[b * W + u] = z[u] + exp(z[pol->U + u]) * node[qq % 3];
          mass *= wq[qq % 3];
        }
      }
      nn_zero(col, P);
      CHECK(pol_log_prob_grad(pol, f->theta, f->ws, act, wb, B, col) == TR_OK, "score");
      for (size_t i = 0; i < P; i++)
        for (size_t j = 0; j < P; j++) Fr[i * P + j] += mass * col[i] * col[j] / (double)B;
    }
    wb[b] = 0.0;
  }
  snprintf(what, sizeof what, "%s: F vs E[∇log π ∇log πᵀ] (exact sum/quadrature)", f->name);
  close_all(Fc, Fr, P * P, 1e-13 * Fmax, 1e-12, what);
  free(wb), free(act);

  /* (c) the Hessian of the mean KL(π_θ0 ‖ π_θ) at θ = θ0 by differences of pol_kl_grad */
  double *gp = malloc(P * sizeof *gp), *gm = malloc(P * sizeof *gm);
  for (size_t j = 0; j < P; j++) {
    th[j] = f->theta[j] + FD_H;
    nn_zero(gp, P);
    pol_forward(pol, th, f->obs, B, f->ws, NULL);
    pol_kl_grad(pol, th, f->ws, dist, B, gp);
    th[j] = f->theta[j] - FD_H;
    nn_zero(gm, P);
    pol_forward(pol, th, f->obs, B, f->ws, NULL);
    pol_kl_grad(pol, th, f->ws, dist, B, gm);
    th[j] = f->theta[j];
    for (size_t i = 0; i < P; i++) Fr[i * P + j] = (gp[i] - gm[i]) / (2 * FD_H);
  }
  snprintf(what, sizeof what, "%s: F vs Hessian of mean KL at θ_old by differences", f->name);
  close_all(Fc, Fr, P * P, FD_ABS, FD_REL, what);
  free(gp), free(gm);

  /* a general v: Fv = Σ_j F e_j v_j; damping adds λv; vᵀFv ≥ 0 */
  double *v = malloc(P * sizeof *v), *Fv = malloc(P * sizeof *Fv), *want = malloc(P * sizeof *want);
  fill_uniform(v, P, r, -1.0, 1.0);
  pol_forward(pol, f->theta, f->obs, B, f->ws, NULL);
  pol_fvp(pol, f->theta, f->ws, v, B, 0.1, Fv);
  double vFv = 0.0;
  for (size_t i = 0; i < P; i++) {
    double s = 0.0;
    for (size_t j = 0; j < P; j++) s += Fc[i * P + j] * v[j];
    want[i] = s + 0.1 * v[i];
    vFv += v[i] * s;
  }
  snprintf(what, sizeof what, "%s: (F + 0.1 I) v", f->name);
  close_all(Fv, want, P, 1e-13 * Fmax * P, 1e-12, what);
  CHECK(vFv >= 0.0, "%s: vᵀFv = %g < 0", f->name, vFv);

  /* the null direction of a softmax: adding the same constant to every logit of a state
   * changes nothing, so F maps it to 0.  Tabular: v = 1 on row θ_s; MLP: v = 1 on every
   * output bias. */
  if (pol->kind != POL_GAUSSIAN) {
    nn_zero(v, P);
    if (pol->kind == POL_TABULAR)
      for (size_t a = 0; a < pol->A; a++) v[3 * pol->A + a] = 1.0;
    else
      for (size_t a = 0; a < pol->A; a++) v[pol->net->off_b[pol->net->L - 1] + a] = 1.0;
    pol_fvp(pol, f->theta, f->ws, v, B, 0.0, Fv);
    nn_zero(want, P);
    snprintf(what, sizeof what, "%s: F · (shift of all logits) = 0", f->name);
    close_all(Fv, want, P, 1e-15 * Fmax, 0.0, what);
  }

  /* tabular: F is block diagonal, F = Σ_s d̂(s)(diag π_s − π_s π_sᵀ) with d̂ the batch's
   * state frequencies (theory/softmax.h's Fisher with d = d̂) */
  if (pol->kind == POL_TABULAR) {
    const size_t A = pol->A, S = pol->O;
    memset(Fr, 0, P * P * sizeof *Fr);
    for (size_t b = 0; b < B; b++) {
      size_t s = 0;
      while (f->obs[b * S + s] == 0.0) s++;
      dist_fisher(pol, f->theta + s * A, M);
      for (size_t a = 0; a < A; a++)
        for (size_t c = 0; c < A; c++) Fr[(s * A + a) * P + s * A + c] += M[a * A + c] / (double)B;
    }
    close_all(Fc, Fr, P * P, 1e-16, 1e-14, "tabular: F = Σ_s d̂(s)(diag π_s − π_sπ_sᵀ)");
  }
  free(v), free(Fv), free(want);
  free(Fc), free(Fr), free(e), free(col), free(J), free(dp), free(dm), free(th), free(M);
  free(dist);
}

/* ---- closed forms -------------------------------------------------------------------- */

typedef struct {
  double mu, sd, mu2, sd2;
} gauss_pair;
/* p(x) log(p(x)/q(x)) for p = N(mu, sd²), q = N(mu2, sd2²) */
static double kl_integrand(double x, void *par) {
  const gauss_pair *g = par;
  double p = gsl_ran_gaussian_pdf(x - g->mu, g->sd);
  if (p == 0.0) return 0.0;
  return p * (log(p) - log(gsl_ran_gaussian_pdf(x - g->mu2, g->sd2)));
}

static void test_closed_forms(void) {
  const size_t hid[] = {3};
  pol_policy *cat = pol_categorical_alloc(2, 1, hid, 3);
  pol_policy *gau = pol_gaussian_alloc(2, 1, hid, 2);
  double ent[2], kl[2], lp[2];

  /* Categorical p = (0.1, 0.2, 0.7) as logits log p + 3.17 (a shift changes nothing):
   *   H = −(0.1 ln 0.1 + 0.2 ln 0.2 + 0.7 ln 0.7) = 0.8018185525433373;
   * q = (0.3, 0.3, 0.4) as logits log q − 41.3:
   *   KL(p‖q) = 0.1 ln(1/3) + 0.2 ln(2/3) + 0.7 ln(7/4) = 0.20077680106635193,
   *   KL(q‖p) = 0.3 ln 3 + 0.3 ln(3/2) + 0.4 ln(4/7) = 0.22737690385871306 (the order matters).
   * A uniform row (all logits 0.9137): H = ln 3. */
  double zp[6] = {log(0.1) + 3.17, log(0.2) + 3.17, log(0.7) + 3.17, 0.9137, 0.9137, 0.9137};
  double zq[6] = {log(0.3) - 41.3, log(0.3) - 41.3, log(0.4) - 41.3, 0.9137, 0.9137, 0.9137};
  pol_entropy(cat, zp, 2, ent);
  CHECK_CLOSE(ent[0], 0.8018185525433373, 1e-15, 1e-14, "categorical entropy");
  CHECK_CLOSE(ent[1], log(3.0), 1e-15, 1e-14, "uniform entropy = ln 3");
  pol_kl(cat, zp, zq, 1, kl);
  CHECK_CLOSE(kl[0], 0.20077680106635193, 1e-15, 1e-13, "KL(p‖q) categorical");
  pol_kl(cat, zq, zp, 1, kl);
  CHECK_CLOSE(kl[0], 0.22737690385871306, 1e-15, 1e-13, "KL(q‖p) categorical");
  pol_kl(cat, zp, zp, 2, kl);
  CHECK(kl[0] == 0.0 && kl[1] == 0.0, "KL(p‖p) = %g, %g", kl[0], kl[1]);
  double a2[2] = {2.0, 1.0};
  CHECK(pol_log_prob(cat, zp, a2, 2, lp) == TR_OK, "log_prob");
  CHECK_CLOSE(lp[0], log(0.7), 1e-15, 1e-14, "log π(2) = ln 0.7");
  CHECK_CLOSE(lp[1], -log(3.0), 1e-15, 1e-14, "log π(1) = −ln 3 (uniform)");
  pol_mode(cat, zp, 2, a2);
  CHECK(a2[0] == 2.0 && a2[1] == 0.0, "mode %g %g (ties: lowest index)", a2[0], a2[1]);

  /* Diagonal Gaussian, U = 2, one row of (μ, ℓ).  Entropy Σ ℓ + (U/2)(1 + ln 2π):
   *   ℓ = (−0.3137, 0.4219): 0.1082 + 1 + ln 2π = 2.9460770664093454.
   * KL(old‖new) = Σ_u [ℓ'−ℓ + (σ² + (μ−μ')²)/(2σ'²) − ½] with old μ = (0.3, −1.2),
   * ℓ = (0.2, −0.4), new μ' = (−0.5, 0.9137), ℓ' = (0.7, 0.1):
   *   u=1: 0.5 + (e^0.4 + 0.64)/(2e^1.4) − 0.5 = 2.1318247/8.1104400 = 0.26285074904704
   *   u=2: 0.5 + (e^−0.8 + 2.1137²)/(2e^0.2) − 0.5 = 4.9170570/2.4428055 = 2.01287274867625
   *   total 2.275723497723282.
   * Equal means, σ = 1 → σ' = 2: KL = ln 2 + 1/8 − 1/2 = 0.3181471805599453; the other
   * order ln(1/2) + 4/2 − 1/2 = 0.8068528194400546. */
  double g_old[4] = {0.3, -1.2, 0.2, -0.4}, g_new[4] = {-0.5, 0.9137, 0.7, 0.1};
  double g_e[4] = {0.9137, -0.7, -0.3137, 0.4219};
  pol_entropy(gau, g_e, 1, ent);
  CHECK_CLOSE(ent[0], 2.9460770664093454, 1e-15, 1e-14, "Gaussian entropy");
  pol_kl(gau, g_old, g_new, 1, kl);
  CHECK_CLOSE(kl[0], 2.275723497723282, 1e-15, 1e-13, "Gaussian KL written out");
  /* the same by quadrature: KL of the product = Σ_u ∫ p_u log(p_u/q_u) */
  gsl_integration_workspace *iw = gsl_integration_workspace_alloc(200);
  double total = 0.0;
  for (int u = 0; u < 2; u++) {
    gauss_pair gp = {g_old[u], exp(g_old[2 + u]), g_new[u], exp(g_new[2 + u])};
    gsl_function F = {kl_integrand, &gp};
    double res, err;
    int st = gsl_integration_qagi(&F, 1e-13, 1e-12, 200, iw, &res, &err);
    CHECK(st == GSL_SUCCESS, "qagi: %s", gsl_strerror(st));
    total += res;
  }
  CHECK_CLOSE(kl[0], total, 1e-10, 1e-10, "Gaussian KL vs ∫ p log(p/q)");
  gsl_integration_workspace_free(iw);
  double s1[4] = {0.9137, 0.9137, 0.0, 0.0}, s2[4] = {0.9137, 0.9137, log(2.0), log(2.0)};
  pol_kl(gau, s1, s2, 1, kl);
  CHECK_CLOSE(kl[0], 2 * 0.3181471805599453, 1e-15, 1e-13, "KL(N(0,1)‖N(0,4)) per dim");
  pol_kl(gau, s2, s1, 1, kl);
  CHECK_CLOSE(kl[0], 2 * 0.8068528194400546, 1e-15, 1e-13, "KL(N(0,4)‖N(0,1)) per dim");
  pol_kl(gau, g_old, g_old, 1, kl);
  CHECK(kl[0] == 0.0, "Gaussian KL(p‖p) = %g", kl[0]);
  /* Regression (small steps): with d = ℓ − ℓ' tiny, KL = −d + ½(e^{2d} − 1) = d² + (2/3)d³
   * + O(d⁴).  Written as ½(e^{2d} − 1) − d in plain exp, the 1e-12 result would carry an
   * error of ~eps/1e-12 ≈ 2e-4 relative; with expm1 it is ~1e-10. */
  double t1[4] = {0.0, 0.0, 0.25, 0.25}, t2[4] = {0.0, 0.0, 0.25 + 1e-6, 0.25};
  double d = t1[2] - t2[2];
  pol_kl(gau, t1, t2, 1, kl);
  CHECK_CLOSE(kl[0], d * d + 2.0 / 3.0 * d * d * d, 0.0, 1e-9, "small-step Gaussian KL");
  /* log-density against GSL's: Σ_u log N(a_u; μ_u, σ_u²) */
  double ga[2] = {1.7, -2.2};
  pol_log_prob(gau, g_old, ga, 1, lp);
  double want = log(gsl_ran_gaussian_pdf(1.7 - 0.3, exp(0.2))) +
                log(gsl_ran_gaussian_pdf(-2.2 + 1.2, exp(-0.4)));
  CHECK_CLOSE(lp[0], want, 1e-15, 1e-14, "Gaussian log π vs gsl_ran_gaussian_pdf");
  pol_mode(gau, g_old, 1, ga);
  CHECK(ga[0] == 0.3 && ga[1] == -1.2, "Gaussian mode = μ");
  pol_free(cat);
  pol_free(gau);
}

/* ---- sampling ----------------------------------------------------------------------- */
static void test_sampling(void) {
  const size_t hid[] = {3}, N = 100000;
  pol_policy *cat = pol_categorical_alloc(2, 1, hid, 4);
  pol_policy *gau = pol_gaussian_alloc(2, 1, hid, 2);
  gsl_rng *r = tr_rng_alloc(4242);
  double *dist = malloc(N * 4 * sizeof *dist), *act = malloc(N * 2 * sizeof *act);
  double *lp = malloc(N * sizeof *lp);

  /* Categorical p = (0.0913, 0.2, 0.5087, 0.2): each frequency has sd √(p(1−p)/N) ≤ 0.0016;
   * allow 5 sd.  −mean log π(a) estimates H with sd √(Var log π / N); allow 5 sd. */
  const double p[4] = {0.0913, 0.2, 0.5087, 0.2};
  for (size_t b = 0; b < N; b++)
    for (int a = 0; a < 4; a++) dist[b * 4 + a] = log(p[a]) + 0.37;
  pol_sample(cat, dist, N, r, act);
  size_t cnt[4] = {0};
  int valid = 1;
  for (size_t b = 0; b < N; b++) {
    valid &= act[b] == floor(act[b]) && act[b] >= 0 && act[b] < 4;
    if (act[b] >= 0 && act[b] < 4) cnt[(int)act[b]]++;
  }
  CHECK(valid, "a sampled action is not an index");
  for (int a = 0; a < 4; a++)
    CHECK_CLOSE(cnt[a] / (double)N, p[a], 5 * sqrt(p[a] * (1 - p[a]) / N), 0.0,
                "categorical frequency");
  double H = 0.0, E2 = 0.0, mlp = 0.0, ent;
  for (int a = 0; a < 4; a++) H -= p[a] * log(p[a]), E2 += p[a] * log(p[a]) * log(p[a]);
  pol_log_prob(cat, dist, act, N, lp);
  for (size_t b = 0; b < N; b++) mlp -= lp[b] / N;
  pol_entropy(cat, dist, 1, &ent);
  CHECK_CLOSE(ent, H, 1e-15, 1e-14, "categorical entropy closed form");
  CHECK_CLOSE(mlp, ent, 5 * sqrt((E2 - H * H) / N), 0.0, "categorical H = −E log π (sampled)");

  /* determinism: the same seed gives the same actions */
  double *again = malloc(N * 2 * sizeof *again);
  gsl_rng_set(r, 5);
  pol_sample(cat, dist, 1000, r, act);
  gsl_rng_set(r, 5);
  pol_sample(cat, dist, 1000, r, again);
  CHECK(memcmp(act, again, 1000 * sizeof *act) == 0, "sampling not reproducible");

  /* Gaussian μ = (0.9137, −2.1), ℓ = (−0.6931, 0.4055) (σ ≈ 0.5, 1.5): the sample mean
   * has sd σ/√N, the sample variance over σ² sd √(2/N) = 0.45%, the correlation sd 1/√N;
   * allow 5 sd.  −log π = ½|y|² + Σℓ + ln 2π has variance U/2 = 1: −mean log π = H ± 5/√N. */
  const double mu[2] = {0.9137, -2.1}, ell[2] = {-0.6931, 0.4055};
  for (size_t b = 0; b < N; b++)
    for (int u = 0; u < 2; u++) dist[b * 4 + u] = mu[u], dist[b * 4 + 2 + u] = ell[u];
  gsl_rng_set(r, 6);
  pol_sample(gau, dist, N, r, act);
  double m[2] = {0, 0}, v[2] = {0, 0}, cov = 0.0;
  for (size_t b = 0; b < N; b++)
    for (int u = 0; u < 2; u++) m[u] += act[b * 2 + u] / N;
  for (size_t b = 0; b < N; b++) {
    for (int u = 0; u < 2; u++) v[u] += pow(act[b * 2 + u] - m[u], 2) / (N - 1);
    cov += (act[b * 2] - m[0]) * (act[b * 2 + 1] - m[1]) / (N - 1);
  }
  for (int u = 0; u < 2; u++) {
    double s = exp(ell[u]);
    CHECK_CLOSE(m[u], mu[u], 5 * s / sqrt(N), 0.0, "Gaussian sample mean");
    CHECK_CLOSE(v[u] / (s * s), 1.0, 5 * sqrt(2.0 / N), 0.0, "Gaussian sample variance / σ²");
  }
  CHECK_CLOSE(cov / sqrt(v[0] * v[1]), 0.0, 5 / sqrt(N), 0.0, "Gaussian dims uncorrelated");
  pol_log_prob(gau, dist, act, N, lp);
  mlp = 0.0;
  for (size_t b = 0; b < N; b++) mlp -= lp[b] / N;
  pol_entropy(gau, dist, 1, &ent);
  CHECK_CLOSE(mlp, ent, 5 / sqrt(N), 0.0, "Gaussian H = −E log π (sampled)");

  free(dist), free(act), free(lp), free(again);
  gsl_rng_free(r);
  pol_free(cat);
  pol_free(gau);
}

/* ---- shapes, layouts, errors --------------------------------------------------------- */
static void test_shapes_and_errors(void) {
  const size_t hid[] = {64, 64};
  /* The PPO Hopper policy: 11 → 64 → 64 → 3, + 3 log-stds:
   *   P = 64·12 + 64·65 + 3·65 + 3 = 768 + 4160 + 195 + 3 = 5126. */
  pol_policy *g = pol_gaussian_alloc(11, 2, hid, 3);
  CHECK(g && pol_n_params(g) == 5126 && pol_dist_width(g) == 6 && pol_act_width(g) == 3,
        "Hopper policy shape");
  gsl_rng *r = tr_rng_alloc(1);
  double *th = malloc(5126 * sizeof *th);
  for (size_t j = 0; j < 5126; j++) th[j] = 0.9137;
  pol_init(g, th, 0.01, r);
  CHECK(th[5123] == 0.0 && th[5124] == 0.0 && th[5125] == 0.0, "log-stds initialised at 0");
  double wmax = 0.0; /* output layer: W W ᵀ = 1e-4 I, so |W_ij| ≤ 0.01 */
  for (size_t i = 0; i < 3 * 64; i++) wmax = fmax(wmax, fabs(th[g->net->off_W[2] + i]));
  CHECK(wmax <= 0.01 + 1e-15 && wmax > 0.0, "policy head gain 0.01: max |W| = %g", wmax);
  free(th);
  pol_free(g);

  /* tabular: dist of the one-hot e_s is row θ_s exactly; θ = 0 at init */
  pol_policy *t = pol_tabular_alloc(4, 3);
  pol_ws *ws = pol_ws_alloc(t, 3);
  double theta[12], obs[12] = {0}, dist[9], act[3] = {0, 2, 1}, grad[12] = {0}, lp[3];
  pol_init(t, theta, 1.0, r);
  CHECK(theta[0] == 0.0 && theta[11] == 0.0, "tabular init θ = 0");
  for (int i = 0; i < 12; i++) theta[i] = 0.9137 * (i - 5.5) / 3;
  obs[0 * 4 + 2] = obs[1 * 4 + 0] = obs[2 * 4 + 3] = 1.0; /* states 2, 0, 3 */
  CHECK(pol_forward(t, theta, obs, 3, ws, dist) == TR_OK, "forward");
  CHECK(memcmp(dist, theta + 6, 3 * sizeof *dist) == 0 &&
            memcmp(dist + 3, theta, 3 * sizeof *dist) == 0 &&
            memcmp(dist + 6, theta + 9, 3 * sizeof *dist) == 0,
        "tabular dist = θ_s");

  /* errors */
  tr_error_clear();
  act[1] = 2.5;
  CHECK(pol_log_prob(t, dist, act, 3, lp) == TR_EINVAL && strstr(tr_error_msg(), "row 1"),
        "non-integer action: %s", tr_error_msg());
  act[1] = 3.0;
  CHECK(pol_log_prob_grad(t, theta, ws, act, NULL, 3, grad) == TR_EINVAL &&
            strstr(tr_error_msg(), "0 to 2"),
        "action out of range: %s", tr_error_msg());
  act[1] = -1.0;
  CHECK(pol_log_prob(t, dist, act, 3, lp) == TR_EINVAL, "negative action");
  CHECK(pol_forward(t, theta, obs, 4, ws, dist) == TR_EINVAL && strstr(tr_error_msg(), "1 to 3"),
        "B > Bmax: %s", tr_error_msg());
  CHECK(pol_kl_grad(t, theta, ws, dist, 2, grad) == TR_EINVAL, "gradient on another batch");
  CHECK(pol_fvp(t, theta, ws, theta, 2, 0.0, grad) == TR_EINVAL, "fvp on another batch");
  CHECK(pol_fvp(t, theta, ws, grad, 3, 0.0, grad) == TR_EINVAL && strstr(tr_error_msg(), "Fv"),
        "fvp in place: %s", tr_error_msg());
  CHECK(pol_tabular_alloc(0, 3) == NULL && strstr(tr_error_msg(), "S = 0"), "S = 0: %s",
        tr_error_msg());
  CHECK(pol_gaussian_alloc(3, 1, hid, 0) == NULL && strstr(tr_error_msg(), "pol_gaussian_alloc"),
        "U = 0: %s", tr_error_msg());
  CHECK(pol_categorical_alloc(3, 2, NULL, 2) == NULL, "hidden widths missing");
  CHECK(pol_ws_alloc(t, 0) == NULL, "Bmax 0");
  pol_ws_free(ws);
  pol_free(t);
  pol_free(NULL);
  pol_ws_free(NULL);
  gsl_rng_free(r);
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *r = tr_rng_alloc(271828);
  const pol_kind kinds[4] = {POL_TABULAR, POL_CATEGORICAL, POL_GAUSSIAN, POL_GAUSSIAN};
  const nn_activation acts[4] = {NN_TANH, NN_TANH, NN_TANH, NN_SOFTPLUS};
  for (int k = 0; k < 4; k++) {
    fixture f = make_fixture(kinds[k], acts[k], r);
    test_gradients(&f, r);
    test_fisher(&f, r);
    free_fixture(&f);
  }
  gsl_rng_free(r);
  test_closed_forms();
  test_sampling();
  test_shapes_and_errors();
  return check_done("test_policy");
}
