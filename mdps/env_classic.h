/* mdps/env_classic.h — the state layouts of the classic-control tasks (env_classic.c).
 *
 * For tests and tools that build a snapshot by hand: a snapshot of these tasks is the step
 * counter (a size_t) followed by the struct below, so
 * env_snapshot_size(m) == sizeof(size_t) + sizeof(the task's struct), and env_restore puts
 * an environment in any state:
 *
 *   unsigned char buf[sizeof(size_t) + sizeof(env_cartpole_state)];
 *   size_t t = 0;
 *   env_cartpole_state s = {0.0, 0.0, 0.05, 0.0};
 *   memcpy(buf, &t, sizeof t);
 *   memcpy(buf + sizeof t, &s, sizeof s);
 *   env_restore(e, buf);
 *
 * Every member is a double in SI units (m, m/s, rad, rad/s), as in gym/gymnasium. */
#ifndef MDP_ENV_CLASSIC_H
#define MDP_ENV_CLASSIC_H

/* cartpole: the observation is the state (x, ẋ, θ, θ̇); θ = 0 upright. */
typedef struct {
  double x, x_dot, theta, theta_dot;
} env_cartpole_state;

/* acrobot: joint angles θ1 (0 = hanging down) and θ2 (relative to link 1), their rates. */
typedef struct {
  double theta1, theta2, dtheta1, dtheta2;
} env_acrobot_state;

/* mountaincar and mountaincar-continuous: the observation is the state (x, v). */
typedef struct {
  double position, velocity;
} env_mountaincar_state;

/* pendulum: θ (0 = upright, not wrapped) and θ̇. */
typedef struct {
  double theta, theta_dot;
} env_pendulum_state;

#endif
