#!/bin/sh
# `make installcheck`: the installed trbench, run from a folder outside the source tree,
# finds its MuJoCo models and its experiment specs in its data directory.
# Usage: sh tests/installcheck.sh BINDIR [DATADIR]
set -u
B=${1:?usage: installcheck.sh BINDIR}
T="$B/trbench"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
cd "$w" || exit 99
TRBENCH_STATE_DIR="$w/state" # the sweep's look-up file stays in the scratch folder
export TRBENCH_STATE_DIR OPENBLAS_NUM_THREADS=1
unset TRBENCH_MODELS
fails=0
n=0
check() { # "what" STATUS
  n=$((n + 1))
  if [ "$2" -eq 0 ]; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi
}
check "the installed binary runs" "$("$T" help >/dev/null 2>&1; echo $?)"
check "envs lists hopper" "$("$T" envs | grep -q '^hopper'; echo $?)"
check "a MuJoCo task loads its model from the data directory" \
  "$("$T" rollout --env hopper --episodes 1 --seed 1 >/dev/null; echo $?)"
check "a shipped spec is found in the data directory" \
  "$("$T" sweep experiments/ppo_table1.ini --jobs-file jobs.txt >/dev/null && test "$(wc -l <jobs.txt)" -eq 231; echo $?)"
# the README's examples that name installed files (DATADIR: $(pkgdatadir); optional so an old
# call with BINDIR alone still checks the rest)
if [ -n "${2:-}" ]; then
  check "the README's MDP example evaluates from here ($2/examples/kakade.mdp)" \
    "$("$T" eval --mdp "$2/examples/kakade.mdp" --policy uniform | grep -q '^# J'; echo $?)"
  check "the Slurm array script is installed ($2/slurm/array.sbatch)" \
    "$(test -x "$2/slurm/array.sbatch"; echo $?)"
fi
echo "installcheck: $n checks, $fails failed"
[ "$fails" -eq 0 ]
