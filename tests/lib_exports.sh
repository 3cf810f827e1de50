#!/bin/sh
# libtrbench's export list (jq's habit, STYLE.md "A public API"): every symbol the shared
# library exports carries a module prefix (tr_ mdp_ env_ thy_ nn_ pol_ alg_ exp_); the
# linker's own (_edata, _end, __bss_start, _init, _fini) and AddressSanitizer's markers
# (__odr_asan.NAME, in --enable-asan builds) aside.  And the public entry
# points an out-of-tree variant needs are there.  Skipped without a shared library
# (--disable-shared).
. "$(dirname "$0")/lib.sh"
L=$(dirname "$T")/.libs/libtrbench.so
if [ ! -e "$L" ]; then echo "lib_exports: no $L (static-only build): skipped"; exit 77; fi
nm -D --defined-only "$L" | awk '{ print $NF }' >"$tmp/syms"
grep -v -E '^(tr_|mdp_|env_|thy_|nn_|pol_|alg_|exp_)' "$tmp/syms" |
  grep -v -x -E '_edata|_end|__bss_start|_init|_fini' |
  grep -v -E '^__odr_asan[.]' >"$tmp/bad" # AddressSanitizer's one-definition markers
check "every exported symbol has a module prefix (found: $(tr '\n' ' ' <"$tmp/bad"))" \
  "$(test ! -s "$tmp/bad"; echo $?)"
for s in alg_register_abi exp_main exp_fail_status alg_run_sample alg_run_kl_surrogate \
  alg_run_fit_value pol_fvp; do
  check "$s exported" "$(grep -q -x "$s" "$tmp/syms"; echo $?)"
done
check "at least 100 symbols read (nm worked)" "$(test "$(wc -l <"$tmp/syms")" -ge 100; echo $?)"
finish lib_exports
