/* experiments/cmd_certify.c — `trbench certify`: one saved instance's claim in ball
 * arithmetic (theory/certify.h), both sides with their radii. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/cli.h"
#include "mdps/mdpfile.h"
#include "theory/certify.h"
#include "theory/claims.h"

static void certify_help(FILE *f) {
  fputs("usage: trbench certify --claim ID --mdp FILE --policy P --policy2 P2 [--alpha A]\n\n"
        "Re-checks claim ID on one instance (an MDP file, the old policy P and the new policy\n"
        "P2, e.g. a counterexample saved by trbench verify --out: counterexamples/ID.mdp,\n"
        "ID.pi, ID.pi2, ID.alpha) in ball arithmetic (Arb): the instance's doubles are read\n"
        "as exact values (rows of P, mu and the policies normalized exactly), V and d solved\n"
        "with certified error bounds, and both sides of the claim printed as balls\n"
        "[midpoint +/- radius].  A (default 0) is the mixture weight or budget of the claims\n"
        "that have one.  verdict: holds or violated when the ball of lhs - rhs lies wholly on\n"
        "one side of 0, undecided when it contains 0.  Exit status 0; 2 on bad input.\n"
        "Claims: trpo.tv trpo.tv.tight trpo.kl trpo.kl.half trpo.kl.rev achiam.tv achiam.kl\n"
        "occupancy.tv occupancy.tv.avg cpi.kl cpi.kl.weak course.c1 course.c2 course.c3\n"
        "course.c5.\n",
        f);
}

static int is_local_claim(const thy_claim *c) {
  return c >= thy_claims_local && c < thy_claims_local + thy_claims_local_n;
}

int exp_cmd_certify(int argc, char **argv) {
  static const struct option opts[] = {
      {"claim", required_argument, 0, 'c'}, {"mdp", required_argument, 0, 'm'},
      {"policy", required_argument, 0, 'p'}, {"policy2", required_argument, 0, 'q'},
      {"alpha", required_argument, 0, 'a'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  const char *claim = NULL, *mdp_path = NULL, *p1 = NULL, *p2 = NULL;
  double alpha = 0.0, *al = NULL;
  size_t n_al = 0;
  int rc = 0, c;
  optind = 0;
  opterr = 0;
  while (!rc && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'c': claim = optarg; break;
    case 'm': mdp_path = optarg; break;
    case 'p': p1 = optarg; break;
    case 'q': p2 = optarg; break;
    case 'a':
      free(al);
      al = NULL;
      rc = exp_parse_double_list("--alpha", optarg, &al, &n_al);
      if (!rc && n_al != 1) rc = exp_fail("--alpha: one number, not a list");
      if (!rc) alpha = al[0];
      if (!rc && !(alpha >= 0.0 && alpha <= 1.0)) rc = exp_fail("--alpha: %g is outside [0, 1]", alpha);
      break;
    case 'h': certify_help(stdout); free(al); return EXP_EXIT_OK;
    default:
      rc = exp_fail("certify: unknown or incomplete option '%s' (trbench certify --help)",
                    argv[optind - 1]);
    }
  }
  free(al);
  if (rc) return rc;
  if (optind < argc) return exp_fail("certify: unexpected argument '%s'", argv[optind]);
  if (!claim) return exp_fail("certify: --claim is required (trbench certify --help)");
  const thy_claim *cl = thy_claim_find(claim);
  if (!cl) return exp_fail("--claim: unknown claim '%s' (trbench verify --list shows them)", claim);
  if (is_local_claim(cl))
    return exp_fail("--claim: %s needs no MDP; certify checks claims on an MDP instance", claim);
  if (!thy_certify_supports(claim))
    return exp_fail("--claim: certify does not evaluate %s (trbench certify --help lists those it does)",
                    claim);
  if (!mdp_path || !p1 || !p2)
    return exp_fail("certify: --mdp, --policy and --policy2 are required");
  mdp *m = mdp_read_file(mdp_path);
  if (!m) return exp_fail_status(TR_EINVAL);
  double *pi = NULL, *pi2 = NULL;
  tr_status st = mdp_policy_read(p1, m->S, m->A, &pi);
  if (!st) st = mdp_policy_read(p2, m->S, m->A, &pi2);
  thy_cert ct;
  if (!st) st = thy_certify(&ct, claim, m, pi, pi2, alpha);
  if (st) {
    rc = exp_fail_status(st);
  } else if (!ct.applicable) {
    printf("claim\t%s\nverdict\tnot applicable (an infinite KL)\n", claim);
  } else {
    printf("claim\t%s\nS\t%zu\nA\t%zu\ngamma\t%.17g\nalpha\t%.17g\nprecision_bits\t%ld\n", claim,
           m->S, m->A, m->gamma, alpha, ct.prec);
    printf("lhs\t%s\t%.17g\t%.3g\n", ct.lhs_str, ct.lhs, ct.lhs_rad);
    printf("rhs\t%s\t%.17g\t%.3g\n", ct.rhs_str, ct.rhs, ct.rhs_rad);
    printf("lhs-rhs\t%s\t%.17g\t%.3g\n", ct.diff_str, ct.diff, ct.diff_rad);
    printf("verdict\t%s\n", ct.verdict > 0 ? "holds" : ct.verdict < 0 ? "violated" : "undecided");
  }
  free(pi);
  free(pi2);
  mdp_free(m);
  return rc;
}
