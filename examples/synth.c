/*
 * examples/synth.c — a small deterministic generator of plausible customer data.
 */
#include <stdio.h>

#include "synth.h"

static const char *const first[] = {
	"Alice", "Bruno", "Chen", "Dana", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kavya", "Liam",
	"Mei", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Yara",
	"Zoltan", "Ana", "Ben", "Carla", "Diego", "Emma", "Felix", "Hana",
};
static const char *const last[] = {
	"Almeida", "Brown", "Chan", "Dubois", "Evans", "Fischer", "Garcia", "Huang", "Ivanova", "Jensen",
	"Kim", "Lopez", "Muller", "Nakamura", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Umar",
	"Novak", "Wong", "Yilmaz", "Zhang", "Moreau", "Kowalski", "Larsen", "Haddad",
};
static const char *const streets[] = {
	"Queen's Road", "Harbour Street", "Linden Allee", "Rue de la Paix", "Main Street", "Calle Mayor",
	"Nathan Road", "Market Square", "Station Road", "Park Lane",
};
static const char *const cities[] = {
	"Hong Kong", "London", "Berlin", "Paris", "Austin", "Madrid", "Lisbon", "Singapore", "Oslo", "Tokyo",
};
static const char *const companies[] = {
	"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent", "Hooli",
};
static const char *const domains[] = { "example.com", "example.org", "example.net", "mail.example" };
static const char *const types[] = { "key_account", "sme", "individual" };
static const char *const stages[] = { "lead", "qualified", "proposal", "won", "lost" };

#define PICK(a, x) (a[(x) % (sizeof(a) / sizeof((a)[0]))])

/* SplitMix64: a good 64-bit mixer, enough for test data. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void synth_person_make(synth_person *p, uint64_t i, uint64_t seed)
{
	uint64_t r = mix(i ^ mix(seed)), s = mix(r);
	const char *f = PICK(first, r), *l = PICK(last, r >> 8);

	snprintf(p->name, sizeof p->name, "%s %s", f, l);
	/* The index keeps every email unique. */
	snprintf(p->email, sizeof p->email, "%s.%s.%llu@%s", f, l, (unsigned long long)i, PICK(domains, r >> 16));
	/* A Hong Kong mobile number: 94, 96 or 97 and any six digits are in use. */
	snprintf(p->phone, sizeof p->phone, "+8529%c%06llu", "467"[s % 3], (unsigned long long)((s / 3 + i) % 1000000));
	snprintf(p->address, sizeof p->address, "%llu %s, %s", (unsigned long long)(s % 400 + 1), PICK(streets, s >> 9),
		PICK(cities, s >> 17));
	snprintf(p->company, sizeof p->company, "%s %s", PICK(companies, s >> 24), (s >> 32) % 2 ? "Ltd" : "GmbH");
	p->type = PICK(types, r >> 24);
	p->stage = PICK(stages, r >> 32);
}
