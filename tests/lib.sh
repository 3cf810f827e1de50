# tests/lib.sh — shared by the shell tests: sourced as . "$(dirname "$0")/lib.sh".
# Sets T (the trbench binary), D (the test data), tmp (a scratch directory removed at
# exit), counters n and fails, and check / finish.
set -u
T=${TRBENCH:-./trbench}
D=${TR_TESTDATA:-tests/data}
tmp=$(mktemp -d)
# sweeps remember their settings under TRBENCH_STATE_DIR (sweep_state.h): keep tests hermetic
TRBENCH_STATE_DIR="$tmp/state"
export TRBENCH_STATE_DIR
trap 'rm -rf "$tmp"' EXIT
fails=0
n=0

# check "what" STATUS — STATUS 0 passes (usually "$(condition; echo $?)")
check() {
  n=$((n + 1))
  if [ "$2" -ne 0 ]; then
    echo "FAIL: $1"
    fails=$((fails + 1))
  fi
}

# expect_prefix "prefix of the one stderr line" ARGS... — trbench ARGS exits 2 with one
# line on stderr that starts so
expect_prefix() {
  want=$1
  shift
  n=$((n + 1))
  "$T" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  lines=$(wc -l <"$tmp/err")
  case $(cat "$tmp/err") in
  "$want"*) ok=1 ;;
  *) ok=0 ;;
  esac
  if [ "$rc" -ne 2 ] || [ "$ok" -ne 1 ] || [ "$lines" -ne 1 ]; then
    echo "FAIL: trbench $*"
    echo "  exit $rc (want 2), $lines line(s) on stderr: $(cat "$tmp/err")"
    echo "  want a line starting with: $want"
    fails=$((fails + 1))
  fi
}

# finish NAME — the tally and the exit status
finish() {
  echo "$1: $n checks, $fails failed"
  [ "$fails" -eq 0 ]
}

# same_run A B — two run directories made the same run: progress.tsv without its timing
# column (12: seconds) and summary.ini without its timing lines are the same bytes
same_run() {
  cut -f1-11,13- "$1/progress.tsv" >"$tmp/pa"; cut -f1-11,13- "$2/progress.tsv" >"$tmp/pb"
  grep -v 'seconds\|steps_per_s' "$1/summary.ini" >"$tmp/sa"; grep -v 'seconds\|steps_per_s' "$2/summary.ini" >"$tmp/sb"
  cmp -s "$tmp/pa" "$tmp/pb" && cmp -s "$tmp/sa" "$tmp/sb"
}

# progress_col FILE NAME ROW — the value of column NAME (by the header) in data row ROW of a
# progress.tsv ($: the last row)
progress_col() {
  awk -F'\t' -v n="$2" -v r="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next }
    { last = $c; if (NR - 1 == r) v = $c } END { print (r == "$" ? last : v) }' "$1"
}
