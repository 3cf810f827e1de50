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

#include "core/clock.h"
#include "core/io.h"
#include "core/num.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/rundir.h"
#include "experiments/spec.h"
#include "experiments/sweep_state.h"

static volatile sig_atomic_t stop_requested = 0;
static void on_signal(int sig) { stop_requested = sig; }

static int run_complete(const char *dir) {
  char p[4096];
  struct stat sb;
  snprintf(p, sizeof p, "%s/summary.ini", dir);
  return stat(p, &sb) == 0;
}

/* The argument vector of `trbench run` for one run: argv (argc + 1 entries, NULL-ended) is
 * new, its strings point into the spec, the caller and the struct; as many `--set` as the
 * variant has settings on the environment (no limit). */
typedef struct {
  char **argv;
  const char **sets; /* (n_sets of the variant) */
  int argc;
  char steps[32], seed[32], every[32], eval[32], eval_tl[32];
} run_cmd;

/* What every run of a sweep gets besides its own settings: the variant's name (config.ini
 * records it), --checkpoint-every N, and --resume (a killed run with a checkpoint continues;
 * one without starts anew). */
typedef struct {
  size_t checkpoint_every; /* 0: only the final checkpoint */
  int resume;
} run_extra_flags;

static void run_cmd_free(run_cmd *c) {
  free(c->argv);
  free(c->sets);
  c->argv = NULL;
  c->sets = NULL;
}

static tr_status build_cmd(run_cmd *c, const char *self, const exp_spec *s, const exp_run_ref *r,
                           const char *dir, const run_extra_flags *x) {
  const exp_variant *v = &s->variants[r->variant];
  size_t n_eval;
  char *const *eval = exp_spec_eval_envs(s, r->env, &n_eval);
  c->argc = 0;
  c->sets = malloc((v->n_sets ? v->n_sets : 1) * sizeof *c->sets);
  c->argv = malloc((28 + 2 * EXP_N_RUN_KEYS + 2 * v->n_sets + 2 * n_eval) * sizeof *c->argv);
  if (!c->sets || !c->argv) {
    run_cmd_free(c);
    return tr_error(TR_ENOMEM, "out of memory: the command of run %s", r->id);
  }
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
  size_t n = exp_variant_sets(v, s->envs[r->env], c->sets);
  for (size_t i = 0; i < n; i++) {
    a[c->argc++] = "--set";
    a[c->argc++] = (char *)c->sets[i];
  }
  a[c->argc++] = "--variant";
  a[c->argc++] = v->name;
  for (int k = 0; k < EXP_N_RUN_KEYS; k++) { /* the spec's ref_policy, expert */
    const char *val = exp_spec_run_key(s, (exp_run_key)k, r->variant, r->env, NULL);
    if (!val) continue;
    a[c->argc++] = (char *)exp_run_keys[k].flag;
    a[c->argc++] = (char *)val;
  }
  if (x->checkpoint_every) {
    snprintf(c->every, sizeof c->every, "%zu", x->checkpoint_every);
    a[c->argc++] = "--checkpoint-every";
    a[c->argc++] = c->every;
  }
  if (x->resume) a[c->argc++] = "--resume";
  if (s->eval_episodes) { /* the spec's evaluate keys */
    snprintf(c->eval, sizeof c->eval, "%zu", s->eval_episodes);
    a[c->argc++] = "--evaluate";
    a[c->argc++] = c->eval;
    for (size_t i = 0; i < n_eval; i++) { /* evaluate_environments(@ENV) */
      a[c->argc++] = "--evaluate-env";
      a[c->argc++] = eval[i];
    }
    if (exp_spec_eval_adds_own(s, r->env)) { /* score = eval: eval.tsv too, after the list */
      a[c->argc++] = "--evaluate-env";
      a[c->argc++] = s->envs[r->env];
    }
    if (s->eval_deterministic) a[c->argc++] = "--evaluate-deterministic";
    if (s->eval_time_limit) { /* evaluate_time_limit */
      snprintf(c->eval_tl, sizeof c->eval_tl, "%zu", s->eval_time_limit);
      a[c->argc++] = "--evaluate-time-limit";
      a[c->argc++] = c->eval_tl;
    }
  }
  a[c->argc++] = "--out";
  a[c->argc++] = (char *)dir;
  a[c->argc++] = "--quiet";
  a[c->argc] = NULL;
  return TR_OK;
}

static void sweep_help(FILE *f) {
  fputs("usage: trbench sweep SPEC [-j N] [--resume] [--shard I/N] [--scale F] [--seeds N]\n"
        "                     [--jobs-file FILE] [--results DIR]\n"
        "       trbench sweep SPEC --status [--clean] [--jobs-file FILE]\n\n"
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
        "                 (for GNU parallel --sshloginfile, or the Slurm array script\n"
        "                 " TR_DATADIR "/slurm/array.sbatch)\n"
        "  --status       count the runs complete, running (a live process), stale (a\n"
        "                 temporary directory whose process is gone) and missing, and list\n"
        "                 each running run (and each killed one with a checkpoint: resumable)\n"
        "                 with its latest iteration, steps and return_last100; with\n"
        "                 --jobs-file, write the commands of what remains (stale and missing,\n"
        "                 with --resume; an empty file when nothing remains); --clean removes\n"
        "                 the stale temporaries but those with a checkpoint\n"
        "  --checkpoint-every N  every run writes a checkpoint every N iterations; --resume\n"
        "                 then continues a killed run from its last one (run --resume)\n"
        "While a run trains, RUN.live/progress.tsv is its progress so far.\n"
        "A new sweep goes to --results (default results), at --scale and --seeds as given\n"
        "(default 1 and all the spec's seeds), and says where.  The folder remembers them\n"
        "(sweep.ini beside sweep.log), and a look-up by spec under ~/.local/state/trbench\n"
        "remembers the spec's last sweep: --resume, --status, table, plot and compare use them\n"
        "when not given, and say so; a different --scale or --seeds on the same folder is an\n"
        "error (one folder holds one sweep: a new one elsewhere needs another --results).\n"
        "A complete run directory is only ever replaced by a complete one (without --resume\n"
        "the runs are redone, each swapped in when finished); anything else in its place is\n"
        "left alone and that run recorded as failed.\n"
        "A failed or diverged run is recorded and counted, never fatal.  SIGINT/SIGTERM stop\n"
        "cleanly (finished runs kept); then --resume continues.  Exit status 0 when every\n"
        "run finished ok, 1 when some failed or diverged, 2 on bad input.\n", f);
}

typedef struct {
  const char *spec, *jobs_file;
  size_t jobs, shard_i, shard_n;
  int resume, status, clean;
  size_t checkpoint_every;
  exp_sweep_flags flags; /* --results, --scale, --seeds as typed (sweep_state.h) */
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
      {"seeds", required_argument, 0, 'n'}, {"status", no_argument, 0, 'S'},
      {"clean", no_argument, 0, 'C'}, {"help", no_argument, 0, 'h'},
      {"checkpoint-every", required_argument, 0, 'c'}, {0, 0, 0, 0}};
  int c;
  optind = 0;
  opterr = 0;
  *help = 0;
  while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
    switch (c) {
    case 'j': { /* -j is a count of processes: [1, 4096] */
      uint64_t j;
      if (tr_parse_u64("-j", optarg, 1, 4096, &j)) return exp_fail("%s", tr_error_msg());
      a->jobs = (size_t)j;
      break;
    }
    case 'r': a->resume = 1; break;
    case 's':
      if (parse_shard(optarg, &a->shard_i, &a->shard_n)) return EXP_EXIT_INPUT;
      break;
    case 'x':
      if (exp_parse_scale(optarg, &a->flags.scale)) return EXP_EXIT_INPUT;
      a->flags.has_scale = 1;
      break;
    case 'f': a->jobs_file = optarg; break;
    case 'n':
      if (exp_parse_size("--seeds", optarg, &a->flags.seeds)) return EXP_EXIT_INPUT;
      if (a->flags.seeds < 1) return exp_fail("--seeds: must be at least 1");
      a->flags.has_seeds = 1;
      break;
    case 'o':
      a->flags.results = optarg;
      a->flags.has_results = 1;
      break;
    case 'S': a->status = 1; break;
    case 'C': a->clean = 1; break;
    case 'c':
      if (exp_parse_size("--checkpoint-every", optarg, &a->checkpoint_every)) return EXP_EXIT_INPUT;
      if (!a->checkpoint_every) return exp_fail("--checkpoint-every: must be at least 1");
      break;
    case 'h': *help = 1; return 0;
    default:
      return exp_fail("sweep: unknown or incomplete option '%s' (trbench sweep --help)",
                      argv[optind - 1]);
    }
  }
  if (optind >= argc) return exp_fail("sweep: SPEC is required (e.g. experiments/ppo_table1.ini)");
  a->spec = argv[optind++];
  if (optind < argc) return exp_fail("sweep: unexpected argument '%s'", argv[optind]);
  if (a->clean && !a->status) return exp_fail("--clean: only with --status");
  if (a->status && a->resume) return exp_fail("--status: not with --resume");
  return 0;
}

typedef struct {
  pid_t pid;
  size_t run;
  double t0;
} slot;

static void progress(size_t done, size_t running, size_t failed, size_t total, double steps_done,
                     double steps_total, double t0) {
  double el = tr_clock_seconds() - t0, rate = el > 0 ? steps_done / el : 0;
  double eta = rate > 0 ? (steps_total - steps_done) / rate : 0;
  fprintf(
      stderr,
      "\r  runs: %zu done, %zu running, %zu failed of %zu  |  %.0f env steps/s  |  ETA %.0f s   ",
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

/* status of a finished run: 0 ok, 1 failed or diverged (from its summary.ini or exit). */
static int finished_status(const char *dir, int wstatus, FILE *log, const char *id) {
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return 0;
  char p[4096], why[64] = "no summary";
  snprintf(p, sizeof p, "%s/summary.ini", dir);
  exp_summary s;
  int found;
  if (!exp_summary_read(p, NULL, &s, NULL, &found) && found)
    snprintf(why, sizeof why, "status = %s", exp_run_state_name(s.state));
  if (WIFSIGNALED(wstatus)) log_line(log, "%s\tkilled by signal %d\n", id, WTERMSIG(wstatus));
  else log_line(log, "%s\texit %d\t%s (see logs/%s.log)\n", id, WEXITSTATUS(wstatus), why, id);
  return 1;
}

/* A sweep under way: the runs to do, the slots of the running ones, the counts. */
typedef struct {
  const exp_spec *s;
  const exp_run_ref *runs; /* (R) */
  char *const *dirs;       /* (R) run directories */
  const size_t *todo;      /* (n_todo) indices into runs */
  size_t n_todo, jobs;
  const char *self, *root;
  double scale; /* the settings in force (for the messages) */
  size_t seeds;
  run_extra_flags extra;   /* what every run's command gets */
  FILE *log;
  slot *slots;             /* (jobs); pid 0: free */
  size_t next, running, done_n, failed;
  double t0, steps_done, steps_total;
} sweep_state;

/* The child: `trbench run ...` for run k, its messages into logs/<run-id>.log. */
static void exec_run(const sweep_state *w, size_t k) {
  run_cmd cmd;
  if (build_cmd(&cmd, w->self, w->s, &w->runs[k], w->dirs[k], &w->extra)) {
    fprintf(stderr, "trbench sweep: %s\n", tr_error_msg());
    _exit(127);
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(127);
  setenv("OPENBLAS_NUM_THREADS", "1", 1);
  /* the run's own messages go to logs/<run-id>.log (its summary.ini says the rest) */
  char lp[4096];
  snprintf(lp, sizeof lp, "%s/logs/%s.log", w->root, w->runs[k].id);
  int fd = open(lp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  execv(w->self, cmd.argv);
  _exit(127);
}

/* Start runs while slots are free (and no signal asked to stop). */
static void sweep_spawn(sweep_state *w) {
  while (w->next < w->n_todo && w->running < w->jobs && !stop_requested) {
    size_t k = w->todo[w->next++];
    /* nothing is removed here: the run replaces a complete directory atomically when it
     * is complete itself, and refuses (recorded as failed) anything that is not a run */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) exec_run(w, k);
    if (pid < 0) {
      log_line(w->log, "%s\tfork failed: %s\n", w->runs[k].id, strerror(errno));
      w->failed++;
      w->done_n++;
      continue;
    }
    for (size_t j = 0; j < w->jobs; j++)
      if (!w->slots[j].pid) {
        w->slots[j] = (slot){pid, k, tr_clock_seconds()};
        break;
      }
    w->running++;
  }
}

/* Wait for one child and account for it; −1 when there is none left to wait for. */
static int sweep_reap(sweep_state *w) {
  int ws;
  pid_t pid = waitpid(-1, &ws, 0);
  if (pid < 0) return errno == EINTR ? 0 : -1;
  for (size_t j = 0; j < w->jobs; j++)
    if (w->slots[j].pid == pid) {
      size_t k = w->slots[j].run;
      w->slots[j].pid = 0;
      w->running--;
      w->done_n++;
      w->steps_done += (double)w->runs[k].steps;
      w->failed += (size_t)finished_status(w->dirs[k], ws, w->log, w->runs[k].id);
    }
  return 0;
}

/* After the loop: stop the children on a signal, the closing line; the exit status. */
static int sweep_report(sweep_state *w, int live) {
  if (stop_requested) { /* stop the children; their unfinished directories stay temporary */
    for (size_t j = 0; j < w->jobs; j++)
      if (w->slots[j].pid) kill(w->slots[j].pid, SIGTERM);
    for (size_t j = 0; j < w->jobs; j++)
      if (w->slots[j].pid) waitpid(w->slots[j].pid, NULL, 0);
  }
  if (live) progress(w->done_n, 0, w->failed, w->n_todo, w->steps_done, w->steps_total, w->t0);
  fprintf(stderr, "%s%zu of %zu runs finished, %zu failed or diverged%s; results in %s\n",
          live ? "\n" : "", w->done_n, w->n_todo, w->failed,
          stop_requested ? " (stopped by a signal: trbench sweep --resume continues)" : "",
          w->root);
  return stop_requested ? 130 : w->failed ? EXP_EXIT_CHECK : EXP_EXIT_OK;
}

/* --jobs-file: one shell line per run of idx (n), written atomically. */
static int write_jobs_file(const sweep_args *a, const sweep_state *w, const size_t *idx, size_t n,
                           const char *what) {
  tr_atomic_file af;
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, ".");
  tr_status st = tr_atomic_open(&af, a->jobs_file);
  if (st) return exp_fail_status(st);
  for (size_t i = 0; i < n; i++) {
    run_cmd cmd;
    if ((st = build_cmd(&cmd, w->self, w->s, &w->runs[idx[i]], w->dirs[idx[i]], &w->extra))) {
      tr_atomic_abort(&af);
      return exp_fail_status(st);
    }
    fputs("cd ", af.f);
    tr_shell_quote(af.f, cwd);
    fputs(" && OPENBLAS_NUM_THREADS=1", af.f);
    for (int j = 0; j < cmd.argc; j++) {
      fputc(' ', af.f);
      tr_shell_quote(af.f, cmd.argv[j]);
    }
    fputc('\n', af.f);
    run_cmd_free(&cmd);
  }
  if ((st = tr_atomic_commit(&af))) return exp_fail_status(st);
  char seeds[32];
  exp_sweep_seeds_text(seeds, sizeof seeds, w->seeds);
  printf("wrote %zu run command%s%s to %s (runs into %s at --scale %.17g --seeds %s; run them "
         "with: parallel --jobs N < %s)\n", n, n == 1 ? "" : "s", what, a->jobs_file, w->root,
         w->scale, seeds, a->jobs_file);
  return EXP_EXIT_OK;
}

/* `--status`: the runs' states (sweep_state.h), what remains as a jobs file, --clean. */
static int sweep_status(const sweep_args *a, const sweep_state *w, size_t n_runs,
                        const exp_sweep_settings *set) {
  if (!set->recorded)
    return exp_fail("%s: no sweep here (no sweep.ini; run trbench sweep %s first, or give its "
                    "--results)", set->ini_path, a->spec);
  size_t count[4] = {0}, *left = calloc(n_runs ? n_runs : 1, sizeof *left), n_left = 0, removed = 0;
  if (!left) return exp_fail("out of memory: %zu runs", n_runs);
  tr_status st = TR_OK;
  for (size_t k = 0; k < n_runs && !st; k++) {
    exp_sweep_run rs = exp_sweep_run_of(w->dirs[k]);
    /* a complete run may still have a killed attempt's temporary beside it */
    if (a->clean) st = exp_run_clean_stale(w->dirs[k], &removed);
    count[rs]++;
    if (rs == EXP_SWEEP_STALE || rs == EXP_SWEEP_MISSING) left[n_left++] = k;
  }
  int rc = st ? exp_fail_status(st) : EXP_EXIT_OK;
  if (!rc) {
    char seeds[32];
    exp_sweep_seeds_text(seeds, sizeof seeds, set->seeds);
    printf("trbench sweep %s: %zu runs in %s (--scale %g --seeds %s)\n", w->s->name, n_runs,
           w->root, set->scale, seeds);
    printf("complete\t%zu\nrunning\t%zu\nstale\t%zu\nmissing\t%zu\n", count[EXP_SWEEP_COMPLETE],
           count[EXP_SWEEP_RUNNING], count[EXP_SWEEP_STALE], count[EXP_SWEEP_MISSING]);
    if (a->clean)
      printf("removed %zu stale temporary director%s\n", removed, removed == 1 ? "y" : "ies");
    /* the runs in progress: where each one is (its latest row of progress.tsv) */
    for (size_t k = 0; k < n_runs; k++) {
      exp_run_live l = exp_run_live_of(w->dirs[k]);
      if (!l.found) continue;
      printf("%s\t%s\titer %zu\tsteps %zu\treturn_last100 %.6g\t%s.live/progress.tsv\n",
             l.found == 1 ? "running" : "resumable", w->runs[k].id, l.iter, l.steps,
             l.return_last100, w->dirs[k]);
    }
    fflush(stdout);
    if (a->jobs_file) rc = write_jobs_file(a, w, left, n_left, " (what remains)");
  }
  free(left);
  return rc;
}

/* --resume: remove the stale temporaries of killed runs (never a live one's). */
static tr_status sweep_clean_stale(const sweep_args *a, const sweep_state *w, size_t n_runs) {
  size_t removed = 0;
  tr_status st = TR_OK;
  for (size_t k = 0; k < n_runs && !st; k++)
    if (k % a->shard_n == a->shard_i) st = exp_run_clean_stale(w->dirs[k], &removed);
  if (!st && removed)
    fprintf(stderr, "trbench sweep %s: removed %zu stale temporary director%s of killed runs\n",
            w->s->name, removed, removed == 1 ? "y" : "ies");
  return st;
}

/* The runs whose steps are less than one batch (a --scale'd smoke sweep): each trains one
 * whole batch of n_steps; said once here (and by each run in its log). */
static void warn_short_runs(const exp_spec *s, const exp_run_ref *runs, size_t n_runs) {
  size_t n_short = 0, example = 0, batch = 0;
  for (size_t k = 0; k < n_runs; k++) {
    alg_shared_params sh;
    if (exp_variant_shared(&s->variants[runs[k].variant], s->envs[runs[k].env], &sh)) continue;
    if (runs[k].steps < sh.n_steps && !n_short++) example = k, batch = sh.n_steps;
  }
  tr_error_clear();
  if (n_short)
    fprintf(stderr, "trbench: warning: %zu of %zu runs have fewer steps than one batch (%s: %zu "
                    "steps, n_steps = %zu): each trains one whole batch\n", n_short, n_runs,
            runs[example].id, runs[example].steps, batch);
}

/* Every run to do, N at a time (spawn / reap), logged to sweep.log; then the report. */
static int sweep_execute(const sweep_args *a, sweep_state *w, size_t skipped) {
  char *logp = tr_path_join(w->root, "sweep.log");
  w->log = logp ? fopen(logp, "a") : NULL;
  free(logp);
  if (!w->log) return exp_fail("%s/sweep.log: cannot write: %s", w->root, strerror(errno));
  struct sigaction sa = {0}, old_int, old_term;
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  w->jobs = a->jobs > w->n_todo ? (w->n_todo ? w->n_todo : 1) : a->jobs; /* no idle slots */
  if (!(w->slots = calloc(w->jobs, sizeof *w->slots))) {
    fclose(w->log);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return exp_fail("out of memory: %zu job slots", w->jobs);
  }
  w->t0 = tr_clock_seconds();
  for (size_t i = 0; i < w->n_todo; i++) w->steps_total += (double)w->runs[w->todo[i]].steps;
  int live = isatty(2);
  char seeds[32];
  exp_sweep_seeds_text(seeds, sizeof seeds, w->seeds);
  fprintf(stderr, "trbench sweep %s: %zu runs (%zu complete, skipped), -j %zu, --scale %.17g "
                  "--seeds %s, into %s\n", w->s->name, w->n_todo, skipped, a->jobs, w->scale,
          seeds, w->root);
  while ((w->next < w->n_todo || w->running) && !stop_requested) {
    sweep_spawn(w);
    if (live)
      progress(w->done_n, w->running, w->failed, w->n_todo, w->steps_done, w->steps_total, w->t0);
    if (sweep_reap(w) < 0) break;
  }
  int rc = sweep_report(w, live);
  fclose(w->log);
  free(w->slots);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  return rc;
}

int exp_cmd_sweep(int argc, char **argv) {
  sweep_args a = {0};
  a.jobs = 1;
  a.shard_n = 1;
  int help, rc = parse_sweep_args(argc, argv, &a, &help);
  if (rc || help) {
    if (help) sweep_help(stdout);
    return rc;
  }
  exp_spec *s = NULL;
  tr_status st = exp_spec_read(&s, a.spec);
  if (st) return exp_fail_status(st);
  exp_sweep_settings set;
  /* a new sweep goes where --results says; --resume and --status find the spec's sweep */
  exp_sweep_mode mode = a.resume || a.status ? EXP_SWEEP_FIND : EXP_SWEEP_NEW;
  if ((st = exp_sweep_resolve(s, &a.flags, mode, &set))) {
    exp_spec_free(s);
    return exp_fail_status(st);
  }
  exp_sweep_note(stderr, "sweep", s, &set); /* what --resume/--status took from memory */
  exp_run_ref *runs = NULL;
  size_t n_runs = 0;
  if ((st = exp_spec_runs(s, set.scale, set.seeds, &runs, &n_runs))) {
    exp_spec_free(s);
    exp_sweep_settings_free(&set);
    return exp_fail_status(st);
  }
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0) {
    exp_spec_free(s);
    exp_sweep_settings_free(&set);
    free(runs);
    return exp_fail("sweep: cannot find the trbench binary (/proc/self/exe)");
  }
  self[len] = '\0';
  char **dirs = calloc(n_runs ? n_runs : 1, sizeof *dirs);
  size_t *todo = calloc(n_runs ? n_runs : 1, sizeof *todo), n_todo = 0, skipped = 0;
  int oom = !dirs || !todo;
  for (size_t k = 0; !oom && k < n_runs; k++) {
    if (!(dirs[k] = exp_run_dir(s, set.results, &runs[k]))) {
      oom = 1;
      break;
    }
    if (k % a.shard_n != a.shard_i) continue;
    if (a.resume && run_complete(dirs[k])) {
      skipped++;
      continue;
    }
    todo[n_todo++] = k;
  }
  char *root = exp_spec_dir(s, set.results);
  char *runs_root = root ? tr_path_join(root, "runs") : NULL;
  char *logs_root = root ? tr_path_join(root, "logs") : NULL;
  if (oom || !root || !runs_root || !logs_root)
    st = tr_error(TR_ENOMEM, "out of memory: %zu runs", n_runs);
  sweep_state w = {.s = s, .runs = runs, .dirs = dirs, .todo = todo, .n_todo = n_todo,
                   .jobs = a.jobs, .self = self, .root = root, .scale = set.scale,
                   .seeds = set.seeds,
                   /* a jobs file of what remains (--status) resumes what can be resumed */
                   .extra = {a.checkpoint_every, a.resume || a.status}};
  if (!st && a.status) {
    rc = sweep_status(&a, &w, n_runs, &set); /* reads only */
    goto done;
  }
  if (!st) st = tr_mkdir_p(runs_root);
  if (!st) st = tr_mkdir_p(logs_root);
  if (!st) st = exp_sweep_record(s, &set);
  if (!st && a.resume) st = sweep_clean_stale(&a, &w, n_runs);
  if (!st) warn_short_runs(s, runs, n_runs);
  if (st) rc = exp_fail_status(st);
  else if (a.jobs_file) rc = write_jobs_file(&a, &w, todo, n_todo, ""); /* lines, then stop */
  else rc = sweep_execute(&a, &w, skipped);
done:
  for (size_t k = 0; dirs && k < n_runs; k++) free(dirs[k]);
  free(dirs);
  free(todo);
  free(runs);
  free(root);
  free(runs_root);
  free(logs_root);
  exp_spec_free(s);
  exp_sweep_settings_free(&set);
  return rc;
}
