/* tests/test_mdp.c — the tabular MDP value (mdps/mdp.c): construction, every validation
 * sentence, accessors, copies and reward rescaling.
 *
 * Letters: S states, A actions, P (S, A, S) row-major dense transitions, r (S, A). */
#include <math.h>
#include <string.h>

#include "mdps/mdp.h"
#include "tests/check.h"

#define MSG_IS(want) \
  CHECK(strcmp(tr_error_msg(), (want)) == 0, "message '%s'", tr_error_msg())

/* A 3-state, 2-action MDP with "high entropy" numbers; P is (3, 2, 3). */
enum { S3 = 3, A2 = 2 };
static const double P3[S3 * A2 * S3] = {
    0.25, 0.75, 0.0,  /* s=0 a=0 */
    0.0,  0.0,  1.0,  /* s=0 a=1 */
    0.125, 0.5, 0.375, /* s=1 a=0 */
    1.0,  0.0,  0.0,  /* s=1 a=1 */
    0.0,  0.6,  0.4,  /* s=2 a=0 */
    0.3,  0.3,  0.4,  /* s=2 a=1 */
};
static const double R3[S3 * A2] = {0.17, -1.3, 2.5, 0.0, -0.42, 0.91};
static const double MU3[S3] = {0.2, 0.5, 0.3};

/* Dense P equal to P3 entry by entry (exact: the constructor copies doubles). */
static int same_as_P3(const mdp *m) {
  double out[S3 * A2 * S3];
  mdp_dense_P(m, out);
  return memcmp(out, P3, sizeof out) == 0;
}

static void test_dense(void) {
  mdp *m = mdp_alloc_dense(S3, A2, 0.9137, P3, R3, MU3);
  CHECK(m != NULL, "alloc_dense: %s", tr_error_msg());
  if (!m) return;
  CHECK(m->S == 3 && m->A == 2 && m->gamma == 0.9137, "scalars");
  CHECK(mdp_nnz(m) == 12, "zeros dropped: nnz %zu, want 12", mdp_nnz(m));
  for (size_t k = 0; k < S3 * A2; k++)
    for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++) {
      CHECK(m->prob[i] > 0.0, "stored zero at row %zu", k);
      if (i > m->rowptr[k])
        CHECK(m->col[i] > m->col[i - 1], "columns increase, row %zu", k);
    }
  CHECK(memcmp(m->r, R3, sizeof R3) == 0, "rewards copied");
  CHECK(memcmp(m->mu, MU3, sizeof MU3) == 0, "mu copied");
  CHECK(same_as_P3(m), "dense_P round trip");
  CHECK(mdp_prob(m, 1, 0, 2) == 0.375, "prob(2|1,0) %g", mdp_prob(m, 1, 0, 2));
  CHECK(mdp_prob(m, 0, 0, 2) == 0.0, "absent entry is 0");
  CHECK(mdp_prob(m, 2, 1, 0) == 0.3, "prob(0|2,1)");
  double lo, hi;
  mdp_reward_range(m, &lo, &hi);
  CHECK(lo == -1.3 && hi == 2.5, "reward range [%g, %g]", lo, hi);
  CHECK(m->state_names == NULL && m->action_names == NULL, "no names by default");
  mdp_free(m);

  m = mdp_alloc_dense(S3, A2, 0.0, P3, R3, NULL);
  CHECK(m != NULL, "gamma 0 allowed, mu NULL: %s", tr_error_msg());
  if (m) {
    for (size_t s = 0; s < S3; s++) CHECK(m->mu[s] == 1.0 / 3.0, "uniform mu[%zu]", s);
    mdp_free(m);
  }
  CHECK(mdp_check_dense(S3, A2, 0.5, P3, R3, MU3) == TR_OK, "check_dense accepts");
}

/* The same MDP as P3 in compressed rows: columns shuffled, one entry split in two
 * (repeats are summed), explicit zeros (dropped). */
static void test_csr(void) {
  const size_t rowptr[] = {0, 3, 5, 9, 10, 12, 15};
  const size_t col[] = {1, 0, 2,      /* s=0 a=0: zero at column 2 */
                        2, 0,         /* s=0 a=1: zero at column 0 */
                        2, 1, 0, 1,   /* s=1 a=0: column 1 split 0.25 + 0.25 */
                        0,            /* s=1 a=1 */
                        2, 1,         /* s=2 a=0 */
                        2, 0, 1};     /* s=2 a=1 */
  const double prob[] = {0.75, 0.25, 0.0, 1.0, 0.0, 0.375, 0.25, 0.125, 0.25,
                         1.0, 0.4, 0.6, 0.4, 0.3, 0.3};
  mdp *m = mdp_alloc_csr(S3, A2, 0.9137, rowptr, col, prob, R3, MU3);
  CHECK(m != NULL, "alloc_csr: %s", tr_error_msg());
  if (!m) return;
  CHECK(mdp_nnz(m) == 12, "csr zeros dropped, repeats merged: nnz %zu", mdp_nnz(m));
  CHECK(same_as_P3(m), "csr equals dense");
  CHECK(mdp_prob(m, 1, 0, 1) == 0.5, "repeats summed: %.17g", mdp_prob(m, 1, 0, 1));
  for (size_t k = 0; k < S3 * A2; k++)
    for (size_t i = m->rowptr[k] + 1; i < m->rowptr[k + 1]; i++)
      CHECK(m->col[i] > m->col[i - 1], "csr columns sorted and distinct, row %zu", k);
  mdp_free(m);

  /* A row of repeats only: 0.5 + 0.25 + 0.25 at one column. */
  const size_t rp1[] = {0, 3};
  const size_t c1[] = {0, 0, 0};
  const double p1[] = {0.5, 0.25, 0.25}, r1[] = {1.0};
  m = mdp_alloc_csr(1, 1, 0.5, rp1, c1, p1, r1, NULL);
  CHECK(m && mdp_nnz(m) == 1 && m->prob[0] == 1.0, "three repeats merged into one");
  mdp_free(m);
}

static void test_scalar_errors(void) {
  const double r[S3 * A2] = {0};
  CHECK(mdp_alloc_dense(S3, A2, 1.0, P3, r, NULL) == NULL, "gamma 1");
  MSG_IS("discount 1 is outside [0, 1)");
  CHECK(mdp_alloc_dense(S3, A2, -0.25, P3, r, NULL) == NULL, "gamma negative");
  MSG_IS("discount -0.25 is outside [0, 1)");
  CHECK(mdp_alloc_dense(S3, A2, NAN, P3, r, NULL) == NULL, "gamma NaN");
  MSG_IS("discount nan is outside [0, 1)");
  CHECK(mdp_alloc_dense(S3, A2, INFINITY, P3, r, NULL) == NULL, "gamma inf");
  MSG_IS("discount inf is outside [0, 1)");
  CHECK(mdp_check_dense(S3, A2, 1.5, P3, r, NULL) == TR_EINVAL, "check_dense gamma");
  MSG_IS("discount 1.5 is outside [0, 1)");
  CHECK(mdp_alloc_dense(0, A2, 0.5, P3, r, NULL) == NULL, "S = 0");
  MSG_IS("an MDP needs at least one state");
  CHECK(mdp_alloc_dense(S3, 0, 0.5, P3, r, NULL) == NULL, "A = 0");
  MSG_IS("an MDP needs at least one action");
  const size_t rp[] = {0, 1};
  const size_t c[] = {0};
  const double p[] = {1.0};
  CHECK(mdp_alloc_csr(1, 1, 1.0, rp, c, p, r, NULL) == NULL, "csr gamma 1");
  MSG_IS("discount 1 is outside [0, 1)");
}

/* P3 with one entry replaced. */
static mdp *alloc_P3_with(size_t i, double v) {
  double P[S3 * A2 * S3];
  memcpy(P, P3, sizeof P);
  P[i] = v;
  return mdp_alloc_dense(S3, A2, 0.5, P, R3, MU3);
}

static void test_row_errors(void) {
  /* s=1, a=0 is row k=2, entries 6..8. */
  CHECK(alloc_P3_with(7, -0.5) == NULL, "negative probability");
  MSG_IS("T(s'=1 | s=1, a=0) = -0.5 is not a probability");
  CHECK(alloc_P3_with(8, NAN) == NULL, "NaN probability");
  MSG_IS("T(s'=2 | s=1, a=0) = nan is not a probability");
  CHECK(alloc_P3_with(0, INFINITY) == NULL, "infinite probability");
  MSG_IS("T(s'=0 | s=0, a=0) = inf is not a probability");
  /* s=2, a=0 becomes (0, 0.6, 0.3): sums to 0.9 */
  CHECK(alloc_P3_with(14, 0.3) == NULL, "row sum off");
  MSG_IS("row (s=2, a=0) of T sums to 0.89999999999999991");
  /* the example of the brief: row (s=1, a=0) summing to fl(0.9) */
  double P[S3 * A2 * S3];
  memcpy(P, P3, sizeof P);
  P[6] = 0.9, P[7] = 0.0, P[8] = 0.0;
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P, R3, MU3) == NULL, "row sums to 0.9");
  MSG_IS("row (s=1, a=0) of T sums to 0.90000000000000002");
  CHECK(mdp_check_dense(S3, A2, 0.5, P, R3, MU3) == TR_EINVAL, "check_dense row");
  MSG_IS("row (s=1, a=0) of T sums to 0.90000000000000002");
  /* within MDP_ROW_TOL is accepted; just outside is not */
  P[6] = 1.0 + 0.5 * MDP_ROW_TOL;
  mdp *m = mdp_alloc_dense(S3, A2, 0.5, P, R3, MU3);
  CHECK(m != NULL, "row sum within tolerance: %s", tr_error_msg());
  mdp_free(m);
  P[6] = 1.0 + 2.0 * MDP_ROW_TOL;
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P, R3, MU3) == NULL, "row sum beyond tolerance");
  MSG_IS("row (s=1, a=0) of T sums to 1.0000000019999999");
  /* an all-zero row */
  P[6] = 0.0;
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P, R3, MU3) == NULL, "all-zero row");
  MSG_IS("row (s=1, a=0) of T sums to 0");
}

static void test_reward_mu_errors(void) {
  double r[S3 * A2];
  memcpy(r, R3, sizeof r);
  r[3] = NAN; /* s=1, a=1 */
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P3, r, MU3) == NULL, "NaN reward");
  MSG_IS("reward r(s=1, a=1) is not finite");
  r[3] = 0.0;
  r[5] = -INFINITY; /* s=2, a=1 */
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P3, r, MU3) == NULL, "infinite reward");
  MSG_IS("reward r(s=2, a=1) is not finite");

  double mu[S3] = {0.5, 0.5, 0.5};
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P3, R3, mu) == NULL, "mu sums to 1.5");
  MSG_IS("start distribution sums to 1.5");
  mu[0] = 1.5, mu[1] = -0.5, mu[2] = 0.0;
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P3, R3, mu) == NULL, "mu negative entry");
  MSG_IS("start distribution has invalid entry -0.5 at s=1");
  mu[1] = 0.0, mu[2] = NAN;
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P3, R3, mu) == NULL, "mu NaN entry");
  MSG_IS("start distribution has invalid entry nan at s=2");
  mu[0] = 0.0, mu[2] = 0.0;
  CHECK(mdp_alloc_dense(S3, A2, 0.5, P3, R3, mu) == NULL, "mu all zero");
  MSG_IS("start distribution sums to 0");

  const size_t rp[] = {0, 1};
  const size_t c[] = {0};
  const double p[] = {1.0}, rr[] = {INFINITY}, m1[] = {0.75};
  CHECK(mdp_alloc_csr(1, 1, 0.5, rp, c, p, rr, NULL) == NULL, "csr reward");
  MSG_IS("reward r(s=0, a=0) is not finite");
  CHECK(mdp_alloc_csr(1, 1, 0.5, rp, c, p, p, m1) == NULL, "csr mu");
  MSG_IS("start distribution sums to 0.75");
}

static void test_csr_errors(void) {
  const double r[4] = {0};
  /* S=2, A=2 */
  const size_t rp[] = {0, 1, 2, 3, 5};
  size_t col[] = {0, 1, 1, 0, 1};
  double prob[] = {1.0, 1.0, 1.0, 0.5, 0.5};
  mdp *m = mdp_alloc_csr(2, 2, 0.5, rp, col, prob, r, NULL);
  CHECK(m != NULL, "csr base case: %s", tr_error_msg());
  mdp_free(m);

  col[4] = 2; /* row k=3: s=1, a=1 */
  CHECK(mdp_alloc_csr(2, 2, 0.5, rp, col, prob, r, NULL) == NULL, "next state range");
  MSG_IS("T(s'=2 | s=1, a=1): next state out of range (S=2)");
  col[4] = 1;

  prob[1] = -1.0; /* row k=1: s=0, a=1 */
  CHECK(mdp_alloc_csr(2, 2, 0.5, rp, col, prob, r, NULL) == NULL, "csr negative");
  MSG_IS("T(s'=1 | s=0, a=1) = -1 is not a probability");
  prob[1] = NAN;
  CHECK(mdp_alloc_csr(2, 2, 0.5, rp, col, prob, r, NULL) == NULL, "csr NaN");
  MSG_IS("T(s'=1 | s=0, a=1) = nan is not a probability");
  prob[1] = 1.0;

  prob[4] = 0.4;
  CHECK(mdp_alloc_csr(2, 2, 0.5, rp, col, prob, r, NULL) == NULL, "csr row sum");
  MSG_IS("row (s=1, a=1) of T sums to 0.90000000000000002");
  prob[4] = 0.5;

  const size_t rp_bad0[] = {1, 1, 2, 3, 5};
  CHECK(mdp_alloc_csr(2, 2, 0.5, rp_bad0, col, prob, r, NULL) == NULL, "rowptr[0] != 0");
  MSG_IS("compressed rows must start at 0");
  const size_t rp_dec[] = {0, 2, 1, 3, 5};
  CHECK(mdp_alloc_csr(2, 2, 0.5, rp_dec, col, prob, r, NULL) == NULL, "rowptr decreases");
  MSG_IS("compressed row pointers decrease at row 1");
  const size_t rp_empty[] = {0, 0, 0, 0, 0};
  CHECK(mdp_alloc_csr(2, 2, 0.5, rp_empty, col, prob, r, NULL) == NULL, "empty rows");
  MSG_IS("row (s=0, a=0) of T sums to 0");
}

static int names_equal(char *const *a, char *const *b, size_t n) {
  if (!a || !b) return a == b;
  for (size_t i = 0; i < n; i++)
    if (strcmp(a[i], b[i]) != 0) return 0;
  return 1;
}

static int same_mdp(const mdp *x, const mdp *y) {
  if (x->S != y->S || x->A != y->A || mdp_nnz(x) != mdp_nnz(y)) return 0;
  size_t K = x->S * x->A, N = mdp_nnz(x);
  return memcmp(x->rowptr, y->rowptr, (K + 1) * sizeof *x->rowptr) == 0 &&
         memcmp(x->col, y->col, N * sizeof *x->col) == 0 &&
         memcmp(x->prob, y->prob, N * sizeof *x->prob) == 0 &&
         memcmp(x->r, y->r, K * sizeof *x->r) == 0 &&
         memcmp(x->mu, y->mu, x->S * sizeof *x->mu) == 0 &&
         names_equal(x->state_names, y->state_names, x->S) &&
         names_equal(x->action_names, y->action_names, x->A);
}

static void test_copy_names_gamma(void) {
  mdp *m = mdp_alloc_dense(S3, A2, 0.9137, P3, R3, MU3);
  if (!m) {
    CHECK(0, "alloc: %s", tr_error_msg());
    return;
  }
  char *const sn[] = {"low", "mid", "high"};
  char *const an[] = {"stay", "go"};
  CHECK(mdp_set_names(m, sn, NULL) == TR_OK, "state names only");
  CHECK(m->state_names && !m->action_names && strcmp(m->state_names[2], "high") == 0,
        "state names set");
  CHECK(mdp_set_names(m, sn, an) == TR_OK, "both names (replacing)");
  CHECK(m->action_names && strcmp(m->action_names[1], "go") == 0, "action names set");
  CHECK(m->state_names[0] != sn[0], "names are copied");

  mdp *c = mdp_copy(m);
  CHECK(c != NULL && c != m && same_mdp(c, m) && c->gamma == m->gamma, "copy identical");
  CHECK(c && c->r != m->r && c->action_names != m->action_names, "copy is deep");
  mdp_free(c);

  mdp *g = mdp_with_gamma(m, 0.25);
  CHECK(g != NULL && g->gamma == 0.25 && same_mdp(g, m), "with_gamma changes only gamma");
  CHECK(m->gamma == 0.9137, "original untouched");
  mdp_free(g);
  CHECK(mdp_with_gamma(m, 1.0) == NULL, "with_gamma 1 refused");
  MSG_IS("discount 1 is outside [0, 1)");
  mdp_free(m);
  mdp_free(NULL); /* does nothing */
  CHECK(1, "mdp_free(NULL)");
}

static void test_rescale(void) {
  mdp *m = mdp_alloc_dense(S3, A2, 0.9137, P3, R3, MU3);
  if (!m) {
    CHECK(0, "alloc: %s", tr_error_msg());
    return;
  }
  mdp *c = mdp_rescale_rewards(m);
  CHECK(c != NULL, "rescale: %s", tr_error_msg());
  if (c) {
    /* R3: min −1.3 at k=1, max 2.5 at k=2 */
    CHECK(c->r[1] == 0.0, "min maps to 0 exactly: %.17g", c->r[1]);
    CHECK(c->r[2] == 1.0, "max maps to 1 exactly: %.17g", c->r[2]);
    for (size_t k = 0; k < S3 * A2; k++) {
      CHECK(c->r[k] >= 0.0 && c->r[k] <= 1.0, "r'[%zu] = %g in [0,1]", k, c->r[k]);
      CHECK_CLOSE(c->r[k], (R3[k] + 1.3) / 3.8, 1e-15, 0.0, "affine map");
    }
    CHECK(m->r[1] == -1.3, "original rewards untouched");
    CHECK(same_as_P3(c) && c->gamma == m->gamma, "P, gamma kept");
    mdp_free(c);
  }
  mdp_free(m);

  const double rc[S3 * A2] = {-7.25, -7.25, -7.25, -7.25, -7.25, -7.25};
  m = mdp_alloc_dense(S3, A2, 0.5, P3, rc, NULL);
  c = m ? mdp_rescale_rewards(m) : NULL;
  CHECK(c != NULL, "rescale constant: %s", tr_error_msg());
  if (c)
    for (size_t k = 0; k < S3 * A2; k++) CHECK(c->r[k] == 0.0, "constant -> 0 at %zu", k);
  mdp_free(c);
  mdp_free(m);
}

int main(void) {
  test_dense();
  test_csr();
  test_scalar_errors();
  test_row_errors();
  test_reward_mu_errors();
  test_csr_errors();
  test_copy_names_gamma();
  test_rescale();
  return check_done("test_mdp");
}
