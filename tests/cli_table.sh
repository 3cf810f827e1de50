#!/bin/sh
# trbench table / plot end to end on a tiny sweep, a hand-made set of runs with values worked
# out by hand (Spearman's rho, normalized scores, missing and diverged runs), and bad specs:
# each malformed spec under tests/data/specs/ gives exit 2 and exactly its one-line message.
. "$(dirname "$0")/lib.sh"
has() { grep -qF -- "$2" "$1"; } # has FILE TEXT
# csv_widths FILE: the distinct numbers of fields per line (RFC 4180 quotes respected)
csv_widths() {
  awk '{ n = 1; q = 0
         for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
           if (c == "\"") q = !q; else if (c == "," && !q) n++ }
         print n }' "$1" | sort -u
}

# ---- a tiny sweep: 2 variants x 2 environments x 2 seeds, 4096 steps ----------------------
cat >"$tmp/tiny.ini" <<'EOF'
[experiment]
name = tiny
environments = cartpole, garnet:8,2,3,5
seeds = 2
steps = 4096
normalization = random_best
paper = made-up numbers for a test

[variant clip 0.2]
algo = ppo-clip
n_steps = 512
n_epochs = 4
paper = 0.8

[variant no clip]
algo = ppo-noclip
n_steps = 512
n_epochs = 4
EOF
R="$tmp/res"
"$T" sweep "$tmp/tiny.ini" -j 2 --results "$R" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "sweep exit status 0 or 1 (got $rc: $(tail -n 1 "$tmp/err"))" "$([ $rc -le 1 ]; echo $?)"
X="$R/tiny"

"$T" table "$tmp/tiny.ini" --results "$R" >"$tmp/table.out" 2>"$tmp/err"
check "table exit status" $?
check "table prints nothing on stderr: $(cat "$tmp/err")" "$([ ! -s "$tmp/err" ]; echo $?)"
for f in table.md table.csv table.tex; do
  check "$f written" "$([ -s "$X/$f" ]; echo $?)"
done
check "table prints table.md" "$(cmp -s "$tmp/table.out" "$X/table.md"; echo $?)"
check "header row with both environments" \
  "$(has "$X/table.md" '| variant | score | paper | cartpole | garnet:8,2,3,5 | runs |'; echo $?)"
check "row clip 0.2, all runs, paper 0.80" "$(grep -q '^| clip 0\.2 | [-0-9.]* | 0\.80 | .* | 4/4 | [^|]* | [^|]* | [^|]* | [^|]* |$' "$X/table.md"; echo $?)"
check "row no clip, all runs, no paper number" "$(grep -q '^| no clip | [-0-9.]* | — | .* | 4/4 | [^|]* | [^|]* | [^|]* | [^|]* |$' "$X/table.md"; echo $?)"
check "no missing cell in the full sweep" "$(! grep -q 'missing (' "$X/table.md"; echo $?)"
check "random and best per environment in the notes" \
  "$(grep -q '^| cartpole | [-0-9.]* | [-0-9.]* | ' "$X/table.md" && grep -q '^| garnet:8,2,3,5 | [-0-9.]* | ' "$X/table.md"; echo $?)"
check "provenance: the command as typed" \
  "$(has "$X/table.md" "command: \`trbench table $tmp/tiny.ini --results $R\`"; echo $?)"
check "provenance: version, machine, date, runs" \
  "$(has "$X/table.md" '- trbench ' && has "$X/table.md" '- machine: ' && has "$X/table.md" '- date: ' &&
     has "$X/table.md" '(8 of 8 found'; echo $?)"
# random = trbench rollout --env cartpole --episodes 100 --seed 1
rnd=$("$T" rollout --env cartpole --episodes 100 --seed 1 | awk -F'\t' 'NR == 2 { printf "%.6g", $3 }')
check "random on cartpole is trbench rollout's ($rnd)" "$(grep -q "^| cartpole | $rnd | " "$X/table.md"; echo $?)"
check "CSV: one width for every line" "$([ "$(csv_widths "$X/table.csv" | wc -l)" -eq 1 ]; echo $?)"
check "CSV: header and 2 rows" "$([ "$(wc -l <"$X/table.csv")" -eq 3 ]; echo $?)"
check "CSV: 6 + 3 per environment + 4 aggregates x 3 fields" "$([ "$(csv_widths "$X/table.csv")" -eq 24 ]; echo $?)"
check "CSV: environment with commas quoted" "$(has "$X/table.csv" '"garnet:8,2,3,5_mean"'; echo $?)"
for rule in '\toprule' '\midrule' '\bottomrule'; do
  check "table.tex has $rule" "$(grep -qxF "$rule" "$X/table.tex"; echo $?)"
done
check "table.tex: header and 2 rows end in \\\\" "$([ "$(grep -c '\\\\$' "$X/table.tex")" -eq 3 ]; echo $?)"

# ---- missing runs: shown as missing with their count, never as 0 ---------------------------
rm -r "$X/runs/clip_0.2__cartpole__s2" "$X/runs/no_clip__garnet_8_2_3_5__s1" \
  "$X/runs/no_clip__garnet_8_2_3_5__s2"
"$T" table "$tmp/tiny.ini" --results "$R" >/dev/null 2>"$tmp/err"
check "table with missing runs: exit status" $?
check "one seed missing: the cell says 1/2" \
  "$(grep -q '^| clip 0\.2 | [-0-9.]* | 0\.80 | [-0-9.]* (1/2) | [-0-9.]* ± [0-9.e+-]* | 3/4 | [^|]* | [^|]* | [^|]* | [^|]* |$' "$X/table.md"; echo $?)"
check "both seeds missing: the cell says missing (0/2)" \
  "$(grep -q '^| no clip | [-0-9.]* | — | [-0-9.]* ± [0-9.e+-]* | missing (0/2) | 2/4 | [^|]* | [^|]* | [^|]* | [^|]* |$' "$X/table.md"; echo $?)"
check "runs found in the notes" "$(has "$X/table.md" '5 of 8 found with a finite score'; echo $?)"
check "CSV with missing runs: one width" "$([ "$(csv_widths "$X/table.csv" | wc -l)" -eq 1 ]; echo $?)"
check "CSV: a missing mean is an empty field, n = 0" \
  "$(grep -q '^no clip,ppo-noclip,[-0-9.e]*,,2,4,[-0-9.e]*,[-0-9.e]*,2,,,0,' "$X/table.csv"; echo $?)"
check "CSV: one seed found, no standard error" \
  "$(grep -q '^clip 0\.2,ppo-clip,[-0-9.e]*,0\.8[0-9]*,3,4,[-0-9.e]*,,1,' "$X/table.csv"; echo $?)"
check "table.tex: missing (0/2)" "$(has "$X/table.tex" 'missing (0/2)'; echo $?)"

# ---- plots ----------------------------------------------------------------------------------
"$T" plot "$tmp/tiny.ini" --results "$R" >"$tmp/out" 2>"$tmp/err"
check "plot exit status" $?
P="$X/plots"
for f in curves_cartpole curves_garnet_8_2_3_5 scores profiles intervals; do
  check "$f.gp and .dat written" "$([ -s "$P/$f.gp" ] && [ -s "$P/$f.dat" ]; echo $?)"
done
if grep -q 'notice: gnuplot not available' "$tmp/err"; then
  echo "note: no gnuplot: PNG and SVG not checked"
else
  for f in curves_cartpole curves_garnet_8_2_3_5 scores profiles intervals; do
    check "$f.png is a non-empty PNG" "$([ -s "$P/$f.png" ] && head -c 4 "$P/$f.png" | grep -q PNG; echo $?)"
    check "$f.svg is a non-empty SVG" "$([ -s "$P/$f.svg" ] && grep -q '<svg' "$P/$f.svg"; echo $?)"
  done
  check "gnuplot quiet (fonts, data): $(head -c 300 "$tmp/err")" "$([ ! -s "$tmp/err" ]; echo $?)"
  check "no temporaries left" "$(! ls "$P" | grep -q '\.tmp\.'; echo $?)"
fi
check "legend names the variants" "$(has "$P/curves_cartpole.gp" 'title "clip 0.2 (1/2 seeds)"' &&
  has "$P/curves_cartpole.gp" 'title "no clip"'; echo $?)"
check "same steps per iteration in every row: no curves against iterations" \
  "$([ ! -e "$P/curves_iter_cartpole.gp" ]; echo $?)"
check "same budgets and iterations in every row: no equal-steps section" \
  "$(! has "$X/table.md" 'At equal environment steps'; echo $?)"
# performance profiles: a block per row of 101 points "tau share lo hi", the share a step
# function from 1 (at the lowest tau, at most 0... every run above it unless it is the lowest)
# down to 0 at the highest tau; every band holds its curve
check "profiles.dat: 2 blocks of 101 points, bands around the curves" "$(awk '/^# variant/ { b++ }
  /^[-0-9]/ { n++; if (!($3 <= $2 + 1e-12 && $2 <= $4 + 1e-12 && $2 >= 0 && $2 <= 1)) bad = 1
  last = $2 } END { exit !(b == 2 && n == 202 && !bad && last == 0) }' "$P/profiles.dat"; echo $?)"
# (a percentile interval need not hold its point estimate with 2 runs a cell: only lo <= hi)
check "intervals.dat: a row per variant, lo <= hi for each aggregate" "$(awk '/^[0-9]/ {
  n++; for (j = NF - 11; j <= NF; j += 3) if ($j != "NaN" && !($(j+1) <= $(j+2))) bad = 1 }
  END { exit !(n == 2 && !bad) }' "$P/intervals.dat"; echo $?)"
check "the paper's bar" "$(has "$P/scores.dat" '"clip 0.2" ' && grep -q '^1 "no clip" [-0-9.e]* NaN 2$' "$P/scores.dat"; echo $?)"
# without gnuplot: scripts, data and a notice; exit 0
rm -rf "$P"
TRBENCH_GNUPLOT= "$T" plot "$tmp/tiny.ini" --results "$R" >"$tmp/out" 2>"$tmp/err"
check "plot without gnuplot: exit status" $?
check "plot without gnuplot: the notice" \
  "$(grep -qF "trbench: notice: gnuplot not available; wrote 6 scripts and their data to $P; render them with: cd $P && gnuplot *.gp" "$tmp/err"; echo $?)"
check "plot without gnuplot: scripts (the sample-efficiency curve too), no images" "$([ -s "$P/scores.gp" ] && [ -s "$P/efficiency.gp" ] && [ ! -e "$P/scores.png" ]; echo $?)"

# ---- by hand: one environment, five rows, two seeds ----------------------------------------
# raw scores (seed 1, seed 2): alpha 290, 310 (mean 300, s.e. 10); beta 200, missing;
# gamma 140, 160 (150 ± 10); delta 100, 100 (seed 2 diverged; 100 ± 0); epsilon failed with
# a nan score, seed 2 missing: no score at all.  best = 300 (alpha), random = r from
# trbench rollout, so alpha scores 1 and delta (100 - r)/(300 - r).
# Spearman over alpha..delta (epsilon has no score; the tie is in the paper's column, whose
# numbers parse exactly): ours 300, 200, 150, 100 -> ranks (4, 3, 2, 1); paper 0.5, 0.9, 0.5,
# 0.1 -> ranks (2.5, 4, 2.5, 1).  Deviations from the mean rank 2.5: (1.5, 0.5, -0.5, -1.5)
# and (0, 1.5, 0, -1.5); rho = 3 / sqrt(5 * 4.5) = 2/sqrt(10) = 0.632.
cat >"$tmp/hand.ini" <<'EOF'
[experiment]
name = hand
environments = cartpole
seeds = 2
steps = 1000
normalization = random_best
paper = hand-made

[variant alpha]
algo = ppo-clip
paper = 0.5
[variant beta]
algo = ppo-clip
paper = 0.9
[variant gamma]
algo = ppo-clip
paper = 0.5
[variant delta]
algo = ppo-clip
paper = 0.1
[variant epsilon]
algo = ppo-clip
paper = 0.8
EOF
H="$tmp/hres/hand/runs"
fake() { # fake RUN-ID STATUS SCORE
  mkdir -p "$H/$1"
  printf '[summary]\nstatus = %s\nreason = \nreturn_last100 = %s\n' "$2" "$3" >"$H/$1/summary.ini"
}
fake alpha__cartpole__s1 ok 290
fake alpha__cartpole__s2 ok 310
fake beta__cartpole__s1 ok 200
fake gamma__cartpole__s1 ok 140
fake gamma__cartpole__s2 ok 160
fake delta__cartpole__s1 ok 100
fake delta__cartpole__s2 diverged 100
fake epsilon__cartpole__s1 failed nan
"$T" table "$tmp/hand.ini" --results "$tmp/hres" >"$tmp/hand.md" 2>"$tmp/err"
check "hand table exit status" $?
check "Spearman rho = 2/sqrt(10) over 4 rows" \
  "$(has "$tmp/hand.md" 'ρ = 0.632 [' && has "$tmp/hand.md" '4 rows with both'; echo $?)"
check "alpha: 300 ± 10, score 1.00" "$(grep -qF '| alpha | 1.00 | 0.50 | 300 ± 10 | 2/2 |' "$tmp/hand.md"; echo $?)"
check "beta: one seed, no standard error" "$(grep -q '^| beta | [-0-9.]* | 0\.90 | 200 (1/2) | 1/2 | [^|]* | [^|]* | [^|]* | [^|]* |$' "$tmp/hand.md"; echo $?)"
check "gamma: 150 ± 10" "$(grep -q '^| gamma | [-0-9.]* | 0\.50 | 150 ± 10 | 2/2 | [^|]* | [^|]* | [^|]* | [^|]* |$' "$tmp/hand.md"; echo $?)"
want=$(awk -v r="$rnd" 'BEGIN { printf "%.2f", (100 - r) / (300 - r) }')
check "delta: (100 - random)/(300 - random) = $want, 100 ± 0" \
  "$(grep -qF "| delta | $want | 0.10 | 100 ± 0 | 2/2 |" "$tmp/hand.md"; echo $?)"
z1=$(awk -v r="$rnd" 'BEGIN { printf "%.2f", (290 - r) / (300 - r) }')
z2=$(awk -v r="$rnd" 'BEGIN { printf "%.2f", (310 - r) / (300 - r) }')
gap=$(awk -v r="$rnd" 'BEGIN { printf "%.2f", 5 / (300 - r) }')
check "alpha: IQM, median, mean 1.00 [z1, z2] = [$z1, $z2], opt. gap $gap (by hand)" \
  "$(grep -qF "| 2/2 | 1.00 [$z1, $z2] | 1.00 [$z1, $z2] | 1.00 [$z1, $z2] | $gap [0.00, " "$tmp/hand.md"; echo $?)"
check "epsilon: no score, never 0" \
  "$(grep -qxF '| epsilon | n/a (0/2 runs) | 0.80 | missing (0/2) | 0/2 | n/a | n/a | n/a | n/a |' "$tmp/hand.md"; echo $?)"
check "best row and random in the notes" "$(grep -q "^| cartpole | $rnd | 300 | alpha | " "$tmp/hand.md"; echo $?)"
check "diverged and failed runs counted in the notes" \
  "$(has "$tmp/hand.md" '7 of 10 found with a finite score; 1 diverged and 0 failed among them' &&
     has "$tmp/hand.md" '1 with a summary but no finite `return_last100` and 2 without a summary'; echo $?)"
TRBENCH_GNUPLOT= "$T" plot "$tmp/hand.ini" --results "$tmp/hres" >/dev/null 2>"$tmp/err"
check "plot of runs without progress.tsv: exit status" $?
check "plot of runs without progress.tsv: the score chart only" \
  "$([ -s "$tmp/hres/hand/plots/scores.gp" ] && [ ! -e "$tmp/hres/hand/plots/curves_cartpole.gp" ]; echo $?)"
# learning curves on different step grids are interpolated onto one grid of 200 points from
# 100 to 299 (step 1).  At 200 steps: seed 1 has 20; seed 2 is linear from (150, 5) to
# (299, 19.9), so 5 + 14.9 * 50/149 = 10.  Mean 15, standard error |20 - 10| / 2 = 5.
printf 'iter\tsteps\treturn_last100\n1\t100\t10\n2\t200\t20\n3\t299\t30\n' >"$H/alpha__cartpole__s1/progress.tsv"
printf 'iter\tsteps\treturn_last100\n1\t100\tnan\n2\t150\t5\n3\t299\t19.9\n' >"$H/alpha__cartpole__s2/progress.tsv"
# aligned grids (delta's two seeds): averaged on the iteration index
printf 'iter\tsteps\treturn_last100\n1\t64\t1\n2\t128\t3\n' >"$H/delta__cartpole__s1/progress.tsv"
printf 'iter\tsteps\treturn_last100\n1\t64\t2\n' >"$H/delta__cartpole__s2/progress.tsv"
TRBENCH_GNUPLOT= "$T" plot "$tmp/hand.ini" --results "$tmp/hres" >/dev/null 2>"$tmp/err"
check "plot with hand-made curves: exit status" $?
C="$tmp/hres/hand/plots/curves_cartpole.dat"
check "interpolated: 200 steps -> mean 15, s.e. 5, 2 seeds" "$(awk '$1 == 200 { f = 1
  d1 = $2 - 15; d2 = $3 - 5; exit !(d1 < 1e-9 && d1 > -1e-9 && d2 < 1e-9 && d2 > -1e-9 && $4 == 2) }
  END { if (!f) exit 1 }' "$C"; echo $?)"
check "interpolated: 100 steps -> seed 1 only (seed 2 nan)" "$(grep -qx '100 10 0 1' "$C"; echo $?)"
check "interpolated: 200 rows for alpha" "$([ "$(awk '/^# variant alpha/ { f = 1; next } /^# variant/ { f = 0 }
  f && /^[0-9]/' "$C" | wc -l)" -eq 200 ]; echo $?)"
check "aligned: iteration 1 mean 1.5 over 2, iteration 2 over 1" \
  "$(grep -qx '64 1.5 0.5 2' "$C" && grep -qx '128 3 0 1' "$C"; echo $?)"
check "curves only for the variants with runs" "$(has "$tmp/hres/hand/plots/curves_cartpole.gp" 'title "alpha"' &&
  has "$tmp/hres/hand/plots/curves_cartpole.gp" 'title "delta"' &&
  ! has "$tmp/hres/hand/plots/curves_cartpole.gp" 'title "beta'; echo $?)"
# alpha (100 steps at iteration 1) and delta (64) differ in steps per iteration: the same
# curves against iterations.  Iteration 3: alpha's seeds 30 and 19.9, mean 24.95, s.e. 5.05;
# iteration 1: delta's 1 and 2, mean 1.5, s.e. 0.5.
# the table reads the same curves at the budget (1000 steps): alpha's last points 30 and
# 19.9 (mean 24.95, s.e. 5.05, shown to 2 digits: 5.1), 3 iterations; delta's 3 and 2 after 2 and
# 1 iterations; beta has no progress.tsv
"$T" table "$tmp/hand.ini" --results "$tmp/hres" >"$tmp/hand.md" 2>"$tmp/err"
check "iterations differ: the equal-steps section" "$(has "$tmp/hand.md" 'every row read at 1000 steps' &&
  grep -qxF '| alpha | 24.95 ± 5.1 · 3 it. (end 3) |' "$tmp/hand.md" &&
  grep -qxF '| delta | 2.5 ± 0.5 · 1.5 it. (end 1.5) |' "$tmp/hand.md" &&
  grep -qxF '| beta | n/a (no curve) |' "$tmp/hand.md"; echo $?)"
I="$tmp/hres/hand/plots/curves_iter_cartpole"
check "steps per iteration differ: curves against iterations written" \
  "$([ -s "$I.gp" ] && [ -s "$I.dat" ] && has "$I.gp" 'set xlabel "iterations (policy updates)"'; echo $?)"
check "against iterations: alpha at 3 -> 24.95 +- 5.05 over 2, delta at 1 -> 1.5 +- 0.5" \
  "$(awk '/^# variant alpha/ { v = "a" } /^# variant delta/ { v = "d" }
    function near(x, y) { return x - y < 1e-9 && y - x < 1e-9 }
    v == "a" && $1 == 3 && near($2, 24.95) && near($3, 5.05) && $4 == 2 { fa = 1 }
    v == "d" && $1 == 1 && near($2, 1.5) && near($3, 0.5) && $4 == 2 { fd = 1 }
    END { exit !(fa && fd) }' "$I.dat"; echo $?)"

# ---- normalization = none: no score column -------------------------------------------------
sed -e 's/^normalization = random_best/normalization = none/' -e 's/^name = hand/name = hand2/' \
  "$tmp/hand.ini" >"$tmp/hand2.ini"
mkdir -p "$tmp/hres/hand2" && cp -r "$H" "$tmp/hres/hand2/runs"
"$T" table "$tmp/hand2.ini" --results "$tmp/hres" >"$tmp/hand2.md" 2>"$tmp/err"
check "normalization = none: exit status" $?
check "normalization = none: no score column" \
  "$(has "$tmp/hand2.md" '| variant | paper | cartpole | runs |' &&
     grep -qxF '| alpha | 0.50 | 300 ± 10 | 2/2 |' "$tmp/hand2.md"; echo $?)"
check "normalization = none: CSV without score" "$(head -n 1 "$tmp/hres/hand2/table.csv" |
  grep -qx 'variant,algo,paper,runs_found,runs_expected,cartpole_mean,cartpole_se,cartpole_n'; echo $?)"

# ---- per-environment paper numbers: the cells against the paper -----------------------------
# the hand-made runs with paper@cartpole: alpha 305, beta 250, gamma 260, delta 100, epsilon
# none.  Two seeds {a, b} resample to a mean of a, (a+b)/2 or b with chances 1/4, 1/2, 1/4, so
# among 2,000 resamples the 2.5th and 97.5th percentiles are a and b: alpha [290, 310] holds
# 305, gamma [140, 160] misses 260, delta [100, 100] holds 100; beta has one seed (no
# interval, not counted): 2 of 3 cells.  Spearman over alpha..delta: ours (4, 3, 2, 1), the
# paper's 305, 250, 260, 100 -> (4, 2, 3, 1); sum of d^2 = 2, rho = 1 - 6*2/(4*15) = 0.80.
sed -e 's/^name = hand$/name = hand4/' -e 's/^normalization = random_best/normalization = none/' \
  -e '/^\[variant alpha\]/,/^\[/s/^paper = .*/paper@cartpole = 305/' \
  -e '/^\[variant beta\]/,/^\[/s/^paper = .*/paper@cartpole = 250/' \
  -e '/^\[variant gamma\]/,/^\[/s/^paper = .*/paper@cartpole = 260/' \
  -e '/^\[variant delta\]/,/^\[/s/^paper = .*/paper@cartpole = 100/' \
  -e '/^\[variant epsilon\]/,/^\[/{/^paper = /d}' "$tmp/hand.ini" >"$tmp/hand4.ini"
mkdir -p "$tmp/hres/hand4" && cp -r "$H" "$tmp/hres/hand4/runs"
"$T" table "$tmp/hand4.ini" --results "$tmp/hres" >"$tmp/hand4.md" 2>"$tmp/err"
check "per-environment papers: exit status" $?
for line in '| variant | cartpole [95% CI] | paper | difference |' \
  '| alpha | 300 [290, 310] | 305 | -5 ✓ |' '| beta | 200 (1 seed) | 250 | -50 |' \
  '| gamma | 150 [140, 160] | 260 | -110 |' '| delta | 100 [100, 100] | 100 | 0 ✓ |' \
  '| epsilon | missing (0/2) | — | — |'; do
  check "against the paper: the line $line" "$(grep -qxF -- "$line" "$tmp/hand4.md"; echo $?)"
done
check "against the paper: 2 of 3 cells, rho 0.80 over 4 rows" \
  "$(has "$tmp/hand4.md" 'inside our interval in 2 of 3 cells' &&
     has "$tmp/hand4.md" 'cartpole 0.80 (4 rows)'; echo $?)"
# one row with paper numbers (alpha's only): no rank correlation, said once
sed -e 's/^name = hand4/name = hand5/' -e '/^paper@cartpole = [^3]/d' "$tmp/hand4.ini" >"$tmp/hand5.ini"
mkdir -p "$tmp/hres/hand5" && cp -r "$H" "$tmp/hres/hand5/runs"
"$T" table "$tmp/hand5.ini" --results "$tmp/hres" >"$tmp/hand5.md" 2>"$tmp/err"
check "one row with paper numbers: 1 of 1 cells, rho n/a said once" \
  "$(has "$tmp/hand5.md" 'inside our interval in 1 of 1 cells' &&
     has "$tmp/hand5.md" "the paper's: n/a (one row has paper numbers; a rank correlation needs 2)." &&
     grep -qxF '| gamma | 150 [140, 160] | — | — |' "$tmp/hand5.md"; echo $?)"
check "no per-environment paper: no such section" "$(! has "$tmp/hand2.md" 'Against the paper'; echo $?)"

# ---- groups, per-environment overrides and papers, per-row steps ---------------------------
# the hand-made runs again, alpha and beta as one group: its best row on cartpole is alpha
sed -e 's/^name = hand2/name = hand3/' -e '/^\[variant beta\]/a group = g' \
  -e '/^\[variant alpha\]/a group = g' "$tmp/hand2.ini" >"$tmp/hand3.ini"
mkdir -p "$tmp/hres/hand3" && cp -r "$H" "$tmp/hres/hand3/runs"
"$T" table "$tmp/hand3.ini" --results "$tmp/hres" >"$tmp/hand3.md" 2>"$tmp/err"
check "group: exit status" $?
check "group: the best row per environment" \
  "$(grep -qF 'Best row of the group `g`' "$tmp/hand3.md" &&
     grep -qxF '| cartpole | alpha | 300 ± 10 |' "$tmp/hand3.md"; echo $?)"
cat >"$tmp/envset.ini" <<'EOF'
[experiment]
name = envset
environments = cartpole, acrobot
seeds = 1
steps = 1000

[variant a]
algo = ppo-clip
paper@acrobot = 12.5
clip_range = 0.3
clip_range@acrobot = 0.1
n_steps = 64
batch_size = 32
steps = 5000
EOF
"$T" sweep "$tmp/envset.ini" --jobs-file "$tmp/jobs" --results "$tmp/eres" >/dev/null 2>"$tmp/err"
check "per-env override: jobs file written" $?
check "per-env override: cartpole gets clip_range 0.3 only" \
  "$(grep -- '--env cartpole' "$tmp/jobs" | grep -- '--set clip_range=0.3' | grep -qv 'clip_range=0.1'; echo $?)"
check "per-env override: acrobot's comes after the row's" \
  "$(grep -- '--env acrobot' "$tmp/jobs" | grep -q -- '--set clip_range=0.3 .*--set clip_range=0.1'; echo $?)"
check "per-row steps: 5000, not the experiment's 1000" \
  "$([ "$(grep -c -- '--steps 5000 ' "$tmp/jobs")" -eq 2 ]; echo $?)"
# an environment with ':' in a key: written in its file-name-safe form (inih splits at ':')
printf '[experiment]\nname = envkey\nenvironments = garnet:8,2,3,5, cartpole\nseeds = 1\nsteps = 1000\n[variant a]\nalgo = ppo-clip\nclip_range@garnet_8_2_3_5 = 0.1\n' >"$tmp/envkey.ini"
"$T" sweep "$tmp/envkey.ini" --jobs-file "$tmp/jobs2" --results "$tmp/eres" >/dev/null 2>"$tmp/err"
check "KEY@ENV with ':' written '_': the garnet's run only" \
  "$(grep -- '--env garnet:8,2,3,5' "$tmp/jobs2" | grep -q -- '--set clip_range=0.1' &&
     ! grep -- '--env cartpole' "$tmp/jobs2" | grep -q -- 'clip_range'; echo $?)"
# one finished run, so the table has something to show (no run at all is an error)
mkdir -p "$tmp/eres/envset/runs/a__cartpole__s1"
printf '[summary]\nstatus = ok\nreason = \nreturn_last100 = 20\n' >"$tmp/eres/envset/runs/a__cartpole__s1/summary.ini"
"$T" table "$tmp/envset.ini" --results "$tmp/eres" >"$tmp/envset.md" 2>"$tmp/err"
check "per-env paper: shown in the environments' order" \
  "$(grep -q '^| a | — / 12.5 |' "$tmp/envset.md"; echo $?)"

# ---- time_limit@ENV: the random policy's episodes use it on that environment only ----------
printf '[experiment]\nname = tl\nenvironments = pendulum, cartpole\nseeds = 1\nsteps = 1000\nnormalization = random_best\n[variant a]\nalgo = ppo-clip\ntime_limit@pendulum = 50\n[variant b]\nalgo = ppo-noclip\ntime_limit@pendulum = 50\n' >"$tmp/tl.ini"
for r in a__pendulum__s1 a__cartpole__s1 b__pendulum__s1 b__cartpole__s1; do
  mkdir -p "$tmp/tlres/tl/runs/$r"
  printf '[summary]\nstatus = ok\nreason = \nreturn_last100 = 20\n' >"$tmp/tlres/tl/runs/$r/summary.ini"
done
"$T" table "$tmp/tl.ini" --results "$tmp/tlres" >"$tmp/tl.md" 2>"$tmp/err"
check "time_limit@ENV: table exit status ($(cat "$tmp/err"))" $?
check "time_limit@pendulum = 50: the random policy's pendulum episodes are of at most 50 steps" \
  "$(grep '^| pendulum |' "$tmp/tl.md" | grep -q 'episodes of at most 50 steps'; echo $?)"
check "time_limit@pendulum: cartpole's random episodes keep cartpole's own limit" \
  "$(grep '^| cartpole |' "$tmp/tl.md" | grep -q 'episodes of at most 500 steps'; echo $?)"
check "time_limit@pendulum: the notes say so for pendulum" \
  "$(grep -q '^- On pendulum every variant sets time_limit = 50' "$tmp/tl.md"; echo $?)"
full=$("$T" rollout --env pendulum --episodes 100 --seed 1 | awk -F'\t' 'NR == 2 { printf "%.6g", $3 }')
check "time_limit@pendulum: the random score is not the 200-step one ($full)" \
  "$(! grep -q "^| pendulum | $full | " "$tmp/tl.md"; echo $?)"

# ---- bad input: exit 2 and one line -----------------------------------------------------------
expect_error() { # expect_error "stderr line" args...
  want=$1
  shift
  n=$((n + 1))
  "$T" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" -ne 2 ] || [ "$(cat "$tmp/err")" != "$want" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
    echo "FAIL: trbench $*"
    echo "  exit $rc (want 2); got: $(cat "$tmp/err")"
    echo "  want: $want"
    fails=$((fails + 1))
  fi
}
expect_error "trbench: error: table: SPEC is required (e.g. experiments/ppo_table1.ini)" table
expect_error "trbench: error: plot: SPEC is required (e.g. experiments/ppo_table1.ini)" plot
expect_error "trbench: error: table: unknown or incomplete option '--bogus' (trbench table --help)" table --bogus "$tmp/tiny.ini"
expect_error "trbench: error: --scale: '0' is not a positive number" table "$tmp/tiny.ini" --scale 0
expect_error "trbench: error: table: unexpected argument 'extra'" table "$tmp/tiny.ini" extra
expect_error "trbench: error: $tmp/none.ini: cannot open: No such file or directory" table "$tmp/none.ini"

# malformed specs: FILE|MESSAGE after "trbench: error: $D/specs/FILE"; $ALGOS and
# $PPO_PARAMS stand for the lists `trbench algos` gives (never written out here)
ALGOS=$("$T" algos | awk -F' — ' '/^[^ ].* — / { print $1 }' | paste -sd, - | sed 's/,/, /g')
PPO_PARAMS=$("$T" algos | sed -n '/^ppo-clip — /,/^$/p' | awk 'NR > 1 && NF { print $1 }' | paste -sd, - | sed 's/,/, /g')
while IFS='|' read -r f msg; do
  msg=$(printf '%s' "$msg" | sed -e "s/\$ALGOS/$ALGOS/" -e "s/\$PPO_PARAMS/$PPO_PARAMS/")
  expect_error "trbench: error: $D/specs/$f$msg" sweep "$D/specs/$f" --results "$tmp/bad"
  expect_error "trbench: error: $D/specs/$f$msg" table "$D/specs/$f" --results "$tmp/bad"
done <<'EOF'
01-unknown-section.ini|:11: unknown section [results] (expected [experiment] or [variant NAME])
02-unknown-experiment-key.ini|:4: [experiment]: unknown key 'seed' (known: name, environments, seeds, steps, score, normalization, scale_seeds, paper, description, evaluate, evaluate_environments, evaluate_environments@ENV, evaluate_deterministic, evaluate_time_limit, baseline, ref_policy, ref_policy@ENV, expert, expert@ENV)
03-unknown-environment.ini|:3: environments: unknown environment 'hoper' (known: cartpole, acrobot, mountaincar, pendulum, mountaincar-continuous, hopper, walker2d, halfcheetah, swimmer, inverted-pendulum, inverted-double-pendulum, reacher, ant, humanoid, humanoid-standup, pusher, hopper-terrain:SEED, walker2d-terrain:SEED, garnet:S,A,b[,seed], chain:N, gridworld:W,H,slip, frozenlake4, frozenlake8, frozenlake4-continuing, frozenlake8-continuing, cliffwalking, mdp:PATH)
04-unknown-algorithm.ini|:8: [variant a]: unknown algorithm 'ppo-clipped' (known: $ALGOS)
05-unknown-parameter.ini|:9: [variant a]: ppo-clip has no parameter 'clip_epsilon' (its parameters: $PPO_PARAMS)
06-out-of-range.ini|:9: [variant a]: clip_range must be a number in [0, 10]
07-bad-seeds.ini|:4: seeds: '1, two, 3' is neither a count nor a list of non-negative integers
08-bad-steps.ini|:5: steps: '1e6' is not a positive integer
09-missing-algo.ini|:11: [variant b] has no algo
10-no-variants.ini|:5: no [variant NAME] section
11-no-experiment.ini|:3: no [experiment] section
12-syntax-error.ini|:8: syntax error (expected [section], key = value, or a comment)
13-bad-normalization.ini|:6: normalization: 'random' must be none or random_best
14-name-with-slash.ini|:2: name: 'ppo/table1' must be a non-empty word without '/' or spaces
15-parameter-before-algo.ini|:8: [variant a]: algo must come before the parameter 'clip_range'
16-zero-seeds.ini|:4: seeds: a count must be in [1, 100000], got 0
17-paper-not-a-number.ini|:9: [variant a]: paper: 'high' is not a number
18-variant-name-slash.ini|:8: [variant a/b]: names may not contain '/' or ','
19-algo-twice.ini|:9: [variant a]: algo given twice
20-not-an-integer.ini|:9: [variant a]: n_epochs must be an integer in [1, 1000]
21-no-environments.ini|:7: [experiment] has no environments
22-bad-scale-seeds.ini|:6: scale_seeds: 'maybe' must be true or false
23-key-outside-section.ini|:1: 'name' outside a section (expected [experiment] or [variant NAME])
24-bad-variant-steps.ini|:9: [variant a]: steps: '-5' is not a positive integer
25-override-unknown-env.ini|:9: [variant a]: clip_range@hopper: 'hopper' is not one of the experiment's environments (they must be listed before the variants; in a key, write ':' as '_')
26-paper-unknown-env.ini|:9: [variant a]: paper@hopper: 'hopper' is not one of the experiment's environments (they must be listed before the variants; in a key, write ':' as '_')
27-override-bad-value.ini|:9: [variant a]: clip_range must be a number in [0, 10]
28-batch-larger-than-n-steps.ini|:8: [variant a] on pendulum: batch_size=1024 exceeds n_steps=512
29-batch-larger-than-n-steps-all.ini|:8: [variant a]: batch_size=128 exceeds n_steps=64
30-unknown-baseline.ini|:6: baseline: 'b' is not a row of the spec (no [variant b])
31-empty-baseline.ini|:6: baseline: empty row name (the NAME of a [variant NAME])
32-bc-without-expert.ini|:8: [variant sft]: bc needs an expert (expert = RUN, or on a tabular environment expert = optimal:EPS; expert@ENV for one environment)
33-expert-on-ppo-clip.ini|:9: [variant a]: expert: ppo-clip reads no expert (trbench algos: those that do say run --expert)
34-expert-optimal-not-tabular.ini|:6: [variant sft] on cartpole: expert: optimal:0.1: the exact optimal policy needs a tabular environment (expert@ENV gives one environment its own)
35-expert-bad-eps.ini|:9: [variant sft]: expert@frozenlake4: optimal:1.5: EPS: must be at most 1
36-experiment-expert-no-reader.ini|:6: [experiment]: expert: no row's algorithm reads an expert (trbench algos: those that do say run --expert)
EOF
check "bad specs write nothing" "$([ ! -e "$tmp/bad" ]; echo $?)"

# no run found: exit 2, one line naming where table and plot looked; nothing written
for cmd in table plot; do
  "$T" $cmd "$tmp/tiny.ini" --results "$tmp/empty" >/dev/null 2>"$tmp/err"
  check "$cmd with no runs: exit 2, one line naming the folder" \
    "$(test $? -eq 2 && test "$(wc -l <"$tmp/err")" -eq 1 && grep -q "^trbench: error: $tmp/empty/tiny/runs: no run of $tmp/tiny.ini found" "$tmp/err"; echo $?)"
done
check "table/plot with no runs write nothing" "$(test ! -e "$tmp/empty/tiny/table.md" && test ! -e "$tmp/empty/tiny/plots"; echo $?)"
check "every bad spec is tested" "$([ "$(ls "$D"/specs/*.ini | wc -l)" -eq 36 ]; echo $?)"

echo "cli_table: $n checks, $fails failed"
[ "$fails" -eq 0 ]
