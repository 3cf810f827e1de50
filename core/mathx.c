/* core/mathx.c — see mathx.h */
#include "core/mathx.h"

#include <math.h>

double tr_softmax_norm(const double *z, size_t n, double *m) {
  double mx = z[0];
  for (size_t i = 1; i < n; i++)
    if (z[i] > mx) mx = z[i];
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += exp(z[i] - mx);
  *m = mx;
  return s;
}
