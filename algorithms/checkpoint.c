/* algorithms/checkpoint.c — see checkpoint.h. */
#define _GNU_SOURCE
#include "algorithms/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "algorithms/rlhf.h"
#include "algorithms/run.h"
#include "core/io.h"
#include "core/size.h"


typedef enum { K_F64, K_U64, K_U8 } kind;
static const char *const kind_name[] = {"f64", "u64", "u8"};
static const size_t kind_bytes[] = {8, 8, 1};

typedef struct {
  char name[96];
  kind k;
  size_t n;
  const unsigned char *data;
} block;

struct alg_ckpt_io {
  int loading;
  const char *path;
  FILE *f;             /* saving */
  unsigned char *buf;  /* loading: the whole file */
  size_t len;
  block *b;            /* loading: the blocks found */
  size_t nb;
  size_t header_end;   /* offset of the first block line */
};

int alg_ckpt_loading(const alg_ckpt_io *io) { return io->loading; }

static tr_status block_io(alg_ckpt_io *io, const char *name, kind k, void *x, size_t n) {
  if (!io->loading) {
    fprintf(io->f, "%s %s %zu\n", kind_name[k], name, n);
    if (n && fwrite(x, kind_bytes[k], n, io->f) != n) return tr_error(TR_EIO, "%s: write failed", io->path);
    fputc('\n', io->f);
    return TR_OK;
  }
  for (size_t i = 0; i < io->nb; i++) {
    const block *b = &io->b[i];
    if (strcmp(b->name, name)) continue;
    if (b->k != k || b->n != n)
      return tr_error(TR_EINVAL, "%s: block %s holds %zu %s, this run needs %zu %s (a checkpoint "
                      "of another shape or configuration)", io->path, name, b->n,
                      kind_name[b->k], n, kind_name[k]);
    if (n) memcpy(x, b->data, n * kind_bytes[k]);
    return TR_OK;
  }
  return tr_error(TR_EINVAL, "%s: no block %s (a checkpoint of another algorithm or version)",
                  io->path, name);
}

tr_status alg_ckpt_f64(alg_ckpt_io *io, const char *name, double *x, size_t n) {
  return block_io(io, name, K_F64, x, n);
}
tr_status alg_ckpt_u64(alg_ckpt_io *io, const char *name, uint64_t *x, size_t n) {
  return block_io(io, name, K_U64, x, n);
}
tr_status alg_ckpt_u8(alg_ckpt_io *io, const char *name, unsigned char *x, size_t n) {
  return block_io(io, name, K_U8, x, n);
}

tr_status alg_ckpt_size(alg_ckpt_io *io, const char *name, size_t *x) {
  uint64_t v = *x;
  tr_status st = block_io(io, name, K_U64, &v, 1);
  if (!st) *x = (size_t)v;
  return st;
}

tr_status alg_ckpt_int(alg_ckpt_io *io, const char *name, int *x) {
  uint64_t v = (uint64_t)(int64_t)*x;
  tr_status st = block_io(io, name, K_U64, &v, 1);
  if (!st) *x = (int)(int64_t)v;
  return st;
}

/* name.NAME */
static const char *sub(char *buf, size_t n, const char *name, const char *leaf) {
  snprintf(buf, n, "%s.%s", name, leaf);
  return buf;
}

tr_status alg_ckpt_rng(alg_ckpt_io *io, const char *name, gsl_rng *r) {
  char nm[128];
  unsigned char type[64] = {0};
  snprintf((char *)type, sizeof type, "%s", gsl_rng_name(r));
  tr_status st = block_io(io, sub(nm, sizeof nm, name, "type"), K_U8, type, sizeof type);
  if (!st && io->loading && strcmp((const char *)type, gsl_rng_name(r)))
    return tr_error(TR_EINVAL, "%s: %s is a %s generator, this run's is %s", io->path, name,
                    (const char *)type, gsl_rng_name(r));
  return st ? st : block_io(io, sub(nm, sizeof nm, name, "state"), K_U8, gsl_rng_state(r),
                            gsl_rng_size(r));
}

tr_status alg_ckpt_adam(alg_ckpt_io *io, const char *name, nn_adam *a) {
  if (!a) return TR_OK;
  char nm[128];
  int64_t t = a->t;
  uint64_t tu = (uint64_t)t;
  tr_status st = block_io(io, sub(nm, sizeof nm, name, "m"), K_F64, a->m, a->n);
  if (!st) st = block_io(io, sub(nm, sizeof nm, name, "v"), K_F64, a->v, a->n);
  if (!st) st = block_io(io, sub(nm, sizeof nm, name, "t"), K_U64, &tu, 1);
  if (!st) a->t = (long)(int64_t)tu;
  return st;
}

tr_status alg_ckpt_rmsprop(alg_ckpt_io *io, const char *name, nn_rmsprop *o) {
  char nm[128];
  return o ? block_io(io, sub(nm, sizeof nm, name, "v"), K_F64, o->v, o->n) : TR_OK;
}

tr_status alg_ckpt_norm(alg_ckpt_io *io, const char *name, alg_running_norm *rn) {
  if (!rn) return TR_OK;
  char nm[128];
  tr_status st = block_io(io, sub(nm, sizeof nm, name, "count"), K_F64, &rn->count, 1);
  if (!st) st = block_io(io, sub(nm, sizeof nm, name, "mean"), K_F64, rn->mean, rn->D);
  if (!st) st = block_io(io, sub(nm, sizeof nm, name, "m2"), K_F64, rn->m2, rn->D);
  return st;
}

/* ---- the run --------------------------------------------------------------------------- */

/* The widths of an MLP as "a,b,c" (tabular: "S,A"). */
static void widths(char *buf, size_t n, const nn_mlp *net, size_t O, size_t K) {
  size_t k = (size_t)snprintf(buf, n, "%zu", net ? net->n[0] : O);
  for (size_t l = 1; net && l <= net->L && k < n; l++) k += (size_t)snprintf(buf + k, n - k, ",%zu", net->n[l]);
  if (!net && k < n) snprintf(buf + k, n - k, ",%zu", K);
}

static const char *pol_kind_name(const pol_policy *p) {
  return p->kind == POL_TABULAR ? "tabular" : p->kind == POL_CATEGORICAL ? "categorical" : "gaussian";
}

static void write_header(FILE *f, const alg_run *run) {
  const alg_model *m = &run->model;
  char pw[512], vw[512];
  widths(pw, sizeof pw, m->pol->net, m->pol->O, m->pol->K);
  widths(vw, sizeof vw, m->vnet, m->pol->O, 1);
  fprintf(f, "trbench-checkpoint %d\nalgo %s\nenv %s\nseed %llu\niter %zu\nsteps %zu\n"
             "total_steps %zu\npolicy %s %s\nvalue %s\nobs_dim %zu\naction_dim %zu\n"
             "policy_parameters %zu\ntrbench %s\n",
          ALG_CKPT_VERSION, m->cfg.cls->name, env_model_name(m->em), (unsigned long long)m->seed,
          run->state.iter, run->state.steps_done, m->total_steps, pol_kind_name(m->pol), pw, vw,
          env_obs_dim(m->em), env_action_dim(m->em), m->pol->P, PACKAGE_VERSION);
}

/* The blocks of a policy: θ and the observation normalizer. */
static tr_status policy_io(alg_run *run, alg_ckpt_io *io) {
  tr_status st = alg_ckpt_f64(io, "theta", run->state.theta, run->model.pol->P);
  return st ? st : alg_ckpt_norm(io, "obs_norm", run->state.obs_norm);
}

static tr_status value_io(alg_run *run, alg_ckpt_io *io) {
  return run->model.vnet ? alg_ckpt_f64(io, "value", run->state.vparams, run->model.vnet->P)
                         : TR_OK;
}

static tr_status run_io(alg_run *run, alg_ckpt_io *io) {
  alg_state *S = &run->state;
  const alg_config *cfg = &run->model.cfg;
  size_t np = cfg->cls->n_params;
  double *cv = tr_malloc((np ? np : 1) * sizeof *cv);
  if (!cv) return TR_ENOMEM;
  memcpy(cv, cfg->values, np * sizeof *cv);
  tr_status st = alg_ckpt_f64(io, "config", cv, np);
  if (!st && io->loading && memcmp(cv, cfg->values, np * sizeof *cv)) {
    for (size_t i = 0; i < np; i++)
      if (memcmp(&cv[i], &cfg->values[i], sizeof *cv)) {
        st = tr_error(TR_EINVAL, "%s: the checkpoint's %s differs from this run's (resume with "
                      "the same parameters)", io->path, cfg->cls->params[i].name);
        break;
      }
  }
  free(cv);
  if (!st) st = policy_io(run, io);
  if (!st) st = alg_ckpt_f64(io, "theta_old", S->theta_old, run->model.pol->P);
  if (!st) st = value_io(run, io);
  if (!st) st = alg_ckpt_adam(io, "value_adam", S->vadam);
  if (!st && S->rscale) {
    st = alg_ckpt_f64(io, "reward_scale.G", S->rscale->G, S->rscale->E);
    if (!st) st = alg_ckpt_norm(io, "reward_scale", S->rscale->rn);
  }
  if (!st) st = alg_ckpt_rng(io, "rng", S->rng);
  /* the minibatch order: each shuffle permutes the last one in place, so it is state */
  uint64_t *perm = st ? NULL : tr_malloc(run->model.T * sizeof *perm);
  if (!st && !perm) st = TR_ENOMEM;
  for (size_t t = 0; !st && t < run->model.T; t++) perm[t] = run->ws.perm[t];
  if (!st) st = alg_ckpt_u64(io, "perm", perm, run->model.T);
  for (size_t t = 0; !st && io->loading && t < run->model.T; t++) {
    if (perm[t] >= run->model.T) st = tr_error(TR_EINVAL, "%s: a broken block perm", io->path);
    else run->ws.perm[t] = (size_t)perm[t];
  }
  free(perm);
  if (!st) st = alg_sampler_ckpt(S->sampler, io);
  if (!st) st = alg_ckpt_size(io, "steps_done", &S->steps_done);
  if (!st) st = alg_ckpt_size(io, "iter", &S->iter);
  if (!st && cfg->cls->checkpoint) st = cfg->cls->checkpoint(run, io);
  if (!st) st = alg_rlhf_ckpt(run, io); /* reward = learned (rlhf.h) */
  if (!st && io->loading) S->exact_valid = 0; /* the next π_old is computed afresh */
  return st;
}

tr_status alg_ckpt_save(alg_run *run, const char *path, alg_ckpt_extra_fn extra, void *ctx) {
  tr_atomic_file af;
  tr_status st = tr_atomic_open(&af, path);
  if (st) return st;
  alg_ckpt_io io = {.loading = 0, .path = path, .f = af.f};
  write_header(af.f, run);
  st = run_io(run, &io);
  if (!st && extra) st = extra(&io, ctx);
  if (!st) fputs("end\n", af.f);
  if (st) {
    tr_atomic_abort(&af);
    return st;
  }
  return tr_atomic_commit(&af);
}

/* ---- reading --------------------------------------------------------------------------- */

static tr_status read_all(const char *path, unsigned char **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return tr_error(TR_EINVAL, "%s: no checkpoint (cannot open it)", path);
  size_t cap = 1 << 16, n = 0;
  unsigned char *b = tr_malloc(cap);
  while (b) {
    n += fread(b + n, 1, cap - n, f);
    if (n < cap) break;
    unsigned char *nb = cap < tr_mem_limit() / 2 ? realloc(b, 2 * cap) : NULL;
    if (!nb) {
      free(b);
      b = NULL;
      break;
    }
    b = nb, cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (!b) return tr_error(TR_ENOMEM, "%s: out of memory reading the checkpoint", path);
  if (bad) {
    free(b);
    return tr_error(TR_EIO, "%s: cannot read the checkpoint", path);
  }
  *buf = b, *len = n;
  return TR_OK;
}

/* The line at *pos (without its "\n") into out; 0 at the end of the buffer or when too long. */
static int next_line(const alg_ckpt_io *io, size_t *pos, char *out, size_t n) {
  size_t i = *pos, k = 0;
  while (i < io->len && io->buf[i] != '\n') {
    if (k + 1 >= n || !io->buf[i]) return 0;
    out[k++] = (char)io->buf[i++];
  }
  if (i >= io->len) return 0;
  out[k] = '\0';
  *pos = i + 1;
  return 1;
}

static tr_status parse(alg_ckpt_io *io) {
  char line[1024];
  size_t pos = 0, cap = 0;
  int version = 0;
  if (!next_line(io, &pos, line, sizeof line) || sscanf(line, "trbench-checkpoint %d", &version) != 1)
    return tr_error(TR_EINVAL, "%s: not a trbench checkpoint", io->path);
  if (version != ALG_CKPT_VERSION)
    return tr_error(TR_EINVAL, "%s: checkpoint format %d; this trbench reads format %d",
                    io->path, version, ALG_CKPT_VERSION);
  for (;;) {
    size_t at = pos;
    if (!next_line(io, &pos, line, sizeof line))
      return tr_error(TR_EINVAL, "%s: truncated checkpoint (no 'end' line)", io->path);
    if (!strcmp(line, "end")) return TR_OK;
    char kname[8], name[96];
    size_t n;
    kind k = K_F64;
    if (sscanf(line, "%7s %95s %zu", kname, name, &n) != 3 ||
        (strcmp(kname, "f64") && strcmp(kname, "u64") && strcmp(kname, "u8"))) {
      if (io->nb) return tr_error(TR_EINVAL, "%s: a header line among the blocks", io->path);
      continue; /* a header line */
    }
    if (!io->nb && !io->header_end) io->header_end = at;
    k = !strcmp(kname, "f64") ? K_F64 : !strcmp(kname, "u64") ? K_U64 : K_U8;
    size_t bytes;
    if (tr_size_mul(&bytes, n, kind_bytes[k]) || bytes > io->len - pos || io->len - pos - bytes < 1 ||
        io->buf[pos + bytes] != '\n')
      return tr_error(TR_EINVAL, "%s: truncated checkpoint (block %s)", io->path, name);
    if (io->nb == cap) {
      block *nb = realloc(io->b, (cap = cap ? 2 * cap : 64) * sizeof *nb);
      if (!nb) return tr_error(TR_ENOMEM, "out of memory");
      io->b = nb;
    }
    block *b = &io->b[io->nb++];
    snprintf(b->name, sizeof b->name, "%s", name);
    b->k = k, b->n = n, b->data = io->buf + pos;
    pos += bytes + 1;
  }
}

static tr_status open_read(alg_ckpt_io *io, const char *path) {
  memset(io, 0, sizeof *io);
  io->loading = 1, io->path = path;
  tr_status st = read_all(path, &io->buf, &io->len);
  return st ? st : parse(io);
}

static void close_read(alg_ckpt_io *io) {
  free(io->buf);
  free(io->b);
}

/* The header value of key in an open checkpoint, into out (n); 0 when absent. */
static int header_value(const alg_ckpt_io *io, const char *key, char *out, size_t n) {
  char line[1024];
  size_t pos = 0, kl = strlen(key);
  next_line(io, &pos, line, sizeof line);
  while (pos < io->header_end && next_line(io, &pos, line, sizeof line))
    if (!strncmp(line, key, kl) && line[kl] == ' ') {
      snprintf(out, n, "%s", line + kl + 1);
      return 1;
    }
  return 0;
}

/* A header value that must equal this run's. */
static tr_status same(const alg_ckpt_io *io, const char *key, const char *want) {
  char got[512];
  if (!header_value(io, key, got, sizeof got))
    return tr_error(TR_EINVAL, "%s: the checkpoint has no '%s' line", io->path, key);
  if (strcmp(got, want))
    return tr_error(TR_EINVAL, "%s: a checkpoint of %s %s; this run's %s is %s", io->path, key,
                    got, key, want);
  return TR_OK;
}

tr_status alg_ckpt_load(alg_run *run, const char *path, alg_ckpt_extra_fn extra, void *ctx) {
  alg_ckpt_io io;
  tr_status st = open_read(&io, path);
  char pw[512], want[600];
  widths(pw, sizeof pw, run->model.pol->net, run->model.pol->O, run->model.pol->K);
  snprintf(want, sizeof want, "%s %s", pol_kind_name(run->model.pol), pw);
  if (!st) st = same(&io, "algo", run->model.cfg.cls->name);
  if (!st) st = same(&io, "env", env_model_name(run->model.em));
  if (!st) st = same(&io, "policy", want);
  if (!st) st = run_io(run, &io);
  if (!st && extra) st = extra(&io, ctx);
  close_read(&io);
  return st;
}

tr_status alg_ckpt_load_policy(alg_run *run, const char *path, int value) {
  alg_ckpt_io io;
  tr_status st = open_read(&io, path);
  char pw[512], vw[512], want[600], got[600];
  widths(pw, sizeof pw, run->model.pol->net, run->model.pol->O, run->model.pol->K);
  snprintf(want, sizeof want, "%s %s", pol_kind_name(run->model.pol), pw);
  if (!st) st = same(&io, "policy", want);
  if (!st) st = alg_ckpt_f64(&io, "theta", run->state.theta, run->model.pol->P);
  /* the normalizer: both or neither */
  int has_norm = 0;
  for (size_t i = 0; !st && i < io.nb; i++) has_norm |= !strcmp(io.b[i].name, "obs_norm.count");
  if (!st && has_norm != (run->state.obs_norm != NULL))
    st = tr_error(TR_EINVAL, "%s: the checkpoint's policy was trained %s observation "
                  "normalization; this run has it %s (set normalize_obs to match)", path,
                  has_norm ? "with" : "without", run->state.obs_norm ? "on" : "off");
  if (!st) st = alg_ckpt_norm(&io, "obs_norm", run->state.obs_norm);
  if (!st && value && run->model.vnet) {
    widths(vw, sizeof vw, run->model.vnet, run->model.pol->O, 1);
    if (header_value(&io, "value", got, sizeof got) && !strcmp(got, vw))
      st = value_io(run, &io);
  }
  close_read(&io);
  return st;
}

tr_status alg_ckpt_load_alg(alg_run *run, const char *path) {
  const alg_class *cls = run->model.cfg.cls;
  if (!cls->checkpoint)
    return tr_error(TR_EINVAL, "%s: %s keeps no state of its own in a checkpoint", path,
                    cls->name);
  alg_ckpt_io io;
  tr_status st = open_read(&io, path);
  char *algo = st ? NULL : alg_ckpt_header(path, "algo");
  if (!st && !algo) st = TR_EINVAL;
  if (!st && strcmp(algo, cls->name))
    st = tr_error(TR_EINVAL, "%s: a checkpoint of %s, not of %s", path, algo, cls->name);
  if (!st) st = cls->checkpoint(run, &io);
  free(algo);
  close_read(&io);
  return st;
}

char *alg_ckpt_header(const char *path, const char *key) {
  alg_ckpt_io io;
  char v[1024];
  tr_status st = open_read(&io, path);
  char *out = NULL;
  if (!st && header_value(&io, key, v, sizeof v)) out = strdup(v);
  else if (!st) tr_error(TR_EINVAL, "%s: the checkpoint has no '%s' line", path, key);
  close_read(&io);
  return out;
}
