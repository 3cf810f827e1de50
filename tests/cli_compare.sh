#!/bin/sh
# trbench compare: a hand-made sweep whose numbers are worked out by hand, and bad input.
#   cartpole: A = {10, 12, 14}, B = {8, 9, 13}: means 12 and 10, A − B = 2; variances 4 and 7,
#     Welch t = 2/√(4/3 + 7/3) = 1.0445; P(A>B): 10 beats 8, 9; 12 beats 8, 9; 14 beats all
#     three: 7/9.
#   acrobot: A only: not a common task.
#   pendulum: A = {5, 5}, B = {5, 7}: A − B = −1; P(A>B) = (½ + 0 + ½ + 0)/4 = 1/4.
#   Over the 2 common tasks: P(A>B) = (7/9 + 1/4)/2 = 37/72 = 0.51; A improves on 1 of 2.
. "$(dirname "$0")/lib.sh"
cat >"$tmp/c.ini" <<'SPEC'
[experiment]
name = cmp
environments = cartpole, acrobot, pendulum
seeds = 3
steps = 1000
[variant B]
algo = ppo-clip
[variant A]
algo = ppo-clip
[variant C]
algo = ppo-clip
SPEC
H="$tmp/res/cmp/runs"
fake() { # fake RUN-ID SCORE
  mkdir -p "$H/$1"
  printf '[summary]\nstatus = ok\nreason = \nreturn_last100 = %s\n' "$2" >"$H/$1/summary.ini"
}
fake A__cartpole__s1 10; fake A__cartpole__s2 12; fake A__cartpole__s3 14
fake B__cartpole__s1 8; fake B__cartpole__s2 9; fake B__cartpole__s3 13
fake A__acrobot__s1 -80
fake A__pendulum__s1 5; fake A__pendulum__s2 5
fake B__pendulum__s1 5; fake B__pendulum__s2 7
fake C__acrobot__s1 -70

"$T" compare "$tmp/c.ini" --variant A --results "$tmp/res" >"$tmp/out" 2>"$tmp/err"
check "compare exit 0" $?
check "the sentence" "$(grep -qF 'A improves on B on 1 of 2 tasks (' "$tmp/out" && grep -qF 'P(A>B) = 0.51 [' "$tmp/out"; echo $?)"
T2="$tmp/res/cmp/compare/A_vs_B.tsv"
check "TSV written" "$(test -s "$T2"; echo $?)"
check "cartpole: means 12 and 10, diff 2, P = 7/9, Welch t 1.0445" "$(awk -F'\t' '$1 == "cartpole" {
  ok = $2 == 3 && $3 == 3 && $4 == 12 && $5 == 10 && $6 == 2
  ok = ok && ($9 - 1.0444659357341871)^2 < 1e-24 && ($12 - 7/9)^2 < 1e-28
  f = 1; exit !ok } END { if (!f) exit 1 }' "$T2"; echo $?)"
check "pendulum: diff -1, P = 1/4" "$(awk -F'\t' '$1 == "pendulum" { f = 1; exit !($6 == -1 && $12 == 0.25) } END { if (!f) exit 1 }' "$T2"; echo $?)"
check "acrobot is not a common task" "$(! grep -q '^acrobot' "$T2"; echo $?)"
check "all: P(A>B) = 37/72" "$(awk -F'\t' '$1 == "all" { f = 1; exit !(($12 - 37/72)^2 < 1e-28) } END { if (!f) exit 1 }' "$T2"; echo $?)"
check "the interval holds the point" "$(awk -F'\t' '$1 == "all" { exit !($13 <= $12 && $12 <= $14) }' "$T2"; echo $?)"
"$T" compare "$tmp/c.ini" --variant A --results "$tmp/res" >"$tmp/out2" 2>&1
check "seeded: the same output twice (but for the date)" \
  "$(grep -v '^- date: ' "$tmp/out" >"$tmp/o1"; grep -v '^- date: ' "$tmp/out2" >"$tmp/o2"; cmp -s "$tmp/o1" "$tmp/o2"; echo $?)"
M2="$tmp/res/cmp/compare/A_vs_B.md"
check "markdown written, as printed" "$(cmp -s "$M2" "$tmp/out2"; echo $?)"
check "provenance: the command as typed, commit, machine, date" \
  "$(grep -qxF -- "- command: \`trbench compare $tmp/c.ini --variant A --results $tmp/res\`" "$M2" &&
     grep -q '^- trbench [^,]*, commit ' "$M2" && grep -q '^- machine: ' "$M2" && grep -q '^- date: 20' "$M2"; echo $?)"

# bad input: one line, exit 2
expect2() { # WHAT PATTERN ARGS...
  w=$1 p=$2
  shift 2
  "$T" compare "$tmp/c.ini" "$@" --results "$tmp/res" >/dev/null 2>"$tmp/err"
  rc=$?
  check "$w: exit 2, one line" "$(test $rc -eq 2 && test "$(wc -l <"$tmp/err")" -eq 1 && grep -q "^trbench: error: .*$p" "$tmp/err"; echo $?)"
}
expect2 "unknown variant" "no variant 'Z'" --variant Z
expect2 "unknown B" "no variant 'Y'" --variant A --variant Y
expect2 "no common task" "no task in common" --variant C
expect2 "A = B" "the same variant" --variant B
expect2 "no --variant" "--variant A is required"
expect2 "three variants" "more than twice" --variant A --variant B --variant C
"$T" compare "$tmp/c.ini" --variant A --results "$tmp/none" >/dev/null 2>"$tmp/err"
check "no runs: exit 2 naming the folder" "$(test $? -eq 2 && grep -q "$tmp/none/cmp/runs: no run" "$tmp/err"; echo $?)"
finish cli_compare
