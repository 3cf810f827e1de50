/* core/error.h — status codes and the last error message (per thread).
 *
 * Library functions return a tr_status; on failure they record one sentence with
 * tr_error_set() (WHERE: WHAT, WHERE being file:line when a file is at fault) and
 * return.  Only the command layer prints "trbench: error: ..." and picks the exit
 * status (2 for bad input).  The library never exits or aborts on a caller's mistake. */
#ifndef TR_ERROR_H
#define TR_ERROR_H

typedef enum {
  TR_OK = 0,
  TR_EINVAL = 1, /* bad input: file, flag, spec, argument */
  TR_ENOMEM = 2, /* allocation failed */
  TR_EIO = 3,    /* a file could not be read or written */
  TR_ENUM = 4,   /* numerical failure: singular matrix, NaN, no convergence */
  TR_ECHECK = 5  /* a check failed (a theorem violated) */
} tr_status;

#define TR_ERRMSG_MAX 4096

/* Record a printf-style message; returns `code` so callers can `return tr_error(...)`. */
tr_status tr_error(tr_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The last recorded message ("" if none). */
const char *tr_error_msg(void);
/* Prefix the current message with "prefix: " (adds context while unwinding). */
void tr_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tr_error_clear(void);

#endif
