/* core/blas.h — which BLAS kernel runs, and the right one where the BLAS does not know the CPU.
 *
 * Debian 12's OpenBLAS 0.3.21 is a DYNAMIC_ARCH build: when its library loads it picks a
 * kernel set ("core") from the CPU's identity.  A CPU newer than the library (Intel family 6
 * model 207 is one) gets the generic `Prescott` core, SSE3 only, at a third of the machine's
 * speed, and nothing says so.  OpenBLAS reads OPENBLAS_CORETYPE once, at load, before main():
 * so the fix is to set it and execute the program again, once.
 *
 * Vector classes: SSE (every core before Sandybridge, and the generic ones), AVX, AVX2 (with
 * FMA), AVX-512 (F, CD, BW, DQ, VL: OpenBLAS's SkylakeX set).  The rule (tr_blas_choice): a
 * core below AVX2 on a CPU with AVX2 is OpenBLAS not knowing the CPU; the core chosen is the
 * CPU's own class — SkylakeX for AVX-512, Haswell for AVX2.  A core of AVX2 or above is
 * OpenBLAS's own informed choice and is kept (0.3.21 runs AMD Zen 4 as `Zen`, AVX2: measured
 * at full speed, and a switch there has not been measured).  SkylakeX rather than
 * Cooperlake for AVX-512: Cooperlake adds only bfloat16 routines that trbench never calls,
 * needs AVX512_BF16, and measured the same for dgemm and dgetrf on family 6 model 207.
 * The same CPU and library always make the same choice. */
#ifndef TR_BLAS_H
#define TR_BLAS_H

/* "avx512", "avx2", "avx" or "sse" — the widest class this CPU (and its OS) supports.
 * TRBENCH_TEST_CPU_ISA, when set to one of these, replaces the answer (tests only). */
const char *tr_cpu_isa(void);

/* The class of an OpenBLAS core name (case-insensitive): "avx512", "avx2", "avx" or "sse";
 * NULL for a name it does not know. */
const char *tr_blas_core_isa(const char *core);

/* The core to ask for when `core` (as reported by the BLAS) does not use the CPU's vector
 * class `cpu_isa` (see above), or NULL to keep it.  Pure: no environment, no CPU. */
const char *tr_blas_choice(const char *core, const char *cpu_isa);

/* The core the BLAS runs (openblas_get_corename).  TRBENCH_TEST_BLAS_CORE, when set,
 * replaces the answer (tests only: it forces the fallback condition). */
const char *tr_blas_core(void);

/* Before anything else in main: when the BLAS runs a core below the CPU's class and the user
 * has not chosen one (OPENBLAS_CORETYPE unset or empty) and this process is not itself the
 * re-execution (TRBENCH_BLAS_REEXEC unset), sets OPENBLAS_CORETYPE to tr_blas_choice's core,
 * TRBENCH_BLAS_REEXEC to the core the BLAS had reported, and executes /proc/self/exe with
 * argv again.  Returns only when nothing is to be done or the exec failed (then the
 * environment is restored and the slow core is kept; tr_blas_describe says so).  With
 * TRBENCH_BLAS_TRACE set, prints one line on stderr before re-executing. */
void tr_blas_select(char **argv);

/* What ran, for config.ini, provenance and bench: fills
 *   config  the BLAS's build string ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...")
 *   core    the core in use
 *   source  "openblas" (its own detection), "user" (OPENBLAS_CORETYPE set by the user) or
 *           "trbench" (set by tr_blas_select; `detected` then names the core it replaced)
 *   detected  the core OpenBLAS had detected (same as core unless source is "trbench")
 *   isa     tr_cpu_isa() */
typedef struct {
  char config[160], core[48], source[16], detected[48], isa[16];
} tr_blas_info;
void tr_blas_describe(tr_blas_info *b);

/* One line: "OpenBLAS 0.3.21 (...), core SkylakeX (set by trbench: OpenBLAS detected Prescott),
 * CPU avx512" into out (size n). */
void tr_blas_summary(char *out, unsigned long n);

#endif
