#!/bin/sh
# trbench render: a short Hopper clip rendered headless (OSMesa) and encoded by ffmpeg —
# it decodes (ffprobe), with the frames the episode had, and its frames differ; PNG frames;
# a tabular figure; and bad input (no OSMesa, no ffmpeg, a classic-control task, an
# unwritable --out, a frames folder that exists): one line, exit 2, nothing left behind.
. "$(dirname "$0")/lib.sh"
# an ASan build: Mesa's own allocations, kept until exit, are not leaks of trbench's
LSAN_OPTIONS="suppressions=${TR_SRCDIR:-.}/tests/lsan-osmesa.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  echo "SKIP: ffmpeg is not installed (apt-get install ffmpeg; sh quickstart.sh installs it)"
  exit 77
fi
"$T" run --algo ppo-clip --env hopper --steps 512 --seed 1 --set n_steps=512 --set batch_size=128 \
  --quiet --out "$tmp/h" >/dev/null 2>&1
check "a Hopper run" $?
"$T" render "$tmp/h" --out "$tmp/h.mp4" --width 160 --height 120 --episodes 2 >"$tmp/out" 2>"$tmp/err"
check "render: exit 0 ($(cat "$tmp/err"))" $?
frames=$(sed -n 's/.*episode(s), \([0-9]*\) frames at 125 fps -> .*/\1/p' "$tmp/out")
check "render: the frame count and the task's rate (1/(0.002 x 4) = 125 fps)" "$(test -n "$frames" && test "$frames" -ge 4; echo $?)"
ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=codec_name,width,height,nb_read_frames \
  -of csv=p=0 "$tmp/h.mp4" >"$tmp/probe" 2>&1
check "ffprobe: H.264, 160x120, every frame ($(cat "$tmp/probe"))" "$(grep -qx "h264,160,120,$frames" "$tmp/probe"; echo $?)"
ffmpeg -v error -i "$tmp/h.mp4" -f framemd5 - 2>/dev/null | grep -v '^#' | awk -F, '{ print $NF }' | sort -u >"$tmp/md5"
check "the frames differ (the body moves): $(wc -l <"$tmp/md5") distinct of $frames" "$(test "$(wc -l <"$tmp/md5")" -ge 3; echo $?)"
check "no temporary left" "$(! ls "$tmp"/h.mp4.tmp.* >/dev/null 2>&1; echo $?)"
"$T" render "$tmp/h" --out "$tmp/frames/" --width 64 --height 48 >/dev/null 2>&1
check "PNG frames" "$(test "$(ls "$tmp/frames" | grep -c '^frame_[0-9]*\.png$')" -ge 2 && file "$tmp/frames/frame_00001.png" 2>/dev/null | grep -q 'PNG image data, 64 x 48' || test ! -x /usr/bin/file; echo $?)"
# a tabular run: V and the greedy actions on the grid, exact
"$T" run --algo ppo-clip --env gridworld:4,3,0.1 --steps 512 --seed 1 --set n_steps=256 --quiet --out "$tmp/g" >/dev/null 2>&1
"$T" render "$tmp/g" --out "$tmp/g.png" >"$tmp/out" 2>&1
check "tabular: a PNG ($(cat "$tmp/out"))" "$(head -c 8 "$tmp/g.png" | od -An -c | tr -d ' ' | grep -q '^211PNG'; echo $?)"
J=$(sed -n 's/^render .*: J = \([^ ]*\) -> .*/\1/p' "$tmp/out")
check "tabular: J is the run's exact J" "$(awk -v a="$J" -v b="$(sed -n 's/^exact_J = //p' "$tmp/g/summary.ini")" 'BEGIN { d = a - b; exit !(d < 1e-5 * (1 + (b < 0 ? -b : b)) && d > -1e-5 * (1 + (b < 0 ? -b : b))) }'; echo $?)"
# bad input
TRBENCH_OSMESA=/nonexistent/libOSMesa.so expect_prefix "trbench: error: render: no off-screen OpenGL: libOSMesa.so.8 cannot be loaded (apt-get install libosmesa6)" render "$tmp/h" --out "$tmp/x.mp4"
check "no OSMesa: nothing written" "$(! ls "$tmp"/x.mp4* >/dev/null 2>&1; echo $?)"
TRBENCH_FFMPEG=/nonexistent/ffmpeg expect_prefix "trbench: error: render: /nonexistent/ffmpeg not found: the video needs ffmpeg (apt-get install ffmpeg)" render "$tmp/h" --out "$tmp/x.mp4"
"$T" run --algo ppo-clip --env cartpole --steps 256 --seed 1 --set n_steps=256 --set batch_size=64 --quiet --out "$tmp/c" >/dev/null 2>&1
expect_prefix "trbench: error: render: cartpole has no renderer" render "$tmp/c" --out "$tmp/x.mp4"
expect_prefix "trbench: error: render: --out $tmp/nodir/x.mp4: $tmp/nodir is not a writable directory" render "$tmp/h" --out "$tmp/nodir/x.mp4"
expect_prefix "trbench: error: render: --out $tmp/frames/: $tmp/frames exists" render "$tmp/h" --out "$tmp/frames/"
expect_prefix "trbench: error: --width: an even number of pixels from 16 to 4096" render "$tmp/h" --out "$tmp/x.mp4" --width 33
expect_prefix "trbench: error: render: --out FILE.mp4 or --out DIR/ is required" render "$tmp/h"
expect_prefix "trbench: error: $tmp/none: not a run directory (no config.ini)" render "$tmp/none" --out "$tmp/x.mp4"
finish cli_render
