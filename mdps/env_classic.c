/* mdps/env_classic.c — classic control: CartPole-v1, Acrobot-v1, MountainCar-v0,
 * MountainCarContinuous-v0, Pendulum-v1.
 *
 * The dynamics, constants, rewards, terminations, starts and time limits are the published
 * gym/gymnasium definitions (gymnasium/envs/classic_control/{cartpole,acrobot,mountain_car,
 * continuous_mountain_car,pendulum}.py), as summarized in REFERENCES.md § 6; each task's
 * equations are written above its step.  Differences from gym, all deliberate:
 *   - states and observations are doubles (gym returns float32 observations);
 *   - stepping from a terminal state is an error (gym warns and goes on): callers reset
 *     after `terminated`;
 *   - box actions are clipped by env.c before step (gym's MountainCarContinuous charges its
 *     −0.1·a² on the unclipped action, which its action space never produces).
 * The state lives in env.c's state bytes (layouts in env_classic.h), so snapshots need no
 * help from here.  Physics ignores the random stream except at reset.
 *
 * Letters: O observation size, U action size. */
#include "mdps/env_classic.h"

#include <gsl/gsl_randist.h>
#include <math.h>

#include "mdps/env_impl.h"

/* Common model fields: observation size, time limit, the state struct's size. */
static void classic_fields(env_model *m, size_t O, size_t time_limit, size_t state_bytes) {
  m->obs_dim = O;
  m->time_limit = time_limit;
  m->state_bytes = state_bytes;
  m->gamma = 0.99;
}

static tr_status discrete_init(env_model *m, size_t n) {
  m->action.kind = ENV_DISCRETE;
  m->action.n = n;
  return TR_OK;
}

/* ---- CartPole-v1 --------------------------------------------------------------------
 * g = 9.8, m_c = 1.0, m_p = 0.1, M = m_c + m_p, l = 0.5 (half the pole), F = ±10 (action
 * 1 pushes right), τ = 0.02 s.  With s = sin θ, c = cos θ:
 *   temp = (F + m_p l θ̇² s) / M
 *   θ̈    = (g s − c·temp) / (l (4/3 − m_p c² / M))
 *   ẍ    = temp − m_p l θ̈ c / M
 * explicit Euler with the old derivatives: x += τ ẋ, ẋ += τ ẍ, θ += τ θ̇, θ̇ += τ θ̈.
 * Terminates when |x| > 2.4 or |θ| > 12·2π/360 rad (strictly); reward +1 on every step,
 * the terminating one included.  Start: each variable U(−0.05, 0.05).  Limit 500.
 * Observation (x, ẋ, θ, θ̇). */

#define CP_GRAVITY 9.8
#define CP_MASSCART 1.0
#define CP_MASSPOLE 0.1
#define CP_TOTAL_MASS (CP_MASSPOLE + CP_MASSCART)
#define CP_LENGTH 0.5
#define CP_POLEMASS_LENGTH (CP_MASSPOLE * CP_LENGTH)
#define CP_FORCE_MAG 10.0
#define CP_TAU 0.02
#define CP_THETA_THRESHOLD (12 * 2 * M_PI / 360)
#define CP_X_THRESHOLD 2.4

static int cartpole_terminal(const env_cartpole_state *s) {
  return s->x < -CP_X_THRESHOLD || s->x > CP_X_THRESHOLD || s->theta < -CP_THETA_THRESHOLD ||
         s->theta > CP_THETA_THRESHOLD;
}

static void cartpole_obs(const env_cartpole_state *s, double *obs) {
  obs[0] = s->x;
  obs[1] = s->x_dot;
  obs[2] = s->theta;
  obs[3] = s->theta_dot;
}

static tr_status cartpole_init(env_model *m, const char *args) {
  (void)args;
  classic_fields(m, 4, 500, sizeof(env_cartpole_state));
  return discrete_init(m, 2);
}

static tr_status cartpole_reset(const env_model *m, void *state, void *inst, gsl_rng *r,
                                double *obs) {
  (void)m, (void)inst;
  env_cartpole_state *s = state;
  s->x = gsl_ran_flat(r, -0.05, 0.05);
  s->x_dot = gsl_ran_flat(r, -0.05, 0.05);
  s->theta = gsl_ran_flat(r, -0.05, 0.05);
  s->theta_dot = gsl_ran_flat(r, -0.05, 0.05);
  cartpole_obs(s, obs);
  return TR_OK;
}

static tr_status cartpole_step(const env_model *m, void *state, void *inst, const double *action,
                               gsl_rng *r, double *obs, env_step_result *res) {
  (void)inst, (void)r;
  env_cartpole_state *s = state;
  if (cartpole_terminal(s))
    return tr_error(TR_EINVAL, "%s: step from a terminal state (x = %g, theta = %g); reset first",
                    m->name, s->x, s->theta);
  double force = action[0] == 1.0 ? CP_FORCE_MAG : -CP_FORCE_MAG;
  double costheta = cos(s->theta), sintheta = sin(s->theta);
  double temp = (force + CP_POLEMASS_LENGTH * s->theta_dot * s->theta_dot * sintheta) / CP_TOTAL_MASS;
  double thetaacc = (CP_GRAVITY * sintheta - costheta * temp) /
                    (CP_LENGTH * (4.0 / 3.0 - CP_MASSPOLE * costheta * costheta / CP_TOTAL_MASS));
  double xacc = temp - CP_POLEMASS_LENGTH * thetaacc * costheta / CP_TOTAL_MASS;
  s->x = s->x + CP_TAU * s->x_dot;
  s->x_dot = s->x_dot + CP_TAU * xacc;
  s->theta = s->theta + CP_TAU * s->theta_dot;
  s->theta_dot = s->theta_dot + CP_TAU * thetaacc;
  res->terminated = cartpole_terminal(s);
  res->reward = 1.0;
  cartpole_obs(s, obs);
  return TR_OK;
}

const env_class env_class_cartpole = {
    .model_init = cartpole_init, .reset = cartpole_reset, .step = cartpole_step};

/* ---- Acrobot-v1 ("book" dynamics, Sutton & Barto 1998; gymnasium's default) ----------
 * Links of length l1 = l2 = 1 and mass m1 = m2 = 1, centres of mass at lc1 = lc2 = 0.5,
 * moments of inertia I1 = I2 = 1, g = 9.8; torque a ∈ {−1, 0, +1} on the joint between the
 * links.  With state (θ1, θ2, θ̇1, θ̇2):
 *   d1 = m1 lc1² + m2 (l1² + lc2² + 2 l1 lc2 cos θ2) + I1 + I2
 *   d2 = m2 (lc2² + l1 lc2 cos θ2) + I2
 *   φ2 = m2 lc2 g cos(θ1 + θ2 − π/2)
 *   φ1 = −m2 l1 lc2 θ̇2² sin θ2 − 2 m2 l1 lc2 θ̇2 θ̇1 sin θ2 + (m1 lc1 + m2 l1) g cos(θ1 − π/2) + φ2
 *   θ̈2 = (a + (d2/d1) φ1 − m2 l1 lc2 θ̇1² sin θ2 − φ2) / (m2 lc2² + I2 − d2²/d1)
 *   θ̈1 = −(d2 θ̈2 + φ1) / d1
 * One classical RK4 step over the whole dt = 0.2 (gymnasium's rk4 with t = [0, dt]); then
 * θ1, θ2 wrapped into [−π, π] (gym's wrap: subtract/add 2π while above π/below −π), θ̇1
 * clipped to ±4π and θ̇2 to ±9π.  Terminal when −cos θ1 − cos(θ1 + θ2) > 1 (the tip above
 * the bar), judged on the new state; reward −1 per step, 0 on the terminal step.  Start:
 * all four U(−0.1, 0.1).  Limit 500.  Observation (cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2). */

#define AC_DT 0.2
#define AC_L1 1.0
#define AC_M1 1.0
#define AC_M2 1.0
#define AC_LC1 0.5
#define AC_LC2 0.5
#define AC_MOI 1.0
#define AC_G 9.8
#define AC_MAX_VEL_1 (4 * M_PI)
#define AC_MAX_VEL_2 (9 * M_PI)

static const double acrobot_torque[3] = {-1.0, 0.0, 1.0};

/* dy (4) = d/dt of y = (θ1, θ2, θ̇1, θ̇2) under torque a (equations above). */
static void acrobot_dsdt(const double *y, double a, double *dy) {
  const double m1 = AC_M1, m2 = AC_M2, l1 = AC_L1, lc1 = AC_LC1, lc2 = AC_LC2, I1 = AC_MOI,
               I2 = AC_MOI, g = AC_G;
  double theta1 = y[0], theta2 = y[1], dtheta1 = y[2], dtheta2 = y[3];
  double d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2;
  double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(theta2)) + I2;
  double phi2 = m2 * lc2 * g * cos(theta1 + theta2 - M_PI / 2.0);
  double phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * sin(theta2) -
                2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2) +
                (m1 * lc1 + m2 * l1) * g * cos(theta1 - M_PI / 2) + phi2;
  double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * sin(theta2) - phi2) /
                    (m2 * lc2 * lc2 + I2 - d2 * d2 / d1);
  double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  dy[0] = dtheta1;
  dy[1] = dtheta2;
  dy[2] = ddtheta1;
  dy[3] = ddtheta2;
}

/* gym's wrap(x, m, M): shift by M − m until x ∈ [m, M]. */
static double acrobot_wrap(double x, double lo, double hi) {
  double diff = hi - lo;
  while (x > hi) x -= diff;
  while (x < lo) x += diff;
  return x;
}

static int acrobot_terminal(const env_acrobot_state *s) {
  return -cos(s->theta1) - cos(s->theta2 + s->theta1) > 1.0;
}

static void acrobot_obs(const env_acrobot_state *s, double *obs) {
  obs[0] = cos(s->theta1);
  obs[1] = sin(s->theta1);
  obs[2] = cos(s->theta2);
  obs[3] = sin(s->theta2);
  obs[4] = s->dtheta1;
  obs[5] = s->dtheta2;
}

static tr_status acrobot_init(env_model *m, const char *args) {
  (void)args;
  classic_fields(m, 6, 500, sizeof(env_acrobot_state));
  return discrete_init(m, 3);
}

static tr_status acrobot_reset(const env_model *m, void *state, void *inst, gsl_rng *r,
                               double *obs) {
  (void)m, (void)inst;
  env_acrobot_state *s = state;
  s->theta1 = gsl_ran_flat(r, -0.1, 0.1);
  s->theta2 = gsl_ran_flat(r, -0.1, 0.1);
  s->dtheta1 = gsl_ran_flat(r, -0.1, 0.1);
  s->dtheta2 = gsl_ran_flat(r, -0.1, 0.1);
  acrobot_obs(s, obs);
  return TR_OK;
}

static tr_status acrobot_step(const env_model *m, void *state, void *inst, const double *action,
                              gsl_rng *r, double *obs, env_step_result *res) {
  (void)inst, (void)r;
  env_acrobot_state *s = state;
  if (acrobot_terminal(s))
    return tr_error(TR_EINVAL,
                    "%s: step from a terminal state (theta1 = %g, theta2 = %g); reset first",
                    m->name, s->theta1, s->theta2);
  double a = acrobot_torque[(size_t)action[0]];
  /* RK4: y1 = y0 + dt/6 (k1 + 2 k2 + 2 k3 + k4), k1 = f(y0), k2 = f(y0 + dt/2 k1),
   * k3 = f(y0 + dt/2 k2), k4 = f(y0 + dt k3). */
  const double dt = AC_DT, dt2 = AC_DT / 2.0;
  double y0[4] = {s->theta1, s->theta2, s->dtheta1, s->dtheta2}, k1[4], k2[4], k3[4], k4[4], y[4];
  acrobot_dsdt(y0, a, k1);
  for (int i = 0; i < 4; i++) y[i] = y0[i] + dt2 * k1[i];
  acrobot_dsdt(y, a, k2);
  for (int i = 0; i < 4; i++) y[i] = y0[i] + dt2 * k2[i];
  acrobot_dsdt(y, a, k3);
  for (int i = 0; i < 4; i++) y[i] = y0[i] + dt * k3[i];
  acrobot_dsdt(y, a, k4);
  for (int i = 0; i < 4; i++) y[i] = y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  s->theta1 = acrobot_wrap(y[0], -M_PI, M_PI);
  s->theta2 = acrobot_wrap(y[1], -M_PI, M_PI);
  s->dtheta1 = fmin(fmax(y[2], -AC_MAX_VEL_1), AC_MAX_VEL_1);
  s->dtheta2 = fmin(fmax(y[3], -AC_MAX_VEL_2), AC_MAX_VEL_2);
  res->terminated = acrobot_terminal(s);
  res->reward = res->terminated ? 0.0 : -1.0;
  acrobot_obs(s, obs);
  return TR_OK;
}

const env_class env_class_acrobot = {
    .model_init = acrobot_init, .reset = acrobot_reset, .step = acrobot_step};

/* ---- MountainCar-v0 and MountainCarContinuous-v0 ------------------------------------
 * Position x ∈ [−1.2, 0.6], velocity v ∈ [−0.07, 0.07]; with a force term f:
 *   v ← clip(v + f − 0.0025 cos(3x), −0.07, 0.07);  x ← clip(x + v, −1.2, 0.6);
 *   v ← 0 if x = −1.2 and v < 0.
 * Discrete (v0): actions {0 push left, 1 none, 2 push right}, f = (a − 1)·0.001; terminal
 * when x ≥ 0.5 and v ≥ 0 (goal_velocity 0); reward −1 on every step; limit 200.
 * Continuous (v0): a ∈ [−1, 1], f = 0.0015·a (power); terminal when x ≥ 0.45 and v ≥ 0;
 * reward −0.1 a² on every step, plus 100 on the terminal step; limit 999.
 * Start: x ~ U(−0.6, −0.4), v = 0.  Observation (x, v). */

#define MC_MIN_POSITION (-1.2)
#define MC_MAX_POSITION 0.6
#define MC_MAX_SPEED 0.07
#define MC_FORCE 0.001
#define MC_GRAVITY 0.0025
#define MC_GOAL_POSITION 0.5
#define MCC_POWER 0.0015
#define MCC_GOAL_POSITION 0.45
#define MC_GOAL_VELOCITY 0.0

/* One update of (x, v) under the force term f (equations above). */
static void mountaincar_move(env_mountaincar_state *s, double f) {
  double v = s->velocity + f - MC_GRAVITY * cos(3 * s->position);
  v = fmin(fmax(v, -MC_MAX_SPEED), MC_MAX_SPEED);
  double x = fmin(fmax(s->position + v, MC_MIN_POSITION), MC_MAX_POSITION);
  if (x == MC_MIN_POSITION && v < 0) v = 0;
  s->position = x;
  s->velocity = v;
}

static int mountaincar_at_goal(const env_mountaincar_state *s, double goal) {
  return s->position >= goal && s->velocity >= MC_GOAL_VELOCITY;
}

static tr_status mountaincar_reset(const env_model *m, void *state, void *inst, gsl_rng *r,
                                   double *obs) {
  (void)m, (void)inst;
  env_mountaincar_state *s = state;
  s->position = gsl_ran_flat(r, -0.6, -0.4);
  s->velocity = 0.0;
  obs[0] = s->position;
  obs[1] = s->velocity;
  return TR_OK;
}

static tr_status mountaincar_init(env_model *m, const char *args) {
  (void)args;
  classic_fields(m, 2, 200, sizeof(env_mountaincar_state));
  return discrete_init(m, 3);
}

static tr_status mountaincar_step(const env_model *m, void *state, void *inst,
                                  const double *action, gsl_rng *r, double *obs,
                                  env_step_result *res) {
  (void)inst, (void)r;
  env_mountaincar_state *s = state;
  if (mountaincar_at_goal(s, MC_GOAL_POSITION))
    return tr_error(TR_EINVAL, "%s: step from a terminal state (x = %g, v = %g); reset first",
                    m->name, s->position, s->velocity);
  mountaincar_move(s, (action[0] - 1.0) * MC_FORCE);
  res->terminated = mountaincar_at_goal(s, MC_GOAL_POSITION);
  res->reward = -1.0;
  obs[0] = s->position;
  obs[1] = s->velocity;
  return TR_OK;
}

const env_class env_class_mountaincar = {
    .model_init = mountaincar_init, .reset = mountaincar_reset, .step = mountaincar_step};

static tr_status mountaincar_cont_init(env_model *m, const char *args) {
  (void)args;
  static const double lo[1] = {-1.0}, hi[1] = {1.0};
  classic_fields(m, 2, 999, sizeof(env_mountaincar_state));
  return env_model_box(m, 1, lo, hi);
}

static tr_status mountaincar_cont_step(const env_model *m, void *state, void *inst,
                                       const double *action, gsl_rng *r, double *obs,
                                       env_step_result *res) {
  (void)inst, (void)r;
  env_mountaincar_state *s = state;
  if (mountaincar_at_goal(s, MCC_GOAL_POSITION))
    return tr_error(TR_EINVAL, "%s: step from a terminal state (x = %g, v = %g); reset first",
                    m->name, s->position, s->velocity);
  double a = action[0];
  mountaincar_move(s, a * MCC_POWER);
  res->terminated = mountaincar_at_goal(s, MCC_GOAL_POSITION);
  res->reward = (res->terminated ? 100.0 : 0.0) - a * a * 0.1;
  obs[0] = s->position;
  obs[1] = s->velocity;
  return TR_OK;
}

const env_class env_class_mountaincar_cont = {
    .model_init = mountaincar_cont_init, .reset = mountaincar_reset, .step = mountaincar_cont_step};

/* ---- Pendulum-v1 ---------------------------------------------------------------------
 * g = 10, m = 1, l = 1, dt = 0.05, torque u ∈ [−2, 2], |θ̇| ≤ 8; θ = 0 upright.
 *   reward = −(norm(θ)² + 0.1 θ̇² + 0.001 u²), on the state before the step, with
 *            norm(θ) = ((θ + π) mod 2π) − π ∈ [−π, π) (Python's floored mod);
 *   θ̇' = clip(θ̇ + (3g/(2l) sin θ + 3u/(m l²)) dt, −8, 8);  θ' = θ + θ̇' dt (the new θ̇).
 * θ itself is not wrapped.  No termination; limit 200.  Start: θ ~ U(−π, π),
 * θ̇ ~ U(−1, 1).  Observation (cos θ, sin θ, θ̇). */

#define PD_MAX_SPEED 8.0
#define PD_DT 0.05
#define PD_G 10.0
#define PD_M 1.0
#define PD_L 1.0

static double pendulum_angle_normalize(double x) {
  double y = fmod(x + M_PI, 2 * M_PI);
  if (y < 0) y += 2 * M_PI;
  return y - M_PI;
}

static void pendulum_obs(const env_pendulum_state *s, double *obs) {
  obs[0] = cos(s->theta);
  obs[1] = sin(s->theta);
  obs[2] = s->theta_dot;
}

static tr_status pendulum_init(env_model *m, const char *args) {
  (void)args;
  static const double lo[1] = {-2.0}, hi[1] = {2.0};
  classic_fields(m, 3, 200, sizeof(env_pendulum_state));
  return env_model_box(m, 1, lo, hi);
}

static tr_status pendulum_reset(const env_model *m, void *state, void *inst, gsl_rng *r,
                                double *obs) {
  (void)m, (void)inst;
  env_pendulum_state *s = state;
  s->theta = gsl_ran_flat(r, -M_PI, M_PI);
  s->theta_dot = gsl_ran_flat(r, -1.0, 1.0);
  pendulum_obs(s, obs);
  return TR_OK;
}

static tr_status pendulum_step(const env_model *m, void *state, void *inst, const double *action,
                               gsl_rng *r, double *obs, env_step_result *res) {
  (void)m, (void)inst, (void)r;
  env_pendulum_state *s = state;
  double th = s->theta, thdot = s->theta_dot, u = action[0];
  double thn = pendulum_angle_normalize(th);
  double costs = thn * thn + 0.1 * thdot * thdot + 0.001 * (u * u);
  double newthdot =
      thdot + (3 * PD_G / (2 * PD_L) * sin(th) + 3.0 / (PD_M * PD_L * PD_L) * u) * PD_DT;
  newthdot = fmin(fmax(newthdot, -PD_MAX_SPEED), PD_MAX_SPEED);
  s->theta = th + newthdot * PD_DT;
  s->theta_dot = newthdot;
  res->reward = -costs;
  pendulum_obs(s, obs);
  return TR_OK;
}

const env_class env_class_pendulum = {
    .model_init = pendulum_init, .reset = pendulum_reset, .step = pendulum_step};
