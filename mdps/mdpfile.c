/* mdps/mdpfile.c — Cassandra's POMDP file format, MDP subset (see mdpfile.h); policy files.
 *
 * Letters: S states, A actions, K = S*A rows of T (k = s*A + a).
 *
 * The format as read here (pomdp-solve's grammar without observations):
 *   discount: γ                  γ ∈ [0, 1)
 *   values: reward | cost        cost: r = −cost; reward when absent
 *   states: S | name …           a lone integer is a count, anything else names
 *   actions: A | name …
 *   start: s | uniform | μ(0) … μ(S−1)      uniform when absent
 *   start include: s …  |  start exclude: s …  uniform over the listed / other states
 *   T: a : s : s'  p             one entry
 *   T: a : s   then S numbers, or uniform     one row
 *   T: a       then S×S numbers, identity or uniform
 *   R: a : s : s' [: *]  v       one reward R(s,a,s')
 *   R: a : s   then S numbers    R(s,a,s') for each s'
 * Tokens are separated by white space and ':' (which is a token of its own); '#'
 * comments to the end of the line.  A keyword is a word followed by ':' (or
 * "start include|exclude :"); the values of an entry run over lines up to the next
 * keyword.  A state or action is '*' (all of them), a declared name, or a 0-based index;
 * a declared name wins over an index, so actions named "1 2" are the first and second.
 * states:, actions: and discount: come before the first T: or R:, start: after states:.
 * Later entries override earlier ones; unset T and R entries are 0.
 *
 * After the last line every row of T must be a distribution within MDP_ROW_TOL (the
 * message points at the line that last wrote the row), and rewards are folded:
 *   r(s,a) = Σ_s' P(s'|s,a) R(s,a,s'),
 * except that when R(s,a,s') is one value v for every s' with P(s'|s,a) > 0, r(s,a) = v
 * exactly (Σ P v may differ from v in the last bit), so a written file reads back bit
 * for bit.  observations: or O: mean a POMDP: refused. */
#include "mdps/mdpfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "core/size.h"

/* ---- tokens ------------------------------------------------------------------------ */

typedef struct {
  char *s;   /* NUL-terminated text */
  int line;  /* 1-based */
  int colon; /* the token is ':' */
} tok;

typedef struct {
  const char *path; /* used in messages */
  tok *t;
  size_t nt;
  int last_line;
  /* line of each preamble keyword, 0 while unseen */
  int at_discount, at_values, at_states, at_actions, at_start;
  double gamma;
  int cost;
  size_t S, A;
  char **snames, **anames; /* NULL when declared by count; point into the text */
  double *mu;              /* (S); NULL means uniform */
  double *P, *R;           /* (K, S): P[k*S + s'], R[k*S + s'] */
  int *row_line;           /* (K): line that last wrote row k of T; 0 if never */
} reader;

static char colon_text[] = ":";

static int is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static tr_status push_token(reader *rd, size_t *cap, char *s, int line, int colon) {
  if (rd->nt == *cap) {
    tok *nt = realloc(rd->t, 2 * *cap * sizeof *nt);
    if (!nt) return tr_error(TR_ENOMEM, "%s: out of memory", rd->path);
    rd->t = nt;
    *cap *= 2;
  }
  rd->t[rd->nt++] = (tok){s, line, colon};
  return TR_OK;
}

/* Split buf in place into tokens (white space and '#' comments become NULs). */
static tr_status tokenize(reader *rd, char *buf) {
  size_t cap = 256, len = strlen(buf);
  int ends_in_newline = len > 0 && buf[len - 1] == '\n';
  rd->t = tr_malloc(cap * sizeof *rd->t);
  if (!rd->t) return TR_ENOMEM;
  int line = 1;
  char *c = buf;
  while (*c) {
    if (*c == '\n') line++;
    if (is_space(*c)) {
      *c++ = '\0';
    } else if (*c == '#') {
      while (*c && *c != '\n') *c++ = '\0';
    } else if (*c == ':') {
      *c++ = '\0';
      if (push_token(rd, &cap, colon_text, line, 1)) return TR_ENOMEM;
    } else {
      if (push_token(rd, &cap, c, line, 0)) return TR_ENOMEM;
      while (*c && !is_space(*c) && *c != ':' && *c != '#') c++;
    }
  }
  rd->last_line = ends_in_newline ? line - 1 : line;
  return TR_OK;
}

/* ---- messages and small parsers ----------------------------------------------------- */

static tr_status fail(const reader *rd, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static tr_status fail(const reader *rd, int line, const char *fmt, ...) {
  char msg[TR_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return tr_error(TR_EINVAL, "%s:%d: %s", rd->path, line, msg);
}

static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

static int parse_double(const char *s, double *x) {
  char *end;
  errno = 0;
  *x = strtod(s, &end);
  return end != s && *end == '\0';
}

static int is_number(const char *s) {
  double x;
  return parse_double(s, &x);
}

/* Optional '-' then decimal digits only. */
static int is_integer(const char *s) {
  const char *d = s + (s[0] == '-');
  return *d && strspn(d, "0123456789") == strlen(d);
}

/* A word at i followed by ':' (or "start include|exclude :") starts a new entry; a
 * number never does ("0.5 : 0.5" is a misplaced ':' inside values). */
static int is_keyword(const reader *rd, size_t i) {
  if (i >= rd->nt || rd->t[i].colon || is_number(rd->t[i].s)) return 0;
  if (i + 1 < rd->nt && rd->t[i + 1].colon) return 1;
  return i + 2 < rd->nt && strcmp(rd->t[i].s, "start") == 0 && rd->t[i + 2].colon &&
         (strcmp(rd->t[i + 1].s, "include") == 0 || strcmp(rd->t[i + 1].s, "exclude") == 0);
}

/* End of the values that start at i: the next keyword or the end of the file. */
static size_t data_end(const reader *rd, size_t i) {
  while (i < rd->nt && !is_keyword(rd, i)) i++;
  return i;
}

/* Line of token j, or the last line when j is the end of the file. */
static int line_at(const reader *rd, size_t j) {
  return j < rd->nt ? rd->t[j].line : rd->last_line;
}

typedef tr_status (*number_fn)(const reader *rd, size_t i, double *x);

static tr_status number(const reader *rd, size_t i, double *x) {
  const tok *t = &rd->t[i];
  if (t->colon) return fail(rd, t->line, "unexpected ':'");
  if (!parse_double(t->s, x)) return fail(rd, t->line, "'%s' is not a number", t->s);
  return TR_OK;
}

static tr_status probability(const reader *rd, size_t i, double *x) {
  tr_status st = number(rd, i, x);
  if (st) return st;
  const tok *t = &rd->t[i];
  if (!isfinite(*x)) return fail(rd, t->line, "probability %s is not finite", t->s);
  if (*x < 0.0) return fail(rd, t->line, "probability %s is negative", t->s);
  return TR_OK;
}

static tr_status reward(const reader *rd, size_t i, double *x) {
  tr_status st = number(rd, i, x);
  if (st) return st;
  if (!isfinite(*x)) return fail(rd, rd->t[i].line, "reward %s is not finite", rd->t[i].s);
  return TR_OK;
}

/* The values [i0, j) of the entry `kw` of line `line` are `want` numbers, each checked
 * by fn, into out (want).  Too few: reported where the entry ended (next keyword or
 * end of file); too many: at the first number too many. */
static tr_status numbers(const reader *rd, const char *kw, int line, size_t i0, size_t j,
                         size_t want, double *out, number_fn fn) {
  for (size_t i = i0; i < j; i++) {
    double x;
    tr_status st = fn(rd, i, &x);
    if (st) return st;
    if (i - i0 < want) out[i - i0] = x;
  }
  size_t n = j - i0;
  if (n == want) return TR_OK;
  int at = n < want ? line_at(rd, j) : rd->t[i0 + want].line;
  if (at == line)
    return fail(rd, at, "%s expected %zu number%s, found %zu", kw, want, plural(want), n);
  return fail(rd, at, "%s (line %d) expected %zu number%s, found %zu", kw, line, want,
              plural(want), n);
}

/* ---- states and actions ------------------------------------------------------------ */

/* Index of s among the states (action = 0) or actions: a declared name, else a 0-based
 * index; the count if it is neither. */
static size_t find(const reader *rd, const char *s, int action) {
  size_t n = action ? rd->A : rd->S;
  char **names = action ? rd->anames : rd->snames;
  if (names)
    for (size_t x = 0; x < n; x++)
      if (strcmp(names[x], s) == 0) return x;
  if (s[0] == '-' || !is_integer(s)) return n;
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  return errno == 0 && v < n ? (size_t)v : n;
}

/* Token i as the range [*lo, *hi) of states or actions ('*' is all of them). */
static tr_status lookup(const reader *rd, size_t i, int action, size_t *lo, size_t *hi) {
  const tok *t = &rd->t[i];
  size_t n = action ? rd->A : rd->S;
  const char *what = action ? "action" : "state";
  if (strcmp(t->s, "*") == 0) {
    *lo = 0;
    *hi = n;
    return TR_OK;
  }
  size_t x = find(rd, t->s, action);
  if (x < n) {
    *lo = x;
    *hi = x + 1;
    return TR_OK;
  }
  if (is_integer(t->s))
    return fail(rd, t->line, "%s %s out of range (%zu %s%s)", what, t->s, n, what, plural(n));
  return fail(rd, t->line, "unknown %s '%s'", what, t->s);
}

/* The header field at *i of entry kw: a state or an action; advances *i. */
static tr_status field(const reader *rd, size_t *i, const char *kw, int action, size_t *lo,
                       size_t *hi) {
  const char *what = action ? "an action" : "a state";
  if (*i >= rd->nt)
    return fail(rd, rd->last_line, "%s expected %s, found the end of the file", kw, what);
  if (rd->t[*i].colon) return fail(rd, rd->t[*i].line, "%s expected %s, found ':'", kw, what);
  return lookup(rd, (*i)++, action, lo, hi);
}

static int colon_at(const reader *rd, size_t i) { return i < rd->nt && rd->t[i].colon; }

/* ---- preamble ---------------------------------------------------------------------- */

static tr_status once(const reader *rd, int *at, const char *kw, int line) {
  if (*at) return fail(rd, line, "duplicate %s (first at line %d)", kw, *at);
  *at = line;
  return TR_OK;
}

static tr_status kw_discount(reader *rd, size_t *i, int line) {
  tr_status st = once(rd, &rd->at_discount, "discount:", line);
  if (st) return st;
  size_t j = data_end(rd, *i);
  double g;
  if ((st = numbers(rd, "discount:", line, *i, j, 1, &g, number))) return st;
  if (!(g >= 0.0 && g < 1.0))
    return fail(rd, rd->t[*i].line, "discount %s is outside [0, 1)", rd->t[*i].s);
  rd->gamma = g;
  *i = j;
  return TR_OK;
}

static tr_status kw_values(reader *rd, size_t *i, int line) {
  tr_status st = once(rd, &rd->at_values, "values:", line);
  if (st) return st;
  size_t j = data_end(rd, *i);
  if (j - *i != 1) return fail(rd, line, "values: expected one word, reward or cost");
  const tok *t = &rd->t[*i];
  if (strcmp(t->s, "reward") != 0 && strcmp(t->s, "cost") != 0)
    return fail(rd, t->line, "values: '%s' must be reward or cost", t->s);
  rd->cost = strcmp(t->s, "cost") == 0;
  *i = j;
  return TR_OK;
}

/* A lone count: "states: 5". */
static tr_status space_count(reader *rd, const tok *t, const char *kw, const char *what,
                             size_t *n) {
  errno = 0;
  unsigned long long v = t->s[0] == '-' ? 0 : strtoull(t->s, NULL, 10);
  if (!is_integer(t->s) || t->s[0] == '-' || errno || v == 0 || v > SIZE_MAX / 64)
    return fail(rd, t->line, "%s %s is not a count of %ss (a whole number ≥ 1)", kw, t->s,
                what);
  *n = (size_t)v;
  return TR_OK;
}

static int name_ptr_cmp(const void *x, const void *y) {
  int c = strcmp(**(char **const *)x, **(char **const *)y);
  return c ? c : (*(char **const *)x > *(char **const *)y) - (*(char **const *)x < *(char **const *)y);
}

/* The repeated name whose second occurrence comes first, in O(n log n) (a sorted copy of
 * pointers to the names): "duplicate state name 'x' (state 1 and 4)". */
static tr_status duplicate_names(const reader *rd, size_t i0, char **names, size_t n,
                                 const char *what) {
  char ***ord = tr_malloc(n * sizeof *ord);
  if (!ord) return TR_ENOMEM;
  for (size_t x = 0; x < n; x++) ord[x] = &names[x];
  qsort(ord, n, sizeof *ord, name_ptr_cmp);
  /* ties sort by position, so a run of equal names starts with its first occurrence and
   * its second element is the name's second occurrence */
  size_t bx = SIZE_MAX, by = 0;
  for (size_t k = 1; k < n; k++)
    if (!strcmp(*ord[k], *ord[k - 1]) && (k < 2 || strcmp(*ord[k], *ord[k - 2]))) {
      size_t x = (size_t)(ord[k] - names);
      if (x < bx) bx = x, by = (size_t)(ord[k - 1] - names);
    }
  free(ord);
  if (bx == SIZE_MAX) return TR_OK;
  return fail(rd, rd->t[i0 + bx].line, "duplicate %s name '%s' (%s %zu and %zu)", what,
              names[bx], what, by, bx);
}

/* A list of names: "states: s0 s1 goal"; they point into the text. */
static tr_status space_names(reader *rd, size_t i0, size_t j, const char *what,
                             char ***names_out) {
  size_t n = j - i0;
  char **names = tr_malloc(n * sizeof *names);
  if (!names) return TR_ENOMEM;
  *names_out = names;
  for (size_t x = 0; x < n; x++) {
    const tok *t = &rd->t[i0 + x];
    if (t->colon) return fail(rd, t->line, "unexpected ':'");
    if (strcmp(t->s, "*") == 0)
      return fail(rd, t->line, "'*' cannot be %s name (it means all of them)",
                  what[0] == 'a' ? "an action" : "a state");
    names[x] = t->s;
  }
  return duplicate_names(rd, i0, names, n, what);
}

/* The reader holds P and R densely: 2 GiB for this many entries. */
#define MAX_ENTRIES ((size_t)1 << 27)

/* Sizes before memory: as soon as states: (and actions:) are known, S·S (S·A·S) dense
 * entries must fit the reader and the memory limit, before start:, T: or R: allocate. */
static tr_status size_cap(reader *rd, int line) {
  size_t S = rd->at_states ? rd->S : 0, A = rd->at_actions ? rd->A : 1;
  if (!S) return TR_OK;
  size_t SA, SAS;
  if (tr_size_mul(&SA, S, A) || tr_size_mul(&SAS, SA, S) || SAS > MAX_ENTRIES)
    return rd->at_actions
               ? fail(rd, line, "%zu states and %zu actions are too many for this reader "
                      "(S·A·S > %zu dense entries)", S, A, (size_t)MAX_ENTRIES)
               : fail(rd, line, "%zu states are too many for this reader (S·S > %zu dense "
                      "entries)", S, (size_t)MAX_ENTRIES);
  char where[TR_ERRMSG_MAX / 2];
  snprintf(where, sizeof where, "%s:%d", rd->path, line);
  return tr_mem_need(where, SAS, 2 * sizeof(double), 1);
}

/* states: and actions: */
static tr_status kw_space(reader *rd, size_t *i, int line, int action) {
  const char *kw = action ? "actions:" : "states:", *what = action ? "action" : "state";
  tr_status st = once(rd, action ? &rd->at_actions : &rd->at_states, kw, line);
  if (st) return st;
  size_t j = data_end(rd, *i), n = j - *i;
  size_t *count = action ? &rd->A : &rd->S;
  if (n == 0) return fail(rd, line, "%s expected a count or a list of names", kw);
  if (n == 1 && is_number(rd->t[*i].s)) {
    st = space_count(rd, &rd->t[*i], kw, what, count);
  } else {
    *count = n;
    st = size_cap(rd, line);
    if (!st) st = space_names(rd, *i, j, what, action ? &rd->anames : &rd->snames);
  }
  *i = j;
  if (!st) st = size_cap(rd, line);
  return st;
}

static tr_status kw_states(reader *rd, size_t *i, int line) { return kw_space(rd, i, line, 0); }
static tr_status kw_actions(reader *rd, size_t *i, int line) { return kw_space(rd, i, line, 1); }

/* start: with its values [i0, j): a state, uniform, or S probabilities.  A lone
 * number is a state unless S = 1 (then "start: 1" is the vector written for S = 1). */
static tr_status start_plain(reader *rd, size_t i0, size_t j, int line) {
  size_t S = rd->S;
  if (j == i0)
    return fail(rd, line, "start: expected a state, uniform or %zu probabilities", S);
  const tok *t = &rd->t[i0];
  if (j - i0 == 1 && !t->colon) {
    size_t x = find(rd, t->s, 0);
    if (strcmp(t->s, "uniform") == 0 || x < S) {
      for (size_t s = 0; s < S; s++) rd->mu[s] = x < S ? (double)(s == x) : 1.0 / (double)S;
      return TR_OK;
    }
    if (strcmp(t->s, "*") == 0)
      return fail(rd, t->line, "start: '*' is not one state; write start: uniform");
    if ((is_integer(t->s) && S > 1) || !is_number(t->s)) return lookup(rd, i0, 0, &x, &x);
  }
  tr_status st = numbers(rd, "start:", line, i0, j, S, rd->mu, probability);
  if (st) return st;
  double sum = 0.0;
  for (size_t s = 0; s < S; s++) sum += rd->mu[s];
  if (fabs(sum - 1.0) > MDP_ROW_TOL)
    return fail(rd, line, "start: probabilities sum to %.15g, not 1", sum);
  return TR_OK;
}

/* start include: / start exclude: with the states [i0, j). */
static tr_status start_set(reader *rd, size_t i0, size_t j, int line, const char *kw,
                           int exclude) {
  size_t S = rd->S, lo, hi, m = 0;
  if (j == i0) return fail(rd, line, "%s expected a list of states", kw);
  for (size_t s = 0; s < S; s++) rd->mu[s] = 0.0;
  for (size_t i = i0; i < j; i++) {
    if (rd->t[i].colon) return fail(rd, rd->t[i].line, "unexpected ':'");
    tr_status st = lookup(rd, i, 0, &lo, &hi);
    if (st) return st;
    for (size_t s = lo; s < hi; s++) rd->mu[s] = 1.0;
  }
  for (size_t s = 0; s < S; s++) m += (rd->mu[s] == 1.0) != exclude;
  if (m == 0) return fail(rd, line, "%s leaves no start state", kw);
  for (size_t s = 0; s < S; s++) rd->mu[s] = (rd->mu[s] == 1.0) != exclude ? 1.0 / (double)m : 0.0;
  return TR_OK;
}

enum { START_PLAIN, START_INCLUDE, START_EXCLUDE };

static tr_status kw_start(reader *rd, size_t *i, int line, int mode) {
  const char *kw = mode == START_PLAIN     ? "start:"
                   : mode == START_INCLUDE ? "start include:"
                                           : "start exclude:";
  tr_status st = once(rd, &rd->at_start, "start:", line);
  if (st) return st;
  if (!rd->at_states) return fail(rd, line, "%s before states:", kw);
  size_t j = data_end(rd, *i);
  rd->mu = tr_malloc(rd->S * sizeof *rd->mu);
  if (!rd->mu) return TR_ENOMEM;
  if (mode == START_PLAIN)
    st = start_plain(rd, *i, j, line);
  else
    st = start_set(rd, *i, j, line, kw, mode == START_EXCLUDE);
  *i = j;
  return st;
}

static tr_status kw_pomdp(reader *rd, size_t *i, int line) {
  const char *kw = strcmp(rd->t[*i - 2].s, "O") == 0 ? "O:" : "observations:";
  return fail(rd, line, "%s this is a POMDP file; trbench reads MDPs only", kw);
}

/* ---- T: and R: --------------------------------------------------------------------- */

/* states:, actions: and discount: must precede T: and R:; then P, R exist. */
static tr_status need_preamble(reader *rd, const char *kw, int line) {
  if (!rd->at_states) return fail(rd, line, "%s before states:", kw);
  if (!rd->at_actions) return fail(rd, line, "%s before actions:", kw);
  if (!rd->at_discount) return fail(rd, line, "%s before discount:", kw);
  if (rd->P) return TR_OK;
  size_t S = rd->S, A = rd->A;
  if (A > MAX_ENTRIES / S / S)
    return fail(rd, line, "%zu states and %zu actions are too many for this reader "
                "(S·A·S > %zu dense entries)", S, A, (size_t)MAX_ENTRIES);
  rd->P = tr_calloc(S * A * S, sizeof *rd->P);
  rd->R = tr_calloc(S * A * S, sizeof *rd->R);
  rd->row_line = tr_calloc(S * A, sizeof *rd->row_line);
  if (!rd->P || !rd->R || !rd->row_line) return TR_ENOMEM;
  return TR_OK;
}

typedef struct { size_t lo, hi; } range;

/* "T: a : s : s' p" */
static tr_status t_entry(reader *rd, range a, range s, range s2, size_t i0, size_t j, int line) {
  double p;
  tr_status st = numbers(rd, "T:", line, i0, j, 1, &p, probability);
  if (st) return st;
  size_t S = rd->S, A = rd->A;
  for (size_t x = a.lo; x < a.hi; x++)
    for (size_t y = s.lo; y < s.hi; y++) {
      size_t k = y * A + x;
      for (size_t z = s2.lo; z < s2.hi; z++) rd->P[k * S + z] = p;
      rd->row_line[k] = rd->t[i0].line;
    }
  return TR_OK;
}

/* A lone word (uniform, identity) as the values [i0, j)? */
static int lone_word(const reader *rd, size_t i0, size_t j, const char *w) {
  return j > i0 && !rd->t[i0].colon && strcmp(rd->t[i0].s, w) == 0;
}

static tr_status nothing_after(const reader *rd, size_t i0, size_t j) {
  if (j - i0 > 1)
    return fail(rd, rd->t[i0 + 1].line, "T: nothing may follow '%s'", rd->t[i0].s);
  return TR_OK;
}

/* "T: a : s" then S numbers or uniform */
static tr_status t_row(reader *rd, range a, range s, size_t i0, size_t j, int line) {
  size_t S = rd->S, A = rd->A;
  double *row = tr_malloc(S * sizeof *row);
  if (!row) return TR_ENOMEM;
  tr_status st;
  if (lone_word(rd, i0, j, "uniform")) {
    st = nothing_after(rd, i0, j);
    for (size_t z = 0; z < S; z++) row[z] = 1.0 / (double)S;
  } else {
    st = numbers(rd, "T:", line, i0, j, S, row, probability);
  }
  for (size_t x = a.lo; x < a.hi && !st; x++)
    for (size_t y = s.lo; y < s.hi; y++) {
      size_t k = y * A + x;
      memcpy(rd->P + k * S, row, S * sizeof *row);
      rd->row_line[k] = rd->t[i0].line;
    }
  free(row);
  return st;
}

/* "T: a" then S×S numbers, identity or uniform: mat is (S, S). */
static tr_status t_matrix(reader *rd, range a, size_t i0, size_t j, int line) {
  size_t S = rd->S, A = rd->A;
  double *mat = tr_malloc(S * S * sizeof *mat);
  if (!mat) return TR_ENOMEM;
  tr_status st;
  int word = lone_word(rd, i0, j, "uniform") || lone_word(rd, i0, j, "identity");
  if (word) {
    st = nothing_after(rd, i0, j);
    int id = strcmp(rd->t[i0].s, "identity") == 0;
    for (size_t y = 0; y < S; y++)
      for (size_t z = 0; z < S; z++) mat[y * S + z] = id ? (double)(y == z) : 1.0 / (double)S;
  } else {
    st = numbers(rd, "T:", line, i0, j, S * S, mat, probability);
  }
  for (size_t x = a.lo; x < a.hi && !st; x++)
    for (size_t y = 0; y < S; y++) {
      size_t k = y * A + x;
      memcpy(rd->P + k * S, mat + y * S, S * sizeof *mat);
      rd->row_line[k] = rd->t[word ? i0 : i0 + y * S].line;
    }
  free(mat);
  return st;
}

static tr_status kw_T(reader *rd, size_t *i, int line) {
  tr_status st = need_preamble(rd, "T:", line);
  if (st) return st;
  range a, s = {0, 0}, s2 = {0, 0};
  int nfield = 1;
  if ((st = field(rd, i, "T:", 1, &a.lo, &a.hi))) return st;
  if (colon_at(rd, *i)) {
    (*i)++;
    nfield = 2;
    if ((st = field(rd, i, "T:", 0, &s.lo, &s.hi))) return st;
  }
  if (nfield == 2 && colon_at(rd, *i)) {
    (*i)++;
    nfield = 3;
    if ((st = field(rd, i, "T:", 0, &s2.lo, &s2.hi))) return st;
  }
  if (colon_at(rd, *i))
    return fail(rd, rd->t[*i].line, "T: takes at most 'a : s : s'' before its value");
  size_t j = data_end(rd, *i);
  if (nfield == 3)
    st = t_entry(rd, a, s, s2, *i, j, line);
  else if (nfield == 2)
    st = t_row(rd, a, s, *i, j, line);
  else
    st = t_matrix(rd, a, *i, j, line);
  *i = j;
  return st;
}

/* Set R(s,a,s') = v[s'] (or v[0] for every s' when single) over the ranges. */
static void r_set(reader *rd, range a, range s, range s2, const double *v, int single) {
  size_t S = rd->S, A = rd->A;
  for (size_t x = a.lo; x < a.hi; x++)
    for (size_t y = s.lo; y < s.hi; y++)
      for (size_t z = s2.lo; z < s2.hi; z++) rd->R[(y * A + x) * S + z] = single ? v[0] : v[z];
}

/* The optional observation field of "R: a : s : s' : o"; it must be '*'. */
static tr_status r_observation(reader *rd, size_t *i) {
  int line = rd->t[(*i)++].line;
  if (*i >= rd->nt || rd->t[*i].colon)
    return fail(rd, line, "R: expected '*' for the observation after a : s : s' :");
  const tok *o = &rd->t[(*i)++];
  if (strcmp(o->s, "*") != 0)
    return fail(rd, o->line, "R: observation '%s': an MDP has no observations; write '*'",
                o->s);
  if (colon_at(rd, *i))
    return fail(rd, rd->t[*i].line, "R: takes at most 'a : s : s' : *' before its value");
  return TR_OK;
}

/* "R: a : s : s' [: *] v" */
static tr_status r_entry(reader *rd, range a, range s, range s2, size_t *i, int line) {
  int obs = colon_at(rd, *i);
  tr_status st = obs ? r_observation(rd, i) : TR_OK;
  if (st) return st;
  size_t j = data_end(rd, *i);
  if (!obs && j - *i > 1)
    return fail(rd, line,
                "R: a list of rewards per observation is a POMDP form; give one value");
  double v;
  if ((st = numbers(rd, "R:", line, *i, j, 1, &v, reward))) return st;
  r_set(rd, a, s, s2, &v, 1);
  *i = j;
  return TR_OK;
}

static tr_status kw_R(reader *rd, size_t *i, int line) {
  tr_status st = need_preamble(rd, "R:", line);
  if (st) return st;
  range a, s, s2 = {0, rd->S};
  if ((st = field(rd, i, "R:", 1, &a.lo, &a.hi))) return st;
  if (!colon_at(rd, *i))
    return fail(rd, line, "R: expected 'a : s' at least (R: a : s : s' value)");
  (*i)++;
  if ((st = field(rd, i, "R:", 0, &s.lo, &s.hi))) return st;
  if (colon_at(rd, *i)) {
    (*i)++;
    if ((st = field(rd, i, "R:", 0, &s2.lo, &s2.hi))) return st;
    return r_entry(rd, a, s, s2, i, line);
  }
  size_t j = data_end(rd, *i);
  double *v = tr_malloc(rd->S * sizeof *v);
  if (!v) return TR_ENOMEM;
  st = numbers(rd, "R:", line, *i, j, rd->S, v, reward);
  if (!st) r_set(rd, a, s, s2, v, 0);
  free(v);
  *i = j;
  return st;
}

/* ---- the whole file ---------------------------------------------------------------- */

typedef tr_status (*entry_fn)(reader *rd, size_t *i, int line);

static const struct {
  const char *name;
  entry_fn fn;
} keywords[] = {
    {"discount", kw_discount}, {"values", kw_values}, {"states", kw_states},
    {"actions", kw_actions},   {"T", kw_T},           {"R", kw_R},
    {"observations", kw_pomdp}, {"O", kw_pomdp},
};

/* One entry starting with the keyword at *i; advances *i past its values. */
static tr_status entry(reader *rd, size_t *i) {
  const tok *k = &rd->t[*i];
  if (!is_keyword(rd, *i)) {
    if (k->colon) return fail(rd, k->line, "unexpected ':'");
    return fail(rd, k->line, "expected a keyword such as states: or T:, found '%s'", k->s);
  }
  if (strcmp(k->s, "start") == 0) {
    int mode = START_PLAIN;
    if (!rd->t[*i + 1].colon)
      mode = strcmp(rd->t[*i + 1].s, "include") == 0 ? START_INCLUDE : START_EXCLUDE;
    *i += mode == START_PLAIN ? 2 : 3;
    return kw_start(rd, i, k->line, mode);
  }
  for (size_t x = 0; x < sizeof keywords / sizeof keywords[0]; x++)
    if (strcmp(k->s, keywords[x].name) == 0) {
      *i += 2;
      return keywords[x].fn(rd, i, k->line);
    }
  return fail(rd, k->line, "unknown keyword '%s:'", k->s);
}

/* r(s,a) from R(s,a,·) and the row p = P(·|s,a), both (S); see the top of the file. */
static double fold(const double *p, const double *R, size_t S) {
  size_t first = S;
  int same = 1;
  for (size_t z = 0; z < S; z++) {
    if (!(p[z] > 0.0)) continue;
    if (first == S)
      first = z;
    else if (R[z] != R[first])
      same = 0;
  }
  if (same && first < S) return R[first];
  double r = 0.0;
  for (size_t z = 0; z < S; z++) r += p[z] * R[z];
  return r;
}

/* After the last line: preamble present, rows of T distributions; r (K) folded. */
static tr_status finish(reader *rd, double **r_out) {
  int last = rd->last_line;
  if (!rd->at_states) return fail(rd, last, "end of file before states:");
  if (!rd->at_actions) return fail(rd, last, "end of file before actions:");
  if (!rd->at_discount) return fail(rd, last, "end of file before discount:");
  tr_status st = need_preamble(rd, "end of file", last);
  if (st) return st;
  size_t S = rd->S, A = rd->A;
  for (size_t k = 0; k < S * A; k++) {
    if (!rd->row_line[k])
      return fail(rd, last, "row (s=%zu, a=%zu) of T was never given", k / A, k % A);
    double sum = 0.0;
    for (size_t z = 0; z < S; z++) sum += rd->P[k * S + z];
    if (fabs(sum - 1.0) > MDP_ROW_TOL)
      return fail(rd, rd->row_line[k], "row (s=%zu, a=%zu) of T sums to %.15g", k / A, k % A,
                  sum);
  }
  double *r = tr_malloc(S * A * sizeof *r);
  if (!r) return TR_ENOMEM;
  for (size_t k = 0; k < S * A; k++) {
    r[k] = fold(rd->P + k * S, rd->R + k * S, S);
    if (rd->cost) r[k] = -r[k];
    if (!isfinite(r[k])) {
      free(r);
      return fail(rd, last, "reward r(s=%zu, a=%zu) overflows", k / A, k % A);
    }
  }
  *r_out = r;
  return TR_OK;
}

static mdp *build(reader *rd) {
  double *r = NULL;
  if (finish(rd, &r)) return NULL;
  mdp *m = mdp_alloc_dense(rd->S, rd->A, rd->gamma, rd->P, r, rd->mu);
  free(r);
  if (!m) {
    tr_error_prefix("%s", rd->path);
    return NULL;
  }
  if (mdp_set_names(m, rd->snames, rd->anames)) {
    mdp_free(m);
    return NULL;
  }
  return m;
}

static mdp *parse(reader *rd, char *buf) {
  if (tokenize(rd, buf)) return NULL;
  if (rd->nt == 0) {
    fail(rd, 1, "empty file: no states:");
    return NULL;
  }
  for (size_t i = 0; i < rd->nt;)
    if (entry(rd, &i)) return NULL;
  return build(rd);
}

static void reader_free(reader *rd) {
  free(rd->t);
  free(rd->snames);
  free(rd->anames);
  free(rd->mu);
  free(rd->P);
  free(rd->R);
  free(rd->row_line);
}

/* Parse buf (len bytes, modified in place) as the file `path`. */
static mdp *read_buffer(char *buf, size_t len, const char *path) {
  if (strlen(buf) != len) {
    int line = 1;
    for (const char *c = buf; *c; c++) line += *c == '\n';
    tr_error(TR_EINVAL, "%s:%d: NUL byte in the file (not a text file?)", path, line);
    return NULL;
  }
  reader rd = {.path = path};
  mdp *m = parse(&rd, buf);
  reader_free(&rd);
  return m;
}

mdp *mdp_read_file(const char *path) {
  char *buf;
  size_t len;
  if (tr_read_file(path, &buf, &len)) return NULL;
  mdp *m = read_buffer(buf, len, path);
  free(buf);
  return m;
}

mdp *mdp_read_string(const char *text, const char *name) {
  size_t len = strlen(text);
  char *buf = tr_malloc(len + 1);
  if (!buf) return NULL;
  memcpy(buf, text, len + 1);
  mdp *m = read_buffer(buf, len, name);
  free(buf);
  return m;
}

/* ---- writer ------------------------------------------------------------------------ */

static int name_cmp(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Names must read back as themselves: non-empty, no white space, ':' or '#', not '*',
 * distinct, and a single name must not look like a count. */
static tr_status names_writable(char *const *names, size_t n, const char *what) {
  if (!names) return TR_OK;
  for (size_t x = 0; x < n; x++) {
    const char *s = names[x];
    int ok = s[0] != '\0' && strcmp(s, "*") != 0;
    for (const char *c = s; *c && ok; c++) ok = !is_space(*c) && *c != ':' && *c != '#';
    if (!ok)
      return tr_error(TR_EINVAL,
                      "%s name '%s' cannot be written (names need a character, no white "
                      "space, ':' or '#', and are not '*')",
                      what, s);
  }
  if (n == 1 && is_number(names[0]))
    return tr_error(TR_EINVAL, "%s name '%s' cannot be written: a lone number reads as a count",
                    what, names[0]);
  char **sorted = tr_malloc(n * sizeof *sorted);
  if (!sorted) return TR_ENOMEM;
  memcpy(sorted, names, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, name_cmp);
  tr_status st = TR_OK;
  for (size_t x = 1; x < n && !st; x++)
    if (strcmp(sorted[x - 1], sorted[x]) == 0)
      st = tr_error(TR_EINVAL, "duplicate %s name '%s' cannot be written", what, sorted[x]);
  free(sorted);
  return st;
}

static void put_label(FILE *f, char *const *names, size_t x) {
  if (names)
    fputs(names[x], f);
  else
    fprintf(f, "%zu", x);
}

static void put_space(FILE *f, const char *kw, char *const *names, size_t n) {
  fprintf(f, "%s", kw);
  if (!names) {
    fprintf(f, " %zu\n", n);
    return;
  }
  for (size_t x = 0; x < n; x++) {
    fputc(' ', f);
    fputs(names[x], f);
  }
  fputc('\n', f);
}

/* "T: a : s" and the dense row of P(·|s,a) on the next line. */
static void put_row(FILE *f, const mdp *m, size_t s, size_t a) {
  size_t k = s * m->A + a, i = m->rowptr[k];
  fputs("T: ", f);
  put_label(f, m->action_names, a);
  fputs(" : ", f);
  put_label(f, m->state_names, s);
  fputc('\n', f);
  for (size_t z = 0; z < m->S; z++) {
    double p = 0.0;
    if (i < m->rowptr[k + 1] && m->col[i] == z) p = m->prob[i++];
    fprintf(f, z ? " %.17g" : "%.17g", p);
  }
  fputc('\n', f);
}

tr_status mdp_write_stream(const mdp *m, FILE *f) {
  tr_status st = names_writable(m->state_names, m->S, "state");
  if (!st) st = names_writable(m->action_names, m->A, "action");
  if (st) return st;
  fprintf(f, "# trbench MDP, Cassandra POMDP format (MDP subset), version 1\n");
  fprintf(f, "discount: %.17g\nvalues: reward\n", m->gamma);
  put_space(f, "states:", m->state_names, m->S);
  put_space(f, "actions:", m->action_names, m->A);
  fputs("start:", f);
  for (size_t s = 0; s < m->S; s++) fprintf(f, " %.17g", m->mu[s]);
  fputc('\n', f);
  for (size_t s = 0; s < m->S; s++)
    for (size_t a = 0; a < m->A; a++) put_row(f, m, s, a);
  for (size_t s = 0; s < m->S; s++)
    for (size_t a = 0; a < m->A; a++) {
      fputs("R: ", f);
      put_label(f, m->action_names, a);
      fputs(" : ", f);
      put_label(f, m->state_names, s);
      fprintf(f, " : * : * %.17g\n", m->r[s * m->A + a]);
    }
  if (ferror(f)) return tr_error(TR_EIO, "write error");
  return TR_OK;
}

tr_status mdp_write_file(const mdp *m, const char *path) {
  tr_atomic_file af;
  tr_status st = tr_atomic_open(&af, path);
  if (st) return st;
  if ((st = mdp_write_stream(m, af.f))) {
    tr_atomic_abort(&af);
    tr_error_prefix("%s", path);
    return st;
  }
  return tr_atomic_commit(&af);
}

/* ---- policy files ------------------------------------------------------------------ */

/* One row of a policy file (text: a line without its comment) for `state`: A numbers,
 * each a probability, summing to 1 within MDP_ROW_TOL, into row (A). */
static tr_status policy_row(const char *path, int line, char *text, size_t state, size_t A,
                            double *row) {
  size_t n = 0;
  char *c = text;
  double sum = 0.0;
  while (*c) {
    if (is_space(*c)) {
      c++;
      continue;
    }
    char *w = c;
    while (*c && !is_space(*c)) c++;
    if (*c) *c++ = '\0';
    double x;
    if (!parse_double(w, &x))
      return tr_error(TR_EINVAL, "%s:%d: '%s' is not a number", path, line, w);
    if (!isfinite(x))
      return tr_error(TR_EINVAL, "%s:%d: probability %s is not finite", path, line, w);
    if (x < 0.0) return tr_error(TR_EINVAL, "%s:%d: probability %s is negative", path, line, w);
    if (n < A) row[n] = x;
    sum += x;
    n++;
  }
  if (n != A)
    return tr_error(TR_EINVAL, "%s:%d: expected %zu number%s, found %zu", path, line, A,
                    plural(A), n);
  if (fabs(sum - 1.0) > MDP_ROW_TOL)
    return tr_error(TR_EINVAL, "%s:%d: row of state %zu sums to %.15g", path, line, state, sum);
  return TR_OK;
}

static int blank(const char *s) {
  for (; *s; s++)
    if (!is_space(*s)) return 0;
  return 1;
}

tr_status mdp_policy_read(const char *path, size_t S, size_t A, double **pi_out) {
  char *buf;
  tr_status st = tr_read_file(path, &buf, NULL);
  if (st) return st;
  double *pi = tr_malloc(S * A * sizeof *pi);
  if (!pi) {
    free(buf);
    return TR_ENOMEM;
  }
  size_t rows = 0;
  int line = 1;
  for (char *c = buf; *c && !st; line++) {
    char *next = strchr(c, '\n');
    if (next) *next = '\0';
    char *hash = strchr(c, '#');
    if (hash) *hash = '\0';
    if (!blank(c)) {
      if (rows < S) st = policy_row(path, line, c, rows, A, pi + rows * A);
      rows++;
    }
    c = next ? next + 1 : c + strlen(c);
  }
  free(buf);
  if (!st && rows != S)
    st = tr_error(TR_EINVAL, "%s: expected %zu row%s, found %zu", path, S, plural(S), rows);
  if (st) {
    free(pi);
    return st;
  }
  *pi_out = pi;
  return TR_OK;
}

tr_status mdp_policy_write(const char *path, const double *pi, size_t S, size_t A) {
  tr_atomic_file af;
  tr_status st = tr_atomic_open(&af, path);
  if (st) return st;
  fprintf(af.f, "# trbench policy: %zu states x %zu actions, one row per state\n", S, A);
  for (size_t s = 0; s < S; s++)
    for (size_t a = 0; a < A; a++) fprintf(af.f, a + 1 < A ? "%.17g " : "%.17g\n", pi[s * A + a]);
  return tr_atomic_commit(&af);
}
