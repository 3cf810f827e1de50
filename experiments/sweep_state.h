/* experiments/sweep_state.h — what a sweep remembers, and where each of its runs stands.
 *
 * A sweep's folder ROOT = RESULTS/<experiment> holds sweep.ini beside sweep.log:
 *
 *   [sweep]
 *   spec = ../../experiments/x.ini   ; the spec it was run from, relative to ROOT
 *   spec_hash = 0123456789abcdef     ; FNV-1a 64 of the spec's bytes
 *   results = ..                     ; --results, relative to ROOT
 *   scale = 0.2                      ; --scale (%.17g)
 *   seeds = 2                        ; --seeds (0: all the spec's seeds)
 *
 * and a locator file per spec, STATE/sweeps/<experiment>-<hash of the spec's realpath>.ini
 * (STATE: $TRBENCH_STATE_DIR, else $XDG_STATE_HOME/trbench, else ~/.local/state/trbench),
 * whose `results` line names RESULTS of the spec's last sweep.
 *
 * A new sweep (EXP_SWEEP_NEW: `sweep` without --resume or --status) goes to --results, else
 * "results" — never to the look-up — at --scale and --seeds as given (else 1 and all); a
 * folder that holds a sweep at other settings is refused (one folder, one sweep).
 * Finding a sweep (EXP_SWEEP_FIND: `sweep --resume`, `--status`, `table`, `plot`, `compare`)
 * from the spec alone: --results, else the look-up, else "results"; then --scale and --seeds
 * default to the recorded ones, and a different value given by hand is an error that says
 * what the sweep used.  What is taken from memory is flagged, and exp_sweep_note says it.
 * sweep.ini's paths are relative to ROOT (so a clone or copy of the repository at another
 * path still finds its spec; records of older versions hold absolute ones, still read);
 * RESULTS, when it lies below the working directory, is used relative to it, so the runs'
 * config.ini, the logs and the tables' provenance name no absolute path of the machine.
 *
 * A run is complete (its directory has summary.ini), running (a RUN.tmp.PID directory whose
 * process is alive: on this host by its pid, on another host — named in the directory's
 * `owner` file — by a write in the last EXP_SWEEP_REMOTE_LIVE_S seconds), stale (a
 * RUN.tmp.PID directory whose process is gone) or missing. */
#ifndef EXP_SWEEP_STATE_H
#define EXP_SWEEP_STATE_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "experiments/spec.h"

/* A temporary run directory on another host counts as running while it was written to in
 * the last 15 minutes (a run writes progress.tsv every iteration, seconds apart). */
#define EXP_SWEEP_REMOTE_LIVE_S 900.0

/* The flags as typed: has_* is 0 when the flag was not given. */
typedef struct {
  const char *results;
  double scale;
  size_t seeds;
  int has_results, has_scale, has_seeds;
} exp_sweep_flags;

/* The settings in force. */
typedef struct {
  char *results;  /* RESULTS (new string) */
  double scale;
  size_t seeds;   /* 0: all */
  int recorded;   /* 1: read from ROOT/sweep.ini */
  int results_remembered;  /* RESULTS came from the look-up (and is not ./results) */
  int settings_remembered; /* --scale/--seeds came from the record (and are not 1 / all) */
  char *ini_path; /* ROOT/sweep.ini (new string) */
} exp_sweep_settings;

typedef enum {
  EXP_SWEEP_NEW = 0, /* a new sweep: --results or "results", the flags or the defaults */
  EXP_SWEEP_FIND     /* an existing sweep: the look-up and the record fill what is not given */
} exp_sweep_mode;

/* The settings of the sweep of spec s (see above).  TR_EINVAL when a flag contradicts the
 * record, when a new sweep's settings are not the folder's, or when the record was written
 * by another spec. */
tr_status exp_sweep_resolve(const exp_spec *s, const exp_sweep_flags *f, exp_sweep_mode mode,
                            exp_sweep_settings *out);
/* One line on f saying what was taken from memory (the folder, --scale, --seeds), when
 * anything was: "trbench CMD: the sweep of NAME in ROOT (the spec's last sweep; ...), at its
 * recorded --scale 0.02 --seeds all".  Nothing otherwise. */
void exp_sweep_note(FILE *f, const char *cmd, const exp_spec *s, const exp_sweep_settings *set);
void exp_sweep_settings_free(exp_sweep_settings *set);
/* --seeds as the messages write it: "N", or "all" for 0. */
void exp_sweep_seeds_text(char *buf, size_t n, size_t seeds);
/* Write ROOT/sweep.ini (atomically) and the spec's locator (best effort: a home without a
 * writable state folder only loses the look-up). */
tr_status exp_sweep_record(const exp_spec *s, const exp_sweep_settings *set);

typedef enum {
  EXP_SWEEP_MISSING = 0,
  EXP_SWEEP_COMPLETE,
  EXP_SWEEP_RUNNING,
  EXP_SWEEP_STALE
} exp_sweep_run;

/* The state of the run whose final directory is `dir`. */
exp_sweep_run exp_sweep_run_of(const char *dir);
/* Remove the stale temporaries of run directory `dir` (never one whose process lives);
 * *removed counts them. */
tr_status exp_run_clean_stale(const char *dir, size_t *removed);  /* keeps the ones with a
                                                                     * checkpoint while dir is
                                                                     * incomplete */
/* The stale temporary of run directory dir (its process gone) holding a checkpoint.bin, the
 * newest if several (a new string), or NULL: what `trbench run --resume` continues. */
char *exp_run_stale_checkpoint(const char *dir);
/* A run in progress: found 1 for a live process (its latest row of progress.tsv), 2 for a
 * killed one with a checkpoint (resumable; the latest row it wrote), 0 for neither. */
typedef struct {
  int found;
  size_t iter, steps;
  double return_last100;
} exp_run_live;
exp_run_live exp_run_live_of(const char *dir);

#endif
