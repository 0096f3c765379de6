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

/* ---- a Hong Kong retailer's customers ---- */

static const char *const hk_surname[][2] = {
	{ "陳", "Chan" }, { "李", "Lee" }, { "張", "Cheung" }, { "黃", "Wong" }, { "何", "Ho" }, { "梁", "Leung" },
	{ "林", "Lam" }, { "劉", "Lau" }, { "吳", "Ng" }, { "鄭", "Cheng" }, { "周", "Chow" }, { "葉", "Yip" },
	{ "歐陽", "Au Yeung" }, { "司徒", "Szeto" }, { "麥", "Mak" }, { "馮", "Fung" },
};
static const char *const hk_given[][2] = {
	{ "大文", "Tai-man" }, { "嘉欣", "Ka-yan" }, { "志明", "Chi-ming" }, { "美玲", "Mei-ling" },
	{ "家豪", "Ka-ho" }, { "詠詩", "Wing-sze" }, { "俊傑", "Chun-kit" }, { "慧敏", "Wai-man" },
	{ "子晴", "Tsz-ching" }, { "浩然", "Ho-yin" }, { "綺雯", "Yee-man" }, { "偉強", "Wai-keung" },
};
static const char *const hk_english[] = {
	"Peter", "Mandy", "Kelvin", "Winnie", "Jason", "Cecilia", "Alan", "Priscilla", "Eric", "Queenie", "Ivan", "Tiffany",
};
static const char *const hk_district[] = {
	"九龍旺角彌敦道", "香港島銅鑼灣軒尼詩道", "新界沙田正街", "九龍觀塘開源道", "香港島中環皇后大道中",
	"新界荃灣沙咀道", "九龍尖沙咀廣東道", "新界元朗青山公路",
};
static const char *const hk_building[] = {
	"旺角中心", "時代廣場", "新城市廣場", "創紀之城", "置地廣場", "荃新天地", "海港城", "形點",
};
static const char *const hk_company[] = {
	"永發貿易有限公司", "大昌行(香港)有限公司", "美心食品有限公司", "嘉華建材有限公司", "恒昌五金有限公司",
	"Wing Fat Trading Co., Ltd.", "Harbour Light Holdings Limited", "新世紀物流有限公司",
};
/* A Hong Kong mobile number the ways people write it. */
static void hk_phone(char *out, size_t n, uint64_t form, unsigned number)
{
	unsigned hi = number / 10000, lo = number % 10000;

	switch (form % 7) {
	case 0: snprintf(out, n, "+852 %04u %04u", hi, lo); break;
	case 1: snprintf(out, n, "%04u %04u", hi, lo); break;
	case 2: snprintf(out, n, "+852-%04u-%04u", hi, lo); break;
	case 3: snprintf(out, n, "%04u%04u", hi, lo); break;
	case 4: snprintf(out, n, "852 %04u %04u", hi, lo); break;      /* the country code without + */
	case 5: snprintf(out, n, "(852) %04u %04u", hi, lo); break;
	default: snprintf(out, n, "+852 %04u-%04u", hi, lo); break;
	}
}

void synth_hk_person_make(synth_person *p, uint64_t i, uint64_t seed)
{
	uint64_t r = mix(i ^ mix(seed ^ 0x4b48)), s = mix(r);
	unsigned sn = (unsigned)(r % (sizeof hk_surname / sizeof hk_surname[0]));
	unsigned gn = (unsigned)((r >> 8) % (sizeof hk_given / sizeof hk_given[0]));
	const char *en = PICK(hk_english, r >> 16);
	/* Leading digits of Hong Kong mobiles in use (the plan refuses 5555, 6600, 9900, ...). */
	static const unsigned prefix[] = { 510, 614, 634, 641, 651, 901, 912, 923, 934, 946, 951, 962, 970, 983 };
	unsigned mobile = prefix[s % (sizeof prefix / sizeof prefix[0])] * 100000 + (unsigned)((s >> 4) % 100000);

	switch ((r >> 24) % 3) {
	case 0:  /* Chinese only */
		snprintf(p->name, sizeof p->name, "%s%s", hk_surname[sn][0], hk_given[gn][0]);
		break;
	case 1:  /* the English form on an HKID card, with a Western name first */
		snprintf(p->name, sizeof p->name, "%s %s %s", en, hk_surname[sn][1], hk_given[gn][1]);
		break;
	default: /* both */
		snprintf(p->name, sizeof p->name, "%s%s (%s %s)", hk_surname[sn][0], hk_given[gn][0], en, hk_surname[sn][1]);
		break;
	}
	snprintf(p->email, sizeof p->email, "%s.%s.%llu@%s", en, hk_surname[sn][1][0] == 'A' ? "auyeung" : hk_surname[sn][1],
		(unsigned long long)i, PICK(domains, r >> 32));
	for (char *c = p->email; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	hk_phone(p->phone, sizeof p->phone, s >> 8, mobile);
	snprintf(p->address, sizeof p->address, "%s%llu號%s%llu樓%llu室", PICK(hk_district, s >> 16),
		(unsigned long long)(s % 700 + 1), PICK(hk_building, s >> 24), (unsigned long long)((s >> 32) % 40 + 1),
		(unsigned long long)((s >> 40) % 20 + 1));
	snprintf(p->company, sizeof p->company, "%s", PICK(hk_company, s >> 48));
	p->type = PICK(types, r >> 40);
	p->stage = PICK(stages, r >> 48);
}
