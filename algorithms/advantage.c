/* algorithms/advantage.c — see advantage.h */
#include "algorithms/advantage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/size.h"

/* ---- input checks ---------------------------------------------------------------------- */

/* E ≥ 1, E divides T, the last step of every stream ends its segment. */
static tr_status check_layout(const char *who, const unsigned char *terminated,
                              const unsigned char *truncated, size_t T, size_t E) {
  if (E == 0) return tr_error(TR_EINVAL, "%s: the number of streams E must be at least 1", who);
  if (T % E != 0)
    return tr_error(TR_EINVAL, "%s: batch length T = %zu is not a multiple of E = %zu streams",
                    who, T, E);
  if (T == 0) return TR_OK;
  for (size_t i = T - E; i < T; i++)
    if (!terminated[i] && !truncated[i])
      return tr_error(TR_EINVAL,
                      "%s: step %zu (stream %zu) ends the batch but is neither terminated nor "
                      "truncated",
                      who, i, i % E);
  return TR_OK;
}

static tr_status check_unit(const char *who, const char *name, double v) {
  if (!(v >= 0.0 && v <= 1.0))
    return tr_error(TR_EINVAL, "%s: %s must be in [0, 1], got %g", who, name, v);
  return TR_OK;
}

/* x (T) finite, except where skip[t] is set (skip may be NULL). */
static tr_status check_finite(const char *who, const char *name, const double *x,
                              const unsigned char *skip, size_t T) {
  for (size_t t = 0; t < T; t++)
    if (!(skip && skip[t]) && !isfinite(x[t]))
      return tr_error(TR_EINVAL, "%s: %s at step %zu is %g", who, name, t, x[t]);
  return TR_OK;
}

/* ---- estimators --------------------------------------------------------------------- */

tr_status alg_next_values(double *v_next, const double *values, const double *v_boot,
                          const unsigned char *terminated, const unsigned char *truncated,
                          size_t T, size_t E) {
  const char *who = "next values";
  tr_status st = check_layout(who, terminated, truncated, T, E);
  if (st) return st;
  for (int pass = 0; pass < 2; pass++) /* check everything, then write */
    for (size_t t = 0; t < T; t++) {
      double v;
      if (terminated[t]) {
        v = 0.0;
      } else if (truncated[t]) {
        if (!v_boot)
          return tr_error(TR_EINVAL, "%s: step %zu is truncated but no bootstrap values given",
                          who, t);
        v = v_boot[t];
      } else {
        v = values[t + E]; /* t + E < T: the last row is flagged (check_layout) */
      }
      if (pass == 0 && !isfinite(v))
        return tr_error(TR_EINVAL, "%s: V(s_{t+1}) for step %zu is %g", who, t, v);
      if (pass == 1) v_next[t] = v;
    }
  return TR_OK;
}

static tr_status check_td_inputs(const char *who, const double *r, const double *values,
                                 const double *v_next, const unsigned char *terminated, size_t T,
                                 double gamma) {
  tr_status st;
  if ((st = check_unit(who, "gamma", gamma)) || (st = check_finite(who, "reward", r, NULL, T)) ||
      (st = check_finite(who, "value", values, NULL, T)) ||
      (st = check_finite(who, "next value", v_next, terminated, T)))
    return st;
  return TR_OK;
}

/* δ_t = r_t + γ (1 − terminated_t) v_next[t] − V(s_t), inputs checked. */
static void td_residual(double *delta, const double *r, const double *values,
                        const double *v_next, const unsigned char *terminated, size_t T,
                        double gamma) {
  for (size_t t = 0; t < T; t++)
    delta[t] = r[t] + (terminated[t] ? 0.0 : gamma * v_next[t]) - values[t];
}

tr_status alg_td_residual(double *delta, const double *r, const double *values,
                          const double *v_next, const unsigned char *terminated, size_t T,
                          double gamma) {
  tr_status st = check_td_inputs("td residual", r, values, v_next, terminated, T, gamma);
  if (st) return st;
  td_residual(delta, r, values, v_next, terminated, T, gamma);
  return TR_OK;
}

tr_status alg_returns_mc(double *ret, const double *r, const double *v_next,
                         const unsigned char *terminated, const unsigned char *truncated,
                         size_t T, size_t E, double gamma) {
  const char *who = "monte carlo returns";
  tr_status st;
  if ((st = check_unit(who, "gamma", gamma)) ||
      (st = check_layout(who, terminated, truncated, T, E)) ||
      (st = check_finite(who, "reward", r, NULL, T)))
    return st;
  for (size_t t = 0; t < T; t++) /* next values are read only at truncations */
    if (truncated[t] && !terminated[t] && !isfinite(v_next[t]))
      return tr_error(TR_EINVAL, "%s: next value at step %zu is %g", who, t, v_next[t]);
  for (size_t i = T; i-- > 0;) {
    double tail;
    if (terminated[i]) tail = 0.0;
    else if (truncated[i]) tail = v_next[i];
    else tail = ret[i + E];
    ret[i] = r[i] + gamma * tail;
  }
  return TR_OK;
}

tr_status alg_advantage_rtg(double *adv, const double *ret, const double *baseline, size_t T) {
  tr_status st;
  if ((st = check_finite("reward-to-go advantage", "return", ret, NULL, T)) ||
      (baseline && (st = check_finite("reward-to-go advantage", "baseline", baseline, NULL, T))))
    return st;
  for (size_t t = 0; t < T; t++) adv[t] = ret[t] - (baseline ? baseline[t] : 0.0);
  return TR_OK;
}

tr_status alg_gae(double *adv, double *ret, const double *r, const double *values,
                  const double *v_next, const unsigned char *terminated,
                  const unsigned char *truncated, size_t T, size_t E, double gamma,
                  double lambda) {
  const char *who = "gae";
  tr_status st;
  if ((st = check_unit(who, "lambda", lambda)) ||
      (st = check_layout(who, terminated, truncated, T, E)) ||
      (st = check_td_inputs(who, r, values, v_next, terminated, T, gamma)))
    return st;
  td_residual(adv, r, values, v_next, terminated, T, gamma);
  /* adv holds δ; fold backwards: Â_i = δ_i + γλ (1 − done_i) Â_{i+E}. */
  double gl = gamma * lambda;
  for (size_t i = T; i-- > 0;)
    if (!terminated[i] && !truncated[i]) adv[i] += gl * adv[i + E];
  if (ret)
    for (size_t t = 0; t < T; t++) ret[t] = adv[t] + values[t];
  return TR_OK;
}

/* ---- advantage normalization ---------------------------------------------------------- */

/* adv (n) ← (adv − center·mean)/(std + ε) with the batch's mean and standard deviation;
 * center 0 only scales (no baseline is subtracted). */
static tr_status standardize(double *adv, size_t n, int center, const char *what) {
  tr_status st = check_finite(what, "advantage", adv, NULL, n);
  if (st || n == 0) return st;
  double mean = 0.0, ss = 0.0;
  for (size_t i = 0; i < n; i++) mean += adv[i];
  mean /= (double)n;
  for (size_t i = 0; i < n; i++) ss += (adv[i] - mean) * (adv[i] - mean);
  double denom = sqrt(ss / (double)n) + ALG_ADV_NORM_EPS, shift = center ? mean : 0.0;
  for (size_t i = 0; i < n; i++) adv[i] = (adv[i] - shift) / denom;
  return TR_OK;
}

tr_status alg_advantage_normalize(double *adv, size_t n) {
  return standardize(adv, n, 1, "advantage normalization");
}

tr_status alg_advantage_scale(double *adv, size_t n) {
  return standardize(adv, n, 0, "advantage scaling");
}

/* ---- running mean and variance --------------------------------------------------------- */

alg_running_norm *alg_running_norm_alloc(size_t D) {
  if (D == 0) {
    tr_error(TR_EINVAL, "running normalizer: feature size D must be at least 1");
    return NULL;
  }
  alg_running_norm *rn = tr_calloc(1, sizeof *rn);
  if (!rn) return NULL;
  rn->D = D;
  rn->clip = ALG_OBS_CLIP;
  rn->eps = ALG_NORM_EPS;
  rn->mean = tr_calloc(D, sizeof *rn->mean);
  rn->m2 = tr_calloc(D, sizeof *rn->m2);
  rn->work = tr_calloc(2 * D, sizeof *rn->work);
  if (!rn->mean || !rn->m2 || !rn->work) {
    alg_running_norm_free(rn);
    tr_error_prefix("running normalizer (D = %zu)", D);
    return NULL;
  }
  return rn;
}

void alg_running_norm_free(alg_running_norm *rn) {
  if (!rn) return;
  free(rn->mean);
  free(rn->m2);
  free(rn->work);
  free(rn);
}

tr_status alg_running_norm_copy(alg_running_norm *dst, const alg_running_norm *src) {
  if (dst->D != src->D)
    return tr_error(TR_EINVAL, "running normalizer copy: sizes differ (%zu and %zu)", dst->D,
                    src->D);
  dst->count = src->count;
  dst->clip = src->clip;
  dst->eps = src->eps;
  memcpy(dst->mean, src->mean, src->D * sizeof *dst->mean);
  memcpy(dst->m2, src->m2, src->D * sizeof *dst->m2);
  return TR_OK;
}

void alg_running_norm_reset(alg_running_norm *rn) {
  rn->count = 0.0;
  memset(rn->mean, 0, rn->D * sizeof *rn->mean);
  memset(rn->m2, 0, rn->D * sizeof *rn->m2);
}

tr_status alg_running_norm_set_prior(alg_running_norm *rn, double count) {
  if (!(isfinite(count) && count >= 0.0))
    return tr_error(TR_EINVAL, "running normalizer: prior count must be ≥ 0, got %g", count);
  alg_running_norm_reset(rn);
  rn->count = count;
  for (size_t j = 0; j < rn->D; j++) rn->m2[j] = count; /* variance 1: M2 = count · 1 */
  return TR_OK;
}

/* (count, mean, m2) ← merge with a block (nb, mb, m2b), per feature (Chan et al. 1979). */
static void merge_stats(alg_running_norm *rn, double nb, const double *mb, const double *m2b) {
  if (nb <= 0.0) return;
  double na = rn->count, n = na + nb;
  for (size_t j = 0; j < rn->D; j++) {
    double d = mb[j] - rn->mean[j];
    rn->mean[j] += d * (nb / n);
    rn->m2[j] += m2b[j] + d * d * (na * nb / n);
  }
  rn->count = n;
}

tr_status alg_running_norm_update(alg_running_norm *rn, const double *x, size_t B) {
  size_t D = rn->D;
  for (size_t i = 0; i < B * D; i++)
    if (!isfinite(x[i]))
      return tr_error(TR_EINVAL, "running normalizer: row %zu, feature %zu is %g", i / D, i % D,
                      x[i]);
  if (B == 0) return TR_OK;
  double *mb = rn->work, *m2b = rn->work + D;
  memset(rn->work, 0, 2 * D * sizeof *rn->work);
  for (size_t b = 0; b < B; b++)
    for (size_t j = 0; j < D; j++) mb[j] += x[b * D + j];
  for (size_t j = 0; j < D; j++) mb[j] /= (double)B;
  for (size_t b = 0; b < B; b++)
    for (size_t j = 0; j < D; j++) {
      double d = x[b * D + j] - mb[j];
      m2b[j] += d * d;
    }
  merge_stats(rn, (double)B, mb, m2b);
  return TR_OK;
}

tr_status alg_running_norm_merge(alg_running_norm *rn, const alg_running_norm *other) {
  if (rn->D != other->D)
    return tr_error(TR_EINVAL, "running normalizer merge: sizes differ (%zu and %zu)", rn->D,
                    other->D);
  if (rn == other) { /* doubling the data: mean same, M2 and count doubled */
    rn->count *= 2.0;
    for (size_t j = 0; j < rn->D; j++) rn->m2[j] *= 2.0;
    return TR_OK;
  }
  merge_stats(rn, other->count, other->mean, other->m2);
  return TR_OK;
}

void alg_running_norm_var(const alg_running_norm *rn, double *var) {
  for (size_t j = 0; j < rn->D; j++) var[j] = rn->count > 0.0 ? rn->m2[j] / rn->count : 1.0;
}

void alg_running_norm_apply(const alg_running_norm *rn, double *out, const double *x, size_t B) {
  size_t D = rn->D;
  double c = rn->clip;
  int clip = c > 0.0 && isfinite(c);
  for (size_t j = 0; j < D; j++) {
    double var = rn->count > 0.0 ? rn->m2[j] / rn->count : 1.0;
    double s = 1.0 / sqrt(var + rn->eps), m = rn->count > 0.0 ? rn->mean[j] : 0.0;
    for (size_t b = 0; b < B; b++) {
      double z = (x[b * D + j] - m) * s;
      if (clip) z = z < -c ? -c : (z > c ? c : z);
      out[b * D + j] = z;
    }
  }
}

/* ---- reward scaling ------------------------------------------------------------------ */

alg_reward_scaler *alg_reward_scaler_alloc(size_t E, double gamma) {
  if (E == 0 || !(gamma >= 0.0 && gamma <= 1.0)) {
    tr_error(TR_EINVAL, "reward scaler: need E ≥ 1 streams and gamma in [0, 1] (got E = %zu, "
                        "gamma = %g)", E, gamma);
    return NULL;
  }
  alg_reward_scaler *rs = tr_calloc(1, sizeof *rs);
  if (!rs) return NULL;
  rs->E = E;
  rs->gamma = gamma;
  rs->clip = ALG_REWARD_CLIP;
  rs->eps = ALG_NORM_EPS;
  rs->G = tr_calloc(E, sizeof *rs->G);
  rs->rn = alg_running_norm_alloc(1);
  if (!rs->G || !rs->rn) {
    alg_reward_scaler_free(rs);
    tr_error_prefix("reward scaler (E = %zu)", E);
    return NULL;
  }
  return rs;
}

void alg_reward_scaler_free(alg_reward_scaler *rs) {
  if (!rs) return;
  free(rs->G);
  alg_running_norm_free(rs->rn);
  free(rs);
}

tr_status alg_reward_scaler_copy(alg_reward_scaler *dst, const alg_reward_scaler *src) {
  if (dst->E != src->E)
    return tr_error(TR_EINVAL, "reward scaler copy: stream counts differ (%zu and %zu)", dst->E,
                    src->E);
  dst->gamma = src->gamma;
  dst->clip = src->clip;
  dst->eps = src->eps;
  memcpy(dst->G, src->G, src->E * sizeof *dst->G);
  return alg_running_norm_copy(dst->rn, src->rn);
}

tr_status alg_reward_scaler_step(alg_reward_scaler *rs, double *out, const double *r,
                                 const unsigned char *done) {
  size_t E = rs->E;
  for (size_t e = 0; e < E; e++) {
    if (!isfinite(r[e]))
      return tr_error(TR_EINVAL, "reward scaler: reward of stream %zu is %g", e, r[e]);
    if (!isfinite(rs->gamma * rs->G[e] + r[e]))
      return tr_error(TR_EINVAL, "reward scaler: discounted return of stream %zu overflows", e);
  }
  for (size_t e = 0; e < E; e++) rs->G[e] = rs->gamma * rs->G[e] + r[e];
  tr_status st = alg_running_norm_update(rs->rn, rs->G, E); /* finite: checked above */
  if (st) return st;
  double var;
  alg_running_norm_var(rs->rn, &var);
  double s = 1.0 / sqrt(var + rs->eps), c = rs->clip;
  int clip = c > 0.0 && isfinite(c);
  for (size_t e = 0; e < E; e++) {
    double z = r[e] * s;
    if (clip) z = z < -c ? -c : (z > c ? c : z);
    out[e] = z;
    if (done && done[e]) rs->G[e] = 0.0;
  }
  return TR_OK;
}

/* ---- learning-rate schedule ------------------------------------------------------------ */

double alg_lr_linear(double lr0, size_t k, size_t K) {
  if (K == 0) return lr0;
  if (k >= K) return 0.0;
  return lr0 * (1.0 - (double)k / (double)K);
}
