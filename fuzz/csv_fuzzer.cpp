// libFuzzer target: arbitrary bytes as a CSV file. Any outcome but rows or a lighteval::Error
// (a crash, a sanitizer report, another exception type) is a bug.
// fuzz-modules: formats
#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/rows.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto reader = lighteval::formats::open_csv_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz.csv");
    (void)reader->column_names();
    lighteval::Json row;
    while (reader->next(row)) {
      // Rows from valid JSON always dump; a throw here would escape as a bug.
      (void)row.dump(-1, ' ', false, lighteval::Json::error_handler_t::replace);
    }
  } catch (const lighteval::Error&) {
  }
  return 0;
}
