#!/bin/sh
# tests/cli_rlhf_sweep.sh — a sweep of learned-reward runs (issue 22): the spec's ref_policy
# (paths relative to the spec file) reaches every run's command and jobs-file line, a row's
# own and @ENV keys take precedence, and a bad reference is the spec's file:line error.
. "$(dirname "$0")/lib.sh"
M="mdp:$(cd "$D" && pwd)/tiny.mdp"
mkdir -p "$tmp/spec/refs" "$tmp/work"
"$T" run --algo npg --env "$M" --steps 1024 --seed 1 --set n_steps=512 --out "$tmp/spec/refs/tiny" --quiet >/dev/null
check "reference run" $?
"$T" run --algo npg --env chain:5 --steps 1024 --seed 1 --set n_steps=512 --out "$tmp/spec/refs/chain" --quiet >/dev/null
check "second reference run" $?
cp -r "$tmp/spec/refs/tiny" "$tmp/spec/refs/tiny2"

cat >"$tmp/spec/s.ini" <<EOI
[experiment]
name = rs
environments = $M, chain:5
seeds = 1
steps = 1024
ref_policy@chain_5 = refs/chain
ref_policy = refs/tiny

[variant a]
algo = npg
n_steps = 512

[variant b]
algo = npg
n_steps = 512
ref_policy = refs/tiny2
ref_policy@chain_5 = refs/chain
EOI
# the jobs file: the working directory is elsewhere; the paths are relative to it
(cd "$tmp/work" && "$T" sweep ../spec/s.ini --jobs-file jobs.txt >/dev/null)
check "jobs file written" $?
j=$tmp/work/jobs.txt
check "four lines" "$([ "$(wc -l <"$j")" -eq 4 ]; echo $?)"
check "a on tiny: [experiment]'s ref_policy" "$(grep -- '--variant a ' "$j" | grep -- "--env mdp:" | grep -q -- '--ref-policy ../spec/refs/tiny '; echo $?)"
check "a on chain: [experiment]'s ref_policy@ENV" "$(grep -- '--variant a ' "$j" | grep -- '--env chain:5' | grep -q -- '--ref-policy ../spec/refs/chain '; echo $?)"
check "b on tiny: the row's ref_policy" "$(grep -- '--variant b ' "$j" | grep -- "--env mdp:" | grep -q -- '--ref-policy ../spec/refs/tiny2 '; echo $?)"
check "b on chain: the row's ref_policy@ENV" "$(grep -- '--variant b ' "$j" | grep -- '--env chain:5' | grep -q -- '--ref-policy ../spec/refs/chain '; echo $?)"
# the runs themselves: each starts from its reference (config.ini keeps the command)
(cd "$tmp/work" && "$T" sweep ../spec/s.ini --results res -j 2 >/dev/null 2>&1)
check "the sweep runs" $?
check "every run's command has --ref-policy" "$(for f in "$tmp"/work/res/rs/runs/*/config.ini; do grep -q -- '--ref-policy \.\./spec/refs/' "$f" || exit 1; done; echo $?)"
# no ref_policy: no flag
sed -e '/ref_policy/d' -e 's/^name = rs/name = rn/' "$tmp/spec/s.ini" >"$tmp/spec/none.ini"
(cd "$tmp/work" && "$T" sweep ../spec/none.ini --jobs-file none.txt >/dev/null)
check "no ref_policy, no --ref-policy" "$(grep -q -- '--ref-policy' "$tmp/work/none.txt"; [ $? -eq 1 ]; echo $?)"

# bad references: file:line
bad() { # bad LINE_TO_ADD_AFTER_n_steps_OF_b WANT
  awk -v add="$1" '{ print } /^\[variant b\]/ { b = 1 } b && /^n_steps/ { print add; b = 0 }' "$tmp/spec/none.ini" >"$tmp/spec/bad.ini"
  expect_prefix "$2" sweep "$tmp/spec/bad.ini" --jobs-file "$tmp/x.txt"
}
bad "ref_policy = refs/nothing" "trbench: error: $tmp/spec/bad.ini:14: [variant b] on $M: ref_policy: $tmp/spec/refs/nothing: no saved run there"
bad "ref_policy = refs/tiny" "trbench: error: $tmp/spec/bad.ini:14: [variant b] on chain:5: ref_policy: $tmp/spec/refs/tiny holds a policy of $M, not of chain:5"
bad "ref_policy@cartpole = refs/tiny" "trbench: error: $tmp/spec/bad.ini:14: [variant b]: ref_policy@cartpole: 'cartpole' is not one of the experiment's environments"
bad "ref_policy =" "trbench: error: $tmp/spec/bad.ini:14: [variant b]: ref_policy: empty path"
printf 'ref_policy = refs/tiny\nref_policy = refs/tiny\n' >"$tmp/two"
awk -v f="$tmp/two" '{ print } /^n_steps/ && !d { while ((getline l < f) > 0) print l; d = 1 }' "$tmp/spec/none.ini" >"$tmp/spec/bad.ini"
expect_prefix "trbench: error: $tmp/spec/bad.ini:11: [variant a]: ref_policy given twice" sweep "$tmp/spec/bad.ini" --jobs-file "$tmp/x.txt"
echo "garbage" >"$tmp/spec/refs/tiny2/checkpoint.bin"
expect_prefix "trbench: error: $tmp/spec/s.ini:" sweep "$tmp/spec/s.ini" --jobs-file "$tmp/x.txt"
finish cli_rlhf_sweep
