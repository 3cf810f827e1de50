/* tests/test_claims_local.c — the claims that need no MDP (theory/claims_local.c).
 *
 * Every local claim's check runs on NINST instances drawn from one seeded stream, with a
 * fake instance that carries only the stream (m = NULL: the checks must not read it).
 * Proven claims (identities, bounds) must never be violated, by the definitions of
 * claims.h: identity violated iff |lhs − rhs|/scale > tol, bound violated iff
 * lhs − rhs < −tol·scale.  Course claims get no asserted verdict: the test prints whether
 * each held on every instance or its first counterexample.  Every check must return TR_OK
 * with finite numbers and scale > 0.  Hand-worked cases pin the numbers of five checks
 * (for the course claims: the arithmetic of a worked case, not a verdict);
 * running a claim twice from the same seed must give the same bits.
 */
#include <float.h>
#include <gsl/gsl_randist.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/rng.h"
#include "tests/check.h"
#include "theory/claims.h"



#define NINST 2000
#define SEED 20240917u

/* The definitions of claims.h, restated so this test does not need claims.c: a check
 * filled by thy_check_identity (c->identity) claims lhs = rhs, otherwise lhs ≥ rhs. */
static double residual(const thy_check *c) {
  if (c->identity) return fabs(c->lhs - c->rhs) / c->scale;
  return fmax(0.0, c->rhs - c->lhs) / c->scale;
}
static int violated(const thy_check *c, const thy_claim *cl) {
  if (c->identity) return fabs(c->lhs - c->rhs) / c->scale > cl->tol;
  return c->lhs - c->rhs < -cl->tol * c->scale;
}

static void test_table(void) {
  CHECK(thy_claims_local_n == 13, "13 local claims, have %zu", thy_claims_local_n);
  for (size_t i = 0; i < thy_claims_local_n; i++) {
    const thy_claim *c = &thy_claims_local[i];
    CHECK(c->id && c->source && c->statement && c->assumptions && c->check, "fields of %zu", i);
    CHECK(c->tol >= 0.0 && c->tol < 1e-6, "%s: tol %g", c->id, c->tol);
    CHECK(c->kind == THY_IDENTITY || c->kind == THY_BOUND || c->kind == THY_COURSE, "%s kind",
          c->id);
    CHECK((strncmp(c->id, "course.", 7) == 0) == (c->kind == THY_COURSE), "%s: course kind",
          c->id);
    for (size_t j = 0; j < i; j++)
      CHECK(strcmp(c->id, thy_claims_local[j].id) != 0, "duplicate id %s", c->id);
  }
}

/* Run every claim NINST times; assert validity of each check and no violation of the
 * proven ones; print the course verdicts. */
static void test_all_claims(void) {
  gsl_rng *rng = tr_rng_alloc(SEED);
  thy_instance in;
  memset(&in, 0, sizeof in);
  in.rng = rng;
  double t_all = 0.0, t_kakade = 0.0;
  for (size_t i = 0; i < thy_claims_local_n; i++) {
    const thy_claim *cl = &thy_claims_local[i];
    size_t nviol = 0, napp = 0;
    double worst = 0.0, tmin = INFINITY, tmax = -INFINITY;
    char first[256] = "";
    double t0 = tr_clock_seconds();
    for (int k = 0; k < NINST; k++) {
      thy_check c;
      memset(&c, 0, sizeof c);
      tr_status st = cl->check(&c, &in);
      CHECK(st == TR_OK, "%s instance %d: status %d (%s)", cl->id, k, (int)st, tr_error_msg());
      if (st) continue;
      CHECK(isfinite(c.lhs) && isfinite(c.rhs) && isfinite(c.scale) && c.scale > 0.0 &&
                isfinite(c.room) && c.room >= 0.0,
            "%s instance %d: lhs %g rhs %g scale %g room %g [%s]", cl->id, k, c.lhs, c.rhs,
            c.scale, c.room, c.note);
      CHECK(c.applicable, "%s instance %d: not applicable", cl->id, k);
      if (cl->kind != THY_COURSE)
        CHECK(c.identity == (cl->kind == THY_IDENTITY), "%s: filled as the wrong kind", cl->id);
      CHECK(memchr(c.note, '\0', sizeof c.note) && c.note[0], "%s: note filled", cl->id);
      if (!c.applicable) continue;
      napp++;
      double res = residual(&c);
      if (res > worst) worst = res;
      if (c.room > 0.0) {
        double tight = 1.0 - (c.lhs - c.rhs) / c.room;
        if (tight < tmin) tmin = tight;
        if (tight > tmax) tmax = tight;
      }
      CHECK(violated(&c, cl) == thy_check_violated(&c, cl), "%s: catalogue disagrees", cl->id);
      if (violated(&c, cl)) {
        if (!nviol)
          snprintf(first, sizeof first, "lhs %.10g rhs %.10g scale %.3g [%s]", c.lhs, c.rhs,
                   c.scale, c.note);
        nviol++;
        if (cl->kind != THY_COURSE)
          CHECK(0, "%s violated at instance %d: lhs %.17g rhs %.17g scale %.3g residual %.3g "
                   "[%s]",
                cl->id, k, c.lhs, c.rhs, c.scale, res, c.note);
      }
    }
    double dt = tr_clock_seconds() - t0;
    if (strcmp(cl->id, "kakade.example") == 0) t_kakade = dt;
    else t_all += dt;
    printf("# %-15s %-8s %zu/%d applicable, worst residual %.3g", cl->id,
           cl->kind == THY_COURSE ? "course" : cl->kind == THY_BOUND ? "bound" : "identity",
           napp, NINST, worst);
    if (tmin <= tmax) printf(", tightness in [%.3g, %.3g]", tmin, tmax);
    printf(", %.2f us/instance\n", 1e6 * dt / NINST);
    if (cl->kind == THY_COURSE) {
      if (!nviol) printf("#   course claim HELD on all %zu instances\n", napp);
      else
        printf("#   course claim FAILED on %zu of %zu instances; first: %s\n", nviol, napp,
               first);
    }
  }
  printf("# all local claims but kakade.example: %.2f us per instance (kakade %.2f us)\n",
         1e6 * t_all / NINST, 1e6 * t_kakade / NINST);
  gsl_rng_free(rng);
}

/* Same seed, same bits: each check's numbers depend on the stream alone. */
static void test_determinism(void) {
  for (size_t i = 0; i < thy_claims_local_n; i++) {
    const thy_claim *cl = &thy_claims_local[i];
    thy_check a, b;
    gsl_rng *r1 = tr_rng_alloc(7), *r2 = tr_rng_alloc(7);
    thy_instance in1, in2;
    memset(&in1, 0, sizeof in1);
    memset(&in2, 0, sizeof in2);
    in1.rng = r1;
    in2.rng = r2;
    int same = 1;
    for (int k = 0; k < 50; k++) {
      memset(&a, 0, sizeof a);
      memset(&b, 0, sizeof b);
      cl->check(&a, &in1);
      cl->check(&b, &in2);
      same &= memcmp(&a.lhs, &b.lhs, sizeof a.lhs) == 0 &&
              memcmp(&a.rhs, &b.rhs, sizeof a.rhs) == 0 && strcmp(a.note, b.note) == 0;
    }
    CHECK(same, "%s: same seed, different results", cl->id);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
  }
}

static void test_hand_cases(void) {
  thy_check c;
  /* Pinsker at p = (1,0), q = (½,½): KL = 1·log(1/½) = log 2, TV = ½(½ + ½) = ½;
   * sqrt(log 2 / 2) = 0.5887 ≥ 0.5 and log 2 ≥ ¼. */
  const double p1[2] = {1.0, 0.0}, q1[2] = {0.5, 0.5};
  memset(&c, 0, sizeof c);
  CHECK(thy_local_pinsker_eval(&c, p1, q1, 2, 0) == TR_OK, "pinsker eval");
  CHECK_CLOSE(c.lhs, sqrt(0.5 * log(2.0)), 0.0, 1e-15, "pinsker lhs = sqrt(log 2 / 2)");
  CHECK(c.rhs == 0.5, "pinsker rhs = TV = 1/2, got %.17g", c.rhs);
  memset(&c, 0, sizeof c);
  CHECK(thy_local_pinsker_eval(&c, p1, q1, 2, 1) == TR_OK, "pinsker.weak eval");
  CHECK_CLOSE(c.lhs, log(2.0), 0.0, 1e-15, "pinsker.weak lhs = KL = log 2");
  CHECK(c.rhs == 0.25, "pinsker.weak rhs = TV^2 = 1/4, got %.17g", c.rhs);
  /* p = q: KL = TV = 0, the bound attained. */
  memset(&c, 0, sizeof c);
  thy_local_pinsker_eval(&c, q1, q1, 2, 0);
  CHECK(c.lhs == 0.0 && c.rhs == 0.0 && c.room > 0.0, "pinsker at p = q: %g %g", c.lhs, c.rhs);
  /* Nearby binary pair p = (½+δ, ½−δ), q = (½,½), δ = 2^-30: KL = 2δ² + (4/3)δ⁴ + …, so
   * sqrt(KL/2) = δ(1 + δ²/3 + …) — the slack δ³/3 ≈ 3e-28 is far below one ulp of δ, and
   * the accurate KL must still give lhs ≥ rhs to the last bit. */
  double d = ldexp(1.0, -30);
  const double p2[2] = {0.5 + d, 0.5 - d};
  memset(&c, 0, sizeof c);
  thy_local_pinsker_eval(&c, p2, q1, 2, 1);
  CHECK_CLOSE(c.lhs, 2.0 * d * d, 0.0, 1e-14, "KL of the near binary pair = 2 delta^2");
  memset(&c, 0, sizeof c);
  thy_local_pinsker_eval(&c, p2, q1, 2, 0);
  CHECK(c.lhs - c.rhs >= -1e-12 * c.scale, "near pair: lhs %.17g rhs %.17g", c.lhs, c.rhs);

  /* IS variance, two points: p = (¼,¾), q = (½,½), f = (1,2): w = (½, 3/2), wf = (½, 3),
   * m = ½·½ + ½·3 = 7/4 (= E_p f = ¼ + 3/2), Var = ½(½ − 7/4)² + ½(3 − 7/4)² = 25/16;
   * formula: E_p[w f²] = ¼·½·1 + ¾·(3/2)·4 = 37/8, minus (7/4)² = 49/16: 74/16 − 49/16. */
  const double p3[2] = {0.25, 0.75}, q3[2] = {0.5, 0.5}, f3[2] = {1.0, 2.0};
  memset(&c, 0, sizeof c);
  CHECK(thy_local_is_variance_eval(&c, p3, q3, f3, 2) == TR_OK, "is.variance eval");
  CHECK(c.lhs == 25.0 / 16.0, "Var from the definition = 25/16, got %.17g", c.lhs);
  CHECK(c.rhs == 25.0 / 16.0, "Var by the formula = 25/16, got %.17g", c.rhs);

  /* Kakade's example in closed form (derived above thy_local_kakade_eval):
   * ΔJ = α(1 − γ − αγ) / (2(1−γ)(1 − γ + αγ)) at γ = 0.9137, α = 0.37, and the bound
   * equals it. */
  const double g = 0.9137, al = 0.37;
  double want = al * (1.0 - g - al * g) / (2.0 * (1.0 - g) * (1.0 - g + al * g));
  memset(&c, 0, sizeof c);
  CHECK(thy_local_kakade_eval(&c, g, al) == TR_OK, "kakade eval: %s", tr_error_msg());
  CHECK_CLOSE(c.lhs, want, 1e-14, 1e-12, "kakade dJ closed form");
  CHECK_CLOSE(c.rhs, want, 1e-14, 1e-12, "kakade bound closed form");
  /* γ = 0.999, α = 1: ΔJ = (1 − 2γ)/(2(1−γ)) = −499 exactly in real arithmetic. */
  memset(&c, 0, sizeof c);
  CHECK(thy_local_kakade_eval(&c, 0.999, 1.0) == TR_OK, "kakade eval at 0.999");
  CHECK_CLOSE(c.lhs, (1.0 - 2.0 * 0.999) / (2.0 * (1.0 - 0.999)), 0.0, 1e-10,
              "kakade dJ at gamma 0.999, alpha 1");
  CHECK_CLOSE(c.rhs, c.lhs, 0.0, 1e-10, "kakade bound = dJ at gamma 0.999, alpha 1");

  /* Course C7, n = 2, p = (½,½), q = (0.9,0.1), f = (1,0): w = (5/9, 5).  Tuples: (0,0)
   * prob 0.81, estimate 1; (1,1) prob 0.01, estimate 0; (0,1), (1,0) prob 0.09 each,
   * estimate (5/9)/(5/9 + 5) = 1/10.  E = 0.81 + 0.018 = 0.828, while E_p f = ½. */
  const double p4[2] = {0.5, 0.5}, q4[2] = {0.9, 0.1}, f4[2] = {1.0, 0.0};
  memset(&c, 0, sizeof c);
  CHECK(thy_local_snis_eval(&c, p4, q4, f4, 2, 2) == TR_OK, "snis eval");
  CHECK_CLOSE(c.lhs, 0.828, 0.0, 1e-14, "E[SNIS] worked by hand");
  CHECK(c.rhs == 0.5, "E_p f = 1/2, got %.17g", c.rhs);
  /* n = 1: one sample, w/w = 1, so E = E_q f = 0.9. */
  memset(&c, 0, sizeof c);
  thy_local_snis_eval(&c, p4, q4, f4, 2, 1);
  CHECK_CLOSE(c.lhs, 0.9, 0.0, 1e-15, "E[SNIS] with one sample = E_q f");

  /* Course C8, π = (0.9, 0.1), f = (1, 0), b = E_π f = 0.9.  g(0) = (0.1, −0.1),
   * g(1) = (−0.9, 0.9).  Without b: X = g(0) w.p. 0.9, 0 w.p. 0.1; mean (0.09, −0.09);
   * tr Cov = 0.9·2·0.01² + 0.1·2·0.09² = 0.0018.  With b: X = 0.1 g(0) w.p. 0.9,
   * −0.9 g(1) w.p. 0.1, same mean; tr Cov = 0.9·2·0.08² + 0.1·2·0.72² = 0.1152. */
  const double pi5[2] = {0.9, 0.1}, f5[2] = {1.0, 0.0};
  memset(&c, 0, sizeof c);
  CHECK(thy_local_baseline_var_eval(&c, pi5, f5, 0.9, 2) == TR_OK, "baseline var eval");
  CHECK_CLOSE(c.lhs, 0.0018, 0.0, 1e-13, "variance without baseline by hand");
  CHECK_CLOSE(c.rhs, 0.1152, 0.0, 1e-13, "variance with b = E f by hand");
  /* b = f(0) = f(1) for constant f removes all variance. */
  const double f6[2] = {2.5, 2.5};
  memset(&c, 0, sizeof c);
  thy_local_baseline_var_eval(&c, pi5, f6, 2.5, 2);
  CHECK(c.rhs == 0.0 && c.lhs > 0.0, "constant f, b = f: %g -> %g", c.lhs, c.rhs);
}

int main(void) {
  test_table();
  test_hand_cases();
  test_all_claims();
  test_determinism();
  return check_done("test_claims_local");
}
