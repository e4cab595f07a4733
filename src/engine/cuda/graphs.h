// engine/cuda/graphs: CUDA graphs for forwards that repeat with the same shape (decode steps), so
// a step costs one graph launch instead of hundreds of kernel launches. Internal to engine/cuda.
//
// A key (the caller's name for a shape, e.g. "decode, 37 rows") goes through three stages:
//   1. first forward: eager (the buffers and work areas get their final sizes);
//   2. second forward: captured on the stream into a graph (nothing runs during capture), then
//      launched;
//   3. later forwards: replayed. The ops do not launch anything: they only write their host-side
//      arguments (token ids, positions, attention layout: everything the backend uploads through
//      `args()`) into the graph's argument slots, which end() copies to the device in one transfer
//      before launching the graph.
// The argument slots are fixed device addresses chosen at capture, with room to grow; a replay
// whose arguments no longer fit (more context spans than the slot holds, a different sequence of
// ops) runs nothing and end() reports it, the graph is dropped, and the caller runs the forward
// again eagerly. Any freed device buffer could be an address a graph holds: clear() drops all.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <vector>

namespace lighteval::engine::cuda {

class Graphs {
 public:
  enum class Mode { eager, capture, replay };

  explicit Graphs(cudaStream_t stream) : stream_(stream) {}
  ~Graphs();
  Graphs(const Graphs&) = delete;
  Graphs& operator=(const Graphs&) = delete;

  // Starts a forward under `key` and returns the stage it is in.
  Mode begin(uint64_t key);
  // Ends it. Capture: instantiate and launch. Replay: upload the arguments and launch, or (when
  // they did not fit) drop the graph and return false: nothing ran, run the forward again.
  bool end();
  // Leaves graph mode after an error (ends a capture, discards it).
  void abort();
  Mode mode() const { return mode_; }
  // Device copy of `host` for a kernel argument in capture/replay mode (eager callers use their
  // own upload path).
  const int32_t* args(std::span<const int32_t> host);
  // Something the graph would depend on changed (a buffer was freed or grown): drop every graph.
  // In capture/replay mode the forward in flight is marked failed as well.
  void clear();
  void fail() { failed_ = true; }

 private:
  struct Slot {
    size_t offset = 0;    // in int32 elements from the arena start
    size_t capacity = 0;
  };
  struct Graph {
    cudaGraphExec_t exec = nullptr;
    int32_t* dev = nullptr;   // argument arena on the device
    int32_t* host = nullptr;  // pinned mirror, copied to `dev` before each launch
    size_t used = 0;          // elements of the arena in use
    std::vector<Slot> slots;
    cudaEvent_t copied = nullptr;  // the last arena upload has been read from `host`
  };
  static constexpr size_t kArenaInts = size_t(1) << 18;  // 1 MiB of arguments per graph
  void destroy(Graph& g);
  bool launch(Graph& g);

  cudaStream_t stream_;
  Mode mode_ = Mode::eager;
  uint64_t key_ = 0;
  bool failed_ = false;
  size_t cursor_ = 0;           // next slot (replay)
  Graph building_;              // the graph being captured
  std::map<uint64_t, Graph> graphs_;
  std::set<uint64_t> seen_;     // keys that ran once eagerly
};

}  // namespace lighteval::engine::cuda
