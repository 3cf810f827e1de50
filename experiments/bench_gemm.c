/* experiments/bench_gemm.c — the matrix-product part of `trbench bench algos`: the networks'
 * products timed in each backend, and one core's large-dgemm rate (the FLOP floor).
 *
 * Workloads (row-major, as nn.c calls them; W_l is (n_l, n_{l−1}), mb rows):
 *   one minibatch update of a policy MLP  I → 64 → 64 → O:  per layer the forward
 *   Z += H Wᵀ (NT), ∂W += Δᵀ H (TN) and, below the top layer, Δ_{l−1} = Δ W (NN);
 *   "hopper" I = 11, O = 3, mb = 64 (the PPO paper's defaults); "cartpole" I = 4, O = 2,
 *   mb = 128 (CleanRL's); "batch" the forward of a whole 2,048-step Hopper batch.
 * Backends: nn_gemm's two (OpenBLAS, the blocked kernel), and for comparison only, when
 * present on the machine: BLIS (libblis.so.4, opened with dlopen RTLD_LOCAL so that its BLAS
 * symbols never replace OpenBLAS's; its native bli_dgemm, one thread) and libxsmm (when
 * configure found libxsmm-dev: its libxsmm_dgemm, JIT-compiled small kernels; it hands
 * products above its size threshold to the BLAS, i.e. OpenBLAS).  Neither is used for
 * training: nn.c's backend is fixed at build time (gemm.h), never chosen by timing.
 * Each time is the median of 3 repetitions of at least 20 ms (5 ms with --quick). */
#include "experiments/bench_gemm.h"

#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "algorithms/gemm.h"
#include "config.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/size.h"

#ifdef HAVE_LIBXSMM
#include <libxsmm.h>
#endif


static double median3(double a, double b, double c) {
  return a > b ? (b > c ? b : a > c ? c : a) : (a > c ? a : b > c ? c : b);
}

/* ---- backends -------------------------------------------------------------------------- */

/* BLIS's typed API (blis.h is not included: its cblas.h would clash with OpenBLAS's) */
typedef void (*bli_dgemm_fn)(int transa, int transb, long m, long n, long k, const double *alpha,
                             const double *a, long rsa, long csa, const double *b, long rsb,
                             long csb, const double *beta, double *c, long rsc, long csc);
enum { BLIS_NO_TRANSPOSE = 0x0, BLIS_TRANSPOSE = 0x8 }; /* trans_t values of BLIS 0.9 */
static bli_dgemm_fn blis_dgemm;

static int blis_open(void) {
  static int tried;
  if (!tried) {
    tried = 1;
    void *h = dlopen("libblis.so.4", RTLD_NOW | RTLD_LOCAL);
    if (h) {
      void (*set_threads)(long) = (void (*)(long))dlsym(h, "bli_thread_set_num_threads");
      blis_dgemm = (bli_dgemm_fn)dlsym(h, "bli_dgemm");
      if (set_threads) set_threads(1);
      else blis_dgemm = NULL;
    }
  }
  return blis_dgemm != NULL;
}

typedef enum { BE_OPENBLAS, BE_BLOCKED, BE_LIBXSMM, BE_BLIS, N_BE } backend;
static const char *const be_names[N_BE] = {"openblas", "blocked", "libxsmm", "blis"};

static int be_available(backend b) {
  if (b == BE_BLIS) return blis_open();
#ifdef HAVE_LIBXSMM
  return 1;
#else
  return b != BE_LIBXSMM;
#endif
}

/* C (M, N) ← β C + op(A) op(B) in backend b (row-major, as nn_gemm). */
static void product(backend b, int ta, int tb, size_t M, size_t N, size_t K, const double *A,
                    size_t lda, const double *B, size_t ldb, double beta, double *C, size_t ldc,
                    double *pack) {
  const double one = 1.0;
  switch (b) {
  case BE_OPENBLAS:
  case BE_BLOCKED:
    nn_gemm(b == BE_OPENBLAS ? NN_GEMM_BLAS : NN_GEMM_BLOCKED, ta, tb, M, N, K, A, lda, B, ldb,
            beta, C, ldc, pack);
    break;
  case BE_BLIS:
    blis_dgemm(ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
               (long)M, (long)N, (long)K, &one, A, (long)lda, 1, B, (long)ldb, 1, &beta, C,
               (long)ldc, 1);
    break;
  case BE_LIBXSMM:
#ifdef HAVE_LIBXSMM
  { /* column-major: Cᵀ (N, M) = op(B)ᵀ op(A)ᵀ */
    libxsmm_blasint m = (libxsmm_blasint)N, n = (libxsmm_blasint)M, k = (libxsmm_blasint)K;
    libxsmm_blasint la = (libxsmm_blasint)ldb, lb = (libxsmm_blasint)lda, lc = (libxsmm_blasint)ldc;
    char tra = tb ? 'T' : 'N', trb = ta ? 'T' : 'N';
    libxsmm_dgemm(&tra, &trb, &m, &n, &k, &one, B, &la, A, &lb, &beta, C, &lc);
  }
#endif
    break;
  default:
    break;
  }
}

/* ---- workloads ------------------------------------------------------------------------- */

typedef struct {
  size_t n_in, n_out, mb; /* MLP n_in → 64 → 64 → n_out on mb rows */
  int update;      /* 1: forward and backward (a minibatch update); 0: forward only */
} workload;

enum { H = 64, MAXROWS = 2048, MAXW = 64 };

typedef struct {
  double *X, *Z, *D, *W, *G, *pack; /* activations, deltas, weights, gradients, Wᵀ */
} buffers;

/* One pass of workload w in backend b; returns its FLOPs (2MNK per product). */
static double workload_run(backend b, const workload *w, buffers *m) {
  const size_t n[4] = {w->n_in, H, H, w->n_out};
  double f = 0;
  for (size_t l = 1; l <= 3; l++) { /* Z (mb, n_l) += X (mb, n_{l−1}) · Wᵀ */
    product(b, 0, 1, w->mb, n[l], n[l - 1], m->X, n[l - 1], m->W, n[l - 1], 1.0, m->Z, n[l], m->pack);
    f += 2.0 * (double)(w->mb * n[l] * n[l - 1]);
  }
  if (!w->update) return f;
  for (size_t l = 3; l >= 1; l--) { /* ∂W (n_l, n_{l−1}) += Δᵀ X;  Δ_{l−1} = Δ W */
    product(b, 1, 0, n[l], n[l - 1], w->mb, m->D, n[l], m->X, n[l - 1], 1.0, m->G, n[l - 1], NULL);
    f += 2.0 * (double)(w->mb * n[l] * n[l - 1]);
    if (l > 1) {
      product(b, 0, 0, w->mb, n[l - 1], n[l], m->D, n[l], m->W, n[l - 1], 0.0, m->Z, n[l - 1], NULL);
      f += 2.0 * (double)(w->mb * n[l] * n[l - 1]);
    }
  }
  return f;
}

/* Median seconds per pass of w in b over 3 repetitions of at least secs. */
static double workload_time(backend b, const workload *w, buffers *m, double secs) {
  double t[3];
  workload_run(b, w, m); /* warm-up (JIT, first touch) */
  for (int k = 0; k < 3; k++) {
    size_t reps = 0;
    double t0 = tr_clock_seconds(), el;
    do {
      for (int j = 0; j < 8; j++) workload_run(b, w, m);
      reps += 8;
    } while ((el = tr_clock_seconds() - t0) < secs);
    t[k] = el / (double)reps;
  }
  return median3(t[0], t[1], t[2]);
}

int exp_bench_gemm(int quick) {
  static const workload wl[] = {{11, 3, 64, 1}, {4, 2, 128, 1}, {11, 3, 2048, 0}};
  static const char *const wl_names[] = {"hopper_mb64_us", "cartpole_mb128_us", "batch2048_fwd_us"};
  const size_t nw = sizeof wl / sizeof *wl;
  buffers m;
  const size_t big = MAXROWS * MAXW;
  double *block = tr_calloc(5 * big + MAXW * MAXW, sizeof *block);
  if (!block) return 1;
  m.X = block, m.Z = block + big, m.D = block + 2 * big, m.W = block + 3 * big;
  m.G = block + 4 * big, m.pack = block + 5 * big;
  for (size_t i = 0; i < 5 * big; i++) block[i] = 0.01 * (double)((i * 7919) % 201) - 1.0;
  double secs = quick ? 0.005 : 0.02;
  printf("backend");
  for (size_t j = 0; j < nw; j++) printf("\t%s", wl_names[j]);
  printf("\tgflop_per_s\tused\n");
  for (int b = 0; b < N_BE; b++) {
    printf("%s", be_names[b]);
    if (!be_available((backend)b)) {
      for (size_t j = 0; j <= nw; j++) printf("\t-");
      printf("\tno (not on this machine)\n");
      continue;
    }
    double fl = 0, tt = 0;
    for (size_t j = 0; j < nw; j++) {
      double t = workload_time((backend)b, &wl[j], &m, secs);
      fl += workload_run((backend)b, &wl[j], &m);
      tt += t;
      printf("\t%.1f", 1e6 * t);
    }
    int used = (b == BE_OPENBLAS && nn_gemm_default() == NN_GEMM_BLAS) ||
               (b == BE_BLOCKED && nn_gemm_default() == NN_GEMM_BLOCKED);
    printf("\t%.2f\t%s\n", 1e-9 * fl / tt, used ? "yes" : "no");
    fflush(stdout);
  }
  free(block);
  return 0;
}

double exp_bench_dgemm_flops(size_t n) {
  double *A = tr_malloc(n * n * sizeof *A), *B = tr_malloc(n * n * sizeof *B);
  double *C = tr_calloc(n * n, sizeof *C);
  double rate = NAN;
  if (A && B && C) {
    for (size_t i = 0; i < n * n; i++) A[i] = B[i] = C[i] = 0.001 * (double)(i % 997) - 0.5;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 64, 64, 64, 1.0, A, 64, B, 64, 0.0,
                C, 64); /* OpenBLAS's buffers, outside the timing */
    double t0 = tr_clock_seconds();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0, A,
                (int)n, B, (int)n, 0.0, C, (int)n);
    rate = 2.0 * (double)n * (double)n * (double)n / (tr_clock_seconds() - t0);
  }
  free(A), free(B), free(C);
  return rate;
}
