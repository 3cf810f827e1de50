# exact rational re-check of course.c1 on a saved instance (independent of trbench and Arb)
import sys
from fractions import Fraction as F
base = sys.argv[1]
lines = [l.split('#')[0].strip() for l in open(base + '.mdp')]
lines = [l for l in lines if l]
S = A = None; g = None; mu = None; T = {}; R = {}
i = 0
while i < len(lines):
    l = lines[i]
    if l.startswith('discount:'): g = F(float(l.split()[1]))
    elif l.startswith('states:'): S = int(l.split()[1])
    elif l.startswith('actions:'): A = int(l.split()[1])
    elif l.startswith('start:'): mu = [F(float(x)) for x in l.split()[1:]]
    elif l.startswith('T:'):
        p = l.replace(':', ' ').split(); a, s = int(p[1]), int(p[2]); i += 1
        T[(s, a)] = [F(float(x)) for x in lines[i].split()]
    elif l.startswith('R:'):
        p = l.replace(':', ' ').split(); a, s = int(p[1]), int(p[2])
        R[(s, a)] = F(float(p[-1]))
    i += 1
def pol(path):
    rows = [l for l in open(path) if not l.startswith('#') and l.strip()]
    return [[F(float(x)) for x in r.split()] for r in rows]
pi, pi2 = pol(base + '.pi'), pol(base + '.pi2')
def norm(v): s = sum(v); return [x / s for x in v]
for k in T: T[k] = norm(T[k])
mu = norm(mu); pi = [norm(r) for r in pi]; pi2 = [norm(r) for r in pi2]
def solve(M, b):
    n = len(b); M = [row[:] + [b[i]] for i, row in enumerate(M)]
    for c in range(n):
        p = next(r for r in range(c, n) if M[r][c] != 0); M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]; M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]
def values(p):
    Pp = [[sum(p[s][a] * T[(s, a)][j] for a in range(A)) for j in range(S)] for s in range(S)]
    M = [[(1 if s == j else 0) - g * Pp[s][j] for j in range(S)] for s in range(S)]
    rp = [sum(p[s][a] * R.get((s, a), 0) for a in range(A)) for s in range(S)]
    V = solve(M, rp)
    Mt = [[M[j][s] for j in range(S)] for s in range(S)]
    d = [(1 - g) * x for x in solve(Mt, mu)]
    Q = [[R.get((s, a), 0) + g * sum(T[(s, a)][j] * V[j] for j in range(S)) for a in range(A)] for s in range(S)]
    return V, d, Q, sum(m * v for m, v in zip(mu, V))
V, d, Q, J = values(pi)
V2, d2, Q2, J2 = values(pi2)
Adv = [[Q[s][a] - V[s] for a in range(A)] for s in range(S)]
L = J + sum(d[s] * sum(pi2[s][a] * Adv[s][a] for a in range(A)) for s in range(S)) / (1 - g)
eps = max(abs(x) for r in Adv for x in r)
tv = max(sum(abs(pi[s][a] - pi2[s][a]) for a in range(A)) / 2 for s in range(S))
pen = 2 * eps * g / (1 - g) ** 2 * tv * tv
print("S=%d A=%d gamma=%s" % (S, A, float(g)))
print("J(new) = %.17g  L(new) = %.17g  penalty = %.17g" % (J2, L, pen))
print("lhs - rhs = J(new) - (L - penalty) = %.17g (exact rational, sign %s)" % (J2 - (L - pen), "negative: C1 violated" if J2 - (L - pen) < 0 else "nonnegative"))
print("ratio (L - J(new)) / penalty = %.6f" % ((L - J2) / pen))
