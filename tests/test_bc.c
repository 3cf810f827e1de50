/* tests/test_bc.c — behaviour cloning (alg_bc.h, issue 22 item 3) against truth:
 *  - a deterministic expert (the exact optimal policy, optimal:0) on FrozenLake 4x4: at every
 *    state the demonstrations visit, the clone's tabulated π(a*|s) → 1 (≥ 0.999), and its exact
 *    J is within 1e-3 of J*;
 *  - a noisy expert (optimal:0.3, sampled): the cross-entropy's minimizer is the empirical
 *    action frequencies at each state, so at states with ≥ 200 visits the clone's table is
 *    within 0.01 of them;
 *  - a Gaussian MLP clone (least squares on the mean, bc_fit_std=false) of a deterministic
 *    nonlinear expert a = 0.5 tanh(M s) on HalfCheetah (O = 17, U = 6): the clone's mean
 *    actions at the demonstration states are within an RMS of 0.05 of the expert's (the
 *    actions' own RMS is about 0.3), and the log-stds stay at 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "algorithms/alg_bc.h"
#include "algorithms/run.h"
#include "check.h"
#include "core/rng.h"

static alg_run *bc_run(const char *env, env_model **em, const char *const *sets, size_t n,
                       size_t steps) {
  alg_config cfg;
  alg_run *run = NULL;
  *em = env_model_alloc(env);
  if (!*em || alg_config_init(&cfg, alg_find("bc"))) return NULL;
  for (size_t i = 0; i < n; i++)
    if (alg_config_set(&cfg, sets[i])) printf("set %s: %s\n", sets[i], tr_error_msg());
  if (alg_run_alloc(&run, *em, &cfg, 7, steps)) printf("alloc: %s\n", tr_error_msg());
  alg_config_clear(&cfg);
  return run;
}

static int train(alg_run *run) {
  while (run->state.steps_done < run->model.total_steps) {
    alg_iter_stats s;
    if (alg_run_iterate(run, &s) || s.bad[0]) return 1;
  }
  return 0;
}

static size_t state_of(const double *onehot, size_t S) {
  size_t s = 0;
  for (size_t i = 1; i < S; i++)
    if (onehot[i] > onehot[s]) s = i;
  return s;
}

static void test_tabular(double eps) {
  /* the noisy expert's clone by full-batch Adam steps, so it settles at the minimizer */
  const char *sets[] = {"n_steps=1024", "learning_rate=0.05",
                        eps == 0 ? "bc_epochs=20" : "bc_epochs=300",
                        eps == 0 ? "expert_deterministic=true" : "expert_deterministic=false",
                        eps == 0 ? "batch_size=64" : "batch_size=8192"};
  env_model *em;
  alg_run *run = bc_run("frozenlake4", &em, sets, 5, 8192);
  CHECK(run != NULL, "bc run on frozenlake4");
  if (!run) return;
  CHECK(!alg_run_set_optimal_expert(run, eps), "optimal:%g", eps);
  CHECK(!train(run), "training: %s", tr_error_msg());
  const mdp *m = run->model.tab;
  size_t S = m->S, A = m->A;
  double *pi = malloc(S * A * sizeof *pi), *pstar = malloc(S * A * sizeof *pstar), Jstar;
  double *cnt = calloc(S * A, sizeof *cnt), *V = malloc(S * sizeof *V);
  thy_values *v = thy_values_alloc(S, A);
  alg_run_tabulate(run, run->state.theta, pi);
  thy_policy_iteration(V, pstar, m, THY_SOLVER_AUTO, NULL);
  Jstar = thy_weighted_mean(V, m->mu, S);
  const double *obs, *act;
  size_t N = alg_bc_demos(run, &obs, &act);
  CHECK(N == 8192, "demonstrations %zu", N);
  for (size_t i = 0; i < N; i++) cnt[state_of(obs + i * S, S) * A + (size_t)act[i]] += 1;
  double worst = 0;
  size_t states = 0;
  for (size_t s = 0; s < S; s++) {
    double n = 0;
    for (size_t a = 0; a < A; a++) n += cnt[s * A + a];
    if (eps == 0 && n > 0) {
      for (size_t a = 0; a < A; a++)
        if (pstar[s * A + a] > 0.5) worst = fmax(worst, 1 - pi[s * A + a]);
      states++;
    }
    if (eps > 0 && n >= 200) {
      for (size_t a = 0; a < A; a++) worst = fmax(worst, fabs(pi[s * A + a] - cnt[s * A + a] / n));
      states++;
    }
  }
  CHECK(states >= 3, "eps %g: %zu states checked", eps, states);
  if (eps == 0) {
    CHECK(worst < 1e-3, "deterministic expert: max over visited s of 1 - pi(a*|s) = %g", worst);
    thy_evaluate(v, m, pi, THY_SOLVER_AUTO, NULL);
    CHECK_CLOSE(v->J, Jstar, 1e-3, 0, "J of the clone vs J*");
  } else {
    CHECK(worst < 0.01, "noisy expert: max |pi - empirical frequency| = %g", worst);
  }
  free(pi), free(pstar), free(cnt), free(V);
  thy_values_free(v);
  alg_run_free(run);
  env_model_free(em);
}

/* a = 0.5 tanh(M s), M (U, O) fixed */
typedef struct {
  size_t O, U;
  double M[6 * 17];
} lin_expert;

static tr_status lin_act(void *ctx, const double *obs, size_t B, int det, gsl_rng *r,
                         double *act) {
  const lin_expert *e = ctx;
  (void)det, (void)r;
  for (size_t b = 0; b < B; b++)
    for (size_t u = 0; u < e->U; u++) {
      double z = 0;
      for (size_t o = 0; o < e->O; o++) z += e->M[u * e->O + o] * obs[b * e->O + o];
      act[b * e->U + u] = 0.5 * tanh(z);
    }
  return TR_OK;
}

static void test_gaussian(void) {
  const char *sets[] = {"n_steps=2048", "bc_epochs=20", "expert_deterministic=true",
                        "bc_fit_std=false"};
  env_model *em;
  alg_run *run = bc_run("halfcheetah", &em, sets, 4, 8192);
  CHECK(run != NULL, "bc run on halfcheetah");
  if (!run) return;
  lin_expert e = {17, 6, {0}};
  gsl_rng *g = tr_rng_alloc(3);
  for (size_t i = 0; i < 6 * 17; i++) e.M[i] = gsl_ran_gaussian(g, 0.4);
  gsl_rng_free(g);
  CHECK(!alg_run_set_expert(run, lin_act, &e), "expert");
  CHECK(!train(run), "training: %s", tr_error_msg());
  const double *obs, *act;
  size_t N = alg_bc_demos(run, &obs, &act), O = 17, U = 6;
  const pol_policy *pol = run->model.pol;
  pol_ws *ws = pol_ws_alloc(pol, 1);
  double x[17], err = 0, scale = 0;
  for (size_t i = 0; i < N; i++) {
    memcpy(x, obs + i * O, sizeof x);
    alg_running_norm_apply(run->state.obs_norm, x, x, 1);
    pol_forward(pol, run->state.theta, x, 1, ws, NULL);
    for (size_t u = 0; u < U; u++) {
      double d = ws->dist[u] - act[i * U + u];
      err += d * d, scale += act[i * U + u] * act[i * U + u];
    }
  }
  err = sqrt(err / (double)(N * U)), scale = sqrt(scale / (double)(N * U));
  CHECK(err < 0.05, "RMS of clone mean - expert action at %zu demonstrations: %g (actions' RMS %g)",
        N, err, scale);
  double ls = 0;
  for (size_t k = pol->P_net; k < pol->P; k++) ls = fmax(ls, fabs(run->state.theta[k]));
  CHECK(ls == 0, "bc_fit_std=false leaves the log-stds at 0 (max |log std| %g)", ls);
  pol_ws_free(ws);
  alg_run_free(run);
  env_model_free(em);
}

int main(void) {
  test_tabular(0);
  test_tabular(0.3);
  test_gaussian();
  return check_done("test_bc");
}
