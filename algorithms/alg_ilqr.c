/* algorithms/alg_ilqr.c — `ilqr`: iLQR on the MuJoCo task's model (ilqr.h, ilqr_mj.h), its
 * "policy" the time-varying feedback law u_t = clamp(ū_t + K_t(x_t − x̄_t)) run in closed
 * loop on the real simulator (what the GPS paper and the course slides call DDP).
 *
 * The plan starts from one fixed state x_0: the task's reset drawn from the stream (seed,
 * "ilqr-start"), with zero initial controls, horizon H.  Each iteration of the run:
 *   1. while not converged and fewer than `iterations` iLQR iterations were done: one iLQR
 *      iteration (derivatives along the nominal, the regularized backward pass, the line
 *      search, the μ update), then the gains at the new nominal (alg_ilqr_gains: derivatives there,
 *      reused by the next iteration — one derivative pass per iteration);
 *   2. whole closed-loop episodes of the feedback law on a real instance of the task, each from
 *      a reset of the task (the run's "algorithm" stream) for H steps or until the task
 *      terminates, until n_steps real steps are taken (these are the run's steps, --steps).
 * The model's mj_steps (derivatives, forward passes, the initial rollout) are counted apart:
 * model_steps in progress.tsv (cumulative) and summary.ini.
 *
 * Failures: a non-finite derivative (naming it and t), a line search where every step size
 * gives a non-finite trajectory (a diverging forward pass), or an unstable closed-loop step
 * stop the run as diverged (stats->bad; exit 1, the iteration named); μ above mu_max is an
 * error of the iteration (run failed, exit 1, "mu = ... is above its bound").  A
 * non-MuJoCo environment (or a MuJoCo task without a model) is refused when the run is built
 * (exit 2), as are mjd derivatives on an RK4 model.
 *
 * After the run: trbench evaluate rolls out the final law (its checkpoint's nominal and
 * gains; ilqr_control) from the task's resets (or x̄_0 with start = plan) for at most H steps:
 * the law is not defined beyond H, so an episode that reaches H ends there, as at a time
 * limit (fell 0).
 *
 * Test hook: TRBENCH_TEST_ILQR_FAULT=derivative|forward|mu:ITER makes the run's iteration
 * ITER meet a NaN derivative, non-finite forward passes (every step size), or a reward
 * Hessian (r_uu = +1e30 I) no μ ≤ mu_max makes definite (tests/cli_ilqr.sh). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/checkpoint.h"
#include "algorithms/ilqr_mj.h"
#include "algorithms/run.h"
#include "core/rng.h"
#include "core/size.h"
#include "mdps/env_mujoco.h"

typedef struct {
  alg_shared_params shared;
  size_t H, iterations, line_search_steps;
  double mu_init, mu_min, mu_max, mu_factor, accept_ratio, tol, fd_eps;
  int derivatives; /* env_dyn_fd */
  int start;       /* 0 reset, 1 plan */
} ilqr_params;

static const alg_param p_ilqr[] = {
    ALG_COMMON_PARAMS(0, 1, 0),
    {"n_steps", ALG_INT, 100, 1, 1e8, NULL,
     "real environment steps per iteration, at least: whole closed-loop episodes of the "
     "feedback law (each H steps from a reset of the task, or until it terminates) until "
     "this many", ALG_SHARED(n_steps)},
    {"H", ALG_INT, 100, 1, 1e5, NULL, "horizon of the trajectory optimization (steps)",
     offsetof(ilqr_params, H)},
    {"iterations", ALG_INT, 100, 0, 1e6, NULL,
     "iLQR iterations at most (after them, or once converged, an iteration only runs the "
     "feedback law)", offsetof(ilqr_params, iterations)},
    {"mu_init", ALG_REAL, 1, 0, 1e20, NULL,
     "initial regularization mu of Q_uu + mu f_u'f_u (Tassa et al. 2012; 0: a Newton step)",
     offsetof(ilqr_params, mu_init)},
    {"mu_min", ALG_REAL, 1e-6, 0, 1e20, NULL, "mu below this becomes 0 (Tassa's mu_min)",
     offsetof(ilqr_params, mu_min)},
    {"mu_max", ALG_REAL, 1e10, 0, 1e300, NULL,
     "mu above this stops the run (failed: Q_uu not definite however regularized)",
     offsetof(ilqr_params, mu_max)},
    {"mu_factor", ALG_REAL, 2, 1.0001, 1e6, NULL,
     "Delta_0 of the mu schedule (grows on a non-definite Q_uu or a rejected line search, "
     "shrinks on an accepted step)", offsetof(ilqr_params, mu_factor)},
    {"line_search_steps", ALG_INT, 11, 1, 100, NULL,
     "backtracking line search over alpha = 10^linspace(0, -3, n)",
     offsetof(ilqr_params, line_search_steps)},
    {"accept_ratio", ALG_REAL, 0, 0, 1, NULL,
     "c1: a step is accepted when actual / expected improvement > c1",
     offsetof(ilqr_params, accept_ratio)},
    {"tol", ALG_REAL, 1e-6, 0, 1, NULL,
     "converged when an accepted step improves the optimized return by at most tol |J|",
     offsetof(ilqr_params, tol)},
    {"fd_eps", ALG_REAL, 1e-6, 1e-12, 1, NULL, "finite-difference step of f_x, f_u",
     offsetof(ilqr_params, fd_eps)},
    {"derivatives", ALG_CHOICE, 0, 0, 0, "own-forward|own-centered|mjd-forward|mjd-centered",
     "f_x, f_u: own differences of whole environment steps, or MuJoCo's mjd_transitionFD "
     "(refused on RK4 models: wrong there in 2.2.2)", offsetof(ilqr_params, derivatives)},
    {"start", ALG_CHOICE, 0, 0, 0, "reset|plan",
     "closed-loop episodes start from a fresh reset of the task (its reset noise tests the "
     "feedback gains) or from the plan's own start state x_0 (then the episode is the "
     "nominal until the task terminates)", offsetof(ilqr_params, start)}};

typedef struct {
  env_dyn *d;
  alg_ilqr_mj mj;
  ilqr *il;
  env *e;                    /* the real instance the feedback law runs on */
  double *s, *u, *obs;       /* (S), (U), (O) */
  double *x0;                /* (S) the plan's start state */
  unsigned long ms_base;     /* model mj_steps before ms_at (restored from a checkpoint) */
  unsigned long ms_at;       /* env_dyn_mj_steps when ms_base was set */
  char fault;                /* test hook: 'd', 'f', 'm' or 0 */
  size_t fault_iter;
} ilqr_alg;

static const char *ilqr_check(const void *params) {
  const ilqr_params *p = params;
  if (p->shared.n_envs != 1) return "ilqr runs its feedback law on one environment: n_envs = 1";
  if (p->mu_min > p->mu_max) return "mu_min is above mu_max";
  if (p->mu_init > p->mu_max) return "mu_init is above mu_max";
  return NULL;
}

/* the model's callbacks, with the test hook */
static tr_status step_cb(void *ctx, const double *s, const double *u, double *sn, double *r,
                         double *rt) {
  ilqr_alg *a = ctx;
  env_dyn_reward rw;
  tr_status st = env_dyn_step(a->d, s, u, sn, &rw);
  if (st) return st;
  *r = rw.shaped;
  *rt = rw.fixed;
  /* forward passes of the faulty iteration (il->iter counts finished iterations) */
  if (a->fault == 'f' && a->il && a->il->iter + 1 == a->fault_iter) *r = NAN;
  return TR_OK;
}

static tr_status derivs_cb(void *ctx, const double *s, const double *u, const double *sn,
                           double *A, double *B, double *rx, double *ru, double *rxx,
                           double *ruu, double *rux) {
  ilqr_alg *a = ctx;
  tr_status st = env_dyn_linearize(a->d, s, u, a->mj.eps, a->mj.fd, A, B);
  if (st) return st;
  env_dyn_reward_derivs(a->d, s, u, sn, A, B, rx, ru, rxx, ruu, rux);
  /* the run's iteration these derivatives belong to: alg_ilqr_gains runs after iLQR iteration I
   * (in the run's iteration I), alg_ilqr_iterate's own pass is iteration I + 1's */
  if (a->il && (a->il->in_gains ? a->il->iter : a->il->iter + 1) == a->fault_iter) {
    size_t U = env_dyn_ctrl_dim(a->d);
    if (a->fault == 'd') A[0] = NAN;
    if (a->fault == 'm')
      for (size_t i = 0; i < U; i++) ruu[i * U + i] = 1e30;
  }
  return TR_OK;
}

static void ilqr_release(alg_run *run) {
  ilqr_alg *a = run->alg;
  if (!a) return;
  alg_ilqr_free(a->il);
  env_free(a->e);
  env_dyn_free(a->d);
  free(a->s);
  free(a->x0);
  free(a);
  run->alg = NULL;
}

static unsigned long model_steps(const ilqr_alg *a) {
  return a->ms_base + (env_dyn_mj_steps(a->d) - a->ms_at);
}

static tr_status ilqr_init(alg_run *run) {
  const ilqr_params *p = run->model.params;
  ilqr_alg *a = tr_calloc(1, sizeof *a);
  if (!(run->alg = a)) return TR_ENOMEM;
  tr_status st = env_dyn_alloc(&a->d, run->model.em);
  if (st) return st == TR_EINVAL ? tr_error_prefix("ilqr"), st : st;
  const char *fault = getenv("TRBENCH_TEST_ILQR_FAULT");
  if (fault && *fault) {
    a->fault = fault[0];
    const char *c = strchr(fault, ':');
    a->fault_iter = c ? strtoull(c + 1, NULL, 10) : 1;
  }
  a->mj.d = a->d;
  a->mj.eps = p->fd_eps;
  a->mj.fd = (env_dyn_fd)p->derivatives;
  ilqr_problem pr;
  alg_ilqr_mj_problem(&a->mj, p->H, &pr);
  pr.ctx = a;
  pr.step = step_cb;
  pr.derivs = derivs_cb;
  ilqr_settings set;
  alg_ilqr_settings_default(&set);
  set.mu_init = p->mu_init;
  set.mu_min = p->mu_min;
  set.mu_max = p->mu_max;
  set.delta0 = p->mu_factor;
  set.c1 = p->accept_ratio;
  set.tol = p->tol;
  set.n_alpha = p->line_search_steps;
  size_t S = pr.S, U = pr.U, O = env_obs_dim(run->model.em);
  a->s = tr_malloc((S + U + O + 1) * sizeof *a->s);
  a->x0 = tr_malloc(S * sizeof *a->x0);
  double *u0 = tr_calloc(p->H * U, sizeof *u0);
  gsl_rng *r0 = tr_rng_derive(run->model.seed, "ilqr-start");
  a->e = env_alloc(run->model.em);
  if (!a->s || !a->x0 || !u0 || !r0 || !a->e) {
    free(u0);
    gsl_rng_free(r0);
    return TR_ENOMEM;
  }
  a->u = a->s + S;
  a->obs = a->u + U;
  env_set_time_limit(a->e, 0); /* the episode is cut at H */
  st = env_dyn_reset(a->d, r0, a->s);
  gsl_rng_free(r0);
  memcpy(a->x0, a->s, S * sizeof *a->s);
  if (!st && a->mj.fd >= ENV_DYN_MJD_FORWARD) { /* refused on RK4 models: say so now */
    size_t N = pr.N;
    double *AB = tr_malloc((N * N + N * U) * sizeof *AB);
    st = AB ? env_dyn_linearize(a->d, a->s, u0, a->mj.eps, a->mj.fd, AB, AB + N * N) : TR_ENOMEM;
    free(AB);
    if (st == TR_EINVAL) tr_error_prefix("ilqr: derivatives=%s", a->mj.fd == ENV_DYN_MJD_FORWARD
                                                                     ? "mjd-forward" : "mjd-centered");
  }
  if (!st) st = alg_ilqr_alloc(&a->il, &pr, &set, a->s, u0);
  free(u0);
  a->ms_base = 0;
  a->ms_at = 0; /* every mj_step of the model so far counts (the initial rollout) */
  return st;
}

/* stats->bad from an iLQR error: the part after "non-finite " of the message */
static void set_bad(alg_iter_stats *stats, const char *what) {
  const char *m = tr_error_msg(), *nf = strstr(m, "non-finite ");
  snprintf(stats->bad, sizeof stats->bad, "%s", nf ? nf + strlen("non-finite ") : what);
}

/* One closed-loop episode of the law from a reset of the task; *steps, *ret, *len. */
static tr_status episode(alg_run *run, ilqr_alg *a, double *ret, size_t *len, int *unstable) {
  const ilqr *il = a->il;
  const env_model *em = run->model.em;
  const ilqr_params *p = run->model.params;
  tr_status st = env_reset(a->e, run->state.rng, a->obs);
  if (!st && p->start == 1) st = env_dyn_set(a->d, a->e, a->x0);
  *ret = 0.0;
  *len = 0;
  *unstable = 0;
  for (size_t t = 0; !st && t < il->p.H; t++) {
    if ((st = env_dyn_get(a->d, a->e, a->s))) break;
    alg_ilqr_law(il, t, 0.0, a->s, a->u);
    env_step_result res;
    unsigned long u0 = env_mujoco_get_stats(em).unstable;
    if ((st = env_step(a->e, a->u, NULL, a->obs, &res))) break;
    *ret += res.reward;
    (*len)++;
    if (env_mujoco_get_stats(em).unstable != u0 || !isfinite(res.reward)) {
      *unstable = 1;
      break;
    }
    if (res.terminated) break;
  }
  return st;
}

static tr_status ilqr_iterate_run(alg_run *run, alg_iter_stats *stats) {
  const ilqr_params *p = run->model.params;
  ilqr_alg *a = run->alg;
  ilqr *il = a->il;
  tr_status st = TR_OK;
  if (!il->converged && il->iter < p->iterations) {
    st = alg_ilqr_iterate(il);
    if (!st) {
      stats->alpha = il->alpha;
      stats->expected_improvement = il->expected;
      stats->actual_improvement = il->actual;
      if (il->alpha == 0.0 && isnan(il->actual))
        snprintf(stats->bad, sizeof stats->bad,
                 "iLQR forward pass at every step size (alpha down to %g)",
                 pow(10.0, il->set.n_alpha > 1 ? -3.0 : 0.0));
      else st = alg_ilqr_gains(il); /* the law's gains at the new nominal */
    }
    if (alg_ilqr_diverged(il, st)) { /* a non-finite derivative: diverged */
      set_bad(stats, "iLQR derivative");
      st = TR_OK;
    }
  } else if (il->iter == 0 && !il->derivs_current) {
    st = alg_ilqr_gains(il); /* iterations = 0: the law of the initial controls */
    if (alg_ilqr_diverged(il, st)) set_bad(stats, "iLQR derivative"), st = TR_OK;
  }
  stats->nominal_return = il->J_true;
  stats->mu = il->mu;
  stats->model_steps = (double)model_steps(a);
  if (st || stats->bad[0]) return st;
  /* the law in closed loop on the real task */
  alg_batch *b = run->state.batch;
  alg_batch_clear(b);
  double sum = 0.0, sum2 = 0.0, lens = 0.0;
  while (stats->steps < run->model.T) {
    double ret;
    size_t len;
    int unstable;
    if ((st = episode(run, a, &ret, &len, &unstable))) return st;
    stats->steps += len;
    if (unstable) {
      snprintf(stats->bad, sizeof stats->bad, "closed-loop state (the simulator went unstable "
               "at step %zu of an episode)", len);
      break;
    }
    if (b->n_episodes < b->ep_cap) {
      b->ep_return[b->n_episodes] = ret;
      b->ep_len[b->n_episodes] = len;
      b->n_episodes++;
    }
    sum += ret, sum2 += ret * ret, lens += (double)len;
  }
  size_t n = b->n_episodes;
  stats->episodes = n;
  if (n) {
    double m = sum / (double)n;
    stats->return_mean = m;
    stats->return_std = sqrt(fmax(0.0, sum2 / (double)n - m * m));
    stats->ep_len = lens / (double)n;
  }
  return TR_OK;
}

/* trbench evaluate: the law restored from the checkpoint (ilqr_ckpt) on evaluate's own
 * instance e: u_t = clamp(ū_t + K_t(x_t − x̄_t)) for t < H, the state read from e (a terrain
 * task's state is its flat task's); with start = plan, e is first put in the plan's x̄_0.
 * Undefined from t = H on: *done. */
static tr_status ilqr_control(alg_run *run, env *e, size_t t, double *act, int *done) {
  const ilqr_params *p = run->model.params;
  ilqr_alg *a = run->alg;
  const ilqr *il = a->il;
  tr_status st = TR_OK;
  *done = t >= il->p.H;
  if (*done) return TR_OK;
  if (t == 0 && p->start == 1) st = env_dyn_set(a->d, e, il->X);
  if (!st) st = env_dyn_get(a->d, e, a->s);
  if (!st) alg_ilqr_law(il, t, 0.0, a->s, act);
  return st;
}

static tr_status ilqr_ckpt(alg_run *run, alg_ckpt_io *io) {
  ilqr_alg *a = run->alg;
  ilqr *il = a->il;
  size_t N = il->p.N, S = il->p.S, U = il->p.U, H = il->p.H;
  struct {
    const char *name;
    double *x;
    size_t n;
  } blocks[] = {{"ilqr.X", il->X, (H + 1) * S},   {"ilqr.Ubar", il->Ubar, H * U},
                {"ilqr.R", il->R, H},             {"ilqr.Rt", il->Rt, H},
                {"ilqr.k", il->k, H * U},         {"ilqr.K", il->K, H * U * N},
                {"ilqr.Quu", il->Quu, H * U * U}, {"ilqr.A", il->A, H * N * N},
                {"ilqr.B", il->B, H * N * U},     {"ilqr.rx", il->rx, H * N},
                {"ilqr.ru", il->ru, H * U},       {"ilqr.rxx", il->rxx, H * N * N},
                {"ilqr.ruu", il->ruu, H * U * U}, {"ilqr.rux", il->rux, H * U * N}};
  tr_status st = TR_OK;
  for (size_t i = 0; !st && i < sizeof blocks / sizeof *blocks; i++)
    st = alg_ckpt_f64(io, blocks[i].name, blocks[i].x, blocks[i].n);
  double sc[7] = {il->J, il->J_true, il->mu, il->delta, il->alpha, il->expected, il->actual};
  if (!st) st = alg_ckpt_f64(io, "ilqr.scalars", sc, 7);
  uint64_t cnt[4] = {il->iter, (uint64_t)il->converged, (uint64_t)il->derivs_current,
                     model_steps(a)};
  if (!st) st = alg_ckpt_u64(io, "ilqr.counters", cnt, 4);
  if (st || !alg_ckpt_loading(io)) return st;
  il->J = sc[0], il->J_true = sc[1], il->mu = sc[2], il->delta = sc[3];
  il->alpha = sc[4], il->expected = sc[5], il->actual = sc[6];
  il->iter = cnt[0];
  il->converged = (int)cnt[1];
  il->derivs_current = (int)cnt[2];
  a->ms_base = cnt[3];
  a->ms_at = env_dyn_mj_steps(a->d);
  return TR_OK;
}

const alg_class alg_ilqr = {
    .name = "ilqr",
    .doc = "iLQR (DDP without second-order dynamics) on the MuJoCo task's model, its policy the "
           "time-varying feedback law u = clamp(u_bar_t + K_t(x - x_bar_t)) in closed loop on "
           "the real task [MuJoCo model tasks: hopper, walker2d, halfcheetah, swimmer, "
           "inverted-pendulum; n_envs = 1].  Fixed horizon H from one reset state, zero "
           "initial controls: no termination; a step that leaves the healthy region loses the "
           "alive bonus instead (nominal_return = sum of task reward - alive * terminated); the "
           "optimizer maximizes a smooth stand-in (forward velocity - control cost + alive * "
           "(1 - squared distance to the healthy centre)).  Tassa et al. 2012 regularization "
           "and schedule, controls clamped to the box; progress.tsv: nominal_return, mu, alpha, "
           "expected/actual improvement, model_steps (mj_steps of the model, apart from "
           "--steps, which counts the closed-loop episodes' steps)",
    .params = p_ilqr,
    .n_params = sizeof p_ilqr / sizeof *p_ilqr,
    .needs = ALG_NO_POLICY,
    .params_size = sizeof(ilqr_params),
    .check = ilqr_check,
    .init = ilqr_init,
    .iterate = ilqr_iterate_run,
    .free = ilqr_release,
    .checkpoint = ilqr_ckpt,
    .control = ilqr_control};
