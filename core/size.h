/* core/size.h — sizes before memory.
 *
 * Every size that an input can make large (S·A·S of an MDP file, N instances of a flag,
 * a batch of n_steps × observations) is computed with the overflow-checked helpers below and
 * checked against one limit before anything is allocated.  The limit is the machine's
 * physical memory unless the environment variable TRBENCH_MAX_MEMORY (set by the
 * `--max-memory SIZE` option of every trbench command, so a sweep's runs inherit it) says
 * otherwise.  A request over the limit is TR_ENOMEM with the message
 * "WHERE: out of memory: needs N bytes (limit L bytes, --max-memory)".  tr_malloc and
 * tr_calloc live here, beside the limit they check: core's files depend one way,
 * error ← num ← size (error.c needs neither; num.c records its errors; size.c parses the
 * limit with num). */
#ifndef TR_SIZE_H
#define TR_SIZE_H

#include <stddef.h>

#include "error.h"

/* *out = a·b (or a+b); returns 0, or 1 when the result does not fit a size_t (then
 * *out = SIZE_MAX, which no limit admits). */
int tr_size_mul(size_t *out, size_t a, size_t b);
int tr_size_add(size_t *out, size_t a, size_t b);
/* n·m·elem bytes: the product, SIZE_MAX on overflow. */
size_t tr_size_bytes(size_t n, size_t m, size_t elem);

/* The limit in bytes: TRBENCH_MAX_MEMORY when set and valid, else physical memory. */
size_t tr_mem_limit(void);
/* TR_OK when n·m·elem bytes are within the limit; else TR_ENOMEM with
 * "WHERE: out of memory: needs N bytes ..." recorded (WHERE: a file:line, a flag). */
tr_status tr_mem_need(const char *where, size_t n, size_t m, size_t elem);
/* "123", "512K", "64M", "8G", "1T" (powers of 1024) into bytes, at least 1 MiB. */
tr_status tr_mem_parse(const char *text, size_t *out);

/* malloc/calloc that check the request against the limit first (tr_mem_need) and record
 * TR_ENOMEM; NULL on failure. */
void *tr_malloc(unsigned long n_bytes);
void *tr_calloc(unsigned long n, unsigned long size);

#endif
