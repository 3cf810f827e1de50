/* tests/test_exact.c — theory/exact: evaluation, occupancy, optimal control, divergences.
 *
 * Letters: S states, A actions; eps = DBL_EPSILON ≈ 2.2e-16.  Truth comes from
 *   (i)   a 2-state MDP solved in closed form (derivation above two_state_closed_form),
 *         cross-checked against 40-digit literals (mpmath);
 *   (ii)  independent methods: policy vs value iteration, dense LU vs sparse GMRES;
 *   (iii) the defining equations: V = r_π + γP_πV, dᵀ = (1−γ)μᵀ + γdᵀP_π, PDL;
 *   (iv)  divergences worked out by hand.
 * Tolerances use two facts about M = I − γP_π (P_π row-stochastic):
 *   ‖M‖∞ ≤ 1+γ,  ‖M⁻¹‖∞ = ‖Σ_t γ^t P_π^t‖∞ = 1/(1−γ),  so cond∞(M) ≤ (1+γ)/(1−γ),
 * and the same in the 1-norm for Mᵀ.  M is row diagonally dominant, so LU with partial
 * pivoting has growth ≤ 2 and a backward error of a few eps·‖M‖; the factor 16 below
 * ("16·eps") is that few, with margin.  Random inputs: mt19937, fixed seeds. */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "mdps/generators.h"
#include "tests/check.h"
#include "theory/exact.h"

#define EPS DBL_EPSILON

static double vmax_abs(const double *x, size_t n) {
  double m = 0.0;
  for (size_t i = 0; i < n; i++)
    if (fabs(x[i]) > m) m = fabs(x[i]);
  return m;
}

static double cond_bound(double gamma) { return (1.0 + gamma) / (1.0 - gamma); }

/* A random MDP: every row P(·|s,a) has k nonzeros (k = S: dense) at distinct random
 * columns with U(0,1) weights, normalized; r ~ U(−1,1); μ ∝ U(0,1) (full support). */
static mdp *random_mdp(gsl_rng *rng, size_t S, size_t A, double gamma, size_t k) {
  double *P = calloc(S * A * S, sizeof *P), *r = malloc(S * A * sizeof *r);
  double *mu = malloc(S * sizeof *mu);
  size_t *perm = malloc(S * sizeof *perm);
  for (size_t row = 0; row < S * A; row++) {
    for (size_t j = 0; j < S; j++) perm[j] = j;
    for (size_t j = 0; j < k; j++) { /* partial Fisher–Yates: perm[0..k) random distinct */
      size_t t = j + gsl_rng_uniform_int(rng, S - j), tmp = perm[j];
      perm[j] = perm[t];
      perm[t] = tmp;
    }
    double sum = 0.0;
    for (size_t j = 0; j < k; j++) sum += (P[row * S + perm[j]] = gsl_rng_uniform_pos(rng));
    for (size_t j = 0; j < k; j++) P[row * S + perm[j]] /= sum;
  }
  for (size_t i = 0; i < S * A; i++) r[i] = 2.0 * gsl_rng_uniform(rng) - 1.0;
  double sum = 0.0;
  for (size_t s = 0; s < S; s++) sum += (mu[s] = gsl_rng_uniform_pos(rng));
  for (size_t s = 0; s < S; s++) mu[s] /= sum;
  mdp *m = mdp_alloc_dense(S, A, gamma, P, r, mu);
  free(P);
  free(r);
  free(mu);
  free(perm);
  return m;
}

/* A random stochastic policy, rows ∝ U(0,1) (full support). */
static void random_policy(double *pi, gsl_rng *rng, size_t S, size_t A) {
  for (size_t s = 0; s < S; s++) {
    double sum = 0.0;
    for (size_t a = 0; a < A; a++) sum += (pi[s * A + a] = gsl_rng_uniform_pos(rng));
    for (size_t a = 0; a < A; a++) pi[s * A + a] /= sum;
  }
}

/* Dense P_π (S, S) and r_π (S) from the MDP's dense P, computed here (not by exact.c). */
static void my_policy_matrices(double *Ppi, double *rpi, const mdp *m, const double *pi) {
  size_t S = m->S, A = m->A;
  double *P = malloc(S * A * S * sizeof *P);
  mdp_dense_P(m, P);
  for (size_t s = 0; s < S; s++) {
    rpi[s] = 0.0;
    for (size_t t = 0; t < S; t++) Ppi[s * S + t] = 0.0;
    for (size_t a = 0; a < A; a++) {
      rpi[s] += pi[s * A + a] * m->r[s * A + a];
      for (size_t t = 0; t < S; t++) Ppi[s * S + t] += pi[s * A + a] * P[(s * A + a) * S + t];
    }
  }
  free(P);
}

/* ‖V − r_π − γP_πV‖∞ and ‖dᵀ − (1−γ)μᵀ − γdᵀP_π‖₁. */
static void residuals(double *resV, double *resd, const mdp *m, const double *pi,
                      const double *V, const double *d) {
  size_t S = m->S;
  double *Ppi = malloc(S * S * sizeof *Ppi), *rpi = malloc(S * sizeof *rpi);
  my_policy_matrices(Ppi, rpi, m, pi);
  double rv = 0.0, rd = 0.0;
  for (size_t s = 0; s < S; s++) {
    double acc = rpi[s];
    for (size_t t = 0; t < S; t++) acc += m->gamma * Ppi[s * S + t] * V[t];
    if (fabs(V[s] - acc) > rv) rv = fabs(V[s] - acc);
    double flow = (1.0 - m->gamma) * m->mu[s];
    for (size_t t = 0; t < S; t++) flow += m->gamma * d[t] * Ppi[t * S + s];
    rd += fabs(d[s] - flow);
  }
  *resV = rv;
  *resd = rd;
  free(Ppi);
  free(rpi);
}

/* ---- (i) the closed-form 2-state MDP --------------------------------------------------
 * γ = 0.9137,
 *   P(·|0,0) = (0.37, 0.63)  P(·|0,1) = (0.81, 0.19)  r(0,·) = (0.731, −0.218)
 *   P(·|1,0) = (0.24, 0.76)  P(·|1,1) = (0.55, 0.45)  r(1,·) = (0.456,  1.127)
 *   μ = (0.41, 0.59),  π(·|0) = (0.27, 0.73),  π(·|1) = (0.62, 0.38).
 * Let x = P_π(1|0) (leave 0) and y = P_π(0|1) (leave 1):
 *   x = 0.27·0.63 + 0.73·0.19 = 0.3088,   y = 0.62·0.24 + 0.38·0.55 = 0.3578,
 *   P_π = [[1−x, x], [y, 1−y]],  r_π = (0.27·0.731 − 0.73·0.218, 0.62·0.456 + 0.38·1.127).
 * M = I − γP_π = [[1−γ+γx, −γx], [−γy, 1−γ+γy]]   (each row sums to 1−γ), and
 *   det M = (1−γ+γx)(1−γ+γy) − γ²xy = (1−γ)(1−γ+γ(x+y)) =: (1−γ)·D,
 *   M⁻¹  = (1/det M)·[[1−γ+γy, γx], [γy, 1−γ+γx]].
 * Hence
 *   V(0) = ((1−γ+γy) r_π(0) + γx r_π(1)) / ((1−γ)D),
 *   V(1) = (γy r_π(0) + (1−γ+γx) r_π(1)) / ((1−γ)D),
 * and dᵀ = (1−γ)μᵀM⁻¹ (the (1−γ) cancels against det M):
 *   d(0) = (μ(0)(1−γ+γy) + μ(1)γy)/D = ((1−γ)μ(0) + γy)/D,
 *   d(1) = ((1−γ)μ(1) + γx)/D,                 d(0) + d(1) = (1−γ+γ(x+y))/D = 1.
 * Q(s,a) = r(s,a) + γ(P(0|s,a)V(0) + P(1|s,a)V(1)),  A = Q − V,  J = μ(0)V(0) + μ(1)V(1),
 * ν(s,a) = d(s)π(a|s).
 * 40-digit evaluation (mpmath, same formulas from the decimal inputs):
 *   V = (3.6060418187829764870, 4.5735090070847500892),  J = 4.1768474598810229123,
 *   d = (0.52102276360054659631, 0.47897723639945340369),
 *   A = (0.97670269610836736953, −0.36124620267021806818,
 *        −0.15084777209973326236, 0.24612004921535427016). */
static const double G2 = 0.9137;
static const double P2[8] = {0.37, 0.63, 0.81, 0.19, 0.24, 0.76, 0.55, 0.45};
static const double R2[4] = {0.731, -0.218, 0.456, 1.127};
static const double MU2[2] = {0.41, 0.59};
static const double PI2[4] = {0.27, 0.73, 0.62, 0.38};

typedef struct {
  double x, y, rpi[2], V[2], d[2], Q[4], Adv[4], J, nu[4];
} two_state;

static two_state two_state_closed_form(void) {
  two_state t;
  double g = G2;
  t.x = PI2[0] * P2[1] + PI2[1] * P2[3];
  t.y = PI2[2] * P2[4] + PI2[3] * P2[6];
  t.rpi[0] = PI2[0] * R2[0] + PI2[1] * R2[1];
  t.rpi[1] = PI2[2] * R2[2] + PI2[3] * R2[3];
  double D = 1.0 - g + g * (t.x + t.y);
  t.V[0] = ((1.0 - g + g * t.y) * t.rpi[0] + g * t.x * t.rpi[1]) / ((1.0 - g) * D);
  t.V[1] = (g * t.y * t.rpi[0] + (1.0 - g + g * t.x) * t.rpi[1]) / ((1.0 - g) * D);
  t.d[0] = ((1.0 - g) * MU2[0] + g * t.y) / D;
  t.d[1] = ((1.0 - g) * MU2[1] + g * t.x) / D;
  for (size_t s = 0; s < 2; s++)
    for (size_t a = 0; a < 2; a++) {
      size_t k = s * 2 + a;
      t.Q[k] = R2[k] + g * (P2[k * 2] * t.V[0] + P2[k * 2 + 1] * t.V[1]);
      t.Adv[k] = t.Q[k] - t.V[s];
      t.nu[k] = t.d[s] * PI2[k];
    }
  t.J = MU2[0] * t.V[0] + MU2[1] * t.V[1];
  return t;
}

static void test_two_state(void) {
  mdp *m = mdp_alloc_dense(2, 2, G2, P2, R2, MU2);
  CHECK(m != NULL, "2-state MDP: %s", tr_error_msg());
  if (!m) return;
  two_state t = two_state_closed_form();

  /* The closed-form code against the 40-digit literals: both are a few roundings of the
   * same rational expression, whose condition is ≤ cond∞(M) ≈ 22 → 1e-14 relative. */
  static const double V40[2] = {3.6060418187829764870, 4.5735090070847500892};
  static const double d40[2] = {0.52102276360054659631, 0.47897723639945340369};
  static const double A40[4] = {0.97670269610836736953, -0.36124620267021806818,
                                -0.15084777209973326236, 0.24612004921535427016};
  for (size_t s = 0; s < 2; s++) {
    CHECK_CLOSE(t.V[s], V40[s], 0.0, 1e-14, "closed-form V vs 40 digits");
    CHECK_CLOSE(t.d[s], d40[s], 0.0, 1e-14, "closed-form d vs 40 digits");
  }
  /* A = Q − V cancels numbers of size |V| ≈ 4.6: error relative to |V|, not |A|. */
  for (size_t k = 0; k < 4; k++) CHECK_CLOSE(t.Adv[k], A40[k], 1e-14 * 5.0, 0.0, "closed-form A");
  CHECK_CLOSE(t.J, 4.1768474598810229123, 0.0, 1e-14, "closed-form J vs 40 digits");
  CHECK_CLOSE(t.x, 0.3088, 0.0, 4 * EPS, "x by hand"); /* two products and a sum */
  CHECK_CLOSE(t.y, 0.3578, 0.0, 4 * EPS, "y by hand");

  /* r_π and P_π from exact.c: a 2-term sum each, exact to 2 roundings. */
  double rpi[2], Ppi[4];
  thy_policy_reward(rpi, m, PI2);
  thy_policy_transition(Ppi, m, PI2);
  for (size_t s = 0; s < 2; s++) CHECK_CLOSE(rpi[s], t.rpi[s], 4 * EPS, 4 * EPS, "r_pi");
  CHECK_CLOSE(Ppi[0], 1.0 - t.x, 4 * EPS, 0.0, "P_pi(0|0)");
  CHECK_CLOSE(Ppi[1], t.x, 4 * EPS, 0.0, "P_pi(1|0)");
  CHECK_CLOSE(Ppi[2], t.y, 4 * EPS, 0.0, "P_pi(0|1)");
  CHECK_CLOSE(Ppi[3], 1.0 - t.y, 4 * EPS, 0.0, "P_pi(1|1)");

  const thy_solver solvers[3] = {THY_SOLVER_DENSE, THY_SOLVER_ITERATIVE, THY_SOLVER_AUTO};
  const char *names[3] = {"dense", "iterative", "auto"};
  thy_values *v = thy_values_alloc(2, 2);
  double g = G2, cond = cond_bound(g); /* ≈ 22.2 */
  for (int i = 0; i < 3; i++) {
    tr_status st = thy_evaluate(v, m, PI2, solvers[i], NULL);
    CHECK(st == TR_OK, "%s: %s", names[i], tr_error_msg());
    if (st) continue;
    /* 1e-13 relative: LU forward error ≤ cond·16·eps ≈ 8e-14; GMRES on n = 2 spans the
     * whole space in 2 steps, so only the same rounding remains (its 1e-13 residual
     * stopping rule is never the binding one here). */
    for (size_t s = 0; s < 2; s++) {
      CHECK_CLOSE(v->V[s], t.V[s], 0.0, 1e-13, names[i]);
      CHECK_CLOSE(v->d[s], t.d[s], 0.0, 1e-13, names[i]);
    }
    CHECK_CLOSE(v->J, t.J, 0.0, 1e-13, names[i]);
    for (size_t k = 0; k < 4; k++) {
      CHECK_CLOSE(v->Q[k], t.Q[k], 0.0, 1e-13, names[i]);
      /* A = Q − V: absolute error ~ 1e-13·max|Q| (cancellation, see above) */
      CHECK_CLOSE(v->Adv[k], t.Adv[k], 1e-13 * vmax_abs(t.Q, 4), 0.0, names[i]);
    }
    /* Σ_a π A = (r_π + γP_πV − V)(s) = the solve's residual: ≤ 16·eps·(1+γ)·max|V| for
     * LU, plus 1e-13·‖r_π‖₂ for GMRES's stopping rule. */
    double tol_res = 16 * EPS * (1.0 + g) * vmax_abs(v->V, 2) + 1e-13 * 2.0 * vmax_abs(t.rpi, 2);
    for (size_t s = 0; s < 2; s++)
      CHECK_CLOSE(PI2[2 * s] * v->Adv[2 * s] + PI2[2 * s + 1] * v->Adv[2 * s + 1], 0.0, tol_res,
                  0.0, "sum_a pi A = 0");
    /* Σ d − 1 = 1ᵀres_d/(1−γ) (because M1 = (1−γ)1): ≤ cond-scaled residual bound. */
    CHECK_CLOSE(v->d[0] + v->d[1], 1.0, 16 * EPS * cond + 1e-13 * 2.0, 0.0, "sum d = 1");
    /* J = Σ_s d(s) r_π(s)/(1−γ) (PDL against the zero policy): both sides within 1e-13
     * of the closed form, the identity holds to that. */
    CHECK_CLOSE((v->d[0] * t.rpi[0] + v->d[1] * t.rpi[1]) / (1.0 - g), v->J, 0.0, 2e-13,
                "J = sum d r_pi/(1-gamma)");
    /* ν(s,a) = d(s)π(a|s): one product, so 1 ulp beyond d's own error. */
    double nu[4];
    thy_state_action_occupancy(nu, v->d, PI2, 2, 2);
    double nusum = 0.0;
    for (size_t k = 0; k < 4; k++) {
      CHECK_CLOSE(nu[k], t.nu[k], 0.0, 2e-13, "state-action occupancy");
      nusum += nu[k];
    }
    CHECK_CLOSE(nusum, 1.0, 0.0, 2e-13, "sum nu = 1");
    /* ν is the discounted flow: Σ_a ν(s',a) = (1−γ)μ(s') + γ Σ_{s,a} ν(s,a)P(s'|s,a);
     * an independent equation, residual as for d. */
    for (size_t s2 = 0; s2 < 2; s2++) {
      double flow = (1.0 - g) * MU2[s2];
      for (size_t k = 0; k < 4; k++) flow += g * nu[k] * P2[k * 2 + s2];
      CHECK_CLOSE(nu[2 * s2] + nu[2 * s2 + 1], flow, 1e-13, 0.0, "nu flow equation");
    }
    /* L_π(π) = J: the advantage term is Σ d·(Σ_a πA) ≤ tol_res, divided by 1−γ. */
    CHECK_CLOSE(thy_surrogate(v, g, PI2), v->J, tol_res / (1.0 - g), 0.0, "L_pi(pi) = J");
    /* L_π(π') for π' = "always action 0": J + (d(0)A(0,0) + d(1)A(1,0))/(1−γ); A errors
     * ≤ 1e-13·max|Q| magnified by 1/(1−γ) ≈ 11.6. */
    const double pi0[4] = {1, 0, 1, 0};
    CHECK_CLOSE(thy_surrogate(v, g, pi0),
                t.J + (t.d[0] * t.Adv[0] + t.d[1] * t.Adv[2]) / (1.0 - g),
                2e-13 * vmax_abs(t.Q, 4) / (1.0 - g), 0.0, "L_pi(always 0)");
  }

  /* Determinism: auto (dense for S ≤ THY_DENSE_MAX_S) and a reused workspace run the
   * same operations as THY_SOLVER_DENSE, so the results are bitwise equal. */
  thy_values *w = thy_values_alloc(2, 2);
  thy_ws *ws = thy_ws_alloc(2), *ws_wrong = thy_ws_alloc(5);
  CHECK(thy_evaluate(v, m, PI2, THY_SOLVER_DENSE, NULL) == TR_OK, "%s", tr_error_msg());
  for (int rep = 0; rep < 3; rep++) {
    thy_ws *use = rep == 0 ? NULL : rep == 1 ? ws : ws_wrong;
    CHECK(thy_evaluate(w, m, PI2, rep == 0 ? THY_SOLVER_AUTO : THY_SOLVER_DENSE, use) == TR_OK,
          "%s", tr_error_msg());
    CHECK(memcmp(w->V, v->V, 2 * sizeof *v->V) == 0 && memcmp(w->d, v->d, 2 * sizeof *v->d) == 0 &&
              memcmp(w->Q, v->Q, 4 * sizeof *v->Q) == 0 && w->J == v->J,
          "evaluation not bitwise reproducible (variant %d)", rep);
  }
  thy_ws_free(ws);
  thy_ws_free(ws_wrong);
  thy_values_free(w);
  thy_values_free(v);
  mdp_free(m);
}

/* ---- (ii) policy iteration vs value iteration ---------------------------------------- */
static void test_optimal_control(gsl_rng *rng) {
  struct { size_t S, A; double gamma; size_t k; } cases[] = {
      {10, 3, 0.9137, 10}, {25, 4, 0.99, 3}, {40, 2, 0.95, 40},
      {30, 5, 0.99, 30},   {15, 3, 0.5, 2},  {20, 3, 0.0, 20},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    size_t S = cases[c].S, A = cases[c].A;
    double g = cases[c].gamma;
    mdp *m = random_mdp(rng, S, A, g, cases[c].k);
    CHECK(m != NULL, "random MDP %zu: %s", c, tr_error_msg());
    if (!m) continue;
    double *Vpi = malloc(S * sizeof *Vpi), *Vvi = malloc(S * sizeof *Vvi);
    double *pistar = malloc(S * A * sizeof *pistar), *pi = malloc(S * A * sizeof *pi);
    size_t it_pi = 0, it_vi = 0;
    const double tol = 1e-10;
    CHECK(thy_policy_iteration(Vpi, pistar, m, THY_SOLVER_DENSE, &it_pi) == TR_OK, "PI: %s",
          tr_error_msg());
    CHECK(thy_value_iteration(Vvi, m, tol, 100000, &it_vi) == TR_OK, "VI: %s", tr_error_msg());
    CHECK(it_pi >= 1 && it_vi >= 1, "iteration counts %zu %zu", it_pi, it_vi);
    double vmax = vmax_abs(Vpi, S);
    /* VI guarantees ‖V_VI − V*‖∞ ≤ tol; PI's V is V* up to LU's forward error
     * ≤ cond·16·eps·max|V|, and its tie rule (switch only on a gain > 1e-12(|Q|+1))
     * can leave it 1e-12(max|Q|+1)/(1−γ) short of V*. */
    double slack = 16 * EPS * cond_bound(g) * vmax + 1e-12 * (vmax + 1.0) / (1.0 - g);
    for (size_t s = 0; s < S; s++) CHECK_CLOSE(Vpi[s], Vvi[s], tol + slack, 0.0, "V*: PI vs VI");
    /* γ = 0: V* = max_a r(s,a) exactly (one VI sweep; PI solves I·V = r). */
    if (g == 0.0)
      for (size_t s = 0; s < S; s++) {
        double best = m->r[s * A];
        for (size_t a = 1; a < A; a++) best = fmax(best, m->r[s * A + a]);
        CHECK(Vpi[s] == best && Vvi[s] == best, "gamma = 0: V*(%zu) = %g, %g, want %g", s,
              Vpi[s], Vvi[s], best);
      }

    /* pi_star is deterministic, and greedy w.r.t. its own Q up to PI's tie threshold. */
    thy_values *v = thy_values_alloc(S, A);
    CHECK(thy_evaluate(v, m, pistar, THY_SOLVER_DENSE, NULL) == TR_OK, "%s", tr_error_msg());
    /* same solver, same input → bitwise equal */
    CHECK(memcmp(v->V, Vpi, S * sizeof *Vpi) == 0, "PI's V* is not V of its own policy");
    for (size_t s = 0; s < S; s++) {
      size_t ones = 0, act = 0;
      for (size_t a = 0; a < A; a++)
        if (pistar[s * A + a] == 1.0) ones++, act = a;
        else CHECK(pistar[s * A + a] == 0.0, "pi* not deterministic at s=%zu", s);
      CHECK(ones == 1, "pi* row %zu has %zu ones", s, ones);
      double qa = v->Q[s * A + act];
      for (size_t a = 0; a < A; a++)
        CHECK(v->Q[s * A + a] <= qa + 1e-12 * (fabs(qa) + 1.0) + 16 * EPS * cond_bound(g) * vmax,
              "pi* not greedy at s=%zu: Q(a=%zu) = %.17g > Q(pi*) = %.17g", s, a,
              v->Q[s * A + a], qa);
    }
    /* No deterministic policy beats V* anywhere (up to the same slack, both LU). */
    for (int rep = 0; rep < 10; rep++) {
      memset(pi, 0, S * A * sizeof *pi);
      for (size_t s = 0; s < S; s++) pi[s * A + gsl_rng_uniform_int(rng, A)] = 1.0;
      CHECK(thy_evaluate(v, m, pi, THY_SOLVER_DENSE, NULL) == TR_OK, "%s", tr_error_msg());
      for (size_t s = 0; s < S; s++)
        CHECK(v->V[s] <= Vpi[s] + 2 * slack, "policy %d beats V* at s=%zu: %.17g > %.17g", rep,
              s, v->V[s], Vpi[s]);
    }
    /* VI stopping: too few sweeps is "not converged", TR_ENUM, with γ > 0. */
    if (g > 0.0) CHECK(thy_value_iteration(Vvi, m, tol, 3, &it_vi) == TR_ENUM && it_vi == 3,
                       "VI with 3 sweeps should report TR_ENUM");
    thy_values_free(v);
    free(Vpi);
    free(Vvi);
    free(pistar);
    free(pi);
    mdp_free(m);
  }
}

/* ---- (ii, iii) dense vs iterative; Bellman and occupancy equations; PDL ---------------- */
static void test_dense_vs_iterative(gsl_rng *rng) {
  const size_t Ss[2] = {50, 300};
  const double gammas[2] = {0.9137, 0.999};
  const size_t ks[2] = {0, 4}; /* 0: dense rows; 4: four nonzeros per row */
  const size_t A = 3;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int l = 0; l < 2; l++) {
        size_t S = Ss[i];
        double g = gammas[j], cond = cond_bound(g);
        mdp *m = random_mdp(rng, S, A, g, ks[l] ? ks[l] : S);
        CHECK(m != NULL, "%s", tr_error_msg());
        if (!m) continue;
        double *pi = malloc(S * A * sizeof *pi);
        random_policy(pi, rng, S, A);
        thy_values *vd = thy_values_alloc(S, A), *vi = thy_values_alloc(S, A);
        CHECK(thy_evaluate(vd, m, pi, THY_SOLVER_DENSE, NULL) == TR_OK, "dense: %s",
              tr_error_msg());
        CHECK(thy_evaluate(vi, m, pi, THY_SOLVER_ITERATIVE, NULL) == TR_OK, "iterative: %s",
              tr_error_msg());
        double vmax = vmax_abs(vd->V, S), sq = sqrt((double)S);
        double *rpi = malloc(S * sizeof *rpi);
        thy_policy_reward(rpi, m, pi);
        double rmax = vmax_abs(rpi, S);
        /* V: GMRES stops at ‖r_π − MV‖₂ ≤ 1e-13‖r_π‖₂ ≤ 1e-13·√S·‖r_π‖∞, so with
         * ‖M⁻¹‖∞ ≤ 1/(1−γ) and ‖r_π‖∞ ≤ (1+γ)‖V‖∞ the iterate is within
         * 1e-13·√S·cond·max|V|; LU adds 16·eps·cond·max|V|.  (γ = 0.999, S = 300:
         * ≈ 3.5e-9·max|V|.) */
        double tolV = (THY_GMRES_TOL * sq + 16 * EPS) * cond * vmax;
        for (size_t s = 0; s < S; s++)
          CHECK_CLOSE(vi->V[s], vd->V[s], tolV, 0.0, "V dense vs GMRES");
        CHECK_CLOSE(vi->J, vd->J, tolV, 0.0, "J dense vs GMRES");
        /* d: Mᵀd = (1−γ)μ, ‖(1−γ)μ‖₂ ≤ 1−γ, so ‖res‖₁ ≤ √S·1e-13·(1−γ) and
         * ‖Δd‖₁ ≤ ‖M⁻ᵀ‖₁‖res‖₁ ≤ √S·1e-13 (γ-free); LU adds 16·eps·cond (‖d‖₁ = 1). */
        double dd = 0.0;
        for (size_t s = 0; s < S; s++) dd += fabs(vi->d[s] - vd->d[s]);
        CHECK_CLOSE(dd, 0.0, THY_GMRES_TOL * sq + 16 * EPS * cond, 0.0,
                    "d dense vs GMRES (1-norm)");

        thy_values *vs[2] = {vd, vi};
        for (int which = 0; which < 2; which++) {
          thy_values *v = vs[which];
          double rV, rd;
          residuals(&rV, &rd, m, pi, v->V, v->d);
          /* Bellman residual: LU's backward error ≤ 16·eps·‖M‖∞‖V‖∞ ≤ 16·eps·(1+γ)·max|V|,
           * plus S·eps·(1+γ)·max|V| for this test's own S-term sums; GMRES adds its
           * stopping residual 1e-13·√S·‖r_π‖∞. */
          double tolrV =
              (16 + S) * EPS * (1.0 + g) * vmax + (which ? THY_GMRES_TOL * sq * rmax : 0.0);
          CHECK_CLOSE(rV, 0.0, tolrV, 0.0,
                      which ? "Bellman residual (GMRES)" : "Bellman residual (LU)");
          /* occupancy flow residual in the 1-norm, d of 1-norm 1: same reasoning;
           * the test's sum over S terms per state costs S·eps·(1+γ) in the 1-norm. */
          double tolrd =
              (16 + S) * EPS * (1.0 + g) + (which ? THY_GMRES_TOL * sq * (1.0 - g) : 0.0);
          CHECK_CLOSE(rd, 0.0, tolrd, 0.0, which ? "flow residual (GMRES)" : "flow residual (LU)");
          /* Σd − 1 = 1ᵀres/(1−γ) (M1 = (1−γ)1). */
          double sd = 0.0;
          for (size_t s = 0; s < S; s++) sd += v->d[s];
          CHECK_CLOSE(sd, 1.0, tolrd / (1.0 - g) + S * EPS, 0.0, "sum d = 1");
          /* Σ_a π A = −residual(s): same bound as the Bellman residual (without this
           * test's sums: A sums A terms). */
          double tolA = 16 * EPS * (1.0 + g) * vmax + A * EPS * vmax +
                        (which ? THY_GMRES_TOL * sq * rmax : 0.0);
          for (size_t s = 0; s < S; s++) {
            double e = 0.0;
            for (size_t a = 0; a < A; a++) e += pi[s * A + a] * v->Adv[s * A + a];
            CHECK_CLOSE(e, 0.0, tolA, 0.0, "sum_a pi A = 0");
          }
          /* J = Σ d r_π /(1−γ): from the residual of d, |ΔJ| ≤ ‖res_d‖₁·max|V|/(1−γ). */
          CHECK_CLOSE(thy_weighted_mean(rpi, v->d, S) / (1.0 - g), v->J,
                      tolrd * vmax / (1.0 - g) + tolV, 0.0, "J = sum d r_pi/(1-gamma)");
          /* L_π(π) = J: Σ d Σ_a πA /(1−γ), each inner sum ≤ tolA. */
          CHECK_CLOSE(thy_surrogate(v, g, pi), v->J, tolA / (1.0 - g), 0.0, "L_pi(pi) = J");
        }

        /* PDL (REFERENCES § 2.1): J(π') − J(π) = Σ_s d_{π'}(s) Σ_a π'(a|s) A_π(s,a)/(1−γ),
         * both sides from LU.  Left: two J's, each within 16·eps·cond·max|V|.  Right:
         * A = Q − V within 2·16·eps·cond·max|V|, and d_{π'} within 16·eps·cond in the
         * 1-norm times max|A|; both over 1−γ. */
        double *pi2 = malloc(S * A * sizeof *pi2);
        random_policy(pi2, rng, S, A);
        thy_values *v2 = thy_values_alloc(S, A);
        CHECK(thy_evaluate(v2, m, pi2, THY_SOLVER_DENSE, NULL) == TR_OK, "%s", tr_error_msg());
        double lhs = v2->J - vd->J;
        double rhs = thy_policy_advantage(v2->d, vd->Adv, pi2, S, A) / (1.0 - g);
        double amax = vmax_abs(vd->Adv, S * A);
        CHECK_CLOSE(lhs, rhs, 16 * EPS * cond * (2.0 * vmax + (2.0 * vmax + amax) / (1.0 - g)), 0.0,
                    "PDL");
        thy_values_free(v2);
        free(pi2);

        /* Auto picks dense for S ≤ THY_DENSE_MAX_S: bitwise equal to dense. */
        CHECK(thy_evaluate(vi, m, pi, THY_SOLVER_AUTO, NULL) == TR_OK, "%s", tr_error_msg());
        CHECK(memcmp(vi->V, vd->V, S * sizeof *vd->V) == 0, "auto is not dense at S=%zu", S);
        free(rpi);
        free(pi);
        thy_values_free(vd);
        thy_values_free(vi);
        mdp_free(m);
      }
}

/* ---- (iv) divergences and small helpers ----------------------------------------------- */
static void test_divergences(gsl_rng *rng) {
  /* Row 0: p = (0.137, 0, 0.863), q = (0.21, 0.29, 0.5):
   *   TV = ½(0.073 + 0.29 + 0.363) = 0.363,
   *   KL = 0.137 ln(0.137/0.21) + 0.863 ln(0.863/0.5) = 0.41251474459680674718 (the a with
   *   p = 0 contributes 0).
   * Row 1: p = (0.2, 0.5, 0.3), q = (0.1, 0.6, 0.3):
   *   TV = ½(0.1 + 0.1 + 0) = 0.1,  KL = 0.2 ln 2 + 0.5 ln(5/6) = 0.047468657715011748778. */
  const double p[6] = {0.137, 0.0, 0.863, 0.2, 0.5, 0.3};
  const double q[6] = {0.21, 0.29, 0.5, 0.1, 0.6, 0.3};
  double tv[2], kl[2];
  thy_tv_states(tv, p, q, 2, 3);
  thy_kl_states(kl, p, q, 2, 3);
  /* TV: three differences of decimals (each ±1 ulp of the inputs) summed: 8 ulps. */
  CHECK_CLOSE(tv[0], 0.363, 0.0, 8 * EPS, "TV row 0");
  CHECK_CLOSE(tv[1], 0.1, 0.0, 8 * EPS, "TV row 1");
  /* KL: each term p·log(p/q) to a few ulps; the terms cancel by less than a factor 2
   * (row 0: −0.0585 + 0.471), so 1e-14 relative is ample. */
  CHECK_CLOSE(kl[0], 0.41251474459680674718, 0.0, 1e-14, "KL row 0 (40 digits)");
  CHECK_CLOSE(kl[0], 0.137 * log(0.137 / 0.21) + 0.863 * log(0.863 / 0.5), 0.0, 1e-14, "KL row 0");
  CHECK_CLOSE(kl[1], 0.047468657715011748778, 0.0, 1e-14, "KL row 1 (40 digits)");
  CHECK_CLOSE(kl[1], 0.2 * log(2.0) + 0.5 * log(5.0 / 6.0), 0.0, 1e-14, "KL row 1");
  /* the per-state function is thy_kl row by row: exactly equal */
  CHECK_CLOSE(thy_kl(p + 3, q + 3, 3), kl[1], 0.0, 0.0, "thy_kl = thy_kl_states row");

  /* KL(p‖q) = +inf when q(a) = 0 < p(a); finite when p(a) = 0 < q(a). */
  const double p3[3] = {0.5, 0.5, 0.0}, q3[3] = {1.0, 0.0, 0.0};
  double k3 = thy_kl(p3, q3, 3);
  CHECK(isinf(k3) && k3 > 0, "KL with q = 0 < p: %g", k3);
  const double p4[3] = {1.0, 0.0, 0.0}, q4[3] = {0.25, 0.5, 0.25};
  CHECK_CLOSE(thy_kl(p4, q4, 3), log(4.0), 0.0, 2 * EPS, "KL(delta || q) = -log q"); /* one log */
  CHECK(thy_kl(q4, p4, 3) == INFINITY, "KL(q || delta) = inf");
  /* KL(p‖p) = 0 and TV(p,p) = 0 exactly: p/p = 1 and log 1 = 0 in floating point. */
  double z[2];
  thy_kl_states(z, p, p, 2, 3);
  CHECK(z[0] == 0.0 && z[1] == 0.0, "KL(p||p) = %g, %g", z[0], z[1]);
  thy_tv_states(z, p, p, 2, 3);
  CHECK(z[0] == 0.0 && z[1] == 0.0, "TV(p,p) = %g, %g", z[0], z[1]);
  /* KL ≥ 0 even where rounding would make Σ p log(p/q) negative: pairs q = p·(1 ± 1e-9)
   * renormalized have a true KL ≈ ½Σ(p−q)²/p ≈ 1e-18, below the ≈ 1e-16 rounding of
   * the sum (about half of them come out negative without the clamp). */
  for (int rep = 0; rep < 200; rep++) {
    double pr[4], qr[4], sp = 0.0, sq = 0.0;
    for (int a = 0; a < 4; a++) {
      pr[a] = gsl_rng_uniform_pos(rng);
      qr[a] = pr[a] * (1.0 + 1e-9 * (2.0 * gsl_rng_uniform(rng) - 1.0));
      sp += pr[a];
      sq += qr[a];
    }
    for (int a = 0; a < 4; a++) pr[a] /= sp, qr[a] /= sq;
    double k = thy_kl(pr, qr, 4);
    CHECK(k >= 0.0 && k <= 1e-15, "KL of near-equal pair = %g", k);
  }
  /* Disjoint supports: TV = 1 exactly. */
  const double e0[2] = {1.0, 0.0}, e1[2] = {0.0, 1.0};
  thy_tv_states(z, e0, e1, 1, 2);
  CHECK(z[0] == 1.0, "TV of disjoint supports = %g", z[0]);

  /* Helpers, on exactly representable inputs (exact results). */
  const double x[4] = {-3.5, 2.25, -0.5, 1.0}, wgt[4] = {0.25, 0.0, 0.5, 0.25};
  CHECK(thy_vec_max(x, 4) == 2.25, "vec_max");
  CHECK(thy_max_abs(x, 4) == 3.5, "max_abs");
  CHECK(thy_weighted_mean(x, wgt, 4) == -0.875 - 0.25 + 0.25, "weighted_mean");
  double Q[6] = {1.0, 3.0, 3.0, -2.0, -1.0, -1.5}, gr[6];
  thy_greedy(gr, Q, 2, 3); /* ties → lowest index */
  const double want_gr[6] = {0, 1, 0, 0, 1, 0};
  CHECK(memcmp(gr, want_gr, sizeof gr) == 0, "greedy with ties");
  double mix[4];
  const double a0[4] = {1, 0, 0.5, 0.5}, a1[4] = {0, 1, 1, 0};
  thy_policy_mix(mix, a0, a1, 0.25, 2, 2);
  CHECK(mix[0] == 0.75 && mix[1] == 0.25 && mix[2] == 0.625 && mix[3] == 0.375, "policy_mix");
  double u[6];
  thy_policy_uniform(u, 2, 3);
  CHECK(u[0] == 1.0 / 3.0 && u[5] == 1.0 / 3.0, "uniform");
  /* max_s |Σ_a π' A|: rows give |0.5·1 + 0.5·(−3)| = 1 and |1·0.75| = 0.75. */
  const double Adv[4] = {1.0, -3.0, 0.75, 2.0}, pin[4] = {0.5, 0.5, 1.0, 0.0};
  CHECK(thy_max_expected_advantage(Adv, pin, 2, 2) == 1.0, "max expected advantage");
  const double dd[2] = {0.25, 0.75};
  CHECK(thy_policy_advantage(dd, Adv, pin, 2, 2) == 0.25 * -1.0 + 0.75 * 0.75, "policy advantage");
}

/* ---- validation messages and error paths ---------------------------------------------- */
static void test_errors(void) {
  mdp *m = mdp_alloc_dense(2, 2, G2, P2, R2, MU2);
  if (!m) {
    CHECK(0, "2-state MDP: %s", tr_error_msg());
    return;
  }
  CHECK(thy_policy_check(m, PI2) == TR_OK, "valid policy rejected: %s", tr_error_msg());
  /* within MDP_ROW_TOL = 1e-9 of the simplex: accepted */
  const double near[4] = {0.5, 0.5 + 1e-10, 0.25, 0.75};
  CHECK(thy_policy_check(m, near) == TR_OK, "policy within tolerance rejected: %s", tr_error_msg());
  const double neg[4] = {1.25, -0.25, 0.5, 0.5};
  CHECK(thy_policy_check(m, neg) == TR_EINVAL, "negative entry accepted");
  CHECK(strcmp(tr_error_msg(), "policy entry pi(a=1|s=0) = -0.25 is not a probability") == 0,
        "message: '%s'", tr_error_msg());
  const double inf[4] = {0.5, 0.5, INFINITY, 0.0};
  CHECK(thy_policy_check(m, inf) == TR_EINVAL, "infinite entry accepted");
  CHECK(strcmp(tr_error_msg(), "policy entry pi(a=0|s=1) = inf is not a probability") == 0,
        "message: '%s'", tr_error_msg());
  const double nan_[4] = {NAN, 1.0, 0.5, 0.5};
  CHECK(thy_policy_check(m, nan_) == TR_EINVAL, "NaN entry accepted");
  CHECK(strncmp(tr_error_msg(), "policy entry pi(a=0|s=0) = ", 27) == 0 &&
            strstr(tr_error_msg(), "nan") != NULL,
        "message: '%s'", tr_error_msg());
  const double short_[4] = {0.5, 0.5, 0.5, 0.25};
  CHECK(thy_policy_check(m, short_) == TR_EINVAL, "row sum 0.75 accepted");
  CHECK(strcmp(tr_error_msg(), "row of state 1 sums to 0.75") == 0, "message: '%s'",
        tr_error_msg());
  /* the sum is printed with %.17g: 0.1 + 0.7 is 0.79999999999999993 in binary64 */
  const double short2[4] = {0.1, 0.7, 0.5, 0.5};
  CHECK(thy_policy_check(m, short2) == TR_EINVAL, "row sum 0.8 accepted");
  CHECK(strcmp(tr_error_msg(), "row of state 0 sums to 0.79999999999999993") == 0,
        "message: '%s'", tr_error_msg());

  thy_values *v32 = thy_values_alloc(3, 2), *v23 = thy_values_alloc(2, 3);
  CHECK(thy_evaluate(v32, m, PI2, THY_SOLVER_DENSE, NULL) == TR_EINVAL, "wrong S accepted");
  CHECK(strcmp(tr_error_msg(), "thy_evaluate: values sized (3, 2) for an MDP (2, 2)") == 0,
        "message: '%s'", tr_error_msg());
  CHECK(thy_evaluate(v23, m, PI2, THY_SOLVER_ITERATIVE, NULL) == TR_EINVAL, "wrong A accepted");
  CHECK(strcmp(tr_error_msg(), "thy_evaluate: values sized (2, 3) for an MDP (2, 2)") == 0,
        "message: '%s'", tr_error_msg());
  thy_values_free(v32);
  thy_values_free(v23);
  thy_values_free(NULL); /* _free(NULL) does nothing */
  thy_ws_free(NULL);
  mdp_free(m);
}

/* Above THY_DENSE_MAX_S states the automatic choice is the sparse GMRES path: on a sparse
 * Garnet with S = THY_DENSE_MAX_S + 1 it must give bit-identical results to the explicit
 * iterative solver, and satisfy the Bellman equation to the GMRES tolerance times the
 * conditioning (1+γ)/(1−γ) (relative to max|V|); the same at S = 20000, γ = 0.999, where a
 * dense solve would need 3.2 GB. */
static void test_auto_threshold(gsl_rng *rng) {
  static const size_t sizes[] = {THY_DENSE_MAX_S + 1, 20000};
  static const double gammas[] = {0.9137, 0.999};
  for (size_t c = 0; c < 2; c++) {
    size_t S = sizes[c], A = 3;
    mdp *m = mdp_garnet_alloc(S, A, 4, gammas[c], rng);
    double *pi = malloc(S * A * sizeof *pi), *Pv = malloc(S * sizeof *Pv);
    thy_values *va = thy_values_alloc(S, A), *vi = thy_values_alloc(S, A);
    CHECK(m && pi && Pv && va && vi, "allocation");
    if (!m || !pi || !Pv || !va || !vi) return;
    thy_policy_uniform(pi, S, A);
    CHECK(thy_evaluate(va, m, pi, THY_SOLVER_AUTO, NULL) == TR_OK, "auto: %s", tr_error_msg());
    CHECK(thy_evaluate(vi, m, pi, THY_SOLVER_ITERATIVE, NULL) == TR_OK, "iterative: %s", tr_error_msg());
    int same = 1;
    for (size_t s = 0; s < S; s++) same &= va->V[s] == vi->V[s] && va->d[s] == vi->d[s];
    CHECK(same, "S=%zu: automatic choice is the iterative path", S);
    /* Bellman residual: V − (r_π + γ P_π V), from the Q table: V(s) = Σ_a π Q(s,a) */
    double worst = 0.0, vmax = thy_max_abs(va->V, S), dsum = 0.0;
    for (size_t s = 0; s < S; s++) {
      double e = 0.0;
      for (size_t a = 0; a < A; a++) e += pi[s * A + a] * va->Q[s * A + a];
      worst = fmax(worst, fabs(e - va->V[s]));
      dsum += va->d[s];
    }
    double kap = (1 + m->gamma) / (1 - m->gamma);
    CHECK(worst <= 10 * THY_GMRES_TOL * kap * vmax, "S=%zu Bellman residual %.3g", S, worst);
    CHECK_CLOSE(dsum, 1.0, 10 * THY_GMRES_TOL * kap * sqrt((double)S), 0.0, "sum of d");
    mdp_free(m);
    free(pi), free(Pv);
    thy_values_free(va);
    thy_values_free(vi);
  }
}

/* ---- (ii') policy iteration with a workspace ------------------------------------------- */
/* One workspace reused across MDPs of its sizes gives the allocating form's V* and π* to the
 * bit (the same arithmetic; the workspace carries nothing from one call to the next), for
 * the dense and the iterative solver; a workspace of other sizes is refused. */
static void test_policy_iteration_ws(gsl_rng *rng) {
  const size_t S = 12, A = 3;
  thy_pi_ws *ws = thy_pi_ws_alloc(S, A);
  CHECK(ws != NULL, "thy_pi_ws_alloc: %s", tr_error_msg());
  if (!ws) return;
  double V1[12], V2[12], p1[36], p2[36];
  size_t i1 = 0, i2 = 0;
  for (int k = 0; k < 4; k++) {
    mdp *m = random_mdp(rng, S, A, k % 2 ? 0.9137 : 0.99, 4);
    CHECK(m != NULL, "random MDP: %s", tr_error_msg());
    if (!m) continue;
    thy_solver sol = k < 2 ? THY_SOLVER_DENSE : THY_SOLVER_ITERATIVE;
    CHECK(thy_policy_iteration(V1, p1, m, sol, &i1) == TR_OK, "PI: %s", tr_error_msg());
    CHECK(thy_policy_iteration_ws(V2, p2, m, sol, &i2, ws) == TR_OK, "PI ws: %s", tr_error_msg());
    CHECK(i1 == i2 && !memcmp(V1, V2, sizeof V1) && !memcmp(p1, p2, sizeof p1),
          "PI with a workspace differs from PI (case %d: %zu vs %zu iterations)", k, i1, i2);
    mdp_free(m);
  }
  mdp *big = random_mdp(rng, S + 1, A, 0.9, 3);
  if (big) {
    CHECK(thy_policy_iteration_ws(V2, NULL, big, THY_SOLVER_DENSE, NULL, ws) == TR_EINVAL &&
              strstr(tr_error_msg(), "workspace sized (12, 3) for an MDP (13, 3)"),
          "PI ws: wrong sizes not refused: %s", tr_error_msg());
    mdp_free(big);
  }
  thy_pi_ws_free(ws);
  thy_pi_ws_free(NULL);
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *rng = tr_rng_alloc(20240611);
  if (!rng) return 99;
  test_two_state();
  test_optimal_control(rng);
  test_policy_iteration_ws(rng);
  test_dense_vs_iterative(rng);
  test_divergences(rng);
  test_errors();
  test_auto_threshold(rng);
  gsl_rng_free(rng);
  return check_done("test_exact");
}
