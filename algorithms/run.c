/* algorithms/run.c — see run.h */
#include "algorithms/run.h"

#include "core/clock.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/rng.h"
#include "core/size.h"
#include "algorithms/rlhf.h"
#include "theory/softmax.h"

/* ---- observation normalization (the sampler's transform) --------------------------- */
static void obs_transform(void *ctx, double *obs, size_t B, int update) {
  alg_run *run = ctx;
  /* an update fails only on a non-finite observation, which the environments never return
   * (MuJoCo instabilities end the episode); the statistics then stay as they were */
  if (update) (void)alg_running_norm_update(run->state.obs_norm, obs, B);
  alg_running_norm_apply(run->state.obs_norm, obs, obs, B);
}

/* ---- construction ------------------------------------------------------------------- */
static tr_status check_fit(const alg_class *cls, const env_model *em) {
  env_space sp = env_action_space(em);
  if ((cls->needs & ALG_NEEDS_TABULAR) && !env_model_mdp(em))
    return tr_error(TR_EINVAL, "algorithm %s needs a tabular environment (garnet:, chain:, "
                               "gridworld:, frozenlake4/8, cliffwalking, mdp:); %s is not one",
                    cls->name, env_model_name(em));
  if ((cls->needs & ALG_NEEDS_DISCRETE) && sp.kind != ENV_DISCRETE)
    return tr_error(TR_EINVAL, "algorithm %s needs a discrete action space; %s has a box of "
                               "dimension %zu", cls->name, env_model_name(em), sp.n);
  return TR_OK;
}

static tr_status build_policy(alg_run *run, size_t H, size_t nh, gsl_rng *r) {
  const env_model *em = run->model.em;
  env_space sp = env_action_space(em);
  size_t O = env_obs_dim(em), hidden[8];
  for (size_t i = 0; i < nh && i < 8; i++) hidden[i] = H;
  if (run->model.tab) run->model.pol = pol_tabular_alloc(run->model.tab->S, run->model.tab->A);
  else if (sp.kind == ENV_DISCRETE) run->model.pol = pol_categorical_alloc(O, nh, hidden, sp.n);
  else run->model.pol = pol_gaussian_alloc(O, nh, hidden, sp.n);
  if (!run->model.pol) return TR_ENOMEM;
  size_t P = run->model.pol->P, K = run->model.pol->K;
  run->state.theta = tr_malloc(P * sizeof *run->state.theta);
  run->state.theta_old = tr_malloc(P * sizeof *run->state.theta_old);
  run->ws.grad = tr_malloc(P * sizeof *run->ws.grad);
  run->ws.pws = pol_ws_alloc(run->model.pol, run->model.T);
  run->ws.pws_act = pol_ws_alloc(run->model.pol, run->model.E);
  run->ws.act_dist = tr_malloc(run->model.E * K * sizeof *run->ws.act_dist);
  run->state.dist_old = tr_malloc(run->model.T * K * sizeof *run->state.dist_old);
  if (!run->state.theta || !run->state.theta_old || !run->ws.grad || !run->ws.pws ||
      !run->ws.pws_act || !run->ws.act_dist || !run->state.dist_old)
    return TR_ENOMEM;
  nn_mlp *net = run->model.pol->net;
  if (net) nn_mlp_set_activation(net, (nn_activation)run->model.shared->activation);
  if (net && run->model.shared->init == ALG_INIT_XAVIER) { /* the MLP's part; log-stds 0 */
    nn_zero(run->state.theta, P);
    return nn_mlp_init_xavier(net, run->state.theta, 1.0, 1.0, r);
  }
  return pol_init(run->model.pol, run->state.theta, run->model.shared->policy_init_gain, r);
}

static tr_status build_value(alg_run *run, size_t H, size_t nh, gsl_rng *r) {
  size_t O = env_obs_dim(run->model.em), sizes[10], n = 0;
  sizes[n++] = O;
  if (!run->model.tab)
    for (size_t i = 0; i < nh && i < 8; i++) sizes[n++] = H;
  sizes[n++] = 1; /* tabular: a linear map of the one-hot state, i.e. a table */
  run->model.vnet = nn_mlp_alloc(n, sizes);
  if (!run->model.vnet) return TR_ENOMEM;
  nn_mlp_set_activation(run->model.vnet, (nn_activation)run->model.shared->activation);
  size_t Pv = run->model.vnet->P;
  run->state.vparams = tr_malloc(Pv * sizeof *run->state.vparams);
  run->ws.vgrad = tr_malloc(Pv * sizeof *run->ws.vgrad);
  run->ws.vws = nn_ws_alloc(run->model.vnet, run->model.T);
  run->state.vadam = nn_adam_alloc(Pv);
  if (!run->state.vparams || !run->ws.vgrad || !run->ws.vws || !run->state.vadam) return TR_ENOMEM;
  if (run->model.tab) {
    nn_zero(run->state.vparams, Pv);
    return TR_OK;
  }
  if (run->model.shared->init == ALG_INIT_XAVIER)
    return nn_mlp_init_xavier(run->model.vnet, run->state.vparams, 1.0, 1.0, r);
  return nn_mlp_init_orthogonal(run->model.vnet, run->state.vparams, NN_GAIN_HIDDEN, 1.0, r);
}

/* Sizes before memory (core/size.h): the batch of T steps (observations three times over,
 * the networks' activations, ~32 scalars) and on tabular environments the S x S one-hot
 * observations and dense solves. */
static tr_status run_sizes_check(const alg_run *run, const alg_shared_params *sh) {
  size_t O = env_obs_dim(run->model.em), T = run->model.T, per, hid;
  size_t H = sh->hidden_size, nh = sh->hidden_layers;
  char where[128];
  snprintf(where, sizeof where, "n_steps=%zu", T);
  if (tr_size_mul(&hid, H, 4 * nh) || tr_size_mul(&per, O, 3) || tr_size_add(&per, per, hid) ||
      tr_size_add(&per, per, 32))
    return tr_mem_need(where, SIZE_MAX, 1, 1);
  tr_status st = tr_mem_need(where, T, per, sizeof(double));
  if (!st && run->model.tab) {
    snprintf(where, sizeof where, "%.80s (one-hot observations of %zu states)",
             env_model_name(run->model.em), run->model.tab->S);
    st = tr_mem_need(where, run->model.tab->S, run->model.tab->S, 2 * sizeof(double));
  }
  return st;
}

static tr_status build_scratch(alg_run *run) {
  size_t T = run->model.T, O = env_obs_dim(run->model.em);
  double **bufs[] = {&run->state.values, &run->ws.v_boot, &run->state.v_next, &run->state.adv, &run->state.ret,
                     &run->ws.logp_new, &run->ws.vtarget, &run->ws.tmp, &run->ws.vold};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
    if (!(*bufs[i] = tr_calloc(T, sizeof(double)))) return TR_ENOMEM;
  run->ws.obs_buf = tr_malloc(T * O * sizeof *run->ws.obs_buf);
  run->state.adv_raw = tr_malloc(T * sizeof *run->state.adv_raw);
  run->state.rew_used = tr_malloc(T * sizeof *run->state.rew_used);
  run->ws.perm = tr_malloc(T * sizeof *run->ws.perm);
  if (!run->ws.obs_buf || !run->state.adv_raw || !run->state.rew_used || !run->ws.perm)
    return TR_ENOMEM;
  for (size_t t = 0; t < T; t++) run->ws.perm[t] = t;
  if (run->model.tab) {
    size_t S = run->model.tab->S, A = run->model.tab->A;
    run->state.ex_old = thy_values_alloc(S, A);
    run->state.ex_new = thy_values_alloc(S, A);
    run->state.pi_old_tab = tr_malloc(S * A * sizeof *run->state.pi_old_tab);
    run->state.pi_new_tab = tr_malloc(S * A * sizeof *run->state.pi_new_tab);
    run->ws.onehot = tr_calloc(S * S, sizeof *run->ws.onehot);
    run->ws.pws_tab = pol_ws_alloc(run->model.pol, S);
    run->ws.tab_x = tr_malloc(S * sizeof *run->ws.tab_x);
    run->state.theta_exact = tr_malloc(run->model.pol->P * sizeof *run->state.theta_exact);
    if (!run->state.theta_exact) return TR_ENOMEM;
    if (S <= THY_DENSE_MAX_S && !(run->ws.tws = thy_ws_alloc(S))) return TR_ENOMEM;
    if (!run->state.ex_old || !run->state.ex_new || !run->state.pi_old_tab ||
        !run->state.pi_new_tab || !run->ws.onehot || !run->ws.pws_tab || !run->ws.tab_x)
      return TR_ENOMEM;
    for (size_t s = 0; s < S; s++) run->ws.onehot[s * S + s] = 1.0;
  }
  return TR_OK;
}

static int config_uses_exact(const alg_config *c); /* below */

tr_status alg_run_alloc(alg_run **out, const env_model *em, const alg_config *config,
                        uint64_t seed, size_t total_steps) {
  const alg_class *cls = config->cls;
  tr_status st = check_fit(cls, em);
  if (st) return st;
  alg_run *run = tr_calloc(1, sizeof *run);
  if (!run) return TR_ENOMEM;
  run->model.em = em;
  run->model.seed = seed;
  run->model.total_steps = total_steps;
  run->model.tab = env_model_mdp(em);
  if ((st = alg_config_init(&run->model.cfg, cls))) goto fail;
  memcpy(run->model.cfg.values, config->values, cls->n_params * sizeof *config->values);
  void *params = tr_calloc(1, cls->params_size);
  if (!(run->model.params = params)) {
    st = TR_ENOMEM;
    goto fail;
  }
  if ((st = alg_config_resolve(&run->model.cfg, params))) goto fail;
  const alg_shared_params *sh = run->model.shared = params;
  run->model.gamma = sh->gamma < 0 ? env_default_gamma(em) : sh->gamma;
  /* exact quantities in the run's units */
  if (run->model.tab && run->model.gamma != run->model.tab->gamma) {
    if (!(run->model.tab_own = mdp_with_gamma(run->model.tab, run->model.gamma))) {
      st = TR_ENOMEM;
      goto fail;
    }
    run->model.tab = run->model.tab_own;
  }
  run->model.T = sh->n_steps;
  run->model.E = sh->n_envs;
  run->model.exact_values = sh->value_function == ALG_VALUE_EXACT;
  run->model.uses_exact = config_uses_exact(&run->model.cfg); /* once, not per iteration */
  if (run->model.exact_values && !run->model.tab) {
    st = tr_error(TR_EINVAL, "value_function=exact needs a tabular environment; %s is not one",
                  env_model_name(em));
    goto fail;
  }
  run->model.n_iters = (total_steps + run->model.T - 1) / run->model.T;
  if (!sh->terminate_when_unhealthy) { /* Gymnasium v4's kwarg: the run's own view (env.h) */
    if ((st = env_terminate_when_unhealthy_check(em, 0))) goto fail;
    if (!(run->model.em_view = env_model_view(em))) {
      st = TR_ENOMEM;
      goto fail;
    }
    if ((st = env_model_set_terminate_when_unhealthy(run->model.em_view, 0))) goto fail;
    run->model.em = em = run->model.em_view;
  }
  if ((st = run_sizes_check(run, sh))) goto fail;
  run->state.rng = tr_rng_derive(seed, "algorithm");
  gsl_rng *init = tr_rng_derive(seed, "init");
  if (!run->state.rng || !init) {
    gsl_rng_free(init);
    st = TR_ENOMEM;
    goto fail;
  }
  size_t H = sh->hidden_size, nh = sh->hidden_layers;
  st = build_policy(run, H, nh, init);
  if (!st) st = build_value(run, H, nh, init);
  gsl_rng_free(init);
  if (!st) st = build_scratch(run);
  if (st) goto fail;
  run->state.sampler = alg_sampler_alloc(em, run->model.E, seed);
  if (run->state.sampler && sh->time_limit)
    alg_sampler_set_time_limit(run->state.sampler, sh->time_limit);
  run->state.batch = alg_batch_alloc(run->model.T, env_obs_dim(em), env_action_dim(em));
  if (!run->state.sampler || !run->state.batch) {
    st = TR_ENOMEM;
    goto fail;
  }
  if (sh->normalize_obs && !run->model.tab) {
    run->state.obs_norm = alg_running_norm_alloc(env_obs_dim(em));
    if (!run->state.obs_norm) {
      st = TR_ENOMEM;
      goto fail;
    }
    run->state.obs_norm->clip = sh->obs_clip;
    alg_sampler_set_transform(run->state.sampler, obs_transform, run);
  }
  if (sh->normalize_reward &&
      !(run->state.rscale = alg_reward_scaler_alloc(run->model.E, run->model.gamma))) {
    st = TR_ENOMEM;
    goto fail;
  }
  if (run->state.rscale) run->state.rscale->clip = sh->reward_clip; /* ≤ 0: none */
  if (alg_rlhf_wanted(sh) && (st = alg_rlhf_alloc(run))) goto fail; /* rlhf.h */
  if (cls->init && (st = cls->init(run))) goto fail;
  *out = run;
  return TR_OK;
fail:
  alg_run_free(run);
  return st;
}

void alg_run_free(alg_run *run) {
  if (!run) return;
  if (run->alg && run->model.cfg.cls && run->model.cfg.cls->free) run->model.cfg.cls->free(run);
  alg_config_clear(&run->model.cfg);
  free((void *)run->model.params);
  gsl_rng_free(run->state.rng);
  pol_free(run->model.pol);
  free(run->state.theta), free(run->state.theta_old), free(run->ws.grad), free(run->ws.act_dist),
      free(run->state.dist_old);
  pol_ws_free(run->ws.pws);
  pol_ws_free(run->ws.pws_act);
  nn_mlp_free(run->model.vnet);
  free(run->state.vparams), free(run->ws.vgrad);
  nn_ws_free(run->ws.vws);
  nn_adam_free(run->state.vadam);
  alg_running_norm_free(run->state.obs_norm);
  alg_sampler_free(run->state.sampler);
  alg_batch_free(run->state.batch);
  free(run->state.values), free(run->ws.v_boot), free(run->state.v_next), free(run->state.adv), free(run->state.ret);
  free(run->ws.logp_new), free(run->ws.vtarget), free(run->ws.tmp), free(run->ws.obs_buf), free(run->state.adv_raw);
  free(run->ws.vold);
  free(run->state.rew_used);
  alg_reward_scaler_free(run->state.rscale);
  free(run->ws.perm);
  thy_values_free(run->state.ex_old);
  thy_values_free(run->state.ex_new);
  free(run->state.pi_old_tab), free(run->state.pi_new_tab), free(run->ws.onehot);
  pol_ws_free(run->ws.pws_tab);
  thy_ws_free(run->ws.tws);
  free(run->ws.tab_x), free(run->state.theta_exact);
  mdp_free(run->model.tab_own);
  alg_rlhf_free(run->state.rlhf);
  env_model_free(run->model.em_view); /* after everything built from it */
  free(run);
}

/* ---- acting and values ------------------------------------------------------------ */
tr_status alg_run_act(void *ctx, const double *obs, size_t B, gsl_rng *r, double *actions,
                      double *logp) {
  alg_run *run = ctx;
  tr_status st =
      pol_forward(run->model.pol, run->state.theta, obs, B, run->ws.pws_act, run->ws.act_dist);
  if (st) return st;
  pol_sample(run->model.pol, run->ws.act_dist, B, r, actions);
  return logp ? pol_log_prob(run->model.pol, run->ws.act_dist, actions, B, logp) : TR_OK;
}

/* the state of a one-hot observation row */
static size_t onehot_state(const double *row, size_t S) {
  size_t best = 0;
  for (size_t s = 1; s < S; s++)
    if (row[s] > row[best]) best = s;
  return best;
}

tr_status alg_run_values(alg_run *run, const double *obs, size_t B, double *v) {
  size_t O = env_obs_dim(run->model.em);
  if (run->model.exact_values) {
    for (size_t b = 0; b < B; b++) v[b] = run->state.ex_old->V[onehot_state(obs + b * O, O)];
    return TR_OK;
  }
  for (size_t b0 = 0; b0 < B; b0 += run->model.T) {
    size_t n = B - b0 < run->model.T ? B - b0 : run->model.T;
    tr_status st =
        nn_forward(run->model.vnet, run->state.vparams, obs + b0 * O, n, run->ws.vws, v + b0);
    if (st) return st;
  }
  return TR_OK;
}

tr_status alg_run_value_fn(void *ctx, const double *obs, size_t B, double *v) {
  return alg_run_values(ctx, obs, B, v);
}

/* ---- sampling and advantages -------------------------------------------------------- */
void alg_batch_episode_stats(const alg_batch *b, alg_iter_stats *s) {
  s->episodes = b->n_episodes;
  if (!b->n_episodes) {
    s->return_mean = s->return_std = s->ep_len = NAN;
    return;
  }
  double m = 0, m2 = 0, len = 0;
  for (size_t i = 0; i < b->n_episodes; i++) {
    m += b->ep_return[i];
    len += (double)b->ep_len[i];
  }
  m /= (double)b->n_episodes;
  for (size_t i = 0; i < b->n_episodes; i++) m2 += (b->ep_return[i] - m) * (b->ep_return[i] - m);
  s->return_mean = m;
  s->return_std = sqrt(m2 / (double)b->n_episodes);
  s->ep_len = len / (double)b->n_episodes;
}

tr_status alg_run_sample(alg_run *run, alg_batch *b, double *rew, double *values,
                         double *v_next, alg_iter_stats *stats, int snapshots) {
  size_t T = run->model.T, E = run->model.E, O = b->O;
  tr_status st = snapshots
                     ? alg_sample_single_path_snap(b, run->state.sampler, T, alg_run_act, run)
                     : alg_sample_single_path(b, run->state.sampler, T, alg_run_act, run);
  if (st) return st;
  stats->steps += T;
  alg_batch_episode_stats(b, stats);
  if (run->state.rlhf) { /* a learned reward, a KL leash (rlhf.h) */
    if ((st = alg_rlhf_rewards(run, b, rew))) return st;
  } else memcpy(rew, b->rew, T * sizeof *b->rew);
  if (run->state.rscale) /* time-major: step k of the E streams is rows kE … kE+E−1 */
    for (size_t k = 0; k < T / E; k++) {
      unsigned char done[256];
      for (size_t i = 0; i < E; i++) {
        size_t t = k * E + i;
        done[i] = b->term[t] || (b->trunc[t] && !b->cut[t]);
      }
      if ((st = alg_reward_scaler_step(run->state.rscale, rew + k * E, rew + k * E, done)))
        return st;
    }
  if ((st = alg_run_values(run, b->obs, T, values))) return st;
  /* bootstrap values at truncations: gather the kept next observations */
  double *v_boot = run->ws.v_boot;
  size_t n = 0;
  for (size_t t = 0; t < T; t++)
    if (b->trunc[t] && !b->term[t])
      memcpy(run->ws.obs_buf + n++ * O, b->next_obs + t * O, O * sizeof(double));
  if (n && (st = alg_run_values(run, run->ws.obs_buf, n, run->ws.tmp))) return st;
  n = 0;
  for (size_t t = 0; t < T; t++) v_boot[t] = b->trunc[t] && !b->term[t] ? run->ws.tmp[n++] : 0.0;
  return alg_next_values(v_next, values, v_boot, b->term, b->trunc, T, E);
}

tr_status alg_run_advantages(alg_run *run, const alg_batch *b, const double *rew,
                             const double *values, const double *v_next, double lambda,
                             int normalize, double *adv, double *adv_raw, double *ret) {
  size_t T = run->model.T;
  tr_status st = alg_gae(adv, ret, rew, values, v_next, b->term, b->trunc, T, run->model.E,
                         run->model.gamma, lambda);
  if (st) return st;
  memcpy(adv_raw, adv, T * sizeof *adv);
  return normalize ? alg_advantage_normalize(adv, T) : TR_OK;
}

tr_status alg_run_old_dist(alg_run *run, const alg_batch *b, double *dist_old,
                           double *entropy) {
  size_t T = run->model.T;
  memcpy(run->state.theta_old, run->state.theta, run->model.pol->P * sizeof *run->state.theta);
  tr_status st = pol_forward(run->model.pol, run->state.theta, b->obs, T, run->ws.pws, dist_old);
  if (st) return st;
  if (entropy) {
    pol_entropy(run->model.pol, dist_old, T, run->ws.tmp);
    double e = 0;
    for (size_t t = 0; t < T; t++) e += run->ws.tmp[t];
    *entropy = e / (double)T;
  }
  return TR_OK;
}

double alg_run_lr(const alg_run *run, double lr0) {
  return run->model.shared->anneal_lr ? alg_lr_linear(lr0, run->state.iter, run->model.n_iters)
                                      : lr0;
}

void alg_run_shuffle(alg_run *run) {
  gsl_ran_shuffle(run->state.rng, run->ws.perm, run->model.T, sizeof *run->ws.perm);
}

tr_status alg_run_value_loss(alg_run *run, const double *params, const double *obs,
                             const double *targets, size_t B, double *loss, double *grad) {
  return alg_run_value_loss_clipped(run, params, obs, targets, NULL, 0.0, B, loss, grad);
}

tr_status alg_run_value_loss_clipped(alg_run *run, const double *params, const double *obs,
                                     const double *targets, const double *old, double clip,
                                     size_t B, double *loss, double *grad) {
  double *out = run->ws.tmp, *dout = run->ws.logp_new; /* scratch (T) */
  tr_status st = nn_forward(run->model.vnet, params, obs, B, run->ws.vws, out);
  if (st) return st;
  double l = 0;
  int clipped = old && clip > 0;
  for (size_t i = 0; i < B; i++) {
    double e = out[i] - targets[i];
    if (clipped) {
      double d = out[i] - old[i], dc = d < -clip ? -clip : (d > clip ? clip : d);
      double ec = old[i] + dc - targets[i];
      if (ec * ec > e * e) { /* the clipped term is the max */
        l += ec * ec;
        dout[i] = d == dc ? 2.0 * e / (double)B : 0.0; /* inside the band both are equal */
        continue;
      }
    }
    l += e * e;
    dout[i] = 2.0 * e / (double)B; /* ∂/∂V of (1/B) Σ (V − R)² */
  }
  *loss = l / (double)B;
  if (!grad) return TR_OK;
  nn_zero(grad, run->model.vnet->P);
  return nn_backward(run->model.vnet, params, run->ws.vws, dout, B, grad, NULL);
}

tr_status alg_run_fit_value(alg_run *run, const alg_batch *b, const double *values,
                            const double *ret, const alg_value_fit *fit, double *loss) {
  size_t T = run->model.T, O = env_obs_dim(run->model.em), mb = fit->mb;
  double l0 = 0;
  for (size_t t = 0; t < T; t++) l0 += (values[t] - ret[t]) * (values[t] - ret[t]);
  *loss = l0 / (double)T;
  if (run->model.exact_values) return TR_OK;
  if (mb > T || mb == 0) mb = T;
  double *targets = run->ws.vtarget; /* the minibatch's targets */
  for (size_t e = 0; e < fit->epochs; e++) {
    if (mb < T) alg_run_shuffle(run);
    for (size_t s0 = 0; s0 + mb <= T; s0 += mb) {
      for (size_t i = 0; i < mb; i++) {
        size_t t = run->ws.perm[s0 + i];
        memcpy(run->ws.obs_buf + i * O, b->obs + t * O, O * sizeof(double));
        targets[i] = ret[t];
        run->ws.vold[i] = values[t];
      }
      double l;
      tr_status st = alg_run_value_loss_clipped(run, run->state.vparams, run->ws.obs_buf, targets,
                                                run->ws.vold, fit->clip, mb, &l, run->ws.vgrad);
      if (st) return st;
      if (fit->max_grad_norm > 0)
        nn_clip_grad_norm(run->ws.vgrad, run->model.vnet->P, fit->max_grad_norm);
      nn_adam_step(run->state.vadam, run->state.vparams, run->ws.vgrad, fit->lr);
    }
  }
  return TR_OK;
}

alg_rows alg_run_rows(const alg_run *run) {
  alg_rows r = {run->model.T,           run->state.batch->obs, run->state.batch->act,
                run->state.batch->logp, run->state.dist_old,   run->state.adv};
  return r;
}

/* Mean KL and surrogate from the distribution of the rows at θ already in run->ws.pws. */
static double mean_kl_of_forward(alg_run *run, const alg_rows *rows) {
  size_t T = rows->n;
  pol_kl(run->model.pol, rows->dist_old, run->ws.pws->dist, T, run->ws.tmp);
  double s = 0;
  for (size_t t = 0; t < T; t++) s += run->ws.tmp[t];
  return s / (double)T;
}

static tr_status surrogate_of_forward(alg_run *run, const alg_rows *rows, double *surr,
                                      double *ratio) {
  size_t T = rows->n;
  tr_status st = pol_log_prob(run->model.pol, run->ws.pws->dist, rows->act, T, run->ws.logp_new);
  if (st) return st;
  double s = 0;
  for (size_t t = 0; t < T; t++) {
    double r = exp(run->ws.logp_new[t] - rows->logp_old[t]);
    if (ratio) ratio[t] = r;
    s += r * rows->adv[t];
  }
  *surr = s / (double)T;
  return TR_OK;
}

tr_status alg_run_kl_surrogate(alg_run *run, const alg_rows *rows, const double *th, double *kl,
                               double *surr, double *ratio) {
  tr_status st = pol_forward(run->model.pol, th, rows->obs, rows->n, run->ws.pws, NULL);
  if (st) return st;
  if (kl) *kl = mean_kl_of_forward(run, rows);
  return surr ? surrogate_of_forward(run, rows, surr, ratio) : TR_OK;
}

tr_status alg_run_mean_kl(alg_run *run, const alg_rows *rows, const double *th, double *kl) {
  return alg_run_kl_surrogate(run, rows, th, kl, NULL, NULL);
}

tr_status alg_run_surrogate(alg_run *run, const alg_rows *rows, const double *th, double *surr) {
  return alg_run_kl_surrogate(run, rows, th, NULL, surr, NULL);
}

tr_status alg_run_tabulate(alg_run *run, const double *th, double *pi) {
  size_t S = run->model.tab->S, A = run->model.tab->A;
  tr_status st = pol_forward(run->model.pol, th, run->ws.onehot, S, run->ws.pws_tab, NULL);
  if (!st) thy_softmax(pi, run->ws.pws_tab->dist, S, A); /* the logits of every state, (S, A) */
  return st;
}

/* ---- one iteration with diagnostics -------------------------------------------------- */
static int all_finite(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

static void swap_ptr(double **a, double **b) {
  double *t = *a;
  *a = *b, *b = t;
}

/* Exact quantities of π_old (before) — needed first by value_function=exact.  When theta is
 * the one the last iteration's π_new was evaluated at (bit for bit), that evaluation is π_old:
 * one exact solve per iteration instead of two. */
static tr_status exact_before(alg_run *run) {
  alg_state *S = &run->state;
  size_t P = run->model.pol->P;
  if (S->exact_valid && !memcmp(S->theta_exact, S->theta, P * sizeof *S->theta)) {
    thy_values *t = S->ex_old;
    S->ex_old = S->ex_new, S->ex_new = t;
    swap_ptr(&S->pi_old_tab, &S->pi_new_tab);
    S->exact_valid = 0;
    return TR_OK;
  }
  S->exact_valid = 0;
  tr_status st = alg_run_tabulate(run, S->theta, S->pi_old_tab);
  if (!st)
    st = thy_evaluate(S->ex_old, run->model.tab, S->pi_old_tab, THY_SOLVER_AUTO, run->ws.tws);
  return st;
}

static tr_status exact_after(alg_run *run, alg_iter_stats *s) {
  size_t S = run->model.tab->S, A = run->model.tab->A;
  tr_status st = alg_run_tabulate(run, run->state.theta, run->state.pi_new_tab);
  if (!st)
    st = thy_evaluate(run->state.ex_new, run->model.tab, run->state.pi_new_tab, THY_SOLVER_AUTO,
                      run->ws.tws);
  if (st) return st;
  memcpy(run->state.theta_exact, run->state.theta, run->model.pol->P * sizeof(double));
  run->state.exact_valid = 1;
  double *x = run->ws.tab_x;
  s->exact_J = run->state.ex_new->J;
  s->exact_improvement = run->state.ex_new->J - run->state.ex_old->J;
  thy_tv_states(x, run->state.pi_old_tab, run->state.pi_new_tab, S, A);
  s->exact_tv_max = thy_vec_max(x, S);
  thy_kl_states(x, run->state.pi_old_tab, run->state.pi_new_tab, S, A);
  s->exact_kl_max = thy_vec_max(x, S);
  s->exact_kl_mean = thy_weighted_mean(x, run->state.ex_old->d, S);
  /* the practitioner's estimate of J(π_new) − J(π_old): the importance-weighted advantage
   * (un-normalized GAE) over the batch, (1/(1−γ)) mean_t (r_t − 1) Â_t */
  double surr = 0;
  size_t T = run->model.T;
  if (!pol_forward(run->model.pol, run->state.theta, run->state.batch->obs, T, run->ws.pws, NULL) &&
      !pol_log_prob(run->model.pol, run->ws.pws->dist, run->state.batch->act, T,
                    run->ws.logp_new)) {
    for (size_t t = 0; t < T; t++)
      surr += (exp(run->ws.logp_new[t] - run->state.batch->logp[t]) - 1.0) * run->state.adv_raw[t];
    s->sampled_improvement = surr / (double)T / (1.0 - run->model.gamma);
  }
  return TR_OK;
}

static void stats_init(alg_iter_stats *s) {
  memset(s, 0, sizeof *s);
  s->return_mean = s->return_std = s->ep_len = s->kl_mean = s->entropy = NAN;
  s->clip_frac = s->surrogate_gain = s->value_loss = s->beta = s->lr = s->step_frac = NAN;
  s->exact_J = s->exact_improvement = s->exact_tv_max = s->exact_kl_mean = NAN;
  s->exact_kl_max = s->sampled_improvement = NAN;
  s->ls_shrinks = s->ls_rejected = NAN;
  s->staleness = NAN;
  s->pref_labels = s->rm_loss = s->gold_J = s->proxy_J = s->kl_ref = s->sqrt_kl_ref = NAN;
  s->soft_opt_J = s->soft_gap = NAN;
  s->nominal_return = s->mu = s->alpha = s->expected_improvement = NAN;
  s->actual_improvement = s->model_steps = NAN;
  s->is_estimate = s->is_estimate_best = s->accepted = s->w_r = NAN;
  s->ess_min = s->ess_mean = s->eval_return = NAN;
  s->bc_loss = NAN;
}

/* Whether this iteration (1-based: state.iter + 1) computes the exact diagnostics
 * (exact_every), and whether π_old must be evaluated anyway (value_function=exact, or an
 * algorithm that reads ex_old / pi_old_tab: the tabular-only ones). */
static int exact_wanted(const alg_run *run) {
  size_t k = run->model.shared->exact_every ? run->model.shared->exact_every : 1;
  return run->model.tab && (run->state.iter + 1) % k == 0;
}

/* Whether the configuration asks for exact quantities: a choice parameter set to "exact"
 * (value_function=exact, cpi's advantage=exact).  Read once, by alg_run_alloc
 * (model.uses_exact). */
static int config_uses_exact(const alg_config *c) {
  for (size_t i = 0; i < c->cls->n_params; i++) {
    const alg_param *p = &c->cls->params[i];
    if (p->type != ALG_CHOICE || !p->choices) continue;
    const char *w = p->choices;
    for (int k = 0; k < (int)c->values[i] && w; k++)
      if ((w = strchr(w, '|'))) w++;
    if (w && !strncmp(w, "exact", 5) && (w[5] == '|' || !w[5])) return 1;
  }
  return 0;
}

/* π_old's exact values are needed this iteration (else, for tabular-only algorithms, only
 * its table pi_old_tab). */
static int exact_needed(const alg_run *run) {
  return run->model.tab && (exact_wanted(run) || run->model.uses_exact);
}

tr_status alg_run_iterate(alg_run *run, alg_iter_stats *stats) {
  stats_init(stats);
  double t0 = tr_clock_seconds();
  int after = exact_wanted(run);
  tr_status st = TR_OK;
  if (exact_needed(run)) st = exact_before(run);
  else if (run->model.tab && (run->model.cfg.cls->needs & ALG_NEEDS_TABULAR))
    st = alg_run_tabulate(run, run->state.theta, run->state.pi_old_tab), run->state.exact_valid = 0;
  run->state.exact_seconds += tr_clock_seconds() - t0;
  if (st) return st;
  if (run->state.rlhf && (st = alg_rlhf_before(run))) return st;
  if ((st = run->model.cfg.cls->iterate(run, stats))) return st;
  run->state.steps_done += stats->steps;
  run->state.iter++;
  if (!stats->bad[0] && !all_finite(run->state.theta, run->model.pol->P))
    snprintf(stats->bad, sizeof stats->bad, "policy parameters");
  if (!stats->bad[0] && !all_finite(run->state.vparams, run->model.vnet->P))
    snprintf(stats->bad, sizeof stats->bad, "value parameters");
  t0 = tr_clock_seconds();
  if (!stats->bad[0] && after) st = exact_after(run, stats);
  if (!st && !stats->bad[0] && run->state.rlhf)
    st = alg_rlhf_stats(run, stats, after && run->model.tab);
  run->state.exact_seconds += tr_clock_seconds() - t0;
  return st;
}
