/* core/error.c — see error.h */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char tr_errbuf[TR_ERRMSG_MAX];

tr_status tr_error(tr_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(tr_errbuf, sizeof tr_errbuf, fmt, ap);
  va_end(ap);
  return code;
}

const char *tr_error_msg(void) { return tr_errbuf; }

void tr_error_prefix(const char *fmt, ...) {
  char head[TR_ERRMSG_MAX], old[TR_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  memcpy(old, tr_errbuf, sizeof old);
  size_t n = strlen(head);
  if (n > TR_ERRMSG_MAX - 3) n = TR_ERRMSG_MAX - 3;
  memcpy(tr_errbuf, head, n);
  memcpy(tr_errbuf + n, ": ", 2);
  size_t rest = TR_ERRMSG_MAX - n - 3, m = strlen(old);
  if (m > rest) m = rest;
  memcpy(tr_errbuf + n + 2, old, m);
  tr_errbuf[n + 2 + m] = '\0';
}

void tr_error_clear(void) { tr_errbuf[0] = '\0'; }
