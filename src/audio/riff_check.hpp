// Detects a WAV file cut short: its "data" chunk declares more bytes than the file holds.
// FFmpeg quietly decodes what is there and reports the shorter length as the duration, so
// without this check a truncated upload would look like a complete, shorter recording.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace earshot::audio::detail {

struct RiffShortfall {
  std::uint64_t declared_bytes = 0;  // the data chunk's size field
  std::uint64_t present_bytes = 0;   // what the file holds after the chunk's header
};

// `head` is the start of the file (the first 64 KiB are plenty), `file_size` its full size.
// Returns nothing for a complete WAV, for RF64/streamed WAVs whose size fields are
// placeholders, and for anything that is not RIFF/WAVE.
std::optional<RiffShortfall> find_riff_shortfall(std::span<const std::uint8_t> head,
                                                 std::uint64_t file_size);

}  // namespace earshot::audio::detail
