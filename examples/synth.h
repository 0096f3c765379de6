/*
 * examples/synth.h — deterministic synthetic customers for the demo and the benchmark.
 * The same index always yields the same person, so custos, SQLite and SQLCipher can be
 * loaded with identical data.
 */
#ifndef CUSTOS_EXAMPLE_SYNTH_H
#define CUSTOS_EXAMPLE_SYNTH_H

#include <stdint.h>

typedef struct synth_person {
	char name[64];
	char email[96];
	char phone[24];     /* E.164, or as a person wrote it (Hong Kong style) */
	char address[192];
	char company[64];
	const char *type;   /* key_account, sme or individual */
	const char *stage;  /* lead ... lost */
} synth_person;

/* Fill p with synthetic customer number i (0-based); seed varies the whole population.
 * The benchmark's population: Latin names, E.164 phones, addresses of several countries. */
void synth_person_make(synth_person *p, uint64_t i, uint64_t seed);
/* A Hong Kong retailer's customers: Chinese and English names, +852 mobiles written the
 * ways people write them, addresses in Chinese, company names with 有限公司. */
void synth_hk_person_make(synth_person *p, uint64_t i, uint64_t seed);

#endif
