#!/bin/sh
# Learning end to end: `trbench run` with fixed seeds reaches known scores.  No timing is
# checked; every run is deterministic (DESIGN.md, Determinism), so each verdict is a fact
# about the code, not a draw.  Each threshold is stated with the score measured when the
# test was written (seed 1), so a reader can see the margin:
#   CartPole (time limit 500): ppo-clip and trpo reach return_last100 >= 475 within 300,000
#     steps (seed 1: first past 475 at 84k and 66k steps; both end at 500).  trpo fits its
#     value function on minibatches (vf_batch_size=128, vf_iters=160) instead of the default
#     80 full-batch steps: the same outcome in a quarter of the time (measured 76 s -> 17 s).
#   garnet:8,2,3,5, time limit 200, 200,000 steps: trpo single path, trpo vine
#     (30 states, rollouts of 50) and tnpg (the KL-normalized natural step; named npg before
#     issue 9) end within 1% of optimal: optimal_J - exact_J <=
#     0.01 |optimal_J| in summary.ini (measured gaps: 0.38%, 0.57%, 0.38%).
#   Pendulum: ppo-clip with default parameters improves by at least half the way from the
#     uniform random policy (measured here with `trbench rollout --episodes 100 --seed 1`,
#     about -1210) to -200: return_last100 >= (random - 200)/2, about -705.  Seed 1 first
#     passes it at 151,552 steps (seeds 2, 3: 137k, 127k); the budget is 200,000 steps,
#     where seed 1 is at -218 (seeds 2, 3: -224, -247).
# Exit status: 0 pass, 1 a check failed, 99 trbench missing or unusable.
. "$(dirname "$0")/lib.sh"
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
if [ ! -x "$T" ]; then
  echo "test_learning: $T is not an executable trbench"
  exit 99
fi

fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

# ini KEY FILE: the value of "KEY = value" (first match)
ini() { sed -n "s/^$1 = //p" "$2" | head -n 1; }

# ge X Y: X >= Y as numbers (false for nan or an empty X)
ge() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x != "" && x == x + 0 && x + 0 >= y + 0) }'; }

# run NAME trbench-run-arguments...: one run into $tmp/NAME; checks exit 0 and status ok
run() {
  name=$1
  shift
  n=$((n + 1))
  if ! "$T" run "$@" --out "$tmp/$name" --quiet >"$tmp/$name.out" 2>"$tmp/$name.err"; then
    fail "$name: trbench run $* exited non-zero: $(cat "$tmp/$name.err")"
    return 1
  fi
  if [ "$(ini status "$tmp/$name/summary.ini")" != ok ]; then
    fail "$name: status $(ini status "$tmp/$name/summary.ini"): $(ini reason "$tmp/$name/summary.ini")"
    return 1
  fi
  return 0
}

# first_reach DIR THRESHOLD: steps of the first progress.tsv row with return_last100 >= T
first_reach() {
  awk -F'\t' -v t="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "return_last100") c = i; next }
    c && $c != "nan" && $c + 0 >= t + 0 { print $2; exit }' "$1/progress.tsv"
}

# ---- CartPole: return_last100 >= 475 within 300,000 steps -----------------------------
cartpole() { # NAME ALGO [--set ...]
  name=$1
  algo=$2
  shift 2
  run "$name" --algo "$algo" --env cartpole --steps 300000 --seed 1 "$@" || return
  n=$((n + 1))
  r=$(ini return_last100 "$tmp/$name/summary.ini")
  steps=$(ini steps "$tmp/$name/summary.ini")
  first=$(first_reach "$tmp/$name" 475)
  echo "$name: return_last100 $r after $steps steps (first >= 475 at ${first:-never})"
  ge "$r" 475 || fail "$name: CartPole return_last100 $r < 475 after $steps steps"
  n=$((n + 1))
  [ -n "$first" ] && ge 300000 "$first" || fail "$name: progress.tsv never reaches 475 within 300,000 steps"
}
cartpole ppo-cartpole ppo-clip
cartpole trpo-cartpole trpo --set vf_batch_size=128 --set vf_iters=160

# ---- garnet:8,2,3,5: within 1% of optimal ---------------------------------------------
garnet() { # NAME ALGO [--set ...]
  name=$1
  algo=$2
  shift 2
  run "$name" --algo "$algo" --env garnet:8,2,3,5 --set time_limit=200 --steps 200000 --seed 1 "$@" ||
    return
  n=$((n + 1))
  J=$(ini exact_J "$tmp/$name/summary.ini")
  Jopt=$(ini optimal_J "$tmp/$name/summary.ini")
  gap=$(awk -v j="$J" -v o="$Jopt" 'BEGIN { a = o < 0 ? -o : o; printf "%.4f", 100 * (o - j) / a }')
  echo "$name: exact_J $J, optimal_J $Jopt (gap $gap%)"
  awk -v j="$J" -v o="$Jopt" 'BEGIN { a = o < 0 ? -o : o; exit !(j != "" && o != "" && o - j <= 0.01 * a) }' ||
    fail "$name: exact_J $J is not within 1% of optimal_J $Jopt"
}
garnet trpo-garnet trpo
garnet trpo-vine-garnet trpo --set sampling=vine --set vine_states=30 --set vine_length=50
garnet tnpg-garnet tnpg

# ---- Pendulum: half the way from random to -200 ----------------------------------------
n=$((n + 1))
if "$T" rollout --env pendulum --episodes 100 --seed 1 >"$tmp/random.tsv" 2>"$tmp/random.err"; then
  random=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "return_mean") c = i; next }
    c { print $c; exit }' "$tmp/random.tsv")
  goal=$(awk -v r="$random" 'BEGIN { printf "%.6f", (r + -200) / 2 }')
  if run ppo-pendulum --algo ppo-clip --env pendulum --steps 200000 --seed 1; then
    n=$((n + 1))
    r=$(ini return_last100 "$tmp/ppo-pendulum/summary.ini")
    echo "ppo-pendulum: return_last100 $r after 200,000 steps (random $random, goal >= $goal;" \
      "first reached at $(first_reach "$tmp/ppo-pendulum" "$goal") steps)"
    ge "$r" "$goal" || fail "ppo-pendulum: return_last100 $r < $goal (half way from random $random to -200)"
  fi
else
  fail "trbench rollout --env pendulum: $(cat "$tmp/random.err")"
fi

echo "test_learning: $n checks, $fails failed"
[ "$fails" -eq 0 ]
