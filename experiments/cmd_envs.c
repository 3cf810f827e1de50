/* experiments/cmd_envs.c — `trbench envs` and `trbench rollout`.
 *
 * envs: one TSV row per environment name of the contract (env_names()), with representative
 * arguments for the parametrized ones; a model that cannot be built (a MuJoCo model not
 * installed, say) gets its error in place of the sizes, and the listing still succeeds.
 * rollout: a uniform random or all-zero policy for N episodes; undiscounted returns.
 *
 * Letters: O observation size, U action size. */
#include "experiments/commands.h"

#include <getopt.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/rng.h"
#include "experiments/cli.h"
#include "experiments/walker.h"
#include "mdps/env.h"
#include "mdps/env_terrain.h"

/* Representative arguments for the parametrized names ("mdp:" needs a file: skipped). */
static const struct {
  const char *prefix, *example;
} env_examples[] = {
    {"garnet:", "garnet:20,4,3"},
    {"chain:", "chain:10"},
    {"gridworld:", "gridworld:5,5,0.1"},
    {"mdp:", NULL},
    {"hopper-terrain:", "hopper-terrain:1"},
    {"walker2d-terrain:", "walker2d-terrain:1"},
};

/* "discrete(N)" or "box(U,[lo,hi])" (per dimension, joined by 'x', when bounds differ). */
static void format_space(const env_model *m, char *buf, size_t n) {
  env_space sp = env_action_space(m);
  if (sp.kind == ENV_DISCRETE) {
    snprintf(buf, n, "discrete(%zu)", sp.n);
    return;
  }
  int same = 1;
  for (size_t i = 1; i < sp.n; i++) same &= sp.low[i] == sp.low[0] && sp.high[i] == sp.high[0];
  size_t k = (size_t)snprintf(buf, n, "box(%zu,", sp.n);
  for (size_t i = 0; i < (same ? 1 : sp.n) && k < n; i++)
    k += (size_t)snprintf(buf + k, n - k, "%s[%g,%g]", i ? "x" : "", sp.low[i], sp.high[i]);
  if (k < n) snprintf(buf + k, n - k, ")");
}

/* One row for `name`; the model's error in place of the sizes if it cannot be built. */
static void envs_row(const char *name) {
  env_model *m = env_model_alloc(name);
  if (!m) {
    char msg[TR_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", tr_error_msg());
    for (char *c = msg; *c; c++)
      if (*c == '\t' || *c == '\n' || *c == '\r') *c = ' ';
    printf("%s\terror: %s\t-\t-\t-\n", name, msg);
    return;
  }
  char space[256];
  format_space(m, space, sizeof space);
  printf("%s\t%zu\t%s\t%zu\t%g\n", name, env_obs_dim(m), space, env_time_limit(m),
         env_default_gamma(m));
  env_model_free(m);
}

int exp_cmd_envs(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--help")) {
    puts("usage: trbench envs\n\n"
         "Lists the environments as TSV: 'env obs_dim action_space time_limit gamma', one row\n"
         "per name; parametrized names with representative arguments (garnet:S,A,b[,seed] as\n"
         "garnet:20,4,3, chain:N as chain:10, gridworld:W,H,slip as gridworld:5,5,0.1;\n"
         "mdp:PATH is left out; hopper-terrain:SEED and walker2d-terrain:SEED as SEED 1).\n"
         "action_space is discrete(N) or box(U,[lo,hi]).  gamma is the default discount (the\n"
         "MDP's for tabular models).  A model that cannot be built is listed with 'error: WHY'\n"
         "in place of its sizes.  After the table, lines starting with '#' describe the\n"
         "parametrized families whose rows need more than the columns say (the test\n"
         "terrains: their bounds and how falling is measured).");
    return EXP_EXIT_OK;
  }
  if (argc > 1) return exp_fail("envs: unexpected argument '%s' (trbench envs --help)", argv[1]);
  /* env_names() separates names by ", " (a name's arguments contain bare commas) */
  char *names = strdup(env_names()), *next;
  if (!names) return exp_fail("out of memory");
  printf("env\tobs_dim\taction_space\ttime_limit\tgamma\n");
  for (char *tok = names; tok; tok = next) {
    if ((next = strstr(tok, ", "))) *next = '\0', next += 2;
    char *colon = strchr(tok, ':');
    if (!colon) {
      envs_row(tok);
      continue;
    }
    size_t plen = (size_t)(colon - tok) + 1, j;
    for (j = 0; j < sizeof env_examples / sizeof env_examples[0]; j++)
      if (strlen(env_examples[j].prefix) == plen && !strncmp(tok, env_examples[j].prefix, plen))
        break;
    if (j == sizeof env_examples / sizeof env_examples[0])
      printf("%s\terror: no representative arguments known\t-\t-\t-\n", tok);
    else if (env_examples[j].example)
      envs_row(env_examples[j].example);
  }
  free(names);
  printf("# %s\n", env_terrain_description());
  return EXP_EXIT_OK;
}

static void rollout_help(FILE *f) {
  fputs("usage: trbench rollout --env NAME [--policy random|zero] [--episodes N] [--seed S]\n\n"
        "Runs a fixed policy for N episodes (default 10) and prints the TSV header\n"
        "'env episodes return_mean return_std ep_len_mean steps_per_s' and one row.\n"
        "random (the default): uniform over the discrete actions, or uniform in the action box;\n"
        "zero: action 0, or the zero vector (clipped into the box).  Returns are undiscounted;\n"
        "return_std is the sample standard deviation (0 for one episode).  An episode ends at\n"
        "a termination or at the time limit.  The environment and the policy draw from streams\n"
        "derived from the seed (default 1); steps_per_s is wall-clock, policy included.\n"
        "trbench envs lists the names.\n",
        f);
}

int exp_cmd_rollout(int argc, char **argv) {
  static const struct option opts[] = {
      {"env", required_argument, 0, 'e'},      {"policy", required_argument, 0, 'p'},
      {"episodes", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
      {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
  const char *name = NULL, *policy = "random";
  size_t episodes = 10;
  uint64_t seed = 1;
  int rc = 0, c;
  optind = 0;
  opterr = 0;
  while (!rc && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'e': name = optarg; break;
    case 'p': policy = optarg; break;
    case 'n': rc = exp_parse_size("--episodes", optarg, &episodes); break;
    case 's': rc = exp_parse_u64("--seed", optarg, &seed); break;
    case 'h': rollout_help(stdout); return EXP_EXIT_OK;
    default:
      return exp_fail("rollout: unknown or incomplete option '%s' (trbench rollout --help)",
                      argv[optind - 1]);
    }
  }
  if (rc) return rc;
  if (optind < argc) return exp_fail("rollout: unexpected argument '%s'", argv[optind]);
  if (!name) return exp_fail("rollout: --env NAME is required (trbench envs lists them)");
  if (strcmp(policy, "random") && strcmp(policy, "zero"))
    return exp_fail("--policy: '%s' is not random or zero", policy);
  if (episodes == 0) return exp_fail("--episodes: must be at least 1");
  int random = !strcmp(policy, "random");

  env_model *m = env_model_alloc(name);
  if (!m) return exp_fail_status(TR_EINVAL);
  if (env_time_limit(m) == 0) {
    env_model_free(m);
    return exp_fail("rollout: %s has no time limit", name);
  }
  if (random && !exp_action_box_bounded(m)) {
    env_model_free(m);
    return exp_fail("--policy random: %s has an unbounded action box", name);
  }
  exp_walker w;
  double *ret = malloc(episodes * sizeof *ret);
  tr_status st = ret ? exp_walker_init(&w, m, random ? EXP_POLICY_RANDOM : EXP_POLICY_ZERO, seed,
                                       "rollout", 0)
                     : tr_error(TR_ENOMEM, "out of memory");
  double t0 = tr_clock_seconds();
  if (!st) st = exp_walker_episodes(&w, episodes, ret);
  double secs = tr_clock_seconds() - t0;
  if (st) {
    rc = exp_fail_status(st);
  } else {
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < episodes; i++) mean += ret[i];
    mean /= (double)episodes;
    for (size_t i = 0; i < episodes; i++) var += (ret[i] - mean) * (ret[i] - mean);
    var = episodes > 1 ? var / (double)(episodes - 1) : 0.0;
    printf("env\tepisodes\treturn_mean\treturn_std\tep_len_mean\tsteps_per_s\n");
    printf("%s\t%zu\t%.17g\t%.17g\t%.17g\t%.0f\n", name, episodes, mean, sqrt(var),
           (double)w.steps / (double)episodes, (double)w.steps / fmax(secs, 1e-9));
  }
  if (ret) exp_walker_clear(&w);
  free(ret);
  env_model_free(m);
  return rc;
}
