#!/bin/sh
# A variant out of tree through every command: the README's binary (tests/readme_trbench:
# the README's variant and its main, which registers it and hands over to exp_main) runs,
# sweeps (its children are itself), writes jobs files naming itself, and tables, plots and
# compares the variant; a variant of another ABI is one error line, exit 2.  The variant's
# name is found as the one the README's binary knows and the stock binary does not.
. "$(dirname "$0")/lib.sh"
B=$(dirname "$T")/tests/readme_trbench
X=$(dirname "$T")/tests/abi_mismatch
names() { "$1" algos | awk '/^[^ ].* — / { print $1 }' | sort; }
names "$T" >"$tmp/stock"
names "$B" >"$tmp/own"
V=$(comm -13 "$tmp/stock" "$tmp/own")
check "the README's binary knows the stock algorithms and one more" \
  "$(test "$(wc -l <"$tmp/own")" -eq $(($(wc -l <"$tmp/stock") + 1)) && test -n "$V" &&
    test -z "$(comm -23 "$tmp/stock" "$tmp/own")"; echo $?)"
check "the stock binary refuses the variant" "$("$T" run --algo "$V" --env cartpole --steps 100 \
  --seed 1 --out "$tmp/no" >/dev/null 2>&1; test $? -eq 2; echo $?)"
# any stock algorithm that runs on cartpole, as the baseline row
BASE=$("$T" algos | awk '/^[^ ].* — / && !/\[tabular/ { print $1; exit }')
cd "$tmp" || exit 99
"$B" run --algo "$V" --env cartpole --steps 400 --seed 1 --set n_steps=200 --out run1 >/dev/null 2>err
check "run: the variant trains (2 iterations)" "$(test "$(wc -l <run1/progress.tsv)" -eq 3 &&
  grep -q "^status = ok" run1/summary.ini; echo $?)"
cat >v.ini <<SPEC
[experiment]
name = var
environments = cartpole
seeds = 2
steps = 400
[variant base]
algo = $BASE
n_steps = 200
[variant mine]
algo = $V
n_steps = 200
SPEC
"$B" sweep v.ini -j 2 --results res >out 2>err
check "sweep: every run of the variant and the baseline ok" "$(test $? -eq 0 &&
  test "$(grep -l '^status = ok' res/var/runs/*/summary.ini | wc -l)" -eq 4 &&
  grep -q "^algo = $V\$" res/var/runs/mine__cartpole__s1/config.ini; echo $?)"
"$B" sweep v.ini --jobs-file jobs.txt --results res2 >/dev/null 2>&1
check "a jobs file names the README's binary on every line" "$(test "$(wc -l <jobs.txt)" -eq 4 &&
  test "$(grep -c "readme_trbench' run \|readme_trbench run " jobs.txt)" -eq 4; echo $?)"
"$B" table v.ini --results res >out 2>err
check "table: a row for the variant" "$(test $? -eq 0 && grep -q "^| mine " out; echo $?)"
"$B" plot v.ini --results res >out 2>err
check "plot: the variant's curves" "$(test $? -eq 0 && grep -q mine res/var/plots/*.dat 2>/dev/null ||
  grep -rq mine res/var/plots; echo $?)"
"$B" compare v.ini --variant mine --results res >out 2>err
check "compare: the variant against the baseline" "$(test $? -eq 0 &&
  grep -q "mine improves on base on\|mine does not improve on base\|P(mine>base)" out; echo $?)"
"$X" algos >out 2>err
check "another ABI: exit 2, one line 'trbench: error: alg_register: ... ABI'" "$(test $? -eq 2 &&
  test "$(wc -l <err)" -eq 1 && grep -q "^trbench: error: alg_register: '$V' was compiled against trbench's algorithm ABI" err &&
  test ! -s out; echo $?)"
cd / || exit 99
finish cli_variant
