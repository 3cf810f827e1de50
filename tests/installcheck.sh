#!/bin/sh
# `make installcheck`: the installed trbench, run from a folder outside the source tree,
# finds its MuJoCo models and its experiment specs in its data directory.
# Usage: sh tests/installcheck.sh BINDIR
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
# every MuJoCo row of envs (those that name a model file when it cannot be read) loads
"$T" envs >envs.tsv
check "envs: every row has its sizes (no model missing from the data directory)" \
  "$(! grep -q 'error:' envs.tsv; echo $?)"
check "a shipped spec is found in the data directory" \
  "$("$T" sweep experiments/ppo_table1.ini --jobs-file jobs.txt >/dev/null && test "$(wc -l <jobs.txt)" -eq 231; echo $?)"
echo "installcheck: $n checks, $fails failed"
[ "$fails" -eq 0 ]
