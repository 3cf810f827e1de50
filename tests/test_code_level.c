/* tests/test_code_level.c — every code-level choice of Engstrom et al. 2020 (REFERENCES.md
 * § 5.1) is a named option whose default is the PPO paper's, and each option has the effect it
 * names.  One section per option:
 *   1. value clipping (clip_range_vf): the clipped loss against its definition computed here,
 *      its gradient against central differences (h = 1e-6; tolerance 1e-7 + 1e-5 relative, as
 *      tests/test_losses.c), and clip ≤ 0 is the plain loss bit for bit;
 *   2. reward scaling (normalize_reward) and 5. reward clipping (reward_clip): the rewards the
 *      estimators see are the raw ones when off, divided by a positive factor when on, and
 *      within ±reward_clip with the bound reached when it is small;
 *   3. init=xavier: weights in ±sqrt(6/(fan_in+fan_out)) with the uniform law's variance
 *      2/(fan_in+fan_out) (4096 entries: the sample variance's relative SE is
 *      sqrt(0.8/4096) ≈ 1.4%; tolerance 10%), versus orthogonal rows (W Wᵀ = 2 I, 1e-12);
 *   4. anneal_lr: the logged learning rate is lr0 (1 − k/K) at iteration k, lr0 when off;
 *   6. normalize_obs and 7. obs_clip: the batch observations are clipped to ±obs_clip with
 *      the bound reached (obs_clip 0.5), and not when obs_clip = 0;
 *   8. activation=relu: the MLP's output against a forward pass written here, its backward
 *      and forward-mode derivatives against central differences;
 *   9. grad_clip_scope=global: nn_clip_grad_norm2 scales both vectors by one factor to the
 *      joint norm max_norm; a PPO run with it steps the value inside the epochs (its value
 *      parameters differ from the policy-scope run's after one iteration);
 *  10. normalize_advantage_scope=minibatch: PPO's minibatch loss at θ_old (every ratio 1) is
 *      −mean of the standardized advantages = 0 (≤ 1e-12), against −mean Â with batch scope.
 * And the defaults are the PPO paper's (no value clipping, no reward scaling, orthogonal init,
 * no annealing, observation normalization clipped at 5, tanh, policy-only clipping off, per-batch
 * advantage normalization). */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/run.h"
#include "core/rng.h"
#include "tests/check.h"

static alg_run *make_run(env_model **em, const char *env, const char *algo,
                         const char *const *sets) {
  *em = env_model_alloc(env);
  const alg_class *cls = alg_find(algo);
  alg_config cfg;
  alg_run *run = NULL;
  if (!*em || !cls || alg_config_init(&cfg, cls)) {
    CHECK(0, "%s on %s: %s", algo, env, tr_error_msg());
    return NULL;
  }
  tr_status st = TR_OK;
  for (size_t i = 0; sets && sets[i] && !st; i++) st = alg_config_set(&cfg, sets[i]);
  if (!st) st = alg_run_alloc(&run, *em, &cfg, 11, 20000);
  alg_config_clear(&cfg);
  CHECK(st == TR_OK, "%s on %s: %s", algo, env, tr_error_msg());
  return st ? NULL : run;
}

static void free_run(alg_run *run, env_model *em) {
  alg_run_free(run);
  env_model_free(em);
}

/* ---- defaults ------------------------------------------------------------------------ */
static void test_defaults(void) {
  static const char *const want[][2] = {
      {"clip_range_vf", "0"},         {"normalize_reward", "0"}, {"init", "0"},
      {"anneal_lr", "0"},             {"reward_clip", "10"},     {"normalize_obs", "1"},
      {"obs_clip", "5"},              {"activation", "0"},       {"max_grad_norm", "0"},
      {"grad_clip_scope", "0"},       {"normalize_advantage", "1"},
      {"normalize_advantage_scope", "0"}};
  alg_config c;
  CHECK(alg_config_init(&c, alg_find("ppo-clip")) == TR_OK, "config");
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    double v = NAN;
    CHECK(alg_config_get(&c, want[i][0], &v) == TR_OK && v == atof(want[i][1]),
          "ppo-clip default %s = %g, want %s (the PPO paper's)", want[i][0], v, want[i][1]);
  }
  alg_config_clear(&c);
}

/* a2c's defaults are Stable-Baselines3's A2C defaults (its documentation: learning_rate 7e-4,
 * n_steps 5 per environment (8 here: 40), gae_lambda 1, ent_coef 0, vf_coef 0.5,
 * max_grad_norm 0.5, RMSprop with eps 1e-5, normalize_advantage false; one optimizer over
 * policy and value, so their gradients are clipped together); reinforce normalizes nothing by
 * default.  And one RMSprop step against its closed form from v = 0:
 *   v = (1 − α) g²,  θ ← θ − lr g / (√v + ε),  α = 0.99. */
static void test_sb3_a2c(void) {
  static const char *const want[][2] = {
      {"learning_rate", "7e-4"}, {"n_steps", "40"},     {"n_envs", "8"},
      {"gae_lambda", "1"},       {"ent_coef", "0"},     {"vf_coef", "0.5"},
      {"max_grad_norm", "0.5"},  {"use_rms_prop", "1"}, {"rms_prop_eps", "1e-5"},
      {"normalize_advantage", "0"}, {"grad_clip_scope", "1"}};
  alg_config c;
  CHECK(alg_config_init(&c, alg_find("a2c")) == TR_OK, "config");
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    double v = NAN;
    CHECK(alg_config_get(&c, want[i][0], &v) == TR_OK && v == atof(want[i][1]),
          "a2c default %s = %g, want %s (SB3)", want[i][0], v, want[i][1]);
  }
  alg_config_clear(&c);
  double v = NAN;
  CHECK(alg_config_init(&c, alg_find("reinforce")) == TR_OK &&
            alg_config_get(&c, "normalize_advantage", &v) == TR_OK && v == 0,
        "reinforce normalizes its returns by default");
  alg_config_clear(&c);
  nn_rmsprop *o = nn_rmsprop_alloc(2);
  o->eps = 1e-5;
  double th[2] = {0.5, -1.25}, g[2] = {0.3, -2.0};
  nn_rmsprop_step(o, th, g, 1e-2);
  for (int k = 0; k < 2; k++) {
    double vv = 0.01 * g[k] * g[k], want_th = (k ? -1.25 : 0.5) - 1e-2 * g[k] / (sqrt(vv) + 1e-5);
    CHECK_CLOSE(th[k], want_th, 0, 1e-15, "rmsprop step");
  }
  nn_rmsprop_free(o);
  printf("a2c: SB3's defaults; rmsprop step as its closed form\n");
}

/* ---- 1. value clipping ---------------------------------------------------------------- */
static void test_value_clipping(gsl_rng *r) {
  env_model *em;
  static const char *const sets[] = {"n_steps=64", "batch_size=32", NULL};
  alg_run *run = make_run(&em, "pendulum", "ppo-clip", sets);
  if (!run) return;
  size_t B = 32, O = env_obs_dim(em), Pv = run->model.vnet->P;
  double obs[32 * 3], tg[32], old[32], v[32];
  double *u = malloc(Pv * sizeof *u), *th = malloc(Pv * sizeof *th), *g = malloc(Pv * sizeof *g);
  CHECK(O == 3, "pendulum: O = %zu", O);
  for (size_t i = 0; i < B * O; i++) obs[i] = gsl_ran_gaussian(r, 1.0);
  nn_ws *ws = nn_ws_alloc(run->model.vnet, B);
  nn_forward(run->model.vnet, run->state.vparams, obs, B, ws, v);
  /* old values spread around V so that both branches occur; targets anywhere */
  double c = 0.2;
  size_t n_clip = 0;
  for (size_t i = 0; i < B; i++) {
    old[i] = v[i] + gsl_ran_gaussian(r, 0.4);
    tg[i] = v[i] + gsl_ran_gaussian(r, 1.0);
    if (fabs(fabs(v[i] - old[i]) - c) < 1e-3) old[i] = v[i]; /* away from the kink */
  }
  double want = 0;
  for (size_t i = 0; i < B; i++) {
    double d = v[i] - old[i], dc = fmin(fmax(d, -c), c), e = v[i] - tg[i], ec = old[i] + dc - tg[i];
    want += fmax(e * e, ec * ec);
    n_clip += ec * ec > e * e && d != dc;
  }
  want /= (double)B;
  double l, lplain, l0;
  CHECK(alg_run_value_loss_clipped(run, run->state.vparams, obs, tg, old, c, B, &l, g) == TR_OK, "loss");
  CHECK_CLOSE(l, want, 1e-14, 1e-12, "clipped value loss vs its definition");
  alg_run_value_loss(run, run->state.vparams, obs, tg, B, &lplain, NULL);
  alg_run_value_loss_clipped(run, run->state.vparams, obs, tg, old, 0.0, B, &l0, NULL);
  CHECK(l0 == lplain, "clip 0 is the plain loss: %.17g vs %.17g", l0, lplain);
  CHECK(n_clip > 0 && l > lplain, "the clipped branch never won (%zu rows): the test is vacuous", n_clip);
  /* gradient along a random direction */
  double s = 0;
  for (size_t k = 0; k < Pv; k++) u[k] = gsl_ran_gaussian(r, 1.0), s += u[k] * u[k];
  double gu = 0, lp, lm, h = 1e-6;
  for (size_t k = 0; k < Pv; k++) u[k] /= sqrt(s), gu += g[k] * u[k];
  for (size_t k = 0; k < Pv; k++) th[k] = run->state.vparams[k] + h * u[k];
  alg_run_value_loss_clipped(run, th, obs, tg, old, c, B, &lp, NULL);
  for (size_t k = 0; k < Pv; k++) th[k] = run->state.vparams[k] - h * u[k];
  alg_run_value_loss_clipped(run, th, obs, tg, old, c, B, &lm, NULL);
  CHECK_CLOSE((lp - lm) / (2 * h), gu, 1e-7, 1e-5, "clipped value loss: gradient vs differences");
  printf("1. value clipping: loss %.6g (plain %.6g), %zu of %zu rows on the clipped branch\n", l,
         lplain, n_clip, B);
  nn_ws_free(ws);
  free(u), free(th), free(g);
  free_run(run, em);
}

/* ---- 2, 5. reward scaling and clipping ------------------------------------------------- */
static void rewards_seen(const char *const *sets, double *max_abs, int *raw, int *positive_factor) {
  env_model *em;
  alg_run *run = make_run(&em, "pendulum", "ppo-clip", sets);
  *max_abs = NAN, *raw = 0, *positive_factor = 0;
  if (!run) return;
  alg_iter_stats st;
  CHECK(alg_run_iterate(run, &st) == TR_OK, "iterate: %s", tr_error_msg());
  const alg_batch *b = run->state.batch;
  *max_abs = 0, *raw = 1, *positive_factor = 1;
  for (size_t t = 0; t < run->model.T; t++) {
    double x = run->state.rew_used[t];
    *max_abs = fmax(*max_abs, fabs(x));
    *raw &= x == b->rew[t];
    *positive_factor &= b->rew[t] == 0 || x / b->rew[t] > 0;
  }
  free_run(run, em);
}

static void test_reward_scaling(void) {
  static const char *const off[] = {"n_steps=256", "batch_size=64", NULL};
  static const char *const on[] = {"n_steps=256", "batch_size=64", "normalize_reward=true",
                                   "reward_clip=0", NULL};
  static const char *const clip[] = {"n_steps=256", "batch_size=64", "normalize_reward=true",
                                     "reward_clip=0.05", NULL};
  double m_off, m_on, m_clip;
  int raw_off, raw_on, raw_clip, pos_off, pos_on, pos_clip;
  rewards_seen(off, &m_off, &raw_off, &pos_off);
  rewards_seen(on, &m_on, &raw_on, &pos_on);
  rewards_seen(clip, &m_clip, &raw_clip, &pos_clip);
  CHECK(raw_off, "normalize_reward=false changed the rewards");
  CHECK(!raw_on && pos_on, "normalize_reward=true: rewards not divided by a positive factor");
  CHECK(m_on > 0.05, "reward scaling: the scaled rewards are all below 0.05 (max %g): the "
        "clipping check below is vacuous", m_on);
  CHECK(m_clip == 0.05 && pos_clip, "reward_clip=0.05: max |r| = %.17g, want exactly 0.05", m_clip);
  printf("2, 5. rewards: max |r| raw %.4g, scaled %.4g, scaled and clipped %.4g\n", m_off, m_on, m_clip);
}

/* ---- 3. initialization ----------------------------------------------------------------- */
static void test_init(void) {
  static const char *const xav[] = {"init=xavier", NULL};
  env_model *e1, *e2;
  alg_run *rx = make_run(&e1, "pendulum", "ppo-clip", xav), *ro = make_run(&e2, "pendulum", "ppo-clip", NULL);
  if (rx && ro) {
    const nn_mlp *net = rx->model.pol->net;
    /* the second layer, 64 x 64 */
    const double *W = rx->state.theta + net->off_W[1], *Wo = ro->state.theta + net->off_W[1];
    size_t fi = net->n[1], fo = net->n[2], n = fi * fo;
    double a = sqrt(6.0 / (double)(fi + fo)), m2 = 0, worst = 0;
    int inside = 1;
    for (size_t i = 0; i < n; i++) inside &= fabs(W[i]) <= a, m2 += W[i] * W[i];
    CHECK(inside, "xavier: a weight outside +-%g", a);
    CHECK_CLOSE(m2 / (double)n, 2.0 / (double)(fi + fo), 0, 0.1, "xavier: weight variance");
    for (size_t i = 0; i < fo; i++)
      for (size_t j = 0; j < fo; j++) {
        double d = 0;
        for (size_t k = 0; k < fi; k++) d += Wo[i * fi + k] * Wo[j * fi + k];
        worst = fmax(worst, fabs(d - (i == j ? 2.0 : 0.0)));
      }
    CHECK(worst <= 1e-12, "orthogonal (default): W W' differs from 2 I by %.3g", worst);
    printf("3. init: xavier variance %.5f (want %.5f); orthogonal |W W' - 2I| %.2g\n",
           m2 / (double)n, 2.0 / (double)(fi + fo), worst);
  }
  free_run(rx, e1), free_run(ro, e2);
}

/* ---- 4. learning-rate annealing -------------------------------------------------------- */
static void test_anneal(void) {
  static const char *const on[] = {"n_steps=2000", "batch_size=500", "n_epochs=1", "anneal_lr=true", NULL};
  static const char *const off[] = {"n_steps=2000", "batch_size=500", "n_epochs=1", NULL};
  env_model *e1, *e2;
  alg_run *ra = make_run(&e1, "pendulum", "ppo-clip", on), *rc = make_run(&e2, "pendulum", "ppo-clip", off);
  if (ra && rc) {
    size_t K = ra->model.n_iters; /* 20000 steps / 2000 */
    CHECK(K == 10, "iterations %zu", K);
    for (size_t k = 0; k < 3; k++) {
      alg_iter_stats a, c;
      CHECK(alg_run_iterate(ra, &a) == TR_OK && alg_run_iterate(rc, &c) == TR_OK, "iterate");
      CHECK(a.lr == 3e-4 * (1.0 - (double)k / (double)K), "anneal_lr: lr %.17g at iteration %zu", a.lr, k);
      CHECK(c.lr == 3e-4, "no annealing: lr %.17g", c.lr);
    }
    printf("4. anneal_lr: lr follows 3e-4 (1 - k/10)\n");
  }
  free_run(ra, e1), free_run(rc, e2);
}

/* ---- 6, 7. observation normalization and clipping -------------------------------------- */
static double max_abs_obs(const char *const *sets) {
  env_model *em;
  alg_run *run = make_run(&em, "pendulum", "ppo-clip", sets);
  if (!run) return NAN;
  alg_iter_stats st;
  double m = 0;
  for (int i = 0; i < 2; i++) CHECK(alg_run_iterate(run, &st) == TR_OK, "iterate");
  for (size_t i = 0; i < run->model.T * env_obs_dim(em); i++) m = fmax(m, fabs(run->state.batch->obs[i]));
  free_run(run, em);
  return m;
}

static void test_obs(void) {
  static const char *const clip[] = {"n_steps=256", "batch_size=64", "obs_clip=0.5", NULL};
  static const char *const noclip[] = {"n_steps=256", "batch_size=64", "obs_clip=0", NULL};
  static const char *const raw[] = {"n_steps=256", "batch_size=64", "normalize_obs=false", NULL};
  double mc = max_abs_obs(clip), mn = max_abs_obs(noclip), mr = max_abs_obs(raw);
  CHECK(mc == 0.5, "obs_clip=0.5: max |obs| %.17g, want exactly 0.5", mc);
  CHECK(mn > 0.5, "obs_clip=0: max |obs| %.17g, not beyond 0.5 (no clipping expected)", mn);
  /* pendulum's raw angular velocity reaches several units; normalized, it is ~N(0,1) */
  CHECK(mr != mn, "normalize_obs=false gives the normalized observations");
  printf("6, 7. observations: max |obs| clipped %.3g, normalized %.3g, raw %.3g\n", mc, mn, mr);
}

/* ---- 8. ReLU -------------------------------------------------------------------------- */
static void test_relu(gsl_rng *r) {
  size_t sizes[] = {3, 5, 4, 2}, B = 6;
  nn_mlp *net = nn_mlp_alloc(4, sizes);
  nn_mlp_set_activation(net, NN_RELU);
  nn_ws *ws = nn_ws_alloc(net, B);
  size_t P = net->P;
  double *th = malloc(P * sizeof *th), *u = malloc(P * sizeof *u), *t2 = malloc(P * sizeof *t2);
  double *g = calloc(P, sizeof *g), x[18], out[12], o1[12], o2[12], dout[12], jv[12];
  for (size_t k = 0; k < P; k++) th[k] = gsl_ran_gaussian(r, 0.8), u[k] = gsl_ran_gaussian(r, 1.0);
  for (size_t i = 0; i < 18; i++) x[i] = gsl_ran_gaussian(r, 1.0);
  nn_forward(net, th, x, B, ws, out);
  /* the same network by hand */
  double worst = 0;
  size_t zeros = 0;
  for (size_t b = 0; b < B; b++) {
    double h[8], hn[8];
    memcpy(h, x + b * 3, 3 * sizeof *h);
    for (size_t l = 1; l <= 3; l++) {
      const double *W = th + net->off_W[l - 1], *bias = th + net->off_b[l - 1];
      for (size_t i = 0; i < sizes[l]; i++) {
        double z = bias[i];
        for (size_t j = 0; j < sizes[l - 1]; j++) z += W[i * sizes[l - 1] + j] * h[j];
        hn[i] = l < 3 ? (z > 0 ? z : 0) : z;
        zeros += l < 3 && z <= 0;
      }
      memcpy(h, hn, sizes[l] * sizeof *h);
    }
    for (size_t i = 0; i < 2; i++) worst = fmax(worst, fabs(h[i] - out[b * 2 + i]));
  }
  CHECK(worst <= 1e-14, "relu forward differs from the hand-written one by %.3g", worst);
  CHECK(zeros > 0, "no unit was cut by the ReLU: the test is vacuous");
  /* ℓ = Σ dout ⊙ out: backward and jvp against differences along u */
  for (size_t i = 0; i < 12; i++) dout[i] = gsl_ran_gaussian(r, 1.0);
  nn_backward(net, th, ws, dout, B, g, NULL);
  nn_jvp(net, th, ws, u, B, jv);
  double h = 1e-6, gu = 0, fd = 0;
  for (size_t k = 0; k < P; k++) gu += g[k] * u[k], t2[k] = th[k] + h * u[k];
  nn_forward(net, t2, x, B, ws, o1);
  for (size_t k = 0; k < P; k++) t2[k] = th[k] - h * u[k];
  nn_forward(net, t2, x, B, ws, o2);
  double jw = 0;
  for (size_t i = 0; i < 12; i++) {
    double d = (o1[i] - o2[i]) / (2 * h);
    fd += dout[i] * d;
    jw = fmax(jw, fabs(d - jv[i]));
  }
  CHECK_CLOSE(gu, fd, 1e-7, 1e-5, "relu backward vs differences");
  CHECK(jw <= 1e-7, "relu jvp vs differences: %.3g", jw);
  printf("8. relu: forward exact, %zu units cut, backward and jvp match differences\n", zeros);
  free(th), free(u), free(t2), free(g);
  nn_ws_free(ws);
  nn_mlp_free(net);
  /* the option reaches the run's networks */
  static const char *const sets[] = {"activation=relu", NULL};
  env_model *em;
  alg_run *run = make_run(&em, "pendulum", "ppo-clip", sets);
  if (run) CHECK(run->model.pol->net->act == NN_RELU && run->model.vnet->act == NN_RELU, "activation=relu not applied");
  free_run(run, em);
}

/* ---- 9. global gradient clipping ------------------------------------------------------- */
static void test_global_clip(void) {
  double a[3] = {3, 0, 4}, b[2] = {0, 12}, a0[3], b0[2];
  memcpy(a0, a, sizeof a), memcpy(b0, b, sizeof b);
  double n = nn_clip_grad_norm2(a, 3, b, 2, 1.0); /* ‖(3,0,4,0,12)‖ = 13 */
  CHECK(n == 13.0, "joint norm %.17g, want 13", n);
  double after = sqrt(a[0] * a[0] + a[2] * a[2] + b[1] * b[1]), f = 1.0 / (13.0 + 1e-6);
  CHECK_CLOSE(after, 13.0 * f, 0, 1e-15, "joint norm after clipping");
  CHECK(a[0] == a0[0] * f && a[2] == a0[2] * f && b[1] == b0[1] * f, "one factor for both");
  /* policy-only clipping of the same a would leave b alone and scale a to norm 1 */
  static const char *const glob[] = {"n_steps=256", "batch_size=64", "max_grad_norm=0.5", "grad_clip_scope=global", NULL};
  static const char *const pol[] = {"n_steps=256", "batch_size=64", "max_grad_norm=0.5", NULL};
  env_model *e1, *e2;
  alg_run *rg = make_run(&e1, "pendulum", "ppo-clip", glob), *rp = make_run(&e2, "pendulum", "ppo-clip", pol);
  if (rg && rp) {
    alg_iter_stats s1, s2;
    CHECK(alg_run_iterate(rg, &s1) == TR_OK && alg_run_iterate(rp, &s2) == TR_OK, "iterate");
    size_t Pv = rg->model.vnet->P;
    CHECK(memcmp(rg->state.vparams, rp->state.vparams, Pv * sizeof(double)) != 0,
          "grad_clip_scope=global changed nothing in the value update");
    CHECK(s1.value_loss == s2.value_loss, "the value loss before the update is the same");
  }
  printf("9. global clipping: one factor 1/13 on both vectors; the PPO value update differs\n");
  free_run(rg, e1), free_run(rp, e2);
}

/* ---- 10. per-minibatch advantage normalization ------------------------------------------ */
static double loss_at_old(const char *scope, gsl_rng *r, double *mean_adv) {
  char set[64];
  snprintf(set, sizeof set, "normalize_advantage_scope=%s", scope);
  const char *const sets[] = {"n_steps=64", "batch_size=32", set, NULL};
  env_model *em;
  alg_run *run = make_run(&em, "pendulum", "ppo-clip", sets);
  if (!run) return NAN;
  size_t B = 32, O = 3, W = 1, K = run->model.pol->K;
  double obs[96], act[32], adv[32], lp[32], *d = malloc(B * K * sizeof *d), l = NAN;
  pol_ws *ws = pol_ws_alloc(run->model.pol, B);
  for (size_t i = 0; i < B * O; i++) obs[i] = gsl_ran_gaussian(r, 1.0);
  *mean_adv = 0;
  for (size_t i = 0; i < B; i++) adv[i] = 0.7 + gsl_ran_gaussian(r, 1.3), *mean_adv += adv[i] / (double)B;
  pol_forward(run->model.pol, run->state.theta, obs, B, ws, d);
  pol_sample(run->model.pol, d, B, r, act);
  pol_log_prob(run->model.pol, d, act, B, lp);
  (void)W;
  double *g = malloc(run->model.pol->P * sizeof *g);
  alg_ppo_minibatch_loss(run, run->state.theta, obs, act, adv, lp, d, B, &l, g);
  free(g), free(d);
  pol_ws_free(ws);
  free_run(run, em);
  return l;
}

static void test_minibatch_norm(gsl_rng *r) {
  double m1, m2;
  double lmb = loss_at_old("minibatch", r, &m1), lb = loss_at_old("batch", r, &m2);
  CHECK(fabs(lmb) <= 1e-12, "per-minibatch normalization: loss at theta_old %.3g, want 0", lmb);
  CHECK_CLOSE(lb, -m2, 1e-15, 1e-12, "batch scope: the minibatch loss at theta_old is -mean A");
  CHECK(fabs(m2) > 0.1, "the advantages' mean %.3g is too small for the test to tell", m2);
  printf("10. minibatch normalization: loss at theta_old %.3g (batch scope %.4g = -mean A)\n", lmb, lb);
}

int main(void) {
  gsl_set_error_handler_off();
  gsl_rng *r = tr_rng_alloc(90210);
  test_defaults();
  test_sb3_a2c();
  test_value_clipping(r);
  test_reward_scaling();
  test_init();
  test_anneal();
  test_obs();
  test_relu(r);
  test_global_clip();
  test_minibatch_norm(r);
  gsl_rng_free(r);
  return check_done("test_code_level");
}
