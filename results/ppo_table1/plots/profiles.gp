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
  "profiles.dat" index 3 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "clip 0.3", \
  "profiles.dat" index 4 using 1:3:4 with filledcurves lc rgb "#9467bd" notitle, \
  "profiles.dat" index 4 using 1:2 with lines lw 2 lc rgb "#9467bd" title "adaptive KL 0.003", \
  "profiles.dat" index 5 using 1:3:4 with filledcurves lc rgb "#8c564b" notitle, \
  "profiles.dat" index 5 using 1:2 with lines lw 2 lc rgb "#8c564b" title "adaptive KL 0.01", \
  "profiles.dat" index 6 using 1:3:4 with filledcurves lc rgb "#e377c2" notitle, \
  "profiles.dat" index 6 using 1:2 with lines lw 2 lc rgb "#e377c2" title "adaptive KL 0.03", \
  "profiles.dat" index 7 using 1:3:4 with filledcurves lc rgb "#7f7f7f" notitle, \
  "profiles.dat" index 7 using 1:2 with lines lw 2 lc rgb "#7f7f7f" title "fixed KL 0.3", \
  "profiles.dat" index 8 using 1:3:4 with filledcurves lc rgb "#bcbd22" notitle, \
  "profiles.dat" index 8 using 1:2 with lines lw 2 lc rgb "#bcbd22" title "fixed KL 1", \
  "profiles.dat" index 9 using 1:3:4 with filledcurves lc rgb "#17becf" notitle, \
  "profiles.dat" index 9 using 1:2 with lines lw 2 lc rgb "#17becf" title "fixed KL 3", \
  "profiles.dat" index 10 using 1:3:4 with filledcurves lc rgb "#000000" notitle, \
  "profiles.dat" index 10 using 1:2 with lines lw 2 lc rgb "#000000" title "fixed KL 10"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "profiles.svg".tmp
replot
set output
