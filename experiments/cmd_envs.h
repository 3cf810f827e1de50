/* experiments/cmd_envs.h — `trbench envs` (the environment list) and `trbench rollout`
 * (a fixed or random policy on an environment: returns and steps/s). */
#ifndef EXP_CMD_ENVS_H
#define EXP_CMD_ENVS_H

int exp_cmd_envs(int argc, char **argv);
int exp_cmd_rollout(int argc, char **argv);

#endif
