/* experiments/rundir.c — see rundir.h */
#define _GNU_SOURCE /* renameat2 */
#include "experiments/rundir.h"

#include <dirent.h>
#include <errno.h>
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

tr_status exp_rundir_begin_force(exp_rundir *rd, const char *path, int force) {
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
  tr_status st = may_replace(rd->final_path, force);
  if (!st) st = exp_remove_tree(rd->tmp_path);
  if (!st) st = tr_mkdir_p(rd->tmp_path);
  if (st) exp_rundir_abort(rd);
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
static int process_alive(pid_t pid) {
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

/* PATH.tmp.<pid> or PATH.old.<pid> whose pid is no live process. */
static int stale_name(const char *name) {
  const char *t = strrchr(name, '.');
  if (!t || t - name < 4 || (strncmp(t - 4, ".tmp", 4) && strncmp(t - 4, ".old", 4))) return 0;
  char *end;
  long pid = strtol(t + 1, &end, 10);
  if (end == t + 1 || *end || pid <= 0) return 0;
  return !process_alive((pid_t)pid);
}

tr_status exp_rundir_remove_stale(const char *dir, size_t *n_removed) {
  *n_removed = 0;
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? TR_OK : tr_error(TR_EIO, "%s: %s", dir, strerror(errno));
  tr_status st = TR_OK;
  struct dirent *e;
  while (!st && (e = readdir(d))) {
    if (!stale_name(e->d_name)) continue;
    char *p = tr_path_join(dir, e->d_name);
    st = p ? exp_remove_tree(p) : TR_ENOMEM;
    free(p);
    if (!st) (*n_removed)++;
  }
  closedir(d);
  return st;
}

void exp_rundir_abort(exp_rundir *rd) {
  if (rd->tmp_path) exp_remove_tree(rd->tmp_path);
  free(rd->final_path);
  free(rd->tmp_path);
  memset(rd, 0, sizeof *rd);
}
