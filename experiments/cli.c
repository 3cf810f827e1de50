/* experiments/cli.c — what every subcommand shares: the error line and its exit status,
 * and the parsers of flag values (see cli.h). */
#include "experiments/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/num.h"

int exp_fail(const char *fmt, ...) {
  va_list ap;
  fputs("trbench: error: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return EXP_EXIT_INPUT;
}

int exp_fail_status(int status) {
  const char *msg = tr_error_msg();
  if (status == TR_ENOMEM) { /* a resource failure: exit 2 with "out of memory: ..." */
    /* "WHERE: out of memory: needs N bytes ..." (core/size.h) or "out of memory: ..." as is */
    if (strstr(msg, "out of memory")) fprintf(stderr, "trbench: error: %s\n", msg);
    else fprintf(stderr, "trbench: error: out of memory: %s\n", *msg ? msg : "allocation failed");
    return EXP_EXIT_RESOURCE;
  }
  fprintf(stderr, "trbench: error: %s\n", msg);
  return status == TR_EINVAL || status == TR_EIO ? EXP_EXIT_INPUT : EXP_EXIT_CHECK;
}

int exp_parse_u64(const char *flag, const char *text, uint64_t *out) {
  if (tr_parse_u64(flag, text, 0, UINT64_MAX, out)) return exp_fail("%s", tr_error_msg());
  return 0;
}

int exp_parse_size(const char *flag, const char *text, size_t *out) {
  uint64_t v;
  if (exp_parse_u64(flag, text, &v)) return EXP_EXIT_INPUT;
  *out = (size_t)v;
  return 0;
}

/* Split a comma-separated list; calls one(item) for each piece. */
static int split_list(const char *flag, const char *text, size_t *n,
                      int (*one)(const char *flag, const char *item, void *dst, size_t i),
                      void *dst, size_t max) {
  char *copy = strdup(text ? text : "");
  if (!copy) return exp_fail("out of memory");
  size_t k = 0;
  int rc = 0;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
    if (k >= max) {
      rc = exp_fail("%s: more than %zu values", flag, max);
      break;
    }
    rc = one(flag, tok, dst, k++);
  }
  free(copy);
  if (!rc && k == 0) rc = exp_fail("%s: empty list", flag);
  *n = k;
  return rc;
}

static int one_size(const char *flag, const char *item, void *dst, size_t i) {
  size_t v;
  if (exp_parse_size(flag, item, &v)) return EXP_EXIT_INPUT;
  if (v == 0) return exp_fail("%s: sizes must be at least 1", flag);
  ((size_t *)dst)[i] = v;
  return 0;
}

static int one_double(const char *flag, const char *item, void *dst, size_t i) {
  if (tr_parse_real(flag, item, -HUGE_VAL, HUGE_VAL, (double *)dst + i))
    return exp_fail("%s", tr_error_msg());
  return 0;
}

/* A new array of at most strlen(text)/2 + 1 items of `size` bytes, filled by one(). */
static int parse_list(const char *flag, const char *text, size_t size, void **out, size_t *n,
                      int (*one)(const char *flag, const char *item, void *dst, size_t i)) {
  size_t max = strlen(text) / 2 + 1;
  *out = malloc(max * size);
  if (!*out) return exp_fail("out of memory");
  if (split_list(flag, text, n, one, *out, max)) {
    free(*out);
    *out = NULL;
    return EXP_EXIT_INPUT;
  }
  return 0;
}

int exp_parse_size_list(const char *flag, const char *text, size_t **out, size_t *n) {
  void *p;
  int rc = parse_list(flag, text, sizeof **out, &p, n, one_size);
  *out = p;
  return rc;
}

int exp_parse_double_list(const char *flag, const char *text, double **out, size_t *n) {
  void *p;
  int rc = parse_list(flag, text, sizeof **out, &p, n, one_double);
  *out = p;
  return rc;
}

int exp_parse_scale(const char *text, double *out) {
  double v;
  if (tr_parse_real("--scale", text, 0, HUGE_VAL, &v) || !(v > 0))
    return exp_fail("--scale: '%s' is not a positive number", text);
  *out = v;
  return 0;
}
