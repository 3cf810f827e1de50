# trbench plot: ppo_table1 — learning curves on reacher
# render: gnuplot curves_reacher.gp   (writes curves_reacher.png and curves_reacher.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "ppo_table1 on reacher"
set xlabel "environment steps (thousands)"
set ylabel "return of the last 100 episodes (mean ± s.e. over 3 seeds)"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set style fill transparent solid 0.18 noborder
set xrange [0:*]
set autoscale xfixmax
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "curves_reacher.png".tmp
plot \
  "curves_reacher.dat" index 0 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#1f77b4" notitle, \
  "curves_reacher.dat" index 0 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#1f77b4" title "no clipping or penalty", \
  "curves_reacher.dat" index 1 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#d62728" notitle, \
  "curves_reacher.dat" index 1 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#d62728" title "clip 0.1", \
  "curves_reacher.dat" index 2 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#2ca02c" notitle, \
  "curves_reacher.dat" index 2 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#2ca02c" title "clip 0.2", \
  "curves_reacher.dat" index 3 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#ff7f0e" notitle, \
  "curves_reacher.dat" index 3 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#ff7f0e" title "clip 0.3", \
  "curves_reacher.dat" index 4 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#9467bd" notitle, \
  "curves_reacher.dat" index 4 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#9467bd" title "adaptive KL 0.003", \
  "curves_reacher.dat" index 5 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#8c564b" notitle, \
  "curves_reacher.dat" index 5 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#8c564b" title "adaptive KL 0.01", \
  "curves_reacher.dat" index 6 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#e377c2" notitle, \
  "curves_reacher.dat" index 6 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#e377c2" title "adaptive KL 0.03", \
  "curves_reacher.dat" index 7 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#7f7f7f" notitle, \
  "curves_reacher.dat" index 7 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#7f7f7f" title "fixed KL 0.3", \
  "curves_reacher.dat" index 8 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#bcbd22" notitle, \
  "curves_reacher.dat" index 8 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#bcbd22" title "fixed KL 1", \
  "curves_reacher.dat" index 9 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#17becf" notitle, \
  "curves_reacher.dat" index 9 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#17becf" title "fixed KL 3", \
  "curves_reacher.dat" index 10 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#000000" notitle, \
  "curves_reacher.dat" index 10 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#000000" title "fixed KL 10"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "curves_reacher.svg".tmp
replot
set output
