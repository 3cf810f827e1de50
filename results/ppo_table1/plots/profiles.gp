# trbench plot: ppo_table1 — performance profiles
# render: gnuplot profiles.gp   (writes profiles.png and profiles.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "ppo_table1: performance profiles (share of runs above tau, 95% bands)"
set xlabel "normalized score tau (random policy = 0, best row = 1)"
set ylabel "share of runs with score > tau"
set yrange [0:1.02]
set key outside right top
set datafile missing "NaN"
set style fill transparent solid 0.18 noborder
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "profiles.png".tmp
plot "profiles.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \
  "profiles.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "no clipping or penalty", \
  "profiles.dat" index 1 using 1:3:4 with filledcurves lc rgb "#d62728" notitle, \
  "profiles.dat" index 1 using 1:2 with lines lw 2 lc rgb "#d62728" title "clip 0.1", \
  "profiles.dat" index 2 using 1:3:4 with filledcurves lc rgb "#2ca02c" notitle, \
  "profiles.dat" index 2 using 1:2 with lines lw 2 lc rgb "#2ca02c" title "clip 0.2", \
  "profiles.dat" index 3 using 1:3:4 with filledcurves lc rgb "#ff7f0e" notitle, \
  "profiles.dat" index 3 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "clip 0.3"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "profiles.svg".tmp
replot
set output
