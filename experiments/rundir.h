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
#include <sys/types.h>

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
/* Takes over the stale temporary stale_tmp of a killed run of path (renamed to this
 * process's "<path>.tmp.<pid>", its owner rewritten): `trbench run --resume`. */
tr_status exp_rundir_adopt(exp_rundir *rd, const char *path, const char *stale_tmp);
/* The same check alone, before anything costly (no directory is created). */
tr_status exp_rundir_check(const char *path, int force);
/* 1 when path is a directory holding a complete trbench run. */
int exp_rundir_is_complete(const char *path);
/* Whether process pid exists and is not a zombie (a killed run whose parent is gone may
 * stay a zombie where no init reaps it).  Stale temporaries: sweep_state.h. */
int exp_process_alive(pid_t pid);
/* A new file inside the temporary directory, opened for writing. */
FILE *exp_rundir_open(const exp_rundir *rd, const char *name);
/* Moves the run into place (see above); rd is released either way.  On failure the
 * finished run stays in the temporary directory and the message names it. */
tr_status exp_rundir_commit(exp_rundir *rd);
void exp_rundir_abort(exp_rundir *rd);
/* rm -r */
tr_status exp_remove_tree(const char *path);

/* summary.ini: what a finished run says of itself (DESIGN.md "Run directory"). */
typedef enum { EXP_RUN_ABSENT = 0, EXP_RUN_OK, EXP_RUN_DIVERGED, EXP_RUN_FAILED, EXP_RUN_OTHER } exp_run_state;
typedef struct {
  exp_run_state state;   /* written as status = ok|diverged|failed */
  char reason[256];
  double return_last100;
  size_t episodes, iterations;
  double steps;          /* environment steps (an integer; NAN when a file lacks it) */
  double wall_seconds, steps_per_s;
  int has_exact;         /* tabular runs: exact_J and optimal_J */
  double exact_J, optimal_J;
  double exact_seconds;  /* tabular runs: wall time of the per-iteration exact diagnostics */
  int has_model_steps;   /* ilqr: model_steps, the mj_steps its model took (not in steps) */
  double model_steps;
} exp_summary;

/* "[summary]" and one "key = value" line per field into the run directory. */
tr_status exp_summary_write(const exp_rundir *rd, const exp_summary *s);
/* A summary.ini read with inih: *found = 0 (and TR_OK) when there is none.  s->state is
 * EXP_RUN_OTHER for an unknown status, numbers absent from the file NAN or 0; the value of
 * the key score_key (any key, or NULL) into *score, NAN unless it is a finite number. */
tr_status exp_summary_read(const char *path, const char *score_key, exp_summary *s,
                           double *score, int *found);
/* A run's evaluation file (RUN_DIR/leaf: eval.tsv or eval_<ENV>.tsv, `episode return length
 * fell` per line): *ret the sum of its episodes' returns, *n how many, *fell how many ended by
 * a termination before the time limit; 0 (and zeros) when the file is absent or empty. */
int exp_eval_read(const char *run_dir, const char *leaf, double *ret, size_t *n, size_t *fell);
/* The mean episode return of that file, NAN when it is absent or empty. */
double exp_eval_mean(const char *run_dir, const char *leaf);
/* The words of a state: "ok", "diverged", "failed", "" for the others. */
const char *exp_run_state_name(exp_run_state st);

/* The build's version and commit ("unknown" outside a git checkout). */
const char *exp_version(void);
const char *exp_commit(void);

#endif
