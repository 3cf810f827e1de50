/* mdps/env_terrain.c — see env_terrain.h.
 *
 * Generation, per side s ∈ {+1, −1} (the +x side first), from the start zone's edge
 * x = s·START at height 0 outwards: draw a segment length L = SEG_MIN + U·(SEG_MAX − SEG_MIN)
 * rounded down to whole cells, a kind k ∈ {flat, slope, step} uniformly, then
 *   slope: g = tan(MAX_SLOPE)·(2U − 1); if |h + g·L| > MAX_HEIGHT, g = −g;
 *   step:  d = ±(MIN_STEP + U·(MAX_STEP − MIN_STEP)), the sign a fair coin; if
 *          |h + d| > MAX_HEIGHT, d = −d;
 * (flipping the sign keeps |h| ≤ MAX_HEIGHT because |g·L|, |d| ≤ MAX_HEIGHT, so from
 * |h| ≤ MAX_HEIGHT one of the two directions stays inside), and walk the segment's cells
 * outwards, "rising" meaning in the walking direction s.  Segments are cut at the field's
 * end. */
#include "mdps/env_terrain.h"

#include <gsl/gsl_rng.h>
#include <math.h>

#include "core/rng.h"

/* The grid index of x = s·START (exact: START/DX = 25). */
static size_t start_index(int s) {
  double x = s * ENV_TERRAIN_START;
  return (size_t)lround((x - ENV_TERRAIN_XMIN) / ENV_TERRAIN_DX);
}

tr_status env_terrain_profile(double *h, uint64_t seed) {
  gsl_rng *r = tr_rng_derive(seed, "terrain");
  if (!r) return TR_ENOMEM;
  const double gmax = tan(ENV_TERRAIN_MAX_SLOPE_DEG * M_PI / 180.0);
  size_t lo = start_index(-1), hi = start_index(+1);
  for (size_t i = lo; i <= hi; i++) h[i] = 0.0;
  for (int s = +1; s >= -1; s -= 2) {
    double z = 0.0;
    size_t i = s > 0 ? hi : lo; /* the last grid point set */
    size_t left = s > 0 ? ENV_TERRAIN_N - 1 - hi : lo; /* grid points still to set */
    while (left > 0) {
      double len = ENV_TERRAIN_SEG_MIN + gsl_rng_uniform(r) * (ENV_TERRAIN_SEG_MAX -
                                                               ENV_TERRAIN_SEG_MIN);
      size_t cells = (size_t)floor(len / ENV_TERRAIN_DX + 1e-9);
      unsigned long kind = gsl_rng_uniform_int(r, 3);
      double rise_first = 0.0, rise = 0.0; /* the first cell's rise, every other cell's */
      if (kind == 1) {
        double g = gmax * (2.0 * gsl_rng_uniform(r) - 1.0);
        if (fabs(z + g * (double)cells * ENV_TERRAIN_DX) > ENV_TERRAIN_MAX_HEIGHT) g = -g;
        rise_first = rise = g * ENV_TERRAIN_DX;
      } else if (kind == 2) {
        double d = ENV_TERRAIN_MIN_STEP +
                   gsl_rng_uniform(r) * (ENV_TERRAIN_MAX_STEP - ENV_TERRAIN_MIN_STEP);
        if (gsl_rng_uniform(r) < 0.5) d = -d;
        if (fabs(z + d) > ENV_TERRAIN_MAX_HEIGHT) d = -d;
        rise_first = d;
      }
      for (size_t k = 0; k < cells && left > 0; k++, left--) {
        z += k == 0 ? rise_first : rise;
        i = s > 0 ? i + 1 : i - 1;
        h[i] = z;
      }
    }
  }
  gsl_rng_free(r);
  return TR_OK;
}

/* The cell of x and the fraction along it; clamped to the field. */
static size_t cell_of(double x, double *frac) {
  double u = (x - ENV_TERRAIN_XMIN) / ENV_TERRAIN_DX;
  if (!(u > 0.0)) { /* NaN too */
    *frac = 0.0;
    return 0;
  }
  if (u >= (double)(ENV_TERRAIN_N - 1)) {
    *frac = 1.0;
    return ENV_TERRAIN_N - 2;
  }
  size_t i = (size_t)u;
  *frac = u - (double)i;
  return i;
}

double env_terrain_height_at(const double *h, double x) {
  double f;
  size_t i = cell_of(x, &f);
  return h[i] + f * (h[i + 1] - h[i]);
}

double env_terrain_height_at_f(const float *data, double z0, double scale, double x) {
  double f;
  size_t i = cell_of(x, &f);
  double a = data[i], b = data[i + 1];
  return z0 + scale * (a + f * (b - a));
}

const char *env_terrain_description(void) {
  return "hopper-terrain:SEED, walker2d-terrain:SEED: the flat task (same observation, reward, "
         "termination thresholds, reset noise, time limit) with the floor replaced by a height "
         "field made from SEED, over x in [-40, 160] m (160 m ahead: 20 m/s for 1000 Hopper "
         "or Walker2d steps), flat at 0 for |x| <= 1 m (the reset state), then segments of 0.52-1.48 m: "
         "flat, slopes of at most 10 degrees, steps of 0.01-0.05 m; |height| <= 0.5 m.  The "
         "healthy height (hopper z > 0.7; walker2d 0.8 < z < 2) is measured above the ground "
         "under the torso, z - h(x_torso), as on flat ground, where h = 0: a walker that "
         "climbs a step is not fallen, one that collapses into a dip is";
}
