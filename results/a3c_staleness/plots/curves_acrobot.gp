# trbench plot: a3c_staleness — learning curves on acrobot
# render: gnuplot curves_acrobot.gp   (writes curves_acrobot.png and curves_acrobot.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "a3c_staleness on acrobot"
set xlabel "environment steps (thousands)"
set ylabel "return of the last 100 episodes (mean ± s.e. over 5 seeds)"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set style fill transparent solid 0.18 noborder
set xrange [0:*]
set autoscale xfixmax
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "curves_acrobot.png".tmp
plot \
  "curves_acrobot.dat" index 0 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#1f77b4" notitle, \
  "curves_acrobot.dat" index 0 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#1f77b4" title "a2c", \
  "curves_acrobot.dat" index 1 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#d62728" notitle, \
  "curves_acrobot.dat" index 1 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#d62728" title "a3c threads 1", \
  "curves_acrobot.dat" index 2 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#2ca02c" notitle, \
  "curves_acrobot.dat" index 2 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#2ca02c" title "a3c threads 2", \
  "curves_acrobot.dat" index 3 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#ff7f0e" notitle, \
  "curves_acrobot.dat" index 3 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#ff7f0e" title "a3c threads 4", \
  "curves_acrobot.dat" index 4 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#9467bd" notitle, \
  "curves_acrobot.dat" index 4 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#9467bd" title "a3c threads 8", \
  "curves_acrobot.dat" index 5 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#8c564b" notitle, \
  "curves_acrobot.dat" index 5 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#8c564b" title "a3c K=0", \
  "curves_acrobot.dat" index 6 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#e377c2" notitle, \
  "curves_acrobot.dat" index 6 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#e377c2" title "a3c K=1", \
  "curves_acrobot.dat" index 7 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#7f7f7f" notitle, \
  "curves_acrobot.dat" index 7 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#7f7f7f" title "a3c K=4", \
  "curves_acrobot.dat" index 8 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#bcbd22" notitle, \
  "curves_acrobot.dat" index 8 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#bcbd22" title "a3c K=16"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "curves_acrobot.svg".tmp
replot
set output
