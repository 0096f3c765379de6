/*
 * model/timeline/timeline.h — a customer's timeline: events appended in time order, and
 * the summary (sequence counter, points balance, metrics) kept with them.
 *
 * Bucket `events`, key: customer id (u64 BE) ‖ time (µs since the epoch, u64 BE) ‖ seq
 * (u32 BE), so one customer's events are consecutive and in time order, those of the same
 * time in the order they were appended. Value (format 1, little-endian numbers):
 *
 *   format u8 ‖ kind u8 ‖ flags u8 (bit 0: texts follow) ‖ author u32 ‖ recorded i64
 *   the kind's clear values:
 *     purchase     amount i64 ‖ currency 3 ‖ quantity u32
 *     interaction  channel u8 ‖ direction u8
 *     feedback     scale u8 ‖ score u8
 *     note         (nothing)
 *     points       op u8 ‖ points i64 ‖ expires i64
 *   nonce (12 random bytes)
 *   when texts follow: length u16 ‖ ciphertext of that length, a multiple of 16:
 *     (length u16 ‖ per text: which u8 ‖ length u16 ‖ UTF-8 ‖ zeros to a multiple of 16)
 *     XOR the ChaCha20 (IETF) stream under the customer's data key with that nonce,
 *     from block 1 on
 *   tag: Poly1305 over "CUSEVT01" ‖ store id ‖ the key ‖ all of the above, under the
 *     one-time key of block 0 of that stream
 *
 * The summary lives in the same bucket, under customer id ‖ 0xFF x 8 (cu_summary_key()), so
 * that an append rewrites it on the page of the customer's latest events. Value (format 1):
 * the summary below (in its order, little-endian; spend as count u8 then per currency
 * code 3 ‖ total i64), then a 16-byte keyed BLAKE2b tag under the store's meta key over
 * "CUSMET01" ‖ store id ‖ id ‖ the value, so a summary edited or moved between customers
 * fails. Points ledgers are in bucket `points` (ledger.c), history in `history`
 * (history.c).
 */
#ifndef CU_MODEL_TIMELINE_H
#define CU_MODEL_TIMELINE_H

#include "custos/audit.h"
#include "custos/consent.h"
#include "custos/event.h"
#include "model/core.h"
#include "model/record.h"
#include "model/value.h"
#include "util/bytes.h"

/* What a draft has had set (custos_event.set). */
enum { CU_EV_TIME = 1, CU_EV_AMOUNT = 2, CU_EV_QUANTITY = 4, CU_EV_CHANNEL = 8, CU_EV_SCORE = 16, CU_EV_POINTS = 32 };

#define CU_EVENT_KEY 20
#define CU_DAY_US (86400LL * 1000000)
#define CU_POINTS_MAX 1000000000000000LL   /* 10^15, in magnitude */

struct custos_event {
	uint8_t kind;
	uint8_t masked;          /* its texts were masked for the reader */
	uint8_t texts;           /* bit w: text w present */
	unsigned set;            /* CU_EV_* */
	uint64_t customer;
	uint32_t seq, author;
	int64_t time_us, recorded_us;
	int64_t amount;
	char currency[4];
	uint32_t quantity;
	uint8_t channel, direction, scale, score, points_op;
	int64_t points, expires_us;
	cu_bytes text[CUSTOS_EVENT_TEXT_COUNT];  /* secret; NUL-terminated when present */
};
typedef struct custos_event cu_event;

int cu_event_alloc(cu_event **out, int kind);
void cu_event_destroy(cu_event *e);
/* A copy of a draft, texts included. */
int cu_event_clone(cu_event **out, const cu_event *e);
/* Does kind take text `which`? Is it required? */
int cu_event_takes(int kind, int which);
int cu_event_requires(int kind, int which);

/* Per currency, what the customer spent. */
#define CU_SPEND_MAX 16
typedef struct cu_spend {
	char code[4];
	int64_t total;
} cu_spend;

/* The customer's timeline summary, kept in the same transaction as each event. */
typedef struct cu_summary {
	uint32_t events;                 /* the last sequence number given */
	uint32_t orders;                 /* purchases */
	int64_t first_purchase, last_purchase, last_interaction;   /* 0: none */
	int64_t points;                  /* balance, never below 0 */
	int64_t earned, redeemed, expired, adjusted;   /* points, all time; adjusted is signed */
	uint32_t i30, i90;               /* interactions in the 30 and 90 days before counted_at */
	int64_t counted_at;              /* when they were counted (0: never) */
	uint32_t nps_n, csat_n;
	uint64_t nps_sum, csat_sum;
	uint8_t ncur;
	cu_spend spend[CU_SPEND_MAX];
} cu_summary;

/* Events and history entries are sealed alike: texts encrypted with the ChaCha20 stream
 * under the customer's data key and a random 12-byte nonce (as the last 12 bytes of a
 * 24-byte one), from block 1 on, and a Poly1305 tag under block 0's one-time key over
 * label ‖ store id ‖ the storage key ‖ the value's n bytes. */
#define CU_TIMELINE_NONCE 12
void cu_timeline_nonce(unsigned char n24[CU_NONCE_BYTES], const unsigned char *n12);
void cu_timeline_seal(unsigned char out[CU_RECORD_TAG_BYTES], const unsigned char *dek, const unsigned char *n12,
	const char label[8], const unsigned char store_id[CU_STORE_ID_BYTES], const unsigned char *key, size_t key_len,
	const unsigned char *p, size_t n);

/* The tag of a summary or ledger: 16 bytes of keyed BLAKE2b under the meta key over
 * label ‖ store id ‖ id (u64 LE) ‖ the value's n bytes. */
#define CU_TIMELINE_TAG 16
void cu_timeline_tag(unsigned char out[CU_TIMELINE_TAG], const cu_keys *k, const char label[8], uint64_t id,
	const unsigned char *p, size_t n);

/* The summary's key in the events bucket: id ‖ 0xFF x 8, after all of the customer's
 * events (their times are below 2^63), so it is written on the page of the latest ones. */
#define CU_SUMMARY_KEY 16
void cu_summary_key(unsigned char k[CU_SUMMARY_KEY], uint64_t id);

/* Read a value tagged by cu_timeline_tag() with label for customer id: *found 0 when it
 * is absent; CUSTOS_EAUTH naming `what` ("the points ledger") when it holds less than min
 * bytes before its tag or the tag fails; otherwise v holds it without its tag. */
int cu_timeline_get_tagged(cu_op *op, unsigned bucket, const unsigned char *k, size_t kn, const char label[8],
	uint64_t id, size_t min, const char *what, custos_val *v, int *found);

/* The summary of customer id in op's transaction (all zero when it has no events yet);
 * CUSTOS_EAUTH when it does not authenticate. */
int cu_summary_load(cu_op *op, uint64_t id, cu_summary *s);
int cu_summary_store(cu_op *op, uint64_t id, const cu_summary *s);
/* Fold an event (checked) into a summary: CUSTOS_EINVALID when the points would go below
 * zero (when in_order: events folded in the order they were appended; a check folds them
 * in time order, where a backdated redeem may come first), CUSTOS_EFULL when the sequence
 * or the currencies run out or a sum overflows. The interactions of 30 and 90 days are
 * counted apart. */
int cu_summary_fold(cu_summary *s, const cu_event *e, int in_order);

/* A customer's points as lots by expiry (ledger.c). */
#define CU_LOTS_MAX 4096
typedef struct cu_lot {
	int64_t expires;                 /* INT64_MAX: never */
	int64_t remaining;
} cu_lot;
typedef struct cu_ledger {
	cu_lot *lots;                    /* soonest first */
	size_t n, cap;
} cu_ledger;
int cu_ledger_load(cu_op *op, uint64_t id, cu_ledger *l);
int cu_ledger_store(cu_op *op, uint64_t id, const cu_ledger *l);
void cu_ledger_free(cu_ledger *l);
/* Apply a checked points event: CUSTOS_EINVALID when it would spend points the customer
 * does not have (a redeem: points good at the event's time), CUSTOS_EFULL past
 * CU_LOTS_MAX lots. */
int cu_ledger_apply(cu_ledger *l, const cu_event *e);
/* 1 and the soonest lot's expiry and points when it expired at as_of, else 0. */
int cu_ledger_due(const cu_ledger *l, int64_t as_of, int64_t *expires, int64_t *points);
/* Record the expiry of every lot of customers after *after (in op's scope) that expired at
 * as_of, each as an expire event at its expiry time, for at most max customers: *after
 * moves on, *done when none is left, *events counts the events appended. */
int cu_timeline_expire(cu_op *op, int64_t as_of, uint64_t *after, size_t max, int *done, uint64_t *events);

/* ---- field history (history.c) ---- */
#define CU_HISTORY_KEY 12
/* One recorded change: the record version it made, who, when, and per field changed its
 * id and old value (in `values`, secret). */
typedef struct cu_change_field {
	uint16_t id;
	uint8_t present;      /* the field had a value before */
	uint32_t off, len;
} cu_change_field;
typedef struct custos_change {
	uint64_t customer;
	uint32_t version, author;
	int64_t time_us;
	size_t count;
	cu_change_field *fields;
	cu_bytes values;
	cu_schema *schema;    /* set by the API layer, for names */
	uint8_t vis[CUSTOS_CLASS_COUNT];  /* the visibility of the context it was read through */
	uint8_t from, to;     /* a lifecycle move (count 0): the states; 0 for a change of fields */
	uint16_t reason_len;  /* a move: its reason is values.p + 2, reason_len bytes */
} cu_change;
/* Record the fields of c (dirty, with old slots `old`) whose value changed, as the change
 * that made `version`, encrypted under dek. Nothing when no value changed. */
int cu_history_record(cu_op *op, uint64_t id, uint32_t version, const custos_customer *c, const cu_slot *old,
	const unsigned char dek[CU_KEY_BYTES]);
/* Record a lifecycle move from `from` to `to` as the change that made `version`, with
 * its reason (rn bytes of UTF-8, checked above) encrypted under dek. */
int cu_history_move(cu_op *op, uint64_t id, uint32_t version, int from, int to, const char *reason, size_t rn,
	const unsigned char dek[CU_KEY_BYTES]);
/* Up to max changes of customer id made before version `before` (0: all), newest first;
 * *done when none is left. The customer must be in op's scope. */
int cu_history_page(cu_op *op, uint64_t id, uint32_t before, cu_change **out, size_t max, size_t *n, int *done);
/* The change that made `version` (CUSTOS_ENOTFOUND when none was recorded). */
int cu_history_get(cu_op *op, uint64_t id, uint32_t version, cu_change **out);
void cu_change_destroy(cu_change *ch);

/* How many events of `kind` customer id has dated in (from[w], to], for each of nwin
 * windows, into counts (event.c). */
int cu_timeline_count(cu_op *op, uint64_t id, int kind, int64_t to, const int64_t *from, size_t nwin, uint32_t *counts);
/* Its interactions in the 30 and 90 days up to now. */
int cu_timeline_interactions(cu_op *op, uint64_t id, int64_t now, uint32_t *i30, uint32_t *i90);
/* ---- consent records (consent.c) ---- */
typedef struct custos_consent {
	uint64_t customer;
	uint32_t seq, author;
	uint8_t basis, given, masked, texts;   /* texts: bit w set when text w is shown */
	int64_t time_us, recorded_us;
	char purpose[CUSTOS_PURPOSE_MAX_BYTES + 1];
	cu_bytes text[2];                      /* source, evidence: secret, NUL-terminated */
} cu_consent;
void cu_consent_destroy(cu_consent *c);
/* Append a checked draft (texts in text[0..1], without their NUL) to customer id. */
int cu_consent_append(cu_op *op, uint64_t id, const cu_consent *draft, uint32_t *seq);
/* Every record of customer id (in op's reach), in sequence order, authenticated; texts
 * 0 not decrypted, 1 clear, 2 masked. */
int cu_consent_read(cu_op *op, uint64_t id, int texts, cu_consent ***out, size_t *n);
/* custos_db_check(): the records authenticate and are numbered 1 to n. */
int cu_consent_check(cu_op *op, uint64_t id);

/* Remove every event, the summary, the points ledger, the history and the consent
 * records of customer id (erase.c). */
int cu_timeline_erase(cu_op *op, uint64_t id);

/* ---- custos_db_check() (check.c) ---- */
/* Customer id's events, summary, ledger and history (its record at `version`) agree and
 * authenticate: CUSTOS_ECORRUPT or CUSTOS_EAUTH naming what does not. */
int cu_timeline_check(cu_op *op, uint64_t id, uint32_t version);
/* No event, summary, ledger or history entry of a customer that does not exist. */
int cu_timeline_orphans(cu_op *op);

/* The metrics a customer handle shows (orders, spend, ...), from its summary in op's
 * transaction; nothing for a customer without events. */
int cu_metrics_load(cu_op *op, custos_customer *c);
/* The names of every metric a customer read from the store may have (those without a
 * value included), at most max, into out; how many. */
size_t cu_metrics_names(const custos_customer *c, char (*out)[CU_METRIC_NAME], size_t max);
/* The metric called `name` of a customer read from the store, into *f (NULL when `name` is
 * no metric's); CUSTOS_ENOTFOUND when it is one this customer has no value of (no
 * purchase yet: no first_purchase). The handle's metrics are made on the first call. */
int cu_metrics_find(const custos_customer *c, const char *name, const cu_field **f);
/* The names metrics take, which no custom field may take: 1 when `name` is one. */
int cu_metric_name_reserved(const char *name);

/* Check a draft whole before it is appended at op->now_us: what its kind needs, its time. */
int cu_event_check(const cu_event *e, int64_t now_us);

/* Append a checked draft to customer id (in op's scope): its sequence number to *seq. */
int cu_timeline_append(cu_op *op, uint64_t id, const cu_event *e, uint32_t *seq);

/* What a listing wants, and where it is. */
typedef struct cu_event_query {
	uint64_t customer;
	int newest_first;
	uint32_t kinds;            /* bits (1 << kind); 0: all */
	int64_t from_us, until_us; /* until 0: no bound */
	int have_pos;              /* pos holds the key of the last event returned */
	unsigned char pos[CU_EVENT_KEY];
	int texts;                 /* decrypt texts: 0 none, 1 clear, 2 masked */
} cu_event_query;

/* Up to max events after q's position, in q's order, into out[]; *n of them. *done when
 * none is left. The customer is checked to be in op's scope first. */
int cu_timeline_page(cu_op *op, cu_event_query *q, cu_event **out, size_t max, size_t *n, int *done);

#endif
