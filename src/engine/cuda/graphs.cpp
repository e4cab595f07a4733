#include "engine/cuda/graphs.h"

#include <algorithm>
#include <cstring>

namespace lighteval::engine::cuda {

Graphs::~Graphs() {
  if (mode_ == Mode::capture) abort();
  for (auto& [k, g] : graphs_) destroy(g);
  destroy(building_);
}

void Graphs::destroy(Graph& g) {
  if (g.copied) cudaEventSynchronize(g.copied);
  if (g.exec) cudaGraphExecDestroy(g.exec);
  if (g.dev) cudaFree(g.dev);
  if (g.host) cudaFreeHost(g.host);
  if (g.copied) cudaEventDestroy(g.copied);
  g = Graph{};
}

Graphs::Mode Graphs::begin(uint64_t key) {
  key_ = key;
  failed_ = false;
  cursor_ = 0;
  if (!seen_.count(key)) {
    seen_.insert(key);
    return mode_ = Mode::eager;
  }
  auto it = graphs_.find(key);
  if (it != graphs_.end()) {
    // The previous upload of this graph's arguments must be done reading the pinned mirror.
    cudaEventSynchronize(it->second.copied);
    return mode_ = Mode::replay;
  }
  // Capture: the argument arena is allocated before the capture starts.
  Graph g;
  if (cudaMalloc(&g.dev, kArenaInts * 4) != cudaSuccess || cudaMallocHost(&g.host, kArenaInts * 4) != cudaSuccess ||
      cudaEventCreateWithFlags(&g.copied, cudaEventDisableTiming) != cudaSuccess ||
      cudaStreamBeginCapture(stream_, cudaStreamCaptureModeRelaxed) != cudaSuccess) {
    cudaGetLastError();
    destroy(g);
    return mode_ = Mode::eager;  // no graph this time; the forward runs as usual
  }
  building_ = g;
  return mode_ = Mode::capture;
}

const int32_t* Graphs::args(std::span<const int32_t> host) {
  const size_t n = host.size();
  Graph* g = nullptr;
  Slot slot;
  if (mode_ == Mode::capture) {
    g = &building_;
    // Room to grow: attention layouts get longer as sequences grow (more context spans).
    slot = {g->used, std::max<size_t>(2 * n, n + 256)};
    if (slot.offset + slot.capacity > kArenaInts) {
      failed_ = true;
      return g->dev;  // never launched: the capture is discarded at end()
    }
    g->used += slot.capacity;
    g->slots.push_back(slot);
  } else {
    g = &graphs_.at(key_);
    if (cursor_ >= g->slots.size() || n > g->slots[cursor_].capacity) {
      failed_ = true;
      return g->dev;  // nothing is launched in replay mode
    }
    slot = g->slots[cursor_++];
  }
  if (n) std::memcpy(g->host + slot.offset, host.data(), n * 4);
  return g->dev + slot.offset;
}

bool Graphs::launch(Graph& g) {
  return cudaMemcpyAsync(g.dev, g.host, g.used * 4, cudaMemcpyHostToDevice, stream_) == cudaSuccess &&
         cudaEventRecord(g.copied, stream_) == cudaSuccess && cudaGraphLaunch(g.exec, stream_) == cudaSuccess;
}

bool Graphs::end() {
  const Mode m = mode_;
  mode_ = Mode::eager;
  if (m == Mode::eager) return true;
  if (m == Mode::capture) {
    cudaGraph_t graph = nullptr;
    const bool captured = cudaStreamEndCapture(stream_, &graph) == cudaSuccess && graph;
    bool ok = captured && !failed_ &&
              cudaGraphInstantiate(&building_.exec, graph, 0) == cudaSuccess;
    if (graph) cudaGraphDestroy(graph);
    if (ok) ok = launch(building_);
    if (!ok) {
      cudaGetLastError();
      destroy(building_);
      return false;  // nothing ran: the caller runs the forward eagerly
    }
    graphs_[key_] = building_;
    building_ = Graph{};
    return true;
  }
  Graph& g = graphs_.at(key_);
  if (failed_ || cursor_ != g.slots.size() || !launch(g)) {
    cudaGetLastError();
    destroy(g);
    graphs_.erase(key_);
    seen_.erase(key_);  // warm up again before the next capture
    return false;
  }
  return true;
}

void Graphs::abort() {
  if (mode_ == Mode::capture) {
    cudaGraph_t graph = nullptr;
    cudaStreamEndCapture(stream_, &graph);
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    destroy(building_);
  }
  mode_ = Mode::eager;
}

void Graphs::clear() {
  if (mode_ != Mode::eager) failed_ = true;
  for (auto it = graphs_.begin(); it != graphs_.end();) {
    if (mode_ == Mode::replay && it->first == key_) {  // end() drops it
      ++it;
      continue;
    }
    destroy(it->second);
    it = graphs_.erase(it);
  }
  seen_.clear();
}

}  // namespace lighteval::engine::cuda
