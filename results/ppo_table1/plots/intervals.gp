# trbench plot: ppo_table1 — aggregate scores with 95% CIs
# render: gnuplot intervals.gp   (writes intervals.png and intervals.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set datafile missing "NaN"
set yrange [11-0.3:-0.7]
set grid xtics noytics
unset key
set terminal pngcairo size 1400,534 font "sans,11" noenhanced
set output "intervals.png".tmp
set multiplot layout 1,4 margins 0.131,0.98,0.112,0.869 spacing 0.03 title "ppo_table1: normalized scores, point estimate and 95% stratified-bootstrap CI"
set xtics 0.2
set ytics scale 0 ("no clipping or penalty" 0, "clip 0.1" 1, "clip 0.2" 2, "clip 0.3" 3, "adaptive KL 0.003" 4, "adaptive KL 0.01" 5, "adaptive KL 0.03" 6, "fixed KL 0.3" 7, "fixed KL 1" 8, "fixed KL 3" 9, "fixed KL 10" 10)
set title "Median"
plot "intervals.dat" using 3:1:4:5 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#1f77b4"
set xtics 0.2
unset ytics
set title "IQM"
plot "intervals.dat" using 6:1:7:8 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#d62728"
set xtics 0.2
unset ytics
set title "Mean"
plot "intervals.dat" using 9:1:10:11 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#2ca02c"
set xtics 0.2
unset ytics
set title "Optimality gap"
plot "intervals.dat" using 12:1:13:14 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#ff7f0e"
unset multiplot
set terminal svg size 1400,534 dynamic font "sans,11" noenhanced background rgb "white"
set output "intervals.svg".tmp
set multiplot layout 1,4 margins 0.131,0.98,0.112,0.869 spacing 0.03 title "ppo_table1: normalized scores, point estimate and 95% stratified-bootstrap CI"
set xtics 0.2
set ytics scale 0 ("no clipping or penalty" 0, "clip 0.1" 1, "clip 0.2" 2, "clip 0.3" 3, "adaptive KL 0.003" 4, "adaptive KL 0.01" 5, "adaptive KL 0.03" 6, "fixed KL 0.3" 7, "fixed KL 1" 8, "fixed KL 3" 9, "fixed KL 10" 10)
set title "Median"
plot "intervals.dat" using 3:1:4:5 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#1f77b4"
set xtics 0.2
unset ytics
set title "IQM"
plot "intervals.dat" using 6:1:7:8 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#d62728"
set xtics 0.2
unset ytics
set title "Mean"
plot "intervals.dat" using 9:1:10:11 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#2ca02c"
set xtics 0.2
unset ytics
set title "Optimality gap"
plot "intervals.dat" using 12:1:13:14 with xerrorbars pt 7 ps 1.2 lw 2 lc rgb "#ff7f0e"
unset multiplot
set output
