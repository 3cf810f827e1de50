/* experiments/spec_runs.c — a read spec's runs (see spec.h): their ids and directories, the
 * steps and seeds a --scale/--seeds leaves, and the settings each variant applies to an
 * environment.  spec.c reads and checks the file. */
#include "experiments/spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/registry.h"
#include "core/io.h"
#include "core/size.h"

/* A file-name-safe copy: letters, digits, '.', '-', '_' kept; others become '_'. */
void exp_safe_name(char *dst, size_t n, const char *src) {
  size_t i = 0;
  for (; *src && i + 1 < n; src++) dst[i++] = isalnum((unsigned char)*src) || strchr(".-_", *src) ? *src : '_';
  dst[i] = '\0';
}

tr_status exp_spec_runs(const exp_spec *s, double scale, size_t max_seeds, exp_run_ref **out,
                        size_t *n) {
  size_t ns = s->n_seeds;
  if (s->scale_seeds) {
    ns = (size_t)llround((double)ns * scale);
    if (ns < 1) ns = 1;
    if (ns > s->n_seeds) ns = s->n_seeds;
  }
  if (max_seeds > 0 && max_seeds < ns) ns = max_seeds;
  size_t total = tr_size_bytes(s->n_variants, s->n_envs, ns), k = 0;
  if (tr_mem_need("the spec's runs", total, sizeof(exp_run_ref), 1)) return TR_ENOMEM;
  exp_run_ref *r = calloc(total ? total : 1, sizeof *r);
  if (!r) return tr_error(TR_ENOMEM, "out of memory: needs %zu bytes", total * sizeof *r);
  for (size_t v = 0; v < s->n_variants; v++) {
    size_t base = s->variants[v].steps ? s->variants[v].steps : s->steps;
    double scaled = (double)base * scale;
    if (!(scaled <= 9007199254740992.0)) { /* 2^53: every step count below is exact */
      free(r);
      return tr_error(TR_EINVAL, "--scale %g: %zu steps x %g is more than 2^53 steps", scale,
                      base, scale);
    }
    size_t steps = (size_t)llround(scaled);
    if (steps < 1) steps = 1;
    for (size_t e = 0; e < s->n_envs; e++)
      for (size_t i = 0; i < ns; i++, k++) {
        char vn[EXP_SPEC_ID_PART], en[EXP_SPEC_ID_PART];
        exp_safe_name(vn, sizeof vn, s->variants[v].name);
        exp_safe_name(en, sizeof en, s->envs[e]);
        r[k].variant = v;
        r[k].env = e;
        r[k].seed = s->seeds[i];
        r[k].steps = steps;
        snprintf(r[k].id, sizeof r[k].id, "%s__%s__s%llu", vn, en, (unsigned long long)s->seeds[i]);
      }
  }
  *out = r;
  *n = total;
  return TR_OK;
}

char *exp_spec_dir(const exp_spec *s, const char *root) { return tr_path_join(root, s->name); }

char *exp_run_dir(const exp_spec *s, const char *root, const exp_run_ref *r) {
  size_t n = strlen(root) + strlen(s->name) + strlen(r->id) + 16;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s/runs/%s", root, s->name, r->id);
  return p;
}

int exp_variant_set_applies(const exp_variant *v, size_t i, const char *env) {
  return !v->set_env || !v->set_env[i] || (env && !strcmp(v->set_env[i], env));
}

size_t exp_variant_sets(const exp_variant *v, const char *env, const char **out) {
  size_t n = 0;
  for (int pass = 0; pass < 2; pass++) /* every environment's, then this one's */
    for (size_t i = 0; i < v->n_sets; i++) {
      int own = v->set_env && v->set_env[i];
      if (own == pass && exp_variant_set_applies(v, i, env)) out[n++] = v->sets[i];
    }
  return n;
}

tr_status exp_variant_config(const exp_variant *v, const char *env, alg_config *cfg) {
  const alg_class *cls = alg_find(v->algo);
  if (!cls) return TR_EINVAL;
  tr_status st = alg_config_init(cfg, cls);
  for (int pass = 0; !st && pass < 2; pass++) /* exp_variant_sets' order */
    for (size_t i = 0; !st && i < v->n_sets; i++) {
      int own = v->set_env && v->set_env[i];
      if (own == pass && exp_variant_set_applies(v, i, env)) st = alg_config_set(cfg, v->sets[i]);
    }
  if (st) alg_config_clear(cfg);
  return st;
}

tr_status exp_variant_shared(const exp_variant *v, const char *env, alg_shared_params *out) {
  alg_config cfg;
  tr_status st = exp_variant_config(v, env, &cfg);
  if (st) return st;
  alg_config_shared(&cfg, out);
  alg_config_clear(&cfg);
  return TR_OK;
}
