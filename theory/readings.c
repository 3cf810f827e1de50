/* theory/readings.c — see readings.h.  Wording from REFERENCES.md § 2 (course statements). */
#include "theory/readings.h"

#include <string.h>

static const thy_reading readings[] = {
    {"course.c1",
     "eta(pi_new) <= L_pi_old(pi_new) + (2 eps g/(1-g)^2) a^2, a = D_TV^max(pi_old, pi_new) (cost form)",
     "costs = -rewards: J(pi') >= L_pi(pi') - 2 eps g/(1-g)^2 a^2; eps = max_{s,a} |A_pi(s,a)| "
     "(the old policy's advantage); a = max_s TV(pi(s), pi'(s)); half of TRPO Theorem 1's 4",
     NULL},
    {"course.c2",
     "the same with (2 eps g/(1-g)^2) D_KL^max(pi_new, pi_old) in place of the a^2 term",
     "J(pi') >= L_pi(pi') - 2 eps g/(1-g)^2 max_s KL(pi'(s) || pi(s)) (new policy first), "
     "eps = max_{s,a} |A_pi(s,a)|",
     "implied (Theorem 1 + Pinsker): TV(p,q)^2 <= KL(p||q)/2 in either order, so "
     "4 eps g/(1-g)^2 TV^2 <= 2 eps g/(1-g)^2 KL"},
    {"course.c3", "J(pi_new) >= L(pi_new) - C D_KL-bar (the practical TRPO constraint read as a bound)",
     "J(pi') >= L_pi(pi') - C sum_s d_pi(s) KL(pi(s) || pi'(s)), C = 4 eps g/(1-g)^2, "
     "d_pi-average (normalized occupancy of the old policy), old policy first",
     NULL},
    {"course.c4",
     "the KL between trajectory distributions (or the average KL) equals dtheta^T F dtheta to "
     "second order (no 1/2)",
     "checked as an identity: (D(t) + D(-t))/(2 t^2) against delta^T F delta, D(t) = sum_s "
     "d(s) KL(pi_theta(s) || pi_theta+t delta(s)), t = 1e-4, random delta (the true limit is "
     "1/2 delta^T F delta)",
     NULL},
    {"course.c5",
     "the TRPO/NPG step theta + sqrt(a/(g^T F^-1 g)) F^-1 g satisfies the trust region "
     "D_KL <= a to second order",
     "on the quadratic model, as stated: a >= 1/2 D^T F D with D the step (F = d_pi-weighted "
     "softmax Fisher, F^-1 g = A_pi/(1-g) up to per-state constants); the finite step's "
     "mean KL(pi || pi_step)/a at a, a/100, a/10^4 is reported in the note, not judged",
     NULL},
    {"course.c6", "GAE written as sum_{i=1}^T (g l)^i A^(i) (no (1-l) factor)",
     "checked as an identity: the written sum against sum_l (g l)^l delta_{t+l} on a finite "
     "sampled trajectory (the sum over the T - t steps left)", NULL},
    {"course.c7", "self-normalized importance sampling (weights divided by their sum Z) is unbiased",
     "checked as an identity: the exact expectation (all A^n tuples, n = 2 or 3 samples, p and q "
     "of full support) of sum_k w_k f(a_k) / sum_k w_k against E_p[f]", NULL},
    {"course.c8", "subtracting a baseline b never increases the variance of the gradient estimate",
     "checked as a bound on a softmax bandit: tr Cov[grad log pi(a) f(a)] >= "
     "tr Cov[grad log pi(a) (f(a) - b)] for a constant b (exact expectations)", NULL},
};

const thy_reading *thy_reading_find(const char *id) {
  for (size_t i = 0; i < sizeof readings / sizeof *readings; i++)
    if (!strcmp(readings[i].id, id)) return &readings[i];
  return NULL;
}
