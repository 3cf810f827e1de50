/* mdps/mj_dynamics.c — see mj_dynamics.h.  Built on env_mujoco.h's public accessors and the
 * env snapshot (layout in env_mujoco.h); nothing here reaches into env_mujoco.c. */
#include "mdps/mj_dynamics.h"
#include "core/size.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdps/env_mujoco.h"

/* The model rewards (mj_dynamics.h's table; MUJOCO_TASKS.md § 2). */
typedef struct {
  const char *task;
  double vel_w, ctrl_c, alive;
  int n_box;          /* bounded coordinates of σ */
  int q[2];           /* their qpos indices */
  double c[2], h[2];  /* centre and half-width */
} dyn_reward_spec;

static const dyn_reward_spec dyn_specs[] = {
    {"hopper", 1.0, 1e-3, 1.0, 2, {1, 2}, {1.25, 0.0}, {0.55, 0.2}},
    {"walker2d", 1.0, 1e-3, 1.0, 2, {1, 2}, {1.4, 0.0}, {0.6, 1.0}},
    {"halfcheetah", 1.0, 0.1, 0.0, 0, {0, 0}, {0, 0}, {1, 1}},
    {"swimmer", 1.0, 1e-4, 0.0, 0, {0, 0}, {0, 0}, {1, 1}},
    {"inverted-pendulum", 0.0, 0.0, 1.0, 1, {1, 0}, {0.0, 0.0}, {0.2, 1}},
};

struct env_dyn {
  const env_model *em;
  const mjModel *m;
  const dyn_reward_spec *spec;
  env *scratch;
  mjData *sd;              /* the scratch instance's mjData */
  size_t N, S, U, nq, nv, na, frame_skip;
  double dt;
  unsigned char *snap;     /* (env_snapshot_size) */
  double *Aj, *Bj, *T1, *T2; /* (N, N), (N, U), (N, N), (N, U) */
  double *obs;             /* (O) */
  double *u;               /* (U) clipped control */
  unsigned long mj_steps;
};

const char *env_dyn_doc(void) {
  return "model tasks hopper, walker2d, halfcheetah, swimmer, inverted-pendulum; fixed horizon, "
         "no termination: a step that leaves the healthy region loses the alive bonus "
         "(return = sum of task reward - alive * terminated); the optimizer maximizes the "
         "shaped reward w_v*dx/dt - c*|u|^2 + alive*sigma(x'), sigma = 1 - sum((q_i - c_i)/h_i)^2 "
         "over the healthy test's coordinates (mdps/mj_dynamics.h)";
}

void env_dyn_free(env_dyn *d) {
  if (!d) return;
  env_free(d->scratch);
  free(d->snap);
  free(d->Aj);
  free(d->Bj);
  free(d->T1);
  free(d->T2);
  free(d->obs);
  free(d->u);
  free(d);
}

tr_status env_dyn_alloc(env_dyn **out, const env_model *em) {
  *out = NULL;
  const mjModel *m = env_mujoco_model(em);
  if (!m)
    return tr_error(TR_EINVAL, "%s: not a MuJoCo task: no model (a model needs MuJoCo's "
                    "state and derivatives)", env_model_name(em));
  const dyn_reward_spec *spec = NULL;
  char known[256] = "";
  for (size_t i = 0; i < sizeof dyn_specs / sizeof *dyn_specs; i++) {
    if (!strcmp(env_model_name(em), dyn_specs[i].task)) spec = &dyn_specs[i];
    strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
    strncat(known, dyn_specs[i].task, sizeof known - strlen(known) - 1);
  }
  if (!spec)
    return tr_error(TR_EINVAL, "%s: no model reward for this MuJoCo task (models: %s)",
                    env_model_name(em), known);
  if (m->nq != m->nv)
    return tr_error(TR_EINVAL, "%s: nq = %d differs from nv = %d (a free or ball joint): the "
                    "model needs nq = nv", env_model_name(em), m->nq, m->nv);
  env_dyn *d = tr_calloc(1, sizeof *d);
  if (!d) return TR_ENOMEM;
  d->em = em;
  d->m = m;
  d->spec = spec;
  d->nq = (size_t)m->nq;
  d->nv = (size_t)m->nv;
  d->na = (size_t)m->na;
  d->N = 2 * d->nv + d->na;
  d->S = d->N + 1 + d->nv;
  d->U = (size_t)m->nu;
  d->frame_skip = env_frame_skip(em);
  d->dt = m->opt.timestep * (double)d->frame_skip;
  d->scratch = env_alloc(em);
  d->snap = tr_malloc(env_snapshot_size(em));
  d->Aj = tr_malloc(d->N * d->N * sizeof *d->Aj);
  d->T1 = tr_malloc((d->N * d->N + d->S) * sizeof *d->T1);
  d->Bj = tr_malloc((d->N * d->U + 1) * sizeof *d->Bj);
  d->T2 = tr_malloc((d->N * d->U + 1) * sizeof *d->T2);
  d->obs = tr_malloc((env_obs_dim(em) + 1) * sizeof *d->obs);
  d->u = tr_malloc((d->U + 1) * sizeof *d->u);
  if (!d->scratch || !d->snap || !d->Aj || !d->T1 || !d->Bj || !d->T2 || !d->obs || !d->u) {
    env_dyn_free(d);
    return TR_ENOMEM;
  }
  env_set_time_limit(d->scratch, 0);
  d->sd = env_mujoco_data(d->scratch);
  *out = d;
  return TR_OK;
}

size_t env_dyn_state_dim(const env_dyn *d) { return d->N; }
size_t env_dyn_full_dim(const env_dyn *d) { return d->S; }
size_t env_dyn_ctrl_dim(const env_dyn *d) { return d->U; }
double env_dyn_dt(const env_dyn *d) { return d->dt; }
double env_dyn_alive(const env_dyn *d) { return d->spec->alive; }
const env_model *env_dyn_env(const env_dyn *d) { return d->em; }
unsigned long env_dyn_mj_steps(const env_dyn *d) { return d->mj_steps; }

/* e an instance of the model's task, or of a task with the same state (the same nq, nv, na
 * and snapshot: a terrain variant of it, hopper-terrain:SEED of hopper) */
static tr_status same_task(const env_dyn *d, env *e) {
  const env_model *em = env_get_model(e);
  const mjModel *m = env_mujoco_model(em);
  if (em != d->em && (!m || m->nq != d->m->nq || m->nv != d->m->nv || m->na != d->m->na ||
                      env_snapshot_size(em) != env_snapshot_size(d->em)))
    return tr_error(TR_EINVAL, "%s: the instance is not of the model's task (%s), nor of one "
                    "with the same state", env_model_name(d->em), env_model_name(em));
  if (!env_mujoco_data(e))
    return tr_error(TR_EINVAL, "%s: the instance is not of the model's task",
                    env_model_name(d->em));
  return TR_OK;
}

static void read_state(const env_dyn *d, const mjData *md, double *s) {
  size_t k = 0;
  memcpy(s + k, md->qpos, d->nq * sizeof *s), k += d->nq;
  memcpy(s + k, md->qvel, d->nv * sizeof *s), k += d->nv;
  memcpy(s + k, md->act, d->na * sizeof *s), k += d->na;
  s[k++] = md->time;
  memcpy(s + k, md->qacc_warmstart, d->nv * sizeof *s);
}

tr_status env_dyn_get(const env_dyn *d, env *e, double *s) {
  tr_status st = same_task(d, e);
  if (st) return st;
  read_state(d, env_mujoco_data(e), s);
  return TR_OK;
}

/* The snapshot's doubles after the step counter: time, qpos, qvel, act, qacc_warmstart, ... */
static tr_status set_state(const env_dyn *d, env *e, const double *s, unsigned char *snap) {
  env_snapshot(e, snap);
  unsigned char *p = snap + sizeof(size_t);
  size_t k = d->N; /* s: time at N, warm start after it */
  memcpy(p, s + k, sizeof(double)), p += sizeof(double);
  memcpy(p, s, d->nq * sizeof(double)), p += d->nq * sizeof(double);
  memcpy(p, s + d->nq, d->nv * sizeof(double)), p += d->nv * sizeof(double);
  memcpy(p, s + d->nq + d->nv, d->na * sizeof(double)), p += d->na * sizeof(double);
  memcpy(p, s + k + 1, d->nv * sizeof(double));
  return env_restore(e, snap);
}

tr_status env_dyn_set(const env_dyn *d, env *e, const double *s) {
  tr_status st = same_task(d, e);
  if (st) return st;
  for (size_t i = 0; i < d->S; i++)
    if (!isfinite(s[i]))
      return tr_error(TR_EINVAL, "%s: state entry %zu is %g", env_model_name(d->em), i, s[i]);
  return set_state(d, e, s, d->snap);
}

tr_status env_dyn_reset(env_dyn *d, gsl_rng *r, double *s) {
  tr_status st = env_reset(d->scratch, r, d->obs);
  if (st) return st;
  read_state(d, d->sd, s);
  return TR_OK;
}

static void clip_u(const env_dyn *d, const double *u, double *out) {
  env_space sp = env_action_space(d->em);
  for (size_t i = 0; i < d->U; i++) out[i] = fmin(fmax(u[i], sp.low[i]), sp.high[i]);
}

double env_dyn_shaped(const env_dyn *d, const double *s, const double *u, const double *s_next) {
  const dyn_reward_spec *p = d->spec;
  double uu[64], cost = 0.0, sigma = 1.0;
  clip_u(d, u, uu);
  for (size_t i = 0; i < d->U; i++) cost += uu[i] * uu[i];
  for (int i = 0; i < p->n_box; i++) {
    double z = (s_next[p->q[i]] - p->c[i]) / p->h[i];
    sigma -= z * z;
  }
  return p->vel_w * (s_next[0] - s[0]) / d->dt - p->ctrl_c * cost + p->alive * sigma;
}

tr_status env_dyn_step(env_dyn *d, const double *s, const double *u, double *s_next,
                       env_dyn_reward *rew) {
  for (size_t i = 0; i < d->U; i++)
    if (!isfinite(u[i]))
      return tr_error(TR_EINVAL, "%s: control entry %zu is %g", env_model_name(d->em), i, u[i]);
  tr_status st = env_dyn_set(d, d->scratch, s);
  if (st) return st;
  unsigned long unstable0 = env_mujoco_get_stats(d->em).unstable;
  env_step_result res;
  if ((st = env_step(d->scratch, u, NULL, d->obs, &res))) return st;
  d->mj_steps += d->frame_skip;
  rew->terminated = res.terminated;
  rew->unstable = env_mujoco_get_stats(d->em).unstable != unstable0;
  if (rew->unstable) {
    for (size_t i = 0; i < d->S; i++) s_next[i] = NAN;
    rew->task = rew->fixed = rew->shaped = NAN;
    return TR_OK;
  }
  read_state(d, d->sd, s_next);
  rew->task = res.reward;
  rew->fixed = res.reward - (res.terminated ? d->spec->alive : 0.0);
  rew->shaped = env_dyn_shaped(d, s, u, s_next);
  return TR_OK;
}

/* ---- linearization ----------------------------------------------------------------------- */

typedef struct {
  env_dyn *d;
  double eps;
  int centered;
  double *A, *B;
} lin_ctx;

/* C (n, k) = X (n, n) Y (n, k) */
static void matmul(const double *X, const double *Y, size_t n, size_t k, double *C) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < k; j++) {
      double acc = 0.0;
      for (size_t l = 0; l < n; l++) acc += X[i * n + l] * Y[l * k + j];
      C[i * k + j] = acc;
    }
}

static void lin_body(void *ctx) {
  lin_ctx *c = ctx;
  env_dyn *d = c->d;
  const mjModel *m = d->m;
  mjData *md = d->sd;
  size_t N = d->N, U = d->U;
  for (size_t i = 0; i < U; i++) md->ctrl[i] = d->u[i];
  for (size_t j = 0; j < d->frame_skip; j++) {
    mjd_transitionFD(m, md, c->eps, (mjtByte)c->centered, d->Aj, d->Bj, NULL, NULL);
    if (j == 0) {
      memcpy(c->A, d->Aj, N * N * sizeof *c->A);
      memcpy(c->B, d->Bj, N * U * sizeof *c->B);
    } else { /* A ← A_j A, B ← A_j B + B_j */
      matmul(d->Aj, c->A, N, N, d->T1);
      memcpy(c->A, d->T1, N * N * sizeof *c->A);
      matmul(d->Aj, c->B, N, U, d->T2);
      for (size_t i = 0; i < N * U; i++) c->B[i] = d->T2[i] + d->Bj[i];
    }
    if (j + 1 < d->frame_skip) mj_step(m, md);
  }
}

/* One environment step of the scratch mjData from s (S) with the clipped control d->u:
 * the state is copied in and mj_step (which starts with mj_forward) runs frame_skip times;
 * x' (N) into xn.  The same arithmetic as env_dyn_step (whose restore's mj_forward is
 * recomputed by the first mj_step). */
static void raw_step(env_dyn *d, const double *s, double *xn) {
  mjData *md = d->sd;
  memcpy(md->qpos, s, d->nq * sizeof *s);
  memcpy(md->qvel, s + d->nq, d->nv * sizeof *s);
  memcpy(md->act, s + d->nq + d->nv, d->na * sizeof *s);
  md->time = s[d->N];
  memcpy(md->qacc_warmstart, s + d->N + 1, d->nv * sizeof *s);
  memcpy(md->ctrl, d->u, d->U * sizeof *d->u);
  for (size_t j = 0; j < d->frame_skip; j++) mj_step(d->m, md);
  memcpy(xn, md->qpos, d->nq * sizeof *xn);
  memcpy(xn + d->nq, md->qvel, d->nv * sizeof *xn);
  memcpy(xn + d->nq + d->nv, md->act, d->na * sizeof *xn);
}

typedef struct {
  env_dyn *d;
  const double *s;
  double eps;
  int centered;
  double *A, *B;
} own_ctx;

/* Own differences: column j of [A B] = (x'(+ε e_j) − x'(−ε e_j))/(2ε), or forward
 * (x'(+ε e_j) − x')/ε; a control nudge that would leave the box is taken one-sided inward
 * (as mjd_transitionFD does). */
static void own_body(void *ctx) {
  own_ctx *c = ctx;
  env_dyn *d = c->d;
  size_t N = d->N, U = d->U, S = d->S;
  env_space sp = env_action_space(d->em);
  double *sv = d->T1 + d->N * d->N; /* (S) */
  double x0[256], xp[256], xm[256], u0[64];
  memcpy(u0, d->u, U * sizeof *u0);
  if (!c->centered) raw_step(d, c->s, x0);
  for (size_t j = 0; j < N + U; j++) {
    double hp = c->eps, hm = c->centered ? c->eps : 0.0;
    if (j >= N) {
      size_t k = j - N;
      if (u0[k] + hp > sp.high[k]) hp = 0.0, hm = c->eps;
      if (c->centered && u0[k] - hm < sp.low[k]) hm = 0.0, hp = c->eps;
    }
    double *xa = xp, *xb = xm;
    for (int side = 0; side < 2; side++) {
      double h = side ? -hm : hp;
      double *out = side ? xm : xp;
      if (h == 0.0) {
        if (side) xb = x0;
        else xa = x0;
        if (c->centered) {
          memcpy(d->u, u0, U * sizeof *u0);
          raw_step(d, c->s, x0);
        }
        continue;
      }
      memcpy(sv, c->s, S * sizeof *sv);
      memcpy(d->u, u0, U * sizeof *u0);
      if (j < N) sv[j] += h;
      else d->u[j - N] += h;
      raw_step(d, sv, out);
    }
    memcpy(d->u, u0, U * sizeof *u0);
    double den = hp + hm;
    for (size_t i = 0; i < N; i++) {
      double col = (xa[i] - xb[i]) / den;
      if (j < N) c->A[i * N + j] = col;
      else c->B[i * U + (j - N)] = col;
    }
  }
}

tr_status env_dyn_linearize(env_dyn *d, const double *s, const double *u, double eps,
                            env_dyn_fd method, double *A, double *B) {
  if (!(eps > 0.0) || !isfinite(eps))
    return tr_error(TR_EINVAL, "%s: finite-difference step %g (must be > 0)",
                    env_model_name(d->em), eps);
  for (size_t i = 0; i < d->U; i++)
    if (!isfinite(u[i]))
      return tr_error(TR_EINVAL, "%s: control entry %zu is %g", env_model_name(d->em), i, u[i]);
  for (size_t i = 0; i < d->S; i++)
    if (!isfinite(s[i]))
      return tr_error(TR_EINVAL, "%s: state entry %zu is %g", env_model_name(d->em), i, s[i]);
  int mjd = method == ENV_DYN_MJD_FORWARD || method == ENV_DYN_MJD_CENTERED;
  int centered = method == ENV_DYN_MJD_CENTERED || method == ENV_DYN_OWN_CENTERED;
  if (mjd && d->m->opt.integrator == mjINT_RK4 && !getenv("TRBENCH_TEST_MJD_RK4"))
    return tr_error(TR_EINVAL, "%s: mjd_transitionFD of MuJoCo 2.2.2 is wrong on RK4 models "
                    "(its velocity and control columns reuse position stages the RK4 step "
                    "left stale): use own differences", env_model_name(d->em));
  clip_u(d, u, d->u);
  tr_status st;
  size_t cols = centered ? 2 * (d->N + d->U) : d->N + d->U + 1;
  if (mjd) {
    if ((st = env_dyn_set(d, d->scratch, s))) return st;
    lin_ctx c = {d, eps, centered, A, B};
    st = env_mujoco_guard("mjd_transitionFD", lin_body, &c);
    if (centered) cols++;
  } else {
    own_ctx c = {d, s, eps, centered, A, B};
    st = env_mujoco_guard("finite differences", own_body, &c);
  }
  d->mj_steps += d->frame_skip * cols;
  if (st) return st;
  for (size_t i = 0; i < d->N * d->N; i++)
    if (!isfinite(A[i]))
      return tr_error(TR_ENUM, "%s: f_x[%zu][%zu] = %g", env_model_name(d->em), i / d->N,
                      i % d->N, A[i]);
  for (size_t i = 0; i < d->N * d->U; i++)
    if (!isfinite(B[i]))
      return tr_error(TR_ENUM, "%s: f_u[%zu][%zu] = %g", env_model_name(d->em), i / d->U,
                      i % d->U, B[i]);
  return TR_OK;
}

void env_dyn_reward_derivs(const env_dyn *d, const double *s, const double *u,
                           const double *s_next, const double *A, const double *B, double *r_x,
                           double *r_u, double *r_xx, double *r_uu, double *r_ux) {
  (void)s;
  const dyn_reward_spec *p = d->spec;
  size_t N = d->N, U = d->U;
  double g[256] = {0}, phi[256] = {0}; /* ∂φ/∂x' and the diagonal of ∂²φ/∂x'² (N ≤ 256: nv ≤ 64) */
  double uu[64];
  clip_u(d, u, uu);
  for (size_t i = 0; i < N; i++) g[i] = phi[i] = 0.0;
  g[0] += p->vel_w / d->dt;
  for (int i = 0; i < p->n_box; i++) {
    int q = p->q[i];
    double h2 = p->h[i] * p->h[i];
    g[q] += -2.0 * p->alive * (s_next[q] - p->c[i]) / h2;
    phi[q] += -2.0 * p->alive / h2;
  }
  for (size_t i = 0; i < N; i++) {
    double acc = 0.0;
    for (size_t l = 0; l < N; l++) acc += A[l * N + i] * g[l];
    r_x[i] = acc;
  }
  r_x[0] -= p->vel_w / d->dt;
  for (size_t j = 0; j < U; j++) {
    double acc = 0.0;
    for (size_t l = 0; l < N; l++) acc += B[l * U + j] * g[l];
    r_u[j] = acc - 2.0 * p->ctrl_c * uu[j];
  }
  for (size_t i = 0; i < N; i++)
    for (size_t k = 0; k < N; k++) {
      double acc = 0.0;
      for (size_t l = 0; l < N; l++) acc += A[l * N + i] * phi[l] * A[l * N + k];
      r_xx[i * N + k] = acc;
    }
  for (size_t j = 0; j < U; j++) {
    for (size_t k = 0; k < U; k++) {
      double acc = 0.0;
      for (size_t l = 0; l < N; l++) acc += B[l * U + j] * phi[l] * B[l * U + k];
      r_uu[j * U + k] = acc - (j == k ? 2.0 * p->ctrl_c : 0.0);
    }
    for (size_t k = 0; k < N; k++) {
      double acc = 0.0;
      for (size_t l = 0; l < N; l++) acc += B[l * U + j] * phi[l] * A[l * N + k];
      r_ux[j * N + k] = acc;
    }
  }
}
