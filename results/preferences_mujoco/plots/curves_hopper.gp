# trbench plot: preferences_mujoco — learning curves on hopper
# render: gnuplot curves_hopper.gp   (writes curves_hopper.png and curves_hopper.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "preferences_mujoco on hopper"
set xlabel "environment steps (thousands)"
set ylabel "return of the last 100 episodes (mean ± s.e. over 3 seeds)"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set style fill transparent solid 0.18 noborder
set xrange [0:*]
set autoscale xfixmax
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "curves_hopper.png".tmp
plot \
  "curves_hopper.dat" index 0 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#1f77b4" notitle, \
  "curves_hopper.dat" index 0 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#1f77b4" title "true reward", \
  "curves_hopper.dat" index 1 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#d62728" notitle, \
  "curves_hopper.dat" index 1 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#d62728" title "700 labels", \
  "curves_hopper.dat" index 2 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#2ca02c" notitle, \
  "curves_hopper.dat" index 2 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#2ca02c" title "1400 labels"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "curves_hopper.svg".tmp
replot
set output
