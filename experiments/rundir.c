/* experiments/rundir.c — see rundir.h */
#define _XOPEN_SOURCE 700
#include "experiments/rundir.h"

#include <errno.h>
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

tr_status exp_rundir_begin(exp_rundir *rd, const char *path) {
  memset(rd, 0, sizeof *rd);
  size_t n = strlen(path) + 48;
  rd->final_path = strdup(path);
  rd->tmp_path = tr_malloc(n);
  if (!rd->final_path || !rd->tmp_path) {
    exp_rundir_abort(rd);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  snprintf(rd->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
  tr_status st = exp_remove_tree(rd->tmp_path);
  if (!st) st = tr_mkdir_p(rd->tmp_path);
  if (st) exp_rundir_abort(rd);
  return st;
}

FILE *exp_rundir_open(const exp_rundir *rd, const char *name) {
  char *p = tr_path_join(rd->tmp_path, name);
  if (!p) return NULL;
  FILE *f = fopen(p, "w");
  if (!f) tr_error(TR_EIO, "%s: cannot write: %s", p, strerror(errno));
  free(p);
  return f;
}

tr_status exp_rundir_commit(exp_rundir *rd) {
  tr_status st = TR_OK;
  struct stat sb;
  char *old = NULL;
  if (stat(rd->final_path, &sb) == 0) {
    size_t n = strlen(rd->final_path) + 48;
    old = tr_malloc(n);
    if (!old) return TR_ENOMEM;
    snprintf(old, n, "%s.old.%ld", rd->final_path, (long)getpid());
    if (rename(rd->final_path, old) != 0) {
      st = tr_error(TR_EIO, "%s: cannot replace: %s", rd->final_path, strerror(errno));
      free(old);
      return st;
    }
  }
  if (rename(rd->tmp_path, rd->final_path) != 0)
    st = tr_error(TR_EIO, "%s: cannot move the finished run into place: %s", rd->final_path,
                  strerror(errno));
  if (old) {
    if (!st) exp_remove_tree(old);
    free(old);
  }
  if (!st) {
    free(rd->final_path);
    free(rd->tmp_path);
    memset(rd, 0, sizeof *rd);
  }
  return st;
}

void exp_rundir_abort(exp_rundir *rd) {
  if (rd->tmp_path) exp_remove_tree(rd->tmp_path);
  free(rd->final_path);
  free(rd->tmp_path);
  memset(rd, 0, sizeof *rd);
}
