// engine/language_model: what a model definition gives the schedulers: a forward pass over a
// ForwardBatch (packed sequences, prefix trees, or decode steps against a KV cache) that returns
// logits only for the requested rows. Model definitions (src/model) implement it on a Backend.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/backend.h"

namespace lighteval::engine {

struct ForwardBatch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> positions;    // absolute position of each row in its sequence
  std::vector<AttnSegment> segments; // cover the rows; see AttnSegment
  std::vector<int32_t> kv_rows;      // KV-store row where each batch row's key/value go
  std::vector<int32_t> output_rows;  // rows whose logits are wanted, in output order
};

// Per-layer key/value stores of `rows` rows of width kv_dim, in the backend's activation dtype. With shared_layers every layer uses the
// same store: enough for a forward that needs no cache afterwards (scoring), since layer l's keys
// are dead once layer l's attention is done.
class KvCache {
 public:
  KvCache(Backend& be, int n_layers, int rows, int kv_dim, bool shared_layers)
      : rows_(rows), shared_(shared_layers) {
    const int stores = shared_layers ? 1 : n_layers;
    for (int i = 0; i < stores; ++i) {
      k_.push_back(DeviceBuffer::activation(be, static_cast<size_t>(rows) * kv_dim));
      v_.push_back(DeviceBuffer::activation(be, static_cast<size_t>(rows) * kv_dim));
    }
  }
  float* k(int layer) { return k_[shared_ ? 0 : layer].get(); }
  float* v(int layer) { return v_[shared_ ? 0 : layer].get(); }
  int rows() const { return rows_; }

 private:
  int rows_;
  bool shared_;
  std::vector<DeviceBuffer> k_, v_;
};

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;
  virtual Backend& backend() = 0;
  virtual int vocab_size() const = 0;
  virtual int n_layers() const = 0;
  virtual int kv_dim() const = 0;  // n_kv_heads * head_dim
  // Hard limit of positions (learned position embeddings); nullopt for RoPE models.
  virtual std::optional<int> position_limit() const = 0;
  // Runs the batch; `logits` receives [output_rows.size(), vocab_size] on the backend's device.
  virtual void forward(const ForwardBatch& batch, KvCache& kv, DeviceBuffer& logits) = 0;
  // Bytes of activations per batch row (for token budgets), excluding KV.
  virtual size_t activation_bytes_per_row() const = 0;
};

}  // namespace lighteval::engine
