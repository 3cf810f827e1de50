/* tests/test_advantage.c — algorithms/advantage: TD residuals, Monte Carlo returns, GAE,
 * advantage normalization, running normalizers, reward scaling, learning-rate annealing.
 *
 * Letters: T steps, E interleaved streams, D features, B rows; ε = DBL_EPSILON.
 * Truth: hand computations written out in comments (γ = 0.9 there so a reader can redo
 * them); the definition (1−λ) Σ_{n≥1} λ^{n−1} Â^{(n)}_t evaluated directly from n-step
 * advantages (REFERENCES.md § 2.8) on random trajectories with γ = 0.9137, λ = 0.71; per-
 * episode and per-stream recomputation for boundaries (exact equality: same operations);
 * two-pass statistics of the concatenated data for the running normalizer. */
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/advantage.h"
#include "core/rng.h"
#include "tests/check.h"

#define EPS DBL_EPSILON

/* ---- the hand-made 4-step batch: one truncation, one termination -----------------------
 * γ = 0.9, λ = 0.8 (γλ = 0.72).  Episode A: steps 0–1, truncated after step 1 (time limit;
 * bootstrap V(s₂ᴬ) = 4.0).  Episode B: steps 2–3, terminated after step 3.
 *   t        0     1     2     3
 *   r        1     2    −1     3
 *   V(s_t)   0.5   1.5   2.0  −0.5
 *   v_next   1.5   4.0  −0.5   (7.0, never read: terminal)
 *   trunc    0     1     0     0
 *   term     0     0     0     1
 * δ₀ = 1 + 0.9·1.5 − 0.5 = 1.85        δ₁ = 2 + 0.9·4.0 − 1.5 = 4.1 (bootstrapped)
 * δ₂ = −1 + 0.9·(−0.5) − 2.0 = −3.45   δ₃ = 3 + 0 − (−0.5) = 3.5 (no bootstrap)
 * GAE: Â₃ = 3.5;  Â₂ = −3.45 + 0.72·3.5 = −0.93;  Â₁ = 4.1 (episode cut: nothing from step 2);
 *      Â₀ = 1.85 + 0.72·4.1 = 4.802.   λ-returns Â + V = 5.302, 5.6, 1.07, 3.0.
 * MC returns: G₃ = 3;  G₂ = −1 + 0.9·3 = 1.7;  G₁ = 2 + 0.9·4.0 = 5.6;  G₀ = 1 + 0.9·5.6 = 6.04.
 * λ = 1: Â = G − V = 5.54, 4.1, −0.3, 3.5.  λ = 0: Â = δ.
 * The two classic bugs give different numbers: treating the truncation as terminal gives
 * δ₁ = 0.5; bootstrapping the termination gives δ₃ = 3 + 0.9·7 + 0.5 = 9.8. */
static void test_hand_batch(void) {
  const double r[4] = {1, 2, -1, 3}, V[4] = {0.5, 1.5, 2.0, -0.5};
  const double v_boot[4] = {NAN, 4.0, NAN, 7.0}; /* NaN: must not be read */
  const unsigned char trunc[4] = {0, 1, 0, 0}, term[4] = {0, 0, 0, 1};
  double vn[4], d[4], adv[4], ret[4], G[4];
  CHECK(alg_next_values(vn, V, v_boot, term, trunc, 4, 1) == TR_OK, "next values: %s",
        tr_error_msg());
  const double vn_want[4] = {1.5, 4.0, -0.5, 0.0};
  for (int t = 0; t < 4; t++) CHECK(vn[t] == vn_want[t], "v_next[%d] = %g", t, vn[t]);
  vn[3] = 7.0; /* a value network's V(next_obs) at the terminal step: must be ignored */

  CHECK(alg_td_residual(d, r, V, vn, term, 4, 0.9) == TR_OK, "td");
  const double d_want[4] = {1.85, 4.1, -3.45, 3.5};
  for (int t = 0; t < 4; t++) CHECK_CLOSE(d[t], d_want[t], 0.0, 4 * EPS, "δ (hand)");

  CHECK(alg_gae(adv, ret, r, V, vn, term, trunc, 4, 1, 0.9, 0.8) == TR_OK, "gae");
  const double a_want[4] = {4.802, 4.1, -0.93, 3.5}, ret_want[4] = {5.302, 5.6, 1.07, 3.0};
  for (int t = 0; t < 4; t++) {
    CHECK_CLOSE(adv[t], a_want[t], 0.0, 8 * EPS, "GAE (hand)");
    CHECK_CLOSE(ret[t], ret_want[t], 0.0, 8 * EPS, "λ-return (hand)");
  }
  CHECK(alg_returns_mc(G, r, vn, term, trunc, 4, 1, 0.9) == TR_OK, "mc");
  const double G_want[4] = {6.04, 5.6, 1.7, 3.0};
  for (int t = 0; t < 4; t++) CHECK_CLOSE(G[t], G_want[t], 0.0, 4 * EPS, "MC return (hand)");

  CHECK(alg_gae(adv, NULL, r, V, vn, term, trunc, 4, 1, 0.9, 1.0) == TR_OK, "gae λ=1");
  const double mc_adv[4] = {5.54, 4.1, -0.3, 3.5};
  for (int t = 0; t < 4; t++) CHECK_CLOSE(adv[t], mc_adv[t], 0.0, 16 * EPS, "λ=1 (hand)");
  double rtg[4];
  CHECK(alg_advantage_rtg(rtg, G, V, 4) == TR_OK, "rtg");
  for (int t = 0; t < 4; t++) CHECK_CLOSE(rtg[t], mc_adv[t], 0.0, 8 * EPS, "G − V (hand)");
  CHECK(alg_advantage_rtg(rtg, G, NULL, 4) == TR_OK && rtg[0] == G[0] && rtg[3] == G[3],
        "rtg without baseline");

  CHECK(alg_gae(adv, NULL, r, V, vn, term, trunc, 4, 1, 0.9, 0.0) == TR_OK, "gae λ=0");
  for (int t = 0; t < 4; t++) CHECK(adv[t] == d[t], "λ=0: Â[%d] = %.17g ≠ δ = %.17g", t, adv[t], d[t]);

  /* both flags on the last step: terminated wins (no bootstrap) */
  const unsigned char trunc2[4] = {0, 1, 0, 1};
  CHECK(alg_gae(adv, NULL, r, V, vn, term, trunc2, 4, 1, 0.9, 0.8) == TR_OK, "both flags");
  CHECK_CLOSE(adv[3], 3.5, 0.0, 4 * EPS, "both flags: terminal");
  double vn2[4];
  CHECK(alg_next_values(vn2, V, v_boot, term, trunc2, 4, 1) == TR_OK && vn2[3] == 0.0,
        "both flags: v_next = 0");
}

/* ---- the definition (1−λ) Σ λ^{n−1} Â^{(n)} on a hand-made trajectory ------------------
 * One episode, 3 steps, terminated after step 2; γ = 0.9, λ = 0.5.
 *   r = (1, −2, 3),  V = (0.5, 1.0, −1.0),  V(terminal) = 0.
 * n-step advantages from t = 0 (Â^{(n)} = Σ_{l<n} γ^l r_l + γ^n V(s_n) − V(s_0)):
 *   Â^{(1)} = 1 + 0.9·1.0 − 0.5                     = 1.4
 *   Â^{(2)} = 1 + 0.9·(−2) + 0.81·(−1.0) − 0.5      = −2.11
 *   Â^{(n≥3)} = 1 − 1.8 + 0.81·3 − 0.5               = 1.13   (the episode has ended)
 *   (1−λ)[Â^{(1)} + λÂ^{(2)}] + λ² Â^{(3)} = 0.5·(1.4 − 1.055) + 0.25·1.13 = 0.455.
 * From t = 1: Â^{(1)} = −2 + 0.9·(−1) − 1 = −3.9,  Â^{(n≥2)} = −2 + 0.9·3 − 1 = −0.3;
 *   0.5·(−3.9) + 0.5·(−0.3) = −2.1.   From t = 2: Â^{(n≥1)} = 3 + 1 = 4. */

/* Â^{(n)}_t within the episode [t, end]: end the last step, term whether it was terminal
 * (else bootstrap with vboot_end).  n ≥ steps remaining gives the full (bootstrapped) return. */
static double nstep_adv(const double *r, const double *V, size_t t, size_t end, int term,
                        double vboot_end, double gamma, size_t n) {
  double s = 0.0, g = 1.0;
  size_t l = 0;
  for (; l < n && t + l <= end; l++) {
    s += g * r[t + l];
    g *= gamma;
  }
  if (t + l <= end) s += g * V[t + l];       /* stopped inside the episode: V(s_{t+n}) */
  else if (!term) s += g * vboot_end;        /* ran past the cut: bootstrap */
  return s - V[t];
}

/* (1−λ) Σ_{n=1}^{m−1} λ^{n−1} Â^{(n)} + λ^{m−1} Â^{(m)}, m = end − t + 1 (Â^{(n)} = Â^{(m)} for
 * n ≥ m, and Σ_{n≥m} (1−λ)λ^{n−1} = λ^{m−1}). */
static double gae_direct(const double *r, const double *V, size_t t, size_t end, int term,
                         double vboot_end, double gamma, double lambda) {
  size_t m = end - t + 1;
  double s = 0.0, w = 1.0;
  for (size_t n = 1; n < m; n++) {
    s += (1.0 - lambda) * w * nstep_adv(r, V, t, end, term, vboot_end, gamma, n);
    w *= lambda;
  }
  return s + w * nstep_adv(r, V, t, end, term, vboot_end, gamma, m);
}

static void test_definition(gsl_rng *rng) {
  { /* the hand-made trajectory above */
    const double r[3] = {1, -2, 3}, V[3] = {0.5, 1.0, -1.0}, vn[3] = {1.0, -1.0, 0.0};
    const unsigned char term[3] = {0, 0, 1}, trunc[3] = {0, 0, 0};
    const double want[3] = {0.455, -2.1, 4.0};
    double adv[3];
    CHECK(alg_gae(adv, NULL, r, V, vn, term, trunc, 3, 1, 0.9, 0.5) == TR_OK, "gae");
    for (size_t t = 0; t < 3; t++) {
      CHECK_CLOSE(adv[t], want[t], 0.0, 16 * EPS, "GAE = hand-evaluated definition");
      CHECK_CLOSE(gae_direct(r, V, t, 2, 1, 0.0, 0.9, 0.5), want[t], 0.0, 16 * EPS,
                  "direct evaluation = hand");
    }
  }
  /* random episodes, terminated or truncated, several λ */
  const double gamma = 0.9137, lambdas[] = {0.0, 0.71, 0.95, 1.0};
  for (int trial = 0; trial < 40; trial++) {
    size_t T = 1 + gsl_rng_uniform_int(rng, 30);
    int term_end = trial % 2;
    double *r = malloc(T * sizeof *r), *V = malloc(T * sizeof *V), *vn = malloc(T * sizeof *vn);
    double *adv = malloc(T * sizeof *adv), *G = malloc(T * sizeof *G);
    unsigned char *term = calloc(T, 1), *trunc = calloc(T, 1);
    for (size_t t = 0; t < T; t++) {
      r[t] = gsl_ran_gaussian(rng, 1.0) + 0.3;
      V[t] = gsl_ran_gaussian(rng, 2.0);
    }
    double vboot = gsl_ran_gaussian(rng, 2.0);
    for (size_t t = 0; t + 1 < T; t++) vn[t] = V[t + 1];
    vn[T - 1] = term_end ? 0.0 : vboot;
    (term_end ? term : trunc)[T - 1] = 1;
    for (size_t il = 0; il < sizeof lambdas / sizeof *lambdas; il++) {
      double lambda = lambdas[il];
      CHECK(alg_gae(adv, NULL, r, V, vn, term, trunc, T, 1, gamma, lambda) == TR_OK, "gae");
      for (size_t t = 0; t < T; t++) {
        double want = gae_direct(r, V, t, T - 1, term_end, vboot, gamma, lambda);
        /* both sides sum ≤ T terms of size ≤ max|r|+2max|V|, ~ T·10 with ε each */
        CHECK_CLOSE(adv[t], want, 64.0 * (double)T * EPS, 64.0 * (double)T * EPS,
                    "GAE = (1−λ)Σλ^{n−1}Â^{(n)}");
      }
    }
    /* λ = 1 is the Monte Carlo advantage G − V */
    CHECK(alg_returns_mc(G, r, vn, term, trunc, T, 1, gamma) == TR_OK, "mc");
    CHECK(alg_gae(adv, NULL, r, V, vn, term, trunc, T, 1, gamma, 1.0) == TR_OK, "gae λ=1");
    for (size_t t = 0; t < T; t++)
      CHECK_CLOSE(adv[t], G[t] - V[t], 32.0 * (double)T * EPS, 32.0 * (double)T * EPS,
                  "λ=1: Â = G − V");
    free(r); free(V); free(vn); free(adv); free(G); free(term); free(trunc);
  }
}

/* ---- episode and stream boundaries ----------------------------------------------------- */
typedef struct {
  size_t T;
  double *r, *V, *vboot, *vn;
  unsigned char *term, *trunc;
} traj;

/* T steps of a single stream, episodes ending at random (terminated or truncated), the last
 * step truncated (the batch cut). */
static traj traj_random(gsl_rng *rng, size_t T) {
  traj x = {T, malloc(T * sizeof(double)), malloc(T * sizeof(double)), malloc(T * sizeof(double)),
            malloc(T * sizeof(double)), calloc(T, 1), calloc(T, 1)};
  for (size_t t = 0; t < T; t++) {
    x.r[t] = gsl_ran_gaussian(rng, 1.0);
    x.V[t] = gsl_ran_gaussian(rng, 3.0);
    x.vboot[t] = gsl_ran_gaussian(rng, 3.0);
    double u = gsl_rng_uniform(rng);
    if (u < 0.12) x.term[t] = 1;
    else if (u < 0.2) x.trunc[t] = 1;
  }
  if (!x.term[T - 1]) x.trunc[T - 1] = 1;
  alg_next_values(x.vn, x.V, x.vboot, x.term, x.trunc, T, 1);
  return x;
}

static void traj_free(traj *x) {
  free(x->r); free(x->V); free(x->vboot); free(x->vn); free(x->term); free(x->trunc);
}

static void test_boundaries(gsl_rng *rng) {
  const double gamma = 0.9137, lambda = 0.71;
  size_t T = 200;
  traj x = traj_random(rng, T);
  double *adv = malloc(T * sizeof *adv), *ret = malloc(T * sizeof *ret), *G = malloc(T * sizeof *G);
  double *adv2 = malloc(T * sizeof *adv2), *G2 = malloc(T * sizeof *G2);
  CHECK(alg_gae(adv, ret, x.r, x.V, x.vn, x.term, x.trunc, T, 1, gamma, lambda) == TR_OK, "gae");
  CHECK(alg_returns_mc(G, x.r, x.vn, x.term, x.trunc, T, 1, gamma) == TR_OK, "mc");
  /* each episode alone gives the same numbers, bit for bit */
  size_t start = 0, n_ep = 0;
  for (size_t t = 0; t < T; t++) {
    if (!x.term[t] && !x.trunc[t]) continue;
    size_t L = t - start + 1;
    CHECK(alg_gae(adv2, NULL, x.r + start, x.V + start, x.vn + start, x.term + start,
                  x.trunc + start, L, 1, gamma, lambda) == TR_OK, "gae episode");
    CHECK(alg_returns_mc(G2, x.r + start, x.vn + start, x.term + start, x.trunc + start, L, 1,
                         gamma) == TR_OK, "mc episode");
    CHECK(memcmp(adv2, adv + start, L * sizeof *adv) == 0, "episode %zu (steps %zu..%zu): GAE "
          "differs when computed alone", n_ep, start, t);
    CHECK(memcmp(G2, G + start, L * sizeof *G) == 0, "episode %zu: MC differs alone", n_ep);
    for (size_t l = 0; l < L; l++)
      CHECK(ret[start + l] == adv[start + l] + x.V[start + l], "λ-return = Â + V");
    start = t + 1;
    n_ep++;
  }
  CHECK(n_ep > 5, "only %zu episodes in the batch", n_ep);
  /* changing everything after the first episode leaves its advantages unchanged */
  size_t first_end = 0;
  while (!x.term[first_end] && !x.trunc[first_end]) first_end++;
  for (size_t t = first_end + 1; t < T; t++) {
    x.r[t] += 100.0;
    x.V[t] -= 50.0;
  }
  alg_next_values(x.vn, x.V, x.vboot, x.term, x.trunc, T, 1);
  CHECK(alg_gae(adv2, NULL, x.r, x.V, x.vn, x.term, x.trunc, T, 1, gamma, lambda) == TR_OK, "gae");
  CHECK(memcmp(adv2, adv, (first_end + 1) * sizeof *adv) == 0, "later episodes leak into the first");

  /* E = 3 interleaved streams (time-major (T/E, E)): the same as each stream alone */
  const size_t E = 3, Ts = 41;
  traj s[3];
  for (size_t e = 0; e < E; e++) s[e] = traj_random(rng, Ts);
  size_t TT = E * Ts;
  double *r = malloc(TT * sizeof *r), *V = malloc(TT * sizeof *V), *vb = malloc(TT * sizeof *vb);
  double *vn = malloc(TT * sizeof *vn), *A3 = malloc(TT * sizeof *A3), *G3 = malloc(TT * sizeof *G3);
  unsigned char *term = malloc(TT), *trunc = malloc(TT);
  for (size_t t = 0; t < Ts; t++)
    for (size_t e = 0; e < E; e++) {
      size_t i = t * E + e;
      r[i] = s[e].r[t];
      V[i] = s[e].V[t];
      vb[i] = s[e].vboot[t];
      term[i] = s[e].term[t];
      trunc[i] = s[e].trunc[t];
    }
  CHECK(alg_next_values(vn, V, vb, term, trunc, TT, E) == TR_OK, "next values E=3: %s",
        tr_error_msg());
  CHECK(alg_gae(A3, NULL, r, V, vn, term, trunc, TT, E, gamma, lambda) == TR_OK, "gae E=3");
  CHECK(alg_returns_mc(G3, r, vn, term, trunc, TT, E, gamma) == TR_OK, "mc E=3");
  for (size_t e = 0; e < E; e++) {
    double *a1 = malloc(Ts * sizeof *a1), *g1 = malloc(Ts * sizeof *g1);
    alg_gae(a1, NULL, s[e].r, s[e].V, s[e].vn, s[e].term, s[e].trunc, Ts, 1, gamma, lambda);
    alg_returns_mc(g1, s[e].r, s[e].vn, s[e].term, s[e].trunc, Ts, 1, gamma);
    int same = 1;
    for (size_t t = 0; t < Ts; t++)
      same &= vn[t * E + e] == s[e].vn[t] && A3[t * E + e] == a1[t] && G3[t * E + e] == g1[t];
    CHECK(same, "stream %zu: interleaved results differ from the stream alone", e);
    free(a1);
    free(g1);
    traj_free(&s[e]);
  }
  free(r); free(V); free(vb); free(vn); free(A3); free(G3); free(term); free(trunc);
  free(adv); free(ret); free(G); free(adv2); free(G2);
  traj_free(&x);
}

/* ---- bad input ------------------------------------------------------------------------- */
static void test_bad_input(void) {
  const double r[4] = {1, 2, -1, 3}, V[4] = {0.5, 1.5, 2.0, -0.5};
  double vn[4] = {1.5, 4.0, -0.5, NAN}; /* NaN at the terminal step: never read */
  const unsigned char trunc[4] = {0, 1, 0, 0}, term[4] = {0, 0, 0, 1};
  const unsigned char open_end[4] = {0, 1, 0, 0};
  double out[4] = {-7, -7, -7, -7};
  CHECK(alg_gae(out, NULL, r, V, vn, term, trunc, 4, 1, 0.9, 0.8) == TR_OK &&
            isfinite(out[0]) && isfinite(out[3]),
        "NaN next value at a terminal step is not read");
  out[0] = out[1] = out[2] = out[3] = -7;
  CHECK(alg_gae(out, NULL, r, V, vn, open_end, trunc, 4, 1, 0.9, 0.8) == TR_EINVAL, "open end");
  CHECK(strstr(tr_error_msg(), "gae: step 3 (stream 0) ends the batch but is neither terminated "
                               "nor truncated") != NULL, "message '%s'", tr_error_msg());
  CHECK(out[0] == -7 && out[3] == -7, "output written on failure");
  CHECK(alg_returns_mc(out, r, vn, open_end, trunc, 4, 1, 0.9) == TR_EINVAL, "mc open end");
  CHECK(alg_next_values(out, V, vn, open_end, trunc, 4, 1) == TR_EINVAL, "next open end");
  CHECK(alg_gae(out, NULL, r, V, vn, term, trunc, 4, 3, 0.9, 0.8) == TR_EINVAL, "T mod E");
  CHECK(strstr(tr_error_msg(), "not a multiple of E = 3") != NULL, "message '%s'", tr_error_msg());
  CHECK(alg_gae(out, NULL, r, V, vn, term, trunc, 4, 0, 0.9, 0.8) == TR_EINVAL, "E = 0");
  CHECK(alg_gae(out, NULL, r, V, vn, term, trunc, 4, 1, 1.5, 0.8) == TR_EINVAL, "γ > 1");
  CHECK(strstr(tr_error_msg(), "gamma must be in [0, 1], got 1.5") != NULL, "message '%s'",
        tr_error_msg());
  CHECK(alg_gae(out, NULL, r, V, vn, term, trunc, 4, 1, 0.9, NAN) == TR_EINVAL, "λ NaN");
  CHECK(alg_td_residual(out, r, V, vn, term, 4, -0.1) == TR_EINVAL, "γ < 0");
  vn[1] = INFINITY;
  CHECK(alg_gae(out, NULL, r, V, vn, term, trunc, 4, 1, 0.9, 0.8) == TR_EINVAL, "inf next value");
  CHECK(strstr(tr_error_msg(), "gae: next value at step 1 is inf") != NULL, "message '%s'",
        tr_error_msg());
  CHECK(alg_returns_mc(out, r, vn, term, trunc, 4, 1, 0.9) == TR_EINVAL, "mc inf bootstrap");
  const double rbad[4] = {1, NAN, 0, 0};
  vn[1] = 4.0;
  CHECK(alg_returns_mc(out, rbad, vn, term, trunc, 4, 1, 0.9) == TR_EINVAL, "NaN reward");
  CHECK(strstr(tr_error_msg(), "reward at step 1 is nan") != NULL, "message '%s'", tr_error_msg());
  CHECK(alg_next_values(out, V, NULL, term, trunc, 4, 1) == TR_EINVAL, "truncation without v_boot");
  CHECK(alg_advantage_rtg(out, rbad, NULL, 4) == TR_EINVAL, "rtg NaN");
  CHECK(out[0] == -7 && out[3] == -7, "output written on failure");
  /* T = 0 is an empty batch, not an error */
  CHECK(alg_gae(out, NULL, r, V, vn, term, trunc, 0, 1, 0.9, 0.8) == TR_OK, "T = 0");
}

/* ---- advantage normalization ------------------------------------------------------------ */
static void test_normalize(gsl_rng *rng) {
  /* (1, 2, 3, 4): mean 2.5, population std sqrt(1.25) = 1.1180339887498949 */
  double a[4] = {1, 2, 3, 4};
  CHECK(alg_advantage_normalize(a, 4) == TR_OK, "normalize");
  double sd = sqrt(1.25) + 1e-8;
  const double want[4] = {-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd};
  for (int i = 0; i < 4; i++) CHECK_CLOSE(a[i], want[i], 0.0, 4 * EPS, "normalized (hand)");
  double one = 3.7;
  CHECK(alg_advantage_normalize(&one, 1) == TR_OK && one == 0.0, "n = 1 gives 0, got %g", one);
  double c[3] = {2, 2, 2};
  CHECK(alg_advantage_normalize(c, 3) == TR_OK && c[0] == 0.0 && c[2] == 0.0, "constant → 0");
  size_t n = 1000;
  double *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++) x[i] = 1e3 + 0.25 * gsl_ran_gaussian(rng, 1.0);
  CHECK(alg_advantage_normalize(x, n) == TR_OK, "normalize big");
  double m = 0.0, v = 0.0;
  for (size_t i = 0; i < n; i++) m += x[i];
  m /= (double)n;
  for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
  v /= (double)n;
  /* each x − mean carries ≈ ε·|x| = ε·1e3 of rounding, i.e. ε·1e3/0.25 after scaling */
  CHECK(fabs(m) < 16.0 * EPS * 1e3 / 0.25, "mean after %g", m);
  CHECK_CLOSE(sqrt(v), 1.0, 0.0, 1e-7, "std after (≈ 1 − 1e-8/std)");
  x[5] = NAN;
  x[0] = 1.0;
  CHECK(alg_advantage_normalize(x, n) == TR_EINVAL && x[0] == 1.0, "NaN: error, no change");
  free(x);
}

/* ---- running normalizer --------------------------------------------------------------- */
static void two_pass(const double *x, size_t B, size_t D, size_t j, double *mean, double *var) {
  double m = 0.0, v = 0.0;
  for (size_t b = 0; b < B; b++) m += x[b * D + j];
  m /= (double)B;
  for (size_t b = 0; b < B; b++) v += (x[b * D + j] - m) * (x[b * D + j] - m);
  *mean = m;
  *var = v / (double)B;
}

static void test_running_norm(gsl_rng *rng) {
  const size_t D = 3, sizes[4] = {1, 7, 64, 200};
  size_t N = 0;
  for (int k = 0; k < 4; k++) N += sizes[k];
  /* features with large offsets and small spreads: what a naive Σx² formula ruins */
  const double mu[3] = {1e4, -3.0, 0.0}, sig[3] = {0.01, 2.0, 1e-3};
  double *x = malloc(N * D * sizeof *x);
  for (size_t b = 0; b < N; b++)
    for (size_t j = 0; j < D; j++) x[b * D + j] = mu[j] + sig[j] * gsl_ran_gaussian(rng, 1.0);
  alg_running_norm *seq = alg_running_norm_alloc(D), *all = alg_running_norm_alloc(D);
  alg_running_norm *a = alg_running_norm_alloc(D), *b = alg_running_norm_alloc(D);
  alg_running_norm *one = alg_running_norm_alloc(D);
  CHECK(alg_running_norm_update(all, x, N) == TR_OK, "update all");
  size_t off = 0;
  for (int k = 0; k < 4; k++) { /* sequential blocks; a gets blocks 0,1, b gets 2,3 */
    CHECK(alg_running_norm_update(seq, x + off * D, sizes[k]) == TR_OK, "update block");
    alg_running_norm_update(k < 2 ? a : b, x + off * D, sizes[k]);
    off += sizes[k];
  }
  for (size_t i = 0; i < N; i++) alg_running_norm_update(one, x + i * D, 1); /* Welford */
  CHECK(alg_running_norm_merge(a, b) == TR_OK, "merge");
  double vs[3], va[3], vall[3], v1[3];
  alg_running_norm_var(seq, vs);
  alg_running_norm_var(a, va);
  alg_running_norm_var(all, vall);
  alg_running_norm_var(one, v1);
  for (size_t j = 0; j < D; j++) {
    double m, v;
    two_pass(x, N, D, j, &m, &v);
    /* rounding: mean to ~ N ε |μ|, var to ~ N ε (v + δ²-terms); generous 1e-12 relative, plus
     * the mean's absolute floor 1e4·1e-13 */
    CHECK_CLOSE(all->mean[j], m, 1e-9, 1e-13, "one block: mean");
    CHECK_CLOSE(vall[j], v, 0.0, 1e-10, "one block: var");
    CHECK_CLOSE(seq->mean[j], m, 1e-9, 1e-13, "sequential blocks: mean");
    CHECK_CLOSE(vs[j], v, 0.0, 1e-10, "sequential blocks: var");
    CHECK_CLOSE(a->mean[j], m, 1e-9, 1e-13, "merged: mean");
    CHECK_CLOSE(va[j], v, 0.0, 1e-10, "merged: var");
    CHECK_CLOSE(one->mean[j], m, 1e-9, 1e-13, "row by row (Welford): mean");
    CHECK_CLOSE(v1[j], v, 0.0, 1e-8, "row by row (Welford): var");
  }
  CHECK(seq->count == (double)N && a->count == (double)N, "counts");
  /* merging with itself doubles the count and keeps mean and var */
  CHECK(alg_running_norm_copy(one, all) == TR_OK, "copy");
  CHECK(alg_running_norm_merge(one, one) == TR_OK && one->count == 2.0 * (double)N &&
            one->mean[1] == all->mean[1] && one->m2[1] == 2.0 * all->m2[1],
        "self merge");

  /* apply: clipping at ±5 and the formula inside */
  double row[3], z[3];
  for (size_t j = 0; j < D; j++) row[j] = all->mean[j] + 7.0 * sqrt(vall[j]);
  row[1] = all->mean[1] - 1.5 * sqrt(vall[1]);
  alg_running_norm_apply(all, z, row, 1);
  CHECK(z[0] == 5.0 && z[2] == 5.0, "clipped to +5: %g %g", z[0], z[2]);
  CHECK_CLOSE(z[1], -1.5 * sqrt(vall[1] / (vall[1] + 1e-8)), 0.0, 1e-10, "inside the clip");
  row[0] = all->mean[0] - 1e3;
  alg_running_norm_apply(all, row, row, 1); /* in place */
  CHECK(row[0] == -5.0, "clipped to −5: %g", row[0]);
  /* a copy normalizes identically, bit for bit; sizes must match */
  alg_running_norm *cp = alg_running_norm_alloc(D), *small = alg_running_norm_alloc(2);
  CHECK(alg_running_norm_copy(cp, all) == TR_OK, "copy");
  double *z1 = malloc(N * D * sizeof *z1), *z2 = malloc(N * D * sizeof *z2);
  alg_running_norm_apply(all, z1, x, N);
  alg_running_norm_apply(cp, z2, x, N);
  CHECK(memcmp(z1, z2, N * D * sizeof *z1) == 0, "copy applies differently");
  CHECK(alg_running_norm_copy(small, all) == TR_EINVAL, "copy D mismatch");
  CHECK(alg_running_norm_merge(small, all) == TR_EINVAL, "merge D mismatch");
  /* before any data: (x − 0)/sqrt(1 + 1e-8), then clipped */
  alg_running_norm_reset(cp);
  const double raw[3] = {2.0, -9.0, 0.25};
  alg_running_norm_apply(cp, z, raw, 1);
  CHECK_CLOSE(z[0], 2.0 / sqrt(1.0 + 1e-8), 0.0, 2 * EPS, "empty: identity");
  CHECK(z[1] == -5.0, "empty: clip");
  /* no clipping when clip ≤ 0 */
  cp->clip = 0.0;
  alg_running_norm_apply(cp, z, raw, 1);
  CHECK_CLOSE(z[1], -9.0 / sqrt(1.0 + 1e-8), 0.0, 2 * EPS, "clip off");
  /* baselines' prior: count 1e-4, mean 0, var 1; one row x = 2 (D = 1):
   *   n = 1.0001, mean = 2/1.0001, M2 = 1e-4 + 2²·1e-4/1.0001, var = M2/1.0001 */
  alg_running_norm *p = alg_running_norm_alloc(1);
  CHECK(alg_running_norm_set_prior(p, 1e-4) == TR_OK, "prior");
  double two = 2.0, vp;
  alg_running_norm_update(p, &two, 1);
  alg_running_norm_var(p, &vp);
  CHECK_CLOSE(p->mean[0], 2.0 / 1.0001, 0.0, 4 * EPS, "prior: mean");
  CHECK_CLOSE(vp, (1e-4 + 4.0 * 1e-4 / 1.0001) / 1.0001, 0.0, 8 * EPS, "prior: var");
  CHECK(alg_running_norm_set_prior(p, -1.0) == TR_EINVAL, "negative prior");
  /* non-finite rows are refused without changing the statistics */
  double bad[3] = {1.0, INFINITY, 0.0}, before = all->count;
  CHECK(alg_running_norm_update(all, bad, 1) == TR_EINVAL && all->count == before, "inf row");
  CHECK(strstr(tr_error_msg(), "row 0, feature 1 is inf") != NULL, "message '%s'", tr_error_msg());
  CHECK(alg_running_norm_alloc(0) == NULL, "alloc(0)");
  alg_running_norm_free(NULL);
  alg_running_norm_free(seq); alg_running_norm_free(all); alg_running_norm_free(a);
  alg_running_norm_free(b); alg_running_norm_free(one); alg_running_norm_free(cp);
  alg_running_norm_free(small); alg_running_norm_free(p);
  free(x); free(z1); free(z2);
}

/* ---- reward scaling -----------------------------------------------------------------------
 * E = 2 streams, γ = 0.9, clip 10, eps 1e-8, statistics from count 0.
 * Step 1: r = (1, −2), done = (0, 1).  G = (1, −2).  Data {1, −2}: mean −0.5,
 *   var = (1.5² + 1.5²)/2 = 2.25.  r̃ = (1, −2)/sqrt(2.25 + 1e-8) ≈ (0.6667, −1.3333).
 *   Stream 1's episode ended: G = (1, 0).
 * Step 2: r = (0.5, 3), done = (0, 0).  G = (0.9·1 + 0.5, 0.9·0 + 3) = (1.4, 3).
 *   Data {1, −2, 1.4, 3}: mean 0.85; deviations 0.15, −2.85, 0.55, 2.15; squares 0.0225,
 *   8.1225, 0.3025, 4.6225, sum 13.07; var = 3.2675.  r̃ = (0.5, 3)/sqrt(3.2675 + 1e-8).
 * Step 3: r = (−1, 0.25), done = (1, 0).  G = (0.9·1.4 − 1, 0.9·3 + 0.25) = (0.26, 2.95).
 *   Data {1, −2, 1.4, 3, 0.26, 2.95}: var by two passes below.  Then G = (0, 2.95).
 * Step 4: r = (40, 0), clip lowered to 2: G = (40, 2.655); with the eight values of G so far
 *   40/std ≈ 3.10 (one new value can sit at most √(n−1) std from the mean, so a later reward
 *   rarely reaches the default clip 10) → clipped to 2; the copy (clip 10) gives 3.10. */
static void test_reward_scaler(void) {
  alg_reward_scaler *rs = alg_reward_scaler_alloc(2, 0.9);
  double out[2];
  const double r1[2] = {1, -2}, r2[2] = {0.5, 3}, r3[2] = {-1, 0.25}, r4[2] = {40, 0};
  const unsigned char d1[2] = {0, 1}, d2[2] = {0, 0}, d3[2] = {1, 0};
  CHECK(alg_reward_scaler_step(rs, out, r1, d1) == TR_OK, "step 1");
  CHECK_CLOSE(out[0], 1.0 / sqrt(2.25 + 1e-8), 0.0, 4 * EPS, "step 1, stream 0");
  CHECK_CLOSE(out[1], -2.0 / sqrt(2.25 + 1e-8), 0.0, 4 * EPS, "step 1, stream 1");
  CHECK(rs->G[0] == 1.0 && rs->G[1] == 0.0, "G after step 1: %g %g", rs->G[0], rs->G[1]);
  CHECK(alg_reward_scaler_step(rs, out, r2, d2) == TR_OK, "step 2");
  CHECK_CLOSE(out[0], 0.5 / sqrt(3.2675 + 1e-8), 0.0, 8 * EPS, "step 2, stream 0");
  CHECK_CLOSE(out[1], 3.0 / sqrt(3.2675 + 1e-8), 0.0, 8 * EPS, "step 2, stream 1");
  /* a copy taken here continues identically */
  alg_reward_scaler *cp = alg_reward_scaler_alloc(2, 0.5);
  CHECK(alg_reward_scaler_copy(cp, rs) == TR_OK && cp->gamma == 0.9, "copy");
  CHECK(alg_reward_scaler_step(rs, out, r3, d3) == TR_OK, "step 3");
  const double data[6] = {1, -2, 1.4, 3, 0.26, 2.95};
  double m, v;
  two_pass(data, 6, 1, 0, &m, &v);
  CHECK_CLOSE(out[0], -1.0 / sqrt(v + 1e-8), 0.0, 16 * EPS, "step 3, stream 0");
  CHECK_CLOSE(out[1], 0.25 / sqrt(v + 1e-8), 0.0, 16 * EPS, "step 3, stream 1");
  CHECK(rs->G[0] == 0.0 && fabs(rs->G[1] - 2.95) < 1e-15, "G after step 3");
  double out_cp[2];
  alg_reward_scaler_step(cp, out_cp, r3, d3);
  CHECK(memcmp(out, out_cp, sizeof out) == 0, "copy continues differently");
  rs->clip = 2.0;
  CHECK(alg_reward_scaler_step(rs, out, r4, NULL) == TR_OK, "step 4");
  CHECK(out[0] == 2.0 && out[1] == 0.0, "step 4: clipped %g %g", out[0], out[1]);
  alg_reward_scaler_step(cp, out_cp, r4, NULL);
  const double data8[8] = {1, -2, 1.4, 3, 0.26, 2.95, 40, 2.655};
  two_pass(data8, 8, 1, 0, &m, &v);
  CHECK_CLOSE(out_cp[0], 40.0 / sqrt(v + 1e-8), 0.0, 32 * EPS, "step 4 unclipped (copy)");
  CHECK(out_cp[0] > 3.0 && out_cp[0] < 3.2, "step 4: %g", out_cp[0]);
  /* E = 1, first step: var 0, r/sqrt(1e-8) = 2e4 → clipped to 10 (the reference code's
   * behaviour at the very first step, too: it divides by ≈ 0.022 and clips) */
  alg_reward_scaler *one = alg_reward_scaler_alloc(1, 0.99);
  double two = 2.0, o;
  CHECK(alg_reward_scaler_step(one, &o, &two, NULL) == TR_OK && o == 10.0, "first step %g", o);
  double nan = NAN;
  CHECK(alg_reward_scaler_step(one, &o, &nan, NULL) == TR_EINVAL && one->G[0] == 2.0 &&
            one->rn->count == 1.0,
        "NaN reward: error, no change");
  CHECK(alg_reward_scaler_copy(one, rs) == TR_EINVAL, "copy E mismatch");
  CHECK(alg_reward_scaler_alloc(0, 0.9) == NULL && alg_reward_scaler_alloc(1, 1.1) == NULL,
        "bad alloc");
  alg_reward_scaler_free(NULL);
  alg_reward_scaler_free(rs);
  alg_reward_scaler_free(cp);
  alg_reward_scaler_free(one);
}

/* ---- learning rate -------------------------------------------------------------------- */
static void test_lr(void) {
  /* lr0 = 3e-4, K = 10: 3e-4·(1 − k/10) */
  CHECK(alg_lr_linear(3e-4, 0, 10) == 3e-4, "k = 0");
  CHECK_CLOSE(alg_lr_linear(3e-4, 5, 10), 1.5e-4, 0.0, 2 * EPS, "k = 5");
  CHECK_CLOSE(alg_lr_linear(3e-4, 9, 10), 3e-5, 0.0, 4 * EPS, "k = 9");
  CHECK(alg_lr_linear(3e-4, 10, 10) == 0.0 && alg_lr_linear(3e-4, 11, 10) == 0.0, "k ≥ K");
  CHECK(alg_lr_linear(3e-4, 7, 0) == 3e-4, "K = 0: no annealing");
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *rng = tr_rng_alloc(91370071);
  test_hand_batch();
  test_definition(rng);
  test_boundaries(rng);
  test_bad_input();
  test_normalize(rng);
  test_running_norm(rng);
  test_reward_scaler();
  test_lr();
  gsl_rng_free(rng);
  return check_done("test_advantage");
}
