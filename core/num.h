/* core/num.h — strict numbers from text: one parser for every unsigned and real option,
 * --set value and spec value.
 *
 * The whole text must be the number: no leading or trailing space, no '+' or '-' on an
 * unsigned, no hexadecimal, no "inf" or "nan".  A real may be subnormal when the range
 * admits it (1e-320 is a number); one that overflows or underflows to zero is refused.
 * Messages name WHAT (a flag, "file:line: key"):
 *   "WHAT: 'TEXT' is not a non-negative integer"   "WHAT: must be at least LO"
 *   "WHAT: 'TEXT' is not a number"                  "WHAT: must be at most HI"
 *   "WHAT: 'TEXT' is too large" / "... is too small (underflows to 0)"  (TR_EINVAL) */
#ifndef TR_NUM_H
#define TR_NUM_H

#include <stdint.h>

#include "core/error.h"

/* An integer in [lo, hi] written in decimal digits only. */
tr_status tr_parse_u64(const char *what, const char *text, uint64_t lo, uint64_t hi,
                       uint64_t *out);
/* A finite real in [lo, hi]: optional sign, digits, '.', exponent. */
tr_status tr_parse_real(const char *what, const char *text, double lo, double hi, double *out);

#endif
