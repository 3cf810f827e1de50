/* mdps/env_tabular.c — a tabular MDP (S, A, P, r, μ, γ) as a sampling environment.
 *
 * Names (the class gets the whole name):
 *   garnet:S,A,b[,seed]  mdp_garnet_alloc(S, A, b, 0.99, tr_rng_alloc(seed)), seed 1 by default
 *   chain:N              mdp_chain_alloc(N, 0.99)
 *   gridworld:W,H,slip   mdp_gridworld_alloc(W, H, slip, 0.99)
 *   frozenlake4, frozenlake8   Gymnasium's FrozenLake-v1 (is_slippery=True, its 4x4 and 8x8
 *                        maps): reward 1 sampled on the step that reaches the goal, 0 else;
 *                        the episode ends (terminated) on reaching a hole or the goal; time
 *                        limits 100 (4x4) and 200 (8x8), as Gymnasium registers them; γ = 0.99
 *   frozenlake4-continuing, frozenlake8-continuing   the same MDP as a continuing task (what
 *                        trbench called frozenlake4/8 before issue 24): the expected reward
 *                        r(s,a) = P(goal | s, a) paid on every step, holes and goal
 *                        self-looping with reward 0, no terminal states, 1000-step episodes
 *   cliffwalking         mdp_cliffwalking_alloc(0.99)
 *   mdp:PATH             mdp_read_file(PATH), γ from the file
 * Semantics: the state is the index s (state_bytes = sizeof(size_t)); reset draws
 * s0 ~ μ; a step in s with action a draws s' ~ P(·|s,a) from the compressed row
 * k = s·A + a and pays r(s,a), except in an episodic task (FrozenLake), where it pays the
 * arrival reward of s' (1 at the goal) when s is not terminal, 0 when it is, and raises
 * terminated when s' is terminal.  The observation is the one-hot vector e_s of length
 * O = S.  Every other name is continuing: absorbing states self-loop and episodes end only
 * at the time limit (default 1000).
 * The exact quantities (env_model_mdp) of both FrozenLake tasks are those of
 * mdp_frozenlake_alloc's MDP: holes and goal absorbing with reward 0 after the transition
 * that pays, r(s,a) the expected reward, so V_π and J(π) are the episodic task's discounted
 * values (without its time limit, which bounds only the sampled episodes).
 *
 * Letters: S states, A actions, O = S observation size. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/size.h"
#include "mdps/env_impl.h"
#include "mdps/generators.h"
#include "mdps/mdpfile.h"

#define TAB_GAMMA 0.99
#define TAB_TIME_LIMIT 1000
#define TAB_MAX_ARGS 4

/* The model's data: the MDP and, for an episodic task, its terminal states and the reward
 * sampled on arriving in each state. */
typedef struct {
  mdp *p;
  unsigned char *terminal; /* (S): an episode ends on arriving here; NULL: continuing */
  double *arrive;          /* (S): the reward of arriving in s' from a non-terminal state */
  size_t time_limit;
} tab_impl;

/* FrozenLake's names: the map size (4 or 8) and whether the task is the episodic one;
 * 0 for any other name. */
static int lake_size(const char *name, int *episodic) {
  static const struct {
    const char *name;
    int size, episodic;
  } lakes[] = {{"frozenlake4", 4, 1}, {"frozenlake8", 8, 1},
               {"frozenlake4-continuing", 4, 0}, {"frozenlake8-continuing", 8, 0}};
  for (size_t i = 0; i < sizeof lakes / sizeof lakes[0]; i++)
    if (!strcmp(name, lakes[i].name)) {
      *episodic = lakes[i].episodic;
      return lakes[i].size;
    }
  return 0;
}

/* Split text at commas into at most max pieces (pieces point into buf, a copy of text of
 * size n).  Returns the number of pieces, or max + 1 if there are more. */
static size_t split_args(const char *text, char *buf, size_t n, char **pieces, size_t max) {
  snprintf(buf, n, "%s", text);
  size_t k = 0;
  char *p = buf;
  for (;;) {
    if (k == max) return max + 1;
    pieces[k++] = p;
    char *c = strchr(p, ',');
    if (!c) return k;
    *c = '\0';
    p = c + 1;
  }
}

/* A decimal integer: digits only (no sign, no spaces), no overflow. */
static int parse_uint(const char *text, uint64_t *out) {
  if (!*text) return 0;
  for (const char *c = text; *c; c++)
    if (*c < '0' || *c > '9') return 0;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || *end) return 0;
  *out = (uint64_t)v;
  return 1;
}

static int parse_pos_size(const char *text, size_t *out) {
  uint64_t v;
  if (!parse_uint(text, &v) || v == 0 || v > SIZE_MAX) return 0;
  *out = (size_t)v;
  return 1;
}

/* A finite decimal number (no leading spaces, no inf/nan). */
static int parse_double(const char *text, double *out) {
  if (!*text || !(strchr("0123456789.+-", *text))) return 0;
  errno = 0;
  char *end;
  double v = strtod(text, &end);
  if (errno || *end || !isfinite(v)) return 0;
  *out = v;
  return 1;
}

/* The MDP a name stands for, or NULL with a message that starts with the name. */
static mdp *tabular_build(const char *name) {
  const char *colon = strchr(name, ':');
  const char *args = colon ? colon + 1 : "";
  size_t len = strlen(args) + 1;
  char *buf = malloc(len), *piece[TAB_MAX_ARGS];
  if (!buf) {
    tr_error(TR_ENOMEM, "out of memory");
    return NULL;
  }
  size_t k = split_args(args, buf, len, piece, TAB_MAX_ARGS);
  mdp *out = NULL;
  if (!strncmp(name, "garnet:", 7)) {
    size_t S, A, b;
    uint64_t seed = 1;
    if ((k == 3 || k == 4) && parse_pos_size(piece[0], &S) && parse_pos_size(piece[1], &A) &&
        parse_pos_size(piece[2], &b) && (k == 3 || parse_uint(piece[3], &seed))) {
      gsl_rng *rng = tr_rng_alloc(seed);
      if (rng) out = mdp_garnet_alloc(S, A, b, TAB_GAMMA, rng);
      gsl_rng_free(rng);
      if (!out) tr_error_prefix("%s", name);
    } else {
      tr_error(TR_EINVAL, "%s: expected garnet:S,A,b[,seed] with positive integers", name);
    }
  } else if (!strncmp(name, "chain:", 6)) {
    size_t N;
    if (k == 1 && parse_pos_size(piece[0], &N)) {
      if (!(out = mdp_chain_alloc(N, TAB_GAMMA))) tr_error_prefix("%s", name);
    } else {
      tr_error(TR_EINVAL, "%s: expected chain:N with an integer N >= 2", name);
    }
  } else if (!strncmp(name, "gridworld:", 10)) {
    size_t W, H;
    double slip;
    if (k == 3 && parse_pos_size(piece[0], &W) && parse_pos_size(piece[1], &H) &&
        parse_double(piece[2], &slip)) {
      if (!(out = mdp_gridworld_alloc(W, H, slip, TAB_GAMMA))) tr_error_prefix("%s", name);
    } else {
      tr_error(TR_EINVAL,
               "%s: expected gridworld:W,H,slip with positive integers W, H and a number slip "
               "in [0, 1]",
               name);
    }
  } else if (lake_size(name, &(int){0})) {
    if (!(out = mdp_frozenlake_alloc(lake_size(name, &(int){0}), TAB_GAMMA)))
      tr_error_prefix("%s", name);
  } else if (!strcmp(name, "cliffwalking")) {
    if (!(out = mdp_cliffwalking_alloc(TAB_GAMMA))) tr_error_prefix("%s", name);
  } else if (!strncmp(name, "mdp:", 4)) {
    if (!*args)
      tr_error(TR_EINVAL, "%s: expected mdp:PATH with the path of an MDP file", name);
    else
      out = mdp_read_file(args); /* its messages name the file */
  } else {
    tr_error(TR_EINVAL, "%s: not a tabular environment name", name);
  }
  free(buf);
  return out;
}

/* The generated families (garnet, chain, gridworld) checked without building them: the name's
 * syntax, then the MDP's memory (S·A rows of at most b entries, 16 bytes each) against the
 * limit of core/size.h.  Other tabular names are built and freed.  A spec names many
 * environments; checking one must not cost what running it does. */
static tr_status env_tabular_check_pieces(const char *name, char **piece, size_t k);

tr_status env_tabular_check(const char *name) {
  const char *args = strchr(name, ':');
  size_t len = args ? strlen(args + 1) + 1 : 1;
  char *buf = malloc(len), *piece[TAB_MAX_ARGS];
  if (!buf) return tr_error(TR_ENOMEM, "%s: out of memory", name);
  size_t k = args ? split_args(args + 1, buf, len, piece, TAB_MAX_ARGS) : 0;
  tr_status st = env_tabular_check_pieces(name, piece, k);
  free(buf);
  return st;
}

/* The body of env_tabular_check: k pieces of the name's arguments (any length). */
static tr_status env_tabular_check_pieces(const char *name, char **piece, size_t k) {
  size_t S = 0, A = 1, b = 1, W, H, rows;
  uint64_t seed;
  double slip;
  if (!strncmp(name, "garnet:", 7) && (k == 3 || k == 4) && parse_pos_size(piece[0], &S) &&
      parse_pos_size(piece[1], &A) && parse_pos_size(piece[2], &b) &&
      (k == 3 || parse_uint(piece[3], &seed))) {
    if (b > S)
      return tr_error(TR_EINVAL, "%s: branching factor b=%zu is outside [1, S=%zu]", name, b, S);
  } else if (!strncmp(name, "chain:", 6) && k == 1 && parse_pos_size(piece[0], &S)) {
    A = 2, b = 2;
  } else if (!strncmp(name, "gridworld:", 10) && k == 3 && parse_pos_size(piece[0], &W) &&
             parse_pos_size(piece[1], &H) && parse_double(piece[2], &slip)) {
    if (tr_size_mul(&S, W, H)) return tr_mem_need(name, W, H, 1);
    A = 4, b = 5;
  } else {
    mdp *m = tabular_build(name); /* small, a file, or a message */
    tr_status st = m ? TR_OK : TR_EINVAL;
    mdp_free(m);
    return st;
  }
  if (tr_size_mul(&rows, S, A)) return tr_mem_need(name, S, A, 1);
  return tr_mem_need(name, rows, b, 2 * sizeof(double));
}

static void tabular_model_free(void *impl) {
  tab_impl *t = impl;
  if (!t) return;
  mdp_free(t->p);
  free(t->terminal);
  free(t->arrive);
  free(t);
}

/* Gymnasium's FrozenLake: holes and the goal terminal, 1 for arriving at the goal. */
static tr_status lake_episodic(tab_impl *t, int size) {
  const char *const *map = mdp_frozenlake_map(size);
  size_t n = (size_t)size, S = t->p->S;
  t->terminal = tr_calloc(S, sizeof *t->terminal);
  t->arrive = tr_calloc(S, sizeof *t->arrive);
  if (!t->terminal || !t->arrive) return TR_ENOMEM;
  for (size_t s = 0; s < S; s++) {
    char cell = map[s / n][s % n];
    t->terminal[s] = cell == 'H' || cell == 'G';
    t->arrive[s] = cell == 'G' ? 1.0 : 0.0;
  }
  t->time_limit = size == 4 ? 100 : 200;
  return TR_OK;
}

static tr_status tabular_init(env_model *m, const char *name) {
  tab_impl *t = tr_calloc(1, sizeof *t);
  if (!t) return TR_ENOMEM;
  t->time_limit = TAB_TIME_LIMIT;
  if (!(t->p = tabular_build(name))) {
    free(t);
    return TR_EINVAL; /* the message is recorded */
  }
  int episodic = 0, size = lake_size(name, &episodic);
  if (episodic && lake_episodic(t, size)) {
    tabular_model_free(t);
    return tr_error(TR_ENOMEM, "%s: out of memory", name);
  }
  const mdp *p = t->p;
  m->impl = t;
  m->tab = p;
  m->obs_dim = p->S;
  m->action.kind = ENV_DISCRETE;
  m->action.n = p->A;
  m->time_limit = t->time_limit;
  m->gamma = p->gamma;
  m->state_bytes = sizeof(size_t);
  return TR_OK;
}

/* obs (S) = e_s */
static void tabular_obs(const mdp *p, size_t s, double *obs) {
  memset(obs, 0, p->S * sizeof *obs);
  obs[s] = 1.0;
}

static tr_status tabular_reset(const env_model *m, void *state, void *inst, gsl_rng *r,
                               double *obs) {
  (void)inst;
  const mdp *p = m->tab;
  size_t s = tr_rng_categorical(r, p->mu, p->S);
  memcpy(state, &s, sizeof s);
  tabular_obs(p, s, obs);
  return TR_OK;
}

static tr_status tabular_step(const env_model *m, void *state, void *inst, const double *action,
                              gsl_rng *r, double *obs, env_step_result *res) {
  (void)inst;
  const tab_impl *t = m->impl;
  const mdp *p = t->p;
  size_t s, a = (size_t)action[0];
  memcpy(&s, state, sizeof s);
  if (s >= p->S)
    return tr_error(TR_EINVAL, "%s: state index %zu out of range (S = %zu); bad snapshot?",
                    m->name, s, p->S);
  size_t k = s * p->A + a, lo = p->rowptr[k], n = p->rowptr[k + 1] - lo;
  size_t s2 = p->col[lo + tr_rng_categorical(r, p->prob + lo, n)];
  if (t->terminal) { /* episodic: the arrival's reward, sampled; 0 after the end */
    res->reward = t->terminal[s] ? 0.0 : t->arrive[s2];
    res->terminated = t->terminal[s2];
  } else {
    res->reward = p->r[k];
  }
  memcpy(state, &s2, sizeof s2);
  tabular_obs(p, s2, obs);
  return TR_OK;
}

static size_t tabular_state_index(const env_model *m, const void *state) {
  (void)m;
  size_t s;
  memcpy(&s, state, sizeof s);
  return s;
}

const env_class env_class_tabular = {.model_init = tabular_init,
                                     .model_free = tabular_model_free,
                                     .reset = tabular_reset,
                                     .step = tabular_step,
                                     .state_index = tabular_state_index};
