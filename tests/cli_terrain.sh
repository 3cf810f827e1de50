#!/bin/sh
# The test terrains at the command line (issue 21 item 4): `trbench envs` lists
# hopper-terrain:SEED and walker2d-terrain:SEED with the flat tasks' sizes and states their
# bounds and the fall rule; a run trained on hopper is evaluated on terrains (eval_<ENV>.tsv
# with the fell column: 1 exactly when the episode ended before the time limit); a spec with
# evaluate_environments@hopper = hopper-terrain:1..2 sweeps, and its table's evaluation
# section shows the return and fall fraction pooled over the terrains (recomputed here from
# the runs' files); every bad input is one stderr line and exit status 2.
# Exit status: 0 pass, 1 a check failed, 77 MuJoCo models missing, 99 trbench missing.
. "$(dirname "$0")/lib.sh"
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
if [ ! -x "$T" ]; then
  echo "cli_terrain: $T is not an executable trbench"
  exit 99
fi
unset TRBENCH_MODELS
E="trbench: error:"

"$T" envs >"$tmp/envs" 2>&1
check "envs: exit 0" $?
if grep -q '^hopper	error:' "$tmp/envs"; then
  echo "cli_terrain: the MuJoCo models cannot be loaded: skipped"
  exit 77
fi
# the terrain rows have the flat tasks' sizes and limits
for task in hopper walker2d; do
  flat=$(grep "^$task	" "$tmp/envs" | cut -f2-)
  ter=$(grep "^$task-terrain:1	" "$tmp/envs" | cut -f2-)
  check "envs: $task-terrain:1 has $task's sizes ($ter vs $flat)" \
    "$(test -n "$flat" && test "$flat" = "$ter"; echo $?)"
done
# the bounds and the fall rule, on a comment line after the table
check "envs: the terrains' bounds" \
  "$(grep '^# hopper-terrain:SEED, walker2d-terrain:SEED' "$tmp/envs" |
     grep 'slopes of at most 10 degrees' | grep 'steps of 0.01-0.05 m' |
     grep -q 'measured above the ground under the torso'; echo $?)"
check "envs: the table's rows are untouched (5 columns each)" \
  "$(grep -v '^#' "$tmp/envs" | awk -F'\t' 'NF != 5 { bad = 1 } END { exit bad }'; echo $?)"

# bad names: one line, exit 2
expect_prefix "$E hopper-terrain:: the terrain's seed is missing (hopper-terrain:SEED" \
  rollout --env hopper-terrain: --episodes 1
expect_prefix "$E hopper-terrain:abc: the terrain's seed 'abc' is not a non-negative integer" \
  rollout --env hopper-terrain:abc --episodes 1
expect_prefix "$E walker2d-terrain:-3: the terrain's seed '-3' is not a non-negative integer" \
  rollout --env walker2d-terrain:-3 --episodes 1
expect_prefix "$E --env: hopper-terrain:1.5: the terrain's seed '1.5' is not" \
  run --algo ppo-clip --env hopper-terrain:1.5 --steps 100 --seed 1 --out "$tmp/bad"
expect_prefix "$E unknown environment 'swimmer-terrain:1' (known: " \
  rollout --env swimmer-terrain:1 --episodes 1

# a run trained on flat ground, evaluated on a terrain
"$T" run --algo ppo-clip --env hopper --steps 512 --seed 3 --set n_steps=256 \
  --set batch_size=64 --out "$tmp/h" --quiet >/dev/null 2>"$tmp/err"
check "a hopper run ($(tail -1 "$tmp/err"))" $?
"$T" evaluate "$tmp/h" --env hopper-terrain:1234 --episodes 3 >"$tmp/out" 2>"$tmp/err"
check "evaluate --env hopper-terrain:1234: exit 0 ($(cat "$tmp/err"))" $?
F="$tmp/h/eval_hopper-terrain_1234.tsv"
check "evaluate: eval_hopper-terrain_1234.tsv, header and 3 episodes" \
  "$(test "$(head -1 "$F")" = "$(printf 'episode\treturn\tlength\tfell')" &&
     test "$(wc -l <"$F")" -eq 4; echo $?)"
check "evaluate: fell = 1 exactly when the episode ended before the 1000-step limit" \
  "$(awk -F'\t' 'NR > 1 && ($4 != ($3 < 1000)) { bad = 1 } END { exit bad }' "$F"; echo $?)"
# a time limit is not a fall: 5-step episodes all end by the limit
"$T" evaluate "$tmp/h" --env hopper-terrain:1234 --episodes 3 --time-limit 5 >/dev/null 2>&1
check "evaluate --time-limit 5: length 5, fell 0" \
  "$(awk -F'\t' 'NR > 1 && ($3 != 5 || $4 != 0) { bad = 1 } END { exit bad || NR != 4 }' "$F"; echo $?)"
expect_prefix "$E --env walker2d-terrain:1: observations of 17" \
  evaluate "$tmp/h" --env walker2d-terrain:1 --episodes 1

# a spec evaluating its hopper runs on two terrains
cat >"$tmp/t.ini" <<'SPEC'
[experiment]
name = terr
environments = hopper
seeds = 2
steps = 512
evaluate = 2
evaluate_environments@hopper = hopper-terrain:1..2
[variant p]
algo = ppo-clip
n_steps = 256
batch_size = 64
SPEC
"$T" sweep "$tmp/t.ini" --results "$tmp/res" >/dev/null 2>"$tmp/err"
check "sweep with evaluate_environments@hopper ($(tail -1 "$tmp/err"))" $?
for s in 1 2; do
  for k in 1 2; do
    check "run s$s: eval_hopper-terrain_$k.tsv with 2 episodes" \
      "$(test "$(wc -l <"$tmp/res/terr/runs/p__hopper__s$s/eval_hopper-terrain_$k.tsv")" -eq 3; echo $?)"
  done
  check "run s$s: no eval.tsv (the flat task is not in the list)" \
    "$(test ! -e "$tmp/res/terr/runs/p__hopper__s$s/eval.tsv"; echo $?)"
done
"$T" table "$tmp/t.ini" --results "$tmp/res" >"$tmp/tab" 2>&1
check "table: exit 0" $?
check "table: the section's header" \
  "$(grep -q '^Evaluation on other environments: each finished run.s saved policy on 2 fresh episodes (mean action)' "$tmp/tab" &&
     grep -q '^| variant | trained on | evaluated on | return | fell |$' "$tmp/tab"; echo $?)"
# the row, recomputed from the runs' files: per run the mean over its 4 episodes; the mean of
# the two runs' means; the fraction of the 8 episodes that fell
want=$(for s in 1 2; do
  cat "$tmp/res/terr/runs/p__hopper__s$s"/eval_hopper-terrain_*.tsv | awk -F'\t' -v s=$s \
    '$1 != "episode" { r += $2; f += $4; n++ } END { printf "%s %.17g %d %d\n", s, r / n, f, n }'
done | awk '{ m += $2; f += $3; n += $4 } END { printf "%.4g %d/%d", m / 2, f, n }')
got=$(grep '^| p | hopper | hopper-terrain:1, hopper-terrain:2 | ' "$tmp/tab" |
  awk -F' [|] ' '{ split($4, r, " "); split($5, f, "[()]"); print r[1], f[2] }')
check "table: the pooled return and fall count ($got) are the runs' ($want)" \
  "$(test -n "$got" && test "$got" = "$want"; echo $?)"

# a range on a tabular family's last parameter, the key in its file-name-safe form, and the
# training environment itself among the evaluation environments (eval.tsv)
cat >"$tmp/g.ini" <<'SPEC'
[experiment]
name = gar
environments = garnet:10,2,3,1
seeds = 1
steps = 300
evaluate = 2
evaluate_time_limit = 3
score = exact_J
evaluate_environments@garnet_10_2_3_1 = garnet:10,2,3,1..3
[variant p]
algo = ppo-clip
n_steps = 300
batch_size = 100
SPEC
"$T" sweep "$tmp/g.ini" --results "$tmp/gres" >/dev/null 2>"$tmp/err"
check "sweep with a garnet range ($(tail -1 "$tmp/err"))" $?
G="$tmp/gres/gar/runs/p__garnet_10_2_3_1__s1"
check "garnet range: eval.tsv, eval_garnet_10_2_3_2.tsv, eval_garnet_10_2_3_3.tsv" \
  "$(test -s "$G/eval.tsv" && test -s "$G/eval_garnet_10_2_3_2.tsv" &&
     test -s "$G/eval_garnet_10_2_3_3.tsv" && test ! -e "$G/eval_garnet_10_2_3_4.tsv"; echo $?)"
check "evaluate_time_limit = 3: every evaluation episode of at most 3 steps, one of 3" \
  "$(cat "$G"/eval*.tsv | awk -F'\t' '$1 != "episode" { n++; if ($3 > 3) bad = 1; if ($3 == 3) k++ }
     END { exit bad || n != 6 || !k }'; echo $?)"
"$T" table "$tmp/g.ini" --results "$tmp/gres" >"$tmp/tab" 2>&1
check "table: the evaluation section says the time limit" \
  "$(grep -q '^Evaluation on other environments: each finished run.s saved policy on 2 fresh episodes of at most 3 steps' "$tmp/tab"; echo $?)"

# bad specs: one line naming the file, line and key, exit 2
bad() { # bad "VALUE" "expected message after file:line: "
  sed "s/^evaluate_environments@hopper = .*/evaluate_environments@hopper = $1/" "$tmp/t.ini" >"$tmp/b.ini"
  expect_prefix "$E $tmp/b.ini:7: evaluate_environments@hopper: $2" sweep "$tmp/b.ini" --results "$tmp/bres"
}
bad "hopper-terrain:" "hopper-terrain:: the terrain's seed is missing"
bad "hopper-terrain:x" "hopper-terrain:x: the terrain's seed 'x' is not a non-negative integer"
bad "hopp-terrain:1..3" "the range hopp-terrain:1..3: unknown environment 'hopp-terrain:1' (known: "
bad "hopper-terrain:5..3" "hopper-terrain:5..3: the range's end 3 is below its start 5"
bad "hopper-terrain:1..2000" "hopper-terrain:1..2000: a range names at most 1000 environments"
bad "hopper-terrain:1..2, hopper-terrain:2" "'hopper-terrain:2' given twice"
# evaluate_time_limit: a number of steps, with evaluate (line 7 once inserted)
for v in 0 -3 x 1e3; do
  sed "/^evaluate = 2/a evaluate_time_limit = $v" "$tmp/t.ini" >"$tmp/b.ini"
  expect_prefix "$E $tmp/b.ini:7: evaluate_time_limit: '$v' is not a number of steps in [1, 100000000]" \
    sweep "$tmp/b.ini" --results "$tmp/bres"
done
sed -e "/^evaluate = 2/a evaluate_time_limit = 100" -e "s/^evaluate = 2/evaluate = 0/" "$tmp/t.ini" >"$tmp/b.ini"
expect_prefix "$E $tmp/b.ini:7: evaluate_time_limit: the spec evaluates nothing (set evaluate = N)" \
  sweep "$tmp/b.ini" --results "$tmp/bres"
# score = eval (each run's eval.tsv): needs evaluate, and not with random_best
sed -e "/^evaluate = 2/a score = eval" -e "s/^evaluate = 2/evaluate = 0/" "$tmp/t.ini" >"$tmp/b.ini"
expect_prefix "$E $tmp/b.ini:7: score = eval: the spec evaluates nothing (set evaluate = N)" \
  sweep "$tmp/b.ini" --results "$tmp/bres"
sed -e "/^evaluate = 2/a score = eval\nnormalization = random_best" "$tmp/t.ini" >"$tmp/b.ini"
expect_prefix "$E $tmp/b.ini:7: score = eval with normalization = random_best is not supported" \
  sweep "$tmp/b.ini" --results "$tmp/bres"
# and the sweep's runs evaluate on their own task too, after the listed terrains
sed -e "/^evaluate = 2/a score = eval" "$tmp/t.ini" >"$tmp/b.ini"
"$T" sweep "$tmp/b.ini" --results "$tmp/jres" --jobs-file "$tmp/jobs" >/dev/null 2>&1
check "score = eval: every run command ends its list with --evaluate-env hopper" \
  "$(test "$(grep -c -- '--evaluate-env hopper-terrain:2 --evaluate-env hopper --evaluate-deterministic' "$tmp/jobs")" -eq 2; echo $?)"
sed "s/^evaluate_environments@hopper = .*/evaluate_environments@hopper = walker2d-terrain:1..2/" "$tmp/t.ini" >"$tmp/b.ini"
expect_prefix "$E $tmp/b.ini: evaluate_environments@hopper: walker2d-terrain:1 has other observation or action spaces than hopper" \
  sweep "$tmp/b.ini" --results "$tmp/bres"
sed "s/^evaluate_environments@hopper/evaluate_environments@walker2d/" "$tmp/t.ini" >"$tmp/b.ini"
expect_prefix "$E $tmp/b.ini:7: evaluate_environments@walker2d: 'walker2d' is not one of the experiment's environments" \
  sweep "$tmp/b.ini" --results "$tmp/bres"
sed "s/^\(evaluate_environments@hopper = .*\)/\1\n\1/" "$tmp/t.ini" >"$tmp/b.ini"
expect_prefix "$E $tmp/b.ini:8: [experiment]: evaluate_environments@hopper given twice" \
  sweep "$tmp/b.ini" --results "$tmp/bres"
check "bad specs: no results written" "$(test ! -e "$tmp/bres"; echo $?)"
finish cli_terrain
