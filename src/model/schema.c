/*
 * model/schema.c — built-in fields, custom-field validation, the stored schema format and
 * lookups. Does not touch storage: callers load and store the encoded form.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "custos/global.h"
#include "model/phone.h"
#include "model/schema.h"
#include "model/timeline/timeline.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/utf8.h"

/* Format 2 adds each field's norm and rules; format 1 (custos 0.1.0) is read as norm
 * exact and rules v1. */
#define SCHEMA_FORMAT 2

typedef struct builtin {
	uint16_t id;
	const char *name;
	uint8_t type, cls;
	uint32_t flags, max_bytes;
	const char *enums;
	uint8_t norm;
} builtin;

#define ENC CUSTOS_FIELD_ENCRYPTED
#define CLR CUSTOS_FIELD_CLEAR
#define SRCH CUSTOS_FIELD_SEARCHABLE
static const builtin builtins[] = {
	{ CU_F_KIND, "kind", CUSTOS_TYPE_ENUM, CUSTOS_CLASS_PROFILE, CLR, 0, "person,organisation", 0 },
	{ CU_F_NAME, "name", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_NAME, ENC | CUSTOS_FIELD_REQUIRED, 256, NULL, 0 },
	{ CU_F_EMAIL, "email", CUSTOS_TYPE_EMAIL, CUSTOS_CLASS_CONTACT, ENC | SRCH, 254, NULL, 0 },
	{ CU_F_PHONE, "phone", CUSTOS_TYPE_PHONE, CUSTOS_CLASS_CONTACT, ENC | SRCH, 16, NULL, 0 },
	{ CU_F_ADDRESS, "address", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_ADDRESS, ENC, 1024, NULL, 0 },
	{ CU_F_COMPANY, "company", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_NAME, ENC, 256, NULL, 0 },
	{ CU_F_ID_NUMBER, "id_number", CUSTOS_TYPE_TEXT, CUSTOS_CLASS_IDENTITY, ENC, 64, NULL, CUSTOS_NORM_IDENTIFIER },
	{ CU_F_BIRTHDAY, "birthday", CUSTOS_TYPE_DATE, CUSTOS_CLASS_IDENTITY, ENC, 10, NULL, 0 },
	{ CU_F_TYPE, "type", CUSTOS_TYPE_ENUM, CUSTOS_CLASS_PROFILE, CLR, 0, "key_account,sme,individual", 0 },
	{ CU_F_STAGE, "stage", CUSTOS_TYPE_ENUM, CUSTOS_CLASS_PROFILE, CLR, 0, "lead,qualified,proposal,won,lost", 0 },
	{ CU_F_TAGS, "tags", CUSTOS_TYPE_TAGS, CUSTOS_CLASS_PROFILE, CLR | SRCH, 0, NULL, 0 },
};

/* ---- lifetime ---- */

static void field_clear(cu_field *f)
{
	cu_free(f->name);
	for (size_t i = 0; i < f->n_enum; i++)
		cu_free(f->enum_values[i]);
	cu_free(f->enum_values);
	memset(f, 0, sizeof *f);
}

static void schema_free(cu_schema *s)
{
	for (size_t i = 0; i < s->nfields; i++)
		field_clear(&s->fields[i]);
	cu_free(s->fields);
	cu_free(s->by_id);
	cu_free(s->by_name);
	cu_free(s);
}

cu_schema *cu_schema_ref(cu_schema *s)
{
	atomic_fetch_add(&s->refs, 1);
	return s;
}

void cu_schema_unref(cu_schema *s)
{
	if (s && atomic_fetch_sub(&s->refs, 1) == 1)
		schema_free(s);
}

static cu_schema *schema_alloc(void)
{
	cu_schema *s = cu_calloc(1, sizeof *s);

	if (s)
		atomic_init(&s->refs, 1);
	return s;
}

/* Append an empty field slot. */
static cu_field *field_push(cu_schema *s)
{
	cu_field *nf;

	if (s->nfields >= CU_FIELDS_MAX) {
		cu_err(CUSTOS_EFULL, "a store holds at most %d fields", CU_FIELDS_MAX);
		return NULL;
	}
	nf = cu_realloc(s->fields, (s->nfields + 1) * sizeof *nf);
	if (!nf) {
		cu_err_oom();
		return NULL;
	}
	s->fields = nf;
	memset(&nf[s->nfields], 0, sizeof *nf);
	return &nf[s->nfields++];
}

/* ---- lookup tables ---- */

/* Insertion sort of positions by name: at most CU_FIELDS_MAX entries, run only on changes. */
static void sort_by_name(const cu_schema *s, uint32_t *pos, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t v = pos[i];
		size_t j = i;
		while (j > 0 && strcmp(s->fields[pos[j - 1]].name, s->fields[v].name) > 0) {
			pos[j] = pos[j - 1];
			j--;
		}
		pos[j] = v;
	}
}

int cu_schema_reindex(cu_schema *s)
{
	size_t maxid = 0, i;
	int16_t *by_id;
	uint32_t *by_name;

	for (i = 0; i < s->nfields; i++)
		if (s->fields[i].id > maxid)
			maxid = s->fields[i].id;
	by_id = cu_malloc((maxid + 1) * sizeof *by_id);
	by_name = cu_malloc((s->nfields ? s->nfields : 1) * sizeof *by_name);
	if (!by_id || !by_name) {
		cu_free(by_id);
		cu_free(by_name);
		return cu_err_oom();
	}
	for (i = 0; i <= maxid; i++)
		by_id[i] = -1;
	for (i = 0; i < s->nfields; i++) {
		by_id[s->fields[i].id] = (int16_t)i;
		by_name[i] = (uint32_t)i;
	}
	sort_by_name(s, by_name, s->nfields);
	cu_free(s->by_id);
	cu_free(s->by_name);
	s->by_id = by_id;
	s->by_id_len = maxid + 1;
	s->by_name = by_name;
	return CUSTOS_OK;
}

const cu_field *cu_schema_find(const cu_schema *s, const char *name)
{
	size_t lo = 0, hi = s->nfields;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, s->fields[s->by_name[mid]].name);
		if (c == 0)
			return &s->fields[s->by_name[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const cu_field *cu_schema_by_id(const cu_schema *s, uint16_t id)
{
	if (id >= s->by_id_len || s->by_id[id] < 0)
		return NULL;
	return &s->fields[s->by_id[id]];
}

/* ---- enum values ---- */

int cu_field_enum_find(const cu_field *f, const char *value, size_t n)
{
	for (size_t i = 0; i < f->n_enum; i++)
		if (strlen(f->enum_values[i]) == n && memcmp(f->enum_values[i], value, n) == 0)
			return (int)i;
	return -1;
}

static int enum_value_ok(const char *v, size_t n, const char **why)
{
	if (n == 0) {
		*why = "is empty";
		return 0;
	}
	if (n > CUSTOS_NAME_MAX_BYTES) {
		*why = "is longer than 64 bytes";
		return 0;
	}
	if (memchr(v, ',', n)) {
		*why = "contains a comma";
		return 0;
	}
	return cu_text_ok(v, n, 0, why);
}

static int enum_push(cu_field *f, const char *v, size_t n)
{
	const char *why;
	char **nv;

	if (!enum_value_ok(v, n, &why))
		return cu_err(CUSTOS_EINVALID, "field '%s': enum value %s", f->name, why);
	if (cu_field_enum_find(f, v, n) >= 0)
		return cu_err(CUSTOS_EEXISTS, "field '%s' already has the value '%.*s'", f->name, (int)n, v);
	if (f->n_enum >= CU_ENUM_MAX)
		return cu_err(CUSTOS_EFULL, "field '%s' already has %d values, the most an enum can hold", f->name,
			CU_ENUM_MAX);
	nv = cu_realloc(f->enum_values, (f->n_enum + 1) * sizeof *nv);
	if (!nv)
		return cu_err_oom();
	f->enum_values = nv;
	if (!(nv[f->n_enum] = cu_strndup(v, n)))
		return cu_err_oom();
	f->n_enum++;
	return CUSTOS_OK;
}

/* Split "a, b,c" into values; surrounding spaces are trimmed. */
static int enum_parse_list(cu_field *f, const char *list)
{
	const char *p = list;
	int rc;

	for (;;) {
		const char *end = strchr(p, ','), *a, *b;
		if (!end)
			end = p + strlen(p);
		for (a = p; a < end && *a == ' '; a++)
			;
		for (b = end; b > a && b[-1] == ' '; b--)
			;
		if ((rc = enum_push(f, a, (size_t)(b - a)))) {
			if (rc == CUSTOS_EEXISTS)  /* a definition listing a value twice is malformed */
				rc = cu_err(CUSTOS_EINVALID, "field '%s' lists the enum value '%.*s' twice", f->name,
					(int)(b - a), a);
			return rc;
		}
		if (!*end)
			return CUSTOS_OK;
		p = end + 1;
	}
}

int cu_schema_add_enum(cu_schema *s, cu_field *f, const char *value)
{
	(void)s;
	if (f->type != CUSTOS_TYPE_ENUM)
		return cu_err(CUSTOS_EINVALID, "field '%s' is %s, not an enum", f->name, custos_field_type_name(f->type));
	return enum_push(f, value, strlen(value));
}

/* ---- built-in schema ---- */

int cu_schema_new_builtin(cu_schema **out, uint64_t population, const char *region)
{
	cu_schema *s = schema_alloc();
	int rc = CUSTOS_OK;

	if (!s)
		return cu_err_oom();
	s->version = 1;
	s->population = population;
	if (region)
		snprintf(s->region, sizeof s->region, "%s", region);
	s->next_id = CU_FIRST_CUSTOM_ID;
	for (size_t i = 0; i < sizeof builtins / sizeof builtins[0] && !rc; i++) {
		const builtin *b = &builtins[i];
		cu_field *f = field_push(s);
		if (!f || !(f->name = cu_strdup(b->name))) {
			rc = f ? cu_err_oom() : custos_error_last_code();
			break;
		}
		f->id = b->id;
		f->type = b->type;
		f->cls = b->cls;
		f->flags = b->flags | CUSTOS_FIELD_BUILTIN;
		f->max_bytes = b->max_bytes;
		f->norm = b->type == CUSTOS_TYPE_TEXT ? (b->norm ? b->norm : CUSTOS_NORM_EXACT) : 0;
		f->rules = CU_RULES_CURRENT;
		if ((f->flags & ENC) && (f->flags & SRCH))
			f->index_bits = cu_bidx_plan_bits(population);
		if (b->enums)
			rc = enum_parse_list(f, b->enums);
	}
	if (!rc)
		rc = cu_schema_reindex(s);
	if (rc) {
		schema_free(s);
		return rc;
	}
	*out = s;
	return CUSTOS_OK;
}

/* ---- custom fields ---- */

int cu_field_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CUSTOS_NAME_MAX_BYTES || name[0] < 'a' || name[0] > 'z')
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int check_flags(const custos_field_options *o, uint32_t *flags)
{
	uint32_t f = o->flags;
	const char *n = o->name;
	const char *tn = custos_field_type_name((int)o->type);

	if (f & ~(ENC | CLR | SRCH | CUSTOS_FIELD_REQUIRED | CUSTOS_FIELD_UNIQUE))
		return cu_err(CUSTOS_EINVALID, "field '%s': unknown flag bits 0x%x", n,
			f & ~(ENC | CLR | SRCH | CUSTOS_FIELD_REQUIRED | CUSTOS_FIELD_UNIQUE));
	if ((f & ENC) && (f & CLR))
		return cu_err(CUSTOS_EINVALID, "field '%s': CUSTOS_FIELD_ENCRYPTED and CUSTOS_FIELD_CLEAR exclude "
			"each other", n);
	if (!(f & CLR))
		f |= ENC;
	if (f & CUSTOS_FIELD_UNIQUE)
		f |= SRCH;
	if ((f & CUSTOS_FIELD_UNIQUE) && (o->type == CUSTOS_TYPE_TAGS || o->type == CUSTOS_TYPE_BOOLEAN))
		return cu_err(CUSTOS_EINVALID, "field '%s': a %s field cannot be unique", n, tn);
	if ((f & SRCH) && (f & ENC) && o->type == CUSTOS_TYPE_TAGS)
		return cu_err(CUSTOS_EINVALID, "field '%s': encrypted tags cannot be searchable; declare the field "
			"CUSTOS_FIELD_CLEAR to search it", n);
	*flags = f;
	return CUSTOS_OK;
}

static int check_limits(const custos_field_options *o, cu_field *f, uint64_t population)
{
	const char *n = o->name;

	switch (o->type) {
	case CUSTOS_TYPE_TEXT:
		if (o->max_bytes > CUSTOS_VALUE_MAX_BYTES)
			return cu_err(CUSTOS_EINVALID, "field '%s': max_bytes %u is above the limit of %u", n,
				o->max_bytes, CUSTOS_VALUE_MAX_BYTES);
		f->max_bytes = o->max_bytes ? o->max_bytes : 1024;
		break;
	case CUSTOS_TYPE_EMAIL:
		if (o->max_bytes > 254)
			return cu_err(CUSTOS_EINVALID, "field '%s': email addresses are at most 254 bytes", n);
		f->max_bytes = o->max_bytes ? o->max_bytes : 254;
		break;
	case CUSTOS_TYPE_PHONE:
		if (o->max_bytes && o->max_bytes != 16)
			return cu_err(CUSTOS_EINVALID, "field '%s': phone numbers are always at most 16 bytes (E.164)", n);
		f->max_bytes = 16;
		break;
	default:
		if (o->max_bytes)
			return cu_err(CUSTOS_EINVALID, "field '%s': max_bytes applies only to text, email and phone "
				"fields", n);
		f->max_bytes = o->type == CUSTOS_TYPE_DATE ? 10 : 0;
	}
	if ((f->flags & ENC) && (f->flags & SRCH)) {
		if (o->index_bits && !cu_bidx_bits_ok(population, o->index_bits))
			return cu_err(CUSTOS_EINVALID, "field '%s': a blind index of %u bits for %llu customers breaks "
				"the rule 2 <= R/2^L < sqrt(R); %u bits fit", n, o->index_bits,
				(unsigned long long)population, cu_bidx_plan_bits(population));
		f->index_bits = o->index_bits ? o->index_bits : cu_bidx_plan_bits(population);
	} else if (o->index_bits) {
		return cu_err(CUSTOS_EINVALID, "field '%s': index_bits applies only to encrypted searchable fields", n);
	}
	return CUSTOS_OK;
}

/* The norm option: only in version 2 of the options, only for text fields. */
static int check_norm(const custos_field_options *o, cu_field *f)
{
	int norm = o->version >= 2 ? o->norm : 0;

	if (o->type != CUSTOS_TYPE_TEXT) {
		if (norm)
			return cu_err(CUSTOS_EINVALID, "field '%s': norm applies only to text fields; %s fields have "
				"their own rules", o->name, custos_field_type_name((int)o->type));
		f->norm = 0;
		return CUSTOS_OK;
	}
	if (norm && !custos_field_norm_name(norm))
		return cu_err(CUSTOS_EINVALID, "field '%s': %d is not a custos_field_norm", o->name, norm);
	f->norm = (uint8_t)(norm ? norm : CUSTOS_NORM_EXACT);
	return CUSTOS_OK;
}

int cu_schema_add_custom(cu_schema *s, const custos_field_options *o)
{
	uint32_t flags = 0;
	cu_field *f;
	int rc, cls;

	if (!o->name || !cu_field_name_ok(o->name))
		return cu_err(CUSTOS_EINVALID, "field name '%s' is not valid: use 1 to %u characters a-z, 0-9 and _, "
			"starting with a letter", o->name ? o->name : "(null)", CUSTOS_NAME_MAX_BYTES);
	if (cu_schema_find(s, o->name))
		return cu_err(CUSTOS_EEXISTS, "field '%s' already exists", o->name);
	if (cu_metric_name_reserved(o->name))
		return cu_err(CUSTOS_EEXISTS, "'%s' is the name of a timeline metric, which customers read like a field; "
			"choose another name", o->name);
	if (!custos_field_type_name((int)o->type))
		return cu_err(CUSTOS_EINVALID, "field '%s': %d is not a field type", o->name, o->type);
	if ((rc = check_flags(o, &flags)))
		return rc;
	if ((o->type == CUSTOS_TYPE_ENUM) != (o->enum_values != NULL))
		return cu_err(CUSTOS_EINVALID, o->type == CUSTOS_TYPE_ENUM ?
			"field '%s': an enum field needs enum_values" :
			"field '%s': enum_values applies only to enum fields", o->name);
	cls = o->field_class;
	if (cls == CUSTOS_CLASS_DEFAULT || (o->version < 3 && cls == 0))  /* 0 was the default before version 3 */
		cls = CUSTOS_CLASS_NOTES;
	if ((flags & ENC) && (cls < 0 || cls >= CUSTOS_CLASS_COUNT))
		return cu_err(CUSTOS_EINVALID, "field '%s': %d is not a field class", o->name, o->field_class);
	if ((flags & ENC) && cls == CUSTOS_CLASS_PROFILE)
		return cu_err(CUSTOS_EINVALID, "field '%s': the profile class holds clear fields only; choose another "
			"class for an encrypted field, or make it clear", o->name);
	if (s->next_id >= 0xFF00)  /* ids from 0xFF00 are reserved for index keys */
		return cu_err(CUSTOS_EFULL, "no field ids left");
	if (!(f = field_push(s)))
		return custos_error_last_code();
	f->flags = flags;
	f->type = (uint8_t)o->type;
	f->cls = (flags & ENC) ? (uint8_t)cls : CUSTOS_CLASS_PROFILE;
	if (!(f->name = cu_strdup(o->name)))
		rc = cu_err_oom();
	f->rules = CU_RULES_CURRENT;
	if (!rc)
		rc = check_limits(o, f, s->population);
	if (!rc)
		rc = check_norm(o, f);
	if (!rc && o->enum_values)
		rc = enum_parse_list(f, o->enum_values);
	if (rc) {
		field_clear(f);
		s->nfields--;
		return rc;
	}
	f->id = s->next_id++;
	return cu_schema_reindex(s);
}

/* ---- stored form ---- */

static int put_str8(cu_bytes *b, const char *s)
{
	size_t n = strlen(s);
	int rc = cu_bytes_append_u8(b, (unsigned)n);
	return rc ? rc : cu_bytes_append(b, s, n);
}

int cu_schema_encode(const cu_schema *s, cu_bytes *b)
{
	int rc = 0;

	/* Version first: readers compare it before decoding anything else. */
	rc |= cu_bytes_append_u64le(b, s->version);
	rc |= cu_bytes_append_u8(b, SCHEMA_FORMAT);
	rc |= cu_bytes_append_u64le(b, s->population);
	rc |= cu_bytes_append(b, s->region, 2);
	rc |= cu_bytes_append_u16le(b, s->next_id);
	rc |= cu_bytes_append_u16le(b, (uint16_t)s->nfields);
	for (size_t i = 0; i < s->nfields && !rc; i++) {
		const cu_field *f = &s->fields[i];
		rc |= cu_bytes_append_u16le(b, f->id);
		rc |= cu_bytes_append_u8(b, f->type);
		rc |= cu_bytes_append_u8(b, f->cls);
		rc |= cu_bytes_append_u32le(b, f->flags);
		rc |= cu_bytes_append_u32le(b, f->max_bytes);
		rc |= cu_bytes_append_u32le(b, f->index_bits);
		rc |= cu_bytes_append_u8(b, f->norm);
		rc |= cu_bytes_append_u8(b, f->rules);
		rc |= put_str8(b, f->name);
		rc |= cu_bytes_append_u8(b, (unsigned)f->n_enum);
		for (size_t j = 0; j < f->n_enum && !rc; j++)
			rc |= put_str8(b, f->enum_values[j]);
	}
	return rc ? CUSTOS_ENOMEM : CUSTOS_OK;
}

static char *get_str8(cu_reader *r)
{
	unsigned n = cu_read_u8(r);
	const unsigned char *p = cu_read_bytes(r, n);

	if (!p)
		return NULL;
	return cu_strndup((const char *)p, n);
}

static int decode_field(cu_reader *r, cu_field *f, unsigned format)
{
	unsigned n_enum;

	f->id = cu_read_u16le(r);
	f->type = (uint8_t)cu_read_u8(r);
	f->cls = (uint8_t)cu_read_u8(r);
	f->flags = cu_read_u32le(r);
	f->max_bytes = cu_read_u32le(r);
	f->index_bits = cu_read_u32le(r);
	if (format >= 2) {
		f->norm = (uint8_t)cu_read_u8(r);
		f->rules = (uint8_t)cu_read_u8(r);
	} else {
		f->norm = f->type == CUSTOS_TYPE_TEXT ? CUSTOS_NORM_EXACT : 0;
		f->rules = CU_RULES_V1;
	}
	if (r->bad)
		return CUSTOS_ECORRUPT;
	if (!(f->name = get_str8(r)))
		return r->bad ? CUSTOS_ECORRUPT : cu_err_oom();
	n_enum = cu_read_u8(r);
	if (n_enum && !(f->enum_values = cu_calloc(n_enum, sizeof *f->enum_values)))
		return cu_err_oom();
	for (unsigned j = 0; j < n_enum; j++) {
		if (!(f->enum_values[j] = get_str8(r)))
			return r->bad ? CUSTOS_ECORRUPT : cu_err_oom();
		f->n_enum++;
	}
	if (!custos_field_type_name(f->type) || f->cls >= CUSTOS_CLASS_COUNT || f->id == 0 ||
	    !cu_field_name_ok(f->name) || (f->type == CUSTOS_TYPE_ENUM) != (n_enum > 0) ||
	    !(f->flags & (ENC | CLR)) || ((f->flags & ENC) && f->cls == CUSTOS_CLASS_PROFILE) ||
	    f->max_bytes > CUSTOS_VALUE_MAX_BYTES || f->index_bits > 32 ||
	    (f->type == CUSTOS_TYPE_TEXT ? !custos_field_norm_name(f->norm) : f->norm != 0) ||
	    f->rules < CU_RULES_V1 || f->rules > CU_RULES_CURRENT)
		return CUSTOS_ECORRUPT;
	return CUSTOS_OK;
}

int cu_schema_decode(cu_schema **out, const unsigned char *p, size_t n)
{
	cu_schema *s = schema_alloc();
	unsigned count, format;
	cu_reader r;
	int rc = CUSTOS_OK;

	if (!s)
		return cu_err_oom();
	cu_reader_init(&r, p, n);
	s->version = cu_read_u64le(&r);
	format = cu_read_u8(&r);
	if (format < 1 || format > SCHEMA_FORMAT)
		rc = r.bad ? CUSTOS_ECORRUPT : cu_err(CUSTOS_EVERSION, "the stored schema format is newer than this library");
	s->population = cu_read_u64le(&r);
	memcpy(s->region, r.bad || !cu_reader_need(&r, 2) ? "\0\0" : (const char *)r.p + r.off, 2);
	r.off += r.bad ? 0 : 2;
	s->next_id = cu_read_u16le(&r);
	count = cu_read_u16le(&r);
	if (!rc && count > CU_FIELDS_MAX)
		rc = CUSTOS_ECORRUPT;
	if (!rc && count && !(s->fields = cu_calloc(count, sizeof *s->fields)))
		rc = cu_err_oom();
	for (unsigned i = 0; i < count && !rc; i++) {
		s->nfields++;
		rc = decode_field(&r, &s->fields[i], format);
	}
	if (!rc && !cu_reader_done(&r))
		rc = CUSTOS_ECORRUPT;
	for (size_t i = 0; i < s->nfields && !rc; i++)
		if (s->fields[i].id >= s->next_id && s->fields[i].id >= CU_FIRST_CUSTOM_ID)
			rc = CUSTOS_ECORRUPT;
	if (!rc)
		rc = cu_schema_reindex(s);
	for (size_t i = 0; i < s->nfields && !rc; i++)
		if (cu_schema_by_id(s, s->fields[i].id) != &s->fields[i] ||
		    cu_schema_find(s, s->fields[i].name) != &s->fields[i])
			rc = CUSTOS_ECORRUPT; /* duplicate id or name */
	if (rc) {
		schema_free(s);
		return rc == CUSTOS_ECORRUPT ? cu_err(rc, "the stored schema is damaged") : rc;
	}
	*out = s;
	return CUSTOS_OK;
}

int cu_schema_clone(cu_schema **out, const cu_schema *src)
{
	cu_bytes b = CU_BYTES_INIT;
	int rc = cu_schema_encode(src, &b);

	if (rc) {
		cu_bytes_free(&b);
		return cu_err_oom();
	}
	rc = cu_schema_decode(out, b.p, b.len);
	cu_bytes_free(&b);
	return rc;
}
