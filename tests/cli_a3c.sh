#!/bin/sh
# a3c (algorithms/alg_a3c.c): its deterministic mode with one worker and staleness 0 is a2c
# bit for bit; the deterministic mode is repeatable, its staleness column min(u, K), and it
# resumes bit for bit; threads finish every update, stop cleanly on SIGINT/SIGTERM, refuse
# checkpoints while they train; bad input.  Thread runs are not repeatable: every comparison
# of bytes here uses mode=deterministic (or one worker thread, which has no interleaving).
. "$(dirname "$0")/lib.sh"
DET="--set mode=deterministic"
# body A — progress.tsv without its timing column (12: seconds) and without staleness (25:
# a2c has none), and summary.ini without its timing lines
body() {
  cut -f1-11,13-24 "$1/progress.tsv"
  grep -v 'seconds\|steps_per_s' "$1/summary.ini"
}
# same A B — the two runs' files are the same bytes, staleness and timing aside
same() {
  body "$1" >"$tmp/ba"; body "$2" >"$tmp/bb"
  cmp -s "$tmp/ba" "$tmp/bb"
}
col() { awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }' "$1/progress.tsv"; }

# 1. staleness 0 with one worker is a2c, bit for bit: classic control and a Garnet (with its
# exact columns)
for case in "acrobot --steps 2000" "cartpole --steps 4000 --set ent_coef=0.01" \
  "garnet:12,3,3,5 --steps 4000 --set time_limit=50"; do
  set -- $case
  env=$1
  shift
  "$T" run --algo a2c --env "$env" --seed 7 "$@" --quiet --out "$tmp/a2c" >/dev/null 2>&1
  "$T" run --algo a3c --env "$env" --seed 7 "$@" $DET --set workers=1 --set staleness=0 --quiet \
    --out "$tmp/k0" >/dev/null 2>"$tmp/err"
  check "a3c deterministic workers=1 staleness=0 on $env: exit 0, quiet" "$(test $? -eq 0 && test ! -s "$tmp/err"; echo $?)"
  check "... progress.tsv and summary.ini are a2c's, bit for bit ($env)" "$(same "$tmp/a2c" "$tmp/k0"; echo $?)"
  check "... its staleness column is all 0 ($env)" "$(col "$tmp/k0" staleness | sort -u | grep -qx 0 && test "$(col "$tmp/k0" staleness | sort -u | wc -l)" -eq 1; echo $?)"
  check "... a2c's staleness column is nan ($env)" "$(test "$(col "$tmp/a2c" staleness | sort -u)" = nan; echo $?)"
  if [ "${env#garnet}" != "$env" ]; then
    check "... with its exact columns: exact_J finite on every row ($env)" "$(col "$tmp/k0" exact_J | awk '$1 == "nan" || $1 == "" { bad = 1 } END { exit bad || NR < 10 }'; echo $?)"
  fi
  "$T" run --algo a3c --env "$env" --seed 7 "$@" --set workers=1 --quiet --out "$tmp/t1" >/dev/null 2>&1
  check "one worker thread (no interleaving) is a2c too ($env)" "$(same "$tmp/a2c" "$tmp/t1"; echo $?)"
  check "... with staleness 0 on every row ($env)" "$(test "$(col "$tmp/t1" staleness | sort -u)" = 0; echo $?)"
  rm -rf "$tmp/a2c" "$tmp/k0" "$tmp/t1"
done

# 2. the deterministic mode: repeatable with N workers and K > 0, staleness min(u, K)
A="--algo a3c --env cartpole --steps 2400 --seed 3 $DET --set workers=3 --set staleness=4"
"$T" run $A --quiet --out "$tmp/d1" >/dev/null 2>&1
"$T" run $A --quiet --out "$tmp/d2" >/dev/null 2>&1
check "deterministic N=3 K=4: the same files twice (timing aside)" "$(cut -f1-11,13- "$tmp/d1/progress.tsv" >"$tmp/p1"; cut -f1-11,13- "$tmp/d2/progress.tsv" >"$tmp/p2"; cmp -s "$tmp/p1" "$tmp/p2" && same "$tmp/d1" "$tmp/d2"; echo $?)"
check "deterministic: staleness of update u is min(u, K)" "$(col "$tmp/d1" staleness | awk '{ u = NR - 1; if ($1 != (u < 4 ? u : 4)) bad = 1 } END { exit bad || NR != 60 }'; echo $?)"
"$T" run --algo a2c --env cartpole --steps 2400 --seed 3 --quiet --out "$tmp/a2c" >/dev/null 2>&1
check "deterministic K=4 differs from a2c" "$(! same "$tmp/a2c" "$tmp/d1"; echo $?)"

# 3. resume: the deterministic mode's queue of pending gradients, the workers' environments
# and the shared RMSprop are in the checkpoint: a killed run resumes bit for bit
R="--algo a3c --env acrobot --steps 2000 --seed 1 $DET --set workers=3 --set staleness=4"
"$T" run $R --quiet --out "$tmp/ra" >/dev/null 2>&1
(TRBENCH_TEST_KILL_AT_ITER=7 exec "$T" run $R --quiet --checkpoint-every 1 --out "$tmp/rb") >/dev/null 2>&1
check "resume: killed at update 7" "$(test $? -eq 137 && ls "$tmp"/rb.tmp.*/checkpoint.bin >/dev/null 2>&1; echo $?)"
"$T" run $R --out "$tmp/rb" --resume >/dev/null 2>"$tmp/err"
check "resume: exit 0, from update 7" "$(test $? -eq 0 && grep -q 'resuming .* at iteration 7 ' "$tmp/err"; echo $?)"
check "resume: progress.tsv (staleness too) and summary.ini are the uninterrupted run's" "$(cut -f1-11,13- "$tmp/ra/progress.tsv" >"$tmp/p1"; cut -f1-11,13- "$tmp/rb/progress.tsv" >"$tmp/p2"; cmp -s "$tmp/p1" "$tmp/p2" && same "$tmp/ra" "$tmp/rb"; echo $?)"

# 4. threads: every update done once, staleness recorded, a complete run
"$T" run --algo a3c --env cartpole --steps 8000 --seed 2 --set workers=2 --quiet --out "$tmp/th" >/dev/null 2>"$tmp/err"
check "threads workers=2: exit 0, quiet" "$(test $? -eq 0 && test ! -s "$tmp/err" && grep -qx 'status = ok' "$tmp/th/summary.ini"; echo $?)"
check "threads: 200 updates, steps 40 apart" "$(col "$tmp/th" steps | awk '$1 != 40 * NR { bad = 1 } END { exit bad || NR != 200 }'; echo $?)"
check "threads: staleness a whole number >= 0 on every row" "$(col "$tmp/th" staleness | awk '$1 != int($1) || $1 < 0 { bad = 1 } END { exit bad || NR != 200 }'; echo $?)"
"$T" evaluate "$tmp/th" --episodes 2 >/dev/null 2>&1
check "threads: the final checkpoint evaluates" "$(test $? -eq 0 && test -s "$tmp/th/eval.tsv"; echo $?)"

# 5. SIGINT / SIGTERM: the workers are stopped and joined; the run's temporary holds whole
# rows, a summary (status failed, interrupted) and its exit is 128 + the signal
for sig in TERM:15 INT:2; do
  num=${sig#*:} sig=${sig%:*}
  rm -rf "$tmp/sg" "$tmp"/sg.*
  "$T" run --algo a3c --env cartpole --steps 100000000 --seed 1 --set workers=2 --quiet --out "$tmp/sg" >/dev/null 2>"$tmp/err" &
  pid=$!
  i=0
  until [ -s "$(ls -d "$tmp"/sg.tmp.* 2>/dev/null | head -1)/progress.tsv" ] && [ "$(wc -l <"$(ls -d "$tmp"/sg.tmp.* | head -1)/progress.tsv")" -gt 20 ] || [ $i -ge 200 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -$sig $pid
  wait $pid
  rc=$?
  want=$((128 + num))
  d=$(ls -d "$tmp"/sg.tmp.* 2>/dev/null | head -1)
  check "SIG$sig: exit $want (got $rc)" "$(test "$rc" -eq "$want"; echo $?)"
  check "SIG$sig: the temporary stays, DIR is not made" "$(test -d "$d" && test ! -e "$tmp/sg"; echo $?)"
  check "SIG$sig: summary.ini says failed, interrupted" "$(grep -qx 'status = failed' "$d/summary.ini" && grep -q "^reason = interrupted by SIG$sig after iteration" "$d/summary.ini"; echo $?)"
  check "SIG$sig: progress.tsv has whole rows, as many as summary.ini's iterations" "$(awk -F'\t' 'NR == 1 { nf = NF } NF != nf { bad = 1 } END { exit bad }' "$d/progress.tsv" && test "$(($(wc -l <"$d/progress.tsv") - 1))" = "$(sed -n 's/^iterations = //p' "$d/summary.ini")"; echo $?)"
  check "SIG$sig: says so on stderr" "$(grep -q "interrupted by SIG$sig" "$tmp/err"; echo $?)"
done

# 6. checkpoints of threads: refused while they train (a resumed threaded run could not be
# exact); nothing is left behind
expect_prefix "trbench: error: a3c mode=threads: no checkpoints while it trains (--checkpoint-every)" \
  run --algo a3c --env cartpole --steps 800 --seed 1 --checkpoint-every 5 --out "$tmp/ck"
check "threads --checkpoint-every: no directory, no temporary" "$(! ls -d "$tmp"/ck* >/dev/null 2>&1; echo $?)"

# 7. bad input
B="run --algo a3c --env cartpole --steps 400 --seed 1 --out $tmp/bad"
expect_prefix "trbench: error: --set workers=0: workers must be an integer in [1, 256]" $B --set workers=0
expect_prefix "trbench: error: --set staleness=-1: staleness must be an integer in [0, 10000]" $B $DET --set staleness=-1
expect_prefix "trbench: error: run: a3c: staleness applies to mode=deterministic" $B --set staleness=2
expect_prefix "trbench: error: run: a3c: value_function=exact is not supported" $B --set value_function=exact
expect_prefix "trbench: error: run: a3c: normalize_obs is not supported" $B --set normalize_obs=true
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
"$T" run --algo a3c --env cartpole --steps 400 --seed 1 --set workers=$((ncpu + 1)) --quiet --out "$tmp/many" >/dev/null 2>"$tmp/err"
check "more worker threads than processors: a warning, not an error" "$(test $? -eq 0 && grep -q "^trbench: warning: a3c: workers = $((ncpu + 1)) threads on $ncpu online processors" "$tmp/err" && grep -qx 'status = ok' "$tmp/many/summary.ini"; echo $?)"
"$T" run --algo a3c --env cartpole --steps 400 --seed 1 $DET --set workers=$((ncpu + 1)) --quiet --out "$tmp/many2" >/dev/null 2>"$tmp/err"
check "... the deterministic mode runs no threads: no warning" "$(test $? -eq 0 && test ! -s "$tmp/err"; echo $?)"
check "trbench algos states the lock, not Hogwild" "$("$T" algos | grep -A1 '^a3c' | grep -q 'under one lock, not Hogwild'; echo $?)"

finish cli_a3c
