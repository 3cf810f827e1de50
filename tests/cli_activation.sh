#!/bin/sh
# activation=softplus (algorithms/nn.h: σ(x) = log(1 + e^x), the soft rectifier of GPS's
# policies) for every algorithm that `trbench algos` lists with the activation parameter (the
# list is read, never written here): offered among the choices, accepted by `run` on the first
# of pendulum, inverted-pendulum, cartpole, frozenlake4 the algorithm takes, recorded in
# config.ini, and, wherever the activation reaches a network (tanh and relu runs differ),
# a run that differs from both and repeats bit for bit; a bad name is refused (exit 2, one line).
. "$(dirname "$0")/lib.sh"

"$T" algos >"$tmp/algos"
algos=$(awk -F' — ' '/^[^ ].* — / { print $1 }' "$tmp/algos")
section() { sed -n "/^$1 — /,/^\$/p" "$tmp/algos"; }
has() { section "$1" | grep -q "^  $2 "; }
# small settings, each given to the algorithms that have the parameter (GPS's iLQR and fits
# would take seconds at their defaults)
cheap="n_steps=128 H=20 m=2 n_ilqr=1 ilqr_iterations=2 lbfgs_iters=3 ml_iters=3 eval_episodes=1 subset=2"
ran=0
reached=""
for a in $algos; do
  has "$a" activation || continue
  check "algos: $a's activation offers tanh|relu|softplus" \
    "$(section "$a" | grep '^  activation ' | grep -q 'one of tanh|relu|softplus'; echo $?)"
  sets=""
  for kv in $cheap; do has "$a" "${kv%%=*}" && sets="$sets --set $kv"; done
  # a repeatable mode where there is one (a3c's threads are not)
  section "$a" | grep -q '^  mode .*deterministic' && sets="$sets --set mode=deterministic"
  env=""
  for e in pendulum inverted-pendulum cartpole frozenlake4; do
    # exit 2: not an environment of this algorithm (or no MuJoCo); try the next
    if "$T" run --algo "$a" --env $e --steps 256 --seed 2 $sets --set activation=softplus --quiet \
      --out "$tmp/$a.softplus" >/dev/null 2>"$tmp/err"; then
      env=$e
      break
    fi
  done
  if [ -z "$env" ]; then
    echo "# $a takes none of the environments tried: $(cat "$tmp/err")"
    continue
  fi
  ran=$((ran + 1))
  check "$a on $env: config.ini records activation = softplus" \
    "$(grep -qx 'activation = softplus' "$tmp/$a.softplus/config.ini"; echo $?)"
  for act in tanh relu; do
    "$T" run --algo "$a" --env $env --steps 256 --seed 2 $sets --set activation=$act --quiet \
      --out "$tmp/$a.$act" >/dev/null 2>&1
  done
  if same_run "$tmp/$a.tanh" "$tmp/$a.relu"; then
    echo "# $a on $env: tanh and relu give the same run (no hidden units in play)"
    continue
  fi
  reached="$reached $a"
  check "$a on $env: softplus gives another run than tanh and relu" \
    "$(! same_run "$tmp/$a.softplus" "$tmp/$a.tanh" && ! same_run "$tmp/$a.softplus" "$tmp/$a.relu"; echo $?)"
  "$T" run --algo "$a" --env $env --steps 256 --seed 2 $sets --set activation=softplus --quiet \
    --out "$tmp/$a.softplus2" >/dev/null 2>&1
  check "$a on $env: softplus, the same seed, the same files (timing aside)" \
    "$(same_run "$tmp/$a.softplus" "$tmp/$a.softplus2"; echo $?)"
done
echo "# softplus reached the networks of:$reached"
check "softplus ran for at least 2 algorithms ($ran)" "$(test $ran -ge 2; echo $?)"
# the Gaussian MLP policies the issue names: PPO's always, GPS's where MuJoCo is built
for a in ppo-clip trpo; do
  check "softplus reached $a's networks" "$(echo " $reached " | grep -q " $a "; echo $?)"
done
if "$T" envs 2>/dev/null | grep -q 'inverted-pendulum'; then
  check "softplus reached gps's policy" "$(echo " $reached " | grep -q " gps "; echo $?)"
fi
expect_prefix "trbench: error: --set activation=gelu: activation must be one of tanh|relu|softplus" \
  run --algo ppo-clip --env pendulum --steps 256 --seed 1 --set activation=gelu --out "$tmp/bad"
check "a refused activation leaves no run directory" "$(test ! -e "$tmp/bad"; echo $?)"
finish cli_activation
