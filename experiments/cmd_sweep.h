/* experiments/cmd_sweep.h — `trbench sweep`, `trbench table`, `trbench plot`. */
#ifndef EXP_CMD_SWEEP_H
#define EXP_CMD_SWEEP_H

int exp_cmd_sweep(int argc, char **argv);
int exp_cmd_table(int argc, char **argv);
int exp_cmd_plot(int argc, char **argv);

#endif
