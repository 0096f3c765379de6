/*
 * bench/custos_load.c — see custos_load.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "custos_load.h"
#include "synth.h"
#include "w1_common.h"

#define BATCH 10000

static const char *prog_name;

static void check(int rc, const char *call)
{
	if (rc != CUSTOS_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, call, custos_error_last());
		exit(1);
	}
}

static custos_customer *draft(custos_ctx *ctx, const synth_person *p)
{
	static const char *const fields[] = { "name", "email", "phone", "address", "company", "type", "stage" };
	const char *values[] = { p->name, p->email, p->phone, p->address, p->company, p->type, p->stage };
	custos_customer *c;

	check(custos_customer_new(&c, ctx), "custos_customer_new");
	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
		check(custos_customer_set_text(c, fields[f], values[f]), "custos_customer_set_text");
	return c;
}

double custos_load_customers(custos_ctx *ctx, uint64_t count, const char *prog)
{
	custos_customer **batch = calloc(BATCH, sizeof *batch);
	synth_person p;
	double t = w1_now();

	prog_name = prog;
	if (!batch) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	for (uint64_t done = 0; done < count;) {
		size_t n = count - done < BATCH ? (size_t)(count - done) : BATCH;
		for (size_t i = 0; i < n; i++) {
			synth_person_make(&p, done + i, 1);
			batch[i] = draft(ctx, &p);
		}
		check(custos_customer_create_many(NULL, ctx, batch, n), "custos_customer_create_many");
		for (size_t i = 0; i < n; i++)
			custos_customer_free(batch[i]);
		done += n;
	}
	t = w1_now() - t;
	free(batch);
	return t;
}
