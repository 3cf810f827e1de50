/* algorithms/preferences.c — see preferences.h */
#include "algorithms/preferences.h"
#include "algorithms/checkpoint.h"
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

/* ---- checkpoint ------------------------------------------------------------------------ */
_Static_assert(sizeof(size_t) == sizeof(uint64_t), "size_t blocks are u64");

tr_status alg_pref_data_ckpt(alg_pref_data *d, alg_ckpt_io *io, const char *prefix) {
  char nm[128];
#define NM(leaf) (snprintf(nm, sizeof nm, "%s.%s", prefix, leaf), nm)
  size_t k = d->k, I = d->I;
  tr_status st = alg_ckpt_size(io, NM("n_seg"), &d->n_seg);
  if (!st) st = alg_ckpt_size(io, NM("n_cmp"), &d->n_cmp);
  if (!st) st = alg_ckpt_size(io, NM("n_query"), &d->n_query);
  if (!st) st = alg_ckpt_size(io, NM("ep_n"), &d->ep_n);
  if (!st) st = alg_ckpt_size(io, NM("episodes_seen"), &d->episodes_seen);
  if (!st) st = alg_ckpt_size(io, NM("longest_episode"), &d->longest_episode);
  if (st) return st;
  size_t nseg = d->n_seg, ncmp = d->n_cmp, nep = d->ep_n;
  if (alg_ckpt_loading(io)) {
    d->n_seg = 0;
    if ((st = grow_segments(d, nseg))) return st;
    d->n_seg = nseg;
    if ((st = grow((void **)&d->cmp, &d->cap_cmp, ncmp, sizeof *d->cmp))) return st;
    size_t cap = d->ep_cap;
    if (I && (st = grow((void **)&d->ep_feat, &cap, nep, I * sizeof *d->ep_feat))) return st;
    cap = d->ep_cap;
    if (!I && (st = grow((void **)&d->ep_idx, &cap, nep, sizeof *d->ep_idx))) return st;
    if ((st = grow((void **)&d->ep_rew, &d->ep_cap, nep, sizeof *d->ep_rew))) return st;
  }
  if (I) st = alg_ckpt_f64(io, NM("feat"), d->feat, nseg * k * I);
  else st = alg_ckpt_u64(io, NM("idx"), (uint64_t *)d->idx, nseg * k);
  if (!st) st = alg_ckpt_f64(io, NM("ret"), d->ret, nseg);
  if (!st && I) st = alg_ckpt_f64(io, NM("ep_feat"), d->ep_feat, nep * I);
  if (!st && !I) st = alg_ckpt_u64(io, NM("ep_idx"), (uint64_t *)d->ep_idx, nep);
  if (!st) st = alg_ckpt_f64(io, NM("ep_rew"), d->ep_rew, nep);
  if (st) return st;
  /* the sources and comparisons, packed */
  size_t n8 = nseg > 5 * ncmp ? nseg : 5 * ncmp, n64 = 2 * ncmp;
  uint64_t *u = tr_malloc((n8 ? n8 : 1) * sizeof *u);
  double *f = tr_malloc((n64 ? n64 : 1) * sizeof *f);
  if (!u || !f) st = TR_ENOMEM;
  for (size_t i = 0; !st && i < nseg; i++) u[i] = (uint64_t)d->source[i];
  if (!st) st = alg_ckpt_u64(io, NM("source"), u, nseg);
  for (size_t i = 0; !st && i < nseg; i++) {
    if (u[i] > 1) st = tr_error(TR_EINVAL, "a broken block %s.source", prefix);
    d->source[i] = (int)u[i];
  }
  for (size_t i = 0; !st && i < ncmp; i++) {
    const alg_pref_cmp *c = &d->cmp[i];
    u[5 * i] = c->a, u[5 * i + 1] = c->b, u[5 * i + 2] = c->query, u[5 * i + 3] = c->iter;
    u[5 * i + 4] = (uint64_t)c->random;
    f[2 * i] = c->mu, f[2 * i + 1] = c->p;
  }
  if (!st) st = alg_ckpt_u64(io, NM("cmp"), u, 5 * ncmp);
  if (!st) st = alg_ckpt_f64(io, NM("cmp_mu_p"), f, 2 * ncmp);
  for (size_t i = 0; !st && alg_ckpt_loading(io) && i < ncmp; i++) {
    alg_pref_cmp *c = &d->cmp[i];
    if (u[5 * i] >= nseg || u[5 * i + 1] >= nseg) {
      st = tr_error(TR_EINVAL, "a broken block %s.cmp", prefix);
      break;
    }
    c->a = u[5 * i], c->b = u[5 * i + 1], c->query = u[5 * i + 2], c->iter = u[5 * i + 3];
    c->random = (int)u[5 * i + 4], c->mu = f[2 * i], c->p = f[2 * i + 1];
  }
  free(u), free(f);
  return st;
#undef NM
}
