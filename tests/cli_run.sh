#!/bin/sh
# trbench run: bad input gives exit status 2 and exactly one stderr line "trbench: error: ..."
# (the exact text is checked) and leaves nothing behind; a good run writes a complete run
# directory atomically (DESIGN.md, Run directory), replaces an existing one, and is
# reproducible: the same seed gives byte-identical files except the timing fields.
# Exit status: 0 pass, 1 a check failed, 99 trbench missing.
. "$(dirname "$0")/lib.sh"
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
if [ ! -x "$T" ]; then
  echo "cli_run: $T is not an executable trbench"
  exit 99
fi

fail() {
  echo "FAIL: $*"
  fails=$((fails + 1))
}

# expect_error "expected stderr line" run-arguments...  (always --out $tmp/bad unless given)
expect_error() {
  want=$1
  shift
  n=$((n + 1))
  "$T" run "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  got=$(cat "$tmp/err")
  lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ne 2 ] || [ "$got" != "$want" ] || [ "$lines" -ne 1 ]; then
    echo "FAIL: trbench run $*"
    echo "  exit $rc (want 2), $lines line(s) on stderr"
    echo "  got:  $got"
    echo "  want: $want"
    fails=$((fails + 1))
  fi
  if [ -s "$tmp/out" ]; then
    fail "trbench run $*: bad input printed on stdout: $(cat "$tmp/out")"
  fi
}

E="trbench: error:"
B="--env cartpole --steps 100 --seed 1 --out $tmp/bad"

# ---- unknown names, parameters and values ----------------------------------------------
# the lists the messages give are `trbench algos`' (never written out here: a new algorithm
# or parameter must not break this test)
algos=$("$T" algos | awk -F' — ' '/^[^ ].* — / { print $1 }' | paste -sd, - | sed 's/,/, /g')
params() { "$T" algos | sed -n "/^$1 — /,/^\$/p" | awk 'NR > 1 && NF { print $1 }' | paste -sd, - | sed 's/,/, /g'; }
check "trbench algos lists ppo-clip and trpo ($algos)" \
  "$(echo ", $algos," | grep -q ', ppo-clip, ' && echo ", $algos," | grep -q ', trpo, '; echo $?)"
expect_error "$E --algo: unknown algorithm 'nope' (known: $algos)" \
  --algo nope $B
expect_error "$E --set bogus=1: ppo-clip has no parameter 'bogus' (its parameters: $(params ppo-clip))" \
  --algo ppo-clip $B --set bogus=1
# CleanRL's and SB3's names that trbench spells otherwise: refused with the translation
expect_error "$E --set num_steps=512: num_steps is CleanRL's steps per environment per rollout; trbench's n_steps counts all environments together: set n_steps = num_steps x n_envs (512 x 4 = 2048 with n_envs = 4 so far)" \
  --algo ppo-clip $B --set n_envs=4 --set num_steps=512
expect_error "$E --set num_minibatches=32: num_minibatches is CleanRL's minibatch count; trbench sets the minibatch size: batch_size = n_steps / num_minibatches (n_steps: all environments)" \
  --algo ppo-clip $B --set num_minibatches=32
expect_error "$E --set update_epochs=4: update_epochs is CleanRL's; trbench's is n_epochs" \
  --algo ppo-clip $B --set update_epochs=4
expect_error "$E --set clip_coef=0.2: clip_coef is CleanRL's; trbench's is clip_range" \
  --algo ppo-clip $B --set clip_coef=0.2
expect_error "$E --set clip_range=11: clip_range must be a number in [0, 10]" \
  --algo ppo-clip $B --set clip_range=11
expect_error "$E --set gamma=1: gamma must be a number in [-1, 0.999999]" \
  --algo trpo $B --set gamma=1
expect_error "$E --set n_steps=0: n_steps must be an integer in [1, 100000000]" \
  --algo ppo-clip $B --set n_steps=0
expect_error "$E --set n_steps=1.5: n_steps must be an integer in [1, 100000000]" \
  --algo ppo-clip $B --set n_steps=1.5
expect_error "$E --set clip_range=abc: 'abc' is not a number (clip_range must be a number in [0, 10])" \
  --algo ppo-clip $B --set clip_range=abc
expect_error "$E --set target_kl=nan: 'nan' is not a number (target_kl must be a number in [1e-12, 10])" \
  --algo trpo $B --set target_kl=nan
expect_error "$E --set sampling=bogus: sampling must be one of single|vine" \
  --algo trpo $B --set sampling=bogus
expect_error "$E --set normalize_obs=maybe: normalize_obs must be true or false" \
  --algo ppo-clip $B --set normalize_obs=maybe
expect_error "$E --set clip_range: expected key=value" \
  --algo ppo-clip $B --set clip_range
# npg has no line search and no vine: its parameters are its own
expect_error "$E --set sampling=vine: npg has no parameter 'sampling' (its parameters: $(params npg))" \
  --algo npg $B --set sampling=vine
# npg's fixed step must be positive; vine settings must fit in the trunk batch
expect_error "$E run: step_size must be > 0 (the natural-gradient step eta)" \
  --algo npg $B --set step_size=0
expect_error "$E run: vine: 3000 states x 2 actions = 6000 Q-values exceed the trunk batch n_steps=2048" \
  --algo trpo $B --set sampling=vine --set vine_states=3000
expect_error "$E run: vine: 1250 states x 2 actions = 2500 Q-values exceed the trunk batch n_steps=2048" \
  --algo trpo $B --set sampling=vine --set vine_settings=appendix-e
expect_error "$E --env: unknown environment 'nope' (known: cartpole, acrobot, mountaincar, pendulum, mountaincar-continuous, hopper, walker2d, halfcheetah, swimmer, inverted-pendulum, inverted-double-pendulum, reacher, ant, humanoid, humanoid-standup, pusher, hopper-terrain:SEED, walker2d-terrain:SEED, garnet:S,A,b[,seed], chain:N, gridworld:W,H,slip, frozenlake4, frozenlake8, frozenlake4-continuing, frozenlake8-continuing, cliffwalking, mdp:PATH)" \
  --algo ppo-clip --env nope --steps 100 --seed 1 --out "$tmp/bad"

# ---- algorithm and environment that do not fit ------------------------------------------
# cpi is the only algorithm restricted to discrete (indeed tabular) environments
expect_error "$E run: algorithm cpi needs a tabular environment (garnet:, chain:, gridworld:, frozenlake4/8, cliffwalking, mdp:); cartpole is not one" \
  --algo cpi $B
expect_error "$E run: algorithm cpi needs a tabular environment (garnet:, chain:, gridworld:, frozenlake4/8, cliffwalking, mdp:); pendulum is not one" \
  --algo cpi --env pendulum --steps 100 --seed 1 --out "$tmp/bad"
n=$((n + 1))
"$T" algos >"$tmp/algos" 2>&1 || fail "trbench algos exited non-zero"
marked=$(grep -c '\[discrete actions\]' "$tmp/algos")
if [ "$marked" -ne 1 ] || ! grep -q '^cpi — .*\[tabular environments\] \[discrete actions\]$' "$tmp/algos"; then
  fail "trbench algos: want exactly one discrete-only algorithm (cpi), found $marked"
fi
expect_error "$E run: value_function=exact needs a tabular environment; cartpole is not one" \
  --algo ppo-clip $B --set value_function=exact
expect_error "$E run: value_function=exact needs a tabular environment; pendulum is not one" \
  --algo trpo --env pendulum --steps 100 --seed 1 --out "$tmp/bad" --set value_function=exact
expect_error "$E run: batch_size=4096 exceeds n_steps=2048" \
  --algo ppo-clip $B --set batch_size=4096
expect_error "$E run: batch_size=65 exceeds n_steps=64" \
  --algo ppo-kl $B --set n_steps=64 --set batch_size=65
expect_error "$E run: n_steps=100 must be a multiple of n_envs=3" \
  --algo ppo-clip $B --set n_steps=100 --set n_envs=3
expect_error "$E run: vine: 2000 states x 2 actions = 4000 Q-values exceed the trunk batch n_steps=2048" \
  --algo trpo $B --set sampling=vine --set vine_states=2000

# ---- missing and malformed flags --------------------------------------------------------
expect_error "$E run: --out DIR is required" --algo ppo-clip --env cartpole --steps 100 --seed 1
expect_error "$E run: --seed S is required" --algo ppo-clip --env cartpole --steps 100 --out "$tmp/bad"
expect_error "$E run: --steps N (N >= 1) is required" --algo ppo-clip --env cartpole --seed 1 --out "$tmp/bad"
expect_error "$E run: --steps N (N >= 1) is required" --algo ppo-clip $B --steps 0
expect_error "$E run: --algo NAME is required (trbench algos lists them)" $B
expect_error "$E run: --env NAME is required (trbench envs lists them)" --algo ppo-clip --steps 100 --seed 1 --out "$tmp/bad"
expect_error "$E --steps: 'x' is not a non-negative integer" --algo ppo-clip $B --steps x
expect_error "$E --seed: '-1' is not a non-negative integer" --algo ppo-clip $B --seed -1
expect_error "$E run: unknown or incomplete option '--bogus' (trbench run --help)" --algo ppo-clip $B --bogus
expect_error "$E run: unexpected argument 'extra'" --algo ppo-clip $B extra

n=$((n + 1))
if [ -e "$tmp/bad" ] || ls "$tmp" | grep -q '\.tmp\.'; then
  fail "bad input left a run directory behind: $(ls "$tmp")"
fi

# ---- --steps below one batch: one whole batch, with a warning --------------------------------
"$T" run --algo ppo-clip --env cartpole --steps 100 --seed 1 --set n_steps=256 --quiet \
  --out "$tmp/short" >"$tmp/out" 2>"$tmp/err"
check "--steps 100 < n_steps 256: exit 0" $?
check "--steps 100 < n_steps 256: one warning line saying so" \
  "$(test "$(wc -l <"$tmp/err")" -eq 1 &&
     grep -qx 'trbench: warning: --steps 100 is less than one batch (n_steps = 256): the run trains one whole batch, 256 steps' "$tmp/err"; echo $?)"
check "--steps 100 < n_steps 256: summary.ini says 256 steps" \
  "$(grep -qx 'steps = 256' "$tmp/short/summary.ini"; echo $?)"

# ---- the happy path: a complete run directory ----------------------------------------------
# run_ok DIR args...: exit 0, nothing on stderr
run_ok() {
  dir=$1
  shift
  n=$((n + 1))
  if ! "$T" run "$@" --out "$dir" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
    fail "trbench run $* --out $dir: exit status or stderr: $(cat "$tmp/err")"
    return 1
  fi
  return 0
}

# check_rundir DIR ALGO: config.ini, progress.tsv and summary.ini complete, no temporaries
check_rundir() {
  d=$1
  algo=$2
  n=$((n + 1))
  for f in config.ini progress.tsv summary.ini checkpoint.bin; do
    [ -s "$d/$f" ] || fail "$d/$f missing or empty"
  done
  [ "$(ls "$d" | wc -l)" -eq 4 ] || fail "$d holds more than the four files: $(ls "$d")"
  # config.ini: the run section and every parameter `trbench algos` lists for ALGO, each once
  n=$((n + 1))
  for k in algo env steps seed trbench_version commit command gamma_resolved iterations \
    policy_parameters; do
    grep -q "^$k = ." "$d/config.ini" || fail "$d/config.ini: no '$k = ...'"
  done
  grep -qx "\[$algo\]" "$d/config.ini" || fail "$d/config.ini: no [$algo] section"
  awk -v a="$algo" '/^[^ ]/ { on = ($1 == a) } on && /^  [a-z_]+ / { print $1 }' "$tmp/algos" >"$tmp/params"
  [ -s "$tmp/params" ] || fail "trbench algos lists no parameters for $algo"
  sed -n "/^\[$algo\]$/,\$ s/ = .*//p" "$d/config.ini" >"$tmp/written"
  cmp -s "$tmp/params" "$tmp/written" ||
    fail "$d/config.ini: [$algo] parameters differ from trbench algos: $(diff "$tmp/params" "$tmp/written" | tr '\n' ' ')"
  # progress.tsv: the header's first 12 columns, and one full row per iteration
  n=$((n + 1))
  want=$(printf 'iter\tsteps\tepisodes\treturn_mean\treturn_std\tep_len\tkl_mean\tentropy\tclip_frac\tsurrogate_gain\tvalue_loss\tseconds')
  got=$(head -n 1 "$d/progress.tsv" | cut -f1-12)
  [ "$got" = "$want" ] || fail "$d/progress.tsv header starts '$got'"
  iters=$(sed -n 's/^iterations = //p' "$d/summary.ini")
  rows=$(($(wc -l <"$d/progress.tsv") - 1))
  [ "$rows" = "$iters" ] || fail "$d/progress.tsv: $rows rows for $iters iterations"
  awk -F'\t' 'NR == 1 { nf = NF } NF != nf { bad = 1 } END { exit bad }' "$d/progress.tsv" ||
    fail "$d/progress.tsv: rows with a different number of fields than the header"
  # summary.ini: status ok and a finite return_last100
  n=$((n + 1))
  grep -qx 'status = ok' "$d/summary.ini" || fail "$d/summary.ini: status is not ok"
  r=$(sed -n 's/^return_last100 = //p' "$d/summary.ini")
  awk -v x="$r" 'BEGIN { exit !(x != "" && x == x + 0) }' || fail "$d/summary.ini: return_last100 '$r'"
  for k in episodes steps iterations wall_seconds steps_per_s reason; do
    grep -q "^$k = " "$d/summary.ini" || fail "$d/summary.ini: no '$k = ...'"
  done
  n=$((n + 1))
  if ls "$(dirname "$d")" | grep -q '\.tmp\.\|\.old\.'; then
    fail "a temporary directory was left beside $d: $(ls "$(dirname "$d")")"
  fi
}

R="--algo ppo-clip --env cartpole --steps 4096 --seed 7 --set n_steps=512 --set batch_size=64"
if run_ok "$tmp/a" $R --quiet; then
  check_rundir "$tmp/a" ppo-clip
  n=$((n + 1))
  # --quiet: no progress line, only the closing line (so a Slurm .out shows how it ended)
  { [ "$(wc -l <"$tmp/out")" -eq 1 ] && grep -q "^ppo-clip: ok, return_last100 .* steps -> $tmp/a\$" "$tmp/out"; } ||
    fail "--quiet: expected only the closing line, got: $(cat "$tmp/out")"
fi

# re-running into the same --out replaces the directory (nothing of the old one survives)
n=$((n + 1))
[ -d "$tmp/a" ] && echo stale >"$tmp/a/stale-marker"
if run_ok "$tmp/a" $R --quiet; then
  [ -e "$tmp/a/stale-marker" ] && fail "re-running into $tmp/a kept the old directory's files"
  check_rundir "$tmp/a" ppo-clip
fi

# same seed: identical progress.tsv except `seconds` (column 12), identical summary.ini except
# wall_seconds and steps_per_s, identical config.ini except the command line (it names --out);
# "$tmp/a" is the second of two runs into the same directory, so the replacement is covered too
if run_ok "$tmp/b" $R; then
  n=$((n + 1))
  grep -q "^ppo-clip: ok, return_last100 .* steps -> $tmp/b\$" "$tmp/out" ||
    fail "trbench run without --quiet: unexpected stdout: $(cat "$tmp/out")"
  n=$((n + 1))
  [ "$(head -n 1 "$tmp/a/progress.tsv" | cut -f12)" = seconds ] || fail "column 12 is not seconds"
  cut -f1-11,13- "$tmp/a/progress.tsv" >"$tmp/pa"
  cut -f1-11,13- "$tmp/b/progress.tsv" >"$tmp/pb"
  cmp -s "$tmp/pa" "$tmp/pb" || fail "same seed, different progress.tsv: $(diff "$tmp/pa" "$tmp/pb" | head -n 4)"
  n=$((n + 1))
  grep -v '^wall_seconds = \|^steps_per_s = \|^exact_seconds = ' "$tmp/a/summary.ini" >"$tmp/sa"
  grep -v '^wall_seconds = \|^steps_per_s = \|^exact_seconds = ' "$tmp/b/summary.ini" >"$tmp/sb"
  cmp -s "$tmp/sa" "$tmp/sb" || fail "same seed, different summary.ini: $(diff "$tmp/sa" "$tmp/sb")"
  n=$((n + 1))
  grep -v '^command = ' "$tmp/a/config.ini" >"$tmp/ca"
  grep -v '^command = ' "$tmp/b/config.ini" >"$tmp/cb"
  cmp -s "$tmp/ca" "$tmp/cb" || fail "same seed, different config.ini: $(diff "$tmp/ca" "$tmp/cb")"
  # another seed gives another run (the comparison above is not vacuous)
  n=$((n + 1))
  if run_ok "$tmp/c" --algo ppo-clip --env cartpole --steps 4096 --seed 8 --set n_steps=512 \
    --set batch_size=64 --quiet; then
    cut -f1-11,13- "$tmp/c/progress.tsv" >"$tmp/pc"
    cmp -s "$tmp/pa" "$tmp/pc" && fail "seeds 7 and 8 give the same progress.tsv"
  fi
fi

# a tabular run adds the exact scores to summary.ini, and its parameters are resolved
if run_ok "$tmp/g" --algo trpo --env garnet:5,2,2 --steps 2000 --seed 3 --set n_steps=500 --quiet; then
  check_rundir "$tmp/g" trpo
  n=$((n + 1))
  for k in exact_J optimal_J; do
    grep -q "^$k = -\{0,1\}[0-9]" "$tmp/g/summary.ini" || fail "$tmp/g/summary.ini: no numeric $k"
  done
  grep -qx 'gamma_resolved = 0.98999999999999999' "$tmp/g/config.ini" ||
    fail "$tmp/g/config.ini: gamma -1 not resolved to the garnet's 0.99"
  grep -qx 'n_steps = 500' "$tmp/g/config.ini" || fail "$tmp/g/config.ini: --set n_steps=500 not written"
fi

echo "cli_run: $n checks, $fails failed"
[ "$fails" -eq 0 ]
