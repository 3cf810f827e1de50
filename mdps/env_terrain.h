/* mdps/env_terrain.h — the ground profiles of the test terrains hopper-terrain:SEED and
 * walker2d-terrain:SEED (env_mujoco.c builds the tasks; env_terrain.c makes the profiles).
 *
 * Letters: N the number of grid points along x (ENV_TERRAIN_N).  A profile h (N) is the
 * ground height at x_i = ENV_TERRAIN_XMIN + i·ENV_TERRAIN_DX, i = 0..N−1; between grid points
 * the ground is linear in x (MuJoCo's height-field surface when every row of the field is the
 * same, as here: the ground does not vary along y).
 *
 * A profile is flat at height 0 on the start zone |x| ≤ ENV_TERRAIN_START.  Away from it, on
 * each side, it is a sequence of segments of ENV_TERRAIN_SEG_MIN to ENV_TERRAIN_SEG_MAX metres
 * (whole cells), each one of three kinds, equally likely:
 *   flat;
 *   a slope: every cell of the segment rises by g·DX, |g| ≤ tan(ENV_TERRAIN_MAX_SLOPE_DEG);
 *   a step: the segment's first cell rises by d, ENV_TERRAIN_MIN_STEP ≤ |d| ≤
 *     ENV_TERRAIN_MAX_STEP (a 0.04 m wide ramp: a step edge), the rest is flat;
 * with the sign of g or d reversed when the segment would leave |h| ≤ ENV_TERRAIN_MAX_HEIGHT.
 * So (the bounds tests/test_env.c checks): |h_i| ≤ MAX_HEIGHT; |h_{i+1} − h_i| ≤ MAX_STEP;
 * a cell steeper than MAX_SLOPE is a step edge, and two step edges are at least SEG_MIN apart.
 * The draws come from tr_rng_derive(SEED, "terrain"), so a seed gives the same profile on
 * every machine (gsl's mt19937, no platform-dependent functions but tan of a constant). */
#ifndef MDP_ENV_TERRAIN_H
#define MDP_ENV_TERRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define ENV_TERRAIN_XMIN (-40.0)        /* m: the field spans [XMIN, XMAX] along x */
#define ENV_TERRAIN_XMAX 160.0
#define ENV_TERRAIN_DX 0.04             /* m: grid spacing along x */
#define ENV_TERRAIN_N 5001              /* (XMAX − XMIN)/DX + 1 grid points */
#define ENV_TERRAIN_HALF_WIDTH 1.0      /* m: the field spans [−1, 1] along y */
#define ENV_TERRAIN_START 1.0           /* m: flat at height 0 for |x| ≤ START */
#define ENV_TERRAIN_SEG_MIN 0.52        /* m: segment lengths (13 to 37 cells) */
#define ENV_TERRAIN_SEG_MAX 1.48
#define ENV_TERRAIN_MIN_STEP 0.01       /* m: a step's height */
#define ENV_TERRAIN_MAX_STEP 0.05
#define ENV_TERRAIN_MAX_SLOPE_DEG 10.0  /* degrees */
#define ENV_TERRAIN_MAX_HEIGHT 0.5      /* m: |h| ≤ this everywhere */

/* The profile of `seed` into h (ENV_TERRAIN_N); TR_ENOMEM when no stream can be made. */
tr_status env_terrain_profile(double *h, uint64_t seed);

/* The ground height at x of a profile h (N): linear between grid points, the end values
 * beyond the ends.  The _f twin reads a MuJoCo height-field row instead, data (N) in [0, 1],
 * the height being z0 + scale·data (the hfield geom's z and its size[2]). */
double env_terrain_height_at(const double *h, double x);
double env_terrain_height_at_f(const float *data, double z0, double scale, double x);

/* One line for `trbench envs` and the README: the bounds above and the termination rule. */
const char *env_terrain_description(void);

#endif
