# gnuplot cpi.ajks.opt.gp  (written by trbench verify)
set terminal pngcairo size 640,480
set output 'cpi.ajks.opt.png'
set title "cpi.ajks.opt: the bound's room against what the true value used\n(holds iff a point is on or below the line; used <= 0 not drawn)" noenhanced
set logscale xy
set format x '10^{%L}'
set format y '10^{%L}'
set xlabel "room: the bound's allowance"
set ylabel 'used: room - (lhs - rhs)'
set key top left
plot 'cpi.ajks.opt.tsv' using 3:($4 > 0 && $3 > 0 ? $4 : 1/0) skip 2 with points pt 7 ps 0.4 title 'instances', x with lines lw 1 title 'used = room'
