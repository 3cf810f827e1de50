#!/bin/sh
# Checkpoints (algorithms/checkpoint.h): written by every run, read by the README's Python
# reader; run --resume after a kill is the uninterrupted run bit for bit; --init-from starts
# from a saved policy; evaluate; and every kind of bad input.
. "$(dirname "$0")/lib.sh"
# resume_case NAME KILL_AT ARGS... — a run killed after iteration KILL_AT (a checkpoint every
# iteration), resumed, against the run never interrupted
resume_case() {
  name=$1 k=$2
  shift 2
  "$T" run "$@" --quiet --out "$tmp/$name-a" >/dev/null 2>"$tmp/err"
  check "$name: the uninterrupted run" $?
  (TRBENCH_TEST_KILL_AT_ITER=$k exec "$T" run "$@" --quiet --checkpoint-every 1 --out "$tmp/$name-b") >/dev/null 2>&1
  check "$name: killed (SIGKILL) at iteration $k" "$(test $? -eq 137 && test ! -e "$tmp/$name-b" && ls -d "$tmp/$name-b".tmp.* >/dev/null 2>&1; echo $?)"
  check "$name: the killed run left its checkpoint" "$(test -s "$(ls -d "$tmp/$name-b".tmp.* | head -1)/checkpoint.bin"; echo $?)"
  "$T" run "$@" --out "$tmp/$name-b" --resume >/dev/null 2>"$tmp/err"
  check "$name: resumed, exit 0" $?
  check "$name: says where it resumed" "$(grep -q "resuming .* at iteration $k " "$tmp/err"; echo $?)"
  check "$name: no temporary left" "$(! ls -d "$tmp/$name-b".tmp.* >/dev/null 2>&1; echo $?)"
  check "$name: progress.tsv and summary.ini are the uninterrupted run's" "$(same_run "$tmp/$name-a" "$tmp/$name-b"; echo $?)"
}
resume_case ppo-hopper 2 --algo ppo-clip --env hopper --steps 2560 --seed 3 --set n_steps=512 \
  --set batch_size=128 --set normalize_obs=true --set normalize_reward=true
resume_case trpo-vine 1 --algo trpo --env cartpole --steps 1500 --seed 2 --set n_steps=500 \
  --set sampling=vine --set vine_states=10 --set vine_length=10
resume_case a2c 3 --algo a2c --env acrobot --steps 400 --seed 1
resume_case cpi 2 --algo cpi --env garnet:12,3,3,5 --steps 1500 --seed 4 --set n_steps=300

# the README's Python reader reads a checkpoint: header and blocks
R="$tmp/ppo-hopper-a"
if command -v python3 >/dev/null 2>&1; then
  awk '/^## After training/ { s = 1 } s && /^```python$/ { f = 1; next } f && /^```$/ { exit } f { print }' \
    "${TR_SRCDIR:-.}/README.md" >"$tmp/reader.py"
  check "README: a Python reader" "$(test -s "$tmp/reader.py"; echo $?)"
  printf 'h, b = read_checkpoint(%s)\nassert h["algo"] == "ppo-clip" and h["env"] == "hopper", h\nassert len(b["theta"]) == int(h["policy_parameters"]) == 5126, len(b["theta"])\nassert h["policy"] == "gaussian 11,64,64,3", h["policy"]\nprint("ok")\n' \
    "'$R/checkpoint.bin'" >>"$tmp/reader.py"
  check "README's reader: header and theta ($(python3 "$tmp/reader.py" 2>&1 | tail -1))" "$(python3 "$tmp/reader.py" 2>/dev/null | grep -qx ok; echo $?)"
fi

# a complete run is not resumed; a run without a checkpoint starts anew
"$T" run --algo ppo-clip --env hopper --steps 2560 --seed 3 --out "$R" --resume >"$tmp/out" 2>&1
check "--resume of a complete run: says so, exit 0" "$(test $? -eq 0 && grep -q 'complete already' "$tmp/out"; echo $?)"
"$T" run --algo a2c --env acrobot --steps 400 --seed 1 --quiet --resume --out "$tmp/fresh" >/dev/null 2>&1
check "--resume without a checkpoint: the run from the start" "$(same_run "$tmp/a2c-a" "$tmp/fresh"; echo $?)"

# bad input: resuming with other parameters keeps the killed run's temporary
(TRBENCH_TEST_KILL_AT_ITER=1 exec "$T" run --algo a2c --env acrobot --steps 400 --seed 1 --quiet --checkpoint-every 1 --out "$tmp/k") >/dev/null 2>&1
expect_prefix "trbench: error: " run --algo a2c --env acrobot --steps 400 --seed 1 --set ent_coef=0.5 --resume --out "$tmp/k"
check "another parameter: named" "$(grep -q 'ent_coef differs' "$tmp/err"; echo $?)"
check "another parameter: the temporary is kept" "$(ls "$tmp"/k.tmp.*/checkpoint.bin >/dev/null 2>&1; echo $?)"
check "same build: no word of another commit" "$(! grep -q 'begun by commit' "$tmp/err"; echo $?)"
# a temporary begun by another build (its config.ini's commit) that this one cannot load: the
# message names that commit and says what to do
sed -i 's/^commit = .*/commit = 0123456789ab/' "$tmp"/k.tmp.*/config.ini
expect_prefix "trbench: error: " run --algo a2c --env acrobot --steps 400 --seed 1 --set ent_coef=0.5 --resume --out "$tmp/k"
check "another build's temporary: the commit named, resume with it or remove the temporary ($(cat "$tmp/err"))" \
  "$(grep -q 'ent_coef differs.*; the run was begun by commit 0123456789ab and this build is .*: resume it with that build, or remove .*k\.tmp\.[0-9]* to start the run over$' "$tmp/err"; echo $?)"
expect_prefix "trbench: error: run: --resume continues DIR; --force replaces it" run --algo a2c --env acrobot --steps 400 --seed 1 --resume --force --out "$tmp/k"
expect_prefix "trbench: error: --checkpoint-every: must be at least 1" run --algo a2c --env acrobot --steps 400 --seed 1 --checkpoint-every 0 --out "$tmp/k2"

# evaluate: the saved policy, deterministic: the same file twice; fell on Hopper
"$T" evaluate "$R" --episodes 4 --deterministic >"$tmp/out" 2>"$tmp/err"
check "evaluate: exit 0" $?
check "evaluate: eval.tsv, 4 episodes" "$(test "$(wc -l <"$R/eval.tsv")" -eq 5 && head -1 "$R/eval.tsv" | grep -qx "$(printf 'episode\treturn\tlength\tfell')"; echo $?)"
check "evaluate: the summary line" "$(grep -q '^evaluate hopper: 4 episodes (deterministic), return .* fell [0-4] -> ' "$tmp/out"; echo $?)"
cp "$R/eval.tsv" "$tmp/e1"
"$T" evaluate "$R" --episodes 4 --deterministic >/dev/null 2>&1
check "evaluate: the same file again" "$(cmp -s "$R/eval.tsv" "$tmp/e1"; echo $?)"
check "evaluate: an untrained Hopper policy falls" "$(awk -F'\t' 'NR > 1 && $4 == 1 && $3 < 1000 { f++ } END { exit !(f >= 1) }' "$R/eval.tsv"; echo $?)"
"$T" evaluate "$R" --episodes 3 --time-limit 5 >/dev/null 2>&1
check "evaluate --time-limit 5: episodes of at most 5 steps" "$(awk -F'\t' 'NR > 1 && $3 > 5 { exit 1 }' "$R/eval.tsv"; echo $?)"
"$T" evaluate "$tmp/cpi-a" --env garnet:12,3,3,6 --episodes 2 >/dev/null 2>&1
check "evaluate --env (same spaces): eval_<env>.tsv" "$(test -s "$tmp/cpi-a/eval_garnet_12_3_3_6.tsv"; echo $?)"
expect_prefix "trbench: error: --env walker2d: observations of 17, the policy takes 11" evaluate "$R" --env walker2d
expect_prefix "trbench: error: --env cartpole: observations of 4, the policy takes 11" evaluate "$R" --env cartpole
expect_prefix "trbench: error: --env: unknown environment 'nosuch'" evaluate "$R" --env nosuch
expect_prefix "trbench: error: $tmp/nodir: not a run directory (no config.ini)" evaluate "$tmp/nodir"
mkdir -p "$tmp/old" && cp "$R/config.ini" "$R/progress.tsv" "$R/summary.ini" "$tmp/old/"
expect_prefix "trbench: error: $tmp/old: no checkpoint.bin" evaluate "$tmp/old"
expect_prefix "trbench: error: --episodes: must be at least 1" evaluate "$R" --episodes 0
# damaged checkpoints: truncated, foreign, another format version, another shape
cp -r "$R" "$tmp/trunc" && head -c 20000 "$R/checkpoint.bin" >"$tmp/trunc/checkpoint.bin"
expect_prefix "trbench: error: $tmp/trunc/checkpoint.bin: truncated checkpoint" evaluate "$tmp/trunc"
cp -r "$R" "$tmp/foreign" && echo "hello" >"$tmp/foreign/checkpoint.bin"
expect_prefix "trbench: error: $tmp/foreign/checkpoint.bin: not a trbench checkpoint" evaluate "$tmp/foreign"
cp -r "$R" "$tmp/v2" && sed '1s/trbench-checkpoint 1/trbench-checkpoint 2/' "$R/checkpoint.bin" >"$tmp/v2/checkpoint.bin"
expect_prefix "trbench: error: $tmp/v2/checkpoint.bin: checkpoint format 2; this trbench reads format 1" evaluate "$tmp/v2"
expect_prefix "trbench: error: --init-from $R: $R/checkpoint.bin: a checkpoint of policy gaussian 11,64,64,3; this run's policy is gaussian 11,32,3" \
  run --algo ppo-clip --env hopper --steps 512 --seed 1 --set n_steps=512 --set hidden_size=32 --set hidden_layers=1 --init-from "$R" --out "$tmp/shape"
expect_prefix "trbench: error: --init-from $tmp/old: $tmp/old/checkpoint.bin: no checkpoint" \
  run --algo ppo-clip --env hopper --steps 512 --seed 1 --init-from "$tmp/old" --out "$tmp/x"
check "bad --init-from: nothing written" "$(test ! -e "$tmp/shape" && test ! -e "$tmp/x"; echo $?)"

# --init-from: a tabular run starts from another's final policy (another algorithm)
"$T" run --algo ppo-clip --env garnet:12,3,3,5 --steps 600 --seed 1 --set n_steps=300 --quiet \
  --save-policies --out "$tmp/src" >/dev/null 2>&1
"$T" run --algo reinforce --env garnet:12,3,3,5 --steps 300 --seed 9 --set n_steps=300 --quiet \
  --save-policies --init-from "$tmp/src" --out "$tmp/ft" >/dev/null 2>&1
check "--init-from: exit 0" $?
check "--init-from: the start is the source's final policy, exactly" "$(cmp -s "$tmp/src/policies/pi_0002.txt" "$tmp/ft/policies/pi_0000.txt"; echo $?)"

# a sweep: every run checkpoints; runs killed mid-way are listed as resumable with their
# latest row and continue with sweep --resume, ending as the sweep never interrupted
cat >"$tmp/s.ini" <<'SPEC'
[experiment]
name = ck
environments = cartpole, garnet:10,2,3,1
seeds = 2
steps = 1200
[variant p]
algo = ppo-clip
n_steps = 300
batch_size = 100
SPEC
"$T" sweep "$tmp/s.ini" --results "$tmp/full" -j 2 >/dev/null 2>&1
check "sweep: exit 0" $?
check "sweep: config.ini names the variant" "$(grep -qx 'variant = p' "$tmp/full/ck/runs/p__cartpole__s1/config.ini"; echo $?)"
check "sweep: every run has its checkpoint" "$(test "$(ls "$tmp"/full/ck/runs/*/checkpoint.bin | wc -l)" -eq 4; echo $?)"
(TRBENCH_TEST_KILL_AT_ITER=2 exec "$T" sweep "$tmp/s.ini" --results "$tmp/cut" -j 2 --checkpoint-every 1) >/dev/null 2>&1
"$T" sweep "$tmp/s.ini" --results "$tmp/cut" --status --clean >"$tmp/st" 2>&1
check "status: four killed runs, resumable at iteration 2 ($(grep -c resumable "$tmp/st"))" "$(test "$(grep -c "^resumable	p__.*	iter 2	steps 600	return_last100 " "$tmp/st")" -eq 4; echo $?)"
check "status: the stable path of a run's progress" "$(grep -q "runs/p__cartpole__s1.live/progress.tsv" "$tmp/st" && test -s "$tmp/cut/ck/runs/p__cartpole__s1.live/progress.tsv"; echo $?)"
check "status --clean keeps the resumable temporaries" "$(test "$(ls -d "$tmp"/cut/ck/runs/*.tmp.* | wc -l)" -eq 4; echo $?)"
"$T" sweep "$tmp/s.ini" --results "$tmp/cut" --status --jobs-file "$tmp/left.txt" >/dev/null 2>&1
check "status --jobs-file: what remains resumes" "$(test "$(grep -c -- ' --resume ' "$tmp/left.txt")" -eq 4; echo $?)"
"$T" sweep "$tmp/s.ini" --results "$tmp/cut" -j 2 --resume >/dev/null 2>&1
check "sweep --resume: exit 0" $?
for r in p__cartpole__s1 p__cartpole__s2 p__garnet_10_2_3_1__s1 p__garnet_10_2_3_1__s2; do
  check "sweep --resume: $r is the uninterrupted run" "$(same_run "$tmp/full/ck/runs/$r" "$tmp/cut/ck/runs/$r"; echo $?)"
done
check "sweep --resume: no temporary or live link left" "$(! ls -d "$tmp"/cut/ck/runs/*.tmp.* "$tmp"/cut/ck/runs/*.live >/dev/null 2>&1; echo $?)"

# a spec that evaluates every finished run (evaluate, evaluate_environments): the runs hold
# their eval files, and the table's Evaluation section shows them
cat >"$tmp/ev.ini" <<'SPEC'
[experiment]
name = ev
environments = garnet:10,2,3,1
seeds = 2
steps = 600
evaluate = 3   # episodes
score = exact_J
evaluate_environments = garnet:10,2,3,1, garnet:10,2,3,2
[variant p]
algo = ppo-clip
n_steps = 300
batch_size = 100
SPEC
"$T" sweep "$tmp/ev.ini" --results "$tmp/ev" >/dev/null 2>"$tmp/err"
check "evaluate in a spec: the sweep ($(tail -1 "$tmp/err"))" $?
E1="$tmp/ev/ev/runs/p__garnet_10_2_3_1__s1"
check "evaluate in a spec: eval.tsv and eval_<other>.tsv, 3 episodes each" \
  "$(test "$(wc -l <"$E1/eval.tsv")" -eq 4 && test "$(wc -l <"$E1/eval_garnet_10_2_3_2.tsv")" -eq 4; echo $?)"
"$T" table "$tmp/ev.ini" --results "$tmp/ev" >"$tmp/tab" 2>&1
check "table: the Evaluation section, both environments" \
  "$(grep -q '^Evaluation: each finished run.s saved policy on 3 fresh episodes, mean action' "$tmp/tab" &&
     grep -q '^| p | garnet:10,2,3,1 | [-0-9.]* ± [0-9.]* | [-0-9.]* ± [0-9.]* |$' "$tmp/tab"; echo $?)"
m=$(awk -F'\t' 'NR > 1 { s += $2; n++ } END { printf "%.4g", s / n }' "$E1/eval.tsv")
check "evaluate in a spec: the run's eval.tsv is what trbench evaluate writes" \
  "$(cp "$E1/eval.tsv" "$tmp/ev1" && "$T" evaluate "$E1" --episodes 3 --seed 1 --deterministic >/dev/null 2>&1 && cmp -s "$E1/eval.tsv" "$tmp/ev1"; echo $?)"
sed 's/^evaluate_environments = .*/evaluate_environments = cartpole/' "$tmp/ev.ini" >"$tmp/ev2.ini"
expect_prefix "trbench: error: $tmp/ev2.ini: evaluate_environments: cartpole has other observation or action spaces than garnet:10,2,3,1" sweep "$tmp/ev2.ini" --results "$tmp/ev2"
sed 's/^evaluate = .*/evaluate = lots/' "$tmp/ev.ini" >"$tmp/ev3.ini"
expect_prefix "trbench: error: $tmp/ev3.ini:6: evaluate: 'lots' is not a number of episodes" sweep "$tmp/ev3.ini" --results "$tmp/ev3"
expect_prefix "trbench: error: --evaluate-env: --env walker2d: observations of 17" run --algo ppo-clip --env hopper --steps 512 --seed 1 --evaluate 2 --evaluate-env walker2d --out "$tmp/evbad"
check "a bad --evaluate-env: refused before training, nothing written" "$(test ! -e "$tmp/evbad"; echo $?)"
finish cli_checkpoint
