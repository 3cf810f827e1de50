/* tests/fuzz/fuzz_mdpfile.c — libFuzzer harness for the MDP file reader (mdps/mdpfile.c).
 *
 * Any input must give an MDP or a message, never a crash, a sanitizer report or a leak.
 * Property: every MDP read is written (mdp_write_stream, %.17g) and read back to the same
 * MDP, bit for bit: S, A, γ, μ, r and the compressed rows of P (inputs whose names cannot be
 * written, e.g. a name that is a number, are refused by the writer and skipped).  A mismatch
 * aborts, which libFuzzer reports as a finding with the input saved.
 * The memory limit is 256 MiB (TRBENCH_MAX_MEMORY): a size the input claims is refused
 * before it is allocated, as the trbench command does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdps/mdpfile.h"

static int same_doubles(const double *x, const double *y, size_t n) {
  return n == 0 || memcmp(x, y, n * sizeof *x) == 0;
}

static int same_mdp(const mdp *a, const mdp *b) {
  if (a->S != b->S || a->A != b->A || memcmp(&a->gamma, &b->gamma, sizeof a->gamma)) return 0;
  size_t K = a->S * a->A, N = a->rowptr[K];
  return same_doubles(a->mu, b->mu, a->S) && same_doubles(a->r, b->r, K) &&
         memcmp(a->rowptr, b->rowptr, (K + 1) * sizeof *a->rowptr) == 0 &&
         b->rowptr[K] == N && memcmp(a->col, b->col, N * sizeof *a->col) == 0 &&
         same_doubles(a->prob, b->prob, N);
}

static void round_trip(const mdp *m) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return;
  tr_status st = mdp_write_stream(m, f);
  fclose(f);
  if (!st) {
    mdp *back = mdp_read_string(text, "round-trip");
    if (!back || !same_mdp(m, back)) {
      fprintf(stderr, "round trip failed: %s\n--- written:\n%s\n", back ? "differs" : tr_error_msg(), text);
      abort();
    }
    mdp_free(back);
  }
  free(text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  setenv("TRBENCH_MAX_MEMORY", "256M", 1);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  mdp *m = mdp_read_string(text, "fuzz");
  if (m) round_trip(m);
  mdp_free(m);
  free(text);
  return 0;
}
