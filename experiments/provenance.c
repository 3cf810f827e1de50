/* experiments/provenance.c — see provenance.h. */
#define _GNU_SOURCE
#include "experiments/provenance.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "core/blas.h"
#include "core/io.h"
#include "experiments/rundir.h"

/* One word of a command: an absolute path below the working directory (the word, or the
 * value of --opt=VALUE) relative to it, else the word as typed. */
static void put_word(FILE *f, const char *w) {
  const char *eq = w[0] == '-' && w[1] == '-' ? strchr(w, '=') : NULL, *v = eq ? eq + 1 : w;
  char *rel = v[0] == '/' ? tr_path_below_cwd(v) : NULL;
  if (!rel || rel[0] == '/') {
    tr_shell_quote(f, w);
  } else if (!eq) {
    tr_shell_quote(f, rel);
  } else {
    size_t n = (size_t)(eq - w) + 1 + strlen(rel) + 1;
    char *word = malloc(n);
    if (word) snprintf(word, n, "%.*s%s", (int)(eq - w + 1), w, rel);
    tr_shell_quote(f, word ? word : w);
    free(word);
  }
  free(rel);
}

void exp_put_command(FILE *f, int argc, char **argv) {
  fputs("trbench", f);
  for (int i = 0; i < argc; i++) {
    fputc(' ', f);
    put_word(f, argv[i]);
  }
}

void exp_provenance_get(exp_provenance *p) {
  struct utsname u;
  /* uname -nmsr prints in the order s n r m */
  if (uname(&u) == 0)
    snprintf(p->machine, sizeof p->machine, "%s %s %s %s", u.sysname, u.nodename, u.release,
             u.machine);
  else snprintf(p->machine, sizeof p->machine, "unknown");
  snprintf(p->cpu, sizeof p->cpu, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10)) continue;
    char *c = strchr(line, ':');
    if (!c) continue;
    c++;
    while (isspace((unsigned char)*c)) c++;
    c[strcspn(c, "\n")] = '\0';
    snprintf(p->cpu, sizeof p->cpu, "%s", c);
    break;
  }
  if (f) fclose(f);
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(p->date, sizeof p->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void exp_provenance_write_md(FILE *f, const exp_provenance *p, int argc, char **argv) {
  fputs("\nProvenance\n\n- command: `", f);
  exp_put_command(f, argc, argv);
  fprintf(f, "`\n- trbench %s, commit %s\n", exp_version(), exp_commit());
  char blas[512];
  tr_blas_summary(blas, sizeof blas);
  fprintf(f, "- machine: %s; CPU: %s\n- BLAS: %s\n- date: %s\n", p->machine, p->cpu, blas,
          p->date);
}
