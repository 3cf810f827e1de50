# trbench plot: a3c_staleness_exact — a3c_staleness_exact on garnet:20,4,5,2: exact J per iteration
# render: gnuplot exact_J_garnet_20_4_5_2.gp   (writes exact_J_garnet_20_4_5_2.png and exact_J_garnet_20_4_5_2.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "a3c_staleness_exact on garnet:20,4,5,2: exact J per iteration"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set xlabel "environment steps (one point per iteration)"
set ylabel "exact J (mean ± s.e. over seeds)"
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "exact_J_garnet_20_4_5_2.png".tmp
plot \
  "exact_J_garnet_20_4_5_2.dat" index 0 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#1f77b4" title "a2c", \
  "exact_J_garnet_20_4_5_2.dat" index 1 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#d62728" title "a3c threads 8", \
  "exact_J_garnet_20_4_5_2.dat" index 2 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#2ca02c" title "a3c K=0", \
  "exact_J_garnet_20_4_5_2.dat" index 3 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#ff7f0e" title "a3c K=4", \
  "exact_J_garnet_20_4_5_2.dat" index 4 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#9467bd" title "a3c K=16", \
  "exact_J_garnet_20_4_5_2.dat" index 5 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#8c564b" title "a3c K=64", \
  "exact_J_garnet_20_4_5_2.dat" index 6 using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb "#e377c2" title "a3c K=256", \
  80.23941214290231 with lines dt 2 lw 2 lc rgb "black" title "J* (policy iteration)", \
  46.536997294890909 with lines dt 3 lw 1.5 lc rgb "#7f7f7f" title "J of the uniform policy"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "exact_J_garnet_20_4_5_2.svg".tmp
replot
set output
