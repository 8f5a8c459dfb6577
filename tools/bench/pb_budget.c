// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * progbench's verdicts: the issue-20 budgets, each line with the figure
 * measured, and for each budget missed what the tables say bounds it.
 * Apart from the measuring (progbench.c): the budgets are the and
 * change on their own schedule, the tables with the method.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pb.h"

/* The issue-20 budgets: ns added over the no-op program in the same run; instructions. */
#define WARM_BUDGET	12.0
#define NEW_BUDGET	60.0
#define COLD_BUDGET	150.0
#define VERIFIER_BUDGET	300000u

const char *const hook_name[HOOKS] = { "XDP", "tc" };

void pb_budget(const char *what, const char *measured, bool ok)
{
	printf("Budget: %s: %s: %s\n", what, measured, ok ? "met" : "MISSED");
}

/*
 * Whether each entry into the kernel starts with an empty TLB: page-table
 * isolation without PCIDs switches the whole address space on every
 * syscall, so a run per call finds the sensor's pages again every time.
 */
bool pb_tlb_flushed_per_call(void)
{
	char line[4096];
	bool pti = false, pcid = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		pti = strstr(line, " pti") != NULL;
		pcid = strstr(line, " pcid") != NULL;
		break;
	}
	if (f)
		fclose(f);
	return pti && !pcid;
}

/* The budget lines, then what the figures say bounds each one missed. */
void pb_budgets(const struct pb_figures *f)
{
	char what[160], got[96];
	int h;

	printf("\n");
	for (h = 0; h < HOOKS; h++) {
		snprintf(what, sizeof(what), "warm, %s: at most %.0f ns added per packet (geometric mean of the mix)",
			 hook_name[h], WARM_BUDGET);
		snprintf(got, sizeof(got), "%.1f ns", f->warm[h]);
		pb_budget(what, got, f->warm[h] <= WARM_BUDGET);
	}
	for (h = 0; h < HOOKS; h++) {
		snprintf(what, sizeof(what), "a new source on every packet, %s: at most %.0f ns added "
			 "(the worse of SYN and DNS query)", hook_name[h], NEW_BUDGET);
		snprintf(got, sizeof(got), "%.1f ns", f->fresh[h]);
		pb_budget(what, got, f->fresh[h] <= NEW_BUDGET);
	}
	for (h = 0; h < HOOKS; h++) {
		snprintf(what, sizeof(what), "cold (L2 evicted before each run), %s: at most %.0f ns added",
			 hook_name[h], COLD_BUDGET);
		snprintf(got, sizeof(got), "%.0f ns", f->cold[h]);
		pb_budget(what, got, f->cold[h] <= COLD_BUDGET);
	}
	for (h = 0; h < f->n_verified; h++) {
		snprintf(what, sizeof(what), "verifier, %s: at most %u instructions processed", f->verified_prog[h],
			 VERIFIER_BUDGET);
		snprintf(got, sizeof(got), "%u", f->verified[h]);
		pb_budget(what, got, f->verified[h] <= VERIFIER_BUDGET);
	}

	printf("\nWhat bounds the budgets missed above (every figure from the tables above):\n\n");
	for (h = 0; h < HOOKS; h++) {
		if (f->warm[h] <= WARM_BUDGET)
			continue;
		printf("- **Warm, %s**: parse and count alone (no detectors) add %.1f ns, the detectors %.1f more. %s\n",
		       hook_name[h], f->warm_quiet[h], f->warm[h] - f->warm_quiet[h],
		       f->warm_quiet[h] > WARM_BUDGET ? "Parse and count alone are over the budget: no saving in "
		       "the detectors meets it." : "The detectors' share is what takes it over the budget.");
	}
	for (h = 0; h < HOOKS; h++) {
		if (f->fresh[h] <= NEW_BUDGET)
			continue;
		printf("- **New source, %s**: of the %.1f ns added, %.1f ns are the new source's own (against the same "
		       "source through the same wrapper: the per-source state the sensor looks up or starts, "
		       "%s), the rest the warm work.\n", hook_name[h], f->fresh[h], f->fresh_own[h],
		       f->fresh_own[h] > NEW_BUDGET ? "over the budget by itself" : "within the budget by itself");
	}
	for (h = 0; h < HOOKS; h++) {
		if (f->cold[h] <= COLD_BUDGET)
			continue;
		printf("- **Cold, %s**: %.0f ns added with L2 evicted, %.0f with nothing evicted but one run per call "
		       "(warm loop: %.1f). So about %.0f ns are refetching what a call's boundary took (the kernel's "
		       "entry and exit between runs%s), and %.0f ns the sensor's data and code coming back from L3.\n",
		       hook_name[h], f->cold[h], f->call[h], f->warm[h], f->call[h] - f->warm[h],
		       pb_tlb_flushed_per_call() ? "; with PTI and no PCID, as here, each entry starts with an empty TLB" : "",
		       f->cold[h] - f->call[h]);
	}
	if (f->cold[XDP] > COLD_BUDGET)
		printf("- **Cold, without detectors** (XDP): %.0f ns added: %s\n", f->cold_quiet,
		       f->cold_quiet > COLD_BUDGET ? "parse and count alone are over the budget." :
		       "within the budget; the detectors' state is what takes it over.");
	for (h = 0; h < f->n_verified; h++) {
		if (f->verified[h] <= VERIFIER_BUDGET)
			continue;
		printf("- **Verifier, %s**: %u with every detector on, %u with all off: %s\n", f->verified_prog[h],
		       f->verified[h], f->verified_quiet[h], f->verified_quiet[h] > VERIFIER_BUDGET ? "the parser, "
		       "the counting and the handshakes, not the detectors, are over the budget (`progbench "
		       "--verifier`: each detector off alone)." : "the detectors take it over the budget "
		       "(`progbench --verifier`: each one off alone).");
	}
}

