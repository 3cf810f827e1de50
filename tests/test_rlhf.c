/* tests/test_rlhf.c — preferences, the reward model and the KL-regularized optimum against
 * truth (issue 22 item 6): the Bradley–Terry gradient by finite differences; a tabular
 * reward recovered exactly (up to a constant) from the infinite-label limit, and closely from
 * many sampled labels; the labeler's frequencies; soft value iteration against the soft
 * Bellman equation and against random policies. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "algorithms/preferences.h"
#include "algorithms/reward_model.h"
#include "check.h"
#include "core/rng.h"
#include "theory/soft.h"

/* n random segments of k steps over N indices, returns from r (N) */
static void random_segments(alg_pref_data *d, size_t n, size_t N, const double *r, gsl_rng *g) {
  size_t idx[64];
  for (size_t i = 0; i < n; i++) {
    double R = 0;
    for (size_t t = 0; t < d->k; t++) R += r[idx[t] = gsl_rng_uniform_int(g, N)];
    alg_pref_add_segment(d, idx, NULL, R, 0, NULL);
  }
}

static void test_gradient(void) {
  gsl_rng *g = tr_rng_alloc(1);
  double r[12];
  for (int i = 0; i < 12; i++) r[i] = gsl_rng_uniform(g) * 2 - 1;
  /* kinds 0-2: a table, an embedding MLP (its first layer the reward model's own, through
   * nn_activate), an MLP on features; tanh; kinds 3-4: the two MLPs with softplus */
  for (int kind = 0; kind < 5; kind++) {
    size_t k = 4, nh = kind == 0 ? 0 : 2, I = kind == 2 || kind == 4 ? 5 : 0, N = I ? 0 : 12;
    nn_activation act = kind >= 3 ? NN_SOFTPLUS : NN_TANH;
    alg_pref_data *d = alg_pref_data_alloc(k, I);
    if (I) {
      double x[4 * 5];
      for (size_t i = 0; i < 30; i++) {
        for (size_t j = 0; j < k * I; j++) x[j] = gsl_rng_uniform(g) - 0.5;
        alg_pref_add_segment(d, NULL, x, gsl_rng_uniform(g), 0, NULL);
      }
    } else random_segments(d, 30, N, r, g);
    for (size_t q = 0; q < 15; q++) {
      size_t seg[2] = {2 * q, 2 * q + 1};
      alg_pref_label(d, seg, 2, 0.5, 0.2, 0, 0, g);
    }
    alg_rm *rm = alg_rm_alloc(N, I, 1, nh, 6, act, 0, k, 4, g);
    CHECK(rm != NULL, "alloc kind %d", kind);
    if (!rm) continue;
    double *p = rm->params, *grad = malloc(rm->P * sizeof *grad), l, lp, lm;
    for (size_t i = 0; i < rm->P; i++) p[i] += 0.3 * (gsl_rng_uniform(g) - 0.5);
    CHECK(!alg_rm_bt_loss(rm, p, d, NULL, 0, &l, grad), "loss");
    double worst = 0;
    for (size_t i = 0; i < rm->P; i++) {
      double h = 1e-6, p0 = p[i];
      p[i] = p0 + h, alg_rm_bt_loss(rm, p, d, NULL, 0, &lp, NULL);
      p[i] = p0 - h, alg_rm_bt_loss(rm, p, d, NULL, 0, &lm, NULL);
      p[i] = p0;
      worst = fmax(worst, fabs((lp - lm) / (2 * h) - grad[i]));
    }
    CHECK(worst < 1e-8, "kind %d: BT gradient vs central differences: max error %g", kind, worst);
    /* the loss itself from its definition */
    double want = 0;
    for (size_t c = 0; c < d->n_cmp; c++) {
      double ra = 0, rb = 0, out[4];
      const alg_pref_cmp *q = &d->cmp[c];
      alg_rm_member(rm, p, I ? NULL : d->idx + q->a * k, I ? d->feat + q->a * k * I : NULL, k, out);
      for (size_t t = 0; t < k; t++) ra += out[t];
      alg_rm_member(rm, p, I ? NULL : d->idx + q->b * k, I ? d->feat + q->b * k * I : NULL, k, out);
      for (size_t t = 0; t < k; t++) rb += out[t];
      double s = 1 / (1 + exp(-(ra - rb)));
      want -= q->mu * log(s) + (1 - q->mu) * log(1 - s);
    }
    CHECK_CLOSE(l, want / (double)d->n_cmp, 1e-12, 1e-12, "BT loss by definition");
    free(grad);
    alg_rm_free(rm);
    alg_pref_data_free(d);
  }
  gsl_rng_free(g);
}

/* A 2-state, 2-action reward (N = 4 indices) from comparisons of 3-step segments. */
static void test_recovery(void) {
  const double r[4] = {0.3, -0.5, 1.0, 0.1};
  gsl_rng *g = tr_rng_alloc(2);
  for (int soft = 1; soft >= 0; soft--) {
    size_t k = 3, nseg = soft ? 200 : 40000;
    alg_pref_data *d = alg_pref_data_alloc(k, 0);
    random_segments(d, nseg, 4, r, g);
    for (size_t q = 0; q < nseg / 2; q++) {
      size_t seg[2] = {2 * q, 2 * q + 1};
      alg_pref_label(d, seg, 2, 1.0, 0.0, soft, 0, g);
    }
    alg_rm *rm = alg_rm_alloc(4, 0, 1, 0, 1, NN_TANH, 0, k, soft ? 100 : 64, g);
    /* soft: full batches to the minimum; sampled: minibatches, then full batches */
    if (soft) /* Adam with a falling rate, to the minimum's round-off */
      for (double lr = 0.05; lr > 1e-7; lr /= 10) CHECK(!alg_rm_train(rm, d, 3000, 100, lr, g), "train");
    else {
      CHECK(!alg_rm_train(rm, d, 20, 64, 0.01, g), "train");
      alg_rm_train(rm, d, 3, 20000, 1e-3, g);
    }
    double c = rm->params[0] + rm->params[4] - r[0], worst = 0;
    for (size_t i = 1; i < 4; i++) worst = fmax(worst, fabs(rm->params[i] + rm->params[4] - r[i] - c));
    if (soft)
      CHECK(worst < 1e-9, "infinite-label limit: r_hat - r not constant: max deviation %g", worst);
    else
      CHECK(worst < 0.05, "%zu sampled BT labels: r_hat - r off a constant by %g", nseg / 2, worst);
    alg_rm_free(rm);
    alg_pref_data_free(d);
  }
  gsl_rng_free(g);
}

static void test_labeler(void) {
  gsl_rng *g = tr_rng_alloc(3);
  alg_pref_data *d = alg_pref_data_alloc(1, 0);
  size_t idx = 0;
  double R[4] = {1.0, 0.0, 0.0, 2.0};
  for (int i = 0; i < 4; i++) alg_pref_add_segment(d, &idx, NULL, R[i], 0, NULL);
  size_t s01[2] = {0, 1}, s12[2] = {1, 2};
  alg_pref_label(d, s01, 2, 0, 0, 0, 0, g);
  alg_pref_label(d, s12, 2, 0, 0, 0, 0, g);
  CHECK(d->cmp[0].mu == 1 && d->cmp[1].mu == 0.5, "oracle: %g (1), tie %g (0.5)", d->cmp[0].mu,
        d->cmp[1].mu);
  size_t s4[4] = {0, 1, 2, 3};
  alg_pref_label(d, s4, 4, 0, 0, 0, 0, g);
  CHECK(d->n_cmp == 2 + 6, "a ranking of 4 gives 6 pairs: %zu", d->n_cmp - 2);
  int ok = 1;
  for (size_t c = 2; c < d->n_cmp; c++) {
    double ra = R[d->cmp[c].a], rb = R[d->cmp[c].b];
    ok &= d->cmp[c].mu == (ra > rb ? 1.0 : ra < rb ? 0.0 : 0.5);
  }
  CHECK(ok, "oracle ranking consistent with the returns");
  /* BT frequency at τ = 2: P = σ(1/2); ε = 0.3 mixes in ½ */
  size_t n = 40000, wins = 0, rnd = 0, n0 = d->n_cmp;
  for (size_t i = 0; i < n; i++) alg_pref_label(d, s01, 2, 2.0, 0.3, 0, 0, g);
  for (size_t c = n0; c < d->n_cmp; c++) wins += d->cmp[c].mu == 1, rnd += d->cmp[c].random;
  double want = 0.7 / (1 + exp(-0.5)) + 0.3 * 0.5;
  CHECK_CLOSE((double)wins / n, want, 4 * sqrt(want * (1 - want) / n), 0, "BT + epsilon frequency");
  CHECK_CLOSE((double)rnd / n, 0.3, 4 * sqrt(0.21 / n), 0, "random answers");
  alg_pref_data_free(d);
  /* cutting: episodes shorter than k give nothing; an episode of 7 with k = 3 gives 2 */
  d = alg_pref_data_alloc(3, 0);
  size_t st[7] = {0, 1, 2, 3, 4, 5, 6}, made = 0;
  double rw[7] = {1, 1, 1, 1, 1, 1, 1};
  unsigned char done2[7] = {0, 1, 0, 0, 0, 0, 0}, done7[7] = {0, 0, 0, 0, 0, 0, 1};
  alg_pref_add_steps(d, st, NULL, rw, done2, 2, 0, g, &made);
  CHECK(made == 0 && d->n_seg == 0, "an episode of 2 steps gives no segment of 3");
  alg_pref_add_steps(d, st, NULL, rw, done7, 7, 1, g, &made);
  CHECK(made == 2 && d->ret[0] == 3 && d->source[1] == 1, "7 steps: 2 segments (%zu)", made);
  CHECK(d->idx[3] == d->idx[0] + 3, "consecutive segments");
  alg_pref_data_free(d);
  gsl_rng_free(g);
}

static void test_soft(void) {
  gsl_rng *g = tr_rng_alloc(4);
  size_t S = 4, A = 3;
  double *P = calloc(S * A * S, sizeof *P), r[12], ref[12], pi[12], V[4], pib[12];
  for (size_t i = 0; i < S * A; i++) {
    double z = 0;
    for (size_t j = 0; j < S; j++) z += P[i * S + j] = gsl_rng_uniform(g);
    for (size_t j = 0; j < S; j++) P[i * S + j] /= z;
    r[i] = gsl_rng_uniform(g);
  }
  for (size_t s = 0; s < S; s++) {
    double z = 0;
    for (size_t a = 0; a < A; a++) z += ref[s * A + a] = 0.2 + gsl_rng_uniform(g);
    for (size_t a = 0; a < A; a++) ref[s * A + a] /= z;
  }
  mdp *m = mdp_alloc_dense(S, A, 0.9, P, r, NULL);
  double beta = 0.3, J, Jb;
  size_t it;
  CHECK(!thy_soft_optimum(&J, V, pi, m, ref, beta, &it), "soft optimum");
  /* the soft Bellman equation */
  double worst = 0, Q[12];
  thy_q_from_v(Q, m, V);
  for (size_t s = 0; s < S; s++) {
    double z = 0;
    for (size_t a = 0; a < A; a++) z += ref[s * A + a] * exp(Q[s * A + a] / beta);
    worst = fmax(worst, fabs(V[s] - beta * log(z)));
    for (size_t a = 0; a < A; a++)
      worst = fmax(worst, fabs(pi[s * A + a] - ref[s * A + a] * exp((Q[s * A + a] - V[s]) / beta)));
  }
  CHECK(worst < 1e-10, "soft Bellman residual %g (%zu iterations)", worst, it);
  CHECK(!thy_soft_evaluate(&Jb, m, pi, ref, beta, NULL), "evaluate");
  CHECK_CLOSE(Jb, J, 1e-12, 1e-12, "J_beta(pi_beta) = mu^T V");
  int ok = 1;
  for (int trial = 0; trial < 500; trial++) { /* no policy does better */
    for (size_t s = 0; s < S; s++) {
      double z = 0;
      for (size_t a = 0; a < A; a++)
        z += pib[s * A + a] = trial < 250 ? gsl_rng_uniform(g)
                                          : pi[s * A + a] * exp(0.05 * gsl_ran_flat(g, -1, 1));
      for (size_t a = 0; a < A; a++) pib[s * A + a] /= z;
    }
    double Jx;
    thy_soft_evaluate(&Jx, m, pib, ref, beta, NULL);
    ok &= Jx <= J + 1e-12;
  }
  CHECK(ok, "J_beta(pi) <= J_beta(pi_beta) for 500 other policies");
  /* β → 0: the optimum; β large: the reference */
  double Jstar, J0, Jbig, Jref;
  thy_soft_optimum(&Jstar, NULL, NULL, m, ref, 0.0, NULL);
  thy_soft_optimum(&J0, NULL, NULL, m, ref, 1e-4, NULL);
  CHECK(J0 <= Jstar + 1e-12 && Jstar - J0 < 1e-3 * 4, "beta->0: %g vs J* %g", J0, Jstar);
  thy_soft_optimum(&Jbig, NULL, pib, m, ref, 1e4, NULL);
  thy_soft_evaluate(&Jref, m, ref, ref, 0, NULL);
  CHECK_CLOSE(Jbig, Jref, 1e-3, 0, "beta large: J of pi_ref");
  CHECK(thy_soft_optimum(&J, NULL, NULL, m, ref, -1, NULL) == TR_EINVAL, "beta < 0 refused");
  tr_error_clear();
  mdp_free(m);
  free(P);
  gsl_rng_free(g);
}

int main(void) {
  test_gradient();
  test_recovery();
  test_labeler();
  test_soft();
  return check_done("test_rlhf");
}
