#!/bin/sh
# tests/cli_rlhf.sh — reward = true | learned, kl_ref_coef and --ref-policy (issue 22):
# a KL-regularized NPG run converges to the exact soft optimum; the default leaves a run as
# it was; a learned-reward run labels, writes preferences.tsv and its exact columns; bad
# input is one line and exit 2.
. "$(dirname "$0")/lib.sh"
M="mdp:$D/tiny.mdp"
col() { # col FILE NAME: the column NAME of FILE's rows
  awk -F'\t' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }' "$1"
}

# the reference: a short NPG run; then NPG on r − β log(π/π_ref) from it
"$T" run --algo npg --env "$M" --steps 2048 --seed 1 --set n_steps=1024 --out "$tmp/ref" --quiet >/dev/null
check "reference run" $?
"$T" run --algo npg --env "$M" --steps 100000 --seed 1 --set n_steps=2000 --set time_limit=100 \
  --set kl_ref_coef=0.5 --set step_size=1 --set vf_learning_rate=0.05 --ref-policy "$tmp/ref" \
  --out "$tmp/kl" --quiet >/dev/null
check "kl_ref_coef run" $?
gap=$(col "$tmp/kl/progress.tsv" soft_gap | tail -1)
check "NPG with beta = 0.5 ends within 0.01 of the exact soft optimum (gap $gap)" \
  "$(awk -v g="$gap" 'BEGIN { exit !(g >= -1e-9 && g < 0.01) }'; echo $?)"
check "the gap is never negative" \
  "$(col "$tmp/kl/progress.tsv" soft_gap | awk '$1 < -1e-9 { bad = 1 } END { exit bad }'; echo $?)"
check "gold_J is exact_J; sqrt_kl_ref its root" "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  $h["gold_J"] != $h["exact_J"] || ($h["sqrt_kl_ref"] - sqrt($h["kl_ref"]))^2 > 1e-20 { bad = 1 } END { exit bad }' "$tmp/kl/progress.tsv"; echo $?)"
soft=$(col "$tmp/kl/progress.tsv" soft_opt_J | sort -u | wc -l)
check "one soft optimum for a fixed reward" "$([ "$soft" -eq 1 ]; echo $?)"

# the default is reward=true, kl_ref_coef=0: the same run, the new columns nan
for algo in ppo-clip trpo a2c; do
  "$T" run --algo $algo --env "$M" --steps 2048 --seed 2 --set n_steps=512 --out "$tmp/d_$algo" --quiet >/dev/null
  "$T" run --algo $algo --env "$M" --steps 2048 --seed 2 --set n_steps=512 --set reward=true \
    --set kl_ref_coef=0 --out "$tmp/e_$algo" --quiet >/dev/null
  check "$algo: reward=true is the default run" \
    "$(cut -f1-11,13- "$tmp/d_$algo/progress.tsv" >"$tmp/a"; cut -f1-11,13- "$tmp/e_$algo/progress.tsv" >"$tmp/b"
       cmp -s "$tmp/a" "$tmp/b"; echo $?)"
  check "$algo: the rlhf columns are nan by default" \
    "$(col "$tmp/d_$algo/progress.tsv" soft_gap | grep -qv '^nan$'; [ $? -ne 0 ]; echo $?)"
done
check "no preferences.tsv without reward=learned" "$([ ! -e "$tmp/d_a2c/preferences.tsv" ]; echo $?)"

# a learned reward (a table r(s,a) on the tabular MDP), online labels
"$T" run --algo ppo-clip --env "$M" --steps 20000 --seed 1 --set n_steps=2000 --set time_limit=100 \
  --set reward=learned --set pref_labels=100 --set pref_segment=10 --set pref_rank=3 \
  --set rm_hidden_layers=0 --set pref_schedule=online --out "$tmp/lr" --quiet >/dev/null
check "reward=learned run" $?
rows=$(($(wc -l <"$tmp/lr/preferences.tsv") - 1))
check "100 queries of 3 segments: 300 comparisons in preferences.tsv ($rows)" "$([ "$rows" -eq 300 ]; echo $?)"
check "preferences.tsv header" "$(head -1 "$tmp/lr/preferences.tsv" | grep -q '^query	iter	a	b	return_a	return_b	p_bt	label	random	source_a	source_b	steps_a	steps_b$'; echo $?)"
check "online: 25 queries before the first iteration" "$([ "$(col "$tmp/lr/progress.tsv" pref_labels | head -1)" = 75 ]; echo $?)"
check "online: all labels by the end" "$([ "$(col "$tmp/lr/progress.tsv" pref_labels | tail -1)" = 300 ]; echo $?)"
check "proxy_J differs from gold_J under a learned reward" "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  $h["proxy_J"] != $h["gold_J"] { d = 1 } END { exit !d }' "$tmp/lr/progress.tsv"; echo $?)"

# a killed reward=learned run resumes bit for bit: online labels, killed at iteration 3 while
# labels still arrive (until iteration 6 of 12), on the tabular MDP (a table r(s,a)) and on
# CartPole (an MLP ensemble on observations and actions)
for env in "$M" cartpole; do
  set -- --algo ppo-clip --env "$env" --steps 6144 --seed 2 --set n_steps=512 --set reward=learned \
    --set pref_schedule=online --set pref_labels=60 --set pref_segment=5 --set kl_ref_coef=0.05 \
    --set rm_ensemble=2 --quiet
  "$T" run "$@" --out "$tmp/ka" >/dev/null 2>&1
  (TRBENCH_TEST_KILL_AT_ITER=3 exec "$T" run "$@" --checkpoint-every 1 --out "$tmp/kb") >/dev/null 2>&1
  check "$env: the learned-reward run killed at iteration 3" "$(test $? -eq 137 && ls -d "$tmp/kb".tmp.* >/dev/null 2>&1; echo $?)"
  check "$env: labels were still due after iteration 3" "$(test "$(col "$tmp/ka/progress.tsv" pref_labels | sed -n 3p)" -lt 60; echo $?)"
  "$T" run "$@" --checkpoint-every 1 --out "$tmp/kb" --resume >/dev/null 2>&1
  check "$env: resumed" $?
  check "$env: progress.tsv and summary.ini are the uninterrupted run's" "$(same_run "$tmp/ka" "$tmp/kb"; echo $?)"
  check "$env: preferences.tsv is the uninterrupted run's" "$(cmp -s "$tmp/ka/preferences.tsv" "$tmp/kb/preferences.tsv"; echo $?)"
  rm -rf "$tmp/ka" "$tmp/kb"
done

# TRPO's vine: the rollouts' rewards are the batch's, r_phi - beta log(pi/pi_ref).  Its update
# reads only the rollouts' Q, so a vine that ignored them would move alike for any beta and
# for reward=true and learned.
V="--set sampling=vine --set vine_states=50 --set vine_length=20 --set n_steps=500 --set time_limit=100"
for b in 0 10; do
  "$T" run --algo trpo --env "$M" --steps 10000 --seed 1 $V --set kl_ref_coef=$b --ref-policy "$tmp/ref" --out "$tmp/vine$b" --quiet >/dev/null
  check "trpo vine, kl_ref_coef=$b" $?
done
k0=$(col "$tmp/vine0/progress.tsv" kl_ref | tail -1); k10=$(col "$tmp/vine10/progress.tsv" kl_ref | tail -1)
check "vine: beta = 10 keeps KL(pi || pi_ref) below a tenth of beta = 0's ($k10 vs $k0)" \
  "$(awk -v a="$k10" -v b="$k0" 'BEGIN { exit !(a < 0.1 * b) }'; echo $?)"
g=$(col "$tmp/vine10/progress.tsv" soft_gap | tail -1)
check "vine, beta = 10: ends within 0.1 of the exact soft optimum (gap $g)" \
  "$(awk -v g="$g" 'BEGIN { exit !(g >= -1e-9 && g < 0.1) }'; echo $?)"
"$T" run --algo trpo --env "$M" --steps 10000 --seed 1 $V --set reward=learned --set pref_segment=5 \
  --set rm_hidden_layers=0 --set pref_labels=300 --ref-policy "$tmp/ref" --out "$tmp/vinel" --quiet >/dev/null
check "trpo vine, reward=learned" $?
p1=$(col "$tmp/vinel/progress.tsv" proxy_J | head -1); p2=$(col "$tmp/vinel/progress.tsv" proxy_J | tail -1)
check "vine, reward=learned: the proxy J rises ($p1 -> $p2)" "$(awk -v a="$p1" -v b="$p2" 'BEGIN { exit !(b > a + 1) }'; echo $?)"
check "vine, reward=learned: another path than the true reward's" \
  "$(! cmp -s "$(col "$tmp/vinel/progress.tsv" gold_J >"$tmp/gl"; echo "$tmp/gl")" "$(col "$tmp/vine0/progress.tsv" exact_J >"$tmp/gt"; echo "$tmp/gt")"; echo $?)"

# bad input
expect_prefix "trbench: error: --set kl_ref_coef=-1: kl_ref_coef must be a number in [0," run --algo ppo-clip --env "$M" --steps 100 --seed 1 --set kl_ref_coef=-1 --out "$tmp/x"
expect_prefix "trbench: error: --set pref_segment=0: pref_segment must be an integer in [1," run --algo ppo-clip --env "$M" --steps 100 --seed 1 --set pref_segment=0 --out "$tmp/x"
expect_prefix "trbench: error: run: the labeler produces no pairs: segments of pref_segment=10 steps are longer than every episode" run --algo ppo-clip --env "$M" --steps 100 --seed 1 \
  --set n_steps=100 --set reward=learned --set time_limit=5 --set pref_segment=10 --out "$tmp/x"
expect_prefix "trbench: error: --ref-policy $tmp/ref: a policy of $M, not of cartpole" run --algo ppo-clip --env cartpole --steps 100 --seed 1 --ref-policy "$tmp/ref" --out "$tmp/x"
"$T" run --algo ppo-clip --env cartpole --steps 64 --seed 1 --set n_steps=64 --set hidden_size=8 --out "$tmp/small" --quiet >/dev/null
expect_prefix "trbench: error: --ref-policy $tmp/small" run --algo ppo-clip --env cartpole --steps 100 --seed 1 --ref-policy "$tmp/small" --out "$tmp/x"
expect_prefix "trbench: error: --ref-policy $tmp/nothing" run --algo ppo-clip --env cartpole --steps 100 --seed 1 --ref-policy "$tmp/nothing" --out "$tmp/x"
expect_prefix "trbench: error: run: value_function=exact is the exact V of the true reward" run --algo npg --env "$M" --steps 100 --seed 1 --set kl_ref_coef=0.1 --set value_function=exact --out "$tmp/x"
expect_prefix "trbench: error: --ref-policy: the run starts from the reference" run --algo npg --env "$M" --steps 100 --seed 1 --ref-policy "$tmp/ref" --init-from "$tmp/ref" --out "$tmp/x"
finish cli_rlhf
