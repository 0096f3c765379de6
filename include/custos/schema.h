/*
 * custos — schema.h: the customer fields a store knows, built-in and host-defined.
 */
#ifndef CUSTOS_SCHEMA_H
#define CUSTOS_SCHEMA_H

#include "common.h"
#include "db.h"

/**
 * @file custos/schema.h
 * @brief Field definitions: types, flags, field classes, custom fields and schema snapshots.
 * @defgroup custos_schema Schema
 * @ingroup custos
 *
 * Every store starts with the built-in fields:
 *
 * | field       | type  | class    | flags                         |
 * |-------------|-------|----------|-------------------------------|
 * | `kind`      | enum  | profile  | clear (`person`, `organisation`) |
 * | `name`      | text  | name     | encrypted, required           |
 * | `email`     | email | contact  | encrypted, searchable         |
 * | `phone`     | phone | contact  | encrypted, searchable         |
 * | `address`   | text  | address  | encrypted                     |
 * | `company`   | text  | name     | encrypted                     |
 * | `id_number` | text  | identity | encrypted; compared as an identifier (#CUSTOS_NORM_IDENTIFIER) |
 * | `birthday`  | date  | identity | encrypted                     |
 * | `type`      | enum  | profile  | clear (`key_account`, `sme`, `individual`) |
 * | `stage`     | enum  | profile  | clear (`lead`, `qualified`, `proposal`, `won`, `lost`) |
 * | `tags`      | tags  | profile  | clear, searchable             |
 *
 * Limits are bytes of UTF-8, where a Chinese character takes three: `name` and `company`
 * hold 256 bytes (about 85 Chinese characters, or a bilingual name or company name with
 * room to spare), `address` 1024 (a Chinese address of 70 characters with its English form
 * takes about 310), `id_number` 64. A message about a value over its limit gives both its
 * characters and its bytes.
 *
 * Hosts add fields with custos_schema_add_field(). Personal data is encrypted unless a
 * field is declared #CUSTOS_FIELD_CLEAR. Encrypted fields are grouped by field class; each
 * class of a customer is one authenticated ciphertext, and the class is also the unit a
 * role's visibility is granted on. The schema is stored in the store and carries a
 * version that every change increments.
 *
 * Threading: a #custos_schema snapshot is immutable and may be shared by threads.
 * @{
 */

CUSTOS_BEGIN_DECL

/** An immutable snapshot of a store's schema. */
typedef struct custos_schema custos_schema;

/** Field value types. Values are ABI. */
typedef enum custos_field_type {
	CUSTOS_TYPE_TEXT = 1,      /**< UTF-8 text, no control characters but tab and newline. */
	CUSTOS_TYPE_EMAIL = 2,     /**< An email address; validated, domain lower-cased. */
	CUSTOS_TYPE_PHONE = 3,     /**< A valid phone number of its country's plan; stored in E.164 form (`+85291234567`). */
	CUSTOS_TYPE_INTEGER = 4,   /**< A signed 64-bit integer. */
	CUSTOS_TYPE_MONEY = 5,     /**< An amount in minor units plus an ISO 4217 currency. */
	CUSTOS_TYPE_TIMESTAMP = 6, /**< Seconds since 1970-01-01T00:00:00Z, years 1 to 9999. */
	CUSTOS_TYPE_DATE = 7,      /**< A calendar date, `YYYY-MM-DD`. */
	CUSTOS_TYPE_BOOLEAN = 8,   /**< 0 or 1. */
	CUSTOS_TYPE_ENUM = 9,      /**< One of a declared list of values. */
	CUSTOS_TYPE_TAGS = 10      /**< A set of short labels. */
} custos_field_type;

/** Field classes: the groups personal data is encrypted in and visibility is granted on. */
typedef enum custos_field_class {
	CUSTOS_CLASS_PROFILE = 0,   /**< Clear, non-personal fields: kind, type, stage, tags, clear custom fields. */
	CUSTOS_CLASS_NAME = 1,      /**< Names: `name`, `company`. */
	CUSTOS_CLASS_CONTACT = 2,   /**< Contact points: `email`, `phone`. */
	CUSTOS_CLASS_ADDRESS = 3,   /**< Postal addresses: `address`. */
	CUSTOS_CLASS_IDENTITY = 4,  /**< Identity data: `id_number`, `birthday`. */
	CUSTOS_CLASS_NOTES = 5,     /**< Free text; the default class of encrypted custom fields. */
	CUSTOS_CLASS_FINANCIAL = 6, /**< Financial data such as credit limits or income. */
	CUSTOS_CLASS_DEFAULT = -1   /**< In #custos_field_options: the default, #CUSTOS_CLASS_NOTES for encrypted fields. */
} custos_field_class;

/** Number of field classes; classes are 0 to CUSTOS_CLASS_COUNT - 1. */
#define CUSTOS_CLASS_COUNT 7

/** @brief #CUSTOS_CLASS_COUNT, for FFI. @return The number of field classes. */
CUSTOS_EXTERN(size_t) custos_class_count(void);

/**
 * How a text field's values are compared for equality: by custos_customer_find() and for
 * #CUSTOS_FIELD_UNIQUE. The normalisation applies to the index and to comparisons only:
 * custos_customer_get_text() returns the value as it was set (trimmed of spaces, U+3000
 * included, and in Unicode NFC). Email and phone fields have their own rules. Values are ABI.
 */
typedef enum custos_field_norm {
	CUSTOS_NORM_EXACT = 1,      /**< Equal when the stored texts are equal. The default. */
	CUSTOS_NORM_CASEFOLD = 2,   /**< Equal regardless of case: full Unicode case folding ("STRASSE" finds "Straße"). */
	CUSTOS_NORM_IDENTIFIER = 3  /**< Card, membership and ID numbers: NFKC (full-width forms read as ASCII), then
	                                 spaces, hyphens, dots, slashes, brackets and every other separator or
	                                 punctuation removed, then case folded: "１２３４５６７８", "1234 5678" and
	                                 "1234-5678" are the same card; "A123456(7)" and "a1234567" the same ID. */
} custos_field_norm;

/** The normalisation rules of this library: the version custos_schema_field_norm_version()
 *  reports for fields whose stored values follow them (1 for stores written by custos 0.1.0). */
#define CUSTOS_NORM_VERSION 2

/**
 * @name Field flags
 * Bits for #custos_field_options.flags and custos_schema_field_flags().
 * @{
 */
/** The value is encrypted (the default when neither this nor #CUSTOS_FIELD_CLEAR is given). */
#define CUSTOS_FIELD_ENCRYPTED 0x01U
/** The value is stored in clear. Never use it for personal data. */
#define CUSTOS_FIELD_CLEAR 0x02U
/** The field can be searched for equality (blind index when encrypted, clear index otherwise). */
#define CUSTOS_FIELD_SEARCHABLE 0x04U
/** Every customer must have a value. */
#define CUSTOS_FIELD_REQUIRED 0x08U
/** No two customers may share a value (implies #CUSTOS_FIELD_SEARCHABLE). */
#define CUSTOS_FIELD_UNIQUE 0x10U
/** Reported by custos_schema_field_flags() for built-in fields; never set by hosts. */
#define CUSTOS_FIELD_BUILTIN 0x100U
/** @} */

/** Definition of a custom field for custos_schema_add_field(). */
typedef struct custos_field_options {
	unsigned int version;    /**< #CUSTOS_FIELD_OPTIONS_VERSION. */
	const char *name;        /**< `[a-z][a-z0-9_]*`, at most #CUSTOS_NAME_MAX_BYTES bytes, not a built-in name. */
	int type;                /**< A #custos_field_type. */
	uint32_t flags;          /**< `CUSTOS_FIELD_*` bits except #CUSTOS_FIELD_BUILTIN. */
	int field_class;         /**< A #custos_field_class for encrypted fields, or #CUSTOS_CLASS_DEFAULT (#CUSTOS_CLASS_NOTES); ignored for clear fields. In versions 1 and 2 of the struct, 0 meant the default. */
	uint32_t max_bytes;      /**< Longest text, email or phone value in bytes of UTF-8 (a Chinese character takes 3); 0 = type default (1024 for text). At most #CUSTOS_VALUE_MAX_BYTES. */
	const char *enum_values; /**< For #CUSTOS_TYPE_ENUM: comma-separated values, e.g. "bronze,silver,gold". */
	uint32_t index_bits;     /**< Blind-index length in bits; 0 = chosen from the store's expected population. */
	/* Version 2: */
	int norm;                /**< A #custos_field_norm for text fields; 0 = #CUSTOS_NORM_EXACT. Must be 0 for other types. */
} custos_field_options;

/** The current version of #custos_field_options (2 added `norm`; 3 made `field_class` 0
 *  mean #CUSTOS_CLASS_PROFILE, the default being #CUSTOS_CLASS_DEFAULT; versions 1 and 2
 *  are still accepted with their meaning). */
#define CUSTOS_FIELD_OPTIONS_VERSION 3
/** Static initialiser for #custos_field_options. */
#define CUSTOS_FIELD_OPTIONS_INIT { CUSTOS_FIELD_OPTIONS_VERSION, NULL, 0, 0, CUSTOS_CLASS_DEFAULT, 0, NULL, 0, 0 }

/**
 * @brief Fill @p opts with defaults for the given structure version.
 * @param[out] opts The structure to fill.
 * @param[in] version #CUSTOS_FIELD_OPTIONS_VERSION.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID if @p opts is NULL, #CUSTOS_EVERSION for an unknown version.
 */
CUSTOS_EXTERN(int) custos_field_options_init(custos_field_options *opts, unsigned int version);

/**
 * @brief sizeof(#custos_field_options) in this library, for FFI bindings that mirror the struct.
 * @return The size in bytes.
 */
CUSTOS_EXTERN(size_t) custos_field_options_size(void);

/**
 * @brief Name of a field type, such as "email".
 * @param[in] type A #custos_field_type.
 * @return A static string, or NULL if @p type is not a field type.
 */
CUSTOS_EXTERN(const char *) custos_field_type_name(int type);

/**
 * @brief Parse the name of a field type.
 * @param[out] out Receives the #custos_field_type.
 * @param[in] name A name as returned by custos_field_type_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_field_type_parse(int *out, const char *name);

/**
 * @brief Name of a field class, such as "contact".
 * @param[in] field_class A #custos_field_class.
 * @return A static string, or NULL if @p field_class is not a class.
 */
CUSTOS_EXTERN(const char *) custos_field_class_name(int field_class);

/**
 * @brief Parse the name of a field class.
 * @param[out] out Receives the #custos_field_class.
 * @param[in] name A name as returned by custos_field_class_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_field_class_parse(int *out, const char *name);

/**
 * @brief Name of a text normalisation, such as "identifier".
 * @param[in] norm A #custos_field_norm.
 * @return A static string ("exact", "casefold", "identifier"), or NULL if @p norm is not one.
 */
CUSTOS_EXTERN(const char *) custos_field_norm_name(int norm);

/**
 * @brief Parse the name of a text normalisation.
 * @param[out] out Receives the #custos_field_norm.
 * @param[in] name A name as returned by custos_field_norm_name().
 * @return #CUSTOS_OK or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_field_norm_parse(int *out, const char *name);

/**
 * @brief Add a custom field to the store's schema.
 *
 * Existing customers have no value for the new field, so a field cannot be both new and
 * #CUSTOS_FIELD_REQUIRED while customers exist (#CUSTOS_ESTATE).
 * @param[in] ctx A context whose principal may manage the schema.
 * @param[in] opts The field definition.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (bad definition; the message says which part),
 *         #CUSTOS_EEXISTS (name taken), #CUSTOS_EVERSION, #CUSTOS_EFULL (field limit),
 *         #CUSTOS_ESTATE, #CUSTOS_EDENIED or a backend error.
 */
CUSTOS_EXTERN(int) custos_schema_add_field(custos_ctx *ctx, const custos_field_options *opts) CUSTOS_WARN_UNUSED;

/**
 * @brief Change the searchable, required and unique flags of a field.
 *
 * Turning #CUSTOS_FIELD_SEARCHABLE on builds the field's index over every customer;
 * turning #CUSTOS_FIELD_UNIQUE on fails with #CUSTOS_EEXISTS if two customers share a value;
 * turning #CUSTOS_FIELD_REQUIRED on fails with #CUSTOS_ESTATE if a customer has no value.
 * Encryption cannot be changed.
 *
 * The index is built in transactions of a few thousand customers each, so that no store is
 * too large for one call, and the schema change commits last: until then finds refuse the
 * field, customers created or changed meanwhile (by any thread or process) are indexed as
 * they are written, and if the call fails (a #CUSTOS_EEXISTS found once the index is
 * built, for example) the entries it built are removed again. Turning it off drops the
 * entries the same way after the change commits. If the process stops midway, the store
 * is left as if the call had not been made but for entries of a field that is not
 * searchable, which finds never read and the next build of the field (or
 * custos_db_rebuild_indexes()) removes. A build started meanwhile for another field, or a
 * rebuild, replaces this one, which then fails with #CUSTOS_EBUSY. The checks of UNIQUE
 * and REQUIRED read every customer in the transaction of the change.
 * @param[in] ctx A context whose principal may manage the schema.
 * @param[in] field The field's name.
 * @param[in] flags The new combination of #CUSTOS_FIELD_SEARCHABLE, #CUSTOS_FIELD_REQUIRED
 *            and #CUSTOS_FIELD_UNIQUE; the other flags of the field are kept.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ENOTFOUND (no such field), #CUSTOS_EEXISTS,
 *         #CUSTOS_ESTATE, #CUSTOS_EDENIED, #CUSTOS_EBUSY (another index build or rebuild
 *         started meanwhile: call again), #CUSTOS_EAUTH or #CUSTOS_ECORRUPT (a customer's
 *         record is damaged), or a backend error.
 */
CUSTOS_EXTERN(int) custos_schema_set_field_flags(custos_ctx *ctx, const char *field, uint32_t flags) CUSTOS_WARN_UNUSED;

/**
 * @brief Add a value to an enum field's list, such as a custom customer type.
 * @param[in] ctx A context whose principal may manage the schema.
 * @param[in] field The enum field.
 * @param[in] value The new value: 1 to #CUSTOS_NAME_MAX_BYTES bytes, no comma or control character.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ENOTFOUND, #CUSTOS_EEXISTS, #CUSTOS_EFULL
 *         (at most 255 values), #CUSTOS_EDENIED or a backend error.
 */
CUSTOS_EXTERN(int) custos_schema_add_enum_value(custos_ctx *ctx, const char *field, const char *value) CUSTOS_WARN_UNUSED;

/**
 * @brief Set the region used to read phone numbers written without a leading '+'.
 * @param[in] ctx A context whose principal may manage the schema.
 * @param[in] region An ISO 3166-1 alpha-2 code such as "HK" or "GB", or NULL or "" for none
 *            (then every phone number must start with '+' or '00'). Numbers are read with
 *            the region's trunk and international prefixes and checked against its plan.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (unknown region), #CUSTOS_EDENIED or a backend error.
 */
CUSTOS_EXTERN(int) custos_schema_set_default_region(custos_ctx *ctx, const char *region) CUSTOS_WARN_UNUSED;

/**
 * @brief Rewrite the values a store holds under earlier normalisation rules in the current
 *        form, with their index entries.
 *
 * A store written by custos 0.1.0 holds values normalised by its rules: phone numbers such
 * as `+4402079460958` (typed `+44 (0)20 7946 0958`) or `+85285291234567` (typed
 * `852 9123 4567` with region HK), texts and tags with ideographic spaces (U+3000) at
 * their ends, emails with full-width characters. Until this runs, finds on such a field
 * look up both the current and the old form of the value searched for, so they find what
 * they found before (custos_schema_field_norm_version() is 1). This re-normalises every
 * such value of every customer in the current form, re-indexes it and writes the record
 * (audited as an update), in transactions of at most 1,000 customers; a value the current
 * rules refuse (a Hong Kong number of 7 digits) is left as it is and counted in @p kept.
 * When every value of a field is current, the field's version becomes
 * #CUSTOS_NORM_VERSION and finds look up the current form only. Running it again
 * rewrites nothing new, and reads no customer once every field is current. Batches
 * committed before a failure stay committed; calling it again continues.
 * @param[in] ctx A context whose principal may manage the schema.
 * @param[out] rewritten Receives how many values were rewritten; may be NULL.
 * @param[out] kept Receives how many values the current rules refuse and were kept as they
 *             were; may be NULL.
 * @return #CUSTOS_OK, #CUSTOS_EEXISTS (a unique field would hold one value twice once
 *         re-normalised: the message names the customers), #CUSTOS_EDENIED, #CUSTOS_ESTATE
 *         or a backend error.
 */
CUSTOS_EXTERN(int) custos_schema_renormalize(custos_ctx *ctx, uint64_t *rewritten, uint64_t *kept) CUSTOS_WARN_UNUSED;

/**
 * @brief Take a snapshot of the store's schema.
 * @param[out] out Receives the snapshot, owned by the caller.
 * @param[in] ctx A context of the store.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_ESTATE, #CUSTOS_ENOMEM or a backend error.
 */
CUSTOS_EXTERN(int) custos_schema_get(custos_schema **out, custos_ctx *ctx) CUSTOS_WARN_UNUSED;

/**
 * @brief Free a schema snapshot.
 * @param[in] schema The snapshot; NULL is accepted.
 */
CUSTOS_EXTERN(void) custos_schema_free(custos_schema *schema);

/**
 * @brief The schema's version: 1 for a new store, incremented by every change.
 * @param[in] schema The snapshot.
 * @return The version, or 0 for NULL.
 */
CUSTOS_EXTERN(uint64_t) custos_schema_version(const custos_schema *schema);

/**
 * @brief Number of fields, built-in and custom.
 * @param[in] schema The snapshot.
 * @return The count, or 0 for NULL.
 */
CUSTOS_EXTERN(size_t) custos_schema_field_count(const custos_schema *schema);

/**
 * @brief Find a field's position by name.
 * @param[out] index_out Receives the position, 0 to custos_schema_field_count() - 1.
 * @param[in] schema The snapshot.
 * @param[in] name The field's name.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND or #CUSTOS_EINVALID.
 */
CUSTOS_EXTERN(int) custos_schema_field_lookup(size_t *index_out, const custos_schema *schema, const char *name);

/**
 * @brief Name of the field at @p index.
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return A string borrowed from the snapshot, or NULL if @p index is out of range.
 */
CUSTOS_EXTERN(const char *) custos_schema_field_name(const custos_schema *schema, size_t index);

/**
 * @brief Stable number of the field at @p index: what audit entries of searches name as
 *        their subject (custos_audit_entry_subject()).
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return The id (never 0), or 0 if @p index is out of range.
 */
CUSTOS_EXTERN(uint32_t) custos_schema_field_id(const custos_schema *schema, size_t index);

/**
 * @brief Type of the field at @p index.
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return A #custos_field_type, or 0 if @p index is out of range.
 */
CUSTOS_EXTERN(int) custos_schema_field_type(const custos_schema *schema, size_t index);

/**
 * @brief Flags of the field at @p index.
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return `CUSTOS_FIELD_*` bits (always one of ENCRYPTED or CLEAR), or 0 if out of range.
 */
CUSTOS_EXTERN(uint32_t) custos_schema_field_flags(const custos_schema *schema, size_t index);

/**
 * @brief Class of the field at @p index.
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return A #custos_field_class, or -1 if out of range.
 */
CUSTOS_EXTERN(int) custos_schema_field_class(const custos_schema *schema, size_t index);

/**
 * @brief Longest value of the field at @p index, in bytes (text, email and phone fields;
 *        dates are always 10, "YYYY-MM-DD").
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return The limit, or 0 for other types and out of range.
 */
CUSTOS_EXTERN(uint32_t) custos_schema_field_max_bytes(const custos_schema *schema, size_t index);

/**
 * @brief How the text field at @p index compares values for equality.
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return A #custos_field_norm, or 0 for other types and out of range.
 */
CUSTOS_EXTERN(int) custos_schema_field_norm(const custos_schema *schema, size_t index);

/**
 * @brief The normalisation rules the stored values of the field at @p index follow.
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return #CUSTOS_NORM_VERSION, 1 for values a store written by custos 0.1.0 may still hold
 *         (custos_schema_renormalize()), or 0 if @p index is out of range.
 */
CUSTOS_EXTERN(uint32_t) custos_schema_field_norm_version(const custos_schema *schema, size_t index);

/**
 * @brief Blind-index length of the field at @p index, in bits.
 * @param[in] schema The snapshot.
 * @param[in] index The position.
 * @return The length, or 0 when the field has no blind index.
 */
CUSTOS_EXTERN(uint32_t) custos_schema_field_index_bits(const custos_schema *schema, size_t index);

/**
 * @brief Number of values of an enum field.
 * @param[in] schema The snapshot.
 * @param[in] index The field's position.
 * @return The count, or 0 when the field is not an enum.
 */
CUSTOS_EXTERN(size_t) custos_schema_enum_count(const custos_schema *schema, size_t index);

/**
 * @brief One value of an enum field.
 * @param[in] schema The snapshot.
 * @param[in] index The field's position.
 * @param[in] value_index The value's position, 0 to custos_schema_enum_count() - 1.
 * @return A string borrowed from the snapshot, or NULL if out of range.
 */
CUSTOS_EXTERN(const char *) custos_schema_enum_value(const custos_schema *schema, size_t index, size_t value_index);

/**
 * @brief The default phone region.
 * @param[in] schema The snapshot.
 * @return An ISO 3166 code borrowed from the snapshot, or "" when none is set.
 */
CUSTOS_EXTERN(const char *) custos_schema_default_region(const custos_schema *schema);

CUSTOS_END_DECL

/** @} */

#endif
