#!/bin/sh
# trbench verify --search and trbench certify end to end: the search finds course.c1's
# counterexample at S=2, A=2, gamma=0.3 and certifies it; certify re-checks the saved
# instance and agrees; the size flags reach the search; bad input to certify is one line
# and exit 2.  The verdicts: without --search the short search on the course statements
# refutes C1 (it never prints "holds" for it), holds only where a search ran, not_refuted
# elsewhere; the progress line; --exhaustive's budget.  Budgets are small (a few seconds).
. "$(dirname "$0")/lib.sh"

col() { # col FILE CLAIM COLUMN-NAME: the claim's value in that column of a verify.tsv
  awk -F '\t' -v c="$2" -v h="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == h) k = i }
    NR > 1 && $1 == c { print $k }' "$1"
}

# 1. C1 at S=2 A=2 gamma=0.3: violated by the search, certified; the exit status stays 0
#    (a course statement).  The --search budget (1 restart x 200 iterations) takes 0.1 s here.
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

# 5. the verdicts' meaning.  Without --search: the short search on the course statements
#    (smallest S of the list = 2, the default A and gamma lists) refutes C1, as the issue's
#    regression asks (it printed "holds, certified yes"); C2 is searched and holds; a bound
#    is not searched: not_refuted, search_instances '-'; an identity is never searched.
"$T" verify --mdps 200 --seed 1 --out "$tmp/def" >"$tmp/def.out" 2>"$tmp/def.err"
check "default verify exits 0" $?
check "default verify: course.c1 violated" "$(test "$(col "$tmp/def/verify.tsv" course.c1 verdict)" = violated; echo $?)"
check "default verify: course.c1 searched" "$(test "$(col "$tmp/def/verify.tsv" course.c1 search_instances)" != -; echo $?)"
check "default verify: C1 counterexample printed" "$(grep -q '^# counterexample course.c1: search (S=2 ' "$tmp/def.out"; echo $?)"
check "default verify: course.c2 holds (searched)" "$(test "$(col "$tmp/def/verify.tsv" course.c2 verdict)" = holds && test "$(col "$tmp/def/verify.tsv" course.c2 search_instances)" != -; echo $?)"
check "default verify: trpo.tv not_refuted" "$(test "$(col "$tmp/def/verify.tsv" trpo.tv verdict)" = not_refuted && test "$(col "$tmp/def/verify.tsv" trpo.tv search_instances)" = -; echo $?)"
check "default verify: pdl not_refuted" "$(test "$(col "$tmp/def/verify.tsv" pdl verdict)" = not_refuted; echo $?)"
check "default verify: no holds without a search" "$(awk -F '\t' 'NR > 1 && $10 == "holds" && $8 == "-" { bad = 1 } END { exit bad }' "$tmp/def/verify.tsv"; echo $?)"
check "default verify: only three verdicts" "$(awk -F '\t' 'NR > 1 && $10 != "holds" && $10 != "violated" && $10 != "not_refuted" { bad = 1 } END { exit bad }' "$tmp/def/verify.tsv"; echo $?)"
check "default verify: the short search said" "$(grep -q '^# short search: 4 course statements at S=2 ' "$tmp/def.out"; echo $?)"
# (a short search shows progress only after 2 s, e.g. on a loaded machine: nothing else on stderr)
check "default verify: stderr holds progress lines at most" "$(! grep -v '^trbench: search: ' "$tmp/def.err" >/dev/null; echo $?)"
# with --search the bound holds (searched), the identity stays not_refuted (outside the search)
check "--search: trpo.tv holds" "$(test "$(col "$tmp/all/verify.tsv" trpo.tv verdict)" = holds; echo $?)"
check "--search: pdl not_refuted" "$(test "$(col "$tmp/all/verify.tsv" pdl verdict)" = not_refuted; echo $?)"

# 6. the progress line: one per searched claim on stderr (not a terminal), the last says done
"$T" verify --search --states 2 --actions 2 --gamma 0.9 --mdps 50 --restarts 1 --iterations 20 \
  --out "$tmp/prog" >/dev/null 2>"$tmp/prog.err"
check "progress: exit 0" $?
ns=$(awk -F '\t' 'NR > 1 && $8 != "-"' "$tmp/prog/verify.tsv" | wc -l)
check "progress: a line per searched claim ($ns)" "$(test "$(grep -c '^trbench: search: [0-9]*/'"$ns"' claims (.* done), [0-9]* instances, [0-9]* s elapsed, ' "$tmp/prog.err")" -eq "$ns"; echo $?)"
check "progress: claims counted up" "$(grep -q "^trbench: search: 1/$ns claims (cpi.kl done)" "$tmp/prog.err"; echo $?)"
check "progress: an estimate of the time left" "$(sed -n 1p "$tmp/prog.err" | grep -Eq '(about [0-9]+ s left|time left unknown)$'; echo $?)"
check "progress: the last line says done" "$(tail -n 1 "$tmp/prog.err" | grep -q "^trbench: search: $ns/$ns claims .*, done\$"; echo $?)"
check "progress: instances add up" "$(tail -n 1 "$tmp/prog.err" | grep -q " $(awk -F '\t' 'NR > 1 && $8 != "-" { s += $8 } END { print s }' "$tmp/prog/verify.tsv") instances,"; echo $?)"

# 7. the budgets: --search 1 x 200, --exhaustive 32 x 2000 (and it implies --search);
#    --restarts / --iterations override either
"$T" verify --claim course.c1 --exhaustive --states 2 --actions 2 --gamma 0.3 --mdps 50 \
  --out "$tmp/ex" >"$tmp/ex.out" 2>/dev/null
check "--exhaustive exits 0" $?
check "--exhaustive: 32 x 2000" "$(grep -q '; 32 restarts x 2000 iterations per combination' "$tmp/ex.out"; echo $?)"
check "--exhaustive searches" "$(test -s "$tmp/ex/search.tsv"; echo $?)"
check "--search: 1 x 200" "$(grep -q '; 1 restart x 200 iterations per combination' "$tmp/c1.out"; echo $?)"
"$T" verify --claim course.c1 --exhaustive --restarts 2 --iterations 30 --states 2 --actions 2 \
  --gamma 0.3 --mdps 50 --out "$tmp/ex2" >"$tmp/ex2.out" 2>/dev/null
check "--exhaustive --restarts 2 --iterations 30" "$(grep -q '; 2 restarts x 30 iterations per combination' "$tmp/ex2.out"; echo $?)"
# the exhaustive budget evaluates more instances than the default one on the same sizes
check "--exhaustive evaluates more" "$(test "$(col "$tmp/ex/verify.tsv" course.c1 search_instances)" -gt "$(col "$tmp/c1/verify.tsv" course.c1 search_instances)"; echo $?)"

# 8. bad input to certify: exit 2 and one line
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
