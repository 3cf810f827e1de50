/* mdps/generators.c — see generators.h
 *
 * Letters: S states, A actions, K = S*A rows (k = s*A + a), b Garnet branching factor,
 * W×H grid width and height (s = y*W + x, y = 0 the top row).
 *
 * Every family is built as compressed rows (a `build` below) and handed to
 * mdp_alloc_csr, which validates it (γ included) and sorts each row's columns; the
 * builder merges repeated next states itself so that r(s,a) = P(goal | s,a) is the very
 * double stored in P. */
#include "mdps/generators.h"

#include <stdint.h>
#include <stdlib.h>

#include <gsl/gsl_sort_double.h>

#include "core/size.h"

/* ---- compressed-row builder ------------------------------------------------------- */

typedef struct {
  size_t S, A, k;  /* k: the row being filled */
  size_t *rowptr;  /* (K + 1) */
  size_t *col;     /* (K * per_row) */
  double *prob;    /* (K * per_row) */
  double *r;       /* (S, A) */
  double *mu;      /* (S), NULL for uniform */
} build;

static void build_free(build *b) {
  free(b->rowptr);
  free(b->col);
  free(b->prob);
  free(b->r);
  free(b->mu);
}

/* Room for per_row entries in each of the S*A rows; μ = δ_start, or uniform when
 * start == SIZE_MAX. */
static tr_status build_init(build *b, size_t S, size_t A, size_t per_row, size_t start) {
  *b = (build){.S = S, .A = A};
  if (A > SIZE_MAX / S || per_row > SIZE_MAX / sizeof(double) / (S * A))
    return tr_error(TR_EINVAL, "%zu states x %zu actions is too large", S, A);
  size_t K = S * A;
  b->rowptr = tr_calloc(K + 1, sizeof *b->rowptr);
  b->col = tr_malloc(K * per_row * sizeof *b->col);
  b->prob = tr_malloc(K * per_row * sizeof *b->prob);
  b->r = tr_calloc(K, sizeof *b->r);
  if (start != SIZE_MAX) {
    b->mu = tr_calloc(S, sizeof *b->mu);
    if (b->mu) b->mu[start] = 1.0;
  }
  if (!b->rowptr || !b->col || !b->prob || !b->r || (start != SIZE_MAX && !b->mu)) {
    build_free(b);
    return TR_ENOMEM;
  }
  return TR_OK;
}

/* Add p to P(s2 | current row), merging with an entry already there; p = 0 is skipped. */
static void build_add(build *b, size_t s2, double p) {
  if (p == 0.0) return;
  size_t end = b->rowptr[b->k + 1];
  for (size_t i = b->rowptr[b->k]; i < end; i++)
    if (b->col[i] == s2) {
      b->prob[i] += p;
      return;
    }
  b->col[end] = s2;
  b->prob[end] = p;
  b->rowptr[b->k + 1] = end + 1;
}

/* P(s2 | current row) as stored so far. */
static double build_prob(const build *b, size_t s2) {
  for (size_t i = b->rowptr[b->k]; i < b->rowptr[b->k + 1]; i++)
    if (b->col[i] == s2) return b->prob[i];
  return 0.0;
}

/* Close the current row (with reward r) and open the next one. */
static void build_next(build *b, double r) {
  b->r[b->k] = r;
  b->k++;
  if (b->k < b->S * b->A) b->rowptr[b->k + 1] = b->rowptr[b->k];
}

/* The MDP (with action names, may be NULL); the builder is freed either way. */
static mdp *build_finish(build *b, double gamma, char *const *action_names) {
  mdp *m = mdp_alloc_csr(b->S, b->A, gamma, b->rowptr, b->col, b->prob, b->r, b->mu);
  build_free(b);
  if (m && action_names && mdp_set_names(m, NULL, action_names)) {
    mdp_free(m);
    return NULL;
  }
  return m;
}

/* ---- Garnet ------------------------------------------------------------------------ */

/* One Garnet row: col (b) gets b distinct states uniformly without replacement, by a
 * partial Fisher–Yates shuffle of perm (S, any permutation of 0..S−1, left permuted);
 * prob (b) gets the gaps of b−1 sorted U(0,1) cut points, cut (b) being scratch.  Cut
 * points come from gsl_rng_uniform_pos (never 0) and are redrawn if two coincide, so
 * every gap is > 0 and the row has exactly b nonzeros; the gaps telescope, so they sum
 * to 1 up to the rounding of the subtractions. */
static void garnet_row(gsl_rng *rng, size_t S, size_t b, size_t *perm, double *cut,
                       size_t *col, double *prob) {
  for (size_t j = 0; j < b; j++) {
    size_t i = j + (size_t)gsl_rng_uniform_int(rng, S - j);
    size_t t = perm[j];
    perm[j] = perm[i];
    perm[i] = t;
    col[j] = perm[j];
  }
  int tie;
  do {
    for (size_t j = 0; j + 1 < b; j++) cut[j] = gsl_rng_uniform_pos(rng);
    gsl_sort(cut, 1, b - 1);
    tie = 0;
    for (size_t j = 1; j + 1 < b; j++) tie |= cut[j] == cut[j - 1];
  } while (tie);
  double prev = 0.0;
  for (size_t j = 0; j + 1 < b; j++) {
    prob[j] = cut[j] - prev;
    prev = cut[j];
  }
  prob[b - 1] = 1.0 - prev;
}

static tr_status garnet_check(size_t S, size_t A, size_t b, const gsl_rng *rng) {
  if (S < 1 || A < 1)
    return tr_error(TR_EINVAL, "Garnet: S=%zu and A=%zu must both be at least 1", S, A);
  if (b < 1 || b > S)
    return tr_error(TR_EINVAL, "Garnet: branching factor b=%zu is outside [1, S=%zu]", b,
                    S);
  if (!rng) return tr_error(TR_EINVAL, "Garnet: no random number generator");
  if (S > gsl_rng_max(rng) - gsl_rng_min(rng)) /* gsl_rng_uniform_int's limit */
    return tr_error(TR_EINVAL, "Garnet: S=%zu exceeds the range of generator %s", S,
                    gsl_rng_name(rng));
  return TR_OK;
}

/* Garnet(S, A, b) (Archibald, McKinnon & Thomas 1995; Bhatnagar et al. 2009): each row
 * (s,a), in order k = s*A + a, draws its b distinct next states uniformly without
 * replacement, then b−1 cut points whose sorted gaps are the probabilities
 * (Dirichlet(1,…,1), uniform on the simplex), then r(s,a) ~ U(0,1).  μ uniform.
 * Memory O(S*A*b + S). */
mdp *mdp_garnet_alloc(size_t S, size_t A, size_t b, double gamma, gsl_rng *rng) {
  if (garnet_check(S, A, b, rng)) return NULL;
  build g;
  if (build_init(&g, S, A, b, SIZE_MAX)) return NULL;
  size_t *perm = tr_malloc(S * sizeof *perm);
  double *cut = tr_malloc(b * sizeof *cut);
  if (!perm || !cut) {
    free(perm);
    free(cut);
    build_free(&g);
    return NULL;
  }
  for (size_t s = 0; s < S; s++) perm[s] = s;
  for (size_t k = 0; k < S * A; k++) {
    garnet_row(rng, S, b, perm, cut, g.col + k * b, g.prob + k * b);
    g.rowptr[k + 1] = (k + 1) * b;
    g.r[k] = gsl_rng_uniform(rng);
  }
  free(perm);
  free(cut);
  return build_finish(&g, gamma, NULL);
}

/* ---- RiverSwim-like chain ---------------------------------------------------------- */

/* RiverSwim-like chain (Strehl & Littman 2008, "An analysis of model-based interval
 * estimation"), N ≥ 2 states, actions 0 left, 1 right:
 *   P(max(s−1,0) | s, left) = 1;
 *   right at 0 < s < N−1: s+1 w.p. 0.35, s w.p. 0.6, s−1 w.p. 0.05;
 *   right at 0: 1 w.p. 0.4, 0 w.p. 0.6;  right at N−1: N−1 w.p. 0.6, N−2 w.p. 0.4;
 *   r(0, left) = 5/1000, r(N−1, right) = 1, else 0;  μ = δ_0. */
mdp *mdp_chain_alloc(size_t N, double gamma) {
  static char *const names[] = {"left", "right"};
  if (N < 2) {
    tr_error(TR_EINVAL, "chain: N=%zu states, need at least 2", N);
    return NULL;
  }
  build c;
  if (build_init(&c, N, 2, 3, 0)) return NULL;
  for (size_t s = 0; s < N; s++) {
    build_add(&c, s > 0 ? s - 1 : 0, 1.0);
    build_next(&c, s == 0 ? 5.0 / 1000.0 : 0.0);
    if (s == 0) {
      build_add(&c, 1, 0.4);
      build_add(&c, 0, 0.6);
    } else if (s == N - 1) {
      build_add(&c, s, 0.6);
      build_add(&c, s - 1, 0.4);
    } else {
      build_add(&c, s + 1, 0.35);
      build_add(&c, s, 0.6);
      build_add(&c, s - 1, 0.05);
    }
    build_next(&c, s == N - 1 ? 1.0 : 0.0);
  }
  return build_finish(&c, gamma, names);
}

/* ---- grid worlds ------------------------------------------------------------------- */

/* The cell reached from s = y*W + x by one move in direction dir (0 up, 1 right,
 * 2 down, 3 left; y = 0 the top row); a move off the grid stays at s. */
static size_t grid_move(size_t s, int dir, size_t W, size_t H) {
  size_t x = s % W, y = s / W;
  switch (dir) {
  case 0: return y > 0 ? s - W : s;
  case 1: return x + 1 < W ? s + 1 : s;
  case 2: return y + 1 < H ? s + W : s;
  default: return x > 0 ? s - 1 : s;
  }
}

static char *const grid_action_names[] = {"up", "right", "down", "left"};

/* Gridworld W×H with slip, actions 0 up, 1 right, 2 down, 3 left: from a non-goal cell,
 *   P(s' | s, a) = (1 − slip)·[s' = move(s, a)] + (slip/4)·#{d : s' = move(s, d)},
 * moves off the grid staying put; the goal g = (W−1, H−1) is absorbing with r = 0, and
 * r(s,a) = P(g | s, a) elsewhere (reward 1 on entering g).  μ = δ_(0,0).  A textbook
 * slippery gridworld (cf. Sutton & Barto 2018, §3.5; Russell & Norvig's 4×3 world). */
mdp *mdp_gridworld_alloc(size_t W, size_t H, double slip, double gamma) {
  if (W < 1 || H < 1) {
    tr_error(TR_EINVAL, "gridworld: W=%zu and H=%zu must both be at least 1", W, H);
    return NULL;
  }
  if (!(slip >= 0.0 && slip <= 1.0)) {
    tr_error(TR_EINVAL, "gridworld: slip %.17g is outside [0, 1]", slip);
    return NULL;
  }
  if (H > SIZE_MAX / W) {
    tr_error(TR_EINVAL, "gridworld: %zu x %zu cells is too large", W, H);
    return NULL;
  }
  size_t S = W * H, goal = S - 1;
  build g;
  if (build_init(&g, S, 4, 4, 0)) return NULL;
  for (size_t s = 0; s < S; s++)
    for (int a = 0; a < 4; a++) {
      if (s == goal) {
        build_add(&g, s, 1.0);
        build_next(&g, 0.0);
        continue;
      }
      build_add(&g, grid_move(s, a, W, H), 1.0 - slip);
      for (int d = 0; d < 4; d++) build_add(&g, grid_move(s, d, W, H), slip / 4.0);
      build_next(&g, build_prob(&g, goal));
    }
  return build_finish(&g, gamma, grid_action_names);
}

/* gym's FrozenLake maps (gym/envs/toy_text/frozen_lake.py, MAPS["4x4"], MAPS["8x8"];
 * Gymnasium 1.0 keeps them). */
static const char *const lake4[] = {"SFFF", "FHFH", "FFFH", "HFFG"};
static const char *const lake8[] = {"SFFFFFFF", "FFFFFFFF", "FFFHFFFF", "FFFFFHFF",
                                    "FFFHFFFF", "FHHFFFHF", "FHFFHFHF", "FFFHFFFG"};

const char *const *mdp_frozenlake_map(int size) {
  return size == 4 ? lake4 : size == 8 ? lake8 : NULL;
}

/* FrozenLake (OpenAI gym, toy_text/frozen_lake.py, is_slippery=True), an n×n map with
 * n = size, s = row*n + col, actions 0 left, 1 down, 2 right, 3 up: action a moves in
 * direction b ∈ {a−1, a, a+1} (mod 4) w.p. 1/3 each, moves off the map staying put.
 * Holes (H) and the goal (G) are absorbing with r = 0; elsewhere r(s,a) = P(G | s, a)
 * (gym's reward 1 on entering G).  μ = δ_0 (the S cell). */
mdp *mdp_frozenlake_alloc(int size, double gamma) {
  static char *const names[] = {"left", "down", "right", "up"};
  static const int dir_of[4] = {3, 2, 1, 0}; /* gym action -> grid_move direction */
  if (size != 4 && size != 8) {
    tr_error(TR_EINVAL, "FrozenLake: size %d is not 4 or 8", size);
    return NULL;
  }
  const char *const *map = size == 4 ? lake4 : lake8;
  size_t n = (size_t)size, S = n * n, goal = S - 1;
  build f;
  if (build_init(&f, S, 4, 3, 0)) return NULL;
  for (size_t s = 0; s < S; s++)
    for (int a = 0; a < 4; a++) {
      char cell = map[s / n][s % n];
      if (cell == 'H' || cell == 'G') {
        build_add(&f, s, 1.0);
        build_next(&f, 0.0);
        continue;
      }
      for (int j = 3; j <= 5; j++) /* a−1, a, a+1 mod 4 */
        build_add(&f, grid_move(s, dir_of[(a + j) % 4], n, n), 1.0 / 3.0);
      build_next(&f, build_prob(&f, goal));
    }
  return build_finish(&f, gamma, names);
}

/* CliffWalking (Sutton & Barto 2018, Example 6.6; gym's toy_text/cliffwalking.py):
 * a 4×12 grid, s = row*12 + col, actions 0 up, 1 right, 2 down, 3 left, deterministic.
 * A move off the grid stays put; a move into the cliff (row 3, cols 1..10) gives −100
 * and returns to the start (3,0) = 36; any other move gives −1; the goal (3,11) = 47 is
 * absorbing with r = 0.  Cliff cells keep gym's rows (unreachable).  μ = δ_36. */
mdp *mdp_cliffwalking_alloc(double gamma) {
  enum { W = 12, H = 4, START = 36, GOAL = 47 };
  build c;
  if (build_init(&c, W * H, 4, 1, START)) return NULL;
  for (size_t s = 0; s < W * H; s++)
    for (int a = 0; a < 4; a++) {
      size_t s2 = grid_move(s, a, W, H);
      int cliff = s2 > START && s2 < GOAL;
      if (s == GOAL) {
        build_add(&c, s, 1.0);
        build_next(&c, 0.0);
      } else if (cliff) {
        build_add(&c, START, 1.0);
        build_next(&c, -100.0);
      } else {
        build_add(&c, s2, 1.0);
        build_next(&c, -1.0);
      }
    }
  return build_finish(&c, gamma, grid_action_names);
}
