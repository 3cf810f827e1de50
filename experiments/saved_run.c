/* experiments/saved_run.c — see saved_run.h. */
#define _GNU_SOURCE
#include "experiments/saved_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algorithms/checkpoint.h"
#include "core/io.h"
#include "core/num.h"
#include "experiments/cli.h"

/* config.ini's [run] (algo, env, seed) and, once the algorithm is known, its section of
 * resolved parameters into cfg.  A plain line reader: a command line may be longer than
 * an INI library's line limit. */
static tr_status read_config(exp_saved_run *s, const char *dir, alg_config *cfg) {
  char *p = tr_path_join(dir, "config.ini"), *text = NULL;
  size_t len = 0;
  if (!p) return TR_ENOMEM;
  if (access(p, F_OK) != 0) {
    free(p);
    return tr_error(TR_EINVAL, "%s: not a run directory (no config.ini)", dir);
  }
  tr_status st = tr_read_file(p, &text, &len);
  char section[128] = "";
  int have_seed = 0;
  for (char *save = NULL, *line = st ? NULL : strtok_r(text, "\n", &save); line && !st;
       line = strtok_r(NULL, "\n", &save)) {
    if (*line == '#' || !*line) continue;
    if (*line == '[') {
      char *e = strchr(line, ']');
      if (!e) st = tr_error(TR_EINVAL, "%s: a broken section line '%s'", p, line);
      else snprintf(section, sizeof section, "%.*s", (int)(e - line - 1), line + 1);
      if (!st && cfg->cls == NULL && !strcmp(section, s->algo) && s->algo[0]) {
        const alg_class *cls = alg_find(s->algo);
        if (!cls) st = tr_error(TR_EINVAL, "%s: algorithm '%s' is not in this trbench", p, s->algo);
        else if (alg_config_init(cfg, cls)) st = TR_ENOMEM;
      }
      continue;
    }
    char *eq = strstr(line, " = ");
    if (!eq) continue;
    *eq = '\0';
    const char *key = line, *value = eq + 3;
    if (!strcmp(section, "run")) {
      if (!strcmp(key, "algo")) snprintf(s->algo, sizeof s->algo, "%s", value);
      else if (!strcmp(key, "env")) snprintf(s->env, sizeof s->env, "%s", value);
      else if (!strcmp(key, "seed"))
        have_seed = !tr_parse_u64("seed", value, 0, UINT64_MAX, &s->seed);
    } else if (cfg->cls && !strcmp(section, s->algo)) {
      char kv[512];
      snprintf(kv, sizeof kv, "%s=%s", key, value);
      if (alg_config_set(cfg, kv)) tr_error_prefix("%s", p), st = TR_EINVAL;
    }
  }
  if (!st && (!s->algo[0] || !s->env[0] || !have_seed || !cfg->cls))
    st = tr_error(TR_EINVAL, "%s: lacks [run] algo, env or seed, or the algorithm's section", p);
  free(text), free(p);
  return st;
}

tr_status exp_env_same_spaces(const env_model *a, const env_model *b, const char *name) {
  env_space sa = env_action_space(a), sb = env_action_space(b);
  if (env_obs_dim(a) != env_obs_dim(b))
    return tr_error(TR_EINVAL, "--env %s: observations of %zu, the policy takes %zu", name,
                    env_obs_dim(b), env_obs_dim(a));
  if (sa.kind != sb.kind || sa.n != sb.n)
    return tr_error(TR_EINVAL, "--env %s: %s actions of %zu, the policy makes %s actions of %zu",
                    name, sb.kind == ENV_BOX ? "box" : "discrete", sb.n,
                    sa.kind == ENV_BOX ? "box" : "discrete", sa.n);
  return TR_OK;
}

static tr_status load(exp_saved_run *s, const char *dir, const char *env, size_t time_limit,
                      int controllers) {
  memset(s, 0, sizeof *s);
  alg_config cfg = {0};
  char *ck = tr_path_join(dir, ALG_CKPT_FILE);
  tr_status st = ck ? read_config(s, dir, &cfg) : TR_ENOMEM;
  if (!st && (cfg.cls->needs & ALG_NO_POLICY)) {
    if (!controllers || !cfg.cls->control)
      st = tr_error(TR_EINVAL, "%s: a run of %s: what it learns is not a saved policy network "
                    "(%s)", dir, s->algo, cfg.cls->control ? "only trbench evaluate runs its "
                    "controller" : "its controller lives in the run alone");
    else s->controller = 1;
  }
  else if (!st && access(ck, F_OK) != 0)
    st = tr_error(TR_EINVAL, "%s: no %s (a run made before checkpoints, or not finished)", dir,
                  ALG_CKPT_FILE);
  env_model *trained = NULL;
  if (!st && !(trained = env_model_alloc(s->env))) st = TR_EINVAL;
  if (!st && env && strcmp(env, s->env)) {
    if (!(s->em = env_model_alloc(env))) {
      tr_error_prefix("--env");
      st = TR_EINVAL;
    }
    else st = exp_env_same_spaces(trained, s->em, env);
  } else if (!st) {
    s->em = trained;
    trained = NULL;
  }
  if (!st && time_limit) env_model_set_time_limit(s->em, time_limit);
  if (!st && time_limit) {
    char kv[64];
    snprintf(kv, sizeof kv, "time_limit=%zu", time_limit);
    st = alg_config_set(&cfg, kv);
  }
  alg_shared_params sh;
  if (!st) alg_config_shared(&cfg, &sh); /* one batch: the smallest run there is */
  /* the run's terminate_when_unhealthy on the episodes played here; another --env without a
   * health test is played as it is */
  if (!st && !sh.terminate_when_unhealthy) {
    if (env_has_health_test(s->em)) st = env_model_set_terminate_when_unhealthy(s->em, 0);
    else st = alg_config_set(&cfg, "terminate_when_unhealthy=true");
  }
  /* the run is rebuilt on the task it was trained on (a model-based algorithm's setup needs
   * that task's model: gps, ilqr), then acts on instances of s->em (the same spaces; for a
   * controller, the same state) */
  if (!st) st = alg_run_alloc(&s->run, trained ? trained : s->em, &cfg, s->seed, sh.n_steps);
  if (!st) s->trained = trained, trained = NULL;
  if (!st) st = s->controller ? alg_ckpt_load_alg(s->run, ck) : alg_ckpt_load_policy(s->run, ck, 0);
  env_model_free(trained);
  if (cfg.cls) alg_config_clear(&cfg);
  free(ck);
  if (st) exp_saved_run_free(s);
  return st;
}

tr_status exp_saved_run_load(exp_saved_run *s, const char *dir, const char *env,
                             size_t time_limit) {
  return load(s, dir, env, time_limit, 0);
}

tr_status exp_saved_run_load_eval(exp_saved_run *s, const char *dir, const char *env,
                                  size_t time_limit) {
  return load(s, dir, env, time_limit, 1);
}

tr_status exp_saved_run_control(exp_saved_run *s, env *e, size_t t, double *act, int *done) {
  return s->run->model.cfg.cls->control(s->run, e, t, act, done);
}

void exp_saved_run_free(exp_saved_run *s) {
  alg_run_free(s->run);
  env_model_free(s->trained);
  env_model_free(s->em);
  memset(s, 0, sizeof *s);
}

tr_status exp_saved_run_act(exp_saved_run *s, const double *obs, int deterministic, gsl_rng *r,
                            double *act) {
  alg_run *run = s->run;
  size_t O = env_obs_dim(s->em);
  double *x = run->ws.obs_buf; /* (T, O) scratch, T >= 1 */
  memcpy(x, obs, O * sizeof *x);
  if (run->state.obs_norm) alg_running_norm_apply(run->state.obs_norm, x, x, 1);
  tr_status st = pol_forward(run->model.pol, run->state.theta, x, 1, run->ws.pws_act,
                             run->ws.act_dist);
  if (st) return st;
  if (deterministic) pol_mode(run->model.pol, run->ws.act_dist, 1, act);
  else pol_sample(run->model.pol, run->ws.act_dist, 1, r, act);
  return TR_OK;
}

int exp_policy_opt(int c, const char *arg, exp_policy_opts *o) {
  switch (c) {
  case 'e': o->env = arg; return 0;
  case 'd': o->deterministic = 1; return 0;
  case 'n':
    if (exp_parse_size("--episodes", arg, &o->episodes)) return EXP_EXIT_INPUT;
    return o->episodes ? 0 : exp_fail("--episodes: must be at least 1");
  case 's': return exp_parse_u64("--seed", arg, &o->seed) ? EXP_EXIT_INPUT : 0;
  case 't':
    if (exp_parse_size("--time-limit", arg, &o->time_limit)) return EXP_EXIT_INPUT;
    return o->time_limit ? 0 : exp_fail("--time-limit: must be at least 1");
  default: return 1;
  }
}

int exp_policy_dir(const char *cmd, int optind, int argc, char **argv, exp_policy_opts *o) {
  if (optind >= argc) return exp_fail("%s: RUN_DIR is required", cmd);
  o->dir = argv[optind++];
  if (optind < argc) return exp_fail("%s: unexpected argument '%s'", cmd, argv[optind]);
  return 0;
}
