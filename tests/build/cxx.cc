// The public headers must compile as C++ with every warning an error.
#include "custos.h"
#include "custos/sys/backend.h"

int main()
{
	custos_db_options o = CUSTOS_DB_OPTIONS_INIT;
	custos_backend b = CUSTOS_BACKEND_INIT;
	(void)b;
	return o.version == CUSTOS_DB_OPTIONS_VERSION ? 0 : 1;
}
