/*
 * model/upgrade.h — bringing a store of custos 0.1.0 to the current formats.
 */
#ifndef CU_MODEL_UPGRADE_H
#define CU_MODEL_UPGRADE_H

#include "model/core.h"

/* A store of format 1 (custos 0.1.0) is unlocked as it is (c->header.format says so) and
 * upgraded before use: cu_core_rekey_prepare() and _write() write header and keyring in the current format,
 * and a sealed "upgrade" record names the next customer whose record is still of format 3.
 * cu_core_upgrade_records() rewrites up to max of them from *next_id on (noting each write
 * for the audit log) and moves *next_id on: UINT64_MAX when none is left. */
int cu_core_upgrade_mark(cu_op *op, uint64_t next_id);
int cu_core_upgrade_pending(cu_txn *t, const cu_keys *k, uint64_t *next_id);  /* ENOTFOUND: none */
int cu_core_upgrade_records(cu_op *op, uint64_t *next_id, size_t max, size_t *count);
int cu_core_upgrade_done(cu_op *op);

#endif
