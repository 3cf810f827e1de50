# trbench plot: rlhf_overoptimization — rlhf_overoptimization: long_beta_0.01 on garnet:100,4,10,1: gold J against √KL
# render: gnuplot overopt_long_beta_0.01_garnet_100_4_10_1.gp   (writes overopt_long_beta_0.01_garnet_100_4_10_1.png and overopt_long_beta_0.01_garnet_100_4_10_1.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "rlhf_overoptimization: long_beta_0.01 on garnet:100,4,10,1: gold J against √KL"
set key outside right top vertical Left reverse noopaque samplen 2 spacing 1.2
set xlabel "d = √KL(π ‖ π_ref) (per step, exact)"
set ylabel "gold J − J(π_ref)"
set xzeroaxis lt 1 lc rgb "#999999"
set terminal pngcairo size 1100,620 font "sans,11" noenhanced
set output "overopt_long_beta_0.01_garnet_100_4_10_1.png".tmp
plot \
  "overopt_long_beta_0.01_garnet_100_4_10_1.dat" index 0 using 1:2 with linespoints pt 7 ps 0.5 lc rgb "#1f77b4" title "run 1", \
  "overopt_long_beta_0.01_garnet_100_4_10_1.dat" index 1 using 1:2 with linespoints pt 7 ps 0.5 lc rgb "#d62728" title "run 2", \
  "overopt_long_beta_0.01_garnet_100_4_10_1.dat" index 2 using 1:2 with linespoints pt 7 ps 0.5 lc rgb "#2ca02c" title "run 3", \
  "overopt_long_beta_0.01_garnet_100_4_10_1.dat" index 3 using 1:2 with linespoints pt 7 ps 0.5 lc rgb "#ff7f0e" title "run 4", \
  "overopt_long_beta_0.01_garnet_100_4_10_1.dat" index 4 using 1:2 with linespoints pt 7 ps 0.5 lc rgb "#9467bd" title "run 5", \
  (x > 0 ? x * (6.4624163288819663 - 3.6592360830172481 * log(x)) : 0) with lines dt 2 lw 2 lc rgb "black" title "d(α − β log d), mean α, β"
set terminal svg size 1100,620 dynamic font "sans,11" noenhanced background rgb "white"
set output "overopt_long_beta_0.01_garnet_100_4_10_1.svg".tmp
replot
set output
