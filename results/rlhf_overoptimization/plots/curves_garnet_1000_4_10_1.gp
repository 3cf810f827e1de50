# trbench plot: rlhf_overoptimization — learning curves on garnet:1000,4,10,1
# render: gnuplot curves_garnet_1000_4_10_1.gp   (writes curves_garnet_1000_4_10_1.png and curves_garnet_1000_4_10_1.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "rlhf_overoptimization on garnet:1000,4,10,1"
set xlabel "environment steps (thousands)"
set ylabel "return of the last 100 episodes (mean ± s.e. over 5 seeds)"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set style fill transparent solid 0.18 noborder
set xrange [0:*]
set autoscale xfixmax
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "curves_garnet_1000_4_10_1.png".tmp
plot \
  "curves_garnet_1000_4_10_1.dat" index 0 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#1f77b4" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 0 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#1f77b4" title "labels_1e2", \
  "curves_garnet_1000_4_10_1.dat" index 1 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#d62728" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 1 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#d62728" title "labels_1e3", \
  "curves_garnet_1000_4_10_1.dat" index 2 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#2ca02c" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 2 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#2ca02c" title "labels_1e4", \
  "curves_garnet_1000_4_10_1.dat" index 3 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#ff7f0e" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 3 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#ff7f0e" title "beta_0", \
  "curves_garnet_1000_4_10_1.dat" index 4 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#9467bd" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 4 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#9467bd" title "beta_0.1", \
  "curves_garnet_1000_4_10_1.dat" index 5 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#8c564b" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 5 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#8c564b" title "rm_mlp_1x16", \
  "curves_garnet_1000_4_10_1.dat" index 6 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#e377c2" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 6 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#e377c2" title "rm_mlp_2x64", \
  "curves_garnet_1000_4_10_1.dat" index 7 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#7f7f7f" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 7 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#7f7f7f" title "ensemble_1", \
  "curves_garnet_1000_4_10_1.dat" index 8 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#bcbd22" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 8 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#bcbd22" title "ensemble_5", \
  "curves_garnet_1000_4_10_1.dat" index 9 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#17becf" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 9 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#17becf" title "long_beta_0", \
  "curves_garnet_1000_4_10_1.dat" index 10 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#000000" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 10 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#000000" title "long_beta_0.01", \
  "curves_garnet_1000_4_10_1.dat" index 11 using ($1/1000):($2-$3):($2+$3) with filledcurves lc rgb "#aec7e8" notitle, \
  "curves_garnet_1000_4_10_1.dat" index 11 using ($1/1000):2 with lines lw 2 dt 1 lc rgb "#aec7e8" title "long_beta_0.1"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "curves_garnet_1000_4_10_1.svg".tmp
replot
set output
