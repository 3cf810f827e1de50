/* experiments/cmd_exact.c — `trbench eval` and `trbench solve` (DESIGN.md "Exact outputs"). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/size.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "mdps/mdpfile.h"
#include "theory/exact.h"

static void exact_help(FILE *f, int solve) {
  if (solve)
    fputs("usage: trbench solve --mdp FILE\n\n"
          "Optimal values by policy iteration (checked by value iteration).  Prints\n"
          "'# J<TAB>value' (J* = mu^T V*), then the TSV header 's V a' and one row per state:\n"
          "V*(s) and a greedy optimal action (0-based).  Doubles as %.17g.\n", f);
  else
    fputs("usage: trbench eval --mdp FILE [--policy FILE|uniform|optimal]\n\n"
          "Exact evaluation of a policy (default uniform).  Prints '# J<TAB>value', then the\n"
          "TSV header 's a pi Q A V d' and one row per (state, action), 0-based, V and the\n"
          "normalized occupancy d repeated on each row of their state; doubles as %.17g.\n"
          "A policy file has one row per state with A probabilities; '#' starts a comment.\n", f);
}

/* Parses --mdp / --policy; returns 0 or an exit status. */
static int exact_args(int argc, char **argv, int solve, const char **mdp_path,
                      const char **policy, int *help) {
  static const struct option opts[] = {{"mdp", required_argument, 0, 'm'},
                                       {"policy", required_argument, 0, 'p'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *name = solve ? "solve" : "eval";
  int c;
  optind = 0;
  opterr = 0;
  *help = 0;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'm') *mdp_path = optarg;
    else if (c == 'p' && !solve) *policy = optarg;
    else if (c == 'h') {
      *help = 1;
      return 0;
    } else
      return exp_fail("%s: unknown or incomplete option '%s' (trbench %s --help)", name,
                      argv[optind - 1], name);
  }
  if (optind < argc) return exp_fail("%s: unexpected argument '%s'", name, argv[optind]);
  if (!*mdp_path) return exp_fail("%s: --mdp FILE is required", name);
  return 0;
}

/* Exact values that overflow (rewards near DBL_MAX, γ near 1) are no result: TR_EINVAL naming
 * the MDP file and the first non-finite entry of x (n values called `what`). */
static tr_status finite_or_fail(const char *path, const char *what, const double *x, size_t n,
                                double gamma) {
  for (size_t s = 0; s < n; s++)
    if (!isfinite(x[s]))
      return tr_error(TR_EINVAL, "%s: exact evaluation overflows: %s(s=%zu) is %g (rewards too "
                      "large for discount %g)", path, what, s, x[s], gamma);
  return TR_OK;
}

int exp_cmd_eval(int argc, char **argv) {
  const char *path = NULL, *policy = "uniform";
  int help, rc = exact_args(argc, argv, 0, &path, &policy, &help);
  if (rc || help) {
    if (help) exact_help(stdout, 0);
    return rc;
  }
  mdp *m = mdp_read_file(path);
  if (!m) return exp_fail_status(TR_EINVAL);
  size_t S = m->S, A = m->A;
  double *pi = NULL;
  thy_values *v = thy_values_alloc(S, A);
  tr_status st = v ? TR_OK : TR_ENOMEM;
  if (!st && !strcmp(policy, "uniform")) {
    pi = tr_malloc(S * A * sizeof *pi);
    if (pi) thy_policy_uniform(pi, S, A);
    else st = TR_ENOMEM;
  } else if (!st && !strcmp(policy, "optimal")) {
    pi = tr_malloc(S * A * sizeof *pi);
    st = pi ? thy_policy_iteration(NULL, pi, m, THY_SOLVER_AUTO, NULL) : TR_ENOMEM;
  } else if (!st) {
    st = mdp_policy_read(policy, S, A, &pi);
  }
  if (!st) st = thy_evaluate(v, m, pi, THY_SOLVER_AUTO, NULL);
  if (!st) st = finite_or_fail(path, "V", v->V, S, m->gamma);
  if (!st) st = finite_or_fail(path, "d", v->d, S, m->gamma);
  if (!st) st = finite_or_fail(path, "Q", v->Q, S * A, m->gamma);
  if (st) {
    rc = exp_fail_status(st);
  } else {
    printf("# J\t%.17g\n", v->J);
    printf("s\ta\tpi\tQ\tA\tV\td\n");
    for (size_t s = 0; s < S; s++)
      for (size_t a = 0; a < A; a++)
        printf("%zu\t%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", s, a, pi[s * A + a],
               v->Q[s * A + a], v->Adv[s * A + a], v->V[s], v->d[s]);
  }
  free(pi);
  thy_values_free(v);
  mdp_free(m);
  return rc;
}

int exp_cmd_solve(int argc, char **argv) {
  const char *path = NULL, *policy = NULL;
  int help, rc = exact_args(argc, argv, 1, &path, &policy, &help);
  if (rc || help) {
    if (help) exact_help(stdout, 1);
    return rc;
  }
  mdp *m = mdp_read_file(path);
  if (!m) return exp_fail_status(TR_EINVAL);
  size_t S = m->S, A = m->A;
  double *V = tr_malloc(S * sizeof *V), *pi = tr_malloc(S * A * sizeof *pi);
  tr_status st = V && pi ? thy_policy_iteration(V, pi, m, THY_SOLVER_AUTO, NULL) : TR_ENOMEM;
  if (!st) st = finite_or_fail(path, "V", V, S, m->gamma);
  if (st) {
    rc = exp_fail_status(st);
  } else {
    double J = 0.0;
    for (size_t s = 0; s < S; s++) J += m->mu[s] * V[s];
    printf("# J\t%.17g\n", J);
    printf("s\tV\ta\n");
    for (size_t s = 0; s < S; s++) {
      size_t best = 0;
      for (size_t a = 0; a < A; a++)
        if (pi[s * A + a] == 1.0) best = a;
      printf("%zu\t%.17g\t%zu\n", s, V[s], best);
    }
  }
  free(V);
  free(pi);
  mdp_free(m);
  return rc;
}
