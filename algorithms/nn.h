/* algorithms/nn.h — a multilayer perceptron on one flat parameter vector, and Adam.
 *
 * Letters: B batch (rows), Bmax the most rows a workspace holds, I inputs, O outputs,
 * L the number of affine layers, n_0 = I, n_1 … n_{L−1} hidden widths, n_L = O,
 * P parameters.  Arrays are row-major; "x is (B, I)" means x[b·I + i].
 *
 * The network (hidden layers of a nonlinearity σ, tanh by default; linear output):
 *   h_0 = x                                   (B, n_0)
 *   z_l = h_{l−1} W_lᵀ + 1 b_lᵀ               (B, n_l),   W_l is (n_l, n_{l−1}), b_l is (n_l)
 *   h_l = σ(z_l)  for l < L (σ = tanh, ReLU or softplus: nn_activation);   out = z_L   (B, O)
 *
 * Parameter layout (one flat vector of P doubles; gradients, Adam moments, CG directions
 * and tangents v share it): for l = 1 … L in order, W_l (n_l, n_{l−1}) row-major, then
 * b_l (n_l).  net->off_W[l−1], net->off_b[l−1] give the offsets.  So
 *   P = Σ_l n_l (n_{l−1} + 1).
 *
 * Usage: forward keeps the activations h_0 … h_{L−1} of the batch in the workspace;
 * backward and jvp then refer to that batch (and must be given the same params).
 * Backward ADDS into grad (and dx); nn_zero clears.  Nothing here allocates after
 * _alloc, so forward/backward/jvp/adam are safe in hot loops.  All batched products go
 * through nn_gemm (gemm.h) with its default backend, OpenBLAS (run it single-threaded:
 * OPENBLAS_NUM_THREADS=1); each adds 2·M·N·K to a per-thread count (nn_flops). */
#ifndef ALG_NN_H
#define ALG_NN_H

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>

#include "../core/error.h"

/* The default gain of hidden layers in orthogonal init (the PPO/baselines choice, √2). */
#define NN_GAIN_HIDDEN M_SQRT2

/* The hidden units' nonlinearity σ: tanh (the default; the PPO paper's), ReLU max(0, z)
 * (Engstrom et al. 2020's ablation item 8) or softplus log(1 + e^z) (the "soft rectifier" of
 * Levine & Koltun 2013's GPS policies, REFERENCES.md § 8).  Output layers are linear either
 * way.  σ' is computed from h = σ(z), so the workspace keeps h only:
 *   tanh      σ' = 1 − h²
 *   ReLU      σ' = [h > 0]            (σ'(0) taken as 0, as torch)
 *   softplus  σ' = 1/(1 + e^{−z}) = 1 − e^{−h}  (the logistic: e^h = 1 + e^z), computed as
 *             −expm1(−h), whose condition number h e^{−h}/(1 − e^{−h}) is ≤ 1 for h ≥ 0, so
 *             it is as accurate as h is, down to σ'(−40) ≈ 4.2e-18 and underflow at −745. */
typedef enum { NN_TANH = 0, NN_RELU = 1, NN_SOFTPLUS = 2 } nn_activation;

/* x (n) ← σ(x) elementwise: the one implementation of the hidden units, used by nn_forward
 * and by every other module that applies a network's activation (reward_model.c).
 *   tanh: nn_tanh.   ReLU: x > 0 ? x : 0 (NaN stays NaN).
 *   softplus: max(x, 0) + log1p(e^{−|x|}), which neither overflows for large x (800 → 800)
 *   nor loses the small values for very negative x (−40 → 4.2e-18; −800 → 0); NaN stays
 *   NaN, ±inf gives inf and 0. */
void nn_activate(nn_activation act, double *x, size_t n);
/* x (n) ⊙= σ'(z), written through h (n) = σ(z) as above; x and h must not overlap. */
void nn_activation_slope(nn_activation act, double *restrict x, const double *restrict h,
                         size_t n);

/* The network's shape: immutable after nn_mlp_alloc (and nn_mlp_set_activation). */
typedef struct {
  size_t L;       /* affine layers (number of sizes − 1) */
  nn_activation act; /* of the hidden layers; NN_TANH unless set */
  size_t *n;      /* (L + 1) widths n_0 = I … n_L = O */
  size_t *off_W;  /* (L) offset of W_l in the parameter vector (index l − 1) */
  size_t *off_b;  /* (L) offset of b_l */
  size_t P;       /* parameters */
  size_t max_n;   /* max_l n_l over hidden and output layers (scratch width) */
} nn_mlp;

/* A network of widths sizes[0] = I, sizes[1] … , sizes[n_sizes−1] = O (n_sizes ≥ 2, all
 * widths ≥ 1).  NULL with a message on bad sizes or no memory. */
nn_mlp *nn_mlp_alloc(size_t n_sizes, const size_t *sizes);
void nn_mlp_free(nn_mlp *net);
/* Choose the hidden nonlinearity (before the network is used). */
void nn_mlp_set_activation(nn_mlp *net, nn_activation act);
size_t nn_mlp_n_params(const nn_mlp *net);
size_t nn_mlp_n_in(const nn_mlp *net);
size_t nn_mlp_n_out(const nn_mlp *net);

/* Activations of the last forwarded batch and scratch for backward/jvp, for batches of
 * up to Bmax rows.  Fields are the module's business. */
typedef struct {
  size_t Bmax;
  size_t B;     /* rows of the last forward (0: none yet) */
  double **h;   /* (L) h[0] = copy of x (Bmax, n_0); h[l] = σ(z_l) (Bmax, n_l), l < L */
  double *t0, *t1; /* (Bmax, max_n) each: ping-pong scratch (deltas, tangents) */
  double *pack;    /* (max_l n_l n_{l−1}): a packed Wᵀ for the blocked product (gemm.h) */
  double *block;   /* the one allocation behind h, t0, t1, pack */
} nn_ws;

nn_ws *nn_ws_alloc(const nn_mlp *net, size_t Bmax);
void nn_ws_free(nn_ws *ws);

/* out (B, O) = MLP(params; x) for x (B, I), 1 ≤ B ≤ ws->Bmax.  Keeps h_0 … h_{L−1}
 * in ws.  out may not alias x.  TR_EINVAL if B is out of range. */
tr_status nn_forward(const nn_mlp *net, const double *params, const double *x, size_t B,
                     nn_ws *ws, double *out);

/* Reverse mode for the batch last forwarded (B rows, same params).  Given
 * dout (B, O) = ∂ℓ/∂out for some scalar ℓ, ADDS ∂ℓ/∂params into grad (P) and, if dx is
 * not NULL, ∂ℓ/∂x into dx (B, I).  With δ_L = dout:
 *   ∂ℓ/∂W_l += δ_lᵀ h_{l−1},   ∂ℓ/∂b_l += Σ_b δ_l[b,·],
 *   δ_{l−1} = (δ_l W_l) ⊙ σ'(z_{l−1})   (l > 1),     ∂ℓ/∂x += δ_1 W_1.
 * TR_EINVAL if B differs from the forwarded batch. */
tr_status nn_backward(const nn_mlp *net, const double *params, nn_ws *ws, const double *dout,
                      size_t B, double *grad, double *dx);

/* Forward mode (R-operator, Pearlmutter 1994) for the batch last forwarded:
 * dout (B, O) = (∂out/∂params) · v for a tangent v (P) in the parameter layout
 * (V_{W,l}, V_{b,l}); the input is held fixed.  With ż the tangent of z:
 *   ż_1 = h_0 V_{W,1}ᵀ + 1 V_{b,1}ᵀ,
 *   ż_l = (σ'(z_{l−1}) ⊙ ż_{l−1}) W_lᵀ + h_{l−1} V_{W,l}ᵀ + 1 V_{b,l}ᵀ,   dout = ż_L.
 * Overwrites dout.  TR_EINVAL if B differs from the forwarded batch. */
tr_status nn_jvp(const nn_mlp *net, const double *params, nn_ws *ws, const double *v, size_t B,
                 double *dout);

/* x (n) ← tanh x elementwise with SLEEF's vector tanh (error ≤ 3.5 ulp; NaN stays NaN,
 * ±inf gives ±1), in the widest vectors this CPU runs (chosen once, at the first call).
 * Each element's result depends on its value only (not on n or its position). */
void nn_tanh(double *x, size_t n);
/* The instruction set nn_tanh uses: "avx512f", "avx" (SLEEF picks AVX, FMA4 or AVX2
 * inside) or "sse2" (SSE2 or SSE4.1); "scalar" off x86-64. */
const char *nn_tanh_isa(void);
/* nn_tanh in one named instruction set (for tests and benchmarks); TR_EINVAL if the name
 * is unknown or the CPU lacks it. */
tr_status nn_tanh_on(const char *isa, double *x, size_t n);

/* The floating-point operations of the matrix products this thread has done through
 * nn_forward, nn_backward and nn_jvp since the last reset (2·M·N·K per product of
 * (M, K) by (K, N); the elementwise work is not counted). */
double nn_flops(void);
void nn_flops_reset(void);

/* x (n) = 0: the separate zeroing call for gradients. */
void nn_zero(double *x, size_t n);

/* Orthogonal initialization (Saxe et al. 2014; as torch.nn.init.orthogonal_): for each
 * W_l (r, c) draw G (max(r,c), min(r,c)) with i.i.d. N(0,1) entries, QR-factor G = QR
 * (LAPACKE dgeqrf/dorgqr), fix signs Q ← Q diag(sign R_jj) so that Q is Haar-distributed,
 * and set W_l = gain·Q (r ≥ c: W_lᵀW_l = gain² I) or gain·Qᵀ (r < c: W_l W_lᵀ = gain² I).
 * gain = gain_hidden for l < L, gain_out for the output layer (e.g. 0.01 for a policy
 * head, 1 for a value head); biases 0.  Allocates its scratch (not a hot path). */
tr_status nn_mlp_init_orthogonal(const nn_mlp *net, double *params, double gain_hidden,
                                 double gain_out, gsl_rng *r);

/* Scaled normal initialization: W_l entries i.i.d. N(0, gain²/n_{l−1}) (so each row has
 * expected squared norm gain², as the orthogonal init exactly), biases 0; gains as above. */
tr_status nn_mlp_init_normal(const nn_mlp *net, double *params, double gain_hidden,
                             double gain_out, gsl_rng *r);

/* Xavier (Glorot & Bengio 2010) uniform initialization, as torch.nn.init.xavier_uniform_:
 * W_l entries i.i.d. U(−a, a), a = gain·sqrt(6 / (n_{l−1} + n_l)) (variance gain²·2/(n_{l−1}+n_l)),
 * biases 0; gain = gain_hidden for l < L, gain_out for the output layer. */
tr_status nn_mlp_init_xavier(const nn_mlp *net, double *params, double gain_hidden,
                             double gain_out, gsl_rng *r);

/* Adam (Kingma & Ba 2015, in the form of torch.optim.Adam), minimizing: at step t,
 *   m ← β1 m + (1−β1) g,   v ← β2 v + (1−β2) g²,
 *   θ ← θ − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
 * m, v have the parameter layout.  Defaults β1 0.9, β2 0.999, ε 1e-8 (set the fields to
 * change them, e.g. ε 1e-5 as in baselines ppo2 / CleanRL).  Ascent: pass −g. */
typedef struct {
  size_t n;       /* P */
  double *m, *v;  /* (P) first and second moment estimates */
  long t;         /* steps taken */
  double beta1, beta2, eps;
} nn_adam;

nn_adam *nn_adam_alloc(size_t n_params);
void nn_adam_free(nn_adam *adam);
/* Zero m, v and t (as a fresh optimizer; β and ε kept). */
void nn_adam_reset(nn_adam *adam);
/* One step on params (P) with gradient grad (P) of the loss to minimize (params and grad
 * must not overlap each other or the moments). */
void nn_adam_step(nn_adam *adam, double *params, const double *grad, double lr);

/* RMSprop (Tieleman & Hinton 2012, in the form of torch.optim.RMSprop, not centered, no
 * momentum), minimizing:  v ← α v + (1−α) g²,  θ ← θ − lr · g / (√v + ε).
 * Defaults α 0.99, ε 1e-8; Stable-Baselines3's A2C uses ε = 1e-5 (rms_prop_eps). */
typedef struct {
  size_t n;       /* P */
  double *v;      /* (P) the running average of g² */
  double alpha, eps;
} nn_rmsprop;

nn_rmsprop *nn_rmsprop_alloc(size_t n_params);
void nn_rmsprop_free(nn_rmsprop *opt);
void nn_rmsprop_step(nn_rmsprop *opt, double *params, const double *grad, double lr);

/* Global norm clipping (as torch.nn.utils.clip_grad_norm_): with N = ‖g‖₂, if
 * max_norm/(N + 1e-6) < 1 then g ← g · max_norm/(N + 1e-6).  Returns N (before clipping). */
double nn_clip_grad_norm(double *grad, size_t n, double max_norm);
/* The same over two vectors taken as one (a policy's and a value network's gradients clipped
 * together, as one optimizer over both: CleanRL, Stable-Baselines3): N = ‖(g1, g2)‖₂. */
double nn_clip_grad_norm2(double *g1, size_t n1, double *g2, size_t n2, double max_norm);

#endif
