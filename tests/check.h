/* tests/check.h — the smallest test harness: count checks, print failures, exit status.
 *
 * One test program per module; its verdict is its exit status (0 pass, 1 fail, 77 skip,
 * 99 hard error), read by automake's parallel harness.  Every failure prints file:line
 * and the values compared, so a log says what went wrong without a debugger. */
#ifndef TR_TESTS_CHECK_H
#define TR_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check_n_run = 0, check_n_failed = 0;

#define CHECK(cond, ...)                                           \
  do {                                                             \
    check_n_run++;                                                 \
    if (!(cond)) {                                                 \
      check_n_failed++;                                            \
      printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
      printf(__VA_ARGS__);                                         \
      printf("\n");                                                \
    }                                                              \
  } while (0)

/* |got − want| ≤ abs_tol + rel_tol·|want| */
#define CHECK_CLOSE(got, want, abs_tol, rel_tol, what)                                  \
  do {                                                                                  \
    double check_g_ = (got), check_w_ = (want);                                         \
    check_n_run++;                                                                      \
    if (!(fabs(check_g_ - check_w_) <= (abs_tol) + (rel_tol)*fabs(check_w_))) {         \
      check_n_failed++;                                                                 \
      printf("FAIL %s:%d: %s: got %.17g want %.17g (diff %.3g)\n", __FILE__, __LINE__, \
             (what), check_g_, check_w_, fabs(check_g_ - check_w_));                    \
    }                                                                                   \
  } while (0)

/* Print the tally and return the exit status for main. */
static inline int check_done(const char *name) {
  printf("%s: %d checks, %d failed\n", name, check_n_run, check_n_failed);
  if (check_n_run == 0) return 99; /* a test that checked nothing is an error */
  return check_n_failed ? 1 : 0;
}

#endif
