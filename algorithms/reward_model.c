/* algorithms/reward_model.c — see reward_model.h */
#include "algorithms/checkpoint.h"
#include "algorithms/reward_model.h"
#include "core/size.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

alg_rm *alg_rm_alloc(size_t N, size_t I, size_t M, size_t nh, size_t H, nn_activation act,
                     int normalize, size_t k, size_t mb, gsl_rng *r) {
  if ((N == 0) == (I == 0) || M == 0 || k == 0 || mb == 0 || (nh && !H)) {
    tr_error(TR_EINVAL, "reward model: bad sizes");
    return NULL;
  }
  alg_rm *rm = tr_calloc(1, sizeof *rm);
  if (!rm) return NULL;
  rm->N = N, rm->I = I, rm->M = M, rm->nh = nh, rm->H = H, rm->normalize = normalize;
  size_t sizes[10], n = 0;
  if (I) sizes[n++] = I;
  else if (nh) sizes[n++] = H;
  for (size_t l = I ? 0 : 1; l < nh; l++) sizes[n++] = H;
  sizes[n++] = 1;
  if (I || nh) {
    if (!(rm->net = nn_mlp_alloc(n, sizes))) goto fail;
    nn_mlp_set_activation(rm->net, act);
  }
  rm->off_net = I ? 0 : nh ? N * H + H : 0;
  rm->P = I ? rm->net->P : nh ? rm->off_net + rm->net->P : N + 1;
  rm->Bmax = 2 * k * mb;
  size_t W = I > H ? I : H;
  rm->params = tr_calloc(M * rm->P, sizeof *rm->params);
  rm->adam = tr_calloc(M, sizeof *rm->adam);
  rm->shift = tr_calloc(M, sizeof *rm->shift);
  rm->scale = tr_malloc(M * sizeof *rm->scale);
  rm->rows_idx = tr_malloc(rm->Bmax * sizeof *rm->rows_idx);
  rm->rows_x = tr_malloc(rm->Bmax * (W ? W : 1) * sizeof *rm->rows_x);
  rm->out = tr_malloc(rm->Bmax * sizeof *rm->out);
  rm->dout = tr_malloc(rm->Bmax * sizeof *rm->dout);
  rm->dx = tr_malloc(rm->Bmax * (H ? H : 1) * sizeof *rm->dx);
  rm->grad = tr_malloc(rm->P * sizeof *rm->grad);
  if (!rm->params || !rm->adam || !rm->shift || !rm->scale || !rm->rows_idx || !rm->rows_x ||
      !rm->out || !rm->dout || !rm->dx || !rm->grad)
    goto fail;
  if (rm->net && !(rm->ws = nn_ws_alloc(rm->net, rm->Bmax))) goto fail;
  for (size_t m = 0; m < M; m++) {
    rm->scale[m] = 1.0;
    if (!(rm->adam[m] = nn_adam_alloc(rm->P))) goto fail;
    double *p = rm->params + m * rm->P;
    if (!I && nh)
      for (size_t i = 0; i < N * H; i++) p[i] = gsl_ran_gaussian_ziggurat(r, 1.0);
    if (rm->net && nn_mlp_init_orthogonal(rm->net, p + rm->off_net, NN_GAIN_HIDDEN, 1.0, r))
      goto fail;
  }
  return rm;
fail:
  alg_rm_free(rm);
  if (!tr_error_msg()[0]) tr_error(TR_ENOMEM, "out of memory: a reward model");
  return NULL;
}

void alg_rm_free(alg_rm *rm) {
  if (!rm) return;
  nn_mlp_free(rm->net);
  nn_ws_free(rm->ws);
  for (size_t m = 0; rm->adam && m < rm->M; m++) nn_adam_free(rm->adam[m]);
  free(rm->adam);
  free(rm->params), free(rm->shift), free(rm->scale), free(rm->rows_idx), free(rm->rows_x);
  free(rm->out), free(rm->dout), free(rm->dx), free(rm->grad), free(rm->boot);
  free(rm);
}

/* B ≤ Bmax rows of rows_idx / rows_x forwarded into out (B); the activations kept. */
static tr_status forward_rows(alg_rm *rm, const double *params, size_t B, double *out) {
  size_t H = rm->H;
  if (rm->I) return nn_forward(rm->net, params, rm->rows_x, B, rm->ws, out);
  if (!rm->nh) {
    for (size_t b = 0; b < B; b++) out[b] = params[rm->rows_idx[b]] + params[rm->N];
    return TR_OK;
  }
  const double *E = params, *b1 = params + rm->N * H;
  for (size_t b = 0; b < B; b++) {
    double *h = rm->rows_x + b * H;
    const double *e = E + rm->rows_idx[b] * H;
    for (size_t j = 0; j < H; j++) h[j] = e[j] + b1[j];
  }
  nn_activate(rm->net->act, rm->rows_x, B * H); /* the network's σ on the embedding layer */
  return nn_forward(rm->net, params + rm->off_net, rm->rows_x, B, rm->ws, out);
}

/* grad (P) += the gradient of Σ_b dout_b out_b for the rows last forwarded. */
static tr_status backward_rows(alg_rm *rm, const double *params, size_t B, const double *dout,
                               double *grad) {
  size_t H = rm->H;
  if (rm->I) return nn_backward(rm->net, params, rm->ws, dout, B, grad, NULL);
  if (!rm->nh) {
    for (size_t b = 0; b < B; b++) grad[rm->rows_idx[b]] += dout[b], grad[rm->N] += dout[b];
    return TR_OK;
  }
  nn_zero(rm->dx, B * H);
  tr_status st = nn_backward(rm->net, params + rm->off_net, rm->ws, dout, B,
                             grad + rm->off_net, rm->dx);
  if (st) return st;
  /* ∂ℓ/∂z (B, H) = ∂ℓ/∂h ⊙ σ'(z), in place in dx, then into the embedding rows and bias */
  nn_activation_slope(rm->net->act, rm->dx, rm->rows_x, B * H);
  double *gE = grad, *gb = grad + rm->N * H;
  for (size_t b = 0; b < B; b++) {
    const double *dz = rm->dx + b * H;
    double *ge = gE + rm->rows_idx[b] * H;
    for (size_t j = 0; j < H; j++) ge[j] += dz[j], gb[j] += dz[j];
  }
  return TR_OK;
}

/* Rows [0, B) from B steps at idx or x. */
static void load_rows(alg_rm *rm, const size_t *idx, const double *x, size_t B) {
  if (rm->I) memcpy(rm->rows_x, x, B * rm->I * sizeof *x);
  else memcpy(rm->rows_idx, idx, B * sizeof *idx);
}

tr_status alg_rm_member(alg_rm *rm, const double *params, const size_t *idx, const double *x,
                        size_t B, double *out) {
  for (size_t b0 = 0; b0 < B; b0 += rm->Bmax) {
    size_t n = B - b0 < rm->Bmax ? B - b0 : rm->Bmax;
    load_rows(rm, idx ? idx + b0 : NULL, x ? x + b0 * rm->I : NULL, n);
    tr_status st = forward_rows(rm, params, n, out + b0);
    if (st) return st;
  }
  return TR_OK;
}

/* Segment s's k rows into rows [r0, r0 + k). */
static void load_segment(alg_rm *rm, const alg_pref_data *d, size_t s, size_t r0) {
  size_t k = d->k;
  if (rm->I) memcpy(rm->rows_x + r0 * rm->I, d->feat + s * k * rm->I, k * rm->I * sizeof(double));
  else memcpy(rm->rows_idx + r0, d->idx + s * k, k * sizeof(size_t));
}

/* One chunk of n ≤ Bmax/(2k) comparisons: adds its Σ loss into *loss and, with grad, the
 * gradient of (1/n_total) Σ loss. */
static tr_status bt_chunk(alg_rm *rm, const double *params, const alg_pref_data *d,
                          const size_t *ids, size_t n, double n_total, double *loss,
                          double *grad) {
  size_t k = d->k;
  for (size_t j = 0; j < n; j++) {
    const alg_pref_cmp *c = &d->cmp[ids ? ids[j] : j];
    load_segment(rm, d, c->a, 2 * j * k);
    load_segment(rm, d, c->b, (2 * j + 1) * k);
  }
  tr_status st = forward_rows(rm, params, 2 * n * k, rm->out);
  if (st) return st;
  for (size_t j = 0; j < n; j++) {
    const alg_pref_cmp *c = &d->cmp[ids ? ids[j] : j];
    double ra = 0, rb = 0;
    for (size_t t = 0; t < k; t++) ra += rm->out[2 * j * k + t], rb += rm->out[(2 * j + 1) * k + t];
    double z = ra - rb;
    /* log(1 + e^{−z}) stably, + (1 − μ) z */
    *loss += (z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z))) + (1.0 - c->mu) * z;
    double g = (1.0 / (1.0 + exp(-z)) - c->mu) / n_total;
    for (size_t t = 0; t < k; t++) rm->dout[2 * j * k + t] = g, rm->dout[(2 * j + 1) * k + t] = -g;
  }
  return grad ? backward_rows(rm, params, 2 * n * k, rm->dout, grad) : TR_OK;
}

tr_status alg_rm_bt_loss(alg_rm *rm, const double *params, const alg_pref_data *d,
                         const size_t *ids, size_t n, double *loss, double *grad) {
  if (!ids) n = d->n_cmp;
  size_t per = rm->Bmax / (2 * d->k);
  if (!per) return tr_error(TR_EINVAL, "reward model: segments of %zu steps exceed its batch", d->k);
  double l = 0;
  if (grad) nn_zero(grad, rm->P);
  for (size_t j0 = 0; j0 < n; j0 += per) {
    size_t m = n - j0 < per ? n - j0 : per;
    size_t local[4096], *use = NULL;
    if (!ids) { /* all comparisons j0 … j0+m−1 */
      use = m <= 4096 ? local : tr_malloc(m * sizeof *use);
      if (!use) return TR_ENOMEM;
      for (size_t j = 0; j < m; j++) use[j] = j0 + j;
    }
    tr_status st = bt_chunk(rm, params, d, ids ? ids + j0 : use, m, (double)n, &l, grad);
    if (use && use != local) free(use);
    if (st) return st;
  }
  *loss = n ? l / (double)n : 0.0;
  return TR_OK;
}

tr_status alg_rm_train(alg_rm *rm, const alg_pref_data *d, size_t epochs, size_t mb, double lr,
                       gsl_rng *r) {
  size_t n = d->n_cmp, per = rm->Bmax / (2 * d->k);
  if (mb > per) mb = per;
  if (!n || !mb) return alg_rm_normalize(rm, d);
  if (n > rm->boot_cap) {
    size_t *b = realloc(rm->boot, n * sizeof *b);
    if (!b) return tr_error(TR_ENOMEM, "out of memory: %zu comparisons", n);
    rm->boot = b, rm->boot_cap = n;
  }
  for (size_t m = 0; m < rm->M; m++) {
    double *p = rm->params + m * rm->P;
    for (size_t i = 0; i < n; i++) rm->boot[i] = rm->M > 1 ? gsl_rng_uniform_int(r, n) : i;
    for (size_t e = 0; e < epochs; e++) {
      if (n > mb) gsl_ran_shuffle(r, rm->boot, n, sizeof *rm->boot);
      for (size_t j0 = 0; j0 < n; j0 += mb) {
        size_t b = n - j0 < mb ? n - j0 : mb;
        double l = 0;
        nn_zero(rm->grad, rm->P);
        tr_status st = bt_chunk(rm, p, d, rm->boot + j0, b, (double)b, &l, rm->grad);
        if (st) return st;
        if (!isfinite(l)) return tr_error(TR_ENUM, "reward model: the loss is not finite");
        nn_adam_step(rm->adam[m], p, rm->grad, lr);
      }
    }
  }
  return alg_rm_normalize(rm, d);
}

tr_status alg_rm_normalize(alg_rm *rm, const alg_pref_data *d) {
  size_t steps = d->n_seg * d->k;
  for (size_t m = 0; m < rm->M; m++) {
    rm->shift[m] = 0, rm->scale[m] = 1;
    if (!rm->normalize || !steps) continue;
    double s1 = 0, s2 = 0;
    const double *p = rm->params + m * rm->P;
    for (size_t b0 = 0; b0 < steps; b0 += rm->Bmax) {
      size_t nb = steps - b0 < rm->Bmax ? steps - b0 : rm->Bmax;
      tr_status st = alg_rm_member(rm, p, rm->I ? NULL : d->idx + b0,
                                   rm->I ? d->feat + b0 * rm->I : NULL, nb, rm->out);
      if (st) return st;
      for (size_t i = 0; i < nb; i++) s1 += rm->out[i];
    }
    double mean = s1 / (double)steps;
    for (size_t b0 = 0; b0 < steps; b0 += rm->Bmax) {
      size_t nb = steps - b0 < rm->Bmax ? steps - b0 : rm->Bmax;
      tr_status st = alg_rm_member(rm, p, rm->I ? NULL : d->idx + b0,
                                   rm->I ? d->feat + b0 * rm->I : NULL, nb, rm->out);
      if (st) return st;
      for (size_t i = 0; i < nb; i++) s2 += (rm->out[i] - mean) * (rm->out[i] - mean);
    }
    double sd = sqrt(s2 / (double)steps);
    rm->shift[m] = mean;
    rm->scale[m] = sd > 1e-12 ? sd : 1.0;
  }
  return TR_OK;
}

tr_status alg_rm_predict(alg_rm *rm, const size_t *idx, const double *x, size_t B, double *out) {
  for (size_t b0 = 0; b0 < B; b0 += rm->Bmax) {
    size_t n = B - b0 < rm->Bmax ? B - b0 : rm->Bmax;
    for (size_t i = 0; i < n; i++) out[b0 + i] = 0;
    for (size_t m = 0; m < rm->M; m++) {
      load_rows(rm, idx ? idx + b0 : NULL, x ? x + b0 * rm->I : NULL, n);
      tr_status st = forward_rows(rm, rm->params + m * rm->P, n, rm->dout);
      if (st) return st;
      for (size_t i = 0; i < n; i++)
        out[b0 + i] += (rm->dout[i] - rm->shift[m]) / rm->scale[m] / (double)rm->M;
    }
  }
  return TR_OK;
}

tr_status alg_rm_ckpt(alg_rm *rm, alg_ckpt_io *io, const char *prefix) {
  char nm[128];
  snprintf(nm, sizeof nm, "%s.params", prefix);
  tr_status st = alg_ckpt_f64(io, nm, rm->params, rm->M * rm->P);
  snprintf(nm, sizeof nm, "%s.shift", prefix);
  if (!st) st = alg_ckpt_f64(io, nm, rm->shift, rm->M);
  snprintf(nm, sizeof nm, "%s.scale", prefix);
  if (!st) st = alg_ckpt_f64(io, nm, rm->scale, rm->M);
  for (size_t m = 0; !st && m < rm->M; m++) {
    snprintf(nm, sizeof nm, "%s.adam%zu", prefix, m);
    st = alg_ckpt_adam(io, nm, rm->adam[m]);
  }
  return st;
}
