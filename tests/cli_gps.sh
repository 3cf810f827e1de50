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
  n_ilqr ilqr_iterations fd_eps guide_cov_scale ml_iters adaptive; do
  check "algos: gps has the parameter $p" "$(grep -q "^  $p " "$tmp/g"; echo $?)"
done
for p in n_steps H subset lbfgs_iters w_r wr_factor wr_min wr_max resample eval_episodes m; do
  check "algos: is-ps has the parameter $p" "$(grep -q "^  $p " "$tmp/i"; echo $?)"
done
check "algos: is-ps has no guiding parameters" "$(! grep -q '^  n_ilqr \|^  adaptive ' "$tmp/i"; echo $?)"
check "algos: defaults m 20, n_ilqr 2, subset 20, w_r 0.01, wr_factor 10, adaptive false" \
  "$(grep -q '^  m  *20 ' "$tmp/g" && grep -q '^  n_ilqr  *2 ' "$tmp/g" && grep -q '^  subset  *20 ' "$tmp/g" &&
    grep -q '^  w_r  *0.01 ' "$tmp/g" && grep -q '^  wr_factor  *10 ' "$tmp/g" && grep -q '^  adaptive  *false ' "$tmp/g"; echo $?)"

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
# steps: m H guiding + ceil(n_steps/H) H of theta* + the same of theta_1 (+ resampled theta*)
s1=$(progress_col "$R/progress.tsv" steps 1); a1=$(progress_col "$R/progress.tsv" accepted 1)
check "gps: iteration 1's steps = (20 + 5 + 5) 100 (+ 500 resampled when rejected) ($s1, accepted $a1)" \
  "$(test "$s1" = $((3000 + (1 - a1) * 500)); echo $?)"
check "gps: model_steps > 0 from iLQR, unchanged after the setup" \
  "$(test "$(progress_col "$R/progress.tsv" model_steps 1)" -gt 0 && test "$(progress_col "$R/progress.tsv" model_steps 1)" = "$(progress_col "$R/progress.tsv" model_steps '$')"; echo $?)"
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

# --resume: refused (the sample set is not checkpointed), one line
A="--algo is-ps --env inverted-pendulum --steps 3000 --seed 3 --set m=2 --set subset=2 --set n_steps=100"
(TRBENCH_TEST_KILL_AT_ITER=2 exec "$T" run $A --quiet --checkpoint-every 1 --out "$tmp/k") >/dev/null 2>&1
check "is-ps: killed at iteration 2" "$(test $? -eq 137; echo $?)"
"$T" run $A --quiet --out "$tmp/k" --resume >/dev/null 2>"$tmp/err"
rc=$?
check "is-ps --resume: refused, one line (rc $rc: $(cat "$tmp/err"))" \
  "$(test $rc -ne 0 && test "$(wc -l <"$tmp/err")" -eq 1 && grep -q 'cannot be resumed yet' "$tmp/err"; echo $?)"

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
bad "gps adaptive = true" gps inverted-pendulum "adaptive guiding samples are not implemented" --set adaptive=true
bad "gps wr_min above wr_max" gps inverted-pendulum "wr_min is above wr_max" --set wr_min=2
bad "gps w_r outside its bounds" gps inverted-pendulum "w_r is outside" --set w_r=5
bad "gps normalize_obs" gps inverted-pendulum "normalize_obs = 0" --set normalize_obs=true
bad "gps n_envs 2" gps inverted-pendulum "n_envs = 1" --set n_envs=2
finish cli_gps
