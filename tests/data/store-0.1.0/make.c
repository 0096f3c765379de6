/*
 * tests/data/store-0.1.0/make.c — how data.mdb beside it was made: with custos 0.1.0 as it
 * stood before store format 2 (git commit 8a4a73f), built and linked against that
 * version's headers and library:
 *
 *   cc -I<0.1.0>/include -I<0.1.0 build>/include make.c -L<0.1.0 build>/src -lcustos -o make
 *   ./make lmdb:DIR
 *
 * A store of format 1 with record format 3: a team, a sales rep, 40 customers (phones
 * written as people write them and stored by the 0.1.0 rules, such as +4402079460958),
 * a custom searchable card number, updates, tags, reads in the log, checkpoints. The key
 * is tests/support.c's t_key. tests/check_upgrade.c opens a copy with today's library.
 */
#include <stdio.h>
#include <stdlib.h>

#include <custos.h>

static const unsigned char key[32] = {
	0x6b, 0x3a, 0x01, 0x9c, 0x42, 0x17, 0xd0, 0x5e, 0x88, 0x21, 0xf3, 0x0b, 0x4d, 0x7a, 0x90, 0x36,
	0x11, 0xc2, 0x5f, 0xe8, 0x73, 0x2d, 0xa6, 0x04, 0x9b, 0x58, 0xe1, 0x37, 0xcc, 0x60, 0x19, 0xfa,
};

#define TRY(call) do { if ((call) != CUSTOS_OK) { fprintf(stderr, "%s: %s\n", #call, custos_error_last()); exit(1); } } while (0)

static const char *const phones[] = {
	"+44 (0)20 7946 0958", "9123 4567", "+852 6123 4567", "+49 (0)30 123456", "+86 138 0013 8000",
};

int main(int argc, char **argv)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_field_options f = CUSTOS_FIELD_OPTIONS_INIT;
	custos_secret *s;
	custos_db *db;
	custos_ctx *admin, *rosa;
	custos_customer *c;
	char name[64], email[64], card[32];
	uint64_t id;

	o.flags = CUSTOS_OPEN_CREATE | CUSTOS_OPEN_EXCL;
	o.default_region = "HK";
	o.expected_customers = 1000;
	o.checkpoint_every = 50;
	TRY(custos_secret_key(&s, key, sizeof key));
	TRY(custos_db_open(&db, argc > 1 ? argv[1] : "lmdb:store", s, &o));
	custos_secret_free(s);
	TRY(custos_ctx_open(&admin, db, "admin"));
	f.name = "card";
	f.type = CUSTOS_TYPE_TEXT;
	f.flags = CUSTOS_FIELD_ENCRYPTED | CUSTOS_FIELD_SEARCHABLE | CUSTOS_FIELD_UNIQUE;
	f.field_class = CUSTOS_CLASS_FINANCIAL;
	TRY(custos_schema_add_field(admin, &f));
	TRY(custos_team_create(NULL, admin, "north"));
	TRY(custos_principal_create(NULL, admin, "rosa", "sales", "north"));
	TRY(custos_ctx_open(&rosa, db, "rosa"));
	for (int i = 0; i < 40; i++) {
		custos_ctx *who = i % 2 ? rosa : admin;
		snprintf(name, sizeof name, "Customer %d 陳大文", i);
		snprintf(email, sizeof email, "c%d@example.com", i);
		snprintf(card, sizeof card, "8000%04d", i);
		TRY(custos_customer_new(&c, who));
		TRY(custos_customer_set_text(c, "name", name));
		TRY(custos_customer_set_text(c, "email", email));
		TRY(custos_customer_set_text(c, "phone", phones[i % 5]));
		TRY(custos_customer_set_text(c, "address", "九龍旺角彌敦道688號"));
		TRY(custos_customer_add_tag(c, "tags", i % 3 ? "regular" : "vip"));
		if (who == admin)
			TRY(custos_customer_set_text(c, "card", card));
		TRY(custos_customer_create(&id, who, c));
		custos_customer_free(c);
	}
	for (uint64_t i = 1; i <= 40; i += 7) {
		TRY(custos_customer_new(&c, admin));
		TRY(custos_customer_set_text(c, "stage", "won"));
		TRY(custos_customer_update(admin, i, c));
		custos_customer_free(c);
		TRY(custos_customer_get(&c, admin, i));
		custos_customer_free(c);
	}
	custos_ctx_free(rosa);
	custos_ctx_free(admin);
	custos_db_close(db);
	return 0;
}
