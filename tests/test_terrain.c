/* tests/test_terrain.c — the test terrains hopper-terrain:SEED and walker2d-terrain:SEED
 * (mdps/env_terrain.c, the terrain part of mdps/env_mujoco.c).
 *
 * Truth: the bounds env_terrain.h states (checked on the profiles and on the compiled height
 * fields); exact equality for determinism and for the reset observation (the terrain changes
 * only the floor, and the first observation is read from q and v alone); the physics for the
 * rest: a hopper put down on the terrain at a place where the ground is high or low comes to
 * rest at that height (the flat task's hopper, from the same state, at 0), and the healthy
 * height is measured from the ground under the torso (walker2d airborne over a dip and over a
 * rise: the two cases where "above the ground" and "absolute z" disagree).
 * Letters: N grid points (ENV_TERRAIN_N), O observation size.
 * Exit status: 0 pass, 1 fail, 77 skip (MuJoCo unusable), 99 nothing checked. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "mdps/env_mujoco.h"
#include "mdps/env_terrain.h"
#include "tests/check.h"

enum { N = ENV_TERRAIN_N, OMAX = 32 };

static double x_of(size_t i) { return ENV_TERRAIN_XMIN + (double)i * ENV_TERRAIN_DX; }

/* The bounds of env_terrain.h on the profile of one seed. */
static void check_bounds(const double *h, uint64_t seed) {
  const double slope = tan(ENV_TERRAIN_MAX_SLOPE_DEG * M_PI / 180.0) * ENV_TERRAIN_DX;
  int bad_h = 0, bad_step = 0, bad_start = 0, close_edges = 0;
  size_t edges = 0, slope_cells = 0, last_edge = 0;
  for (size_t i = 0; i < N; i++) {
    bad_h += !(fabs(h[i]) <= ENV_TERRAIN_MAX_HEIGHT);
    bad_start += fabs(x_of(i)) <= ENV_TERRAIN_START + 1e-9 && h[i] != 0.0;
    if (i == 0) continue;
    double d = fabs(h[i] - h[i - 1]);
    bad_step += !(d <= ENV_TERRAIN_MAX_STEP + 1e-12);
    if (d > slope * (1 + 1e-9)) { /* steeper than the slope bound: a step edge */
      bad_step += d < ENV_TERRAIN_MIN_STEP - 1e-12;
      if (edges++ && (double)(i - last_edge) * ENV_TERRAIN_DX < ENV_TERRAIN_SEG_MIN - 1e-9)
        close_edges++;
      last_edge = i;
    } else if (d > 1e-12) {
      slope_cells++;
    }
  }
  CHECK(!bad_h, "seed %llu: %d heights beyond +-%g", (unsigned long long)seed, bad_h,
        ENV_TERRAIN_MAX_HEIGHT);
  CHECK(!bad_step, "seed %llu: %d cells rise more than the step bound (or a step edge less "
        "than the smallest step)", (unsigned long long)seed, bad_step);
  CHECK(!bad_start, "seed %llu: %d points of the start zone are not at 0",
        (unsigned long long)seed, bad_start);
  CHECK(!close_edges, "seed %llu: %d step edges closer than %g m", (unsigned long long)seed,
        close_edges, ENV_TERRAIN_SEG_MIN);
  /* 200 m of segments of about 1 m, a third of each kind: both kinds are there */
  CHECK(edges > 20 && slope_cells > 200, "seed %llu: %zu step edges, %zu slope cells",
        (unsigned long long)seed, edges, slope_cells);
}

static void test_profiles(void) {
  double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b);
  CHECK(a && b, "out of memory");
  if (!a || !b) return;
  CHECK(!env_terrain_profile(a, 1234) && !env_terrain_profile(b, 1234), "profile 1234");
  CHECK(!memcmp(a, b, N * sizeof *a), "seed 1234 twice: different profiles");
  CHECK(!env_terrain_profile(b, 1235), "profile 1235");
  size_t differ = 0;
  for (size_t i = 0; i < N; i++) differ += a[i] != b[i];
  CHECK(differ > N / 2, "seeds 1234 and 1235 differ at only %zu of %d points", differ, N);
  for (uint64_t s = 0; s < 40; s++) {
    CHECK(!env_terrain_profile(a, s), "profile %llu", (unsigned long long)s);
    check_bounds(a, s);
  }
  /* the height between grid points is linear, the end values beyond the ends */
  CHECK(!env_terrain_profile(a, 77), "profile 77");
  size_t i = 3000;
  CHECK_CLOSE(env_terrain_height_at(a, x_of(i) + 0.25 * ENV_TERRAIN_DX),
              0.75 * a[i] + 0.25 * a[i + 1], 1e-15, 0, "a quarter into a cell");
  CHECK(env_terrain_height_at(a, ENV_TERRAIN_XMIN - 5) == a[0], "before the field");
  CHECK(env_terrain_height_at(a, ENV_TERRAIN_XMAX + 5) == a[N - 1], "after the field");
  free(a), free(b);
}

/* The compiled models: the height field holds the profile (as floats), the same for a seed
 * in two models, different for two seeds; the floor is the flat model's otherwise. */
static void test_models(void) {
  static const char *const tasks[] = {"hopper", "walker2d"};
  double *h = malloc(N * sizeof *h);
  if (!h) return;
  for (int k = 0; k < 2; k++) {
    char n1[64], n2[64];
    snprintf(n1, sizeof n1, "%s-terrain:1234", tasks[k]);
    snprintf(n2, sizeof n2, "%s-terrain:99", tasks[k]);
    env_model *flat = env_model_alloc(tasks[k]), *a = env_model_alloc(n1),
              *b = env_model_alloc(n1), *c = env_model_alloc(n2);
    CHECK(flat && a && b && c, "%s: %s", n1, tr_error_msg());
    if (!flat || !a || !b || !c) goto next;
    const mjModel *ma = env_mujoco_model(a), *mb = env_mujoco_model(b),
                  *mc = env_mujoco_model(c), *mf = env_mujoco_model(flat);
    CHECK(ma->nhfield == 1 && ma->nhfielddata == 2 * N, "%s: %d height fields, %d points", n1,
          ma->nhfield, ma->nhfielddata);
    CHECK(!memcmp(ma->hfield_data, mb->hfield_data, (size_t)ma->nhfielddata * sizeof(float)),
          "%s built twice: different height fields", n1);
    CHECK(memcmp(ma->hfield_data, mc->hfield_data, (size_t)ma->nhfielddata * sizeof(float)),
          "%s and %s: the same height field", n1, n2);
    /* the same sizes, bodies, joints, actuators, options; one geom changed (the floor) */
    CHECK(ma->nq == mf->nq && ma->nv == mf->nv && ma->nu == mf->nu && ma->nbody == mf->nbody &&
              ma->ngeom == mf->ngeom && ma->opt.timestep == mf->opt.timestep,
          "%s: other sizes than %s", n1, tasks[k]);
    CHECK(env_obs_dim(a) == env_obs_dim(flat) && env_action_dim(a) == env_action_dim(flat) &&
              env_time_limit(a) == env_time_limit(flat) && env_frame_skip(a) == env_frame_skip(flat),
          "%s: other spaces or limits than %s", n1, tasks[k]);
    int gf = mj_name2id(ma, mjOBJ_GEOM, "floor");
    CHECK(gf >= 0 && ma->geom_type[gf] == mjGEOM_HFIELD, "%s: the floor is no height field", n1);
    if (gf >= 0)
      CHECK(ma->geom_friction[3 * gf] == mf->geom_friction[3 * gf] &&
                ma->geom_condim[gf] == mf->geom_condim[gf] &&
                ma->geom_conaffinity[gf] == mf->geom_conaffinity[gf] &&
                ma->geom_contype[gf] == mf->geom_contype[gf] &&
                ma->geom_solref[2 * gf] == mf->geom_solref[2 * gf] &&
                ma->geom_margin[gf] == mf->geom_margin[gf],
            "%s: the floor's contact settings differ from %s's", n1, tasks[k]);
    /* the ground the task measures from is the profile, within float rounding */
    CHECK(!env_terrain_profile(h, 1234), "profile");
    double worst = 0;
    for (size_t i = 0; i < N; i += 7)
      worst = fmax(worst, fabs(env_mujoco_ground(a, x_of(i) + 0.013) -
                               env_terrain_height_at(h, x_of(i) + 0.013)));
    CHECK(worst < 1e-7, "%s: ground vs profile: %g", n1, worst);
    CHECK(env_mujoco_ground(flat, 3.7) == 0.0, "flat ground is 0");
  next:
    env_model_free(flat), env_model_free(a), env_model_free(b), env_model_free(c);
  }
  free(h);
}

/* The reset observation (and state) of the terrain equals the flat task's, stream for stream. */
static void test_reset(void) {
  static const char *const pairs[][2] = {{"hopper", "hopper-terrain:5"},
                                         {"walker2d", "walker2d-terrain:5"}};
  for (int k = 0; k < 2; k++) {
    env_model *mf = env_model_alloc(pairs[k][0]), *mt = env_model_alloc(pairs[k][1]);
    env *ef = mf ? env_alloc(mf) : NULL, *et = mt ? env_alloc(mt) : NULL;
    CHECK(ef && et, "%s: %s", pairs[k][1], tr_error_msg());
    if (ef && et) {
      for (uint64_t s = 1; s <= 5; s++) {
        double of[OMAX], ot[OMAX];
        gsl_rng *rf = tr_rng_derive(s, "reset"), *rt = tr_rng_derive(s, "reset");
        CHECK(!env_reset(ef, rf, of) && !env_reset(et, rt, ot), "reset");
        CHECK(!memcmp(of, ot, env_obs_dim(mf) * sizeof *of),
              "%s, seed %llu: reset observation differs from %s's", pairs[k][1],
              (unsigned long long)s, pairs[k][0]);
        gsl_rng_free(rf), gsl_rng_free(rt);
      }
    }
    env_free(ef), env_free(et), env_model_free(mf), env_model_free(mt);
  }
}

/* A place of the hopper-terrain:SEED profile where the ground stands at least `at_least` above
 * (sign +1) or below (−1) zero and is flat for ±0.3 m. */
static double find_place(const double *h, int sign, double at_least) {
  for (size_t i = N / 4; i + 10 < N; i++) {
    int ok = sign * h[i] >= at_least;
    for (size_t j = i - 8; ok && j <= i + 8; j++) ok = h[j] == h[i];
    if (ok) return x_of(i);
  }
  return NAN;
}

/* Put the hopper down at x (torso at 1.25 above the ground, as at reset), zero actions for T
 * steps; *z the torso's final height, *fell whether the episode ended. */
static void settle(env_model *m, double x, double ground, size_t T, double *z, int *fell) {
  env *e = env_alloc(m);
  gsl_rng *r = tr_rng_alloc(1);
  double obs[OMAX], act[3] = {0, 0, 0};
  env_step_result res = {0};
  *fell = 0;
  CHECK(e && r && !env_reset(e, r, obs), "reset");
  mjData *d = env_mujoco_data(e);
  const mjModel *mm = env_mujoco_model(m);
  for (int i = 0; i < mm->nq; i++) d->qpos[i] = mm->qpos0[i];
  for (int i = 0; i < mm->nv; i++) d->qvel[i] = 0.0;
  d->qpos[0] = x;
  d->qpos[1] = 1.25 + ground;
  for (size_t t = 0; t < T && !*fell; t++) {
    CHECK(!env_step(e, act, r, obs, &res), "step");
    *fell = res.terminated;
  }
  *z = d->qpos[1];
  env_free(e), gsl_rng_free(r);
}

/* The same hand-made state and actions on flat and uneven ground: the hopper comes to rest
 * on the ground under it, so the episodes differ by the ground's height. */
static void test_physics(void) {
  double *h = malloc(N * sizeof *h);
  env_model *flat = env_model_alloc("hopper"), *ter = env_model_alloc("hopper-terrain:4321");
  CHECK(h && flat && ter && !env_terrain_profile(h, 4321), "hopper-terrain:4321");
  if (!h || !flat || !ter) goto done;
  for (int sign = -1; sign <= 1; sign += 2) {
    double x = find_place(h, sign, 0.15);
    CHECK(isfinite(x), "no place %s 0.15 found", sign > 0 ? "above" : "below");
    if (!isfinite(x)) continue;
    double g = env_mujoco_ground(ter, x), zf, zt;
    int ff, ft;
    settle(flat, x, 0.0, 40, &zf, &ff);
    settle(ter, x, g, 40, &zt, &ft);
    CHECK(!ff && !ft, "x = %g: the hopper standing still fell (flat %d, terrain %d)", x, ff, ft);
    /* standing on its foot: the torso 1.25 minus the legs' settling above the ground */
    CHECK(fabs(zf - 1.25) < 0.05, "flat: torso at %g", zf);
    CHECK_CLOSE(zt - zf, g, 0.01, 0, "terrain - flat torso height = the ground's height");
  }
done:
  free(h), env_model_free(flat), env_model_free(ter);
}

/* walker2d's healthy band 0.8 < z < 2 is measured above the ground under the torso: airborne
 * (no contact for one step) over a dip at 1.9 absolute (2.1+ above the ground: unhealthy, though
 * healthy by absolute z) and over a rise at 2.05 absolute (below 2 above the ground: healthy,
 * though unhealthy by absolute z). */
static void test_termination(void) {
  double *h = malloc(N * sizeof *h);
  env_model *m = env_model_alloc("walker2d-terrain:4321");
  CHECK(h && m && !env_terrain_profile(h, 4321), "walker2d-terrain:4321");
  if (!h || !m) goto done;
  for (int sign = -1; sign <= 1; sign += 2) {
    double x = find_place(h, sign, 0.25);
    CHECK(isfinite(x), "no place found");
    if (!isfinite(x)) continue;
    double g = env_mujoco_ground(m, x), z = sign < 0 ? 1.9 : 2.05;
    env *e = env_alloc(m);
    gsl_rng *r = tr_rng_alloc(1);
    double obs[OMAX], act[6] = {0};
    env_step_result res = {0};
    CHECK(e && r && !env_reset(e, r, obs), "reset");
    mjData *d = env_mujoco_data(e);
    const mjModel *mm = env_mujoco_model(m);
    for (int i = 0; i < mm->nq; i++) d->qpos[i] = mm->qpos0[i];
    for (int i = 0; i < mm->nv; i++) d->qvel[i] = 0.0;
    d->qpos[0] = x, d->qpos[1] = z;
    CHECK(!env_step(e, act, r, obs, &res), "step");
    CHECK(fabs(d->qpos[1] - z) < 0.01, "the walker moved %g in one airborne step",
          d->qpos[1] - z);
    CHECK(res.terminated == (sign < 0),
          "walker at z %g over ground %g (%g above it): terminated %d", z, g, z - g,
          res.terminated);
    env_free(e), gsl_rng_free(r);
  }
done:
  free(h), env_model_free(m);
}

/* Two instances of a model give the same trajectory, and a snapshot taken on the terrain
 * restores the episode bit for bit (vine rollouts). */
static void test_determinism(void) {
  env_model *m = env_model_alloc("walker2d-terrain:8");
  env *a = m ? env_alloc(m) : NULL, *b = m ? env_alloc(m) : NULL;
  CHECK(a && b, "walker2d-terrain:8: %s", tr_error_msg());
  if (a && b) {
    gsl_rng *ra = tr_rng_alloc(3), *rb = tr_rng_alloc(3), *act = tr_rng_alloc(4);
    double oa[OMAX], ob[OMAX], u[6];
    env_step_result sa, sb;
    CHECK(!env_reset(a, ra, oa) && !env_reset(b, rb, ob), "reset");
    int same = 1;
    for (int t = 0; t < 15; t++) {
      for (int i = 0; i < 6; i++) u[i] = 2 * gsl_rng_uniform(act) - 1;
      CHECK(!env_step(a, u, ra, oa, &sa) && !env_step(b, u, rb, ob, &sb), "step");
      same &= !memcmp(oa, ob, 17 * sizeof *oa) && sa.reward == sb.reward;
    }
    CHECK(same, "two instances of walker2d-terrain:8 differ");
    /* a snapshot taken on the terrain (put down at x = 5.3, on the ground there), restored:
     * the same actions give the same steps, bit for bit */
    mjData *d = env_mujoco_data(a);
    const mjModel *mm = env_mujoco_model(m);
    for (int i = 0; i < mm->nq; i++) d->qpos[i] = mm->qpos0[i];
    for (int i = 0; i < mm->nv; i++) d->qvel[i] = 0.0;
    d->qpos[0] = 5.3, d->qpos[1] = 1.25 + env_mujoco_ground(m, 5.3);
    CHECK(!env_step(a, (double[6]){0}, ra, oa, &sa), "step");
    unsigned char *snap = malloc(env_snapshot_size(m));
    double first[10][OMAX], again[OMAX], us[10][6];
    if (snap) {
      env_snapshot(a, snap);
      for (int t = 0; t < 10; t++) {
        for (int i = 0; i < 6; i++) us[t][i] = 0.5 * (2 * gsl_rng_uniform(act) - 1);
        CHECK(!env_step(a, us[t], ra, first[t], &sa), "step");
      }
      CHECK(!env_restore(a, snap), "restore");
      same = 1;
      for (int t = 0; t < 10; t++) {
        CHECK(!env_step(a, us[t], ra, again, &sa), "step");
        same &= !memcmp(again, first[t], 17 * sizeof *again);
      }
      CHECK(same, "walker2d-terrain:8: the restored snapshot continues differently");
    }
    free(snap);
    gsl_rng_free(ra), gsl_rng_free(rb), gsl_rng_free(act);
  }
  env_free(a), env_free(b), env_model_free(m);
}

int main(void) {
  gsl_set_error_handler_off();
  if (mj_version() != mjVERSION_HEADER) {
    printf("SKIP: the MuJoCo library (%s) does not match its header (%d)\n",
           mj_versionString(), mjVERSION_HEADER);
    return 77;
  }
  test_profiles();
  test_models();
  test_reset();
  test_physics();
  test_termination();
  test_determinism();
  return check_done("test_terrain");
}
