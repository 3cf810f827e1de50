/* algorithms/registry.h — algorithms as types in a table, each declaring its parameters.
 *
 * A parameter has a name (Stable-Baselines3 / CleanRL spelling where one exists), a type,
 * a default, an allowed range (or a list of choices), a one-line doc, and the place of its
 * field in the algorithm's typed parameter struct.  A configuration is one double per
 * parameter (choices store their index, booleans 0/1, integers exact): the form `--set`,
 * specs and config.ini speak.  `--set key=value` overrides any of them; an unknown key or an
 * out-of-range value is an error naming the allowed ones.  At the start of a run the
 * configuration is resolved once into the typed struct (alg_config_resolve) and checked as a
 * whole (the class's check, after alg_shared_check: LIBLINEAR's check_parameter); nothing
 * looks a parameter up by name after that.  A built-in variant is one new file (its
 * alg_class and its parameter struct) and one line in registry.c; a variant out of tree is
 * the same file, registered at run time with alg_register before the command line starts
 * (experiments/exp_main.h). */
#ifndef ALG_REGISTRY_H
#define ALG_REGISTRY_H

#include <stddef.h>
#include <stdio.h>

#include "../core/error.h"

typedef enum { ALG_REAL = 0, ALG_INT, ALG_BOOL, ALG_CHOICE } alg_param_type;

typedef struct {
  const char *name;
  alg_param_type type;
  double def;
  double lo, hi;       /* inclusive range (REAL, INT) */
  const char *choices; /* CHOICE: "single|vine" (index = position) */
  const char *doc;
  size_t offset;       /* of the field in the typed parameter struct: a double (REAL), a
                        * size_t (INT) or an int (BOOL; CHOICE: the index) */
} alg_param;

/* How the baseline is computed (parameter value_function). */
typedef enum { ALG_VALUE_MLP = 0, ALG_VALUE_EXACT = 1 } alg_value_kind;

/* The parameters every algorithm has, read by the run, the spec and the table.  Every
 * algorithm's typed parameter struct begins with this one (so a pointer to it is a pointer
 * to these). */
typedef struct {
  double gamma;              /* discount; < 0: the environment's own */
  size_t n_steps;            /* T: environment steps per batch */
  size_t n_envs;             /* E: environments sampled in lockstep (T is a multiple) */
  size_t time_limit;         /* episode time limit; 0: the environment's own */
  int terminate_when_unhealthy; /* 0: an unhealthy state does not end the episode (env.h) */
  size_t hidden_layers, hidden_size; /* of the policy and value MLPs */
  int normalize_obs;         /* running observation normalization (non-tabular) */
  double obs_clip;           /* clip of the normalized observations */
  int normalize_advantage;   /* standardize advantages per batch */
  int value_function;        /* alg_value_kind */
  double policy_init_gain;   /* orthogonal-init gain of the policy output layer */
  int anneal_lr;             /* anneal learning rates linearly to 0 */
  int normalize_reward;      /* scale rewards by the running return std */
  /* code-level choices (Engstrom et al. 2020, REFERENCES.md § 5.1) */
  double reward_clip;        /* ±clip of the scaled rewards (normalize_reward); 0: none */
  int init;                  /* alg_init_kind: the MLPs' initialization */
  int activation;            /* nn_activation: the MLPs' hidden units */
  size_t exact_every;        /* tabular: exact diagnostics every this many iterations */
  /* a learned reward and a KL leash to a reference policy (algorithms/rlhf.h) */
  int reward;                /* alg_reward_kind: the environment's or the reward model's */
  double kl_ref_coef;        /* β of −β log(π/π_ref) per step; 0: none */
  size_t pref_labels;        /* queries shown to the synthetic labeler in all */
  size_t pref_segment;       /* k: steps per segment */
  size_t pref_rank;          /* K: segments per query (2: pairs) */
  double pref_temperature;   /* τ of Bradley–Terry / Plackett–Luce; 0: noiseless */
  double pref_epsilon;       /* probability of a uniformly random answer */
  int pref_source;           /* alg_pref_source */
  int pref_schedule;         /* alg_pref_schedule */
  double pref_initial;       /* online: the share of queries before training */
  size_t rm_ensemble, rm_hidden_layers, rm_hidden_size; /* the reward model */
  size_t rm_epochs, rm_batch;  /* passes per training, comparisons per minibatch */
  double rm_lr;              /* Adam's learning rate */
  int rm_normalize;          /* members normalized on the visited steps */
} alg_shared_params;

/* How the MLPs are initialized (parameter init). */
typedef enum { ALG_INIT_ORTHOGONAL = 0, ALG_INIT_XAVIER = 1 } alg_init_kind;

#define ALG_SHARED(field) offsetof(alg_shared_params, field)

typedef struct alg_run alg_run;          /* training state (run.h) */
typedef struct alg_iter_stats alg_iter_stats;
typedef struct alg_ckpt_io alg_ckpt_io;    /* checkpoint.h */
typedef struct env env;                    /* ../mdps/env.h */

typedef struct alg_class {
  const char *name;
  const char *doc;
  const alg_param *params;
  size_t n_params;
  unsigned needs;      /* ALG_NEEDS_* */
  size_t params_size;  /* of the typed parameter struct (begins with alg_shared_params) */
  /* NULL, or a sentence on a combination of values that cannot run (ranges are checked by
   * alg_config_set already); may be NULL itself */
  const char *(*check)(const void *params);
  tr_status (*init)(alg_run *run);
  tr_status (*iterate)(alg_run *run, alg_iter_stats *stats);
  void (*free)(alg_run *run);
  /* NULL, or the algorithm's own state between iterations (optimizer moments, β, counters)
   * through the checkpoint visitor (checkpoint.h): what a resumed run needs to continue bit
   * for bit */
  tr_status (*checkpoint)(alg_run *run, alg_ckpt_io *io);
  /* NULL, or (an ALG_NO_POLICY algorithm whose controller can be evaluated: ilqr's feedback
   * law) the controller's action at step t of an episode on the running instance e of the
   * run's environment, into act (U): it reads e's whole state (at t = 0 it may first put e in
   * its own start state).  *done = 1 (act not written) when the controller is not defined at
   * t (past its horizon): the episode ends there.  For trbench evaluate, after checkpoint
   * restored the controller (alg_ckpt_load_alg). */
  tr_status (*control)(alg_run *run, env *e, size_t t, double *act, int *done);
} alg_class;

#define ALG_NEEDS_DISCRETE 1u /* discrete action spaces only */
#define ALG_NEEDS_TABULAR 2u  /* tabular environments only */
#define ALG_NEEDS_SNAPSHOT 4u /* state save/restore (vine): every env provides it */
#define ALG_NEEDS_EXPERT 16u /* reads an expert policy (alg_bc.h: trbench run --expert) */
#define ALG_NO_POLICY 8u      /* what it learns is not the run's policy network (ilqr's feedback
                               * law): render, --init-from and --expert refuse its runs; evaluate
                               * takes them when the class has control */

typedef struct {
  const alg_class *cls;
  double *values; /* (n_params) */
} alg_config;

/* The version of the algorithm contract: the layouts of alg_class, alg_param,
 * alg_shared_params and of run.h's structs, and the meaning of their fields.  Raised with
 * every change a variant compiled against older headers would misread. */
#define ALG_ABI_VERSION 5

/* Adds an algorithm to the table (after the built-in ones) for the rest of the process: the
 * caller keeps *cls (and its parameter table) alive.  Call it before anything else runs (it
 * is not thread-safe).  Validated once, here: the name (letters, digits, '-', '_', '.'; not
 * taken), iterate present, every parameter's field inside params_size with no two
 * overlapping, the shared head present, defaults in range and resolving (alg_config_resolve).
 * TR_EINVAL with one sentence otherwise; also when cls was compiled against another
 * ALG_ABI_VERSION (the headers of another trbench): rebuild it against the installed ones.
 * 3: alg_iter_stats gained bc_loss (issue 22).  4: alg_class gained control (issue 21).
 * 5: alg_shared_params gained terminate_when_unhealthy, alg_model em_view. */
#define alg_register(cls) alg_register_abi((cls), ALG_ABI_VERSION, sizeof(alg_class))
tr_status alg_register_abi(const alg_class *cls, unsigned abi_version, size_t class_size);

/* The table: the built-in algorithms, then the registered ones, in that order. */
size_t alg_count(void);
const alg_class *alg_at(size_t i);
/* NULL with "unknown algorithm 'x' (known: ...)" */
const alg_class *alg_find(const char *name);

tr_status alg_config_init(alg_config *c, const alg_class *cls);
void alg_config_clear(alg_config *c);
/* "key=value"; TR_EINVAL with a sentence naming the allowed keys or range. */
tr_status alg_config_set(alg_config *c, const char *assignment);
/* The value of a parameter by name into *v; TR_EINVAL (and *v untouched) when the algorithm
 * has no such parameter.  For tools and tests: algorithms read their typed struct. */
tr_status alg_config_get(const alg_config *c, const char *name, double *v);
/* The typed parameter struct (c->cls->params_size bytes at params) from the configuration,
 * then checked: alg_shared_check, then the class's check.  TR_EINVAL with the sentence. */
tr_status alg_config_resolve(const alg_config *c, void *params);
/* The shared parameters of a configuration (no check: for specs and tables). */
void alg_config_shared(const alg_config *c, alg_shared_params *shared);
/* NULL, or the sentence on shared parameters that cannot run together. */
const char *alg_shared_check(const alg_shared_params *p);
/* Writes "name = value" lines (numbers in the shortest of %.15g/%.16g/%.17g that reads back
 * as the same double; choices by name, booleans true/false). */
void alg_config_write(const alg_config *c, FILE *f);
/* Value as text for one parameter. */
void alg_param_format(const alg_param *p, double v, char *buf, size_t len);

/* `trbench algos`: every algorithm, its doc and its parameters with defaults and ranges. */
void alg_list(FILE *f);

#endif
