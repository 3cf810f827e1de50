/* tests/test_mdpfile.c — the POMDP-format MDP reader and writer, and policy files.
 *
 * 1. Every form of T:, R:, start: and the preamble on small texts; values compared
 *    exactly (each is a sum or product that is exact in binary, or a copied number).
 * 2. Round trip: write, read back, compare bit for bit (S, A, γ, μ, P, r, names).
 * 3. Malformed files under $TR_TESTDATA/bad/, each with its exact full message.
 * Letters: S states, A actions. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "core/error.h"
#include "core/io.h"
#include "core/rng.h"
#include "mdps/mdpfile.h"
#include "tests/check.h"

static const char *datadir(void) {
  const char *d = getenv("TR_TESTDATA");
  return d && *d ? d : "tests/data";
}

/* Read text (named "t" in messages); report and return NULL on failure. */
static mdp *parse(const char *text) {
  mdp *m = mdp_read_string(text, "t");
  if (!m) printf("  unexpected error: %s\n", tr_error_msg());
  return m;
}

/* Reading text must fail with exactly want. */
static void parse_fails(const char *text, const char *want) {
  mdp *m = mdp_read_string(text, "t");
  CHECK(m == NULL && strcmp(tr_error_msg(), want) == 0, "got '%s' want '%s'",
        m ? "(success)" : tr_error_msg(), want);
  mdp_free(m);
}

#define P(m, s, a, s2) mdp_prob((m), (s), (a), (s2))
#define R(m, s, a) ((m)->r[(s) * (m)->A + (a)])

/* Three states, two actions: the preamble most texts share. */
#define PRE "discount: 0.9137\nstates: 3\nactions: 2\n"

/* ---- 1. forms ---------------------------------------------------------------------- */

static void test_T_forms(void) {
  mdp *m = parse(PRE
                 "T: 0 identity\n"
                 "T: 1 uniform\n"
                 "T: 1 : 2\n0.5 0.25 0.25\n" /* row form overrides row (s=2, a=1) */
                 "T: 1 : 0 : 0 0.125\n"      /* single entries fix row (s=0, a=1) */
                 "T: 1 : 0 : 1 0.375\n"
                 "T: 1 : 0 : 2 0.5\n");
  if (!m) return;
  CHECK(m->S == 3 && m->A == 2 && m->gamma == 0.9137, "S=%zu A=%zu", m->S, m->A);
  for (size_t s = 0; s < 3; s++)
    for (size_t s2 = 0; s2 < 3; s2++)
      CHECK(P(m, s, 0, s2) == (s == s2), "identity (%zu,%zu)", s, s2);
  CHECK(P(m, 1, 1, 0) == 1.0 / 3 && P(m, 1, 1, 2) == 1.0 / 3, "uniform matrix");
  CHECK(P(m, 2, 1, 0) == 0.5 && P(m, 2, 1, 1) == 0.25 && P(m, 2, 1, 2) == 0.25, "row");
  CHECK(P(m, 0, 1, 0) == 0.125 && P(m, 0, 1, 1) == 0.375 && P(m, 0, 1, 2) == 0.5, "entries");
  CHECK(m->mu[0] == 1.0 / 3 && m->mu[1] == 1.0 / 3 && m->mu[2] == 1.0 / 3, "default μ");
  CHECK(m->state_names == NULL && m->action_names == NULL, "no names");
  mdp_free(m);

  /* Matrix over several lines with comments; row uniform; zeros dropped. */
  m = parse(PRE "T: *   # both actions\n"
                "0.25 0.75 0   # row 0\n"
                "\n"
                "0 0\n1        # row 1 spans two lines\n"
                "1 0 0\n"
                "T: 1 : 1 uniform\n");
  if (!m) return;
  CHECK(P(m, 0, 0, 0) == 0.25 && P(m, 0, 1, 1) == 0.75 && P(m, 1, 0, 2) == 1, "matrix");
  CHECK(P(m, 2, 1, 0) == 1 && P(m, 1, 1, 0) == 1.0 / 3 && P(m, 1, 1, 2) == 1.0 / 3, "rows");
  CHECK(mdp_nnz(m) == 2 + 2 + 1 + 1 + 3 + 1, "nnz %zu", mdp_nnz(m));
  mdp_free(m);
}

static void test_wildcards(void) {
  /* '*' on s (line 2), on a (line 3), on s' (line 4); P(s'|s,a) after each line:
   *   1: every entry 0.25          2: rows (·, a=1) get s'=2 → 0.5
   *   3: rows (s=0, ·) get s'=0 → 0.5   4: row (0, 1) cleared, then 5: s'=1 → 1
   *   6, 7: rows (1, 0) and (2, 0) completed. */
  mdp *m = parse(PRE "T: * : * : * 0.25\n"
                     "T: 1 : * : 2 0.5\n"
                     "T: * : 0 : 0 0.5\n"
                     "T: 1 : 0 : * 0\n"
                     "T: 1 : 0 : 1 1\n"
                     "T: 0 : 1 : 2 0.5\n"
                     "T: 0 : 2 : 1 0.5\n");
  if (!m) return;
  double want[3][2][3] = {{{0.5, 0.25, 0.25}, {0, 1, 0}},
                          {{0.25, 0.25, 0.5}, {0.25, 0.25, 0.5}},
                          {{0.25, 0.5, 0.25}, {0.25, 0.25, 0.5}}};
  for (size_t s = 0; s < 3; s++)
    for (size_t a = 0; a < 2; a++)
      for (size_t z = 0; z < 3; z++)
        CHECK(P(m, s, a, z) == want[s][a][z], "P(%zu|%zu,%zu) = %g", z, s, a, P(m, s, a, z));
  mdp_free(m);
}

static void test_names(void) {
  mdp *m = parse("discount: 0.5\nstates: home shop park\nactions: walk bus\n"
                 "T: walk : home : shop 1\n"
                 "T: walk : shop : park 1\n"
                 "T: walk : park : 0 1\n" /* an index where names exist */
                 "T: bus\n0 0 1\n1 0 0\n0 1 0\n"
                 "start: shop\n");
  if (!m) return;
  CHECK(P(m, 0, 0, 1) == 1 && P(m, 1, 0, 2) == 1 && P(m, 2, 0, 0) == 1, "walk");
  CHECK(P(m, 0, 1, 2) == 1 && P(m, 1, 1, 0) == 1 && P(m, 2, 1, 1) == 1, "bus");
  CHECK(m->mu[0] == 0 && m->mu[1] == 1 && m->mu[2] == 0, "start: shop");
  CHECK(m->state_names && strcmp(m->state_names[2], "park") == 0, "state names");
  CHECK(m->action_names && strcmp(m->action_names[1], "bus") == 0, "action names");
  mdp_free(m);

  /* Names that look like numbers win over indices: action "1" is the first. */
  m = parse("discount: 0.5\nstates: 2\nactions: 1 0\n"
            "T: 1 identity\nT: 0 : * : 1 1\n");
  if (!m) return;
  CHECK(P(m, 0, 0, 0) == 1 && P(m, 0, 1, 1) == 1 && P(m, 1, 1, 1) == 1, "numeric names");
  mdp_free(m);
}

static void test_override_and_spacing(void) {
  /* Colons glued or spaced; later lines win. */
  mdp *m = parse("discount:0.25\nstates :2\nactions:\t1\n"
                 "T:0:0:0 1\nT: 0 :1: 0 1\n"
                 "T:0 : 1\n  0.5\t0.5\n"
                 "R:0:0:0:* 3\nR: 0 : 0 : 0 : * 7\n");
  if (!m) return;
  CHECK(m->gamma == 0.25 && m->S == 2 && m->A == 1, "preamble");
  CHECK(P(m, 1, 0, 0) == 0.5 && P(m, 1, 0, 1) == 0.5, "row overrides entry");
  CHECK(R(m, 0, 0) == 7, "later R wins: %g", R(m, 0, 0));
  mdp_free(m);
}

static void test_start_forms(void) {
  struct { const char *line; double mu[3]; } cases[] = {
      {"start: 2\n", {0, 0, 1}},
      {"start: uniform\n", {1.0 / 3, 1.0 / 3, 1.0 / 3}},
      {"start: 0.25 0.25\n  0.5\n", {0.25, 0.25, 0.5}},
      {"start include: 0 2\n", {0.5, 0, 0.5}},
      {"start exclude: 1\n", {0.5, 0, 0.5}},
      {"start exclude: 0 2 0\n", {0, 1, 0}},
      {"start include: *\n", {1.0 / 3, 1.0 / 3, 1.0 / 3}},
      {"", {1.0 / 3, 1.0 / 3, 1.0 / 3}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char text[512];
    snprintf(text, sizeof text, PRE "%sT: * identity\n", cases[c].line);
    mdp *m = parse(text);
    if (!m) continue;
    CHECK(m->mu[0] == cases[c].mu[0] && m->mu[1] == cases[c].mu[1] &&
              m->mu[2] == cases[c].mu[2],
          "case %zu: μ = %g %g %g", c, m->mu[0], m->mu[1], m->mu[2]);
    mdp_free(m);
  }
  /* S = 1: "start: 1" is the probability vector the writer produces. */
  mdp *m = parse("discount: 0\nstates: 1\nactions: 1\nstart: 1\nT: 0 identity\n");
  if (m) CHECK(m->mu[0] == 1 && m->gamma == 0, "S = 1");
  mdp_free(m);
  m = parse("discount: 0\nstates: only\nactions: 1\nstart: only\nT: * identity\n");
  if (m) CHECK(m->mu[0] == 1 && strcmp(m->state_names[0], "only") == 0, "one name");
  mdp_free(m);
}

static void test_rewards(void) {
  /* Fold: r(s,a) = Σ P R; exactly R when it is constant over reachable s'. */
  mdp *m = parse(PRE "T: * : * uniform\n"
                     "T: 1 : 2 : * 0\nT: 1 : 2 : 1 1\n"
                     "R: * : * : * : * 0.1\n"  /* constant: r = 0.1 exactly */
                     "R: 0 : 1 : 2 0.7\n"      /* varies: r = (0.1 + 0.1 + 0.7)/3 */
                     "R: 1 : 0\n1 2 4\n"       /* row over s': r = 7/3 */
                     "R: 1 : 2 : 0 99\n");     /* unreachable s': r(2,1) stays 0.1 */
  if (!m) return;
  CHECK(R(m, 0, 0) == 0.1 && R(m, 2, 0) == 0.1, "constant R: r = %.17g", R(m, 0, 0));
  double third = 1.0 / 3;
  CHECK(R(m, 1, 0) == third * 0.1 + third * 0.1 + third * 0.7, "fold %.17g", R(m, 1, 0));
  CHECK(R(m, 0, 1) == third * 1 + third * 2 + third * 4, "row %.17g", R(m, 0, 1));
  CHECK(R(m, 2, 1) == 0.1, "unreachable s' ignored: %.17g", R(m, 2, 1));
  mdp_free(m);

  /* values: cost; the observation field absent; negative zero stays a zero. */
  m = parse("values: cost\n" PRE "T: * identity\nR: * : * : * 2.5\nR: 1 : 0 : * : * -4\n");
  if (!m) return;
  CHECK(R(m, 0, 0) == -2.5 && R(m, 2, 1) == -2.5 && R(m, 0, 1) == 4, "cost");
  mdp_free(m);
}

/* The sample files: Kakade's two-state example and tiny.mdp. */
static void test_samples(void) {
  char *path = tr_path_join(datadir(), "kakade.mdp");
  mdp *m = mdp_read_file(path);
  CHECK(m != NULL, "kakade.mdp: %s", tr_error_msg());
  if (m) {
    CHECK(m->S == 2 && m->A == 2 && m->gamma == 0.9, "kakade sizes");
    CHECK(P(m, 0, 0, 0) == 1 && P(m, 0, 1, 1) == 1 && P(m, 1, 0, 1) == 1 && P(m, 1, 1, 1) == 1,
          "kakade T");
    CHECK(R(m, 0, 0) == 0.5 && R(m, 0, 1) == 1 && R(m, 1, 0) == 0.5 && R(m, 1, 1) == 0,
          "kakade r");
    CHECK(m->mu[0] == 1 && m->mu[1] == 0, "kakade μ");
    CHECK(strcmp(m->state_names[1], "j") == 0 && strcmp(m->action_names[0], "1") == 0,
          "kakade names");
  }
  mdp_free(m);
  free(path);

  path = tr_path_join(datadir(), "tiny.mdp");
  m = mdp_read_file(path);
  CHECK(m != NULL, "tiny.mdp: %s", tr_error_msg());
  if (m) {
    CHECK(m->S == 3 && m->A == 2 && m->gamma == 0.9137 && !m->state_names, "tiny sizes");
    CHECK(m->mu[0] == 0.5 && m->mu[1] == 0.25 && m->mu[2] == 0.25, "tiny μ");
    for (size_t s = 0; s < 3; s++) CHECK(P(m, s, 0, s) == 1, "tiny stay %zu", s);
    CHECK(P(m, 0, 1, 0) == 0.25 && P(m, 0, 1, 1) == 0.75 && P(m, 0, 1, 2) == 0, "tiny go 0");
    CHECK(P(m, 1, 1, 2) == 1 && P(m, 2, 1, 0) == 1.0 / 3 && P(m, 2, 1, 2) == 1.0 / 3,
          "tiny go 1, 2");
    double want[6] = {-0.125, 0.71875, -0.125, 4, 0.5, -0.125};
    for (size_t k = 0; k < 6; k++) CHECK(m->r[k] == want[k], "tiny r[%zu] = %.17g", k, m->r[k]);
  }
  mdp_free(m);
  free(path);
}

/* Errors from strings use the name given; a few forms not covered by the files. */
static void test_string_errors(void) {
  parse_fails("# nothing but a comment\n\n", "t:1: empty file: no states:");
  parse_fails(PRE "T: 0 : 0 : 1 : 0.5\n",
              "t:4: T: takes at most 'a : s : s'' before its value");
  parse_fails(PRE "T: 0 : 0 uniform 0.5\n", "t:4: T: nothing may follow 'uniform'");
  parse_fails(PRE "T: 0 : 0\n", "t:4: T: expected 3 numbers, found 0");
  parse_fails(PRE "T: 2 identity\n", "t:4: action 2 out of range (2 actions)");
  parse_fails(PRE "T: * identity\nR: 0 1\n",
              "t:5: R: expected 'a : s' at least (R: a : s : s' value)");
  parse_fails(PRE "start: 0.5\n", "t:4: start: expected 3 numbers, found 1");
  parse_fails(PRE "start: 5\n", "t:4: state 5 out of range (3 states)");
  parse_fails("states: 0\n", "t:1: states: 0 is not a count of states (a whole number ≥ 1)");
  parse_fails("discount: 0.9 0.8\n", "t:1: discount: expected 1 number, found 2");
  parse_fails("hello\n", "t:1: expected a keyword such as states: or T:, found 'hello'");
  parse_fails("discount: -0.5\n", "t:1: discount -0.5 is outside [0, 1)");
  parse_fails("states: 2\nstart: 1\nstart: 0\n", "t:3: duplicate start: (first at line 2)");
}

/* ---- 2. round trip ----------------------------------------------------------------- */

static int same_names(char *const *x, char *const *y, size_t n) {
  if (!x || !y) return x == y;
  for (size_t i = 0; i < n; i++)
    if (strcmp(x[i], y[i]) != 0) return 0;
  return 1;
}

/* Bit-for-bit equality of everything an MDP holds. */
static int same_mdp(const mdp *x, const mdp *y) {
  if (x->S != y->S || x->A != y->A) return 0;
  size_t S = x->S, K = x->S * x->A, N = mdp_nnz(x);
  return memcmp(&x->gamma, &y->gamma, sizeof x->gamma) == 0 &&
         memcmp(x->mu, y->mu, S * sizeof *x->mu) == 0 &&
         memcmp(x->r, y->r, K * sizeof *x->r) == 0 &&
         memcmp(x->rowptr, y->rowptr, (K + 1) * sizeof *x->rowptr) == 0 &&
         memcmp(x->col, y->col, N * sizeof *x->col) == 0 &&
         memcmp(x->prob, y->prob, N * sizeof *x->prob) == 0 &&
         same_names(x->state_names, y->state_names, S) &&
         same_names(x->action_names, y->action_names, x->A);
}

static void round_trip(const mdp *m, const char *dir, const char *what) {
  char *path = tr_path_join(dir, "m.mdp");
  tr_status st = mdp_write_file(m, path);
  CHECK(st == TR_OK, "%s: write: %s", what, tr_error_msg());
  mdp *back = st ? NULL : mdp_read_file(path);
  CHECK(back != NULL, "%s: read back: %s", what, tr_error_msg());
  if (back) CHECK(same_mdp(m, back), "%s: not bit-identical after a round trip", what);
  mdp_free(back);
  remove(path);
  free(path);
}

/* A dense random MDP: rows with some zeros and awkward probabilities (a sum of
 * U(0,1) draws normalised, so the rows sum to 1 only within rounding), rewards of both
 * signs and magnitudes, a random μ and γ. */
static mdp *random_mdp(gsl_rng *rng, size_t S, size_t A) {
  double *P = malloc(S * A * S * sizeof *P), *r = malloc(S * A * sizeof *r);
  double *mu = malloc(S * sizeof *mu), sum = 0;
  for (size_t k = 0; k < S * A; k++) {
    double rs = 0;
    for (size_t z = 0; z < S; z++)
      rs += P[k * S + z] = gsl_rng_uniform(rng) < 0.3 ? 0 : gsl_rng_uniform(rng);
    if (rs == 0) rs = P[k * S] = 1;
    for (size_t z = 0; z < S; z++) P[k * S + z] /= rs;
    r[k] = (gsl_rng_uniform(rng) - 0.5) * pow(10, (double)gsl_rng_uniform_int(rng, 9) - 4.0);
  }
  for (size_t s = 0; s < S; s++) sum += mu[s] = gsl_rng_uniform(rng);
  for (size_t s = 0; s < S; s++) mu[s] /= sum;
  mdp *m = mdp_alloc_dense(S, A, gsl_rng_uniform(rng), P, r, mu);
  if (!m) printf("  random_mdp: %s\n", tr_error_msg());
  free(P);
  free(r);
  free(mu);
  return m;
}

static void test_round_trip(void) {
  char dir[] = "/tmp/test_mdpfile.XXXXXX";
  if (!mkdtemp(dir)) {
    CHECK(0, "mkdtemp failed");
    return;
  }
  /* Kakade's example built by hand, with names "i j" and "1 2". */
  double P[8] = {1, 0, 0, 1, 0, 1, 0, 1}, r[4] = {0.5, 1, 0.5, 0}, mu[2] = {1, 0};
  char *sn[] = {"i", "j"}, *an[] = {"1", "2"};
  mdp *m = mdp_alloc_dense(2, 2, 0.9, P, r, mu);
  if (m && !mdp_set_names(m, sn, an)) round_trip(m, dir, "hand-made");
  char *path = tr_path_join(datadir(), "kakade.mdp");
  mdp *k = mdp_read_file(path);
  if (m && k) CHECK(same_mdp(m, k), "kakade.mdp equals the hand-made MDP");
  mdp_free(k);
  free(path);

  /* A name that cannot be written is refused, and nothing is left behind. */
  char *bad[] = {"i", "a b"};
  path = tr_path_join(dir, "bad.mdp");
  if (m && !mdp_set_names(m, bad, NULL)) {
    CHECK(mdp_write_file(m, path) == TR_EINVAL, "unwritable name refused");
    CHECK(strstr(tr_error_msg(), "state name 'a b' cannot be written") != NULL, "%s",
          tr_error_msg());
    CHECK(access(path, F_OK) != 0, "no file left behind");
  }
  free(path);
  mdp_free(m);

  gsl_rng *rng = tr_rng_alloc(20240611);
  size_t sizes[][2] = {{7, 3}, {1, 1}, {2, 5}, {13, 2}};
  for (size_t c = 0; c < 4 && rng; c++) {
    m = random_mdp(rng, sizes[c][0], sizes[c][1]);
    char what[64];
    snprintf(what, sizeof what, "random %zux%zu", sizes[c][0], sizes[c][1]);
    if (m) round_trip(m, dir, what);
    if (m && c == 0) { /* the same with names */
      char *s7[] = {"s0", "s1", "s2", "s3", "s4", "s5", "goal"}, *a3[] = {"2", "0", "x-1"};
      if (!mdp_set_names(m, s7, a3)) round_trip(m, dir, "random 7x3 named");
    }
    mdp_free(m);
  }
  gsl_rng_free(rng);
  rmdir(dir);
}

/* ---- 3. malformed files ------------------------------------------------------------ */

static void test_bad_files(void) {
  static const struct { const char *file, *msg; } cases[] = {
      {"01-missing-states.mdp", "4: T: before states:"},
      {"02-row-sum.mdp", "7: row (s=1, a=0) of T sums to 0.9"},
      {"03-negative-probability.mdp", "6: probability -0.25 is negative"},
      {"04-nan-probability.mdp", "5: probability nan is not finite"},
      {"05-inf-probability.mdp", "8: probability inf is not finite"},
      {"06-state-out-of-range.mdp", "5: state 7 out of range (5 states)"},
      {"07-unknown-action.mdp", "5: unknown action 'jump'"},
      {"08-not-a-number.mdp", "5: '0.x' is not a number"},
      {"09-too-few-numbers.mdp", "7: T: (line 4) expected 3 numbers, found 2"},
      {"10-too-many-numbers.mdp", "6: T: (line 4) expected 3 numbers, found 4"},
      {"11-missing-discount.mdp", "4: T: before discount:"},
      {"12-discount-one.mdp", "1: discount 1.0 is outside [0, 1)"},
      {"13-unknown-keyword.mdp", "4: unknown keyword 'reward:'"},
      {"14-pomdp-observations.mdp",
       "4: observations: this is a POMDP file; trbench reads MDPs only"},
      {"15-duplicate-states.mdp", "4: duplicate states: (first at line 2)"},
      {"16-bad-values.mdp", "2: values: 'utility' must be reward or cost"},
      {"17-start-not-distribution.mdp", "4: start: probabilities sum to 0.875, not 1"},
      {"18-reward-per-observation.mdp",
       "5: R: a list of rewards per observation is a POMDP form; give one value"},
      {"19-empty.mdp", "1: empty file: no states:"},
      {"20-row-never-given.mdp", "8: row (s=1, a=1) of T was never given"},
      {"21-observation-field.mdp",
       "5: R: observation '1': an MDP has no observations; write '*'"},
      {"22-unknown-state-name.mdp", "5: unknown state 'goal'"},
      {"23-start-exclude-all.mdp", "4: start exclude: leaves no start state"},
      {"24-duplicate-state-name.mdp", "2: duplicate state name 'a' (state 0 and 2)"},
      {"25-end-before-actions.mdp", "3: end of file before actions:"},
      {"26-pomdp-O-entry.mdp", "5: O: this is a POMDP file; trbench reads MDPs only"},
      {"27-reward-infinite.mdp", "5: reward 1e999 is not finite"},
      {"28-start-negative.mdp", "4: probability -1 is negative"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char name[128], want[TR_ERRMSG_MAX];
    snprintf(name, sizeof name, "bad/%s", cases[c].file);
    char *path = tr_path_join(datadir(), name);
    snprintf(want, sizeof want, "%s:%s", path, cases[c].msg);
    tr_error_clear();
    mdp *m = mdp_read_file(path);
    CHECK(m == NULL && strcmp(tr_error_msg(), want) == 0, "%s:\n   got  '%s'\n   want '%s'",
          cases[c].file, m ? "(success)" : tr_error_msg(), want);
    mdp_free(m);
    free(path);
  }
}

/* ---- policy files ------------------------------------------------------------------ */

static void test_policies(void) {
  char *path = tr_path_join(datadir(), "policy-good.txt");
  double *pi = NULL;
  tr_status st = mdp_policy_read(path, 3, 2, &pi);
  CHECK(st == TR_OK, "policy-good.txt: %s", tr_error_msg());
  if (!st) {
    double want[6] = {0.5, 0.5, 0.25, 0.75, 1, 0};
    CHECK(memcmp(pi, want, sizeof want) == 0, "policy values");
  }
  free(pi);
  free(path);

  static const struct { const char *file, *msg; } cases[] = {
      {"policy-01-rows.txt", ": expected 3 rows, found 2"},
      {"policy-02-count.txt", ":3: expected 2 numbers, found 3"},
      {"policy-03-sum.txt", ":5: row of state 2 sums to 0.8"},
      {"policy-04-negative.txt", ":3: probability -0.5 is negative"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char name[128], want[TR_ERRMSG_MAX];
    snprintf(name, sizeof name, "bad/%s", cases[c].file);
    path = tr_path_join(datadir(), name);
    snprintf(want, sizeof want, "%s%s", path, cases[c].msg);
    pi = NULL;
    st = mdp_policy_read(path, 3, 2, &pi);
    CHECK(st == TR_EINVAL && strcmp(tr_error_msg(), want) == 0, "%s:\n   got  '%s'\n   want '%s'",
          cases[c].file, st ? tr_error_msg() : "(success)", want);
    free(pi);
    free(path);
  }

  /* Round trip of an awkward policy. */
  char dir[] = "/tmp/test_mdpfile.XXXXXX";
  if (!mkdtemp(dir)) return;
  path = tr_path_join(dir, "pi.txt");
  double w[6] = {1.0 / 3, 2.0 / 3, 0.1, 0.9, 0, 1};
  CHECK(mdp_policy_write(path, w, 3, 2) == TR_OK, "policy write: %s", tr_error_msg());
  pi = NULL;
  st = mdp_policy_read(path, 3, 2, &pi);
  CHECK(st == TR_OK && memcmp(pi, w, sizeof w) == 0, "policy round trip: %s", tr_error_msg());
  free(pi);
  remove(path);
  free(path);
  rmdir(dir);
}

int main(void) {
  test_T_forms();
  test_wildcards();
  test_names();
  test_override_and_spacing();
  test_start_forms();
  test_rewards();
  test_samples();
  test_string_errors();
  test_round_trip();
  test_bad_files();
  test_policies();
  return check_done("test_mdpfile");
}
