/* experiments/cmd_verify.c — `trbench verify`: the claims catalogue over random MDPs. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "core/clock.h"
#include "core/io.h"
#include "experiments/cli.h"
#include "mdps/mdpfile.h"
#include "theory/readings.h"
#include "theory/search.h"
#include "theory/verdicts.h"
#include "theory/verify.h"
#include "experiments/commands.h"
#include "experiments/gnuplot.h"

static const size_t default_states[] = {2, 3, 5, 8, 13, 20, 30};
static const size_t default_actions[] = {2, 3, 4, 6};
static const double default_gammas[] = {0.5, 0.9, 0.9137, 0.99, 0.999};

/* The search budgets (random starting points per (S, A, γ) combination x iterations each).
 * SHORT: without --search, the course statements at the smallest S of the list (C1's
 * counterexample: S = 2, well under a second).  SEARCH: --search, every inequality over
 * the default lists in about a minute on 2 cores (42 s measured).  EXHAUSTIVE: --exhaustive,
 * the former --search default, about an hour and a half. */
enum {
  SHORT_RESTARTS = 1, SHORT_ITERS = 1000,
  SEARCH_RESTARTS = 1, SEARCH_ITERS = 200,
  EXHAUSTIVE_RESTARTS = 32, EXHAUSTIVE_ITERS = 2000
};

static void verify_help(FILE *f) {
  fputs(
      "usage: trbench verify [--mdps N] [--seed S] [--states LIST] [--actions LIST]\n"
      "                      [--gamma LIST] [--claim ID] [--search] [--exhaustive]\n"
      "                      [--restarts R] [--iterations I] [--out DIR] [--list]\n\n"
      "Checks every claim of the catalogue on N random instances (default 1000): a Garnet\n"
      "MDP with S, A, gamma drawn from the lists (defaults 2,3,5,8,13,20,30 / 2,3,4,6 /\n"
      "0.5,0.9,0.9137,0.99,0.999) and random branching, an old policy and a new one near\n"
      "or far from it, a mixture weight alpha.  Prints one row per claim:\n\n"
      "  claim             the claim's id (--list shows each with its source)\n"
      "  kind              identity, bound, or course (a course statement, checked as written)\n"
      "  instances         instances on which the claim's assumptions held\n"
      "  violations        instances where it failed: an identity off by more than its\n"
      "                    tolerance (relative to a scale that includes the conditioning\n"
      "                    (1+g)/(1-g)); a bound lhs >= rhs with lhs - rhs < -tol*scale\n"
      "  max_residual      identities: max |lhs - rhs| / scale; bounds: max (rhs - lhs)+ / scale\n"
      "  min_slack         bounds: min over instances of lhs - rhs (>= 0 when it holds)\n"
      "  median_tightness  bounds: median of 1 - slack/room, where room is the size of the\n"
      "                    bound's penalty term: 1 = the bound is attained, 0 = the true value\n"
      "                    sits at the penalty-free prediction (e.g. for x <= B it is x/B)\n"
      "  search_instances  instances the search evaluated ('-': the claim was not searched)\n"
      "  search_max_tightness  the search's largest tightness (> 1: a violation)\n"
      "  verdict           violated (by a random or a searched instance); holds (no random\n"
      "                    instance and no searched one violates it: the search ran);\n"
      "                    not_refuted (no random instance violates it, and no search ran)\n"
      "  certified         yes when the instance the verdict rests on (its counterexample, or\n"
      "                    the tightest instance of a claim that holds) gives the same verdict\n"
      "                    in ball arithmetic (Arb); no when the balls overlap; '-' not checked\n"
      "Random instances draw S, A, gamma from the lists, start distributions uniform,\n"
      "Dirichlet(0.1), point masses or near point masses, and near-deterministic\n"
      "transitions and policies.  The adversarial search looks over mu, P, r, pi, pi' and\n"
      "alpha for the tightest instance of an inequality at every (S, A, gamma) of the lists,\n"
      "from R random points per combination and the 3 tightest random instances, I\n"
      "iterations each.  Without --search it runs on the course statements only, at the\n"
      "smallest S of the list (R=1, I=1000: a second or two); every other inequality is\n"
      "then not_refuted at best.  --search runs it on every inequality (or the --claim one)\n"
      "with a budget of about a minute for the default lists (R=1, I=200); --exhaustive\n"
      "with R=32, I=2000 (about an hour and a half); --restarts and --iterations set R and I\n"
      "of whichever search runs.  --search saves search/ID.{mdp,pi,pi2,alpha}.  A search\n"
      "prints a progress line on stderr (claims and instances done, elapsed time, an\n"
      "estimate of the time left): --search always, the short search after 2 s.\n"
      "'-' marks a column that does not apply.  For every violated claim a counterexample\n"
      "follows the table.  --out DIR writes verify.tsv there, and each counterexample's MDP\n"
      "and policies (counterexamples/ID.mdp, ID.pi, ID.pi2, ID.alpha) so it can be re-checked\n"
      "with trbench eval or trbench certify.  Exit status 0 iff no identity or bound is violated (course statements\n"
      "report counterexamples without failing); 2 on bad input.\n",
      f);
}

/* Every claim; course statements also with the slide's wording and the reading checked. */
static void list_claims(void) {
  printf("claim\tkind\tsource\tstatement\tassumptions\tslide_wording\treading\n");
  for (size_t j = 0; j < thy_claims_count(); j++) {
    const thy_claim *c = thy_claim_at(j);
    const thy_reading *rd = thy_reading_find(c->id);
    printf("%s\t%s\t%s\t%s\t%s\t%s\t%s%s%s\n", c->id, thy_claim_kind_name(c->kind), c->source,
           c->statement, *c->assumptions ? c->assumptions : "-", rd ? rd->wording : "-",
           rd ? rd->reading : "-", rd && rd->implied ? "; " : "",
           rd && rd->implied ? rd->implied : "");
  }
}

/* Save an instance (MDP, π, π', α) as DIR/ID.mdp, ID.pi, ID.pi2, ID.alpha. */
static tr_status save_files(const char *dir, const char *id, const mdp *m, const double *pi,
                            const double *pi2, double alpha) {
  char path[4096];
  tr_status st = tr_mkdir_p(dir);
  if (!st) {
    snprintf(path, sizeof path, "%s/%s.mdp", dir, id);
    st = mdp_write_file(m, path);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/%s.pi", dir, id);
    st = mdp_policy_write(path, pi, m->S, m->A);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/%s.pi2", dir, id);
    st = mdp_policy_write(path, pi2, m->S, m->A);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/%s.alpha", dir, id);
    tr_atomic_file af;
    if (!(st = tr_atomic_open(&af, path))) {
      fprintf(af.f, "%.17g\n", alpha);
      st = tr_atomic_commit(&af);
    }
  }
  return st;
}

/* The counterexample of every violated claim (the search's when it found one, else the
 * worst random one), saved under out_dir/counterexamples/. */
static tr_status print_counterexamples(const thy_verify_report *r, const thy_verify_opts *o,
                                       const char *out_dir) {
  for (size_t j = 0; j < r->n_rows; j++) {
    const thy_verify_row *row = &r->rows[j];
    if (!thy_verify_row_violated(row)) continue;
    const thy_check *ce = row->search_violated ? &row->search_best : &row->ce;
    if (row->search_violated) printf("# counterexample %s: search", row->claim->id);
    else printf("# counterexample %s: instance %zu", row->claim->id, row->ce_instance);
    thy_verdict_instance vi;
    tr_status st;
    int have = thy_verdict_instance_get(&vi, row, o, &st);
    if (st) return st;
    if (have) {
      const mdp *m = vi.m;
      double mumax = 0.0;
      for (size_t s = 0; s < m->S; s++) mumax = fmax(mumax, m->mu[s]);
      printf(" (S=%zu A=%zu gamma=%g max mu=%.4g, alpha=%.6g)", m->S, m->A, m->gamma, mumax,
             vi.alpha);
    }
    printf(": lhs=%.17g rhs=%.17g", ce->lhs, ce->rhs);
    if (ce->note[0]) printf("; %s", ce->note);
    printf("; certified %s\n", row->certified < 0 ? "-" : row->certified ? "yes" : "no");
    if (have && out_dir) {
      char *sub = tr_path_join(out_dir, "counterexamples");
      st = sub ? save_files(sub, row->claim->id, vi.m, vi.pi, vi.pi2, vi.alpha) : TR_ENOMEM;
      free(sub);
    }
    thy_verdict_instance_free(&vi);
    if (st) return st;
  }
  return TR_OK;
}

/* Course statements whose verdict follows from proven results say so. */
static void print_readings(const thy_verify_report *r) {
  for (size_t j = 0; j < r->n_rows; j++) {
    const thy_reading *rd = thy_reading_find(r->rows[j].claim->id);
    if (rd && rd->implied) printf("# %s: %s\n", rd->id, rd->implied);
  }
}

static tr_status write_tsv(const thy_verify_report *r, const char *dir) {
  tr_status st = tr_mkdir_p(dir);
  if (st) return st;
  char *path = tr_path_join(dir, "verify.tsv");
  if (!path) return TR_ENOMEM;
  tr_atomic_file af;
  if (!(st = tr_atomic_open(&af, path))) {
    thy_verify_write_tsv(r, af.f);
    st = tr_atomic_commit(&af);
  }
  free(path);
  return st;
}

static void put_list(const char *name, const size_t *xs, const double *gs, size_t n) {
  printf(" %s=", name);
  for (size_t i = 0; i < n; i++) {
    if (xs) printf("%s%zu", i ? "," : "", xs[i]);
    else printf("%s%g", i ? "," : "", gs[i]);
  }
}

/* --search: the tightest instance of every searched inequality, saved under DIR/search/,
 * one line each in DIR/search.tsv (and on stdout). */
static tr_status write_search(const thy_verify_report *r, const thy_verify_opts *o,
                              size_t restarts, size_t iters, const char *out_dir) {
  char *dir = tr_path_join(out_dir, "search"), *p = tr_path_join(out_dir, "search.tsv");
  tr_status st = dir && p ? tr_mkdir_p(out_dir) : TR_ENOMEM;
  tr_atomic_file af;
  if (!st) st = tr_atomic_open(&af, p);
  if (st) {
    free(dir), free(p);
    return st;
  }
  printf("\n# --search: tightest instance of each inequality (");
  put_list("S", o->states, NULL, o->n_states);
  put_list("A", o->actions, NULL, o->n_actions);
  put_list("gamma", NULL, o->gammas, o->n_gammas);
  printf("; %zu restart%s x %zu iterations per combination, seeded from the %d tightest random "
         "instances)\n", restarts, restarts == 1 ? "" : "s", iters, THY_WORST_K);
  const char *head = "claim\tkind\tevaluations\tslack\ttightness\tviolated\tS\tA\tgamma\talpha\tinstance\n";
  fputs(head, stdout);
  fputs(head, af.f);
  for (size_t j = 0; j < r->n_rows && !st; j++) {
    const thy_verify_row *row = &r->rows[j];
    if (!row->search_m) continue;
    const mdp *m = row->search_m;
    char line[1024];
    snprintf(line, sizeof line, "%s\t%s\t%zu\t%.6g\t%.6g\t%s\t%zu\t%zu\t%g\t%.6g\t%s/%s.mdp\n",
             row->claim->id, thy_claim_kind_name(row->claim->kind), row->search_instances,
             row->search_best.lhs - row->search_best.rhs, row->search_max_tightness,
             row->search_violated ? "yes" : "no", m->S, m->A, m->gamma, row->search_alpha, dir,
             row->claim->id);
    fputs(line, stdout);
    fputs(line, af.f);
    st = save_files(dir, row->claim->id, m, row->search_pi, row->search_pi2, row->search_alpha);
  }
  if (st) tr_atomic_abort(&af);
  else st = tr_atomic_commit(&af);
  free(dir), free(p);
  return st;
}

/* A figure per bound: true value (lhs) against the bound (rhs) over the instances. */
static tr_status write_figures(const thy_verify_report *r, const char *out_dir) {
  char *dir = tr_path_join(out_dir, "figures"), path[4096];
  if (!dir) return TR_ENOMEM;
  tr_status st = tr_mkdir_p(dir);
  const char *gp = exp_gnuplot_path();
  for (size_t j = 0; j < r->n_rows && !st; j++) {
    const thy_verify_row *row = &r->rows[j];
    if (row->identity || !row->instances) continue;
    snprintf(path, sizeof path, "%s/%s.tsv", dir, row->claim->id);
    tr_atomic_file af;
    if ((st = tr_atomic_open(&af, path))) break;
    /* each instance: the bound's room (its penalty term, or B for x <= B) and the part of it
     * the true value used (room - slack); the claim holds iff used <= room */
    fprintf(af.f, "# %s: %s\nlhs\trhs\troom\tused\n", row->claim->id, row->claim->statement);
    for (size_t i = 0; i < row->instances; i++)
      fprintf(af.f, "%.17g\t%.17g\t%.17g\t%.17g\n", row->lhs[i], row->rhs[i], row->room[i],
              row->room[i] - (row->lhs[i] - row->rhs[i]));
    if ((st = tr_atomic_commit(&af))) break;
    snprintf(path, sizeof path, "%s/%s.gp", dir, row->claim->id);
    if ((st = tr_atomic_open(&af, path))) break;
    fprintf(af.f,
            "# gnuplot %s.gp  (written by trbench verify)\n"
            "if (!exists(\"tmp\")) tmp = \"\"\n"
            "set terminal pngcairo size 640,480\nset output '%s.png'.tmp\n"
            "set title \"%s: the bound's room against what the true value used\\n"
            "(holds iff a point is on or below the line; used <= 0 not drawn)\" noenhanced\n"
            "set logscale xy\nset format x '10^{%%L}'\nset format y '10^{%%L}'\n"
            "set xlabel \"room: the bound's allowance\"\nset ylabel 'used: room - (lhs - rhs)'\n"
            "set key top left\n"
            "plot '%s.tsv' using 3:($4 > 0 && $3 > 0 ? $4 : 1/0) skip 2 with points pt 7 ps 0.4 "
            "title 'instances', x with lines lw 1 title 'used = room'\n",
            row->claim->id, row->claim->id, row->claim->id, row->claim->id);
    if ((st = tr_atomic_commit(&af))) break;
    static const char *const png[] = {"png"};
    if (gp && exp_gnuplot_render(gp, dir, row->claim->id, png, 1) != 0)
      fprintf(stderr, "trbench: notice: gnuplot could not render %s/%s.gp\n", dir, row->claim->id);
  }
  if (!st && !gp)
    fprintf(stderr, "trbench: notice: gnuplot not found at build time; figures skipped "
                    "(scripts in %s; render with: cd %s && gnuplot *.gp)\n", dir, dir);
  free(dir);
  return st;
}

/* The search's progress on stderr: claims and instances done, elapsed, an estimate of the
 * time left (elapsed x (1 - f) / f, f the share of the budgeted work done, search.h).  On a
 * terminal one line rewritten at most every 0.5 s; otherwise a line per finished claim and
 * at least every 30 s within one.
 * The short search (always = 0) shows nothing until it has run 2 s. */
typedef struct {
  double t0, last;
  int tty, always, shown;
} progress_line;

static void print_progress(void *arg, const thy_verdicts_progress *p) {
  progress_line *pl = arg;
  double now = tr_clock_seconds(), el = now - pl->t0;
  if (!pl->always && el < 2.0) return;
  if (pl->tty ? now - pl->last < 0.5 && !(p->finished && p->claims_done == p->claims_total)
              : !p->finished && now - (pl->last > 0.0 ? pl->last : pl->t0) < 30.0)
    return;
  pl->last = now;
  pl->shown = 1;
  char left[64] = "time left unknown";
  if (p->fraction >= 1.0) snprintf(left, sizeof left, "done");
  else if (p->fraction > 0.0) snprintf(left, sizeof left, "about %.0f s left", el * (1.0 - p->fraction) / p->fraction);
  fprintf(stderr, "%strbench: search: %zu/%zu claims (%s %s), %zu instances, %.0f s elapsed, %s%s",
          pl->tty ? "\r" : "", p->claims_done, p->claims_total, p->claim,
          p->finished ? "done" : "searching", p->evals, el, left, pl->tty ? "\033[K" : "\n");
  fflush(stderr);
}

/* What the verdicts mean; without --search, what the short search covered. */
static void print_verdict_legend(const thy_verify_report *r, const thy_verify_opts *o, int search,
                                 size_t smallest, size_t restarts, size_t iters) {
  size_t n = 0;
  for (size_t j = 0; !search && j < r->n_rows; j++)
    n += r->rows[j].claim->kind == THY_COURSE && r->rows[j].search_instances;
  if (n) {
    printf("# short search: %zu course statement%s at S=%zu", n, n == 1 ? "" : "s", smallest);
    put_list("A", o->actions, NULL, o->n_actions);
    put_list("gamma", NULL, o->gammas, o->n_gammas);
    printf(" (%zu restart%s x %zu iterations per combination)\n", restarts, restarts == 1 ? "" : "s", iters);
  }
  printf("# holds: searched, and no instance violates it; not_refuted: no random instance violates "
         "it, no search ran%s\n", search ? "" : " (trbench verify --search searches every inequality)");
}

int exp_cmd_verify(int argc, char **argv) {
  static const struct option opts[] = {
      {"mdps", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
      {"states", required_argument, 0, 'S'}, {"actions", required_argument, 0, 'A'},
      {"gamma", required_argument, 0, 'g'}, {"claim", required_argument, 0, 'c'},
      {"search", no_argument, 0, 'x'}, {"out", required_argument, 0, 'o'},
      {"list", no_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
      {"restarts", required_argument, 0, 'R'}, {"iterations", required_argument, 0, 'I'},
      {"exhaustive", no_argument, 0, 'X'}, {0, 0, 0, 0}};
  thy_verify_opts o = {1000, 1, default_states, 7, default_actions, 4, default_gammas, 5, NULL, 0};
  size_t *states = NULL, *actions = NULL;
  double *gammas = NULL;
  const char *out_dir = NULL;
  int rc = 0, c, search = 0, exhaustive = 0, set_r = 0, set_i = 0;
  size_t restarts = 0, iters = 0;
  optind = 0;
  opterr = 0;
  while (!rc && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'n': rc = exp_parse_size("--mdps", optarg, &o.n_mdps); break;
    case 's': rc = exp_parse_u64("--seed", optarg, &o.seed); break;
    case 'S':
      free(states); /* a flag given twice: the last counts */
      rc = exp_parse_size_list("--states", optarg, &states, &o.n_states);
      o.states = states;
      break;
    case 'A':
      free(actions); /* a flag given twice: the last counts */
      rc = exp_parse_size_list("--actions", optarg, &actions, &o.n_actions);
      o.actions = actions;
      break;
    case 'g':
      free(gammas); /* a flag given twice: the last counts */
      rc = exp_parse_double_list("--gamma", optarg, &gammas, &o.n_gammas);
      o.gammas = gammas;
      for (size_t i = 0; !rc && i < o.n_gammas; i++)
        if (!(gammas[i] >= 0.0 && gammas[i] < 1.0))
          rc = exp_fail("--gamma: %g is outside [0, 1)", gammas[i]);
      break;
    case 'c': o.claim = optarg; break;
    case 'x': search = 1; break;
    case 'X': search = exhaustive = 1; break;
    case 'R': rc = exp_parse_size("--restarts", optarg, &restarts), set_r = 1; break;
    case 'I': rc = exp_parse_size("--iterations", optarg, &iters), set_i = 1; break;
    case 'o': out_dir = optarg; break;
    case 'l': list_claims(); goto done;
    case 'h': verify_help(stdout); goto done;
    default:
      rc = exp_fail("verify: unknown or incomplete option '%s' (trbench verify --help)", argv[optind - 1]);
    }
  }
  if (!rc && optind < argc) rc = exp_fail("verify: unexpected argument '%s'", argv[optind]);
  if (!rc && o.n_mdps == 0) rc = exp_fail("--mdps: must be at least 1");
  if (!rc && o.claim && !thy_claim_find(o.claim))
    rc = exp_fail("--claim: unknown claim '%s' (trbench verify --list shows them)", o.claim);
  if (rc) goto done;
  o.keep_points = out_dir != NULL;
  thy_verify_report *r = NULL;
  tr_status st = thy_verify_run(&r, &o);
  if (st) {
    rc = exp_fail_status(st);
    goto done;
  }
  if (!set_r) restarts = exhaustive ? EXHAUSTIVE_RESTARTS : search ? SEARCH_RESTARTS : SHORT_RESTARTS;
  if (!set_i) iters = exhaustive ? EXHAUSTIVE_ITERS : search ? SEARCH_ITERS : SHORT_ITERS;
  size_t smallest = o.states[0];
  for (size_t i = 1; i < o.n_states; i++) smallest = o.states[i] < smallest ? o.states[i] : smallest;
  progress_line pl = {tr_clock_seconds(), 0.0, isatty(2), search, 0};
  thy_verdicts_search_opts so = {restarts, iters, search ? NULL : &smallest, search ? 0 : 1,
                                 !search, print_progress, &pl};
  st = thy_verdicts_search(r, &o, &so);
  if (pl.shown && pl.tty) fputc('\n', stderr);
  if (!st) st = thy_verdicts_certify(r, &o);
  if (!st) {
    thy_verify_write_tsv(r, stdout);
    printf("# %zu instances, seed %llu, %.3f s (%.3g ms per instance)\n", r->n_instances,
           (unsigned long long)o.seed, r->seconds, 1e3 * r->seconds / (double)r->n_instances);
    print_readings(r);
    print_verdict_legend(r, &o, search, smallest, restarts, iters);
    st = print_counterexamples(r, &o, out_dir);
  }
  if (!st && out_dir) st = write_tsv(r, out_dir);
  if (!st && out_dir) st = write_figures(r, out_dir);
  if (!st && search) st = write_search(r, &o, restarts, iters, out_dir ? out_dir : "trbench-search");
  if (st) rc = exp_fail_status(st);
  else rc = thy_verify_failed(r) ? EXP_EXIT_CHECK : EXP_EXIT_OK;
  thy_verify_report_free(r);
done:
  free(states);
  free(actions);
  free(gammas);
  return rc;
}
