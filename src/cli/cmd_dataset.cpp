// `lighteval dataset`: look at the rows a task would read, from a Hub dataset or a local path.
//   lighteval dataset show REPO_OR_PATH [--subset S] [--split T] [--rows N] [--revision R]
//   lighteval dataset splits REPO_OR_PATH [--subset S] [--revision R]
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "data/dataset.h"
#include "util/error.h"

namespace lighteval::cli {

int cmd_dataset(int argc, char** argv) {
  CLI::App app{"Show the rows of a dataset split (a Hugging Face Hub dataset id, a local directory in the Hub's "
               "or the parquet export's layout, or a local .parquet/.jsonl/.json/.csv file)."};
  app.name("lighteval dataset");
  app.require_subcommand(1);

  std::string source, subset, split, revision;
  long long rows = -1;
  auto* show = app.add_subcommand("show", "print the rows of a split as JSON lines, keys in schema order");
  show->add_option("REPO_OR_PATH", source, "Hub dataset id or local path")->required();
  show->add_option("--subset,--config", subset, "subset (config) name; default: the dataset's default subset");
  show->add_option("--split", split, "split name; default: the subset's first split (train if present)");
  show->add_option("--rows,-n", rows, "print at most N rows (default: all)")->check(CLI::NonNegativeNumber);
  show->add_option("--revision", revision,
                   "branch, tag or commit (default: the refs/convert/parquet export, else main)");

  auto* splits = app.add_subcommand("splits", "list the subsets and their splits");
  splits->add_option("REPO_OR_PATH", source, "Hub dataset id or local path")->required();
  splits->add_option("--subset,--config", subset, "only this subset");
  splits->add_option("--revision", revision, "branch, tag or commit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    throw UsageError(std::string(e.what()) + " (see 'lighteval dataset --help')");
  }

  if (*show) {
    if (split.empty()) {
      auto names = data::list_splits(source, subset, revision);
      if (names.empty()) throw Error("dataset '" + source + "' has no split");
      split = names.front();
    }
    long long printed = 0;
    if (rows == 0) return 0;
    data::for_each_row(
        source, subset, split,
        [&](const Json& row) {
          std::string line = row.dump(-1, ' ', false, Json::error_handler_t::replace);
          line += '\n';
          std::fwrite(line.data(), 1, line.size(), stdout);
          return rows < 0 || ++printed < rows;
        },
        revision);
    std::fflush(stdout);
    return 0;
  }
  std::vector<std::string> subsets = subset.empty() ? data::list_subsets(source, revision)
                                                    : std::vector<std::string>{subset};
  for (const auto& s : subsets) {
    std::string line = s + ":";
    for (const auto& sp : data::list_splits(source, s, revision)) line += " " + sp;
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

}  // namespace lighteval::cli
