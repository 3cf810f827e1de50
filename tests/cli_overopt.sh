#!/bin/sh
# tests/cli_overopt.sh — the overoptimization section of `trbench table` and its figures
# (overopt.h, issue 22 item 5) on hand-made progress files whose answers are worked out by
# hand: gold J − J_ref = d(1 − 0.5 log d) at d = 0.1, 0.2, 0.4, 0.8 fits α = 1, β = 0.5,
# R² = 1 exactly; a gold curve 0.1, 0.3, 0.2, 0.15 above J_ref at KL 0.01, 0.04, 0.09, 0.16
# with proxy 1, 2, 3, 4 peaks at KL 0.04, gains 0.3 there, loses 0.15 past it while the proxy
# gains 2.  J_ref is the ref_policy run's exact_J (set to 0.5 by hand).
. "$(dirname "$0")/lib.sh"
M="mdp:$(cd "$D" && pwd)/tiny.mdp"
mkdir -p "$tmp/s"
"$T" run --algo npg --env "$M" --steps 512 --seed 1 --set n_steps=512 --out "$tmp/s/ref" --quiet >/dev/null
check "reference run" $?
sed -i 's/^exact_J = .*/exact_J = 0.5/' "$tmp/s/ref/summary.ini"
cat >"$tmp/s/o.ini" <<EOI
[experiment]
name = oo
environments = $M
seeds = 2
steps = 512
score = exact_J
ref_policy = ref

[variant fit]
algo = npg
n_steps = 512

[variant peak]
algo = npg
n_steps = 512
EOI
"$T" sweep "$tmp/s/o.ini" --results "$tmp/r" >/dev/null 2>&1
check "the sweep" $?
runs=$tmp/r/oo/runs
for s in 1 2; do
  for v in fit peak; do
    f=$(ls -d "$runs"/${v}__*__s$s)/progress.tsv
    head -1 "$f" >"$tmp/h"
    # keep every column of the real file's first row, with iter, gold_J, proxy_J, kl_ref set
    awk -F'\t' -v OFS='\t' -v v=$v 'NR == FNR && FNR == 1 { n = split($0, h, "\t"); next }
      NR == FNR && FNR == 2 { for (i = 1; i <= n; i++) row[h[i]] = $i; next }
      END {
        print hdr()
        if (v == "fit") { m = split("0.1 0.2 0.4 0.8", d, " ")
          for (k = 1; k <= m; k++) { g = 0.5 + d[k] * (1 - 0.5 * log(d[k])); emit(k, g, k, d[k] * d[k]) } }
        else { split("0.1 0.3 0.2 0.15", G, " "); split("0.01 0.04 0.09 0.16", KL, " ")
          for (k = 1; k <= 4; k++) emit(k, 0.5 + G[k], k, KL[k]) }
      }
      function hdr(  s, i) { s = h[1]; for (i = 2; i <= n; i++) s = s "\t" h[i]; return s }
      function emit(k, g, p, kl,  s, i, x) {
        row["iter"] = k; row["steps"] = 512 * k; row["gold_J"] = sprintf("%.17g", g)
        row["proxy_J"] = p; row["kl_ref"] = sprintf("%.17g", kl); row["sqrt_kl_ref"] = sqrt(kl)
        s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? "\t" : "") row[h[i]]; print s }' "$f" "$f" >"$tmp/p"
    mv "$tmp/p" "$f"
  done
done
"$T" table "$tmp/s/o.ini" --results "$tmp/r" >"$tmp/out" 2>/dev/null
check "table" $?
md=$tmp/r/oo/table.md
check "the section is in table.md" "$(grep -q '^## Reward-model overoptimization (exact)' "$md"; echo $?)"
check "and on stdout" "$(grep -q '^## Reward-model overoptimization (exact)' "$tmp/out"; echo $?)"
row() { grep "^| $1 | " "$md" | sed 's/ ± 0//g'; }
check "fit: 2 runs, alpha 1, beta 0.5, R2 1, peak at KL 0.64 with gain d(1 - 0.5 log d) = 0.8893 at d = 0.8, nothing lost" \
  "$(row fit | grep -q "| 2 | 1 | 0.5 | 1 | 0.64 | 0.8893 | 0 | 0 |$"; echo $?)"
check "peak: peak at KL 0.04, gain 0.3, 0.15 gold lost while the proxy gains 2" \
  "$(row peak | grep -q "| 0.04 | 0.3 | 0.15 | 2 |$"; echo $?)"
# the fit column of peak by hand: least squares without intercept on (d, -d log d)
want=$(awk 'BEGIN { split("0.1 0.3 0.2 0.15", R, " "); split("0.01 0.04 0.09 0.16", kl, " ")
  for (k = 1; k <= 4; k++) { d = sqrt(kl[k]); x = d; y = -d * log(d)
    a11 += x * x; a12 += x * y; a22 += y * y; b1 += x * R[k]; b2 += y * R[k] }
  det = a11 * a22 - a12 * a12; printf "%.4g | %.4g", (a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det }')
check "peak: alpha, beta by the normal equations ($want)" "$(row peak | grep -q "| 2 | $want | "; echo $?)"
# no ref_policy: J_ref is the first gold J, said so
sed -e '/^ref_policy/d' -e 's/^name = oo/name = oo2/' "$tmp/s/o.ini" >"$tmp/s/o2.ini"
mkdir -p "$tmp/r/oo2" && cp -r "$runs" "$tmp/r/oo2/" 
sed "s|o.ini|o2.ini|; s|oo\$|oo2|" "$tmp/r/oo/sweep.ini" >"$tmp/r/oo2/sweep.ini"
"$T" table "$tmp/s/o2.ini" --results "$tmp/r" >"$tmp/out2" 2>"$tmp/err2"
check "table without ref_policy" $?
check "peak without ref_policy: gain at the peak 0.3 - 0.1 = 0.2" \
  "$(grep '^| peak | ' "$tmp/out2" | sed 's/ ± 0//g' | grep -q "| 0.04 | 0.2 | 0.15 | 2 |$"; echo $?)"
check "the note says so" "$(grep -q "the run's first gold J" "$tmp/out2"; echo $?)"
# runs without the columns: no section
check "no section without the columns" "$(grep -q 'overoptimization' "$tmp/r/oo/table.csv"; [ $? -ne 0 ]; echo $?)"
# figures: one per row, the fit's mean alpha and beta in the script
TRBENCH_GNUPLOT= "$T" plot "$tmp/s/o.ini" --results "$tmp/r" >/dev/null 2>&1
check "plot" $?
p=$tmp/r/oo/plots
check "one figure per row" "$([ -f "$p/overopt_fit_$(echo "$M" | sed 's/[^A-Za-z0-9._-]/_/g').gp" ] && [ "$(ls "$p"/overopt_*.gp | wc -l)" -eq 2 ]; echo $?)"
check "the fit curve with alpha 1, beta 0.5" "$(sed -n 's/.*x \* (\([^ ]*\) - \([^ ]*\) \* log(x)).*/\1 \2/p' "$p"/overopt_fit_*.gp |
  awk '{ ok = ($1 - 1)^2 < 1e-18 && ($2 - 0.5)^2 < 1e-18 } END { exit !ok }'; echo $?)"
check "two runs in the data" "$([ "$(grep -c '^# seed' "$p"/overopt_fit_*.dat)" -eq 2 ]; echo $?)"
finish cli_overopt
