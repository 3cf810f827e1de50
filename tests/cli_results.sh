#!/bin/sh
# What a sweep writes names no absolute path: a tiny sweep run from a folder with --results
# given absolute below it records its spec and results relative to the sweep's folder,
# and its runs' commands, logs and table relative to the working directory; the folder
# moved elsewhere, with the spec edited, still gives its table.
# The committed results from a clean clone at another path: every folder of results/ with a
# sweep.ini names its spec relative to itself, and `trbench table SPEC` run from the clone's
# root (no remembered sweep: a fresh state folder) finds the runs and writes tables whose
# provenance names them relatively; no committed file of a sweep keeps an absolute path of
# the machine it was made on.  Needs git and a git checkout (not a tarball): else SKIP (77).
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")

skip() {
  echo "SKIP: $1"
  exit 77
}
mkdir -p "$tmp/a/here/experiments"
cat >"$tmp/a/here/experiments/tiny.ini" <<'EOF'
[experiment]
name = tiny
environments = garnet:8,2,3,5
seeds = 2
steps = 1024

[variant clip]
algo = ppo-clip
n_steps = 512
n_epochs = 2
EOF
H=$(cd "$tmp/a/here" && pwd -P)
(cd "$H" && "$T" sweep "$H/experiments/tiny.ini" --results "$H/results" >/dev/null 2>"$tmp/err")
check "tiny sweep: exit 0 ($(tail -n 1 "$tmp/err"))" $?
check "sweep.ini: spec and results relative to its folder" \
  "$(grep -qx 'spec = ../../experiments/tiny.ini' "$H/results/tiny/sweep.ini" &&
     grep -qx 'results = ..' "$H/results/tiny/sweep.ini"; echo $?)"
check "config.ini: the command's --out relative to the working directory" \
  "$(grep -qx 'command = trbench run --algo ppo-clip --env garnet:8,2,3,5 --steps 1024 --seed 1 --set n_steps=512 --set n_epochs=2 --variant clip --out results/tiny/runs/clip__garnet_8_2_3_5__s1 --quiet' \
       "$H/results/tiny/runs/clip__garnet_8_2_3_5__s1/config.ini"; echo $?)"
check "the run's log names its folder relatively" \
  "$(grep -q -- '-> results/tiny/runs/clip__garnet_8_2_3_5__s2$' "$H/results/tiny/logs/clip__garnet_8_2_3_5__s2.log"; echo $?)"
(cd "$H" && "$T" table "$H/experiments/tiny.ini" >/dev/null 2>"$tmp/err")
check "table: exit 0 ($(cat "$tmp/err"))" $?
check "table.md: the command and the runs relative to the working directory" \
  "$(grep -qF -- '- command: `trbench table experiments/tiny.ini`' "$H/results/tiny/table.md" &&
     grep -qF -- '; runs: results/tiny/runs (2 of 2 found' "$H/results/tiny/table.md"; echo $?)"
check "no file of the sweep but table.md's spec line names the folder it was made in" \
  "$(! grep -rF "$H" "$H/results" | grep -v '^[^:]*table\.\(md\|tex\):.*spec: ' | grep -q .; echo $?)"
mv "$tmp/a/here" "$tmp/a/moved"
echo "# edited after the sweep" >>"$tmp/a/moved/experiments/tiny.ini"
(cd "$tmp/a/moved" && TRBENCH_STATE_DIR="$tmp/state2" "$T" table experiments/tiny.ini >/dev/null 2>"$tmp/err")
check "moved and the spec edited: the table still finds its sweep ($(cat "$tmp/err"))" $?

command -v git >/dev/null 2>&1 || skip "git not installed"
git -C "$SRC" rev-parse --verify -q HEAD >/dev/null 2>&1 || skip "$SRC is not a git checkout"
C="$tmp/elsewhere/clone"
mkdir -p "$tmp/elsewhere"
# the committed state (HEAD): the specs and the results
git clone -q --shared --no-checkout "$SRC" "$C" || skip "git clone failed"
git -C "$C" checkout -q HEAD -- experiments results ||
  skip "nothing committed under experiments/ and results/"

# no absolute path of the machine a sweep was made on, in the files that record
# the runs (before any table below rewrites its own)
grep -rlI -e '/work/' -e '/root/' -e '/tmp/' -e '/home/' \
  --include=sweep.ini --include=config.ini --include='*.log' --include='table.*' \
  --include='diagnostics.*' "$C/results" >"$tmp/abs" 2>/dev/null
check "no committed config.ini, sweep.ini, log or table holds an absolute path: $(head -n 3 "$tmp/abs")" \
  "$([ ! -s "$tmp/abs" ]; echo $?)"

n_sweeps=0
for ini in "$C"/results/*/sweep.ini; do
  [ -f "$ini" ] || continue
  dir=$(dirname "$ini")
  name=$(basename "$dir")
  n_sweeps=$((n_sweeps + 1))
  spec_rel=$(sed -n 's/^spec = //p' "$ini")
  res_rel=$(sed -n 's/^results = //p' "$ini")
  check "$name: sweep.ini's spec is relative ($spec_rel)" \
    "$(case $spec_rel in /* | '') echo 1 ;; *) echo 0 ;; esac)"
  check "$name: sweep.ini's results is relative ($res_rel)" \
    "$(case $res_rel in /* | '') echo 1 ;; *) echo 0 ;; esac)"
  check "$name: the spec it names exists in the clone" "$([ -f "$dir/$spec_rel" ]; echo $?)"
  check "$name: its results folder is the clone's results/" \
    "$([ "$(cd "$dir/$res_rel" && pwd -P)" = "$(cd "$C/results" && pwd -P)" ]; echo $?)"
  spec=$(cd "$(dirname "$dir/$spec_rel")" && pwd -P)/$(basename "$spec_rel")
  spec=${spec#"$(cd "$C" && pwd -P)/"}
  (cd "$C" && "$T" table "$spec" >"$tmp/out" 2>"$tmp/err")
  rc=$?
  check "$name: trbench table $spec from the clone: exit 0 (got $rc: $(head -c 300 "$tmp/err"))" "$rc"
  check "$name: table.md's provenance names the runs relatively" \
    "$(grep -qF "; runs: results/$name/runs (" "$C/results/$name/table.md"; echo $?)"
done
check "some sweep is committed under results/ ($n_sweeps)" "$([ "$n_sweeps" -gt 0 ]; echo $?)"

finish cli_results
