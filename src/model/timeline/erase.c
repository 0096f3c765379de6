/*
 * model/timeline/erase.c — removing a customer's whole timeline, history and consent
 * records when it is erased.
 */
#include "model/timeline/timeline.h"

int cu_timeline_erase(cu_op *op, uint64_t id)
{
	unsigned char k[8];
	int rc;

	cu_put_u64be(k, id);
	/* Events and, after them, the summary; the points ledger; the history. */
	if ((rc = cu_del_prefix(op->txn, CU_B_EVENTS, k, 8, NULL)) || (rc = cu_del_prefix(op->txn, CU_B_POINTS, k, 8, NULL)))
		return rc;
	if ((rc = cu_del_prefix(op->txn, CU_B_HISTORY, k, 8, NULL)))
		return rc;
	return cu_del_prefix(op->txn, CU_B_CONSENT, k, 8, NULL);
}
