/* experiments/cmd_demo.c — `trbench demo`: the README's first command, made of the other
 * subcommands (verify, run, sweep, table, plot) into results/demo/. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "experiments/cli.h"
#include "experiments/commands.h"

/* A spec shipped with trbench: the source tree's copy, else the installed one. */
static const char *shipped_spec(const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/experiments/%s", TR_SRCDIR, name);
  if (access(buf, R_OK) == 0) return buf;
  snprintf(buf, len, "%s/experiments/%s", TR_DATADIR, name);
  return buf;
}

/* The main job of the README's first command: the theorems verified on 1000 random MDPs,
 * PPO trained on CartPole with a progress line, and a small table and plot regenerated from
 * a --scale'd trpo_sampling sweep.  Everything goes to results/demo/. */
int exp_cmd_demo(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--help")) {
    puts("usage: trbench demo\n\nThe quick start's main job, into results/demo/: trbench verify on 1000 "
         "random MDPs;\nppo-clip trained on CartPole (100k steps) with a progress line; a 2%-scale "
         "sweep of\nexperiments/trpo_sampling.ini (-j 2, its first seed) with its table and plots.  A few minutes on 2 cores.");
    return EXP_EXIT_OK;
  }
  if (argc > 1) return exp_fail("demo: unexpected argument '%s'", argv[1]);
  printf("== 1/3  the theorems: every claim of the catalogue on 1000 random MDPs, the course\n"
         "        statements also searched for counterexamples (a short search)\n\n");
  fflush(stdout);
  char *vargs[] = {"verify", "--mdps", "1000", "--seed", "1", "--out", "results/demo/verify", NULL};
  int rc = exp_cmd_verify(7, vargs);
  if (rc == EXP_EXIT_INPUT) return rc;
  int verified = rc == EXP_EXIT_OK;
  printf("\n== 2/3  ppo-clip on CartPole, 100k steps (the paper's defaults)\n\n");
  fflush(stdout);
  char *rargs[] = {"run", "--algo", "ppo-clip", "--env", "cartpole", "--steps", "100000", "--seed",
                   "1", "--out", "results/demo/ppo-cartpole", "--progress", NULL};
  int rrc = exp_cmd_run(12, rargs);
  if (rrc == EXP_EXIT_INPUT) return rrc;
  printf("\n== 3/3  TRPO single path vs vine vs natural gradients (trpo_sampling.ini at 2%% scale, 1 seed)\n\n");
  fflush(stdout);
  char spec[4096];
  shipped_spec("trpo_sampling.ini", spec, sizeof spec);
  char *sargs[] = {"sweep", spec, "-j", "2", "--scale", "0.02", "--seeds", "1", "--results", "results/demo", NULL};
  int src = exp_cmd_sweep(10, sargs);
  if (src == EXP_EXIT_INPUT || src == 130) return src;
  char *targs[] = {"table", spec, "--results", "results/demo", "--scale", "0.02", "--seeds", "1", NULL};
  int trc = exp_cmd_table(8, targs);
  char *pargs[] = {"plot", spec, "--results", "results/demo", "--scale", "0.02", "--seeds", "1", NULL};
  int prc = exp_cmd_plot(8, pargs);
  printf("\ntrbench demo: done.\n"
         "  results/demo/verify/verify.tsv        the claims table (%s), figures/ per bound\n"
         "  results/demo/ppo-cartpole/            a run directory (config.ini, progress.tsv, summary.ini)\n"
         "  results/demo/trpo_sampling/table.md   the table (also .csv, .tex)\n"
         "  results/demo/trpo_sampling/plots/     learning curves (PNG, SVG) and their gnuplot scripts\n",
         verified ? "no proven claim violated; holds = searched, not_refuted = not searched" : "A PROVEN CLAIM FAILED");
  if (!verified) return EXP_EXIT_CHECK;
  return rrc || trc || prc ? EXP_EXIT_CHECK : EXP_EXIT_OK;
}
