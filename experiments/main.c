/* experiments/main.c — `trbench`: dispatch to the subcommands (commands.h); the helpers
 * they share are in cli.c. */
#include <cblas.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "core/error.h"
#include "experiments/cli.h"
#include "experiments/commands.h"

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *doc;
} command;

static const command commands[] = {
  {"verify", exp_cmd_verify, "check every claim of the catalogue over random MDPs"},
  {"certify", exp_cmd_certify, "one saved instance's claim in ball arithmetic (Arb), both sides"},
  {"eval", exp_cmd_eval, "exact V, Q, A, d of a policy on an MDP file"},
  {"solve", exp_cmd_solve, "optimal values and a greedy optimal policy of an MDP file"},
  {"envs", exp_cmd_envs, "every environment with its observation size, action space, time limit"},
  {"rollout", exp_cmd_rollout, "a random or zero policy on an environment: returns and steps/s"},
  {"algos", exp_cmd_algos, "every algorithm with its parameters, defaults and ranges"},
  {"run", exp_cmd_run, "one training run (algorithm x environment x seed) into a run directory"},
  {"sweep", exp_cmd_sweep, "every run of an experiment spec, N at a time (or a jobs file)"},
  {"table", exp_cmd_table, "an experiment's table (markdown, CSV, LaTeX) from its runs"},
  {"plot", exp_cmd_plot, "an experiment's learning curves and score chart (gnuplot)"},
  {"compare", exp_cmd_compare, "two variants of a spec: per-task differences with CIs, P(A>B)"},
  {"bench", exp_cmd_bench, "performance benchmarks, each against a floor measured in the same run"},
  {"demo", exp_cmd_demo, "the main job of the README's quick start"},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void usage(FILE *f) {
  fprintf(f, "usage: trbench COMMAND [OPTIONS]   (trbench COMMAND --help for its options)\n\n"
             "commands:\n");
  for (size_t i = 0; i < n_commands; i++) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].doc);
  fprintf(f, "  %-8s %s\n", "help", "this text");
  fprintf(f, "\n%s — exit status: 0 ok, 1 a check failed, 2 bad input\n", PACKAGE_STRING);
}

int main(int argc, char **argv) {
  gsl_set_error_handler_off(); /* the library reports errors; GSL must not abort */
  openblas_set_num_threads(1);  /* BLAS single-threaded inside a run (DESIGN.md) */
  if (argc < 2) {
    usage(stderr);
    return EXP_EXIT_INPUT;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return EXP_EXIT_OK;
  }
  if (!strcmp(cmd, "--version")) {
    printf("%s\n", PACKAGE_STRING);
    return EXP_EXIT_OK;
  }
  for (size_t i = 0; i < n_commands; i++)
    if (!strcmp(cmd, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  char known[512] = "";
  for (size_t i = 0; i < n_commands; i++) {
    strcat(known, i ? ", " : "");
    strcat(known, commands[i].name);
  }
  return exp_fail("unknown command '%s' (known: %s)", cmd, known);
}
