#!/bin/sh
# The BLAS kernel (core/blas.h): the fallback condition forced by TRBENCH_TEST_BLAS_CORE /
# TRBENCH_TEST_CPU_ISA, the core chosen, one re-execution and never a loop, the user's
# OPENBLAS_CORETYPE winning, and what ran recorded in `--version`, config.ini and bench.
. "$(dirname "$0")/lib.sh"
unset OPENBLAS_CORETYPE TRBENCH_BLAS_REEXEC
# blasline ENV... — the "blas:" line of `trbench --version` and the re-execution traces
blasline() { env "$@" TRBENCH_BLAS_TRACE=1 "$T" --version >"$tmp/v" 2>"$tmp/trace"; }

# forced fallback on an AVX-512 CPU: one re-execution, with SkylakeX; the process started
# again still sees the forced "Prescott" (the test variable), so only the guard stops a loop
blasline TRBENCH_TEST_BLAS_CORE=Prescott TRBENCH_TEST_CPU_ISA=avx512
check "fallback on avx512: exit 0" $?
check "fallback on avx512: exactly one re-execution" "$(test "$(grep -c 'executing again with OPENBLAS_CORETYPE=SkylakeX' "$tmp/trace")" -eq 1; echo $?)"
check "fallback on avx512: the library runs SkylakeX" "$(grep -q '^blas: OpenBLAS.* SkylakeX .*set by trbench: OpenBLAS detected Prescott' "$tmp/v"; echo $?)"
# AVX2 CPU: Haswell
blasline TRBENCH_TEST_BLAS_CORE=Nehalem TRBENCH_TEST_CPU_ISA=avx2
check "fallback on avx2: Haswell" "$(grep -q 'OPENBLAS_CORETYPE=Haswell' "$tmp/trace" && grep -q '^blas: OpenBLAS.* Haswell ' "$tmp/v"; echo $?)"
# an AVX-only CPU has no AVX2 kernel to gain: nothing is done
blasline TRBENCH_TEST_BLAS_CORE=Prescott TRBENCH_TEST_CPU_ISA=avx
check "avx CPU: no re-execution" "$(test ! -s "$tmp/trace"; echo $?)"
# OpenBLAS's own AVX2 core on an AVX-512 CPU (Zen 4 as Zen) is kept
blasline TRBENCH_TEST_BLAS_CORE=Zen TRBENCH_TEST_CPU_ISA=avx512
check "Zen on avx512: kept" "$(test ! -s "$tmp/trace" && grep -q '^blas: .*core Zen; CPU avx512$' "$tmp/v"; echo $?)"
# the user's OPENBLAS_CORETYPE wins
blasline OPENBLAS_CORETYPE=Haswell TRBENCH_TEST_BLAS_CORE=Prescott TRBENCH_TEST_CPU_ISA=avx512
check "the user's OPENBLAS_CORETYPE wins" "$(test ! -s "$tmp/trace" && grep -q 'set by the user' "$tmp/v"; echo $?)"
# the guard: a process that is already the re-execution never executes again, and says the
# core is below the CPU's class
blasline TRBENCH_BLAS_REEXEC=Prescott TRBENCH_TEST_BLAS_CORE=Prescott TRBENCH_TEST_CPU_ISA=avx512
check "guard: no second re-execution" "$(test ! -s "$tmp/trace"; echo $?)"
check "guard: says SkylakeX would be right" "$(grep -q 'below the CPU.s class: SkylakeX would be right' "$tmp/v"; echo $?)"
# deterministic: the same (core, CPU) twice gives the same choice
blasline TRBENCH_TEST_BLAS_CORE=Prescott TRBENCH_TEST_CPU_ISA=avx512
cp "$tmp/v" "$tmp/v1"
blasline TRBENCH_TEST_BLAS_CORE=Prescott TRBENCH_TEST_CPU_ISA=avx512
check "the same machine makes the same choice" "$(cmp -s "$tmp/v" "$tmp/v1"; echo $?)"

# a run's config.ini records the BLAS, its core, who chose it and the CPU's class
env TRBENCH_TEST_BLAS_CORE=Prescott TRBENCH_TEST_CPU_ISA=avx512 "$T" run --algo ppo-clip \
  --env cartpole --steps 256 --seed 1 --set n_steps=128 --set batch_size=64 --quiet \
  --out "$tmp/run" >/dev/null 2>&1
check "run: exit 0" $?
for k in 'blas = OpenBLAS' 'blas_core = Prescott' 'blas_core_source = trbench' \
  'blas_core_detected = Prescott' 'cpu_isa = avx512'; do
  check "config.ini: $k" "$(grep -q "^$k" "$tmp/run/config.ini"; echo $?)"
done
# bench prints what ran first
"$T" bench algos --against "true" --against-steps 512 >"$tmp/b" 2>"$tmp/err"
check "bench algos --against: exit 0" $?
check "bench: the blas line first" "$(head -1 "$tmp/b" | grep -q '^# blas: .*; core .*; CPU '; echo $?)"
check "bench --against: both commands timed" "$(grep -c "	512	" "$tmp/b" | grep -qx 2; echo $?)"
check "bench --against: a ratio" "$(grep -q '^# ratio (trbench.s pace / the command.s): [0-9.]*$' "$tmp/b"; echo $?)"
expect_prefix "trbench: error: bench algos: false: exited with status 1" bench algos --against false --against-steps 512
expect_prefix "trbench: error: bench algos: --against needs a value" bench algos --against
expect_prefix "trbench: error: --against-steps: a positive multiple of 512" bench algos --against true --against-steps 0
expect_prefix "trbench: error: --against-steps: a positive multiple of 512" bench algos --against true --against-steps 1000
expect_prefix "trbench: error: bench exact: unexpected argument '--against'" bench exact --against true
finish cli_blas
