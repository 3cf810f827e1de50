/* experiments/exp_main.c — trbench's command line (exp_main.h): dispatch to the subcommands
 * (commands.h); the helpers they share are in cli.c.  main.c is the stock binary's main. */
#include <cblas.h>
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/blas.h"
#include "core/error.h"
#include "core/size.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/exp_main.h"

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
  {"evaluate", exp_cmd_evaluate, "a run's saved policy on fresh episodes (or another environment)"},
  {"render", exp_cmd_render, "a video of a run's saved policy (MuJoCo, headless) or its V and pi"},
  {"sweep", exp_cmd_sweep, "every run of an experiment spec, N at a time (or a jobs file)"},
  {"table", exp_cmd_table, "an experiment's table (markdown, CSV, LaTeX) from its runs"},
  {"plot", exp_cmd_plot, "an experiment's learning curves and score chart (gnuplot)"},
  {"export", exp_cmd_export, "every run of a spec as one long CSV and rliable's score matrix"},
  {"compare", exp_cmd_compare, "two variants of a spec: per-task differences with CIs, P(A>B)"},
  {"bench", exp_cmd_bench, "performance benchmarks, each against a floor measured in the same run"},
  {"demo", exp_cmd_demo, "the main job of the README's quick start"},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void usage(FILE *f) {
  fprintf(f, "usage: trbench COMMAND [OPTIONS]   (trbench COMMAND --help for its options)\n\n"
             "commands:\n");
  for (size_t i = 0; i < n_commands; i++) fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].doc);
  fprintf(f, "  %-8s %s\n", "help", "this text; help COMMAND: that command's options");
  fprintf(f, "\noptions of every command:\n"
             "  --max-memory SIZE  refuse any input that needs more than SIZE bytes (K, M, G, T\n"
             "                     suffixes; default: the machine's physical memory)\n"
             "numbers: unsigned options take decimal digits only (no sign, no spaces); real\n"
             "options and --set values take [-]digits[.digits][e[-]digits] (subnormals are\n"
             "numbers; inf, nan, hexadecimal and values that overflow are refused)\n");
  fprintf(f, "\n%s — exit status: 0 ok, 1 a check failed, 2 bad input or out of memory\n",
          PACKAGE_STRING);
}

/* Removes "--max-memory SIZE" / "--max-memory=SIZE" from argv (any position after the
 * command) and exports the limit as TRBENCH_MAX_MEMORY (core/size.h), so the runs a sweep
 * starts inherit it.  Returns 0 or EXP_EXIT_INPUT. */
static int take_max_memory(int *argc, char **argv) {
  int j = 1;
  for (int i = 1; i < *argc; i++) {
    const char *v = NULL;
    if (!strcmp(argv[i], "--")) {
      while (i < *argc) argv[j++] = argv[i++];
      break;
    }
    if (!strcmp(argv[i], "--max-memory")) {
      if (i + 1 >= *argc) return exp_fail("--max-memory: a SIZE is required (e.g. 8G)");
      v = argv[++i];
    } else if (!strncmp(argv[i], "--max-memory=", 13)) {
      v = argv[i] + 13;
    } else {
      argv[j++] = argv[i];
      continue;
    }
    size_t b;
    if (tr_mem_parse(v, &b)) return exp_fail("%s", tr_error_msg());
    char text[32];
    snprintf(text, sizeof text, "%zu", b);
    setenv("TRBENCH_MAX_MEMORY", text, 1);
  }
  argv[j] = NULL;
  *argc = j;
  return 0;
}

int exp_main(int argc, char **argv) {
  /* the CPU's BLAS kernel, before anything runs (core/blas.h): here, so that a binary of
   * one's own (README, a variant out of tree) gets it too */
  tr_blas_select(argv);
  gsl_set_error_handler_off(); /* the library reports errors; GSL must not abort */
  openblas_set_num_threads(1);  /* BLAS single-threaded inside a run (DESIGN.md) */
  if (argc < 2) {
    usage(stderr);
    return EXP_EXIT_INPUT;
  }
  if (take_max_memory(&argc, argv)) return EXP_EXIT_INPUT;
  const char *e = getenv("TRBENCH_MAX_MEMORY");
  size_t lim;
  if (e && *e && tr_mem_parse(e, &lim)) return exp_fail("TRBENCH_MAX_MEMORY: %s", tr_error_msg());
  if (argc < 2) {
    usage(stderr);
    return EXP_EXIT_INPUT;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    if (argc > 3) return exp_fail("help: unexpected argument '%s'", argv[3]);
    if (argc == 3 && strcmp(argv[2], "help")) { /* `trbench help run` is `trbench run --help` */
      for (size_t i = 0; i < n_commands; i++)
        if (!strcmp(argv[2], commands[i].name)) {
          char *sub[] = {argv[2], "--help", NULL};
          return commands[i].run(2, sub);
        }
      return exp_fail("help: unknown command '%s' (trbench help lists them)", argv[2]);
    }
    usage(stdout);
    return EXP_EXIT_OK;
  }
  if (!strcmp(cmd, "--version")) {
    char blas[512];
    tr_blas_summary(blas, sizeof blas);
    printf("%s\nblas: %s\n", PACKAGE_STRING, blas);
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
