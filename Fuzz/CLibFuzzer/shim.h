// libFuzzer's driver, for a program that has its own main. It lives in the compiler runtime
// (libclang_rt.fuzzer), which `-sanitize=fuzzer` links: no library to name here.
#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer with the command line `argc`/`argv` and the per-input callback `callback`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
