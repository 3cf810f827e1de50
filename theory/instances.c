/* theory/instances.c — see instances.h */
#include "theory/instances.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/size.h"
#include "mdps/generators.h"

const char *thy_mu_kind_name(thy_mu_kind k) {
  static const char *names[] = {"uniform", "dirichlet", "point", "near-point"};
  return (unsigned)k < 4 ? names[k] : "?";
}

static double log_uniform(gsl_rng *r, double lo_exp, double hi_exp) {
  return pow(10.0, gsl_ran_flat(r, lo_exp, hi_exp));
}

thy_mu_kind thy_draw_start(double *mu, size_t S, gsl_rng *r) {
  thy_mu_kind k = (thy_mu_kind)gsl_rng_uniform_int(r, 4);
  size_t s0 = gsl_rng_uniform_int(r, S);
  if (k == THY_MU_DIRICHLET && S > 1) {
    /* Dirichlet(0.1): gsl_ran_dirichlet's gammas can all underflow for tiny
     * concentrations; 0.1 is safe, and a zero total falls back to δ_{s0} */
    double tot = 0.0;
    for (size_t s = 0; s < S; s++) tot += (mu[s] = gsl_ran_gamma(r, 0.1, 1.0));
    if (!(tot > 0.0) || !isfinite(tot)) k = THY_MU_POINT;
    else for (size_t s = 0; s < S; s++) mu[s] /= tot;
  } else if (k == THY_MU_DIRICHLET) {
    k = THY_MU_POINT;
  }
  if (k == THY_MU_UNIFORM)
    for (size_t s = 0; s < S; s++) mu[s] = 1.0 / (double)S;
  if (k == THY_MU_POINT)
    for (size_t s = 0; s < S; s++) mu[s] = s == s0 ? 1.0 : 0.0;
  if (k == THY_MU_NEAR_POINT) {
    double eps = log_uniform(r, -6.0, -1.0);
    for (size_t s = 0; s < S; s++) mu[s] = eps / (double)S + (s == s0 ? 1.0 - eps : 0.0);
  }
  return k;
}

mdp *thy_random_mdp(size_t S, size_t A, double gamma, gsl_rng *r, size_t *b,
                    thy_mu_kind *mu_kind, int *near_det) {
  size_t K = S * A;
  *b = 1 + gsl_rng_uniform_int(r, S);
  mdp *g = mdp_garnet_alloc(S, A, *b, gamma, r), *det = NULL, *out = NULL;
  double *P = tr_malloc(K * S * sizeof *P), *mu = tr_malloc(S * sizeof *mu);
  if (!g || !P || !mu) goto done;
  *near_det = gsl_rng_uniform(r) < 0.5;
  mdp_dense_P(g, P);
  if (*near_det) {
    if (!(det = mdp_garnet_alloc(S, A, 1, gamma, r))) goto done;
    double eps = log_uniform(r, -6.0, -2.0);
    for (size_t k = 0; k < K; k++) {
      size_t s2 = det->col[det->rowptr[k]];
      for (size_t j = 0; j < S; j++) P[k * S + j] = eps * P[k * S + j] + (j == s2 ? 1.0 - eps : 0.0);
    }
  }
  *mu_kind = thy_draw_start(mu, S, r);
  out = mdp_alloc_dense(S, A, gamma, P, g->r, mu);
done:
  mdp_free(g);
  mdp_free(det);
  free(P);
  free(mu);
  return out;
}
