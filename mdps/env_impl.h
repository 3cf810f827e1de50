/* mdps/env_impl.h — for implementers of environment families (not for users of env.h).
 *
 * A family provides an env_class: its functions get the model's `impl` (immutable data)
 * and the instance's `state` (mutable data of state_bytes bytes, zeroed at env_alloc).
 * The generic layer (env.c) owns the step counter, the time limit, action validation and
 * clipping, and snapshots: a snapshot is the step counter followed by the state bytes,
 * unless the class provides its own save/load (MuJoCo: state lives in mjData). */
#ifndef MDP_ENV_IMPL_H
#define MDP_ENV_IMPL_H

#include "mdps/env.h"

typedef struct env_class {
  /* build impl from the whole environment name (e.g. "garnet:5,3,2"); fill the model fields */
  tr_status (*model_init)(env_model *m, const char *args);
  void (*model_free)(void *impl);
  /* optional: per-instance extra data beyond `state` (e.g. an mjData); NULL if none */
  void *(*instance_alloc)(const env_model *m);
  void (*instance_free)(void *inst);
  /* reset: fill state (and inst) and obs */
  tr_status (*reset)(const env_model *m, void *state, void *inst, gsl_rng *r, double *obs);
  /* step with an already validated and clipped action */
  tr_status (*step)(const env_model *m, void *state, void *inst, const double *action,
                    gsl_rng *r, double *obs, env_step_result *res);
  /* optional: custom snapshot of inst into buf (size snapshot_extra), and back */
  void (*save)(const env_model *m, const void *state, const void *inst, void *buf);
  tr_status (*load)(const env_model *m, void *state, void *inst, const void *buf);
  /* optional: tabular state index */
  size_t (*state_index)(const env_model *m, const void *state);
  /* optional: 1 when the model's task has a health test that ends its episodes (Gymnasium
   * v4's terminate_when_unhealthy kwarg; the step reads m->unhealthy_continues); NULL: none */
  int (*health_test)(const env_model *m);
} env_class;

struct env_model {
  const env_class *cls;
  void *impl;
  char *name;
  size_t obs_dim;
  env_space action;
  double *low, *high; /* storage for a box space (U each) */
  size_t time_limit;
  double gamma;
  size_t state_bytes;    /* mutable state held by env.c */
  size_t snapshot_extra; /* bytes the class's save writes (0 when state_bytes suffice) */
  size_t frame_skip;
  const mdp *tab;        /* tabular models: the MDP (owned by impl) */
  int unhealthy_continues; /* terminate_when_unhealthy = false (only with a health test) */
  const env_model *base; /* a view (env_model_view): impl, name and box belong to base */
};

struct env {
  const env_model *model;
  size_t t;
  size_t time_limit; /* the model's, unless the instance's owner set its own (0: none) */
  void *state;
  void *inst;
};

/* Families (each in its own file). */
extern const env_class env_class_tabular;      /* env_tabular.c: garnet, chain, ... mdp: */
extern const env_class env_class_cartpole;     /* env_classic.c */
extern const env_class env_class_acrobot;
extern const env_class env_class_mountaincar;
extern const env_class env_class_pendulum;
extern const env_class env_class_mountaincar_cont;
extern const env_class env_class_mujoco;       /* env_mujoco.c: args = the task name */

/* Allocate the box storage of a model: U entries each. */
tr_status env_model_box(env_model *m, size_t U, const double *low, const double *high);

/* A tabular name's syntax and size, without building a generated MDP (env_tabular.c). */
tr_status env_tabular_check(const char *name);

#endif
