// Test helper: dataset rows in the Hugging Face schema read from the raw source files in
// ../shared/assets/raw (the files the Hub mirror's parquet was built from), so the tasks tests
// do not depend on the data module.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tasks/prepare.h"
#include "util/json.h"

namespace lighteval::tasks::testing {

// ai2_arc/ARC-Challenge {train,validation,test}, gsm8k/main {train,test},
// truthful_qa/multiple_choice/validation. A subset suffix "_firstN" keeps the first N rows.
std::vector<Json> raw_rows(const std::string& repo, const std::string& subset, const std::string& split);
RowLoader raw_row_loader();

// Checks prepared docs against a reference case of tests/fixtures/tasks/*.json (written by the
// scripts in scripts/fixtures): same order (seed, doc, spec), sample ids, contexts, choices, golds.
void expect_prepared_matches(const PreparedTask& got, const Json& ref_case);

}  // namespace lighteval::tasks::testing
