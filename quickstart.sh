#!/bin/sh
# trbench quick start on Debian 12 (as root, or with sudo):
#   sh quickstart.sh demo    install what is missing, build, run the main job (trbench demo)
#   sh quickstart.sh check   install what is missing, build, run the test suite (make check)
# Both also install trbench (make install, prefix /usr/local), so it is on PATH.
# Both are idempotent: a second run installs nothing and rebuilds only what changed.
set -eu
cd "$(dirname "$0")"
what=${1:-demo}
case $what in demo|check) ;; *) echo "usage: sh quickstart.sh demo|check" >&2; exit 2 ;; esac

PKGS="gcc make autoconf automake libtool autoconf-archive pkg-config libgsl-dev
 libopenblas-dev liblapacke-dev libinih-dev libmujoco-dev libflint-arb-dev libsleef-dev gnuplot-nox parallel
 libosmesa6 ffmpeg"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "quickstart: installing$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
  autoreconf -fi
fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure
make -j2
# installed like a GNU tool (prefix /usr/local): `trbench` on PATH, its MuJoCo models and
# specs in /usr/local/share/trbench
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO make install >/dev/null
export OPENBLAS_NUM_THREADS=1
if [ "$what" = demo ]; then
  trbench demo
else
  make -j2 check
fi
