// Streaming decoder: any container and codec FFmpeg knows, from a file path or a memory buffer,
// delivered block by block as interleaved float PCM at the file's own rate and channel count.
//
//   auto decoder = audio::Decoder::open_file("talk.mp3");
//   if (!decoder) return decoder.error();
//   while (true) {
//     auto block = decoder->next_block();
//     if (!block) return block.error();
//     if (block->empty()) break;          // end of stream
//     consume(block->samples, block->channels);
//   }
//
// Memory stays bounded by one decoded frame whatever the file's length. A Decoder is movable,
// not copyable, and used by one thread at a time; different Decoders are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audio/audio_info.hpp"
#include "core/result.hpp"

namespace earshot::audio {

namespace detail {
struct InputSource;
}

// Limits protect the process from inputs that would take too long or too much memory.
// Exceeding one is a core::ErrorCode::too_large error, never an out-of-memory.
struct DecodeLimits {
  double max_duration_seconds = 4.0 * 3600.0;
  // Samples summed over channels at the file's own rate; bounds CPU per request.
  std::int64_t max_decoded_samples = 4'000'000'000;
};

// A span of interleaved float samples (nominally in [-1, 1]), valid until the next call to
// Decoder::next_block.
struct AudioBlock {
  std::span<const float> samples;
  int channels = 0;

  bool empty() const { return samples.empty(); }
  std::size_t frames() const { return channels > 0 ? samples.size() / channels : 0; }
};

// Pulls up to `size` bytes of a stream into `out`: the count read, 0 at the end of the stream,
// or a negative number on an error. May block until bytes arrive.
using StreamRead = std::function<int(std::uint8_t* out, int size)>;

// How a stream is encoded. Empty raw_format: FFmpeg probes the first bytes for the container
// (WAV, FLAC, MP3, Ogg, AAC/ADTS, Matroska, ...). Otherwise the stream is headerless PCM in one
// of raw_formats() (s16le, f32le, ...) at sample_rate with `channels` interleaved.
struct StreamFormat {
  std::string raw_format;
  int sample_rate = 0;
  int channels = 0;
};

// The headerless PCM sample formats a stream may declare, FFmpeg's demuxer names.
std::span<const std::string_view> raw_formats();

class Decoder {
 public:
  // Errors: not_found (no such path), io (a directory, unreadable), invalid_input (empty file),
  // unsupported_format (not audio), too_large (declared duration over the limit).
  static core::Result<Decoder> open_file(const std::filesystem::path& path, DecodeLimits = {});
  // `bytes` is not copied: it must outlive the Decoder.
  static core::Result<Decoder> open_memory(std::span<const std::uint8_t> bytes, DecodeLimits = {});
  // A stream that cannot seek (a pipe, a live HTTP stream), read through `read` as the decoder
  // needs bytes. Errors: invalid_input (no bytes, or a raw format without rate or channels),
  // unsupported_format (not audio, or an unknown raw format), io (read failed).
  static core::Result<Decoder> open_stream(StreamRead read, StreamFormat format = {},
                                           DecodeLimits = {});

  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;
  ~Decoder();

  // Before decoding, duration_seconds is the container's estimate (0 when unknown); once
  // next_block has returned the empty end-of-stream block it is the decoded length.
  const AudioInfo& info() const;

  // The next block, or an empty block at the end of the stream. Corrupt packets are skipped
  // and counted (see decode_errors); a stream that yields no sample at all is an error:
  // invalid_input when it holds no audio, decode_failed when every packet was corrupt.
  core::Result<AudioBlock> next_block();

  std::int64_t frames_decoded() const;
  // Packets or frames the codec rejected as corrupt and that were skipped.
  int decode_errors() const;
  // Things a user should know about a file that still decoded, e.g. a truncated data chunk.
  const std::vector<std::string>& warnings() const;

 private:
  struct State;
  explicit Decoder(std::unique_ptr<State> state);
  static core::Result<Decoder> open(core::Result<detail::InputSource> source, DecodeLimits);
  std::unique_ptr<State> state_;
};

}  // namespace earshot::audio
