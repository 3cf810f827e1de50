/* algorithms/run.c — see run.h */
#include "algorithms/run.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/size.h"
#include "theory/softmax.h"

static double cfg(const alg_run *run, const char *name) { return alg_config_get(&run->cfg, name); }

/* ---- observation normalization (the sampler's transform) --------------------------- */
static void obs_transform(void *ctx, double *obs, size_t B, int update) {
  alg_run *run = ctx;
  /* an update fails only on a non-finite observation, which the environments never return
   * (MuJoCo instabilities end the episode); the statistics then stay as they were */
  if (update) (void)alg_running_norm_update(run->obs_norm, obs, B);
  alg_running_norm_apply(run->obs_norm, obs, obs, B);
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
  const env_model *em = run->em;
  env_space sp = env_action_space(em);
  size_t O = env_obs_dim(em), hidden[8];
  for (size_t i = 0; i < nh && i < 8; i++) hidden[i] = H;
  if (run->tab) run->pol = pol_tabular_alloc(run->tab->S, run->tab->A);
  else if (sp.kind == ENV_DISCRETE) run->pol = pol_categorical_alloc(O, nh, hidden, sp.n);
  else run->pol = pol_gaussian_alloc(O, nh, hidden, sp.n);
  if (!run->pol) return TR_ENOMEM;
  size_t P = run->pol->P, K = run->pol->K;
  run->theta = tr_malloc(P * sizeof *run->theta);
  run->theta_old = tr_malloc(P * sizeof *run->theta_old);
  run->grad = tr_malloc(P * sizeof *run->grad);
  run->pws = pol_ws_alloc(run->pol, run->T);
  run->pws_act = pol_ws_alloc(run->pol, run->E);
  run->act_dist = tr_malloc(run->E * K * sizeof *run->act_dist);
  run->dist_old = tr_malloc(run->T * K * sizeof *run->dist_old);
  if (!run->theta || !run->theta_old || !run->grad || !run->pws || !run->pws_act ||
      !run->act_dist || !run->dist_old)
    return TR_ENOMEM;
  return pol_init(run->pol, run->theta, cfg(run, "policy_init_gain"), r);
}

static tr_status build_value(alg_run *run, size_t H, size_t nh, gsl_rng *r) {
  size_t O = env_obs_dim(run->em), sizes[10], n = 0;
  sizes[n++] = O;
  if (!run->tab)
    for (size_t i = 0; i < nh && i < 8; i++) sizes[n++] = H;
  sizes[n++] = 1; /* tabular: a linear map of the one-hot state, i.e. a table */
  run->vnet = nn_mlp_alloc(n, sizes);
  if (!run->vnet) return TR_ENOMEM;
  size_t Pv = run->vnet->P;
  run->vparams = tr_malloc(Pv * sizeof *run->vparams);
  run->vgrad = tr_malloc(Pv * sizeof *run->vgrad);
  run->vws = nn_ws_alloc(run->vnet, run->T);
  run->vadam = nn_adam_alloc(Pv);
  if (!run->vparams || !run->vgrad || !run->vws || !run->vadam) return TR_ENOMEM;
  if (run->tab) {
    nn_zero(run->vparams, Pv);
    return TR_OK;
  }
  return nn_mlp_init_orthogonal(run->vnet, run->vparams, NN_GAIN_HIDDEN, 1.0, r);
}

/* Sizes before memory (core/size.h): the batch of T steps (observations three times over,
 * the networks' activations, ~32 scalars) and on tabular environments the S x S one-hot
 * observations and dense solves. */
static tr_status run_sizes_check(const alg_run *run) {
  size_t O = env_obs_dim(run->em), T = run->T, per, hid;
  size_t H = (size_t)cfg(run, "hidden_size"), nh = (size_t)cfg(run, "hidden_layers");
  char where[128];
  snprintf(where, sizeof where, "n_steps=%zu", T);
  if (tr_size_mul(&hid, H, 4 * nh) || tr_size_mul(&per, O, 3) || tr_size_add(&per, per, hid) ||
      tr_size_add(&per, per, 32))
    return tr_mem_need(where, SIZE_MAX, 1, 1);
  tr_status st = tr_mem_need(where, T, per, sizeof(double));
  if (!st && run->tab) {
    snprintf(where, sizeof where, "%.80s (one-hot observations of %zu states)",
             env_model_name(run->em), run->tab->S);
    st = tr_mem_need(where, run->tab->S, run->tab->S, 2 * sizeof(double));
  }
  return st;
}

static tr_status build_scratch(alg_run *run) {
  size_t T = run->T, O = env_obs_dim(run->em);
  double **bufs[] = {&run->values, &run->v_boot, &run->v_next, &run->adv, &run->ret,
                     &run->logp_new, &run->ratio, &run->tmp};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++)
    if (!(*bufs[i] = tr_calloc(T, sizeof(double)))) return TR_ENOMEM;
  run->obs_buf = tr_malloc(T * O * sizeof *run->obs_buf);
  run->adv_raw = tr_malloc(T * sizeof *run->adv_raw);
  run->rew_used = tr_malloc(T * sizeof *run->rew_used);
  run->perm = tr_malloc(T * sizeof *run->perm);
  if (!run->obs_buf || !run->adv_raw || !run->rew_used || !run->perm) return TR_ENOMEM;
  for (size_t t = 0; t < T; t++) run->perm[t] = t;
  if (run->tab) {
    size_t S = run->tab->S, A = run->tab->A;
    run->ex_old = thy_values_alloc(S, A);
    run->ex_new = thy_values_alloc(S, A);
    run->pi_old_tab = tr_malloc(S * A * sizeof *run->pi_old_tab);
    run->pi_new_tab = tr_malloc(S * A * sizeof *run->pi_new_tab);
    run->onehot = tr_calloc(S * S, sizeof *run->onehot);
    run->pws_tab = pol_ws_alloc(run->pol, S);
    if (!run->ex_old || !run->ex_new || !run->pi_old_tab || !run->pi_new_tab || !run->onehot ||
        !run->pws_tab)
      return TR_ENOMEM;
    for (size_t s = 0; s < S; s++) run->onehot[s * S + s] = 1.0;
  }
  return TR_OK;
}

tr_status alg_run_alloc(alg_run **out, env_model *em, const alg_config *config,
                        uint64_t seed, size_t total_steps) {
  const alg_class *cls = config->cls;
  tr_status st = check_fit(cls, em);
  if (st) return st;
  alg_run *run = tr_calloc(1, sizeof *run);
  if (!run) return TR_ENOMEM;
  run->em = em;
  run->seed = seed;
  run->total_steps = total_steps;
  run->tab = env_model_mdp(em);
  if ((st = alg_config_init(&run->cfg, cls))) goto fail;
  memcpy(run->cfg.values, config->values, cls->n_params * sizeof *config->values);
  size_t limit = (size_t)cfg(run, "time_limit");
  if (limit) env_model_set_time_limit(em, limit); /* the run owns its model's settings */
  double g = cfg(run, "gamma");
  run->gamma = g < 0 ? env_default_gamma(em) : g;
  if (run->tab && run->gamma != run->tab->gamma) { /* exact quantities in the run's units */
    if (!(run->tab_own = mdp_with_gamma(run->tab, run->gamma))) {
      st = TR_ENOMEM;
      goto fail;
    }
    run->tab = run->tab_own;
  }
  run->T = (size_t)cfg(run, "n_steps");
  run->E = (size_t)cfg(run, "n_envs");
  if (run->T % run->E) {
    st = tr_error(TR_EINVAL, "n_steps=%zu must be a multiple of n_envs=%zu", run->T, run->E);
    goto fail;
  }
  run->exact_values = (int)cfg(run, "value_function") == 1;
  if (run->exact_values && !run->tab) {
    st = tr_error(TR_EINVAL, "value_function=exact needs a tabular environment; %s is not one",
                  env_model_name(em));
    goto fail;
  }
  run->n_iters = (total_steps + run->T - 1) / run->T;
  if ((st = run_sizes_check(run))) goto fail;
  run->rng = tr_rng_derive(seed, "algorithm");
  gsl_rng *init = tr_rng_derive(seed, "init");
  if (!run->rng || !init) {
    gsl_rng_free(init);
    st = TR_ENOMEM;
    goto fail;
  }
  size_t H = (size_t)cfg(run, "hidden_size"), nh = (size_t)cfg(run, "hidden_layers");
  st = build_policy(run, H, nh, init);
  if (!st) st = build_value(run, H, nh, init);
  gsl_rng_free(init);
  if (!st) st = build_scratch(run);
  if (st) goto fail;
  run->sampler = alg_sampler_alloc(em, run->E, seed);
  run->batch = alg_batch_alloc(run->T, env_obs_dim(em), env_action_dim(em));
  if (!run->sampler || !run->batch) {
    st = TR_ENOMEM;
    goto fail;
  }
  if (cfg(run, "normalize_obs") != 0 && !run->tab) {
    run->obs_norm = alg_running_norm_alloc(env_obs_dim(em));
    if (!run->obs_norm) {
      st = TR_ENOMEM;
      goto fail;
    }
    run->obs_norm->clip = cfg(run, "obs_clip");
    alg_sampler_set_transform(run->sampler, obs_transform, run);
  }
  if (cfg(run, "normalize_reward") != 0 &&
      !(run->rscale = alg_reward_scaler_alloc(run->E, run->gamma))) {
    st = TR_ENOMEM;
    goto fail;
  }
  if (cls->init && (st = cls->init(run))) goto fail;
  *out = run;
  return TR_OK;
fail:
  alg_run_free(run);
  return st;
}

void alg_run_free(alg_run *run) {
  if (!run) return;
  if (run->alg && run->cfg.cls && run->cfg.cls->free) run->cfg.cls->free(run);
  alg_config_clear(&run->cfg);
  gsl_rng_free(run->rng);
  pol_free(run->pol);
  free(run->theta), free(run->theta_old), free(run->grad), free(run->act_dist), free(run->dist_old);
  pol_ws_free(run->pws);
  pol_ws_free(run->pws_act);
  nn_mlp_free(run->vnet);
  free(run->vparams), free(run->vgrad);
  nn_ws_free(run->vws);
  nn_adam_free(run->vadam);
  alg_running_norm_free(run->obs_norm);
  alg_sampler_free(run->sampler);
  alg_batch_free(run->batch);
  free(run->values), free(run->v_boot), free(run->v_next), free(run->adv), free(run->ret);
  free(run->logp_new), free(run->ratio), free(run->tmp), free(run->obs_buf), free(run->adv_raw);
  free(run->rew_used);
  alg_reward_scaler_free(run->rscale);
  free(run->perm);
  thy_values_free(run->ex_old);
  thy_values_free(run->ex_new);
  free(run->pi_old_tab), free(run->pi_new_tab), free(run->onehot);
  pol_ws_free(run->pws_tab);
  mdp_free(run->tab_own);
  free(run);
}

/* ---- acting and values ------------------------------------------------------------ */
tr_status alg_run_act(void *ctx, const double *obs, size_t B, gsl_rng *r, double *actions,
                      double *logp) {
  alg_run *run = ctx;
  tr_status st = pol_forward(run->pol, run->theta, obs, B, run->pws_act, run->act_dist);
  if (st) return st;
  pol_sample(run->pol, run->act_dist, B, r, actions);
  return logp ? pol_log_prob(run->pol, run->act_dist, actions, B, logp) : TR_OK;
}

/* the state of a one-hot observation row */
static size_t onehot_state(const double *row, size_t S) {
  size_t best = 0;
  for (size_t s = 1; s < S; s++)
    if (row[s] > row[best]) best = s;
  return best;
}

tr_status alg_run_values(alg_run *run, const double *obs, size_t B, double *v) {
  size_t O = env_obs_dim(run->em);
  if (run->exact_values) {
    for (size_t b = 0; b < B; b++) v[b] = run->ex_old->V[onehot_state(obs + b * O, O)];
    return TR_OK;
  }
  for (size_t b0 = 0; b0 < B; b0 += run->T) {
    size_t n = B - b0 < run->T ? B - b0 : run->T;
    tr_status st = nn_forward(run->vnet, run->vparams, obs + b0 * O, n, run->vws, v + b0);
    if (st) return st;
  }
  return TR_OK;
}

tr_status alg_run_value_fn(void *ctx, const double *obs, size_t B, double *v) {
  return alg_run_values(ctx, obs, B, v);
}

/* ---- sampling and advantages -------------------------------------------------------- */
static void episode_stats(const alg_batch *b, alg_iter_stats *s) {
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

tr_status alg_run_sample(alg_run *run, alg_iter_stats *stats, int snapshots) {
  alg_batch *b = run->batch;
  size_t T = run->T, O = b->O;
  tr_status st = snapshots
                     ? alg_sample_single_path_snap(b, run->sampler, T, alg_run_act, run)
                     : alg_sample_single_path(b, run->sampler, T, alg_run_act, run);
  if (st) return st;
  run->rows = T;
  stats->steps += T;
  episode_stats(b, stats);
  memcpy(run->rew_used, b->rew, T * sizeof *b->rew);
  if (run->rscale) /* time-major: step k of the E streams is rows kE … kE+E−1 */
    for (size_t k = 0; k < T / run->E; k++) {
      unsigned char done[256];
      for (size_t i = 0; i < run->E; i++) {
        size_t t = k * run->E + i;
        done[i] = b->term[t] || (b->trunc[t] && !b->cut[t]);
      }
      if ((st = alg_reward_scaler_step(run->rscale, run->rew_used + k * run->E,
                                       b->rew + k * run->E, done)))
        return st;
    }
  if ((st = alg_run_values(run, b->obs, T, run->values))) return st;
  /* bootstrap values at truncations: gather the kept next observations */
  size_t n = 0;
  for (size_t t = 0; t < T; t++)
    if (b->trunc[t] && !b->term[t]) memcpy(run->obs_buf + n++ * O, b->next_obs + t * O, O * sizeof(double));
  if (n && (st = alg_run_values(run, run->obs_buf, n, run->tmp))) return st;
  n = 0;
  for (size_t t = 0; t < T; t++) run->v_boot[t] = b->trunc[t] && !b->term[t] ? run->tmp[n++] : 0.0;
  return alg_next_values(run->v_next, run->values, run->v_boot, b->term, b->trunc, T, run->E);
}

tr_status alg_run_advantages(alg_run *run, double lambda, int normalize) {
  alg_batch *b = run->batch;
  tr_status st = alg_gae(run->adv, run->ret, run->rew_used, run->values, run->v_next, b->term, b->trunc,
                         run->T, run->E, run->gamma, lambda);
  if (st) return st;
  memcpy(run->adv_raw, run->adv, run->T * sizeof *run->adv);
  return normalize ? alg_advantage_normalize(run->adv, run->T) : TR_OK;
}

tr_status alg_run_old_dist(alg_run *run, double *entropy) {
  size_t T = run->rows;
  memcpy(run->theta_old, run->theta, run->pol->P * sizeof *run->theta);
  tr_status st = pol_forward(run->pol, run->theta, run->batch->obs, T, run->pws, run->dist_old);
  if (st) return st;
  if (entropy) {
    pol_entropy(run->pol, run->dist_old, T, run->tmp);
    double e = 0;
    for (size_t t = 0; t < T; t++) e += run->tmp[t];
    *entropy = e / (double)T;
  }
  return TR_OK;
}

double alg_run_lr(const alg_run *run, double lr0) {
  return cfg(run, "anneal_lr") != 0 ? alg_lr_linear(lr0, run->iter, run->n_iters) : lr0;
}

void alg_run_shuffle(alg_run *run) { gsl_ran_shuffle(run->rng, run->perm, run->T, sizeof *run->perm); }

tr_status alg_run_value_loss(alg_run *run, const double *params, const double *obs,
                             const double *targets, size_t B, double *loss, double *grad) {
  double *out = run->tmp, *dout = run->logp_new; /* scratch (T) */
  tr_status st = nn_forward(run->vnet, params, obs, B, run->vws, out);
  if (st) return st;
  double l = 0;
  for (size_t i = 0; i < B; i++) {
    double e = out[i] - targets[i];
    l += e * e;
    dout[i] = 2.0 * e / (double)B; /* ∂/∂V of (1/B) Σ (V − R)² */
  }
  *loss = l / (double)B;
  if (!grad) return TR_OK;
  nn_zero(grad, run->vnet->P);
  return nn_backward(run->vnet, params, run->vws, dout, B, grad, NULL);
}

tr_status alg_run_fit_value(alg_run *run, size_t epochs, size_t mb, double lr, double *loss) {
  size_t T = run->T, O = env_obs_dim(run->em);
  double l0 = 0;
  for (size_t t = 0; t < T; t++) l0 += (run->values[t] - run->ret[t]) * (run->values[t] - run->ret[t]);
  *loss = l0 / (double)T;
  if (run->exact_values) return TR_OK;
  if (mb > T || mb == 0) mb = T;
  double *targets = run->ratio; /* scratch (T): the minibatch's targets */
  for (size_t e = 0; e < epochs; e++) {
    if (mb < T) alg_run_shuffle(run);
    for (size_t s0 = 0; s0 + mb <= T; s0 += mb) {
      for (size_t i = 0; i < mb; i++) {
        memcpy(run->obs_buf + i * O, run->batch->obs + run->perm[s0 + i] * O, O * sizeof(double));
        targets[i] = run->ret[run->perm[s0 + i]];
      }
      double l;
      tr_status st = alg_run_value_loss(run, run->vparams, run->obs_buf, targets, mb, &l, run->vgrad);
      if (st) return st;
      nn_adam_step(run->vadam, run->vparams, run->vgrad, lr);
    }
  }
  return TR_OK;
}

tr_status alg_run_mean_kl(alg_run *run, const double *th, double *kl) {
  size_t T = run->rows;
  tr_status st = pol_forward(run->pol, th, run->batch->obs, T, run->pws, NULL);
  if (st) return st;
  pol_kl(run->pol, run->dist_old, run->pws->dist, T, run->tmp);
  double s = 0;
  for (size_t t = 0; t < T; t++) s += run->tmp[t];
  *kl = s / (double)T;
  return TR_OK;
}

tr_status alg_run_surrogate(alg_run *run, const double *th, double *surr) {
  size_t T = run->rows;
  tr_status st = pol_forward(run->pol, th, run->batch->obs, T, run->pws, NULL);
  if (!st) st = pol_log_prob(run->pol, run->pws->dist, run->batch->act, T, run->logp_new);
  if (st) return st;
  double s = 0;
  for (size_t t = 0; t < T; t++) {
    run->ratio[t] = exp(run->logp_new[t] - run->batch->logp[t]);
    s += run->ratio[t] * run->adv[t];
  }
  *surr = s / (double)T;
  return TR_OK;
}

tr_status alg_run_tabulate(alg_run *run, const double *th, double *pi) {
  size_t S = run->tab->S, A = run->tab->A;
  tr_status st = pol_forward(run->pol, th, run->onehot, S, run->pws_tab, NULL);
  if (!st) thy_softmax(pi, run->pws_tab->dist, S, A); /* the logits of every state, (S, A) */
  return st;
}

/* ---- one iteration with diagnostics -------------------------------------------------- */
static int all_finite(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

/* Exact quantities of π_old (before) — needed first by value_function=exact. */
static tr_status exact_before(alg_run *run) {
  tr_status st = alg_run_tabulate(run, run->theta, run->pi_old_tab);
  if (!st) st = thy_evaluate(run->ex_old, run->tab, run->pi_old_tab, THY_SOLVER_AUTO, NULL);
  return st;
}

static tr_status exact_after(alg_run *run, alg_iter_stats *s) {
  size_t S = run->tab->S, A = run->tab->A;
  tr_status st = alg_run_tabulate(run, run->theta, run->pi_new_tab);
  if (!st) st = thy_evaluate(run->ex_new, run->tab, run->pi_new_tab, THY_SOLVER_AUTO, NULL);
  if (st) return st;
  double *x = tr_malloc(S * sizeof *x);
  if (!x) return TR_ENOMEM;
  s->exact_J = run->ex_new->J;
  s->exact_improvement = run->ex_new->J - run->ex_old->J;
  thy_tv_states(x, run->pi_old_tab, run->pi_new_tab, S, A);
  s->exact_tv_max = thy_vec_max(x, S);
  thy_kl_states(x, run->pi_old_tab, run->pi_new_tab, S, A);
  s->exact_kl_max = thy_vec_max(x, S);
  s->exact_kl_mean = thy_weighted_mean(x, run->ex_old->d, S);
  free(x);
  /* the practitioner's estimate of J(π_new) − J(π_old): the importance-weighted advantage
   * (un-normalized GAE) over the batch, (1/(1−γ)) mean_t (r_t − 1) Â_t */
  double surr = 0;
  size_t T = run->rows;
  if (!pol_forward(run->pol, run->theta, run->batch->obs, T, run->pws, NULL) &&
      !pol_log_prob(run->pol, run->pws->dist, run->batch->act, T, run->logp_new)) {
    for (size_t t = 0; t < T; t++)
      surr += (exp(run->logp_new[t] - run->batch->logp[t]) - 1.0) * run->adv_raw[t];
    s->sampled_improvement = surr / (double)T / (1.0 - run->gamma);
  }
  return TR_OK;
}

static void stats_init(alg_iter_stats *s) {
  memset(s, 0, sizeof *s);
  s->return_mean = s->return_std = s->ep_len = s->kl_mean = s->entropy = NAN;
  s->clip_frac = s->surrogate_gain = s->value_loss = s->beta = s->lr = s->step_frac = NAN;
  s->exact_J = s->exact_improvement = s->exact_tv_max = s->exact_kl_mean = NAN;
  s->exact_kl_max = s->sampled_improvement = NAN;
}

tr_status alg_run_iterate(alg_run *run, alg_iter_stats *stats) {
  stats_init(stats);
  tr_status st = run->tab ? exact_before(run) : TR_OK;
  if (st) return st;
  if ((st = run->cfg.cls->iterate(run, stats))) return st;
  run->steps_done += stats->steps;
  run->iter++;
  if (!stats->bad[0] && !all_finite(run->theta, run->pol->P))
    snprintf(stats->bad, sizeof stats->bad, "policy parameters");
  if (!stats->bad[0] && !all_finite(run->vparams, run->vnet->P))
    snprintf(stats->bad, sizeof stats->bad, "value parameters");
  if (!stats->bad[0] && run->tab && (st = exact_after(run, stats))) return st;
  return TR_OK;
}
