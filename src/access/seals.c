/*
 * access/seals.c — is the store's state the one its audit log's head recorded? The digest of
 * the meta and access records (model/meta.h) is compared with the head, and the head with
 * the newest block of the log, so a principal, role, team, schema, counter or key record
 * put back from an older copy is found, and so is an older head put back with it.
 */
#include <string.h>

#include "access/access.h"
#include "util/error.h"

int cu_seals_log_ends(cu_txn *t, uint64_t seq)
{
	unsigned char k[9] = { 'B' };
	custos_val key, v;
	cu_cursor cur;
	int rc;

	cu_put_u64be(k + 1, seq + 1);
	if ((rc = cu_cursor_open(&cur, t, CU_B_AUDIT)))
		return rc;
	rc = cu_cursor_seek(&cur, k, sizeof k, &key, &v);
	cu_cursor_close(&cur);
	if (rc == CUSTOS_OK && key.size == 9 && key.data[0] == 'B')
		return cu_err(CUSTOS_EAUTH, "the audit log continues after its head (entry %llu): the head was rolled "
			"back to an older copy", (unsigned long long)seq);
	return rc == CUSTOS_ITEROVER || rc == CUSTOS_OK ? CUSTOS_OK : rc;
}

/* The head must name the newest block: it exists, ends at the head's entry with the head's
 * hash, and nothing follows it. */
static int head_is_newest(cu_txn *t, uint64_t seq, const unsigned char h[32])
{
	unsigned char k[9] = { 'B' };
	custos_val v;
	int rc;

	cu_put_u64be(k + 1, seq);
	if (seq > 0) {
		rc = cu_get(t, CU_B_AUDIT, k, sizeof k, &v);
		if (rc == CUSTOS_ENOTFOUND)
			return cu_err(CUSTOS_EAUTH, "the audit log's head names entry %llu, but no block of the log ends "
				"there", (unsigned long long)seq);
		if (rc)
			return rc;
		if (v.size < 32 || !cu_equal(v.data + v.size - 32, h, 32))
			return cu_err(CUSTOS_EAUTH, "the audit log's head does not match the block ending at entry %llu",
				(unsigned long long)seq);
	}
	return cu_seals_log_ends(t, seq);
}

int cu_seals_check(cu_core *core, cu_txn *t, uint64_t *head_seq)
{
	unsigned char h[32], want[CU_SEAL_BYTES], have[CU_SEAL_BYTES];
	cu_audit_keys ak;
	uint64_t seq;
	int rc;

	cu_audit_keys_derive(&ak, core->keys);
	rc = cu_audit_head(t, core->keys, &seq, h, want, &ak);
	cu_audit_keys_wipe(&ak);
	if (head_seq)
		*head_seq = seq;
	if (rc == CUSTOS_ENOTFOUND)
		return cu_err(CUSTOS_EAUTH, "the audit log's head is missing");
	if (rc || (rc = head_is_newest(t, seq, h)) || (rc = cu_meta_digest(t, core->keys, have)))
		return rc;
	for (unsigned c = 0; c < CU_SEAL_CATEGORIES; c++) {
		const unsigned char *a = want + c * CU_SEAL_DIGEST_BYTES, *b = have + c * CU_SEAL_DIGEST_BYTES;
		if (!cu_equal(a, b, CU_SEAL_DIGEST_BYTES))
			return cu_err(CUSTOS_EAUTH, "the audit log's head (entry %llu) does not match %s: it was replaced "
				"by an older copy, or added or removed outside custos", (unsigned long long)seq,
				cu_seal_category_name(c));
	}
	return CUSTOS_OK;
}

static int check_fn(cu_txn *t, void *arg)
{
	return cu_seals_check(arg, t, NULL);
}

int cu_seals_verify(cu_core *core)
{
	return cu_store_read(&core->store, check_fn, core);
}
