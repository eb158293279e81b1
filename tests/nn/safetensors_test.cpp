// The safetensors reader on files written by the test: every supported dtype, the metadata, and
// the malformed files that must be refused without reading out of bounds; plus Linear, ReLU
// and softmax on known values.
#include "nn/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/linear.hpp"
#include "support/test_files.hpp"

namespace earshot::nn {
namespace {

// header JSON + data, with the 8-byte little-endian length in front.
std::vector<std::uint8_t> file_bytes(const nlohmann::json& header, const std::string& data) {
  const std::string text = header.dump();
  // Sized once: growing an 8-byte vector by insert trips GCC 12's -Warray-bounds at -O3.
  std::vector<std::uint8_t> out(8 + text.size() + data.size());
  std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  std::copy(text.begin(), text.end(), out.begin() + 8);
  std::copy(data.begin(), data.end(), out.begin() + 8 + static_cast<std::ptrdiff_t>(text.size()));
  return out;
}

std::string f32(std::initializer_list<float> values) {
  std::string out;
  for (float v : values) out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

nlohmann::json entry(const char* dtype, std::vector<int> shape, std::size_t begin,
                     std::size_t end) {
  return {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, end}}};
}

TEST(SafeTensors, ReadsF32F16AndBf16AndTheMetadata) {
  // F16: 1.0 = 0x3C00, -2.5 = 0xC100; BF16: 1.5 = 0x3FC0, -0.25 = 0xBE80 (little-endian bytes).
  const std::string data = f32({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f}) +
                           std::string("\x00\x3C\x00\xC1", 4) + std::string("\xC0\x3F\x80\xBE", 4);
  const nlohmann::json header = {{"__metadata__", {{"format", "test"}}},
                                 {"w", entry("F32", {2, 3}, 0, 24)},
                                 {"h", entry("F16", {2}, 24, 28)},
                                 {"b", entry("BF16", {2}, 28, 32)}};
  test::TempDir dir;
  const auto bytes = file_bytes(header, data);
  test::write_bytes(dir.file("m.safetensors"), bytes);
  auto file = SafeTensors::load_file(dir.file("m.safetensors"));
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->metadata().at("format"), "test");
  auto w = file->tensor("w", std::vector<std::size_t>{2, 3});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(file->tensor("h")->values, (std::vector<float>{1.0f, -2.5f}));
  EXPECT_EQ(file->tensor("b")->values, (std::vector<float>{1.5f, -0.25f}));
  // A tensor's pages of the mapping are released once converted; asking again reads them again,
  // from a copy of the object too, and after the original is gone.
  EXPECT_EQ(file->tensor("w")->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  const SafeTensors copy = *file;
  *file = *SafeTensors::load_bytes(file_bytes({{"x", entry("F32", {1}, 0, 4)}}, f32({7.0f})));
  EXPECT_EQ(copy.tensor("w")->values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(file->tensor("x")->values, (std::vector<float>{7.0f}));
}

TEST(SafeTensors, ErrorsNameTheTensor) {
  const auto bytes = file_bytes({{"w", entry("F32", {2}, 0, 8)}, {"i", entry("I64", {1}, 8, 16)}},
                                f32({1, 2}) + std::string(8, '\0'));
  auto file = SafeTensors::load_bytes(bytes);
  ASSERT_TRUE(file.ok());
  auto missing = file->tensor("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope is missing"), std::string::npos);
  auto shape = file->tensor("w", std::vector<std::size_t>{3});
  ASSERT_FALSE(shape.ok());
  EXPECT_NE(shape.error().message.find("w has shape [2], expected [3]"), std::string::npos);
  auto dtype = file->tensor("i");
  ASSERT_FALSE(dtype.ok());
  EXPECT_NE(dtype.error().message.find("I64"), std::string::npos);
}

TEST(SafeTensors, MalformedFilesAreRefused) {
  const std::vector<std::vector<std::uint8_t>> cases = {
      {1, 2, 3},                                                   // shorter than 8 bytes
      file_bytes({{"w", entry("F32", {4}, 0, 16)}}, f32({1, 2})),  // data past the end
      file_bytes({{"w", entry("F32", {3}, 0, 8)}}, f32({1, 2})),   // bytes != shape
      file_bytes({{"w", entry("F32", {2}, 8, 0)}}, f32({1, 2})),   // begin > end
      file_bytes({{"w", {{"dtype", "F32"}}}}, f32({1})),           // no shape
      file_bytes(nlohmann::json::array(), ""),                     // not an object
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    auto file = SafeTensors::load_bytes(cases[i]);
    EXPECT_FALSE(file.ok()) << "case " << i;
    if (!file.ok()) {
      EXPECT_EQ(file.error().code, core::ErrorCode::invalid_input) << i;
    }
  }
  std::vector<std::uint8_t> huge_header(16, 0xFF);  // a header length of 2^64 - 1
  EXPECT_FALSE(SafeTensors::load_bytes(huge_header).ok());
  EXPECT_EQ(SafeTensors::load_file("/no/such/file.safetensors").error().code,
            core::ErrorCode::not_found);
}

TEST(Linear, ComputesWxPlusB) {
  const auto bytes = file_bytes(
      {{"fc.weight", entry("F32", {2, 3}, 0, 24)}, {"fc.bias", entry("F32", {2}, 24, 32)}},
      f32({1, 2, 3, 4, 5, 6, 0.5f, -1}));
  auto file = SafeTensors::load_bytes(bytes);
  ASSERT_TRUE(file.ok());
  auto layer = Linear::load(*file, "fc");
  ASSERT_TRUE(layer.ok()) << layer.error().message;
  EXPECT_EQ(layer->inputs(), 3u);
  EXPECT_EQ(layer->outputs(), 2u);
  const std::vector<float> x = {1, 0, -1};
  std::vector<float> y(2);
  layer->forward(x, y);
  EXPECT_FLOAT_EQ(y[0], 1 - 3 + 0.5f);
  EXPECT_FLOAT_EQ(y[1], 4 - 6 - 1);
  relu(y);
  EXPECT_EQ(y, (std::vector<float>{0, 0}));
  std::vector<float> logits = {1000, 1000, 0};
  softmax(logits);
  EXPECT_FLOAT_EQ(logits[0], 0.5f);
  EXPECT_FLOAT_EQ(logits[2], 0.0f);
}

}  // namespace
}  // namespace earshot::nn
