/* experiments/bench_gemm.h — matrix-product measurements for `trbench bench algos`
 * (bench_gemm.c). */
#ifndef EXP_BENCH_GEMM_H
#define EXP_BENCH_GEMM_H

#include <stddef.h>

/* Prints a TSV table: per backend (openblas, blocked, libxsmm, blis) the microseconds of the
 * networks' products for three workloads, their GFLOP/s and whether nn.c uses it ("-" for
 * a backend this machine lacks).  0, or 1 when out of memory. */
int exp_bench_gemm(int quick);

/* One core's FLOP/s on one n × n × n cblas_dgemm (OpenBLAS; the caller takes medians). */
double exp_bench_dgemm_flops(size_t n);

#endif
