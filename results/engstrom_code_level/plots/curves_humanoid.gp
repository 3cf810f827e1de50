# trbench plot: engstrom_code_level — learning curves on humanoid
# render: gnuplot curves_humanoid.gp   (writes curves_humanoid.png and curves_humanoid.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "engstrom_code_level on humanoid"
set xlabel "environment steps (thousands)"
set ylabel "return of the last 100 episodes (mean ± s.e. over 5 seeds)"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set style fill transparent solid 0.18 noborder
set xrange [0:*]
set autoscale xfixmax
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "curves_humanoid.png".tmp
plot \
  "curves_humanoid.dat" index 0 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#1f77b4" notitle, \
  "curves_humanoid.dat" index 0 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#1f77b4" title "PPO", \
  "curves_humanoid.dat" index 1 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#d62728" notitle, \
  "curves_humanoid.dat" index 1 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#d62728" title "PPO-M (4/5 seeds)", \
  "curves_humanoid.dat" index 2 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#2ca02c" notitle, \
  "curves_humanoid.dat" index 2 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#2ca02c" title "TRPO (4/5 seeds)", \
  "curves_humanoid.dat" index 3 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#ff7f0e" notitle, \
  "curves_humanoid.dat" index 3 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#ff7f0e" title "TRPO+ (4/5 seeds)", \
  "curves_humanoid.dat" index 4 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#9467bd" notitle, \
  "curves_humanoid.dat" index 4 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#9467bd" title "PPO-NoClip (4/5 seeds)"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "curves_humanoid.svg".tmp
replot
set output
