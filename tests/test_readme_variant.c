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
 * its square root, or a Fisher of the wrong rows.
 *
 * And alg_register's door (registry.h), each refusal with its sentence: the class registers
 * once and is then found by name, listed and counted; a second time its name is taken; a
 * class of another ABI, a bad name, overlapping fields, a default out of range, a table
 * without n_steps and defaults its check refuses are each one TR_EINVAL. */
#include <math.h>
#include <string.h>

#include "algorithms/run.h"
#include "tests/check.h"

extern const alg_class alg_pg_klstep;

/* a copy of the README's class with one thing changed, registered: the refusal's sentence */
static void refused(const alg_class *c, const char *want) {
  size_t n = alg_count();
  CHECK(alg_register(c) == TR_EINVAL && strstr(tr_error_msg(), want) && alg_count() == n,
        "register %s: want '%s', got '%s'", c->name ? c->name : "(null)", want, tr_error_msg());
}

static const char *refuse_all(const void *params) {
  (void)params;
  return "never";
}

static void test_register(void) {
  size_t n = alg_count();
  CHECK(!alg_find(alg_pg_klstep.name), "not known before registering");
  CHECK(alg_register(&alg_pg_klstep) == TR_OK, "register: %s", tr_error_msg());
  CHECK(alg_count() == n + 1 && alg_at(n) == &alg_pg_klstep && alg_find("pg-klstep") == &alg_pg_klstep,
        "registered: count %zu (was %zu)", alg_count(), n);
  refused(&alg_pg_klstep, "the name is taken");
  CHECK(alg_register_abi(&alg_pg_klstep, ALG_ABI_VERSION + 1, sizeof(alg_class)) == TR_EINVAL &&
            strstr(tr_error_msg(), "'pg-klstep' was compiled against trbench's algorithm ABI") &&
            strstr(tr_error_msg(), "rebuild it"),
        "another ABI: %s", tr_error_msg());
  CHECK(alg_register_abi(&alg_pg_klstep, ALG_ABI_VERSION, sizeof(alg_class) - 8) == TR_EINVAL,
        "another layout of alg_class");
  static alg_class c; /* static: the last one stays registered */
  static alg_param ps[64];
  c = alg_pg_klstep;
  c.name = "bad name";
  refused(&c, "its name must be");
  c.name = "pg-klstep-2";
  c.iterate = NULL;
  refused(&c, "iterate is NULL");
  c = alg_pg_klstep;
  c.name = "pg-klstep-2";
  size_t np = c.n_params;
  CHECK(np < 64, "table size");
  memcpy(ps, c.params, np * sizeof *ps);
  c.params = ps;
  ps[np - 1].offset = ps[np - 2].offset; /* target_kl onto gae_lambda */
  refused(&c, "overlap");
  memcpy(ps, alg_pg_klstep.params, np * sizeof *ps);
  ps[np - 1].def = 2; /* target_kl's range is [1e-9, 1] */
  refused(&c, "default 2 outside");
  memcpy(ps, alg_pg_klstep.params, np * sizeof *ps);
  c.params_size = 8;
  refused(&c, "params_size is smaller");
  c.params_size = alg_pg_klstep.params_size;
  c.n_params = np - 3; /* without n_steps, gae_lambda, target_kl */
  refused(&c, "n_steps and n_envs must be parameters");
  c.n_params = np;
  c.check = refuse_all;
  refused(&c, "its defaults: never");
  c.check = NULL;
  CHECK(alg_register(&c) == TR_OK && alg_find("pg-klstep-2") == &c, "the repaired copy: %s",
        tr_error_msg());
  printf("alg_register: %zu algorithms, the refusals each with their sentence\n", alg_count());
}

int main(void) {
  test_register();
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
