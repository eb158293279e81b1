#include "nn/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace earshot::nn {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::uint64_t kMaxHeaderBytes = 100 * 1024 * 1024;  // the format's own limit

Error invalid(const std::string& message) {
  return Error{ErrorCode::invalid_input, "safetensors: " + message};
}

std::size_t element_size(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  return 0;  // unsupported: refused when the tensor is asked for
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1F;
  const std::uint32_t mantissa = h & 0x3FF;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  if (exponent == 31) {  // infinity or NaN
    return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    text += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return text + "]";
}

}  // namespace

core::Result<std::size_t> SafeTensors::parse(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 8) return invalid("the file is shorter than its header length");
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i)
    header_size = (header_size << 8) | bytes[static_cast<std::size_t>(i)];
  if (header_size > kMaxHeaderBytes || header_size > bytes.size() - 8) {
    return invalid("the header length exceeds the file");
  }
  const auto header_text =
      std::string_view(reinterpret_cast<const char*>(bytes.data() + 8), header_size);
  const auto header = nlohmann::json::parse(header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return invalid("the header is not JSON");

  const std::size_t data_size = bytes.size() - 8 - header_size;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) return invalid("__metadata__ is not an object");
      for (const auto& [key, value] : entry.items()) {
        if (value.is_string()) metadata_[key] = value.get<std::string>();
      }
      continue;
    }
    // contains() first: operator[] on a const json with a missing key is undefined behaviour.
    const bool well_formed = entry.is_object() && entry.contains("dtype") &&
                             entry.contains("shape") && entry.contains("data_offsets") &&
                             entry["dtype"].is_string() && entry["shape"].is_array() &&
                             entry["data_offsets"].is_array() && entry["data_offsets"].size() == 2;
    if (!well_formed) return invalid("tensor " + name + " has a malformed header entry");
    Entry parsed;
    parsed.dtype = entry["dtype"].get<std::string>();
    std::size_t elements = 1;
    for (const auto& dim : entry["shape"]) {
      if (!dim.is_number_unsigned()) return invalid("tensor " + name + " has a bad shape");
      const auto d = dim.get<std::uint64_t>();
      if (d != 0 && elements > std::numeric_limits<std::size_t>::max() / d) {
        return invalid("tensor " + name + " is too large");
      }
      elements *= static_cast<std::size_t>(d);
      parsed.shape.push_back(static_cast<std::size_t>(d));
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
      return invalid("tensor " + name + " has bad data offsets");
    }
    parsed.begin = offsets[0].get<std::size_t>();
    parsed.end = offsets[1].get<std::size_t>();
    if (parsed.begin > parsed.end || parsed.end > data_size) {
      return invalid("tensor " + name + " lies outside the file");
    }
    const std::size_t width = element_size(parsed.dtype);
    if (width != 0 && (elements > (parsed.end - parsed.begin) / width ||
                       parsed.end - parsed.begin != elements * width)) {
      return invalid("tensor " + name + " has " + std::to_string(parsed.end - parsed.begin) +
                     " bytes for shape " + shape_text(parsed.shape));
    }
    entries_[name] = std::move(parsed);
  }
  return static_cast<std::size_t>(8 + header_size);
}

core::Result<SafeTensors> SafeTensors::load_bytes(std::span<const std::uint8_t> bytes) {
  SafeTensors file;
  auto begin = file.parse(bytes);
  if (!begin) return begin.error();
  auto copy =
      std::make_shared<const std::vector<std::uint8_t>>(bytes.begin() + *begin, bytes.end());
  file.data_ = std::span(*copy);
  file.storage_ = std::move(copy);
  return file;
}

core::Result<SafeTensors> SafeTensors::load_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error{errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                 "cannot open " + path.string() + ": " + std::strerror(errno)};
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size == 0) {
    ::close(fd);
    return invalid(path.string() + " is not a non-empty regular file");
  }
  const auto size = static_cast<std::size_t>(info.st_size);
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return Error{ErrorCode::io, "cannot map " + path.string()};
  SafeTensors file;
  file.storage_ = std::shared_ptr<const void>(mapped, [size](void* p) { ::munmap(p, size); });
  file.mapped_ = true;
  const auto bytes = std::span(static_cast<const std::uint8_t*>(mapped), size);
  auto begin = file.parse(bytes);
  if (!begin) return Error{begin.error().code, path.string() + ": " + begin.error().message};
  file.data_ = bytes.subspan(*begin);
  return file;
}

// The converted floats are the copy that stays; the file's pages of a tensor (clean, so read
// again from the file should the tensor be asked for twice) need not stay resident.
void SafeTensors::release(const Entry& entry) const {
  if (!mapped_ || entry.end == entry.begin) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(data_.data() + entry.begin) / page * page;
  const auto last = reinterpret_cast<std::uintptr_t>(data_.data() + entry.end);
  ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

core::Result<Tensor> SafeTensors::tensor(
    const std::string& name, const std::optional<std::vector<std::size_t>>& expected_shape) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) return invalid("tensor " + name + " is missing");
  const Entry& entry = it->second;
  if (expected_shape && *expected_shape != entry.shape) {
    return invalid("tensor " + name + " has shape " + shape_text(entry.shape) + ", expected " +
                   shape_text(*expected_shape));
  }
  const std::size_t width = element_size(entry.dtype);
  if (width == 0) return invalid("tensor " + name + " has unsupported dtype " + entry.dtype);
  Tensor out;
  out.shape = entry.shape;
  const std::size_t count = (entry.end - entry.begin) / width;
  out.values.resize(count);
  const std::uint8_t* bytes = data_.data() + entry.begin;
  if (entry.dtype == "F32") {
    // The format is little-endian, as is every target we build for.
    std::memcpy(out.values.data(), bytes, count * sizeof(float));
  } else {
    const bool f16 = entry.dtype == "F16";
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint8_t* p = bytes + i * width;
      const auto half = static_cast<std::uint16_t>(p[0] | (p[1] << 8));
      out.values[i] = f16 ? half_to_float(half) : std::bit_cast<float>(std::uint32_t{half} << 16);
    }
  }
  release(entry);
  return out;
}

}  // namespace earshot::nn
