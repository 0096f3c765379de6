/*
 * model/check.h — the model-level check of a store, for custos_db_check() after the
 * backend's own structural check. Read-only.
 *
 * What it checks, stopping at the first problem:
 *   1. every record of the meta bucket: the header by its checksum and store id, the
 *      keyring by nothing (only unlocking holds the key that opens it), every other record
 *      by its MAC (sealed records); every record of the access bucket by its MAC (that
 *      none is an older valid copy is access/seals.c's part, run next);
 *   2. every customer: its record parses, its data key unwraps, its tag verifies, every
 *      class decrypts and decodes; every index entry it needs exists (each searchable
 *      value, each tag of a tags field, its owner and its team), and a blind entry's
 *      verifier is the one recomputed from the decrypted value;
 *   3. the counters: the next id is above every id, the count is the number of records;
 *   4. the index bucket holds only index entries (model/index.h), each of a field the
 *      schema has and of the kind its encryption calls for; and no more entries of
 *      searchable fields and ownership than the customers need, so none is stray (when
 *      there are more, a second pass names the first one). Entries of a field that is not
 *      searchable are left by an interrupted index build; lookups ignore them, the next
 *      build or rebuild removes them, and the check accepts them.
 *
 * One snapshot, not pages: steps 2 to 4 run in one read transaction, so a writer
 * committing meanwhile (an update moves an index entry, a create adds a record and bumps
 * the counters) cannot make a sound store look damaged, and step 4 can compare counts
 * made in steps 2 and 4. The price is LMDB's: a read transaction does not block writers,
 * but pins the pages of its snapshot, so the file grows by what writers change while the
 * check runs (a few tenths of a second for 20,000 customers). Memory stays bounded:
 * customers are read a page of ids at a time, index entries a page of keys at a time, and
 * nothing is kept per customer.
 *
 * Results: CUSTOS_EAUTH for a record or sealed value that fails authentication;
 * CUSTOS_ECORRUPT for a structural inconsistency (a missing, stray or mismatched index
 * entry, counters that disagree, an undocumented key, a record that authenticates but does
 * not decode). The message names the customer id, the field and the kind of entry, never
 * a value. Either marks the store damaged: damage in the index alone as repairable
 * (nothing is written but the rebuild of the indexes, custos_db_rebuild_indexes()), any
 * other as fatal (nothing is written at all).
 */
#ifndef CU_MODEL_CHECK_H
#define CU_MODEL_CHECK_H

#include "model/core.h"

/* Step 1, in a read transaction of its own (custos_db_check() compares the records with
 * the audit log's head between the two). */
int cu_check_sealed(cu_core *core);
/* Steps 2 to 4, in one read transaction. */
int cu_check_store(cu_core *core);

#endif
