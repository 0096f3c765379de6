/* Under the 'sanitize' test setup the build must really be instrumented: this fails when
 * CUSTOS_EXPECT_SANITIZER is set but AddressSanitizer was not compiled in. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
#if defined(__SANITIZE_ADDRESS__)
	puts("AddressSanitizer is active");
	return 0;
#else
	if (getenv("CUSTOS_EXPECT_SANITIZER")) {
		fputs("the sanitize setup runs a build without AddressSanitizer: configure with "
		      "-Db_sanitize=address,undefined\n", stderr);
		return 1;
	}
	return 0;
#endif
}
