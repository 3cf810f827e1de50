/* tests/test_algos.c — the sample half against the exact half: sampled estimators and
 * algorithm steps on tabular MDPs, scored against exact truth (theory/exact, theory/softmax).
 *
 * Letters: S states, A actions, H the episode time limit, T steps in a batch, N episodes (or
 * vine states), L the vine rollout length, K actions per vine state, P parameters.
 *
 * The MDP.  A Garnet with S = 6, A = 3, b = 3 (seed 11), rewards U(0,1), but γ = 0.9137 in
 * place of the generator's 0.99 (REFERENCES.md § 1; STYLE.md habit 12: a "high-entropy" γ so a
 * missing factor cannot hide), so an episode of H = 160 steps is long against the effective
 * horizon 1/(1−γ) ≈ 11.6 (γ^H ≈ 5e-7).  It reaches the sampler as an environment through an
 * `mdp:` file written to a temporary directory (the file format round-trips exactly, which
 * is checked), so the truth and the sampled environment are the same MDP bit for bit.
 *
 * Statistical level.  Every sampled-vs-exact comparison is a two-sided z-test at 5 standard
 * errors, per coordinate: |mean − truth| ≤ 5·SE, SE = sample std / sqrt(number of independent
 * samples).  Under the null a coordinate fails with probability 5.7e-7 (normal approximation;
 * a: 30,000 episodes; b: every pair visited in ≥ 1000 episodes; c: ≥ 300 samples per pair),
 * so a family of ≤ 50 coordinates fails by chance with probability < 3e-5.  The seeds are
 * fixed, so the outcome is deterministic anyway; the level says how surprising a failure after
 * an honest change of seeds would be (12 other seeds gave max |z| ≤ 3.2 in a, b and c, as
 * expected of the largest of 18 normals).  Each test also runs a deliberately wrong estimator
 * through the same test and asserts that it FAILS (the test has power against that mistake):
 * a: the true gradient scaled by 1.1 (measured max z ≈ 15) and the estimator without γ^t;
 * b: a stale baseline (the uniform policy's V); c: rollouts without the bootstrap γ^L V(s_L).
 * Independence: per-episode gradient estimates are i.i.d. (each batch holds whole episodes);
 * visits of one (s,a) within an episode are correlated, so the advantage test uses the
 * cluster-robust (per-episode) standard error of a ratio estimator; vine Q estimates from
 * distinct vine states use distinct random streams.
 *
 * Truth:
 *   a. ∇J(θ) = d(s) π(a|s) A_π(s,a)/(1−γ) (thy_softmax_grad) for the estimator per episode
 *      ĝ = Σ_{t<H} γ^t Â_t ∇_θ log π(a_t|s_t), ∇_{θ_s} log π(a|s) = e_a − π_s, Â from alg_gae
 *      with λ = 1 and the exact V (values and time-limit bootstrap).  E ĝ is the H-step sum
 *      g_H = Σ_{t<H} γ^t Σ_s (μᵀP_π^t)(s) Σ_a π(a|s) A(s,a)(e_a − π_s), computed here exactly
 *      as an independent check that H is long enough (|g_H − ∇J| ≤ 1e-6·max|∇J|).
 *   b. E[Â_t | s_t = s, a_t = a] = A_π(s,a) (GAE with λ = 1 and the exact V is unbiased at every
 *      step, bootstrapped truncations included).
 *   c. E[Q̂(s,a)] = Q_π(s,a) for vine rollouts Q̂ = Σ_{l<L} γ^l r_l + γ^L V_π(s_L).
 *   d. TRPO: sampled mean KL ≤ target_kl and surrogate gain > 0 whenever a step is accepted
 *      (recomputed here from the parameters before and after); NPG: KL near δ.
 *   e. CPI (AJKS): J(π_{k+1}) − J(π_k) ≥ (α/(1−γ))(𝔸 − 2αγ/(1−γ)²) for r ∈ [0,1]
 *      (REFERENCES.md § 2, item 11), with 𝔸 and α recomputed here from exact values.
 *   f. Determinism: the same seed gives bit-identical parameters (memcmp).
 *   g. REINFORCE: without a baseline its mean is the exact (H-step) policy gradient; with the
 *      exact V as baseline its variance is lower where rewards carry a large constant. */
#define _GNU_SOURCE
#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algorithms/advantage.h"
#include "algorithms/rollout.h"
#include "algorithms/run.h"
#include "core/rng.h"
#include "mdps/env.h"
#include "mdps/generators.h"
#include "mdps/mdpfile.h"
#include "tests/check.h"
#include "theory/exact.h"
#include "theory/softmax.h"

void alg_cpi_last_step(const alg_run *run, double *bound, double *advantage);
const double *alg_cpi_last_greedy(const alg_run *run, double *advantage_same);

#define Z_LEVEL 5.0   /* the z-test's critical value (two-sided, per coordinate) */
#define GAMMA 0.9137  /* the test MDP's discount */
#define H_EP 160      /* episode time limit: γ^H ≈ 5.4e-7 */

/* ---- the test MDP as an environment ------------------------------------------------- */

static char tmp_dir[64], tmp_file[128];

/* garnet(6, 3, 3, seed 11) with γ = GAMMA, as the environment "mdp:<tmp>/garnet.mdp". */
static env_model *test_env(void) {
  gsl_rng *r = tr_rng_alloc(11);
  mdp *g = mdp_garnet_alloc(6, 3, 3, GAMMA, r);
  gsl_rng_free(r);
  if (!g) return NULL;
  snprintf(tmp_dir, sizeof tmp_dir, "/tmp/test_algos.XXXXXX");
  if (!mkdtemp(tmp_dir)) {
    mdp_free(g);
    return NULL;
  }
  snprintf(tmp_file, sizeof tmp_file, "%s/garnet.mdp", tmp_dir);
  char name[160];
  snprintf(name, sizeof name, "mdp:%s", tmp_file);
  env_model *em = mdp_write_file(g, tmp_file) ? NULL : env_model_alloc(name);
  if (em) { /* the file round-trips exactly: the sampled MDP is the exact one */
    const mdp *m = env_model_mdp(em);
    size_t S = g->S, A = g->A;
    int same = m && m->S == S && m->A == A && m->gamma == g->gamma;
    for (size_t k = 0; same && k < S * A; k++) same = m->r[k] == g->r[k];
    for (size_t s = 0; same && s < S; s++) same = m->mu[s] == g->mu[s];
    for (size_t s = 0; same && s < S; s++)
      for (size_t a = 0; a < A; a++)
        for (size_t s2 = 0; s2 < S; s2++) same &= mdp_prob(m, s, a, s2) == mdp_prob(g, s, a, s2);
    CHECK(same, "the garnet read back from %s differs from the one written", tmp_file);
  }
  mdp_free(g);
  return em;
}

/* The file stays for runs that load it by name (cpi below); removed at the end. */
static void test_env_cleanup(void) {
  if (tmp_file[0]) remove(tmp_file);
  if (tmp_dir[0]) rmdir(tmp_dir);
}

/* ---- a tabular softmax policy as the sampler's callback ------------------------------ */

typedef struct {
  size_t S, A;
  const double *pi;    /* (S, A) */
  const double *logpi; /* (S, A) */
  const double *V;     /* (S) for the value callback */
} tab_ctx;

static size_t onehot_index(const double *row, size_t S) {
  size_t best = 0;
  for (size_t s = 1; s < S; s++)
    if (row[s] > row[best]) best = s;
  return best;
}

/* a ~ π(·|s) by inverse CDF, s the one-hot observation's index. */
static tr_status tab_act(void *ctx, const double *obs, size_t B, gsl_rng *r, double *act,
                         double *logp) {
  const tab_ctx *c = ctx;
  for (size_t b = 0; b < B; b++) {
    size_t s = onehot_index(obs + b * c->S, c->S), a = 0;
    double u = gsl_rng_uniform(r), cum = c->pi[s * c->A];
    while (u >= cum && a + 1 < c->A) cum += c->pi[s * c->A + ++a];
    act[b] = (double)a;
    if (logp) logp[b] = c->logpi[s * c->A + a];
  }
  return TR_OK;
}

static tr_status tab_value(void *ctx, const double *obs, size_t B, double *v) {
  const tab_ctx *c = ctx;
  for (size_t b = 0; b < B; b++) v[b] = c->V[onehot_index(obs + b * c->S, c->S)];
  return TR_OK;
}

/* ---- statistics --------------------------------------------------------------------- */

/* Running mean and M2 of D-vectors (Welford). */
typedef struct {
  size_t D;
  double n, *mean, *m2;
} wstat;

static void wstat_init(wstat *w, size_t D) {
  w->D = D;
  w->n = 0;
  w->mean = calloc(D, sizeof *w->mean);
  w->m2 = calloc(D, sizeof *w->m2);
}
static void wstat_free(wstat *w) { free(w->mean), free(w->m2); }
static void wstat_add(wstat *w, const double *x) {
  w->n += 1;
  for (size_t k = 0; k < w->D; k++) {
    double d = x[k] - w->mean[k];
    w->mean[k] += d / w->n;
    w->m2[k] += d * (x[k] - w->mean[k]);
  }
}
/* The standard error of the mean of coordinate k. */
static double wstat_se(const wstat *w, size_t k) { return sqrt(w->m2[k] / (w->n - 1) / w->n); }

/* max_k |mean_k − truth_k| / SE_k over the D coordinates (coordinates with SE = 0 must match
 * exactly: an infinite z otherwise). */
static double wstat_max_z(const wstat *w, const double *truth) {
  double zmax = 0;
  for (size_t k = 0; k < w->D; k++) {
    double se = wstat_se(w, k), diff = fabs(w->mean[k] - truth[k]);
    double z = se > 0 ? diff / se : (diff > 0 ? INFINITY : 0);
    if (!(z <= zmax)) zmax = z;
  }
  return zmax;
}

/* Ratio estimator m = Σ_e X_e / Σ_e n_e per cell (a cell: one (s,a)), clustered by episode:
 * SE = sqrt(Σ_e (X_e − m n_e)²) / Σ_e n_e  (the cluster-robust / delta-method standard error).
 * Σ_e (X_e − m n_e)² = Σ X² − 2mΣXn + m²Σn², accumulated as sums. */
typedef struct {
  size_t D;
  double *sx, *sn, *sxx, *sxn, *snn, *ne; /* (D) each; ne: episodes with a visit */
} cstat;

static void cstat_init(cstat *c, size_t D) {
  c->D = D;
  c->sx = calloc(D, sizeof(double)), c->sn = calloc(D, sizeof(double));
  c->sxx = calloc(D, sizeof(double)), c->sxn = calloc(D, sizeof(double));
  c->snn = calloc(D, sizeof(double)), c->ne = calloc(D, sizeof(double));
}
static void cstat_free(cstat *c) {
  free(c->sx), free(c->sn), free(c->sxx), free(c->sxn), free(c->snn), free(c->ne);
}
/* one episode's per-cell sums x (D) and visit counts n (D) */
static void cstat_add(cstat *c, const double *x, const double *n) {
  for (size_t k = 0; k < c->D; k++) {
    if (n[k] == 0) continue;
    c->sx[k] += x[k], c->sn[k] += n[k];
    c->sxx[k] += x[k] * x[k], c->sxn[k] += x[k] * n[k], c->snn[k] += n[k] * n[k];
    c->ne[k] += 1;
  }
}
static double cstat_mean(const cstat *c, size_t k) { return c->sx[k] / c->sn[k]; }
static double cstat_se(const cstat *c, size_t k) {
  double m = cstat_mean(c, k);
  double ss = c->sxx[k] - 2 * m * c->sxn[k] + m * m * c->snn[k];
  return sqrt(fmax(ss, 0.0)) / c->sn[k];
}
/* max z over cells with at least min_ep episodes visiting; *used gets their count. */
static double cstat_max_z(const cstat *c, const double *truth, double min_ep, size_t *used) {
  double zmax = 0;
  *used = 0;
  for (size_t k = 0; k < c->D; k++) {
    if (c->ne[k] < min_ep) continue;
    (*used)++;
    double z = fabs(cstat_mean(c, k) - truth[k]) / cstat_se(c, k);
    if (!(z <= zmax)) zmax = z;
  }
  return zmax;
}

/* ---- a, b: the policy gradient and GAE(λ = 1) from single-path batches ---------------- */

/* g_H = Σ_{t<H} γ^t Σ_s p_t(s) Σ_a π(a|s) A(s,a) (e_a − π_s), p_t = μᵀ P_π^t: the exact mean of
 * the H-step estimator.  Since Σ_a π A = 0, the (s,a) entry is Σ_t γ^t p_t(s) π(a|s) A(s,a). */
static void gradient_h_steps(double *gH, const mdp *m, const double *pi, const double *Adv,
                             size_t H) {
  size_t S = m->S, A = m->A;
  double *p = malloc(S * sizeof *p), *q = malloc(S * sizeof *q), *Ppi = malloc(S * S * sizeof *Ppi);
  double *w = calloc(S, sizeof *w); /* Σ_t γ^t p_t(s) */
  thy_policy_transition(Ppi, m, pi);
  memcpy(p, m->mu, S * sizeof *p);
  double disc = 1;
  for (size_t t = 0; t < H; t++) {
    for (size_t s = 0; s < S; s++) w[s] += disc * p[s];
    for (size_t s2 = 0; s2 < S; s2++) {
      q[s2] = 0;
      for (size_t s = 0; s < S; s++) q[s2] += p[s] * Ppi[s * S + s2];
    }
    memcpy(p, q, S * sizeof *p);
    disc *= m->gamma;
  }
  for (size_t s = 0; s < S; s++)
    for (size_t a = 0; a < A; a++) gH[s * A + a] = w[s] * pi[s * A + a] * Adv[s * A + a];
  free(p), free(q), free(Ppi), free(w);
}

#define PG_EPISODES 30000 /* episodes for a and b */
#define PG_BATCH 100      /* episodes per sampled batch */

static void test_gradient_and_gae(env_model *em) {
  const mdp *m = env_model_mdp(em);
  size_t S = m->S, A = m->A, D = S * A, H = H_EP, T = PG_BATCH * H;
  double g = m->gamma;
  env_model_set_time_limit(em, H);
  /* random logits θ ~ N(0, 1) */
  gsl_rng *r = tr_rng_alloc(20240611);
  double *theta = malloc(D * sizeof *theta), *pi = malloc(D * sizeof *pi);
  double *logpi = malloc(D * sizeof *logpi), *grad = malloc(D * sizeof *grad);
  double *gH = malloc(D * sizeof *gH), *wrong = calloc(D, sizeof *wrong);
  for (size_t k = 0; k < D; k++) theta[k] = gsl_ran_gaussian(r, 1.0);
  gsl_rng_free(r);
  thy_softmax(pi, theta, S, A);
  thy_log_softmax(logpi, theta, S, A);
  thy_values *ex = thy_values_alloc(S, A), *stale = thy_values_alloc(S, A);
  CHECK(thy_softmax_grad(grad, m, theta, ex) == TR_OK, "exact gradient: %s", tr_error_msg());
  /* a stale baseline: the uniform policy's V (a value function one policy behind) */
  double *unif = malloc(D * sizeof *unif);
  thy_policy_uniform(unif, S, A);
  CHECK(thy_evaluate(stale, m, unif, THY_SOLVER_AUTO, NULL) == TR_OK, "uniform V");
  /* the horizon H is long enough: the H-step mean equals ∇J up to γ^H terms */
  gradient_h_steps(gH, m, pi, ex->Adv, H);
  double gmax = 0, hgap = 0;
  for (size_t k = 0; k < D; k++) {
    gmax = fmax(gmax, fabs(grad[k]));
    hgap = fmax(hgap, fabs(gH[k] - grad[k]));
  }
  CHECK(hgap <= 1e-6 * gmax, "H = %zu too short: |g_H − ∇J| = %g (max |∇J| = %g)", H, hgap, gmax);

  tab_ctx ctx = {S, A, pi, logpi, ex->V};
  alg_sampler *smp = alg_sampler_alloc(em, 1, 7);
  alg_batch *b = alg_batch_alloc(T, S, 1);
  double *vals = malloc(T * sizeof *vals), *vboot = malloc(T * sizeof *vboot);
  double *vnext = malloc(T * sizeof *vnext), *adv = malloc(T * sizeof *adv);
  double *adv2 = malloc(T * sizeof *adv2);
  double *ge = malloc(D * sizeof *ge), *ge_nodisc = malloc(D * sizeof *ge_nodisc);
  double *x = malloc(D * sizeof *x), *x2 = malloc(D * sizeof *x2), *nv = malloc(D * sizeof *nv);
  wstat wg, wg_nodisc;
  cstat ca, ca_stale;
  wstat_init(&wg, D), wstat_init(&wg_nodisc, D);
  cstat_init(&ca, D), cstat_init(&ca_stale, D);
  int layout_ok = 1;
  tr_status st = TR_OK;
  for (size_t batch = 0; batch < PG_EPISODES / PG_BATCH && !st; batch++) {
    if ((st = alg_sample_single_path(b, smp, T, tab_act, &ctx))) break;
    /* exact values, and the bootstrap at every truncation (the time limit) */
    for (size_t t = 0; t < T; t++) {
      vals[t] = ex->V[b->state[t]];
      vboot[t] = b->trunc[t] ? ex->V[onehot_index(b->next_obs + t * S, S)] : NAN;
      layout_ok &= b->trunc[t] == (t % H == H - 1) && !b->term[t];
    }
    if ((st = alg_next_values(vnext, vals, vboot, b->term, b->trunc, T, 1))) break;
    if ((st = alg_gae(adv, NULL, b->rew, vals, vnext, b->term, b->trunc, T, 1, g, 1.0))) break;
    /* the same with the stale baseline (values and bootstrap) */
    for (size_t t = 0; t < T; t++) {
      vals[t] = stale->V[b->state[t]];
      if (b->trunc[t]) vboot[t] = stale->V[onehot_index(b->next_obs + t * S, S)];
    }
    if ((st = alg_next_values(vnext, vals, vboot, b->term, b->trunc, T, 1))) break;
    if ((st = alg_gae(adv2, NULL, b->rew, vals, vnext, b->term, b->trunc, T, 1, g, 1.0))) break;
    for (size_t e = 0; e < PG_BATCH; e++) {
      memset(ge, 0, D * sizeof *ge), memset(ge_nodisc, 0, D * sizeof *ge_nodisc);
      memset(x, 0, D * sizeof *x), memset(x2, 0, D * sizeof *x2), memset(nv, 0, D * sizeof *nv);
      double disc = 1;
      for (size_t t = e * H; t < (e + 1) * H; t++, disc *= g) {
        size_t s = b->state[t], a = (size_t)b->act[t];
        for (size_t c = 0; c < A; c++) { /* ∇_{θ_s} log π(a|s) = e_a − π_s */
          double dl = (c == a) - pi[s * A + c];
          ge[s * A + c] += disc * adv[t] * dl;
          ge_nodisc[s * A + c] += adv[t] * dl;
        }
        x[s * A + a] += adv[t], x2[s * A + a] += adv2[t], nv[s * A + a] += 1;
      }
      wstat_add(&wg, ge), wstat_add(&wg_nodisc, ge_nodisc);
      cstat_add(&ca, x, nv), cstat_add(&ca_stale, x2, nv);
    }
  }
  CHECK(st == TR_OK, "sampling: %s", tr_error_msg());
  CHECK(layout_ok, "episodes are not whole H-step blocks truncated at their end");
  /* a. unbiased gradient, and power against ×1.1 and against dropping γ^t */
  for (size_t k = 0; k < D; k++) wrong[k] = 1.1 * grad[k];
  double z = wstat_max_z(&wg, grad), z_scaled = wstat_max_z(&wg, wrong);
  double z_nodisc = wstat_max_z(&wg_nodisc, grad), semax = 0;
  for (size_t k = 0; k < D; k++) semax = fmax(semax, wstat_se(&wg, k));
  printf("a. policy gradient, %.0f episodes: max z %.2f (max SE %.3g, max |grad| %.3g); "
         "wrong: x1.1 z %.1f, no gamma^t z %.1f\n", wg.n, z, semax, gmax, z_scaled, z_nodisc);
  CHECK(z <= Z_LEVEL, "sampled policy gradient differs from thy_softmax_grad: max z = %.2f", z);
  CHECK(z_scaled > Z_LEVEL, "no power: 1.1 x the true gradient passes (max z = %.2f)", z_scaled);
  CHECK(z_nodisc > Z_LEVEL, "no power: the estimator without gamma^t passes (max z = %.2f)",
        z_nodisc);
  /* b. GAE(λ = 1) with the exact V is unbiased for A_π; a stale V is caught */
  size_t used, used2;
  double za = cstat_max_z(&ca, ex->Adv, 1000, &used);
  double za_stale = cstat_max_z(&ca_stale, ex->Adv, 1000, &used2);
  printf("b. GAE(lambda=1) advantage, %zu pairs with >= 1000 episodes: max z %.2f; "
         "stale V z %.1f\n", used, za, za_stale);
  CHECK(used == D, "only %zu of %zu state-action pairs visited in 1000 episodes", used, D);
  CHECK(za <= Z_LEVEL, "mean GAE(λ=1) advantage differs from A_π: max z = %.2f", za);
  CHECK(za_stale > Z_LEVEL, "no power: a stale baseline passes (max z = %.2f)", za_stale);

  wstat_free(&wg), wstat_free(&wg_nodisc);
  cstat_free(&ca), cstat_free(&ca_stale);
  alg_sampler_free(smp);
  alg_batch_free(b);
  thy_values_free(ex), thy_values_free(stale);
  free(theta), free(pi), free(logpi), free(grad), free(gH), free(wrong), free(unif);
  free(vals), free(vboot), free(vnext), free(adv), free(adv2), free(ge), free(ge_nodisc);
  free(x), free(x2), free(nv);
}

/* ---- c: vine Q estimates ------------------------------------------------------------ */

#define VINE_CALLS 40
#define VINE_TRUNK 1000
#define VINE_STATES 250
#define VINE_L 25 /* γ^L ≈ 0.105: the bootstrap matters */

/* Per (s,a) statistics of the vine's Q estimates over VINE_CALLS trunks; bootstrap with the
 * exact V or not.  Returns max z against Q; *n_min the fewest samples of a pair. */
static double vine_max_z(env_model *em, const tab_ctx *ctx, const double *Q, int bootstrap,
                         uint64_t seed, double *n_min) {
  const mdp *m = env_model_mdp(em);
  size_t S = m->S, A = m->A;
  alg_sampler *smp = alg_sampler_alloc(em, 1, seed);
  alg_batch *trunk = alg_batch_alloc(VINE_TRUNK, S, 1);
  alg_vine *v = alg_vine_alloc(VINE_STATES, A, S, 1);
  gsl_rng *r = tr_rng_derive(seed, "test-vine");
  double *n = calloc(S * A, sizeof *n), *sum = calloc(S * A, sizeof *sum);
  double *sum2 = calloc(S * A, sizeof *sum2);
  tr_status st = TR_OK;
  int shape_ok = 1;
  for (size_t call = 0; call < VINE_CALLS && !st; call++) {
    if ((st = alg_sample_single_path_snap(trunk, smp, VINE_TRUNK, tab_act, (void *)ctx))) break;
    if ((st = alg_sample_vine(v, smp, trunk, VINE_STATES, A, VINE_L, m->gamma, tab_act,
                              (void *)ctx, bootstrap ? tab_value : NULL, (void *)ctx, r)))
      break;
    shape_ok &= v->n == VINE_STATES && v->k_used == A;
    for (size_t i = 0; i < v->n; i++)
      for (size_t k = 0; k < v->k_used; k++) {
        size_t s = v->state[i], a = (size_t)v->act[(i * v->K + k)];
        double q = v->q[i * v->K + k];
        shape_ok &= a == k && s == onehot_index(v->obs + i * S, S);
        n[s * A + a] += 1, sum[s * A + a] += q, sum2[s * A + a] += q * q;
      }
  }
  CHECK(st == TR_OK, "vine sampling: %s", tr_error_msg());
  CHECK(shape_ok, "vine: states, enumerated actions or counts are not as documented");
  double zmax = 0;
  *n_min = INFINITY;
  for (size_t k = 0; k < S * A; k++) {
    *n_min = fmin(*n_min, n[k]);
    if (n[k] < 2) continue;
    double mean = sum[k] / n[k], var = (sum2[k] - n[k] * mean * mean) / (n[k] - 1);
    double z = fabs(mean - Q[k]) / sqrt(fmax(var, 0) / n[k]);
    if (!(z <= zmax)) zmax = z;
  }
  gsl_rng_free(r);
  free(n), free(sum), free(sum2);
  alg_vine_free(v);
  alg_batch_free(trunk);
  alg_sampler_free(smp);
  return zmax;
}

static void test_vine(env_model *em) {
  const mdp *m = env_model_mdp(em);
  size_t S = m->S, A = m->A, D = S * A;
  env_model_set_time_limit(em, H_EP); /* rollouts near the limit are cut and bootstrapped */
  gsl_rng *r = tr_rng_alloc(99);
  double *theta = malloc(D * sizeof *theta), *pi = malloc(D * sizeof *pi);
  double *logpi = malloc(D * sizeof *logpi);
  for (size_t k = 0; k < D; k++) theta[k] = gsl_ran_gaussian(r, 1.0);
  gsl_rng_free(r);
  thy_softmax(pi, theta, S, A);
  thy_log_softmax(logpi, theta, S, A);
  thy_values *ex = thy_values_alloc(S, A);
  CHECK(thy_evaluate(ex, m, pi, THY_SOLVER_AUTO, NULL) == TR_OK, "exact Q");
  tab_ctx ctx = {S, A, pi, logpi, ex->V};
  double n1, n2;
  double z = vine_max_z(em, &ctx, ex->Q, 1, 5, &n1);
  /* power: without the bootstrap a rollout of L steps misses γ^L V(s_L) ≈ 0.1 V */
  double z_nb = vine_max_z(em, &ctx, ex->Q, 0, 5, &n2);
  printf("c. vine Q (L = %d, bootstrap V), >= %.0f samples per pair: max z %.2f; "
         "no bootstrap z %.1f\n", VINE_L, n1, z, z_nb);
  CHECK(n1 >= 300, "vine: only %.0f samples of some pair", n1); /* normal approximation */
  CHECK(z <= Z_LEVEL, "vine Q estimates differ from Q_π: max z = %.2f", z);
  CHECK(z_nb > Z_LEVEL, "no power: vine rollouts without the bootstrap pass (max z = %.2f)", z_nb);
  thy_values_free(ex);
  free(theta), free(pi), free(logpi);
}

/* ---- helpers for whole runs --------------------------------------------------------- */

/* A run of algorithm `algo` on a new model `env` with --set style assignments (NULL-ended). */
static alg_run *make_run(env_model **em, const char *algo, const char *env, uint64_t seed,
                         const char *const *sets) {
  *em = env_model_alloc(env);
  const alg_class *cls = alg_find(algo);
  if (!*em || !cls) {
    CHECK(0, "%s on %s: %s", algo, env, tr_error_msg());
    return NULL;
  }
  alg_config c;
  alg_run *run = NULL;
  tr_status st = alg_config_init(&c, cls);
  for (size_t i = 0; sets && sets[i] && !st; i++) st = alg_config_set(&c, sets[i]);
  if (!st) st = alg_run_alloc(&run, *em, &c, seed, 1000000);
  alg_config_clear(&c);
  CHECK(st == TR_OK, "%s on %s: %s", algo, env, tr_error_msg());
  return st ? NULL : run;
}

static void free_run(alg_run *run, env_model *em) {
  alg_run_free(run);
  env_model_free(em);
}

/* Independently of the algorithm: mean over the batch rows of KL(π_old ‖ π_new) of the
 * categorical logits, and the surrogate gain mean_t (π_new(a_t|s_t)/π_old(a_t|s_t) − 1) Â_t
 * (TRPO's L(θ) − L(θ_old) with run->state.adv, whose ratio at θ_old is 1). */
static void kl_and_gain(alg_run *run, const double *th_old, double *kl, double *gain) {
  size_t T = run->model.T, A = run->model.pol->K;
  pol_ws *ws = pol_ws_alloc(run->model.pol, T);
  double *z0 = malloc(T * A * sizeof *z0), *z1 = malloc(T * A * sizeof *z1);
  CHECK(pol_forward(run->model.pol, th_old, run->state.batch->obs, T, ws, z0) == TR_OK,
        "forward old");
  CHECK(pol_forward(run->model.pol, run->state.theta, run->state.batch->obs, T, ws, z1) == TR_OK,
        "forward new");
  double k_sum = 0, g_sum = 0;
  for (size_t t = 0; t < T; t++) {
    const double *p = z0 + t * A, *q = z1 + t * A;
    double mp = p[0], mq = q[0], sp = 0, sq = 0;
    for (size_t a = 1; a < A; a++) mp = fmax(mp, p[a]), mq = fmax(mq, q[a]);
    for (size_t a = 0; a < A; a++) sp += exp(p[a] - mp), sq += exp(q[a] - mq);
    double lsp = mp + log(sp), lsq = mq + log(sq), k = 0;
    for (size_t a = 0; a < A; a++) k += exp(p[a] - lsp) * ((p[a] - lsp) - (q[a] - lsq));
    k_sum += k;
    size_t a = (size_t)run->state.batch->act[t];
    g_sum += (exp((q[a] - lsq) - (p[a] - lsp)) - 1.0) * run->state.adv[t];
  }
  *kl = k_sum / (double)T;
  *gain = g_sum / (double)T;
  pol_ws_free(ws);
  free(z0), free(z1);
}

/* A choice spelled "exact" is read once, at alloc (model.uses_exact), not per iteration:
 * set for cpi's advantage=exact and value_function=exact, clear for the defaults; with it,
 * π_old's exact values are there on an iteration without diagnostics (exact_every). */
static void test_uses_exact(void) {
  static const char *const cpi_exact[] = {"advantage=exact", "n_steps=128", "exact_every=1000",
                                          NULL};
  static const char *const vf_exact[] = {"value_function=exact", "n_steps=128", "exact_every=1000",
                                         NULL};
  static const char *const plain[] = {"n_steps=128", NULL};
  struct {
    const char *algo;
    const char *const *sets;
    int want;
  } cases[] = {{"cpi", cpi_exact, 1}, {"ppo-clip", vf_exact, 1}, {"cpi", plain, 0},
               {"ppo-clip", plain, 0}, {"trpo", plain, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    env_model *em = NULL;
    alg_run *run = make_run(&em, cases[i].algo, "garnet:6,3,3,11", 5, cases[i].sets);
    CHECK(run && run->model.uses_exact == cases[i].want, "%s %s: uses_exact %d, want %d",
          cases[i].algo, cases[i].sets[0], run ? run->model.uses_exact : -1, cases[i].want);
    alg_iter_stats s;
    if (run && cases[i].want) {
      run->state.ex_old->J = NAN; /* evaluated again by the iteration, or left NaN */
      CHECK(alg_run_iterate(run, &s) == TR_OK && !s.bad[0] && isnan(s.exact_J) &&
                run->state.exact_valid == 0 && isfinite(run->state.ex_old->J),
            "%s: π_old evaluated without diagnostics (exact_every = 1000): %s", cases[i].algo,
            tr_error_msg());
    }
    free_run(run, em);
  }
}

/* ---- d: a TRPO step and an NPG step -------------------------------------------------- */

static void test_trpo_step(const char *env, uint64_t seed, size_t iters, size_t *accepted) {
  env_model *em;
  alg_run *run = make_run(&em, "trpo", env, seed, NULL);
  if (!run) return;
  double delta = NAN;
  CHECK(!alg_config_get(&run->model.cfg, "target_kl", &delta), "trpo has target_kl");
  size_t P = run->model.pol->P;
  double *th0 = malloc(P * sizeof *th0);
  for (size_t i = 0; i < iters; i++) {
    memcpy(th0, run->state.theta, P * sizeof *th0);
    alg_iter_stats s;
    tr_status st = alg_run_iterate(run, &s);
    CHECK(st == TR_OK && !s.bad[0], "trpo on %s: %s %s", env, tr_error_msg(), s.bad);
    if (st) break;
    double kl, gain;
    kl_and_gain(run, th0, &kl, &gain);
    CHECK_CLOSE(kl, s.kl_mean, 1e-12, 1e-6, "trpo: reported mean KL vs recomputed");
    CHECK_CLOSE(gain, s.surrogate_gain, 1e-12, 1e-6, "trpo: reported gain vs recomputed");
    /* the line-search columns agree with the step taken */
    CHECK(s.ls_rejected == (s.step_frac > 0 ? 0 : 1), "trpo: ls_rejected %g with step_frac %g",
          s.ls_rejected, s.step_frac);
    if (s.step_frac > 0)
      CHECK_CLOSE(s.step_frac, pow(0.8, s.ls_shrinks), 0, 1e-14, "trpo: step_frac vs 0.8^ls_shrinks");
    if (s.step_frac > 0) {
      (*accepted)++;
      CHECK(kl <= delta, "trpo on %s, iteration %zu: mean KL %.17g > target_kl %g", env, i, kl,
            delta);
      CHECK(gain > 0, "trpo on %s, iteration %zu: surrogate gain %g <= 0 after an accepted step",
            env, i, gain);
    } else {
      CHECK(memcmp(th0, run->state.theta, P * sizeof *th0) == 0,
            "trpo on %s: no step accepted but the parameters moved", env);
    }
    printf("d. trpo %s seed %llu iter %zu: step_frac %.4g, KL %.5g (delta %g), gain %.4g\n", env,
           (unsigned long long)seed, i, s.step_frac, kl, delta, gain);
  }
  free(th0);
  free_run(run, em);
}

/* TNPG (rllab's truncated NPG; trbench's npg before issue 9): the step Δθ = β s, β = sqrt(2δ / sᵀ(F + μI)s), makes the damped quadratic model of the
 * KL exactly δ:  ½ Δθᵀ(F + μI)Δθ = δ  (checked to 1e-6 relative, with F from pol_fvp over the
 * whole batch: fvp_fraction = 1 by default).  The sampled mean KL must then agree with the
 * undamped model ½ ΔθᵀFΔθ within 25% (the third-order terms: measured 1–3% at δ = 0.01), and,
 * where the damping μ is small against the Fisher's eigenvalues along s (band = 1), lie within
 * a factor 2 of δ: in [δ/2, 2δ] (measured 0.86–0.96 δ).  With the
 * default μ = 0.1 on a tabular softmax policy (Fisher eigenvalues ≈ d(s)π(1−π) ≈ 0.04) the
 * damped model leaves the KL well below δ, so the band is checked there with cg_damping=1e-3. */
static void test_tnpg_step(const char *env, uint64_t seed, size_t iters, const char *const *sets,
                           int band) {
  env_model *em;
  alg_run *run = make_run(&em, "tnpg", env, seed, sets);
  if (!run) return;
  double delta = NAN, mu = NAN;
  CHECK(!alg_config_get(&run->model.cfg, "target_kl", &delta) && !alg_config_get(&run->model.cfg, "cg_damping", &mu),
        "tnpg has target_kl and cg_damping");
  size_t P = run->model.pol->P, T = run->model.T;
  double *th0 = malloc(P * sizeof *th0), *step = malloc(P * sizeof *step),
         *Fv = malloc(P * sizeof *Fv);
  pol_ws *ws = pol_ws_alloc(run->model.pol, T);
  for (size_t i = 0; i < iters; i++) {
    memcpy(th0, run->state.theta, P * sizeof *th0);
    alg_iter_stats s;
    tr_status st = alg_run_iterate(run, &s);
    CHECK(st == TR_OK && !s.bad[0], "npg on %s: %s %s", env, tr_error_msg(), s.bad);
    if (st) break;
    double kl, gain;
    kl_and_gain(run, th0, &kl, &gain);
    CHECK_CLOSE(kl, s.kl_mean, 1e-12, 1e-6, "npg: reported mean KL vs recomputed");
    CHECK(s.step_frac == 1, "npg on %s: the step was skipped", env);
    double q = 0, n2 = 0;
    for (size_t k = 0; k < P; k++) step[k] = run->state.theta[k] - th0[k];
    CHECK(pol_forward(run->model.pol, th0, run->state.batch->obs, T, ws, NULL) == TR_OK &&
              pol_fvp(run->model.pol, th0, ws, step, T, 0.0, Fv) == TR_OK,
          "fvp: %s", tr_error_msg());
    for (size_t k = 0; k < P; k++) q += 0.5 * step[k] * Fv[k], n2 += 0.5 * step[k] * step[k];
    CHECK_CLOSE(q + mu * n2, delta, 0, 1e-6, "npg: damped quadratic KL model of the step vs delta");
    CHECK(kl >= 0.8 * q && kl <= 1.25 * q, "npg on %s, iteration %zu: mean KL %.5g vs quadratic "
          "model %.5g: not within 25%%", env, i, kl, q);
    if (band)
      CHECK(kl >= delta / 2 && kl <= 2 * delta, "npg on %s, iteration %zu: mean KL %.5g not in "
            "[delta/2, 2 delta], delta = %g", env, i, kl, delta);
    printf("d. tnpg %s (damping %g) seed %llu iter %zu: KL %.5g = %.3f delta, %.3f x the model "
           "1/2 dF d\n", env, mu, (unsigned long long)seed, i, kl, kl / delta, kl / q);
  }
  pol_ws_free(ws);
  free(th0), free(step), free(Fv);
  free_run(run, em);
}

/* NPG (classic, fixed η): Δθ = η (F + μI)⁻¹ g.  On garnet:6,3,3,11 (P = 18 tabular logits)
 * with cg_iters = 60 CG solves the damped system to its residual tolerance, so
 *   (F + μI) Δθ = η g
 * where g is the gradient of the batch surrogate L(θ) = mean_t r_t(θ) Â_t at θ_old, taken here
 * by central finite differences of alg_run_surrogate (h = 1e-5: truncation ~ h² ≈ 1e-10) and
 * (F + μI)v by pol_fvp over the whole batch.  Tolerance: 1e-6 of ‖ηg‖∞ (CG's 1e-10 relative
 * residual and the difference quotients' 1e-10 are far below).  Power: the same check on a
 * tnpg step (β = sqrt(2δ/sᵀFs) in place of η) must fail, and the step with 3η from the same
 * seed is exactly 3 times as long (to 1e-12), its mean KL ≈ 9 times (quadratic model). */
static double npg_residual(alg_run *run, const double *th0, double eta) {
  size_t P = run->model.pol->P, T = run->model.T;
  double mu = NAN;
  CHECK(!alg_config_get(&run->model.cfg, "cg_damping", &mu), "cg_damping");
  double *d = malloc(P * sizeof *d), *Fd = malloc(P * sizeof *Fd), *th = malloc(P * sizeof *th);
  double *g = malloc(P * sizeof *g);
  alg_rows rows = alg_run_rows(run);
  for (size_t k = 0; k < P; k++) {
    double h = 1e-5, lp, lm;
    memcpy(th, th0, P * sizeof *th);
    th[k] = th0[k] + h;
    CHECK(alg_run_surrogate(run, &rows, th, &lp) == TR_OK, "surrogate");
    th[k] = th0[k] - h;
    CHECK(alg_run_surrogate(run, &rows, th, &lm) == TR_OK, "surrogate");
    g[k] = (lp - lm) / (2 * h);
  }
  for (size_t k = 0; k < P; k++) d[k] = run->state.theta[k] - th0[k];
  pol_ws *ws = pol_ws_alloc(run->model.pol, T);
  CHECK(pol_forward(run->model.pol, th0, run->state.batch->obs, T, ws, NULL) == TR_OK &&
            pol_fvp(run->model.pol, th0, ws, d, T, mu, Fd) == TR_OK,
        "fvp: %s", tr_error_msg());
  double worst = 0, scale = 0;
  for (size_t k = 0; k < P; k++) {
    worst = fmax(worst, fabs(Fd[k] - eta * g[k]));
    scale = fmax(scale, fabs(eta * g[k]));
  }
  pol_ws_free(ws);
  free(d), free(Fd), free(th), free(g);
  return worst / scale;
}

static void test_npg_fixed_step(void) {
  static const char *const s1[] = {"step_size=0.05", "cg_iters=60", NULL};
  static const char *const s3[] = {"step_size=0.15", "cg_iters=60", NULL};
  static const char *const st[] = {"cg_iters=60", NULL};
  env_model *e1, *e3, *et;
  alg_run *r1 = make_run(&e1, "npg", "garnet:6,3,3,11", 1, s1);
  alg_run *r3 = make_run(&e3, "npg", "garnet:6,3,3,11", 1, s3);
  alg_run *rt = make_run(&et, "tnpg", "garnet:6,3,3,11", 1, st);
  if (r1 && r3 && rt) {
    size_t P = r1->model.pol->P;
    double *th0 = malloc(P * sizeof *th0);
    memcpy(th0, r1->state.theta, P * sizeof *th0);
    alg_iter_stats a, b, c;
    CHECK(alg_run_iterate(r1, &a) == TR_OK && alg_run_iterate(r3, &b) == TR_OK &&
              alg_run_iterate(rt, &c) == TR_OK, "npg: %s", tr_error_msg());
    double res = npg_residual(r1, th0, 0.05), res_t = npg_residual(rt, th0, 0.05);
    CHECK(res <= 1e-6, "npg: (F + mu I) dtheta vs eta g: relative residual %.3g > 1e-6", res);
    CHECK(res_t > 1e-2, "npg check has no power: a tnpg step passes it (residual %.3g)", res_t);
    double worst = 0, n1 = 0;
    for (size_t k = 0; k < P; k++) {
      double d1 = r1->state.theta[k] - th0[k], d3 = r3->state.theta[k] - th0[k];
      worst = fmax(worst, fabs(d3 - 3 * d1));
      n1 = fmax(n1, fabs(d1));
    }
    CHECK(n1 > 0 && worst <= 1e-12 * n1 + 1e-15, "npg: the step is not linear in step_size "
          "(|d(3 eta) - 3 d(eta)| = %.3g, |d| = %.3g)", worst, n1);
    CHECK(a.step_frac == 1 && b.step_frac == 1, "npg: step skipped");
    CHECK(b.kl_mean > 7 * a.kl_mean && b.kl_mean < 11 * a.kl_mean,
          "npg: KL at 3 eta is %.4g x that at eta, not about 9", b.kl_mean / a.kl_mean);
    printf("d. npg fixed step: residual %.3g (tnpg through the same check: %.3g); KL %.4g at eta "
           "0.05, %.4g at 0.15 (x%.3f)\n", res, res_t, a.kl_mean, b.kl_mean, b.kl_mean / a.kl_mean);
    free(th0);
  }
  free_run(r1, e1), free_run(r3, e3), free_run(rt, et);
}

/* TRPO's line-search columns (ls_shrinks, ls_rejected) against what the parameters did.
 * With target_kl = 0.5 on cartpole the quadratic KL model of the full step is poor and the
 * search shrinks on some iterations (measured, seed 1: the second of the first three); with
 * line_search_steps = 0 as well, only the full step is tried, so those iterations reject it:
 * ls_rejected = 1 and the parameters must not have moved (bit for bit). */
static void trpo_ls_case(const char *const *sets, int want_reject) {
  env_model *em;
  alg_run *run = make_run(&em, "trpo", "cartpole", 1, sets);
  if (!run) return;
  size_t P = run->model.pol->P, shrunk = 0, rejected = 0;
  double *th0 = malloc(P * sizeof *th0);
  for (int i = 0; i < 3; i++) {
    memcpy(th0, run->state.theta, P * sizeof *th0);
    alg_iter_stats s;
    CHECK(alg_run_iterate(run, &s) == TR_OK, "trpo: %s", tr_error_msg());
    CHECK(s.ls_rejected == 0 || s.ls_rejected == 1, "ls_rejected %g", s.ls_rejected);
    CHECK(isfinite(s.ls_shrinks) && s.ls_shrinks >= 0 && s.ls_shrinks <= 11, "ls_shrinks %g", s.ls_shrinks);
    if (s.ls_rejected) CHECK(memcmp(th0, run->state.theta, P * sizeof *th0) == 0, "rejected step moved theta");
    else CHECK_CLOSE(s.step_frac, pow(0.8, s.ls_shrinks), 0, 1e-14, "step_frac vs 0.8^ls_shrinks");
    shrunk += !s.ls_rejected && s.ls_shrinks > 0;
    rejected += s.ls_rejected == 1;
    printf("d. trpo %s cartpole iter %d: ls_shrinks %g, ls_rejected %g, step_frac %g\n",
           sets[1] ? "target_kl 0.5, no backtracking," : "target_kl 0.5,", i, s.ls_shrinks,
           s.ls_rejected, s.step_frac);
  }
  if (want_reject) CHECK(rejected >= 1, "trpo: no step rejected (the column is untested)");
  else CHECK(shrunk >= 1, "trpo: the line search never shrank (the column is untested)");
  free(th0);
  free_run(run, em);
}

/* vine_settings=appendix-e: on garnet:6,3,3,11 (3 actions < 4: each once) the vine takes
 * 2500/3 = 833 states x 3 actions = 2499 Q-values, each a rollout of at most 100 steps, so one
 * iteration spends the trunk's 3000 steps plus at most 249,900 rollout steps — and at least
 * 90% of that, since a rollout is cut only by the time limit (1000; rollouts start uniformly
 * along the 3-episode trunk, so few start within 100 steps of it). */
static void test_vine_appendix_e(void) {
  static const char *const sets[] = {"sampling=vine", "vine_settings=appendix-e", "n_steps=3000", NULL};
  env_model *em;
  alg_run *run = make_run(&em, "trpo", "garnet:6,3,3,11", 1, sets);
  if (!run) return;
  alg_iter_stats s;
  CHECK(alg_run_iterate(run, &s) == TR_OK, "trpo vine appendix-e: %s", tr_error_msg());
  size_t vine = s.steps - 3000;
  CHECK(s.steps >= 3000 && vine <= 833 * 3 * 100 && vine >= 0.9 * 833 * 3 * 100,
        "appendix-e: %zu rollout steps, want in [0.9, 1] x 249,900", vine);
  printf("d. trpo vine appendix-e on garnet:6,3,3,11: %zu rollout steps (833 x 3 x <= 100)\n", vine);
  free_run(run, em);
}

static void test_trpo_line_search_columns(void) {
  static const char *const shrink[] = {"target_kl=0.5", NULL};
  static const char *const reject[] = {"target_kl=0.5", "line_search_steps=0", NULL};
  trpo_ls_case(shrink, 0);
  trpo_ls_case(reject, 1);
}

/* ---- e: a CPI step improves J by at least the AJKS bound ------------------------------ */

static void test_cpi(const char *env, uint64_t seed, size_t iters) {
  static const char *const sets[] = {"advantage=exact", "alpha=0", "n_steps=128", NULL};
  env_model *em;
  alg_run *run = make_run(&em, "cpi", env, seed, sets);
  if (!run) return;
  const mdp *m = run->model.tab;
  size_t S = m->S, A = m->A;
  double g = run->model.gamma, rmin, rmax;
  mdp_reward_range(m, &rmin, &rmax);
  CHECK(rmin >= 0 && rmax <= 1, "cpi test needs rewards in [0,1]: [%g, %g]", rmin, rmax);
  double *pi = malloc(S * A * sizeof *pi), *greedy = malloc(S * A * sizeof *greedy);
  thy_values *v = thy_values_alloc(S, A);
  double worst = INFINITY;
  for (size_t i = 0; i < iters; i++) {
    /* the truth before the step, independently of the algorithm */
    CHECK(alg_run_tabulate(run, run->state.theta, pi) == TR_OK, "tabulate");
    CHECK(thy_evaluate(v, m, pi, THY_SOLVER_AUTO, NULL) == TR_OK, "evaluate");
    thy_greedy(greedy, v->Adv, S, A);
    double adv = thy_policy_advantage(v->d, v->Adv, greedy, S, A);
    double alpha = fmin(1, fmax(0, adv * (1 - g) * (1 - g) / (4 * g)));
    double want = alpha / (1 - g) * (adv - 2 * alpha * g / ((1 - g) * (1 - g)));
    alg_iter_stats s;
    tr_status st = alg_run_iterate(run, &s);
    CHECK(st == TR_OK && !s.bad[0], "cpi on %s: %s %s", env, tr_error_msg(), s.bad);
    if (st) break;
    double bound, adv_alg;
    alg_cpi_last_step(run, &bound, &adv_alg);
    CHECK_CLOSE(adv_alg, adv, 1e-14, 1e-9, "cpi: policy advantage vs recomputed");
    CHECK_CLOSE(bound, want, 1e-14, 1e-9, "cpi: AJKS bound vs recomputed");
    CHECK_CLOSE(s.step_frac, alpha, 1e-16, 1e-9, "cpi: alpha vs recomputed");
    CHECK(bound > 0, "cpi on %s: bound %g not positive (policy advantage %g)", env, bound, adv);
    /* rounding: J is evaluated twice to ~1e-15 relative */
    CHECK(s.exact_improvement >= bound - 1e-12 * fabs(s.exact_J),
          "cpi on %s seed %llu iteration %zu: improvement %.17g < AJKS bound %.17g", env,
          (unsigned long long)seed, i, s.exact_improvement, bound);
    worst = fmin(worst, s.exact_improvement / bound);
  }
  printf("e. cpi %s seed %llu, %zu iterations: min improvement/bound %.3g\n", env,
         (unsigned long long)seed, iters, worst);
  thy_values_free(v);
  free(pi), free(greedy);
  free_run(run, em);
}

/* ---- f: determinism ----------------------------------------------------------------- */

static void test_determinism(const char *algo, const char *env, const char *const *sets) {
  env_model *e1, *e2, *e3;
  alg_run *r1 = make_run(&e1, algo, env, 42, sets), *r2 = make_run(&e2, algo, env, 42, sets);
  alg_run *r3 = make_run(&e3, algo, env, 43, sets);
  if (r1 && r2 && r3) {
    for (int i = 0; i < 3; i++) {
      alg_iter_stats s1, s2, s3;
      CHECK(alg_run_iterate(r1, &s1) == TR_OK && alg_run_iterate(r2, &s2) == TR_OK &&
                alg_run_iterate(r3, &s3) == TR_OK,
            "%s on %s: %s", algo, env, tr_error_msg());
    }
    size_t P = r1->model.pol->P, Pv = r1->model.vnet->P;
    CHECK(memcmp(r1->state.theta, r2->state.theta, P * sizeof(double)) == 0,
          "%s on %s: same seed, different policy parameters after 3 iterations", algo, env);
    CHECK(memcmp(r1->state.vparams, r2->state.vparams, Pv * sizeof(double)) == 0,
          "%s on %s: same seed, different value parameters after 3 iterations", algo, env);
    CHECK(r1->state.steps_done == r2->state.steps_done, "%s: steps differ", algo);
    /* not vacuous: another seed gives other parameters */
    CHECK(memcmp(r1->state.theta, r3->state.theta, P * sizeof(double)) != 0,
          "%s on %s: seeds 42 and 43 give the same parameters", algo, env);
    printf("f. %s on %s: 3 iterations, %zu + %zu parameters bit-identical\n", algo, env, P, Pv);
  }
  free_run(r1, e1), free_run(r2, e2), free_run(r3, e3);
}

/* ---- g: typed parameters ------------------------------------------------------------ */

static size_t field_size(alg_param_type t) {
  return t == ALG_REAL ? sizeof(double) : t == ALG_INT ? sizeof(size_t) : sizeof(int);
}

/* Every class's table against its typed struct: each field inside params_size, no two
 * fields overlapping (a wrong offset would make one parameter overwrite another), the shared
 * head where alg_shared_params says; the defaults resolve and read back field by field;
 * alg_config_shared agrees; an unknown key is an error, not a NaN. */
static void test_typed_params(void) {
  for (size_t c = 0; c < alg_count(); c++) {
    const alg_class *cls = alg_at(c);
    CHECK(cls->params_size >= sizeof(alg_shared_params), "%s: params_size", cls->name);
    for (size_t i = 0; i < cls->n_params; i++) {
      const alg_param *p = &cls->params[i];
      size_t a0 = p->offset, a1 = a0 + field_size(p->type);
      CHECK(a1 <= cls->params_size, "%s.%s: field beyond the struct", cls->name, p->name);
      for (size_t j = 0; j < i; j++) {
        const alg_param *q = &cls->params[j];
        size_t b0 = q->offset, b1 = b0 + field_size(q->type);
        CHECK(a1 <= b0 || b1 <= a0, "%s: %s and %s overlap", cls->name, p->name, q->name);
      }
    }
    alg_config cfg;
    if (alg_config_init(&cfg, cls)) continue;
    unsigned char *buf = calloc(1, cls->params_size);
    CHECK(buf && alg_config_resolve(&cfg, buf) == TR_OK, "%s: defaults: %s", cls->name, tr_error_msg());
    for (size_t i = 0; buf && i < cls->n_params; i++) {
      const alg_param *p = &cls->params[i];
      double got;
      if (p->type == ALG_REAL) memcpy(&got, buf + p->offset, sizeof got);
      else if (p->type == ALG_INT) {
        size_t n;
        memcpy(&n, buf + p->offset, sizeof n);
        got = (double)n;
      } else {
        int k;
        memcpy(&k, buf + p->offset, sizeof k);
        got = k;
      }
      CHECK(got == p->def, "%s.%s: field %g, default %g", cls->name, p->name, got, p->def);
    }
    alg_shared_params sh;
    alg_config_shared(&cfg, &sh);
    CHECK(buf && !memcmp(&sh, buf, sizeof sh), "%s: alg_config_shared differs from the head",
          cls->name);
    /* defaults print in the shortest form that reads back: 0.0003, not 0.00029999999999999997 */
    for (size_t i = 0; i < cls->n_params; i++) {
      const alg_param *p = &cls->params[i];
      if (p->type != ALG_REAL && p->type != ALG_INT) continue;
      char text[64], full[64];
      alg_param_format(p, p->def, text, sizeof text);
      snprintf(full, sizeof full, "%.17g", p->def);
      CHECK(strtod(text, NULL) == p->def && strlen(text) <= strlen(full),
            "%s.%s: default printed as %s (%s)", cls->name, p->name, text, full);
      CHECK(strlen(text) < 15, "%s.%s: default %s is not in its short form", cls->name, p->name,
            text);
    }
    double lr = 0.0007, back;
    char t7[64];
    alg_param_format(&(alg_param){"x", ALG_REAL, 0, 0, 1, NULL, "", 0}, lr, t7, sizeof t7);
    CHECK(!strcmp(t7, "0.0007"), "0.0007 printed as %s", t7);
    alg_param_format(&(alg_param){"x", ALG_REAL, 0, 0, 1, NULL, "", 0}, 0.1 + 0.2, t7, sizeof t7);
    back = strtod(t7, NULL);
    CHECK(back == 0.1 + 0.2 && !strcmp(t7, "0.30000000000000004"), "0.1 + 0.2 printed as %s", t7);
    double v = 42;
    CHECK(alg_config_get(&cfg, "no_such_key", &v) == TR_EINVAL && v == 42 &&
              strstr(tr_error_msg(), "has no parameter 'no_such_key'"),
          "%s: unknown key: %s", cls->name, tr_error_msg());
    free(buf);
    alg_config_clear(&cfg);
  }
  printf("g. typed parameters of %zu algorithms: offsets, defaults, shared head\n", alg_count());
}

/* ---- e2: sampled CPI estimates 𝔸 without the selection bias ---------------------------
 * advantage=sampled on the test MDP (time limit H, n_steps = 4 H: two episodes per half, so
 * the greedy choice is noisy — where selection bias shows), α fixed at 1e-6 so π stays put;
 * per iteration k the exact 𝔸_k = Σ_s d(s) Σ_a π'_k(a|s) A(s,a) of the π'_k the
 * run chose (thy_policy_advantage with the exact d and A of π_k).  The split estimate's error
 * 𝔸̂_k − 𝔸_k has mean 0 (up to the ratio estimate's O(1/n) bias): over 800 iterations (independent batches) |mean| ≤ 5 SE.  Power: the
 * estimate on the half that chose π'_k (the pre-issue-9 design) is biased upward, its mean
 * error > 5 SE. */
static void test_cpi_sampled(void) {
  char env[160];
  snprintf(env, sizeof env, "mdp:%s", tmp_file);
  static const char *const sets[] = {"advantage=sampled", "alpha=1e-6", "time_limit=160",
                                     "n_steps=640", NULL};
  env_model *em;
  alg_run *run = make_run(&em, "cpi", env, 5, sets);
  if (!run) return;
  size_t S = run->model.tab->S, A = run->model.tab->A, n = 800;
  double e = 0, e2 = 0, f = 0, f2 = 0;
  for (size_t k = 0; k < n; k++) {
    alg_iter_stats st;
    CHECK(alg_run_iterate(run, &st) == TR_OK, "cpi: %s", tr_error_msg());
    double bound, est, same;
    alg_cpi_last_step(run, &bound, &est);
    const double *greedy = alg_cpi_last_greedy(run, &same);
    double truth = thy_policy_advantage(run->state.ex_old->d, run->state.ex_old->Adv, greedy, S, A);
    e += est - truth, e2 += (est - truth) * (est - truth);
    f += same - truth, f2 += (same - truth) * (same - truth);
  }
  double me = e / n, se = sqrt((e2 / n - me * me) / (n - 1));
  double mf = f / n, sf = sqrt((f2 / n - mf * mf) / (n - 1));
  printf("e. sampled cpi, %zu batches: split estimate error %.3g (SE %.3g, z %.2f); same-half "
         "estimate error %.3g (SE %.3g, z %.1f)\n", n, me, se, me / se, mf, sf, mf / sf);
  CHECK(fabs(me) <= Z_LEVEL * se, "sampled cpi: the split estimate of the policy advantage is "
        "biased: mean error %.3g, SE %.3g", me, se);
  CHECK(mf > Z_LEVEL * sf, "no power: the same-half estimate is not caught (mean error %.3g, "
        "SE %.3g)", mf, sf);
  free_run(run, em);
}

/* ---- g: REINFORCE with and without its baseline ---------------------------------------
 *
 * The reinforce run itself, on the test MDP as `mdp:` file, time limit H, n_steps = 100 H
 * (E = 1: every batch is 100 whole episodes), its policy held at fixed random logits θ
 * (reset before every iteration); per episode ĝ = Σ_{t<H} γ^t Â_t ∇ log π(a_t|s_t) with the
 * run's own Â (run->state.adv).
 * Mean.  baseline=false: Â_t = G_t = Σ_{l<H−t} γ^l r_{t+l} (no bootstrap), so
 *   E ĝ = Σ_{t<H} γ^t Σ_s p_t(s) Σ_a π(a|s) Q_{H−t}(s,a) (e_a − π_s)
 *       = Σ_t γ^t p_t(s) π(a|s) (Q_{H−t}(s,a) − V_{H−t}(s))   at (s,a),
 * with Q_n, V_n the n-step values (Q_n = r + γ P V_{n−1}, V_0 = 0) and p_t = μᵀP_π^t: the exact
 * gradient of the H-step objective, computed here by dynamic programming (and within
 * 1e-5·max|∇J| of the infinite-horizon ∇J, checked).  z-test at 5σ per coordinate (the level
 * of a and b); power: the same estimates without γ^t fail it.
 * No learned V anywhere: one iteration from the same seed with the value MLP's parameters 0
 * and 50 gives bit-identical advantages without baseline (n_steps = 1000, not a multiple of
 * H, so batch cuts occur), and different ones with baseline=true (power).
 * Variance.  With every reward shifted by c = 5, the no-baseline estimator gains
 * c Σ_t γ^t (1 − γ^{H−t})/(1 − γ) ∇ log π(a_t|s_t), whose variance grows as c²; the baseline
 * estimator (G_t − V(s_t), G_t bootstrapped at the time limit, V exact: value_function=exact)
 * is invariant under the shift (both G_t and V move by c/(1−γ)).  So on that instance theory
 * says tr Cov(ĝ_no-baseline) ≥ tr Cov(ĝ_baseline), by far (measured ratio in the output). */
#define RF_EPISODES 20000

/* g_fin (S, A): the exact mean of the no-baseline estimator (see above). */
static void gradient_finite_horizon(double *gfin, const mdp *m, const double *pi, size_t H) {
  size_t S = m->S, A = m->A;
  double g = m->gamma;
  double *Vn = calloc((H + 1) * S, sizeof *Vn), *Qn = calloc((H + 1) * S * A, sizeof *Qn);
  for (size_t n = 1; n <= H; n++)
    for (size_t s = 0; s < S; s++) {
      double v = 0;
      for (size_t a = 0; a < A; a++) {
        double q = m->r[s * A + a];
        for (size_t s2 = 0; s2 < S; s2++) q += g * mdp_prob(m, s, a, s2) * Vn[(n - 1) * S + s2];
        Qn[n * S * A + s * A + a] = q;
        v += pi[s * A + a] * q;
      }
      Vn[n * S + s] = v;
    }
  double *p = malloc(S * sizeof *p), *q = malloc(S * sizeof *q), *Ppi = malloc(S * S * sizeof *Ppi);
  thy_policy_transition(Ppi, m, pi);
  memcpy(p, m->mu, S * sizeof *p);
  memset(gfin, 0, S * A * sizeof *gfin);
  double disc = 1;
  for (size_t t = 0; t < H; t++, disc *= g) {
    size_t n = H - t;
    for (size_t s = 0; s < S; s++)
      for (size_t a = 0; a < A; a++)
        gfin[s * A + a] += disc * p[s] * pi[s * A + a] * (Qn[n * S * A + s * A + a] - Vn[n * S + s]);
    for (size_t s2 = 0; s2 < S; s2++) {
      q[s2] = 0;
      for (size_t s = 0; s < S; s++) q[s2] += p[s] * Ppi[s * S + s2];
    }
    memcpy(p, q, S * sizeof *p);
  }
  free(Vn), free(Qn), free(p), free(q), free(Ppi);
}

/* Per-episode estimates of a reinforce run held at logits theta: with γ^t into w, without
 * into w_nodisc (may be NULL). */
static void reinforce_estimates(const char *env, const char *const *sets, const double *theta,
                                wstat *w, wstat *w_nodisc) {
  env_model *em;
  alg_run *run = make_run(&em, "reinforce", env, 1, sets);
  if (!run) return;
  size_t S = run->model.tab->S, A = run->model.tab->A, D = S * A, H = H_EP;
  double g = run->model.gamma, *pi = malloc(D * sizeof *pi);
  double *ge = malloc(D * sizeof *ge), *gn = malloc(D * sizeof *gn);
  thy_softmax(pi, theta, S, A);
  for (size_t k = 0; k < run->model.vnet->P; k++) run->state.vparams[k] = 50.0;
  int layout_ok = 1;
  for (size_t it = 0; it < RF_EPISODES / PG_BATCH; it++) {
    memcpy(run->state.theta, theta, D * sizeof *theta);
    alg_iter_stats st;
    if (alg_run_iterate(run, &st) != TR_OK) {
      CHECK(0, "reinforce: %s", tr_error_msg());
      break;
    }
    const alg_batch *b = run->state.batch;
    for (size_t e = 0; e < PG_BATCH; e++) {
      memset(ge, 0, D * sizeof *ge), memset(gn, 0, D * sizeof *gn);
      double disc = 1;
      for (size_t t = e * H; t < (e + 1) * H; t++, disc *= g) {
        size_t s = b->state[t], a = (size_t)b->act[t];
        layout_ok &= b->trunc[t] == (t % H == H - 1) && !b->term[t];
        for (size_t c = 0; c < A; c++) {
          double dl = (c == a) - pi[s * A + c];
          ge[s * A + c] += disc * run->state.adv[t] * dl;
          gn[s * A + c] += run->state.adv[t] * dl;
        }
      }
      wstat_add(w, ge);
      if (w_nodisc) wstat_add(w_nodisc, gn);
    }
  }
  CHECK(layout_ok, "reinforce batches are not whole H-step episodes");
  free(pi), free(ge), free(gn);
  free_run(run, em);
}

/* run->state.adv after one iteration with the value parameters all equal to v0 */
static void reinforce_adv_with_v(const char *env, const char *const *sets, double v0, double *adv) {
  env_model *em;
  alg_run *run = make_run(&em, "reinforce", env, 3, sets);
  if (!run) return;
  for (size_t k = 0; k < run->model.vnet->P; k++) run->state.vparams[k] = v0;
  alg_iter_stats st;
  CHECK(alg_run_iterate(run, &st) == TR_OK, "reinforce: %s", tr_error_msg());
  memcpy(adv, run->state.adv, run->model.T * sizeof *adv);
  free_run(run, em);
}

static void test_reinforce_no_value(const char *env) {
  static const char *const nb[] = {"time_limit=160", "n_steps=1000", "baseline=false", NULL};
  static const char *const bl[] = {"time_limit=160", "n_steps=1000", "baseline=true", NULL};
  double a0[1000], a50[1000];
  reinforce_adv_with_v(env, nb, 0.0, a0);
  reinforce_adv_with_v(env, nb, 50.0, a50);
  CHECK(memcmp(a0, a50, sizeof a0) == 0, "reinforce without baseline: the learned V changed Â");
  reinforce_adv_with_v(env, bl, 0.0, a0);
  reinforce_adv_with_v(env, bl, 50.0, a50);
  CHECK(memcmp(a0, a50, sizeof a0) != 0, "no power: reinforce with baseline ignores V");
  printf("g. reinforce without baseline: advantages independent of the value MLP (bit for bit)\n");
}

static double wstat_trace_var(const wstat *w) {
  double tr = 0;
  for (size_t k = 0; k < w->D; k++) tr += w->m2[k] / (w->n - 1);
  return tr;
}

static void test_reinforce_baselines(void) {
  char env[160], env_shift[200], path_shift[192];
  snprintf(env, sizeof env, "mdp:%s", tmp_file);
  env_model *em = env_model_alloc(env);
  if (!em) {
    CHECK(0, "%s: %s", env, tr_error_msg());
    return;
  }
  const mdp *m = env_model_mdp(em);
  size_t S = m->S, A = m->A, D = S * A;
  gsl_rng *r = tr_rng_alloc(20240611);
  double *theta = malloc(D * sizeof *theta), *pi = malloc(D * sizeof *pi);
  double *gfin = malloc(D * sizeof *gfin), *grad = malloc(D * sizeof *grad);
  for (size_t k = 0; k < D; k++) theta[k] = gsl_ran_gaussian(r, 1.0);
  gsl_rng_free(r);
  thy_softmax(pi, theta, S, A);
  thy_values *ex = thy_values_alloc(S, A);
  CHECK(thy_softmax_grad(grad, m, theta, ex) == TR_OK, "exact gradient: %s", tr_error_msg());
  gradient_finite_horizon(gfin, m, pi, H_EP);
  double gmax = 0, gap = 0;
  for (size_t k = 0; k < D; k++) gmax = fmax(gmax, fabs(grad[k])), gap = fmax(gap, fabs(gfin[k] - grad[k]));
  CHECK(gap <= 1e-5 * gmax, "the H-step gradient is %.3g from the infinite-horizon one", gap);
  test_reinforce_no_value(env);
  /* the mean, no baseline */
  static const char *const nb[] = {"time_limit=160", "n_steps=16000", "baseline=false", NULL};
  wstat w, wn;
  wstat_init(&w, D), wstat_init(&wn, D);
  reinforce_estimates(env, nb, theta, &w, &wn);
  double z = wstat_max_z(&w, gfin), zn = wstat_max_z(&wn, gfin);
  printf("g. reinforce without baseline, %.0f episodes: max z %.2f against the exact gradient; "
         "without gamma^t z %.1f\n", w.n, z, zn);
  CHECK(w.n == RF_EPISODES && z <= Z_LEVEL, "reinforce (no baseline) is biased: max z %.2f", z);
  CHECK(zn > Z_LEVEL, "no power: the estimator without gamma^t passes (max z %.2f)", zn);
  wstat_free(&w), wstat_free(&wn);
  /* the variance, rewards shifted by 5 */
  mdp *sh = mdp_copy(m);
  snprintf(path_shift, sizeof path_shift, "%s/shifted.mdp", tmp_dir);
  for (size_t k = 0; sh && k < D; k++) sh->r[k] += 5.0;
  CHECK(sh && mdp_write_file(sh, path_shift) == TR_OK, "shifted MDP: %s", tr_error_msg());
  mdp_free(sh);
  snprintf(env_shift, sizeof env_shift, "mdp:%s", path_shift);
  static const char *const bl[] = {"time_limit=160", "n_steps=16000", "baseline=true",
                                   "value_function=exact", NULL};
  wstat wb;
  wstat_init(&w, D), wstat_init(&wb, D);
  reinforce_estimates(env_shift, nb, theta, &w, NULL);
  reinforce_estimates(env_shift, bl, theta, &wb, NULL);
  double vn = wstat_trace_var(&w), vb = wstat_trace_var(&wb), zb = wstat_max_z(&wb, grad);
  printf("g. rewards + 5: tr Cov no baseline %.4g, with the exact V as baseline %.4g (ratio "
         "%.1f); baseline estimator max z %.2f against the exact gradient\n", vn, vb, vn / vb, zb);
  CHECK(vn >= vb, "the no-baseline estimator's variance %.4g < the baseline one's %.4g", vn, vb);
  CHECK(zb <= Z_LEVEL, "reinforce with the exact baseline is biased: max z %.2f", zb);
  remove(path_shift);
  wstat_free(&w), wstat_free(&wb);
  thy_values_free(ex);
  free(theta), free(pi), free(gfin), free(grad);
  env_model_free(em);
}

int main(void) {
  gsl_set_error_handler_off();
  test_typed_params();
  test_uses_exact();
  env_model *em = test_env();
  CHECK(em != NULL, "test MDP: %s", tr_error_msg());
  if (!em) {
    test_env_cleanup();
    return check_done("test_algos");
  }
  test_gradient_and_gae(em);
  test_vine(em);
  env_model_free(em);

  size_t accepted = 0;
  for (uint64_t seed = 1; seed <= 2; seed++) {
    test_trpo_step("cartpole", seed, 2, &accepted);
    test_trpo_step("garnet:6,3,3,11", seed, 2, &accepted);
  }
  CHECK(accepted >= 4, "trpo: only %zu of 8 steps accepted: the checks are vacuous", accepted);
  static const char *const small_damping[] = {"cg_damping=1e-3", NULL};
  test_tnpg_step("cartpole", 1, 2, NULL, 1);
  test_tnpg_step("garnet:6,3,3,11", 1, 2, NULL, 0);
  test_tnpg_step("garnet:6,3,3,11", 1, 2, small_damping, 1);
  test_npg_fixed_step();
  test_trpo_line_search_columns();
  test_vine_appendix_e();

  char mdp_name[160];
  snprintf(mdp_name, sizeof mdp_name, "mdp:%s", tmp_file);
  for (uint64_t seed = 1; seed <= 3; seed++) {
    test_cpi(mdp_name, seed, 5);          /* γ = 0.9137 */
    test_cpi("garnet:10,4,2,3", seed, 5); /* γ = 0.99 */
  }
  test_reinforce_baselines();
  test_cpi_sampled();
  test_env_cleanup();

  static const char *const vine[] = {"sampling=vine", NULL};
  test_determinism("ppo-clip", "cartpole", NULL);
  test_determinism("trpo", "garnet:6,3,3,11", vine);
  return check_done("test_algos");
}
