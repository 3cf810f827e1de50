#!/bin/sh
# tests/cli_bc.sh — behaviour cloning, the SFT step (issue 22 item 3): a bc run is an ordinary
# run directory that --ref-policy and --init-from accept; demonstrations are its steps; the
# clone of a PPO expert on InvertedPendulum returns about what the expert does; a killed bc
# run resumes bit for bit; bad input is one line and exit 2.  (tests/test_bc checks the
# clone against truth: the exact optimal policy, the empirical frequencies, the expert's means.)
. "$(dirname "$0")/lib.sh"

# an expert: a short PPO run on InvertedPendulum; its clone by bc
"$T" run --algo ppo-clip --env inverted-pendulum --steps 8192 --seed 1 --out "$tmp/expert" --quiet >/dev/null
check "the expert run" $?
"$T" run --algo bc --env inverted-pendulum --steps 8192 --seed 1 --set n_steps=2048 \
  --set expert_deterministic=true --set bc_fit_std=false --expert "$tmp/expert" --out "$tmp/clone" --quiet >/dev/null
check "bc --expert RUN" $?
for f in config.ini progress.tsv summary.ini checkpoint.bin; do
  check "the clone's run directory has $f" "$(test -s "$tmp/clone/$f"; echo $?)"
done
check "the demonstrations are the run's steps (steps = 8192)" "$(grep -qx 'steps = 8192' "$tmp/clone/summary.ini"; echo $?)"
check "progress.tsv: a finite bc_loss on every row" \
  "$(test "$(progress_col "$tmp/clone/progress.tsv" bc_loss 4 | grep -c '^[-0-9]')" -eq 1 && \
     ! awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "bc_loss") c = i; next } $c == "nan" { bad = 1 } END { exit !bad }' "$tmp/clone/progress.tsv"; echo $?)"
check "bc_loss is nan for other algorithms" "$(test "$(progress_col "$tmp/expert/progress.tsv" bc_loss 1)" = nan; echo $?)"
# the clone's return against the expert's, deterministic, the same 10 episodes' seeds: a loose
# bound — within 30% of the expert's mean return (both are near 300 with these settings)
"$T" evaluate "$tmp/expert" --episodes 10 --deterministic --seed 5 >"$tmp/ee" 2>&1
"$T" evaluate "$tmp/clone" --episodes 10 --deterministic --seed 5 >"$tmp/ec" 2>&1
re=$(sed -n 's/.*, return \([-0-9.e+]*\) .*/\1/p' "$tmp/ee"); rc=$(sed -n 's/.*, return \([-0-9.e+]*\) .*/\1/p' "$tmp/ec")
check "the clone returns $rc, the expert $re: within 30%" \
  "$(awk -v a="$rc" -v b="$re" 'BEGIN { exit !(b > 0 && (a - b) ^ 2 <= (0.3 * b) ^ 2) }'; echo $?)"
# the default: the expert sampled, the Gaussian's mean and log-stds by maximum likelihood —
# the clone's sampled returns match the expert's sampled ones (20 episodes; within 40%)
"$T" run --algo bc --env inverted-pendulum --steps 8192 --seed 1 --set n_steps=2048 \
  --expert "$tmp/expert" --out "$tmp/mlclone" --quiet >/dev/null
check "bc, maximum likelihood" $?
"$T" evaluate "$tmp/expert" --episodes 20 --seed 5 >"$tmp/ee" 2>&1
"$T" evaluate "$tmp/mlclone" --episodes 20 --seed 5 >"$tmp/ec" 2>&1
re=$(sed -n 's/.*, return \([-0-9.e+]*\) .*/\1/p' "$tmp/ee"); rc=$(sed -n 's/.*, return \([-0-9.e+]*\) .*/\1/p' "$tmp/ec")
check "the ML clone returns $rc sampled, the expert $re: within 40%" \
  "$(awk -v a="$rc" -v b="$re" 'BEGIN { exit !(b > 0 && (a - b) ^ 2 <= (0.4 * b) ^ 2) }'; echo $?)"
# --ref-policy and --init-from accept the clone; the leashed run starts from it
"$T" run --algo ppo-clip --env inverted-pendulum --steps 2048 --seed 1 --ref-policy "$tmp/mlclone" \
  --set kl_ref_coef=0.05 --out "$tmp/leash" --quiet >/dev/null
check "ppo-clip --ref-policy CLONE" $?
"$T" run --algo ppo-clip --env inverted-pendulum --steps 2048 --seed 1 --out "$tmp/fresh" --quiet >/dev/null
a=$(progress_col "$tmp/leash/progress.tsv" return_mean 1); b=$(progress_col "$tmp/fresh/progress.tsv" return_mean 1)
check "the leashed run's first batch returns $a, a fresh start's $b: it starts from the clone" \
  "$(awk -v a="$a" -v b="$b" 'BEGIN { exit !(a > 3 * b) }'; echo $?)"
"$T" run --algo a2c --env inverted-pendulum --steps 2048 --seed 1 --set normalize_obs=true \
  --init-from "$tmp/clone" --out "$tmp/ft" --quiet >/dev/null
check "a2c --init-from CLONE" $?

# tabular: the noisy exact optimal policy as the expert; the clone's exact J near J*
"$T" run --algo bc --env frozenlake4 --steps 4096 --seed 1 --set n_steps=1024 --set learning_rate=0.05 \
  --set expert_deterministic=true --expert optimal:0 --out "$tmp/fl" --quiet >/dev/null
check "bc --expert optimal:0 on frozenlake4" $?
check "the clone's exact J is within 0.01 of the optimal J" "$(awk -F' = ' '$1 == "exact_J" { j = $2 } $1 == "optimal_J" { o = $2 }
  END { exit !(o - j < 0.01 && o - j > -1e-12) }' "$tmp/fl/summary.ini"; echo $?)"
"$T" run --algo bc --env frozenlake4 --steps 4096 --seed 1 --set n_steps=1024 --expert optimal:0.2 --out "$tmp/fl2" --quiet >/dev/null
check "bc --expert optimal:0.2 (sampled)" $?
"$T" run --algo npg --env frozenlake4 --steps 2048 --seed 1 --set n_steps=1024 --set kl_ref_coef=0.1 \
  --ref-policy "$tmp/fl2" --out "$tmp/fl3" --quiet >/dev/null
check "npg --ref-policy a tabular clone" $?

# a killed bc run resumes bit for bit (the demonstrations are in its checkpoint)
set -- --algo bc --env hopper --steps 2048 --seed 3 --set n_steps=512 --expert "$tmp/hx" --quiet
"$T" run --algo ppo-clip --env hopper --steps 1024 --seed 1 --set n_steps=512 --out "$tmp/hx" --quiet >/dev/null
"$T" run "$@" --out "$tmp/ra" >/dev/null 2>&1
(TRBENCH_TEST_KILL_AT_ITER=2 exec "$T" run "$@" --checkpoint-every 1 --out "$tmp/rb") >/dev/null 2>&1
check "bc: killed at iteration 2" "$(test $? -eq 137 && ls -d "$tmp/rb".tmp.* >/dev/null 2>&1; echo $?)"
"$T" run "$@" --checkpoint-every 1 --out "$tmp/rb" --resume >/dev/null 2>&1
check "bc: resumed" $?
check "bc: progress.tsv and summary.ini are the uninterrupted run's" "$(same_run "$tmp/ra" "$tmp/rb"; echo $?)"

# the README's pipeline (expert -> its clone -> PPO against the learned reward, leashed), its
# three commands as written but for smaller --steps and pref_labels, run in a scratch folder
awk '/^### Learned rewards and a KL leash/ { s = 1 } s && /^```sh$/ { f = 1; next } f && /^```$/ { exit } f { print }' \
  "${TR_SRCDIR:-.}/README.md" >"$tmp/pipeline.sh"
check "README: the pipeline's three commands" "$(test "$(grep -c '^trbench run' "$tmp/pipeline.sh")" -eq 3 && \
  grep -q -- '--algo bc .*--expert expert' "$tmp/pipeline.sh" && grep -q -- '--ref-policy sft' "$tmp/pipeline.sh" && \
  grep -q 'reward=learned' "$tmp/pipeline.sh"; echo $?)"
TA=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")
mkdir "$tmp/pipe"
sed -e "s|^trbench |\"$TA\" |" -e 's/--steps [0-9]*/--steps 2048 --quiet/' -e 's/pref_labels=[0-9]*/pref_labels=40/' \
  "$tmp/pipeline.sh" >"$tmp/pipeline_tiny.sh"
(cd "$tmp/pipe" && sh -e "$tmp/pipeline_tiny.sh") >/dev/null 2>"$tmp/err"
check "README: the pipeline runs ($(tail -1 "$tmp/err"))" $?
check "README: the pipeline's runs are complete (expert, sft, rlhf)" \
  "$(test -s "$tmp/pipe/expert/checkpoint.bin" && test -s "$tmp/pipe/sft/checkpoint.bin" && test -s "$tmp/pipe/rlhf/preferences.tsv"; echo $?)"
check "README: sft is a bc run, rlhf's reference is sft" \
  "$(grep -qx 'algo = bc' "$tmp/pipe/sft/config.ini" && grep -q -- '--ref-policy sft' "$tmp/pipe/rlhf/config.ini"; echo $?)"

# bad input
expect_prefix "trbench: error: run: bc needs --expert RUN" run --algo bc --env frozenlake4 --steps 100 --seed 1 --out "$tmp/x"
expect_prefix "trbench: error: --expert: ppo-clip reads no expert" run --algo ppo-clip --env frozenlake4 --steps 100 --seed 1 --expert optimal:0 --out "$tmp/x"
expect_prefix "trbench: error: --expert $tmp/nothere: " run --algo bc --env frozenlake4 --steps 100 --seed 1 --expert "$tmp/nothere" --out "$tmp/x"
expect_prefix "trbench: error: --expert $tmp/clone: a policy of inverted-pendulum, not of hopper" run --algo bc --env hopper --steps 100 --seed 1 --expert "$tmp/clone" --out "$tmp/x"
expect_prefix "trbench: error: --expert $tmp/fl: a policy of frozenlake4, not of frozenlake8" run --algo bc --env frozenlake8 --steps 100 --seed 1 --expert "$tmp/fl" --out "$tmp/x"
expect_prefix "trbench: error: --expert optimal:1.5: EPS: must be at most 1" run --algo bc --env frozenlake4 --steps 100 --seed 1 --expert optimal:1.5 --out "$tmp/x"
expect_prefix "trbench: error: --expert optimal:-0.1: EPS: must be at least 0" run --algo bc --env frozenlake4 --steps 100 --seed 1 --expert optimal:-0.1 --out "$tmp/x"
expect_prefix "trbench: error: --expert optimal:0.1: optimal:EPS: the exact optimal policy needs a tabular environment" run --algo bc --env cartpole --steps 100 --seed 1 --expert optimal:0.1 --out "$tmp/x"
expect_prefix "trbench: error: run: bc fits the expert's actions and reads no reward" run --algo bc --env frozenlake4 --steps 100 --seed 1 --expert optimal:0 --set reward=learned --out "$tmp/x"
# the clone's policy shape differs from another run's: --ref-policy refuses it
expect_prefix "trbench: error: --ref-policy $tmp/clone: " run --algo ppo-clip --env inverted-pendulum --steps 100 --seed 1 --set hidden_size=8 --ref-policy "$tmp/clone" --out "$tmp/x"
check "no run directory left by bad input" "$(test ! -e "$tmp/x"; echo $?)"
finish cli_bc
