/* experiments/commands.h — the entry points of trbench's subcommands (main.c dispatches):
 * each takes the arguments after `trbench` (argv[0] is the subcommand's name) and returns
 * the exit status (cli.h). */
#ifndef EXP_COMMANDS_H
#define EXP_COMMANDS_H

int exp_cmd_verify(int argc, char **argv); /* cmd_verify.c */
int exp_cmd_certify(int argc, char **argv); /* cmd_certify.c */
int exp_cmd_eval(int argc, char **argv);   /* cmd_exact.c */
int exp_cmd_solve(int argc, char **argv);  /* cmd_exact.c */
int exp_cmd_envs(int argc, char **argv);   /* cmd_envs.c */
int exp_cmd_rollout(int argc, char **argv); /* cmd_envs.c */
int exp_cmd_algos(int argc, char **argv);  /* cmd_run.c */
int exp_cmd_run(int argc, char **argv);    /* cmd_run.c */
int exp_cmd_sweep(int argc, char **argv);  /* sweep.c */
int exp_cmd_table(int argc, char **argv);  /* table.c */
int exp_cmd_plot(int argc, char **argv);   /* plot.c */
int exp_cmd_compare(int argc, char **argv); /* cmd_compare.c */
int exp_cmd_export(int argc, char **argv);  /* cmd_export.c */
int exp_cmd_evaluate(int argc, char **argv); /* cmd_evaluate.c */
int exp_cmd_render(int argc, char **argv);  /* cmd_render.c */
int exp_cmd_bench(int argc, char **argv);  /* bench.c */
int exp_cmd_demo(int argc, char **argv);   /* cmd_demo.c */

#endif
