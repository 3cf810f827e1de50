#!/bin/sh
# Bad input to the trbench command: exit status 2 and exactly one line
# "trbench: error: WHERE: WHAT" on stderr, for each kind of mistake.
. "$(dirname "$0")/lib.sh"

# expect_error "expected stderr line" args...
expect_error() {
  want=$1
  shift
  n=$((n + 1))
  "$T" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  got=$(cat "$tmp/err")
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne 2 ] || [ "$got" != "$want" ] || [ "$lines" -ne 1 ]; then
    echo "FAIL: trbench $*"
    echo "  exit $rc (want 2), $lines line(s) on stderr"
    echo "  got:  $got"
    echo "  want: $want"
    fails=$((fails + 1))
  fi
}


expect_error "trbench: error: unknown command 'frobnicate' (known: verify, certify, eval, solve, envs, rollout, algos, run, evaluate, render, sweep, table, plot, export, compare, bench, demo)" frobnicate
# `trbench help COMMAND` is `trbench COMMAND --help` for every command `trbench help` lists
"$T" help >"$tmp/global"
cmds=$(sed -n '/^commands:/,/^$/p' "$tmp/global" | awk 'NR > 1 && NF { print $1 }' | grep -vx help)
check "trbench help lists commands" "$(test -n "$cmds"; echo $?)"
for c in $cmds; do
  "$T" help "$c" >"$tmp/h1" 2>&1
  rc=$?
  "$T" "$c" --help >"$tmp/h2" 2>&1
  check "help $c: exit 0, $c's own help (not the global one)" \
    "$(test $rc -eq 0 && cmp -s "$tmp/h1" "$tmp/h2" && ! cmp -s "$tmp/h1" "$tmp/global" &&
       grep -q "^usage: trbench $c" "$tmp/h1"; echo $?)"
done
expect_error "trbench: error: help: unknown command 'frobnicate' (trbench help lists them)" help frobnicate
expect_error "trbench: error: help: unexpected argument 'extra'" help run extra
expect_error "trbench: error: --mdps: 'abc' is not a non-negative integer" verify --mdps abc
expect_error "trbench: error: --mdps: must be at least 1" verify --mdps 0
expect_error "trbench: error: --seed: '-4' is not a non-negative integer" verify --seed -4
expect_error "trbench: error: --gamma: 1.5 is outside [0, 1)" verify --gamma 0.9,1.5
expect_error "trbench: error: --gamma: 'x' is not a number" verify --gamma x
expect_error "trbench: error: --states: sizes must be at least 1" verify --states 3,0
expect_error "trbench: error: --claim: unknown claim 'nope' (trbench verify --list shows them)" verify --claim nope
expect_error "trbench: error: verify: unknown or incomplete option '--bogus' (trbench verify --help)" verify --bogus
expect_error "trbench: error: verify: unexpected argument 'extra'" verify extra
expect_error "trbench: error: eval: --mdp FILE is required" eval
expect_error "trbench: error: solve: --mdp FILE is required" solve
expect_error "trbench: error: bench: unknown benchmark 'nope' (known: exact, envs, algos)" bench nope
expect_prefix "trbench: error: $tmp/none.mdp: " eval --mdp "$tmp/none.mdp"
expect_prefix "trbench: error: $D/kakade.mdp:5: " eval --mdp "$D/kakade.mdp" --policy "$D/kakade.mdp"
for f in "$D"/bad/policy-*.txt; do
  expect_prefix "trbench: error: $f:" eval --mdp "$D/tiny.mdp" --policy "$f"
done
# environments: an unknown name lists the known ones; bad rollout flags
expect_prefix "trbench: error: unknown environment 'nope' (known: cartpole, acrobot, " rollout --env nope --episodes 2
expect_prefix "trbench: error: --episodes: " rollout --env cartpole --episodes x
expect_prefix "trbench: error: " rollout --env cartpole --policy sideways --episodes 2
expect_prefix "trbench: error: " rollout --env "garnet:5,x,2" --episodes 2
expect_error "trbench: error: bench: unknown benchmark 'frob' (known: exact, envs, algos)" bench frob
expect_error "trbench: error: bench algos: unexpected argument 'extra'" bench algos --quick extra
expect_error "trbench: error: bench exact: unexpected argument 'extra'" bench exact extra
for f in "$D"/bad/*.mdp; do
  expect_prefix "trbench: error: $f:" solve --mdp "$f"
done

# nothing may be left behind that looks complete: a failed verify --out writes no verify.tsv
"$T" verify --mdps abc --out "$tmp/v" >/dev/null 2>&1
n=$((n + 1))
if [ -e "$tmp/v/verify.tsv" ]; then
  echo "FAIL: verify.tsv written after bad input"
  fails=$((fails + 1))
fi

echo "cli_errors: $n checks, $fails failed"
[ "$fails" -eq 0 ]
