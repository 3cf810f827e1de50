/* experiments/bench_ilqr.c — `bench algos`' iLQR row (issue 20 item 6): one derivative pass
 * of iLQR on Hopper at H = 500 (H = 100 with --quick) against its floor, and the wall time
 * of one iLQR iteration.
 *
 * The pass is alg_ilqr_derivatives along the nominal of zero controls from the task's reset
 * (seed 1), with the default linearization (own forward differences of whole environment
 * steps: (N + U + 1) whole steps per t, N = 2·nv + na).  Its floor is the count of
 * bare mj_steps, (2·nv + na + nu) per step of the horizon, each step frame_skip mj_steps —
 * (2·nv + na + nu)·frame_skip·H mj_steps — run on a bare mjData from the same nominal states
 * and controls (qpos, qvel, act and the warm start copied in, no other bookkeeping).
 * ratio = floor time / pass time: at most (N + U)/(N + U + 1) = 15/16 on Hopper, since the
 * pass also steps the nominal once per t (the reward derivatives need it).  Median of 3;
 * the iteration (derivatives, backward pass, line search) is timed from the same start
 * each time (identical work). */
#include <math.h>
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/ilqr_mj.h"
#include "core/clock.h"
#include "core/rng.h"
#include "core/size.h"
#include "experiments/bench_run.h"
#include "mdps/env_mujoco.h"

static double med3(double a, double b, double c) {
  double x = fmin(a, b), y = fmax(a, b);
  return fmax(x, fmin(y, c));
}

/* The floor: (2 nv + na + nu) repetitions of frame_skip mj_steps from each nominal state. */
static double floor_pass(const mjModel *m, mjData *md, const ilqr *il, size_t fs,
                         unsigned long *count) {
  size_t nq = (size_t)m->nq, nv = (size_t)m->nv, na = (size_t)m->na, nu = (size_t)m->nu;
  size_t N = 2 * nv + na, S = il->p.S, reps = N + nu;
  double t0 = tr_clock_seconds();
  for (size_t t = 0; t < il->p.H; t++) {
    const double *s = il->X + t * S;
    for (size_t i = 0; i < nu; i++) md->ctrl[i] = il->Ubar[t * nu + i];
    for (size_t r = 0; r < reps; r++) {
      memcpy(md->qpos, s, nq * sizeof *s);
      memcpy(md->qvel, s + nq, nv * sizeof *s);
      if (na) memcpy(md->act, s + nq + nv, na * sizeof *s);
      memcpy(md->qacc_warmstart, s + N + 1, nv * sizeof *s);
      for (size_t j = 0; j < fs; j++) mj_step(m, md);
      *count += fs;
    }
  }
  return tr_clock_seconds() - t0;
}

tr_status exp_bench_ilqr(int quick, int *met) {
  const char *task = "hopper";
  size_t H = quick ? 100 : 500;
  env_model *em = env_model_alloc(task);
  if (!em) return TR_EINVAL;
  env_dyn *d = NULL;
  tr_status st = env_dyn_alloc(&d, em);
  gsl_rng *r = tr_rng_alloc(1);
  const mjModel *m = env_mujoco_model(em);
  mjData *md = m ? mj_makeData(m) : NULL;
  size_t S = d ? env_dyn_full_dim(d) : 0, U = d ? env_dyn_ctrl_dim(d) : 0;
  double *s0 = tr_malloc((S + 1) * sizeof *s0), *u0 = tr_calloc(H * U + 1, sizeof *u0);
  if (!st && (!r || !md || !s0 || !u0)) st = TR_ENOMEM;
  if (!st) st = env_dyn_reset(d, r, s0);
  double pass[3], flo[3], iter[3];
  unsigned long pass_steps = 0, floor_steps = 0;
  size_t n_forward = 0;
  for (int k = 0; !st && k < 3; k++) {
    alg_ilqr_mj c = {d, 1e-6, ENV_DYN_OWN_FORWARD};
    ilqr_problem p;
    alg_ilqr_mj_problem(&c, H, &p);
    ilqr *il = NULL;
    if ((st = alg_ilqr_alloc(&il, &p, NULL, s0, u0))) break;
    unsigned long n0 = env_dyn_mj_steps(d);
    double t0 = tr_clock_seconds();
    st = alg_ilqr_derivatives(il);
    pass[k] = tr_clock_seconds() - t0;
    pass_steps = env_dyn_mj_steps(d) - n0;
    floor_steps = 0;
    if (!st) flo[k] = floor_pass(m, md, il, env_frame_skip(em), &floor_steps);
    il->derivs_current = 0; /* the iteration computes its own */
    t0 = tr_clock_seconds();
    if (!st) st = alg_ilqr_iterate(il);
    iter[k] = tr_clock_seconds() - t0;
    n_forward = il->n_forward - 1; /* the initial rollout aside */
    alg_ilqr_free(il);
  }
  if (!st) {
    double p = med3(pass[0], pass[1], pass[2]), f = med3(flo[0], flo[1], flo[2]);
    double it = med3(iter[0], iter[1], iter[2]), ratio = f / p;
    *met = ratio >= 0.8;
    printf("\nalgo\tenv\tH\tderivative_pass_s\tmj_steps\tfloor_s\tfloor_mj_steps\tratio\ttarget"
           "\tmet\titeration_s\tforward_passes\n");
    printf("ilqr\t%s\t%zu\t%.4g\t%lu\t%.4g\t%lu\t%.3f\tratio>=0.8\t%s\t%.4g\t%zu\n", task, H, p,
           pass_steps, f, floor_steps, ratio, *met ? "yes" : "no", it, n_forward);
    printf("# ilqr: a derivative pass (own forward differences) against (2 nv + na + nu) "
           "frame_skip H bare mj_steps from the same states; its ceiling is (N + U)/(N + U + 1) "
           "= %.3f (the nominal step per t)\n",
           (double)(floor_steps / H) / (double)(floor_steps / H + env_frame_skip(em)));
    fflush(stdout);
  }
  if (md) mj_deleteData(md);
  free(s0), free(u0);
  gsl_rng_free(r);
  env_dyn_free(d);
  env_model_free(em);
  return st;
}
