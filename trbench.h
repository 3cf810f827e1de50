/* trbench.h — libtrbench's public API, installed as <trbench/trbench.h> (pkg-config trbench).
 *
 * The algorithm contract: alg_class and its parameter table, the registry and alg_register
 * (algorithms/registry.h); a run's model, state and workspace and the helpers an algorithm
 * uses — sampling, advantages, the old policy, value fitting, mean KL and surrogate
 * (algorithms/run.h); policies and networks (policy.h, nn.h); advantage estimators
 * (advantage.h); rollouts (rollout.h); conjugate gradients and the line search (cg.h);
 * environments (mdps/env.h); and trbench's command line as a function
 * (experiments/exp_main.h).
 *
 * The headers are installed in the source tree's layout under <trbench/>, and include each
 * other by paths relative to themselves ("nn.h", "../core/error.h"), so the same text works
 * in the source tree and installed, with no include flag beyond the one that finds
 * <trbench/...>. */
#ifndef TRBENCH_H
#define TRBENCH_H

#include "algorithms/cg.h"
#include "core/size.h"
#include "algorithms/checkpoint.h"
#include "algorithms/run.h"
#include "experiments/exp_main.h"

#endif
