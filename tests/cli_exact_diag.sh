#!/bin/sh
# The exact-against-sampled diagnostics of `trbench table` (diagnostics.csv) recomputed from
# outside: the exact improvement and exact mean KL of an iteration from the saved policies
# (run --save-policies) evaluated by `trbench eval`; the negative-improvement count by awk on
# progress.tsv; the share of the optimum of a run started at the optimal policy
# (run --init-policy, the optimum from `trbench solve`) is 1; and `trbench plot` draws the
# three figures per environment.
#
# Tolerances: J and d from trbench eval and from the run are the same dense solve of a 3-state
# system printed with %.17g, so the improvement (a difference of J ≈ 10) and the KL (≈ 1e-2)
# agree to rounding (≈ 1e-14); 1e-10 leaves room for a different LU pivot order, nothing more.
# The run started at the optimum: logits log 1 = 0 and log 1e-30 ≈ −69, so the suboptimal
# actions keep probability ≤ e^(−69 + a few Adam steps of 3e-4) and J stays within 1e-20 of J*;
# the share is 1 to 1e-9 (J* − J_rand ≈ 1 on tiny.mdp).
. "$(dirname "$0")/lib.sh"
M="$D/tiny.mdp"
R="$tmp/res"
cat >"$tmp/xd.ini" <<EOF
[experiment]
name = xd
environments = mdp:$M
seeds = 1
steps = 6000
score = exact_J
normalization = none

[variant trpo]
algo = trpo
n_steps = 1000

[variant at optimum]
algo = ppo-clip
n_steps = 1000

[variant cpi]
algo = cpi
alpha = 0.3
n_steps = 200
EOF
runs="$R/xd/runs"
# ---- the optimal policy's file from trbench solve, one row per state ----------------------
"$T" solve --mdp "$M" >"$tmp/solve" 2>"$tmp/err"
check "solve" $?
awk -F'\t' 'NR > 2 { for (a = 0; a < 2; a++) printf "%s%d", a ? " " : "", a == $3; print "" }' \
  "$tmp/solve" >"$tmp/opt.txt"
check "optimal policy has 3 rows" "$([ "$(wc -l <"$tmp/opt.txt")" -eq 3 ]; echo $?)"
# the sweep's own run commands (their directories are the table's), with the new options
"$T" sweep "$tmp/xd.ini" --results "$R" --jobs-file "$tmp/jobs" >/dev/null 2>"$tmp/err"
check "sweep --jobs-file ($(cat "$tmp/err"))" $?
awk -v opt="$tmp/opt.txt" 'NR == 1 { print $0 " --save-policies" }
  NR == 2 { print $0 " --init-policy \"" opt "\"" } NR > 2' "$tmp/jobs" >"$tmp/jobs2"
sh "$tmp/jobs2" >/dev/null 2>"$tmp/err"
check "runs with --save-policies and --init-policy ($(cat "$tmp/err"))" $?
rd=$(ls -d "$runs"/trpo__* | head -n 1)
opt_rd=$(ls -d "$runs"/at_optimum__* | head -n 1)
check "policies saved: pi_0000 .. pi_0006" \
  "$([ -s "$rd/policies/pi_0000.txt" ] && [ -s "$rd/policies/pi_0006.txt" ]; echo $?)"

"$T" table "$tmp/xd.ini" --results "$R" >"$tmp/table.md" 2>"$tmp/err"
check "table exit status ($(cat "$tmp/err"))" $?
csv="$R/xd/diagnostics.csv"
check "diagnostics.csv and .md written" "$([ -s "$csv" ] && [ -s "$R/xd/diagnostics.md" ]; echo $?)"
check "the markdown has the diagnostics section" \
  "$(grep -q 'exact truth against the sampled estimates' "$tmp/table.md"; echo $?)"
# ---- iteration 2 of the trpo run: exact improvement and KL from trbench eval ---------------
"$T" eval --mdp "$M" --policy "$rd/policies/pi_0001.txt" >"$tmp/old" 2>"$tmp/err"
check "eval pi_0001" $?
"$T" eval --mdp "$M" --policy "$rd/policies/pi_0002.txt" >"$tmp/new" 2>"$tmp/err"
check "eval pi_0002" $?
# J(new) − J(old) and Σ_s d_old(s) Σ_a π_old log(π_old/π_new), against row iter = 2
awk -F'\t' 'FNR == 1 { J[FILENAME == ARGV[1]] = $2; next } FNR == 2 { next }
  FILENAME == ARGV[1] { po[$1, $2] = $3; d[$1] = $7; next }
  { pn[$1, $2] = $3 }
  END { kl = 0; for (k in po) { split(k, sa, SUBSEP); if (po[k] > 0) kl += d[sa[1]] * po[k] * log(po[k] / pn[k]) }
        printf "%.17g\t%.17g\n", J[0] - J[1], kl }' "$tmp/old" "$tmp/new" >"$tmp/mine"
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["iter"] == 2 { printf "%.17g\t%.17g\n", $c["exact_improvement"], $c["exact_kl_mean"] }' \
  "$rd/progress.tsv" >"$tmp/theirs"
paste "$tmp/mine" "$tmp/theirs" >"$tmp/both"
check "iteration 2: exact improvement from eval = progress.tsv within 1e-10 ($(cat "$tmp/both"))" \
  "$(awk '{ d = $1 - $3; exit !(d < 1e-10 && d > -1e-10 && $1 != 0) }' "$tmp/both"; echo $?)"
check "iteration 2: exact mean KL from eval = progress.tsv within 1e-10 ($(cat "$tmp/both"))" \
  "$(awk '{ d = $2 - $4; exit !(d < 1e-10 && d > -1e-10 && $2 > 0) }' "$tmp/both"; echo $?)"

# ---- the counted columns against awk on progress.tsv -------------------------------------
field() { # field NAME ROW — diagnostics.csv's NAME in data row ROW (no quoted commas here)
  awk -F, -v name="$1" -v row="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    NR == row + 1 { print $c[name] }' "$csv"
}
# count_neg RUN_DIR: iterations of progress.tsv whose exact improvement is < 0
count_neg() {
  awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["exact_improvement"] != "nan" && $c["exact_improvement"] + 0 < 0 { k++ }
    END { print k + 0 }' "$1/progress.tsv"
}
total=0
for row in 1 3; do
  d=$(ls -d "$runs"/$([ $row = 1 ] && echo trpo || echo cpi)__* | head -n 1)
  neg=$(count_neg "$d")
  iters=$(awk 'END { print NR - 1 }' "$d/progress.tsv")
  total=$((total + neg))
  check "row $row: negative-improvement count = awk's ($neg of $iters; table $(field neg_mean $row))" \
    "$(awk -v a="$(field neg_mean $row)" -v b="$neg" 'BEGIN { exit !(a == b && a != "") }'; echo $?)"
  check "row $row: its share = count / iterations" \
    "$(awk -v a="$(field neg_share_mean $row)" -v b="$neg" -v n="$iters" \
       'BEGIN { d = a - b / n; exit !(a != "" && d < 1e-15 && d > -1e-15) }'; echo $?)"
done
check "sampled cpi (alpha 0.3, 200-step batches) lowered J at least once ($total)" \
  "$([ "$total" -gt 0 ]; echo $?)"
check "trpo's KL target is its delta 0.01" \
  "$(awk -v a="$(field kl_target 1)" 'BEGIN { exit !(a == 0.01) }'; echo $?)"
check "ppo-clip has no KL target (raw)" "$([ -z "$(field kl_target 2)" ]; echo $?)"
check "share of optimum of the run started at the optimum is 1 ($(field share_opt_mean 2))" \
  "$(awk -v a="$(field share_opt_mean 2)" 'BEGIN { exit !(a > 1 - 1e-9 && a < 1 + 1e-9) }'; echo $?)"
check "... and none of its iterations lowered J by more than rounding" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
     { x = $c["exact_improvement"]; if (x < -1e-12 || x > 1e-12) bad = 1 } END { exit bad }' \
     "$opt_rd/progress.tsv"; echo $?)"
Jopt=$(awk -F'\t' 'NR == 1 { print $2 }' "$tmp/solve")
check "J* in the notes is trbench solve's" \
  "$(awk -F, -v j="$Jopt" 'NR == 2 { d = $4 - j; exit !(d < 1e-9 && d > -1e-9) }' "$csv"; echo $?)"
Jr=$("$T" eval --mdp "$M" | awk -F'\t' 'NR == 1 { print $2 }')
check "J_rand is trbench eval's uniform J" \
  "$(awk -F, -v j="$Jr" 'NR == 2 { d = $5 - j; exit !(d < 1e-12 && d > -1e-12) }' "$csv"; echo $?)"

# ---- the figures ---------------------------------------------------------------------------
TRBENCH_GNUPLOT= "$T" plot "$tmp/xd.ini" --results "$R" >/dev/null 2>"$tmp/err"
check "plot exit status ($(cat "$tmp/err"))" $?
for f in exact_J exact_kl improvement; do
  check "plots/${f}_*.gp and .dat written" \
    "$(ls "$R"/xd/plots/${f}_*.gp "$R"/xd/plots/${f}_*.dat >/dev/null 2>&1; echo $?)"
done
check "the J figure draws J* as a line" \
  "$(grep -q "^  $Jopt\|J\* (policy iteration)" "$R"/xd/plots/exact_J_*.gp; echo $?)"
check "the scatter draws the diagonal" \
  "$(grep -q 'x with lines' "$R"/xd/plots/improvement_*.gp; echo $?)"

# ---- exact_every: the diagnostics of every k-th iteration, the same bits as k = 1 --------------
# (at k = 2, π_old of an even iteration is evaluated afresh; at k = 1 it is reused from the
# previous iteration: both must give identical numbers, and training must not change)
for k in 1 2; do
  "$T" run --algo ppo-clip --set n_steps=500 --set exact_every=$k --env "mdp:$M" --steps 3000 \
    --seed 4 --quiet --out "$tmp/every$k" >/dev/null 2>"$tmp/err"
  check "run exact_every=$k ($(cat "$tmp/err"))" $?
done
# cols FILE: iter, return_mean and the six exact columns of progress.tsv
cols() {
  awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { print $c["iter"], $c["return_mean"], $c["exact_J"], $c["exact_improvement"], $c["exact_tv_max"],
            $c["exact_kl_mean"], $c["exact_kl_max"], $c["sampled_improvement"] }' "$1"
}
cols "$tmp/every1/progress.tsv" >"$tmp/c1"
cols "$tmp/every2/progress.tsv" >"$tmp/c2"
check "exact_every=2: even iterations identical to exact_every=1" \
  "$(awk 'NR % 2 == 0' "$tmp/c1" | cmp -s - "$(awk 'NR % 2 == 0' "$tmp/c2" >"$tmp/c2e"; echo "$tmp/c2e")"; echo $?)"
check "exact_every=2: odd iterations nan, training unchanged" \
  "$(awk 'NR == FNR { r[FNR] = $2; next } FNR % 2 == 1 && ($3 != "nan" || $4 != "nan" || $2 != r[FNR]) { bad = 1 }
     END { exit bad || FNR != 6 }' "$tmp/c1" "$tmp/c2"; echo $?)"

# ---- bad input -------------------------------------------------------------------------------
"$T" run --algo trpo --env cartpole --steps 100 --seed 1 --save-policies --out "$tmp/x" \
  >/dev/null 2>"$tmp/err"
check "--save-policies on cartpole: exit 2, one line" \
  "$([ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^trbench: error: ' "$tmp/err"; echo $?)"
"$T" run --algo trpo --env "mdp:$M" --steps 100 --seed 1 --init-policy "$D/kakade.mdp" \
  --out "$tmp/x" >/dev/null 2>"$tmp/err"
check "--init-policy with a bad file: exit 2, one line" \
  "$([ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^trbench: error: ' "$tmp/err"; echo $?)"
finish cli_exact_diag
