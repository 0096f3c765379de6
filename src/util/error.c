/*
 * util/error.c — the thread-local error slot and the static code tables.
 * Holds no other state; messages are formatted here, never composed from secrets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "custos/sys/backend.h"
#include "util/error.h"

#define CU_MSG_MAX 512

static _Thread_local int tls_code;
static _Thread_local char tls_msg[CU_MSG_MAX];

static const struct {
	int code;
	const char *name;
	const char *text;
} codes[] = {
	{ CUSTOS_OK, "CUSTOS_OK", "no error" },
	{ CUSTOS_ERROR, "CUSTOS_ERROR", "unexpected error" },
	{ CUSTOS_EINVALID, "CUSTOS_EINVALID", "invalid argument" },
	{ CUSTOS_ENOTFOUND, "CUSTOS_ENOTFOUND", "not found" },
	{ CUSTOS_EEXISTS, "CUSTOS_EEXISTS", "already exists" },
	{ CUSTOS_EDENIED, "CUSTOS_EDENIED", "permission denied" },
	{ CUSTOS_EAUTH, "CUSTOS_EAUTH", "stored data failed authentication (tampered or corrupted)" },
	{ CUSTOS_EKEY, "CUSTOS_EKEY", "wrong passphrase or key" },
	{ CUSTOS_ESTATE, "CUSTOS_ESTATE", "not allowed in the current state" },
	{ CUSTOS_EFULL, "CUSTOS_EFULL", "no space left" },
	{ CUSTOS_EBUSY, "CUSTOS_EBUSY", "resource busy" },
	{ CUSTOS_ECORRUPT, "CUSTOS_ECORRUPT", "stored data is corrupt" },
	{ CUSTOS_EVERSION, "CUSTOS_EVERSION", "unsupported version" },
	{ CUSTOS_ENOTSUPPORTED, "CUSTOS_ENOTSUPPORTED", "not supported" },
	{ CUSTOS_ENOMEM, "CUSTOS_ENOMEM", "out of memory" },
	{ CUSTOS_EIO, "CUSTOS_EIO", "input/output error" },
	{ CUSTOS_EBACKEND, "CUSTOS_EBACKEND", "storage backend error" },
	{ CUSTOS_EUSER, "CUSTOS_EUSER", "stopped by a callback" },
	{ CUSTOS_ETOOBIG, "CUSTOS_ETOOBIG", "too many changes for one transaction" },
	{ CUSTOS_ECONFLICT, "CUSTOS_ECONFLICT", "changed by another writer" },
	{ CUSTOS_ESUPPRESSED, "CUSTOS_ESUPPRESSED", "an erased customer's value" },
	{ CUSTOS_ITEROVER, "CUSTOS_ITEROVER", "no more items" },
};

static int find_code(int code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code == code)
			return (int)i;
	return -1;
}

const char *custos_strerror(int code)
{
	int i = find_code(code);
	return i < 0 ? "unknown error code" : codes[i].text;
}

const char *custos_error_name(int code)
{
	int i = find_code(code);
	return i < 0 ? "CUSTOS_UNKNOWN" : codes[i].name;
}

const char *custos_error_last(void)
{
	return tls_code == CUSTOS_OK ? "no error" : tls_msg;
}

int custos_error_last_code(void)
{
	return tls_code;
}

void custos_error_clear(void)
{
	tls_code = CUSTOS_OK;
	tls_msg[0] = '\0';
}

int cu_err(int code, const char *fmt, ...)
{
	va_list ap;

	tls_code = code;
	va_start(ap, fmt);
	vsnprintf(tls_msg, sizeof tls_msg, fmt, ap);
	va_end(ap);
	return code;
}

int cu_err_oom(void)
{
	static const char oom[] = "out of memory";

	tls_code = CUSTOS_ENOMEM;
	memcpy(tls_msg, oom, sizeof oom);
	return CUSTOS_ENOMEM;
}

void cu_err_prefix(const char *fmt, ...)
{
	char prefix[128];
	size_t pn, mn;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	pn = strlen(prefix);
	mn = strnlen(tls_msg, CU_MSG_MAX - 1);
	if (mn > CU_MSG_MAX - 1 - pn)
		mn = CU_MSG_MAX - 1 - pn;  /* keep the prefix, cut the end of the message */
	memmove(tls_msg + pn, tls_msg, mn);
	memcpy(tls_msg, prefix, pn);
	tls_msg[pn + mn] = '\0';
}

void cu_err_save(cu_err_saved *s)
{
	s->code = tls_code;
	memcpy(s->msg, tls_msg, sizeof s->msg);
}

void cu_err_restore(const cu_err_saved *s)
{
	tls_code = s->code;
	memcpy(tls_msg, s->msg, sizeof s->msg);
}

int custos_error_set(int code, const char *message)
{
	if (code >= 0)
		code = CUSTOS_ERROR;
	return cu_err(code, "%s", message ? message : custos_strerror(code));
}
