/* experiments/walker.c — see walker.h */
#include "experiments/walker.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

int exp_action_box_bounded(const env_model *m) {
  env_space sp = env_action_space(m);
  if (sp.kind == ENV_BOX)
    for (size_t i = 0; i < sp.n; i++)
      if (!isfinite(sp.low[i]) || !isfinite(sp.high[i])) return 0;
  return 1;
}

void exp_walker_clear(exp_walker *w) {
  env_free(w->e);
  gsl_rng_free(w->r_env);
  gsl_rng_free(w->r_pol);
  free(w->obs);
  free(w->a);
  memset(w, 0, sizeof *w);
}

tr_status exp_walker_init(exp_walker *w, const env_model *m, exp_policy_kind kind,
                          uint64_t seed, const char *role, size_t time_limit) {
  char name[128];
  memset(w, 0, sizeof *w);
  w->m = m;
  w->kind = kind;
  w->need_reset = 1;
  size_t O = env_obs_dim(m), U = env_action_dim(m);
  w->e = env_alloc(m);
  snprintf(name, sizeof name, "%s/env", role);
  w->r_env = tr_rng_derive(seed, name);
  snprintf(name, sizeof name, "%s/policy", role);
  w->r_pol = tr_rng_derive(seed, name);
  w->obs = malloc((O ? O : 1) * sizeof *w->obs);
  w->a = malloc((U ? U : 1) * sizeof *w->a);
  if (!w->e || !w->r_env || !w->r_pol || !w->obs || !w->a) {
    exp_walker_clear(w);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  if (time_limit) env_set_time_limit(w->e, time_limit);
  return TR_OK;
}

/* a (U) ← the policy's action. */
static void walker_action(exp_walker *w) {
  env_space sp = env_action_space(w->m);
  int random = w->kind == EXP_POLICY_RANDOM;
  if (sp.kind == ENV_DISCRETE) {
    w->a[0] = random ? (double)gsl_rng_uniform_int(w->r_pol, sp.n) : 0.0;
    return;
  }
  for (size_t i = 0; i < sp.n; i++) w->a[i] = random ? gsl_ran_flat(w->r_pol, sp.low[i], sp.high[i]) : 0.0;
}

tr_status exp_walker_step(exp_walker *w, int *ended) {
  env_step_result res = {0};
  tr_status st;
  if (w->need_reset) {
    if ((st = env_reset(w->e, w->r_env, w->obs))) return st;
    w->need_reset = 0;
    w->ep_return = 0.0;
  }
  walker_action(w);
  if ((st = env_step(w->e, w->a, w->r_env, w->obs, &res))) return st;
  w->ep_return += res.reward;
  w->steps++;
  *ended = w->need_reset = res.terminated || res.truncated;
  w->episodes += (size_t)*ended;
  return TR_OK;
}

tr_status exp_walker_episodes(exp_walker *w, size_t n, double *ret) {
  for (size_t ep = 0; ep < n; ep++) {
    int ended = 0;
    while (!ended) {
      tr_status st = exp_walker_step(w, &ended);
      if (st) return st;
    }
    ret[ep] = w->ep_return;
  }
  return TR_OK;
}
