/* experiments/sweep.c — `trbench sweep SPEC`: every (variant, environment, seed) of a spec as
 * its own `trbench run` process, N at a time.
 *
 * Each run writes results/<experiment>/runs/<run-id>/ atomically (rundir.h), so a run
 * directory that exists is complete.  --resume skips those and redoes the rest; SIGINT and
 * SIGTERM stop the children and the sweep cleanly; SIGKILL of the sweep takes the children
 * with it (PR_SET_PDEATHSIG), losing only the runs in flight.  A run that fails or diverges
 * is recorded (its summary.ini says so, or sweep.log has the exit status) and counted; it
 * never stops the sweep.  --shard I/N runs the runs k with k mod N = I (0 ≤ I < N), in the
 * spec's order; --jobs-file FILE writes one `trbench run ...` command line per run instead
 * of running them (for GNU parallel or a Slurm array). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/io.h"
#include "core/num.h"
#include "experiments/cli.h"
#include "experiments/cmd_sweep.h"
#include "experiments/rundir.h"
#include "experiments/spec.h"

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) { stop_requested = sig; }

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int run_complete(const char *dir) {
  char p[4096];
  struct stat sb;
  snprintf(p, sizeof p, "%s/summary.ini", dir);
  return stat(p, &sb) == 0;
}

/* The argument vector of `trbench run` for one run (strings owned by the caller's arena). */
typedef struct {
  char *argv[300];
  int argc;
  char steps[32], seed[32];
} run_cmd;

static void build_cmd(run_cmd *c, const char *self, const exp_spec *s, const exp_run_ref *r,
                      const char *dir) {
  const exp_variant *v = &s->variants[r->variant];
  c->argc = 0;
  snprintf(c->steps, sizeof c->steps, "%zu", r->steps);
  snprintf(c->seed, sizeof c->seed, "%llu", (unsigned long long)r->seed);
  char **a = c->argv;
  a[c->argc++] = (char *)self;
  a[c->argc++] = "run";
  a[c->argc++] = "--algo";
  a[c->argc++] = v->algo;
  a[c->argc++] = "--env";
  a[c->argc++] = s->envs[r->env];
  a[c->argc++] = "--steps";
  a[c->argc++] = c->steps;
  a[c->argc++] = "--seed";
  a[c->argc++] = c->seed;
  for (size_t i = 0; i < v->n_sets && c->argc < 290; i++) {
    a[c->argc++] = "--set";
    a[c->argc++] = v->sets[i];
  }
  a[c->argc++] = "--out";
  a[c->argc++] = (char *)dir;
  a[c->argc++] = "--quiet";
  a[c->argc] = NULL;
}

static void sweep_help(FILE *f) {
  fputs("usage: trbench sweep SPEC [-j N] [--resume] [--shard I/N] [--scale F] [--seeds N]\n"
        "                     [--jobs-file FILE] [--results DIR]\n\n"
        "Runs every (variant, environment, seed) of the spec as its own `trbench run`\n"
        "process, N at a time (default 1), BLAS single-threaded in each, into\n"
        "DIR/<experiment>/runs/<run-id>/ (DIR: --results, default results).\n"
        "  --resume       skip complete runs, redo incomplete ones; removes (and reports) the\n"
        "                 temporary directories of killed runs\n"
        "  -j N           N runs at a time, 1 <= N <= 4096\n"
        "  --shard I/N    run only the runs k with k mod N = I (0 <= I < N)\n"
        "  --scale F      multiply steps by F (and the seeds' count when the spec sets\n"
        "                 scale_seeds = true): quick smoke versions\n"
        "  --seeds N      only the spec's first N seeds\n"
        "  --jobs-file F  write one `trbench run ...` line per run to F instead of running\n"
        "                 (for GNU parallel --sshloginfile, or experiments/slurm/array.sbatch)\n"
        "A complete run directory is only ever replaced by a complete one (without --resume\n"
        "the runs are redone, each swapped in when finished); anything else in its place is\n"
        "left alone and that run recorded as failed.\n"
        "A failed or diverged run is recorded and counted, never fatal.  SIGINT/SIGTERM stop\n"
        "cleanly (finished runs kept); then --resume continues.  Exit status 0 when every\n"
        "run finished ok, 1 when some failed or diverged, 2 on bad input.\n", f);
}

typedef struct {
  const char *spec, *results, *jobs_file;
  size_t jobs, shard_i, shard_n, seeds;
  int resume;
  double scale;
} sweep_args;

/* "I/N": two strict unsigned numbers (core/num.h), 0 <= I < N. */
static int parse_shard(const char *t, size_t *i, size_t *n) {
  const char *slash = strchr(t, '/');
  char left[32];
  uint64_t a, b;
  if (!slash || (size_t)(slash - t) >= sizeof left) return exp_fail("--shard: '%s' is not I/N", t);
  memcpy(left, t, (size_t)(slash - t));
  left[slash - t] = '\0';
  if (tr_parse_u64("--shard", left, 0, UINT64_MAX, &a) ||
      tr_parse_u64("--shard", slash + 1, 1, UINT64_MAX, &b))
    return exp_fail("--shard: '%s' is not I/N", t);
  if (a >= b)
    return exp_fail("--shard: I must be in [0, N): got %llu/%llu", (unsigned long long)a,
                    (unsigned long long)b);
  *i = (size_t)a;
  *n = (size_t)b;
  return 0;
}

static int parse_sweep_args(int argc, char **argv, sweep_args *a, int *help) {
  static const struct option opts[] = {
      {"jobs", required_argument, 0, 'j'}, {"resume", no_argument, 0, 'r'},
      {"shard", required_argument, 0, 's'}, {"scale", required_argument, 0, 'x'},
      {"jobs-file", required_argument, 0, 'f'}, {"results", required_argument, 0, 'o'},
      {"seeds", required_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int c;
  optind = 0;
  opterr = 0;
  *help = 0;
  while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
    switch (c) {
    case 'j':
    { /* -j is a count of processes: [1, 4096] */
      uint64_t j;
      if (tr_parse_u64("-j", optarg, 1, 4096, &j)) return exp_fail("%s", tr_error_msg());
      a->jobs = (size_t)j;
    }
      break;
    case 'r': a->resume = 1; break;
    case 's':
      if (parse_shard(optarg, &a->shard_i, &a->shard_n)) return EXP_EXIT_INPUT;
      break;
    case 'x': {
      if (tr_parse_real("--scale", optarg, 0, HUGE_VAL, &a->scale) || !(a->scale > 0))
        return exp_fail("--scale: '%s' is not a positive number", optarg);
      break;
    }
    case 'f': a->jobs_file = optarg; break;
    case 'n':
      if (exp_parse_size("--seeds", optarg, &a->seeds)) return EXP_EXIT_INPUT;
      if (a->seeds < 1) return exp_fail("--seeds: must be at least 1");
      break;
    case 'o': a->results = optarg; break;
    case 'h': *help = 1; return 0;
    default:
      return exp_fail("sweep: unknown or incomplete option '%s' (trbench sweep --help)", argv[optind - 1]);
    }
  }
  if (optind >= argc) return exp_fail("sweep: SPEC is required (e.g. experiments/ppo_table1.ini)");
  a->spec = argv[optind++];
  if (optind < argc) return exp_fail("sweep: unexpected argument '%s'", argv[optind]);
  return 0;
}

typedef struct {
  pid_t pid;
  size_t run;
  double t0;
} slot;

static void progress(size_t done, size_t running, size_t failed, size_t total, double steps_done,
                     double steps_total, double t0) {
  double el = now_s() - t0, rate = el > 0 ? steps_done / el : 0;
  double eta = rate > 0 ? (steps_total - steps_done) / rate : 0;
  fprintf(stderr, "\r  runs: %zu done, %zu running, %zu failed of %zu  |  %.0f env steps/s  |  ETA %.0f s   ",
          done, running, failed, total, rate, eta);
}

/* A line of sweep.log that cannot be written (a full disk) goes to stderr instead, so the
 * reason is never lost. */
static void log_line(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_line(FILE *log, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfprintf(log, fmt, ap);
  va_end(ap);
  if (fflush(log) == 0 && !ferror(log)) return;
  int e = errno;
  fprintf(stderr, "trbench sweep: sweep.log: cannot write (%s): ", strerror(e));
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  clearerr(log);
}

/* --resume: the temporary directories of killed runs (NAME.tmp.<pid>, NAME.old.<pid> whose
 * process is gone) are removed and reported.  Returns 0 or an exit status. */
static int remove_stale(const char *runs_root, FILE *log) {
  size_t n = 0;
  tr_status st = exp_rundir_remove_stale(runs_root, &n);
  if (st) return exp_fail_status(st);
  if (n) {
    fprintf(stderr, "trbench sweep: removed %zu stale temporary director%s of killed runs in %s\n",
            n, n == 1 ? "y" : "ies", runs_root);
    log_line(log, "resume\tremoved %zu stale temporary directories\n", n);
  }
  return 0;
}

/* status of a finished run: 0 ok, 1 failed or diverged (from its summary.ini or exit). */
static int finished_status(const char *dir, int wstatus, FILE *log, const char *id) {
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return 0;
  char p[4096], *text = NULL;
  snprintf(p, sizeof p, "%s/summary.ini", dir);
  const char *why = "no summary";
  if (!tr_read_file(p, &text, NULL)) {
    char *r = strstr(text, "status = ");
    why = r ? r : text;
  }
  if (WIFSIGNALED(wstatus)) log_line(log, "%s\tkilled by signal %d\n", id, WTERMSIG(wstatus));
  else log_line(log, "%s\texit %d\t%.*s (see logs/%s.log)\n", id, WEXITSTATUS(wstatus),
                (int)strcspn(why, "\n"), why, id);
  free(text);
  return 1;
}

int exp_cmd_sweep(int argc, char **argv) {
  sweep_args a = {0};
  a.jobs = 1;
  a.scale = 1.0;
  a.results = "results";
  a.shard_n = 1;
  int help, rc = parse_sweep_args(argc, argv, &a, &help);
  if (rc || help) {
    if (help) sweep_help(stdout);
    return rc;
  }
  exp_spec *s = NULL;
  tr_status st = exp_spec_read(&s, a.spec);
  if (st) return exp_fail_status(st);
  exp_run_ref *runs = NULL;
  size_t n_runs = 0;
  if ((st = exp_spec_runs(s, a.scale, a.seeds, &runs, &n_runs))) {
    exp_spec_free(s);
    return exp_fail_status(st);
  }
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    exp_spec_free(s);
    free(runs);
    return exp_fail("sweep: cannot find the trbench binary (/proc/self/exe)");
  }
  self[len] = '\0';
  char **dirs = calloc(n_runs ? n_runs : 1, sizeof *dirs);
  size_t *todo = calloc(n_runs ? n_runs : 1, sizeof *todo), n_todo = 0, skipped = 0;
  char *root = NULL, *runs_root = NULL, *logs_root = NULL;
  if (!dirs || !todo) {
    rc = exp_fail("sweep: out of memory: needs %zu bytes", n_runs * 2 * sizeof *todo);
    n_runs = 0;
    goto done;
  }
  for (size_t k = 0; k < n_runs; k++) {
    dirs[k] = exp_run_dir(s, a.results, &runs[k]);
    if (k % a.shard_n != a.shard_i) continue;
    if (a.resume && run_complete(dirs[k])) {
      skipped++;
      continue;
    }
    todo[n_todo++] = k;
  }
  root = exp_spec_dir(s, a.results), runs_root = tr_path_join(root, "runs");
  logs_root = tr_path_join(root, "logs");
  st = tr_mkdir_p(runs_root);
  if (!st) st = tr_mkdir_p(logs_root);
  if (st) {
    rc = exp_fail_status(st);
    goto done;
  }
  if (a.jobs_file) { /* write the command lines and stop */
    tr_atomic_file af;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, ".");
    if ((st = tr_atomic_open(&af, a.jobs_file))) {
      rc = exp_fail_status(st);
      goto done;
    }
    for (size_t i = 0; i < n_todo; i++) {
      run_cmd cmd;
      build_cmd(&cmd, self, s, &runs[todo[i]], dirs[todo[i]]);
      fputs("cd ", af.f);
      tr_shell_quote(af.f, cwd);
      fputs(" && OPENBLAS_NUM_THREADS=1", af.f);
      for (int j = 0; j < cmd.argc; j++) {
        fputc(' ', af.f);
        tr_shell_quote(af.f, cmd.argv[j]);
      }
      fputc('\n', af.f);
    }
    if ((st = tr_atomic_commit(&af))) rc = exp_fail_status(st);
    else printf("wrote %zu run commands to %s (run them with: parallel --jobs N < %s)\n", n_todo,
                a.jobs_file, a.jobs_file);
    goto done;
  }
  char *logp = tr_path_join(root, "sweep.log");
  FILE *log = logp ? fopen(logp, "a") : NULL;
  free(logp);
  if (!log) {
    rc = exp_fail("%s/sweep.log: cannot write: %s", root, strerror(errno));
    goto done;
  }
  if (a.resume && (rc = remove_stale(runs_root, log))) {
    fclose(log);
    goto done;
  }
  struct sigaction sa = {0}, old_int, old_term;
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  if (a.jobs > n_todo) a.jobs = n_todo ? n_todo : 1; /* no more slots than runs */
  slot *slots = calloc(a.jobs, sizeof *slots);
  if (!slots) {
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    fclose(log);
    rc = exp_fail("sweep: out of memory: needs %zu bytes", a.jobs * sizeof *slots);
    goto done;
  }
  size_t next = 0, running = 0, done_n = 0, failed = 0;
  double t0 = now_s(), steps_done = 0, steps_total = 0;
  for (size_t i = 0; i < n_todo; i++) steps_total += (double)runs[todo[i]].steps;
  int live = isatty(2);
  fprintf(stderr, "trbench sweep %s: %zu runs (%zu complete, skipped), -j %zu\n", s->name, n_todo,
          skipped, a.jobs);
  while ((next < n_todo || running) && !stop_requested) {
    while (next < n_todo && running < a.jobs && !stop_requested) {
      size_t k = todo[next++];
      /* nothing is removed here: the run replaces a complete directory atomically when it
       * is complete itself, and refuses (recorded below) anything that is not a run */
      run_cmd cmd;
      build_cmd(&cmd, self, s, &runs[k], dirs[k]);
      pid_t pid = fork();
      if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() == 1) _exit(127);
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
        /* the run's own messages go to logs/<run-id>.log (its summary.ini says the rest) */
        char lp[4096];
        snprintf(lp, sizeof lp, "%s/logs/%s.log", root, runs[k].id);
        int fd = open(lp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
          dup2(fd, 1);
          dup2(fd, 2);
          close(fd);
        }
        execv(self, cmd.argv);
        _exit(127);
      }
      if (pid < 0) {
        log_line(log, "%s\tfork failed: %s\n", runs[k].id, strerror(errno));
        failed++;
        done_n++;
        continue;
      }
      for (size_t j = 0; j < a.jobs; j++)
        if (!slots[j].pid) {
          slots[j] = (slot){pid, k, now_s()};
          break;
        }
      running++;
    }
    if (live) progress(done_n, running, failed, n_todo, steps_done, steps_total, t0);
    int ws;
    pid_t pid = waitpid(-1, &ws, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (size_t j = 0; j < a.jobs; j++)
      if (slots[j].pid == pid) {
        size_t k = slots[j].run;
        slots[j].pid = 0;
        running--;
        done_n++;
        steps_done += (double)runs[k].steps;
        failed += (size_t)finished_status(dirs[k], ws, log, runs[k].id);
      }
  }
  if (stop_requested) { /* stop the children; their unfinished directories stay temporary */
    for (size_t j = 0; j < a.jobs; j++)
      if (slots[j].pid) kill(slots[j].pid, SIGTERM);
    for (size_t j = 0; j < a.jobs; j++)
      if (slots[j].pid) waitpid(slots[j].pid, NULL, 0);
  }
  if (live) progress(done_n, 0, failed, n_todo, steps_done, steps_total, t0);
  fprintf(stderr, "%s%zu of %zu runs finished, %zu failed or diverged%s; results in %s\n",
          live ? "\n" : "", done_n, n_todo, failed,
          stop_requested ? " (stopped by a signal: trbench sweep --resume continues)" : "", root);
  fclose(log);
  free(slots);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  rc = stop_requested ? 130 : failed ? EXP_EXIT_CHECK : EXP_EXIT_OK;
done:
  for (size_t k = 0; k < n_runs; k++) free(dirs[k]);
  free(dirs);
  free(todo);
  free(runs);
  free(root);
  free(runs_root);
  free(logs_root);
  exp_spec_free(s);
  return rc;
}
