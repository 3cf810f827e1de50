#define _GNU_SOURCE /* memmem */
/* tests/fuzz/fuzz_spec.c — libFuzzer harness for the experiment spec parser
 * (experiments/spec.c, inih underneath).
 *
 * The input is written to a private temporary file (the parser takes a path) and read;
 * a spec that parses (and has at most 4096 runs, to keep the pace) is expanded into its
 * runs at scale 1 and 1e-3, whose ids must be unique (issue 13: two variants never share a run directory).  Environments named
 * mdp:PATH are refused here (a fuzzer must not read the machine's files, or block on
 * /dev/stdin); everything else runs as in trbench, under a 256 MiB memory limit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/spec.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  setenv("TRBENCH_MAX_MEMORY", "256M", 1);
  snprintf(path, sizeof path, "/tmp/trbench-fuzz-spec.%ld", (long)getpid());
  return 0;
}

static void check_runs(const exp_spec *s, double scale) {
  exp_run_ref *r = NULL;
  size_t n = 0;
  if (exp_spec_runs(s, scale, 0, &r, &n)) return;
  for (size_t i = 0; i < n && i < 500; i++)
    for (size_t j = 0; j < i; j++)
      if (!strcmp(r[i].id, r[j].id)) {
        fprintf(stderr, "run id %s twice\n", r[i].id);
        abort();
      }
  free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (memmem(data, size, "mdp:", 4)) return 0;
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  exp_spec *s = NULL;
  if (exp_spec_read(&s, path) == TR_OK) {
    if (s->n_seeds * s->n_envs * s->n_variants <= 4096) { /* 100k-seed specs: too slow */
      check_runs(s, 1.0);
      check_runs(s, 1e-3);
    }
    exp_spec_free(s);
  }
  unlink(path);
  return 0;
}
