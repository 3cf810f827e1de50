/* algorithms/registry.h — algorithms as types in a table, each declaring its parameters.
 *
 * A parameter has a name (Stable-Baselines3 / CleanRL spelling where one exists), a type,
 * a default, an allowed range (or a list of choices), and a one-line doc.  A configuration
 * is one double per parameter (choices store their index, booleans 0/1, integers exact).
 * `--set key=value` overrides any of them; an unknown key or an out-of-range value is an
 * error naming the allowed ones.  Adding a variant is one new file (its alg_class) and one
 * line in registry.c. */
#ifndef ALG_REGISTRY_H
#define ALG_REGISTRY_H

#include <stdio.h>

#include "core/error.h"

typedef enum { ALG_REAL = 0, ALG_INT, ALG_BOOL, ALG_CHOICE } alg_param_type;

typedef struct {
  const char *name;
  alg_param_type type;
  double def;
  double lo, hi;       /* inclusive range (REAL, INT) */
  const char *choices; /* CHOICE: "single|vine" (index = position) */
  const char *doc;
} alg_param;

typedef struct alg_run alg_run;          /* training state (run.h) */
typedef struct alg_iter_stats alg_iter_stats;

typedef struct alg_class {
  const char *name;
  const char *doc;
  const alg_param *params;
  size_t n_params;
  unsigned needs;      /* ALG_NEEDS_* */
  tr_status (*init)(alg_run *run);
  tr_status (*iterate)(alg_run *run, alg_iter_stats *stats);
  void (*free)(alg_run *run);
} alg_class;

#define ALG_NEEDS_DISCRETE 1u /* discrete action spaces only */
#define ALG_NEEDS_TABULAR 2u  /* tabular environments only */
#define ALG_NEEDS_SNAPSHOT 4u /* state save/restore (vine): every env provides it */

typedef struct {
  const alg_class *cls;
  double *values; /* (n_params) */
} alg_config;

size_t alg_count(void);
const alg_class *alg_at(size_t i);
/* NULL with "unknown algorithm 'x' (known: ...)" */
const alg_class *alg_find(const char *name);

tr_status alg_config_init(alg_config *c, const alg_class *cls);
void alg_config_clear(alg_config *c);
/* "key=value"; TR_EINVAL with a sentence naming the allowed keys or range. */
tr_status alg_config_set(alg_config *c, const char *assignment);
/* The value of a parameter by name (the name must exist: programming error otherwise). */
double alg_config_get(const alg_config *c, const char *name);
/* The choice string of a CHOICE parameter. */
const char *alg_config_choice(const alg_config *c, const char *name, char *buf, size_t len);
/* Writes "name = value" lines (%.17g; choices by name, booleans true/false). */
void alg_config_write(const alg_config *c, FILE *f);
/* Value as text for one parameter. */
void alg_param_format(const alg_param *p, double v, char *buf, size_t len);

/* `trbench algos`: every algorithm, its doc and its parameters with defaults and ranges. */
void alg_list(FILE *f);

#endif
