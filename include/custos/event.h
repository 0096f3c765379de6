/*
 * custos — event.h: the customer timeline: purchases, interactions, feedback, notes and
 * loyalty points, appended per customer and listed in time order.
 */
#ifndef CUSTOS_EVENT_H
#define CUSTOS_EVENT_H

#include "common.h"
#include "db.h"

/**
 * @file custos/event.h
 * @brief The timeline: events appended to a customer, never changed, listed in time order.
 * @defgroup custos_event Timeline events
 * @ingroup custos
 *
 * An event is one thing that happened with a customer: a purchase, an interaction (a
 * call, an email, a visit), feedback, a note, or a movement of loyalty points. A
 * #custos_event handle is made with custos_event_new() for one kind, filled with the
 * setters of that kind and appended with custos_event_append(), which gives it the
 * customer's next sequence number (1, 2, 3, ...). Events are never changed afterwards.
 *
 * Amounts, currencies, quantities, channels, scores, points and times are stored in
 * clear, so that metrics can use them without decrypting; the texts (item, order
 * reference, subject, note) are encrypted under the customer's own key, like the
 * encrypted fields of the customer's record, and every stored event carries a tag under
 * that key over all of its bytes, its customer and its place in the timeline.
 *
 * Permissions: appending needs #CUSTOS_OP_UPDATE, listing #CUSTOS_OP_READ, and the
 * customer in the context's scope (a customer out of scope is #CUSTOS_ENOTFOUND, as for
 * custos_customer_lookup()). The texts of listed events follow the context's visibility
 * of the notes class (#CUSTOS_CLASS_NOTES): clear, masked (`***`) or absent. Every
 * append and every listing is audited.
 *
 * Threading: an event handle or event iterator belongs to one thread at a time.
 * @{
 */

CUSTOS_BEGIN_DECL

/** One timeline event: a draft to append, or an event read back. */
typedef struct custos_event custos_event;
/** An iterator over one customer's events. */
typedef struct custos_event_iter custos_event_iter;

/** What an event records. */
typedef enum custos_event_kind {
	CUSTOS_EVENT_PURCHASE = 1,    /**< An amount in a currency, an item, a quantity, an optional order reference. */
	CUSTOS_EVENT_INTERACTION = 2, /**< A contact: channel, direction, subject, note. */
	CUSTOS_EVENT_FEEDBACK = 3,    /**< A score on a declared scale (NPS or CSAT) and a text. */
	CUSTOS_EVENT_NOTE = 4,        /**< Free text. */
	CUSTOS_EVENT_POINTS = 5       /**< Loyalty points earned, redeemed, expired or adjusted. */
} custos_event_kind;
/** The highest #custos_event_kind. */
#define CUSTOS_EVENT_KIND_MAX 5

/** The channel of an interaction. */
typedef enum custos_channel {
	CUSTOS_CHANNEL_PHONE = 1, /**< A telephone call. */
	CUSTOS_CHANNEL_EMAIL = 2, /**< An email. */
	CUSTOS_CHANNEL_VISIT = 3, /**< A visit, in a shop or at the customer's. */
	CUSTOS_CHANNEL_CHAT = 4,  /**< A chat or messaging app. */
	CUSTOS_CHANNEL_SOCIAL = 5,/**< A social network. */
	CUSTOS_CHANNEL_OTHER = 6  /**< Anything else. */
} custos_channel;
/** The highest #custos_channel. */
#define CUSTOS_CHANNEL_MAX 6

/** Who started an interaction. */
typedef enum custos_direction {
	CUSTOS_DIRECTION_IN = 1,  /**< The customer contacted the organisation. */
	CUSTOS_DIRECTION_OUT = 2  /**< The organisation contacted the customer. */
} custos_direction;

/** The scale of a feedback score. */
typedef enum custos_scale {
	CUSTOS_SCALE_NPS = 1,  /**< Net Promoter Score: 0 to 10. */
	CUSTOS_SCALE_CSAT = 2  /**< Customer satisfaction: 1 to 5. */
} custos_scale;

/** What a points event does to the balance. */
typedef enum custos_points_op {
	CUSTOS_POINTS_EARN = 1,   /**< Adds points (more than 0), optionally expiring at a time. */
	CUSTOS_POINTS_REDEEM = 2, /**< Spends points (more than 0, at most those good at its time), soonest to expire first. */
	CUSTOS_POINTS_EXPIRE = 3, /**< Removes expired points (more than 0, at most the balance), soonest to expire first. */
	CUSTOS_POINTS_ADJUST = 4  /**< Adds or removes points (not 0); the balance may not go below 0. */
} custos_points_op;

/** The texts of an event; which kinds take which is said at custos_event_set_text(). */
typedef enum custos_event_text {
	CUSTOS_EVENT_ITEM = 0,    /**< Purchase: what was bought (required). */
	CUSTOS_EVENT_ORDER = 1,   /**< Purchase: the order reference (optional). */
	CUSTOS_EVENT_SUBJECT = 2, /**< Interaction: the subject (optional). */
	CUSTOS_EVENT_BODY = 3     /**< Interaction: the note; feedback: the text; note: the text (required);
	                               points: the reason (all optional but the note's). */
} custos_event_text;
/** Number of #custos_event_text values. */
#define CUSTOS_EVENT_TEXT_COUNT 4
/** The longest text, in bytes of UTF-8. */
#define CUSTOS_EVENT_TEXT_MAX_BYTES 4000

/** @brief #CUSTOS_EVENT_TEXT_COUNT, for FFI. @return The number of event texts. */
CUSTOS_EXTERN(size_t) custos_event_text_count(void);
/** @brief #CUSTOS_EVENT_TEXT_MAX_BYTES, for FFI. @return The longest text, in bytes. */
CUSTOS_EXTERN(size_t) custos_event_text_max_bytes(void);
/** @brief #CUSTOS_EVENT_KIND_MAX, for FFI. @return The highest event kind. */
CUSTOS_EXTERN(int) custos_event_kind_max(void);

/** Options for custos_event_list(). */
typedef struct custos_event_list_options {
	unsigned int version;   /**< #CUSTOS_EVENT_LIST_OPTIONS_VERSION. */
	int newest_first;       /**< 0: oldest first; otherwise newest first. */
	uint32_t kinds;         /**< Bit (1 << kind) for each #custos_event_kind wanted; 0: every kind. */
	int64_t from_us;        /**< Only events at or after this time (microseconds since the epoch); 0: no bound. */
	int64_t until_us;       /**< Only events before this time; 0: no bound. */
	int64_t after_time_us;  /**< With @p after_seq: resume after this event (its time) in the listing's order. */
	uint32_t after_seq;     /**< The sequence number of the event to resume after; 0: from the start. */
	uint32_t limit;         /**< At most this many events; 0: no limit. */
} custos_event_list_options;

/** The current version of #custos_event_list_options. */
#define CUSTOS_EVENT_LIST_OPTIONS_VERSION 1
/** Static initialiser for #custos_event_list_options. */
#define CUSTOS_EVENT_LIST_OPTIONS_INIT { CUSTOS_EVENT_LIST_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0 }

/**
 * @brief Fill @p opts with defaults for the given structure version.
 * @param[out] opts The structure to fill.
 * @param[in] version #CUSTOS_EVENT_LIST_OPTIONS_VERSION.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID if @p opts is NULL, #CUSTOS_EVERSION for an unknown version.
 */
CUSTOS_EXTERN(int) custos_event_list_options_init(custos_event_list_options *opts, unsigned int version);

/** @brief sizeof(#custos_event_list_options), for FFI. @return The size in bytes. */
CUSTOS_EXTERN(size_t) custos_event_list_options_size(void);

/**
 * @brief Make an empty event of one kind, to fill and append.
 * @param[out] out Receives the event, owned by the caller.
 * @param[in] kind A #custos_event_kind.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL @p out, unknown kind), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_event_new(custos_event **out, int kind) CUSTOS_WARN_UNUSED;

/** @brief Wipe and free an event. @param[in] event The event; NULL is accepted. */
CUSTOS_EXTERN(void) custos_event_free(custos_event *event);

/**
 * @brief Set when the event happened (by default: when it is appended).
 * @param[in,out] event The event.
 * @param[in] time_us Microseconds since the epoch; not before 1970, and checked when
 *            appended: not more than a day after the store's clock.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, a negative time).
 */
CUSTOS_EXTERN(int) custos_event_set_time(custos_event *event, int64_t time_us) CUSTOS_WARN_UNUSED;

/**
 * @brief Set a purchase's amount and currency.
 * @param[in,out] event A #CUSTOS_EVENT_PURCHASE.
 * @param[in] minor_units The amount in the currency's minor units (cents, or yen for
 *            JPY); negative for a refund.
 * @param[in] currency An active ISO 4217 code such as "HKD".
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (another kind, an unknown currency: the message
 *         names it).
 */
CUSTOS_EXTERN(int) custos_event_set_amount(custos_event *event, int64_t minor_units, const char *currency) CUSTOS_WARN_UNUSED;

/**
 * @brief Set a purchase's quantity (1 unless set).
 * @param[in,out] event A #CUSTOS_EVENT_PURCHASE.
 * @param[in] quantity 1 to 4,294,967,295.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (another kind, a negative or zero or too large
 *         quantity).
 */
CUSTOS_EXTERN(int) custos_event_set_quantity(custos_event *event, int64_t quantity) CUSTOS_WARN_UNUSED;

/**
 * @brief Set an interaction's channel and direction (both required).
 * @param[in,out] event A #CUSTOS_EVENT_INTERACTION.
 * @param[in] channel A #custos_channel.
 * @param[in] direction A #custos_direction.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (another kind, an unknown channel or direction).
 */
CUSTOS_EXTERN(int) custos_event_set_channel(custos_event *event, int channel, int direction) CUSTOS_WARN_UNUSED;

/**
 * @brief Set a feedback's score on its scale (required).
 * @param[in,out] event A #CUSTOS_EVENT_FEEDBACK.
 * @param[in] scale A #custos_scale.
 * @param[in] score 0 to 10 for #CUSTOS_SCALE_NPS, 1 to 5 for #CUSTOS_SCALE_CSAT.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (another kind, an unknown scale, a score out of
 *         the scale's range: the message gives the range).
 */
CUSTOS_EXTERN(int) custos_event_set_score(custos_event *event, int scale, int score) CUSTOS_WARN_UNUSED;

/**
 * @brief Set a points event's operation and number of points (required).
 * @param[in,out] event A #CUSTOS_EVENT_POINTS.
 * @param[in] op A #custos_points_op.
 * @param[in] points More than 0 for earn, redeem and expire; not 0 for adjust (negative
 *            removes points). At most 10^15 in magnitude.
 * @param[in] expires_us For #CUSTOS_POINTS_EARN: when the points expire (microseconds
 *            since the epoch, after the event's time), or 0 for never; 0 for the others.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (another kind, an unknown operation, points out of
 *         range, an expiry given for another operation). Whether the balance allows a
 *         redeem is checked when it is appended.
 */
CUSTOS_EXTERN(int) custos_event_set_points(custos_event *event, int op, int64_t points, int64_t expires_us) CUSTOS_WARN_UNUSED;

/**
 * @brief Set one of the event's texts.
 *
 * Purchases take #CUSTOS_EVENT_ITEM (required) and #CUSTOS_EVENT_ORDER; interactions
 * #CUSTOS_EVENT_SUBJECT and #CUSTOS_EVENT_BODY; feedback, points and notes
 * #CUSTOS_EVENT_BODY (required for notes). Text is trimmed and put in Unicode NFC, like
 * text fields of customers; an empty text unsets it.
 * @param[in,out] event The event.
 * @param[in] which A #custos_event_text.
 * @param[in] text NUL-terminated UTF-8, at most #CUSTOS_EVENT_TEXT_MAX_BYTES bytes.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (a text this kind does not take, invalid UTF-8,
 *         too long), #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_event_set_text(custos_event *event, int which, const char *text) CUSTOS_WARN_UNUSED;

/**
 * @brief Append an event to a customer's timeline, in its own durable commit.
 *
 * The event is checked whole first (the required values of its kind, a time not more
 * than a day in the future, a redeem or expiry within the points balance, an adjustment
 * that leaves it at 0 or more); the store is unchanged when anything is refused.
 * @param[out] seq_out Receives the event's sequence number in the customer's timeline; may be NULL.
 * @param[in] ctx A context holding #CUSTOS_OP_UPDATE, with the customer in its scope.
 * @param[in] customer The customer's id.
 * @param[in] event The event; not changed (append the same handle again for a second event).
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (a missing or refused value: the message says
 *         which and why), #CUSTOS_ENOTFOUND (no such customer in scope), #CUSTOS_EDENIED,
 *         #CUSTOS_EFULL (the customer's timeline holds 4,294,967,295 events, or spends in
 *         more currencies than it can count), #CUSTOS_EAUTH (the customer's record does not
 *         authenticate), #CUSTOS_ESTATE, #CUSTOS_ENOMEM, #CUSTOS_EIO, #CUSTOS_EBACKEND.
 */
CUSTOS_EXTERN(int) custos_event_append(uint32_t *seq_out, custos_ctx *ctx, uint64_t customer,
	const custos_event *event) CUSTOS_WARN_UNUSED;

/**
 * @brief List a customer's events in time order (events at the same time in the order
 *        they were appended).
 *
 * The iterator reads a page at a time, each page in a short read transaction of its own,
 * and checks at every page that the customer is still in the context's scope. Events
 * appended while it runs are listed when they fall after its position.
 * @param[out] out Receives the iterator, owned by the caller. It keeps a reference on
 *             @p ctx.
 * @param[in] ctx A context holding #CUSTOS_OP_READ.
 * @param[in] customer The customer's id.
 * @param[in] opts Order, kinds, time range, position and limit; NULL for every event,
 *            oldest first.
 * @return #CUSTOS_OK, #CUSTOS_ENOTFOUND (no such customer in scope), #CUSTOS_EINVALID
 *         (a kind bit that is no kind, @p until_us not after @p from_us, a negative time),
 *         #CUSTOS_EVERSION, #CUSTOS_EDENIED, #CUSTOS_EAUTH, #CUSTOS_ESTATE, #CUSTOS_ENOMEM.
 */
CUSTOS_EXTERN(int) custos_event_list(custos_event_iter **out, custos_ctx *ctx, uint64_t customer,
	const custos_event_list_options *opts) CUSTOS_WARN_UNUSED;

/**
 * @brief The next event.
 * @param[out] out Receives the event, owned by the caller.
 * @param[in,out] iter The iterator.
 * @return #CUSTOS_OK, #CUSTOS_ITEROVER at the end (and on every call after it),
 *         #CUSTOS_ENOTFOUND (the customer left the scope or was removed), #CUSTOS_EAUTH (a
 *         stored event or the customer's record does not authenticate: the message names
 *         the event), #CUSTOS_ESTATE, #CUSTOS_ENOMEM, #CUSTOS_EIO.
 */
CUSTOS_EXTERN(int) custos_event_iter_next(custos_event **out, custos_event_iter *iter) CUSTOS_WARN_UNUSED;

/** @brief Free an iterator. @param[in] iter The iterator; NULL is accepted. */
CUSTOS_EXTERN(void) custos_event_iter_free(custos_event_iter *iter);

/**
 * @brief Record the expiry of loyalty points: every lot of earned points whose expiry has
 *        come by @p as_of_us becomes an expire event at its expiry time.
 *
 * Points are kept in lots by expiry: a redeem spends the points that expire soonest among
 * those still good at its time, an expiry or an adjustment that takes points away spends
 * the soonest of all, and an adjustment that adds points adds points that never expire.
 * Points past their expiry stay in the balance, but cannot be redeemed, until this
 * records their expiry (maintenance runs it). Customers are done a few hundred per
 * transaction; a failure leaves the ones done before it done, and a second run finishes
 * the work (it is idempotent). Customers outside the context's scope are left alone.
 * @param[out] events_out Receives the number of expire events appended; may be NULL.
 * @param[in] ctx A context holding #CUSTOS_OP_UPDATE.
 * @param[in] as_of_us Expire what expired at or before this time (microseconds since the
 *            epoch, at most a day ahead of the store's clock), usually now.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID, #CUSTOS_EDENIED, #CUSTOS_EAUTH (a ledger or
 *         record that does not authenticate), #CUSTOS_ESTATE, #CUSTOS_ENOMEM, #CUSTOS_EIO.
 */
CUSTOS_EXTERN(int) custos_points_expire(uint64_t *events_out, custos_ctx *ctx, int64_t as_of_us) CUSTOS_WARN_UNUSED;

/** @brief The event's kind. @param[in] event The event. @return A #custos_event_kind, 0 for NULL. */
CUSTOS_EXTERN(int) custos_event_kind_of(const custos_event *event);
/** @brief The event's customer. @param[in] event The event. @return Its id; 0 before it is appended or for NULL. */
CUSTOS_EXTERN(uint64_t) custos_event_customer(const custos_event *event);
/** @brief The event's sequence number. @param[in] event The event. @return 1 and up; 0 for a draft or NULL. */
CUSTOS_EXTERN(uint32_t) custos_event_seq(const custos_event *event);
/** @brief When the event happened. @param[in] event The event.
 *  @return Microseconds since the epoch; 0 for a draft whose time was not set, or NULL. */
CUSTOS_EXTERN(int64_t) custos_event_time(const custos_event *event);
/** @brief When the event was appended. @param[in] event The event.
 *  @return Microseconds since the epoch; 0 for a draft or NULL. */
CUSTOS_EXTERN(int64_t) custos_event_recorded(const custos_event *event);
/** @brief Who appended the event. @param[in] event The event.
 *  @return The principal's id (custos_principal_name() gives the name); 0 for a draft or NULL. */
CUSTOS_EXTERN(uint32_t) custos_event_author(const custos_event *event);

/**
 * @brief A purchase's amount, currency and quantity.
 * @param[out] minor_units Receives the amount; may be NULL.
 * @param[out] currency Receives the ISO 4217 code, borrowed from the event; may be NULL.
 * @param[out] quantity Receives the quantity; may be NULL.
 * @param[in] event The event.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, not a purchase), #CUSTOS_ENOTFOUND (a draft whose amount is not set).
 */
CUSTOS_EXTERN(int) custos_event_get_purchase(int64_t *minor_units, const char **currency, int64_t *quantity,
	const custos_event *event);
/**
 * @brief An interaction's channel and direction.
 * @param[out] channel Receives a #custos_channel; may be NULL.
 * @param[out] direction Receives a #custos_direction; may be NULL.
 * @param[in] event The event.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, not an interaction), #CUSTOS_ENOTFOUND (not set).
 */
CUSTOS_EXTERN(int) custos_event_get_channel(int *channel, int *direction, const custos_event *event);
/**
 * @brief A feedback's scale and score.
 * @param[out] scale Receives a #custos_scale; may be NULL.
 * @param[out] score Receives the score; may be NULL.
 * @param[in] event The event.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, not feedback), #CUSTOS_ENOTFOUND (not set).
 */
CUSTOS_EXTERN(int) custos_event_get_score(int *scale, int *score, const custos_event *event);
/**
 * @brief A points event's operation, points and expiry.
 * @param[out] op Receives a #custos_points_op; may be NULL.
 * @param[out] points Receives the points (signed for an adjustment); may be NULL.
 * @param[out] expires_us Receives the expiry of earned points, 0 for none; may be NULL.
 * @param[in] event The event.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, not a points event), #CUSTOS_ENOTFOUND (not set).
 */
CUSTOS_EXTERN(int) custos_event_get_points(int *op, int64_t *points, int64_t *expires_us, const custos_event *event);
/**
 * @brief One of the event's texts.
 * @param[out] out Receives NUL-terminated UTF-8 borrowed from the event (valid until it is
 *             changed or freed): the text, or `***` when the context sees the notes class masked.
 * @param[in] event The event.
 * @param[in] which A #custos_event_text.
 * @return #CUSTOS_OK, #CUSTOS_EINVALID (NULL, an unknown text), #CUSTOS_ENOTFOUND (the
 *         event has no such text, or the context does not see the notes class).
 */
CUSTOS_EXTERN(int) custos_event_get_text(const char **out, const custos_event *event, int which);
/**
 * @brief Whether the event's texts were masked for the context that listed it.
 * @param[in] event The event.
 * @return 1 when masked, 0 otherwise (and for NULL).
 */
CUSTOS_EXTERN(int) custos_event_is_masked(const custos_event *event);

/** @brief The name of an event kind ("purchase", "interaction", "feedback", "note", "points").
 *  @param[in] kind A #custos_event_kind. @return Static text, NULL out of range. */
CUSTOS_EXTERN(const char *) custos_event_kind_name(int kind);
/** @brief Parse an event kind's name. @param[out] out Receives the kind. @param[in] name The name.
 *  @return #CUSTOS_OK or #CUSTOS_EINVALID (the message lists the names). */
CUSTOS_EXTERN(int) custos_event_kind_parse(int *out, const char *name);
/** @brief The name of a channel ("phone", "email", "visit", "chat", "social", "other").
 *  @param[in] channel A #custos_channel. @return Static text, NULL out of range. */
CUSTOS_EXTERN(const char *) custos_channel_name(int channel);
/** @brief Parse a channel's name. @param[out] out Receives the channel. @param[in] name The name.
 *  @return #CUSTOS_OK or #CUSTOS_EINVALID. */
CUSTOS_EXTERN(int) custos_channel_parse(int *out, const char *name);
/** @brief The name of a direction ("in", "out"). @param[in] direction A #custos_direction.
 *  @return Static text, NULL out of range. */
CUSTOS_EXTERN(const char *) custos_direction_name(int direction);
/** @brief Parse a direction's name. @param[out] out Receives the direction. @param[in] name The name.
 *  @return #CUSTOS_OK or #CUSTOS_EINVALID. */
CUSTOS_EXTERN(int) custos_direction_parse(int *out, const char *name);
/** @brief The name of a scale ("nps", "csat"). @param[in] scale A #custos_scale.
 *  @return Static text, NULL out of range. */
CUSTOS_EXTERN(const char *) custos_scale_name(int scale);
/** @brief Parse a scale's name. @param[out] out Receives the scale. @param[in] name The name.
 *  @return #CUSTOS_OK or #CUSTOS_EINVALID. */
CUSTOS_EXTERN(int) custos_scale_parse(int *out, const char *name);
/** @brief The name of a points operation ("earn", "redeem", "expire", "adjust").
 *  @param[in] op A #custos_points_op. @return Static text, NULL out of range. */
CUSTOS_EXTERN(const char *) custos_points_op_name(int op);
/** @brief Parse a points operation's name. @param[out] out Receives the operation. @param[in] name The name.
 *  @return #CUSTOS_OK or #CUSTOS_EINVALID. */
CUSTOS_EXTERN(int) custos_points_op_parse(int *out, const char *name);
/** @brief The name of an event text ("item", "order", "subject", "body").
 *  @param[in] which A #custos_event_text. @return Static text, NULL out of range. */
CUSTOS_EXTERN(const char *) custos_event_text_name(int which);
/** @brief Parse an event text's name. @param[out] out Receives the text. @param[in] name The name.
 *  @return #CUSTOS_OK or #CUSTOS_EINVALID. */
CUSTOS_EXTERN(int) custos_event_text_parse(int *out, const char *name);

CUSTOS_END_DECL

/** @} */

#endif
