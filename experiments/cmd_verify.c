/* experiments/cmd_verify.c — `trbench verify`: the claims catalogue over random MDPs. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/io.h"
#include "experiments/cli.h"
#include "mdps/mdpfile.h"
#include "theory/search.h"
#include "theory/verify.h"
#include "experiments/cmd_run.h"
#include "experiments/cmd_sweep.h"
#include <unistd.h>

static const size_t default_states[] = {2, 3, 5, 8, 13, 20, 30};
static const size_t default_actions[] = {2, 3, 4, 6};
static const double default_gammas[] = {0.5, 0.9, 0.9137, 0.99, 0.999};

static void verify_help(FILE *f) {
  fputs(
      "usage: trbench verify [--mdps N] [--seed S] [--states LIST] [--actions LIST]\n"
      "                      [--gamma LIST] [--claim ID] [--search] [--out DIR] [--list]\n\n"
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
      "'-' marks a column that does not apply.  For every violated claim a counterexample\n"
      "follows the table.  --out DIR writes verify.tsv there, and each counterexample's MDP\n"
      "and policies (counterexamples/ID.mdp, ID.pi, ID.pi2) so it can be re-checked with\n"
      "trbench eval.  Exit status 0 iff no identity or bound is violated (course statements\n"
      "report counterexamples without failing); 2 on bad input.\n",
      f);
}

static void list_claims(void) {
  printf("claim\tkind\tsource\tstatement\tassumptions\n");
  for (size_t j = 0; j < thy_claims_count(); j++) {
    const thy_claim *c = thy_claim_at(j);
    printf("%s\t%s\t%s\t%s\t%s\n", c->id, thy_claim_kind_name(c->kind), c->source, c->statement,
           *c->assumptions ? c->assumptions : "-");
  }
}

static int is_local_claim(const thy_claim *c) {
  return c >= thy_claims_local && c < thy_claims_local + thy_claims_local_n;
}

/* Save instance i (MDP, π, π') under dir/counterexamples/ID.*. */
static tr_status save_instance(const char *dir, const thy_claim *c, const thy_verify_opts *o,
                               size_t i) {
  thy_instance_data d;
  tr_status st = thy_instance_build(&d, o, i);
  if (st) return st;
  char *sub = tr_path_join(dir, "counterexamples"), path[4096];
  if (!sub) {
    thy_instance_data_free(&d);
    return TR_ENOMEM;
  }
  if (!(st = tr_mkdir_p(sub))) {
    snprintf(path, sizeof path, "%s/%s.mdp", sub, c->id);
    st = mdp_write_file(d.m, path);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/%s.pi", sub, c->id);
    st = mdp_policy_write(path, d.pi, d.m->S, d.m->A);
  }
  if (!st) {
    snprintf(path, sizeof path, "%s/%s.pi2", sub, c->id);
    st = mdp_policy_write(path, d.pi2, d.m->S, d.m->A);
  }
  free(sub);
  thy_instance_data_free(&d);
  return st;
}

static tr_status print_counterexamples(const thy_verify_report *r, const thy_verify_opts *o,
                                       const char *out_dir) {
  for (size_t j = 0; j < r->n_rows; j++) {
    const thy_verify_row *row = &r->rows[j];
    if (!row->has_counterexample) continue;
    printf("# counterexample %s: instance %zu", row->claim->id, row->ce_instance);
    if (!is_local_claim(row->claim)) {
      thy_instance_data d;
      tr_status st = thy_instance_build(&d, o, row->ce_instance);
      if (st) return st;
      printf(" (Garnet S=%zu A=%zu b=%zu gamma=%g, alpha=%.6g)", d.m->S, d.m->A, d.branching,
             d.m->gamma, d.alpha);
      thy_instance_data_free(&d);
    }
    printf(": lhs=%.17g rhs=%.17g", row->ce.lhs, row->ce.rhs);
    if (row->ce.note[0]) printf("; %s", row->ce.note);
    putchar('\n');
    if (out_dir && !is_local_claim(row->claim)) {
      tr_status st = save_instance(out_dir, row->claim, o, row->ce_instance);
      if (st) return st;
    }
  }
  return TR_OK;
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

/* Save an instance (MDP, π, π') as DIR/ID.mdp, ID.pi, ID.pi2. */
static tr_status save_files(const char *dir, const char *id, const mdp *m, const double *pi,
                            const double *pi2) {
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
  return st;
}

/* --search: the tightest instance of every inequality, on 3-state 2-action MDPs. */
static tr_status run_search(const thy_verify_opts *o, const char *out_dir, FILE *tsv) {
  thy_search_opts so = {3, 2, o->gammas == default_gammas ? 0.9 : o->gammas[0], 8, 400, o->seed};
  char *dir = tr_path_join(out_dir, "search");
  if (!dir) return TR_ENOMEM;
  const char *head = "claim\tkind\tevaluations\tslack\ttightness\tviolated\tinstance\n";
  printf("\n# --search: tightest instance of each inequality (S=%zu A=%zu gamma=%g, %zu restarts)\n",
         so.S, so.A, so.gamma, so.restarts);
  fputs(head, stdout);
  if (tsv) fputs(head, tsv);
  tr_status st = TR_OK;
  for (size_t j = 0; j < thy_claims_count() && !st; j++) {
    const thy_claim *c = thy_claim_at(j);
    if (!thy_search_applies(c) || (o->claim && strcmp(o->claim, c->id))) continue;
    thy_search_result res;
    if ((st = thy_search_claim(&res, c, &so))) break;
    double slack = res.best.lhs - res.best.rhs, t = thy_check_tightness(&res.best);
    char line[512];
    snprintf(line, sizeof line, "%s\t%s\t%zu\t%.6g\t%.6g\t%s\t%s/%s.mdp\n", c->id,
             thy_claim_kind_name(c->kind), res.evals, slack, t, res.violated ? "yes" : "no", dir,
             c->id);
    fputs(line, stdout);
    if (tsv) fputs(line, tsv);
    st = save_files(dir, c->id, res.m, res.pi, res.pi2);
    thy_search_result_clear(&res);
  }
  free(dir);
  return st;
}

/* A figure per bound: true value (lhs) against the bound (rhs) over the instances. */
static tr_status write_figures(const thy_verify_report *r, const char *out_dir) {
  char *dir = tr_path_join(out_dir, "figures"), path[4096];
  if (!dir) return TR_ENOMEM;
  tr_status st = tr_mkdir_p(dir);
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
            "set terminal pngcairo size 640,480\nset output '%s.png'\n"
            "set title \"%s: the bound's room against what the true value used\\n"
            "(holds iff a point is on or below the line; used <= 0 not drawn)\" noenhanced\n"
            "set logscale xy\nset format x '10^{%%L}'\nset format y '10^{%%L}'\n"
            "set xlabel \"room: the bound's allowance\"\nset ylabel 'used: room - (lhs - rhs)'\n"
            "set key top left\n"
            "plot '%s.tsv' using 3:($4 > 0 && $3 > 0 ? $4 : 1/0) skip 2 with points pt 7 ps 0.4 "
            "title 'instances', x with lines lw 1 title 'used = room'\n",
            row->claim->id, row->claim->id, row->claim->id, row->claim->id);
    if ((st = tr_atomic_commit(&af))) break;
    if (TR_GNUPLOT[0]) {
      char cmd[8192];
      snprintf(cmd, sizeof cmd, "cd '%s' && '%s' '%s.gp' >/dev/null 2>&1", dir, TR_GNUPLOT,
               row->claim->id);
      if (system(cmd) != 0) {
        fprintf(stderr, "trbench: notice: gnuplot could not render %s/%s.gp\n", dir, row->claim->id);
      }
    }
  }
  if (!st && !TR_GNUPLOT[0])
    fprintf(stderr, "trbench: notice: gnuplot not found at build time; figures skipped "
                    "(scripts in %s; render with: cd %s && gnuplot *.gp)\n", dir, dir);
  free(dir);
  return st;
}

int exp_cmd_verify(int argc, char **argv) {
  static const struct option opts[] = {
      {"mdps", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
      {"states", required_argument, 0, 'S'}, {"actions", required_argument, 0, 'A'},
      {"gamma", required_argument, 0, 'g'}, {"claim", required_argument, 0, 'c'},
      {"search", no_argument, 0, 'x'}, {"out", required_argument, 0, 'o'},
      {"list", no_argument, 0, 'l'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  thy_verify_opts o = {1000, 1, default_states, 7, default_actions, 4, default_gammas, 5, NULL, 0};
  size_t *states = NULL, *actions = NULL;
  double *gammas = NULL;
  const char *out_dir = NULL;
  int rc = 0, c, search = 0;
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
  thy_verify_write_tsv(r, stdout);
  printf("# %zu instances, seed %llu, %.3f s (%.3g ms per instance)\n", r->n_instances,
         (unsigned long long)o.seed, r->seconds, 1e3 * r->seconds / (double)r->n_instances);
  st = print_counterexamples(r, &o, out_dir);
  if (!st && out_dir) st = write_tsv(r, out_dir);
  if (!st && out_dir) st = write_figures(r, out_dir);
  if (!st && search) {
    const char *sdir = out_dir ? out_dir : "trbench-search";
    tr_atomic_file af;
    char *p = tr_path_join(sdir, "search.tsv");
    st = p ? tr_mkdir_p(sdir) : TR_ENOMEM;
    if (!st) st = tr_atomic_open(&af, p);
    if (!st) {
      st = run_search(&o, sdir, af.f);
      if (st) tr_atomic_abort(&af);
      else st = tr_atomic_commit(&af);
    }
    free(p);
  }
  if (st) rc = exp_fail_status(st);
  else rc = thy_verify_failed(r) ? EXP_EXIT_CHECK : EXP_EXIT_OK;
  thy_verify_report_free(r);
done:
  free(states);
  free(actions);
  free(gammas);
  return rc;
}

/* A spec shipped with trbench: the source tree's copy, else the installed one. */
static const char *shipped_spec(const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/experiments/%s", TR_SRCDIR, name);
  if (access(buf, R_OK) == 0) return buf;
  snprintf(buf, len, "%s/experiments/%s", TR_DATADIR, name);
  return buf;
}

/* The main job of the README's first command: the theorems verified on 1000 random MDPs,
 * PPO trained on CartPole with a progress line, and a small table and plot regenerated from
 * a --scale'd trpo_sampling sweep.  Everything goes to results/demo/. */
int exp_cmd_demo(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--help")) {
    puts("usage: trbench demo\n\nThe quick start's main job, into results/demo/: trbench verify on 1000 "
         "random MDPs;\nppo-clip trained on CartPole (100k steps) with a progress line; a 2%-scale "
         "sweep of\nexperiments/trpo_sampling.ini (-j 2) with its table and plots.  A few minutes on 2 cores.");
    return EXP_EXIT_OK;
  }
  if (argc > 1) return exp_fail("demo: unexpected argument '%s'", argv[1]);
  printf("== 1/3  the theorems: every claim of the catalogue on 1000 random MDPs\n\n");
  fflush(stdout);
  char *vargs[] = {"verify", "--mdps", "1000", "--seed", "1", "--out", "results/demo/verify", NULL};
  int rc = exp_cmd_verify(7, vargs);
  if (rc == EXP_EXIT_INPUT) return rc;
  int verified = rc == EXP_EXIT_OK;
  printf("\n== 2/3  ppo-clip on CartPole, 100k steps (the paper's defaults)\n\n");
  fflush(stdout);
  char *rargs[] = {"run", "--algo", "ppo-clip", "--env", "cartpole", "--steps", "100000", "--seed",
                   "1", "--out", "results/demo/ppo-cartpole", "--progress", NULL};
  int rrc = exp_cmd_run(12, rargs);
  if (rrc == EXP_EXIT_INPUT) return rrc;
  printf("\n== 3/3  TRPO single path vs vine vs NPG vs REINFORCE (trpo_sampling.ini at 2%% scale)\n\n");
  fflush(stdout);
  char spec[4096];
  shipped_spec("trpo_sampling.ini", spec, sizeof spec);
  char *sargs[] = {"sweep", spec, "-j", "2", "--scale", "0.02", "--results", "results/demo", NULL};
  int src = exp_cmd_sweep(8, sargs);
  if (src == EXP_EXIT_INPUT || src == 130) return src;
  char *targs[] = {"table", spec, "--results", "results/demo", "--scale", "0.02", NULL};
  int trc = exp_cmd_table(6, targs);
  char *pargs[] = {"plot", spec, "--results", "results/demo", "--scale", "0.02", NULL};
  int prc = exp_cmd_plot(6, pargs);
  printf("\ntrbench demo: done.\n"
         "  results/demo/verify/verify.tsv        the claims table (%s), figures/ per bound\n"
         "  results/demo/ppo-cartpole/            a run directory (config.ini, progress.tsv, summary.ini)\n"
         "  results/demo/trpo_sampling/table.md   the table (also .csv, .tex)\n"
         "  results/demo/trpo_sampling/plots/     learning curves (PNG, SVG) and their gnuplot scripts\n",
         verified ? "every proven claim held" : "A PROVEN CLAIM FAILED");
  if (!verified) return EXP_EXIT_CHECK;
  return rrc || trc || prc ? EXP_EXIT_CHECK : EXP_EXIT_OK;
}
