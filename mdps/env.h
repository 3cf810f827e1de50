/* mdps/env.h — the sampling environment interface (after MuJoCo's mjModel / mjData split).
 *
 * An env_model is immutable and shareable between threads (the physics model, the tabular
 * MDP, the constants); an env is one mutable instance (the state, the step counter), one
 * per rollout worker.  Letters: O observation size, U action size (1 for discrete).
 *
 * Actions are double arrays of U entries.  Discrete: action[0] holds the index, which
 * must be an integer in [0, n); anything else is an error (TR_EINVAL).  Box: entries are
 * clipped to [low, high] as the published tasks do; a NaN or inf entry is an error.
 *
 * Stepping takes the random stream explicitly (tabular transitions are random; physics
 * ignores it).  A snapshot holds the whole mutable state, including the step counter:
 * restore, then the same actions with the same stream state, give the same trajectory bit
 * for bit (TRPO's vine rollouts).
 *
 * A time limit is not a terminal state: when the step counter reaches the limit without a
 * termination, the step returns truncated = 1, terminated = 0 (bootstrapping depends on it). */
#ifndef MDP_ENV_H
#define MDP_ENV_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "../core/error.h"
#include "mdp.h"

typedef enum { ENV_DISCRETE = 0, ENV_BOX = 1 } env_space_kind;

typedef struct {
  env_space_kind kind;
  size_t n;           /* discrete: number of actions; box: dimension U */
  const double *low;  /* box: (U) */
  const double *high; /* box: (U) */
} env_space;

typedef struct {
  double reward;
  int terminated; /* a terminal state of the task: do not bootstrap */
  int truncated;  /* the time limit: bootstrap with V(s_T) */
} env_step_result;

typedef struct env_model env_model;
typedef struct env env;

/* Parse a name (see env_names) and build the model; NULL with a message on failure
 * ("unknown environment 'x' (known: cartpole, ...)"). */
env_model *env_model_alloc(const char *name);
void env_model_free(env_model *m);
/* Whether env_model_alloc(name) can succeed, without building large models: the name, its
 * parameters and (for generated tabular MDPs) their memory against core/size.h's limit. */
tr_status env_name_check(const char *name);
/* The contract's names, comma separated (for messages and `trbench envs`). */
const char *env_names(void);

const char *env_model_name(const env_model *m);
size_t env_obs_dim(const env_model *m);
env_space env_action_space(const env_model *m);
/* U: 1 for discrete spaces, the dimension for boxes. */
size_t env_action_dim(const env_model *m);
size_t env_time_limit(const env_model *m);
void env_model_set_time_limit(env_model *m, size_t limit);
/* Gymnasium v4's terminate_when_unhealthy (hopper, walker2d, ant, humanoid and the terrains):
 * whether the model's task has a health test, and whether an unhealthy state ends the
 * episode (default 1).  With 0 the episode runs to its time limit and the healthy reward is
 * paid on healthy steps only (v4: healthy_reward = (is_healthy or terminate_when_unhealthy)
 * × the constant).  Setting 0 on a model without a health test is TR_EINVAL with a sentence. */
int env_has_health_test(const env_model *m);
int env_terminate_when_unhealthy(const env_model *m);
/* The refusal alone: TR_EINVAL with the sentence when on = 0 and m has no health test. */
tr_status env_terminate_when_unhealthy_check(const env_model *m, int on);
tr_status env_model_set_terminate_when_unhealthy(env_model *m, int on);
/* A model that shares m's immutable parts (the physics or MDP, the name, the action box)
 * with settings of its own (time limit, terminate_when_unhealthy), copied from m: a training
 * run's own settings on a model it may not modify.  m must outlive it; env_model_free frees
 * the view alone.  NULL when out of memory. */
env_model *env_model_view(const env_model *m);
/* The discount algorithms use by default: the MDP's γ for tabular models, else 0.99. */
double env_default_gamma(const env_model *m);
/* The tabular MDP behind a model, or NULL. */
const mdp *env_model_mdp(const env_model *m);
/* Bytes of a snapshot. */
size_t env_snapshot_size(const env_model *m);
/* Frame skip of a physics task (1 otherwise): for benchmarks' floors. */
size_t env_frame_skip(const env_model *m);

env *env_alloc(const env_model *m);
void env_free(env *e);
const env_model *env_get_model(const env *e);

/* obs (O) receives the first observation; the step counter restarts at 0. */
tr_status env_reset(env *e, gsl_rng *r, double *obs);
/* One step: obs (O) receives the next observation. */
tr_status env_step(env *e, const double *action, gsl_rng *r, double *obs, env_step_result *res);
/* Steps taken since reset. */
size_t env_steps(const env *e);
/* This instance's episode time limit (0: none), in place of its model's: a training run's
 * time_limit parameter, with the model left as built. */
void env_set_time_limit(env *e, size_t limit);
/* Tabular: the current state index; SIZE_MAX for other models. */
size_t env_state_index(const env *e);

void env_snapshot(const env *e, void *buf);
tr_status env_restore(env *e, const void *buf);

#endif
