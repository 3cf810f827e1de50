/* experiments/cli.h — the helpers every subcommand shares (cli.c); the subcommands
 * themselves are declared in commands.h.
 *
 * Exit status: 0 success; 1 a check failed (a theorem violated); 2 bad input or out of
 * memory, with one line "trbench: error: WHERE: WHAT" on stderr. */
#ifndef EXP_CLI_H
#define EXP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "experiments/exp_main.h"

#define EXP_EXIT_OK 0
#define EXP_EXIT_CHECK 1
#define EXP_EXIT_INPUT 2
#define EXP_EXIT_RESOURCE 2 /* out of memory */

/* Prints "trbench: error: <message>" and returns EXP_EXIT_INPUT. */
int exp_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* exp_fail_status (exp_main.h): the library's last message as an error; exit status 2 for
 * bad input (TR_EINVAL, TR_EIO) and for out of memory (TR_ENOMEM: a resource limit, the input
 * asked for more than --max-memory or the machine has), 1 otherwise. */

/* Parsers for flag values; on error they print the message and return EXP_EXIT_INPUT. */
int exp_parse_size(const char *flag, const char *text, size_t *out);
int exp_parse_u64(const char *flag, const char *text, uint64_t *out);
/* Comma-separated lists; *out is new. */
int exp_parse_size_list(const char *flag, const char *text, size_t **out, size_t *n);
int exp_parse_double_list(const char *flag, const char *text, double **out, size_t *n);
/* --scale F: a positive finite number. */
int exp_parse_scale(const char *text, double *out);

#endif
