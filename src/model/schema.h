/*
 * model/schema.h — field definitions of a store, immutable snapshots shared by reference.
 * A change makes a new snapshot with a higher version; nothing mutates a published one.
 */
#ifndef CU_MODEL_SCHEMA_H
#define CU_MODEL_SCHEMA_H

#include <stdatomic.h>
#include <stdint.h>

#include "custos/schema.h"
#include "util/bytes.h"

#define CU_FIELDS_MAX 512
#define CU_ENUM_MAX 255
#define CU_FIRST_CUSTOM_ID 64
#define CU_TAGS_MAX 64
#define CU_TAG_MAX_BYTES 64

/* Ids of the built-in fields; stable, part of the stored format. */
enum {
	CU_F_KIND = 1, CU_F_NAME, CU_F_EMAIL, CU_F_PHONE, CU_F_ADDRESS, CU_F_COMPANY,
	CU_F_ID_NUMBER, CU_F_BIRTHDAY, CU_F_TYPE, CU_F_STAGE, CU_F_TAGS
};

/* Normalisation rules, per field: those its stored values and index entries were written
 * with. CU_RULES_V1 is custos 0.1.0's (ASCII spaces trimmed, emails as typed, phones by
 * phone_v1.c); finds on such a field also look up the form those rules give, until
 * custos_schema_renormalize() rewrites the values (docs/architecture.md). */
enum { CU_RULES_V1 = 1, CU_RULES_V2 = 2, CU_RULES_CURRENT = CU_RULES_V2 };

typedef struct cu_field {
	uint16_t id;
	uint8_t type;         /* custos_field_type */
	uint8_t cls;          /* custos_field_class; PROFILE for clear fields */
	uint8_t norm;         /* custos_field_norm of text fields, 0 for other types */
	uint8_t rules;        /* CU_RULES_* */
	uint32_t flags;       /* CUSTOS_FIELD_* */
	uint32_t max_bytes;   /* text, email, phone */
	uint32_t index_bits;  /* blind-index L; 0 unless encrypted and searchable */
	char *name;
	char **enum_values;
	size_t n_enum;
} cu_field;

/* The public custos_schema handle is a referenced snapshot: the same struct. */
typedef struct custos_schema {
	atomic_int refs;
	uint64_t version;
	uint64_t population;  /* the blind-index planner's R */
	char region[3];       /* "" or ISO 3166 alpha-2 */
	uint16_t next_id;
	cu_field *fields;
	size_t nfields;
	int16_t *by_id;       /* id -> position, -1 if none; length by_id_len */
	size_t by_id_len;
	uint32_t *by_name;    /* positions sorted by name */
} cu_schema;

static inline int cu_field_encrypted(const cu_field *f) { return (f->flags & CUSTOS_FIELD_ENCRYPTED) != 0; }
static inline int cu_field_text_like(const cu_field *f)
{
	return f->type == CUSTOS_TYPE_TEXT || f->type == CUSTOS_TYPE_EMAIL || f->type == CUSTOS_TYPE_PHONE ||
	       f->type == CUSTOS_TYPE_DATE;
}

/* The schema of a new store. */
int cu_schema_new_builtin(cu_schema **out, uint64_t population, const char *region);
int cu_schema_encode(const cu_schema *s, cu_bytes *out);
int cu_schema_decode(cu_schema **out, const unsigned char *p, size_t n);
/* A private copy to change; publish it by storing and swapping. */
int cu_schema_clone(cu_schema **out, const cu_schema *s);
/* Rebuild the lookup tables after a change to a clone. */
int cu_schema_reindex(cu_schema *s);

cu_schema *cu_schema_ref(cu_schema *s);
void cu_schema_unref(cu_schema *s);

/* Lookups: NULL when absent. */
const cu_field *cu_schema_find(const cu_schema *s, const char *name);
const cu_field *cu_schema_by_id(const cu_schema *s, uint16_t id);
/* Position of a field in fields[] (for value slots). */
static inline size_t cu_schema_pos(const cu_schema *s, const cu_field *f) { return (size_t)(f - s->fields); }

/* Add a custom field described by opts to a clone (validates everything; message set). */
int cu_schema_add_custom(cu_schema *s, const custos_field_options *opts);
/* Add a value to an enum field of a clone. */
int cu_schema_add_enum(cu_schema *s, cu_field *f, const char *value);
/* Valid field name: [a-z][a-z0-9_]*, 1..CUSTOS_NAME_MAX_BYTES. */
int cu_field_name_ok(const char *name);
/* Enum value position, or -1. */
int cu_field_enum_find(const cu_field *f, const char *value, size_t n);

#endif
