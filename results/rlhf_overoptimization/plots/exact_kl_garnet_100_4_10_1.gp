# trbench plot: rlhf_overoptimization — rlhf_overoptimization on garnet:100,4,10,1: exact mean KL per iteration
# render: gnuplot exact_kl_garnet_100_4_10_1.gp   (writes exact_kl_garnet_100_4_10_1.png and exact_kl_garnet_100_4_10_1.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "rlhf_overoptimization on garnet:100,4,10,1: exact mean KL per iteration"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set xlabel "environment steps (one point per iteration)"
set ylabel "exact mean KL(π_old ‖ π_new) (mean over seeds; dashed: target)"
set logscale y
set format y "%g"
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "exact_kl_garnet_100_4_10_1.png".tmp
plot \
  "exact_kl_garnet_100_4_10_1.dat" index 0 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#1f77b4" title "labels_1e2", \
  "exact_kl_garnet_100_4_10_1.dat" index 1 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#d62728" title "labels_1e3", \
  "exact_kl_garnet_100_4_10_1.dat" index 2 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#2ca02c" title "labels_1e4", \
  "exact_kl_garnet_100_4_10_1.dat" index 3 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#ff7f0e" title "beta_0", \
  "exact_kl_garnet_100_4_10_1.dat" index 4 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#9467bd" title "beta_0.1", \
  "exact_kl_garnet_100_4_10_1.dat" index 5 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#8c564b" title "rm_mlp_1x16", \
  "exact_kl_garnet_100_4_10_1.dat" index 6 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#e377c2" title "rm_mlp_2x64", \
  "exact_kl_garnet_100_4_10_1.dat" index 7 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#7f7f7f" title "ensemble_1", \
  "exact_kl_garnet_100_4_10_1.dat" index 8 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#bcbd22" title "ensemble_5", \
  "exact_kl_garnet_100_4_10_1.dat" index 9 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#17becf" title "long_beta_0", \
  "exact_kl_garnet_100_4_10_1.dat" index 10 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#000000" title "long_beta_0.01", \
  "exact_kl_garnet_100_4_10_1.dat" index 11 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#aec7e8" title "long_beta_0.1"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "exact_kl_garnet_100_4_10_1.svg".tmp
replot
set output
