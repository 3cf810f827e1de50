/* experiments/rundir.h — a run directory written atomically (DESIGN.md "Run directory").
 *
 * Everything is written into "<dir>.tmp.<pid>" and renamed into place at the end, so an
 * interrupted run never looks finished: a run directory exists only complete.
 *
 * Nothing else is ever replaced: the path must be free or hold a complete run directory
 * (config.ini, progress.tsv and summary.ini written by trbench), unless force.  That is
 * checked when the run begins (before training) and again at commit.  A complete run is
 * replaced atomically: renameat2(RENAME_EXCHANGE) swaps the new and the old directory in one
 * step, and the old one is removed after.  "" and names ending in ".", ".." are refused;
 * "D/" means "D". */
#ifndef EXP_RUNDIR_H
#define EXP_RUNDIR_H

#include <stdio.h>

#include "core/error.h"

typedef struct {
  char *final_path;
  char *tmp_path;
  int force; /* replace whatever is at final_path */
} exp_rundir;

/* Checks the path (TR_EINVAL with "PATH: exists and is not a complete trbench run
 * directory ..." when it may not be replaced) and creates the temporary directory. */
tr_status exp_rundir_begin(exp_rundir *rd, const char *path);
tr_status exp_rundir_begin_force(exp_rundir *rd, const char *path, int force);
/* The same check alone, before anything costly (no directory is created). */
tr_status exp_rundir_check(const char *path, int force);
/* 1 when path is a directory holding a complete trbench run. */
int exp_rundir_is_complete(const char *path);
/* Removes the entries NAME.tmp.<pid> and NAME.old.<pid> of dir whose process is gone (left
 * by killed runs); *n_removed counts them. */
tr_status exp_rundir_remove_stale(const char *dir, size_t *n_removed);
/* A new file inside the temporary directory, opened for writing. */
FILE *exp_rundir_open(const exp_rundir *rd, const char *name);
/* Moves the run into place (see above); rd is released either way.  On failure the
 * finished run stays in the temporary directory and the message names it. */
tr_status exp_rundir_commit(exp_rundir *rd);
void exp_rundir_abort(exp_rundir *rd);
/* rm -r */
tr_status exp_remove_tree(const char *path);

/* The build's version and commit ("unknown" outside a git checkout). */
const char *exp_version(void);
const char *exp_commit(void);

#endif
