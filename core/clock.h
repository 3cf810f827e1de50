/* core/clock.h — wall-clock time for reports (steps/s, wall seconds, benchmarks).
 * Never used to seed randomness or to decide what a computation does. */
#ifndef TR_CLOCK_H
#define TR_CLOCK_H

/* Seconds on the monotonic clock (CLOCK_MONOTONIC) from an arbitrary origin: only
 * differences mean anything. */
double tr_clock_seconds(void);

#endif
