#!/bin/sh
# trbench sweep: -j 2 and -j 1 give the same run files (timing columns aside); a sweep
# killed with SIGKILL and resumed gives the same runs; the jobs file run through GNU
# parallel gives the same runs; shards partition the runs; bad flags exit 2.
. "$(dirname "$0")/lib.sh"
cat >"$tmp/spec.ini" <<'SPEC'
[experiment]
name = tiny
environments = cartpole, garnet:8,2,3,5
seeds = 2
steps = 4096
[variant ppo]
algo = ppo-clip
n_steps = 512
batch_size = 64
n_epochs = 2
[variant trpo]
algo = trpo
n_steps = 512
vf_iters = 5
SPEC

# The run files without their timing: progress.tsv less `seconds` (column 12), summary.ini
# less wall_seconds and steps_per_s, config.ini less the command line (it names --out).
normalize() { # DIR -> one text on stdout
  for r in $(ls "$1/tiny/runs" | sort); do
    echo "== $r"
    cut -f1-11,13- "$1/tiny/runs/$r/progress.tsv"
    grep -v -e '^wall_seconds' -e '^steps_per_s' "$1/tiny/runs/$r/summary.ini"
    grep -v '^command' "$1/tiny/runs/$r/config.ini"
  done
}

"$T" sweep "$tmp/spec.ini" -j 2 --results "$tmp/a" >/dev/null 2>&1
check "sweep -j 2 exit status" $?
check "8 runs" "$(test "$(ls "$tmp/a/tiny/runs" | wc -l)" -eq 8; echo $?)"
"$T" sweep "$tmp/spec.ini" -j 1 --results "$tmp/b" >/dev/null 2>&1
check "sweep -j 1 exit status" $?
normalize "$tmp/a" >"$tmp/a.txt"
normalize "$tmp/b" >"$tmp/b.txt"
check "-j 1 and -j 2 give identical run files" "$(cmp -s "$tmp/a.txt" "$tmp/b.txt"; echo $?)"

# SIGKILL mid-way, then --resume: the same runs, nothing half-written looks complete
"$T" sweep "$tmp/spec.ini" -j 2 --results "$tmp/c" >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(ls "$tmp/c/tiny/runs" 2>/dev/null | grep -vc tmp)" -lt 2 ] && [ $i -lt 300 ]; do
  sleep 0.05
  i=$((i + 1))
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
sleep 0.2
for d in "$tmp/c/tiny/runs"/*; do
  case $d in *.tmp.*) ;; *) test -f "$d/summary.ini" || { echo "FAIL: $d looks complete but has no summary"; fails=$((fails + 1)); } ;; esac
done
"$T" sweep "$tmp/spec.ini" -j 2 --resume --results "$tmp/c" >/dev/null 2>&1
check "resume exit status" $?
rm -rf "$tmp"/c/tiny/runs/*.tmp.*
normalize "$tmp/c" >"$tmp/c.txt"
check "killed and resumed sweep gives the same runs" "$(cmp -s "$tmp/a.txt" "$tmp/c.txt"; echo $?)"
# --resume with everything complete runs nothing
"$T" sweep "$tmp/spec.ini" --resume --results "$tmp/c" 2>"$tmp/err" >/dev/null
check "resume of a complete sweep skips all" "$(grep -q '0 runs (8 complete, skipped)' "$tmp/err"; echo $?)"

# the jobs file through GNU parallel (when installed)
"$T" sweep "$tmp/spec.ini" --jobs-file "$tmp/jobs.txt" --results "$tmp/d" >/dev/null
check "jobs file written" $?
check "jobs file has 8 lines" "$(test "$(wc -l <"$tmp/jobs.txt")" -eq 8; echo $?)"
if command -v parallel >/dev/null 2>&1; then
  parallel --will-cite --jobs 2 <"$tmp/jobs.txt" >/dev/null 2>&1
  check "parallel ran the jobs" $?
  normalize "$tmp/d" | sed "s|$tmp/d|$tmp/a|g" >"$tmp/d.txt"
  check "jobs file through GNU parallel gives the same runs" "$(cmp -s "$tmp/a.txt" "$tmp/d.txt"; echo $?)"
else
  echo "note: GNU parallel not installed; jobs-file execution not checked"
fi

# shards partition the runs
"$T" sweep "$tmp/spec.ini" --shard 0/3 --jobs-file "$tmp/s0" --results "$tmp/e" >/dev/null
"$T" sweep "$tmp/spec.ini" --shard 1/3 --jobs-file "$tmp/s1" --results "$tmp/e" >/dev/null
"$T" sweep "$tmp/spec.ini" --shard 2/3 --jobs-file "$tmp/s2" --results "$tmp/e" >/dev/null
check "shards partition the runs" "$(test "$(cat "$tmp/s0" "$tmp/s1" "$tmp/s2" | sort -u | wc -l)" -eq 8 && test "$(wc -l <"$tmp/s0")" -eq 3; echo $?)"

# --scale multiplies the steps
"$T" sweep "$tmp/spec.ini" --scale 0.5 --jobs-file "$tmp/half" --results "$tmp/e" >/dev/null
check "--scale 0.5 halves the steps" "$(grep -c -- '--steps 2048 ' "$tmp/half" | grep -qx 8; echo $?)"

# bad flags: exit 2, one line
for args in "--shard 3/3" "--shard x" "-j 0" "--scale -1" "--bogus"; do
  # shellcheck disable=SC2086
  "$T" sweep "$tmp/spec.ini" $args >/dev/null 2>"$tmp/err"
  rc=$?
  check "sweep $args: exit 2 with one error line" "$(test $rc -eq 2 && test "$(wc -l <"$tmp/err")" -eq 1 && grep -q '^trbench: error: ' "$tmp/err"; echo $?)"
done
"$T" sweep "$tmp/nope.ini" >/dev/null 2>"$tmp/err"
check "missing spec: exit 2" "$(test $? -eq 2 && grep -q "^trbench: error: $tmp/nope.ini: cannot open" "$tmp/err"; echo $?)"

echo "cli_sweep: $n checks, $fails failed"
[ "$fails" -eq 0 ]
