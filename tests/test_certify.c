/* tests/test_certify.c — ball arithmetic against the float checks and against exact truth.
 *
 *  - an independent method: on random instances of every size in the verify lists, the
 *    Arb midpoints of both sides of every claim certify evaluates agree with the float
 *    check to 1e-10 of the check's scale (which carries the conditioning (1+γ)/(1−γ)), and
 *    every ball is narrow (radius < 1e-20 of the scale);
 *  - exact truth: on Kakade's example (REFERENCES § 2 item 9) the Kakade–Langford bound
 *    (cpi.kl) holds with equality for every α and γ, so the ball of lhs − rhs contains 0
 *    (verdict undecided) with a radius far below any float rounding; C5's quadratic model
 *    is exactly α/2;
 *  - bad input: an unsupported claim or α outside [0, 1] is TR_EINVAL. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "tests/check.h"
#include "theory/certify.h"
#include "theory/verify.h"

static const char *ids[] = {"trpo.tv", "trpo.tv.tight", "trpo.kl", "trpo.kl.half", "trpo.kl.rev",
                            "achiam.tv", "achiam.kl", "occupancy.tv", "occupancy.tv.avg", "cpi.kl",
                            "cpi.kl.weak", "course.c1", "course.c2", "course.c3", "course.c5"};

static void test_against_float(size_t n) {
  static const size_t S[] = {2, 3, 5, 8}, A[] = {2, 3, 4};
  static const double g[] = {0.5, 0.9, 0.9137, 0.99};
  thy_verify_opts o = {n, 11, S, 4, A, 3, g, 4, NULL, 0};
  gsl_rng *r = tr_rng_alloc(1);
  size_t compared = 0;
  for (size_t i = 0; i < n; i++) {
    thy_instance_data d;
    if (thy_instance_build(&d, &o, i)) {
      CHECK(0, "instance %zu: %s", i, tr_error_msg());
      continue;
    }
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++) {
      const thy_claim *cl = thy_claim_find(ids[k]);
      CHECK(thy_certify_supports(ids[k]), "%s unsupported", ids[k]);
      thy_instance in = {d.m, d.pi, d.pi2, d.theta, d.v, d.v2, d.alpha, r, d.ws};
      thy_check c;
      memset(&c, 0, sizeof c);
      if (cl->check(&c, &in) || !c.applicable) continue;
      thy_cert ct;
      tr_status st = thy_certify(&ct, ids[k], d.m, d.pi, d.pi2, d.alpha);
      CHECK(st == TR_OK, "%s instance %zu: %s", ids[k], i, tr_error_msg());
      if (st || !ct.applicable) continue;
      double tol = 1e-10 * c.scale;
      CHECK(fabs(ct.lhs - c.lhs) <= tol && fabs(ct.rhs - c.rhs) <= tol,
            "%s instance %zu: Arb (%.17g, %.17g) vs float (%.17g, %.17g), scale %.3g", ids[k], i,
            ct.lhs, ct.rhs, c.lhs, c.rhs, c.scale);
      CHECK(ct.lhs_rad < 1e-20 * c.scale && ct.rhs_rad < 1e-20 * c.scale,
            "%s instance %zu: wide balls %.3g %.3g", ids[k], i, ct.lhs_rad, ct.rhs_rad);
      /* a verdict certified either way agrees with the float one */
      if (ct.verdict != 0) CHECK((ct.verdict < 0) == (c.lhs < c.rhs), "%s instance %zu: verdicts differ", ids[k], i);
      compared++;
    }
    thy_instance_data_free(&d);
  }
  CHECK(compared > n * 10, "only %zu comparisons", compared);
  gsl_rng_free(r);
}

/* Kakade's example: states i = 0, j = 1; at i action 0 self-loops (reward 1/2), action 1
 * moves to j (reward 1); at j both self-loop, rewards 1/2 and 0; μ = δ_i, π ≡ 0, π' ≡ 1. */
static void test_kakade_equality(void) {
  static const double P[] = {1, 0, 0, 1, 0, 1, 0, 1}, r[] = {0.5, 1, 0.5, 0}, mu[] = {1, 0};
  static const double pi[] = {1, 0, 1, 0}, pi2[] = {0, 1, 0, 1};
  static const double gammas[] = {0.3, 0.9137, 0.99}, alphas[] = {0.01, 0.37, 1.0};
  for (size_t i = 0; i < 3; i++) {
    mdp *m = mdp_alloc_dense(2, 2, gammas[i], P, r, mu);
    CHECK(m != NULL, "mdp: %s", tr_error_msg());
    if (!m) continue;
    for (size_t j = 0; j < 3; j++) {
      thy_cert ct;
      tr_status st = thy_certify(&ct, "cpi.kl", m, pi, pi2, alphas[j]);
      CHECK(st == TR_OK && ct.applicable, "cpi.kl: %s", tr_error_msg());
      CHECK(ct.verdict == 0 && ct.diff_rad < 1e-30,
            "Kakade gamma=%g alpha=%g: lhs - rhs = %s (verdict %d), want a ball around 0",
            gammas[i], alphas[j], ct.diff_str, ct.verdict);
      CHECK(fabs(ct.diff) < 1e-30, "Kakade: midpoint %.3g", ct.diff);
    }
    /* C5: ½ΔᵀFΔ = α/2 exactly (π' irrelevant; π must not be deterministic there) */
    static const double pis[] = {0.3, 0.7, 0.6, 0.4};
    thy_cert ct;
    tr_status st = thy_certify(&ct, "course.c5", m, pis, pi2, 0.25);
    CHECK(st == TR_OK && ct.verdict == 1, "c5: verdict %d", ct.verdict);
    CHECK(fabs(ct.rhs - 0.125) < 1e-30 && ct.rhs_rad < 1e-30, "c5: rhs %s, want 1/8", ct.rhs_str);
    /* bad input */
    CHECK(thy_certify(&ct, "npg.rate", m, pi, pi2, 0.5) == TR_EINVAL, "npg.rate accepted");
    CHECK(thy_certify(&ct, "pinsker", m, pi, pi2, 0.5) == TR_EINVAL, "pinsker accepted");
    CHECK(thy_certify(&ct, "cpi.kl", m, pi, pi2, 1.5) == TR_EINVAL, "alpha 1.5 accepted");
    CHECK(thy_certify(&ct, "cpi.kl", m, pi, pi2, NAN) == TR_EINVAL, "alpha NaN accepted");
    /* an infinite KL (π' puts mass where π has none): not applicable, not an error */
    st = thy_certify(&ct, "trpo.kl", m, pi, pi2, 0.5);
    CHECK(st == TR_OK && !ct.applicable, "trpo.kl with infinite KL: applicable %d", ct.applicable);
    mdp_free(m);
  }
}

int main(void) {
  test_against_float(60);
  test_kakade_equality();
  return check_done("test_certify");
}
