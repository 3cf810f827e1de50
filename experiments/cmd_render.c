/* experiments/cmd_render.c — `trbench render RUN_DIR --out FILE.mp4|DIR/ [--episodes N]
 * [--width W --height H] [--env NAME] [--seed S] [--deterministic] [--time-limit N]`:
 * watching a saved policy.
 *
 * MuJoCo tasks: the episodes are rendered by MuJoCo's own renderer (mjr_*) in an off-screen
 * OpenGL context made by Mesa's OSMesa (software rasterizer: no display, no GPU), one frame per
 * environment step, a camera tracking the first body from the side, and encoded by ffmpeg
 * (raw RGB frames through a pipe, flipped upright, H.264 at the task's own rate 1/(timestep ×
 * frame skip)); `--out DIR/` writes PNG frames instead.  OSMesa is opened with dlopen, so a
 * machine without it gets one line naming the package.  Tabular environments: a figure
 * (gnuplot) of the policy's exact V and greedy actions on the grid (FrozenLake, CliffWalking,
 * gridworld) or of its state-visit distribution d_π (others).  The output is written to a
 * temporary and renamed into place: never half written. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "core/io.h"
#include "core/rng.h"
#include "core/size.h"
#include "experiments/cli.h"
#include "experiments/commands.h"
#include "experiments/rundir.h"
#include "experiments/saved_run.h"
#include "mdps/env_mujoco.h"
#include "theory/exact.h"

typedef struct {
  exp_policy_opts p; /* RUN_DIR, --env, --episodes, --seed, --deterministic, --time-limit */
  const char *out;
  size_t width, height;
} render_args;

static void render_help(FILE *f) {
  fputs("usage: trbench render RUN_DIR --out FILE.mp4|DIR/ [--episodes N] [--width W --height H]\n"
        "                      [--env NAME] [--seed S] [--deterministic] [--time-limit N]\n\n"
        "MuJoCo tasks: N episodes (default 1) of RUN_DIR's saved policy rendered headless (OSMesa)\n"
        "at W x H (default 640 x 480, even), encoded with ffmpeg to FILE.mp4, or PNG frames into\n"
        "DIR/ (a trailing slash).  Tabular environments: a PNG of the exact V and the greedy\n"
        "action on the grid (grid worlds) or of the state-visit distribution (others).\n"
        "Needs libosmesa6 and ffmpeg (the quick start installs them).\n", f);
}

static int parse(int argc, char **argv, render_args *a, int *help) {
  static const struct option opts[] = {
      EXP_POLICY_LONGOPTS,                  {"out", required_argument, 0, 'o'},
      {"width", required_argument, 0, 'W'}, {"height", required_argument, 0, 'H'},
      {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
  *a = (render_args){{NULL, NULL, 1, 0, 1, 0}, NULL, 640, 480};
  *help = 0;
  optind = 0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (c) {
    case 'o': a->out = optarg; break;
    case 'W':
    case 'H': {
      size_t *v = c == 'W' ? &a->width : &a->height;
      if (exp_parse_size(c == 'W' ? "--width" : "--height", optarg, v)) return EXP_EXIT_INPUT;
      if (*v < 16 || *v > 4096 || *v % 2)
        return exp_fail("%s: an even number of pixels from 16 to 4096", c == 'W' ? "--width" : "--height");
      break;
    }
    case 'h': *help = 1; return 0;
    default: {
      int rc = exp_policy_opt(c, optarg, &a->p);
      if (rc == 1)
        return exp_fail("render: unknown or incomplete option '%s' (trbench render --help)",
                        argv[optind - 1]);
      if (rc) return rc;
      if (a->p.episodes > 1000) return exp_fail("--episodes: 1 to 1000");
    }
    }
  }
  int rc = exp_policy_dir("render", optind, argc, argv, &a->p);
  if (!rc && !a->out) return exp_fail("render: --out FILE.mp4 or --out DIR/ is required");
  return rc;
}

/* ---- the off-screen OpenGL context (OSMesa, opened at run time) ------------------------ */

typedef void *(*osm_create_fn)(unsigned format, int depth, int stencil, int accum, void *share);
typedef unsigned char (*osm_current_fn)(void *ctx, void *buf, unsigned type, int w, int h);
typedef void (*osm_destroy_fn)(void *ctx);
#define OSMESA_RGBA 0x1908
#define GL_UNSIGNED_BYTE_ 0x1401

typedef struct {
  void *lib, *ctx;
  unsigned char *buf; /* (H, W, 4) the context's colour buffer */
  osm_destroy_fn destroy;
} gl_context;

static tr_status gl_open(gl_context *g, size_t w, size_t h) {
  memset(g, 0, sizeof *g);
  const char *name = getenv("TRBENCH_OSMESA"); /* tests: another library, or none */
  g->lib = dlopen(name && *name ? name : "libOSMesa.so.8", RTLD_NOW | RTLD_GLOBAL);
  if (!g->lib && !(name && *name)) g->lib = dlopen("libOSMesa.so", RTLD_NOW | RTLD_GLOBAL);
  if (!g->lib)
    return tr_error(TR_EINVAL, "render: no off-screen OpenGL: libOSMesa.so.8 cannot be loaded "
                    "(apt-get install libosmesa6)");
  osm_create_fn create = (osm_create_fn)dlsym(g->lib, "OSMesaCreateContextExt");
  osm_current_fn make_current = (osm_current_fn)dlsym(g->lib, "OSMesaMakeCurrent");
  g->destroy = (osm_destroy_fn)dlsym(g->lib, "OSMesaDestroyContext");
  g->buf = tr_malloc(w * h * 4);
  if (!create || !make_current || !g->destroy || !g->buf)
    return tr_error(TR_EINVAL, "render: libOSMesa lacks OSMesaCreateContextExt (apt-get install "
                    "libosmesa6)");
  if (!(g->ctx = create(OSMESA_RGBA, 24, 8, 0, NULL)))
    return tr_error(TR_EINVAL, "render: OSMesa could not create an OpenGL context");
  if (!make_current(g->ctx, g->buf, GL_UNSIGNED_BYTE_, (int)w, (int)h))
    return tr_error(TR_EINVAL, "render: OSMesa could not make its context current");
  return TR_OK;
}

static void gl_close(gl_context *g) {
  if (g->ctx && g->destroy) g->destroy(g->ctx);
  free(g->buf);
  /* the library stays loaded: MuJoCo's GL function pointers may still point into it */
  memset(g, 0, sizeof *g);
}

/* ---- MuJoCo frames ----------------------------------------------------------------------- */

typedef struct {
  mjModel *m; /* a copy whose off-screen buffer is the frame's size */
  mjvScene scn;
  mjvCamera cam;
  mjvOption opt;
  mjrContext con;
  mjrRect view;
  unsigned char *rgb; /* (H, W, 3) bottom row first */
} mj_view;

static tr_status view_open(mj_view *v, const mjModel *src, size_t w, size_t h) {
  memset(v, 0, sizeof *v);
  if (!(v->m = mj_copyModel(NULL, src))) return tr_error(TR_ENOMEM, "render: cannot copy the model");
  v->m->vis.global.offwidth = (int)w;
  v->m->vis.global.offheight = (int)h;
  /* the copy only: a brighter headlight, a light floor, so the body stands out (the models
   * carry no lights or textures of their own) */
  v->m->vis.headlight.ambient[0] = v->m->vis.headlight.ambient[1] = v->m->vis.headlight.ambient[2] = 0.45f;
  v->m->vis.headlight.diffuse[0] = v->m->vis.headlight.diffuse[1] = v->m->vis.headlight.diffuse[2] = 0.6f;
  for (int i = 0; i < v->m->ngeom; i++) {
    float *c = v->m->geom_rgba + 4 * i;
    if (v->m->geom_type[i] == mjGEOM_PLANE) c[0] = 0.82f, c[1] = 0.85f, c[2] = 0.9f, c[3] = 1;
    else if (c[0] + c[1] + c[2] > 2.2f) c[0] = 0.8f, c[1] = 0.45f, c[2] = 0.2f; /* pale: orange */
  }
  mjv_defaultCamera(&v->cam);
  mjv_defaultOption(&v->opt);
  mjv_defaultScene(&v->scn);
  mjr_defaultContext(&v->con);
  mjv_makeScene(v->m, &v->scn, 2000);
  mjr_makeContext(v->m, &v->con, mjFONTSCALE_100);
  mjr_setBuffer(mjFB_OFFSCREEN, &v->con);
  if (v->con.currentBuffer != mjFB_OFFSCREEN || v->con.offWidth < (int)w)
    return tr_error(TR_EINVAL, "render: MuJoCo could not make an off-screen buffer of %zu x %zu", w, h);
  /* side view, tracking the first body below the world (the torso or the cart) */
  v->cam.type = mjCAMERA_TRACKING;
  v->cam.trackbodyid = v->m->nbody > 1 ? 1 : 0;
  v->cam.distance = fmin(2.5 * v->m->stat.extent, 3.5);
  v->cam.azimuth = 90;
  v->cam.elevation = -15;
  v->view = (mjrRect){0, 0, (int)w, (int)h};
  v->rgb = tr_malloc(w * h * 3);
  return v->rgb ? TR_OK : TR_ENOMEM;
}

static void view_close(mj_view *v) {
  if (!v->m) return;
  mjr_freeContext(&v->con);
  mjv_freeScene(&v->scn);
  mj_deleteModel(v->m);
  free(v->rgb);
  memset(v, 0, sizeof *v);
}

static void view_frame(mj_view *v, mjData *d) {
  mjv_updateScene(v->m, d, &v->opt, NULL, &v->cam, mjCAT_ALL, &v->scn);
  mjr_render(v->view, &v->scn, &v->con);
  mjr_readPixels(v->rgb, NULL, v->view, &v->con);
}

/* Whether cmd names an executable (a path, or a name found on PATH). */
static int executable(const char *cmd) {
  if (strchr(cmd, '/')) return access(cmd, X_OK) == 0;
  const char *path = getenv("PATH");
  char buf[4096];
  for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
    size_t n = strcspn(p, ":");
    if (n && (size_t)snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, cmd) < sizeof buf &&
        access(buf, X_OK) == 0)
      return 1;
    p += n + (p[n] == ':');
  }
  return 0;
}

/* The ffmpeg command: $TRBENCH_FFMPEG (tests) or ffmpeg on PATH. */
static const char *ffmpeg_cmd(void) {
  const char *ff = getenv("TRBENCH_FFMPEG");
  return ff && *ff ? ff : "ffmpeg";
}

/* ffmpeg reading raw frames on its standard input, writing path (mp4, or PNG frames). */
static FILE *encoder_open(const char *path, int png, size_t w, size_t h, double fps) {
  char cmd[8192];
  const char *ff = ffmpeg_cmd();
  int n = snprintf(cmd, sizeof cmd,
                   "'%s' -nostdin -hide_banner -loglevel error -y -f rawvideo -pix_fmt rgb24 "
                   "-s %zux%zu -r %.6g -i - -vf vflip %s '%s'", ff, w, h, fps,
                   png ? "-f image2" : "-pix_fmt yuv420p -c:v libx264 -preset veryfast -crf 20",
                   path);
  if (n < 0 || (size_t)n >= sizeof cmd || strchr(path, '\'')) {
    tr_error(TR_EINVAL, "render: --out: a path without quotes, please");
    return NULL;
  }
  FILE *f = popen(cmd, "w");
  if (!f) tr_error(TR_EIO, "render: cannot start ffmpeg");
  return f;
}

static tr_status render_mujoco(exp_saved_run *s, const render_args *a, const char *target,
                               int png) {
  const mjModel *m = env_mujoco_model(s->em);
  size_t frame_skip = env_frame_skip(s->em);
  double fps = 1.0 / (m->opt.timestep * (double)(frame_skip ? frame_skip : 1));
  gl_context g;
  mj_view v;
  memset(&v, 0, sizeof v);
  tr_status st = gl_open(&g, a->width, a->height);
  if (!st) st = view_open(&v, m, a->width, a->height);
  env *e = st ? NULL : env_alloc(s->em);
  double *obs = tr_malloc(env_obs_dim(s->em) * sizeof *obs);
  double *act = tr_malloc((env_action_dim(s->em) + 1) * sizeof *act);
  if (!st && (!e || !obs || !act)) st = TR_ENOMEM;
  signal(SIGPIPE, SIG_IGN); /* an encoder that stops reading is an error, not our death */
  FILE *enc = st ? NULL : encoder_open(target, png, a->width, a->height, fps);
  if (!st && !enc) st = TR_EIO;
  size_t frames = 0;
  for (size_t k = 0; !st && k < a->p.episodes; k++) {
    char id[48];
    snprintf(id, sizeof id, "evaluate:%zu", k); /* the episodes trbench evaluate runs */
    gsl_rng *r = tr_rng_derive(a->p.seed, id);
    env_step_result res = {0};
    st = r ? env_reset(e, r, obs) : TR_ENOMEM;
    for (int done = 0; !st && !done;) {
      view_frame(&v, env_mujoco_data(e));
      if (fwrite(v.rgb, 1, a->width * a->height * 3, enc) != a->width * a->height * 3)
        st = tr_error(TR_EIO, "render: ffmpeg stopped reading (see its message above)");
      frames++;
      if (!st) st = exp_saved_run_act(s, obs, a->p.deterministic, r, act);
      if (!st) st = env_step(e, act, r, obs, &res);
      done = res.terminated || res.truncated;
    }
    gsl_rng_free(r);
  }
  if (enc) {
    int rc = pclose(enc);
    if (!st && rc != 0) st = tr_error(TR_EIO, "render: ffmpeg failed (exit %d)", rc);
  }
  if (!st) printf("render %s: %zu episode(s), %zu frames at %.4g fps -> ", s->env, a->p.episodes,
                  frames, fps);
  env_free(e);
  free(obs), free(act);
  view_close(&v);
  gl_close(&g);
  return st;
}

/* ---- tabular: V and the greedy action on the grid, or d_π -------------------------------- */

/* Grid width of a tabular environment's name, 0 when it is not a grid. */
static size_t grid_width(const char *name, size_t S) {
  size_t w, h;
  if (!strncmp(name, "frozenlake4", 11)) return 4; /* and frozenlake4-continuing */
  if (!strncmp(name, "frozenlake8", 11)) return 8;
  if (!strcmp(name, "cliffwalking")) return 12;
  if (sscanf(name, "gridworld:%zu,%zu", &w, &h) == 2 && w * h == S) return w;
  return 0;
}

static tr_status render_tabular(exp_saved_run *s, const render_args *a, const char *target) {
  const mdp *m = env_model_mdp(s->em);
  size_t S = m->S, A = m->A, W = grid_width(s->env, S);
  double *pi = tr_malloc(S * A * sizeof *pi);
  thy_values *v = thy_values_alloc(S, A);
  tr_status st = pi && v ? alg_run_tabulate(s->run, s->run->state.theta, pi) : TR_ENOMEM;
  if (!st) st = thy_evaluate(v, m, pi, THY_SOLVER_AUTO, NULL);
  char data[] = "/tmp/trbench-render-XXXXXX";
  int fd = st ? -1 : mkstemp(data);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!st && !f) st = tr_error(TR_EIO, "render: cannot write a temporary file in /tmp");
  /* the arrow of each action: FrozenLake uses Gymnasium's order (0 left, 1 down, 2 right,
   * 3 up), the grid world and CliffWalking 0 up, 1 right, 2 down, 3 left (generators.h);
   * rows grow downwards */
  static const double gym_dx[4] = {-1, 0, 1, 0}, gym_dy[4] = {0, 1, 0, -1};
  static const double urdl_dx[4] = {0, 1, 0, -1}, urdl_dy[4] = {-1, 0, 1, 0};
  int gym = !strncmp(s->env, "frozenlake", 10);
  for (size_t x = 0; !st && x < S; x++) {
    size_t best = 0;
    for (size_t b = 1; b < A; b++)
      if (pi[x * A + b] > pi[x * A + best]) best = b;
    double dx = 0, dy = 0;
    if (A == 4) dx = 0.35 * (gym ? gym_dx : urdl_dx)[best], dy = 0.35 * (gym ? gym_dy : urdl_dy)[best];
    if (W) fprintf(f, "%zu %zu %.17g %g %g\n", x % W, x / W, v->V[x], dx, dy);
    else fprintf(f, "%zu %.17g\n", x, v->d[x]);
  }
  if (f) fclose(f);
  char script[16384];
  if (!st) {
    if (W)
      snprintf(script, sizeof script,
               "set terminal pngcairo size %zu,%zu; set output '%s'; set title 'V and the greedy "
               "action: %s (J = %.6g)'; set yrange [] reverse; set size ratio -1; unset key; "
               "set palette defined (0 '#f7fbff', 1 '#08306b'); "
               "plot '%s' using 1:2:3 with image, '' using ($1 - $4/2):($2 - $5/2):4:5 "
               "with vectors head filled lc rgb '#d62728' lw 2\n",
               a->width, a->height, target, s->env, v->J, data);
    else
      snprintf(script, sizeof script,
               "set terminal pngcairo size %zu,%zu; set output '%s'; set title 'state visits d_pi: "
               "%s (J = %.6g)'; set xlabel 'state'; set ylabel 'd_pi(s)'; unset key; set style fill "
               "solid 0.8; plot '%s' using 1:2 with boxes lc rgb '#08306b'\n",
               a->width, a->height, target, s->env, v->J, data);
    FILE *gp = popen(TR_GNUPLOT[0] ? TR_GNUPLOT : "gnuplot", "w");
    if (!gp) st = tr_error(TR_EIO, "render: cannot start gnuplot (apt-get install gnuplot-nox)");
    else {
      fputs(script, gp);
      if (pclose(gp) != 0) st = tr_error(TR_EIO, "render: gnuplot failed (apt-get install gnuplot-nox)");
    }
  }
  if (fd >= 0) unlink(data);
  if (!st) printf("render %s: J = %.6g -> ", s->env, v->J);
  free(pi);
  thy_values_free(v);
  return st;
}

int exp_cmd_render(int argc, char **argv) {
  render_args a;
  int help, rc = parse(argc, argv, &a, &help);
  if (rc || help) {
    if (help) render_help(stdout);
    return rc;
  }
  size_t n = strlen(a.out);
  int dir_out = n && a.out[n - 1] == '/';
  exp_saved_run s;
  tr_status st = exp_saved_run_load(&s, a.p.dir, a.p.env, a.p.time_limit);
  if (st) return exp_fail_status(st);
  int mujoco = env_mujoco_model(s.em) != NULL, tabular = env_model_mdp(s.em) != NULL;
  if (mujoco && !executable(ffmpeg_cmd())) {
    exp_saved_run_free(&s);
    return exp_fail("render: %s not found: the video needs ffmpeg (apt-get install ffmpeg)",
                    ffmpeg_cmd());
  }
  if (!mujoco && !tabular) {
    rc = exp_fail("render: %s has no renderer (MuJoCo tasks and tabular environments do)",
                  env_model_name(s.em));
    exp_saved_run_free(&s);
    return rc;
  }
  if (tabular && dir_out) {
    exp_saved_run_free(&s);
    return exp_fail("render: --out %s: a tabular environment makes one PNG file", a.out);
  }
  /* the temporary beside the target, renamed into place when complete */
  char final[4096], tmp[4200];
  if (n >= sizeof final - 64) return exp_saved_run_free(&s), exp_fail("render: --out: a path too long");
  snprintf(final, sizeof final, "%.*s", (int)(dir_out ? n - 1 : n), a.out);
  const char *dot = strrchr(final, '.');
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld%s", final, (long)getpid(), dir_out || !dot ? "" : dot);
  char target[8400];
  struct stat sb;
  char parent[4096];
  const char *slash = strrchr(final, '/');
  snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - final) : 1, slash ? final : ".");
  if (!parent[0]) strcpy(parent, "/");
  if (access(parent, W_OK) != 0)
    st = tr_error(TR_EINVAL, "render: --out %s: %s is not a writable directory", a.out, parent);
  else if (dir_out && stat(final, &sb) == 0)
    st = tr_error(TR_EINVAL, "render: --out %s: %s exists (nothing written; remove it first)",
                  a.out, final);
  else if (dir_out) {
    if (mkdir(tmp, 0777) != 0) st = tr_error(TR_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    snprintf(target, sizeof target, "%s/frame_%%05d.png", tmp);
  } else snprintf(target, sizeof target, "%s", tmp);
  if (!st) st = mujoco ? render_mujoco(&s, &a, target, dir_out) : render_tabular(&s, &a, target);
  if (!st && rename(tmp, final) != 0)
    st = tr_error(TR_EIO, "%s: cannot write: %s", final, strerror(errno));
  if (st) {
    if (dir_out) exp_remove_tree(tmp);
    else remove(tmp);
    rc = exp_fail_status(st);
  } else printf("%s\n", a.out);
  exp_saved_run_free(&s);
  return rc;
}
