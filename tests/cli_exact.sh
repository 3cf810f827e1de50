#!/bin/sh
# trbench solve / eval / verify end to end, against values worked out by hand.
. "$(dirname "$0")/lib.sh"
# near VALUE WANT: |VALUE - WANT| <= 1e-12 (1 + |WANT|)
near() { awk -v x="$1" -v y="$2" 'BEGIN { d = x - y; if (d < 0) d = -d; a = y < 0 ? -y : y; exit !(d <= 1e-12 * (1 + a)) }'; }

# Kakade's example (thesis 7.4.1), gamma = 0.9, start i.  By hand: at j the best is action 1
# (reward 1/2 forever): V*(j) = 0.5/(1-0.9) = 5.  At i, action 1 gives 5, action 2 gives
# 1 + 0.9*5 = 5.5, so V*(i) = 5.5 with action 2 (index 1), and J* = V*(i) = 5.5.
"$T" solve --mdp "$D/kakade.mdp" >"$tmp/solve" 2>"$tmp/err"
check "solve exit status" $?
check "solve J line" "$(sed -n 1p "$tmp/solve" | cut -f1 | grep -qx '# J'; echo $?)"
check "solve header" "$(sed -n 2p "$tmp/solve" | grep -qx "$(printf 's\tV\ta')"; echo $?)"
near "$(sed -n 1p "$tmp/solve" | cut -f2)" 5.5; check "J* = 5.5" $?
near "$(sed -n 3p "$tmp/solve" | cut -f2)" 5.5; check "V*(i) = 5.5" $?
check "a*(i) = 1" "$(sed -n 3p "$tmp/solve" | cut -f3 | grep -qx 1; echo $?)"
near "$(sed -n 4p "$tmp/solve" | cut -f2)" 5; check "V*(j) = 5" $?

# eval of the uniform policy.  At j: V(j) = (0.5*0.5 + 0.5*0)/(1-0.9) = 2.5.
# At i: V(i) = 0.5*(0.5 + 0.9 V(i)) + 0.5*(1 + 0.9*2.5) = 0.25 + 0.45 V(i) + 1.625
#   => V(i) = 1.875/0.55 = 3.409090909...; J = V(i).
"$T" eval --mdp "$D/kakade.mdp" >"$tmp/eval" 2>"$tmp/err"
check "eval exit status" $?
check "eval header" "$(sed -n 2p "$tmp/eval" | grep -qx "$(printf 's\ta\tpi\tQ\tA\tV\td')"; echo $?)"
check "eval rows" "$(test "$(wc -l <"$tmp/eval")" -eq 6; echo $?)"
near "$(sed -n 1p "$tmp/eval" | cut -f2)" "$(awk 'BEGIN{printf "%.17g", 1.875/0.55}')"; check "J(uniform)" $?
near "$(sed -n 5p "$tmp/eval" | cut -f6)" 2.5; check "V(j) = 2.5" $?
# d of the start state i: d(i) = (1-g) sum_t g^t (1/2)^t = 0.1/(1-0.45) = 0.18181818...
near "$(sed -n 3p "$tmp/eval" | cut -f7)" "$(awk 'BEGIN{printf "%.17g", 0.1/0.55}')"; check "d(i)" $?
"$T" eval --mdp "$D/kakade.mdp" --policy optimal >"$tmp/evalopt" 2>&1
near "$(sed -n 1p "$tmp/evalopt" | cut -f2)" 5.5; check "eval --policy optimal gives J*" $?

# verify: the exact header, exit 0, verify.tsv written
"$T" verify --mdps 40 --seed 3 --out "$tmp/v" >"$tmp/verify" 2>"$tmp/err"
check "verify exit status 0" $?
check "verify header" "$(sed -n 1p "$tmp/verify" | grep -qx "$(printf 'claim\tkind\tinstances\tviolations\tmax_residual\tmin_slack\tmedian_tightness\tsearch_instances\tsearch_max_tightness\tverdict\tcertified')"; echo $?)"
check "verify.tsv written" "$(test -s "$tmp/v/verify.tsv"; echo $?)"
check "verify.tsv = printed table" "$(head -n "$(wc -l <"$tmp/v/verify.tsv")" "$tmp/verify" | cmp -s - "$tmp/v/verify.tsv"; echo $?)"
# the same seed gives the same table
"$T" verify --mdps 40 --seed 3 --out "$tmp/v2" >/dev/null 2>&1
check "verify deterministic" "$(cmp -s "$tmp/v/verify.tsv" "$tmp/v2/verify.tsv"; echo $?)"
# one claim alone gives the same row as in the full table
"$T" verify --mdps 40 --seed 3 --claim trpo.kl >"$tmp/one" 2>&1
check "--claim row equals full-table row" "$(test "$(grep '^trpo.kl	' "$tmp/one")" = "$(grep '^trpo.kl	' "$tmp/verify")"; echo $?)"

# FrozenLake: frozenlake4/8 are Gymnasium's episodic task (time limits 100 / 200), the
# continuing variant keeps its own names (1000-step episodes); `trbench envs` lists both
"$T" envs >"$tmp/envs" 2>&1
check "envs exit 0" $?
for row in "frozenlake4	16	discrete(4)	100	0.99" "frozenlake8	64	discrete(4)	200	0.99" \
  "frozenlake4-continuing	16	discrete(4)	1000	0.99" "frozenlake8-continuing	64	discrete(4)	1000	0.99"; do
  check "envs lists: $row" "$(grep -qx "$row" "$tmp/envs"; echo $?)"
done
# episodes end in a hole or at the goal: the random policy's mean length on 4x4 is about 7.6
# steps (well under the limit), returns are 0 or 1; the continuing variant runs 1000 steps
"$T" rollout --env frozenlake4 --episodes 2000 --seed 3 >"$tmp/fl4" 2>&1
check "rollout frozenlake4: short episodes" "$(awk -F '\t' 'NR == 2 { exit !($5 > 4 && $5 < 15 && $3 >= 0 && $3 < 0.1) }' "$tmp/fl4"; echo $?)"
"$T" rollout --env frozenlake4-continuing --episodes 5 --seed 3 >"$tmp/fl4c" 2>&1
check "rollout frozenlake4-continuing: 1000-step episodes" "$(awk -F '\t' 'NR == 2 { exit !($5 == 1000) }' "$tmp/fl4c"; echo $?)"
# a training run on the episodic task, with its exact diagnostics
"$T" run --algo npg --env frozenlake4 --steps 4000 --seed 1 --out "$tmp/flrun" --quiet >/dev/null 2>&1
check "run npg on frozenlake4 exits 0" $?
check "run on frozenlake4: exact_J recorded" "$(grep -q '^exact_J = 0\.' "$tmp/flrun/summary.ini"; echo $?)"
check "run on frozenlake4: episodes end early (>= 300 in 4096 steps)" "$(awk -F ' = ' '$1 == "episodes" { e = $2 } END { exit !(e >= 300) }' "$tmp/flrun/summary.ini"; echo $?)"

echo "cli_exact: $n checks, $fails failed"
[ "$fails" -eq 0 ]
