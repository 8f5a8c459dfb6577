# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# progbench's "Budget: WHAT: MEASURED: met|MISSED" lines (pb_budget.c) as
# BENCHMARKS.md's table rows.  WHAT may hold colons, MEASURED none.
# Used by run.sh, and checked by selfcheck.sh: one definition of the form.
s/^Budget: (.*): ([^:]*): (met|MISSED)$/| \1 | \2 | \3 |/
s/\| MISSED \|$/| **MISSED** |/
