/* algorithms/alg_a3c.c — asynchronous advantage actor-critic (Mnih et al. 2016, "Asynchronous
 * methods for deep reinforcement learning"), and a deterministic simulation of its stale
 * gradients.
 *
 * Letters: N workers, K staleness, C records, T steps per batch (one worker's, all its E
 * environments), P policy and Pv value parameters, u the update (0-based: the master's
 * version before it).
 *
 * One master holds θ and the value parameters w, and one RMSprop over each (shared by every
 * worker, as the A3C paper's "shared RMSProp").  Each worker has its own E environments
 * (worker 0 those of an a2c run of the same seed, worker i > 0 seeded from (seed,
 * "a3c.worker.i")), its own rollout buffer and scratch (an a2c run of its own), and loops:
 *   fetch     (θ_f, w_f) ← the master's, f = its version;
 *   gradient  a2c's on a batch sampled with π_θf: g = ∇ of the policy loss at θ_f, h =
 *             vf_coef · ∇ of the value loss at w_f, clipped as a2c (alg_pg_a2c_gradient);
 *   apply     at the master's version u: θ ← RMSprop(θ, g), w ← RMSprop(w, h);
 *             staleness u − f: the updates other workers made in between.
 * One update is one iteration of the run and one row of progress.tsv (its batch's steps,
 * returns, entropy and value loss; kl_mean and surrogate_gain between the fetched policy
 * that sampled the batch and the policy after the update; staleness).
 *
 * mode=threads: N POSIX threads.  Apply is done under one mutex (not Hogwild): the update is
 * O(P), microseconds against the milliseconds of sampling and back-propagation a worker does
 * outside the lock, so the lock costs little on the few cores trbench runs on; in exchange the
 * updates form one sequence — every row's staleness is exact and its exact diagnostics
 * (tabular) are those of one well-defined θ before and after — the shared RMSprop statistics
 * are never torn, and the code is free of data races (C11 makes a race undefined;
 * ThreadSanitizer checks it).  Hogwild pays off with many cores and sparse updates; a dense
 * MLP update on 2–8 cores is neither.  Thread runs are not repeatable (the interleaving
 * decides which worker applies when).  A worker takes a ticket before it samples, so exactly
 * n_iters gradients are computed and all of them applied.  The main thread takes the updates
 * in order from a ring of C = 2N + 2 records (a worker waits when the ring is full).
 *
 * mode=deterministic: N simulated workers in the calling thread, update u by worker u mod N,
 * every gradient applied K updates after its fetch: the gradient applied at update u was
 * computed at θ_max(0, u−K) (at the start, as N threads would, the first K + 1 gradients all
 * at θ_0), so staleness min(u, K).  It is the threads' loop with the scheduling fixed:
 * repeatable bit for bit, and at K = 0 with one worker it is a2c bit for bit.  The pending
 * gradients (a queue of K + 1, each with its batch) are checkpoint state. */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algorithms/alg_pg.h"
#include "core/size.h"
#include "algorithms/checkpoint.h"
#include "algorithms/run.h"
#include "core/rng.h"

extern const alg_class alg_a2c;

typedef enum { A3C_THREADS = 0, A3C_DETERMINISTIC = 1 } a3c_mode;

typedef struct {
  pg_params pg; /* a2c's (begins with alg_shared_params) */
  size_t workers, staleness;
  int mode; /* a3c_mode */
} a3c_params;
#define A3C_AT(field) offsetof(a3c_params, field)
#define A3C_PG(field) (offsetof(a3c_params, pg) + offsetof(pg_params, field))

/* a2c's parameters and defaults (Stable-Baselines3's), and the workers'. */
static const alg_param p_a3c[] = {
    ALG_COMMON_PARAMS(0, 8, 0),
    {"n_steps", ALG_INT, 40, 1, 1e8, NULL,
     "environment steps per batch of one worker (all its n_envs environments): one update",
     ALG_SHARED(n_steps)},
    {"learning_rate", ALG_REAL, 7e-4, 0, 1, NULL, "shared RMSprop step size of the policy",
     A3C_PG(learning_rate)},
    {"gae_lambda", ALG_REAL, 1, 0, 1, NULL, "GAE lambda (1: n-step returns)", A3C_PG(gae_lambda)},
    {"ent_coef", ALG_REAL, 0, 0, 1e3, NULL, "entropy bonus coefficient", A3C_PG(ent_coef)},
    {"max_grad_norm", ALG_REAL, 0.5, 0, 1e9, NULL, "clip the gradient's norm (0: off)",
     A3C_PG(max_grad_norm)},
    {"vf_learning_rate", ALG_REAL, 7e-4, 0, 1, NULL, "shared RMSprop step size of the value function",
     A3C_PG(vf_learning_rate)},
    {"vf_coef", ALG_REAL, 0.5, 0, 1e3, NULL, "value-loss weight (scales the value gradient)",
     A3C_PG(vf_coef)},
    {"rms_prop_eps", ALG_REAL, 1e-5, 0, 1, NULL, "RMSprop epsilon", A3C_PG(rms_prop_eps)},
    {"grad_clip_scope", ALG_CHOICE, 1, 0, 0, "policy|global",
     "max_grad_norm clips the policy gradient alone, or policy and value together",
     A3C_PG(grad_clip_scope)},
    {"workers", ALG_INT, 2, 1, 256, NULL,
     "workers, each with its own n_envs environments: threads (mode=threads) or simulated in "
     "one thread (mode=deterministic)", A3C_AT(workers)},
    {"mode", ALG_CHOICE, 0, 0, 0, "threads|deterministic",
     "threads: POSIX threads, applies under a lock (not repeatable); deterministic: the "
     "workers simulated in one thread, every gradient applied `staleness` updates late "
     "(repeatable bit for bit)", A3C_AT(mode)},
    {"staleness", ALG_INT, 0, 0, 1e4, NULL,
     "mode=deterministic: K, the updates between a gradient's fetch and its apply (0 with one "
     "worker: a2c)", A3C_AT(staleness)}};

static const char *a3c_check(const void *params) {
  const a3c_params *p = params;
  if (p->pg.shared.value_function == ALG_VALUE_EXACT)
    return "a3c: value_function=exact is not supported (the exact V would be the master's "
           "current policy's, not the one a worker fetched)";
  if (p->pg.shared.normalize_obs)
    return "a3c: normalize_obs is not supported (each worker would normalize by its own "
           "statistics, and the saved policy needs one normalizer)";
  if (p->mode == A3C_THREADS && p->staleness > 0)
    return "a3c: staleness applies to mode=deterministic (mode=threads measures it: the "
           "staleness column of progress.tsv)";
  return NULL;
}

/* One record: a computed gradient waiting for its update (deterministic queue), or an
 * applied update waiting for the main thread (the threads' ring). */
typedef struct {
  alg_batch *b;
  double *adv_raw;                        /* (T) */
  double *dist_old, *adv, *grad, *vgrad;  /* deterministic: (T, K), (T), (P), (Pv) */
  double *theta, *v;                      /* threads: the parameters after the update */
  alg_iter_stats st;
  double vloss;                           /* the value loss before the update */
  size_t fetched;                         /* the master's version at the fetch */
  int ready;                              /* threads: filled, not yet taken */
  tr_status status;                       /* threads: a worker's error */
  char msg[256];
} a3c_rec;

typedef struct a3c_state a3c_state;
typedef struct {
  a3c_state *s;
  alg_run *run; /* the worker's own a2c run: environments, batch, scratch, fetched θ and w */
  pthread_t tid;
} a3c_worker;

struct a3c_state {
  const a3c_params *p;
  size_t N, K, C, P, Pv, T, n_iters;
  a3c_worker *w;
  a3c_rec *rec;            /* (C) */
  nn_rmsprop *rms, *vrms;  /* the shared optimizers */
  size_t n_computed;       /* deterministic: gradients computed so far */
  alg_iter_stats blank;
  /* threads */
  double *theta, *v;       /* the master's parameters */
  pthread_mutex_t mu;
  pthread_cond_t ready_cv, space_cv;
  int sync, started, stop, n_threads;
  size_t tickets, version, consumed;
};

static void swap_d(double **a, double **b) {
  double *t = *a;
  *a = *b, *b = t;
}
static void swap_b(alg_batch **a, alg_batch **b) {
  alg_batch *t = *a;
  *a = *b, *b = t;
}

/* The a2c run of worker i: a3c's values for a2c's parameters of the same name (a2c's own
 * defaults for the rest: vf_iters 1, use_rms_prop true). */
static tr_status worker_alloc(alg_run *run, size_t i, alg_run **out) {
  alg_config c;
  if (alg_config_init(&c, &alg_a2c)) return TR_ENOMEM;
  const alg_config *a = &run->model.cfg;
  for (size_t k = 0; k < alg_a2c.n_params; k++)
    for (size_t j = 0; j < a->cls->n_params; j++)
      if (!strcmp(alg_a2c.params[k].name, a->cls->params[j].name)) c.values[k] = a->values[j];
  char id[64];
  snprintf(id, sizeof id, "a3c.worker.%zu", i);
  uint64_t seed = i ? tr_seed_derive(run->model.seed, id) : run->model.seed;
  tr_status st = alg_run_alloc(out, run->model.em, &c, seed, run->model.total_steps);
  alg_config_clear(&c);
  return st;
}

static void a3c_free(alg_run *run);

static tr_status a3c_init(alg_run *run) {
  const a3c_params *p = run->model.params;
  a3c_state *s = tr_calloc(1, sizeof *s);
  if (!s) return TR_ENOMEM;
  run->alg = s;
  s->p = p;
  s->N = p->workers;
  s->K = p->mode == A3C_DETERMINISTIC ? p->staleness : 0;
  s->C = p->mode == A3C_DETERMINISTIC ? s->K + 1 : 2 * s->N + 2;
  s->P = run->model.pol->P, s->Pv = run->model.vnet->P, s->T = run->model.T;
  s->n_iters = run->model.n_iters;
  s->w = tr_calloc(s->N, sizeof *s->w);
  s->rec = tr_calloc(s->C, sizeof *s->rec);
  s->rms = nn_rmsprop_alloc(s->P);
  s->vrms = nn_rmsprop_alloc(s->Pv);
  if (!s->w || !s->rec || !s->rms || !s->vrms) return TR_ENOMEM;
  s->rms->eps = s->vrms->eps = p->pg.rms_prop_eps;
  for (size_t i = 0; i < s->N; i++) {
    s->w[i].s = s;
    tr_status st = worker_alloc(run, i, &s->w[i].run);
    if (st) return st;
  }
  size_t O = env_obs_dim(run->model.em), U = env_action_dim(run->model.em);
  size_t T = s->T, K = run->model.pol->K;
  int det = p->mode == A3C_DETERMINISTIC;
  for (size_t c = 0; c < s->C; c++) {
    a3c_rec *r = &s->rec[c];
    r->b = alg_batch_alloc(T, O, U);
    r->adv_raw = tr_malloc(T * sizeof(double));
    if (!r->b || !r->adv_raw) return TR_ENOMEM;
    if (det) {
      r->dist_old = tr_malloc(T * K * sizeof(double));
      r->adv = tr_malloc(T * sizeof(double));
      r->grad = tr_malloc(s->P * sizeof(double));
      r->vgrad = tr_malloc(s->Pv * sizeof(double));
      if (!r->dist_old || !r->adv || !r->grad || !r->vgrad) return TR_ENOMEM;
    } else {
      r->theta = tr_malloc(s->P * sizeof(double));
      r->v = tr_malloc(s->Pv * sizeof(double));
      if (!r->theta || !r->v) return TR_ENOMEM;
    }
  }
  if (!det) {
    s->theta = tr_malloc(s->P * sizeof(double));
    s->v = tr_malloc(s->Pv * sizeof(double));
    if (!s->theta || !s->v) return TR_ENOMEM;
    if (pthread_mutex_init(&s->mu, NULL)) return tr_error(TR_ENOMEM, "a3c: pthread_mutex_init");
    if (pthread_cond_init(&s->ready_cv, NULL) || pthread_cond_init(&s->space_cv, NULL)) {
      pthread_mutex_destroy(&s->mu);
      return tr_error(TR_ENOMEM, "a3c: pthread_cond_init");
    }
    s->sync = 1;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu > 0 && s->N > (size_t)ncpu)
      fprintf(stderr, "trbench: warning: a3c: workers = %zu threads on %ld online processors: "
                      "they take turns (the updates stay correct, only slower and staler)\n",
              s->N, ncpu);
  }
  return TR_OK;
}

/* Stops the threads (if any) and waits for them. */
static void threads_stop(a3c_state *s) {
  if (!s->sync || !s->n_threads) return;
  pthread_mutex_lock(&s->mu);
  s->stop = 1;
  pthread_cond_broadcast(&s->space_cv);
  pthread_cond_broadcast(&s->ready_cv);
  pthread_mutex_unlock(&s->mu);
  for (int i = 0; i < s->n_threads; i++) pthread_join(s->w[i].tid, NULL);
  s->n_threads = 0;
}

static void a3c_free(alg_run *run) {
  a3c_state *s = run->alg;
  if (!s) return;
  threads_stop(s);
  if (s->sync) {
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->ready_cv);
    pthread_cond_destroy(&s->space_cv);
  }
  for (size_t i = 0; s->w && i < s->N; i++) alg_run_free(s->w[i].run);
  for (size_t c = 0; s->rec && c < s->C; c++) {
    a3c_rec *r = &s->rec[c];
    alg_batch_free(r->b);
    free(r->adv_raw), free(r->dist_old), free(r->adv), free(r->grad), free(r->vgrad);
    free(r->theta), free(r->v);
  }
  free(s->w), free(s->rec), free(s->theta), free(s->v);
  nn_rmsprop_free(s->rms);
  nn_rmsprop_free(s->vrms);
  free(s);
  run->alg = NULL;
}

/* The learning rates of update u (anneal_lr: linearly to 0 over the run's n_iters updates,
 * as alg_run_lr at iteration u). */
static void rates(const a3c_state *s, size_t u, double *lr, double *vlr) {
  *lr = s->p->pg.learning_rate, *vlr = s->p->pg.vf_learning_rate;
  if (s->p->pg.shared.anneal_lr)
    *lr = alg_lr_linear(*lr, u, s->n_iters), *vlr = alg_lr_linear(*vlr, u, s->n_iters);
}

/* A worker's gradient at the parameters in its run (a2c's); *vloss the value loss. */
static tr_status worker_gradient(a3c_worker *w, alg_iter_stats *st, double *vloss) {
  int joint;
  alg_run *r = w->run;
  tr_status e = alg_pg_a2c_gradient(r, st, &joint);
  if (!e && !st->bad[0]) *vloss = alg_pg_value_loss0(r->state.values, r->state.ret, r->model.T);
  return e;
}

/* ---- mode=deterministic ---------------------------------------------------------------- */
static tr_status det_iterate(alg_run *run, a3c_state *s, alg_iter_stats *stats) {
  size_t u = run->state.iter, P = s->P, Pv = s->Pv;
  alg_iter_stats blank = *stats;
  /* the fetches due: gradient j is computed at the master of now, θ_u, and applied at
   * update j (j ≤ u + K; at u = 0 the first K + 1) */
  while (s->n_computed < s->n_iters && s->n_computed <= u + s->K) {
    size_t j = s->n_computed;
    a3c_worker *w = &s->w[j % s->N];
    a3c_rec *r = &s->rec[j % s->C];
    memcpy(w->run->state.theta, run->state.theta, P * sizeof(double));
    memcpy(w->run->state.vparams, run->state.vparams, Pv * sizeof(double));
    r->st = blank;
    r->vloss = NAN;
    r->fetched = u;
    tr_status e = worker_gradient(w, &r->st, &r->vloss);
    if (e) return e;
    alg_state *W = &w->run->state;
    swap_b(&W->batch, &r->b);
    swap_d(&W->adv_raw, &r->adv_raw), swap_d(&W->dist_old, &r->dist_old);
    swap_d(&W->adv, &r->adv);
    swap_d(&w->run->ws.grad, &r->grad), swap_d(&w->run->ws.vgrad, &r->vgrad);
    s->n_computed++;
  }
  if (u >= s->n_computed) return tr_error(TR_EINVAL, "a3c: update %zu beyond the run's %zu", u + 1, s->n_iters);
  a3c_rec *r = &s->rec[u % s->C];
  *stats = r->st;
  stats->staleness = (double)(u - r->fetched);
  /* its batch is the iteration's (episode returns, exact diagnostics) */
  swap_b(&run->state.batch, &r->b);
  swap_d(&run->state.adv_raw, &r->adv_raw);
  if (stats->bad[0]) return TR_OK;
  double lr, vlr;
  rates(s, u, &lr, &vlr);
  stats->lr = lr;
  nn_rmsprop_step(s->rms, run->state.theta, r->grad, lr);
  alg_rows rows = {s->T, run->state.batch->obs, run->state.batch->act, run->state.batch->logp,
                   r->dist_old, r->adv};
  tr_status e = alg_pg_step_stats(run, &rows, run->state.theta, stats);
  if (e || stats->bad[0]) return e;
  stats->value_loss = r->vloss;
  nn_rmsprop_step(s->vrms, run->state.vparams, r->vgrad, vlr);
  if (!isfinite(stats->value_loss)) snprintf(stats->bad, sizeof stats->bad, "value_loss");
  return TR_OK;
}

/* ---- mode=threads ---------------------------------------------------------------------- */
static void *worker_main(void *arg) {
  a3c_worker *w = arg;
  a3c_state *s = w->s;
  sigset_t all; /* signals go to the main thread (trbench run stops there) */
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  alg_run *r = w->run;
  for (;;) {
    pthread_mutex_lock(&s->mu);
    if (s->stop || s->tickets == s->n_iters) {
      pthread_mutex_unlock(&s->mu);
      break;
    }
    s->tickets++;
    memcpy(r->state.theta, s->theta, s->P * sizeof(double)); /* fetch */
    memcpy(r->state.vparams, s->v, s->Pv * sizeof(double));
    size_t fetched = s->version;
    pthread_mutex_unlock(&s->mu);

    alg_iter_stats st = s->blank;
    double vloss = NAN;
    char msg[256] = "";
    tr_status e = worker_gradient(w, &st, &vloss);
    if (e) snprintf(msg, sizeof msg, "%s", tr_error_msg());

    pthread_mutex_lock(&s->mu);
    while (!s->stop && s->version - s->consumed >= s->C) pthread_cond_wait(&s->space_cv, &s->mu);
    if (s->stop) {
      pthread_mutex_unlock(&s->mu);
      break;
    }
    size_t u = s->version++;
    a3c_rec *slot = &s->rec[u % s->C];
    if (!e && !st.bad[0]) { /* apply */
      double lr, vlr;
      rates(s, u, &lr, &vlr);
      st.lr = lr;
      nn_rmsprop_step(s->rms, s->theta, r->ws.grad, lr);
      nn_rmsprop_step(s->vrms, s->v, r->ws.vgrad, vlr);
    }
    memcpy(slot->theta, s->theta, s->P * sizeof(double));
    memcpy(slot->v, s->v, s->Pv * sizeof(double));
    pthread_mutex_unlock(&s->mu);

    /* slot u is this worker's until it is marked ready */
    st.staleness = (double)(u - fetched);
    if (!e && !st.bad[0]) {
      alg_rows rows = alg_run_rows(r);
      e = alg_pg_step_stats(r, &rows, slot->theta, &st);
      if (e) snprintf(msg, sizeof msg, "%s", tr_error_msg());
      else if (!st.bad[0]) {
        st.value_loss = vloss;
        if (!isfinite(vloss)) snprintf(st.bad, sizeof st.bad, "value_loss");
      }
    }
    swap_b(&r->state.batch, &slot->b);
    swap_d(&r->state.adv_raw, &slot->adv_raw);
    slot->st = st;
    slot->status = e;
    memcpy(slot->msg, msg, sizeof msg);
    pthread_mutex_lock(&s->mu);
    slot->ready = 1;
    if (e || st.bad[0]) s->stop = 1; /* the run ends at this update */
    pthread_cond_broadcast(&s->ready_cv);
    pthread_mutex_unlock(&s->mu);
    if (e || st.bad[0]) break;
  }
  return NULL;
}

static tr_status threads_start(alg_run *run, a3c_state *s, const alg_iter_stats *blank) {
  memcpy(s->theta, run->state.theta, s->P * sizeof(double));
  memcpy(s->v, run->state.vparams, s->Pv * sizeof(double));
  s->blank = *blank;
  s->version = s->consumed = s->tickets = run->state.iter;
  s->started = 1;
  for (size_t i = 0; i < s->N; i++) {
    int rc = pthread_create(&s->w[i].tid, NULL, worker_main, &s->w[i]);
    if (rc) {
      threads_stop(s);
      return tr_error(TR_ENOMEM, "a3c: cannot start worker thread %zu of %zu: %s", i + 1, s->N,
                      strerror(rc));
    }
    s->n_threads++;
  }
  return TR_OK;
}

static tr_status threads_iterate(alg_run *run, a3c_state *s, alg_iter_stats *stats) {
  tr_status e;
  if (!s->started && (e = threads_start(run, s, stats))) return e;
  if (!s->n_threads && s->consumed < s->n_iters)
    return tr_error(TR_EINVAL, "a3c mode=threads: its workers were stopped by a checkpoint; "
                               "checkpoints while it trains are not supported (mode=deterministic "
                               "resumes bit for bit)");
  a3c_rec *slot = &s->rec[s->consumed % s->C];
  pthread_mutex_lock(&s->mu);
  while (!slot->ready) pthread_cond_wait(&s->ready_cv, &s->mu);
  pthread_mutex_unlock(&s->mu);
  if (slot->status) e = tr_error(slot->status, "%s", slot->msg);
  else {
    e = TR_OK;
    swap_b(&run->state.batch, &slot->b);
    swap_d(&run->state.adv_raw, &slot->adv_raw);
    memcpy(run->state.theta, slot->theta, s->P * sizeof(double));
    memcpy(run->state.vparams, slot->v, s->Pv * sizeof(double));
    *stats = slot->st;
  }
  pthread_mutex_lock(&s->mu);
  slot->ready = 0;
  s->consumed++;
  pthread_cond_broadcast(&s->space_cv);
  pthread_mutex_unlock(&s->mu);
  return e;
}

static tr_status a3c_iterate(alg_run *run, alg_iter_stats *stats) {
  a3c_state *s = run->alg;
  return s->p->mode == A3C_DETERMINISTIC ? det_iterate(run, s, stats)
                                         : threads_iterate(run, s, stats);
}

/* ---- checkpoints ------------------------------------------------------------------------- */
/* A pending gradient of the deterministic queue: everything its update reads. */
static tr_status rec_io(alg_ckpt_io *io, const a3c_state *s, size_t j, a3c_rec *r, size_t O,
                        size_t U, size_t K) {
  char n[96];
  size_t T = s->T;
  alg_batch *b = r->b;
  tr_status st = TR_OK;
#define F64(leaf, x, len) \
  if (!st) snprintf(n, sizeof n, "a3c.q%zu.%s", j, leaf), st = alg_ckpt_f64(io, n, x, len)
#define U8(leaf, x, len) \
  if (!st) snprintf(n, sizeof n, "a3c.q%zu.%s", j, leaf), st = alg_ckpt_u8(io, n, x, len)
#define SZ(leaf, x) \
  if (!st) snprintf(n, sizeof n, "a3c.q%zu.%s", j, leaf), st = alg_ckpt_size(io, n, x)
  SZ("fetched", &r->fetched);
  SZ("n", &b->n);
  SZ("n_episodes", &b->n_episodes);
  if (!st && b->n_episodes > b->ep_cap)
    st = tr_error(TR_EINVAL, "a3c: a checkpoint with %zu episodes in a batch", b->n_episodes);
  F64("obs", b->obs, T * O);
  F64("act", b->act, T * U);
  F64("logp", b->logp, T);
  F64("rew", b->rew, T);
  F64("next_obs", b->next_obs, T * O);
  U8("term", b->term, T);
  U8("trunc", b->trunc, T);
  U8("cut", b->cut, T);
  F64("ep_return", b->ep_return, b->n_episodes);
  uint64_t *u64 = st ? NULL : tr_malloc((2 * T + b->n_episodes + 1) * sizeof *u64);
  if (!st && !u64) st = TR_ENOMEM;
  if (!st && !alg_ckpt_loading(io))
    for (size_t t = 0; t < T; t++) u64[t] = b->env_id[t], u64[T + t] = b->state[t];
  for (size_t i = 0; !st && !alg_ckpt_loading(io) && i < b->n_episodes; i++) u64[2 * T + i] = b->ep_len[i];
  if (!st) snprintf(n, sizeof n, "a3c.q%zu.ids", j), st = alg_ckpt_u64(io, n, u64, 2 * T + b->n_episodes);
  if (!st && alg_ckpt_loading(io)) {
    for (size_t t = 0; t < T; t++) b->env_id[t] = (size_t)u64[t], b->state[t] = (size_t)u64[T + t];
    for (size_t i = 0; i < b->n_episodes; i++) b->ep_len[i] = (size_t)u64[2 * T + i];
  }
  free(u64);
  F64("adv_raw", r->adv_raw, T);
  F64("dist_old", r->dist_old, T * K);
  F64("adv", r->adv, T);
  F64("grad", r->grad, s->P);
  F64("vgrad", r->vgrad, s->Pv);
  F64("vloss", &r->vloss, 1);
  /* the statistics of its batch (alg_iter_stats as x86-64 holds it: doubles, sizes, text) */
  U8("stats", (unsigned char *)&r->st, sizeof r->st);
#undef F64
#undef U8
#undef SZ
  return st;
}

static tr_status a3c_checkpoint(alg_run *run, alg_ckpt_io *io) {
  a3c_state *s = run->alg;
  if (s->p->mode == A3C_THREADS) {
    if (alg_ckpt_loading(io))
      return tr_error(TR_EINVAL, "a3c mode=threads cannot resume: a threaded run is not "
                                 "repeatable, and its workers' fetched parameters, in-flight "
                                 "gradients and episodes are not in the checkpoint "
                                 "(mode=deterministic resumes bit for bit)");
    if (!s->started)
      return tr_error(TR_EINVAL, "a3c mode=threads: no checkpoints while it trains "
                                 "(--checkpoint-every): resuming could not be exact "
                                 "(mode=deterministic resumes bit for bit)");
    threads_stop(s); /* the run is over: its final checkpoint */
    tr_status st = alg_ckpt_rmsprop(io, "a3c.rms", s->rms);
    return st ? st : alg_ckpt_rmsprop(io, "a3c.vrms", s->vrms);
  }
  tr_status st = alg_ckpt_rmsprop(io, "a3c.rms", s->rms);
  if (!st) st = alg_ckpt_rmsprop(io, "a3c.vrms", s->vrms);
  if (!st) st = alg_ckpt_size(io, "a3c.n_computed", &s->n_computed);
  if (!st && alg_ckpt_loading(io) &&
      (s->n_computed < run->state.iter || s->n_computed > run->state.iter + s->C))
    st = tr_error(TR_EINVAL, "a3c: a checkpoint with %zu gradients computed at update %zu",
                  s->n_computed, run->state.iter);
  char n[96];
  for (size_t i = 0; !st && i < s->N; i++) {
    alg_run *w = s->w[i].run;
    snprintf(n, sizeof n, "a3c.w%zu.sampler", i);
    st = alg_sampler_ckpt_named(w->state.sampler, io, n);
    if (!st) snprintf(n, sizeof n, "a3c.w%zu.rng", i), st = alg_ckpt_rng(io, n, w->state.rng);
    if (!st && w->state.rscale) {
      snprintf(n, sizeof n, "a3c.w%zu.reward_scale.G", i);
      st = alg_ckpt_f64(io, n, w->state.rscale->G, w->state.rscale->E);
      if (!st) snprintf(n, sizeof n, "a3c.w%zu.reward_scale", i), st = alg_ckpt_norm(io, n, w->state.rscale->rn);
    }
  }
  size_t O = env_obs_dim(run->model.em), U = env_action_dim(run->model.em);
  for (size_t j = run->state.iter; !st && j < s->n_computed; j++)
    st = rec_io(io, s, j, &s->rec[j % s->C], O, U, run->model.pol->K);
  return st;
}

#define N(a) (sizeof a / sizeof a[0])
const alg_class alg_a3c = {
    .name = "a3c",
    .doc = "asynchronous advantage actor-critic: a2c's gradient (its defaults) by `workers` "
           "workers on the parameters each last fetched, applied to the shared ones with a "
           "shared RMSprop.  mode=threads: POSIX threads, each apply under one lock, not "
           "Hogwild: the O(P) apply is short beside a worker's batch, and the lock gives one "
           "sequence of updates (exact staleness and exact diagnostics per update, an untorn "
           "RMSprop, no data race); not repeatable.  mode=deterministic: the workers simulated "
           "in one thread, every gradient applied `staleness` updates late, repeatable bit for "
           "bit (staleness=0 workers=1 is a2c)",
    .params = p_a3c,
    .n_params = N(p_a3c),
    .params_size = sizeof(a3c_params),
    .check = a3c_check,
    .init = a3c_init,
    .iterate = a3c_iterate,
    .free = a3c_free,
    .checkpoint = a3c_checkpoint};
