/* experiments/spec.c — see spec.h */
#include "experiments/spec.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "algorithms/checkpoint.h"
#include "algorithms/registry.h"
#include "core/io.h"
#include "core/num.h"
#include "core/size.h"
#include "mdps/env.h"

typedef struct {
  exp_spec *s;
  FILE *f;
  int line;          /* the line inih is on (counted by the reader) */
  char err[TR_ERRMSG_MAX]; /* the first error */
  int err_line;
  int seen_experiment;
  unsigned experiment_keys; /* bit i: experiment key i given (each at most once) */
  int env_line;             /* the line of environments = */
  int score_line;           /* the line of score = (0: the default) */
  char section[64];         /* the section of the last key, to see a section given twice */
} parse_ctx;

/* inih's limits (ini.c, Debian's libinih 55): a section name keeps 49 characters. */
#define SPEC_MAX_SECTION 49

static int fail(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An inline comment: from a ';' or '#' that follows white space to the end of the line, as
 * inih (and Python's configparser with inline_comment_prefixes) reads ';' — so
 * `clip_range = 0.2   # the paper's` is 0.2.  Lines that are comments whole are inih's. */
static void strip_inline_comment(char *line) {
  const char *first = line + strspn(line, " \t");
  if (*first == ';' || *first == '#') return;
  for (char *p = line + 1; *p; p++)
    if ((*p == '#' || *p == ';') && (p[-1] == ' ' || p[-1] == '\t')) {
      p[0] = '\n';
      p[1] = '\0';
      return;
    }
}

/* Lines are counted where they begin; a line longer than inih's buffer is an error on its
 * own line (inih would read it as several).  Inline comments are removed here. */
static char *reader(char *str, int num, void *stream) {
  parse_ctx *c = stream;
  if (c->err[0]) return NULL;
  char *r = fgets(str, num, c->f);
  if (!r) return NULL;
  c->line++;
  size_t n = strlen(r);
  if (n && r[n - 1] != '\n') { /* the buffer is full, or this is the last line */
    int next = getc(c->f);
    if (next != EOF) {
      fail(c, "line longer than %d characters", num - 2);
      return NULL;
    }
  }
  strip_inline_comment(r);
  return r;
}

static int fail(parse_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parse_ctx *c, const char *fmt, ...) {
  if (!c->err[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    c->err_line = c->line;
  }
  return 0; /* inih stops and returns this line */
}

static char *trim_dup(const char *v) {
  while (isspace((unsigned char)*v)) v++;
  size_t n = strlen(v);
  while (n && isspace((unsigned char)v[n - 1])) n--;
  char *out = malloc(n + 1);
  if (out) {
    memcpy(out, v, n);
    out[n] = '\0';
  }
  return out;
}

/* Split a comma-separated list into trimmed, non-empty items. */
static int split(parse_ctx *c, const char *key, const char *v, char ***items, size_t *n) {
  char *copy = strdup(v), *save = NULL;
  size_t cap = 1;
  for (const char *p = v; *p; p++) cap += *p == ',';
  *items = calloc(cap, sizeof **items);
  *n = 0;
  if (!copy || !*items) {
    free(copy);
    free(*items);
    return fail(c, "out of memory");
  }
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *t = trim_dup(tok);
    if (!t || !*t) {
      free(t);
      continue;
    }
    (*items)[(*n)++] = t;
  }
  free(copy);
  if (!*n) {
    free(*items);
    return fail(c, "%s: empty list", key);
  }
  return 1;
}

static void free_items(char **items, size_t n) {
  for (size_t i = 0; i < n; i++) free(items[i]);
  free(items);
}

/* A plain identifier: a letter, digit or '_', then letters, digits, '_', '-', '.'. */
static int plain_identifier(const char *v) {
  if (!*v || !(isalnum((unsigned char)*v) || *v == '_')) return 0;
  for (; *v; v++)
    if (!(isalnum((unsigned char)*v) || strchr("_-.", *v))) return 0;
  return 1;
}

static int has_duplicate(char **items, size_t n, size_t *dup) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      if (!strcmp(items[i], items[j])) {
        *dup = i;
        return 1;
      }
  return 0;
}

/* Spec values are trimmed by inih; the number itself follows core/num.h. */
static int parse_u64(const char *v, uint64_t *out) {
  return !tr_parse_u64("", v, 0, UINT64_MAX, out);
}

static int parse_real(const char *v, double *out) {
  return !tr_parse_real("", v, -HUGE_VAL, HUGE_VAL, out);
}

static int parse_bool(const char *v, int *out) {
  if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1")) *out = 1;
  else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0")) *out = 0;
  else return 0;
  return 1;
}

static const char *const experiment_keys[] = {"name", "environments", "seeds", "steps", "score",
                                              "normalization", "scale_seeds", "paper",
                                              "description", "evaluate", "evaluate_environments",
                                              "evaluate_deterministic", "evaluate_time_limit",
                                              "baseline"};

/* Whether item is a range "PREFIX:A..B" or "PREFIX,A..B" (A, B decimal integers): its
 * prefix length (up to and with the ':' or ','), A and B; 0 when it is not one. */
static size_t range_of(const char *item, uint64_t *a, uint64_t *b) {
  const char *dots = strstr(item, "..");
  if (!dots || dots == item || !dots[2] || strspn(dots + 2, "0123456789") != strlen(dots + 2))
    return 0;
  const char *p = dots;
  while (p > item && isdigit((unsigned char)p[-1])) p--;
  if (p == dots || p == item || (p[-1] != ':' && p[-1] != ',')) return 0;
  char num[32];
  size_t n = (size_t)(dots - p);
  if (n >= sizeof num) n = sizeof num - 1;
  memcpy(num, p, n);
  num[n] = '\0';
  if (!parse_u64(num, a) || !parse_u64(dots + 2, b)) return 0;
  return (size_t)(p - item);
}

/* Ranges in a list of environment names: "hopper-terrain:1001..1010" stands for the ten names
 * hopper-terrain:1001, ..., hopper-terrain:1010 (the last parameter runs from A to B, B >= A,
 * at most EXP_SPEC_RANGE_MAX names).  items (n) are replaced by the expanded list, in order.
 * *from (new, the expanded list's length) gets, per name, the range it came from (NULL for
 * names given as they are; free_ranges frees it).  0 after fail(), items left to the
 * caller to free. */
#define EXP_SPEC_RANGE_MAX 1000
static int expand_ranges(parse_ctx *c, const char *k, char ***items, size_t *n, char ***from) {
  size_t total = 0;
  for (size_t i = 0; i < *n; i++) {
    uint64_t a, b;
    size_t pre = range_of((*items)[i], &a, &b);
    if (!pre) {
      total++;
      continue;
    }
    if (b < a)
      return fail(c, "%s: %s: the range's end %llu is below its start %llu", k, (*items)[i],
                  (unsigned long long)b, (unsigned long long)a);
    if (b - a >= EXP_SPEC_RANGE_MAX)
      return fail(c, "%s: %s: a range names at most %d environments", k, (*items)[i],
                  EXP_SPEC_RANGE_MAX);
    total += (size_t)(b - a) + 1;
  }
  char **out = calloc(total ? total : 1, sizeof *out), **src = calloc(total ? total : 1, sizeof *src);
  if (!out || !src) return free(out), free(src), fail(c, "out of memory");
  size_t m = 0;
  int oom = 0;
  for (size_t i = 0; i < *n; i++) {
    uint64_t a, b;
    size_t pre = range_of((*items)[i], &a, &b);
    if (!pre) {
      out[m++] = (*items)[i];
      (*items)[i] = NULL;
      continue;
    }
    for (uint64_t x = a; !oom; x++) {
      size_t len = pre + 24;
      char *name = malloc(len);
      if (!name) {
        oom = 1;
        break;
      }
      snprintf(name, len, "%.*s%llu", (int)pre, (*items)[i], (unsigned long long)x);
      src[m] = (*items)[i];
      out[m++] = name;
      if (x == b) break;
    }
  }
  if (oom) {
    free_items(out, m);
    free(src);
    return fail(c, "out of memory");
  }
  /* the items that were ranges stay alive (src points at them) until free_ranges */
  free(*items);
  *items = out;
  *n = m;
  *from = src;
  return 1;
}

/* Free the ranges expand_ranges kept (each once: consecutive names share their range). */
static void free_ranges(char **from, size_t n) {
  if (!from) return;
  for (size_t i = 0; i < n; i++)
    if (from[i] && (i == 0 || from[i] != from[i - 1])) free(from[i]);
  free(from);
}

/* A list of environment names: parametrized names carry commas (garnet:8,2,3,5), so a piece
 * that starts with a digit, '.' or '-' continues the previous name; ranges expanded
 * (expand_ranges); each is validated (not built), none given twice.  0 after fail(). */
static int env_list(parse_ctx *c, const char *k, const char *v, char ***out, size_t *out_n) {
  char **items;
  size_t n;
  if (!split(c, k, v, &items, &n)) return 0;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (m > 0 && (isdigit((unsigned char)items[i][0]) || strchr(".-", items[i][0]))) {
      size_t a = strlen(items[m - 1]), b = strlen(items[i]);
      char *j = realloc(items[m - 1], a + b + 2);
      if (!j) {
        free_items(items, n);
        return fail(c, "out of memory");
      }
      j[a] = ',';
      memcpy(j + a + 1, items[i], b + 1);
      items[m - 1] = j;
      free(items[i]);
    } else {
      items[m++] = items[i];
    }
  }
  n = m;
  char **from = NULL;
  if (!expand_ranges(c, k, &items, &n, &from)) {
    free_items(items, n);
    return 0;
  }
  size_t dup;
  if (has_duplicate(items, n, &dup)) {
    fail(c, "%s: '%s' given twice", k, items[dup]);
    free_items(items, n);
    free_ranges(from, n);
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    if (env_name_check(items[i])) {
      if (from[i]) fail(c, "%s: the range %s: %s", k, from[i], tr_error_msg());
      else fail(c, "%s: %s", k, tr_error_msg());
      free_items(items, n);
      free_ranges(from, n);
      return 0;
    }
  free_ranges(from, n);
  *out = items;
  *out_n = n;
  return 1;
}

static size_t env_index(const exp_spec *s, const char *name);

const exp_run_key_info exp_run_keys[EXP_N_RUN_KEYS] = {
    [EXP_KEY_REF_POLICY] = {.key = "ref_policy", .flag = "--ref-policy", .optimal = 0},
    [EXP_KEY_EXPERT] = {.key = "expert", .flag = "--expert", .optimal = 1},
};

/* Which of exp_run_keys k is (KEY or KEY@...), EXP_N_RUN_KEYS when none. */
static exp_run_key run_key_of(const char *k) {
  for (int i = 0; i < EXP_N_RUN_KEYS; i++) {
    size_t n = strlen(exp_run_keys[i].key);
    if (!strncmp(k, exp_run_keys[i].key, n) && (!k[n] || k[n] == '@')) return (exp_run_key)i;
  }
  return EXP_N_RUN_KEYS;
}

/* KEY = DIR and KEY@ENV = DIR of a section (`where`: "[experiment]" or "[variant NAME]"), KEY
 * one of exp_run_keys: DIR relative to the spec's directory, then relative to the working
 * directory when it lies below it (what the runs' commands and the jobs files carry; a jobs
 * file cds there first); optimal:EPS (keys that take it) as written, EPS checked here.  The
 * runs behind the paths are checked in check_refs. */
static int ref_key(parse_ctx *c, exp_ref_policy *refs, const char *where, const char *k,
                   const char *v) {
  exp_spec *s = c->s;
  exp_run_key kk = run_key_of(k);
  const exp_run_key_info *info = &exp_run_keys[kk];
  exp_ref_policy *r = &refs[kk];
  size_t e = s->n_envs, n = strlen(info->key);
  if (k[n] == '@' && (e = env_index(s, k + n + 1)) == s->n_envs)
    return fail(c, "%s: %s: '%s' is not one of the experiment's environments (they must be "
                   "listed before; in a key, write ':' as '_')", where, k, k + n + 1);
  if (!*v) return fail(c, "%s: %s: empty path", where, k);
  if (e == s->n_envs ? r->all != NULL : r->env && r->env[e] != NULL)
    return fail(c, "%s: %s given twice", where, k);
  char *joined;
  if (info->optimal && !strncmp(v, "optimal:", 8)) {
    double eps;
    if (tr_parse_real("EPS", v + 8, 0, 1, &eps))
      return fail(c, "%s: %s: %s: %s", where, k, v, tr_error_msg());
    joined = strdup(v);
  } else {
    const char *slash = strrchr(s->path, '/');
    char *dir = slash && v[0] != '/' ? strndup(s->path, (size_t)(slash - s->path)) : NULL;
    joined = dir ? tr_path_join(dir, v) : strdup(v);
    char *below = joined ? tr_path_below_cwd(joined) : NULL; /* results/ keeps no machine path */
    free(dir), free(joined);
    joined = below;
  }
  if (!joined) return fail(c, "out of memory");
  if (e == s->n_envs) {
    r->all = joined;
    r->all_line = c->line;
  } else {
    if (!r->env) {
      r->env = calloc(s->n_envs, sizeof *r->env);
      r->env_line = calloc(s->n_envs, sizeof *r->env_line);
      if (!r->env || !r->env_line) return free(joined), fail(c, "out of memory");
    }
    r->env[e] = joined;
    r->env_line[e] = c->line;
  }
  return 1;
}

static int is_ref_key(const char *k) { return run_key_of(k) != EXP_N_RUN_KEYS; }

static int experiment_key(parse_ctx *c, const char *k, const char *v) {
  exp_spec *s = c->s;
  c->seen_experiment = 1;
  for (unsigned i = 0; i < sizeof experiment_keys / sizeof *experiment_keys; i++)
    if (!strcmp(k, experiment_keys[i])) {
      if (c->experiment_keys & (1u << i)) return fail(c, "[experiment]: %s given twice", k);
      c->experiment_keys |= 1u << i;
    }
  if (is_ref_key(k)) {
    return ref_key(c, s->ref, "[experiment]", k, v);
  } else if (!strcmp(k, "name")) {
    if (!*v || strchr(v, '/') || strchr(v, ' '))
      return fail(c, "name: '%s' must be a non-empty word without '/' or spaces", v);
    if (!plain_identifier(v) || strlen(v) > 64)
      return fail(c, "name: '%s' must be a plain identifier (letters, digits, '_', '-', '.'; "
                     "not starting with '.' or '-'; at most 64 characters)", v);
    free(s->name);
    s->name = strdup(v);
  } else if (!strcmp(k, "environments")) {
    if (!env_list(c, k, v, &s->envs, &s->n_envs)) return 0;
    c->env_line = c->line;
  } else if (!strcmp(k, "seeds")) {
    uint64_t count;
    if (parse_u64(v, &count) && !strchr(v, ',')) {
      if (count < 1 || count > 100000) return fail(c, "seeds: a count must be in [1, 100000], got %s", v);
      s->seeds = malloc(count * sizeof *s->seeds);
      if (!s->seeds) return fail(c, "out of memory");
      s->n_seeds = count;
      for (size_t i = 0; i < count; i++) s->seeds[i] = i + 1;
    } else {
      char **items;
      size_t n, dup;
      if (!split(c, k, v, &items, &n)) return 0;
      s->seeds = malloc(n * sizeof *s->seeds);
      if (!s->seeds) {
        free_items(items, n);
        return fail(c, "out of memory");
      }
      s->n_seeds = n;
      int ok = 1;
      for (size_t i = 0; i < n; i++) ok = ok && parse_u64(items[i], &s->seeds[i]);
      int twice = ok && has_duplicate(items, n, &dup);
      if (twice) fail(c, "seeds: %s given twice", items[dup]);
      free_items(items, n);
      if (twice) return 0;
      if (!ok) return fail(c, "seeds: '%s' is neither a count nor a list of non-negative integers", v);
    }
  } else if (!strcmp(k, "steps")) {
    uint64_t n;
    if (!parse_u64(v, &n) || n < 1) return fail(c, "steps: '%s' is not a positive integer", v);
    s->steps = n;
  } else if (!strcmp(k, "score")) {
    c->score_line = c->line;
    free(s->score);
    s->score = strdup(v);
  } else if (!strcmp(k, "normalization")) {
    if (!strcmp(v, "none")) s->normalize = 0;
    else if (!strcmp(v, "random_best")) s->normalize = 1;
    else return fail(c, "normalization: '%s' must be none or random_best", v);
  } else if (!strcmp(k, "scale_seeds")) {
    if (!parse_bool(v, &s->scale_seeds)) return fail(c, "scale_seeds: '%s' must be true or false", v);
  } else if (!strcmp(k, "paper")) {
    free(s->paper);
    s->paper = strdup(v);
  } else if (!strcmp(k, "description")) {
    free(s->description);
    s->description = strdup(v);
  } else if (!strcmp(k, "baseline")) {
    if (!*v) return fail(c, "baseline: empty row name (the NAME of a [variant NAME])");
    free(s->baseline);
    s->baseline = strdup(v);
    s->baseline_line = c->line;
  } else if (!strcmp(k, "evaluate")) {
    uint64_t n;
    if (!parse_u64(v, &n) || n > 100000)
      return fail(c, "evaluate: '%s' is not a number of episodes in [0, 100000]", v);
    s->eval_episodes = n;
  } else if (!strcmp(k, "evaluate_environments")) {
    if (!env_list(c, k, v, &s->eval_envs, &s->n_eval_envs)) return 0;
    if (s->n_eval_envs > EXP_EVAL_ENVS_MAX)
      return fail(c, "%s: %zu environments (at most %d)", k, s->n_eval_envs, EXP_EVAL_ENVS_MAX);
  } else if (!strncmp(k, "evaluate_environments@", 22)) {
    size_t e = env_index(s, k + 22);
    if (e == s->n_envs)
      return fail(c, "%s: '%s' is not one of the experiment's environments (they must be listed "
                     "before; in a key, write ':' as '_')", k, k + 22);
    if (!s->eval_envs_at) {
      s->eval_envs_at = calloc(s->n_envs, sizeof *s->eval_envs_at);
      s->n_eval_envs_at = calloc(s->n_envs, sizeof *s->n_eval_envs_at);
      if (!s->eval_envs_at || !s->n_eval_envs_at) return fail(c, "out of memory");
    }
    if (s->eval_envs_at[e]) return fail(c, "[experiment]: %s given twice", k);
    if (!env_list(c, k, v, &s->eval_envs_at[e], &s->n_eval_envs_at[e])) return 0;
    if (s->n_eval_envs_at[e] > EXP_EVAL_ENVS_MAX)
      return fail(c, "%s: %zu environments (at most %d)", k, s->n_eval_envs_at[e],
                  EXP_EVAL_ENVS_MAX);
  } else if (!strcmp(k, "evaluate_deterministic")) {
    if (!parse_bool(v, &s->eval_deterministic))
      return fail(c, "evaluate_deterministic: '%s' must be true or false", v);
  } else if (!strcmp(k, "evaluate_time_limit")) {
    uint64_t n;
    if (!parse_u64(v, &n) || n < 1 || n > 100000000)
      return fail(c, "evaluate_time_limit: '%s' is not a number of steps in [1, 100000000]", v);
    s->eval_time_limit = n;
    s->eval_time_limit_line = c->line;
  } else {
    return fail(c, "[experiment]: unknown key '%s' (known: name, environments, seeds, steps, "
                   "score, normalization, scale_seeds, paper, description, evaluate, "
                   "evaluate_environments, evaluate_environments@ENV, evaluate_deterministic, "
                   "evaluate_time_limit, baseline, "
                   "ref_policy, ref_policy@ENV, expert, expert@ENV)", k);
  }
  return 1;
}

static exp_variant *variant_of(parse_ctx *c, const char *name) {
  exp_spec *s = c->s;
  for (size_t i = 0; i < s->n_variants; i++)
    if (!strcmp(s->variants[i].name, name)) return &s->variants[i];
  exp_variant *nv = realloc(s->variants, (s->n_variants + 1) * sizeof *nv);
  if (!nv) return NULL;
  s->variants = nv;
  exp_variant *v = &s->variants[s->n_variants++];
  memset(v, 0, sizeof *v);
  v->name = strdup(name);
  v->paper = NAN;
  v->line = c->line;
  return v;
}

/* The index of environment `name` among the experiment's: as listed, or its file-name-safe
 * form (as in run ids: an INI key cannot hold ':', which inih splits at, so the key of
 * garnet:100,4,5,3 is written garnet_100_4_5_3); n_envs when there is none. */
static size_t env_index(const exp_spec *s, const char *name) {
  char sf[256];
  for (size_t e = 0; e < s->n_envs; e++) {
    exp_safe_name(sf, sizeof sf, s->envs[e]);
    if (!strcmp(s->envs[e], name) || !strcmp(sf, name)) return e;
  }
  return s->n_envs;
}

#define ENV_UNKNOWN "is not one of the experiment's environments (they must be listed before " \
                    "the variants; in a key, write ':' as '_')"

static int variant_key(parse_ctx *c, const char *section, const char *vname, const char *k,
                       const char *v) {
  if (!*vname) return fail(c, "[variant]: a variant needs a name: [variant NAME]");
  for (const char *p = vname; *p; p++)
    if (*p == '/' || *p == ',') return fail(c, "[variant %s]: names may not contain '/' or ','", vname);
  if (strlen(section) >= SPEC_MAX_SECTION) /* inih cut it: two long names could merge */
    return fail(c, "[%s...]: a section name must be shorter than %d characters",
                section, SPEC_MAX_SECTION);
  size_t before = c->s->n_variants;
  int new_section = strcmp(section, c->section) != 0;
  snprintf(c->section, sizeof c->section, "%s", section);
  exp_variant *var = variant_of(c, vname);
  if (!var) return fail(c, "out of memory");
  if (new_section && c->s->n_variants == before)
    return fail(c, "[variant %s] given twice (first at line %d)", vname, var->line);
  if (!strcmp(k, "algo")) {
    if (var->algo) return fail(c, "[variant %s]: algo given twice", vname);
    if (!alg_find(v)) return fail(c, "[variant %s]: %s", vname, tr_error_msg());
    var->algo = strdup(v);
  } else if (!strcmp(k, "paper")) {
    if (!parse_real(v, &var->paper)) return fail(c, "[variant %s]: paper: '%s' is not a number", vname, v);
  } else if (!strncmp(k, "paper@", 6)) {
    size_t e = env_index(c->s, k + 6);
    if (e == c->s->n_envs) return fail(c, "[variant %s]: %s: '%s' " ENV_UNKNOWN, vname, k, k + 6);
    if (!var->paper_env) {
      if (!(var->paper_env = malloc(c->s->n_envs * sizeof *var->paper_env))) return fail(c, "out of memory");
      for (size_t i = 0; i < c->s->n_envs; i++) var->paper_env[i] = NAN;
    }
    if (!parse_real(v, &var->paper_env[e])) return fail(c, "[variant %s]: %s: '%s' is not a number", vname, k, v);
  } else if (!strcmp(k, "steps")) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || n == 0 || v[0] == '-')
      return fail(c, "[variant %s]: steps: '%s' is not a positive integer", vname, v);
    var->steps = (size_t)n;
  } else if (is_ref_key(k)) {
    char where[128];
    snprintf(where, sizeof where, "[variant %s]", vname);
    return ref_key(c, var->ref, where, k, v);
  } else if (!strcmp(k, "group")) {
    if (var->group) return fail(c, "[variant %s]: group given twice", vname);
    if (!*v) return fail(c, "[variant %s]: group: empty name", vname);
    var->group = strdup(v);
  } else {
    if (!var->algo) return fail(c, "[variant %s]: algo must come before the parameter '%s'", vname, k);
    size_t kl = strlen(k);
    for (size_t i = 0; i < var->n_sets; i++)
      if (!strncmp(var->sets[i], k, kl) && var->sets[i][kl] == '=')
        return fail(c, "[variant %s]: %s given twice", vname, k);
    const alg_class *cls = alg_find(var->algo);
    alg_config cfg;
    /* KEY@ENV: for one of the experiment's environments only */
    const char *at = strchr(k, '@');
    char *env = NULL;
    size_t klen = at ? (size_t)(at - k) : strlen(k);
    if (at) {
      size_t known = env_index(c->s, at + 1);
      if (known == c->s->n_envs)
        return fail(c, "[variant %s]: %s: '%s' " ENV_UNKNOWN, vname, k, at + 1);
      env = strdup(c->s->envs[known]);
    }
    if (alg_config_init(&cfg, cls)) return free(env), fail(c, "out of memory");
    size_t n = klen + strlen(v) + 2;
    char *kv = malloc(n);
    if (!kv) {
      alg_config_clear(&cfg);
      free(env);
      return fail(c, "out of memory");
    }
    snprintf(kv, n, "%.*s=%s", (int)klen, k, v);
    tr_status st = alg_config_set(&cfg, kv);
    alg_config_clear(&cfg);
    if (st) {
      free(kv), free(env);
      /* drop alg_config_set's "--set key=value: " lead: the spec names the key itself */
      const char *msg = tr_error_msg(), *colon = strstr(msg, ": ");
      return fail(c, "[variant %s]: %s", vname, colon ? colon + 2 : msg);
    }
    char **ns = realloc(var->sets, (var->n_sets + 1) * sizeof *ns);
    if (ns) var->sets = ns;
    char **ne = ns ? realloc(var->set_env, (var->n_sets + 1) * sizeof *ne) : NULL;
    if (!ns || !ne) {
      free(kv), free(env);
      return fail(c, "out of memory");
    }
    var->set_env = ne;
    var->set_env[var->n_sets] = env;
    var->sets[var->n_sets++] = kv;
  }
  return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
  parse_ctx *c = user;
  if (c->err[0]) return 0;
  if (!strcmp(section, "experiment")) {
    if (strcmp(c->section, section) && c->seen_experiment)
      return fail(c, "[experiment] given twice");
    snprintf(c->section, sizeof c->section, "%s", section);
    return experiment_key(c, name, value);
  }
  if (!strncmp(section, "variant", 7) && (section[7] == ' ' || section[7] == '\0')) {
    const char *vn = section + 7;
    while (*vn == ' ') vn++;
    return variant_key(c, section, vn, name, value);
  }
  if (!*section) return fail(c, "'%s' outside a section (expected [experiment] or [variant NAME])", name);
  return fail(c, "unknown section [%s] (expected [experiment] or [variant NAME])", section);
}

static void ref_free(exp_ref_policy *r, size_t n_envs) {
  free(r->all);
  for (size_t e = 0; r->env && e < n_envs; e++) free(r->env[e]);
  free(r->env), free(r->env_line);
}

void exp_spec_free(exp_spec *s) {
  if (!s) return;
  for (int k = 0; k < EXP_N_RUN_KEYS; k++) ref_free(&s->ref[k], s->n_envs);
  free(s->path), free(s->name), free(s->score), free(s->paper), free(s->description);
  free(s->baseline);
  for (size_t i = 0; i < s->n_envs; i++) free(s->envs[i]);
  free(s->envs);
  for (size_t i = 0; i < s->n_eval_envs; i++) free(s->eval_envs[i]);
  free(s->eval_envs);
  for (size_t e = 0; s->eval_envs_at && e < s->n_envs; e++)
    if (s->eval_envs_at[e]) free_items(s->eval_envs_at[e], s->n_eval_envs_at[e]);
  free(s->eval_envs_at), free(s->n_eval_envs_at);
  free(s->seeds);
  for (size_t i = 0; i < s->n_variants; i++) {
    exp_variant *v = &s->variants[i];
    free(v->name), free(v->algo), free(v->group), free(v->paper_env);
    for (size_t j = 0; j < v->n_sets; j++) free(v->sets[j]), free(v->set_env ? v->set_env[j] : NULL);
    free(v->sets), free(v->set_env);
    for (int k = 0; k < EXP_N_RUN_KEYS; k++) ref_free(&v->ref[k], s->n_envs);
  }
  free(s->variants);
  free(s);
}


/* baseline = ROW: the name of one of the spec's rows (after every section is read: the rows
 * may follow [experiment]). */
static tr_status check_baseline(exp_spec *s) {
  s->baseline_v = s->n_variants;
  if (!s->baseline) return TR_OK;
  for (size_t v = 0; v < s->n_variants; v++)
    if (!strcmp(s->variants[v].name, s->baseline)) {
      s->baseline_v = v;
      return TR_OK;
    }
  return tr_error(TR_EINVAL, "%s:%d: baseline: '%s' is not a row of the spec (no [variant %s])",
                  s->path, s->baseline_line, s->baseline, s->baseline);
}

/* Run ids "<variant>__<env>__s<seed>" must differ: two variants (or environments) whose
 * file-name-safe forms are equal, or are cut to the same EXP_SPEC_ID_PART - 1 characters, would
 * write the same run directories. */
static tr_status check_run_ids(const exp_spec *s, int env_line) {
  char a[EXP_SPEC_ID_PART], b[EXP_SPEC_ID_PART];
  for (size_t i = 0; i < s->n_variants; i++)
    for (size_t j = 0; j < i; j++) {
      exp_safe_name(a, sizeof a, s->variants[i].name);
      exp_safe_name(b, sizeof b, s->variants[j].name);
      if (!strcmp(a, b))
        return tr_error(TR_EINVAL, "%s:%d: [variant %s]: its run id '%s' is that of [variant %s] "
                        "(line %d); rename one", s->path, s->variants[i].line,
                        s->variants[i].name, a, s->variants[j].name, s->variants[j].line);
    }
  for (size_t i = 0; i < s->n_envs; i++)
    for (size_t j = 0; j < i; j++) {
      exp_safe_name(a, sizeof a, s->envs[i]);
      exp_safe_name(b, sizeof b, s->envs[j]);
      if (!strcmp(a, b))
        return tr_error(TR_EINVAL, "%s:%d: environments: %s and %s give the same run id '%s'",
                        s->path, env_line, s->envs[j], s->envs[i], a);
    }
  return TR_OK;
}

/* Each variant's settings as a whole, on each environment (KEY@ENV included): the checks a
 * run makes at its start (alg_config_resolve: batch_size <= n_steps, n_steps a multiple of
 * n_envs, ...), so that a spec whose runs would all fail is refused before any starts. */
static tr_status check_variants(const exp_spec *s) {
  for (size_t i = 0; i < s->n_variants; i++) {
    const exp_variant *v = &s->variants[i];
    int per_env = 0;
    for (size_t j = 0; j < v->n_sets; j++) per_env |= v->set_env && v->set_env[j];
    for (size_t e = 0; e < (per_env ? s->n_envs : 1); e++) {
      alg_config cfg;
      tr_status st = exp_variant_config(v, per_env ? s->envs[e] : NULL, &cfg);
      if (st) return st;
      void *params = calloc(1, cfg.cls->params_size);
      if (!params) st = tr_error(TR_ENOMEM, "out of memory");
      else st = alg_config_resolve(&cfg, params);
      free(params);
      alg_config_clear(&cfg);
      if (st == TR_EINVAL) {
        char why[256];
        snprintf(why, sizeof why, "%s", tr_error_msg());
        return tr_error(TR_EINVAL, "%s:%d: [variant %s]%s%s: %s", s->path, v->line, v->name,
                        per_env ? " on " : "", per_env ? s->envs[e] : "", why);
      }
      if (st) return st;
    }
  }
  return TR_OK;
}

static int reads_expert(const exp_variant *v) {
  const alg_class *cls = v->algo ? alg_find(v->algo) : NULL;
  return cls && (cls->needs & ALG_NEEDS_EXPERT);
}

const char *exp_spec_run_key(const exp_spec *s, exp_run_key k, size_t v, size_t e, int *line) {
  const exp_ref_policy *order[2] = {&s->variants[v].ref[k], &s->ref[k]};
  int n = k == EXP_KEY_EXPERT && !reads_expert(&s->variants[v]) ? 1 : 2;
  for (int i = 0; i < n; i++) {
    const exp_ref_policy *r = order[i];
    if (r->env && r->env[e]) {
      if (line) *line = r->env_line[e];
      return r->env[e];
    }
    if (r->all) {
      if (line) *line = r->all_line;
      return r->all;
    }
  }
  return NULL;
}

const char *exp_spec_ref_policy(const exp_spec *s, size_t v, size_t e, int *line) {
  return exp_spec_run_key(s, EXP_KEY_REF_POLICY, v, e, line);
}

/* The first line of a section's key k (KEY, else the first KEY@ENV), 0 when not given. */
static int run_key_line(const exp_ref_policy *r, size_t n_envs) {
  if (r->all) return r->all_line;
  for (size_t e = 0; r->env && e < n_envs; e++)
    if (r->env[e]) return r->env_line[e];
  return 0;
}

/* expert keys: a row whose algorithm reads an expert gets one on every environment (at the
 * row's line); a row's own expert key on an algorithm that reads none is refused (at the
 * key's line), as is [experiment]'s when no row reads one. */
static tr_status check_experts(const exp_spec *s) {
  int any = 0;
  for (size_t i = 0; i < s->n_variants; i++) {
    const exp_variant *v = &s->variants[i];
    int line = run_key_line(&v->ref[EXP_KEY_EXPERT], s->n_envs);
    if (!reads_expert(v)) {
      if (line)
        return tr_error(TR_EINVAL, "%s:%d: [variant %s]: expert: %s reads no expert (trbench "
                        "algos: those that do say run --expert)", s->path, line, v->name, v->algo);
      continue;
    }
    any = 1;
    size_t missing = 0, first = s->n_envs;
    for (size_t e = 0; e < s->n_envs; e++)
      if (!exp_spec_run_key(s, EXP_KEY_EXPERT, i, e, NULL)) {
        if (!missing++) first = e;
      }
    if (missing)
      return tr_error(TR_EINVAL, "%s:%d: [variant %s]%s%s: %s needs an expert (expert = RUN, "
                      "or on a tabular environment expert = optimal:EPS; expert@ENV for one "
                      "environment)", s->path, v->line, v->name,
                      missing < s->n_envs ? " on " : "", missing < s->n_envs ? s->envs[first] : "",
                      v->algo);
  }
  int line = run_key_line(&s->ref[EXP_KEY_EXPERT], s->n_envs);
  if (line && !any)
    return tr_error(TR_EINVAL, "%s:%d: [experiment]: expert: no row's algorithm reads an "
                    "expert (trbench algos: those that do say run --expert)", s->path, line);
  return TR_OK;
}

/* optimal:EPS of run key k on environment `env`: the environment must be tabular. */
static tr_status check_optimal(const exp_spec *s, exp_run_key k, size_t v, const char *env,
                               const char *val, int line) {
  env_model *em = env_model_alloc(env);
  if (!em) {
    tr_error_prefix("%s:%d: [variant %s] on %s", s->path, line, s->variants[v].name, env);
    return TR_EINVAL;
  }
  tr_status st = TR_OK;
  if (!env_model_mdp(em))
    st = tr_error(TR_EINVAL, "%s:%d: [variant %s] on %s: %s: %s: the exact optimal policy needs "
                  "a tabular environment (%s@ENV gives one environment its own)", s->path, line,
                  s->variants[v].name, env, exp_run_keys[k].key, val, exp_run_keys[k].key);
  env_model_free(em);
  return st;
}

/* Every run key's value for every run: a saved run of its environment (DIR/checkpoint.bin
 * with `env` the run's environment), or optimal:EPS on a tabular environment, reported at
 * the line that names it. */
static tr_status check_refs(const exp_spec *s) {
  for (int k = 0; k < EXP_N_RUN_KEYS; k++)
    for (size_t v = 0; v < s->n_variants; v++)
      for (size_t e = 0; e < s->n_envs; e++) {
        int line = 0;
        const char *key = exp_run_keys[k].key;
        const char *dir = exp_spec_run_key(s, (exp_run_key)k, v, e, &line);
        if (!dir) continue;
        tr_status st = TR_OK;
        if (exp_run_keys[k].optimal && !strncmp(dir, "optimal:", 8)) {
          if ((st = check_optimal(s, (exp_run_key)k, v, s->envs[e], dir, line))) return st;
          continue;
        }
        char *p = tr_path_join(dir, ALG_CKPT_FILE);
        if (!p) return tr_error(TR_ENOMEM, "out of memory");
        struct stat sb;
        if (stat(p, &sb) != 0)
          st = tr_error(TR_EINVAL, "%s:%d: [variant %s] on %s: %s: %s: no saved run there "
                        "(%s: %s)", s->path, line, s->variants[v].name, s->envs[e], key, dir, p,
                        strerror(errno));
        char *env = st ? NULL : alg_ckpt_header(p, "env");
        if (!st && !env)
          st = tr_error(TR_EINVAL, "%s:%d: [variant %s] on %s: %s: %s: %s", s->path, line,
                        s->variants[v].name, s->envs[e], key, dir, tr_error_msg());
        else if (!st && strcmp(env, s->envs[e]))
          st = tr_error(TR_EINVAL, "%s:%d: [variant %s] on %s: %s: %s holds a policy of %s, "
                        "not of %s (%s@ENV gives one environment its own)", s->path, line,
                        s->variants[v].name, s->envs[e], key, dir, env, s->envs[e], key);
        free(env), free(p);
        if (st) return st;
      }
  return TR_OK;
}

/* A relative spec path that does not exist here is looked up among the installed specs,
 * TR_DATADIR/experiments/<file name> (so `trbench sweep experiments/ppo_table1.ini` works
 * from any directory once trbench is installed).  *used is the path opened. */
static FILE *spec_open(const char *path, char *alt, size_t n, const char **used) {
  *used = path;
  FILE *f = fopen(path, "r");
  if (f || errno != ENOENT || path[0] == '/') return f;
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if ((size_t)snprintf(alt, n, "%s/experiments/%s", TR_DATADIR, base) >= n) return NULL;
  FILE *g = fopen(alt, "r");
  if (g) *used = alt;
  else errno = ENOENT;
  return g;
}

char *const *exp_spec_eval_envs(const exp_spec *s, size_t e, size_t *n) {
  if (s->eval_envs_at && s->eval_envs_at[e]) {
    *n = s->n_eval_envs_at[e];
    return s->eval_envs_at[e];
  }
  *n = s->n_eval_envs;
  return s->n_eval_envs ? s->eval_envs : NULL;
}

int exp_spec_score_is_eval(const exp_spec *s) { return s->score && !strcmp(s->score, "eval"); }

int exp_spec_eval_adds_own(const exp_spec *s, size_t e) {
  size_t n;
  char *const *list = exp_spec_eval_envs(s, e, &n);
  if (!exp_spec_score_is_eval(s) || !n) return 0;
  for (size_t i = 0; i < n; i++)
    if (!strcmp(list[i], s->envs[e])) return 0;
  return 1;
}

int exp_spec_eval_per_env(const exp_spec *s) {
  for (size_t e = 0; s->eval_envs_at && e < s->n_envs; e++)
    if (s->eval_envs_at[e]) return 1;
  return 0;
}

/* evaluate_environments: each with the observation and action spaces of every environment
 * of the experiment whose runs are evaluated there (those without their own
 * evaluate_environments@ENV); evaluate_environments@ENV: each with ENV's. */
static tr_status check_eval_envs(const exp_spec *s) {
  tr_status st = TR_OK;
  for (size_t i = 0; !st && i < s->n_eval_envs; i++) {
    env_model *ev = env_model_alloc(s->eval_envs[i]);
    if (!ev) {
      tr_error_prefix("%s: evaluate_environments", s->path);
      return TR_EINVAL;
    }
    for (size_t e = 0; !st && e < s->n_envs; e++) {
      if (s->eval_envs_at && s->eval_envs_at[e]) continue;
      env_model *em = env_model_alloc(s->envs[e]);
      if (!em) st = TR_EINVAL;
      else if (env_obs_dim(em) != env_obs_dim(ev) ||
               env_action_space(em).kind != env_action_space(ev).kind ||
               env_action_space(em).n != env_action_space(ev).n)
        st = tr_error(TR_EINVAL, "%s: evaluate_environments: %s has other observation or action "
                      "spaces than %s (a policy trained on one cannot act on the other)", s->path,
                      s->eval_envs[i], s->envs[e]);
      env_model_free(em);
    }
    env_model_free(ev);
  }
  for (size_t e = 0; !st && s->eval_envs_at && e < s->n_envs; e++) {
    if (!s->eval_envs_at[e]) continue;
    env_model *em = env_model_alloc(s->envs[e]);
    if (!em) return TR_EINVAL;
    for (size_t i = 0; !st && i < s->n_eval_envs_at[e]; i++) {
      const char *name = s->eval_envs_at[e][i];
      env_model *ev = env_model_alloc(name);
      if (!ev) {
        st = TR_EINVAL;
        tr_error_prefix("%s: evaluate_environments@%s", s->path, s->envs[e]);
      } else if (env_obs_dim(em) != env_obs_dim(ev) ||
                 env_action_space(em).kind != env_action_space(ev).kind ||
                 env_action_space(em).n != env_action_space(ev).n) {
        st = tr_error(TR_EINVAL, "%s: evaluate_environments@%s: %s has other observation or "
                      "action spaces than %s (a policy trained on one cannot act on the other)",
                      s->path, s->envs[e], name, s->envs[e]);
      }
      env_model_free(ev);
    }
    env_model_free(em);
  }
  return st;
}

tr_status exp_spec_read(exp_spec **out, const char *path) {
  char alt[4096];
  FILE *f = spec_open(path, alt, sizeof alt, &path);
  if (!f) return tr_error(TR_EINVAL, "%s: cannot open: %s", path, strerror(errno));
  exp_spec *s = calloc(1, sizeof *s);
  parse_ctx c = {0};
  c.s = s;
  c.f = f;
  s->path = strdup(path);
  s->score = strdup("return_last100");
  s->eval_deterministic = 1;
  int rc = ini_parse_stream(reader, &c, handler, &c);
  fclose(f);
  tr_status st = TR_OK;
  if (c.err[0]) st = tr_error(TR_EINVAL, "%s:%d: %s", path, c.err_line, c.err);
  else if (rc > 0) st = tr_error(TR_EINVAL, "%s:%d: syntax error (expected [section], key = value, or a comment)", path, rc);
  else if (rc < 0) st = tr_error(TR_EINVAL, "%s: cannot read", path);
  else if (!c.seen_experiment) st = tr_error(TR_EINVAL, "%s:%d: no [experiment] section", path, c.line);
  else if (!s->name) st = tr_error(TR_EINVAL, "%s:%d: [experiment] has no name", path, c.line);
  else if (!s->n_envs) st = tr_error(TR_EINVAL, "%s:%d: [experiment] has no environments", path, c.line);
  else if (!s->n_seeds) st = tr_error(TR_EINVAL, "%s:%d: [experiment] has no seeds", path, c.line);
  else if (!s->steps) st = tr_error(TR_EINVAL, "%s:%d: [experiment] has no steps", path, c.line);
  else if (!s->n_variants) st = tr_error(TR_EINVAL, "%s:%d: no [variant NAME] section", path, c.line);
  for (size_t i = 0; !st && i < s->n_variants; i++)
    if (!s->variants[i].algo)
      st = tr_error(TR_EINVAL, "%s:%d: [variant %s] has no algo", path, s->variants[i].line,
                    s->variants[i].name);
  if (!st) st = check_baseline(s);
  if (!st && s->eval_time_limit && !s->eval_episodes)
    st = tr_error(TR_EINVAL, "%s:%d: evaluate_time_limit: the spec evaluates nothing (set "
                  "evaluate = N)", path, s->eval_time_limit_line);
  if (!st && exp_spec_score_is_eval(s) && !s->eval_episodes)
    st = tr_error(TR_EINVAL, "%s:%d: score = eval: the spec evaluates nothing (set evaluate = N)",
                  path, c.score_line);
  if (!st && exp_spec_score_is_eval(s) && s->normalize)
    st = tr_error(TR_EINVAL, "%s:%d: score = eval with normalization = random_best is not "
                  "supported (the random policy's return is not measured on evaluation "
                  "episodes): use normalization = none", path, c.score_line);
  if (!st) st = check_run_ids(s, c.env_line);
  if (!st) st = check_variants(s);
  if (!st) st = check_eval_envs(s);
  if (!st) st = check_experts(s);
  if (!st) st = check_refs(s);
  if (st) {
    exp_spec_free(s);
    return st;
  }
  *out = s;
  return TR_OK;
}
