#!/bin/sh
# tests/cli_terminate.sh — the shared run parameter terminate_when_unhealthy (Gymnasium v4's
# kwarg of hopper, walker2d, ant, humanoid; mdps/env.h): listed for every algorithm with
# default true; true (default or given) leaves a run bit for bit; false runs every hopper
# episode to the time limit, is recorded in config.ini and followed by `trbench evaluate`;
# refused (one line, exit 2) on environments without a health test.
. "$(dirname "$0")/lib.sh"

# every algorithm `trbench algos` lists has the parameter, default true (no names here)
"$T" algos >"$tmp/algos"
n_algos=$(grep -c '^[a-z0-9._-]* — ' "$tmp/algos")
n_param=$(grep -c '^  terminate_when_unhealthy  *true ' "$tmp/algos")
check "every algorithm lists terminate_when_unhealthy, default true ($n_param of $n_algos)" \
  "$([ "$n_algos" -gt 0 ] && [ "$n_param" -eq "$n_algos" ]; echo $?)"

run() { # run OUT ARGS...
  out=$1
  shift
  "$T" run --algo trpo --env hopper --steps 2048 --seed 7 --quiet --out "$tmp/$out" "$@" \
    >/dev/null 2>"$tmp/err"
}

# true: the default and the explicit value make the same run (progress.tsv, summary.ini)
run def --set time_limit=64
check "default run" $?
run yes --set time_limit=64 --set terminate_when_unhealthy=true
check "terminate_when_unhealthy=true run" $?
check "terminate_when_unhealthy=true is the default, bit for bit" "$(same_run "$tmp/def" "$tmp/yes"; echo $?)"
check "config.ini records true" "$(grep -qx 'terminate_when_unhealthy = true' "$tmp/def/config.ini"; echo $?)"
# the initial policy falls long before 64 steps (gym v4's terminations)
len=$(progress_col "$tmp/def/progress.tsv" ep_len 1)
check "with terminations the mean episode is shorter than the limit 64 (ep_len $len)" \
  "$(awk -v l="$len" 'BEGIN { exit !(l < 64) }'; echo $?)"

# false: every episode runs to the limit (2048 steps = 32 episodes of 64)
run no --set time_limit=64 --set terminate_when_unhealthy=false
check "terminate_when_unhealthy=false run" $?
check "config.ini records false" "$(grep -qx 'terminate_when_unhealthy = false' "$tmp/no/config.ini"; echo $?)"
check "false: 32 episodes of exactly 64 steps" \
  "$([ "$(progress_col "$tmp/no/progress.tsv" ep_len 1)" = 64 ] &&
     [ "$(progress_col "$tmp/no/progress.tsv" episodes 1)" = 32 ]; echo $?)"
check "false: a different run from true" "$(! same_run "$tmp/def" "$tmp/no"; echo $?)"

# evaluate follows the run's setting: the false run's episodes never fall
"$T" evaluate "$tmp/no" --episodes 4 --time-limit 50 >/dev/null 2>"$tmp/err"
check "evaluate the false run" $?
check "evaluate (false): 4 episodes of 50 steps, none fell" \
  "$(awk -F'\t' 'NR > 1 { k++; if ($3 != 50 || $4 != 0) bad = 1 } END { exit !(k == 4 && !bad) }' \
     "$tmp/no/eval.tsv"; echo $?)"
"$T" evaluate "$tmp/def" --episodes 4 --time-limit 50 >/dev/null 2>"$tmp/err"
check "evaluate the true run" $?
check "evaluate (true): the same kind of policy falls" \
  "$(awk -F'\t' 'NR > 1 && $4 == 1 { f++ } END { exit !(f > 0) }' "$tmp/def/eval.tsv"; echo $?)"

# bad input: no health test, or not a boolean
for env in halfcheetah swimmer cartpole humanoid-standup garnet:5,3,2; do
  expect_prefix "trbench: error: run: terminate_when_unhealthy=false: $env has no health test" \
    run --algo ppo-clip --env "$env" --steps 2048 --seed 1 --out "$tmp/bad" \
    --set terminate_when_unhealthy=false
done
expect_prefix "trbench: error: --set terminate_when_unhealthy=maybe: " \
  run --algo trpo --env hopper --steps 2048 --seed 1 --out "$tmp/bad" \
  --set terminate_when_unhealthy=maybe
check "no run directory from bad input" "$([ ! -e "$tmp/bad" ]; echo $?)"
finish cli_terminate
