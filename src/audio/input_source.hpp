// Opens an FFmpeg demuxer over a file path or a caller's memory buffer, with the safety
// settings every input gets: only audio-bearing container formats, and no nested protocol
// access (a playlist or concat file cannot make the process open other files or URLs).
// Internal to src/audio.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "audio/ffmpeg_handles.hpp"
#include "audio/riff_check.hpp"
#include "core/result.hpp"

namespace earshot::audio::detail {

struct MemoryReader;

// Owns the demuxer and, for memory input, the custom I/O that reads from the buffer. The
// demuxer is declared last so it is closed before the I/O it reads from is freed.
struct InputSource {
  std::unique_ptr<MemoryReader> reader;
  IoContextPtr io;
  FormatContextPtr format;
  std::optional<RiffShortfall> riff_shortfall;  // a WAV cut short, seen before decoding

  InputSource();
  InputSource(InputSource&&) noexcept;
  InputSource& operator=(InputSource&&) noexcept;
  ~InputSource();
};

core::Result<InputSource> open_file_source(const std::filesystem::path& path);
core::Result<InputSource> open_memory_source(std::span<const std::uint8_t> bytes);

// Short, user-facing container name: "wav", "mp3", "ogg", "m4a", "mp4", "matroska", ...
std::string container_name(const AVFormatContext& format);

}  // namespace earshot::audio::detail
