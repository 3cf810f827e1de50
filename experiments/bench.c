/* experiments/bench.c — `trbench bench exact`: exact policy evaluation against a bare
 * LAPACKE dgesv of the same matrix in the same run, and verify's time per instance.
 * BLAS runs on one thread (main sets it); each time is the median of several runs. */
#include <cblas.h>
#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/blas.h"
#include "core/clock.h"
#include "core/rng.h"
#include "core/size.h"
#include "experiments/bench_run.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "mdps/generators.h"
#include "theory/exact.h"
#include "theory/softmax.h"
#include "theory/verify.h"

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *x, size_t n) {
  qsort(x, n, sizeof *x, cmp_d);
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* One row: S states, A actions, Garnet with branching 10, γ = 0.99, a random policy. */
static int bench_eval_row(size_t S, size_t A, size_t reps) {
  gsl_rng *r = tr_rng_alloc(S);
  mdp *m = r ? mdp_garnet_alloc(S, A, S < 10 ? S : 10, 0.99, r) : NULL;
  double *pi = tr_malloc(S * A * sizeof *pi), *th = tr_malloc(S * A * sizeof *th);
  double *M = tr_malloc(S * S * sizeof *M), *Mw = tr_malloc(S * S * sizeof *Mw);
  double *b = tr_malloc(S * sizeof *b), *te = tr_malloc(reps * sizeof *te);
  double *tg = tr_malloc(reps * sizeof *tg), *tq = tr_malloc(reps * sizeof *tq);
  lapack_int *ipiv = tr_malloc(S * sizeof *ipiv);
  thy_values *v = thy_values_alloc(S, A);
  thy_ws *ws = thy_ws_alloc(S);
  int rc = 0;
  if (!m || !pi || !th || !M || !Mw || !b || !te || !tg || !tq || !ipiv || !v || !ws) {
    rc = exp_fail_status(TR_ENOMEM);
    goto done;
  }
  for (size_t k = 0; k < S * A; k++) th[k] = gsl_rng_uniform(r);
  thy_softmax(pi, th, S, A);
  /* the floor's matrix: I − γP_π, column-major, as the evaluator builds it */
  thy_policy_transition(Mw, m, pi);
  for (size_t i = 0; i < S; i++)
    for (size_t j = 0; j < S; j++) M[i + j * S] = (i == j) - m->gamma * Mw[i * S + j];
  for (size_t k = 0; k < reps; k++) {
    double t0 = tr_clock_seconds();
    if (thy_evaluate(v, m, pi, THY_SOLVER_DENSE, ws)) {
      rc = exp_fail_status(TR_ENUM);
      goto done;
    }
    te[k] = tr_clock_seconds() - t0;
    t0 = tr_clock_seconds();
    memcpy(Mw, M, S * S * sizeof *M);
    thy_policy_reward(b, m, pi);
    LAPACKE_dgesv(LAPACK_COL_MAJOR, (lapack_int)S, 1, Mw, (lapack_int)S, ipiv, b, (lapack_int)S);
    tg[k] = tr_clock_seconds() - t0;
    tq[k] = te[k] / tg[k]; /* back to back: a slow spell of the machine hits both */
  }
  double me = median(te, reps), mg = median(tg, reps), q = median(tq, reps);
  printf("%zu\t%zu\t%.6g\t%.6g\t%.3f\t%s\n", S, A, me, mg, q, q <= 1.1 ? "yes" : "no");
done:
  gsl_rng_free(r);
  mdp_free(m);
  free(pi), free(th), free(M), free(Mw), free(b), free(te), free(tg), free(tq), free(ipiv);
  thy_values_free(v);
  thy_ws_free(ws);
  return rc;
}

static int bench_verify(size_t n) {
  static const size_t S[] = {20}, A[] = {4};
  static const double g[] = {0.5, 0.9, 0.99, 0.999};
  thy_verify_opts o = {n, 7, S, 1, A, 1, g, 4, NULL, 0};
  thy_verify_report *r = NULL;
  tr_status st = thy_verify_run(&r, &o);
  if (st) return exp_fail_status(st);
  printf("instances\tS\tA\tclaims\tseconds\tseconds_per_instance\tprojected_10000_s\ttarget_s\n");
  printf("%zu\t20\t4\t%zu\t%.4g\t%.4g\t%.4g\t30\n", n, r->n_rows, r->seconds,
         r->seconds / (double)n, 1e4 * r->seconds / (double)n);
  thy_verify_report_free(r);
  return 0;
}

int exp_cmd_bench(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help")) {
    printf("usage: trbench bench exact|envs|algos [--quick]\n"
           "       trbench bench algos --against \"CMD\" [--against-steps N]\n\n"
           "Every benchmark first prints '# blas: ...': the BLAS, the core (kernel set) it runs and\n"
           "the CPU's vector class (trbench picks the CPU's kernel where OpenBLAS does not know the\n"
           "CPU; OPENBLAS_CORETYPE, when set, wins).\n"
           "exact: policy evaluation (V and d, one LU) for S in {100, 500, 1000, 2000}, A = 10,\n"
           "against a bare LAPACKE dgesv of the same matrix: TSV 'S A eval_seconds\n"
           "dgesv_seconds ratio met' (medians of >= 5 repetitions; ratio is the median of the\n"
           "repetitions' eval/dgesv, each pair run back to back; target ratio <= 1.1); then verify's\n"
           "time per instance (S = 20, A = 4; target 10,000 instances in <= 30 s).\n"
           "envs: environment steps/s of each MuJoCo task with a random policy against bare\n"
           "mj_step calls on the same model times the frame skip (TSV 'env steps_per_s\n"
           "floor_steps_per_s ratio'; target ratio >= 0.8); classic control and tabular rows.\n"
           "algos: training throughput of ppo-clip and trpo on cartpole and hopper against the\n"
           "environment-only floor and the FLOP floor (TSV 'algo env steps_per_s\n"
           "floor_steps_per_s ratio mflop_per_step learn_gflop_per_s dgemm_gflop_per_s\n"
           "flop_ratio target met settings ratio_ceiling'; medians of 3 rounds; ratio_ceiling: the\n"
           "ratio if all learning FLOPs ran at the large dgemm's rate; targets: ppo-clip hopper\n"
           "ratio >= 0.8, trpo hopper >= 0.7, ppo-clip cartpole at CleanRL's settings >= 100k\n"
           "steps/s); the projected wall time of experiments/ppo_table1.ini with -j = cores;\n"
           "then the networks' matrix products timed in each GEMM backend and the one used.\n"
           "--against \"CMD\": instead, `trbench run` of ppo-clip on cartpole at CleanRL's settings\n"
           "(n_envs=4 n_steps=512 n_epochs=4 batch_size=128) for N steps (default 500000, CleanRL's\n"
           "ppo.py default) and CMD (run by /bin/sh; it should train N steps), both whole commands\n"
           "timed wall clock on the same core in the same run; prints each one's steps/s and the\n"
           "ratio of their times.\n");
    return argc < 2 ? EXP_EXIT_INPUT : EXP_EXIT_OK;
  }
  const char *which = argv[1], *against = NULL;
  if (strcmp(which, "exact") && strcmp(which, "envs") && strcmp(which, "algos"))
    return exp_fail("bench: unknown benchmark '%s' (known: exact, envs, algos)", which);
  int quick = 0;
  size_t against_steps = 500000; /* CleanRL's ppo.py default total_timesteps */
  for (int i = 2; i < argc; i++) {
    int algos = !strcmp(which, "algos");
    if (!strcmp(argv[i], "--quick")) quick = 1;
    else if (algos && !strcmp(argv[i], "--against") && i + 1 < argc) against = argv[++i];
    else if (algos && !strcmp(argv[i], "--against-steps") && i + 1 < argc) {
      if (exp_parse_size("--against-steps", argv[++i], &against_steps)) return EXP_EXIT_INPUT;
      if (!against_steps || against_steps % 512)
        return exp_fail("--against-steps: a positive multiple of 512 (one batch at CleanRL's "
                        "settings: 4 environments x 128 steps), so both train the same steps");
    } else if (algos && (!strcmp(argv[i], "--against") || !strcmp(argv[i], "--against-steps")))
      return exp_fail("bench algos: %s needs a value", argv[i]);
    else return exp_fail("bench %s: unexpected argument '%s'", which, argv[i]);
  }
  if (against && !*against) return exp_fail("bench algos: --against: the command is empty");
  char blas[512];
  tr_blas_summary(blas, sizeof blas);
  printf("# blas: %s\n", blas); /* which kernel ran: a slow number means nothing without it */
  if (against) return exp_bench_against(against, against_steps);
  if (!strcmp(which, "envs")) return exp_bench_envs(quick);
  if (!strcmp(which, "algos")) return exp_bench_algos(quick);
  static const size_t sizes[] = {100, 500, 1000, 2000};
  size_t n_sizes = quick ? 2 : 4;
  printf("S\tA\teval_seconds\tdgesv_seconds\tratio\tmet\n");
  for (size_t i = 0; i < n_sizes; i++) {
    size_t reps = sizes[i] <= 500 ? 21 : 7;
    int rc = bench_eval_row(sizes[i], 10, quick ? 3 : reps);
    if (rc) return rc;
    fflush(stdout);
  }
  putchar('\n');
  return bench_verify(quick ? 100 : 1000);
}
