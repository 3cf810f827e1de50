/* experiments/rundir.h — a run directory written atomically (DESIGN.md "Run directory").
 *
 * Everything is written into "<dir>.tmp.<pid>" and renamed into place at the end, so an
 * interrupted run never looks finished: a run directory exists only complete.  An existing
 * directory of the same name is replaced (moved aside, then removed). */
#ifndef EXP_RUNDIR_H
#define EXP_RUNDIR_H

#include <stdio.h>

#include "core/error.h"

typedef struct {
  char *final_path;
  char *tmp_path;
} exp_rundir;

tr_status exp_rundir_begin(exp_rundir *rd, const char *path);
/* A new file inside the temporary directory, opened for writing. */
FILE *exp_rundir_open(const exp_rundir *rd, const char *name);
tr_status exp_rundir_commit(exp_rundir *rd);
void exp_rundir_abort(exp_rundir *rd);
/* rm -r */
tr_status exp_remove_tree(const char *path);

/* The build's version and commit ("unknown" outside a git checkout). */
const char *exp_version(void);
const char *exp_commit(void);

#endif
