#!/bin/sh
# trbench run --algo gps / is-ps (algorithms/alg_gps.c): every choice a parameter with its
# default in `trbench algos`, the GPS columns at the end of progress.tsv's header, the sample
# accounting (steps: every real step sampled; model_steps: iLQR's only), a learned pendulum
# policy far above a random one's return, determinism bit for bit, and bad input (exit 2, one
# line).
. "$(dirname "$0")/lib.sh"
if ! "$T" envs 2>/dev/null | grep -q 'inverted-pendulum'; then
  echo "skip: no MuJoCo tasks"
  exit 77
fi

"$T" algos >"$tmp/algos"
sed -n '/^gps — /,/^$/p' "$tmp/algos" >"$tmp/g"
sed -n '/^is-ps — /,/^$/p' "$tmp/algos" >"$tmp/i"
check "algos lists gps and is-ps" "$(test -s "$tmp/g" && test -s "$tmp/i"; echo $?)"
for p in n_steps H subset lbfgs_iters w_r wr_factor wr_min wr_max resample eval_episodes m \
  n_ilqr ilqr_iterations fd_eps guide_cov_scale ml_iters adaptive adaptive_every adaptive_m \
  adaptive_iters adaptive_weight; do
  check "algos: gps has the parameter $p" "$(grep -q "^  $p " "$tmp/g"; echo $?)"
done
for p in n_steps H subset lbfgs_iters w_r wr_factor wr_min wr_max resample eval_episodes m; do
  check "algos: is-ps has the parameter $p" "$(grep -q "^  $p " "$tmp/i"; echo $?)"
done
check "algos: is-ps has no guiding parameters" "$(! grep -q '^  n_ilqr \|^  adaptive' "$tmp/i"; echo $?)"
check "algos: defaults m 20, n_ilqr 2, subset 20, w_r 0.01, wr_factor 10, adaptive true (every 1, m 2, 5 iterations, weight 1)" \
  "$(grep -q '^  m  *20 ' "$tmp/g" && grep -q '^  n_ilqr  *2 ' "$tmp/g" && grep -q '^  subset  *20 ' "$tmp/g" &&
    grep -q '^  w_r  *0.01 ' "$tmp/g" && grep -q '^  wr_factor  *10 ' "$tmp/g" && grep -q '^  adaptive  *true ' "$tmp/g" &&
    grep -q '^  adaptive_every  *1 ' "$tmp/g" && grep -q '^  adaptive_m  *2 ' "$tmp/g" &&
    grep -q '^  adaptive_iters  *5 ' "$tmp/g" && grep -q '^  adaptive_weight  *1 ' "$tmp/g"; echo $?)"
check "algos: adaptive's default says why (the paper's main method; the baseline of issue 21)" \
  "$(grep '^  adaptive  ' "$tmp/g" | grep -q "paper's main method.*baseline"; echo $?)"

# the pendulum: guiding samples of a narrowed guiding distribution (guide_cov_scale = 0.01: the
# slides' -Q_uu^-1 is far wider than the action box on this task, which has no control cost)
R=$tmp/g1
"$T" run --algo gps --env inverted-pendulum --steps 5000 --seed 3 --quiet --out "$R" \
  --set guide_cov_scale=0.01 >"$tmp/out" 2>"$tmp/err"
check "gps pendulum: exit 0, nothing on stderr ($(cat "$tmp/err"))" "$(test $? -eq 0 && test ! -s "$tmp/err"; echo $?)"
check "progress.tsv: the GPS columns at the end of the header, after model_steps" \
  "$(head -1 "$R/progress.tsv" | grep -q "$(printf 'model_steps\tis_estimate\tis_estimate_best\taccepted\tw_r\tess_min\tess_mean\teval_return')"; echo $?)"
# a random policy's pendulum episodes last about 8 steps (trpo's first batch: 8.4)
check "gps pendulum: theta*'s real return every iteration >= 50 (random: about 8) ($(progress_col "$R/progress.tsv" eval_return '$'))" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "eval_return") c = i; next }
    !($c >= 50) { bad = 1 } END { exit bad || NR < 3 }' "$R/progress.tsv"; echo $?)"
check "gps: return_mean is eval_return" \
  "$(test "$(progress_col "$R/progress.tsv" return_mean '$')" = "$(progress_col "$R/progress.tsv" eval_return '$')"; echo $?)"
# steps: m H guiding + ceil(n_steps/H) H of theta* + the same of theta_1 + adaptive_m H
# adaptive guiding samples (+ resampled theta*); later iterations 5 + 2 (+ 5) trajectories
s1=$(progress_col "$R/progress.tsv" steps 1); a1=$(progress_col "$R/progress.tsv" accepted 1)
check "gps: iteration 1's steps = (20 + 5 + 5 + 2) 100 (+ 500 resampled when rejected) ($s1, accepted $a1)" \
  "$(test "$s1" = $((3200 + (1 - a1) * 500)); echo $?)"
check "gps: every later iteration adds (5 + 2) 100 real steps (+ 500 when rejected)" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "steps") s = i; if ($i == "accepted") a = i }; next }
    NR > 2 && $s - p != 700 + (1 - $a) * 500 { bad = 1 } { p = $s } END { exit bad || NR < 4 }' "$R/progress.tsv"; echo $?)"
check "gps: model_steps > 0 from iLQR and growing every iteration (the adaptive re-plans)" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "model_steps") c = i; next }
    !($c > p) { bad = 1 } { p = $c } END { exit bad || NR < 3 }' "$R/progress.tsv"; echo $?)"
check "gps: nominal_return (the re-planned solutions' fixed-horizon return) every iteration" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "nominal_return") c = i; next }
    $c == "nan" { bad = 1 } END { exit bad }' "$R/progress.tsv"; echo $?)"
# the baseline without adaptive guiding samples: iLQR only in the setup
"$T" run --algo gps --env inverted-pendulum --steps 5000 --seed 3 --quiet --out "$tmp/na" \
  --set guide_cov_scale=0.01 --set adaptive=false >/dev/null 2>"$tmp/err"
check "gps adaptive=false: exit 0 ($(cat "$tmp/err"))" $?
s1=$(progress_col "$tmp/na/progress.tsv" steps 1); a1=$(progress_col "$tmp/na/progress.tsv" accepted 1)
check "gps adaptive=false: iteration 1's steps = (20 + 5 + 5) 100 (+ 500) ($s1, accepted $a1)" \
  "$(test "$s1" = $((3000 + (1 - a1) * 500)); echo $?)"
check "gps adaptive=false: model_steps unchanged after the setup, below adaptive's" \
  "$(test "$(progress_col "$tmp/na/progress.tsv" model_steps 1)" -gt 0 &&
     test "$(progress_col "$tmp/na/progress.tsv" model_steps 1)" = "$(progress_col "$tmp/na/progress.tsv" model_steps '$')" &&
     test "$(progress_col "$tmp/na/progress.tsv" model_steps '$')" -lt "$(progress_col "$R/progress.tsv" model_steps '$')"; echo $?)"
# adaptive_every 2: re-planned on even iterations only (2 more trajectories there)
"$T" run --algo gps --env inverted-pendulum --steps 5000 --seed 3 --quiet --out "$tmp/a2" \
  --set guide_cov_scale=0.01 --set adaptive_every=2 --set resample=false >/dev/null 2>&1
check "gps adaptive_every=2: 500 real steps on odd iterations after the first, 700 on even ones" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "steps") s = i; next }
    NR > 2 && $s - p != ((NR - 1) % 2 ? 500 : 700) { bad = 1 } { p = $s } END { exit bad || NR < 4 }' "$tmp/a2/progress.tsv"; echo $?)"
check "gps: w_r moves by the factor 10: down on accept, up on reject, within [1e-6, 1]" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "w_r") w = i; if ($i == "accepted") a = i }; p = 0.01; next }
    { want = $a == 1 ? p / 10 : p * 10; if (want < 1e-6) want = 1e-6; if (want > 1) want = 1;
      if ($w < want * (1 - 1e-9) || $w > want * (1 + 1e-9)) bad = 1; p = $w } END { exit bad }' "$R/progress.tsv"; echo $?)"
check "gps: accepted iff the IS estimate of theta_k beats theta*'s" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "is_estimate") e = i; if ($i == "is_estimate_best") b = i; if ($i == "accepted") a = i }; next }
    { if (($e > $b) != ($a == 1)) bad = 1 } END { exit bad }' "$R/progress.tsv"; echo $?)"
check "gps: 1 <= ess_min <= ess_mean <= |S_k| = 25" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "ess_min") m = i; if ($i == "ess_mean") e = i }; next }
    { if (!($m >= 1 && $m <= $e + 1e-9 && $e <= 25 + 1e-9)) bad = 1 } END { exit bad }' "$R/progress.tsv"; echo $?)"
"$T" run --algo gps --env inverted-pendulum --steps 5000 --seed 3 --quiet --out "$tmp/g2" --set guide_cov_scale=0.01 >/dev/null 2>&1
check "gps: the same seed, the same files (timing aside)" "$(same_run "$R" "$tmp/g2"; echo $?)"
check "gps: the saved policy evaluates" \
  "$("$T" evaluate "$R" --episodes 2 >/dev/null 2>&1; echo $?)"

# is-ps: runs alone, no model steps
"$T" run --algo is-ps --env inverted-pendulum --steps 3000 --seed 3 --quiet --out "$tmp/i1" >/dev/null 2>"$tmp/err"
check "is-ps pendulum: exit 0 ($(cat "$tmp/err"))" "$(test $? -eq 0 && test ! -s "$tmp/err"; echo $?)"
check "is-ps: model_steps 0, iteration 1's steps (20 + 5) 100 (+ 500)" \
  "$(test "$(progress_col "$tmp/i1/progress.tsv" model_steps '$')" = 0 &&
     test "$(progress_col "$tmp/i1/progress.tsv" steps 1)" = $((2500 + (1 - $(progress_col "$tmp/i1/progress.tsv" accepted 1)) * 500)); echo $?)"
"$T" run --algo is-ps --env inverted-pendulum --steps 3000 --seed 3 --quiet --out "$tmp/i2" >/dev/null 2>&1
check "is-ps: the same seed, the same files" "$(same_run "$tmp/i1" "$tmp/i2"; echo $?)"

# the adaptive re-plan pulls the guiding solutions toward what theta* does: the mean
# log pi_theta*(u_bar|x_bar) along each re-planned nominal rises, and by more with the term's
# weight 10 than with 0 (hook TRBENCH_TEST_GPS_TRACE: one stderr line per re-plan; hopper, a
# short horizon; measured: +1.28 and +3.05 against +0.15 and +0.26 in iteration 1)
HOP="--algo gps --env hopper --steps 600 --seed 2 --set H=50 --set m=4 --set subset=4 --set n_steps=100 --set lbfgs_iters=10 --set ml_iters=50 --set ilqr_iterations=10"
for w in 10 0; do
  TRBENCH_TEST_GPS_TRACE=1 "$T" run $HOP --set adaptive_weight=$w --quiet --out "$tmp/tr$w" >/dev/null 2>"$tmp/trace$w"
done
gains() { sed -n 's/^gps: iteration 1 re-plan \([0-9]*\): .* nominal \(.*\) -> \(.*\)$/\1 \2 \3/p' "$1" | awk '{ print $1, $3 - $2 }'; }
gains "$tmp/trace10" >"$tmp/g10"; gains "$tmp/trace0" >"$tmp/g0"
check "adaptive re-plan: two traced re-plans in iteration 1, each weight" \
  "$(test "$(wc -l <"$tmp/g10")" -eq 2 && test "$(wc -l <"$tmp/g0")" -eq 2; echo $?)"
check "adaptive re-plan: log pi along the nominal rises with weight 10, by more than with 0 + 0.5 ($(tr '\n' ' ' <"$tmp/g10")/ $(tr '\n' ' ' <"$tmp/g0"))" \
  "$(paste "$tmp/g10" "$tmp/g0" | awk '!($2 > 0 && $2 > $4 + 0.5) { bad = 1 } END { exit bad || NR != 2 }'; echo $?)"
check "adaptive re-plan: every traced re-plan with weight 10 raises it" \
  "$(sed -n 's/^gps: iteration [0-9]* re-plan [0-9]*: .* nominal \(.*\) -> \(.*\)$/\1 \2/p' "$tmp/trace10" | awk '!($2 > $1) { bad = 1 } END { exit bad || NR < 4 }'; echo $?)"

# --resume after a kill (SIGKILL): the run never interrupted, bit for bit.  gps: killed after
# iteration 2, the decisions scripted (TRBENCH_TEST_GPS_DECIDE) so that theta* changes after
# the resume and adaptive guides are made before and after it; is-ps: killed after 5.
resume_case() { # NAME KILL_AT ARGS...
  name=$1 k=$2; shift 2
  "$T" run "$@" --quiet --out "$tmp/$name-a" >/dev/null 2>&1
  (TRBENCH_TEST_KILL_AT_ITER=$k exec "$T" run "$@" --quiet --checkpoint-every 1 --out "$tmp/$name-b") >/dev/null 2>&1
  check "$name: killed at iteration $k" "$(test $? -eq 137; echo $?)"
  "$T" run "$@" --quiet --out "$tmp/$name-b" --resume >/dev/null 2>"$tmp/err"
  check "$name --resume: exit 0 ($(cat "$tmp/err"))" $?
  check "$name --resume: progress.tsv and summary.ini are the uninterrupted run's" \
    "$(same_run "$tmp/$name-a" "$tmp/$name-b"; echo $?)"
}
export TRBENCH_TEST_GPS_DECIDE=rrara
resume_case gps-resume 2 --algo gps --env inverted-pendulum --steps 4000 --seed 3 \
  --set guide_cov_scale=0.01 --set m=4 --set subset=4 --set n_steps=200
unset TRBENCH_TEST_GPS_DECIDE
check "gps-resume: the scripted decisions (0 0 1 0 1 ...)" \
  "$(test "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "accepted") c = i; next } NR <= 6 { printf "%s", $c }' "$tmp/gps-resume-a/progress.tsv")" = 00101; echo $?)"
resume_case is-ps-resume 5 --algo is-ps --env inverted-pendulum --steps 3000 --seed 3 --set m=2 \
  --set subset=2 --set n_steps=100

# the box's accept/reject and w_r on a scripted sequence of decisions; the saved policy is
# theta*, the best, not the last theta_k: a run whose last iteration (4) is rejected saves the
# parameters of the same run stopped after iteration 3 (its theta*), and not those of the run
# that accepts its last theta_k
G="--algo gps --env inverted-pendulum --seed 5 --set guide_cov_scale=0.01 --set m=4 --set subset=4 --set n_steps=200 --set resample=false"
# (4 + 2 + 2 + 2) 100 real steps in iteration 1, (2 + 2) 100 in each later one
TRBENCH_TEST_GPS_DECIDE=aarr "$T" run $G --steps 2200 --quiet --out "$tmp/d4r" >/dev/null 2>&1
TRBENCH_TEST_GPS_DECIDE=aara "$T" run $G --steps 2200 --quiet --out "$tmp/d4a" >/dev/null 2>&1
TRBENCH_TEST_GPS_DECIDE=aar "$T" run $G --steps 1800 --quiet --out "$tmp/d3" >/dev/null 2>&1
check "scripted: 4 and 3 iterations" "$(test "$(progress_col "$tmp/d4r/progress.tsv" iter '$')" = 4 && test "$(progress_col "$tmp/d3/progress.tsv" iter '$')" = 3; echo $?)"
check "scripted: accepted 1 1 0 0; w_r 0.001 1e-4 0.001 0.01 (down, down, up, up by 10 from 0.01)" \
  "$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "accepted") a = i; if ($i == "w_r") w = i }; split("1 1 0 0", A, " "); split("0.001 0.0001 0.001 0.01", W, " "); next }
    { if ($a != A[NR - 1] || $w < W[NR - 1] * (1 - 1e-12) || $w > W[NR - 1] * (1 + 1e-12)) bad = 1 } END { exit bad || NR != 5 }' "$tmp/d4r/progress.tsv"; echo $?)"
theta() { # the bytes of the checkpoint's theta block (line "f64 theta P", then 8P bytes), in hex
  line=$(grep -abo 'f64 theta [0-9][0-9]*' "$1/checkpoint.bin" | head -1)
  off=${line%%:*} hdr=${line#*:}
  tail -c +$((off + ${#hdr} + 2)) "$1/checkpoint.bin" | head -c $((8 * ${hdr##* })) | od -An -tx1 | tr -d ' \n'
}
check "saved policy: a found theta block" "$(test -n "$(theta "$tmp/d3")"; echo $?)"
check "saved policy: the rejected last theta_k is not saved; theta* (the 3-iteration run's) is" \
  "$(test "$(theta "$tmp/d4r")" = "$(theta "$tmp/d3")"; echo $?)"
check "saved policy: an accepted last theta_k is saved (it differs from the one before)" \
  "$(test "$(theta "$tmp/d4a")" != "$(theta "$tmp/d3")"; echo $?)"

# item 7: an effective sample size that collapses to 1 (forced at iteration 2: theta_k's std
# times e^-30, so each step's weight sits on one trajectory) is recorded (ess_min = 1) and the
# run goes on to its end, status ok
TRBENCH_TEST_GPS_COLLAPSE=2 "$T" run $G --steps 2200 --quiet --out "$tmp/col" >/dev/null 2>"$tmp/err"
check "ESS collapse: exit 0, status ok ($(cat "$tmp/err"))" \
  "$(test $? -eq 0 && grep -q '^status *= *ok' "$tmp/col/summary.ini"; echo $?)"
check "ESS collapse: iteration 2's ess_min is 1 ($(progress_col "$tmp/col/progress.tsv" ess_min 2)), iteration 1's above" \
  "$(awk -v e="$(progress_col "$tmp/col/progress.tsv" ess_min 2)" -v f="$(progress_col "$tmp/col/progress.tsv" ess_min 1)" 'BEGIN { exit !(e >= 1 && e < 1 + 1e-9 && f > 1.5) }'; echo $?)"
check "ESS collapse: the run goes on (4 iterations, finite estimates after it)" \
  "$(test "$(progress_col "$tmp/col/progress.tsv" iter '$')" = 4 &&
     awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "is_estimate") c = i; next } $c == "nan" || $c == "" { bad = 1 } END { exit bad }' "$tmp/col/progress.tsv"; echo $?)"

# a non-finite derivative in an adaptive re-plan (forced at iteration 3) ends the run
# diverged, as the ilqr algorithm's rule says (alg_ilqr_diverged, not the message's words):
# exit 1, the re-plan named, the iterations before it kept
TRBENCH_TEST_GPS_FAULT=3 "$T" run $G --steps 2200 --quiet --out "$tmp/flt" >/dev/null 2>"$tmp/err"
rc=$?
check "adaptive re-plan fault: exit 1 ($rc), status diverged, the re-plan named ($(grep '^reason' "$tmp/flt/summary.ini"))" \
  "$(test $rc -eq 1 && grep -q '^status *= *diverged' "$tmp/flt/summary.ini" &&
     grep -q '^reason = .*adaptive iLQR re-plan 0 (non-finite)' "$tmp/flt/summary.ini"; echo $?)"
check "adaptive re-plan fault: progress.tsv holds iterations 1-3 ($(progress_col "$tmp/flt/progress.tsv" iter '$'))" \
  "$(test "$(progress_col "$tmp/flt/progress.tsv" iter '$')" = 3; echo $?)"

# bad input: exit 2, one line, before training
bad() { # NAME ALGO ENV SETS... — exit 2, one line naming WHAT
  name=$1 algo=$2 env=$3 want=$4; shift 4
  "$T" run --algo "$algo" --env "$env" --steps 1000 --seed 1 --quiet --out "$tmp/bad" "$@" >/dev/null 2>"$tmp/err"
  rc=$?
  check "$name: exit 2, one line with '$want' (rc $rc: $(cat "$tmp/err"))" \
    "$(test $rc -eq 2 && test "$(wc -l <"$tmp/err")" -eq 1 && grep -q "^trbench: error: .*$want" "$tmp/err"; echo $?)"
  rm -rf "$tmp/bad"
}
bad "gps on a non-MuJoCo environment" gps cartpole "gps"
bad "is-ps on a non-MuJoCo environment" is-ps cartpole "is-ps"
bad "gps m = 0" gps inverted-pendulum "m" --set m=0
bad "gps n_ilqr = 0" gps inverted-pendulum "n_ilqr" --set n_ilqr=0
bad "gps n_ilqr above m" gps inverted-pendulum "n_ilqr is above m" --set m=3 --set n_ilqr=4
bad "gps subset larger than the set" gps inverted-pendulum "subset is larger" --set subset=26
bad "is-ps subset larger than the set" is-ps inverted-pendulum "subset is larger" --set subset=21
bad "gps on a MuJoCo task without a model (reacher)" gps reacher "reacher"
bad "gps adaptive_m = 0" gps inverted-pendulum "adaptive_m" --set adaptive_m=0
bad "gps adaptive_every = 0" gps inverted-pendulum "adaptive_every" --set adaptive_every=0
bad "is-ps m = 0" is-ps inverted-pendulum "m" --set m=0
bad "is-ps has no adaptive" is-ps inverted-pendulum "adaptive" --set adaptive=true
bad "gps wr_min above wr_max" gps inverted-pendulum "wr_min is above wr_max" --set wr_min=2
bad "gps w_r outside its bounds" gps inverted-pendulum "w_r is outside" --set w_r=5
bad "gps normalize_obs" gps inverted-pendulum "normalize_obs = 0" --set normalize_obs=true
bad "gps n_envs 2" gps inverted-pendulum "n_envs = 1" --set n_envs=2
finish cli_gps
