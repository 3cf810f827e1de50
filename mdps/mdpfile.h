/* mdps/mdpfile.h — Cassandra's POMDP file format, MDP subset; policy files.
 *
 * Reading: `discount:`, `values: reward|cost`, `states:` and `actions:` (a count or
 * names), optional `start:` (a state, `uniform`, or a probability vector — a trbench
 * extension), `T:` and `R:` entries in all their forms (single entry, row, matrix,
 * `identity`, `uniform`, `*` wildcards).  R(s,a,s') is folded to r(s,a) = Σ P r.
 * Later lines override earlier ones.  `values: cost` reads rewards as −cost.  A file
 * with `observations:` is a POMDP and is refused.  Every defect is reported as
 * "path:line: what" (TR_EINVAL).
 *
 * Writing: a file this reader reads back to the same MDP (doubles as %.17g, C locale). */
#ifndef MDP_MDPFILE_H
#define MDP_MDPFILE_H

#include <stdio.h>

#include "mdps/mdp.h"

/* NULL with message on failure. */
mdp *mdp_read_file(const char *path);
/* `name` is used in messages in place of a path. */
mdp *mdp_read_string(const char *text, const char *name);

tr_status mdp_write_stream(const mdp *m, FILE *f);
/* Atomic: written to a temporary beside path, then renamed. */
tr_status mdp_write_file(const mdp *m, const char *path);

/* Policy files: one row per state in state order, A probabilities separated by white
 * space, '#' starts a comment.  *pi_out is a new (S, A) array.  Rows must be
 * distributions within MDP_ROW_TOL ("path:line: row of state s sums to x"). */
tr_status mdp_policy_read(const char *path, size_t S, size_t A, double **pi_out);
tr_status mdp_policy_write(const char *path, const double *pi, size_t S, size_t A);

#endif
