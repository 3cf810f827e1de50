/* mdps/mdp.c — see mdp.h */
#include "mdps/mdp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/size.h"

static tr_status check_scalars(size_t S, size_t A, double gamma) {
  if (S < 1) return tr_error(TR_EINVAL, "an MDP needs at least one state");
  if (A < 1) return tr_error(TR_EINVAL, "an MDP needs at least one action");
  if (!(gamma >= 0.0 && gamma < 1.0))
    return tr_error(TR_EINVAL, "discount %.17g is outside [0, 1)", gamma);
  return TR_OK;
}

static tr_status check_rewards_mu(size_t S, size_t A, const double *r, const double *mu) {
  for (size_t k = 0; k < S * A; k++)
    if (!isfinite(r[k]))
      return tr_error(TR_EINVAL, "reward r(s=%zu, a=%zu) is not finite", k / A, k % A);
  if (mu) {
    double sum = 0.0;
    for (size_t s = 0; s < S; s++) {
      if (!isfinite(mu[s]) || mu[s] < 0.0)
        return tr_error(TR_EINVAL, "start distribution has invalid entry %.17g at s=%zu",
                        mu[s], s);
      sum += mu[s];
    }
    if (fabs(sum - 1.0) > MDP_ROW_TOL)
      return tr_error(TR_EINVAL, "start distribution sums to %.17g", sum);
  }
  return TR_OK;
}

static tr_status check_entry(size_t k, size_t A, size_t s2, double p) {
  if (!isfinite(p) || p < 0.0)
    return tr_error(TR_EINVAL, "T(s'=%zu | s=%zu, a=%zu) = %.17g is not a probability",
                    s2, k / A, k % A, p);
  return TR_OK;
}

static tr_status check_rowsum(size_t k, size_t A, double sum) {
  if (fabs(sum - 1.0) > MDP_ROW_TOL)
    return tr_error(TR_EINVAL, "row (s=%zu, a=%zu) of T sums to %.17g", k / A, k % A, sum);
  return TR_OK;
}

tr_status mdp_check_dense(size_t S, size_t A, double gamma, const double *P,
                          const double *r, const double *mu) {
  tr_status st = check_scalars(S, A, gamma);
  if (st) return st;
  for (size_t k = 0; k < S * A; k++) {
    double sum = 0.0;
    for (size_t s2 = 0; s2 < S; s2++) {
      if ((st = check_entry(k, A, s2, P[k * S + s2]))) return st;
      sum += P[k * S + s2];
    }
    if ((st = check_rowsum(k, A, sum))) return st;
  }
  return check_rewards_mu(S, A, r, mu);
}

/* The shell: scalars, r, μ (uniform when NULL), no transitions yet. */
static mdp *mdp_shell(size_t S, size_t A, double gamma, const double *r, const double *mu) {
  mdp *m = tr_calloc(1, sizeof *m);
  if (!m) return NULL;
  m->S = S;
  m->A = A;
  m->gamma = gamma;
  m->mu = tr_malloc(S * sizeof *m->mu);
  m->r = tr_malloc(S * A * sizeof *m->r);
  m->rowptr = tr_calloc(S * A + 1, sizeof *m->rowptr);
  if (!m->mu || !m->r || !m->rowptr) {
    mdp_free(m);
    return NULL;
  }
  memcpy(m->r, r, S * A * sizeof *r);
  for (size_t s = 0; s < S; s++) m->mu[s] = mu ? mu[s] : 1.0 / (double)S;
  return m;
}

mdp *mdp_alloc_dense(size_t S, size_t A, double gamma, const double *P,
                     const double *r, const double *mu) {
  if (check_scalars(S, A, gamma)) return NULL;
  if (mdp_check_dense(S, A, gamma, P, r, mu)) return NULL;
  mdp *m = mdp_shell(S, A, gamma, r, mu);
  if (!m) return NULL;
  size_t nnz = 0;
  for (size_t i = 0; i < S * A * S; i++) nnz += P[i] > 0.0;
  m->col = tr_malloc(nnz * sizeof *m->col);
  m->prob = tr_malloc(nnz * sizeof *m->prob);
  if (!m->col || !m->prob) {
    mdp_free(m);
    return NULL;
  }
  size_t i = 0;
  for (size_t k = 0; k < S * A; k++) {
    m->rowptr[k] = i;
    for (size_t s2 = 0; s2 < S; s2++)
      if (P[k * S + s2] > 0.0) {
        m->col[i] = s2;
        m->prob[i++] = P[k * S + s2];
      }
  }
  m->rowptr[S * A] = i;
  return m;
}

typedef struct { size_t col; double p; } entry;

static int entry_cmp(const void *a, const void *b) {
  size_t x = ((const entry *)a)->col, y = ((const entry *)b)->col;
  return (x > y) - (x < y);
}

mdp *mdp_alloc_csr(size_t S, size_t A, double gamma, const size_t *rowptr,
                   const size_t *col, const double *prob, const double *r,
                   const double *mu) {
  if (check_scalars(S, A, gamma) || check_rewards_mu(S, A, r, mu)) return NULL;
  size_t K = S * A, N = rowptr[K];
  if (rowptr[0] != 0) {
    tr_error(TR_EINVAL, "compressed rows must start at 0");
    return NULL;
  }
  for (size_t k = 0; k < K; k++)
    if (rowptr[k + 1] < rowptr[k]) {
      tr_error(TR_EINVAL, "compressed row pointers decrease at row %zu", k);
      return NULL;
    }
  mdp *m = mdp_shell(S, A, gamma, r, mu);
  entry *tmp = tr_malloc(N * sizeof *tmp);
  if (m) {
    m->col = tr_malloc(N * sizeof *m->col);
    m->prob = tr_malloc(N * sizeof *m->prob);
  }
  if (!m || !tmp || !m->col || !m->prob) goto fail;
  size_t out = 0;
  for (size_t k = 0; k < K; k++) {
    size_t n = rowptr[k + 1] - rowptr[k];
    double sum = 0.0;
    for (size_t j = 0; j < n; j++) {
      size_t i = rowptr[k] + j;
      if (col[i] >= S) {
        tr_error(TR_EINVAL, "T(s'=%zu | s=%zu, a=%zu): next state out of range (S=%zu)",
                 col[i], k / A, k % A, S);
        goto fail;
      }
      if (check_entry(k, A, col[i], prob[i])) goto fail;
      tmp[j].col = col[i];
      tmp[j].p = prob[i];
      sum += prob[i];
    }
    if (check_rowsum(k, A, sum)) goto fail;
    qsort(tmp, n, sizeof *tmp, entry_cmp);
    m->rowptr[k] = out;
    for (size_t j = 0; j < n; j++) {
      if (tmp[j].p == 0.0) continue;
      if (out > m->rowptr[k] && m->col[out - 1] == tmp[j].col) {
        m->prob[out - 1] += tmp[j].p;
      } else {
        m->col[out] = tmp[j].col;
        m->prob[out++] = tmp[j].p;
      }
    }
  }
  m->rowptr[K] = out;
  free(tmp);
  return m;
fail:
  free(tmp);
  mdp_free(m);
  return NULL;
}

static void free_names(char **names, size_t n) {
  if (!names) return;
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

void mdp_free(mdp *m) {
  if (!m) return;
  free(m->mu);
  free(m->r);
  free(m->rowptr);
  free(m->col);
  free(m->prob);
  free_names(m->state_names, m->S);
  free_names(m->action_names, m->A);
  free(m);
}

static char **copy_names(char *const *names, size_t n, tr_status *st) {
  *st = TR_OK;
  if (!names) return NULL;
  char **out = tr_calloc(n, sizeof *out);
  if (!out) {
    *st = TR_ENOMEM;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    out[i] = strdup(names[i] ? names[i] : "");
    if (!out[i]) {
      free_names(out, n);
      *st = tr_error(TR_ENOMEM, "out of memory copying names");
      return NULL;
    }
  }
  return out;
}

tr_status mdp_set_names(mdp *m, char *const *state_names, char *const *action_names) {
  tr_status st;
  char **sn = copy_names(state_names, m->S, &st);
  if (st) return st;
  char **an = copy_names(action_names, m->A, &st);
  if (st) {
    free_names(sn, m->S);
    return st;
  }
  free_names(m->state_names, m->S);
  free_names(m->action_names, m->A);
  m->state_names = sn;
  m->action_names = an;
  return TR_OK;
}

mdp *mdp_copy(const mdp *m) {
  mdp *c = mdp_alloc_csr(m->S, m->A, m->gamma, m->rowptr, m->col, m->prob, m->r, m->mu);
  if (c && mdp_set_names(c, m->state_names, m->action_names)) {
    mdp_free(c);
    return NULL;
  }
  return c;
}

mdp *mdp_with_gamma(const mdp *m, double gamma) {
  mdp *c = mdp_alloc_csr(m->S, m->A, gamma, m->rowptr, m->col, m->prob, m->r, m->mu);
  if (c && mdp_set_names(c, m->state_names, m->action_names)) {
    mdp_free(c);
    return NULL;
  }
  return c;
}

void mdp_reward_range(const mdp *m, double *rmin, double *rmax) {
  double lo = m->r[0], hi = m->r[0];
  for (size_t k = 1; k < m->S * m->A; k++) {
    if (m->r[k] < lo) lo = m->r[k];
    if (m->r[k] > hi) hi = m->r[k];
  }
  *rmin = lo;
  *rmax = hi;
}

mdp *mdp_rescale_rewards(const mdp *m) {
  mdp *c = mdp_copy(m);
  if (!c) return NULL;
  double lo, hi;
  mdp_reward_range(m, &lo, &hi);
  for (size_t k = 0; k < m->S * m->A; k++)
    c->r[k] = hi > lo ? (m->r[k] - lo) / (hi - lo) : 0.0;
  return c;
}

double mdp_prob(const mdp *m, size_t s, size_t a, size_t s2) {
  size_t k = s * m->A + a;
  for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++)
    if (m->col[i] == s2) return m->prob[i];
  return 0.0;
}

void mdp_dense_P(const mdp *m, double *out) {
  size_t K = m->S * m->A;
  memset(out, 0, K * m->S * sizeof *out);
  for (size_t k = 0; k < K; k++)
    for (size_t i = m->rowptr[k]; i < m->rowptr[k + 1]; i++) out[k * m->S + m->col[i]] = m->prob[i];
}

size_t mdp_nnz(const mdp *m) { return m->rowptr[m->S * m->A]; }
