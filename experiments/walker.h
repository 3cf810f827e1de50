/* experiments/walker.h — a fixed policy (uniform random, or zero) acting on one environment
 * instance: the one implementation behind `trbench rollout`, the table's random-policy
 * score random_e (table.c) and `trbench bench envs` (bench_run.c), so that they agree on
 * the streams and the order of draws.
 *
 * Streams: the environment draws from (seed, "<role>/env"), the policy from
 * (seed, "<role>/policy").  Per step: a reset first when the previous episode ended (or at
 * the start), drawing from the environment's stream; then the action (uniform over the
 * discrete actions with gsl_rng_uniform_int, or gsl_ran_flat per box coordinate; zero:
 * action 0 or the zero vector); then env_step.  An episode ends at a termination or at the
 * instance's time limit.  Returns are undiscounted, summed step by step. */
#ifndef EXP_WALKER_H
#define EXP_WALKER_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "mdps/env.h"

typedef enum { EXP_POLICY_RANDOM = 0, EXP_POLICY_ZERO } exp_policy_kind;

typedef struct {
  const env_model *m;
  env *e;
  gsl_rng *r_env, *r_pol;
  double *obs; /* (O) */
  double *a;   /* (U) */
  exp_policy_kind kind;
  int need_reset;
  double ep_return;        /* of the episode under way (of the last one once it ended) */
  size_t steps, episodes;  /* totals since init (episodes: those that ended) */
} exp_walker;

/* Whether every coordinate of the model's action box is bounded (discrete: yes), i.e.
 * whether a uniform random policy exists.  Callers say in their own words why not. */
int exp_action_box_bounded(const env_model *m);

/* A walker on a new instance of m (time limit: the model's, or time_limit when nonzero).
 * TR_ENOMEM with "out of memory"; the box must be bounded for EXP_POLICY_RANDOM. */
tr_status exp_walker_init(exp_walker *w, const env_model *m, exp_policy_kind kind,
                          uint64_t seed, const char *role, size_t time_limit);
void exp_walker_clear(exp_walker *w);

/* One step (see the file comment); *ended = 1 when it ended the episode. */
tr_status exp_walker_step(exp_walker *w, int *ended);

/* n whole episodes, their returns into ret (n); the walker must be between episodes. */
tr_status exp_walker_episodes(exp_walker *w, size_t n, double *ret);

#endif
