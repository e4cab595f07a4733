// Readers for the tokenizer fixtures written by scripts/fixtures/make_tokenizer_refs.py.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "util/json.h"

namespace lighteval::tokenizer::testing {

std::string read_gzip(const std::filesystem::path& p);
// corpus.bin.gz: [uint32 LE length][bytes] records.
std::vector<std::string> read_corpus(const std::filesystem::path& p);
// FNV-1a 32 over the ids (int32 LE), 0xFF 0xFF, then the decoded bytes (the script's fnv()).
uint32_t line_hash(const std::vector<int32_t>& ids, const std::string& decoded);
// A variant fixture ({"base": name|null, "tokenizer": {...}}): the base's vocab and merges from
// ../shared are put back into the model before loading.
std::unique_ptr<Tokenizer> load_variant(const std::filesystem::path& fixture, const std::filesystem::path& assets);

}  // namespace lighteval::tokenizer::testing
