#!/bin/sh
# trbench run --algo ilqr (algorithms/alg_ilqr.c): its parameters in `trbench algos`, a run's
# progress.tsv (the iLQR columns, model_steps apart from steps), the pendulum held for its
# whole horizon, determinism and --resume bit for bit, and every kind of bad input: exit 2
# with one line before training; a diverged or failed iteration: exit 1, status and reason.
# trbench evaluate of an ilqr run: the final law reproduces the nominal from x_bar_0, is
# deterministic, ends at H (fell 0), and runs on the test terrains.
. "$(dirname "$0")/lib.sh"
if ! "$T" envs 2>/dev/null | grep -q 'inverted-pendulum'; then
  echo "skip: no MuJoCo tasks"
  exit 77
fi

# algos: every choice a named parameter with its default; the termination rule stated
"$T" algos >"$tmp/algos"
sed -n '/^ilqr — /,/^$/p' "$tmp/algos" >"$tmp/il"
check "algos lists ilqr" "$(test -s "$tmp/il"; echo $?)"
for p in n_steps H iterations mu_init mu_min mu_max mu_factor line_search_steps accept_ratio \
  tol fd_eps derivatives start; do
  check "algos: ilqr has the parameter $p" "$(grep -q "^  $p " "$tmp/il"; echo $?)"
done
check "algos: H defaults to 100, mu_max to 1e10" \
  "$(grep -q '^  H  *100 ' "$tmp/il" && grep -q '^  mu_max  *10000000000 ' "$tmp/il"; echo $?)"
check "algos: the doc states the fixed horizon's termination rule" \
  "$(head -1 "$tmp/il" | grep -q 'loses the alive bonus'; echo $?)"

# inverted pendulum: held up for the whole horizon H = 100 once converged; model_steps apart
R=$tmp/pend
"$T" run --algo ilqr --env inverted-pendulum --steps 1000 --seed 1 --quiet --out "$R" >"$tmp/out" 2>"$tmp/err"
check "pendulum: exit 0, nothing on stderr ($(cat "$tmp/err"))" "$(test $? -eq 0 && test ! -s "$tmp/err"; echo $?)"
check "pendulum: status ok" "$(grep -qx 'status = ok' "$R/summary.ini"; echo $?)"
check "progress.tsv: the iLQR columns at the end of the header" \
  "$(head -1 "$R/progress.tsv" | grep -q "$(printf 'soft_gap\tnominal_return\tmu\talpha\texpected_improvement\tactual_improvement\tmodel_steps')"; echo $?)"
check "pendulum: the last iteration's closed-loop episode lasts H = 100 steps, return 100" \
  "$(test "$(progress_col "$R/progress.tsv" ep_len '$')" = 100 && test "$(progress_col "$R/progress.tsv" return_mean '$')" = 100; echo $?)"
check "pendulum: the nominal keeps the alive bonus at every step (nominal_return 100)" \
  "$(test "$(progress_col "$R/progress.tsv" nominal_return '$')" = 100; echo $?)"
# iteration 1: the initial rollout, the derivatives (N + U + 1 = 6 whole steps per t), one
# forward pass (alpha = 1 accepted), the gains' derivatives: H fs (1 + 6 + 1 + 6) = 2800
check "pendulum: model_steps of iteration 1 = H frame_skip (1 + 2 (N + U + 1) + 1) = 2800 ($(progress_col "$R/progress.tsv" model_steps 1))" \
  "$(test "$(progress_col "$R/progress.tsv" model_steps 1)" = 2800 && test "$(progress_col "$R/progress.tsv" alpha 1)" = 1; echo $?)"
check "summary.ini: model_steps = the last row's, apart from steps" \
  "$(grep -qx "model_steps = $(progress_col "$R/progress.tsv" model_steps '$')" "$R/summary.ini" &&
    grep -qx "steps = $(progress_col "$R/progress.tsv" steps '$')" "$R/summary.ini"; echo $?)"
check "steps count the closed-loop episodes only (steps = sum of episodes x ep_len)" \
  "$(awk -F'\t' 'NR > 1 { s += $3 * $6 } END { exit !(s == $2) }' "$R/progress.tsv"; echo $?)"
"$T" run --algo ilqr --env inverted-pendulum --steps 1000 --seed 1 --quiet --out "$tmp/pend2" >/dev/null 2>&1
check "pendulum: the same seed, the same files (timing aside)" "$(same_run "$R" "$tmp/pend2"; echo $?)"
"$T" run --algo ilqr --env inverted-pendulum --steps 500 --seed 1 --quiet --out "$tmp/plan" --set start=plan >/dev/null 2>&1
check "start=plan: every episode is the nominal (return_std 0)" \
  "$(awk -F'\t' 'NR > 1 && $5 != 0 { bad = 1 } END { exit bad }' "$tmp/plan/progress.tsv"; echo $?)"

# --resume after a kill: the uninterrupted run, bit for bit (the iLQR state is checkpointed)
A="--algo ilqr --env swimmer --steps 600 --seed 2 --set H=50 --set n_steps=50"
"$T" run $A --quiet --out "$tmp/sw-a" >/dev/null 2>&1
(TRBENCH_TEST_KILL_AT_ITER=4 exec "$T" run $A --quiet --checkpoint-every 1 --out "$tmp/sw-b") >/dev/null 2>&1
check "swimmer: killed at iteration 4" "$(test $? -eq 137 && ls -d "$tmp/sw-b".tmp.* >/dev/null 2>&1; echo $?)"
"$T" run $A --quiet --out "$tmp/sw-b" --resume >/dev/null 2>&1
check "swimmer: resumed, exit 0" $?
check "swimmer: the resumed run is the uninterrupted one (model_steps included)" "$(same_run "$tmp/sw-a" "$tmp/sw-b"; echo $?)"

# bad input: exit 2, one line, no run directory
expect_prefix "trbench: error: run: ilqr: cartpole: not a MuJoCo task" run --algo ilqr --env cartpole --steps 100 --seed 1 --out "$tmp/bad"
expect_prefix "trbench: error: run: ilqr: chain" run --algo ilqr --env chain:5 --steps 100 --seed 1 --out "$tmp/bad"
expect_prefix "trbench: error: --set H=0: H must be an integer in [1, 100000]" run --algo ilqr --env hopper --steps 100 --seed 1 --set H=0 --out "$tmp/bad"
expect_prefix "trbench: error: --set H=-3: " run --algo ilqr --env hopper --steps 100 --seed 1 --set H=-3 --out "$tmp/bad"
expect_prefix "trbench: error: run: ilqr runs its feedback law on one environment: n_envs = 1" run --algo ilqr --env hopper --steps 100 --seed 1 --set n_envs=2 --out "$tmp/bad"
expect_prefix "trbench: error: run: mu_min is above mu_max" run --algo ilqr --env hopper --steps 100 --seed 1 --set mu_min=10 --set mu_max=1 --set mu_init=0 --out "$tmp/bad"
expect_prefix "trbench: error: run: ilqr: derivatives=mjd-forward: swimmer: mjd_transitionFD" run --algo ilqr --env swimmer --steps 100 --seed 1 --set derivatives=mjd-forward --out "$tmp/bad"
expect_prefix "trbench: error: --set derivatives=fd: " run --algo ilqr --env swimmer --steps 100 --seed 1 --set derivatives=fd --out "$tmp/bad"
check "bad input leaves no run directory" "$(! ls -d "$tmp"/bad* >/dev/null 2>&1; echo $?)"

# a failing iteration (the test hook): exit 1, the status, the iteration named, a complete
# run directory (nothing written half)
fault() { # fault KIND ITER STATUS REASON-PART
  (TRBENCH_TEST_ILQR_FAULT=$1:$2 exec "$T" run --algo ilqr --env inverted-pendulum --steps 1000 --seed 1 --quiet --out "$tmp/f-$1") >/dev/null 2>&1
  rc=$?
  check "fault $1 at iteration $2: exit 1 ($rc)" "$(test $rc -eq 1; echo $?)"
  check "fault $1: status = $3" "$(grep -qx "status = $3" "$tmp/f-$1/summary.ini"; echo $?)"
  check "fault $1: the reason names it and iteration $2 ($(grep '^reason' "$tmp/f-$1/summary.ini"))" \
    "$(grep '^reason = ' "$tmp/f-$1/summary.ini" | grep -q "$4"; echo $?)"
  # diverged: the iteration's row is written; failed (an error): the rows before it
  rows=$2; [ "$3" = failed ] && rows=$(($2 - 1))
  check "fault $1: progress.tsv has the $rows rows up to it" \
    "$(test "$(($(wc -l <"$tmp/f-$1/progress.tsv") - 1))" -eq "$rows"; echo $?)"
}
fault derivative 2 diverged 'non-finite derivative f_x\[0\] = nan at t = 0 at iteration 2'
fault forward 3 diverged 'non-finite iLQR forward pass at every step size .* at iteration 3'
fault mu 2 failed 'iteration 2: iLQR gains after iteration 2: mu = .* is above its bound 1e+10'

# an ilqr run's controller is its feedback law, not a policy network: render and --init-from
# refuse it; trbench evaluate (and run --evaluate) roll the final law out
expect_prefix "trbench: error: $R: a run of ilqr: what it learns is not a saved policy network" render "$R" --out "$tmp/x.mp4"
expect_prefix "trbench: error: --init-from $R: a run of ilqr holds no policy network to start from" \
  run --algo ppo-clip --env inverted-pendulum --steps 2048 --seed 1 --init-from "$R" --out "$tmp/ft"
expect_prefix "trbench: error: --expert $R: $R: a run of ilqr: what it learns is not a saved policy network" \
  run --algo bc --env inverted-pendulum --steps 2048 --seed 1 --expert "$R" --out "$tmp/bc"

# evaluate, start = plan on swimmer (no termination): each episode starts at the plan's
# x_bar_0 with no noise, so the law reproduces the final nominal, its return the last
# nominal_return to the last digit; it lasts H steps and ends there (the law's end, fell 0)
E=$tmp/sw-plan
"$T" run --algo ilqr --env swimmer --steps 250 --seed 1 --set H=50 --set n_steps=50 \
  --set start=plan --quiet --out "$E" >/dev/null 2>&1
check "swimmer start=plan: trained, exit 0" $?
"$T" evaluate "$E" --episodes 3 >"$tmp/ev" 2>"$tmp/everr"
check "evaluate an ilqr run: exit 0, nothing on stderr ($(cat "$tmp/everr"))" \
  "$(test $? -eq 0 && test ! -s "$tmp/everr"; echo $?)"
nom=$(progress_col "$E/progress.tsv" nominal_return '$')
check "evaluate from x_bar_0: every return is the final nominal_return $nom ($(cut -f2 "$E/eval.tsv" | tr '\n' ' '))" \
  "$(awk -F'\t' -v m="$nom" 'NR > 1 && ($2 != m || $3 != 50 || $4 != 0) { bad = 1 } END { exit bad || NR != 4 }' "$E/eval.tsv"; echo $?)"
check "evaluate: the summary line says the law is deterministic and 3 episodes ended at its horizon ($(cat "$tmp/ev"))" \
  "$(grep -q 'episodes (a feedback law: deterministic), .*fell 0, 3 ended at the controller.s horizon (not a fall)' "$tmp/ev"; echo $?)"
"$T" evaluate "$E" --episodes 3 --time-limit 20 >/dev/null 2>&1
check "evaluate --time-limit 20 (< H): episodes of 20 steps, none ended by the horizon" \
  "$(awk -F'\t' 'NR > 1 && ($3 != 20 || $4 != 0) { bad = 1 } END { exit bad || NR != 4 }' "$E/eval.tsv"; echo $?)"
# from the task's resets (start = reset, the default): deterministic, the same command the
# same file; another seed other resets, other returns; episodes last at most H
E=$tmp/sw-reset
"$T" run --algo ilqr --env swimmer --steps 150 --seed 1 --set H=50 --set n_steps=50 \
  --quiet --out "$E" >/dev/null 2>&1
"$T" evaluate "$E" --episodes 4 --seed 5 >/dev/null 2>&1 && cp "$E/eval.tsv" "$tmp/ev-a"
"$T" evaluate "$E" --episodes 4 --seed 5 --deterministic >/dev/null 2>&1
check "evaluate from resets: the same seed, the same eval.tsv (--deterministic changes nothing)" \
  "$(cmp -s "$tmp/ev-a" "$E/eval.tsv"; echo $?)"
check "evaluate from resets: the 4 episodes' returns differ (other resets)" \
  "$(test "$(cut -f2 "$tmp/ev-a" | sed 1d | sort -u | wc -l)" -eq 4; echo $?)"
"$T" evaluate "$E" --episodes 4 --seed 6 >/dev/null 2>&1
check "evaluate from resets: another seed, other returns" "$(! cmp -s "$tmp/ev-a" "$E/eval.tsv"; echo $?)"

# terrains: a hopper's law on hopper-terrain:SEED (the same state vector), at most H steps;
# run --evaluate with --evaluate-env and --evaluate-time-limit does the same at the end
if "$T" envs 2>/dev/null | grep -q 'hopper-terrain'; then
  E=$tmp/hop
  "$T" run --algo ilqr --env hopper --steps 120 --seed 1 --set H=40 --set n_steps=40 --quiet \
    --evaluate 2 --evaluate-env hopper-terrain:1001 --evaluate-env hopper-terrain:1002 \
    --evaluate-env hopper --evaluate-time-limit 30 --out "$E" >"$tmp/out" 2>"$tmp/err"
  check "run --evaluate of an ilqr run on terrains: exit 0 ($(cat "$tmp/err"))" $?
  for f in eval_hopper-terrain_1001.tsv eval_hopper-terrain_1002.tsv eval.tsv; do
    check "run --evaluate: $f, 2 episodes of at most 30 steps" \
      "$(awk -F'\t' 'NR > 1 && ($3 > 30 || $3 < 1) { bad = 1 } END { exit bad || NR != 3 }' "$E/$f"; echo $?)"
  done
  "$T" evaluate "$E" --env hopper-terrain:1003 --episodes 2 >"$tmp/ev" 2>"$tmp/everr"
  check "evaluate --env hopper-terrain:1003: exit 0 ($(cat "$tmp/everr"))" $?
  check "evaluate on a terrain: episodes of at most H = 40 steps; a fall is fell 1, the horizon fell 0" \
    "$(awk -F'\t' 'NR > 1 && ($3 > 40 || ($3 < 40) != $4) { bad = 1 } END { exit bad || NR != 3 }' "$E/eval_hopper-terrain_1003.tsv"; echo $?)"
  expect_prefix "trbench: error: --env walker2d: observations of 17, the policy takes 11" \
    evaluate "$E" --env walker2d
fi
expect_prefix "trbench: error: --evaluate-time-limit: must be at least 1" \
  run --algo ilqr --env swimmer --steps 50 --seed 1 --evaluate 2 --evaluate-time-limit 0 --out "$tmp/bad"
expect_prefix "trbench: error: --evaluate-time-limit: given without --evaluate N" \
  run --algo ilqr --env swimmer --steps 50 --seed 1 --evaluate-time-limit 10 --out "$tmp/bad"
check "bad --evaluate-time-limit: no run directory" "$(test ! -e "$tmp/bad"; echo $?)"

finish cli_ilqr
