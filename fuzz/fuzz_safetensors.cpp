// libFuzzer target: the safetensors reader (nn/safetensors.hpp) on arbitrary bytes, as a model
// file from a registry or a downloaded checkpoint may be. Any input must give a value or an
// error; every tensor it lists must then read without touching memory outside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "nn/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto file = earshot::nn::SafeTensors::load_bytes(std::span<const std::uint8_t>(data, size));
  if (!file) return 0;
  for (const char* name : {"w", "weight", "layers.0.weight", "conv.0.weight", "a", ""}) {
    auto tensor = file->tensor(name);
    static_cast<void>(tensor);
  }
  return 0;
}
