#include "audio/riff_check.hpp"

#include <cstring>

namespace earshot::audio::detail {
namespace {

std::uint32_t read_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

constexpr std::size_t kRiffHeader = 12;             // "RIFF" size "WAVE"
constexpr std::size_t kChunkHeader = 8;             // id size
constexpr std::uint32_t kUnknownSize = 0xFFFFFFFF;  // RF64 and streaming writers

}  // namespace

std::optional<RiffShortfall> find_riff_shortfall(std::span<const std::uint8_t> head,
                                                 std::uint64_t file_size) {
  if (head.size() < kRiffHeader || std::memcmp(head.data(), "RIFF", 4) != 0 ||
      std::memcmp(head.data() + 8, "WAVE", 4) != 0) {
    return std::nullopt;
  }
  std::size_t offset = kRiffHeader;
  while (offset + kChunkHeader <= head.size()) {
    const std::uint8_t* chunk = head.data() + offset;
    const std::uint32_t size = read_le32(chunk + 4);
    if (std::memcmp(chunk, "data", 4) == 0) {
      if (size == kUnknownSize || size == 0) return std::nullopt;
      const std::uint64_t start = offset + kChunkHeader;
      const std::uint64_t present = file_size > start ? file_size - start : 0;
      if (size <= present) return std::nullopt;
      return RiffShortfall{size, present};
    }
    offset += kChunkHeader + size + (size & 1);  // chunks are padded to even sizes
  }
  return std::nullopt;
}

}  // namespace earshot::audio::detail
