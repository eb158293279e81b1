#include "core/npy.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <ostream>
#include <string>

namespace earshot::core {
namespace {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlignment = 64;  // header padded so the data starts aligned

std::size_t element_count(const std::vector<std::size_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

// Python's tuple syntax: "()", "(5,)", "(3, 4)".
std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    text += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

Error malformed(const std::string& why) {
  return {ErrorCode::invalid_input, "not a float32 .npy file: " + why};
}

// Parses "(3, 4)" or "(5,)" or "()" from the header's shape entry.
Result<std::vector<std::size_t>> parse_shape(const std::string& header) {
  const auto key = header.find("'shape'");
  const auto open = header.find('(', key);
  const auto close = header.find(')', open);
  if (key == std::string::npos || open == std::string::npos || close == std::string::npos) {
    return malformed("no shape");
  }
  std::vector<std::size_t> shape;
  std::size_t i = open + 1;
  while (i < close) {
    while (i < close && (header[i] == ' ' || header[i] == ',')) ++i;
    if (i >= close) break;
    std::size_t used = 0;
    try {
      shape.push_back(std::stoul(header.substr(i, close - i), &used));
    } catch (const std::exception&) {
      return malformed("bad shape");
    }
    i += used;
  }
  return shape;
}

}  // namespace

Status write_npy(std::ostream& out, std::span<const float> values,
                 const std::vector<std::size_t>& shape) {
  if (element_count(shape) != values.size()) {
    return Error{ErrorCode::internal, "npy shape does not match the number of values"};
  }
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // Magic, version (2 bytes), header length (2 bytes), header ending in a newline.
  const std::size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  header.push_back('\n');
  const auto length = static_cast<std::uint16_t>(header.size());
  out.write(kMagic, kMagicSize);
  const char version_and_length[4] = {1, 0, static_cast<char>(length & 0xff),
                                      static_cast<char>(length >> 8)};
  out.write(version_and_length, 4);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size_bytes()));
  if (!out) return Error{ErrorCode::io, "writing the .npy output failed"};
  return {};
}

Result<NpyArray> read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return Error{ErrorCode::not_found, "no such file"};
    return Error{ErrorCode::io, "cannot open " + path.string()};
  }
  char prefix[kMagicSize + 4] = {};
  if (!in.read(prefix, sizeof prefix) || std::memcmp(prefix, kMagic, kMagicSize) != 0) {
    return malformed("no magic string");
  }
  if (prefix[6] != 1) return malformed("only format version 1.0 is read");
  const std::size_t header_length = static_cast<unsigned char>(prefix[8]) |
                                    static_cast<std::size_t>(static_cast<unsigned char>(prefix[9]))
                                        << 8;
  std::string header(header_length, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header_length))) {
    return malformed("truncated header");
  }
  if (header.find("'<f4'") == std::string::npos) return malformed("dtype is not <f4");
  if (header.find("'fortran_order': False") == std::string::npos) {
    return malformed("Fortran order");
  }
  auto shape = parse_shape(header);
  if (!shape) return shape.error();
  NpyArray array{std::move(*shape), {}};
  array.values.resize(element_count(array.shape));
  if (!in.read(reinterpret_cast<char*>(array.values.data()),
               static_cast<std::streamsize>(array.values.size() * sizeof(float)))) {
    return malformed("fewer values than the shape says");
  }
  return array;
}

}  // namespace earshot::core
