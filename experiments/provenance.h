/* experiments/provenance.h — where a generated table or comparison came from: the command as
 * typed, trbench's version and commit, the machine, its CPU and the date (UTC), so a file in
 * results/ says what produced it. */
#ifndef EXP_PROVENANCE_H
#define EXP_PROVENANCE_H

#include <stdio.h>

typedef struct {
  char machine[512]; /* uname: system, node, release, machine */
  char cpu[256];     /* /proc/cpuinfo's model name, or "unknown" */
  char date[64];     /* now, ISO 8601 UTC */
} exp_provenance;

void exp_provenance_get(exp_provenance *p);
/* "trbench ARGS..." with shell quoting where a word needs it (argv as typed, after the
 * subcommand's name is argv[0]), except that an absolute path below the working directory
 * (a word, or the VALUE of --opt=VALUE) is written relative to it: the same command from
 * the same directory, without the machine's path in files that are kept. */
void exp_put_command(FILE *f, int argc, char **argv);
/* The markdown block "\nProvenance\n\n- command: `...`\n- trbench V, commit C\n- machine:
 * ...; CPU: ...\n- date: ...\n"; the caller may add lines of its own after it. */
void exp_provenance_write_md(FILE *f, const exp_provenance *p, int argc, char **argv);

#endif
