# trbench plot: trpo_sampling — learning curves on cartpole against iterations
# render: gnuplot curves_iter_cartpole.gp   (writes curves_iter_cartpole.png and curves_iter_cartpole.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "trpo_sampling on cartpole"
set xlabel "iterations (policy updates)"
set ylabel "return of the last 100 episodes (mean ± s.e. over 3 seeds)"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set style fill transparent solid 0.18 noborder
set xrange [0:*]
set autoscale xfixmax
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "curves_iter_cartpole.png".tmp
plot \
  "curves_iter_cartpole.dat" index 0 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#1f77b4" notitle, \
  "curves_iter_cartpole.dat" index 0 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#1f77b4" title "trpo single path", \
  "curves_iter_cartpole.dat" index 1 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#d62728" notitle, \
  "curves_iter_cartpole.dat" index 1 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#d62728" title "trpo vine", \
  "curves_iter_cartpole.dat" index 2 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#2ca02c" notitle, \
  "curves_iter_cartpole.dat" index 2 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#2ca02c" title "trpo vine 160 Q-values", \
  "curves_iter_cartpole.dat" index 3 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#ff7f0e" notitle, \
  "curves_iter_cartpole.dat" index 3 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#ff7f0e" title "tnpg", \
  "curves_iter_cartpole.dat" index 4 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#9467bd" notitle, \
  "curves_iter_cartpole.dat" index 4 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#9467bd" title "npg 0.01", \
  "curves_iter_cartpole.dat" index 5 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#8c564b" notitle, \
  "curves_iter_cartpole.dat" index 5 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#8c564b" title "npg 0.03", \
  "curves_iter_cartpole.dat" index 6 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#e377c2" notitle, \
  "curves_iter_cartpole.dat" index 6 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#e377c2" title "npg 0.09", \
  "curves_iter_cartpole.dat" index 7 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#7f7f7f" notitle, \
  "curves_iter_cartpole.dat" index 7 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#7f7f7f" title "npg 0.27", \
  "curves_iter_cartpole.dat" index 8 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#bcbd22" notitle, \
  "curves_iter_cartpole.dat" index 8 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#bcbd22" title "npg 0.81", \
  "curves_iter_cartpole.dat" index 9 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#17becf" notitle, \
  "curves_iter_cartpole.dat" index 9 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#17becf" title "npg 2.43", \
  "curves_iter_cartpole.dat" index 10 using ($1/1):($2-$3):($2+$3) with filledcurves lc rgb "#000000" notitle, \
  "curves_iter_cartpole.dat" index 10 using ($1/1):2 with lines lw 2 dt 1 lc rgb "#000000" title "npg 7.29"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "curves_iter_cartpole.svg".tmp
replot
set output
