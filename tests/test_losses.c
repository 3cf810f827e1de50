/* tests/test_losses.c — finite-difference checks of every training loss's gradient:
 * PPO's minibatch loss (clip, fixed KL penalty, no clip; with an entropy bonus), the policy-
 * gradient loss of reinforce/a2c, and the value regression loss, on a discrete (CartPole)
 * and a Gaussian (Pendulum) policy.
 *
 * Along a random unit direction u: (ℓ(θ + hu) − ℓ(θ − hu)) / 2h against ∇ℓ·u, h = 1e-6.
 * Truncation is h²|ℓ'''|/6 ≈ 1e-12·|ℓ'''| and rounding ≈ ε|ℓ|/h ≈ 2e-10·|ℓ|; the tolerance
 * 1e-7 + 1e-5·|∇ℓ·u| leaves two orders of margin while a wrong factor fails.  The clipped
 * loss has kinks at r = 1 ± ε: the test keeps every ratio at least 1e-3 away from them so
 * the difference quotient never straddles one (checked). */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/run.h"
#include "core/rng.h"
#include "tests/check.h"

static alg_run *make_run(env_model *em, const char *algo, const char **sets, size_t n_sets) {
  const alg_class *cls = alg_find(algo);
  alg_config cfg;
  if (!cls || alg_config_init(&cfg, cls)) return NULL;
  for (size_t i = 0; i < n_sets; i++)
    if (alg_config_set(&cfg, sets[i])) {
      printf("set %s: %s\n", sets[i], tr_error_msg());
      alg_config_clear(&cfg);
      return NULL;
    }
  alg_run *run = NULL;
  if (alg_run_alloc(&run, em, &cfg, 7, 100000)) printf("alloc: %s\n", tr_error_msg());
  alg_config_clear(&cfg);
  return run;
}

static void unit_direction(double *u, size_t n, gsl_rng *r) {
  double s = 0;
  for (size_t k = 0; k < n; k++) {
    u[k] = gsl_ran_gaussian(r, 1.0);
    s += u[k] * u[k];
  }
  for (size_t k = 0; k < n; k++) u[k] /= sqrt(s);
}

/* the PPO minibatch loss at θ + t u */
typedef struct {
  alg_run *run;
  const double *obs, *act, *adv, *logp_old, *dist_old;
  size_t B;
} ppo_rows;

static double ppo_at(const ppo_rows *p, const double *theta, const double *u, double t, double *th,
                     double *g) {
  size_t P = p->run->model.pol->P;
  for (size_t k = 0; k < P; k++) th[k] = theta[k] + t * u[k];
  double l = NAN;
  alg_ppo_minibatch_loss(p->run, th, p->obs, p->act, p->adv, p->logp_old, p->dist_old, p->B, &l, g);
  return l;
}

static void check_ppo(const char *env_name, const char *algo, const char *extra, gsl_rng *r) {
  env_model *em = env_model_alloc(env_name);
  const char *sets[] = {"n_steps=64", "batch_size=32", "ent_coef=0.013", extra};
  alg_run *run = em ? make_run(em, algo, sets, extra ? 4 : 3) : NULL;
  CHECK(run != NULL, "%s %s: run", algo, env_name);
  if (!run) {
    env_model_free(em);
    return;
  }
  size_t B = 32, O = env_obs_dim(em), W = run->model.pol->W, K = run->model.pol->K,
         P = run->model.pol->P;
  double *obs = malloc(B * O * sizeof *obs), *act = malloc(B * W * sizeof *act);
  double *adv = malloc(B * sizeof *adv), *lpo = malloc(B * sizeof *lpo);
  double *dold = malloc(B * K * sizeof *dold), *thold = malloc(P * sizeof *thold);
  double *u = malloc(P * sizeof *u), *th = malloc(P * sizeof *th), *g = malloc(P * sizeof *g);
  double *g2 = malloc(P * sizeof *g2);
  pol_ws *ws = pol_ws_alloc(run->model.pol, B);
  for (size_t i = 0; i < B * O; i++) obs[i] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < B; i++) adv[i] = gsl_ran_gaussian(r, 1.0);
  /* π_old: θ moved a little, so ratios spread around 1 and some clip */
  for (size_t k = 0; k < P; k++) thold[k] = run->state.theta[k] + gsl_ran_gaussian(r, 0.3);
  pol_forward(run->model.pol, thold, obs, B, ws, dold);
  pol_sample(run->model.pol, dold, B, r, act);
  pol_log_prob(run->model.pol, dold, act, B, lpo);
  /* the ratios at θ, away from the kinks */
  double *lp = malloc(B * sizeof *lp), *dnew = malloc(B * K * sizeof *dnew);
  pol_forward(run->model.pol, run->state.theta, obs, B, ws, dnew);
  pol_log_prob(run->model.pol, dnew, act, B, lp);
  size_t clipped = 0, near = 0;
  for (size_t i = 0; i < B; i++) {
    double ratio = exp(lp[i] - lpo[i]);
    clipped += fabs(ratio - 1) > 0.2;
    if (fabs(fabs(ratio - 1) - 0.2) < 1e-3) adv[i] = 0, near++; /* a kink: zero its weight */
  }
  ppo_rows rows = {run, obs, act, adv, lpo, dold, B};
  for (int rep = 0; rep < 3; rep++) {
    unit_direction(u, P, r);
    double l0, h = 1e-6;
    alg_ppo_minibatch_loss(run, run->state.theta, obs, act, adv, lpo, dold, B, &l0, g);
    double gu = 0;
    for (size_t k = 0; k < P; k++) gu += g[k] * u[k];
    double fd = (ppo_at(&rows, run->state.theta, u, h, th, g2) -
                 ppo_at(&rows, run->state.theta, u, -h, th, g2)) /
                (2 * h);
    char what[160];
    snprintf(what, sizeof what, "%s %s %s: dloss/du (%zu of %zu ratios clipped)", algo, env_name,
             extra ? extra : "", clipped, B);
    CHECK_CLOSE(fd, gu, 1e-7, 1e-5, what);
    CHECK(isfinite(l0), "%s: finite loss", what);
  }
  if (!strcmp(algo, "ppo-clip"))
    CHECK(clipped > 0, "%s %s: some ratios are clipped (%zu)", algo, env_name, clipped);
  free(obs), free(act), free(adv), free(lpo), free(dold), free(thold), free(u), free(th), free(g);
  free(g2), free(lp), free(dnew);
  pol_ws_free(ws);
  alg_run_free(run);
  env_model_free(em);
}

static void check_pg_and_value(const char *env_name, const char *algo, gsl_rng *r) {
  env_model *em = env_model_alloc(env_name);
  const char *sets[] = {"n_steps=64", "ent_coef=0.02"};
  alg_run *run = em ? make_run(em, algo, sets, 2) : NULL;
  CHECK(run != NULL, "%s %s: run", algo, env_name);
  if (!run) {
    env_model_free(em);
    return;
  }
  alg_iter_stats s;
  CHECK(alg_run_iterate(run, &s) == TR_OK, "%s: iterate: %s", algo, tr_error_msg()); /* a batch */
  size_t P = run->model.pol->P, Pv = run->model.vnet->P, T = run->model.T, O = env_obs_dim(em);
  double *u = malloc((P > Pv ? P : Pv) * sizeof *u), *th = malloc((P > Pv ? P : Pv) * sizeof *th);
  double *g = malloc((P > Pv ? P : Pv) * sizeof *g), *g2 = malloc((P > Pv ? P : Pv) * sizeof *g2);
  double h = 1e-6, lp, lm, l0, gu = 0;
  /* the policy-gradient loss */
  unit_direction(u, P, r);
  alg_pg_loss(run, run->state.theta, &l0, g);
  for (size_t k = 0; k < P; k++) gu += g[k] * u[k];
  for (size_t k = 0; k < P; k++) th[k] = run->state.theta[k] + h * u[k];
  alg_pg_loss(run, th, &lp, g2);
  for (size_t k = 0; k < P; k++) th[k] = run->state.theta[k] - h * u[k];
  alg_pg_loss(run, th, &lm, g2);
  char what[128];
  snprintf(what, sizeof what, "%s %s: d(pg loss)/du", algo, env_name);
  CHECK_CLOSE((lp - lm) / (2 * h), gu, 1e-7, 1e-5, what);
  /* the value loss on the batch's observations with random targets */
  double *obs = malloc(T * O * sizeof *obs), *tg = malloc(T * sizeof *tg);
  memcpy(obs, run->state.batch->obs, T * O * sizeof *obs);
  for (size_t t = 0; t < T; t++) tg[t] = gsl_ran_gaussian(r, 3.0);
  unit_direction(u, Pv, r);
  alg_run_value_loss(run, run->state.vparams, obs, tg, T, &l0, g);
  gu = 0;
  for (size_t k = 0; k < Pv; k++) gu += g[k] * u[k];
  for (size_t k = 0; k < Pv; k++) th[k] = run->state.vparams[k] + h * u[k];
  alg_run_value_loss(run, th, obs, tg, T, &lp, NULL);
  for (size_t k = 0; k < Pv; k++) th[k] = run->state.vparams[k] - h * u[k];
  alg_run_value_loss(run, th, obs, tg, T, &lm, NULL);
  snprintf(what, sizeof what, "%s %s: d(value loss)/du", algo, env_name);
  CHECK_CLOSE((lp - lm) / (2 * h), gu, 1e-7, 1e-5, what);
  free(u), free(th), free(g), free(g2), free(obs), free(tg);
  alg_run_free(run);
  env_model_free(em);
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *r = tr_rng_alloc(20261123);
  static const char *envs[] = {"cartpole", "pendulum"};
  for (size_t e = 0; e < 2; e++) {
    check_ppo(envs[e], "ppo-clip", NULL, r);
    check_ppo(envs[e], "ppo-clip", "clip_range=0.2", r);
    check_ppo(envs[e], "ppo-kl", "kl_coef=0.7", r);
    check_ppo(envs[e], "ppo-adaptive-kl", "kl_coef=2.5", r);
    check_ppo(envs[e], "ppo-noclip", NULL, r);
    check_pg_and_value(envs[e], "reinforce", r);
    check_pg_and_value(envs[e], "a2c", r);
  }
  gsl_rng_free(r);
  return check_done("test_losses");
}
