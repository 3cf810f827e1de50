/* tests/abi_mismatch.c — the README's variant registered as a binary compiled against the
 * headers of another trbench would register it (ALG_ABI_VERSION + 1, what alg_register
 * passes there): the refusal must be one error line and exit status 2 (tests/cli_variant.sh). */
#include <trbench/trbench.h>

extern const alg_class alg_pg_klstep;

int main(int argc, char **argv) {
  tr_status st = alg_register_abi(&alg_pg_klstep, ALG_ABI_VERSION + 1, sizeof(alg_class));
  return st ? exp_fail_status(st) : exp_main(argc, argv);
}
