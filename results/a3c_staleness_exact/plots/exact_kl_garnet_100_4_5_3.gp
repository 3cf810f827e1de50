# trbench plot: a3c_staleness_exact — a3c_staleness_exact on garnet:100,4,5,3: exact mean KL per iteration
# render: gnuplot exact_kl_garnet_100_4_5_3.gp   (writes exact_kl_garnet_100_4_5_3.png and exact_kl_garnet_100_4_5_3.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "a3c_staleness_exact on garnet:100,4,5,3: exact mean KL per iteration"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set xlabel "environment steps (one point per iteration)"
set ylabel "exact mean KL(π_old ‖ π_new) (mean over seeds; dashed: target)"
set logscale y
set format y "%g"
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "exact_kl_garnet_100_4_5_3.png".tmp
plot \
  "exact_kl_garnet_100_4_5_3.dat" index 0 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#1f77b4" title "a2c", \
  "exact_kl_garnet_100_4_5_3.dat" index 1 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#d62728" title "a3c threads 8", \
  "exact_kl_garnet_100_4_5_3.dat" index 2 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#2ca02c" title "a3c K=0", \
  "exact_kl_garnet_100_4_5_3.dat" index 3 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#ff7f0e" title "a3c K=4", \
  "exact_kl_garnet_100_4_5_3.dat" index 4 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#9467bd" title "a3c K=16", \
  "exact_kl_garnet_100_4_5_3.dat" index 5 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#8c564b" title "a3c K=64", \
  "exact_kl_garnet_100_4_5_3.dat" index 6 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#e377c2" title "a3c K=256"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "exact_kl_garnet_100_4_5_3.svg".tmp
replot
set output
