/* mdps/env.c — the generic environment layer: names, validation, time limits, snapshots. */
#include "mdps/env_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/size.h"

typedef struct {
  const char *name; /* exact name, or prefix ending in ':' */
  const env_class *cls;
  int tabular;      /* the class gets the whole name as args */
} env_entry;

static const env_entry registry[] = {
    {"cartpole", &env_class_cartpole, 0},
    {"acrobot", &env_class_acrobot, 0},
    {"mountaincar", &env_class_mountaincar, 0},
    {"pendulum", &env_class_pendulum, 0},
    {"mountaincar-continuous", &env_class_mountaincar_cont, 0},
    {"hopper", &env_class_mujoco, 0},
    {"walker2d", &env_class_mujoco, 0},
    {"halfcheetah", &env_class_mujoco, 0},
    {"swimmer", &env_class_mujoco, 0},
    {"inverted-pendulum", &env_class_mujoco, 0},
    {"inverted-double-pendulum", &env_class_mujoco, 0},
    {"reacher", &env_class_mujoco, 0},
    {"ant", &env_class_mujoco, 0},
    {"humanoid", &env_class_mujoco, 0},
    {"humanoid-standup", &env_class_mujoco, 0},
    {"pusher", &env_class_mujoco, 0},
    {"hopper-terrain:", &env_class_mujoco, 0},
    {"walker2d-terrain:", &env_class_mujoco, 0},
    {"garnet:", &env_class_tabular, 1},
    {"chain:", &env_class_tabular, 1},
    {"gridworld:", &env_class_tabular, 1},
    {"frozenlake4", &env_class_tabular, 1},
    {"frozenlake8", &env_class_tabular, 1},
    {"frozenlake4-continuing", &env_class_tabular, 1},
    {"frozenlake8-continuing", &env_class_tabular, 1},
    {"cliffwalking", &env_class_tabular, 1},
    {"mdp:", &env_class_tabular, 1},
};
static const size_t n_registry = sizeof registry / sizeof registry[0];

const char *env_names(void) {
  return "cartpole, acrobot, mountaincar, pendulum, mountaincar-continuous, hopper, walker2d, "
         "halfcheetah, swimmer, inverted-pendulum, inverted-double-pendulum, reacher, ant, "
         "humanoid, humanoid-standup, pusher, hopper-terrain:SEED, walker2d-terrain:SEED, "
         "garnet:S,A,b[,seed], chain:N, gridworld:W,H,slip, frozenlake4, frozenlake8, "
         "frozenlake4-continuing, frozenlake8-continuing, cliffwalking, mdp:PATH";
}

static const env_entry *lookup(const char *name) {
  for (size_t i = 0; i < n_registry; i++) {
    size_t n = strlen(registry[i].name);
    if (registry[i].name[n - 1] == ':' ? !strncmp(name, registry[i].name, n)
                                       : !strcmp(name, registry[i].name))
      return &registry[i];
  }
  return NULL;
}

env_model *env_model_alloc(const char *name) {
  const env_entry *e = name ? lookup(name) : NULL;
  if (!e) {
    tr_error(TR_EINVAL, "unknown environment '%s' (known: %s)", name ? name : "", env_names());
    return NULL;
  }
  env_model *m = tr_calloc(1, sizeof *m);
  if (!m) return NULL;
  m->cls = e->cls;
  m->name = strdup(name);
  m->gamma = 0.99;
  m->frame_skip = 1;
  if (!m->name) {
    free(m);
    tr_error(TR_ENOMEM, "out of memory");
    return NULL;
  }
  if (e->cls->model_init(m, name)) {
    env_model_free(m);
    return NULL;
  }
  return m;
}

tr_status env_name_check(const char *name) {
  const env_entry *e = name ? lookup(name) : NULL;
  if (e && e->tabular) return env_tabular_check(name);
  env_model *m = env_model_alloc(name);
  if (!m) return TR_EINVAL;
  env_model_free(m);
  return TR_OK;
}

void env_model_free(env_model *m) {
  if (!m) return;
  if (m->base) { /* a view: the rest is its base's */
    free(m);
    return;
  }
  if (m->cls && m->cls->model_free && m->impl) m->cls->model_free(m->impl);
  free(m->low);
  free(m->high);
  free(m->name);
  free(m);
}

tr_status env_model_box(env_model *m, size_t U, const double *low, const double *high) {
  m->low = tr_malloc(U * sizeof *m->low);
  m->high = tr_malloc(U * sizeof *m->high);
  if (!m->low || !m->high) return TR_ENOMEM;
  memcpy(m->low, low, U * sizeof *low);
  memcpy(m->high, high, U * sizeof *high);
  m->action.kind = ENV_BOX;
  m->action.n = U;
  m->action.low = m->low;
  m->action.high = m->high;
  return TR_OK;
}

const char *env_model_name(const env_model *m) { return m->name; }
size_t env_obs_dim(const env_model *m) { return m->obs_dim; }
env_space env_action_space(const env_model *m) { return m->action; }
size_t env_action_dim(const env_model *m) { return m->action.kind == ENV_BOX ? m->action.n : 1; }
size_t env_time_limit(const env_model *m) { return m->time_limit; }
void env_model_set_time_limit(env_model *m, size_t limit) { m->time_limit = limit; }
double env_default_gamma(const env_model *m) { return m->gamma; }
const mdp *env_model_mdp(const env_model *m) { return m->tab; }
size_t env_snapshot_size(const env_model *m) {
  return sizeof(size_t) + m->state_bytes + m->snapshot_extra;
}
size_t env_frame_skip(const env_model *m) { return m->frame_skip; }

int env_has_health_test(const env_model *m) {
  return m->cls->health_test && m->cls->health_test(m);
}
int env_terminate_when_unhealthy(const env_model *m) { return !m->unhealthy_continues; }
tr_status env_terminate_when_unhealthy_check(const env_model *m, int on) {
  if (!on && !env_has_health_test(m))
    return tr_error(TR_EINVAL, "terminate_when_unhealthy=false: %s has no health test that "
                    "ends its episodes (hopper, walker2d, ant, humanoid and the terrains have)",
                    m->name);
  return TR_OK;
}
tr_status env_model_set_terminate_when_unhealthy(env_model *m, int on) {
  tr_status st = env_terminate_when_unhealthy_check(m, on);
  if (st) return st;
  m->unhealthy_continues = !on;
  return TR_OK;
}

env_model *env_model_view(const env_model *m) {
  env_model *v = tr_malloc(sizeof *v);
  if (!v) return NULL;
  *v = *m;
  v->base = m->base ? m->base : m;
  return v;
}

env *env_alloc(const env_model *m) {
  env *e = tr_calloc(1, sizeof *e);
  if (!e) return NULL;
  e->model = m;
  e->time_limit = m->time_limit;
  e->state = tr_calloc(1, m->state_bytes ? m->state_bytes : 1);
  if (!e->state) {
    free(e);
    return NULL;
  }
  if (m->cls->instance_alloc) {
    e->inst = m->cls->instance_alloc(m);
    if (!e->inst) {
      env_free(e);
      return NULL;
    }
  }
  return e;
}

void env_free(env *e) {
  if (!e) return;
  if (e->inst && e->model->cls->instance_free) e->model->cls->instance_free(e->inst);
  free(e->state);
  free(e);
}

const env_model *env_get_model(const env *e) { return e->model; }
size_t env_steps(const env *e) { return e->t; }
void env_set_time_limit(env *e, size_t limit) { e->time_limit = limit; }

size_t env_state_index(const env *e) {
  if (!e->model->cls->state_index) return SIZE_MAX;
  return e->model->cls->state_index(e->model, e->state);
}

tr_status env_reset(env *e, gsl_rng *r, double *obs) {
  e->t = 0;
  return e->model->cls->reset(e->model, e->state, e->inst, r, obs);
}

tr_status env_step(env *e, const double *action, gsl_rng *r, double *obs, env_step_result *res) {
  const env_model *m = e->model;
  double clipped[64];
  const double *a = action;
  if (m->action.kind == ENV_DISCRETE) {
    double x = action[0];
    if (!isfinite(x) || x < 0.0 || x >= (double)m->action.n || x != floor(x))
      return tr_error(TR_EINVAL, "%s: invalid discrete action %g (actions are 0..%zu)", m->name,
                      x, m->action.n - 1);
  } else {
    size_t U = m->action.n;
    if (U > sizeof clipped / sizeof *clipped)
      return tr_error(TR_EINVAL, "%s: action dimension %zu too large", m->name, U);
    for (size_t i = 0; i < U; i++) {
      if (!isfinite(action[i]))
        return tr_error(TR_EINVAL, "%s: action[%zu] = %g is not finite", m->name, i, action[i]);
      clipped[i] = fmin(fmax(action[i], m->low[i]), m->high[i]);
    }
    a = clipped;
  }
  res->reward = 0.0;
  res->terminated = res->truncated = 0;
  tr_status st = m->cls->step(m, e->state, e->inst, a, r, obs, res);
  if (st) return st;
  e->t++;
  if (!res->terminated && e->time_limit && e->t >= e->time_limit) res->truncated = 1;
  return TR_OK;
}

void env_snapshot(const env *e, void *buf) {
  unsigned char *b = buf;
  memcpy(b, &e->t, sizeof e->t);
  memcpy(b + sizeof e->t, e->state, e->model->state_bytes);
  if (e->model->cls->save)
    e->model->cls->save(e->model, e->state, e->inst, b + sizeof e->t + e->model->state_bytes);
}

tr_status env_restore(env *e, const void *buf) {
  const unsigned char *b = buf;
  memcpy(&e->t, b, sizeof e->t);
  memcpy(e->state, b + sizeof e->t, e->model->state_bytes);
  if (e->model->cls->load)
    return e->model->cls->load(e->model, e->state, e->inst, b + sizeof e->t + e->model->state_bytes);
  return TR_OK;
}
