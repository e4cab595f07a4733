// `lighteval tokenize`: encode the "text" field of each JSON line with a model's tokenizer.
//   lighteval tokenize --tokenizer REPO_OR_PATH --input FILE.jsonl [--no_special_tokens] [--decode]
//                      [--revision R]
// Prints one JSON object per input line: {"ids": [...]} and, with --decode,
// {"ids": [...], "decoded": "..."} where decoded = decode(ids) keeping special tokens.
// REPO_OR_PATH is a local directory, else a Hub model id whose tokenizer files are downloaded
// (or read from the cache) as huggingface_hub would. FILE "-" reads standard input.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "hub/hub.h"
#include "tokenizer/tokenizer.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::cli {

namespace {

std::filesystem::path resolve_tokenizer_dir(const std::string& repo_or_path, const std::string& revision) {
  std::error_code ec;
  if (std::filesystem::is_directory(repo_or_path, ec)) return repo_or_path;
  if (std::filesystem::exists(repo_or_path, ec))
    throw UsageError("--tokenizer " + repo_or_path + " is a file; give the directory that holds tokenizer.json");
  if (repo_or_path.empty() || repo_or_path.find("..") != std::string::npos || repo_or_path[0] == '/' ||
      repo_or_path[0] == '.')
    throw UsageError("--tokenizer " + repo_or_path + ": no such directory, and not a Hub repo id (org/name)");
  hub::HubClient client;
  return client.snapshot_download(repo_or_path, hub::RepoType::model, revision,
                                  {"tokenizer.json", "tokenizer.model", "vocab.json", "merges.txt",
                                   "tokenizer_config.json", "special_tokens_map.json", "generation_config.json",
                                   "config.json", "chat_template.jinja", "chat_template.json"});
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  CLI::App app{"Encode the \"text\" field of each line of a JSON-lines file with a model's tokenizer and print "
               "one {\"ids\": [...]} object per line (with --decode, also \"decoded\")."};
  app.name("lighteval tokenize");
  std::string tokenizer, input, revision = "main";
  bool no_special = false, decode = false;
  app.add_option("--tokenizer", tokenizer, "local directory or Hub model id")->required();
  app.add_option("--input", input, "JSON-lines file with a \"text\" field per line ('-' = stdin)")->required();
  app.add_flag("--no_special_tokens,--no-special-tokens", no_special,
               "do not add the special tokens (BOS/EOS template) of the tokenizer");
  app.add_flag("--decode", decode, "also print decode(ids), special tokens kept");
  app.add_option("--revision", revision, "Hub branch, tag or commit (default: main)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    throw UsageError(std::string(e.what()) + " (see 'lighteval tokenize --help')");
  }

  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input, std::ios::binary);
    if (!file) throw Error("cannot read --input " + input + "; check the path");
    in = &file;
  }
  auto tok = tokenizer::Tokenizer::from_directory(resolve_tokenizer_dir(tokenizer, revision));

  std::string line;
  size_t lineno = 0;
  while (std::getline(*in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines carry no record
    Json row = Json::parse(line, nullptr, false);
    if (row.is_discarded())
      throw Error(input + ":" + std::to_string(lineno) + ": not valid JSON; each line must be one JSON object");
    if (!row.is_object() || !row.contains("text") || !row["text"].is_string())
      throw Error(input + ":" + std::to_string(lineno) + ": the object has no string field \"text\"");
    auto ids = tok->encode(row["text"].get_ref<const std::string&>(), !no_special);
    Json out = Json::object();
    out["ids"] = ids;
    if (decode) out["decoded"] = tok->decode(ids, false);
    std::string s = out.dump(-1, ' ', false, Json::error_handler_t::replace);
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), stdout);
  }
  if (in->bad()) throw Error("error while reading --input " + input);
  return 0;
}

}  // namespace lighteval::cli
