/*
 * custos — batch.h: write batches: creates, updates and event appends for many customers,
 * committed as one transaction.
 */
#ifndef CUSTOS_BATCH_H
#define CUSTOS_BATCH_H

#include "common.h"
#include "customer.h"
#include "db.h"
#include "event.h"

/**
 * @file custos/batch.h
 * @brief Write batches: many writes, one transaction, all or nothing.
 * @defgroup custos_batch Write batches
 * @ingroup custos
 *
 * A #custos_batch is a list of writes — customers to create, updates of customers,
 * events to append — made for one context and committed by custos_batch_commit() in one
 * transaction and one durable commit: either every write is stored or none is, and a
 * point-of-sale feed or an import appends thousands of events per commit. The batch is a
 * list of operations, not an open transaction: nothing is read or locked while it is
 * filled, and custos runs the whole list again if the store must grow in the middle of
 * it, as it does for every write.
 *
 * Adding a write copies what it needs (the customer draft or changes, the event), so the
 * caller may free or reuse its handles at once. Each write is checked when it is added
 * for what does not depend on the store (the context's rights; an event's values, as
 * custos_event_append() checks them);
 * everything else (required and unique fields, a customer in scope, the points balance)
 * is checked in order at the commit, against the store as the earlier writes of the
 * batch left it. The first failure aborts the commit; its message starts with the
 * write's position ("write 17: ...") and the store is left exactly as it was.
 *
 * Threading: a batch belongs to one thread at a time.
 * @{
 */

CUSTOS_BEGIN_DECL

/** A list of writes committed as one transaction. */
typedef struct custos_batch custos_batch;

/**
 * @brief Make an empty batch for a context.
 * @param[out] out Receives the batch, owned by the caller. It keeps a reference on @p ctx.
 * @param[in] ctx The context every write of the batch is made as.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ESTATE, #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_batch_new(custos_batch **out, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/** @brief Free a batch and what it holds, committed or not. @param[in] batch The batch; NULL is accepted. */
CUSTOS_EXTERN(void) custos_batch_free(custos_batch *batch);

/**
 * @brief Add a customer to create.
 * @param[in,out] batch The batch.
 * @param[in] draft A draft of the batch's store (custos_customer_new()); copied.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, a draft of another store), #CUSTOS_EDENIED
 *         (no #CUSTOS_OP_CREATE, or a field whose class the context does not see
 *         clearly), #CUSTOS_EFULL (the batch holds #CUSTOS_BATCH_MAX writes),
 *         #CUSTOS_ESTATE (the batch was committed), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_batch_create(custos_batch *batch, const custos_customer *draft) CUSTOS_WARN_UNUSED;

/**
 * @brief Add an update of a customer: the fields set or unset in @p changes.
 * @param[in,out] batch The batch.
 * @param[in] customer The customer's id.
 * @param[in] changes A handle whose changed fields are applied, as by custos_customer_update(); copied.
 * @return As custos_batch_create(), with #CUSTOS_OP_UPDATE.
 */
CUSTOS_EXTERN(int) custos_batch_update(custos_batch *batch, uint64_t customer, const custos_customer *changes) CUSTOS_WARN_UNUSED;

/**
 * @brief Add an event to append to a customer's timeline.
 * @param[in,out] batch The batch.
 * @param[in] customer The customer's id.
 * @param[in] event A draft event (custos_event_new()); copied.
 * @return As custos_batch_create(), with #CUSTOS_OP_UPDATE; #CUSTOS_EINVALID also for an
 *         event read back from the store or one custos_event_append() would refuse
 *         whatever the store holds (a value its kind needs is missing, a time more than a
 *         day ahead).
 */
CUSTOS_EXTERN(int) custos_batch_append(custos_batch *batch, uint64_t customer, const custos_event *event) CUSTOS_WARN_UNUSED;

/**
 * @brief How many writes the batch holds.
 * @param[in] batch The batch.
 * @return The number of writes added; 0 for NULL.
 */
CUSTOS_EXTERN(size_t) custos_batch_count(const custos_batch *batch);

/**
 * @brief Commit every write of the batch in one transaction.
 *
 * After a success the batch holds the results (custos_batch_id(), custos_batch_seq())
 * and takes no more writes; after a failure nothing was stored, and the batch may be
 * committed again (after the cause is removed) or freed.
 * @param[in,out] batch The batch; an empty batch commits nothing and succeeds.
 * @return #CUSTOS_OK, or the first failing write's code (#CUSTOS_EINVALID,
 *         #CUSTOS_ENOTFOUND, #CUSTOS_EEXISTS, #CUSTOS_EDENIED, #CUSTOS_EFULL, #CUSTOS_EAUTH,
 *         ...) with its position in the message; #CUSTOS_ETOOBIG (more changes than one
 *         transaction of the backend holds: split the batch); #CUSTOS_ESTATE (committed
 *         already, store closed, rights changed), #CUSTOS_ENOMEM, #CUSTOS_EIO, #CUSTOS_EBACKEND.
 */
CUSTOS_EXTERN(int) custos_batch_commit(custos_batch *batch) CUSTOS_WARN_UNUSED;

/**
 * @brief After a commit: the customer a write created, updated or appended to.
 * @param[in] batch The batch.
 * @param[in] index The write's position, from 0 in the order added.
 * @return The customer's id (the new id for a create); 0 before a commit, out of range or for NULL.
 */
CUSTOS_EXTERN(uint64_t) custos_batch_id(const custos_batch *batch, size_t index);

/**
 * @brief After a commit: the sequence number an appended event received.
 * @param[in] batch The batch.
 * @param[in] index The write's position.
 * @return The event's sequence number; 0 for other writes, before a commit, out of range or for NULL.
 */
CUSTOS_EXTERN(uint32_t) custos_batch_seq(const custos_batch *batch, size_t index);

CUSTOS_END_DECL

/** @} */

#endif
