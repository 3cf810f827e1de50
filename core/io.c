/* core/io.c — see io.h */
#include "core/io.h"
#include "core/size.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

tr_status tr_atomic_open(tr_atomic_file *af, const char *path) {
  memset(af, 0, sizeof *af);
  size_t n = strlen(path) + 48;
  af->path = strdup(path);
  af->tmp_path = tr_malloc(n);
  if (!af->path || !af->tmp_path) {
    tr_atomic_abort(af);
    return tr_error(TR_ENOMEM, "%s: out of memory", path);
  }
  snprintf(af->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
  af->f = fopen(af->tmp_path, "w");
  if (!af->f) {
    tr_status st = tr_error(TR_EIO, "%s: cannot write: %s", path, strerror(errno));
    tr_atomic_abort(af);
    return st;
  }
  return TR_OK;
}

tr_status tr_atomic_open_in(tr_atomic_file *af, const char *dir, const char *name) {
  char *p = tr_path_join(dir, name);
  if (!p) return tr_error(TR_ENOMEM, "out of memory");
  tr_status st = tr_atomic_open(af, p);
  free(p);
  return st;
}

tr_status tr_atomic_commit(tr_atomic_file *af) {
  int bad = ferror(af->f);
  bad |= fclose(af->f) != 0;
  af->f = NULL;
  if (bad) {
    tr_status st = tr_error(TR_EIO, "%s: write failed: %s", af->path, strerror(errno));
    tr_atomic_abort(af);
    return st;
  }
  if (rename(af->tmp_path, af->path) != 0) {
    tr_status st = tr_error(TR_EIO, "%s: cannot rename into place: %s", af->path,
                            strerror(errno));
    tr_atomic_abort(af);
    return st;
  }
  free(af->path);
  free(af->tmp_path);
  memset(af, 0, sizeof *af);
  return TR_OK;
}

void tr_atomic_abort(tr_atomic_file *af) {
  if (af->f) fclose(af->f);
  if (af->tmp_path) remove(af->tmp_path);
  free(af->path);
  free(af->tmp_path);
  memset(af, 0, sizeof *af);
}

/* A text file's line of the byte at offset `at`. */
static int line_of(const char *buf, size_t at) {
  int line = 1;
  for (size_t i = 0; i < at; i++) line += buf[i] == '\n';
  return line;
}

tr_status tr_read_file(const char *path, char **text_out, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  if (!f) return tr_error(TR_EIO, "%s: cannot open: %s", path, strerror(errno));
  size_t cap = 4096, len = 0, max = tr_mem_limit() / TR_READ_FACTOR;
  char *buf = tr_malloc(cap);
  if (!buf) {
    fclose(f);
    return TR_ENOMEM;
  }
  size_t got;
  tr_status st = TR_OK;
  while (!st && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    const char *nul = memchr(buf + len, '\0', got);
    len += got;
    if (nul) { /* a text file has none: stop at the first, whatever follows */
      st = tr_error(TR_EINVAL, "%s:%d: NUL byte in the file (not a text file?)", path,
                    line_of(buf, (size_t)(nul - buf)));
    } else if (len > max) { /* refused after reading what the limit allows, no more */
      st = tr_error(TR_ENOMEM, "%s: out of memory: a file of more than %zu bytes needs more "
                    "than the limit of %zu bytes (--max-memory)", path, max, max * TR_READ_FACTOR);
    } else if (cap - len - 1 == 0) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) st = tr_error(TR_ENOMEM, "%s: out of memory: needs %zu bytes", path, cap);
      else buf = nb;
    }
  }
  if (!st && ferror(f)) st = tr_error(TR_EIO, "%s: read error", path);
  fclose(f);
  if (st) {
    free(buf);
    return st;
  }
  buf[len] = '\0';
  *text_out = buf;
  if (len_out) *len_out = len;
  return TR_OK;
}

tr_status tr_mkdir_p(const char *path) {
  char *p = strdup(path);
  if (!p) return tr_error(TR_ENOMEM, "out of memory");
  for (char *c = p + 1; ; c++) {
    if (*c == '/' || *c == '\0') {
      char keep = *c;
      *c = '\0';
      if (mkdir(p, 0777) != 0 && errno != EEXIST) {
        tr_status st = tr_error(TR_EIO, "%s: cannot create directory: %s", p, strerror(errno));
        free(p);
        return st;
      }
      *c = keep;
      if (!keep) break;
    }
  }
  free(p);
  return TR_OK;
}

void tr_shell_quote(FILE *f, const char *s) {
  int plain = *s != '\0';
  for (const char *p = s; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", *p))
      plain = 0;
  if (plain) {
    fputs(s, f);
    return;
  }
  fputc('\'', f);
  for (const char *p = s; *p; p++) {
    if (*p == '\'') fputs("'\\''", f);
    else fputc(*p, f);
  }
  fputc('\'', f);
}

char *tr_path_join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *out = tr_malloc(n);
  if (out) snprintf(out, n, "%s/%s", dir, name);
  return out;
}
