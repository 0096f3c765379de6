/* A store on a host-written backend: the sorted-array backend of backend_sorted.c. */
#include <stdio.h>

#include <custos.h>
#include <custos/sys/backend.h>

#include "backend_sorted.h"

#define TRY(call) do { if ((call) != CUSTOS_OK) { fprintf(stderr, "%s\n", custos_error_last()); return 1; } } while (0)

int main(void)
{
	static const unsigned char key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
	custos_db_options opts = CUSTOS_DB_OPTIONS_INIT;
	custos_backend *be;
	custos_secret *secret;
	custos_db *db;
	custos_ctx *ctx;
	custos_customer *c;
	uint64_t id, count;

	opts.flags = CUSTOS_OPEN_CREATE;
	TRY(example_sorted_backend_new(&be));
	TRY(custos_secret_key(&secret, key, sizeof key));
	if (custos_db_open_backend(&db, be, secret, &opts) != CUSTOS_OK) {
		fprintf(stderr, "%s\n", custos_error_last());
		custos_backend_free(be);  /* on failure the backend is still ours */
		return 1;
	}
	custos_secret_free(secret);
	TRY(custos_ctx_open(&ctx, db, "admin"));
	TRY(custos_customer_new(&c, ctx));
	TRY(custos_customer_set_text(c, "name", "Ada Lovelace"));
	TRY(custos_customer_set_text(c, "phone", "+44 20 7946 0958"));
	TRY(custos_customer_create(&id, ctx, c));
	custos_customer_free(c);
	TRY(custos_customer_count(&count, ctx));
	printf("backend '%s' holds %llu customer(s); the last has id %llu\n", custos_db_backend_name(db),
		(unsigned long long)count, (unsigned long long)id);
	custos_ctx_free(ctx);
	custos_db_close(db);  /* frees the backend too */
	return 0;
}
