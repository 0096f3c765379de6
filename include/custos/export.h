/*
 * custos — export.h: everything stored about one customer, as JSON (a data subject's
 * access and portability request).
 */
#ifndef CUSTOS_EXPORT_H
#define CUSTOS_EXPORT_H

#include "buffer.h"
#include "common.h"
#include "db.h"

/**
 * @file custos/export.h
 * @brief Subject export: one customer's data as a JSON document.
 * @defgroup custos_export Subject export
 * @ingroup custos
 *
 * custos_subject_export() answers a data subject's request for access (GDPR Art. 15),
 * for portability (Art. 20) or under PIPL art. 45: one JSON document holding everything
 * the store keeps about one customer, read in one snapshot: the record's fields and
 * header (state, owner, team, versions, times), its metrics, every timeline event, every
 * change of its history (field changes with old values, lifecycle moves with reasons)
 * and its consent records. The document is made with libjansson.
 *
 * Its form (`"format": "custos-subject-export-1"`):
 *
 *     { "format", "exported_at", "exported_by",
 *       "customer": { "id", "state", "archived_from" (archived only), "version",
 *                     "created", "updated", "owner", "team" (null when none),
 *                     "fields": { name: text, or [tags] },
 *                     "masked": [ names of the fields shown masked ],
 *                     "metrics": { name: text } },
 *       "events": [ { "seq", "time", "recorded", "author", "kind", then by kind:
 *                     purchase "amount", "currency", "quantity", "item", "order";
 *                     interaction "channel", "direction", "subject", "body";
 *                     feedback "scale", "score", "body"; note "body";
 *                     points "operation", "points", "expires" } ],      oldest first
 *       "history": [ { "version", "time", "author", and either
 *                      "changes": [ { "field", "old" (null: no value before) or
 *                                     "hidden": true, "masked" when masked } ]
 *                      or "lifecycle": { "from", "to", "reason" } } ],   oldest first
 *       "consent": [ { "seq", "purpose", "basis", "given" (true or false), "time",
 *                      "recorded", "author", "source", "evidence" } ] }   oldest first
 *
 * Times are ISO 8601 in UTC with microseconds ("2025-01-01T08:30:00.000000Z"); values are
 * the text custos_customer_get_string() and the other getters give; amounts are decimal
 * text in the currency's minor digits ("1099.00"); principals are named.
 *
 * What the export shows follows the context like every read: fields, old values, event
 * texts and reasons of classes it sees masked are masked, of classes it does not see
 * are left out. Archived customers are exported like any other.
 * @{
 */

CUSTOS_BEGIN_DECL

/**
 * @brief Export everything stored about one customer as JSON. Audited
 *        (#CUSTOS_AUDIT_EXPORT, with the classes shown).
 * @param[out] out Receives the document, UTF-8, NUL-terminated (wipe it with
 *             custos_buf_dispose()).
 * @param[in] ctx A context holding #CUSTOS_OP_EXPORT; the customer must be in its scope.
 * @param[in] customer The customer's id.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such customer in scope), #CUSTOS_EDENIED,
 *         #CUSTOS_EAUTH or #CUSTOS_ECORRUPT (a damaged record, event or history entry,
 *         named), #CUSTOS_EINVALID, #CUSTOS_ESTATE, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_subject_export(custos_buf *out, custos_ctx *ctx, uint64_t customer) CUSTOS_WARN_UNUSED;

CUSTOS_END_DECL

/** @} */

#endif
