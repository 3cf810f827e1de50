#!/bin/sh
# `make installcheck`: the installed trbench, run from a folder outside the source tree,
# finds its MuJoCo models and its experiment specs in its data directory.
# And the README's variant out of tree ("Algorithms and adding a variant"): its two C blocks
# and its spec written to the scratch folder as the files they name, then its shell block run
# there as written, against the installed library (trbench.pc found through PKG_CONFIG_PATH,
# which the Makefile points at the installed one).
# Usage: sh tests/installcheck.sh BINDIR [README [DATADIR]]
set -u
B=${1:?usage: installcheck.sh BINDIR [README]}
R=${2:-}
case $R in "" | /*) ;; *) R="$(pwd)/$R" ;; esac
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
# the README's examples that name installed files (DATADIR: $(pkgdatadir))
if [ -n "${3:-}" ]; then
  check "the README's MDP example evaluates from here ($3/examples/kakade.mdp)" \
    "$("$T" eval --mdp "$3/examples/kakade.mdp" --policy uniform | grep -q '^# J'; echo $?)"
  check "the Slurm array script is installed ($3/slurm/array.sbatch)" \
    "$(test -x "$3/slurm/array.sbatch"; echo $?)"
fi
if [ -n "$R" ]; then
  # block K (1-based) of language LANG under the section, on stdout
  block() {
    awk -v lang="$1" -v want="$2" '/^## Algorithms and adding a variant/ { s = 1; next }
      s && /^## / { exit } s && $0 == "```" lang { f = 1; k++; next }
      f && /^```$/ { f = 0; if (k == want) exit; next } f && k == want { print }' "$R"
  }
  mkdir v && cd v || exit 99
  block c 1 >alg_pg_klstep.c
  block c 2 >main.c
  block ini 1 >klstep.ini
  block sh 1 >readme.sh
  check "the README names the files it writes" "$(head -1 alg_pg_klstep.c | grep -q 'alg_pg_klstep.c' &&
    head -1 main.c | grep -q 'main.c' && head -1 klstep.ini | grep -q 'klstep.ini' && test -s readme.sh; echo $?)"
  echo "installcheck: the README's commands, in $(pwd):"
  sed 's/^/  /' readme.sh
  sh -e readme.sh >readme.out 2>readme.err
  rc=$?
  [ "$rc" -eq 0 ] || { tail -n 20 readme.out; tail -n 20 readme.err; }
  check "the README's variant builds and runs every command (exit 0)" "$rc"
  check "its binary lists pg-klstep" "$(grep -q '^pg-klstep' readme.out; echo $?)"
  check "it links the installed libtrbench" "$(ldd ./klstep-bench | grep -q "libtrbench.so.*=> $(pkg-config --variable=libdir trbench)/"; echo $?)"
  check "sweep, table, plot, compare wrote their files" "$(test -s smoke/klstep/table.md &&
    ls smoke/klstep/compare/pg-klstep_vs_ppo-clip.tsv >/dev/null && test -d smoke/klstep/plots &&
    test "$(grep -l '^status = ok' smoke/klstep/runs/*/summary.ini | wc -l)" -eq 8; echo $?)"
  cd .. || exit 99
fi
echo "installcheck: $n checks, $fails failed"
[ "$fails" -eq 0 ]
