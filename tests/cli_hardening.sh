#!/bin/sh
# Hostile input (issue 13): each case gives exit 2 and one line "trbench: error: WHERE: WHAT"
# (no sanitizer report: LeakSanitizer would turn the 2 into 1), and nothing is lost or
# clobbered: --out refuses what is not a complete run, a sweep never deletes a complete run.
. "$(dirname "$0")/lib.sh"
B=$D/bad

expect_error() { # the whole line
  want=$1
  shift
  expect_prefix "$want" "$@"
  [ "$(cat "$tmp/err")" = "$want" ] || { echo "FAIL: not exactly: $want"; fails=$((fails + 1)); }
}

# ---- sizes before memory: wrapped products and impossible sizes --------------------------
expect_prefix "trbench: error: --mdps: out of memory: needs 2305843009213693953 x " \
  verify --mdps 2305843009213693953 --claim pdl --states 2 --actions 2 --out "$tmp/D"
check "no directory after a refused verify" "$([ ! -e "$tmp/D" ]; echo $?)"
expect_error "trbench: error: --mdps: ' -1' is not a non-negative integer" verify --mdps " -1"
expect_prefix "trbench: error: --states: out of memory: needs 18446744073709551615 x " \
  verify --mdps 3 --states 18446744073709551615 --claim pdl
expect_prefix "trbench: error: --states: out of memory: needs 448000000 bytes (limit 10485760 bytes" \
  --max-memory 10M verify --mdps 3 --states 2000 --claim pdl
# a list flag given twice, then an error: nothing leaks (LeakSanitizer would make it exit 1)
expect_error "trbench: error: --mdps: must be at least 1" verify --states 2 --states 3 --actions 2 --actions 3 --gamma 0.5 --gamma 0.6 --mdps 0
expect_error "trbench: error: --max-memory: 'lots' is not a size (e.g. 512M, 8G)" verify --max-memory lots
expect_error "trbench: error: --max-memory: '1K' is less than 1M" verify --max-memory=1K

cat >"$tmp/spec.ini" <<'SPEC'
[experiment]
name = hard
environments = chain:5
seeds = 2
steps = 64
[variant a]
algo = reinforce
n_steps = 32
SPEC
expect_error "trbench: error: -j: must be at most 4096" sweep "$tmp/spec.ini" -j 1000000000000
expect_error "trbench: error: -j: ' -1' is not a non-negative integer" sweep "$tmp/spec.ini" -j " -1"
expect_error "trbench: error: --shard: ' 1/2' is not I/N" sweep "$tmp/spec.ini" --shard " 1/2"
expect_error "trbench: error: --shard: '1/-2' is not I/N" sweep "$tmp/spec.ini" --shard "1/-2"
expect_error "trbench: error: --scale: ' 0.5' is not a positive number" table "$tmp/spec.ini" --scale " 0.5"
expect_prefix "trbench: error: --scale 1e+300: 64 steps x 1e+300 is more than 2^53 steps" \
  sweep "$tmp/spec.ini" --scale 1e300 --jobs-file "$tmp/jobs"

# MDP files: the size is refused on the line that declares it, before anything is allocated
expect_error "trbench: error: $B/30-states-huge.mdp:2: 1000000000 states are too many for this reader (S·S > 134217728 dense entries)" solve --mdp "$B/30-states-huge.mdp"
expect_error "trbench: error: $B/31-states-1e10.mdp:2: 10000000000 states are too many for this reader (S·S > 134217728 dense entries)" solve --mdp "$B/31-states-1e10.mdp"
expect_prefix "trbench: error: $B/32-sas-too-large.mdp:3: 3000 states and 20 actions" solve --mdp "$B/32-sas-too-large.mdp"
printf 'discount: 0.9\nstates: 2000\nactions: 2\n' >"$tmp/mid.mdp"
expect_prefix "trbench: error: $tmp/mid.mdp:2: out of memory: needs 64000000 bytes (limit 10485760" \
  solve --mdp "$tmp/mid.mdp" --max-memory 10M
expect_error "trbench: error: /dev/zero:1: NUL byte in the file (not a text file?)" solve --mdp /dev/zero
yes 'states: a b c d e f g h' | head -c 20000000 >"$tmp/long.mdp"
expect_prefix "trbench: error: $tmp/long.mdp: out of memory: a file of more than 1048576 bytes" \
  --max-memory 16M solve --mdp "$tmp/long.mdp"
# many state names: a duplicate found exactly (the check is O(n log n), not quadratic)
awk 'BEGIN { printf "discount: 0.9\nstates:"; for (i = 0; i < 11000; i++) printf " s%d", i;
  printf " s77 s5\n" }' >"$tmp/names.mdp"
expect_error "trbench: error: $tmp/names.mdp:2: duplicate state name 's77' (state 77 and 11000)" solve --mdp "$tmp/names.mdp"

# ---- runs: sizes checked before the run allocates --------------------------------------
expect_prefix "trbench: error: n_steps=100000000: out of memory: needs " \
  run --algo ppo-clip --env cartpole --steps 200 --seed 1 --set n_steps=1e8 --out "$tmp/r0"
expect_prefix "trbench: error: garnet:100000,2,2 (one-hot observations of 100000 states): out of memory: needs 160000000000 bytes" \
  --max-memory 64G run --algo reinforce --env garnet:100000,2,2 --steps 200 --seed 1 --out "$tmp/r0"
check "no run directory after a refused run" "$([ ! -e "$tmp/r0" ]; echo $?)"

# ---- strict numbers --------------------------------------------------------------------
expect_error "trbench: error: --steps: ' -1' is not a non-negative integer" \
  run --algo reinforce --env chain:5 --steps " -1" --seed 1 --out "$tmp/r0"
expect_error "trbench: error: --seed: ' -1' is not a non-negative integer" \
  run --algo reinforce --env chain:5 --steps 64 --seed " -1" --out "$tmp/r0"
expect_error "trbench: error: --gamma: ' 0.5' is not a number" verify --gamma " 0.5"
expect_error "trbench: error: --set gamma=-0.5: gamma must be -1 (the environment's) or in [0, 0.999999]" \
  run --algo reinforce --env chain:5 --steps 64 --seed 1 --set gamma=-0.5 --out "$tmp/r0"
expect_error "trbench: error: --set learning_rate=1e-400: '1e-400' is too small (underflows to 0) (learning_rate must be a number in [0, 1])" \
  run --algo a2c --env chain:5 --steps 64 --seed 1 --set learning_rate=1e-400 --out "$tmp/r0"
"$T" run --algo a2c --env chain:5 --steps 64 --seed 1 --set n_steps=32 --set learning_rate=1e-320 \
  --out "$tmp/sub" --quiet >/dev/null 2>"$tmp/err"
check "a subnormal learning rate is a number: $(cat "$tmp/err")" $?
check "the subnormal is kept (written in the shortest %.15g-%.17g form that reads back)" "$(grep -q '^learning_rate = 9.99988867182683e-321$' "$tmp/sub/config.ini"; echo $?)"

# ---- exact values that overflow --------------------------------------------------------
expect_error "trbench: error: $B/29-value-overflow.mdp: exact evaluation overflows: V(s=0) is -nan (rewards too large for discount 0.9)" eval --mdp "$B/29-value-overflow.mdp"
expect_prefix "trbench: error: $B/29-value-overflow.mdp: exact evaluation overflows: V(s=" solve --mdp "$B/29-value-overflow.mdp"
expect_error "trbench: error: $B/policy-05-nul.txt:4: NUL byte in the file (not a text file?)" \
  eval --mdp "$D/tiny.mdp" --policy "$B/policy-05-nul.txt"

# ---- specs -----------------------------------------------------------------------------
while IFS='|' read -r f msg; do
  expect_error "trbench: error: $B/$f$msg" sweep "$B/$f" --results "$tmp/bad" --jobs-file "$tmp/jobs"
done <<'LIST'
spec-01-run-id-collision.ini|:11: [variant a_b]: its run id 'a_b' is that of [variant a b] (line 8); rename one
spec-02-long-variant-names.ini|:8: [variant aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...]: a section name must be shorter than 49 characters
spec-03-duplicate-seeds.ini|:4: seeds: 1 given twice
spec-04-duplicate-environments.ini|:3: environments: 'cartpole' given twice
spec-05-name-dotdot.ini|:2: name: '..' must be a plain identifier (letters, digits, '_', '-', '.'; not starting with '.' or '-'; at most 64 characters)
spec-06-seeds-twice.ini|:6: [experiment]: seeds given twice
spec-07-empty-environments.ini|:3: environments: empty list
spec-08-empty-seeds.ini|:4: seeds: empty list
spec-09-parameter-twice.ini|:10: [variant a]: clip_range given twice
spec-10-variant-twice.ini|:14: [variant a] given twice (first at line 8)
spec-11-long-line.ini|:6: line longer than 198 characters
spec-12-hex-number.ini|:9: [variant a]: '0x1p-3' is not a number (learning_rate must be a number in [0, 1])
spec-13-gamma-sentinel.ini|:9: [variant a]: gamma must be -1 (the environment's) or in [0, 0.999999]
spec-15-environments-twice.ini|:6: [experiment]: environments given twice
LIST
check "bad specs write nothing" "$([ ! -e "$tmp/bad" ]; echo $?)"
# a big Garnet is checked, not built, to write a jobs file; over the limit it is an error
"$T" sweep "$B/spec-14-huge-garnet.ini" --results "$tmp/big" --jobs-file "$tmp/jobs" >/dev/null 2>"$tmp/err"
check "a big garnet in a spec is not built: $(cat "$tmp/err")" $?
expect_error "trbench: error: $B/spec-14-huge-garnet.ini:3: environments: garnet:391517575,2,2: out of memory: needs 25057124800 bytes (limit 1073741824 bytes, --max-memory)" \
  sweep "$B/spec-14-huge-garnet.ini" --results "$tmp/big" --jobs-file "$tmp/jobs" --max-memory 1G

# found by fuzz_spec: a Garnet named with more than 128 characters was built, not checked
z=$(printf '%0110d' 0)
expect_error "trbench: error: $B/spec-16-long-garnet-name.ini:3: environments: garnet:${z}3033704,2,3,5: out of memory: needs 291235584 bytes (limit 104857600 bytes, --max-memory)" \
  sweep "$B/spec-16-long-garnet-name.ini" --results "$tmp/big" --jobs-file "$tmp/jobs" --max-memory 100M

# ---- --out: never clobbered, checked before training, replaced atomically ----------------
RUN="run --algo reinforce --env chain:5 --steps 64 --seed 1 --set n_steps=32 --quiet"
mkdir "$tmp/mine" && echo precious >"$tmp/mine/notes.txt"
expect_error "trbench: error: $tmp/mine: exists and is not a complete trbench run directory (nothing written; --force replaces it)" $RUN --out "$tmp/mine"
check "a user's directory is kept" "$(grep -q precious "$tmp/mine/notes.txt"; echo $?)"
echo precious >"$tmp/file"
expect_prefix "trbench: error: $tmp/file: exists and is not a complete trbench run directory" $RUN --out "$tmp/file"
check "a user's file is kept" "$(grep -q precious "$tmp/file"; echo $?)"
expect_error "trbench: error: --out '': not a name for a run directory" $RUN --out ""
expect_error "trbench: error: --out '$tmp/..': not a name for a run directory" $RUN --out "$tmp/.."
check "no temporary left behind" "$(! ls -d "$tmp"/*.tmp.* >/dev/null 2>&1; echo $?)"
"$T" $RUN --out "$tmp/r1/" >/dev/null 2>&1
check "--out D/ is D" "$([ -f "$tmp/r1/summary.ini" ]; echo $?)"
echo mark >"$tmp/r1/mark"
ino=$(ls -di "$tmp/r1" | cut -d' ' -f1)
"$T" $RUN --out "$tmp/r1" >/dev/null 2>&1
check "a complete run is replaced" "$([ ! -e "$tmp/r1/mark" ] && [ -f "$tmp/r1/summary.ini" ]; echo $?)"
check "replaced by a new directory" "$([ "$(ls -di "$tmp/r1" | cut -d' ' -f1)" != "$ino" ]; echo $?)"
check "the old run is removed" "$(! ls -d "$tmp"/r1.* >/dev/null 2>&1; echo $?)"
"$T" $RUN --out "$tmp/mine" --force >/dev/null 2>&1
check "--force replaces anything" "$([ -f "$tmp/mine/summary.ini" ] && [ ! -e "$tmp/mine/notes.txt" ]; echo $?)"

# ---- sweeps: a complete run is never deleted before its replacement is complete ----------
"$T" sweep "$tmp/spec.ini" --results "$tmp/s" >/dev/null 2>&1
check "sweep" $?
complete() { c=0; for d in "$tmp/s/hard/runs"/*; do case $d in *.tmp.*) ;; *) [ -f "$d/summary.ini" ] && c=$((c + 1)) ;; esac; done; echo $c; }
check "2 complete runs" "$([ "$(complete)" -eq 2 ]; echo $?)"
# the re-run's runs are long (same run ids, more steps), so the kill lands while one is
# in flight: the old sweep had deleted its complete directory by then
# (the same spec file, edited: a folder's sweep belongs to one spec, sweep_state.h)
cp "$tmp/spec.ini" "$tmp/short.ini"
sed 's/^steps = 64$/steps = 400000/' "$tmp/short.ini" >"$tmp/spec.ini"
"$T" sweep "$tmp/spec.ini" --results "$tmp/s" >/dev/null 2>&1 &
pid=$!
i=0 # kill the re-run while a run is in flight: the old runs are all still complete
while ! ls -d "$tmp/s/hard/runs"/*.tmp.* >/dev/null 2>&1 && [ $i -lt 400 ]; do sleep 0.01; i=$((i + 1)); done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
sleep 0.2
check "a killed re-run keeps every complete run ($(complete))" "$([ "$(complete)" -eq 2 ]; echo $?)"
cp "$tmp/short.ini" "$tmp/spec.ini"
# stale temporaries of killed runs: removed and reported by --resume
dead=$(sh -c 'echo $$')
mkdir -p "$tmp/s/hard/runs/a__chain_5__s1.tmp.$dead"
"$T" sweep "$tmp/spec.ini" --results "$tmp/s" --resume >/dev/null 2>"$tmp/err"
check "resume" $?
check "stale temporary removed" "$(! ls -d "$tmp/s/hard/runs"/*.tmp.* >/dev/null 2>&1; echo $?)"
check "and reported" "$(grep -q 'removed [0-9]* stale temporary director' "$tmp/err"; echo $?)"
# a user's directory where a run goes: left alone, the run recorded as failed
rm -rf "$tmp/s/hard/runs/a__chain_5__s2" && mkdir "$tmp/s/hard/runs/a__chain_5__s2"
echo precious >"$tmp/s/hard/runs/a__chain_5__s2/notes.txt"
"$T" sweep "$tmp/spec.ini" --results "$tmp/s" --resume >/dev/null 2>&1
check "sweep counts the refused run as failed" "$([ $? -eq 1 ]; echo $?)"
check "the user's files are kept" "$(grep -q precious "$tmp/s/hard/runs/a__chain_5__s2/notes.txt"; echo $?)"
# a full disk: the reason reaches stderr when sweep.log cannot be written
rm -f "$tmp/s/hard/sweep.log" && ln -s /dev/full "$tmp/s/hard/sweep.log"
"$T" sweep "$tmp/spec.ini" --results "$tmp/s" --resume >/dev/null 2>"$tmp/err"
check "full disk: the failed run's reason is on stderr" "$(grep -q 'sweep.log: cannot write (No space left on device): a__chain_5__s2' "$tmp/err"; echo $?)"

# --max-memory reaches the runs of a sweep: a Garnet's S x S one-hot table over the limit
sed -e 's/^environments = .*/environments = garnet:1000,2,2/' -e 's/^name = hard$/name = lim/' \
  "$tmp/spec.ini" >"$tmp/lim.ini"
"$T" sweep "$tmp/lim.ini" --results "$tmp/s" --max-memory 4M >/dev/null 2>&1
check "a run over the limit is a failed run" "$([ $? -eq 1 ]; echo $?)"
check "its log says why" "$(grep -q 'garnet:1000,2,2 (one-hot observations of 1000 states): out of memory: needs 16000000 bytes (limit 4194304 bytes' "$tmp/s/lim/logs/a__garnet_1000_2_2__s1.log"; echo $?)"

finish cli_hardening
