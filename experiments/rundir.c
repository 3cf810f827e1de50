/* experiments/rundir.c — see rundir.h */
#define _GNU_SOURCE /* renameat2 */
#include "experiments/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "core/io.h"
#include "core/size.h"
#include "experiments/version.h"

const char *exp_version(void) { return PACKAGE_VERSION; }
const char *exp_commit(void) { return TR_COMMIT; }

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(p);
}

tr_status exp_remove_tree(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return TR_OK;
  if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
    return tr_error(TR_EIO, "%s: cannot remove: %s", path, strerror(errno));
  return TR_OK;
}

/* "D/" -> "D"; NULL (with a message) for "", ".", "..", "/" and names ending in them. */
static char *out_path(const char *path) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/') n--;
  const char *base = path + n;
  while (base > path && base[-1] != '/') base--;
  size_t bn = (size_t)(path + n - base);
  if (n == 0 || bn == 0 || (bn == 1 && base[0] == '.') || (bn == 2 && !strncmp(base, "..", 2))) {
    tr_error(TR_EINVAL, "--out '%s': not a name for a run directory", path);
    return NULL;
  }
  char *p = tr_malloc(n + 1);
  if (p) {
    memcpy(p, path, n);
    p[n] = '\0';
  }
  return p;
}

/* Does the file dir/name start with `head`? */
static int file_starts(const char *dir, const char *name, const char *head) {
  char *p = tr_path_join(dir, name);
  FILE *f = p ? fopen(p, "r") : NULL;
  free(p);
  if (!f) return 0;
  char buf[64] = "";
  size_t n = strlen(head), got = fread(buf, 1, n, f);
  fclose(f);
  return got == n && !memcmp(buf, head, n);
}

int exp_rundir_is_complete(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) return 0;
  return file_starts(path, "config.ini", "# trbench run configuration") &&
         file_starts(path, "summary.ini", "[summary]") &&
         file_starts(path, "progress.tsv", "iter\t");
}

/* What is at `path` may be replaced: nothing, a complete run directory, or anything with
 * force. */
static tr_status may_replace(const char *path, int force) {
  struct stat sb;
  if (lstat(path, &sb) != 0) {
    if (errno == ENOENT) return TR_OK;
    return tr_error(TR_EIO, "%s: %s", path, strerror(errno));
  }
  if (force || exp_rundir_is_complete(path)) return TR_OK;
  return tr_error(TR_EINVAL, "%s: exists and is not a complete trbench run directory (nothing "
                  "written; --force replaces it)", path);
}

tr_status exp_rundir_check(const char *path, int force) {
  char *p = out_path(path);
  if (!p) return TR_EINVAL;
  tr_status st = may_replace(p, force);
  free(p);
  return st;
}

/* "owner" in the temporary directory: "host pid", so `sweep --status` can tell a live run
 * from a killed one (on this host by the pid; on another by the files' age).  Removed at
 * commit. */
static tr_status write_owner(const char *tmp_dir) {
  char host[256] = "localhost", *p = tr_path_join(tmp_dir, "owner");
  if (!p) return TR_ENOMEM;
  gethostname(host, sizeof host - 1);
  FILE *f = fopen(p, "w");
  free(p);
  if (!f) return tr_error(TR_EIO, "%s/owner: cannot write: %s", tmp_dir, strerror(errno));
  fprintf(f, "%s %ld\n", host, (long)getpid());
  return fclose(f) == 0 ? TR_OK : tr_error(TR_EIO, "%s/owner: cannot write", tmp_dir);
}

/* "<final>.live" -> "<leaf of tmp>": a stable path to the progress of the run while it
 * trains (README "Run directories"); removed when it commits or aborts. */
static void live_link(const exp_rundir *rd, int make) {
  size_t n = strlen(rd->final_path) + 8;
  char *link = tr_malloc(n);
  if (!link) return;
  snprintf(link, n, "%s.live", rd->final_path);
  char target[4096];
  ssize_t got = readlink(link, target, sizeof target - 1);
  const char *leaf = strrchr(rd->tmp_path, '/');
  leaf = leaf ? leaf + 1 : rd->tmp_path;
  if (got >= 0) {
    target[got] = '\0';
    /* ours, or a dead run's (a new run or a resume takes it over) */
    if (make || !strcmp(target, leaf)) unlink(link);
  }
  if (make && symlink(leaf, link) != 0) { /* best effort: the run goes on without it */
  }
  free(link);
}

/* rd's paths: path checked, and this process's "<path>.tmp.<pid>" (nothing created). */
static tr_status rundir_paths(exp_rundir *rd, const char *path, int force) {
  memset(rd, 0, sizeof *rd);
  rd->force = force;
  rd->final_path = out_path(path);
  if (!rd->final_path) return TR_EINVAL;
  size_t n = strlen(rd->final_path) + 48;
  rd->tmp_path = tr_malloc(n);
  if (!rd->tmp_path) {
    exp_rundir_abort(rd);
    return TR_ENOMEM;
  }
  snprintf(rd->tmp_path, n, "%s.tmp.%ld", rd->final_path, (long)getpid());
  return TR_OK;
}

tr_status exp_rundir_begin_force(exp_rundir *rd, const char *path, int force) {
  tr_status st = rundir_paths(rd, path, force);
  if (st) return st;
  st = may_replace(rd->final_path, force);
  if (!st) st = exp_remove_tree(rd->tmp_path);
  if (!st) st = tr_mkdir_p(rd->tmp_path);
  if (!st) st = write_owner(rd->tmp_path);
  if (st) exp_rundir_abort(rd);
  else live_link(rd, 1);
  return st;
}

tr_status exp_rundir_adopt(exp_rundir *rd, const char *path, const char *stale_tmp) {
  tr_status st = rundir_paths(rd, path, 0);
  if (st) return st;
  st = may_replace(rd->final_path, 0);
  if (!st && strcmp(stale_tmp, rd->tmp_path) && rename(stale_tmp, rd->tmp_path) != 0)
    st = tr_error(TR_EIO, "%s: cannot take over %s: %s", path, stale_tmp, strerror(errno));
  if (!st) st = write_owner(rd->tmp_path);
  if (!st) live_link(rd, 1);
  if (st) { /* the stale temporary stays where it was: nothing lost */
    free(rd->final_path), free(rd->tmp_path);
    memset(rd, 0, sizeof *rd);
  }
  return st;
}

tr_status exp_rundir_begin(exp_rundir *rd, const char *path) {
  return exp_rundir_begin_force(rd, path, 0);
}

FILE *exp_rundir_open(const exp_rundir *rd, const char *name) {
  char *p = tr_path_join(rd->tmp_path, name);
  if (!p) return NULL;
  FILE *f = fopen(p, "w");
  if (!f) tr_error(TR_EIO, "%s: cannot write: %s", p, strerror(errno));
  free(p);
  return f;
}

/* The old way, for file systems without RENAME_EXCHANGE: move the old aside, move the
 * new in, remove the old (a kill between the renames leaves the run at PATH.old.<pid>). */
static tr_status swap_by_two_renames(const exp_rundir *rd) {
  size_t n = strlen(rd->final_path) + 48;
  char *old = tr_malloc(n);
  if (!old) return TR_ENOMEM;
  snprintf(old, n, "%s.old.%ld", rd->final_path, (long)getpid());
  tr_status st = TR_OK;
  if (rename(rd->final_path, old) != 0)
    st = tr_error(TR_EIO, "%s: cannot replace: %s", rd->final_path, strerror(errno));
  else if (rename(rd->tmp_path, rd->final_path) != 0) {
    st = tr_error(TR_EIO, "%s: cannot move the finished run into place: %s", rd->final_path,
                  strerror(errno));
    rename(old, rd->final_path);
  } else
    exp_remove_tree(old);
  free(old);
  return st;
}

/* Into place in one step: RENAME_NOREPLACE when nothing is there, RENAME_EXCHANGE (both
 * paths always exist) when a run is replaced; the old run, now at the temporary path, is
 * removed after.  On failure the finished run stays at its temporary path, named in the
 * message, and rd is released. */
tr_status exp_rundir_commit(exp_rundir *rd) {
  live_link(rd, 0);
  char *owner = tr_path_join(rd->tmp_path, "owner"); /* sweep --status's, not the run's */
  if (owner) remove(owner);
  free(owner);
  tr_status st = may_replace(rd->final_path, rd->force);
  struct stat sb;
  int exists = lstat(rd->final_path, &sb) == 0;
  if (!st && !exists && renameat2(AT_FDCWD, rd->tmp_path, AT_FDCWD, rd->final_path,
                                  RENAME_NOREPLACE) != 0) {
    if (errno == EINVAL || errno == ENOSYS) {
      if (rename(rd->tmp_path, rd->final_path) != 0)
        st = tr_error(TR_EIO, "%s: cannot move the finished run into place: %s",
                      rd->final_path, strerror(errno));
    } else {
      st = tr_error(TR_EIO, "%s: cannot move the finished run into place: %s", rd->final_path,
                    strerror(errno));
    }
  } else if (!st && exists) {
    if (renameat2(AT_FDCWD, rd->tmp_path, AT_FDCWD, rd->final_path, RENAME_EXCHANGE) == 0)
      exp_remove_tree(rd->tmp_path); /* the old run */
    else if (errno == EINVAL || errno == ENOSYS)
      st = swap_by_two_renames(rd);
    else
      st = tr_error(TR_EIO, "%s: cannot replace: %s", rd->final_path, strerror(errno));
  }
  if (st) tr_error_prefix("the finished run is kept in %s", rd->tmp_path);
  free(rd->final_path);
  free(rd->tmp_path);
  memset(rd, 0, sizeof *rd);
  return st;
}

/* A process that exists and is not a zombie (a killed run whose parent is gone may stay a
 * zombie where no init reaps it). */
int exp_process_alive(pid_t pid) {
  if (kill(pid, 0) != 0) return errno != ESRCH;
  char p[64], buf[256];
  snprintf(p, sizeof p, "/proc/%ld/stat", (long)pid);
  FILE *f = fopen(p, "r");
  if (!f) return 1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *c = strrchr(buf, ')'); /* "pid (comm) S ..." */
  return !(c && c[1] == ' ' && c[2] == 'Z');
}

void exp_rundir_abort(exp_rundir *rd) {
  if (rd->tmp_path && rd->final_path) live_link(rd, 0);
  if (rd->tmp_path) exp_remove_tree(rd->tmp_path);
  free(rd->final_path);
  free(rd->tmp_path);
  memset(rd, 0, sizeof *rd);
}

/* ---- summary.ini ------------------------------------------------------------------------ */

const char *exp_run_state_name(exp_run_state st) {
  switch (st) {
  case EXP_RUN_OK: return "ok";
  case EXP_RUN_DIVERGED: return "diverged";
  case EXP_RUN_FAILED: return "failed";
  default: return "";
  }
}

tr_status exp_summary_write(const exp_rundir *rd, const exp_summary *s) {
  FILE *f = exp_rundir_open(rd, "summary.ini");
  if (!f) return TR_EIO;
  fprintf(f, "[summary]\nstatus = %s\nreason = %s\n", exp_run_state_name(s->state), s->reason);
  fprintf(f, "return_last100 = %.17g\nepisodes = %zu\nsteps = %.0f\niterations = %zu\n",
          s->return_last100, s->episodes, s->steps, s->iterations);
  fprintf(f, "wall_seconds = %.6g\nsteps_per_s = %.6g\n", s->wall_seconds, s->steps_per_s);
  if (s->has_exact) fprintf(f, "exact_J = %.17g\noptimal_J = %.17g\n", s->exact_J, s->optimal_J);
  if (s->has_exact && isfinite(s->exact_seconds))
    fprintf(f, "exact_seconds = %.6g\n", s->exact_seconds);
  if (s->has_model_steps) fprintf(f, "model_steps = %.0f\n", s->model_steps);
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  return bad ? tr_error(TR_EIO, "%s: cannot write summary.ini", rd->tmp_path) : TR_OK;
}

typedef struct {
  exp_summary *s;
  const char *score_key;
  double *score;
} summary_ctx;

/* a finite number, the whole text, or NAN */
static double finite_or_nan(const char *v) {
  char *end;
  double x = strtod(v, &end);
  return end != v && !*end && isfinite(x) ? x : NAN;
}

static int summary_key(void *user, const char *section, const char *k, const char *v) {
  summary_ctx *c = user;
  exp_summary *s = c->s;
  (void)section;
  if (!strcmp(k, "status"))
    s->state = !strcmp(v, "ok") ? EXP_RUN_OK : !strcmp(v, "diverged") ? EXP_RUN_DIVERGED
               : !strcmp(v, "failed") ? EXP_RUN_FAILED : EXP_RUN_OTHER;
  else if (!strcmp(k, "reason")) snprintf(s->reason, sizeof s->reason, "%s", v);
  else if (!strcmp(k, "return_last100")) s->return_last100 = finite_or_nan(v);
  else if (!strcmp(k, "episodes")) s->episodes = (size_t)strtoull(v, NULL, 10);
  else if (!strcmp(k, "steps")) s->steps = strtod(v, NULL);
  else if (!strcmp(k, "iterations")) s->iterations = (size_t)strtoull(v, NULL, 10);
  else if (!strcmp(k, "wall_seconds")) s->wall_seconds = strtod(v, NULL);
  else if (!strcmp(k, "steps_per_s")) s->steps_per_s = strtod(v, NULL);
  else if (!strcmp(k, "exact_J")) s->exact_J = finite_or_nan(v), s->has_exact = 1;
  else if (!strcmp(k, "optimal_J")) s->optimal_J = finite_or_nan(v);
  else if (!strcmp(k, "exact_seconds")) s->exact_seconds = finite_or_nan(v);
  else if (!strcmp(k, "model_steps")) s->model_steps = finite_or_nan(v), s->has_model_steps = 1;
  if (c->score_key && !strcmp(k, c->score_key)) *c->score = finite_or_nan(v);
  return 1;
}

tr_status exp_summary_read(const char *path, const char *score_key, exp_summary *s,
                           double *score, int *found) {
  double ignored;
  summary_ctx c = {s, score_key, score ? score : &ignored};
  memset(s, 0, sizeof *s);
  s->return_last100 = s->steps = s->exact_J = s->optimal_J = s->exact_seconds = NAN;
  s->model_steps = NAN;
  *c.score = NAN;
  *found = 0;
  FILE *f = fopen(path, "r");
  if (!f) return errno == ENOENT ? TR_OK : tr_error(TR_EIO, "%s: %s", path, strerror(errno));
  *found = 1;
  s->state = EXP_RUN_OTHER;
  int rc = ini_parse_file(f, summary_key, &c); /* a malformed line is skipped, as a reader should */
  fclose(f);
  return rc < 0 ? tr_error(TR_ENOMEM, "out of memory") : TR_OK;
}

int exp_eval_read(const char *run_dir, const char *leaf, double *ret, size_t *n, size_t *fell) {
  char *p = tr_path_join(run_dir, leaf);
  FILE *in = p ? fopen(p, "r") : NULL;
  free(p);
  *ret = 0, *n = *fell = 0;
  if (!in) return 0;
  char line[512];
  while (fgets(line, sizeof line, in)) {
    size_t k, len;
    double r;
    int fl;
    if (sscanf(line, "%zu\t%lf\t%zu\t%d", &k, &r, &len, &fl) == 4)
      *ret += r, (*n)++, *fell += fl != 0;
  }
  fclose(in);
  return *n > 0;
}

double exp_eval_mean(const char *run_dir, const char *leaf) {
  double ret;
  size_t n, fell;
  return exp_eval_read(run_dir, leaf, &ret, &n, &fell) ? ret / (double)n : NAN;
}
