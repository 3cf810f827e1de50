/* algorithms/preferences.c — see preferences.h */
#include "algorithms/preferences.h"
#include "core/size.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

alg_pref_data *alg_pref_data_alloc(size_t k, size_t I) {
  alg_pref_data *d = tr_calloc(1, sizeof *d);
  if (!d) return NULL;
  d->k = k, d->I = I;
  return d;
}

void alg_pref_data_free(alg_pref_data *d) {
  if (!d) return;
  free(d->idx), free(d->feat), free(d->ret), free(d->source), free(d->cmp);
  free(d->ep_idx), free(d->ep_feat), free(d->ep_rew);
  free(d);
}

static tr_status grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return TR_OK;
  size_t c = *cap ? *cap : 64;
  while (c < need) c *= 2;
  void *q = realloc(*p, c * elem);
  if (!q) return tr_error(TR_ENOMEM, "out of memory: %zu preference records", c);
  *p = q, *cap = c;
  return TR_OK;
}

static tr_status grow_segments(alg_pref_data *d, size_t need) {
  if (need <= d->cap_seg) return TR_OK;
  size_t c = d->cap_seg ? 2 * d->cap_seg : 64;
  while (c < need) c *= 2;
  size_t k = d->k, I = d->I;
  void *a = d->I ? realloc(d->feat, c * k * I * sizeof *d->feat)
                 : realloc(d->idx, c * k * sizeof *d->idx);
  if (!a) return tr_error(TR_ENOMEM, "out of memory: %zu segments of %zu steps", c, k);
  if (d->I) d->feat = a;
  else d->idx = a;
  double *r = realloc(d->ret, c * sizeof *r);
  if (r) d->ret = r;
  int *s = r ? realloc(d->source, c * sizeof *s) : NULL;
  if (s) d->source = s;
  if (!r || !s) return tr_error(TR_ENOMEM, "out of memory: %zu segments", c);
  d->cap_seg = c;
  return TR_OK;
}

tr_status alg_pref_add_segment(alg_pref_data *d, const size_t *idx, const double *feat,
                               double ret, int source, size_t *id) {
  tr_status st = grow_segments(d, d->n_seg + 1);
  if (st) return st;
  size_t i = d->n_seg++, k = d->k;
  if (d->I) memcpy(d->feat + i * k * d->I, feat, k * d->I * sizeof *feat);
  else memcpy(d->idx + i * k, idx, k * sizeof *idx);
  d->ret[i] = ret, d->source[i] = source;
  if (id) *id = i;
  return TR_OK;
}

/* The finished episode in ep_*: cut into segments. */
static tr_status cut_episode(alg_pref_data *d, int source, gsl_rng *r, size_t *made) {
  size_t L = d->ep_n, k = d->k;
  d->episodes_seen++;
  if (L > d->longest_episode) d->longest_episode = L;
  d->ep_n = 0;
  if (L < k) return TR_OK;
  size_t o = gsl_rng_uniform_int(r, (unsigned long)(L % k) + 1);
  for (size_t t0 = o; t0 + k <= L; t0 += k) {
    double ret = 0;
    for (size_t t = t0; t < t0 + k; t++) ret += d->ep_rew[t];
    tr_status st = alg_pref_add_segment(d, d->I ? NULL : d->ep_idx + t0,
                                        d->I ? d->ep_feat + t0 * d->I : NULL, ret, source, NULL);
    if (st) return st;
    (*made)++;
  }
  return TR_OK;
}

tr_status alg_pref_add_steps(alg_pref_data *d, const size_t *idx, const double *feat,
                             const double *rew, const unsigned char *done, size_t n, int source,
                             gsl_rng *r, size_t *made) {
  size_t m = 0;
  tr_status st = TR_OK;
  for (size_t t = 0; t < n && !st; t++) {
    if (d->ep_n == d->ep_cap) { /* the episode's buffers grow together, ep_cap steps */
      size_t c = d->ep_cap ? 2 * d->ep_cap : 256;
      double *rw = realloc(d->ep_rew, c * sizeof *rw);
      if (rw) d->ep_rew = rw;
      void *x = !rw ? NULL
                : d->I ? realloc(d->ep_feat, c * d->I * sizeof *d->ep_feat)
                       : realloc(d->ep_idx, c * sizeof *d->ep_idx);
      if (!x) {
        st = tr_error(TR_ENOMEM, "out of memory: an episode of %zu steps", c);
        break;
      }
      if (d->I) d->ep_feat = x;
      else d->ep_idx = x;
      d->ep_cap = c;
    }
    if (d->I) memcpy(d->ep_feat + d->ep_n * d->I, feat + t * d->I, d->I * sizeof *feat);
    else d->ep_idx[d->ep_n] = idx[t];
    d->ep_rew[d->ep_n++] = rew[t];
    if (done[t]) st = cut_episode(d, source, r, &m);
  }
  if (made) *made = m;
  return st;
}

static double bt_prob(double ra, double rb, double tau) {
  if (tau == 0) return ra > rb ? 1.0 : ra < rb ? 0.0 : 0.5;
  return 1.0 / (1.0 + exp(-(ra - rb) / tau));
}

tr_status alg_pref_label(alg_pref_data *d, const size_t *seg, size_t K, double temperature,
                         double epsilon, int soft, size_t iter, gsl_rng *r) {
  if (K < 2 || K > 64) return tr_error(TR_EINVAL, "a query of %zu segments (2 to 64)", K);
  size_t np = K * (K - 1) / 2;
  tr_status st = grow((void **)&d->cmp, &d->cap_cmp, d->n_cmp + np, sizeof *d->cmp);
  if (st) return st;
  size_t order[64], rank[64]; /* order[j]: the segment (position in seg) ranked j-th */
  int random = 0;
  for (size_t j = 0; j < K; j++) order[j] = j;
  if (!soft) {
    random = epsilon > 0 && gsl_rng_uniform(r) < epsilon;
    if (random) gsl_ran_shuffle(r, order, K, sizeof *order);
    else if (temperature > 0) { /* Plackett–Luce: the next one ∝ exp(R/τ) among those left */
      for (size_t j = 0; j + 1 < K; j++) {
        double mx = -INFINITY, w[64], z = 0;
        for (size_t i = j; i < K; i++) mx = fmax(mx, d->ret[seg[order[i]]]);
        for (size_t i = j; i < K; i++) z += w[i] = exp((d->ret[seg[order[i]]] - mx) / temperature);
        double u = gsl_rng_uniform(r) * z, c = 0;
        size_t pick = K - 1;
        for (size_t i = j; i < K; i++)
          if ((c += w[i]) > u) {
            pick = i;
            break;
          }
        size_t t = order[j];
        order[j] = order[pick], order[pick] = t;
      }
    } else /* the noiseless oracle: by return (stable); ties are labeled ½ below */
      for (size_t j = 1; j < K; j++)
        for (size_t i = j; i > 0 && d->ret[seg[order[i]]] > d->ret[seg[order[i - 1]]]; i--) {
          size_t t = order[i];
          order[i] = order[i - 1], order[i - 1] = t;
        }
  }
  for (size_t j = 0; j < K; j++) rank[order[j]] = j;
  for (size_t i = 0; i < K; i++)
    for (size_t j = i + 1; j < K; j++) {
      alg_pref_cmp *c = &d->cmp[d->n_cmp++];
      c->a = seg[i], c->b = seg[j];
      c->p = bt_prob(d->ret[c->a], d->ret[c->b], temperature);
      if (soft) c->mu = c->p;
      else if (!random && temperature == 0 && d->ret[c->a] == d->ret[c->b]) c->mu = 0.5;
      else c->mu = rank[i] < rank[j] ? 1.0 : 0.0;
      c->query = d->n_query, c->iter = iter, c->random = random;
    }
  d->n_query++;
  return TR_OK;
}

static void put_steps(FILE *f, const alg_pref_data *d, size_t s, size_t A) {
  fputc('\t', f);
  for (size_t t = 0; t < d->k; t++) {
    size_t x = d->idx[s * d->k + t];
    fprintf(f, "%s%zu:%zu", t ? "," : "", x / A, x % A);
  }
}

tr_status alg_pref_write_tsv(const alg_pref_data *d, size_t A, FILE *f) {
  fputs("query\titer\ta\tb\treturn_a\treturn_b\tp_bt\tlabel\trandom\tsource_a\tsource_b", f);
  fputs(d->I ? "\n" : "\tsteps_a\tsteps_b\n", f);
  static const char *src[] = {"reference", "current"};
  for (size_t i = 0; i < d->n_cmp; i++) {
    const alg_pref_cmp *c = &d->cmp[i];
    fprintf(f, "%zu\t%zu\t%zu\t%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%d\t%s\t%s", c->query, c->iter,
            c->a, c->b, d->ret[c->a], d->ret[c->b], c->p, c->mu, c->random, src[d->source[c->a]],
            src[d->source[c->b]]);
    if (!d->I) put_steps(f, d, c->a, A), put_steps(f, d, c->b, A);
    fputc('\n', f);
  }
  return ferror(f) ? tr_error(TR_EIO, "cannot write the preferences") : TR_OK;
}
