/* algorithms/registry.c — see registry.h */
#include "algorithms/registry.h"
#include "algorithms/rlhf.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/num.h"
#include "core/size.h"

/* The table.  One line per algorithm (each defined in its own file). */
extern const alg_class alg_reinforce, alg_a2c, alg_a3c, alg_npg, alg_tnpg, alg_trpo, alg_ppo_clip, alg_ppo_kl,
    alg_ppo_adaptive_kl, alg_ppo_noclip, alg_cpi, alg_ilqr, alg_gps, alg_is_ps, alg_bc;
static const alg_class *const table[] = {
    &alg_reinforce, &alg_a2c, &alg_a3c, &alg_npg, &alg_tnpg, &alg_trpo, &alg_ppo_clip, &alg_ppo_kl,
    &alg_ppo_adaptive_kl, &alg_ppo_noclip, &alg_cpi, &alg_ilqr, &alg_gps, &alg_is_ps, &alg_bc,
};

static const size_t n_builtin = sizeof table / sizeof table[0];

/* Registered at run time (alg_register), after the built-in ones. */
static const alg_class **added;
static size_t n_added, cap_added;

size_t alg_count(void) { return n_builtin + n_added; }
const alg_class *alg_at(size_t i) {
  return i < n_builtin ? table[i] : i < alg_count() ? added[i - n_builtin] : NULL;
}

const alg_class *alg_find(const char *name) {
  for (size_t i = 0; i < alg_count(); i++)
    if (!strcmp(alg_at(i)->name, name)) return alg_at(i);
  char known[1024] = "";
  for (size_t i = 0; i < alg_count(); i++) {
    strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
    strncat(known, alg_at(i)->name, sizeof known - strlen(known) - 1);
  }
  tr_error(TR_EINVAL, "unknown algorithm '%s' (known: %s)", name, known);
  return NULL;
}

static size_t param_field_size(alg_param_type t) {
  return t == ALG_REAL ? sizeof(double) : t == ALG_INT ? sizeof(size_t) : sizeof(int);
}

/* NULL, or the sentence on what is wrong with a class's table (alg_register's door). */
static const char *class_check(const alg_class *c) {
  static _Thread_local char why[512];
  const char *n = c->name;
  if (!n || !*n || strlen(n) > 64 || strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                 "0123456789-_.") != strlen(n))
    return "its name must be 1 to 64 letters, digits, '-', '_' or '.'";
  for (size_t i = 0; i < alg_count(); i++)
    if (!strcmp(alg_at(i)->name, n)) return "the name is taken";
  if (!c->iterate) return "iterate is NULL";
  if (c->n_params && !c->params) return "params is NULL";
  if (c->params_size < sizeof(alg_shared_params))
    return "params_size is smaller than alg_shared_params (the typed struct begins with it)";
  int seen_steps = 0, seen_envs = 0;
  for (size_t i = 0; i < c->n_params; i++) {
    const alg_param *p = &c->params[i];
    size_t a0 = p->offset, a1 = a0 + param_field_size(p->type);
    if (!p->name || !*p->name) snprintf(why, sizeof why, "parameter %zu has no name", i);
    else if (p->type > ALG_CHOICE || (p->type == ALG_CHOICE && (!p->choices || !*p->choices)))
      snprintf(why, sizeof why, "parameter '%s': a choice needs its choices", p->name);
    else if (a1 > c->params_size)
      snprintf(why, sizeof why, "parameter '%s': its field ends at byte %zu, beyond params_size %zu",
               p->name, a1, c->params_size);
    else if ((p->type == ALG_REAL || p->type == ALG_INT) && !(p->lo <= p->def && p->def <= p->hi))
      snprintf(why, sizeof why, "parameter '%s': default %.17g outside [%.17g, %.17g]", p->name,
               p->def, p->lo, p->hi);
    else why[0] = '\0';
    for (size_t j = 0; !why[0] && j < i; j++) {
      const alg_param *q = &c->params[j];
      size_t b0 = q->offset, b1 = b0 + param_field_size(q->type);
      if (!strcmp(p->name, q->name))
        snprintf(why, sizeof why, "parameter '%s' appears twice", p->name);
      else if (a0 < b1 && b0 < a1)
        snprintf(why, sizeof why, "the fields of '%s' and '%s' overlap", q->name, p->name);
    }
    if (why[0]) return why;
    seen_steps |= !strcmp(p->name, "n_steps") && p->offset == ALG_SHARED(n_steps);
    seen_envs |= !strcmp(p->name, "n_envs") && p->offset == ALG_SHARED(n_envs);
  }
  if (!seen_steps || !seen_envs)
    return "n_steps and n_envs must be parameters on their alg_shared_params fields "
           "(ALG_COMMON_PARAMS and an n_steps row)";
  return NULL;
}

tr_status alg_register_abi(const alg_class *cls, unsigned abi_version, size_t class_size) {
  if (!cls) return tr_error(TR_EINVAL, "alg_register: no class");
  /* the name is the first field in every version: readable before the layout is trusted */
  if (abi_version != ALG_ABI_VERSION || class_size != sizeof(alg_class))
    return tr_error(TR_EINVAL,
                    "alg_register: '%s' was compiled against trbench's algorithm ABI %u (alg_class "
                    "of %zu bytes); this libtrbench (%s) has ABI %u (%zu bytes): rebuild it against "
                    "the installed headers (cc ... $(pkg-config --cflags --libs trbench))",
                    cls->name ? cls->name : "?", abi_version, class_size, PACKAGE_VERSION,
                    (unsigned)ALG_ABI_VERSION, sizeof(alg_class));
  const char *why = class_check(cls);
  if (why) return tr_error(TR_EINVAL, "alg_register: '%s': %s", cls->name ? cls->name : "", why);
  alg_config cfg;
  if (alg_config_init(&cfg, cls)) return TR_ENOMEM;
  void *params = tr_calloc(1, cls->params_size);
  tr_status st = params ? alg_config_resolve(&cfg, params) : TR_ENOMEM;
  free(params);
  alg_config_clear(&cfg);
  if (st == TR_EINVAL) tr_error_prefix("alg_register: '%s': its defaults", cls->name);
  if (st) return st;
  if (n_added == cap_added) {
    size_t cap = cap_added ? 2 * cap_added : 8;
    const alg_class **a = realloc(added, cap * sizeof *a);
    if (!a) return tr_error(TR_ENOMEM, "alg_register: out of memory");
    added = a, cap_added = cap;
  }
  added[n_added++] = cls;
  return TR_OK;
}

tr_status alg_config_init(alg_config *c, const alg_class *cls) {
  c->cls = cls;
  c->values = tr_malloc((cls->n_params ? cls->n_params : 1) * sizeof *c->values);
  if (!c->values) return TR_ENOMEM;
  for (size_t i = 0; i < cls->n_params; i++) c->values[i] = cls->params[i].def;
  return TR_OK;
}

void alg_config_clear(alg_config *c) {
  free(c->values);
  c->values = NULL;
}

static const alg_param *find_param(const alg_class *cls, const char *name, size_t *idx) {
  for (size_t i = 0; i < cls->n_params; i++)
    if (!strcmp(cls->params[i].name, name)) {
      if (idx) *idx = i;
      return &cls->params[i];
    }
  return NULL;
}

/* index of `word` in "a|b|c", or −1 */
static int choice_index(const char *choices, const char *word) {
  int i = 0;
  size_t n = strlen(word);
  for (const char *p = choices; *p; i++) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && !strncmp(p, word, n)) return i;
    if (!bar) break;
    p = bar + 1;
  }
  return -1;
}

static void range_text(const alg_param *p, char *buf, size_t len) {
  switch (p->type) {
  case ALG_CHOICE: snprintf(buf, len, "one of %s", p->choices); break;
  case ALG_BOOL: snprintf(buf, len, "true or false"); break;
  case ALG_INT: snprintf(buf, len, "an integer in [%.10g, %.10g]", p->lo, p->hi); break;
  default: snprintf(buf, len, "a number in [%.10g, %.10g]", p->lo, p->hi);
  }
}

/* CleanRL's and Stable-Baselines3's names that trbench spells otherwise, or whose meaning
 * differs: refused with the translation (a published configuration replays with --set, but
 * each trbench parameter keeps one name and one meaning, and a translated value would
 * depend on the order of the --set: num_steps x n_envs needs n_envs).  SB3's own n_steps is
 * per environment too; it cannot be told apart from trbench's by its name: README says so. */
static const struct {
  const char *name, *says;
} foreign[] = {
    {"num_steps", "CleanRL's steps per environment per rollout; trbench's n_steps counts all "
                  "environments together: set n_steps = num_steps x n_envs"},
    {"num_envs", "CleanRL's; trbench's is n_envs"},
    {"update_epochs", "CleanRL's; trbench's is n_epochs"},
    {"num_minibatches", "CleanRL's minibatch count; trbench sets the minibatch size: "
                        "batch_size = n_steps / num_minibatches (n_steps: all environments)"},
    {"minibatch_size", "CleanRL's minibatch size; trbench's is batch_size"},
    {"clip_coef", "CleanRL's; trbench's is clip_range"},
    {"norm_adv", "CleanRL's; trbench's is normalize_advantage"},
    {"clip_vloss", "CleanRL's switch (it clips the value at clip_coef); trbench's is "
                   "clip_range_vf = the clip value (0: none)"},
    {"total_timesteps", "the run's budget: --steps N (steps in a spec)"},
};

static tr_status foreign_name(const alg_config *c, const char *assignment, const char *key,
                              const char *val) {
  for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++) {
    if (strcmp(key, foreign[i].name)) continue;
    double envs = 1, steps;
    size_t k;
    if (find_param(c->cls, "n_envs", &k)) envs = c->values[k];
    if (!strcmp(key, "num_steps") && !tr_parse_real(key, val, 1, 1e15, &steps))
      return tr_error(TR_EINVAL, "--set %s: %s is %s (%.17g x %.17g = %.17g with n_envs = %.17g "
                      "so far)", assignment, key, foreign[i].says, steps, envs, steps * envs, envs);
    tr_error_clear();
    return tr_error(TR_EINVAL, "--set %s: %s is %s", assignment, key, foreign[i].says);
  }
  return TR_OK;
}

tr_status alg_config_set(alg_config *c, const char *assignment) {
  const char *eq = strchr(assignment, '=');
  if (!eq || eq == assignment)
    return tr_error(TR_EINVAL, "--set %s: expected key=value", assignment);
  char key[128];
  size_t kn = (size_t)(eq - assignment);
  if (kn >= sizeof key) return tr_error(TR_EINVAL, "--set: key too long");
  memcpy(key, assignment, kn);
  key[kn] = '\0';
  const char *val = eq + 1;
  size_t idx;
  const alg_param *p = find_param(c->cls, key, &idx);
  if (!p) {
    tr_status st = foreign_name(c, assignment, key, val);
    if (st) return st;
    char known[2048] = "";
    for (size_t i = 0; i < c->cls->n_params; i++) {
      strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
      strncat(known, c->cls->params[i].name, sizeof known - strlen(known) - 1);
    }
    return tr_error(TR_EINVAL, "--set %s: %s has no parameter '%s' (its parameters: %s)",
                    assignment, c->cls->name, key, known);
  }
  char range[256];
  range_text(p, range, sizeof range);
  double v;
  if (p->type == ALG_CHOICE) {
    int i = choice_index(p->choices, val);
    if (i < 0) return tr_error(TR_EINVAL, "--set %s: %s must be %s", assignment, key, range);
    v = i;
  } else if (p->type == ALG_BOOL) {
    if (!strcmp(val, "true") || !strcmp(val, "1")) v = 1;
    else if (!strcmp(val, "false") || !strcmp(val, "0")) v = 0;
    else return tr_error(TR_EINVAL, "--set %s: %s must be %s", assignment, key, range);
  } else {
    /* one strict parser (core/num.h): subnormals in range are numbers, overflow is not */
    if (tr_parse_real(key, val, -HUGE_VAL, HUGE_VAL, &v)) {
      const char *why = strstr(tr_error_msg(), "' is too");
      char reason[96]; /* copied: tr_error() below rewrites the message buffer */
      snprintf(reason, sizeof reason, "%s", why ? why : "");
      if (why)
        return tr_error(TR_EINVAL, "--set %s: '%s'%s (%s must be %s)", assignment, val,
                        reason + 1, key, range);
      return tr_error(TR_EINVAL, "--set %s: '%s' is not a number (%s must be %s)", assignment,
                      val, key, range);
    }
    if ((p->type == ALG_INT && v != floor(v)) || v < p->lo || v > p->hi)
      return tr_error(TR_EINVAL, "--set %s: %s must be %s", assignment, key, range);
    /* gamma's lower end -1 is a sentinel ("the environment's γ"), not a range */
    if (!strcmp(key, "gamma") && v < 0 && v != -1)
      return tr_error(TR_EINVAL, "--set %s: gamma must be -1 (the environment's) or in [0, %.10g]",
                      assignment, p->hi);
  }
  c->values[idx] = v;
  return TR_OK;
}

tr_status alg_config_get(const alg_config *c, const char *name, double *v) {
  size_t idx;
  if (!find_param(c->cls, name, &idx))
    return tr_error(TR_EINVAL, "%s has no parameter '%s'", c->cls->name, name);
  *v = c->values[idx];
  return TR_OK;
}

/* One value into its typed field (see alg_param.offset). */
static void store_param(const alg_param *p, double v, void *params) {
  char *at = (char *)params + p->offset;
  switch (p->type) {
  case ALG_REAL: memcpy(at, &v, sizeof v); break;
  case ALG_INT: {
    size_t n = (size_t)v; /* integral and in range: alg_config_set checked */
    memcpy(at, &n, sizeof n);
    break;
  }
  default: {
    int i = (int)v;
    memcpy(at, &i, sizeof i);
  }
  }
}

static void fill_params(const alg_config *c, void *params) {
  for (size_t i = 0; i < c->cls->n_params; i++) store_param(&c->cls->params[i], c->values[i], params);
}

const char *alg_shared_check(const alg_shared_params *p) {
  static _Thread_local char why[160];
  if (p->n_envs == 0 || p->n_steps % p->n_envs) {
    snprintf(why, sizeof why, "n_steps=%zu must be a multiple of n_envs=%zu", p->n_steps, p->n_envs);
    return why;
  }
  return alg_rlhf_check(p);
}

tr_status alg_config_resolve(const alg_config *c, void *params) {
  memset(params, 0, c->cls->params_size);
  fill_params(c, params);
  const char *why = alg_shared_check(params);
  if (!why && c->cls->check) why = c->cls->check(params);
  return why ? tr_error(TR_EINVAL, "%s", why) : TR_OK;
}

void alg_config_shared(const alg_config *c, alg_shared_params *shared) {
  memset(shared, 0, sizeof *shared);
  for (size_t i = 0; i < c->cls->n_params; i++) /* the shared fields lie in the first bytes */
    if (c->cls->params[i].offset < sizeof *shared)
      store_param(&c->cls->params[i], c->values[i], shared);
}

void alg_param_format(const alg_param *p, double v, char *buf, size_t len) {
  if (p->type == ALG_CHOICE) {
    int want = (int)v, i = 0;
    const char *q = p->choices;
    while (i < want && (q = strchr(q, '|'))) q++, i++;
    size_t n = q ? strcspn(q, "|") : 0;
    if (n >= len) n = len - 1;
    memcpy(buf, q ? q : "", n);
    buf[n] = '\0';
  } else if (p->type == ALG_BOOL) {
    snprintf(buf, len, "%s", v != 0 ? "true" : "false");
  } else { /* the shortest of %.15g, %.16g, %.17g that reads back as v: 0.0007, not
            * 0.00069999999999999999 (every one of them round-trips, as %.17g does) */
    for (int digits = 15; digits <= 17; digits++) {
      snprintf(buf, len, "%.*g", digits, v);
      if (strtod(buf, NULL) == v) break;
    }
  }
}

void alg_config_write(const alg_config *c, FILE *f) {
  char buf[256];
  for (size_t i = 0; i < c->cls->n_params; i++) {
    alg_param_format(&c->cls->params[i], c->values[i], buf, sizeof buf);
    fprintf(f, "%s = %s\n", c->cls->params[i].name, buf);
  }
}

void alg_list(FILE *f) {
  char def[256], range[256];
  for (size_t i = 0; i < alg_count(); i++) {
    const alg_class *a = alg_at(i);
    fprintf(f, "%s — %s%s%s\n", a->name, a->doc,
            a->needs & ALG_NEEDS_TABULAR ? " [tabular environments]" : "",
            a->needs & ALG_NEEDS_DISCRETE ? " [discrete actions]" : "");
    for (size_t j = 0; j < a->n_params; j++) {
      const alg_param *p = &a->params[j];
      alg_param_format(p, p->def, def, sizeof def);
      range_text(p, range, sizeof range);
      fprintf(f, "  %-20s %-12s %s (%s)\n", p->name, def, p->doc, range);
    }
    fputc('\n', f);
  }
}
