/* algorithms/registry.c — see registry.h */
#include "algorithms/registry.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "core/size.h"

/* The table.  One line per algorithm (each defined in its own file). */
extern const alg_class alg_reinforce, alg_a2c, alg_npg, alg_tnpg, alg_trpo, alg_ppo_clip, alg_ppo_kl,
    alg_ppo_adaptive_kl, alg_ppo_noclip, alg_cpi;
static const alg_class *const table[] = {
    &alg_reinforce, &alg_a2c, &alg_npg, &alg_tnpg, &alg_trpo, &alg_ppo_clip, &alg_ppo_kl,
    &alg_ppo_adaptive_kl, &alg_ppo_noclip, &alg_cpi,
};

size_t alg_count(void) { return sizeof table / sizeof table[0]; }
const alg_class *alg_at(size_t i) { return i < alg_count() ? table[i] : NULL; }

const alg_class *alg_find(const char *name) {
  for (size_t i = 0; i < alg_count(); i++)
    if (!strcmp(table[i]->name, name)) return table[i];
  char known[1024] = "";
  for (size_t i = 0; i < alg_count(); i++) {
    strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
    strncat(known, table[i]->name, sizeof known - strlen(known) - 1);
  }
  tr_error(TR_EINVAL, "unknown algorithm '%s' (known: %s)", name, known);
  return NULL;
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
  return NULL;
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
  } else {
    snprintf(buf, len, "%.17g", v);
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
    const alg_class *a = table[i];
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
