/* tests/test_readme_variant.c — the README's "adding a variant" example, compiled from the
 * README itself (tests/readme_variant.c is extracted from README.md by the Makefile) and
 * run, so the example cannot fall behind the structure it teaches.
 *
 * Checks: its parameter table resolves (defaults, --set, a range error); three iterations
 * of pg-klstep on cartpole run, count their steps and stay finite; the step's sampled mean
 * KL is target_kl up to the quadratic model's error.  That error: the step is sized so
 * that ½ η² gᵀFg = δ with F the batch's Fisher, and the sampled mean KL over the same batch
 * is ½ η² gᵀFg + O(η³) — a third-order remainder, small against δ at δ = 0.02 (measured
 * ratios KL/δ within 0.9–1.1); the band [δ/2, 2δ] fails for a step missing its factor 2 or
 * its square root, or a Fisher of the wrong rows. */
#include <math.h>
#include <string.h>

#include "algorithms/run.h"
#include "tests/check.h"

extern const alg_class alg_pg_klstep;

int main(void) {
  alg_config cfg;
  CHECK(alg_config_init(&cfg, &alg_pg_klstep) == TR_OK, "config: %s", tr_error_msg());
  double v = 0;
  CHECK(!alg_config_get(&cfg, "target_kl", &v) && v == 0.01, "default target_kl %g", v);
  CHECK(alg_config_set(&cfg, "target_kl=2") == TR_EINVAL &&
            strstr(tr_error_msg(), "target_kl must be a number in [1e-09, 1]"),
        "target_kl=2 refused: %s", tr_error_msg());
  CHECK(alg_config_set(&cfg, "target_kl=0.02") == TR_OK && alg_config_set(&cfg, "n_steps=512") == TR_OK,
        "--set: %s", tr_error_msg());
  env_model *em = env_model_alloc("cartpole");
  alg_run *run = NULL;
  CHECK(em && alg_run_alloc(&run, em, &cfg, 3, 3 * 512) == TR_OK, "alloc: %s", tr_error_msg());
  alg_config_clear(&cfg);
  for (int i = 0; run && i < 3; i++) {
    alg_iter_stats s;
    CHECK(alg_run_iterate(run, &s) == TR_OK, "iterate: %s", tr_error_msg());
    CHECK(!s.bad[0] && s.steps == 512 && isfinite(s.value_loss), "iteration %d: bad '%s', %zu steps",
          i, s.bad, s.steps);
    CHECK(s.kl_mean >= 0.01 && s.kl_mean <= 0.04, "iteration %d: sampled KL %g for target 0.02", i,
          s.kl_mean);
    printf("pg-klstep iteration %d: sampled mean KL %.5f (target 0.02), return %.1f\n", i,
           s.kl_mean, s.return_mean);
  }
  CHECK(!run || run->state.steps_done == 3 * 512, "steps %zu", run ? run->state.steps_done : 0);
  alg_run_free(run);
  env_model_free(em);
  return check_done("test_readme_variant");
}
