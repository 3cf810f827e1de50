/* experiments/exp_main.h — trbench's command line as a function (installed as
 * <trbench/experiments/exp_main.h>).
 *
 * The stock binary's main is `return exp_main(argc, argv);`.  A binary of one's own
 * registers its algorithms (alg_register, registry.h) and then hands over the same way: every
 * command (run, sweep, table, plot, compare, ...) then knows them, and a sweep runs each of
 * its runs as a child of this same binary (/proc/self/exe), so the children know them too,
 * and a jobs file names this binary on every line. */
#ifndef EXP_MAIN_H
#define EXP_MAIN_H

/* `trbench COMMAND ...`: argv[0] the program, argv[1] the command.  Returns the exit status:
 * 0 success, 1 a check failed, 2 bad input or out of memory (after one line
 * "trbench: error: WHERE: WHAT" on stderr). */
int exp_main(int argc, char **argv);

/* Prints the library's last message (tr_error_msg) as "trbench: error: ..." and returns the
 * exit status for status: 2 for bad input (TR_EINVAL, TR_EIO) and out of memory (TR_ENOMEM),
 * 1 otherwise. */
int exp_fail_status(int status);

#endif
