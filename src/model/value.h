/*
 * model/value.h — the customer handle: one customer's values, decrypted, in memory.
 * Values are kept in their stored form in one wiped-on-free arena; slots follow the
 * schema's field positions. Encoding to and from record sections lives here too.
 */
#ifndef CU_MODEL_VALUE_H
#define CU_MODEL_VALUE_H

#include "custos/customer.h"
#include "model/schema.h"
#include "util/bytes.h"

/* A decoded record names a field this schema snapshot does not know: reload the schema. */
#define CU_ESTALE 1

typedef struct cu_slot {
	uint32_t off, len;   /* stored form in the arena, followed by a NUL */
	uint8_t present;
	uint8_t dirty;       /* set or unset since the handle was made or loaded */
	uint8_t masked;      /* value shown masked: never written back */
} cu_slot;

/* A metric of the customer's timeline, read like a read-only field (model/timeline/). */
#define CU_METRIC_FIELD_ID 0xFFFF
#define CU_METRIC_NAME 24
typedef struct cu_metric {
	cu_field f;               /* id CU_METRIC_FIELD_ID, name pointing at `name` */
	char name[CU_METRIC_NAME];
	uint32_t off, len;        /* stored form in the handle's metric arena, then a NUL */
} cu_metric;

struct custos_customer {
	cu_schema *schema;
	unsigned char store_id[16];
	uint64_t id;
	uint32_t version;
	int64_t created_us, updated_us;
	uint32_t owner, team;
	uint8_t state, prior;           /* lifecycle state; an archived customer's state before */
	cu_slot *slots;
	cu_bytes arena;
	void *summary;            /* the timeline summary it was read with (model/timeline/), or NULL */
	size_t summary_len;
	int metrics_built;        /* metrics made from it, on first use */
	cu_metric *metrics;
	size_t nmetrics, cmetrics;
	cu_bytes marena;
};

int cu_customer_alloc(custos_customer **out, cu_schema *s, const unsigned char store_id[16]);
int cu_customer_same_store(const custos_customer *c, const unsigned char store_id[16]);
void cu_customer_destroy(custos_customer *c);
/* A copy of c, with the same schema snapshot, values and dirty marks. */
int cu_customer_clone(custos_customer **out, const custos_customer *c);

const cu_field *cu_customer_field(const custos_customer *c, const char *name);
/* A metric of a customer read from the store, by name; NULL when it has none of that name. */
const cu_field *cu_customer_metric(const custos_customer *c, const char *name);
/* Add a metric with its stored form (as a field of that type stores it). */
int cu_customer_add_metric(custos_customer *c, const char *name, int type, const void *p, size_t n);
int cu_value_store(custos_customer *c, const cu_field *f, const void *p, size_t n, int dirty);
/* A setter's store: first copies the live values into a fresh arena when overwritten ones
 * outweigh them, so a draft reused for many customers stays the size of one. p must not
 * point into c's arena, and no slot offsets may be held across the call. */
int cu_value_set(custos_customer *c, const cu_field *f, const void *p, size_t n);
void cu_value_remove(custos_customer *c, const cu_field *f, int dirty);
/* Does slot n of c hold another value than slot o (both of c's arena): set, unset or
 * different bytes? */
int cu_slot_differs(const custos_customer *c, const cu_slot *o, const cu_slot *n);
/* Borrowed stored form, or NULL when absent. */
const unsigned char *cu_value_get(const custos_customer *c, const cu_field *f, size_t *n);

/* Record sections: TLVs (field id u16, length u16, bytes) in field-id order. */
int cu_customer_encode_clear(const custos_customer *c, cu_bytes *out);
int cu_customer_encode_class(const custos_customer *c, unsigned cls, cu_bytes *out);
/* Decode a section into c; CU_ESTALE for an unknown field id, CUSTOS_ECORRUPT for bad data. */
int cu_customer_decode_section(custos_customer *c, const unsigned char *p, size_t n, int clear_section, unsigned cls);
/* Copy the values c_from marked dirty into c_to (same store, maybe another schema snapshot). */
int cu_customer_apply_changes(custos_customer *to, const custos_customer *from);

#endif
