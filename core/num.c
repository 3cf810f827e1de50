/* core/num.c — see num.h */
#include "core/num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int all_digits(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

tr_status tr_parse_u64(const char *what, const char *text, uint64_t lo, uint64_t hi,
                       uint64_t *out) {
  if (!text || !all_digits(text))
    return tr_error(TR_EINVAL, "%s: '%s' is not a non-negative integer", what, text ? text : "");
  errno = 0;
  unsigned long long v = strtoull(text, NULL, 10);
  if (errno == ERANGE) return tr_error(TR_EINVAL, "%s: '%s' is too large", what, text);
  if (v < lo) return tr_error(TR_EINVAL, "%s: must be at least %llu", what, (unsigned long long)lo);
  if (v > hi) return tr_error(TR_EINVAL, "%s: must be at most %llu", what, (unsigned long long)hi);
  *out = (uint64_t)v;
  return TR_OK;
}

/* [+-]? digits* ('.' digits*)? ([eE] [+-]? digits+)? with at least one mantissa digit */
static int real_syntax(const char *s) {
  size_t mant = 0;
  if (*s == '+' || *s == '-') s++;
  for (; *s >= '0' && *s <= '9'; s++) mant++;
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++) mant++;
  if (!mant) return 0;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (*s < '0' || *s > '9') return 0;
    while (*s >= '0' && *s <= '9') s++;
  }
  return *s == '\0';
}

static int mantissa_nonzero(const char *s) {
  for (; *s && *s != 'e' && *s != 'E'; s++)
    if (*s >= '1' && *s <= '9') return 1;
  return 0;
}

tr_status tr_parse_real(const char *what, const char *text, double lo, double hi, double *out) {
  if (!text || !real_syntax(text))
    return tr_error(TR_EINVAL, "%s: '%s' is not a number", what, text ? text : "");
  errno = 0;
  double v = strtod(text, NULL);
  if (isinf(v)) return tr_error(TR_EINVAL, "%s: '%s' is too large", what, text);
  if (v == 0 && mantissa_nonzero(text))
    return tr_error(TR_EINVAL, "%s: '%s' is too small (underflows to 0)", what, text);
  if (v < lo) return tr_error(TR_EINVAL, "%s: must be at least %.17g", what, lo);
  if (v > hi) return tr_error(TR_EINVAL, "%s: must be at most %.17g", what, hi);
  *out = v;
  return TR_OK;
}
