#ifndef ISOTHERM_CRC32C_H
#define ISOTHERM_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has a CRC-32C instruction the library uses (x86-64 SSE 4.2), else 0.
int isotherm_crc32c_hardware_available(void);

/// CRC-32C of `bytes` continuing from `crc` (0 to start), with the CPU's CRC-32C instruction.
/// Call only when isotherm_crc32c_hardware_available() returns 1.
uint32_t isotherm_crc32c_hardware(uint32_t crc, const void *bytes, size_t count);

#endif
