# trbench plot: rlhf_overoptimization — rlhf_overoptimization on garnet:100,4,10,1: sampled against exact improvement
# render: gnuplot improvement_garnet_100_4_10_1.gp   (writes improvement_garnet_100_4_10_1.png and improvement_garnet_100_4_10_1.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "rlhf_overoptimization on garnet:100,4,10,1: sampled against exact improvement"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set xlabel "exact improvement J(π_new) − J(π_old)"
set ylabel "sampled improvement (1/(1−γ)) mean (r − 1) Â"
set xzeroaxis lt 1 lc rgb "#999999"
set yzeroaxis lt 1 lc rgb "#999999"
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "improvement_garnet_100_4_10_1.png".tmp
plot \
  "improvement_garnet_100_4_10_1.dat" index 0 using 1:2 with points pt 7 ps 0.5 lc rgb "#1f77b4" title "labels_1e2", \
  "improvement_garnet_100_4_10_1.dat" index 1 using 1:2 with points pt 7 ps 0.5 lc rgb "#d62728" title "labels_1e3", \
  "improvement_garnet_100_4_10_1.dat" index 2 using 1:2 with points pt 7 ps 0.5 lc rgb "#2ca02c" title "labels_1e4", \
  "improvement_garnet_100_4_10_1.dat" index 3 using 1:2 with points pt 7 ps 0.5 lc rgb "#ff7f0e" title "beta_0", \
  "improvement_garnet_100_4_10_1.dat" index 4 using 1:2 with points pt 7 ps 0.5 lc rgb "#9467bd" title "beta_0.1", \
  "improvement_garnet_100_4_10_1.dat" index 5 using 1:2 with points pt 7 ps 0.5 lc rgb "#8c564b" title "rm_mlp_1x16", \
  "improvement_garnet_100_4_10_1.dat" index 6 using 1:2 with points pt 7 ps 0.5 lc rgb "#e377c2" title "rm_mlp_2x64", \
  "improvement_garnet_100_4_10_1.dat" index 7 using 1:2 with points pt 7 ps 0.5 lc rgb "#7f7f7f" title "ensemble_1", \
  "improvement_garnet_100_4_10_1.dat" index 8 using 1:2 with points pt 7 ps 0.5 lc rgb "#bcbd22" title "ensemble_5", \
  "improvement_garnet_100_4_10_1.dat" index 9 using 1:2 with points pt 7 ps 0.5 lc rgb "#17becf" title "long_beta_0", \
  "improvement_garnet_100_4_10_1.dat" index 10 using 1:2 with points pt 7 ps 0.5 lc rgb "#000000" title "long_beta_0.01", \
  "improvement_garnet_100_4_10_1.dat" index 11 using 1:2 with points pt 7 ps 0.5 lc rgb "#aec7e8" title "long_beta_0.1", \
  x with lines dt 2 lc rgb "black" title "sampled = exact"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "improvement_garnet_100_4_10_1.svg".tmp
replot
set output
