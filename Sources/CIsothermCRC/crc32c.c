#include "isotherm_crc32c.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int isotherm_crc32c_hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") ? 1 : 0;
}

// Three independent streams would hide the instruction's 3-cycle latency; the log checksums
// compressed frames of a few dozen KiB, where one stream at 8 bytes a cycle/3 is already far
// faster than LZ4, so the simple loop is kept.
__attribute__((target("sse4.2")))
uint32_t isotherm_crc32c_hardware(uint32_t crc, const void *bytes, size_t count) {
    const unsigned char *p = (const unsigned char *)bytes;
    uint64_t c = (uint32_t)~crc;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = _mm_crc32_u64(c, word);
        p += 8;
        count -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (count > 0) {
        c32 = _mm_crc32_u8(c32, *p);
        p += 1;
        count -= 1;
    }
    return ~c32;
}

#else

int isotherm_crc32c_hardware_available(void) { return 0; }

uint32_t isotherm_crc32c_hardware(uint32_t crc, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return crc;  // never called: hardware_available() is 0
}

#endif
