/* tests/test_a3c.c — a3c's deterministic mode applies exactly the gradients of the stale
 * parameters.
 *
 * A scripted check on a tiny network (CartPole, one hidden layer of 3 units, batches of 6
 * steps from 2 environments): an a3c run with N = 2 workers and staleness K = 3 is stepped
 * 12 updates and every θ_u, w_u recorded.  Beside it, replicas of its workers (a2c runs of
 * the workers' seeds, each sampling its worker's batches in the same order) compute, for
 * update u by worker u mod N, a2c's gradient at the parameters of update max(0, u − K), and a
 * replica RMSprop applies it to θ_u, w_u: the result must be θ_{u+1}, w_{u+1} bit for bit.
 * The same script with the fresh parameters θ_u (no staleness) must disagree from the
 * first update at which the two differ, so the check can fail.  The staleness column is
 * min(u, K). */
#include <string.h>

#include "algorithms/alg_pg.h"
#include "algorithms/run.h"
#include "core/error.h"
#include "core/rng.h"
#include "mdps/env.h"
#include "tests/check.h"

extern const alg_class alg_a2c;

enum { N_UPD = 12, NW = 2, KS = 3 };

static alg_run *make(const env_model *em, const alg_class *cls, uint64_t seed, const char **sets,
                     size_t n) {
  alg_config c;
  alg_config_init(&c, cls);
  for (size_t i = 0; i < n; i++)
    if (alg_config_set(&c, sets[i])) printf("set %s: %s\n", sets[i], tr_error_msg());
  alg_run *run = NULL;
  if (alg_run_alloc(&run, em, &c, seed, N_UPD * 6)) printf("alloc: %s\n", tr_error_msg());
  alg_config_clear(&c);
  return run;
}

static const char *common[] = {"hidden_layers=1", "hidden_size=3", "n_steps=6", "n_envs=2",
                               "ent_coef=0.0137", "max_grad_norm=0.5"};

/* Replays the a3c run's updates from its recorded parameters; stale: the gradients at the
 * parameters of update max(0, u − K) (else at θ_u).  Returns the first update whose replayed
 * parameters differ from the run's (N_UPD: none). */
static size_t replay(const env_model *em, uint64_t seed, double **th, double **v, int stale) {
  alg_run *rep[NW];
  for (size_t i = 0; i < NW; i++) {
    char id[64];
    snprintf(id, sizeof id, "a3c.worker.%zu", i);
    rep[i] = make(em, &alg_a2c, i ? tr_seed_derive(seed, id) : seed, common,
                  sizeof common / sizeof *common);
  }
  size_t P = rep[0]->model.pol->P, Pv = rep[0]->model.vnet->P, first = N_UPD;
  nn_rmsprop *rms = nn_rmsprop_alloc(P), *vrms = nn_rmsprop_alloc(Pv);
  rms->eps = vrms->eps = 1e-5;
  double *t1 = malloc(P * sizeof *t1), *v1 = malloc(Pv * sizeof *v1);
  for (size_t u = 0; u < N_UPD; u++) {
    alg_run *w = rep[u % NW];
    size_t f = stale ? (u > KS ? u - KS : 0) : u;
    memcpy(w->state.theta, th[f], P * sizeof(double));
    memcpy(w->state.vparams, v[f], Pv * sizeof(double));
    alg_iter_stats st;
    memset(&st, 0, sizeof st);
    int joint;
    if (alg_pg_a2c_gradient(w, &st, &joint) || !joint || st.bad[0]) {
      printf("replica gradient failed at update %zu\n", u);
      first = u;
      break;
    }
    memcpy(t1, th[u], P * sizeof(double));
    memcpy(v1, v[u], Pv * sizeof(double));
    nn_rmsprop_step(rms, t1, w->ws.grad, 7e-4);
    nn_rmsprop_step(vrms, v1, w->ws.vgrad, 7e-4);
    if (memcmp(t1, th[u + 1], P * sizeof(double)) || memcmp(v1, v[u + 1], Pv * sizeof(double))) {
      first = u;
      break;
    }
  }
  free(t1), free(v1);
  nn_rmsprop_free(rms), nn_rmsprop_free(vrms);
  for (size_t i = 0; i < NW; i++) alg_run_free(rep[i]);
  return first;
}

int main(void) {
  env_model *em = env_model_alloc("cartpole");
  uint64_t seed = 91375;
  const char *sets[16];
  size_t n = 0;
  for (size_t i = 0; i < sizeof common / sizeof *common; i++) sets[n++] = common[i];
  sets[n++] = "mode=deterministic";
  sets[n++] = "workers=2";
  sets[n++] = "staleness=3";
  const alg_class *a3c = alg_find("a3c");
  CHECK(a3c != NULL, "a3c is registered");
  if (!a3c || !em) return check_done("test_a3c");
  alg_run *run = make(em, a3c, seed, sets, n);
  CHECK(run != NULL, "a3c run");
  if (!run) return check_done("test_a3c");
  size_t P = run->model.pol->P, Pv = run->model.vnet->P;
  double *th[N_UPD + 1], *v[N_UPD + 1];
  for (size_t u = 0; u <= N_UPD; u++) th[u] = malloc(P * sizeof(double)), v[u] = malloc(Pv * sizeof(double));
  memcpy(th[0], run->state.theta, P * sizeof(double));
  memcpy(v[0], run->state.vparams, Pv * sizeof(double));
  for (size_t u = 0; u < N_UPD; u++) {
    alg_iter_stats st;
    tr_status e = alg_run_iterate(run, &st);
    CHECK(!e && !st.bad[0], "update %zu: %s %s", u, e ? tr_error_msg() : "", st.bad);
    CHECK(st.staleness == (double)(u < KS ? u : KS), "update %zu: staleness %g, want %d", u,
          st.staleness, u < KS ? (int)u : KS);
    CHECK(st.steps == 6, "update %zu: %zu steps", u, st.steps);
    memcpy(th[u + 1], run->state.theta, P * sizeof(double));
    memcpy(v[u + 1], run->state.vparams, Pv * sizeof(double));
  }
  size_t f = replay(em, seed, th, v, 1);
  CHECK(f == N_UPD, "the stale gradients replayed: update %zu differs", f);
  size_t g = replay(em, seed, th, v, 0);
  CHECK(g == 1, "the fresh gradients must differ from update 1 on (the first stale one): got %zu", g);
  printf("a3c deterministic, N=%d K=%d, %d updates of P=%zu, Pv=%zu: replayed with the stale "
         "parameters bit for bit (%zu); the fresh ones differ at update %zu\n",
         NW, KS, N_UPD, P, Pv, f, g);
  for (size_t u = 0; u <= N_UPD; u++) free(th[u]), free(v[u]);
  alg_run_free(run);
  env_model_free(em);
  return check_done("test_a3c");
}
