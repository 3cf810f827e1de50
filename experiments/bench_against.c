/* experiments/bench_against.c — `trbench bench algos --against "CMD"`: trbench's own
 * `run` of ppo-clip on CartPole at CleanRL's settings beside an external command that trains
 * the same number of steps, both timed as whole commands (start-up included, wall clock) on
 * the same core in the same run, so their ratio is a ratio of one machine's numbers.
 * Nothing of the external tool is shipped: CMD is whatever the user has installed (the README
 * shows CleanRL's ppo.py). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/clock.h"
#include "experiments/bench_run.h"
#include "experiments/cli.h"
#include "experiments/rundir.h"

/* Runs argv (execv) or, with argv NULL, `/bin/sh -c cmd`; returns its wall seconds, or a
 * negative number after exp_fail when it could not start or did not exit 0. */
static double time_command(char *const *argv, const char *cmd, const char *what) {
  double t0 = tr_clock_seconds();
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return exp_fail("bench algos: %s: cannot fork", what), -1.0;
  if (pid == 0) {
    /* the table on stdout stays a table: trbench's closing line is dropped, the command's
     * own output goes to stderr */
    int fd = argv ? open("/dev/null", O_WRONLY) : dup(2);
    if (fd >= 0) dup2(fd, 1), close(fd);
    if (argv) execv("/proc/self/exe", argv);
    else execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return exp_fail("bench algos: %s: lost the child", what), -1.0;
  double t = tr_clock_seconds() - t0;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return t;
  if (WIFEXITED(status))
    exp_fail("bench algos: %s: exited with status %d", what, WEXITSTATUS(status));
  else exp_fail("bench algos: %s: killed by signal %d", what, WTERMSIG(status));
  return -1.0;
}

/* Pins this process (and so its children) to the core it is on: both commands run there. */
static int pin_to_current_core(void) {
  int cpu = sched_getcpu();
  if (cpu < 0) return -1;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) ? -1 : cpu;
}

int exp_bench_against(const char *cmd, size_t steps) {
  static const char settings[] = "n_envs=4,n_steps=512,n_epochs=4,batch_size=128";
  char dir[] = "/tmp/trbench-against-XXXXXX", out[64], nsteps[32];
  if (!mkdtemp(dir)) return exp_fail("bench algos: --against: cannot create a folder in /tmp");
  snprintf(out, sizeof out, "%s/run", dir);
  snprintf(nsteps, sizeof nsteps, "%zu", steps);
  char *argv[] = {"trbench", "run", "--algo", "ppo-clip", "--env", "cartpole", "--steps", nsteps,
                  "--seed", "1", "--set", "n_envs=4", "--set", "n_steps=512", "--set",
                  "n_epochs=4", "--set", "batch_size=128", "--out", out, "--quiet", NULL};
  int cpu = pin_to_current_core();
  printf("# side by side on core %d: whole commands, wall clock, %zu steps each\n", cpu, steps);
  printf("command\tsteps\tseconds\tsteps_per_s\n");
  double tt = time_command(argv, NULL, "trbench run");
  exp_remove_tree(dir);
  if (tt < 0) return EXP_EXIT_INPUT;
  printf("trbench ppo-clip cartpole %s\t%zu\t%.3f\t%.0f\n", settings, steps, tt, steps / tt);
  double tc = time_command(NULL, cmd, cmd);
  if (tc < 0) return EXP_EXIT_INPUT;
  printf("%s\t%zu\t%.3f\t%.0f\n", cmd, steps, tc, steps / tc);
  printf("# ratio (trbench's pace / the command's): %.2f\n", tc / tt);
  return EXP_EXIT_OK;
}
