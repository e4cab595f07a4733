// lighteval score: log-likelihoods of (context, continuation) pairs from a JSON Lines file, with
// exactly the tokenization and scoring of loglikelihood requests. One output line per input line,
// in input order: {"logprob": float, "is_greedy": bool, "num_tokens": int} (num_tokens = scored
// continuation tokens).
#include <fstream>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "backends/factory.h"
#include "backends/model_args.h"
#include "cli/commands.h"
#include "cli/eval_options.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::cli {

int cmd_score(int argc, char** argv) {
  CLI::App app("Score {\"context\", \"continuation\"} JSON lines with a model; prints one JSON line per request.",
               "score");
  std::string model_args, input;
  app.add_option("model_args,--model_args,--model-args", model_args, "model arguments: 'pretrained=<id or dir>,...'");
  app.add_option("--input", input, "JSON Lines file of {\"context\": ..., \"continuation\": ...} ('-' = stdin)");
  if (parse_or_throw(app, argc, argv)) return 0;
  if (model_args.empty()) throw UsageError("--model_args is required (e.g. 'pretrained=gpt2')");
  if (input.empty()) throw UsageError("--input is required (a JSON Lines file, or - for stdin)");

  std::ifstream file;
  if (input != "-") {
    file.open(input);
    if (!file) throw Error("cannot open --input file " + input);
  }
  std::istream& in = input == "-" ? std::cin : file;
  std::vector<backends::LoglikelihoodRequest> requests;
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Json j;
    try {
      j = Json::parse(line);
    } catch (const std::exception&) {
      throw Error(input + ":" + std::to_string(line_no) + ": not valid JSON");
    }
    if (!j.is_object() || !j.contains("context") || !j.contains("continuation") || !j["context"].is_string() ||
        !j["continuation"].is_string())
      throw Error(input + ":" + std::to_string(line_no) +
                  ": expected an object with string fields \"context\" and \"continuation\"");
    requests.push_back({j["context"].get<std::string>(), j["continuation"].get<std::string>()});
  }
  const auto args = backends::parse_model_args(model_args);
  if (args.kind != backends::BackendKind::native)
    throw UsageError("lighteval score needs the native engine: --model_args 'pretrained=<id or dir>,...'");
  auto model = backends::make_model(args);
  const auto results = model->loglikelihood(requests);
  for (const auto& r : results) {
    Json o;
    o["logprob"] = r.logprob;
    o["is_greedy"] = r.is_greedy;
    o["num_tokens"] = r.continuation_tokens.size();
    std::cout << o.dump() << '\n';
  }
  std::cout.flush();
  return 0;
}

}  // namespace lighteval::cli
