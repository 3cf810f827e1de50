/* core/rng.c — see rng.h */
#include "core/rng.h"

#include "core/error.h"

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t tr_seed_derive(uint64_t seed, const char *identity) {
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a offset basis */
  for (const unsigned char *c = (const unsigned char *)identity; c && *c; c++) {
    h ^= *c;
    h *= 0x100000001b3ULL;
  }
  uint64_t s = splitmix64(seed ^ splitmix64(h));
  return s ? s : 1;
}

gsl_rng *tr_rng_alloc(uint64_t seed) {
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  if (!r) {
    tr_error(TR_ENOMEM, "cannot allocate a random number generator");
    return NULL;
  }
  /* mt19937 takes an unsigned long seed; fold the high half in. */
  gsl_rng_set(r, (unsigned long)(seed ^ (seed >> 32)));
  return r;
}

gsl_rng *tr_rng_derive(uint64_t seed, const char *identity) {
  return tr_rng_alloc(tr_seed_derive(seed, identity));
}

size_t tr_rng_categorical(gsl_rng *r, const double *p, size_t n) {
  double u = gsl_rng_uniform(r), c = 0.0;
  for (size_t i = 0; i < n; i++) {
    c += p[i];
    if (u < c) return i;
  }
  /* rounding left u above the total: return the last index with positive mass */
  for (size_t i = n; i-- > 0;)
    if (p[i] > 0.0) return i;
  return n - 1;
}
