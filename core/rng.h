/* core/rng.h — explicit random streams.
 *
 * Every stochastic function takes a gsl_rng * argument; there is no global RNG.  A
 * stream is derived from (seed, identity string) by a fixed hash so that the same
 * command gives the same numbers at any parallelism. */
#ifndef TR_RNG_H
#define TR_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* A Mersenne Twister (gsl_rng_mt19937) seeded with `seed`; NULL (with message) on failure. */
gsl_rng *tr_rng_alloc(uint64_t seed);
/* A stream for (seed, identity): seeded with tr_seed_derive(seed, identity). */
gsl_rng *tr_rng_derive(uint64_t seed, const char *identity);
/* 64-bit seed mixing (FNV-1a of identity, then splitmix64 with seed), never 0. */
uint64_t tr_seed_derive(uint64_t seed, const char *identity);
/* Uniform draw from a discrete distribution p (n entries summing to 1). */
size_t tr_rng_categorical(gsl_rng *r, const double *p, size_t n);

#endif
