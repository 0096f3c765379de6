/*
 * model/validate.h — turning what a caller passes into the stored form of a field value,
 * rejecting anything invalid with a message that names the field and the problem.
 * Messages never echo the value of an encrypted field.
 */
#ifndef CU_MODEL_VALIDATE_H
#define CU_MODEL_VALIDATE_H

#include "model/schema.h"
#include "util/bytes.h"

/* Text form to stored form, for text, email, phone, date, enum and tags (one tag) fields;
 * also integers, booleans, timestamps ("-12") and money ("1999 EUR") for find(). */
int cu_value_from_text(const cu_field *f, const char *region, const char *in, cu_bytes *out);
/* The same under the given CU_RULES_*: CU_RULES_V1 gives the stored form custos 0.1.0 gave,
 * which finds on a field of rules v1 look up too. */
int cu_value_from_text_rules(const cu_field *f, const char *region, const char *in, int rules, cu_bytes *out);
int cu_value_from_int(const cu_field *f, int64_t v, cu_bytes *out);
int cu_value_from_money(const cu_field *f, int64_t minor, const char *currency, cu_bytes *out);
int cu_value_from_timestamp(const cu_field *f, int64_t secs, cu_bytes *out);
int cu_value_from_bool(const cu_field *f, int v, cu_bytes *out);
/* CUSTOS_EINVALID naming the setter that fits f's type. */
int cu_wrong_setter(const cu_field *f);
/* One tag, trimmed and checked, without separator. */
int cu_tag_normalize(const cu_field *f, const char *in, cu_bytes *out);

/* The current stored form of a value stored under CU_RULES_V1 (custos_schema_renormalize()).
 * CUSTOS_EINVALID, message set, when the current rules refuse it. */
int cu_value_renormalize(const cu_field *f, const unsigned char *v, size_t n, cu_bytes *out);

/* Is a stored value well formed for its field? (Checks data read back from a record.) */
int cu_value_well_formed(const cu_field *f, const unsigned char *p, size_t n);

/* The bytes a field's index is keyed on, from its stored form (texts under the field's
 * norm, emails lower-cased, integers big-endian with the sign flipped so they sort). Not
 * for tags: index each tag. A function of the stored value alone, whatever rules wrote it. */
int cu_value_index_form(const cu_field *f, const unsigned char *p, size_t n, cu_bytes *out);

/* Email syntax; on failure *why completes "field 'email': ...". Exposed for tests. */
int cu_email_check(const char *s, size_t n, const char **why);
/* YYYY-MM-DD, a real calendar date in years 1..9999. */
int cu_date_check(const char *s, size_t n);

#define CU_TIMESTAMP_MIN (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define CU_TIMESTAMP_MAX (253402300799LL) /* 9999-12-31T23:59:59Z */

/* The text form of values that are not text (model/text_form.c): what get_string prints,
 * and what set_string and find read back. */
int cu_value_format(cu_bytes *b, const cu_field *f, const unsigned char *v, size_t n);
int cu_money_from_text(const cu_field *f, const char *in, cu_bytes *out);
int cu_timestamp_from_text(const cu_field *f, const char *in, cu_bytes *out);
/* A whole tags value from "a,b,c" (each tag validated, duplicates dropped). */
int cu_tags_from_text(const cu_field *f, const char *in, cu_bytes *out);
/* Position of a tag in a stored tags value ("a\0b\0"), or -1; count gets the tags. */
long cu_tag_find(const unsigned char *v, size_t n, const unsigned char *tag, size_t tn, size_t *count);
/* A whole decimal int64 (1), or 0. */
int cu_parse_i64(const char *s, int64_t *v);

#endif
