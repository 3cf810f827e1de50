/* core/size.c — see size.h */
#include "core/size.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/num.h"

int tr_size_mul(size_t *out, size_t a, size_t b) {
  if (__builtin_mul_overflow(a, b, out)) {
    *out = SIZE_MAX;
    return 1;
  }
  return 0;
}

int tr_size_add(size_t *out, size_t a, size_t b) {
  if (__builtin_add_overflow(a, b, out)) {
    *out = SIZE_MAX;
    return 1;
  }
  return 0;
}

size_t tr_size_bytes(size_t n, size_t m, size_t elem) {
  size_t nm, b;
  if (tr_size_mul(&nm, n, m) || tr_size_mul(&b, nm, elem)) return SIZE_MAX;
  return b;
}

static size_t physical_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t b;
  if (pages <= 0 || page <= 0 || tr_size_mul(&b, (size_t)pages, (size_t)page))
    return (size_t)1 << 34; /* unknown: 16 GiB */
  return b;
}

/* read once: the environment is set by main() before the first allocation */
size_t tr_mem_limit(void) {
  static size_t cached = 0;
  if (cached) return cached;
  const char *e = getenv("TRBENCH_MAX_MEMORY");
  size_t b;
  char keep[TR_ERRMSG_MAX];
  memcpy(keep, tr_error_msg(), sizeof keep); /* a bad value must not overwrite a message */
  if (!(e && *e && !tr_mem_parse(e, &b))) b = physical_memory();
  tr_error(TR_OK, "%s", keep);
  cached = b;
  return b;
}

tr_status tr_mem_need(const char *where, size_t n, size_t m, size_t elem) {
  size_t b = tr_size_bytes(n, m, elem), lim = tr_mem_limit();
  if (b <= lim) return TR_OK;
  if (b == SIZE_MAX)
    return tr_error(TR_ENOMEM, "%s: out of memory: needs %zu x %zu x %zu bytes, more than the "
                    "address space (limit %zu bytes, --max-memory)", where, n, m, elem, lim);
  return tr_error(TR_ENOMEM, "%s: out of memory: needs %zu bytes (limit %zu bytes, --max-memory)",
                  where, b, lim);
}

tr_status tr_mem_parse(const char *text, size_t *out) {
  static const char units[] = "KMGT";
  size_t n = strlen(text), shift = 0;
  char digits[32];
  if (n && n < sizeof digits) {
    const char *u = strchr(units, text[n - 1]);
    if (u && *u) {
      shift = 10 * (size_t)(u - units + 1);
      n--;
    }
  }
  if (!n || n >= sizeof digits)
    return tr_error(TR_EINVAL, "--max-memory: '%s' is not a size (e.g. 512M, 8G)", text);
  memcpy(digits, text, n);
  digits[n] = '\0';
  uint64_t v;
  if (tr_parse_u64("--max-memory", digits, 1, UINT64_MAX, &v))
    return tr_error(TR_EINVAL, "--max-memory: '%s' is not a size (e.g. 512M, 8G)", text);
  size_t b;
  if (v > SIZE_MAX >> shift || tr_size_mul(&b, (size_t)v, (size_t)1 << shift))
    return tr_error(TR_EINVAL, "--max-memory: '%s' is too large", text);
  if (b < ((size_t)1 << 20)) return tr_error(TR_EINVAL, "--max-memory: '%s' is less than 1M", text);
  *out = b;
  return TR_OK;
}

/* Every request is checked against the limit of core/size.h before it reaches malloc, so
 * a size that an input made huge is an error, not an attempt (or a sanitizer's abort). */
void *tr_malloc(unsigned long n_bytes) {
  if (tr_mem_need("allocation", n_bytes, 1, 1)) return NULL;
  void *p = malloc(n_bytes ? n_bytes : 1);
  if (!p) tr_error(TR_ENOMEM, "out of memory: needs %lu bytes", n_bytes);
  return p;
}

void *tr_calloc(unsigned long n, unsigned long size) {
  if (tr_mem_need("allocation", n, size, 1)) return NULL;
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) tr_error(TR_ENOMEM, "out of memory: needs %lu x %lu bytes", n, size);
  return p;
}
