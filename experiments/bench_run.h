/* experiments/bench_run.h — `trbench bench envs` and `trbench bench algos` (bench_run.c):
 * sampling and training throughput, each against a floor measured in the same run.
 * Both print TSV on stdout and return an exit status (0, or exp_fail_status's on error);
 * quick shortens every measurement (CI smoke runs). */
#ifndef EXP_BENCH_RUN_H
#define EXP_BENCH_RUN_H

#include <stddef.h>

/* trbench bench envs: environment steps/s with a uniform random policy through env.h;
 * MuJoCo tasks next to bare mj_step's rate / frame_skip on the same model. */
int exp_bench_envs(int quick);
/* trbench bench algos: training steps/s (learning included) of ppo-clip and trpo on
 * cartpole and hopper next to the same task's env-only rate; then PPO-on-Hopper's
 * projected time for 1e6 steps and its learning overhead. */
int exp_bench_algos(int quick);

/* bench algos' iLQR row (bench_ilqr.c): a derivative pass on Hopper at H = 500 (100 quick)
 * against (2 nv + na + nu)·frame_skip·H bare mj_steps, and one iteration's wall time; *met:
 * ratio ≥ 0.8. */
#include "core/error.h"
tr_status exp_bench_ilqr(int quick, int *met);

/* trbench bench algos --against CMD: trbench's ppo-clip CartPole run (CleanRL's settings)
 * and CMD, each `steps` steps, timed as whole commands on one core (bench_against.c). */
int exp_bench_against(const char *cmd, size_t steps);

#endif
