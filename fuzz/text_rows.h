// Shared body of the JSON / JSON Lines / CSV fuzz targets: open the bytes with `open`, read every
// row and serialise it. Any outcome but rows or a lighteval::Error (a crash, a sanitizer report,
// another exception type) is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/rows.h"
#include "util/error.h"

template <typename Open>
int fuzz_text_rows(const uint8_t* data, size_t size, Open open) {
  try {
    auto reader = open(std::string(reinterpret_cast<const char*>(data), size));
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
