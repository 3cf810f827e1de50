/* algorithms/alg_bc.c — behaviour cloning; see alg_bc.h for the mathematics.
 *
 * The run's own sampler collects the demonstrations, with its observation transform removed
 * (the expert reads raw observations); the run's normalizer is updated from them and applied
 * when the policy is fit.  Demonstrations are kept whole (N = the run's steps so far), so a
 * checkpoint holds them and a resumed run continues bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "algorithms/alg_bc.h"
#include "algorithms/checkpoint.h"
#include "algorithms/run.h"
#include "core/size.h"

typedef struct {
  alg_shared_params shared;
  size_t bc_epochs, batch_size;
  double learning_rate;
  int expert_deterministic;
  int bc_fit_std;
} bc_params;
#define BC_AT(field) offsetof(bc_params, field)

static const alg_param p_bc[] = {
    ALG_COMMON_PARAMS(1, 1, 0),
    {"n_steps", ALG_INT, 2048, 1, 1e8, NULL,
     "demonstration steps per iteration (the expert's; --steps counts them all)",
     ALG_SHARED(n_steps)},
    {"bc_epochs", ALG_INT, 10, 1, 1e6, NULL,
     "passes over all demonstrations so far after each iteration's", BC_AT(bc_epochs)},
    {"batch_size", ALG_INT, 64, 1, 1e8, NULL, "demonstrations per Adam minibatch",
     BC_AT(batch_size)},
    {"learning_rate", ALG_REAL, 1e-3, 1e-12, 10, NULL, "Adam step size", BC_AT(learning_rate)},
    {"expert_deterministic", ALG_BOOL, 0, 0, 1, NULL,
     "the expert's mode (mean; optimal:EPS its greedy action) instead of a draw",
     BC_AT(expert_deterministic)},
    {"bc_fit_std", ALG_BOOL, 1, 0, 1, NULL,
     "Gaussian: maximum likelihood of the log-stds too; false: least squares on the mean",
     BC_AT(bc_fit_std)}};

typedef struct {
  alg_expert_fn fn;
  void *ctx;
  double *pi_opt;     /* (S, A) optimal:EPS: the expert's table */
  double *greedy;     /* (S, A) its greedy one-hot */
  double *obs, *act;  /* (N_max, O), (N_max, W) demonstrations */
  size_t n, n_max;
  size_t *perm;       /* (N_max) */
  double *mb_obs;     /* (batch_size, O) */
  double *mb_act;     /* (batch_size, W) */
  double *w;          /* (batch_size) */
  double *logp;       /* (batch_size) */
  double *grad;       /* (P) */
  nn_adam *adam;
  pol_ws *ws;         /* Bmax = batch_size */
} bc_state;

static const char *bc_check(const void *params) {
  const alg_shared_params *sh = params;
  if (sh->reward != 0 || sh->kl_ref_coef > 0)
    return "bc fits the expert's actions and reads no reward: drop reward=learned and "
           "kl_ref_coef";
  return NULL;
}

static tr_status bc_init(alg_run *run) {
  const bc_params *p = run->model.params;
  bc_state *s = tr_calloc(1, sizeof *s);
  if (!s) return TR_ENOMEM;
  run->alg = s;
  size_t O = env_obs_dim(run->model.em), W = run->model.pol->W, P = run->model.pol->P;
  size_t mb = p->batch_size;
  s->n_max = run->model.n_iters * run->model.T;
  tr_status st = tr_mem_need("bc: the demonstrations", s->n_max, O + W, sizeof(double));
  if (st) return st;
  s->obs = tr_malloc(s->n_max * O * sizeof *s->obs);
  s->act = tr_malloc(s->n_max * W * sizeof *s->act);
  s->perm = tr_malloc(s->n_max * sizeof *s->perm);
  s->mb_obs = tr_malloc(mb * O * sizeof *s->mb_obs);
  s->mb_act = tr_malloc(mb * W * sizeof *s->mb_act);
  s->w = tr_malloc(mb * sizeof *s->w);
  s->logp = tr_malloc(mb * sizeof *s->logp);
  s->grad = tr_malloc(P * sizeof *s->grad);
  s->adam = nn_adam_alloc(P);
  s->ws = pol_ws_alloc(run->model.pol, mb);
  if (!s->obs || !s->act || !s->perm || !s->mb_obs || !s->mb_act || !s->w || !s->logp || !s->grad ||
      !s->adam || !s->ws)
    return TR_ENOMEM;
  /* the expert reads raw observations: the normalizer is updated from the demonstrations */
  alg_sampler_set_transform(run->state.sampler, NULL, NULL);
  return TR_OK;
}

static void bc_free(alg_run *run) {
  bc_state *s = run->alg;
  if (!s) return;
  free(s->pi_opt), free(s->greedy), free(s->obs), free(s->act), free(s->perm);
  free(s->mb_obs), free(s->mb_act), free(s->w), free(s->logp), free(s->grad);
  nn_adam_free(s->adam);
  pol_ws_free(s->ws);
  free(s);
  run->alg = NULL;
}

static int is_bc(const alg_run *run) {
  return run->alg && (run->model.cfg.cls->needs & ALG_NEEDS_EXPERT);
}

tr_status alg_run_set_expert(alg_run *run, alg_expert_fn fn, void *ctx) {
  if (!is_bc(run))
    return tr_error(TR_EINVAL, "algorithm %s reads no expert", run->model.cfg.cls->name);
  bc_state *s = run->alg;
  s->fn = fn, s->ctx = ctx;
  return TR_OK;
}

/* optimal:EPS: a* from the one-hot observation's state */
static tr_status optimal_act(void *ctx, const double *obs, size_t B, int det, gsl_rng *r,
                             double *act) {
  alg_run *run = ctx;
  bc_state *s = run->alg;
  size_t S = run->model.tab->S, A = run->model.tab->A;
  for (size_t b = 0; b < B; b++) {
    size_t st = 0;
    for (size_t i = 1; i < S; i++)
      if (obs[b * S + i] > obs[b * S + st]) st = i;
    size_t a = 0;
    if (det) { /* the greedy a* (its one-hot row) */
      while (a + 1 < A && s->greedy[st * A + a] < 0.5) a++;
    } else { /* inverse CDF of π_E(·|s) */
      const double *row = s->pi_opt + st * A;
      double u = gsl_rng_uniform(r), c = 0;
      for (; a + 1 < A; a++)
        if (u < (c += row[a])) break;
    }
    act[b] = (double)a;
  }
  return TR_OK;
}

tr_status alg_run_set_optimal_expert(alg_run *run, double eps) {
  if (!(eps >= 0 && eps <= 1))
    return tr_error(TR_EINVAL, "optimal:%g: EPS must be in [0, 1]", eps);
  if (!run->model.tab)
    return tr_error(TR_EINVAL, "optimal:EPS: the exact optimal policy needs a tabular "
                               "environment; %s is not one", env_model_name(run->model.em));
  if (!is_bc(run))
    return tr_error(TR_EINVAL, "algorithm %s reads no expert", run->model.cfg.cls->name);
  bc_state *s = run->alg;
  size_t S = run->model.tab->S, A = run->model.tab->A;
  free(s->pi_opt), free(s->greedy);
  s->pi_opt = tr_malloc(S * A * sizeof *s->pi_opt);
  s->greedy = tr_malloc(S * A * sizeof *s->greedy);
  if (!s->pi_opt || !s->greedy) return TR_ENOMEM;
  tr_status st = thy_policy_iteration(NULL, s->greedy, run->model.tab, THY_SOLVER_AUTO, NULL);
  if (st) return st;
  for (size_t k = 0; k < S * A; k++) s->pi_opt[k] = (1 - eps) * s->greedy[k] + eps / (double)A;
  s->fn = optimal_act, s->ctx = run;
  return TR_OK;
}

size_t alg_bc_demos(const alg_run *run, const double **obs, const double **act) {
  const bc_state *s = run->alg;
  *obs = s->obs, *act = s->act;
  return s->n;
}

/* the sampler's policy: the expert (its log-probabilities are not known: 0) */
static tr_status expert_act(void *ctx, const double *obs, size_t B, gsl_rng *r, double *actions,
                            double *logp) {
  alg_run *run = ctx;
  const bc_params *p = run->model.params;
  bc_state *s = run->alg;
  if (logp) memset(logp, 0, B * sizeof *logp);
  return s->fn(s->ctx, obs, B, p->expert_deterministic, r, actions);
}

/* One minibatch of rows idx (B): ℓ's value into *loss and an Adam step at lr. */
static tr_status bc_step(alg_run *run, bc_state *s, const size_t *idx, size_t B, double lr,
                         double *loss) {
  const bc_params *p = run->model.params;
  const pol_policy *pol = run->model.pol;
  size_t O = pol->O, W = pol->W, P = pol->P;
  for (size_t b = 0; b < B; b++)
    memcpy(s->mb_obs + b * O, s->obs + idx[b] * O, O * sizeof(double));
  if (run->state.obs_norm) alg_running_norm_apply(run->state.obs_norm, s->mb_obs, s->mb_obs, B);
  tr_status st = pol_forward(pol, run->state.theta, s->mb_obs, B, s->ws, NULL);
  if (st) return st;
  double *a = s->mb_act;
  for (size_t b = 0; b < B; b++) memcpy(a + b * W, s->act + idx[b] * W, W * sizeof(double));
  if ((st = pol_log_prob(pol, s->ws->dist, a, B, s->logp))) return st;
  double l = 0;
  for (size_t b = 0; b < B; b++) l -= s->logp[b], s->w[b] = -1.0 / (double)B;
  *loss = l / (double)B;
  nn_zero(s->grad, P);
  if ((st = pol_log_prob_grad(pol, run->state.theta, s->ws, a, s->w, B, s->grad))) return st;
  if (pol->kind == POL_GAUSSIAN && !p->bc_fit_std) nn_zero(s->grad + pol->P_net, P - pol->P_net);
  nn_adam_step(s->adam, run->state.theta, s->grad, lr);
  return TR_OK;
}

static tr_status bc_iterate(alg_run *run, alg_iter_stats *stats) {
  const bc_params *p = run->model.params;
  bc_state *s = run->alg;
  if (!s->fn)
    return tr_error(TR_EINVAL, "bc: no expert (trbench run --expert RUN, or on a tabular "
                               "environment --expert optimal:EPS)");
  size_t T = run->model.T, O = env_obs_dim(run->model.em), W = run->model.pol->W;
  alg_batch *b = run->state.batch;
  tr_status st = alg_sample_single_path(b, run->state.sampler, T, expert_act, run);
  if (st) return st;
  if (s->n + T > s->n_max) return tr_error(TR_EINVAL, "bc: more demonstrations than the budget");
  memcpy(s->obs + s->n * O, b->obs, T * O * sizeof(double));
  memcpy(s->act + s->n * W, b->act, T * W * sizeof(double));
  s->n += T;
  if (run->state.obs_norm && (st = alg_running_norm_update(run->state.obs_norm, b->obs, T)))
    return st;
  stats->steps = T;
  alg_batch_episode_stats(b, stats);
  memcpy(run->state.theta_old, run->state.theta, run->model.pol->P * sizeof(double));
  double lr = alg_run_lr(run, p->learning_rate), sum = 0;
  size_t mb = p->batch_size < s->n ? p->batch_size : s->n;
  for (size_t e = 0; e < p->bc_epochs; e++) {
    for (size_t i = 0; i < s->n; i++) s->perm[i] = i;
    gsl_ran_shuffle(run->state.rng, s->perm, s->n, sizeof *s->perm);
    sum = 0;
    for (size_t i = 0; i < s->n; i += mb) {
      size_t B = s->n - i < mb ? s->n - i : mb;
      double l;
      if ((st = bc_step(run, s, s->perm + i, B, lr, &l))) return st;
      if (!isfinite(l)) {
        snprintf(stats->bad, sizeof stats->bad, "bc loss");
        return TR_OK;
      }
      sum += l * (double)B;
    }
  }
  stats->bc_loss = sum / (double)s->n; /* the last pass's mean */
  stats->lr = lr;
  return TR_OK;
}

/* Between iterations: Adam's moments and the demonstrations (N = the steps done). */
static tr_status bc_checkpoint(alg_run *run, alg_ckpt_io *io) {
  bc_state *s = run->alg;
  size_t O = env_obs_dim(run->model.em), W = run->model.pol->W;
  if (alg_ckpt_loading(io)) {
    if (run->state.steps_done > s->n_max)
      return tr_error(TR_EINVAL, "a bc checkpoint of %zu demonstrations; this run takes %zu",
                      run->state.steps_done, s->n_max);
    s->n = run->state.steps_done;
  }
  tr_status st = alg_ckpt_adam(io, "bc.adam", s->adam);
  if (!st) st = alg_ckpt_f64(io, "bc.obs", s->obs, s->n * O);
  if (!st) st = alg_ckpt_f64(io, "bc.act", s->act, s->n * W);
  return st;
}

const alg_class alg_bc = {
    .name = "bc",
    .doc = "behaviour cloning of an expert (run --expert RUN | optimal:EPS): the policy's "
           "maximum likelihood on its actions",
    .params = p_bc,
    .n_params = sizeof p_bc / sizeof *p_bc,
    .needs = ALG_NEEDS_EXPERT,
    .params_size = sizeof(bc_params),
    .check = bc_check,
    .init = bc_init,
    .iterate = bc_iterate,
    .free = bc_free,
    .checkpoint = bc_checkpoint};
