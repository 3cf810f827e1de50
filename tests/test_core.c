/* tests/test_core.c — core/size (overflow-checked sizes, the memory limit), core/num (the
 * strict number parser) and core/io's relative paths, against exact truth: products that do
 * and do not fit 64 bits, the limit from TRBENCH_MAX_MEMORY, each kind of malformed or
 * out-of-range number, and paths worked out by hand. */
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "core/blas.h"
#include "core/error.h"
#include "core/io.h"
#include "core/num.h"
#include "core/size.h"
#include "tests/check.h"

static void test_sizes(void) {
  size_t r;
  CHECK(tr_size_mul(&r, 3, 5) == 0 && r == 15, "3*5 = %zu", r);
  CHECK(tr_size_mul(&r, (size_t)1 << 32, (size_t)1 << 31) == 0 && r == (size_t)1 << 63, "2^63");
  /* 2305843009213693953 * 8 = 2^64 + 8: wraps to 8 without the check (the --mdps bug) */
  CHECK(tr_size_mul(&r, 2305843009213693953u, 8) == 1 && r == SIZE_MAX, "2^61+1 times 8");
  CHECK(tr_size_add(&r, SIZE_MAX, 1) == 1 && r == SIZE_MAX, "SIZE_MAX + 1");
  CHECK(tr_size_add(&r, SIZE_MAX - 1, 1) == 0 && r == SIZE_MAX, "SIZE_MAX - 1 + 1");
  CHECK(tr_size_bytes(SIZE_MAX, SIZE_MAX, 8) == SIZE_MAX, "S*S*8 for S = 2^64-1");
  CHECK(tr_size_bytes(1000, 1000, 8) == 8000000, "1000*1000*8");
  CHECK(tr_size_bytes(0, SIZE_MAX, 8) == 0, "0 * anything");
}

static void test_limit(void) {
  /* the limit is read once: set before the first use, as main() does */
  setenv("TRBENCH_MAX_MEMORY", "64M", 1);
  CHECK(tr_mem_limit() == (size_t)64 << 20, "limit %zu", tr_mem_limit());
  CHECK(tr_mem_need("here", 1024, 1024, 64) == TR_OK, "exactly the limit is allowed");
  CHECK(tr_mem_need("here", 1024, 1024, 65) == TR_ENOMEM, "one byte row over");
  CHECK(strcmp(tr_error_msg(), "here: out of memory: needs 68157440 bytes (limit 67108864 "
                               "bytes, --max-memory)") == 0, "message: %s", tr_error_msg());
  CHECK(tr_mem_need("--mdps", 2305843009213693953u, 8, 1) == TR_ENOMEM, "overflowing request");
  CHECK(strstr(tr_error_msg(), "--mdps: out of memory: needs 2305843009213693953 x 8 x 1") ==
            tr_error_msg(), "message: %s", tr_error_msg());
  /* tr_malloc refuses before malloc: no allocation of 1 GiB is attempted */
  CHECK(tr_malloc((size_t)1 << 30) == NULL, "tr_malloc over the limit");
  CHECK(tr_calloc(SIZE_MAX / 2, 4) == NULL, "tr_calloc overflow");
  size_t b;
  CHECK(tr_mem_parse("8G", &b) == TR_OK && b == (size_t)8 << 30, "8G");
  CHECK(tr_mem_parse("1048576", &b) == TR_OK && b == 1048576, "bytes");
  CHECK(tr_mem_parse("1K", &b) == TR_EINVAL, "below 1M");
  CHECK(tr_mem_parse("-1G", &b) == TR_EINVAL && tr_mem_parse(" 1G", &b) == TR_EINVAL &&
            tr_mem_parse("G", &b) == TR_EINVAL && tr_mem_parse("1.5G", &b) == TR_EINVAL &&
            tr_mem_parse("99999999999T", &b) == TR_EINVAL,
        "malformed sizes");
}

static void test_u64(void) {
  uint64_t v = 0;
  CHECK(tr_parse_u64("--n", "18446744073709551615", 0, UINT64_MAX, &v) == TR_OK &&
            v == UINT64_MAX, "2^64-1");
  CHECK(tr_parse_u64("--n", "18446744073709551616", 0, UINT64_MAX, &v) == TR_EINVAL &&
            !strcmp(tr_error_msg(), "--n: '18446744073709551616' is too large"), "2^64: %s",
        tr_error_msg());
  static const char *bad[] = {" -1", "-1", "+1", " 1", "1 ", "", "1e3", "0x10", "1,2", "١"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char want[128];
    snprintf(want, sizeof want, "--n: '%s' is not a non-negative integer", bad[i]);
    CHECK(tr_parse_u64("--n", bad[i], 0, UINT64_MAX, &v) == TR_EINVAL &&
              !strcmp(tr_error_msg(), want), "'%s': %s", bad[i], tr_error_msg());
  }
  CHECK(tr_parse_u64("-j", "0", 1, 4096, &v) == TR_EINVAL &&
            !strcmp(tr_error_msg(), "-j: must be at least 1"), "%s", tr_error_msg());
  CHECK(tr_parse_u64("-j", "4097", 1, 4096, &v) == TR_EINVAL &&
            !strcmp(tr_error_msg(), "-j: must be at most 4096"), "%s", tr_error_msg());
  CHECK(tr_parse_u64("-j", "007", 1, 4096, &v) == TR_OK && v == 7, "leading zeros");
}

static void test_real(void) {
  double x = 0;
  CHECK(tr_parse_real("k", "0.9137", 0, 1, &x) == TR_OK && x == 0.9137, "plain");
  CHECK(tr_parse_real("k", "-1", -1, 1, &x) == TR_OK && x == -1, "sign");
  CHECK(tr_parse_real("k", ".5e-3", 0, 1, &x) == TR_OK && x == 0.5e-3, ".5e-3");
  /* subnormals are numbers: 1e-320 < DBL_MIN but > 0 (strtod reports ERANGE for it) */
  CHECK(tr_parse_real("k", "1e-320", 0, 1, &x) == TR_OK && x > 0 && x < DBL_MIN, "subnormal");
  CHECK(tr_parse_real("k", "4.9406564584124654e-324", 0, 1, &x) == TR_OK && x > 0,
        "smallest subnormal");
  CHECK(tr_parse_real("k", "1e-400", 0, 1, &x) == TR_EINVAL &&
            !strcmp(tr_error_msg(), "k: '1e-400' is too small (underflows to 0)"), "%s",
        tr_error_msg());
  CHECK(tr_parse_real("k", "0e-400", 0, 1, &x) == TR_OK && x == 0, "a zero is not underflow");
  CHECK(tr_parse_real("k", "1e309", -HUGE_VAL, HUGE_VAL, &x) == TR_EINVAL &&
            !strcmp(tr_error_msg(), "k: '1e309' is too large"), "%s", tr_error_msg());
  static const char *bad[] = {" 1", "1 ", "", ".", "e5", "1e", "inf", "nan", "-inf",
                              "0x1p-3", "1,5", "--1", "1e+"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char want[128];
    snprintf(want, sizeof want, "k: '%s' is not a number", bad[i]);
    CHECK(tr_parse_real("k", bad[i], -HUGE_VAL, HUGE_VAL, &x) == TR_EINVAL &&
              !strcmp(tr_error_msg(), want), "'%s': %s", bad[i], tr_error_msg());
  }
  CHECK(tr_parse_real("gamma", "1.5", 0, 1, &x) == TR_EINVAL &&
            !strcmp(tr_error_msg(), "gamma: must be at most 1"), "%s", tr_error_msg());
}

/* The kernel rule of core/blas.h, case by case: a pre-AVX2 core on an AVX2 or AVX-512 CPU is
 * OpenBLAS not knowing the CPU (replaced by the CPU's class); an AVX2 or wider core is kept. */
static void test_blas_choice(void) {
  static const struct {
    const char *core, *isa, *want;
  } c[] = {{"Prescott", "avx512", "SkylakeX"}, {"prescott", "avx512", "SkylakeX"},
           {"Nehalem", "avx2", "Haswell"},     {"Sandybridge", "avx512", "SkylakeX"},
           {"Sandybridge", "avx2", "Haswell"}, {"Prescott", "avx", NULL},
           {"Prescott", "sse", NULL},          {"Haswell", "avx512", NULL},
           {"Zen", "avx512", NULL},            {"SkylakeX", "avx512", NULL},
           {"Cooperlake", "avx512", NULL},     {"NoSuchCore", "avx512", NULL},
           {"Prescott", "bogus", NULL}};
  for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
    const char *got = tr_blas_choice(c[i].core, c[i].isa);
    CHECK(got == c[i].want || (got && c[i].want && !strcmp(got, c[i].want)), "%s on %s: %s",
          c[i].core, c[i].isa, got ? got : "(keep)");
  }
  CHECK(!strcmp(tr_blas_core_isa("SkylakeX"), "avx512") && !tr_blas_core_isa("Nope"), "classes");
}

/* tr_path_relative on paths that do not exist (folded by hand, no file system), and on a
 * real folder through a symbolic link; tr_path_below_cwd from a known working directory. */
static void rel_is(const char *path, const char *base, const char *want) {
  char *got = tr_path_relative(path, base);
  CHECK(got && !strcmp(got, want), "%s from %s: got %s, want %s", path, base,
        got ? got : "(null)", want);
  free(got);
}

static void test_paths(void) {
  const char *n = "/nonexistent-trbench-test";
  char a[256], b[256];
  snprintf(a, sizeof a, "%s/res/exp/runs/r1", n);
  snprintf(b, sizeof b, "%s/res/exp", n);
  rel_is(a, b, "runs/r1");
  snprintf(a, sizeof a, "%s/experiments/x.ini", n);
  rel_is(a, b, "../../experiments/x.ini"); /* the spec from a sweep's folder */
  snprintf(a, sizeof a, "%s/res", n);
  rel_is(a, b, "..");
  rel_is(b, b, ".");
  snprintf(a, sizeof a, "%s/res/exp/./runs/../logs//l", n);
  rel_is(a, b, "logs/l");
  snprintf(a, sizeof a, "%s/resx", n); /* a common prefix of letters is not a common part */
  rel_is(a, b, "../../resx");
  rel_is("/", b, "../../..");
  rel_is(b, "/", "nonexistent-trbench-test/res/exp");
  rel_is("/", "/", ".");

  char tmpl[] = "/tmp/trbench-test-core-XXXXXX", old[4096];
  char *dir = mkdtemp(tmpl);
  CHECK(dir && getcwd(old, sizeof old), "mkdtemp, getcwd");
  if (!dir) return;
  char sub[512], link[512], file[600];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  snprintf(link, sizeof link, "%s/link", dir);
  CHECK(mkdir(sub, 0777) == 0 && symlink("sub", link) == 0, "a folder and a link to it");
  snprintf(file, sizeof file, "%s/x.ini", link);
  FILE *f = fopen(file, "w");
  if (f) fclose(f);
  rel_is(file, dir, "sub/x.ini"); /* an existing path: realpath, through the link */
  CHECK(chdir(dir) == 0, "chdir %s", dir);
  char *below = tr_path_below_cwd(file), *beside = tr_path_below_cwd("/nonexistent-trbench-test/x"),
       *as_is = tr_path_below_cwd("results/x"), *here = tr_path_below_cwd(dir);
  CHECK(below && !strcmp(below, "sub/x.ini"), "below the working directory: %s", below);
  CHECK(beside && !strcmp(beside, "/nonexistent-trbench-test/x"), "beside it: as is: %s", beside);
  CHECK(as_is && !strcmp(as_is, "results/x"), "relative: as is: %s", as_is);
  CHECK(here && !strcmp(here, "."), "the working directory itself: %s", here);
  free(below), free(beside), free(as_is), free(here);
  rel_is("sub/../link/x.ini", ".", "sub/x.ini"); /* relative: from the working directory */
  CHECK(chdir(old) == 0, "chdir back");
  remove(file);
  remove(link);
  rmdir(sub);
  rmdir(dir);
}

int main(void) {
  test_blas_choice();
  test_sizes();
  test_limit(); /* first: the limit is read once, at the first allocation */
  test_paths();
  test_u64();
  test_real();
  return check_done("test_core");
}
