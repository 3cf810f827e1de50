/* algorithms/checkpoint.h — a training run's whole state in one file, and back.
 *
 * A checkpoint holds what the next iteration reads: the policy's and value function's
 * parameters, the optimizers' moments, the observation and reward normalizers' statistics,
 * every random stream, the environments mid-episode (MuJoCo state, episode returns), the
 * counters, the algorithm's own state (alg_class.checkpoint) and the caller's (trbench run's
 * last-100 window).  Restoring it into a run built from the same command continues that run
 * bit for bit.  Evaluation, rendering and fine-tuning read only the policy's blocks.
 *
 * The file (format version 1; doubles and integers little-endian as x86-64 holds them):
 *
 *   trbench-checkpoint 1
 *   KEY VALUE                     header lines: algo, env, seed, iter, steps, total_steps,
 *   ...                           policy (KIND O,h1,...,K), value (widths), obs_dim,
 *                                 action_dim, trbench (version commit)
 *   f64 NAME N                    a block: N doubles follow (8N bytes), then "\n";
 *   <8N bytes>                    also u64 (8N bytes) and u8 (N bytes)
 *   ...
 *   end
 *
 * Block names: theta (P), value (Pv), value_adam.{m,v,t}, obs_norm.{count,mean,m2},
 * reward_scale.*, rng.*, sampler.*, config (the resolved parameters, checked on resume),
 * then the algorithm's (e.g. ppo.adam.m) and the caller's.  README "After training" has a
 * Python reader. */
#ifndef ALG_CHECKPOINT_H
#define ALG_CHECKPOINT_H

#include <gsl/gsl_rng.h>
#include <stddef.h>
#include <stdint.h>

#include "advantage.h"
#include "nn.h"
#include "../core/error.h"

#define ALG_CKPT_VERSION 1
#define ALG_CKPT_FILE "checkpoint.bin"

typedef struct alg_run alg_run;
typedef struct alg_ckpt_io alg_ckpt_io;

/* One visitor for both directions: saving writes each block, loading finds it by name and
 * copies it in (TR_EINVAL naming the block when it is missing or of another size). */
int alg_ckpt_loading(const alg_ckpt_io *io);
tr_status alg_ckpt_f64(alg_ckpt_io *io, const char *name, double *x, size_t n);
tr_status alg_ckpt_u64(alg_ckpt_io *io, const char *name, uint64_t *x, size_t n);
tr_status alg_ckpt_u8(alg_ckpt_io *io, const char *name, unsigned char *x, size_t n);
/* A size_t or an int through a u64 block of one. */
tr_status alg_ckpt_size(alg_ckpt_io *io, const char *name, size_t *x);
tr_status alg_ckpt_int(alg_ckpt_io *io, const char *name, int *x);
/* A GSL generator's state (its type must match). */
tr_status alg_ckpt_rng(alg_ckpt_io *io, const char *name, gsl_rng *r);
/* Optimizers and normalizers (NULL: nothing). */
tr_status alg_ckpt_adam(alg_ckpt_io *io, const char *name, nn_adam *a);
tr_status alg_ckpt_rmsprop(alg_ckpt_io *io, const char *name, nn_rmsprop *o);
tr_status alg_ckpt_norm(alg_ckpt_io *io, const char *name, alg_running_norm *rn);

/* The caller's own state, visited after the run's. */
typedef tr_status (*alg_ckpt_extra_fn)(alg_ckpt_io *io, void *ctx);

/* Writes the run's state to path (atomically: a temporary renamed into place). */
tr_status alg_ckpt_save(alg_run *run, const char *path, alg_ckpt_extra_fn extra, void *ctx);
/* Restores the whole state into run (built from the same algorithm, environment and
 * parameters: refused, naming what differs, otherwise).  TR_EINVAL with "path: ..." for a
 * missing, truncated or foreign file. */
tr_status alg_ckpt_load(alg_run *run, const char *path, alg_ckpt_extra_fn extra, void *ctx);
/* Only the policy (theta, the observation normalizer) and, when value is set and the shapes
 * match, the value function: for evaluation and fine-tuning.  Another algorithm or
 * environment is allowed when the shapes are the same; another shape is refused. */
tr_status alg_ckpt_load_policy(alg_run *run, const char *path, int value);

/* Only the algorithm's own blocks (its class's checkpoint visitor, loading), from a
 * checkpoint of the same algorithm: what an ALG_NO_POLICY algorithm learned (ilqr's feedback
 * law), for evaluation.  TR_EINVAL naming the file otherwise. */
tr_status alg_ckpt_load_alg(alg_run *run, const char *path);

/* The header value of key (a new string), or NULL after setting the error. */
char *alg_ckpt_header(const char *path, const char *key);

#endif
