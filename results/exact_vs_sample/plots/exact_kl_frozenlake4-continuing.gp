# trbench plot: exact_vs_sample — exact_vs_sample on frozenlake4-continuing: exact mean KL per iteration
# render: gnuplot exact_kl_frozenlake4-continuing.gp   (writes exact_kl_frozenlake4-continuing.png and exact_kl_frozenlake4-continuing.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "exact_vs_sample on frozenlake4-continuing: exact mean KL per iteration"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set xlabel "environment steps (one point per iteration)"
set ylabel "exact mean KL(π_old ‖ π_new) (mean over seeds; dashed: target)"
set logscale y
set format y "%g"
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "exact_kl_frozenlake4-continuing.png".tmp
plot \
  "exact_kl_frozenlake4-continuing.dat" index 0 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#1f77b4" title "reinforce + baseline", \
  "exact_kl_frozenlake4-continuing.dat" index 1 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#d62728" title "a2c", \
  "exact_kl_frozenlake4-continuing.dat" index 2 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#2ca02c" title "npg", \
  "exact_kl_frozenlake4-continuing.dat" index 3 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#ff7f0e" title "tnpg", \
  0.01 with lines dt 2 lw 1.5 lc rgb "#ff7f0e" notitle, \
  "exact_kl_frozenlake4-continuing.dat" index 4 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#9467bd" title "trpo single path", \
  0.01 with lines dt 2 lw 1.5 lc rgb "#9467bd" notitle, \
  "exact_kl_frozenlake4-continuing.dat" index 5 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#8c564b" title "trpo vine", \
  0.01 with lines dt 2 lw 1.5 lc rgb "#8c564b" notitle, \
  "exact_kl_frozenlake4-continuing.dat" index 6 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#e377c2" title "ppo-clip", \
  "exact_kl_frozenlake4-continuing.dat" index 7 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#7f7f7f" title "cpi"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "exact_kl_frozenlake4-continuing.svg".tmp
replot
set output
