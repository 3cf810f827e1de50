/* experiments/spec.h — experiment specs (experiments/NAME.ini, read with inih).
 *
 *   [experiment]
 *   name = ppo_table1                 ; results go to results/<name>/
 *   environments = hopper, walker2d   ; contract names (trbench envs)
 *   seeds = 3                         ; a count (seeds 1..N) or a list "1, 7, 9"
 *   steps = 1000000                   ; environment steps per run
 *   score = return_last100            ; a key of each run's summary.ini, or eval: the mean
 *                                     ; return of the run's evaluation on its training
 *                                     ; environment (eval.tsv; needs evaluate, and the
 *                                     ; sweep adds that environment to an
 *                                     ; evaluate_environments list without it)
 *   normalization = random_best       ; none | random_best (random policy 0, best row 1)
 *   scale_seeds = false               ; whether --scale also scales the number of seeds
 *   paper = PPO (Schulman et al. 2017), Table 1   ; the published column's source
 *   description = ...
 *   evaluate = 10                     ; each finished run's saved policy on this many fresh
 *                                     ; episodes (trbench evaluate; 0: none, the default)
 *   evaluate_environments = hopper    ; where (default: the run's own environment); others
 *                                     ; need the same spaces
 *   evaluate_environments@hopper = hopper, hopper-terrain:1001..1010
 *                                     ; where the runs on one environment are evaluated (in
 *                                     ; place of evaluate_environments for them; given after
 *                                     ; environments, ':' in the key written '_').  In either
 *                                     ; list "NAME:A..B" is a range: NAME:A, NAME:A+1, ...,
 *                                     ; NAME:B (the last parameter; B >= A; at most 1000);
 *                                     ; at most EXP_EVAL_ENVS_MAX names in all
 *   evaluate_deterministic = true     ; the mean action (default true)
 *   evaluate_time_limit = 100         ; evaluation episodes of at most this many steps
 *                                     ; (trbench evaluate --time-limit; default: each
 *                                     ; environment's own; needs evaluate)
 *   baseline = true reward            ; the NAME of a row: the table gives every other row's
 *                                     ; mean divided by this row's, per environment, with a
 *                                     ; bootstrap interval over seeds (none by default)
 *
 *   [variant clip 0.2]                ; one section per row, in order
 *   algo = ppo-clip
 *   paper = 0.82                      ; the published number (optional)
 *   paper@hopper = 2513               ; or one per environment (tables show them in the
 *                                     ; environments' order, "2513 / 3292")
 *   clip_range = 0.2                  ; any other key: a parameter override (trbench algos)
 *   steps = 2500000                   ; this row's environment steps per run (else the
 *                                     ; experiment's; scaled by --scale the same way)
 *   target_kl@walker2d = 0.04         ; KEY@ENV: an override for one environment only (applied
 *                                     ; after the row's other settings)
 *   group = npg                       ; rows of one group: the table adds, per environment,
 *                                     ; the group's best row (a sweep's "best per task")
 *   ref_policy = ../refs/garnet       ; a run directory whose saved policy is each run's
 *   ref_policy@frozenlake4 = ../refs/fl  ; start and π_ref (trbench run --ref-policy), for the
 *                                     ; row or (in [experiment]) for every row; paths relative
 *                                     ; to the spec file; @ENV: one environment's only.  The
 *                                     ; row's ref_policy@ENV, its ref_policy, [experiment]'s
 *                                     ; ref_policy@ENV, its ref_policy: the first given is
 *                                     ; used.  Each must hold a checkpoint.bin of a policy of
 *                                     ; that environment when the spec is read.
 *   expert = ../refs/ppo_hopper       ; the expert a row's runs clone (trbench run --expert;
 *   expert@frozenlake4 = optimal:0.1  ; bc, the SFT step): a run directory, as ref_policy (the
 *                                     ; same keys, precedence and checks), or optimal:EPS on
 *                                     ; a tabular environment (the exact optimal policy mixed
 *                                     ; with uniform at EPS in [0, 1], passed as it is).  A
 *                                     ; row whose algorithm reads an expert (ALG_NEEDS_EXPERT)
 *                                     ; must get one on every environment; a row's own expert
 *                                     ; key on an algorithm that reads none is refused, and
 *                                     ; [experiment]'s only reaches rows that read one (some
 *                                     ; row must).
 *
 * Comments: a line that starts with ';' or '#', and the rest of a line from a ';' or '#'
 * that follows white space (`clip_range = 0.2   # the paper's`).
 *
 * Every defect is reported as "file:line: what" (TR_EINVAL), including settings that could
 * not run together (batch_size > n_steps: the check a run makes at its start, made for every
 * variant on every environment before any run starts). */
#ifndef EXP_SPEC_H
#define EXP_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "algorithms/registry.h"
#include "core/error.h"

/* each of the variant's and environment's parts of a run id (file-name-safe, cut there) */
#define EXP_SPEC_ID_PART 96

/* The keys that name a saved run (or, for expert, optimal:EPS) per row and environment, each
 * passed to the runs as one trbench run flag: one table (exp_run_keys), one parser, one
 * precedence and one check for all of them. */
typedef enum {
  EXP_KEY_REF_POLICY, /* ref_policy: --ref-policy DIR (π_ref and the start) */
  EXP_KEY_EXPERT,     /* expert: --expert DIR|optimal:EPS (the policy bc clones) */
  EXP_N_RUN_KEYS
} exp_run_key;

typedef struct {
  const char *key;  /* the spec key ("ref_policy"); KEY@ENV for one environment */
  const char *flag; /* the trbench run flag ("--ref-policy") */
  int optimal;      /* 1: optimal:EPS is a value too (not a path) */
} exp_run_key_info;

extern const exp_run_key_info exp_run_keys[EXP_N_RUN_KEYS];

/* One such key of one section: paths as the runs get them (the spec's directory joined, then
 * relative to the working directory; optimal:EPS as written), NULL when not given. */
typedef struct {
  char *all;      /* KEY = */
  int all_line;
  char **env;     /* (n_envs) KEY@ENV =, or NULL when none is given */
  int *env_line;  /* (n_envs) */
} exp_ref_policy;

typedef struct {
  char *name;     /* the section's NAME */
  char *algo;
  double paper;   /* NAN when absent */
  double *paper_env; /* (n_envs) per-environment published numbers (NAN: none), or NULL */
  size_t steps;   /* 0: the experiment's */
  char *group;    /* NULL, or the name of the rows it is compared within */
  char **sets;    /* "key=value" overrides, validated against the algorithm */
  char **set_env; /* (n_sets) NULL, or the one environment the override is for (KEY@ENV) */
  size_t n_sets;
  exp_ref_policy ref[EXP_N_RUN_KEYS]; /* the row's ref_policy, expert keys */
  int line;       /* where the section's first key stands */
} exp_variant;

typedef struct {
  char *path;
  char *name;
  char **envs;
  size_t n_envs;
  uint64_t *seeds;
  size_t n_seeds;
  size_t steps;
  char *score;
  int normalize;    /* 1: random_best */
  int scale_seeds;
  char *paper;      /* the published column's source, or NULL */
  char *description;
  size_t eval_episodes; /* 0: no evaluation */
  char **eval_envs;     /* (n_eval_envs) NULL: the run's own environment */
  size_t n_eval_envs;
  char ***eval_envs_at;   /* (n_envs) evaluate_environments@ENV lists (NULL: none), or NULL */
  size_t *n_eval_envs_at; /* (n_envs) */
  int eval_deterministic;
  size_t eval_time_limit;  /* 0: each environment's own */
  int eval_time_limit_line;
  exp_ref_policy ref[EXP_N_RUN_KEYS]; /* [experiment]'s ref_policy, expert keys */
  char *baseline;        /* baseline = ROW, or NULL */
  int baseline_line;
  size_t baseline_v;     /* its row's index; n_variants when none */
  exp_variant *variants;
  size_t n_variants;
} exp_spec;

tr_status exp_spec_read(exp_spec **out, const char *path);
void exp_spec_free(exp_spec *s);

/* A file-name-safe copy of src into dst (n bytes): letters, digits and . - _ kept, every
 * other byte '_' (run ids, figure names). */
void exp_safe_name(char *dst, size_t n, const char *src);

/* Whether override i of v applies on environment env (then in the order: every environment's
 * first, the environment's own after them: see exp_variant_sets). */
int exp_variant_set_applies(const exp_variant *v, size_t i, const char *env);
/* The overrides of v on env in the order they are applied: out (n_sets) gets pointers into
 * v->sets; returns how many. */
size_t exp_variant_sets(const exp_variant *v, const char *env, const char **out);

/* The reference policy (a run directory, as passed to trbench run --ref-policy) of variant v's
 * runs on environment e, NULL when none; *line (when not NULL) the spec line giving it. */
const char *exp_spec_ref_policy(const exp_spec *s, size_t v, size_t e, int *line);
/* The value of key k for variant v's runs on environment e (the row's KEY@ENV, its KEY,
 * [experiment]'s KEY@ENV, its KEY: the first given), NULL when none; *line (when not NULL)
 * the spec line giving it.  [experiment]'s expert reaches only rows whose algorithm reads
 * one (ALG_NEEDS_EXPERT). */
const char *exp_spec_run_key(const exp_spec *s, exp_run_key k, size_t v, size_t e, int *line);

/* The configuration a variant's runs on environment env train with: its algorithm's defaults
 * with the variant's settings that apply on env (env NULL: those for every environment), in
 * exp_variant_sets' order.  *cfg is new (alg_config_clear) on success. */
tr_status exp_variant_config(const exp_variant *v, const char *env, alg_config *cfg);
/* The shared parameters of that configuration: the struct the run reads (registry.h). */
tr_status exp_variant_shared(const exp_variant *v, const char *env, alg_shared_params *out);

/* The most evaluation environments a run takes (trbench run --evaluate-env). */
#define EXP_EVAL_ENVS_MAX 256

/* Where the runs on environment e are evaluated: evaluate_environments@ENV, else
 * evaluate_environments, else NULL (*n = 0: the run's own environment). */
char *const *exp_spec_eval_envs(const exp_spec *s, size_t e, size_t *n);
/* Whether some environment has its own evaluate_environments@ENV. */
int exp_spec_eval_per_env(const exp_spec *s);
/* Whether the spec's score is `eval` (each run's evaluation on its training environment). */
int exp_spec_score_is_eval(const exp_spec *s);
/* Whether runs on environment e need the extra `--evaluate-env ENV` of their own
 * environment: score = eval, and e's evaluation list is given without e in it. */
int exp_spec_eval_adds_own(const exp_spec *s, size_t e);

/* One run of a sweep. */
typedef struct {
  size_t variant, env;
  uint64_t seed;
  size_t steps;
  char id[256]; /* "<variant>__<env>__s<seed>", file-name safe */
} exp_run_ref;

/* The (variant, environment, seed) runs in order, steps and seeds scaled by `scale`
 * (steps ≥ 1; seeds only when scale_seeds, keeping at least one), then only the first
 * max_seeds seeds when max_seeds > 0 (--seeds N).  *out is new. */
tr_status exp_spec_runs(const exp_spec *s, double scale, size_t max_seeds, exp_run_ref **out,
                        size_t *n);
/* results/<name> under `results_root`, and the run directory of one run (new strings). */
char *exp_spec_dir(const exp_spec *s, const char *results_root);
char *exp_run_dir(const exp_spec *s, const char *results_root, const exp_run_ref *r);

#endif
