// Reader of the safetensors format (Hugging Face): an 8-byte little-endian header length, a
// JSON header {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
// then the raw tensor bytes. F32, F16 and BF16 tensors are converted to float32 once, at load;
// other dtypes are refused when asked for.
//
//   auto file = nn::SafeTensors::load_file("model.safetensors");   // memory-mapped
//   if (!file) return file.error();
//   auto weight = file->tensor("classifier.dense.weight", {527, 768});  // shape is checked
//   if (!weight) return weight.error();   // names the tensor and what was wrong
//
// Every offset and shape is validated against the file's size before any byte is read, so a
// truncated or hostile file is an error, never an out-of-bounds read.
//
// Memory: load_file keeps the file mapped (read-only, shared by copies of the object, unmapped
// with the last) and converts each tensor from the mapping when asked for it, then releases the
// tensor's pages, so loading a model costs its float32 weights plus one tensor's bytes, not a
// copy of the file as well. The file must not be truncated while the object lives (as with any
// mapping, reading a page past the new end would fault). load_bytes copies the bytes (the
// caller's buffer may go away). Objects are immutable: tensor() may be called from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
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
  // Parses and validates the header of `bytes` (a whole file) into entries_ and metadata_;
  // returns where the data section begins.
  core::Result<std::size_t> parse(std::span<const std::uint8_t> bytes);
  void release(const Entry& entry) const;

  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
  std::shared_ptr<const void> storage_;  // owns data_: the file's mapping or a copy of the bytes
  std::span<const std::uint8_t> data_;   // the bytes after the header
  bool mapped_ = false;                  // storage_ is a mapping: release() drops its pages
};

}  // namespace earshot::nn
