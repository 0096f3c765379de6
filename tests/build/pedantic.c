/* The public headers must compile as strict C99 with every warning an error. */
#include "custos.h"
#include "custos/sys/backend.h"

int main(void)
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_field_options f = CUSTOS_FIELD_OPTIONS_INIT;
	custos_list_options l = CUSTOS_LIST_OPTIONS_INIT;
	custos_backend b = CUSTOS_BACKEND_INIT;
	custos_buf buf = CUSTOS_BUF_INIT;

	(void)f;
	(void)l;
	(void)b;
	(void)buf;
	return o.version == CUSTOS_DB_OPTIONS_VERSION && CUSTOS_VERSION_NUMBER > 0 ? 0 : 1;
}
