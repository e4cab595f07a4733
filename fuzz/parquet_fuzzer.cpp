// libFuzzer target: arbitrary bytes as a parquet file. Any outcome but rows or a lighteval::Error
// (a crash, a sanitizer report, another exception type) is a bug.
// fuzz-modules: formats
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/parquet_reader.h"
#include "formats/rows.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lighteval::formats::ParquetReadLimits limits;
  limits.max_slots_per_column_chunk = 1 << 20;  // keep forged row counts within the fuzzer's memory
  try {
    auto reader = lighteval::formats::open_parquet_bytes(std::string(reinterpret_cast<const char*>(data), size),
                                                         "fuzz.parquet", limits);
    lighteval::Json row;
    size_t rows = 0;
    while (reader->next(row) && rows++ < 100000) (void)row.dump();  // strings must be valid UTF-8
  } catch (const lighteval::Error&) {
  }
  return 0;
}
