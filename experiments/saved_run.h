/* experiments/saved_run.h — a finished (or checkpointed) run directory brought back to life:
 * its config.ini read into the run it describes (algorithm, environment, every resolved
 * parameter, seed), then its checkpoint's policy loaded — for `trbench evaluate` and
 * `trbench render`.  The environment may be replaced by another with the same observation
 * and action spaces (--env), and its time limit changed. */
#ifndef EXP_SAVED_RUN_H
#define EXP_SAVED_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/run.h"

typedef struct {
  char algo[64], env[512];   /* as trained */
  uint64_t seed;
  env_model *em;             /* the environment evaluated on (the run's or --env's) */
  alg_run *run;              /* the policy (and its frozen normalizer) */
  env_model *trained;        /* the task trained on, which the run is rebuilt on, when em is
                              * another (NULL otherwise) */
  int controller;            /* 1: an ALG_NO_POLICY run's controller (exp_saved_run_control),
                              * not a policy (only from exp_saved_run_load_eval) */
} exp_saved_run;

/* dir: a run directory (or a stale DIR.tmp.PID) with config.ini and checkpoint.bin;
 * env: NULL or another environment with the same spaces; time_limit: 0 or a new limit.
 * em gets the run's terminate_when_unhealthy (config.ini; a --env without a health test is
 * left as it is).
 * TR_EINVAL with one sentence ("DIR: no checkpoint.bin ...", "--env X: observations of 4,
 * the policy takes 11") on what cannot be loaded. */
tr_status exp_saved_run_load(exp_saved_run *s, const char *dir, const char *env,
                             size_t time_limit);
/* The same, and also a run of an ALG_NO_POLICY algorithm with a controller (alg_class.control:
 * ilqr's feedback law), restored from its checkpoint with s->controller = 1: trbench
 * evaluate's.  Such a run acts through exp_saved_run_control, never exp_saved_run_act. */
tr_status exp_saved_run_load_eval(exp_saved_run *s, const char *dir, const char *env,
                                  size_t time_limit);
/* The controller's action at step t of an episode on e (an instance of s->em), into act;
 * *done = 1 when it is not defined at t (the episode ends). */
tr_status exp_saved_run_control(exp_saved_run *s, env *e, size_t t, double *act, int *done);
void exp_saved_run_free(exp_saved_run *s);

/* The policy's action for one observation obs (O) as the environment returned it: the
 * frozen normalizer applied, then the mean (deterministic) or a draw from π.  act (U). */
tr_status exp_saved_run_act(exp_saved_run *s, const double *obs, int deterministic, gsl_rng *r,
                            double *act);

/* The options evaluate and render share: RUN_DIR, --env, --episodes, --seed,
 * --deterministic, --time-limit. */
typedef struct {
  const char *dir, *env;
  size_t episodes, time_limit;
  uint64_t seed;
  int deterministic;
} exp_policy_opts;
/* The getopt_long entries of those options (their codes 'e' 'n' 's' 'd' 't'), to copy into a
 * command's table. */
#define EXP_POLICY_LONGOPTS                                                                    \
  {"env", required_argument, 0, 'e'}, {"episodes", required_argument, 0, 'n'},                 \
      {"seed", required_argument, 0, 's'}, {"deterministic", no_argument, 0, 'd'},             \
      {"time-limit", required_argument, 0, 't'}
/* Option c with its argument into o: 0 when it was one of them, 1 when it is not, or exit
 * status 2 after the message. */
int exp_policy_opt(int c, const char *arg, exp_policy_opts *o);
/* After the options: RUN_DIR, the one argument left ("CMD: RUN_DIR is required"). */
int exp_policy_dir(const char *cmd, int optind, int argc, char **argv, exp_policy_opts *o);

/* TR_EINVAL "--env NAME: observations of 17, the policy takes 11" (or the actions) unless b
 * (named name) has a's observation and action spaces. */
tr_status exp_env_same_spaces(const env_model *a, const env_model *b, const char *name);

/* trbench evaluate (cmd_evaluate.c): run_dir's saved policy on `episodes` fresh episodes of
 * env (NULL: its own) into out_dir/eval.tsv (eval_<ENV>.tsv for another environment),
 * atomically; the summary line into line (n bytes). */
tr_status exp_evaluate_write(const char *run_dir, const char *out_dir, const char *env,
                             size_t time_limit, size_t episodes, uint64_t seed, int det,
                             char *line, size_t n);

#endif
