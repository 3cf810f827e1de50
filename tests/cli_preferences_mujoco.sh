#!/bin/sh
# tests/cli_preferences_mujoco.sh — experiments/preferences_mujoco.ini (issue 22 item 5) end to
# end at a tiny scale: every row on every task with one seed (one TRPO batch each; the
# learned-reward rows label their first 25% and train the reward model before it), no
# reference policy anywhere (kl_ref_coef 0: Christiano's policy starts from scratch), then its
# table: the ratio to the true-reward row, per task and row, is each run's score divided by
# the true-reward run's (one seed: the means are the scores).
. "$(dirname "$0")/lib.sh"
S=${TR_SRCDIR:-.}/experiments/preferences_mujoco.ini
"$T" sweep "$S" --scale 0.002 --seeds 1 -j 2 --results "$tmp/r" >"$tmp/out" 2>"$tmp/err"
check "the sweep at --scale 0.002 --seeds 1" $?
runs=$tmp/r/preferences_mujoco/runs
check "12 runs: 3 rows x 4 tasks" "$([ "$(ls -d "$runs"/*__s1 | wc -l)" -eq 12 ]; echo $?)"
ok=0
for d in "$runs"/*__s1; do grep -q '^status = ok' "$d/summary.ini" || ok=1; done
check "every run ok" $ok
learned=$(ls -d "$runs"/*__hopper__s1 | grep -v true_reward | head -1)
check "a learned-reward run labeled: 175 or 350 comparisons in preferences.tsv" \
  "$(n=$(($(wc -l <"$learned/preferences.tsv") - 1)); [ "$n" -eq 175 ] || [ "$n" -eq 350 ]; echo $?)"
check "with reward = learned and kl_ref_coef = 0, and no reference policy" \
  "$(grep -q '^reward = learned' "$learned/config.ini" && grep -q '^kl_ref_coef = 0$' "$learned/config.ini" &&
     ! grep -q 'ref_policy\|ref-policy' "$learned/config.ini"; echo $?)"
# Christiano's fixed-length episodes: hopper and walker2d without terminations in every row
# (the true-reward baseline too), halfcheetah and swimmer as they are
bad=0
for d in "$runs"/*__s1; do
  case $d in *__hopper__s1 | *__walker2d__s1) want=false ;; *) want=true ;; esac
  grep -qx "terminate_when_unhealthy = $want" "$d/config.ini" || { bad=1; echo "  $d: want $want"; }
done
check "terminate_when_unhealthy false on hopper and walker2d rows, true elsewhere" $bad
"$T" table "$S" --results "$tmp/r" >"$tmp/table" 2>"$tmp/err"
check "the table" $?
csv=$tmp/r/preferences_mujoco/table.csv
check "the ratio section names the true-reward row" \
  "$(grep -q '^Ratio to the baseline row `true reward`' "$tmp/r/preferences_mujoco/table.md"; echo $?)"
# each learned row's ratio column against its score / the true row's score, from summary.ini
bad=0
rows=0
for env in hopper walker2d halfcheetah swimmer; do
  check "table.csv has ${env}_ratio" "$(head -1 "$csv" | tr ',' '\n' | grep -qx "${env}_ratio"; echo $?)"
  t=$(sed -n 's/^return_last100 = //p' "$runs/true_reward__${env}__s1/summary.ini")
  for d in "$runs"/*__"$env"__s1; do
    v=$(basename "$d" | sed "s/__${env}__s1\$//")
    [ "$v" = true_reward ] && continue
    rows=$((rows + 1))
    x=$(sed -n 's/^return_last100 = //p' "$d/summary.ini")
    name=$(echo "$v" | tr _ ' ')
    want=$(awk -v x="$x" -v t="$t" 'BEGIN { printf "%.17g", x / t }')
    got=$(awk -F, -v v="$name" -v c="${env}_ratio" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
      $1 == v { print $(k[c]) }' "$csv")
    [ "$got" = "$want" ] || { bad=1; echo "  $name on $env: ratio $got, want $x / $t = $want"; }
  done
  got=$(awk -F, -v c="${env}_ratio" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
    $1 == "true reward" { print $(k[c]) }' "$csv")
  [ "$got" = 1 ] || { bad=1; echo "  true reward on $env: ratio $got, want 1"; }
done
check "8 learned-reward cells, each ratio = its score / the true-reward score" \
  "$([ "$bad" -eq 0 ] && [ "$rows" -eq 8 ]; echo $?)"
finish cli_preferences_mujoco
