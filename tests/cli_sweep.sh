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
# less wall_seconds, steps_per_s and exact_seconds, config.ini less the command line (it names --out).
normalize() { # DIR -> one text on stdout
  for r in $(ls "$1/tiny/runs" | sort); do
    echo "== $r"
    cut -f1-11,13- "$1/tiny/runs/$r/progress.tsv"
    grep -v -e '^wall_seconds' -e '^steps_per_s' -e '^exact_seconds' "$1/tiny/runs/$r/summary.ini"
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
  case $d in *.tmp.* | *.live) ;; *) test -f "$d/summary.ini" || { echo "FAIL: $d looks complete but has no summary"; fails=$((fails + 1)); } ;; esac
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
"$T" sweep "$tmp/spec.ini" --scale 0.5 --jobs-file "$tmp/half" --results "$tmp/f" >/dev/null
check "--scale 0.5 halves the steps" "$(grep -c -- '--steps 2048 ' "$tmp/half" | grep -qx 8; echo $?)"

# the folder remembers its --scale and --seeds (sweep.ini): --resume uses them and says so; a
# new sweep at other settings on the same folder is refused (one folder, one sweep), and a
# different value with --resume is an error naming what the sweep used
check "sweep.ini records the scale" "$(grep -qx 'scale = 0.5' "$tmp/f/tiny/sweep.ini"; echo $?)"
"$T" sweep "$tmp/spec.ini" --resume --jobs-file "$tmp/half2" --results "$tmp/f" >/dev/null 2>"$tmp/err"
check "--resume without --scale: the recorded 0.5 is used (and the runs resume)" \
  "$(sed 's/ --resume / /' "$tmp/half2" | cmp -s "$tmp/half" -; echo $?)"
check "--resume without --scale: says it took --scale 0.5 from the record" \
  "$(grep -q "^trbench sweep: the sweep of tiny in $tmp/f/tiny, at its recorded --scale 0.5 --seeds all\$" "$tmp/err"; echo $?)"
"$T" sweep "$tmp/spec.ini" --jobs-file "$tmp/x" --results "$tmp/f" >/dev/null 2>"$tmp/err"
check "a new sweep (--scale 1 by default) on a folder of --scale 0.5: exit 2, one line, the remedies" \
  "$(test $? -eq 2 && test "$(wc -l <"$tmp/err")" -eq 1 &&
     grep -q "^trbench: error: $tmp/f/tiny/sweep.ini: this folder holds a sweep run with --scale 0.5 --seeds all; a new sweep at --scale 1 --seeds all would mix with its runs: give another --results" "$tmp/err"; echo $?)"
"$T" sweep "$tmp/spec.ini" --scale 0.5 --jobs-file "$tmp/half3" --results "$tmp/f" >/dev/null 2>&1
check "a new sweep at the folder's own settings redoes it" "$(cmp -s "$tmp/half" "$tmp/half3"; echo $?)"
"$T" sweep "$tmp/spec.ini" --resume --scale 1 --jobs-file "$tmp/x" --results "$tmp/f" >/dev/null 2>"$tmp/err"
check "--resume with a different --scale: exit 2 naming the sweep's" \
  "$(test $? -eq 2 && test "$(wc -l <"$tmp/err")" -eq 1 && grep -q 'this sweep was run with --scale 0.5 --seeds all' "$tmp/err"; echo $?)"
"$T" sweep "$tmp/spec.ini" --resume --seeds 1 --jobs-file "$tmp/x" --results "$tmp/f" >/dev/null 2>"$tmp/err"
check "--resume with a different --seeds: exit 2" "$(test $? -eq 2 && grep -q 'this sweep was run with' "$tmp/err"; echo $?)"
# the spec alone finds the sweep (its locator under TRBENCH_STATE_DIR): --status from here
"$T" sweep "$tmp/spec.ini" --status >"$tmp/st" 2>&1
check "--status finds the last sweep of the spec by the spec alone" \
  "$(grep -q "in $tmp/f/tiny (--scale 0.5 --seeds all)" "$tmp/st" && grep -qx 'missing	8' "$tmp/st"; echo $?)"
# a smoke sweep in one directory, then a plain sweep in another: the new one goes to that
# directory's results/ at --scale 1 (not to the remembered folder, not at 0.02), says where;
# --status and table find the spec's last sweep and say so
mkdir -p "$tmp/A" "$tmp/B"
(cd "$tmp/A" && "$T" sweep "$tmp/spec.ini" --scale 0.02 --jobs-file smoke.jobs >/dev/null 2>&1)
check "smoke sweep at 0.02 in A: results/ there" "$(grep -qx 'scale = 0.02' "$tmp/A/results/tiny/sweep.ini"; echo $?)"
(cd "$tmp/B" && "$T" sweep "$tmp/spec.ini" --status >"$tmp/st" 2>"$tmp/err")
check "--status from B finds the smoke sweep in A and says so" \
  "$(grep -q "in $tmp/A/results/tiny (--scale 0.02 --seeds all)" "$tmp/st" &&
     grep -q "^trbench sweep: the sweep of tiny in $tmp/A/results/tiny (the spec's last sweep; --results chooses another), at its recorded --scale 0.02 --seeds all\$" "$tmp/err"; echo $?)"
(cd "$tmp/B" && "$T" table "$tmp/spec.ini" >/dev/null 2>"$tmp/err")
check "table from B reads A's smoke sweep and says so" \
  "$(grep -q "^trbench table: the sweep of tiny in $tmp/A/results/tiny (the spec's last sweep; .*), at its recorded --scale 0.02 --seeds all\$" "$tmp/err"; echo $?)"
(cd "$tmp/B" && "$T" sweep "$tmp/spec.ini" --jobs-file full.jobs >"$tmp/out" 2>"$tmp/err")
check "a plain sweep in B after A's smoke sweep: exit 0 ($(cat "$tmp/err"))" $?
check "a plain sweep in B: into B's results/ at --scale 1, and it says so" \
  "$(grep -q 'runs into results/tiny at --scale 1 --seeds all' "$tmp/out" &&
     grep -qx 'scale = 1' "$tmp/B/results/tiny/sweep.ini" && test "$(grep -c -- '--steps 4096 ' "$tmp/B/full.jobs")" -eq 8 &&
     grep -q "^cd '*$tmp/B'* " "$tmp/B/full.jobs"; echo $?)"
check "A's smoke sweep is left as it was" "$(grep -qx 'scale = 0.02' "$tmp/A/results/tiny/sweep.ini"; echo $?)"
(cd "$tmp/A" && "$T" sweep "$tmp/spec.ini" --scale 1 --results "$tmp/A/full" --jobs-file full.jobs >/dev/null 2>"$tmp/err")
check "--scale 1 in A with another --results: works" "$(test $? -eq 0 && grep -qx 'scale = 1' "$tmp/A/full/tiny/sweep.ini"; echo $?)"
(cd "$tmp/B" && "$T" sweep "$tmp/spec.ini" --status --results results >"$tmp/st" 2>"$tmp/err")
check "--status with --results: that folder, nothing from memory said" \
  "$(grep -q "in results/tiny (--scale 1 --seeds all)" "$tmp/st" && test ! -s "$tmp/err"; echo $?)"
# a spec that is not the sweep's (same name, other runs)
sed 's/^seeds = 2/seeds = 3/' "$tmp/spec.ini" >"$tmp/other.ini"
"$T" sweep "$tmp/other.ini" --status --results "$tmp/f" >/dev/null 2>"$tmp/err"
check "--status with another spec of the same name: exit 2" \
  "$(test $? -eq 2 && grep -q 'this sweep was run from the spec' "$tmp/err"; echo $?)"
"$T" sweep "$tmp/spec.ini" --status --results "$tmp/nowhere" >/dev/null 2>"$tmp/err"
check "--status on a folder that is not a sweep's: exit 2" \
  "$(test $? -eq 2 && test "$(wc -l <"$tmp/err")" -eq 1 && grep -q 'no sweep here' "$tmp/err"; echo $?)"
# --status: complete / running / stale / missing, the jobs file of what remains, --clean
"$T" sweep "$tmp/spec.ini" --status --jobs-file "$tmp/left" --results "$tmp/c" >"$tmp/st" 2>&1
check "--status of a complete sweep: 8 complete, empty jobs file, exit 0" \
  "$(test $? -eq 0 && grep -qx 'complete	8' "$tmp/st" && test -f "$tmp/left" && test ! -s "$tmp/left"; echo $?)"
r1=$(ls "$tmp/c/tiny/runs" | head -n 1)
mv "$tmp/c/tiny/runs/$r1" "$tmp/c/tiny/runs/$r1.tmp.999999999"   # a dead pid: stale
rm "$tmp/c/tiny/runs/$r1.tmp.999999999/checkpoint.bin"             # killed before any checkpoint
sleep 30 & live=$!
mkdir "$tmp/c/tiny/runs/$r1.tmp.$live"                            # a live pid: running
"$T" sweep "$tmp/spec.ini" --status --jobs-file "$tmp/left" --results "$tmp/c" >"$tmp/st" 2>&1
check "--status counts running and stale" \
  "$(grep -qx 'complete	7' "$tmp/st" && grep -qx 'running	1' "$tmp/st" && grep -qx 'stale	0' "$tmp/st"; echo $?)"
check "--status: a running run is not in the jobs file" "$(test ! -s "$tmp/left"; echo $?)"
kill $live 2>/dev/null
wait $live 2>/dev/null
"$T" sweep "$tmp/spec.ini" --status --jobs-file "$tmp/left" --results "$tmp/c" >"$tmp/st" 2>&1
check "--status: stale once the process is gone, and in the jobs file" \
  "$(grep -qx 'stale	1' "$tmp/st" && test "$(wc -l <"$tmp/left")" -eq 1 && grep -q "$r1" "$tmp/left"; echo $?)"
"$T" sweep "$tmp/spec.ini" --status --clean --results "$tmp/c" >"$tmp/st" 2>&1
check "--status --clean removes the stale temporaries" \
  "$(grep -q 'removed 2 stale temporary directories' "$tmp/st" && ! ls "$tmp/c/tiny/runs" | grep -q tmp; echo $?)"
"$T" sweep "$tmp/spec.ini" --jobs-file "$tmp/one" --resume --results "$tmp/c" >"$tmp/st" 2>&1
check "jobs file of one run says '1 run command'" "$(grep -q 'wrote 1 run command to' "$tmp/st"; echo $?)"

# a variant with 150 settings over its environments (30 parameters x 5 environments, the
# parameters taken from `trbench algos`): every one reaches its run's command line
envs="cartpole acrobot mountaincar pendulum chain:5"
{
  printf '[experiment]\nname = many\nenvironments = %s\nseeds = 1\nsteps = 1000\n[variant a]\nalgo = ppo-clip\n' \
    "$(echo $envs | sed 's/ /, /g')"
  "$T" algos | sed -n '/^ppo-clip /,/^$/p' | awk 'NR > 1 && NF { print $1, $2 }' >"$tmp/params"
  for e in $envs; do
    key=$(echo "$e" | tr ':' '_')
    while read -r k v; do
      [ "$k" = learning_rate ] && [ "$e" = cartpole ] && v=0.00123
      echo "$k@$key = $v"
    done <"$tmp/params"
  done
} >"$tmp/many.ini"
np=$(wc -l <"$tmp/params")
"$T" sweep "$tmp/many.ini" --jobs-file "$tmp/many.jobs" --results "$tmp/many" >/dev/null 2>"$tmp/err"
check "a variant of $((np * 5)) settings: jobs file written ($(cat "$tmp/err"))" $?
check "a variant of $((np * 5)) settings: each run gets its $np --set" \
  "$(for e in $envs; do grep -- "--env $e " "$tmp/many.jobs" | grep -o -- '--set ' | wc -l; done | sort -u | grep -qx "$np"; echo $?)"
check "a variant of $((np * 5)) settings: cartpole's own learning_rate is on its line" \
  "$(grep -- '--env cartpole ' "$tmp/many.jobs" | grep -q -- '--set learning_rate=0.00123 '; echo $?)"

# inline comments after a value (' #' or ' ;', as inih reads ';'): the value without them
cat >"$tmp/comments.ini" <<'SPEC'
[experiment]
name = comments    # the folder's name
environments = cartpole, acrobot ; two tasks
seeds = 1  # one
steps = 4096
[variant ppo]
algo = ppo-clip    ; PPO
n_steps = 512      # per batch, all environments together
clip_range = 0.1	# a tab before the comment
SPEC
"$T" sweep "$tmp/comments.ini" --jobs-file "$tmp/comments.jobs" --results "$tmp/com" >/dev/null 2>"$tmp/err"
check "inline comments: the spec reads ($(cat "$tmp/err"))" $?
check "inline comments: values without them" \
  "$(grep -c -- '--set n_steps=512 --set clip_range=0.1 --variant ppo --out [^ ]*/comments/runs/ppo__' "$tmp/comments.jobs" | grep -qx 2; echo $?)"

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
