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
 *   the IS estimates Σ_t Ĵ_t (Φ without the regularizer) of θ_k and θ* on S_k;
 *   θ_k's higher: accepted, θ* ← θ_k, w_r ← max(wr_min, w_r / wr_factor); else
 *   w_r ← min(wr_max, w_r · wr_factor) and with resample ceil(n_steps/H) samples of π_θ*
 *   appended to S;
 *   the real return of π_θ*: eval_episodes episodes of its mean action on the task as it is
 *   (termination, the time limit), from a stream of their own (seed, "gps-eval"); these steps
 *   train nothing and are not counted in steps.
 * The run's policy (saved, evaluated) is θ*: the best by the IS comparisons, not the last θ_k.
 * steps counts every real step of the samples (guiding and policy); model_steps the model's
 * mj_steps (iLQR's derivatives and forward passes).  An effective sample size collapsing to 1
 * is reported (ess_min) and the run goes on: the self-normalized estimate stays bounded. */
#include <math.h>
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
  double w_r, wr_factor, wr_min, wr_max, fd_eps, guide_cov_scale;
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
    {"adaptive", ALG_BOOL, 0, 0, 1, NULL,
     "adaptive guiding samples (iLQR re-run on r + log pi_theta): not implemented, true is "
     "refused", offsetof(gps_params, adaptive)}};

static const alg_param p_isps[] = {
    GPS_LOOP_PARAMS,
    {"m", ALG_INT, 20, 1, 1e6, NULL,
     "initial samples (trajectories) of the run's initial policy; our choice",
     offsetof(gps_params, m)}};

typedef struct {
  int guided;
  env_dyn *d;
  alg_ilqr_mj mj;
  ilqr **il;          /* (n_ilqr) */
  size_t n_il;
  env *e, *ev;        /* sampling (no time limit), evaluation (the task's) */
  gsl_rng *rev;       /* evaluation stream */
  /* the sample set S: n_traj trajectories */
  size_t n_traj, cap;
  double *obs, *act, *rew, *X; /* (cap, H, O|U|1|S) */
  size_t *src;        /* (cap) sampler */
  /* samplers: 0 … n_il − 1 the guiding distributions, then policies (their parameters) */
  size_t n_samp, cap_samp;
  double *thetas;     /* (cap_samp, P); rows < n_il unused */
  double *theta_k;    /* (P) */
  double w_r;
  int ready;
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
  if (p->adaptive) return "adaptive = true: adaptive guiding samples are not implemented";
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
  for (size_t j = 0; j < a->n_il; j++) alg_ilqr_free(a->il[j]);
  free(a->il);
  env_free(a->e);
  env_free(a->ev);
  gsl_rng_free(a->rev);
  env_dyn_free(a->d);
  free(a->obs), free(a->act), free(a->rew), free(a->X), free(a->src);
  free(a->thetas), free(a->theta_k);
  pol_ws_free(a->pws1);
  free(a->s);
  free(a);
  run->alg = NULL;
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
  size_t S = env_dyn_full_dim(a->d), U = pol->U, O = pol->O, K = pol->K;
  a->e = env_alloc(run->model.em);
  a->ev = env_alloc(run->model.em);
  a->rev = tr_rng_derive(run->model.seed, "gps-eval");
  a->pws1 = pol_ws_alloc(pol, 1);
  a->s = tr_malloc((S + U + O + K) * sizeof *a->s);
  a->theta_k = tr_malloc(pol->P * sizeof *a->theta_k);
  if (!a->e || !a->ev || !a->rev || !a->pws1 || !a->s || !a->theta_k) return TR_ENOMEM;
  a->u = a->s + S, a->o = a->u + U, a->dist = a->o + O;
  env_set_time_limit(a->e, 0);
  if (p->shared.time_limit) env_set_time_limit(a->ev, p->shared.time_limit);
  a->w_r = p->w_r;
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

/* a new policy sampler with parameters theta: its index */
static tr_status add_sampler(alg_run *run, gps_alg *a, const double *theta, size_t *idx) {
  size_t P = run->model.pol->P;
  if (a->n_samp >= a->cap_samp) {
    size_t cap = a->cap_samp ? 2 * a->cap_samp : 16;
    while (cap <= a->n_samp) cap *= 2;
    double *t = realloc(a->thetas, cap * P * sizeof *t);
    if (!t) return tr_error(TR_ENOMEM, "gps: no memory for the samplers");
    a->thetas = t, a->cap_samp = cap;
  }
  memcpy(a->thetas + a->n_samp * P, theta, P * sizeof *theta);
  *idx = a->n_samp++;
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
  if (!st) st = add_sampler(run, a, theta, &j);
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

/* the guiding setup: iLQR solutions, m guiding samples, θ* by maximum likelihood */
static tr_status guided_setup(alg_run *run, gps_alg *a, alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  size_t H = p->H, O = pol->O, U = pol->U, S = env_dyn_full_dim(a->d);
  a->mj.d = a->d;
  a->mj.eps = p->fd_eps;
  a->mj.fd = ENV_DYN_OWN_FORWARD;
  ilqr_problem pr;
  alg_ilqr_mj_problem(&a->mj, H, &pr);
  ilqr_settings set;
  alg_ilqr_settings_default(&set);
  a->il = tr_calloc(p->n_ilqr, sizeof *a->il);
  double *u0 = tr_calloc(H * U, sizeof *u0);
  tr_status st = a->il && u0 ? TR_OK : TR_ENOMEM;
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
    if (!st) st = alg_ilqr_alloc(&a->il[j], &pr, &set, a->s, u0);
    if (st) break;
    a->n_il++;
    ilqr *il = a->il[j];
    while (!st && !il->converged && il->iter < p->ilqr_iterations) st = alg_ilqr_iterate(il);
    if (!st) st = alg_ilqr_gains(il);
    for (size_t i = 0; !st && i < H * U * U; i++) il->Quu[i] /= p->guide_cov_scale;
    if (st) tr_error_prefix("gps: iLQR solution %zu", j);
    nominal += il->J_true / (double)p->n_ilqr;
  }
  free(u0);
  if (st) return st;
  stats->nominal_return = nominal;
  /* m guiding samples: m/n from each solution, the first m mod n one more */
  if ((st = reserve(run, a, p->m))) return st;
  a->n_samp = a->n_il;
  for (size_t j = 0; j < a->n_il; j++) {
    size_t k = p->m / a->n_il + (j < p->m % a->n_il), n = a->n_traj;
    st = alg_ilqr_mj_guide_samples(a->il[j], a->d, a->e, k, run->state.rng, a->obs + n * H * O,
                                   a->act + n * H * U, a->rew + n * H, NULL, a->X + n * H * S);
    if (st == TR_ENUM) { /* the simulator went unstable */
      snprintf(stats->bad, sizeof stats->bad, "guiding sample state");
      return TR_OK;
    }
    if (st) return st;
    for (size_t i = 0; i < k; i++) a->src[n + i] = j;
    a->n_traj += k;
    stats->steps += k * H;
  }
  /* θ* ← argmax Σ log π_θ(u|x) on the guiding samples, from the run's initial θ */
  double ll0, ll1;
  st = alg_ml_fit(pol, run->state.theta, a->obs, a->act, a->n_traj * H, p->ml_iters, &ll0, &ll1);
  if (st == TR_ENUM) {
    snprintf(stats->bad, sizeof stats->bad, "maximum-likelihood log-likelihood");
    return TR_OK;
  }
  return st;
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
    if (j < a->n_il) {
      for (size_t i = 0; !st && i < k; i++)
        for (size_t t = 0; !st && t < H; t++)
          st = alg_guide_logpdf(a->il[j], t, a->X + (idx[i] * H + t) * S, act + (i * H + t) * U,
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

static tr_status gps_iterate(alg_run *run, alg_iter_stats *stats) {
  const gps_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  gps_alg *a = run->alg;
  size_t H = p->H, P = pol->P, k_new = (run->model.T + H - 1) / H;
  tr_status st = TR_OK;
  if (!a->ready) {
    if (a->guided) st = guided_setup(run, a, stats);
    if (!st && !stats->bad[0])
      st = policy_samples(run, a, run->state.theta, a->guided ? k_new : p->m, stats);
    if (st || stats->bad[0]) return st;
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
  if (!st && !stats->bad[0]) {
    for (size_t i = n0; i < a->n_traj; i++) idx[k++] = i;
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
      int accept = jk > js;
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
  stats->model_steps = (double)env_dyn_mj_steps(a->d);
  if (st || stats->bad[0]) return st;
  return evaluate(run, a, stats);
}

/* The sample set, the samplers and the iLQR solutions are not in the checkpoint yet: a
 * checkpoint is written (the policy θ*, for evaluate and --init-from), a resume is refused. */
static tr_status gps_ckpt(alg_run *run, alg_ckpt_io *io) {
  if (!alg_ckpt_loading(io)) return TR_OK;
  return tr_error(TR_EINVAL, "%s: a run cannot be resumed yet (its sample set is not in the "
                  "checkpoint); run it anew", run->model.cfg.cls->name);
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
           "wr_factor (and resample pi_theta*).  The policy is the Gaussian MLP (its log-std "
           "learned, state-independent: our choice); the saved policy is theta*, the best, not "
           "the last.  Trajectories are H steps (termination loses the alive bonus); steps "
           "counts every sampled real step, model_steps iLQR's mj_steps; progress.tsv: "
           "is_estimate (theta_k), is_estimate_best (theta*), accepted, w_r, ess_min, ess_mean "
           "(effective sample size of theta_k's weights; 1: collapsed, reported, the run goes "
           "on), eval_return (= return_mean: theta*'s mean action on the task, not counted in "
           "steps)",
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
           "model tasks, n_envs = 1; progress.tsv columns as gps, model_steps 0]",
    .params = p_isps,
    .n_params = sizeof p_isps / sizeof *p_isps,
    .params_size = sizeof(gps_params),
    .check = isps_check,
    .init = isps_init,
    .iterate = gps_iterate,
    .free = gps_release,
    .checkpoint = gps_ckpt};
