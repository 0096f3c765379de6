/*
 * api/names.c — the names of the small enumerations that cross the API (scopes,
 * visibilities, audit actions, grant changes), both ways, so bindings need no macros.
 */
#include <string.h>

#include "api/api.h"

static const char *const scope_names[] = { NULL, "own", "team", "all" };
static const char *const visibility_names[] = { "hidden", "masked", "clear" };
static const char *const action_names[] = {
	NULL, "create", "update", "read", "find", "list", "count", "deny", "grant", "reassign", "schema", "keys",
	"audit", "dropped", "event", "timeline", "history", "consent", "consent_list", "lifecycle", "erase",
	"maintain", "export",
};
static const char *const grant_names[] = {
	NULL, "principal_created", "role_changed", "team_changed", "disabled", "enabled", "team_created", "role_created",
};

#define LAST(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

int cu_parse_name(int *out, const char *name, const char *const *names, int lo, int hi, const char *what)
{
	if (!out)
		return cu_null_arg(what, "out");
	if (!name)
		return cu_null_arg(what, "name");
	for (int i = lo; i <= hi; i++)
		if (names[i] && !strcmp(names[i], name)) {
			*out = i;
			return CUSTOS_OK;
		}
	return cu_err(CUSTOS_EINVALID, "%s: '%.64s' is not a known name", what, name);
}

static const char *name_of(const char *const *names, int lo, int hi, int value)
{
	return value >= lo && value <= hi ? names[value] : NULL;
}

const char *custos_scope_name(int scope)
{
	return name_of(scope_names, CUSTOS_SCOPE_OWN, LAST(scope_names), scope);
}

int custos_scope_parse(int *out, const char *name)
{
	return cu_parse_name(out, name, scope_names, CUSTOS_SCOPE_OWN, LAST(scope_names), "custos_scope_parse");
}

const char *custos_visibility_name(int visibility)
{
	return name_of(visibility_names, 0, LAST(visibility_names), visibility);
}

int custos_visibility_parse(int *out, const char *name)
{
	return cu_parse_name(out, name, visibility_names, 0, LAST(visibility_names), "custos_visibility_parse");
}

const char *custos_audit_action_name(int action)
{
	return name_of(action_names, CUSTOS_AUDIT_CREATE, LAST(action_names), action);
}

int custos_audit_action_parse(int *out, const char *name)
{
	return cu_parse_name(out, name, action_names, CUSTOS_AUDIT_CREATE, LAST(action_names), "custos_audit_action_parse");
}

const char *custos_grant_change_name(int change)
{
	return name_of(grant_names, CUSTOS_GRANT_PRINCIPAL_CREATED, LAST(grant_names), change);
}

int custos_grant_change_parse(int *out, const char *name)
{
	return cu_parse_name(out, name, grant_names, CUSTOS_GRANT_PRINCIPAL_CREATED, LAST(grant_names),
		"custos_grant_change_parse");
}

size_t custos_class_count(void) { return CUSTOS_CLASS_COUNT; }
size_t custos_audit_hash_bytes(void) { return CUSTOS_AUDIT_HASH_BYTES; }
