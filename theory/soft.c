/* theory/soft.c — see soft.h */
#include "theory/soft.h"
#include "core/size.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double thy_kl_under(const double *w, const double *pi, const double *ref, size_t S, size_t A) {
  double s = 0;
  for (size_t i = 0; i < S; i++) {
    double kl = 0;
    for (size_t a = 0; a < A; a++) {
      double p = pi[i * A + a], q = ref[i * A + a];
      if (p <= 0) continue;
      if (q <= 0) return INFINITY;
      kl += p * log(p / q);
    }
    s += w[i] * kl;
  }
  return s;
}

/* m2's reward ← m's r − β log(pi/ref) (0 where pi = 0). */
static void regularized_reward(mdp *m2, const mdp *m, const double *pi, const double *ref,
                               double beta) {
  for (size_t k = 0; k < m->S * m->A; k++)
    m2->r[k] = m->r[k] - (pi[k] > 0 ? beta * log(pi[k] / ref[k]) : 0.0);
}

tr_status thy_soft_evaluate(double *Jbeta, const mdp *m, const double *pi, const double *ref,
                            double beta, thy_values *vals) {
  size_t S = m->S, A = m->A;
  thy_values *v = vals ? vals : thy_values_alloc(S, A);
  if (!v) return TR_ENOMEM;
  tr_status st = thy_evaluate(v, m, pi, THY_SOLVER_AUTO, NULL);
  if (!st) *Jbeta = v->J - beta / (1.0 - m->gamma) * thy_kl_under(v->d, pi, ref, S, A);
  if (!vals) thy_values_free(v);
  return st;
}

tr_status thy_soft_optimum(double *J, double *V, double *pi_out, const mdp *m, const double *ref,
                           double beta, size_t *iters) {
  size_t S = m->S, A = m->A;
  if (!(beta >= 0)) return tr_error(TR_EINVAL, "soft optimum: beta %g must be >= 0", beta);
  tr_status st = thy_policy_check(m, ref);
  if (st) return st;
  if (beta == 0) { /* the unregularized optimum */
    double *Vs = V ? V : tr_malloc(S * sizeof *Vs);
    if (!Vs) return TR_ENOMEM;
    size_t it = 0;
    st = thy_policy_iteration(Vs, pi_out, m, THY_SOLVER_AUTO, &it);
    if (!st) *J = thy_weighted_mean(Vs, m->mu, S);
    if (iters) *iters = it;
    if (!V) free(Vs);
    return st;
  }
  mdp *m2 = mdp_copy(m);
  double *pi = tr_malloc(S * A * sizeof *pi), *Vold = tr_malloc(S * sizeof *Vold);
  thy_values *v = thy_values_alloc(S, A);
  thy_ws *ws = S <= THY_DENSE_MAX_S ? thy_ws_alloc(S) : NULL;
  if (!m2 || !pi || !Vold || !v || (S <= THY_DENSE_MAX_S && !ws)) {
    st = TR_ENOMEM;
    goto done;
  }
  memcpy(pi, ref, S * A * sizeof *pi);
  size_t it = 0;
  for (;;) {
    regularized_reward(m2, m, pi, ref, beta);
    if ((st = thy_evaluate(v, m2, pi, THY_SOLVER_AUTO, ws))) goto done;
    /* soft Q on the unregularized reward, and the improved policy */
    thy_q_from_v(v->Q, m, v->V);
    double diff = 0, vmax = 0;
    for (size_t s = 0; s < S; s++) {
      double qmax = -INFINITY;
      for (size_t a = 0; a < A; a++)
        if (ref[s * A + a] > 0 && v->Q[s * A + a] > qmax) qmax = v->Q[s * A + a];
      double z = 0;
      for (size_t a = 0; a < A; a++) {
        double p = ref[s * A + a] > 0 ? ref[s * A + a] * exp((v->Q[s * A + a] - qmax) / beta) : 0;
        pi[s * A + a] = p;
        z += p;
      }
      for (size_t a = 0; a < A; a++) pi[s * A + a] /= z;
      if (it) diff = fmax(diff, fabs(v->V[s] - Vold[s]));
      vmax = fmax(vmax, fabs(v->V[s]));
      Vold[s] = v->V[s];
    }
    it++;
    if (it > 1 && diff <= THY_SOFT_TOL * (1.0 + vmax)) break;
    if (it >= THY_SOFT_MAX_ITER) {
      st = tr_error(TR_ENUM, "soft policy iteration did not converge in %d iterations "
                             "(last change %.3g)", THY_SOFT_MAX_ITER, diff);
      goto done;
    }
  }
  /* the last evaluation is of the policy before the final improvement; evaluate π_β itself */
  regularized_reward(m2, m, pi, ref, beta);
  if ((st = thy_evaluate(v, m2, pi, THY_SOLVER_AUTO, ws))) goto done;
  *J = v->J;
  if (V) memcpy(V, v->V, S * sizeof *V);
  if (pi_out) memcpy(pi_out, pi, S * A * sizeof *pi);
  if (iters) *iters = it;
done:
  mdp_free(m2);
  free(pi), free(Vold);
  thy_values_free(v);
  thy_ws_free(ws);
  return st;
}
