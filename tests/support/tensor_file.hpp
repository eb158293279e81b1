// A safetensors file built in memory from named float32 tensors, for tests of code that loads
// models (link earshot_nn).
//
//   TensorFile file;
//   file.add("layer.weight", {2, 3}, {1, 2, 3, 4, 5, 6});
//   file.set_metadata("format", "earshot-content-cnn");
//   nn::SafeTensors tensors = file.load();
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nn/safetensors.hpp"

namespace earshot::test {

class TensorFile {
 public:
  void add(const std::string& name, std::vector<std::size_t> shape, std::vector<float> values) {
    header_[name] = {{"dtype", "F32"},
                     {"shape", shape},
                     {"data_offsets", {data_.size(), data_.size() + values.size() * 4}}};
    const auto* bytes = reinterpret_cast<const char*>(values.data());
    data_.append(bytes, values.size() * 4);
  }
  void set_metadata(const std::string& key, const std::string& value) {
    header_["__metadata__"][key] = value;
  }
  // The file's bytes, as they would be on disk.
  std::vector<std::uint8_t> bytes() const {
    const std::string header = header_.dump();
    // Sized once and filled by offset: growing the vector with insert() makes GCC 12 at -O3
    // report a false -Warray-bounds.
    std::vector<std::uint8_t> file(8 + header.size() + data_.size());
    const std::uint64_t length = header.size();
    std::memcpy(file.data(), &length, 8);
    std::memcpy(file.data() + 8, header.data(), header.size());
    std::memcpy(file.data() + 8 + header.size(), data_.data(), data_.size());
    return file;
  }
  nn::SafeTensors load() const {
    auto tensors = nn::SafeTensors::load_bytes(bytes());
    EXPECT_TRUE(tensors.ok());
    return std::move(*tensors);
  }

 private:
  nlohmann::json header_ = nlohmann::json::object();
  std::string data_;
};

}  // namespace earshot::test
