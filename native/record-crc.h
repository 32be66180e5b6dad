// CRC32C (Castagnoli) of a durable log's records, a whole batch per call, with
// the CPU's CRC32C instruction. The record layout is the log's (api/log/format.ts):
// [crc u32 LE][size u32 LE = 8 + payload length][payload], back to back; a
// record's CRC covers its size field and payload and continues from
// (LSN mod 2^32), the LSNs of a run of records being consecutive.
#pragma once

#include <napi.h>

namespace uring_loop {

// The `records` object exported by the addon:
//   seal(buf, start, end, firstLsn): writes the CRC of each record in
//     buf[start, end) into its header; the number of records, -EINVAL if the
//     size fields do not tile the range exactly (nothing is written then), or
//     -ENOTSUP where the CPU has no CRC32C instruction (the caller then uses
//     its CRC32C library record by record).
Napi::Object RecordCrcExports(Napi::Env env);

}  // namespace uring_loop
