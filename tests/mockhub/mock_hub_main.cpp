// mock_hub_server: runs the mock Hub until SIGINT/SIGTERM. The first stdout line is the port.
#include <csignal>
#include <cstdio>
#include <cstring>

#include "mock_hub.h"

namespace {
lighteval::mockhub::MockHub* g_hub = nullptr;
void on_signal(int) {
  if (g_hub) g_hub->stop();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))) {
    std::printf(
        "usage: mock_hub_server --root DIR [--port N] [--dataset-main-root DIR] [--token T]\n"
        "         [--private TYPE/REPO] [--gated TYPE/REPO] [--rename OLD=NEW] [--tag NAME]\n"
        "         [--page-size N] [--cdn-host HOST] [--fault SPEC]...\n"
        "Serves DIR/models/{repo} (main branches) and DIR/datasets/{repo}/{config}/{split}/*.parquet\n"
        "(refs/convert/parquet) as a Hugging Face Hub on 127.0.0.1. Prints the port on the first line.\n"
        "SPEC: status=500,times=3,path=/resolve/,method=GET,cut=1000,delay=50,code=EntryNotFound\n"
        "Control: GET /_mock/stats, POST /_mock/fault (JSON: path_contains, method, status, error_code,\n"
        "cut_after, delay_ms, times), GET /_mock/reset.\n");
    return 0;
  }
  try {
    std::vector<lighteval::mockhub::Fault> faults;
    int port = 0;
    auto opts = lighteval::mockhub::parse_options(argc, argv, faults, port);
    lighteval::mockhub::MockHub hub(opts);
    for (const auto& f : faults) hub.add_fault(f);
    g_hub = &hub;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    int bound = hub.start(port);
    std::printf("%d\n", bound);
    std::fflush(stdout);
    hub.wait();
    g_hub = nullptr;
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mock_hub_server: error: %s\n", e.what());
    return 2;
  }
}
