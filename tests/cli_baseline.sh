#!/bin/sh
# tests/cli_baseline.sh — `baseline = ROW` in a spec (issue 22 item 5): `trbench table` gives
# each row's mean score divided by the baseline row's per environment, with a bootstrap
# interval over seeds, in table.md and table.csv.  Hand-made runs whose answers are worked
# out by hand:
#   cartpole: baseline 100, 200 (mean 150); b 75, 150 (mean 112.5): ratio 0.75; the resampled
#     means are 100, 150, 200 and 75, 112.5, 150, each extreme with probability 1/4, so the
#     smallest ratio 75/200 = 0.375 and the largest 150/100 = 1.5 each have probability 1/16
#     > 2.5%: the percentile interval is [0.375, 1.5] exactly.  c 300, 300: 2 [1.5, 3].
#   acrobot: baseline 40, 40; b 30, 30: 0.75 [0.75, 0.75]; c one seed, 20: 0.5, no interval.
. "$(dirname "$0")/lib.sh"
cat >"$tmp/b.ini" <<EOI
[experiment]
name = bl
environments = cartpole, acrobot
seeds = 2
steps = 64
baseline = base line
normalization = none

[variant base line]
algo = ppo-clip
n_steps = 64
batch_size = 64

[variant b]
algo = ppo-clip
n_steps = 64
batch_size = 64

[variant c]
algo = ppo-clip
n_steps = 64
batch_size = 64
EOI
"$T" sweep "$tmp/b.ini" --results "$tmp/r" >/dev/null 2>&1
check "the sweep" $?
runs=$tmp/r/bl/runs
score() { sed -i "s/^return_last100 = .*/return_last100 = $4/" "$runs/$1__$2__s$3/summary.ini"; }
score base_line cartpole 1 100; score base_line cartpole 2 200
score b cartpole 1 75; score b cartpole 2 150
score c cartpole 1 300; score c cartpole 2 300
score base_line acrobot 1 40; score base_line acrobot 2 40
score b acrobot 1 30; score b acrobot 2 30
score c acrobot 1 20; rm -r "$runs/c__acrobot__s2"
"$T" table "$tmp/b.ini" --results "$tmp/r" >"$tmp/out" 2>/dev/null
check "table" $?
md=$tmp/r/bl/table.md
check "the section is in table.md and on stdout" \
  "$(grep -q '^Ratio to the baseline row `base line`' "$md" && grep -q '^Ratio to the baseline row' "$tmp/out"; echo $?)"
check "its header names each environment" \
  "$(grep -q '^| variant | cartpole ratio \[95% CI\] | acrobot ratio \[95% CI\] |$' "$md"; echo $?)"
check "the baseline's own row is 1" \
  "$(grep -q '^| base line | 1 (baseline) | 1 (baseline) |$' "$md"; echo $?)"
check "b: 0.75 [0.375, 1.5] and 0.75 [0.75, 0.75]" \
  "$(grep -q '^| b | 0.75 \[0.375, 1.5\] | 0.75 \[0.75, 0.75\] |$' "$md"; echo $?)"
check "c: 2 [1.5, 3] and 0.5 without an interval (one seed)" \
  "$(grep -q '^| c | 2 \[1.5, 3\] | 0.5 (no interval: < 2 seeds) |$' "$md"; echo $?)"
csv=$tmp/r/bl/table.csv
col() { # col VARIANT NAME — the field of table.csv's column NAME on VARIANT's row
  awk -F, -v v="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
    $1 == v { print $(k[c]) }' "$csv"
}
check "table.csv: the ratio columns after the others" \
  "$(head -1 "$csv" | grep -q ',cartpole_ratio,cartpole_ratio_lo,cartpole_ratio_hi,acrobot_ratio,acrobot_ratio_lo,acrobot_ratio_hi$'; echo $?)"
check "table.csv: b's ratios" \
  "$([ "$(col b cartpole_ratio) $(col b cartpole_ratio_lo) $(col b cartpole_ratio_hi) $(col b acrobot_ratio) $(col b acrobot_ratio_lo)" = "0.75 0.375 1.5 0.75 0.75" ]; echo $?)"
check "table.csv: c's, with empty fields for no interval" \
  "$([ "$(col c cartpole_ratio) $(col c cartpole_ratio_hi) $(col c acrobot_ratio) [$(col c acrobot_ratio_lo)]" = "2 3 0.5 []" ]; echo $?)"
check "table.csv: the baseline's ratio is 1" "$([ "$(col 'base line' acrobot_ratio)" = 1 ]; echo $?)"

# a baseline whose mean is 0: n/a, said why
score base_line acrobot 1 0; score base_line acrobot 2 0
"$T" table "$tmp/b.ini" --results "$tmp/r" >/dev/null 2>&1
check "a zero baseline mean: n/a" "$(grep -q '^| b | 0.75 \[0.375, 1.5\] | n/a (baseline mean 0) |$' "$md"; echo $?)"

check "and the baseline's own row says why" "$(grep -q '^| base line | 1 (baseline) | n/a (baseline mean 0) |$' "$md"; echo $?)"

# without baseline (the same spec, the key taken out): no section, no ratio columns
sed -i '/^baseline/d' "$tmp/b.ini"
"$T" table "$tmp/b.ini" --results "$tmp/r" >/dev/null 2>&1
check "table without baseline" $?
check "without baseline: no section" "$(! grep -q 'Ratio to the baseline' "$md"; echo $?)"
check "without baseline: no ratio columns" "$(! grep -q '_ratio' "$tmp/r/bl/table.csv"; echo $?)"

# the help says so
check "trbench help table documents baseline" "$("$T" help table | grep -q 'baseline = ROW'; echo $?)"
finish cli_baseline
