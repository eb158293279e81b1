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

#include "audio/decoder.hpp"
#include "audio/ffmpeg_handles.hpp"
#include "audio/riff_check.hpp"
#include "core/result.hpp"

namespace earshot::audio::detail {

struct MemoryReader;
struct StreamReader;

// Owns the demuxer and, for memory input, the custom I/O that reads from the buffer. The
// demuxer is declared last so it is closed before the I/O it reads from is freed.
struct InputSource {
  std::unique_ptr<MemoryReader> reader;
  std::unique_ptr<StreamReader> stream_reader;
  IoContextPtr io;
  FormatContextPtr format;
  std::optional<RiffShortfall> riff_shortfall;  // a WAV cut short, seen before decoding
  // A stream read as it arrives: its header's length (a WAV piped from a recorder declares
  // 4 GiB, a live stream none) says nothing about how much will come.
  bool live = false;

  InputSource();
  InputSource(InputSource&&) noexcept;
  InputSource& operator=(InputSource&&) noexcept;
  ~InputSource();
};

core::Result<InputSource> open_file_source(const std::filesystem::path& path);
core::Result<InputSource> open_memory_source(std::span<const std::uint8_t> bytes);
// Reads through `read` until it returns 0 (the end) or less (an error), without seeking.
core::Result<InputSource> open_stream_source(StreamRead read, const StreamFormat& format);

std::span<const std::string_view> raw_formats();

// Short, user-facing container name: "wav", "mp3", "ogg", "m4a", "mp4", "matroska", ...
std::string container_name(const AVFormatContext& format);

}  // namespace earshot::audio::detail
