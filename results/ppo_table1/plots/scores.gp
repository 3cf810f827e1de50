# trbench plot: ppo_table1 — normalized score per variant
# render: gnuplot scores.gp   (writes scores.png and scores.svg)
if (!exists("tmp")) tmp = ""
set encoding utf8
set title font ",14"
set grid xtics ytics lt 1 lw 1 lc rgb "#e4e4e4"
set border 3
set tics nomirror
set title "ppo_table1: normalized score (random policy = 0, best row = 1)"
set ylabel "normalized score, mean over all runs of a row"
set grid noxtics ytics
set xzeroaxis lt -1 lw 1
set key outside bottom center horizontal samplen 2
set style fill solid 0.85 border -1
set datafile missing "NaN"
# bars start at 0; 0 (random) and 1 (best) stay in view
set yrange [*<0:1.1<*]
set xtics rotate by -30 left scale 0 ("no clipping or penalty" 0, "clip 0.1" 1, "clip 0.2" 2, "clip 0.3" 3, "adaptive KL 0.003" 4, "adaptive KL 0.01" 5, "adaptive KL 0.03" 6, "fixed KL 0.3" 7, "fixed KL 1" 8, "fixed KL 3" 9, "fixed KL 10" 10)
set xrange [-0.6:11-0.4]
set terminal pngcairo size 1000,600 font "sans,11" noenhanced
set output "scores.png".tmp
set offsets 0, 0, 0, graph 0.1   # room for labels below
plot "scores.dat" using ($1-0.2):3:(0.38) with boxes lc rgb "#1f77b4" title "trbench", \
  "scores.dat" using ($1-0.2):($3>=0 ? $3 : NaN):(sprintf("%.2f", $3)) with labels offset 0,char 0.7 notitle, \
  "scores.dat" using ($1+0.2):4:(0.38) with boxes lc rgb "#bbbbbb" title "paper (PPO (Schulman et al. 2017), Table 1)", \
  "scores.dat" using ($1+0.2):($4>=0 ? $4 : NaN):(sprintf("%.2f", $4)) with labels offset 0,char 0.7 notitle, \
  "scores.dat" using ($1+0.2):($4<0 ? $4 : NaN):(sprintf("%.2f", $4)) with labels offset 0,char -0.7 notitle
set terminal svg size 1000,600 dynamic font "sans,11" noenhanced background rgb "white"
set output "scores.svg".tmp
replot
set output
