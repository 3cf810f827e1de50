#!/bin/sh
# tests/cli_expert_sweep.sh — the spec keys expert and expert@ENV (issue 22 item 3, the SFT
# step in sweeps): a bc row on frozenlake4 with the noisy exact optimal policy and on
# InvertedPendulum with a saved run as its expert; optimal:EPS reaches the runs as written, a
# run directory relative to the spec file; a row's key takes precedence over [experiment]'s,
# which reaches only rows that read an expert; bad experts are the spec's file:line, exit 2.
. "$(dirname "$0")/lib.sh"
mkdir -p "$tmp/spec/refs" "$tmp/work"
# a tiny expert
"$T" run --algo ppo-clip --env inverted-pendulum --steps 1024 --seed 1 --set n_steps=512 \
  --out "$tmp/spec/refs/ip" --quiet >/dev/null
check "the expert run" $?

cat >"$tmp/spec/s.ini" <<EOI
[experiment]
name = sft
environments = frozenlake4, inverted-pendulum
seeds = 1
steps = 1024
expert@frozenlake4 = optimal:0.1

[variant bc]
algo = bc
n_steps = 512
expert@inverted-pendulum = refs/ip

[variant bc greedy]
algo = bc
n_steps = 512
expert = refs/ip
expert@frozenlake4 = optimal:0

[variant ppo]
algo = ppo-clip
n_steps = 512
EOI
(cd "$tmp/work" && "$T" sweep ../spec/s.ini --jobs-file jobs.txt >/dev/null)
check "jobs file written" $?
j=$tmp/work/jobs.txt
check "six lines" "$([ "$(wc -l <"$j")" -eq 6 ]; echo $?)"
check "bc on frozenlake4: [experiment]'s expert@ENV, optimal:EPS as written" \
  "$(grep -- '--variant bc ' "$j" | grep -- '--env frozenlake4' | grep -q -- '--expert optimal:0.1 '; echo $?)"
check "bc on inverted-pendulum: the row's expert@ENV, relative to the working directory" \
  "$(grep -- '--variant bc ' "$j" | grep -- '--env inverted-pendulum' | grep -q -- '--expert ../spec/refs/ip '; echo $?)"
check "bc greedy on frozenlake4: the row's expert@ENV before [experiment]'s" \
  "$(grep -- "--variant 'bc greedy' " "$j" | grep -- '--env frozenlake4' | grep -q -- '--expert optimal:0 '; echo $?)"
check "bc greedy on inverted-pendulum: the row's expert" \
  "$(grep -- "--variant 'bc greedy' " "$j" | grep -- '--env inverted-pendulum' | grep -q -- '--expert ../spec/refs/ip '; echo $?)"
check "ppo reads no expert: [experiment]'s does not reach it" \
  "$(grep -- '--variant ppo ' "$j" | grep -q -- '--expert'; [ $? -eq 1 ]; echo $?)"

# the runs: each bc run clones its expert (config.ini keeps the command)
(cd "$tmp/work" && "$T" sweep ../spec/s.ini --results res -j 2 >/dev/null 2>&1)
check "the sweep runs" $?
r=$tmp/work/res/sft/runs
check "six complete runs" "$([ "$(ls "$r"/*/summary.ini | wc -l)" -eq 6 ]; echo $?)"
check "bc on frozenlake4: config.ini records --expert optimal:0.1" \
  "$(grep -qx 'algo = bc' "$r"/bc__frozenlake4__s1/config.ini && grep -q -- '--expert optimal:0.1 ' "$r"/bc__frozenlake4__s1/config.ini; echo $?)"
check "bc on inverted-pendulum: config.ini records --expert ../spec/refs/ip" \
  "$(grep -q -- '--expert \.\./spec/refs/ip ' "$r"/bc__inverted-pendulum__s1/config.ini; echo $?)"
check "ppo's config.ini has no --expert" \
  "$(grep -q -- '--expert' "$r"/ppo__frozenlake4__s1/config.ini; [ $? -eq 1 ]; echo $?)"
check "the tabular clone of the noisy optimal policy has an exact J" \
  "$(grep -q '^exact_J = [0-9]' "$r"/bc__frozenlake4__s1/summary.ini; echo $?)"

# bad experts: file:line, exit 2, nothing run
base() { sed -e '/^expert/d' "$tmp/spec/s.ini" | sed -e '/^\[variant bc greedy\]/,$d'; }
base >"$tmp/spec/b0.ini" # [experiment] (lines 1-5); [variant bc] on 7, algo 8 (the row's line), n_steps 9
bad() { # bad LINE_AFTER_LINE_9 WANT
  awk -v add="$1" '{ print } NR == 9 { print add }' "$tmp/spec/b0.ini" >"$tmp/spec/bad.ini"
  expect_prefix "$2" sweep "$tmp/spec/bad.ini" --jobs-file "$tmp/x.txt"
}
expect_prefix "trbench: error: $tmp/spec/b0.ini:8: [variant bc]: bc needs an expert" sweep "$tmp/spec/b0.ini" --jobs-file "$tmp/x.txt"
bad "expert@frozenlake4 = optimal:0" "trbench: error: $tmp/spec/bad.ini:8: [variant bc] on inverted-pendulum: bc needs an expert"
bad "expert = refs/nothing" "trbench: error: $tmp/spec/bad.ini:10: [variant bc] on frozenlake4: expert: $tmp/spec/refs/nothing: no saved run there"
bad "expert = refs/ip" "trbench: error: $tmp/spec/bad.ini:10: [variant bc] on frozenlake4: expert: $tmp/spec/refs/ip holds a policy of inverted-pendulum, not of frozenlake4 (expert@ENV gives one environment its own)"
bad "expert = optimal:0.1" "trbench: error: $tmp/spec/bad.ini:10: [variant bc] on inverted-pendulum: expert: optimal:0.1: the exact optimal policy needs a tabular environment"
bad "expert@cartpole = refs/ip" "trbench: error: $tmp/spec/bad.ini:10: [variant bc]: expert@cartpole: 'cartpole' is not one of the experiment's environments"
bad "expert =" "trbench: error: $tmp/spec/bad.ini:10: [variant bc]: expert: empty path"
bad "expert = optimal:x" "trbench: error: $tmp/spec/bad.ini:10: [variant bc]: expert: optimal:x: EPS: "
printf 'expert = refs/ip\nexpert = refs/ip\n' >"$tmp/two"
awk -v f="$tmp/two" '{ print } NR == 9 { while ((getline l < f) > 0) print l }' "$tmp/spec/b0.ini" >"$tmp/spec/bad.ini"
expect_prefix "trbench: error: $tmp/spec/bad.ini:11: [variant bc]: expert given twice" sweep "$tmp/spec/bad.ini" --jobs-file "$tmp/x.txt"
# an expert on a row whose algorithm reads none: at the key's line
sed -e 's/^algo = bc$/algo = ppo-clip/' "$tmp/spec/b0.ini" >"$tmp/spec/b1.ini"
awk '{ print } NR == 9 { print "expert = refs/ip" }' "$tmp/spec/b1.ini" >"$tmp/spec/bad.ini"
expect_prefix "trbench: error: $tmp/spec/bad.ini:10: [variant bc]: expert: ppo-clip reads no expert" sweep "$tmp/spec/bad.ini" --jobs-file "$tmp/x.txt"
# the same, table: the spec is read once, the same way
expect_prefix "trbench: error: $tmp/spec/bad.ini:10: [variant bc]: expert: ppo-clip reads no expert" table "$tmp/spec/bad.ini" --results "$tmp/none"
check "bad specs wrote no jobs file and no results" "$(test ! -e "$tmp/x.txt" && test ! -e "$tmp/none"; echo $?)"
finish cli_expert_sweep
