/* core/io.c — see io.h */
#include "core/io.h"
#include "core/size.h"

#include <errno.h>
#include <limits.h>
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

static char *str_dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = tr_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* An absolute, folded version of path (new string): realpath when it exists, else the
 * working directory joined to a relative path, with empty, "." and ".." parts folded. */
static char *path_absolute(const char *path) {
  char buf[PATH_MAX];
  if (realpath(path, buf)) return str_dup(buf);
  char cwd[PATH_MAX];
  if (path[0] != '/' && !getcwd(cwd, sizeof cwd)) return NULL;
  char *joined = path[0] == '/' ? str_dup(path) : tr_path_join(cwd, path);
  if (!joined) return NULL;
  char *out = tr_malloc(strlen(joined) + 2); /* folding never lengthens it */
  if (!out) {
    free(joined);
    return NULL;
  }
  size_t n = 0;
  for (char *save = NULL, *part = strtok_r(joined, "/", &save); part;
       part = strtok_r(NULL, "/", &save)) {
    if (!strcmp(part, ".")) continue;
    if (!strcmp(part, "..")) { /* drop the last part: "/.." is "/" */
      while (n > 0 && out[n - 1] != '/') n--;
      if (n > 0) n--;
      continue;
    }
    out[n++] = '/';
    size_t k = strlen(part);
    memcpy(out + n, part, k);
    n += k;
  }
  if (n == 0) out[n++] = '/';
  out[n] = '\0';
  free(joined);
  return out;
}

char *tr_path_relative(const char *path, const char *base) {
  char *p = path_absolute(path), *b = path_absolute(base), *out = NULL;
  if (!p || !b) goto done;
  /* the longest common prefix of whole parts ("/a/b" and "/a/bc" share "/a") */
  size_t common = 0, i = 0;
  for (;; i++) {
    int pe = p[i] == '\0' || p[i] == '/', be = b[i] == '\0' || b[i] == '/';
    if (pe && be) common = i;
    if (p[i] != b[i] || !p[i]) break;
  }
  if (!strcmp(b, "/")) common = 0; /* every path is below the root */
  size_t ups = 0;                  /* the parts of base after the common prefix */
  for (const char *c = b + common; *c; c++)
    if (*c == '/' && c[1]) ups++;
  const char *rest = p + common + (p[common] == '/'); /* the parts of path after it */
  out = tr_malloc(3 * ups + strlen(rest) + 2);
  if (!out) goto done;
  out[0] = '\0';
  for (size_t k = 0; k < ups; k++) strcat(out, k + 1 < ups || *rest ? "../" : "..");
  strcat(out, rest);
  if (!out[0]) strcpy(out, ".");
done:
  free(p);
  free(b);
  return out;
}

char *tr_path_below_cwd(const char *path) {
  char *rel = path[0] == '/' ? tr_path_relative(path, ".") : NULL;
  if (rel && !(rel[0] == '.' && rel[1] == '.' && (rel[2] == '/' || rel[2] == '\0'))) return rel;
  free(rel);
  return str_dup(path);
}
