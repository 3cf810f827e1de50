/* experiments/gnuplot.c — see gnuplot.h. */
#define _GNU_SOURCE
#include "experiments/gnuplot.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

/* A gnuplot string literal: double quotes, with " and \ escaped. */
void exp_gp_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

const char *const exp_gp_palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8"};
const size_t exp_gp_n_palette = sizeof exp_gp_palette / sizeof exp_gp_palette[0];

/* The common head of a script: outputs to NAME.png and NAME.svg (+ the suffix `tmp` that
 * trbench passes with -e to write atomically; empty when run by hand). */
void exp_gp_head(FILE *f, const char *exp_name, const char *what, const char *base) {
  fprintf(f, "# trbench plot: %s — %s\n# render: gnuplot %s.gp   (writes %s.png and %s.svg)\n",
          exp_name, what, base, base, base);
  fputs("if (!exists(\"tmp\")) tmp = \"\"\n"
        "set encoding utf8\n"
        "set title font \",14\"\n"
        "set grid xtics ytics lt 1 lw 1 lc rgb \"#e4e4e4\"\n"
        "set border 3\nset tics nomirror\n", f);
}

/* Before the plot command: the PNG; after it: the same figure as SVG. */
void exp_gp_png(FILE *f, const char *base, int w, int h) {
  fprintf(f, "set terminal pngcairo size %d,%d font \"sans,11\" noenhanced\n"
             "set output \"%s.png\".tmp\n", w, h, base);
}

void exp_gp_svg(FILE *f, const char *base, int w, int h) {
  fprintf(f, "set terminal svg size %d,%d dynamic font \"sans,11\" noenhanced background rgb \"white\"\n"
             "set output \"%s.svg\".tmp\nreplot\nset output\n", w, h, base);
}

/* The gnuplot to use: $TRBENCH_GNUPLOT when set (empty: none), else the build's TR_GNUPLOT. */
const char *exp_gnuplot_path(void) {
  const char *g = getenv("TRBENCH_GNUPLOT");
  if (!g) g = TR_GNUPLOT;
  return *g && access(g, X_OK) == 0 ? g : NULL;
}

int exp_gnuplot_render(const char *gnuplot, const char *dir, const char *base,
                       const char *const *ext, size_t n) {
  char tmp[64], set[96], script[512];
  snprintf(tmp, sizeof tmp, ".tmp.%ld", (long)getpid());
  snprintf(set, sizeof set, "tmp='%s'", tmp);
  snprintf(script, sizeof script, "%s.gp", base);
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(126);
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 1), close(fd);
    execl(gnuplot, "gnuplot", "-e", set, script, (char *)NULL);
    _exit(127);
  }
  int ws = 0;
  if (pid < 0 || waitpid(pid, &ws, 0) < 0) ws = -1;
  int ok = ws != -1 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
  int missing = 0;
  for (size_t i = 0; i < n; i++) {
    char from[1024], to[1024];
    snprintf(from, sizeof from, "%s/%s.%s%s", dir, base, ext[i], tmp);
    snprintf(to, sizeof to, "%s/%s.%s", dir, base, ext[i]);
    struct stat sb;
    if (ok && stat(from, &sb) == 0 && sb.st_size > 0 && rename(from, to) == 0) continue;
    remove(from);
    missing |= ok;
    ok = 0;
  }
  if (ok) return 0;
  if (missing) return 1; /* gnuplot succeeded without writing an output */
  return ws == -1 ? -1 : WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}
