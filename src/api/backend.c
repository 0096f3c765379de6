/*
 * api/backend.c — public entry points of the backend interface.
 */
#include <stddef.h>
#include <string.h>

#include "api/api.h"
#include "backends/backends.h"
#include "crypto/crypto.h"

/* How much of the struct each version has: a host built against version 1 passes a
 * struct that ends before `check`, one built against version 2 one that ends before
 * `cursor_seek_before`. */
static size_t backend_size(unsigned int version)
{
	return version == 1 ? offsetof(custos_backend, check) :
	       version == 2 ? offsetof(custos_backend, cursor_seek_before) : sizeof(custos_backend);
}

int custos_backend_init(custos_backend *be, unsigned int version)
{
	int rc;

	if (!be)
		return cu_null_arg("custos_backend_init", "be");
	if ((rc = cu_check_version(version, CUSTOS_BACKEND_VERSION, "custos_backend")))
		return rc;
	memset(be, 0, backend_size(version));
	be->version = version;
	return CUSTOS_OK;
}

int custos_backend_open(custos_backend **out, const char *uri, const custos_db_options *opts)
{
	int rc;

	if (!out)
		return cu_null_arg("custos_backend_open", "out");
	*out = NULL;
	if (!uri)
		return cu_null_arg("custos_backend_open", "uri");
	if (opts && (rc = cu_check_version(opts->version, CUSTOS_DB_OPTIONS_VERSION, "custos_db_options")))
		return rc;
	if ((rc = cu_crypto_init()))
		return rc;
	return cu_backend_from_uri(out, uri, opts);
}

void custos_backend_free(custos_backend *be)
{
	if (be && be->free)
		be->free(be);
}
