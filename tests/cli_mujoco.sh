#!/bin/sh
# The MuJoCo tasks at the command line, bad input first: an unknown name, a model file
# missing from the model directory (TRBENCH_MODELS, or the installed data directory), and
# time_limit — each MuJoCo task has its own limit, which time_limit = 0 selects (so 0 is
# valid: the episodes are the task's length) and a negative one is refused.  Each error is
# exit status 2 with one stderr line "trbench: error: ...".  Then `envs` lists Gymnasium's
# four (sizes and limits) and a short rollout of each runs.  The names come from
# `trbench envs` (its MuJoCo rows), not from a list here.
# Exit status: 0 pass, 1 a check failed, 99 trbench missing.
. "$(dirname "$0")/lib.sh"
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
if [ ! -x "$T" ]; then
  echo "cli_mujoco: $T is not an executable trbench"
  exit 99
fi
unset TRBENCH_MODELS
E="trbench: error:"

# the MuJoCo tasks: the rows of `trbench envs` whose action space is a box and whose model
# file the empty directory below lacks (classic-control boxes load without one)
"$T" envs >"$tmp/envs"
check "envs: exit 0" $?
mkdir "$tmp/empty"
TRBENCH_MODELS="$tmp/empty" "$T" envs >"$tmp/envs_empty"
check "envs without models: exit 0 (the rows say why)" $?
mj=$(grep 'MuJoCo could not load the model' "$tmp/envs_empty" | cut -f1)
check "envs: at least the 11 MuJoCo tasks ($(echo $mj | wc -w) found)" \
  "$([ "$(echo $mj | wc -w)" -ge 11 ]; echo $?)"

# Gymnasium's four, as the README states them: name, O, action box, limit
while read -r name O box limit; do
  check "envs: $name $O $box $limit" \
    "$(grep -qxF "$name	$O	$box	$limit	0.99" "$tmp/envs"; echo $?)"
done <<'ROWS'
ant 27 box(8,[-1,1]) 1000
humanoid 376 box(17,[-0.4,0.4]) 1000
humanoid-standup 376 box(17,[-0.4,0.4]) 1000
pusher 23 box(7,[-2,2]) 100
ROWS

for name in $mj; do
  case $name in
  *:*) continue ;; # a parametrized family (hopper-terrain:1): tests/cli_terrain.sh
  humanoid-standup) file=humanoidstandup.xml ;;
  halfcheetah) file=half_cheetah.xml ;;
  *) file=$(echo "$name" | tr - _).xml ;;
  esac
  # an unknown name: the task's Gymnasium-style id
  expect_prefix "$E unknown environment '$name-v4' (known: " rollout --env "$name-v4" --episodes 1
  expect_prefix "$E --env: unknown environment '$name-v4' (known: " \
    run --algo ppo-clip --env "$name-v4" --steps 100 --seed 1 --out "$tmp/bad"
  # the model file missing from the model directory
  TRBENCH_MODELS="$tmp/empty"
  export TRBENCH_MODELS
  expect_prefix "$E $tmp/empty/$file: MuJoCo could not load the model: cannot read the file (No such file or directory); TRBENCH_MODELS names the model directory" \
    rollout --env "$name" --episodes 1
  expect_prefix "$E --env: $tmp/empty/$file: MuJoCo could not load the model: cannot read the file" \
    run --algo ppo-clip --env "$name" --steps 100 --seed 1 --out "$tmp/bad"
  unset TRBENCH_MODELS
  # a negative time limit
  expect_prefix "$E --set time_limit=-1: time_limit must be an integer in [0, 1000000000]" \
    run --algo ppo-clip --env "$name" --steps 100 --seed 1 --out "$tmp/bad" --set time_limit=-1
  check "$name: no run directory left behind" "$([ ! -e "$tmp/bad" ]; echo $?)"
done

# time_limit = 0 is the task's own limit: Pusher's episodes are 100 steps
"$T" run --algo ppo-clip --env pusher --steps 400 --seed 1 --out "$tmp/p0" \
  --set time_limit=0 --set n_steps=200 --set batch_size=50 >/dev/null 2>"$tmp/err"
check "pusher time_limit=0: exit 0 ($(cat "$tmp/err"))" $?
check "pusher time_limit=0: episodes of 100 steps" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ep_len") c = i; next }
                 $c != 100 { bad = 1 } END { exit bad || NR < 2 }' "$tmp/p0/progress.tsv"; echo $?)"
# and an explicit one overrides it
"$T" run --algo ppo-clip --env pusher --steps 400 --seed 1 --out "$tmp/p50" \
  --set time_limit=50 --set n_steps=200 --set batch_size=50 >/dev/null 2>&1
check "pusher time_limit=50: episodes of 50 steps" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ep_len") c = i; next }
                 $c != 50 { bad = 1 } END { exit bad || NR < 2 }' "$tmp/p50/progress.tsv"; echo $?)"

# a short rollout of each of the four
for name in ant humanoid humanoid-standup pusher; do
  "$T" rollout --env "$name" --episodes 1 --seed 3 >"$tmp/r" 2>"$tmp/err"
  check "rollout $name: exit 0 ($(cat "$tmp/err"))" $?
  check "rollout $name: one row" "$(awk -F'\t' -v n="$name" 'NR == 2 && $1 == n && $2 == 1 { ok = 1 } END { exit !ok }' "$tmp/r"; echo $?)"
done

finish cli_mujoco
