// safetensors reader: real files written by transformers' save_pretrained (tests/fixtures/models,
// ../shared/assets), dtype conversions against the IEEE / OCP FP8 bit patterns, and corrupt files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "common/test_support.h"
#include "formats/safetensors.h"
#include "util/error.h"

namespace lighteval::formats {
namespace {

// A file image: 8-byte little-endian header length, the header text, the data bytes.
std::string image(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string error_of(const std::string& bytes) {
  try {
    SafetensorsFile::from_bytes(bytes, "t.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ReadsTransformersFile) {
  const auto f = SafetensorsFile::open(testing::fixtures_dir() / "models/gpt2/model.safetensors");
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const auto* wte = f.find("transformer.wte.weight");
  ASSERT_NE(wte, nullptr);
  EXPECT_EQ(wte->dtype, SafetensorsDType::F32);
  EXPECT_EQ(wte->shape, (std::vector<int64_t>{256, 32}));
  EXPECT_EQ(f.to_f32(*wte).size(), 256u * 32u);
}

TEST(Safetensors, ReadsSharedTinyRandomGpt2) {
  LIGHTEVAL_REQUIRE_SHARED();
  const auto c = SafetensorsCheckpoint::open_directory(testing::assets_dir() /
                                                       "hub/models/hf-internal-testing/tiny-random-gpt2");
  EXPECT_EQ(c.names().size(), 64u);  // the assets README: 64 F32 tensors
  EXPECT_EQ(c.info("transformer.wte.weight").shape, (std::vector<int64_t>{1000, 32}));
  EXPECT_THROW(c.load_f32("transformer.wte.weight", {32, 1000}), Error);
  try {
    c.info("transformer.h.9.ln_1.weight");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos);
  }
}

TEST(Safetensors, ConvertsEveryFloatDType) {
  // Bit patterns and their values from the IEEE 754 / OCP FP8 definitions.
  const uint16_t f16[] = {0x3C00, 0xC000, 0x0001, 0x7BFF, 0x7C00};
  const uint16_t bf16[] = {0x3F80, 0xC040, 0x4049};
  const uint8_t e4m3[] = {0x38, 0x7E, 0x01, 0xB8, 0x7F};
  const uint8_t e5m2[] = {0x3C, 0x7B, 0x7C, 0x01};
  float out[5];
  safetensors_to_f32(SafetensorsDType::F16, reinterpret_cast<const std::byte*>(f16), 5, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_EQ(out[2], std::ldexp(1.0f, -24));
  EXPECT_EQ(out[3], 65504.0f);
  EXPECT_TRUE(std::isinf(out[4]));
  safetensors_to_f32(SafetensorsDType::BF16, reinterpret_cast<const std::byte*>(bf16), 3, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -3.0f);
  EXPECT_EQ(out[2], 3.140625f);
  safetensors_to_f32(SafetensorsDType::F8_E4M3, reinterpret_cast<const std::byte*>(e4m3), 5, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 448.0f);
  EXPECT_EQ(out[2], std::ldexp(1.0f, -9));
  EXPECT_EQ(out[3], -1.0f);
  EXPECT_TRUE(std::isnan(out[4]));
  safetensors_to_f32(SafetensorsDType::F8_E5M2, reinterpret_cast<const std::byte*>(e5m2), 4, out);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], 57344.0f);
  EXPECT_TRUE(std::isinf(out[2]));
  EXPECT_EQ(out[3], std::ldexp(1.0f, -16));
}

TEST(Safetensors, ParsesHandWrittenFileWithPaddingAndZeroSizedTensor) {
  const std::string data = std::string("\x00\x3c\x00\xc0", 4);  // F16 1.0, -2.0
  const auto f = SafetensorsFile::from_bytes(
      image(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}}   )",
            data));
  EXPECT_EQ(f.to_f32(*f.find("a")), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(f.find("e")->numel(), 0);
}

TEST(Safetensors, CorruptFilesGiveClearErrors) {
  const std::string ok_header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  EXPECT_NE(error_of("abc").find("shorter than"), std::string::npos);
  EXPECT_NE(error_of(image(ok_header, std::string(4, '\0'))).find("outside"), std::string::npos);  // truncated
  EXPECT_NE(error_of(image(ok_header, std::string(12, '\0'))).find("cover"), std::string::npos);   // trailing bytes
  EXPECT_NE(error_of(image("{not json", "")).find("JSON"), std::string::npos);
  EXPECT_NE(error_of(image(R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", std::string(8, '\0')))
                .find("unknown dtype"),
            std::string::npos);
  EXPECT_NE(error_of(image(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0')))
                .find("needs 12"),
            std::string::npos);
  EXPECT_NE(error_of(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                           std::string(8, '\0')))
                .find("overlaps"),
            std::string::npos);
  EXPECT_NE(error_of(image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", std::string(8, '\0')))
                .find("hole"),
            std::string::npos);
  std::string huge(8, '\xff');
  EXPECT_NE(error_of(huge + "{}").find("exceeds"), std::string::npos);
  EXPECT_NE(error_of(image(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", "")).find("non-negative"),
            std::string::npos);
}

TEST(Safetensors, ShardedCheckpointViaIndex) {
  const auto dir = testing::temp_dir("st_shards");
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
  };
  write("model-00001-of-00002.safetensors",
        image(R"({"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}})", std::string("\x80\x3f", 2)));
  write("model-00002-of-00002.safetensors",
        image(R"({"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", std::string("\x00\x00\x00\x40", 4)));
  write("model.safetensors.index.json",
        R"({"metadata":{"total_size":6},"weight_map":{"x":"model-00001-of-00002.safetensors","y":"model-00002-of-00002.safetensors"}})");
  const auto c = SafetensorsCheckpoint::open_directory(dir);
  EXPECT_EQ(c.load_f32("x", {1}), std::vector<float>{1.0f});
  EXPECT_EQ(c.load_f32("y", {1}), std::vector<float>{2.0f});
  std::filesystem::remove(dir / "model-00002-of-00002.safetensors");
  EXPECT_THROW(SafetensorsCheckpoint::open_directory(dir), Error);
  EXPECT_THROW(SafetensorsCheckpoint::open_directory(dir / "nope"), Error);
}

}  // namespace
}  // namespace lighteval::formats
