/* core/io.h — small file helpers: atomic writes, whole-file reads, directories.
 *
 * Results are written to "<path>.tmp.<pid>" and renamed into place, so an interrupted
 * writer never leaves a file that looks complete.  Doubles in text files use %.17g in
 * the C locale (the program never calls setlocale). */
#ifndef TR_IO_H
#define TR_IO_H

#include <stdio.h>

#include "core/error.h"

typedef struct {
  FILE *f;
  char *path;     /* final path */
  char *tmp_path; /* where it is written until commit */
} tr_atomic_file;

/* Open a temporary beside path; *af->f is ready for writing. */
tr_status tr_atomic_open(tr_atomic_file *af, const char *path);
/* The same for the file dir/name. */
tr_status tr_atomic_open_in(tr_atomic_file *af, const char *dir, const char *name);
/* Flush, close and rename into place; on any failure the temporary is removed. */
tr_status tr_atomic_commit(tr_atomic_file *af);
/* Close and remove the temporary (after an error). */
void tr_atomic_abort(tr_atomic_file *af);

/* Whole text file into a new NUL-terminated buffer.  A NUL byte is an error naming its line
 * (TR_EINVAL); a file longer than the memory limit / TR_READ_FACTOR (what a parser may need
 * per byte read) is TR_ENOMEM, refused once that much has been read. */
#define TR_READ_FACTOR 16
tr_status tr_read_file(const char *path, char **text_out, size_t *len_out);
/* mkdir -p */
tr_status tr_mkdir_p(const char *path);
/* Write s to f as one POSIX shell word: as is when it holds only safe characters
 * (letters, digits, _ - . / = : , + @ %), else in single quotes with ' as '\''. */
void tr_shell_quote(FILE *f, const char *s);
/* "dir/name" in a new string. */
char *tr_path_join(const char *dir, const char *name);
/* path as seen from the directory base, in a new string: "." when they are the same, "x/y"
 * below it, "../x" beside it.  Both are made absolute first: realpath when they exist, else
 * joined to the working directory with "." and ".." folded.  NULL when out of memory or
 * when there is no working directory to start from. */
char *tr_path_relative(const char *path, const char *base);
/* path relative to the working directory when it lies in or below it, else path as it is
 * (new string, NULL when out of memory): how files written into results/ name a path, so
 * that no absolute path of the machine they were made on is kept in them. */
char *tr_path_below_cwd(const char *path);

#endif
