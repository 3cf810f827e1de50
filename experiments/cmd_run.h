/* experiments/cmd_run.h — `trbench run` and `trbench algos`. */
#ifndef EXP_CMD_RUN_H
#define EXP_CMD_RUN_H

int exp_cmd_run(int argc, char **argv);
int exp_cmd_algos(int argc, char **argv);

#endif
