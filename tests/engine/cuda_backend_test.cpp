// The CUDA backend against the CPU backend (the reference), op by op and per weight dtype, in the
// spirit of ggml's test-backend-ops; then whole models against transformers' fixtures and against
// the CPU engine. Labelled `gpu`: CI compiles it, the GPU machine runs it (scripts/gpu-check.sh).
// Every test skips when this build has no CUDA or no device is visible.
//
// Tolerances: fp32 ops (elementwise, norms, RoPE, attention, fp32 GEMM without TF32) 1e-5 relative
// to the row scale; bf16/fp16 GEMMs are compared with the CPU fed the same rounded inputs, so only
// the summation order differs (1e-4); models: fp32 within 1e-4 of transformers (as on the CPU),
// bf16 within 0.15 nats per token of the fp32 reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "common/test_support.h"
#include "engine/cpu_backend.h"
#include "engine/generator.h"
#include "engine/scorer.h"
#include "model/transformer.h"
#include "util/error.h"
#include "util/json.h"

namespace lighteval::engine {
namespace {

namespace fs = std::filesystem;
using testing::read_json;

std::unique_ptr<Backend> cuda_or_skip_impl(std::string* why) {
  try {
    return make_backend("cuda");
  } catch (const Error& e) {
    *why = e.what();
    return nullptr;
  }
}

#define CUDA_OR_SKIP(var)                               \
  std::string why_##var;                                \
  auto var = cuda_or_skip_impl(&why_##var);             \
  if (!var) GTEST_SKIP() << why_##var;

std::vector<float> random_vec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Round to bf16 / fp16 the way the device does (round to nearest even), on the host.
float round_bf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  u += 0x7fffu + ((u >> 16) & 1u);
  u &= 0xffff0000u;
  std::memcpy(&x, &u, 4);
  return x;
}
float round_f16(float x) {
  // Through _Float16, which rounds to nearest even.
  return static_cast<float>(static_cast<_Float16>(x));
}
std::vector<float> rounded(std::vector<float> v, DType t) {
  if (t != DType::f32)
    for (auto& e : v) e = t == DType::bf16 ? round_bf16(e) : round_f16(e);
  return v;
}
// Output rounding of an activation buffer: half a unit in the last place, relative (2^-9 for
// bf16, 2^-12 for fp16), with room for fp32 summation-order differences.
double storage_tol(DType t) { return t == DType::bf16 ? 4e-3 : t == DType::f16 ? 1e-3 : 1e-5; }

// A host vector on a backend, and back.
struct Dev {
  Backend& be;
  DeviceBuffer buf;
  // act: an activation buffer (the backend's activation dtype; uploads round to it).
  Dev(Backend& b, const std::vector<float>& h, bool act = false)
      : be(b), buf(act ? DeviceBuffer::activation(b, h.size()) : DeviceBuffer(b, h.size())) {
    b.upload(buf.get(), h.data(), h.size());
  }
  Dev(Backend& b, size_t n, bool act = false)
      : be(b), buf(act ? DeviceBuffer::activation(b, n) : DeviceBuffer(b, n)) {}
  float* get() { return buf.get(); }
  std::vector<float> host() {
    std::vector<float> h(buf.size());
    be.download(h.data(), buf.get(), h.size());
    return h;
  }
};

void expect_close(const std::vector<float>& got, const std::vector<float>& want, double rel, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double scale = 1e-6;
  for (float w : want) scale = std::max(scale, static_cast<double>(std::fabs(w)));
  size_t bad = 0;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
    worst = std::max(worst, err / scale);
    if (!(err <= rel * scale)) ++bad;
  }
  EXPECT_EQ(bad, 0u) << what << ": worst relative error " << worst << " (tolerance " << rel << ")";
}

// fp32 buffers, then bf16 and fp16 activation buffers (the CPU fed the same rounded inputs; only
// the rounding of the stored outputs differs). The residual of add_rms_norm stays fp32.
void check_elementwise(Backend& gpu, DType t) {
  CpuBackend cpu(2);
  gpu.set_weight_dtype(t);
  const bool act = t != DType::f32;
  const int m = 37, dim = 320;
  const auto x = rounded(random_vec(m * dim, 1), t), w = random_vec(dim, 2), b = random_vec(dim, 3);
  auto run = [&](Backend& be, const std::string& op) {
    Dev dx(be, x, act), dw(be, w), db(be, b), dy(be, x, act);
    const size_t n = x.size();
    if (op == "add") be.add(dy.get(), dx.get(), n);
    if (op == "gelu_tanh") be.gelu_tanh(dy.get(), n);
    if (op == "gelu_erf") be.gelu_erf(dy.get(), n);
    if (op == "relu") be.relu(dy.get(), n);
    if (op == "layer_norm") be.layer_norm(dy.get(), dx.get(), dw.get(), db.get(), m, dim, 1e-5f);
    if (op == "layer_norm_nobias") be.layer_norm(dy.get(), dx.get(), dw.get(), nullptr, m, dim, 1e-5f);
    if (op == "rms_norm") be.rms_norm(dy.get(), dx.get(), dw.get(), m, dim, 1e-6f);
    if (op == "add_rms_norm") {  // the output over its residual input (y aliases r), x returned after
      Dev dr(be, x.size(), act);
      be.copy(dr.get(), dy.get(), x.size());
      be.add(dr.get(), dx.get(), x.size());  // r = 2x: differs from x
      Dev dxx(be, x);
      be.add_rms_norm(dxx.get(), dr.get(), dr.get(), dw.get(), m, dim, 1e-6f);
      auto out = dr.host(), xs = dxx.host();
      out.insert(out.end(), xs.begin(), xs.end());
      return out;
    }
    if (op == "silu_mul") be.silu_mul(dy.get(), dx.get(), m, dim / 2);
    if (op == "rope") {
      std::vector<int32_t> pos(m);
      for (int i = 0; i < m; ++i) pos[i] = (i * 131) % 4000;  // large angles test the range reduction
      std::vector<float> inv(16);
      for (int j = 0; j < 16; ++j) inv[j] = std::pow(10000.0f, -2.0f * j / 40.0f);
      be.rope(dy.get(), pos, inv, 8, 40, 1.0f);  // partial rotary: 32 of 40 dims
    }
    if (op == "gather") {
      std::vector<int32_t> rows = {5, 0, 36, 5, 17};
      Dev out(be, rows.size() * dim, act);
      be.gather_rows(out.get(), dx.get(), rows, dim);
      return out.host();
    }
    if (op == "scatter") {
      std::vector<int32_t> rows = {3, 1, 30};
      be.scatter_rows(dy.get(), dx.get(), rows, dim);
    }
    return dy.host();
  };
  for (const std::string op : {"add", "gelu_tanh", "gelu_erf", "relu", "layer_norm", "layer_norm_nobias", "rms_norm",
                                "add_rms_norm", "silu_mul", "rope", "gather", "scatter"}) {
    auto got = run(gpu, op), want = run(cpu, op);
    if (op == "silu_mul") {  // only the first m * dim/2 values are outputs
      got.resize(m * dim / 2);
      want.resize(m * dim / 2);
    }
    expect_close(got, want, storage_tol(t), op + " " + dtype_name(t));
  }
  gpu.set_weight_dtype(DType::f32);
}

TEST(CudaOps, ElementwiseNormsRopeMatchCpu) {
  CUDA_OR_SKIP(gpu);
  for (DType t : {DType::f32, DType::bf16, DType::f16}) check_elementwise(*gpu, t);
}

TEST(CudaOps, LinearPerDtypeMatchesCpu) {
  CUDA_OR_SKIP(gpu);
  CpuBackend cpu(2);
  const int m = 45, k = 264, n = 131;  // odd sizes: no shape is a multiple of the tile sizes
  const auto x = random_vec(m * k, 4), w = random_vec(n * k, 5, 0.05f), bias = random_vec(n, 6);
  for (DType t : {DType::f32, DType::bf16, DType::f16}) {
    gpu->set_weight_dtype(t);
    auto rx = x, rw = w;
    if (t != DType::f32)
      for (auto* v : {&rx, &rw})
        for (auto& e : *v) e = t == DType::bf16 ? round_bf16(e) : round_f16(e);
    for (bool with_bias : {false, true}) {
      DeviceBuffer gw = DeviceBuffer::weight(*gpu, w.size());
      gpu->upload_weight(gw.get(), w.data(), w.size());
      Dev gx(*gpu, x), gb(*gpu, bias), gy(*gpu, static_cast<size_t>(m) * n);
      gpu->linear(gy.get(), gx.get(), gw.get(), with_bias ? gb.get() : nullptr, m, k, n);
      Dev cx(cpu, rx), cw(cpu, rw), cb(cpu, bias), cy(cpu, static_cast<size_t>(m) * n);
      cpu.linear(cy.get(), cx.get(), cw.get(), with_bias ? cb.get() : nullptr, m, k, n);
      expect_close(gy.host(), cy.host(), t == DType::f32 ? 1e-5 : 1e-4,
                   std::string("linear ") + dtype_name(t) + (with_bias ? " +bias" : ""));
    }
    // Embedding lookups read the stored (rounded) table.
    DeviceBuffer gt = DeviceBuffer::weight(*gpu, w.size());
    gpu->upload_weight(gt.get(), w.data(), w.size());
    const std::vector<int32_t> ids = {0, 130, 7, 7};
    Dev ge(*gpu, ids.size() * k);
    gpu->embedding(ge.get(), gt.get(), ids, k);
    std::vector<float> want;
    for (int32_t id : ids) want.insert(want.end(), rw.begin() + id * k, rw.begin() + (id + 1) * k);
    expect_close(ge.host(), want, 0.0, std::string("embedding ") + dtype_name(t));
  }
  gpu->set_weight_dtype(DType::f32);
}

// Random packed batches: roots, prefix-tree children with context spans, decode rows against a
// cache, GQA; long segments cross the 64-row tile and the 32/64-key chunk boundaries. fp32 buffers
// take the exact fp32 kernel (1e-5) whatever the weights. With `act`, q/k/v/out are activation
// buffers of dtype t and the CPU gets the same rounded q/k/v: prefill on head_dim 32/64/128 runs
// the tensor-core kernel, whose softmax weights P are rounded to t for P V (tol), the other head
// dims and decode steps the exact kernel reading and writing t (output rounding only).
void check_attention(Backend& gpu, DType t, bool act, double tol) {
  CpuBackend cpu(2);
  gpu.set_weight_dtype(t);
  for (const auto& [n_heads, n_kv, hd] :
       std::vector<std::tuple<int, int, int>>{{4, 4, 16}, {8, 2, 64}, {4, 1, 128}, {2, 2, 40}, {4, 2, 32}}) {
    std::mt19937 rng(hd * 7 + n_kv);
    std::vector<AttnSegment> segs;
    int rows = 0;
    // Root of 150 rows, two children of it, a grandchild, a row with two context spans.
    segs.push_back({rows, 150, rows, {}});
    rows += 150;
    segs.push_back({rows, 70, rows, {{0, 150}}});
    rows += 70;
    segs.push_back({rows, 3, rows, {{0, 150}}});
    rows += 3;
    segs.push_back({rows, 33, rows, {{0, 150}, {150, 220}}});
    rows += 33;
    segs.push_back({rows, 1, rows, {{10, 20}, {100, 140}}});
    rows += 1;
    for (int i = 0; i < 5; ++i) {  // small independent roots
      const int len = 1 + static_cast<int>(rng() % 9);
      segs.push_back({rows, len, rows, {}});
      rows += len;
    }
    const DType stored = act ? t : DType::f32;
    const auto q = rounded(random_vec(static_cast<size_t>(rows) * n_heads * hd, 10 + hd), stored);
    const auto k = rounded(random_vec(static_cast<size_t>(rows) * n_kv * hd, 20 + hd), stored);
    const auto v = rounded(random_vec(static_cast<size_t>(rows) * n_kv * hd, 30 + hd), stored);
    auto run = [&](Backend& be, std::span<const AttnSegment> sg) {
      Dev dq(be, q, act), dk(be, k, act), dv(be, v, act), out(be, std::vector<float>(q.size(), 0.0f), act);
      be.attention(out.get(), dq.get(), dk.get(), dv.get(), sg, n_heads, n_kv, hd, 1.0f / std::sqrt(float(hd)));
      return out.host();
    };
    const std::string what = std::string("attention ") + dtype_name(t) + (act ? " stored" : " fp32 buffers") +
                             " h=" + std::to_string(n_heads) + " kv=" + std::to_string(n_kv) +
                             " hd=" + std::to_string(hd);
    const bool tensor_cores = act && (hd == 32 || hd == 64 || hd == 128);
    expect_close(run(gpu, segs), run(cpu, segs), tensor_cores ? tol : storage_tol(stored), what);
    // Decode steps: one row per sequence against its cache (the exact kernel whatever the dtype).
    std::vector<AttnSegment> dec;
    for (int i = 0; i < 6; ++i) dec.push_back({i, 1, 200 + i, {{i * 30, i * 30 + 25}}});
    expect_close(run(gpu, dec), run(cpu, dec), storage_tol(stored), what + " decode");
  }
  gpu.set_weight_dtype(DType::f32);
}

TEST(CudaOps, AttentionMatchesCpu) {
  CUDA_OR_SKIP(gpu);
  check_attention(*gpu, DType::f32, false, 1e-5);
  check_attention(*gpu, DType::bf16, false, 1e-5);  // fp32 buffers under bf16 weights: exact kernel
}

TEST(CudaOps, TensorCoreAttentionMatchesCpuWithinStorage) {
  CUDA_OR_SKIP(gpu);
  check_attention(*gpu, DType::bf16, true, 1e-2);
  check_attention(*gpu, DType::f16, true, 3e-3);
}

TEST(CudaOps, LogprobGatherAndArgmaxMatchCpu) {
  CUDA_OR_SKIP(gpu);
  CpuBackend cpu(2);
  const int m = 9, vocab = 50257;
  auto logits = random_vec(static_cast<size_t>(m) * vocab, 40, 3.0f);
  // Ties: the first maximum wins (torch.argmax).
  logits[2 * vocab + 100] = 50.0f;
  logits[2 * vocab + 40000] = 50.0f;
  logits[5 * vocab + 0] = 60.0f;
  const std::vector<int32_t> rows = {0, 2, 2, 5, 8, 3};
  const std::vector<int32_t> targets = {17, 100, 40000, 0, 50256, 3};
  auto run = [&](Backend& be, std::vector<double>& lp, std::vector<uint8_t>& g, std::vector<int32_t>& am) {
    Dev d(be, logits);
    lp.resize(rows.size());
    g.resize(rows.size());
    am.resize(m);
    be.logprob_gather(d.get(), rows, targets, vocab, lp.data(), g.data());
    be.argmax_rows(d.get(), m, vocab, am.data());
  };
  std::vector<double> lg, lc;
  std::vector<uint8_t> gg, gc;
  std::vector<int32_t> ag, ac;
  run(*gpu, lg, gg, ag);
  run(cpu, lc, gc, ac);
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_NEAR(lg[i], lc[i], 1e-6) << "entry " << i;
  EXPECT_EQ(gg, gc);
  EXPECT_EQ(ag, ac);
  EXPECT_EQ(ag[2], 100);
  EXPECT_EQ(gg[1], 1);
  EXPECT_EQ(gg[2], 0);
}

// A padded LM head's logits: rows 50304 floats apart (GPT-2's 50257 rounded up to 128), the padded
// columns holding values that would win the argmax and dominate the softmax were they read.
TEST(CudaOps, PaddedLogitsRowsReadOnlyTheVocabulary) {
  CUDA_OR_SKIP(gpu);
  CpuBackend cpu(2);
  ASSERT_EQ(gpu->vocab_multiple(), 128);
  EXPECT_EQ(cpu.vocab_multiple(), 1);
  const int m = 5, vocab = 50257, stride = 50304;
  const auto logits = random_vec(static_cast<size_t>(m) * vocab, 41, 3.0f);
  std::vector<float> padded(static_cast<size_t>(m) * stride, 100.0f);
  for (int r = 0; r < m; ++r)
    std::copy(logits.begin() + static_cast<size_t>(r) * vocab, logits.begin() + static_cast<size_t>(r + 1) * vocab,
              padded.begin() + static_cast<size_t>(r) * stride);
  const std::vector<int32_t> rows = {0, 4, 2, 2}, targets = {50256, 3, 0, 25000};
  // The reference, in double precision on the host.
  std::vector<double> want_lp;
  std::vector<int32_t> want_am;
  for (int r = 0; r < m; ++r) {
    const float* row = logits.data() + static_cast<size_t>(r) * vocab;
    want_am.push_back(static_cast<int32_t>(std::max_element(row, row + vocab) - row));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    const float* row = logits.data() + static_cast<size_t>(rows[i]) * vocab;
    const double mx = row[want_am[rows[i]]];
    double s = 0;
    for (int c = 0; c < vocab; ++c) s += std::exp(row[c] - mx);
    want_lp.push_back(row[targets[i]] - mx - std::log(s));
  }
  Dev d(*gpu, padded);
  gpu->set_logits_stride(d.get(), stride);
  std::vector<double> lp(rows.size());
  std::vector<uint8_t> g(rows.size());
  std::vector<int32_t> am(m);
  gpu->logprob_gather(d.get(), rows, targets, vocab, lp.data(), g.data());
  gpu->argmax_rows(d.get(), m, vocab, am.data());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_NEAR(lp[i], want_lp[i], 1e-6) << "entry " << i;
    EXPECT_EQ(g[i], want_am[rows[i]] == targets[i]) << "entry " << i;
  }
  EXPECT_EQ(am, want_am);
}

// GEMMs on activation buffers: inputs and outputs stored bf16/fp16 (or one of them fp32), bias
// added before the output is rounded. Reference: the CPU on the rounded inputs and weights, its
// output rounded like the stored one.
TEST(CudaOps, LinearOnActivationBuffersMatchesCpu) {
  CUDA_OR_SKIP(gpu);
  CpuBackend cpu(2);
  const int m = 33, k = 192, n = 96;
  for (DType t : {DType::bf16, DType::f16}) {
    gpu->set_weight_dtype(t);
    const auto x = rounded(random_vec(m * k, 50), t), w = rounded(random_vec(n * k, 52, 0.05f), t);
    const auto bias = random_vec(n, 53);
    DeviceBuffer gw = DeviceBuffer::weight(*gpu, w.size());
    gpu->upload_weight(gw.get(), w.data(), w.size());
    Dev cx(cpu, x), cw(cpu, w), cb(cpu, bias), cy(cpu, static_cast<size_t>(m) * n);
    cpu.linear(cy.get(), cx.get(), cw.get(), cb.get(), m, k, n);
    const auto want = cy.host();
    for (const auto& [x_act, y_act] : std::vector<std::pair<bool, bool>>{{true, true}, {false, true}, {true, false}}) {
      Dev gx(*gpu, x, x_act), gb(*gpu, bias), gy(*gpu, static_cast<size_t>(m) * n, y_act);
      gpu->linear(gy.get(), gx.get(), gw.get(), gb.get(), m, k, n);
      expect_close(gy.host(), want, y_act ? storage_tol(t) : 1e-4,
                   std::string("linear ") + dtype_name(t) + (x_act ? " x stored" : " x fp32") +
                       (y_act ? " y stored" : " y fp32"));
    }
  }
  gpu->set_weight_dtype(DType::f32);
}

// Operands the kernels do not take together are one clear error, not a silent conversion.
TEST(CudaOps, MixedStorageIsAClearError) {
  CUDA_OR_SKIP(gpu);
  gpu->set_weight_dtype(DType::f32);
  DeviceBuffer w = DeviceBuffer::weight(*gpu, 16 * 16);
  gpu->set_weight_dtype(DType::bf16);
  Dev x(*gpu, 4 * 16), y(*gpu, 4 * 16, true);
  EXPECT_THROW(gpu->linear(y.get(), x.get(), w.get(), nullptr, 4, 16, 16), Error);  // bf16 out, fp32 weight
  Dev q(*gpu, 2 * 32, true), k(*gpu, 2 * 32), v(*gpu, 2 * 32, true), out(*gpu, 2 * 32, true);
  const std::vector<AttnSegment> segs = {{0, 2, 0, {}}};
  EXPECT_THROW(gpu->attention(out.get(), q.get(), k.get(), v.get(), segs, 1, 1, 32, 1.0f), Error);
  gpu->set_weight_dtype(DType::f32);
}

TEST(CudaBackend, BadDeviceIndexIsAClearError) {
  CUDA_OR_SKIP(gpu);
  try {
    make_backend("cuda:99");
    FAIL() << "cuda:99 should not exist";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("CUDA device(s) are visible"), std::string::npos) << e.what();
  }
}

// ---- whole models ----------------------------------------------------------------------------

// Next-token log-probs at every position of `tokens` (one packed root segment).
std::vector<double> next_logprobs(model::Transformer& m, const std::vector<int32_t>& tokens) {
  // One request per position so each log-prob comes back on its own (they share one prefix tree).
  std::vector<ScoreRequest> reqs;
  for (size_t i = 1; i < tokens.size(); ++i)
    reqs.push_back({std::vector<int32_t>(tokens.begin(), tokens.begin() + i), {tokens[i]}});
  const auto res = score(m, reqs);
  std::vector<double> out;
  for (const auto& r : res) out.push_back(r.logprob);
  return out;
}

void check_model(const fs::path& dir, const fs::path& expected_path, const std::string& name) {
  CUDA_OR_SKIP(gpu);
  const Json expected = read_json(expected_path);
  for (DType t : {DType::f32, DType::bf16}) {
    gpu->set_weight_dtype(t);
    auto m = model::load_transformer(dir.string(), *gpu);
    const double tol = t == DType::f32 ? 1e-4 : 0.15;
    for (const auto& seq : expected["sequences"]) {
      const auto tokens = seq["tokens"].get<std::vector<int32_t>>();
      const auto want = seq["next_token_logprobs"].get<std::vector<double>>();
      const auto got = next_logprobs(*m, tokens);
      ASSERT_EQ(got.size(), want.size());
      double worst = 0;
      for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - want[i]));
      EXPECT_LE(worst, tol) << name << " " << dtype_name(t) << ": worst |logprob - transformers|";
    }
    if (t != DType::f32) continue;
    // Greedy generations identical in fp32, several sequences decoded together.
    std::vector<GenerateRequest> reqs;
    for (const auto& g : expected["greedy"])
      reqs.push_back({g["prompt"].get<std::vector<int32_t>>(), static_cast<int>(g["output"].size())});
    const auto out = generate_greedy(*m, reqs, GenerateOptions{});
    for (size_t i = 0; i < reqs.size(); ++i)
      EXPECT_EQ(out[i], expected["greedy"][i]["output"].get<std::vector<int32_t>>()) << name << " greedy " << i;
  }
}

class CudaFixtureModels : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaFixtureModels, MatchTransformers) {
  const fs::path dir = testing::fixtures_dir() / "models" / GetParam();
  check_model(dir, dir / "expected.json", GetParam());
}

INSTANTIATE_TEST_SUITE_P(Architectures, CudaFixtureModels,
                         ::testing::Values("gpt2", "llama_gqa_untied", "llama_tied", "llama3_rope", "mistral",
                                           "qwen2"));

TEST(CudaRealModels, Stories260KAndTinyGpt2MatchTransformers) {
  LIGHTEVAL_REQUIRE_SHARED();
  check_model(testing::assets_dir() / "hub/models/fixtures/stories260K",
              testing::fixtures_dir() / "models/reference_stories260K/expected.json", "stories260K");
  check_model(testing::assets_dir() / "hub/models/hf-internal-testing/tiny-random-gpt2",
              testing::fixtures_dir() / "models/reference_tiny-random-gpt2/expected.json", "tiny-random-gpt2");
}

// Prefix-tree scoring on the GPU equals the CPU engine's (fp32), shared and unshared, batch caps.
TEST(CudaScoring, SharedPrefixScoresMatchCpu) {
  CUDA_OR_SKIP(gpu);
  CpuBackend cpu(2);
  const fs::path dir = testing::fixtures_dir() / "models" / "llama_gqa_untied";
  auto mg = model::load_transformer(dir.string(), *gpu);
  auto mc = model::load_transformer(dir.string(), cpu);
  std::mt19937 rng(7);
  const int V = mc->vocab_size();
  std::vector<ScoreRequest> reqs;
  for (int qn = 0; qn < 12; ++qn) {
    std::vector<int32_t> ctx(20 + rng() % 90);
    for (auto& t : ctx) t = static_cast<int32_t>(rng() % V);
    for (int c = 0; c < 4; ++c) {
      std::vector<int32_t> cont(1 + rng() % 12);
      for (auto& t : cont) t = static_cast<int32_t>(rng() % V);
      ScoreRequest r;
      r.input = ctx;
      r.input.insert(r.input.end(), cont.begin(), cont.end() - 1);
      r.targets = cont;
      reqs.push_back(std::move(r));
    }
  }
  const auto want = score(*mc, reqs, ScoreOptions{false, 4096, 0});
  for (const ScoreOptions& o : {ScoreOptions{true, 4096, 0}, ScoreOptions{false, 4096, 0}, ScoreOptions{true, 300, 7}}) {
    const auto got = score(*mg, reqs, o);
    for (size_t i = 0; i < reqs.size(); ++i) {
      EXPECT_NEAR(got[i].logprob, want[i].logprob, 1e-4) << "request " << i << " share=" << o.share_prefixes;
      EXPECT_EQ(got[i].is_greedy, want[i].is_greedy) << "request " << i;
    }
  }
}

}  // namespace
}  // namespace lighteval::engine
