#!/bin/sh
# trbench verify --search and trbench certify end to end: the search finds course.c1's
# counterexample at S=2, A=2, gamma=0.3 and certifies it; certify re-checks the saved
# instance and agrees; the size flags reach the search; bad input to certify is one line
# and exit 2.  Budgets are small (a few seconds in all).
. "$(dirname "$0")/lib.sh"

col() { # col FILE CLAIM COLUMN-NAME: the claim's value in that column of a verify.tsv
  awk -F '\t' -v c="$2" -v h="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == h) k = i }
    NR > 1 && $1 == c { print $k }' "$1"
}

# 1. C1 at S=2 A=2 gamma=0.3: violated by the search, certified; the exit status stays 0
#    (a course statement).  The default budget (32 restarts x 2000 iterations) takes < 1 s here.
"$T" verify --claim course.c1 --search --states 2 --actions 2 --gamma 0.3 --seed 5 --mdps 200 \
  --out "$tmp/c1" >"$tmp/c1.out" 2>"$tmp/c1.err"
check "verify --search course.c1 exits 0" $?
check "course.c1 verdict violated" "$(test "$(col "$tmp/c1/verify.tsv" course.c1 verdict)" = violated; echo $?)"
check "course.c1 certified yes" "$(test "$(col "$tmp/c1/verify.tsv" course.c1 certified)" = yes; echo $?)"
t=$(col "$tmp/c1/verify.tsv" course.c1 search_max_tightness)
check "course.c1 search tightness > 1 (got $t)" "$(awk -v t="$t" 'BEGIN { exit !(t > 1) }'; echo $?)"
check "verify.tsv has 11 columns" "$(head -1 "$tmp/c1/verify.tsv" | awk -F '\t' '{ exit NF != 11 }'; echo $?)"
check "search instance has S=2" "$(grep -qx 'states: 2' "$tmp/c1/search/course.c1.mdp"; echo $?)"
check "search instance has gamma=0.3" "$(grep -q '^discount: 0.299999' "$tmp/c1/search/course.c1.mdp"; echo $?)"
check "counterexample saved" "$(test -s "$tmp/c1/counterexamples/course.c1.alpha"; echo $?)"

# 2. certify on the saved counterexample reproduces the float verdict, with radii
ce=$tmp/c1/counterexamples/course.c1
"$T" certify --claim course.c1 --mdp "$ce.mdp" --policy "$ce.pi" --policy2 "$ce.pi2" \
  --alpha "$(cat "$ce.alpha")" >"$tmp/cert" 2>&1
check "certify exits 0" $?
check "certify: violated" "$(grep -qx "$(printf 'verdict\tviolated')" "$tmp/cert"; echo $?)"
check "certify prints both sides as balls" "$(grep -c '^lhs	\[.*+/-' "$tmp/cert" | grep -qx 1 && grep -c '^rhs	\[.*+/-' "$tmp/cert" | grep -qx 1; echo $?)"
# the same instance under Theorem 1's constant 4 (trpo.tv) holds, certified
"$T" certify --claim trpo.tv --mdp "$ce.mdp" --policy "$ce.pi" --policy2 "$ce.pi2" >"$tmp/cert2" 2>&1
check "certify trpo.tv on it: holds" "$(grep -qx "$(printf 'verdict\tholds')" "$tmp/cert2"; echo $?)"

# 3. the size flags reach the search: the instance written has the S, A, gamma asked for
"$T" verify --claim trpo.tv --search --states 3 --actions 4 --gamma 0.7 --mdps 50 \
  --restarts 1 --iterations 50 --out "$tmp/sz" >/dev/null 2>&1
check "verify --states 3 exits 0" $?
check "search instance has S=3" "$(grep -qx 'states: 3' "$tmp/sz/search/trpo.tv.mdp"; echo $?)"
check "search instance has A=4" "$(grep -qx 'actions: 4' "$tmp/sz/search/trpo.tv.mdp"; echo $?)"
check "search instance has gamma=0.7" "$(grep -q '^discount: 0.69999' "$tmp/sz/search/trpo.tv.mdp"; echo $?)"
check "search.tsv names S=3 A=4" "$(awk -F '\t' '$1 == "trpo.tv" && $7 == 3 && $8 == 4 { f = 1 } END { exit !f }' "$tmp/sz/search.tsv"; echo $?)"

# 4. --search without --claim searches every inequality
"$T" verify --search --states 2 --actions 2 --gamma 0.9 --mdps 50 --restarts 1 --iterations 20 \
  --out "$tmp/all" >/dev/null 2>&1
check "verify --search (all) exits 0" $?
check "every searched inequality saved" "$(test "$(ls "$tmp/all/search/"*.mdp | wc -l)" -ge 17; echo $?)"
check "identities not searched" "$(test "$(col "$tmp/all/verify.tsv" pdl search_instances)" = -; echo $?)"

# 5. bad input to certify: exit 2 and one line
expect_prefix "trbench: error: certify: --claim is required" certify --mdp "$ce.mdp"
expect_prefix "trbench: error: --claim: unknown claim 'nope'" certify --claim nope --mdp "$ce.mdp" --policy "$ce.pi" --policy2 "$ce.pi2"
expect_prefix "trbench: error: --claim: pinsker needs no MDP" certify --claim pinsker --mdp "$ce.mdp" --policy "$ce.pi" --policy2 "$ce.pi2"
expect_prefix "trbench: error: --claim: certify does not evaluate npg.rate" certify --claim npg.rate --mdp "$ce.mdp" --policy "$ce.pi" --policy2 "$ce.pi2"
expect_prefix "trbench: error: certify: --mdp, --policy and --policy2 are required" certify --claim course.c1 --mdp "$ce.mdp" --policy "$ce.pi"
expect_prefix "trbench: error: " certify --claim course.c1 --mdp "$tmp/missing.mdp" --policy "$ce.pi" --policy2 "$ce.pi2"
expect_prefix "trbench: error: " certify --claim course.c1 --mdp "$ce.mdp" --policy "$tmp/missing.pi" --policy2 "$ce.pi2"
# a policy of another size (S=3 A=4) for the S=2 A=2 MDP
expect_prefix "trbench: error: " certify --claim course.c1 --mdp "$ce.mdp" --policy "$tmp/sz/search/trpo.tv.pi" --policy2 "$ce.pi2"
expect_prefix "trbench: error: --alpha: 1.5 is outside [0, 1]" certify --claim cpi.kl --mdp "$ce.mdp" --policy "$ce.pi" --policy2 "$ce.pi2" --alpha 1.5
expect_prefix "trbench: error: --alpha: 'x' is not a number" certify --claim cpi.kl --mdp "$ce.mdp" --policy "$ce.pi" --policy2 "$ce.pi2" --alpha x
expect_prefix "trbench: error: certify: unknown or incomplete option '--bogus'" certify --bogus
expect_prefix "trbench: error: certify: unexpected argument 'extra'" certify --claim course.c1 extra
expect_prefix "trbench: error: --restarts: 'x' is not a non-negative integer" verify --restarts x

finish cli_verify_search
