#!/bin/sh
# experiments/gps.ini in CI (issue 21 item 6): the spec as shipped (its rows, environments and
# score), each row's iteration-cost parameters made tiny where its algorithm has them (read
# from `trbench algos`, never a list of algorithm names: iLQR iterations and horizon, guiding
# samples, L-BFGS iterations, batch sizes), swept with about 400 steps per run and one seed,
# -j 2 and -j 1: every run ok, the table written with every row, and the run files bit for
# bit the same (progress.tsv and summary.ini, timing aside: same_run).  The terrain test too:
# evaluate = 1 on the first two terrains of each range, the time limit as shipped; every run's
# evaluation files, and the table's evaluation section with every row (iLQR's law included).
. "$(dirname "$0")/lib.sh"
if ! "$T" envs 2>/dev/null | grep -q '^ *swimmer'; then
  echo "skip: no MuJoCo tasks"
  exit 77
fi
SPEC=${TR_SRCDIR:-.}/experiments/gps.ini
[ -f "$SPEC" ] || { echo "FAIL: $SPEC not found"; exit 1; }

"$T" algos >"$tmp/algos"
has() { sed -n "/^$1 — /,/^\$/p" "$tmp/algos" | grep -q "^  $2 "; }
cheap="H=10 m=3 n_ilqr=1 ilqr_iterations=2 iterations=2 lbfgs_iters=3 ml_iters=3 eval_episodes=1
  subset=3 n_steps=64 n_epochs=1 batch_size=32 vf_iters=2 cg_iters=3"
# "VARIANT KEY VALUE": the cheap settings each row's algorithm has
awk '/^\[variant / { v = $2; sub(/\]$/, "", v) } /^algo *=/ { print v, $3 }' "$SPEC" >"$tmp/rows"
: >"$tmp/over"
while read -r v a; do
  for kv in $cheap; do has "$a" "${kv%%=*}" && echo "$v ${kv%%=*} ${kv#*=}" >>"$tmp/over"; done
done <"$tmp/rows"
check "every row of gps.ini gets some cheap setting" \
  "$(test "$(cut -d' ' -f1 "$tmp/over" | sort -u | wc -l)" -eq "$(wc -l <"$tmp/rows")"; echo $?)"
# the spec with them: a key the row sets gets the cheap value (its KEY@ENV forms are dropped:
# the cheap value holds on every task); the others follow its algo line (the spec is read
# twice: first what each row sets, then to write it)
awk 'FNR == 1 { f++ }
  f == 1 { ov[$1, $2] = $3; keys[$1] = keys[$1] " " $2; next }
  /^\[/ { v = ""; if ($1 == "[variant") { v = $2; sub(/\]$/, "", v) } }
  { kv = v != "" && /^[A-Za-z_]+(@[^ =]+)? *=/ }
  kv { k = $0; sub(/ *=.*/, "", k); at = index(k, "@") > 0; sub(/@.*/, "", k) }
  f == 2 { if (kv && !at) set[v, k] = 1; next }
  kv && k == "algo" { print; n = split(keys[v], ks, " ")
    for (i = 1; i <= n; i++) if (!((v, ks[i]) in set)) print ks[i] " = " ov[v, ks[i]]; next }
  kv && ((v, k) in ov) { if (!at) print k " = " ov[v, k]; next }
  { print }' "$tmp/over" "$SPEC" "$SPEC" >"$tmp/gps.ini"
check "no KEY@ENV of a cheap key is left" "$(! grep -q '^ilqr_iterations@' "$tmp/gps.ini"; echo $?)"
# the terrain test made tiny: 1 episode per environment, each evaluate_environments@ENV range
# NAME:A..B cut to its first two, NAME:A..A+1 (the time limit as shipped)
awk '/^evaluate *=/ { print "evaluate = 1"; next }
  /^evaluate_environments@/ { if (match($0, /:[0-9]+\.\.[0-9]+/)) {
      r = substr($0, RSTART + 1, RLENGTH - 1); split(r, ab, "\\.\\.")
      $0 = substr($0, 1, RSTART) ab[1] ".." ab[1] + 1 substr($0, RSTART + RLENGTH) } }
  { print }' "$tmp/gps.ini" >"$tmp/gps2.ini" && mv "$tmp/gps2.ini" "$tmp/gps.ini"
check "the tiny spec evaluates: evaluate = 1, ranges of two terrains, the time limit kept" \
  "$(grep -qx 'evaluate = 1' "$tmp/gps.ini" && grep -q '^evaluate_time_limit = ' "$tmp/gps.ini" &&
    test "$(grep -c '^evaluate_environments@.*-terrain:[0-9]*\.\.[0-9]*$' "$tmp/gps.ini")" -ge 1 &&
    awk '/^evaluate_environments@/ { if (match($0, /:[0-9]+\.\.[0-9]+/)) { split(substr($0, RSTART + 1), ab, "\\.\\.")
      if (ab[2] != ab[1] + 1) bad = 1 } } END { exit bad }' "$tmp/gps.ini"; echo $?)"
check "the tiny spec has the shipped spec's rows and environments" \
  "$(test "$(grep -c '^\[variant ' "$tmp/gps.ini")" -eq "$(wc -l <"$tmp/rows")" &&
    grep -q '^environments = swimmer, hopper, walker2d$' "$tmp/gps.ini"; echo $?)"
steps=$(sed -n 's/^steps *= *//p' "$SPEC")
scale=$(awk -v s="$steps" 'BEGIN { printf "%.6g", 400 / s }')

start=$(date +%s)
"$T" sweep "$tmp/gps.ini" -j 2 --scale "$scale" --seeds 1 --results "$tmp/a" >"$tmp/out" 2>"$tmp/err"
check "sweep -j 2 of gps.ini at --scale $scale --seeds 1: exit 0 ($(tail -3 "$tmp/err" | tr '\n' ' '))" $?
"$T" sweep "$tmp/gps.ini" -j 1 --scale "$scale" --seeds 1 --results "$tmp/b" >/dev/null 2>&1
check "sweep -j 1: exit 0" $?
echo "# two sweeps in $(($(date +%s) - start)) s"
nrows=$(wc -l <"$tmp/rows")
nruns=$(ls "$tmp/a/gps/runs" | grep -vc '\.')
check "$((nrows * 3)) runs (rows x 3 environments x 1 seed): $nruns" "$(test "$nruns" -eq $((nrows * 3)); echo $?)"
same=0
for r in $(ls "$tmp/a/gps/runs"); do
  case $r in *.*) continue ;; esac
  grep -qx 'status = ok' "$tmp/a/gps/runs/$r/summary.ini" || { echo "FAIL: $r: not ok: $(grep reason "$tmp/a/gps/runs/$r/summary.ini")"; fails=$((fails + 1)); }
  if same_run "$tmp/a/gps/runs/$r" "$tmp/b/gps/runs/$r"; then same=$((same + 1)); else echo "# differs: $r"; fi
done
check "-j 2 and -j 1 give the same run files, timing aside ($same of $nruns)" "$(test $same -eq "$nruns" && test $same -gt 0; echo $?)"
# real steps and model steps apart in every run of the guided rows and iLQR
check "model_steps in summary.ini of the runs that query a model" \
  "$(grep -l '^model_steps = [1-9]' "$tmp"/a/gps/runs/*/summary.ini | grep -q 'GPS__'; echo $?)"

"$T" table "$tmp/gps.ini" --results "$tmp/a" --scale "$scale" --seeds 1 >"$tmp/tout" 2>"$tmp/terr"
check "table: exit 0 ($(cat "$tmp/terr" | tr '\n' ' '))" $?
check "table.md written" "$(test -s "$tmp/a/gps/table.md"; echo $?)"
while read -r v a; do
  check "table.md has the row $v" "$(grep -q -- "$v" "$tmp/a/gps/table.md"; echo $?)"
done <"$tmp/rows"

# the terrain test: every run holds one evaluation file per environment listed for its task
# (its own task's eval.tsv where none is), 1 episode of at most evaluate_time_limit steps;
# the table's evaluation section has every row on every task with a number, the iLQR
# controller's included (its law evaluated; episodes of at most its horizon)
tl=$(sed -n 's/^evaluate_time_limit *= *//p' "$tmp/gps.ini")
envs=$(sed -n 's/^environments *= *//p' "$tmp/gps.ini" | tr -d ',')
for r in $(ls "$tmp/a/gps/runs"); do
  case $r in *.*) continue ;; esac
  task=${r#*__}; task=${task%__*}
  list=$(sed -n "s/^evaluate_environments@$task *= *//p" "$tmp/gps.ini" |
    awk -F'[:.]+' '{ if (NF == 3) for (k = $2; k <= $3; k++) print $1 ":" k; else print }')
  files=""
  for w in $list; do files="$files eval_$(echo "$w" | tr ':' '_').tsv"; done
  [ -n "$files" ] || files=eval.tsv
  # score = eval: the run's own task is evaluated too (eval.tsv), after the list
  grep -qx 'score = eval' "$tmp/gps.ini" && case " $files " in *" eval.tsv "*) ;; *) files="$files eval.tsv" ;; esac
  for f in $files; do
    awk -F'\t' -v tl="$tl" 'NR > 1 && ($3 < 1 || $3 > tl) { bad = 1 } END { exit bad || NR != 2 }' \
      "$tmp/a/gps/runs/$r/$f" 2>/dev/null ||
      { echo "FAIL: $r: $f missing or not 1 episode of at most $tl steps"; fails=$((fails + 1)); }
  done
done
awk '/^Evaluation on other environments: / { p = 1 } p && /^\|/ { rows = 1 } p && rows && !/^\|/ { exit }
  p { print }' "$tmp/a/gps/table.md" >"$tmp/evsec"
check "table.md: the evaluation section, episodes of at most $tl steps" \
  "$(grep -q "^Evaluation on other environments: each finished run.s saved policy on 1 fresh episodes of at most $tl steps" "$tmp/evsec"; echo $?)"
while read -r v a; do
  for e in $envs; do
    check "evaluation section: $v on $e, a return and a fall fraction" \
      "$(grep -- "^| $v | $e | " "$tmp/evsec" | grep -q ' | [-0-9.e+]* ± [0-9.e+]* | [0-9.e+-]* ([0-9]*/[0-9]*) |$'; echo $?)"
  done
done <"$tmp/rows"
# score = eval: each cell is its run's eval.tsv mean (1 seed: the cell is that run's), to
# 1e-12 relative (the table's CSV prints %.17g; the mean of one episode is its return)
if grep -qx 'score = eval' "$tmp/gps.ini"; then
  check "table.md: the score is the evaluation on the training task" \
    "$(grep -q "^- A run's score is \`eval\`: the mean return of its 1 evaluation episodes on its training environment" "$tmp/a/gps/table.md"; echo $?)"
  hdr=$(head -1 "$tmp/a/gps/table.csv")
  ok=0 cells=0
  while read -r v a; do
    for e in $envs; do
      cells=$((cells + 1))
      want=$(awk -F'\t' 'NR > 1 { s += $2; k++ } END { if (k) printf "%.17g", s / k }' "$tmp/a/gps/runs/${v}__${e}__s1/eval.tsv")
      got=$(awk -F, -v row="$v" -v col="${e}_mean" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
        $1 == row { print $c }' "$tmp/a/gps/table.csv")
      awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; if (d < 0) d = -d; m = a < 0 ? -a : a;
        exit !(a != "" && b != "" && d <= 1e-12 * (m > 1 ? m : 1)) }' && ok=$((ok + 1)) ||
        echo "# $v on $e: table $got, eval.tsv $want"
    done
  done <"$tmp/rows"
  check "table.csv: every cell is its run's eval.tsv mean ($ok of $cells; header: ${hdr%%,runs_found*})" "$(test $ok -eq $cells && test $cells -gt 0; echo $?)"
fi
check "evaluation section: the hopper rows are on hopper-terrain" \
  "$(grep -q '^| iLQR | hopper | hopper-terrain:' "$tmp/evsec"; echo $?)"
finish cli_gps_sweep
