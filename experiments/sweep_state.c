/* experiments/sweep_state.c — see sweep_state.h */
#define _GNU_SOURCE
#include "experiments/sweep_state.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/io.h"
#include "experiments/rundir.h"

/* ---- small helpers ------------------------------------------------------------------------- */

/* FNV-1a, 64 bits, of n bytes (a fingerprint, not a cryptographic hash). */
static uint64_t fnv1a(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
  return h;
}
#define FNV_SEED UINT64_C(0xcbf29ce484222325)

static tr_status file_hash(const char *path, uint64_t *h) {
  char *text = NULL;
  size_t n = 0;
  tr_status st = tr_read_file(path, &text, &n);
  if (st) return st;
  *h = fnv1a(text, n, FNV_SEED);
  free(text);
  return TR_OK;
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) tr_error(TR_ENOMEM, "out of memory");
  return d;
}

/* An absolute version of path (realpath when it exists, else cwd/path). */
static char *absolute(const char *path) {
  char buf[PATH_MAX];
  if (realpath(path, buf)) return xstrdup(buf);
  if (path[0] == '/') return xstrdup(path);
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return xstrdup(path);
  return tr_path_join(cwd, path);
}

/* STATE/sweeps (new string), or NULL when there is no home to keep it in. */
static char *state_dir(void) {
  const char *d = getenv("TRBENCH_STATE_DIR");
  if (d && *d) return tr_path_join(d, "sweeps");
  char buf[PATH_MAX];
  const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
  if (x && *x) snprintf(buf, sizeof buf, "%s/trbench/sweeps", x);
  else if (home && *home) snprintf(buf, sizeof buf, "%s/.local/state/trbench/sweeps", home);
  else return NULL;
  return xstrdup(buf);
}

/* STATE/sweeps/<name>-<hash of spec realpath>.ini (new string), or NULL. */
static char *locator_path(const exp_spec *s) {
  char *dir = state_dir(), *spec = absolute(s->path);
  char *out = NULL;
  if (dir && spec) {
    char leaf[512];
    snprintf(leaf, sizeof leaf, "%s-%016" PRIx64 ".ini", s->name,
             fnv1a(spec, strlen(spec), FNV_SEED));
    out = tr_path_join(dir, leaf);
  }
  free(dir);
  free(spec);
  return out;
}

/* The folder of the file at path (new string): "ROOT" of "ROOT/sweep.ini". */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(".");
  if (slash == path) return xstrdup("/");
  char *d = xstrdup(path);
  if (d) d[slash - path] = '\0';
  return d;
}

/* A path sweep.ini records (relative to its folder; older records hold absolute ones) as an
 * absolute path (new string), or NULL. */
static char *recorded_path(const char *ini_path, const char *value) {
  if (!value) return NULL;
  if (value[0] == '/') return absolute(value);
  char *root = dir_of(ini_path), *joined = root ? tr_path_join(root, value) : NULL;
  char *out = joined ? absolute(joined) : NULL;
  free(root);
  free(joined);
  return out;
}

/* ---- the record (sweep.ini) and the locator ----------------------------------------------- */

typedef struct {
  char *spec, *results;
  uint64_t spec_hash;
  double scale;
  size_t seeds;
  int has_scale, has_seeds, has_hash;
} record;

static int record_key(void *user, const char *section, const char *key, const char *value) {
  record *r = user;
  if (strcmp(section, "sweep")) return 1;
  char *end;
  if (!strcmp(key, "spec")) {
    free(r->spec);
    r->spec = strdup(value);
  } else if (!strcmp(key, "results")) {
    free(r->results);
    r->results = strdup(value);
  } else if (!strcmp(key, "spec_hash")) {
    r->spec_hash = strtoull(value, &end, 16);
    r->has_hash = *value && !*end;
  } else if (!strcmp(key, "scale")) {
    r->scale = strtod(value, &end);
    r->has_scale = *value && !*end && r->scale > 0 && isfinite(r->scale);
  } else if (!strcmp(key, "seeds")) {
    unsigned long long v = strtoull(value, &end, 10);
    r->seeds = (size_t)v;
    r->has_seeds = *value && *value != '-' && !*end;
  }
  return 1;
}

static void record_free(record *r) {
  free(r->spec);
  free(r->results);
  memset(r, 0, sizeof *r);
}

/* 1 when path exists and was read into r; 0 when absent; TR_EINVAL (as -1) when unreadable. */
static int record_read(const char *path, record *r) {
  memset(r, 0, sizeof *r);
  if (access(path, F_OK) != 0) return 0;
  int line = ini_parse(path, record_key, r);
  if (line != 0) {
    tr_error(TR_EINVAL, "%s:%d: not a sweep record", path, line > 0 ? line : 0);
    record_free(r);
    return -1;
  }
  return 1;
}

void exp_sweep_settings_free(exp_sweep_settings *set) {
  free(set->results);
  free(set->ini_path);
  memset(set, 0, sizeof *set);
}

void exp_sweep_seeds_text(char *buf, size_t n, size_t seeds) {
  if (seeds) snprintf(buf, n, "%zu", seeds);
  else snprintf(buf, n, "all");
}

/* RESULTS of the spec's last sweep from its locator, when that folder still has a record
 * (new string), or NULL. */
static char *locator_results(const exp_spec *s) {
  char *loc = locator_path(s), *out = NULL;
  record lr;
  if (loc && record_read(loc, &lr) == 1) {
    if (lr.results) {
      char *root = tr_path_join(lr.results, s->name);
      char *ini = root ? tr_path_join(root, "sweep.ini") : NULL;
      if (ini && access(ini, F_OK) == 0) out = xstrdup(lr.results);
      free(root);
      free(ini);
    }
    record_free(&lr);
  }
  tr_error_clear(); /* an unreadable look-up is no look-up */
  free(loc);
  return out;
}

tr_status exp_sweep_resolve(const exp_spec *s, const exp_sweep_flags *f, exp_sweep_mode mode,
                            exp_sweep_settings *out) {
  memset(out, 0, sizeof *out);
  tr_status st = TR_OK;
  /* RESULTS: the flag; for a new sweep "results"; else the spec's last sweep, or "results" */
  if (f->has_results) out->results = xstrdup(f->results);
  else if (mode == EXP_SWEEP_FIND && (out->results = locator_results(s))) {
    char *a = absolute(out->results), *b = absolute("results");
    out->results_remembered = a && b && strcmp(a, b) != 0;
    free(a);
    free(b);
  } else out->results = xstrdup("results");
  if (out->results && out->results[0] == '/') { /* below here: relative, for the runs' files */
    char *rel = tr_path_below_cwd(out->results);
    free(out->results);
    out->results = rel;
  }
  if (!out->results) return tr_error(TR_ENOMEM, "out of memory");
  char *root = exp_spec_dir(s, out->results);
  out->ini_path = root ? tr_path_join(root, "sweep.ini") : NULL;
  free(root);
  if (!out->ini_path) {
    exp_sweep_settings_free(out);
    return tr_error(TR_ENOMEM, "out of memory");
  }
  out->scale = f->has_scale ? f->scale : 1.0;
  out->seeds = f->has_seeds ? f->seeds : 0;
  record r;
  int got = record_read(out->ini_path, &r);
  if (got < 0) {
    exp_sweep_settings_free(out);
    return TR_EINVAL;
  }
  if (got == 0) return TR_OK;
  out->recorded = 1;
  /* the same spec: the same file, or a copy with the same bytes */
  char *spec = absolute(s->path), *was_spec = recorded_path(out->ini_path, r.spec);
  uint64_t h = 0;
  int same_path = spec && was_spec && !strcmp(spec, was_spec);
  int same_bytes = r.has_hash && !file_hash(s->path, &h) && h == r.spec_hash;
  double rscale = r.has_scale ? r.scale : 1.0;
  size_t rseeds = r.has_seeds ? r.seeds : 0;
  char was[64], now[64];
  exp_sweep_seeds_text(was, sizeof was, rseeds);
  if (!same_path && !same_bytes)
    st = tr_error(TR_EINVAL, "%s: this sweep was run from the spec %s, not from %s", out->ini_path,
                  was_spec ? was_spec : "(unknown)", s->path);
  else if (mode == EXP_SWEEP_NEW && (out->scale != rscale || out->seeds != rseeds)) {
    /* one folder, one sweep: a new one at other settings would mix its runs with these */
    exp_sweep_seeds_text(now, sizeof now, out->seeds);
    st = tr_error(TR_EINVAL, "%s: this folder holds a sweep run with --scale %.17g --seeds %s; a "
                  "new sweep at --scale %.17g --seeds %s would mix with its runs: give another "
                  "--results (or remove the folder), or --scale %.17g --seeds %s to redo it, or "
                  "--resume to continue it", out->ini_path, rscale, was, out->scale, now, rscale,
                  was);
  } else if (f->has_scale && f->scale != rscale)
    st = tr_error(TR_EINVAL, "--scale %g: this sweep was run with --scale %.17g --seeds %s (%s)",
                  f->scale, rscale, was, out->ini_path);
  else if (f->has_seeds && f->seeds != rseeds) {
    exp_sweep_seeds_text(now, sizeof now, f->seeds);
    st = tr_error(TR_EINVAL, "--seeds %s: this sweep was run with --scale %.17g --seeds %s (%s)", now,
                  rscale, was, out->ini_path);
  }
  if (!st) { /* the record's settings; remembered when no flag gave them and not the defaults */
    out->settings_remembered = (!f->has_scale && rscale != 1.0) || (!f->has_seeds && rseeds != 0);
    out->scale = rscale;
    out->seeds = rseeds;
  }
  free(spec);
  free(was_spec);
  record_free(&r);
  if (st) exp_sweep_settings_free(out);
  return st;
}

void exp_sweep_note(FILE *f, const char *cmd, const exp_spec *s, const exp_sweep_settings *set) {
  if (!set->results_remembered && !set->settings_remembered) return;
  char seeds[32], *root = exp_spec_dir(s, set->results);
  exp_sweep_seeds_text(seeds, sizeof seeds, set->seeds);
  fprintf(f, "trbench %s: the sweep of %s in %s%s", cmd, s->name, root ? root : set->results,
          set->results_remembered ? " (the spec's last sweep; --results chooses another)" : "");
  if (set->settings_remembered)
    fprintf(f, ", at its recorded --scale %.17g --seeds %s", set->scale, seeds);
  fputc('\n', f);
  free(root);
}

static void write_locator(const exp_spec *s, const char *results_abs) {
  char *loc = locator_path(s), *dir = state_dir();
  if (loc && dir && !tr_mkdir_p(dir)) {
    tr_atomic_file af;
    if (!tr_atomic_open(&af, loc)) {
      char *spec = absolute(s->path);
      fprintf(af.f, "# trbench: where the sweep of %s keeps its results\n[sweep]\nspec = %s\nresults = %s\n",
              s->name, spec ? spec : s->path, results_abs);
      free(spec);
      tr_atomic_commit(&af);
    }
  }
  tr_error_clear(); /* best effort: the look-up is a convenience, never an error */
  free(loc);
  free(dir);
}

tr_status exp_sweep_record(const exp_spec *s, const exp_sweep_settings *set) {
  /* sweep.ini names the spec and RESULTS from its own folder, so the folder can be copied or
   * cloned anywhere along with the spec; the locator (per user, never shared) keeps them
   * absolute */
  char *res_abs = absolute(set->results), *root = dir_of(set->ini_path);
  char *spec = root ? tr_path_relative(s->path, root) : NULL;
  char *res = root ? tr_path_relative(set->results, root) : NULL;
  uint64_t h = 0;
  tr_status st = spec && res && res_abs ? file_hash(s->path, &h)
                                        : tr_error(TR_ENOMEM, "out of memory");
  tr_atomic_file af;
  if (!st) st = tr_atomic_open(&af, set->ini_path);
  if (!st) {
    fprintf(af.f,
            "# trbench sweep: how this folder's runs were made (read by sweep --resume/--status,\n"
            "# table, plot and compare)\n[sweep]\nspec = %s\nspec_hash = %016" PRIx64
            "\nresults = %s\nscale = %.17g\nseeds = %zu\n",
            spec, h, res, set->scale, set->seeds);
    st = tr_atomic_commit(&af);
  }
  if (!st) write_locator(s, res_abs);
  free(spec);
  free(res);
  free(res_abs);
  free(root);
  return st;
}

/* ---- run states ----------------------------------------------------------------------------- */

/* Calls each(tmp_path, pid, ctx) for every "<dir>.tmp.<pid>" directory; stops on nonzero. */
static int each_tmp(const char *dir, int (*each)(const char *, long, void *), void *ctx) {
  char *slash = strrchr(dir, '/');
  char parent[PATH_MAX];
  const char *leaf = dir;
  if (slash) {
    snprintf(parent, sizeof parent, "%.*s", (int)(slash - dir), dir);
    if (!parent[0]) strcpy(parent, "/");
    leaf = slash + 1;
  } else strcpy(parent, ".");
  DIR *d = opendir(parent);
  if (!d) return 0;
  size_t n = strlen(leaf);
  struct dirent *e;
  int rc = 0;
  while (!rc && (e = readdir(d))) {
    /* RUN.tmp.PID: a run being written; RUN.old.PID: a replaced run (two-rename commits) */
    if (strncmp(e->d_name, leaf, n) ||
        (strncmp(e->d_name + n, ".tmp.", 5) && strncmp(e->d_name + n, ".old.", 5)))
      continue;
    char *end;
    long pid = strtol(e->d_name + n + 5, &end, 10);
    if (*end || pid <= 0) continue;
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", parent, e->d_name) >= sizeof p) continue;
    rc = each(p, pid, ctx);
  }
  closedir(d);
  return rc;
}

/* Newest modification time of the files directly in dir (and of dir itself). */
static double newest_mtime(const char *dir) {
  struct stat sb;
  double t = stat(dir, &sb) == 0 ? (double)sb.st_mtime : 0;
  DIR *d = opendir(dir);
  if (!d) return t;
  struct dirent *e;
  while ((e = readdir(d))) {
    char p[PATH_MAX];
    if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= sizeof p) continue;
    if (stat(p, &sb) == 0 && (double)sb.st_mtime > t) t = (double)sb.st_mtime;
  }
  closedir(d);
  return t;
}

/* Whether the process that owns tmp (pid from its name) is alive. */
static int owner_alive(const char *tmp, long pid) {
  char host[256] = "", me[256] = "", p[PATH_MAX];
  long opid = pid;
  snprintf(p, sizeof p, "%s/owner", tmp);
  FILE *f = fopen(p, "r");
  if (f) {
    if (fscanf(f, "%255s %ld", host, &opid) != 2) host[0] = '\0';
    fclose(f);
  }
  gethostname(me, sizeof me - 1);
  if (host[0] && strcmp(host, me)) /* another host: alive while it still writes */
    return difftime(time(NULL), (time_t)newest_mtime(tmp)) < EXP_SWEEP_REMOTE_LIVE_S;
  return exp_process_alive((pid_t)opid);
}

static int note_tmp(const char *tmp, long pid, void *ctx) {
  exp_sweep_run *st = ctx;
  if (owner_alive(tmp, pid)) *st = EXP_SWEEP_RUNNING;
  else if (*st != EXP_SWEEP_RUNNING) *st = EXP_SWEEP_STALE;
  return 0;
}

exp_sweep_run exp_sweep_run_of(const char *dir) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/summary.ini", dir);
  if (access(p, F_OK) == 0) return EXP_SWEEP_COMPLETE;
  exp_sweep_run st = EXP_SWEEP_MISSING;
  each_tmp(dir, note_tmp, &st);
  return st;
}

typedef struct {
  size_t removed;
  tr_status st;
  int complete; /* the run is complete: its killed attempts' checkpoints are of no use */
} clean_ctx;

static int has_checkpoint(const char *tmp) {
  char p[PATH_MAX];
  return (size_t)snprintf(p, sizeof p, "%s/checkpoint.bin", tmp) < sizeof p && access(p, F_OK) == 0;
}

static int clean_tmp(const char *tmp, long pid, void *ctx) {
  clean_ctx *c = ctx;
  if (owner_alive(tmp, pid)) return 0;
  if (!c->complete && has_checkpoint(tmp)) return 0; /* resumable: run --resume continues it */
  if ((c->st = exp_remove_tree(tmp))) return 1;
  c->removed++;
  return 0;
}

typedef struct {
  char *best;
  double mtime;
} ckpt_ctx;

static int note_ckpt(const char *tmp, long pid, void *ctx) {
  ckpt_ctx *c = ctx;
  char p[PATH_MAX];
  struct stat sb;
  if (owner_alive(tmp, pid) || (size_t)snprintf(p, sizeof p, "%s/checkpoint.bin", tmp) >= sizeof p ||
      stat(p, &sb) != 0 || (c->best && (double)sb.st_mtime <= c->mtime))
    return 0;
  free(c->best);
  c->best = strdup(tmp);
  c->mtime = (double)sb.st_mtime;
  return 0;
}

/* The last complete row of progress.tsv in tmp: iteration, steps and return_last100. */
static int last_row(const char *tmp, exp_run_live *out) {
  char p[PATH_MAX], line[8192], last[8192] = "";
  if ((size_t)snprintf(p, sizeof p, "%s/progress.tsv", tmp) >= sizeof p) return 0;
  FILE *f = fopen(p, "r");
  if (!f) return 0;
  int rows = 0;
  while (fgets(line, sizeof line, f))
    if (strchr(line, '\n') && strncmp(line, "iter\t", 5)) {
      snprintf(last, sizeof last, "%s", line);
      rows++;
    }
  fclose(f);
  if (!rows) return 0;
  /* iter steps episodes return_mean return_std ep_len kl entropy clip surr vloss seconds last100 */
  char *save = NULL, *tok = strtok_r(last, "\t", &save);
  for (int col = 0; tok; col++, tok = strtok_r(NULL, "\t\n", &save)) {
    if (col == 0) out->iter = strtoull(tok, NULL, 10);
    else if (col == 1) out->steps = strtoull(tok, NULL, 10);
    else if (col == 12) out->return_last100 = strtod(tok, NULL);
  }
  return 1;
}

static int note_live(const char *tmp, long pid, void *ctx) {
  exp_run_live *l = ctx;
  int alive = owner_alive(tmp, pid);
  if (l->found == 1 || (!alive && !has_checkpoint(tmp))) return 0;
  exp_run_live cur = {alive ? 1 : 2, 0, 0, NAN};
  if (!last_row(tmp, &cur) && alive) cur.iter = 0;
  if (alive || !l->found) *l = cur; /* a live one wins over a resumable one */
  return 0;
}

exp_run_live exp_run_live_of(const char *dir) {
  exp_run_live l = {0, 0, 0, NAN};
  each_tmp(dir, note_live, &l);
  return l;
}

char *exp_run_stale_checkpoint(const char *dir) {
  ckpt_ctx c = {NULL, 0};
  each_tmp(dir, note_ckpt, &c);
  return c.best;
}

tr_status exp_run_clean_stale(const char *dir, size_t *removed) {
  clean_ctx c = {0, TR_OK, exp_sweep_run_of(dir) == EXP_SWEEP_COMPLETE};
  each_tmp(dir, clean_tmp, &c);
  /* DIR.live of a killed run whose temporary is gone now */
  char live[PATH_MAX];
  struct stat sb;
  if ((size_t)snprintf(live, sizeof live, "%s.live", dir) < sizeof live && lstat(live, &sb) == 0 &&
      S_ISLNK(sb.st_mode) && stat(live, &sb) != 0)
    unlink(live);
  *removed += c.removed;
  return c.st;
}
