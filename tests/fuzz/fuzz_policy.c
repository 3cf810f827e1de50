/* tests/fuzz/fuzz_policy.c — libFuzzer harness for the policy file reader
 * (mdp_policy_read in mdps/mdpfile.c).
 *
 * The first byte b picks the shape S = 1 + (b & 15), A = 1 + (b >> 4) (the seeds use
 * 0x12: 3 x 2, the shape of tests/data/tiny.mdp); the rest is the file, written to a
 * private temporary file because the reader takes a path.  Any input must give a policy
 * whose rows are distributions (checked here: entries in [0, 1 + 1e-9], each row sums to
 * 1 within 1e-9, the reader's tolerance) or a message — never a crash or a leak. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdps/mdpfile.h"

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  setenv("TRBENCH_MAX_MEMORY", "256M", 1);
  snprintf(path, sizeof path, "/tmp/trbench-fuzz-policy.%ld", (long)getpid());
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t S = 1 + (data[0] & 15), A = 1 + (data[0] >> 4);
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data + 1, 1, size - 1, f);
  fclose(f);
  double *pi = NULL;
  if (mdp_policy_read(path, S, A, &pi) == TR_OK) {
    for (size_t s = 0; s < S; s++) {
      double sum = 0;
      for (size_t a = 0; a < A; a++) {
        double p = pi[s * A + a];
        if (!(p >= 0 && p <= 1 + 1e-9)) abort(); /* a row may sum to 1 + 1e-9 */
        sum += p;
      }
      if (!(fabs(sum - 1) <= 1e-9)) abort();
    }
  }
  free(pi);
  unlink(path);
  return 0;
}
