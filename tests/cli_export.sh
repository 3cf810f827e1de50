#!/bin/sh
# trbench export: the long table and rliable's score matrix of a hand-made sweep, checked
# cell by cell, and bad input.
. "$(dirname "$0")/lib.sh"
cat >"$tmp/x.ini" <<'SPEC'
[experiment]
name = exp
environments = cartpole, acrobot
seeds = 2
steps = 1000
normalization = random_best
[variant B]
algo = ppo-clip
[variant A "q"]
algo = ppo-clip
SPEC
H="$tmp/res/exp/runs"
fake() { # fake RUN-ID SCORE [progress.tsv text]
  mkdir -p "$H/$1"
  printf '[summary]\nstatus = ok\nreason = \nreturn_last100 = %s\n' "$2" >"$H/$1/summary.ini"
  [ $# -lt 3 ] || printf "$3" >"$H/$1/progress.tsv"
}
fake B__cartpole__s1 20 'iter\tsteps\treturn_last100\n1\t500\t10\n2\t1000\t20\n'
fake B__cartpole__s2 30 'iter\tsteps\treturn_last100\n1\t500\t30\n'
fake B__acrobot__s1 -100 'iter\tsteps\treturn_last100\tstaleness\n1\t1000\t-100\t3\n'
fake "$(printf %s "A \"q\"" | tr -c "A-Za-z0-9_.-" _)__cartpole__s2" 40
A=$(ls "$H" | grep '^A' | head -1)
"$T" export "$tmp/x.ini" --results "$tmp/res" >"$tmp/out" 2>"$tmp/err"
check "export exit 0" $?
L="$tmp/res/exp/export/long.csv"
S="$tmp/res/exp/export/scores.json"
check "default paths printed" "$(grep -qxF "long table: $L" "$tmp/out" && grep -qxF "scores: $S" "$tmp/out"; echo $?)"
check "long: header is the union of the runs' columns, in order" \
  "$(head -1 "$L" | grep -qx 'variant,env,seed,run,iter,steps,return_last100,staleness'; echo $?)"
check "long: one row per run and iteration (4)" "$(test "$(wc -l <"$L")" -eq 5; echo $?)"
check "long: a row with its variant, env, seed and values" "$(grep -qx 'B,cartpole,2,B__cartpole__s2,1,500,30,' "$L"; echo $?)"
check "long: a column a run lacks is empty, one it has is kept" "$(grep -qx 'B,acrobot,1,B__acrobot__s1,1,1000,-100,3' "$L"; echo $?)"
# scores.json: (num_runs, num_tasks) per variant, a missing run null
if command -v python3 >/dev/null 2>&1; then
  python3 - "$S" >"$tmp/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "trbench-scores" and d["version"] == 1, d
assert d["tasks"] == ["cartpole", "acrobot"], d["tasks"]
assert d["raw"]["B"] == [[20, -100], [30, None]], d["raw"]["B"]
a = d["raw"]['A "q"']
assert a == [[None, None], [40, None]], a
n = d["normalized"]["B"]
# normalized = (score - random) / (best - random): best on cartpole is 40 (A's seed 2)
r = d["random"][0]
assert abs(n[0][0] - (20 - r) / (40 - r)) < 1e-12, (n, r)
print("ok")
PY
  check "scores.json: rliable's shape, raw and normalized, checked by hand ($(tail -1 "$tmp/py"))" "$(grep -qx ok "$tmp/py"; echo $?)"
fi
"$T" export "$tmp/x.ini" --results "$tmp/res" --long "$tmp/l2.csv" --scores "$tmp/s2.json" >/dev/null 2>&1
check "--long and --scores paths" "$(cmp -s "$L" "$tmp/l2.csv" && cmp -s "$S" "$tmp/s2.json"; echo $?)"
# plot's sample-efficiency curve: per row the IQM of the normalized return_last100 against
# steps; at the first grid point (500 steps) B has its two CartPole runs (10 and 30; acrobot's
# run starts at 1000): the IQM of two is their mean
if "$T" plot "$tmp/x.ini" --results "$tmp/res" >/dev/null 2>&1; then
  D="$tmp/res/exp/plots/efficiency.dat"
  r=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['random'][0])" "$S" 2>/dev/null)
  check "efficiency.dat: B at 500 steps, 2 runs, IQM = mean of (10, 30) normalized" \
    "$(awk -v r="$r" '/^# variant B$/ { b = 1; next } b && NF == 5 { want = ((10 - r) + (30 - r)) / 2 / (40 - r);
      d = $2 - want; exit !($1 == 500 && $5 == 2 && d * d < 1e-20) }' "$D"; echo $?)"
  check "efficiency.dat: at 1000 steps B has CartPole s1 and Acrobot s1" \
    "$(awk '/^# variant B$/ { b = 1; next } /^# variant/ { b = 0 } b && $1 == 1000 { f = 1; exit !($5 == 2) } END { if (!f) exit 1 }' "$D"; echo $?)"
  check "plot: efficiency.png" "$(test -s "$tmp/res/exp/plots/efficiency.png" || ! command -v gnuplot >/dev/null; echo $?)"
fi
# the table's cost section: per row and environment the mean updates, wall seconds, steps/s
printf 'iterations = 2\nwall_seconds = 1.5\nsteps_per_s = 1000\n' >>"$H/B__cartpole__s1/summary.ini"
printf 'iterations = 4\nwall_seconds = 2.5\nsteps_per_s = 3000\n' >>"$H/B__cartpole__s2/summary.ini"
"$T" table "$tmp/x.ini" --results "$tmp/res" >"$tmp/tab" 2>/dev/null
check "table: the cost of B on cartpole, the mean of its two runs" \
  "$(grep -qx '| B | cartpole | 3 | 2 | 2000 | 2 |' "$tmp/tab"; echo $?)"
check "table: no cost row for runs without timings" "$(! grep -q '^| B | acrobot | ' "$tmp/tab"; echo $?)"
expect_prefix "trbench: error: --long: a FILE is required" export "$tmp/x.ini" --long
expect_prefix "trbench: error: " export "$tmp/x.ini" --results "$tmp/res" --long "$tmp/nodir/l.csv"
check "an unwritable --long leaves no file" "$(test ! -e "$tmp/nodir"; echo $?)"
expect_prefix "trbench: error: " export "$tmp/x.ini" --results "$tmp/none"
expect_prefix "trbench: error: " export "$tmp/nosuch.ini"
finish cli_export
