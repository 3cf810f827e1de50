/* algorithms/reward_model.h — a learned reward r_φ(s, a) from comparisons (Bradley–Terry).
 *
 * Letters: M ensemble members, P parameters per member, I feature width of a step
 * (dense environments: the observation the policy sees, then the action — one-hot for
 * discrete actions), N = S·A on tabular environments, where a step is its index s·A + a,
 * H hidden units, nh hidden layers, B rows (steps), k steps per segment.
 *
 * A member is an MLP of its step's input: on dense environments the network
 * (I, H × nh, 1) of nn.h; on tabular ones the same network on the one-hot input of (s, a),
 * its first layer stored as a table E (N, H) (E[s·A + a] is the column of W₁ the one-hot
 * selects; the product is never formed), so with nh = 0 a member is exactly a table
 * r(s, a) = w[s·A + a] + b:
 *   nh = 0:  P = N + 1;          nh ≥ 1:  E (N, H), b₁ (H), then the network (H, H × (nh−1), 1).
 * The loss of one member on n comparisons (a, b, μ) (preferences.h), with R the sum of r_φ
 * over a segment's k steps (Christiano et al. 2017 Eq. 1, no discount) and z = R_a − R_b:
 *   ℓ(φ) = (1/n) Σ [−μ log σ(z) − (1−μ) log σ(−z)] = (1/n) Σ [log(1 + e^{−z}) + (1−μ) z],
 *   ∂ℓ/∂z = (σ(z) − μ)/n.
 * Training: Adam (nn.h) over minibatches of comparisons, `epochs` passes, each member on its
 * own bootstrap resample of the comparisons when M > 1 (Christiano § 2.2.3), warm-started
 * from its last parameters.  Normalization: member m's reward is (r_m − c_m)/s_m with c_m,
 * s_m the mean and standard deviation of r_m over every step of every stored segment (the
 * states visited); the model's reward is the mean over members (Christiano: "an ensemble
 * ... of independently normalized members"). */
#ifndef ALG_REWARD_MODEL_H
#define ALG_REWARD_MODEL_H

#include <gsl/gsl_rng.h>

#include "nn.h"
#include "preferences.h"

typedef struct {
  size_t N, I;          /* tabular: N = S·A, I = 0; dense: N = 0, I the feature width */
  size_t M, nh, H, P;
  nn_mlp *net;          /* NULL for a tabular table (nh = 0) */
  size_t off_net;       /* tabular nh ≥ 1: where the network's parameters start */
  double *params;       /* (M, P) */
  nn_adam **adam;       /* (M) */
  int normalize;
  double *shift, *scale; /* (M) normalization (0 and 1 when off) */
  /* scratch for Bmax rows */
  size_t Bmax;
  nn_ws *ws;
  size_t *rows_idx;     /* (Bmax) */
  double *rows_x;       /* (Bmax, max(I, H)) */
  double *out, *dout, *dx; /* (Bmax), (Bmax), (Bmax, H) */
  double *grad;         /* (P) */
  size_t *boot;         /* the bootstrap resample of the last training call */
  size_t boot_cap;
} alg_rm;

/* k: steps per segment (the minibatch holds mb comparisons of 2k rows).  Initialization
 * from r: tables 0; E N(0, 1) entries; the network orthogonal (gain √2, output 1). */
alg_rm *alg_rm_alloc(size_t N, size_t I, size_t M, size_t nh, size_t H, nn_activation act,
                     int normalize, size_t k, size_t mb, gsl_rng *r);
void alg_rm_free(alg_rm *rm);

/* Member m's raw reward at B steps (idx (B) or x (B, I)) with parameters params (P):
 * out (B).  Any B (processed in chunks of Bmax). */
tr_status alg_rm_member(alg_rm *rm, const double *params, const size_t *idx, const double *x,
                        size_t B, double *out);
/* The Bradley–Terry loss ℓ of a member with parameters params on the comparisons ids (n;
 * NULL: all of d's) and its gradient (P, overwritten; may be NULL). */
tr_status alg_rm_bt_loss(alg_rm *rm, const double *params, const alg_pref_data *d,
                         const size_t *ids, size_t n, double *loss, double *grad);
/* Train every member on d's comparisons: epochs passes of minibatches of mb (the minibatch
 * size given at alloc at most), Adam at lr; then the normalization on d's segments. */
tr_status alg_rm_train(alg_rm *rm, const alg_pref_data *d, size_t epochs, size_t mb, double lr,
                       gsl_rng *r);
/* Recompute the normalization from d's segments (normalize off: shift 0, scale 1). */
tr_status alg_rm_normalize(alg_rm *rm, const alg_pref_data *d);
/* The trained state (every member's parameters and Adam moments, the normalization) through
 * the checkpoint visitor (checkpoint.h), blocks named PREFIX.*. */
typedef struct alg_ckpt_io alg_ckpt_io;
tr_status alg_rm_ckpt(alg_rm *rm, alg_ckpt_io *io, const char *prefix);
/* The model's reward at B steps (idx (B) or x (B, I)): out (B). */
tr_status alg_rm_predict(alg_rm *rm, const size_t *idx, const double *x, size_t B, double *out);

#endif
