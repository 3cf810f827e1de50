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
 * whose `results` line names RESULTS.  So `sweep --resume`, `table`, `plot` and `compare`
 * find the sweep from the spec alone: --results, else the locator, else "results"; then
 * --scale and --seeds default to the recorded ones, and a different value given by hand
 * is an error that says what the sweep used.  sweep.ini's paths are relative to ROOT (so a
 * clone or copy of the repository at another path still finds its spec; records of older
 * versions hold absolute ones, still read); RESULTS, when it lies below the working
 * directory, is used relative to it, so the runs' config.ini, the logs and the tables'
 * provenance name no absolute path of the machine.
 *
 * A run is complete (its directory has summary.ini), running (a RUN.tmp.PID directory whose
 * process is alive: on this host by its pid, on another host — named in the directory's
 * `owner` file — by a write in the last EXP_SWEEP_REMOTE_LIVE_S seconds), stale (a
 * RUN.tmp.PID directory whose process is gone) or missing. */
#ifndef EXP_SWEEP_STATE_H
#define EXP_SWEEP_STATE_H

#include <stddef.h>

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
  char *ini_path; /* ROOT/sweep.ini (new string) */
} exp_sweep_settings;

/* The settings of the sweep of spec s (see above).  TR_EINVAL when a flag contradicts the
 * record, or when the record was written by another spec. */
tr_status exp_sweep_resolve(const exp_spec *s, const exp_sweep_flags *f, exp_sweep_settings *out);
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
tr_status exp_run_clean_stale(const char *dir, size_t *removed);

#endif
