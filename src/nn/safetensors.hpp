// Reader of the safetensors format (Hugging Face): an 8-byte little-endian header length, a
// JSON header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the raw tensor bytes. F32, F16 and BF16 tensors are converted to float32 once, at load;
// other dtypes are refused when asked for.
//
//   auto file = nn::SafeTensors::load_file("model.safetensors");   // memory-mapped while read
//   if (!file) return file.error();
//   auto weight = file->tensor("classifier.dense.weight", {527, 768});  // shape is checked
//   if (!weight) return weight.error();   // names the tensor and what was wrong
//
// Every offset and shape is validated against the file's size before any byte is read, so a
// truncated or hostile file is an error, never an out-of-bounds read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace earshot::nn {

struct Tensor {
  std::vector<std::size_t> shape;
  std::vector<float> values;  // product of shape, C order
};

class SafeTensors {
 public:
  static core::Result<SafeTensors> load_file(const std::filesystem::path& path);
  static core::Result<SafeTensors> load_bytes(std::span<const std::uint8_t> bytes);

  // The tensor as float32. Errors (invalid_input) name the tensor: missing, an unsupported
  // dtype, or a shape other than `expected_shape` when one is given.
  core::Result<Tensor> tensor(
      const std::string& name,
      const std::optional<std::vector<std::size_t>>& expected_shape = std::nullopt) const;

  bool contains(const std::string& name) const { return entries_.contains(name); }
  // The header's "__metadata__" (string to string); empty when absent.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  struct Entry {
    std::string dtype;
    std::vector<std::size_t> shape;
    std::size_t begin = 0;  // byte offsets into data_
    std::size_t end = 0;
  };
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
  std::vector<std::uint8_t> data_;  // the bytes after the header
};

}  // namespace earshot::nn
