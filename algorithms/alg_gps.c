/* algorithms/alg_gps.c — `gps`: Guided Policy Search (Levine & Koltun 2013; the course slides'
 * Algorithm 1, REFERENCES.md § 8, GPS_RLHF.md § 1.2), and `is-ps`: the same importance-sampled
 * loop without guiding samples (the "standard" non-guided IS policy search it is compared to).
 *
 * Trajectories are fixed-horizon, H steps from a reset of the task on a real instance (its
 * time limit lifted), as part 1's guiding samples (ilqr_mj.h): a step where the task
 * terminates loses the alive bonus and the trajectory goes on.  Each trajectory keeps its
 * observations (H, O), actions as drawn (H, U), rewards (H), full states (H, S) and the index
 * of the sampler that drew it (a guiding distribution π_Gj or a policy π_θ).
 *
 * Setup (the first iteration):
 *   gps:    n_ilqr iLQR solutions, solution j planned from the task's reset drawn from the
 *           stream (seed, "gps-ilqr-j") with zero initial controls, ilqr_iterations iterations
 *           (alg_ilqr.c's defaults otherwise); m guiding samples from their mixture (m/n from
 *           each, the first m mod n one more); θ* ← argmax Σ log π_θ(u|x) on them (L-BFGS from
 *           the run's initial θ, ml_iters iterations); then ceil(n_steps/H) samples of π_θ*.
 *   is-ps:  m samples of the run's initial policy π_θ0 = π_θ*.
 *   S = all of these.
 * Every iteration k:
 *   S_k = a uniformly random subset of min(subset, |S|) trajectories of S (the run's stream);
 *   θ_k = argmax Φ_{S_k}(θ) with w_r (gps_is.h; L-BFGS from θ*, lbfgs_iters iterations),
 *         q = the equal-weight mixture of the samplers present in S_k;
 *   ceil(n_steps/H) samples of π_θk appended to S_k and S;
 *   gps with adaptive (every adaptive_every-th iteration): adaptive guiding samples — each
 *         iLQR solution j re-planned on r̃(x,u) + adaptive_weight·log π_θ*(u|x) from its newest
 *         plan's start state and controls (adaptive_iters iterations), then adaptive_m samples
 *         from the mixture of the re-planned solutions appended to S (not S_k: the comparison
 *         below is on S_k and θ_k's own samples); the re-plans' mj_steps are model_steps,
 *         their samples real steps;
 *   the IS estimates Σ_t Ĵ_t (Φ without the regularizer) of θ_k and θ* on S_k;
 *   θ_k's higher: accepted, θ* ← θ_k, w_r ← max(wr_min, w_r / wr_factor); else
 *   w_r ← min(wr_max, w_r · wr_factor) and with resample ceil(n_steps/H) samples of π_θ*
 *   appended to S;
 *   the real return of π_θ*: eval_episodes episodes of its mean action on the task as it is
 *   (termination, the time limit), from a stream of their own (seed, "gps-eval"); these steps
 *   train nothing and are not counted in steps.
 * The run's policy (saved, evaluated) is θ*: the best by the IS comparisons, not the last θ_k.
 * steps counts every real step of the samples (guiding and policy); model_steps the model's
 * mj_steps (iLQR's derivatives and forward passes, the adaptive re-plans' too).
 *
 * An effective sample size that collapses to 1 (all of θ_k's normalized weight on one
 * trajectory at some step) is recorded in progress.tsv (ess_min = 1, ess_mean beside it) and
 * the run goes on, status ok.  Our reasoned choice: the self-normalized estimate stays a
 * convex combination of sampled rewards, so it is bounded and never diverges; a collapse
 * means the comparison of θ_k with θ* rests on few samples, which Algorithm 1 already
 * answers — a rejection raises w_r (pulling the next θ_k back toward the samples, log Z_t)
 * and resamples π_θ*, and an acceptance is followed by on-policy samples of the new θ* —
 * so stopping would end runs the loop repairs.  Nothing in the run becomes non-finite.
 *
 * Checkpoint: the whole state (gps_ckpt below); a run killed and resumed is the run never
 * interrupted, bit for bit. */
#include <math.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/checkpoint.h"
#include "algorithms/gps_is.h"
#include "algorithms/ilqr_mj.h"
#include "algorithms/run.h"
#include "core/rng.h"
#include "core/size.h"
#include "mdps/env_mujoco.h"

typedef struct {
  alg_shared_params shared;
  size_t H, n_ilqr, m, subset, lbfgs_iters, ml_iters, ilqr_iterations, eval_episodes;
  double w_r, wr_factor, wr_min, wr_max, fd_eps, guide_cov_scale, adaptive_weight;
  size_t adaptive_every, adaptive_m, adaptive_iters;
  int adaptive, resample;
} gps_params;

#define GPS_LOOP_PARAMS                                                                        \
  ALG_COMMON_PARAMS(0, 1, 0),                                                                  \
  {"n_steps", ALG_INT, 500, 1, 1e8, NULL,                                                      \
   "real steps of new policy samples per iteration: ceil(n_steps / H) trajectories of pi_k",   \
   ALG_SHARED(n_steps)},                                                                       \
  {"H", ALG_INT, 100, 1, 1e5, NULL,                                                            \
   "horizon of every sample trajectory (fixed: termination loses the alive bonus, the "       \
   "trajectory goes on); our choice, the paper's unknown", offsetof(gps_params, H)},           \
  {"subset", ALG_INT, 20, 1, 1e6, NULL,                                                        \
   "|S_k|: trajectories drawn uniformly from S for each iteration's objective (before the "   \
   "new samples are appended); our choice", offsetof(gps_params, subset)},                    \
  {"lbfgs_iters", ALG_INT, 50, 1, 1e6, NULL,                                                   \
   "L-BFGS iterations of theta_k = argmax Phi_{S_k}, from theta*; our choice",                 \
   offsetof(gps_params, lbfgs_iters)},                                                         \
  {"w_r", ALG_REAL, 1e-2, 0, 1e6, NULL,                                                        \
   "initial weight of the regularizer w_r log Z_t (0 with wr_min = 0: no regularizer); 1e-2 "  \
   "as a re-implementation (GPS_RLHF.md 1.2), the paper's unknown", offsetof(gps_params, w_r)}, \
  {"wr_factor", ALG_REAL, 10, 1, 1e6, NULL,                                                    \
   "w_r divided by this on an accepted theta_k, multiplied on a rejected one",                \
   offsetof(gps_params, wr_factor)},                                                           \
  {"wr_min", ALG_REAL, 1e-6, 0, 1e6, NULL, "lower bound of w_r", offsetof(gps_params, wr_min)}, \
  {"wr_max", ALG_REAL, 1, 0, 1e6, NULL, "upper bound of w_r", offsetof(gps_params, wr_max)},    \
  {"resample", ALG_BOOL, 1, 0, 1, NULL,                                                        \
   "on a rejected theta_k, append ceil(n_steps / H) new samples of pi_theta* to S",           \
   offsetof(gps_params, resample)},                                                            \
  {"eval_episodes", ALG_INT, 5, 1, 1e6, NULL,                                                  \
   "episodes of pi_theta*'s mean action on the task as it is (eval_return; not counted in "   \
   "steps)", offsetof(gps_params, eval_episodes)}

static const alg_param p_gps[] = {
    GPS_LOOP_PARAMS,
    {"m", ALG_INT, 20, 1, 1e6, NULL,
     "guiding samples (trajectories) from the mixture of the n_ilqr guiding distributions; "
     "our choice", offsetof(gps_params, m)},
    {"n_ilqr", ALG_INT, 2, 1, 1000, NULL,
     "iLQR solutions, each planned from its own reset state; our choice",
     offsetof(gps_params, n_ilqr)},
    {"ilqr_iterations", ALG_INT, 30, 0, 1e6, NULL, "iLQR iterations per solution at most",
     offsetof(gps_params, ilqr_iterations)},
    {"fd_eps", ALG_REAL, 1e-6, 1e-12, 1, NULL, "iLQR's finite-difference step of f_x, f_u",
     offsetof(gps_params, fd_eps)},
    {"guide_cov_scale", ALG_REAL, 1, 1e-12, 1e12, NULL,
     "the guiding distributions' covariance is guide_cov_scale (-Q_uu)^-1 (1: the slides'; "
     "without a control cost -Q_uu^-1 is very wide)", offsetof(gps_params, guide_cov_scale)},
    {"ml_iters", ALG_INT, 200, 0, 1e6, NULL,
     "L-BFGS iterations of the initial theta* = argmax log-likelihood of the guiding samples",
     offsetof(gps_params, ml_iters)},
    {"adaptive", ALG_BOOL, 1, 0, 1, NULL,
     "adaptive guiding samples: every adaptive_every-th iteration each iLQR solution is "
     "re-planned on r + adaptive_weight log pi_theta*(u|x) and adaptive_m samples drawn from "
     "the new solutions are appended to S (not to S_k).  true by default: the paper's main "
     "method has them: issue 21 lists 'gps without adaptive guiding samples' (adaptive = "
     "false) as a baseline of it, and Algorithm 1 has the step ('optionally generate adaptive "
     "guiding samples'); how the paper used them is recalled (GPS_RLHF.md 1.2), not confirmed",
     offsetof(gps_params, adaptive)},
    {"adaptive_every", ALG_INT, 1, 1, 1e6, NULL,
     "re-plan every this-many-th iteration (1: every iteration, as the algorithm box's loop "
     "body; our choice, the paper's unknown)", offsetof(gps_params, adaptive_every)},
    {"adaptive_m", ALG_INT, 2, 1, 1e6, NULL,
     "adaptive guiding samples per re-plan, from the mixture of the re-planned solutions "
     "(adaptive_m / n_ilqr from each, the first adaptive_m mod n_ilqr one more; real steps); "
     "our choice (one per solution at the default n_ilqr), the paper's unknown",
     offsetof(gps_params, adaptive_m)},
    {"adaptive_iters", ALG_INT, 5, 0, 1e6, NULL,
     "iLQR iterations of each re-plan at most, warm-started from the solution's previous "
     "controls and start state (model_steps, not steps); our choice",
     offsetof(gps_params, adaptive_iters)},
    {"adaptive_weight", ALG_REAL, 1, 0, 1e6, NULL,
     "weight of log pi_theta*(u|x) added to the optimized reward in the re-plan (1: the "
     "paper's r(x,u) + log pi(u|x), as recalled in GPS_RLHF.md 1.2, not confirmed; the "
     "reward is iLQR's smooth stand-in of r)", offsetof(gps_params, adaptive_weight)}};

static const alg_param p_isps[] = {
    GPS_LOOP_PARAMS,
    {"m", ALG_INT, 20, 1, 1e6, NULL,
     "initial samples (trajectories) of the run's initial policy; our choice",
     offsetof(gps_params, m)}};

typedef struct {
  int guided;
  const pol_policy *pol;
  env_dyn *d;
  alg_ilqr_mj mj;
  /* the guiding distributions: iLQR solutions kept as π_G reads them (p, X, Ubar, k, K, Quu;
   * the solver's scratch freed), n_guide of them: n_ilqr from the setup, n_ilqr more per
   * adaptive re-run */
  ilqr **guide;
  size_t n_guide, cap_guide;
  size_t *chain;      /* (n_ilqr) the newest guide of solution j (the adaptive re-run's start) */
  env *e, *ev, *eo;   /* sampling (no time limit), evaluation (the task's), observation probe */
  gsl_rng *rev;       /* evaluation stream */
  /* the sample set S: n_traj trajectories */
  size_t n_traj, cap;
  double *obs, *act, *rew, *X; /* (cap, H, O|U|1|S) */
  size_t *src;        /* (cap) sampler */
  /* samplers: a guiding distribution (samp_guide[j] its guide) or a policy (thetas row j) */
  size_t n_samp, cap_samp;
  double *thetas;     /* (cap_samp, P); guiding samplers' rows unused */
  size_t *samp_guide; /* (cap_samp) guide index, or SIZE_MAX for a policy */
  double *theta_k;    /* (P) */
  double w_r;
  int ready;
  unsigned long ms_base, ms_at; /* model mj_steps before ms_at (restored from a checkpoint) */
  /* the adaptive re-run's extra reward term adapt_w log π_adapt(u | o(x)), added to the task
   * model's own step and derivatives (base: alg_ilqr_mj_problem's) */
  ilqr_problem base;
  const double *adapt_theta;
  double adapt_w;
  double *ao, *amu, *ajac; /* (O), (K), (U, N) */
  /* test hooks (TRBENCH_TEST_GPS_DECIDE, _COLLAPSE, _TRACE, _FAULT) */
  const char *decide;
  int trace;
  size_t collapse_iter;
  size_t fault_iter, iter_now; /* _FAULT's iteration; the iteration adaptive_samples is in */
  pol_ws *pws1;       /* Bmax 1: acting */
  double *s, *u, *o, *dist; /* (S), (U), (O), (K) */
} gps_alg;

static const char *gps_check(const void *params) {
  const gps_params *p = params;
  if (p->shared.n_envs != 1) return "gps samples one trajectory at a time: n_envs = 1";
  if (p->shared.normalize_obs) return "gps fits its policy to raw observations: normalize_obs = 0";
  if (p->shared.reward != 0 || p->shared.kl_ref_coef != 0)
    return "gps trains on the environment's reward: reward = true, kl_ref_coef = 0";
  if (p->wr_min > p->wr_max) return "wr_min is above wr_max";
  if (p->w_r < p->wr_min || p->w_r > p->wr_max) return "w_r is outside [wr_min, wr_max]";
  return NULL;
}

static const char *gps_check_guided(const void *params) {
  const gps_params *p = params;
  const char *why = gps_check(params);
  if (why) return why;
  if (p->n_ilqr > p->m) return "n_ilqr is above m: every iLQR solution needs a guiding sample";
  size_t n0 = p->m + (p->shared.n_steps + p->H - 1) / p->H;
  if (p->subset > n0) return "subset is larger than the initial sample set (m + ceil(n_steps / H))";
  return NULL;
}

static const char *isps_check(const void *params) {
  const gps_params *p = params;
  const char *why = gps_check(params);
  if (why) return why;
  if (p->subset > p->m) return "subset is larger than the initial sample set (m)";
  return NULL;
}

static void gps_release(alg_run *run) {
  gps_alg *a = run->alg;
  if (!a) return;
  for (size_t j = 0; j < a->n_guide; j++) alg_ilqr_free(a->guide[j]);
  free(a->guide), free(a->chain);
  env_free(a->e);
  env_free(a->ev);
  env_free(a->eo);
  gsl_rng_free(a->rev);
  env_dyn_free(a->d);
  free(a->obs), free(a->act), free(a->rew), free(a->X), free(a->src);
  free(a->thetas), free(a->samp_guide), free(a->theta_k);
  free(a->ao);
  pol_ws_free(a->pws1);
  free(a->s);
  free(a);
  run->alg = NULL;
}

static unsigned long model_steps(const gps_alg *a) {
  return a->ms_base + (env_dyn_mj_steps(a->d) - a->ms_at);
}

static tr_status init_common(alg_run *run, int guided) {
  const gps_params *p = run->model.params;
  gps_alg *a = tr_calloc(1, sizeof *a);
  if (!(run->alg = a)) return TR_ENOMEM;
  a->guided = guided;
  const char *name = run->model.cfg.cls->name;
  tr_status st = env_dyn_alloc(&a->d, run->model.em);
  if (st) return st == TR_EINVAL ? tr_error_prefix("%s", name), st : st;
  const pol_policy *pol = run->model.pol;
  if (pol->kind != POL_GAUSSIAN)
    return tr_error(TR_EINVAL, "%s: the policy must be a Gaussian MLP", name);
  a->pol = pol;
  size_t S = env_dyn_full_dim(a->d), U = pol->U, O = pol->O, K = pol->K;
  size_t N = env_dyn_state_dim(a->d);
  a->e = env_alloc(run->model.em);
  a->ev = env_alloc(run->model.em);
  a->eo = env_alloc(run->model.em);
  a->rev = tr_rng_derive(run->model.seed, "gps-eval");
  a->pws1 = pol_ws_alloc(pol, 1);
  a->s = tr_malloc((S + U + O + K) * sizeof *a->s);
  a->ao = tr_malloc((O + K + U * N) * sizeof *a->ao);
  a->theta_k = tr_malloc(pol->P * sizeof *a->theta_k);
  a->chain = tr_calloc(guided ? p->n_ilqr : 1, sizeof *a->chain);
  if (!a->e || !a->ev || !a->eo || !a->rev || !a->pws1 || !a->s || !a->ao || !a->theta_k ||
      !a->chain)
    return TR_ENOMEM;
  a->u = a->s + S, a->o = a->u + U, a->dist = a->o + O;
  a->amu = a->ao + O, a->ajac = a->amu + K;
  env_set_time_limit(a->e, 0);
  env_set_time_limit(a->eo, 0);
  if (p->shared.time_limit) env_set_time_limit(a->ev, p->shared.time_limit);
  a->w_r = p->w_r;
  a->mj.d = a->d;
  a->mj.eps = guided ? p->fd_eps : 1e-6;
  a->mj.fd = ENV_DYN_OWN_FORWARD;
  const char *dec = getenv("TRBENCH_TEST_GPS_DECIDE");
  a->decide = dec && *dec ? dec : NULL;
  const char *tr = getenv("TRBENCH_TEST_GPS_TRACE");
  a->trace = tr && *tr && strcmp(tr, "0");
  const char *col = getenv("TRBENCH_TEST_GPS_COLLAPSE");
  a->collapse_iter = col && *col ? strtoull(col, NULL, 10) : 0;
  const char *fault = getenv("TRBENCH_TEST_GPS_FAULT");
  a->fault_iter = fault && *fault ? strtoull(fault, NULL, 10) : 0;
  return TR_OK;
}

static tr_status gps_init(alg_run *run) { return init_common(run, 1); }
static tr_status isps_init(alg_run *run) { return init_common(run, 0); }

/* room for k more trajectories in S */
static tr_status reserve(alg_run *run, gps_alg *a, size_t k) {
  const gps_params *p = run->model.params;
  if (a->n_traj + k <= a->cap) return TR_OK;
  size_t cap = a->cap ? a->cap : 16, H = p->H;
  while (cap < a->n_traj + k) cap *= 2;
  size_t O = run->model.pol->O, U = run->model.pol->U, S = env_dyn_full_dim(a->d);
  double *o = realloc(a->obs, cap * H * O * sizeof *o);
  if (o) a->obs = o;
  double *ac = realloc(a->act, cap * H * U * sizeof *ac);
  if (ac) a->act = ac;
  double *r = realloc(a->rew, cap * H * sizeof *r);
  if (r) a->rew = r;
  double *x = realloc(a->X, cap * H * S * sizeof *x);
  if (x) a->X = x;
  size_t *sr = realloc(a->src, cap * sizeof *sr);
  if (sr) a->src = sr;
  if (!o || !ac || !r || !x || !sr) return tr_error(TR_ENOMEM, "gps: no memory for the sample set");
  a->cap = cap;
  return TR_OK;
}

/* room for k more samplers */
static tr_status reserve_samplers(alg_run *run, gps_alg *a, size_t k) {
  size_t P = run->model.pol->P;
  if (a->n_samp + k <= a->cap_samp) return TR_OK;
  size_t cap = a->cap_samp ? a->cap_samp : 16;
  while (cap < a->n_samp + k) cap *= 2;
  double *t = realloc(a->thetas, cap * P * sizeof *t);
  if (t) a->thetas = t;
  size_t *g = realloc(a->samp_guide, cap * sizeof *g);
  if (g) a->samp_guide = g;
  if (!t || !g) return tr_error(TR_ENOMEM, "gps: no memory for the samplers");
  a->cap_samp = cap;
  return TR_OK;
}

/* a new sampler: the policy with parameters theta (guide SIZE_MAX) or the guide: its index */
static tr_status add_sampler(alg_run *run, gps_alg *a, const double *theta, size_t guide,
                             size_t *idx) {
  size_t P = run->model.pol->P;
  tr_status st = reserve_samplers(run, a, 1);
  if (st) return st;
  if (theta) memcpy(a->thetas + a->n_samp * P, theta, P * sizeof *theta);
  else memset(a->thetas + a->n_samp * P, 0, P * sizeof *a->thetas);
  a->samp_guide[a->n_samp] = guide;
  *idx = a->n_samp++;
  return TR_OK;
}

/* An empty guide of the problem's sizes (p copied; X, Ubar, k, K, Quu allocated). */
static ilqr *guide_alloc(const ilqr_problem *pr) {
  ilqr *g = tr_calloc(1, sizeof *g);
  if (!g) return NULL;
  size_t H = pr->H, S = pr->S, U = pr->U, N = pr->N;
  g->p = *pr;
  g->p.ctx = NULL, g->p.step = NULL, g->p.derivs = NULL;
  g->X = tr_malloc((H + 1) * S * sizeof(double));
  g->Ubar = tr_malloc(H * U * sizeof(double));
  g->k = tr_malloc(H * U * sizeof(double));
  g->K = tr_malloc(H * U * N * sizeof(double));
  g->Quu = tr_malloc(H * U * U * sizeof(double));
  if (!g->X || !g->Ubar || !g->k || !g->K || !g->Quu) {
    alg_ilqr_free(g);
    return NULL;
  }
  return g;
}

/* Append a guide: il's nominal, gains and Quu / cov_scale (il after alg_ilqr_gains); *idx. */
static tr_status guide_keep(gps_alg *a, const ilqr *il, double cov_scale, size_t *idx) {
  if (a->n_guide >= a->cap_guide) {
    size_t cap = a->cap_guide ? 2 * a->cap_guide : 8;
    ilqr **g = realloc(a->guide, cap * sizeof *g);
    if (!g) return tr_error(TR_ENOMEM, "gps: no memory for the guiding distributions");
    a->guide = g, a->cap_guide = cap;
  }
  ilqr *g = guide_alloc(&il->p);
  if (!g) return TR_ENOMEM;
  size_t H = il->p.H, S = il->p.S, U = il->p.U, N = il->p.N;
  memcpy(g->X, il->X, (H + 1) * S * sizeof *g->X);
  memcpy(g->Ubar, il->Ubar, H * U * sizeof *g->Ubar);
  memcpy(g->k, il->k, H * U * sizeof *g->k);
  memcpy(g->K, il->K, H * U * N * sizeof *g->K);
  for (size_t i = 0; i < H * U * U; i++) g->Quu[i] = il->Quu[i] / cov_scale;
  g->J = il->J, g->J_true = il->J_true;
  a->guide[a->n_guide] = g;
  *idx = a->n_guide++;
  return TR_OK;
}

/* k trajectories of π_theta (a new sampler) appended to S; *steps += k H; *bad set when the
 * simulator goes unstable */
static tr_status policy_samples(alg_run *run, gps_alg *a, const double *theta, size_t k,
                                alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  size_t H = p->H, O = pol->O, U = pol->U, S = env_dyn_full_dim(a->d), j = 0;
  double alive = env_dyn_alive(a->d);
  tr_status st = reserve(run, a, k);
  if (!st) st = add_sampler(run, a, theta, SIZE_MAX, &j);
  for (size_t i = 0; !st && i < k; i++) {
    size_t n = a->n_traj;
    if ((st = env_reset(a->e, run->state.rng, a->o))) break;
    for (size_t t = 0; !st && t < H; t++) {
      size_t row = n * H + t;
      if ((st = env_dyn_get(a->d, a->e, a->X + row * S))) break;
      memcpy(a->obs + row * O, a->o, O * sizeof *a->o);
      if ((st = pol_forward(pol, theta, a->o, 1, a->pws1, a->dist))) break;
      pol_sample(pol, a->dist, 1, run->state.rng, a->act + row * U);
      env_step_result res;
      unsigned long u0 = env_mujoco_get_stats(run->model.em).unstable;
      if ((st = env_step(a->e, a->act + row * U, NULL, a->o, &res))) break;
      double rw = res.reward - (res.terminated ? alive : 0.0);
      int finite = isfinite(rw) && env_mujoco_get_stats(run->model.em).unstable == u0;
      for (size_t c = 0; c < O; c++) finite &= isfinite(a->o[c]) != 0;
      if (!finite) {
        snprintf(stats->bad, sizeof stats->bad,
                 "policy sample state (the simulator went unstable at step %zu)", t);
        return TR_OK;
      }
      a->rew[row] = rw;
    }
    if (st) break;
    a->src[n] = j;
    a->n_traj++;
    stats->steps += H;
  }
  return st;
}

/* k guiding samples from the equal mixture of the guides chain[0 … n_ilqr): k / n from each,
 * the first k mod n one more, each guide a new sampler; appended to S.  *bad (what) when the
 * simulator goes unstable. */
static tr_status guide_samples(alg_run *run, gps_alg *a, size_t k, const char *what,
                               alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  size_t H = p->H, O = pol->O, U = pol->U, S = env_dyn_full_dim(a->d), n_il = p->n_ilqr;
  tr_status st = reserve(run, a, k);
  if (!st) st = reserve_samplers(run, a, n_il);
  for (size_t j = 0; !st && j < n_il; j++) {
    size_t kj = k / n_il + (j < k % n_il), n = a->n_traj, idx;
    if ((st = add_sampler(run, a, NULL, a->chain[j], &idx))) break;
    st = alg_ilqr_mj_guide_samples(a->guide[a->chain[j]], a->d, a->e, kj, run->state.rng,
                                   a->obs + n * H * O, a->act + n * H * U, a->rew + n * H, NULL,
                                   a->X + n * H * S);
    if (st == TR_ENUM) { /* the simulator went unstable */
      snprintf(stats->bad, sizeof stats->bad, "%s", what);
      return TR_OK;
    }
    if (st) break;
    for (size_t i = 0; i < kj; i++) a->src[n + i] = idx;
    a->n_traj += kj;
    stats->steps += kj * H;
  }
  return st;
}

/* ---- the adaptive re-plan's reward: r̃(x, u) + λ log π(u | o(x)) ----------------------------
 * With the Gaussian policy π = N(μ(o(x)), diag σ²) (σ state-independent), e = u − μ and
 * D = diag(σ⁻²): log π = −½ eᵀDe − Σ log σ − (U/2) log 2π.  Its derivatives, Gauss–Newton in
 * μ (μ's second derivatives dropped, as iLQR drops f's), with M = ∂μ/∂x (U, N) by forward
 * differences of μ(o(x + h e_j)) (h = fd_eps; o(x) the task's observation of the state x,
 * read on a probe instance set to x):
 *   ℓ_u = −De,  ℓ_x = MᵀDe,  ℓ_uu = −D,  ℓ_xx = −MᵀDM,  ℓ_ux = DM  (alg_logpi_derivs_add).
 * The term is added (times λ) to the optimized reward only: r_true stays the task's
 * fixed-horizon reward.  Every step the re-plan takes is a model step (env_dyn_step); the
 * probe's state settings are mj_forward calls, not steps. */

/* μ (into a->amu, the dist row: μ then ℓ) at the state s */
static tr_status adapt_mean(gps_alg *a, const double *s) {
  tr_status st = env_dyn_set(a->d, a->eo, s);
  if (!st) st = env_mujoco_observe(a->eo, a->ao);
  if (!st) st = pol_forward(a->pol, a->adapt_theta, a->ao, 1, a->pws1, a->amu);
  return st;
}

static tr_status adapt_step(void *ctx, const double *s, const double *u, double *sn, double *r,
                            double *rt) {
  gps_alg *a = ctx;
  tr_status st = a->base.step(a->base.ctx, s, u, sn, r, rt);
  if (st) return st;
  if (!isfinite(*r)) return TR_OK;
  for (size_t i = 0; i < env_dyn_full_dim(a->d); i++)
    if (!isfinite(s[i])) return TR_OK;
  double lp;
  if ((st = adapt_mean(a, s))) return st;
  if ((st = pol_log_prob(a->pol, a->amu, u, 1, &lp))) return st;
  *r += a->adapt_w * lp;
  return TR_OK;
}

static tr_status adapt_derivs(void *ctx, const double *s, const double *u, const double *sn,
                              double *A, double *B, double *rx, double *ru, double *rxx,
                              double *ruu, double *rux) {
  gps_alg *a = ctx;
  size_t N = env_dyn_state_dim(a->d), S = env_dyn_full_dim(a->d), U = a->pol->U;
  tr_status st = a->base.derivs(a->base.ctx, s, u, sn, A, B, rx, ru, rxx, ruu, rux);
  if (st) return st;
  if (a->fault_iter && a->iter_now == a->fault_iter) A[0] = NAN; /* test hook */
  double mu[64], e[64], D[64], sp[512];
  if (U > 64 || S > 512) return tr_error(TR_EINVAL, "gps: adaptive re-plan: U or S too large");
  if ((st = adapt_mean(a, s))) return st;
  for (size_t i = 0; i < U; i++) {
    mu[i] = a->amu[i];
    e[i] = u[i] - mu[i];
    D[i] = exp(-2.0 * a->amu[U + i]);
  }
  double h = a->mj.eps;
  memcpy(sp, s, S * sizeof *s);
  for (size_t j = 0; j < N; j++) {
    sp[j] = s[j] + h;
    st = adapt_mean(a, sp);
    sp[j] = s[j];
    if (st) return st;
    for (size_t i = 0; i < U; i++) a->ajac[i * N + j] = (a->amu[i] - mu[i]) / h;
  }
  alg_logpi_derivs_add(U, N, a->adapt_w, e, D, a->ajac, rx, ru, rxx, ruu, rux);
  return TR_OK;
}

/* Plan solution j (iterations at most, from x0 (S) and the controls u0 (H, U)) on the problem
 * pr, keep it as a guide: chain[j] its index. */
static tr_status plan(alg_run *run, gps_alg *a, const ilqr_problem *pr, size_t j,
                      const double *x0, const double *u0, size_t iterations, int *diverged) {
  const gps_params *p = run->model.params;
  ilqr_settings set;
  alg_ilqr_settings_default(&set);
  ilqr *il = NULL;
  tr_status st = alg_ilqr_alloc(&il, pr, &set, x0, u0);
  while (!st && !il->converged && il->iter < iterations) st = alg_ilqr_iterate(il);
  if (!st) st = alg_ilqr_gains(il);
  *diverged = alg_ilqr_diverged(il, st); /* as the ilqr algorithm classifies it */
  if (!st) st = guide_keep(a, il, p->guide_cov_scale, &a->chain[j]);
  alg_ilqr_free(il);
  return st;
}

/* the guiding setup: iLQR solutions, m guiding samples, θ* by maximum likelihood */
static tr_status guided_setup(alg_run *run, gps_alg *a, alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  size_t H = p->H, U = pol->U;
  ilqr_problem pr;
  alg_ilqr_mj_problem(&a->mj, H, &pr);
  double *u0 = tr_calloc(H * U, sizeof *u0);
  tr_status st = u0 ? TR_OK : TR_ENOMEM;
  double nominal = 0.0;
  for (size_t j = 0; !st && j < p->n_ilqr; j++) {
    char role[32];
    snprintf(role, sizeof role, "gps-ilqr-%zu", j);
    gsl_rng *r0 = tr_rng_derive(run->model.seed, role);
    if (!r0) {
      st = TR_ENOMEM;
      break;
    }
    st = env_dyn_reset(a->d, r0, a->s);
    gsl_rng_free(r0);
    int diverged = 0;
    if (!st) st = plan(run, a, &pr, j, a->s, u0, p->ilqr_iterations, &diverged);
    if (diverged) {
      snprintf(stats->bad, sizeof stats->bad, "iLQR solution %zu (non-finite)", j);
      free(u0);
      return TR_OK;
    }
    if (st) {
      tr_error_prefix("gps: iLQR solution %zu", j);
      break;
    }
    nominal += a->guide[a->chain[j]]->J_true / (double)p->n_ilqr;
  }
  free(u0);
  if (st) return st;
  stats->nominal_return = nominal;
  /* m guiding samples: m/n from each solution, the first m mod n one more */
  st = guide_samples(run, a, p->m, "guiding sample state", stats);
  if (st || stats->bad[0]) return st;
  /* θ* ← argmax Σ log π_θ(u|x) on the guiding samples, from the run's initial θ */
  double ll0, ll1;
  st = alg_ml_fit(pol, run->state.theta, a->obs, a->act, a->n_traj * H, p->ml_iters, &ll0, &ll1);
  if (st == TR_ENUM) {
    snprintf(stats->bad, sizeof stats->bad, "maximum-likelihood log-likelihood");
    return TR_OK;
  }
  return st;
}

/* The mean over t of log π_θ*(ū_t | o(x̄_t)) along the nominal of g (a->adapt_theta set). */
static tr_status nominal_logpi(gps_alg *a, const ilqr *g, double *out) {
  double sum = 0.0, lp;
  tr_status st = TR_OK;
  for (size_t t = 0; !st && t < g->p.H; t++) {
    st = adapt_mean(a, g->X + t * g->p.S);
    if (!st) st = pol_log_prob(a->pol, a->amu, g->Ubar + t * g->p.U, 1, &lp);
    sum += lp;
  }
  *out = sum / (double)g->p.H;
  return st;
}

/* Adaptive guiding samples: each solution j re-planned on r̃ + adaptive_weight log π_θ*
 * (from its newest guide's start state and controls, adaptive_iters iterations), then
 * adaptive_m samples of the new guides appended to S.  stats->nominal_return: the new
 * solutions' mean fixed-horizon return. */
static tr_status adaptive_samples(alg_run *run, gps_alg *a, alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  alg_ilqr_mj_problem(&a->mj, p->H, &a->base);
  ilqr_problem pr = a->base;
  pr.ctx = a;
  pr.step = adapt_step;
  pr.derivs = adapt_derivs;
  a->adapt_theta = run->state.theta;
  a->adapt_w = p->adaptive_weight;
  double nominal = 0.0;
  tr_status st = TR_OK;
  for (size_t j = 0; !st && j < p->n_ilqr; j++) {
    const ilqr *g = a->guide[a->chain[j]];
    double before = NAN, after = NAN;
    if (a->trace) st = nominal_logpi(a, g, &before);
    int diverged = 0;
    if (!st) st = plan(run, a, &pr, j, g->X, g->Ubar, p->adaptive_iters, &diverged);
    if (!st && a->trace) {
      st = nominal_logpi(a, a->guide[a->chain[j]], &after);
      fprintf(stderr, "gps: iteration %zu re-plan %zu: mean log pi_theta*(u_bar|x_bar) along "
              "the nominal %.17g -> %.17g\n", run->state.iter + 1, j, before, after);
    }
    if (diverged) {
      snprintf(stats->bad, sizeof stats->bad, "adaptive iLQR re-plan %zu (non-finite)", j);
      return TR_OK;
    }
    if (st) {
      tr_error_prefix("gps: adaptive iLQR re-plan of solution %zu", j);
      break;
    }
    nominal += a->guide[a->chain[j]]->J_true / (double)p->n_ilqr;
  }
  if (st) return st;
  stats->nominal_return = nominal;
  return guide_samples(run, a, p->adaptive_m, "adaptive guiding sample state", stats);
}

/* The IS data of the trajectories idx (k of them): copies into buffers owned by the caller
 * (free with free_data), q the equal mixture of the samplers present. */
typedef struct {
  alg_is_data d;
  double *buf;
} is_set;

static void free_set(is_set *s) { free(s->buf), s->buf = NULL; }

static tr_status build_set(alg_run *run, gps_alg *a, const size_t *idx, size_t k, is_set *out) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  size_t H = p->H, O = pol->O, U = pol->U, S = env_dyn_full_dim(a->d);
  unsigned char *present = tr_calloc(a->n_samp, 1);
  if (!present) return TR_ENOMEM;
  for (size_t i = 0; i < k; i++) present[a->src[idx[i]]] = 1;
  size_t nq = 0;
  for (size_t j = 0; j < a->n_samp; j++) nq += present[j];
  size_t B = k * H;
  out->buf = tr_malloc(B * (O + U + 1 + nq) * sizeof(double));
  pol_ws *pws = pol_ws_alloc(pol, B);
  tr_status st = out->buf && pws ? TR_OK : TR_ENOMEM;
  if (st) goto done;
  double *obs = out->buf, *act = obs + B * O, *rew = act + B * U, *logq = rew + B;
  for (size_t i = 0; i < k; i++) {
    size_t n = idx[i];
    memcpy(obs + i * H * O, a->obs + n * H * O, H * O * sizeof *obs);
    memcpy(act + i * H * U, a->act + n * H * U, H * U * sizeof *act);
    memcpy(rew + i * H, a->rew + n * H, H * sizeof *rew);
  }
  size_t q = 0;
  for (size_t j = 0; !st && j < a->n_samp; j++) {
    if (!present[j]) continue;
    double *lq = logq + q * B;
    if (a->samp_guide[j] != SIZE_MAX) {
      const ilqr *g = a->guide[a->samp_guide[j]];
      for (size_t i = 0; !st && i < k; i++)
        for (size_t t = 0; !st && t < H; t++)
          st = alg_guide_logpdf(g, t, a->X + (idx[i] * H + t) * S, act + (i * H + t) * U,
                                lq + i * H + t);
    } else {
      st = pol_forward(pol, a->thetas + j * pol->P, obs, B, pws, NULL);
      if (!st) st = pol_log_prob(pol, pws->dist, act, B, lq);
    }
    q++;
  }
  out->d = (alg_is_data){.m = k, .T = H, .O = O, .W = U, .n_q = nq, .obs = obs, .act = act,
                         .rew = rew, .logq = logq};
done:
  free(present);
  pol_ws_free(pws);
  if (st) free_set(out);
  return st;
}

/* eval_episodes episodes of π_θ*'s mean action on the task as it is */
static tr_status evaluate(alg_run *run, gps_alg *a, alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  alg_batch *b = run->state.batch;
  alg_batch_clear(b);
  double sum = 0.0, sum2 = 0.0, lens = 0.0;
  tr_status st = TR_OK;
  for (size_t i = 0; !st && i < p->eval_episodes; i++) {
    double ret = 0.0;
    size_t len = 0;
    st = env_reset(a->ev, a->rev, a->o);
    for (;;) {
      if (st || (st = pol_forward(pol, run->state.theta, a->o, 1, a->pws1, a->dist))) break;
      pol_mode(pol, a->dist, 1, a->u);
      env_step_result res;
      if ((st = env_step(a->ev, a->u, NULL, a->o, &res))) break;
      ret += res.reward;
      len++;
      if (!isfinite(res.reward)) {
        snprintf(stats->bad, sizeof stats->bad, "evaluation return");
        return TR_OK;
      }
      if (res.terminated || res.truncated) break;
    }
    if (st) break;
    if (b->n_episodes < b->ep_cap) {
      b->ep_return[b->n_episodes] = ret;
      b->ep_len[b->n_episodes] = len;
      b->n_episodes++;
    }
    sum += ret, sum2 += ret * ret, lens += (double)len;
  }
  if (st) return st;
  double n = (double)p->eval_episodes, m = sum / n;
  stats->episodes = p->eval_episodes;
  stats->return_mean = stats->eval_return = m;
  stats->return_std = sqrt(fmax(0.0, sum2 / n - m * m));
  stats->ep_len = lens / n;
  return TR_OK;
}

/* The test hooks.  TRBENCH_TEST_GPS_DECIDE=STRING: iteration i's comparison is decided by
 * STRING's i-th character ('a' accept, 'r' reject; '.' or past the end: by the estimates).
 * TRBENCH_TEST_GPS_COLLAPSE=ITER: at iteration ITER the comparison's θ_k has its log-stds
 * lowered by 30 (σ × e^-30) after its samples were drawn, so its importance weights put all
 * their mass on one trajectory per step (ESS → 1): what a policy fit far from its samples
 * does (tests/cli_gps.sh).  TRBENCH_TEST_GPS_TRACE=1: each adaptive re-plan writes one line
 * on stderr, the mean log π_θ*(ū_t | o(x̄_t)) along the solution's nominal before and after
 * it (the re-plan should raise it when adaptive_weight > 0).  TRBENCH_TEST_GPS_FAULT=ITER: the
 * adaptive re-plans of iteration ITER meet a NaN derivative, which ends the run diverged
 * (alg_ilqr_diverged: the ilqr algorithm's rule) with the re-plan named. */
static int hook_decision(const gps_alg *a, size_t iter) {
  if (!a->decide || iter == 0 || iter > strlen(a->decide)) return -1;
  char c = a->decide[iter - 1];
  return c == 'a' ? 1 : c == 'r' ? 0 : -1;
}

static tr_status gps_iterate(alg_run *run, alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  gps_alg *a = run->alg;
  size_t H = p->H, P = pol->P, k_new = (run->model.T + H - 1) / H;
  size_t iter = run->state.iter + 1; /* 1-based */
  tr_status st = TR_OK;
  stats->nominal_return = NAN;
  if (!a->ready) {
    if (a->guided) st = guided_setup(run, a, stats);
    if (!st && !stats->bad[0])
      st = policy_samples(run, a, run->state.theta, a->guided ? k_new : p->m, stats);
    if (st || stats->bad[0]) {
      stats->model_steps = (double)model_steps(a);
      return st;
    }
    a->ready = 1;
  }
  /* S_k: a uniform subset of S (partial Fisher–Yates), room for the new samples after it */
  size_t k = p->subset < a->n_traj ? p->subset : a->n_traj;
  size_t *idx = tr_malloc((a->n_traj + k_new) * sizeof *idx);
  if (!idx) return TR_ENOMEM;
  for (size_t i = 0; i < a->n_traj; i++) idx[i] = i;
  for (size_t i = 0; i < k; i++) {
    size_t j = i + gsl_rng_uniform_int(run->state.rng, a->n_traj - i), t = idx[i];
    idx[i] = idx[j], idx[j] = t;
  }
  is_set set = {0};
  alg_is_ws *ws = NULL;
  double phi;
  memcpy(a->theta_k, run->state.theta, P * sizeof *a->theta_k);
  st = build_set(run, a, idx, k, &set);
  if (!st && !(ws = alg_is_ws_alloc(pol, &set.d))) st = TR_ENOMEM;
  if (!st) st = alg_is_optimize(pol, a->theta_k, &set.d, a->w_r, p->lbfgs_iters, ws, &phi);
  alg_is_ws_free(ws), ws = NULL;
  free_set(&set);
  if (st == TR_ENUM) {
    snprintf(stats->bad, sizeof stats->bad, "IS objective (L-BFGS)");
    st = TR_OK;
  }
  /* new samples of π_θk, appended to S and S_k */
  size_t n0 = a->n_traj;
  if (!st && !stats->bad[0]) st = policy_samples(run, a, a->theta_k, k_new, stats);
  /* adaptive guiding samples (to S only), planned on π_θ* */
  if (!st && !stats->bad[0] && a->guided && p->adaptive && iter % p->adaptive_every == 0) {
    a->iter_now = iter;
    st = adaptive_samples(run, a, stats);
  }
  if (!st && !stats->bad[0]) {
    for (size_t i = n0; i < n0 + k_new; i++) idx[k++] = i;
    if (iter == a->collapse_iter)
      for (size_t u = 0; u < pol->U; u++) a->theta_k[pol->P_net + u] -= 30.0;
    st = build_set(run, a, idx, k, &set);
    if (!st && !(ws = alg_is_ws_alloc(pol, &set.d))) st = TR_ENOMEM;
    double jk = NAN, js = NAN;
    if (!st) st = alg_is_objective(pol, a->theta_k, &set.d, 0.0, ws, &jk, NULL);
    if (!st) st = alg_is_ess(pol, a->theta_k, &set.d, ws, &stats->ess_min, &stats->ess_mean);
    if (!st) st = alg_is_objective(pol, run->state.theta, &set.d, 0.0, ws, &js, NULL);
    alg_is_ws_free(ws);
    free_set(&set);
    if (!st) {
      stats->is_estimate = jk, stats->is_estimate_best = js;
      int accept = jk > js, forced = hook_decision(a, iter);
      if (forced >= 0) accept = forced;
      stats->accepted = accept;
      if (accept) {
        memcpy(run->state.theta, a->theta_k, P * sizeof *a->theta_k);
        a->w_r = fmax(p->wr_min, a->w_r / p->wr_factor);
      } else {
        a->w_r = fmin(p->wr_max, a->w_r * p->wr_factor);
        if (p->resample) st = policy_samples(run, a, run->state.theta, k_new, stats);
      }
      stats->w_r = a->w_r;
    }
  }
  free(idx);
  stats->model_steps = (double)model_steps(a);
  if (st || stats->bad[0]) return st;
  return evaluate(run, a, stats);
}

/* The whole state: the sample set S (observations, actions, rewards, full states, samplers),
 * the samplers (policies' parameters; the guiding distributions as π_G reads them: nominal,
 * gains, Q_uu), the chains' newest guides, θ_k, w_r, the evaluation stream, the counters and
 * the model steps so far.  The run's θ (= θ*) and its stream are the run's own blocks.  The
 * log-densities log q of S are recomputed from these on every iteration, as in a run never
 * interrupted. */
static tr_status gps_ckpt(alg_run *run, alg_ckpt_io *io) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  gps_alg *a = run->alg;
  size_t H = p->H, O = pol->O, U = pol->U, S = env_dyn_full_dim(a->d), P = pol->P;
  int loading = alg_ckpt_loading(io);
  uint64_t cnt[5] = {a->n_traj, a->n_samp, a->n_guide, (uint64_t)a->ready, model_steps(a)};
  tr_status st = alg_ckpt_u64(io, "gps.counters", cnt, 5);
  if (!st) st = alg_ckpt_f64(io, "gps.w_r", &a->w_r, 1);
  if (!st) st = alg_ckpt_rng(io, "gps.rng_eval", a->rev);
  if (st) return st;
  if (loading) {
    if (a->n_traj || a->n_samp || a->n_guide)
      return tr_error(TR_EINVAL, "gps: a checkpoint is loaded into a fresh run only");
    if (cnt[0] > 1e9 || cnt[1] > 1e9 || cnt[2] > 1e9 || (cnt[2] && !a->guided))
      return tr_error(TR_EINVAL, "gps: a broken checkpoint (counters)");
    if ((st = reserve(run, a, (size_t)cnt[0])) || (st = reserve_samplers(run, a, (size_t)cnt[1])))
      return st;
    a->n_traj = (size_t)cnt[0], a->n_samp = (size_t)cnt[1], a->ready = (int)cnt[3];
    a->ms_base = (unsigned long)cnt[4];
    a->ms_at = env_dyn_mj_steps(a->d);
    if (cnt[2]) {
      ilqr_problem pr;
      alg_ilqr_mj_problem(&a->mj, H, &pr);
      a->guide = tr_calloc((size_t)cnt[2], sizeof *a->guide);
      if (!a->guide) return TR_ENOMEM;
      a->cap_guide = (size_t)cnt[2];
      for (size_t i = 0; i < cnt[2]; i++) {
        if (!(a->guide[i] = guide_alloc(&pr))) return TR_ENOMEM;
        a->n_guide++;
      }
    }
  }
  size_t n = a->n_traj, ns = a->n_samp;
  st = alg_ckpt_f64(io, "gps.obs", a->obs, n * H * O);
  if (!st) st = alg_ckpt_f64(io, "gps.act", a->act, n * H * U);
  if (!st) st = alg_ckpt_f64(io, "gps.rew", a->rew, n * H);
  if (!st) st = alg_ckpt_f64(io, "gps.X", a->X, n * H * S);
  if (!st) st = alg_ckpt_f64(io, "gps.thetas", a->thetas, ns * P);
  if (!st) st = alg_ckpt_f64(io, "gps.theta_k", a->theta_k, P);
  /* the sampler of each trajectory, each sampler's guide (SIZE_MAX as UINT64_MAX), chains */
  size_t nc = a->guided ? p->n_ilqr : 0, nu = n + ns + nc;
  uint64_t *ix = tr_malloc((nu ? nu : 1) * sizeof *ix);
  if (!st && !ix) st = TR_ENOMEM;
  for (size_t i = 0; !st && !loading && i < n; i++) ix[i] = a->src[i];
  for (size_t j = 0; !st && !loading && j < ns; j++)
    ix[n + j] = a->samp_guide[j] == SIZE_MAX ? UINT64_MAX : a->samp_guide[j];
  for (size_t j = 0; !st && !loading && j < nc; j++) ix[n + ns + j] = a->chain[j];
  if (!st) st = alg_ckpt_u64(io, "gps.index", ix, nu);
  for (size_t i = 0; !st && loading && i < nu; i++) {
    uint64_t v = ix[i];
    int ok = i < n ? v < ns : i < n + ns ? (v == UINT64_MAX || v < a->n_guide) : v < a->n_guide;
    if (!ok) st = tr_error(TR_EINVAL, "gps: a broken checkpoint (block gps.index)");
    else if (i < n) a->src[i] = (size_t)v;
    else if (i < n + ns) a->samp_guide[i - n] = v == UINT64_MAX ? SIZE_MAX : (size_t)v;
    else a->chain[i - n - ns] = (size_t)v;
  }
  free(ix);
  for (size_t i = 0; !st && i < a->n_guide; i++) {
    ilqr *g = a->guide[i];
    size_t N = g->p.N;
    char nm[5][64];
    snprintf(nm[0], sizeof nm[0], "gps.guide.%zu.X", i);
    snprintf(nm[1], sizeof nm[1], "gps.guide.%zu.Ubar", i);
    snprintf(nm[2], sizeof nm[2], "gps.guide.%zu.k", i);
    snprintf(nm[3], sizeof nm[3], "gps.guide.%zu.K", i);
    snprintf(nm[4], sizeof nm[4], "gps.guide.%zu.Quu", i);
    st = alg_ckpt_f64(io, nm[0], g->X, (H + 1) * S);
    if (!st) st = alg_ckpt_f64(io, nm[1], g->Ubar, H * U);
    if (!st) st = alg_ckpt_f64(io, nm[2], g->k, H * U);
    if (!st) st = alg_ckpt_f64(io, nm[3], g->K, H * U * N);
    if (!st) st = alg_ckpt_f64(io, nm[4], g->Quu, H * U * U);
  }
  return st;
}

const alg_class alg_gps = {
    .name = "gps",
    .doc = "Guided Policy Search (Levine & Koltun 2013; the slides' Algorithm 1) [MuJoCo model "
           "tasks: hopper, walker2d, halfcheetah, swimmer, inverted-pendulum; n_envs = 1]: "
           "n_ilqr iLQR solutions (each from its own reset state), m guiding samples from their "
           "mixture, theta* by maximum likelihood on them; per iteration theta_k = argmax of the "
           "importance-sampled Phi on a random subset S_k of the sample set (L-BFGS), new "
           "samples of pi_k appended, pi_k against pi_theta* by the IS estimate without the "
           "regularizer: accepted -> theta* = theta_k, w_r / wr_factor; rejected -> w_r * "
           "wr_factor (and resample pi_theta*); adaptive guiding samples (default on: iLQR "
           "re-planned on r + adaptive_weight log pi_theta*(u|x), adaptive_m samples appended "
           "to S).  The policy is the Gaussian MLP (its log-std "
           "learned, state-independent: our choice); the saved policy is theta*, the best, not "
           "the last.  Trajectories are H steps (termination loses the alive bonus); steps "
           "counts every sampled real step, model_steps iLQR's mj_steps; progress.tsv: "
           "is_estimate (theta_k), is_estimate_best (theta*), accepted, w_r, ess_min, ess_mean "
           "(effective sample size of theta_k's weights; ess_min = 1: collapsed onto one "
           "trajectory, recorded and the run goes on, status ok: the self-normalized estimate "
           "stays bounded and a rejection's larger w_r and resampling repair it), eval_return (= return_mean: theta*'s mean action on the task, not counted in "
           "steps); --resume continues a killed run bit for bit",
    .params = p_gps,
    .n_params = sizeof p_gps / sizeof *p_gps,
    .params_size = sizeof(gps_params),
    .check = gps_check_guided,
    .init = gps_init,
    .iterate = gps_iterate,
    .free = gps_release,
    .checkpoint = gps_ckpt};

const alg_class alg_is_ps = {
    .name = "is-ps",
    .doc = "importance-sampled policy search without guiding samples (the non-guided baseline "
           "of GPS, the same loop and parameters as gps): S starts with m samples of the run's "
           "initial policy, then per iteration theta_k = argmax Phi on a random subset S_k, new "
           "samples of pi_k, the IS comparison with theta* and the w_r update as gps [MuJoCo "
           "model tasks, n_envs = 1; progress.tsv columns as gps, model_steps 0; --resume as gps]",
    .params = p_isps,
    .n_params = sizeof p_isps / sizeof *p_isps,
    .params_size = sizeof(gps_params),
    .check = isps_check,
    .init = isps_init,
    .iterate = gps_iterate,
    .free = gps_release,
    .checkpoint = gps_ckpt};
