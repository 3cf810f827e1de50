/* core/blas.c — see blas.h. */
#define _GNU_SOURCE
#include "core/blas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* OpenBLAS's own entry points (cblas.h declares them; declared here to keep core/ free of
 * the CBLAS header). */
char *openblas_get_corename(void);
char *openblas_get_config(void);

static const char *const isa_order[] = {"sse", "avx", "avx2", "avx512"};

static int isa_rank(const char *isa) {
  for (int i = 0; i < 4; i++)
    if (isa && !strcmp(isa, isa_order[i])) return i;
  return -1;
}

const char *tr_cpu_isa(void) {
  const char *t = getenv("TRBENCH_TEST_CPU_ISA");
  if (t && isa_rank(t) >= 0) return isa_order[isa_rank(t)];
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return "avx512";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
  if (__builtin_cpu_supports("avx")) return "avx";
  return "sse";
}

/* OpenBLAS 0.3.21's x86-64 core names (driver/others/dynamic.c's corename table) by the
 * widest vector class their kernels use.  Every other known name is SSE-class. */
static const struct {
  const char *core, *isa;
} core_isa[] = {
    {"SkylakeX", "avx512"},   {"Cooperlake", "avx512"}, {"SapphireRapids", "avx512"},
    {"Haswell", "avx2"},      {"Zen", "avx2"},          {"Excavator", "avx2"},
    {"Sandybridge", "avx"},   {"Bulldozer", "avx"},     {"Piledriver", "avx"},
    {"Steamroller", "avx"},   {"Prescott", "sse"},      {"Core2", "sse"},
    {"Penryn", "sse"},        {"Dunnington", "sse"},    {"Nehalem", "sse"},
    {"Atom", "sse"},          {"Opteron", "sse"},       {"Opteron_SSE3", "sse"},
    {"Barcelona", "sse"},     {"Nano", "sse"},          {"Bobcat", "sse"},
    {"Katmai", "sse"},        {"Coppermine", "sse"},    {"Northwood", "sse"},
    {"Banias", "sse"},        {"Athlon", "sse"},        {"Unknown", "sse"}};

const char *tr_blas_core_isa(const char *core) {
  for (size_t i = 0; core && i < sizeof core_isa / sizeof *core_isa; i++)
    if (!strcasecmp(core, core_isa[i].core)) return core_isa[i].isa;
  return NULL;
}

const char *tr_blas_choice(const char *core, const char *cpu_isa) {
  int have = isa_rank(tr_blas_core_isa(core)), cpu = isa_rank(cpu_isa);
  if (have < 0 || cpu < isa_rank("avx2") || have >= isa_rank("avx2")) return NULL;
  return cpu == isa_rank("avx512") ? "SkylakeX" : "Haswell";
}

const char *tr_blas_core(void) {
  const char *t = getenv("TRBENCH_TEST_BLAS_CORE");
  if (t && *t) return t;
  const char *c = openblas_get_corename();
  return c ? c : "unknown";
}

static int user_coretype(void) {
  const char *c = getenv("OPENBLAS_CORETYPE");
  return c && *c;
}

void tr_blas_select(char **argv) {
  if (user_coretype() || getenv("TRBENCH_BLAS_REEXEC")) return;
  const char *core = tr_blas_core(), *want = tr_blas_choice(core, tr_cpu_isa());
  if (!want) return;
  char detected[48];
  snprintf(detected, sizeof detected, "%s", core);
  if (getenv("TRBENCH_BLAS_TRACE"))
    fprintf(stderr, "trbench: blas: OpenBLAS runs core %s on a CPU with %s: executing again "
                    "with OPENBLAS_CORETYPE=%s\n", detected, tr_cpu_isa(), want);
  setenv("OPENBLAS_CORETYPE", want, 1);
  setenv("TRBENCH_BLAS_REEXEC", detected, 1);
  execv("/proc/self/exe", argv);
  /* the exec failed: keep the slow core, and let tr_blas_describe say so */
  unsetenv("OPENBLAS_CORETYPE");
  setenv("TRBENCH_BLAS_REEXEC", "exec-failed", 1);
}

void tr_blas_describe(tr_blas_info *b) {
  const char *cfg = openblas_get_config(), *core = tr_blas_core();
  const char *re = getenv("TRBENCH_BLAS_REEXEC"), *ct = getenv("OPENBLAS_CORETYPE");
  snprintf(b->config, sizeof b->config, "%s", cfg ? cfg : "unknown");
  snprintf(b->core, sizeof b->core, "%s", core);
  snprintf(b->isa, sizeof b->isa, "%s", tr_cpu_isa());
  if (re && *re && ct && *ct && strcmp(re, "exec-failed")) {
    snprintf(b->source, sizeof b->source, "trbench");
    snprintf(b->detected, sizeof b->detected, "%s", re);
  } else {
    snprintf(b->source, sizeof b->source, "%s", ct && *ct ? "user" : "openblas");
    snprintf(b->detected, sizeof b->detected, "%s", core);
  }
}

void tr_blas_summary(char *out, unsigned long n) {
  tr_blas_info b;
  tr_blas_describe(&b);
  const char *re = getenv("TRBENCH_BLAS_REEXEC");
  char why[128] = "";
  if (!strcmp(b.source, "trbench"))
    snprintf(why, sizeof why, " (set by trbench: OpenBLAS detected %s)", b.detected);
  else if (!strcmp(b.source, "user"))
    snprintf(why, sizeof why, " (OPENBLAS_CORETYPE set by the user)");
  else if (re && !strcmp(re, "exec-failed"))
    snprintf(why, sizeof why, " (NOT the CPU's class: executing again failed)");
  else if (tr_blas_choice(b.core, b.isa))
    snprintf(why, sizeof why, " (below the CPU's class: %s would be right)",
             tr_blas_choice(b.core, b.isa));
  snprintf(out, n, "%s; core %s%s; CPU %s", b.config, b.core, why, b.isa);
}
