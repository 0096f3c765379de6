/* The README's example: create a store, add a customer, find them again by email. */
#include <stdio.h>

#include <custos.h>

#define TRY(call) do { if ((call) != CUSTOS_OK) { fprintf(stderr, "%s\n", custos_error_last()); return 1; } } while (0)

int main(int argc, char **argv)
{
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_secret *secret;
	custos_db *db;
	custos_ctx *ctx;
	custos_customer *c;
	custos_iter *it;
	const char *email;
	uint64_t id;

	opts.flags = CUSTOS_OPEN_CREATE;
	TRY(custos_secret_passphrase(&secret, "correct horse battery staple"));
	TRY(custos_db_open(&db, argc > 1 ? argv[1] : "lmdb:./crm", secret, &opts));
	custos_secret_free(secret);
	TRY(custos_ctx_open(&ctx, db, "admin"));

	TRY(custos_customer_new(&c, ctx));
	TRY(custos_customer_set_text(c, "name", "Chan Tai Man"));
	TRY(custos_customer_set_text(c, "email", "tm.chan@Example.COM"));
	TRY(custos_customer_create(&id, ctx, c));
	custos_customer_free(c);

	TRY(custos_customer_find(&it, ctx, "email", "TM.Chan@example.com"));
	while (custos_iter_next(&c, it) == CUSTOS_OK) {
		TRY(custos_customer_get_text(&email, c, "email"));
		printf("customer %llu: %s\n", (unsigned long long)custos_customer_id(c), email);
		custos_customer_free(c);
	}
	custos_iter_free(it);
	custos_ctx_free(ctx);
	custos_db_close(db);
	return 0;
}
