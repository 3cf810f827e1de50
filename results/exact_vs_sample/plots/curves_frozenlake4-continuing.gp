# trbench plot: exact_vs_sample — learning curves on frozenlake4-continuing
# render: gnuplot curves_frozenlake4-continuing.gp   (writes curves_frozenlake4-continuing.png and curves_frozenlake4-continuing.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "exact_vs_sample on frozenlake4-continuing"
set xlabel "environment steps (thousands)"
set ylabel "return of the last 100 episodes (mean ± s.e. over 3 seeds)"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set style fill transparent solid 0.18 noborder
set xrange [0:*]
set autoscale xfixmax
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "curves_frozenlake4-continuing.png".tmp
plot \
  "curves_frozenlake4-continuing.dat" index 0 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#1f77b4" notitle, \
  "curves_frozenlake4-continuing.dat" index 0 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#1f77b4" title "reinforce + baseline", \
  "curves_frozenlake4-continuing.dat" index 1 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#d62728" notitle, \
  "curves_frozenlake4-continuing.dat" index 1 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#d62728" title "a2c", \
  "curves_frozenlake4-continuing.dat" index 2 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#2ca02c" notitle, \
  "curves_frozenlake4-continuing.dat" index 2 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#2ca02c" title "npg", \
  "curves_frozenlake4-continuing.dat" index 3 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#ff7f0e" notitle, \
  "curves_frozenlake4-continuing.dat" index 3 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#ff7f0e" title "tnpg", \
  "curves_frozenlake4-continuing.dat" index 4 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#9467bd" notitle, \
  "curves_frozenlake4-continuing.dat" index 4 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#9467bd" title "trpo single path", \
  "curves_frozenlake4-continuing.dat" index 5 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#8c564b" notitle, \
  "curves_frozenlake4-continuing.dat" index 5 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#8c564b" title "trpo vine", \
  "curves_frozenlake4-continuing.dat" index 6 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#e377c2" notitle, \
  "curves_frozenlake4-continuing.dat" index 6 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#e377c2" title "ppo-clip", \
  "curves_frozenlake4-continuing.dat" index 7 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#7f7f7f" notitle, \
  "curves_frozenlake4-continuing.dat" index 7 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#7f7f7f" title "cpi"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "curves_frozenlake4-continuing.svg".tmp
replot
set output
