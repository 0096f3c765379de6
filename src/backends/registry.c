/*
 * backends/registry.c — choosing a built-in backend from a store URI.
 */
#include <string.h>

#include "backends/backends.h"
#include "custos_config.h"
#include "util/error.h"

/* "scheme:" prefix of at least two scheme characters, so "C:" style paths are not schemes. */
static size_t scheme_len(const char *uri)
{
	size_t i = 0;

	while ((uri[i] >= 'a' && uri[i] <= 'z') || (i > 0 && ((uri[i] >= '0' && uri[i] <= '9') || uri[i] == '+' ||
		uri[i] == '-' || uri[i] == '.')))
		i++;
	return i >= 2 && uri[i] == ':' ? i : 0;
}

int cu_backend_from_uri(custos_backend **out, const char *uri, const custos_db_options *opts)
{
	size_t n = scheme_len(uri);

	if (!*uri)
		return cu_err(CUSTOS_EINVALID, "the store URI is empty: use lmdb:PATH, memory: or a path");
	if (n == 6 && !strncmp(uri, "memory", 6)) {
		if (uri[7])
			return cu_err(CUSTOS_EINVALID, "'%s': memory: stores take no path", uri);
		return cu_backend_memory_new(out);
	}
	if (n == 4 && !strncmp(uri, "lmdb", 4))
		uri += 5;
	else if (n)
		return cu_err(CUSTOS_ENOTSUPPORTED, "'%.*s' stores are not built into this library (it has lmdb: and "
			"memory:)", (int)n, uri);
#if CUSTOS_HAVE_LMDB
	return cu_backend_lmdb_new(out, uri, opts);
#else
	(void)opts;
	return cu_err(CUSTOS_ENOTSUPPORTED, "this library was built without the LMDB backend");
#endif
}
