/* tests/test_generators.c — the tabular MDP families (mdps/generators.c): structure of
 * every family, hand-computed transitions, determinism of Garnet, Garnet's
 * distribution, and the sentence for each bad argument.
 *
 * Letters: S states, A actions, K = S*A rows, b Garnet branching factor. */
#include <string.h>

#include "core/rng.h"
#include "mdps/generators.h"
#include "tests/check.h"

#define MSG_IS(want) \
  CHECK(strcmp(tr_error_msg(), (want)) == 0, "message '%s'", tr_error_msg())

/* ---- shared structural checks ----------------------------------------------------- */

/* Every row sums to 1 within 1e-12, columns are increasing and probabilities > 0. */
static void check_rows(const mdp *m, const char *what) {
  int bad_sum = 0, bad_order = 0;
  for (size_t k = 0; k < m->S * m->A; k++) {
    double sum = 0.0;
    for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++) {
      sum += m->prob[i];
      if (m->prob[i] <= 0.0 || m->col[i] >= m->S ||
          (i > m->rowptr[k] && m->col[i] <= m->col[i - 1]))
        bad_order++;
    }
    if (!(fabs(sum - 1.0) <= 1e-12)) {
      if (!bad_sum) printf("  %s: row %zu sums to %.17g\n", what, k, sum);
      bad_sum++;
    }
  }
  CHECK(bad_sum == 0, "%s: %d rows do not sum to 1", what, bad_sum);
  CHECK(bad_order == 0, "%s: %d malformed entries", what, bad_order);
}

static void check_rewards_in(const mdp *m, double lo, double hi, const char *what) {
  double rmin, rmax;
  mdp_reward_range(m, &rmin, &rmax);
  CHECK(rmin >= lo && rmax <= hi, "%s: rewards in [%g, %g], want within [%g, %g]", what,
        rmin, rmax, lo, hi);
}

/* μ = δ_start */
static void check_delta_mu(const mdp *m, size_t start, const char *what) {
  int ok = 1;
  for (size_t s = 0; s < m->S; s++) ok &= m->mu[s] == (s == start ? 1.0 : 0.0);
  CHECK(ok, "%s: mu is delta at %zu", what, start);
}

static void check_action_names(const mdp *m, const char *const *want, const char *what) {
  int ok = m->action_names != NULL;
  for (size_t a = 0; ok && a < m->A; a++) ok = strcmp(m->action_names[a], want[a]) == 0;
  CHECK(ok, "%s: action names", what);
}

/* Row (s,a) has a single entry s2 with probability 1. */
static int goes_surely(const mdp *m, size_t s, size_t a, size_t s2) {
  size_t k = s * m->A + a;
  return m->rowptr[k + 1] - m->rowptr[k] == 1 && mdp_prob(m, s, a, s2) == 1.0;
}

/* All actions of s self-loop with reward 0. */
static int absorbing_zero(const mdp *m, size_t s) {
  int ok = 1;
  for (size_t a = 0; a < m->A; a++)
    ok &= goes_surely(m, s, a, s) && m->r[s * m->A + a] == 0.0;
  return ok;
}

static size_t row_nnz(const mdp *m, size_t s, size_t a) {
  return m->rowptr[s * m->A + a + 1] - m->rowptr[s * m->A + a];
}

static int same_mdp(const mdp *x, const mdp *y) {
  if (x->S != y->S || x->A != y->A || x->gamma != y->gamma || mdp_nnz(x) != mdp_nnz(y))
    return 0;
  size_t K = x->S * x->A, N = mdp_nnz(x);
  return memcmp(x->rowptr, y->rowptr, (K + 1) * sizeof *x->rowptr) == 0 &&
         memcmp(x->col, y->col, N * sizeof *x->col) == 0 &&
         memcmp(x->prob, y->prob, N * sizeof *x->prob) == 0 &&
         memcmp(x->r, y->r, K * sizeof *x->r) == 0 &&
         memcmp(x->mu, y->mu, x->S * sizeof *x->mu) == 0;
}

/* ---- Garnet ------------------------------------------------------------------------ */

static mdp *garnet_seeded(size_t S, size_t A, size_t b, double gamma, uint64_t seed) {
  gsl_rng *r = tr_rng_alloc(seed);
  mdp *m = r ? mdp_garnet_alloc(S, A, b, gamma, r) : NULL;
  gsl_rng_free(r);
  return m;
}

static void test_garnet_structure(size_t S, size_t A, size_t b) {
  char what[64];
  snprintf(what, sizeof what, "garnet(%zu,%zu,%zu)", S, A, b);
  mdp *m = garnet_seeded(S, A, b, 0.9137, 20240611);
  CHECK(m != NULL, "%s: %s", what, tr_error_msg());
  if (!m) return;
  CHECK(m->S == S && m->A == A && m->gamma == 0.9137, "%s: scalars", what);
  CHECK(mdp_nnz(m) == S * A * b, "%s: nnz %zu", what, mdp_nnz(m));
  int bad_b = 0;
  for (size_t k = 0; k < S * A; k++) bad_b += m->rowptr[k + 1] - m->rowptr[k] != b;
  CHECK(bad_b == 0, "%s: %d rows without exactly b nonzeros", what, bad_b);
  check_rows(m, what); /* increasing columns: the b next states are distinct */
  check_rewards_in(m, 0.0, 1.0, what);
  int mu_ok = 1;
  for (size_t s = 0; s < S; s++) mu_ok &= m->mu[s] == 1.0 / (double)S;
  CHECK(mu_ok, "%s: mu uniform", what);
  mdp_free(m);
}

static void test_garnet_determinism(void) {
  mdp *x = garnet_seeded(60, 3, 7, 0.9137, 11);
  mdp *y = garnet_seeded(60, 3, 7, 0.9137, 11);
  mdp *z = garnet_seeded(60, 3, 7, 0.9137, 12);
  CHECK(x && y && z, "garnet determinism allocs: %s", tr_error_msg());
  if (x && y && z) {
    CHECK(same_mdp(x, y), "same seed, bit-identical MDP");
    CHECK(!same_mdp(x, z), "different seed, different MDP");
    CHECK(memcmp(x->r, z->r, 60 * 3 * sizeof *x->r) != 0, "different seed, different r");
    CHECK(memcmp(x->col, z->col, mdp_nnz(x) * sizeof *x->col) != 0,
          "different seed, different next states");
  }
  mdp_free(x);
  mdp_free(y);
  mdp_free(z);
}

/* Garnet's distribution, S=40, A=50, b=4, K = 2000 rows, 8000 entries.
 * Probabilities: each entry of a Dirichlet(1,1,1,1) row is Beta(1, b−1): mean 1/b,
 * variance (b−1)/(b²(b+1)) = 3/80, and P(p > 1/2) = (1/2)^(b−1) = 1/8.  Tolerances are
 * 5 standard errors of the sample statistic (the seed is fixed, so the test is
 * deterministic; 5 SE keeps it meaningful under a change of generator).
 * Next states: each state is drawn by a row w.p. b/S, so its count over K rows has mean
 * K·b/S = 200 and variance K·(b/S)(1 − b/S) = 180; Pearson's statistic over S states
 * is then about χ²(S−1) scaled by (1 − b/S): mean ≈ 35, sd ≈ 8.4; bound 35 + 6·8.4. */
static void test_garnet_distribution(void) {
  const size_t S = 40, A = 50, b = 4, K = S * A;
  mdp *m = garnet_seeded(S, A, b, 0.5, 7);
  CHECK(m != NULL, "garnet distribution: %s", tr_error_msg());
  if (!m) return;
  size_t N = mdp_nnz(m), count[40] = {0}, above_half = 0;
  double mean = 0.0, m2 = 0.0;
  for (size_t i = 0; i < N; i++) {
    mean += m->prob[i];
    m2 += m->prob[i] * m->prob[i];
    above_half += m->prob[i] > 0.5;
    count[m->col[i]]++;
  }
  mean /= (double)N;
  double var = m2 / (double)N - mean * mean;
  CHECK_CLOSE(mean, 0.25, 1e-12, 0.0, "mean is 1/b (rows sum to 1)");
  /* SE of the sample variance ≈ sqrt((μ4 − σ⁴)/N), μ4 the central fourth moment (the
   * entries of a row are dependent, so this is approximate); Beta(1,3) raw moments
   * E p^k = Π_{i<k} (1+i)/(4+i): 1/4, 1/10, 1/20, 1/35 */
  double mu = 0.25, var_want = 3.0 / 80.0;
  double mu4 = 1.0 / 35 - 4 * mu / 20 + 6 * mu * mu / 10 - 3 * mu * mu * mu * mu;
  double var_se = sqrt((mu4 - var_want * var_want) / (double)N);
  CHECK_CLOSE(var, var_want, 5.0 * var_se, 0.0, "Beta(1,3) variance");
  double frac = (double)above_half / (double)N, frac_se = sqrt(0.125 * 0.875 / (double)N);
  CHECK_CLOSE(frac, 0.125, 5.0 * frac_se, 0.0, "P(p > 1/2) = 1/8");
  double expect = (double)(K * b) / (double)S, chi2 = 0.0;
  for (size_t s = 0; s < S; s++)
    chi2 += (count[s] - expect) * (count[s] - expect) / expect;
  CHECK(chi2 < 35.1 + 6.0 * 8.4, "next states uniform: chi2 %g", chi2);
  mdp_free(m);
}

static void test_garnet_errors(void) {
  gsl_rng *r = tr_rng_alloc(3);
  CHECK(mdp_garnet_alloc(10, 2, 11, 0.9, r) == NULL, "b > S");
  MSG_IS("Garnet: branching factor b=11 is outside [1, S=10]");
  CHECK(mdp_garnet_alloc(10, 2, 0, 0.9, r) == NULL, "b = 0");
  MSG_IS("Garnet: branching factor b=0 is outside [1, S=10]");
  CHECK(mdp_garnet_alloc(0, 2, 1, 0.9, r) == NULL, "S = 0");
  MSG_IS("Garnet: S=0 and A=2 must both be at least 1");
  CHECK(mdp_garnet_alloc(10, 0, 1, 0.9, r) == NULL, "A = 0");
  MSG_IS("Garnet: S=10 and A=0 must both be at least 1");
  CHECK(mdp_garnet_alloc(10, 2, 3, 0.9, NULL) == NULL, "no rng");
  MSG_IS("Garnet: no random number generator");
  CHECK(mdp_garnet_alloc(10, 2, 3, 1.0, r) == NULL, "gamma 1");
  MSG_IS("discount 1 is outside [0, 1)");
  CHECK(mdp_garnet_alloc(10, 2, 3, -0.1, r) == NULL, "gamma negative");
  MSG_IS("discount -0.10000000000000001 is outside [0, 1)");
  gsl_rng_free(r);
}

static void test_garnet(void) {
  test_garnet_structure(1, 1, 1);
  test_garnet_structure(17, 3, 1); /* deterministic rows */
  test_garnet_structure(17, 3, 17); /* b = S: every state in every row */
  test_garnet_structure(50, 4, 5);
  test_garnet_structure(100000, 2, 3); /* large S: sparse storage only */
  mdp *one = garnet_seeded(17, 3, 1, 0.5, 5);
  int ok = one != NULL;
  for (size_t k = 0; one && k < 17 * 3; k++) ok &= one->prob[k] == 1.0;
  CHECK(ok, "b = 1 rows are deterministic");
  mdp_free(one);
  test_garnet_determinism();
  test_garnet_distribution();
  test_garnet_errors();
}

/* ---- chain ------------------------------------------------------------------------ */

static void test_chain(void) {
  static const char *const names[] = {"left", "right"};
  mdp *m = mdp_chain_alloc(6, 0.9137);
  CHECK(m != NULL, "chain: %s", tr_error_msg());
  if (!m) return;
  CHECK(m->S == 6 && m->A == 2 && m->gamma == 0.9137, "chain scalars");
  check_rows(m, "chain(6)");
  check_rewards_in(m, 0.0, 1.0, "chain(6)");
  check_delta_mu(m, 0, "chain(6)");
  check_action_names(m, names, "chain(6)");
  /* left */
  CHECK(goes_surely(m, 0, 0, 0), "left at 0 stays");
  int ok = 1;
  for (size_t s = 1; s < 6; s++) ok &= goes_surely(m, s, 0, s - 1);
  CHECK(ok, "left moves left surely");
  /* right, interior state 3 */
  CHECK(row_nnz(m, 3, 1) == 3, "right at 3: three next states");
  CHECK(mdp_prob(m, 3, 1, 4) == 0.35 && mdp_prob(m, 3, 1, 3) == 0.6 &&
            mdp_prob(m, 3, 1, 2) == 0.05,
        "right at 3: 0.35 / 0.6 / 0.05");
  CHECK(row_nnz(m, 0, 1) == 2 && mdp_prob(m, 0, 1, 1) == 0.4 &&
            mdp_prob(m, 0, 1, 0) == 0.6,
        "right at 0: 0.4 / 0.6");
  CHECK(row_nnz(m, 5, 1) == 2 && mdp_prob(m, 5, 1, 5) == 0.6 &&
            mdp_prob(m, 5, 1, 4) == 0.4,
        "right at N-1: 0.6 stay / 0.4 left");
  /* rewards */
  CHECK(m->r[0 * 2 + 0] == 0.005, "r(0, left) = 5/1000");
  CHECK(m->r[5 * 2 + 1] == 1.0, "r(N-1, right) = 1");
  double total = 0.0;
  for (size_t k = 0; k < 12; k++) total += m->r[k];
  CHECK(total == 1.005, "all other rewards 0 (sum %.17g)", total);
  mdp_free(m);

  m = mdp_chain_alloc(2, 0.5);
  CHECK(m != NULL, "chain(2): %s", tr_error_msg());
  if (m) {
    check_rows(m, "chain(2)");
    CHECK(mdp_prob(m, 0, 1, 1) == 0.4 && mdp_prob(m, 1, 1, 0) == 0.4, "chain(2) ends");
    CHECK(m->r[0] == 0.005 && m->r[3] == 1.0 && m->r[1] == 0.0 && m->r[2] == 0.0,
          "chain(2) rewards");
    mdp_free(m);
  }
  CHECK(mdp_chain_alloc(1, 0.5) == NULL, "chain(1)");
  MSG_IS("chain: N=1 states, need at least 2");
  CHECK(mdp_chain_alloc(0, 0.5) == NULL, "chain(0)");
  MSG_IS("chain: N=0 states, need at least 2");
  CHECK(mdp_chain_alloc(4, 1.0) == NULL, "chain gamma 1");
  MSG_IS("discount 1 is outside [0, 1)");
}

/* ---- gridworld --------------------------------------------------------------------- */

static const char *const grid_names[] = {"up", "right", "down", "left"};
enum { UP, RIGHT, DOWN, LEFT };

/* W=5, H=3 (not square, so x and y cannot be swapped unnoticed):
 *    0  1  2  3  4
 *    5  6  7  8  9
 *   10 11 12 13 14   goal 14 */
static void test_gridworld_deterministic(void) {
  mdp *m = mdp_gridworld_alloc(5, 3, 0.0, 0.9137);
  CHECK(m != NULL, "gridworld slip 0: %s", tr_error_msg());
  if (!m) return;
  CHECK(m->S == 15 && m->A == 4, "gridworld S, A");
  check_rows(m, "gridworld(5,3,0)");
  check_rewards_in(m, 0.0, 1.0, "gridworld(5,3,0)");
  check_delta_mu(m, 0, "gridworld(5,3,0)");
  check_action_names(m, grid_names, "gridworld(5,3,0)");
  CHECK(mdp_nnz(m) == 15 * 4, "slip 0: one next state per row");
  CHECK(goes_surely(m, 1, UP, 1), "up at the top wall stays");
  CHECK(goes_surely(m, 1, RIGHT, 2), "right from 1 -> 2");
  CHECK(goes_surely(m, 1, DOWN, 6), "down from 1 -> 6");
  CHECK(goes_surely(m, 1, LEFT, 0), "left from 1 -> 0");
  CHECK(goes_surely(m, 9, RIGHT, 9), "right at the right wall stays");
  CHECK(goes_surely(m, 12, DOWN, 12), "down at the bottom wall stays");
  CHECK(goes_surely(m, 10, LEFT, 10), "left at the left wall stays");
  CHECK(goes_surely(m, 7, UP, 2), "up from 7 -> 2");
  CHECK(absorbing_zero(m, 14), "goal absorbing, r = 0");
  CHECK(m->r[13 * 4 + RIGHT] == 1.0 && m->r[9 * 4 + DOWN] == 1.0, "entering goal: r = 1");
  double total = 0.0;
  for (size_t k = 0; k < 60; k++) total += m->r[k];
  CHECK(total == 2.0, "only the two goal-entering moves pay: sum %g", total);
  mdp_free(m);
}

/* slip = 0.2: intended move 0.8 + 0.2/4 = 0.85, each other direction 0.05. */
static void test_gridworld_slip(void) {
  mdp *m = mdp_gridworld_alloc(5, 3, 0.2, 0.9137);
  CHECK(m != NULL, "gridworld slip 0.2: %s", tr_error_msg());
  if (!m) return;
  check_rows(m, "gridworld(5,3,0.2)");
  check_rewards_in(m, 0.0, 1.0, "gridworld(5,3,0.2)");
  /* interior 7, right: 8 0.85, 2 (up) 0.05, 12 (down) 0.05, 6 (left) 0.05 */
  CHECK(row_nnz(m, 7, RIGHT) == 4, "interior: four next states");
  CHECK_CLOSE(mdp_prob(m, 7, RIGHT, 8), 0.85, 1e-15, 0, "P(8 | 7, right)");
  CHECK_CLOSE(mdp_prob(m, 7, RIGHT, 2), 0.05, 1e-15, 0, "P(2 | 7, right)");
  CHECK_CLOSE(mdp_prob(m, 7, RIGHT, 12), 0.05, 1e-15, 0, "P(12 | 7, right)");
  CHECK_CLOSE(mdp_prob(m, 7, RIGHT, 6), 0.05, 1e-15, 0, "P(6 | 7, right)");
  /* corner 0, right: 1 0.85, stay 0.1 (up and left hit walls), 5 (down) 0.05 */
  CHECK(row_nnz(m, 0, RIGHT) == 3, "corner: three next states");
  CHECK_CLOSE(mdp_prob(m, 0, RIGHT, 1), 0.85, 1e-15, 0, "P(1 | 0, right)");
  CHECK_CLOSE(mdp_prob(m, 0, RIGHT, 0), 0.10, 1e-15, 0, "P(0 | 0, right)");
  CHECK_CLOSE(mdp_prob(m, 0, RIGHT, 5), 0.05, 1e-15, 0, "P(5 | 0, right)");
  /* corner 0, up: stay 0.85 + 0.05 (left) = 0.9, 1 0.05, 5 0.05 */
  CHECK_CLOSE(mdp_prob(m, 0, UP, 0), 0.90, 1e-15, 0, "P(0 | 0, up)");
  /* rewards next to the goal: r(13, right) = 0.85, r(13, up) = 0.05 (slip right),
   * r(13, left) = 0.05, r(8, down) = 0 (14 is not a neighbour of 8) */
  CHECK_CLOSE(m->r[13 * 4 + RIGHT], 0.85, 1e-15, 0, "r(13, right)");
  CHECK_CLOSE(m->r[13 * 4 + UP], 0.05, 1e-15, 0, "r(13, up)");
  CHECK_CLOSE(m->r[13 * 4 + LEFT], 0.05, 1e-15, 0, "r(13, left)");
  CHECK(m->r[8 * 4 + DOWN] == 0.0, "r(8, down) = 0");
  CHECK(m->r[13 * 4 + RIGHT] == mdp_prob(m, 13, RIGHT, 14), "r is the stored P(goal)");
  CHECK(absorbing_zero(m, 14), "goal absorbing with slip");
  mdp_free(m);

  m = mdp_gridworld_alloc(3, 2, 1.0, 0.5); /* slip 1: uniform over four directions */
  CHECK(m != NULL, "gridworld slip 1: %s", tr_error_msg());
  if (m) {
    check_rows(m, "gridworld(3,2,1)");
    CHECK(mdp_prob(m, 1, UP, 1) == 0.25 && mdp_prob(m, 1, LEFT, 1) == 0.25 &&
              mdp_prob(m, 1, DOWN, 4) == 0.25,
          "slip 1 ignores the action");
    mdp_free(m);
  }
}

static void test_gridworld_other(void) {
  mdp *m = mdp_gridworld_alloc(200, 150, 0.1, 0.99); /* 30000 states */
  CHECK(m != NULL, "gridworld 200x150: %s", tr_error_msg());
  if (m) {
    CHECK(m->S == 30000, "200x150 S");
    check_rows(m, "gridworld(200,150,0.1)");
    CHECK(absorbing_zero(m, 29999), "200x150 goal absorbing");
    mdp_free(m);
  }
  m = mdp_gridworld_alloc(1, 1, 0.3, 0.5);
  CHECK(m && absorbing_zero(m, 0) && m->mu[0] == 1.0, "1x1: a single absorbing cell");
  mdp_free(m);
  m = mdp_gridworld_alloc(4, 1, 0.0, 0.5); /* a corridor */
  CHECK(m && goes_surely(m, 0, RIGHT, 1) && goes_surely(m, 0, DOWN, 0) &&
            m->r[2 * 4 + RIGHT] == 1.0,
        "4x1 corridor");
  mdp_free(m);

  CHECK(mdp_gridworld_alloc(4, 4, 1.5, 0.9) == NULL, "slip > 1");
  MSG_IS("gridworld: slip 1.5 is outside [0, 1]");
  CHECK(mdp_gridworld_alloc(4, 4, -0.25, 0.9) == NULL, "slip < 0");
  MSG_IS("gridworld: slip -0.25 is outside [0, 1]");
  CHECK(mdp_gridworld_alloc(4, 4, NAN, 0.9) == NULL, "slip NaN");
  MSG_IS("gridworld: slip nan is outside [0, 1]");
  CHECK(mdp_gridworld_alloc(0, 4, 0.1, 0.9) == NULL, "W = 0");
  MSG_IS("gridworld: W=0 and H=4 must both be at least 1");
  CHECK(mdp_gridworld_alloc(4, 0, 0.1, 0.9) == NULL, "H = 0");
  MSG_IS("gridworld: W=4 and H=0 must both be at least 1");
  CHECK(mdp_gridworld_alloc(4, 4, 0.1, 1.0) == NULL, "gridworld gamma 1");
  MSG_IS("discount 1 is outside [0, 1)");
}

/* ---- FrozenLake -------------------------------------------------------------------- */

static const char *const lake_names[] = {"left", "down", "right", "up"};
enum { FL_LEFT, FL_DOWN, FL_RIGHT, FL_UP };

/*   0 S  1 F  2 F  3 F
 *   4 F  5 H  6 F  7 H
 *   8 F  9 F 10 F 11 H
 *  12 H 13 F 14 F 15 G */
static void test_frozenlake4(void) {
  mdp *m = mdp_frozenlake_alloc(4, 0.9137);
  CHECK(m != NULL, "FrozenLake 4x4: %s", tr_error_msg());
  if (!m) return;
  CHECK(m->S == 16 && m->A == 4, "4x4 S, A");
  check_rows(m, "frozenlake4");
  check_rewards_in(m, 0.0, 1.0, "frozenlake4");
  check_delta_mu(m, 0, "frozenlake4");
  check_action_names(m, lake_names, "frozenlake4");
  /* state 0, left: slips up (wall, stay), left (wall, stay), down (4) */
  CHECK_CLOSE(mdp_prob(m, 0, FL_LEFT, 0), 2.0 / 3.0, 1e-15, 0, "P(0 | 0, left)");
  CHECK_CLOSE(mdp_prob(m, 0, FL_LEFT, 4), 1.0 / 3.0, 1e-15, 0, "P(4 | 0, left)");
  CHECK(row_nnz(m, 0, FL_LEFT) == 2, "0, left: two next states");
  /* state 14, right: slips down (wall, stay), right (15 goal), up (10) */
  CHECK_CLOSE(mdp_prob(m, 14, FL_RIGHT, 15), 1.0 / 3.0, 1e-15, 0, "P(15 | 14, right)");
  CHECK_CLOSE(mdp_prob(m, 14, FL_RIGHT, 14), 1.0 / 3.0, 1e-15, 0, "P(14 | 14, right)");
  CHECK_CLOSE(mdp_prob(m, 14, FL_RIGHT, 10), 1.0 / 3.0, 1e-15, 0, "P(10 | 14, right)");
  CHECK_CLOSE(m->r[14 * 4 + FL_RIGHT], 1.0 / 3.0, 1e-15, 0, "r(14, right)");
  /* state 14, down: slips left (13), down (wall), right (15) */
  CHECK_CLOSE(m->r[14 * 4 + FL_DOWN], 1.0 / 3.0, 1e-15, 0, "r(14, down)");
  CHECK_CLOSE(mdp_prob(m, 14, FL_DOWN, 13), 1.0 / 3.0, 1e-15, 0, "P(13 | 14, down)");
  /* state 14, left: slips down (stay), left (13), up (10): no goal */
  CHECK(m->r[14 * 4 + FL_LEFT] == 0.0, "r(14, left) = 0");
  /* state 10, down: slips left (9), down (14), right (11, a hole); reward 0 */
  CHECK_CLOSE(mdp_prob(m, 10, FL_DOWN, 11), 1.0 / 3.0, 1e-15, 0, "P(11 | 10, down)");
  CHECK(m->r[10 * 4 + FL_DOWN] == 0.0, "r(10, down) = 0");
  /* state 1, up: slips left (0), up (wall), right (2) */
  CHECK_CLOSE(mdp_prob(m, 1, FL_UP, 1), 1.0 / 3.0, 1e-15, 0, "P(1 | 1, up)");
  CHECK_CLOSE(mdp_prob(m, 1, FL_UP, 2), 1.0 / 3.0, 1e-15, 0, "P(2 | 1, up)");
  CHECK_CLOSE(mdp_prob(m, 1, FL_UP, 0), 1.0 / 3.0, 1e-15, 0, "P(0 | 1, up)");
  const size_t holes[] = {5, 7, 11, 12};
  for (size_t i = 0; i < 4; i++) CHECK(absorbing_zero(m, holes[i]), "hole %zu", holes[i]);
  CHECK(absorbing_zero(m, 15), "goal absorbing");
  /* 15's neighbours are 11 (a hole, absorbing) and 14, from which right, down and up
   * (slipping right) each reach 15 w.p. 1/3; left does not: the rewards sum to 1 */
  CHECK_CLOSE(m->r[14 * 4 + FL_UP], 1.0 / 3.0, 1e-15, 0, "r(14, up)");
  double total = 0.0;
  for (size_t k = 0; k < 64; k++) total += m->r[k];
  CHECK_CLOSE(total, 1.0, 1e-15, 0, "only r(14, right|down|up) pay");
  mdp_free(m);
}

static void test_frozenlake8(void) {
  mdp *m = mdp_frozenlake_alloc(8, 0.99);
  CHECK(m != NULL, "FrozenLake 8x8: %s", tr_error_msg());
  if (!m) return;
  CHECK(m->S == 64 && m->A == 4, "8x8 S, A");
  check_rows(m, "frozenlake8");
  check_rewards_in(m, 0.0, 1.0, "frozenlake8");
  check_delta_mu(m, 0, "frozenlake8");
  /* gym's 8x8 holes: (2,3) (3,5) (4,3) (5,1) (5,2) (5,6) (6,1) (6,4) (6,6) (7,3) */
  const size_t holes[] = {19, 29, 35, 41, 42, 46, 49, 52, 54, 59};
  for (size_t i = 0; i < 10; i++)
    CHECK(absorbing_zero(m, holes[i]), "8x8 hole %zu", holes[i]);
  CHECK(absorbing_zero(m, 63), "8x8 goal absorbing");
  size_t n_absorbing = 0;
  for (size_t s = 0; s < 64; s++) n_absorbing += absorbing_zero(m, s);
  CHECK(n_absorbing == 11, "exactly 10 holes and the goal absorb: %zu", n_absorbing);
  /* 62 (7,6), right: slips down (stay), right (63), up (54, a hole) */
  CHECK_CLOSE(mdp_prob(m, 62, FL_RIGHT, 54), 1.0 / 3.0, 1e-15, 0, "P(54 | 62, right)");
  CHECK_CLOSE(m->r[62 * 4 + FL_RIGHT], 1.0 / 3.0, 1e-15, 0, "r(62, right)");
  /* 55 (6,7), down: slips left (54 hole), down (63), right (wall) */
  CHECK_CLOSE(m->r[55 * 4 + FL_DOWN], 1.0 / 3.0, 1e-15, 0, "r(55, down)");
  CHECK_CLOSE(mdp_prob(m, 55, FL_DOWN, 55), 1.0 / 3.0, 1e-15, 0, "P(55 | 55, down)");
  mdp_free(m);

  CHECK(mdp_frozenlake_alloc(5, 0.9) == NULL, "size 5");
  MSG_IS("FrozenLake: size 5 is not 4 or 8");
  CHECK(mdp_frozenlake_alloc(-4, 0.9) == NULL, "size -4");
  MSG_IS("FrozenLake: size -4 is not 4 or 8");
  CHECK(mdp_frozenlake_alloc(4, NAN) == NULL, "FrozenLake gamma NaN");
  MSG_IS("discount nan is outside [0, 1)");
}

/* ---- CliffWalking ------------------------------------------------------------------ */

/* rows 0..3 of 12 columns; start 36 = (3,0), cliff 37..46, goal 47 = (3,11) */
static void test_cliffwalking(void) {
  mdp *m = mdp_cliffwalking_alloc(0.9137);
  CHECK(m != NULL, "CliffWalking: %s", tr_error_msg());
  if (!m) return;
  CHECK(m->S == 48 && m->A == 4, "cliff S, A");
  check_rows(m, "cliff");
  check_rewards_in(m, -100.0, 0.0, "cliff");
  check_delta_mu(m, 36, "cliff");
  check_action_names(m, grid_names, "cliff");
  CHECK(mdp_nnz(m) == 48 * 4, "deterministic: one next state per row");
  CHECK(goes_surely(m, 36, RIGHT, 36) && m->r[36 * 4 + RIGHT] == -100.0,
        "start, right: into the cliff, back to start, -100");
  CHECK(goes_surely(m, 36, UP, 24) && m->r[36 * 4 + UP] == -1.0, "start, up -> 24, -1");
  CHECK(goes_surely(m, 36, DOWN, 36) && m->r[36 * 4 + DOWN] == -1.0, "start, down: wall");
  CHECK(goes_surely(m, 36, LEFT, 36) && m->r[36 * 4 + LEFT] == -1.0, "start, left: wall");
  CHECK(goes_surely(m, 25, DOWN, 36) && m->r[25 * 4 + DOWN] == -100.0, "25, down: cliff");
  CHECK(goes_surely(m, 34, DOWN, 36) && m->r[34 * 4 + DOWN] == -100.0, "34, down: cliff");
  CHECK(goes_surely(m, 35, DOWN, 47) && m->r[35 * 4 + DOWN] == -1.0, "35, down: goal");
  CHECK(goes_surely(m, 24, DOWN, 36) && m->r[24 * 4 + DOWN] == -1.0, "24, down: start");
  CHECK(goes_surely(m, 0, UP, 0) && goes_surely(m, 11, RIGHT, 11), "top walls");
  CHECK(goes_surely(m, 13, RIGHT, 14) && m->r[13 * 4 + RIGHT] == -1.0, "13, right -> 14");
  CHECK(absorbing_zero(m, 47), "goal absorbing, r = 0");
  /* moves that land in the cliff (37..46): down from 25..34 (10), right from the start
   * (1), and from the (unreachable) cliff cells themselves, as in gym: right from 37..45
   * (9), left from 38..46 (9), down into the wall, staying in the cliff (10) */
  int n_cliff = 0;
  for (size_t k = 0; k < 48 * 4; k++) n_cliff += m->r[k] == -100.0;
  CHECK(n_cliff == 10 + 1 + 9 + 9 + 10, "number of cliff moves: %d", n_cliff);
  mdp_free(m);
  CHECK(mdp_cliffwalking_alloc(1.0) == NULL, "cliff gamma 1");
  MSG_IS("discount 1 is outside [0, 1)");
}

int main(void) {
  test_garnet();
  test_chain();
  test_gridworld_deterministic();
  test_gridworld_slip();
  test_gridworld_other();
  test_frozenlake4();
  test_frozenlake8();
  test_cliffwalking();
  return check_done("test_generators");
}
