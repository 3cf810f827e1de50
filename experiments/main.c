/* experiments/main.c — the stock `trbench` binary: trbench's command line (exp_main.c) with
 * the built-in algorithms.  A binary of one's own registers its variants first (README,
 * "Algorithms and adding a variant"). */
#include "experiments/exp_main.h"

int main(int argc, char **argv) {
  return exp_main(argc, argv);
}
