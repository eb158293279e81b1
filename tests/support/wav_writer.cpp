#include "support/wav_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <utility>

#include "support/test_files.hpp"

namespace earshot::test {
namespace {

// Scales to the integer range with the conventional 2^(bits-1) factor FFmpeg also divides by,
// so that decoding gives back exactly quantize(x).
std::int64_t to_integer(float x, int bits) {
  const double scale = std::ldexp(1.0, bits - 1);
  const double scaled = std::nearbyint(static_cast<double>(x) * scale);
  return static_cast<std::int64_t>(std::clamp(scaled, -scale, scale - 1.0));
}

// Writes into a buffer sized up front. (Growing a std::vector<uint8_t> byte by byte trips a
// false -Wstringop-overflow in GCC 12 at -O2.)
class ByteWriter {
 public:
  explicit ByteWriter(std::size_t size) : bytes_(size) {}

  void le(std::uint64_t value, int count) {
    for (int i = 0; i < count; ++i)
      bytes_.at(position_++) = static_cast<std::uint8_t>(value >> (8 * i));
  }
  void tag(const char (&text)[5]) {
    for (int i = 0; i < 4; ++i) bytes_.at(position_++) = static_cast<std::uint8_t>(text[i]);
  }
  void sample(float x, SampleFormat format) {
    switch (format) {
      case SampleFormat::u8:
        // 8-bit WAV is unsigned with 128 as silence.
        le(static_cast<std::uint64_t>(to_integer(x, 8) + 128), 1);
        return;
      case SampleFormat::s16:
        le(static_cast<std::uint64_t>(to_integer(x, 16)), 2);
        return;
      case SampleFormat::s24:
        le(static_cast<std::uint64_t>(to_integer(x, 24)), 3);
        return;
      case SampleFormat::s32:
        le(static_cast<std::uint64_t>(to_integer(x, 32)), 4);
        return;
      case SampleFormat::f32: {
        std::uint32_t bits = 0;
        std::memcpy(&bits, &x, sizeof bits);
        le(bits, 4);
        return;
      }
    }
  }
  std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

}  // namespace

int bits_per_sample(SampleFormat format) {
  switch (format) {
    case SampleFormat::u8:
      return 8;
    case SampleFormat::s16:
      return 16;
    case SampleFormat::s24:
      return 24;
    case SampleFormat::s32:
    case SampleFormat::f32:
      return 32;
  }
  return 0;
}

std::vector<std::uint8_t> encode_wav(std::span<const float> interleaved, const WavFormat& format) {
  const int bytes_per_sample = bits_per_sample(format.sample_format) / 8;
  const std::uint64_t data_bytes =
      interleaved.size() * static_cast<std::uint64_t>(bytes_per_sample);
  if (data_bytes + kWavHeaderBytes > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("too much audio for a RIFF file");
  }
  const int block_align = bytes_per_sample * format.channels;
  // 1 = integer PCM, 3 = IEEE float (WAVE_FORMAT_IEEE_FLOAT).
  const int format_tag = format.sample_format == SampleFormat::f32 ? 3 : 1;

  ByteWriter out(kWavHeaderBytes + data_bytes);
  out.tag("RIFF");
  out.le(data_bytes + kWavHeaderBytes - 8, 4);
  out.tag("WAVE");
  out.tag("fmt ");
  out.le(16, 4);
  out.le(format_tag, 2);
  out.le(format.channels, 2);
  out.le(format.sample_rate, 4);
  out.le(static_cast<std::uint64_t>(format.sample_rate) * block_align, 4);
  out.le(block_align, 2);
  out.le(bits_per_sample(format.sample_format), 2);
  out.tag("data");
  out.le(data_bytes, 4);
  for (const float x : interleaved) out.sample(x, format.sample_format);
  return out.take();
}

void write_wav(const std::filesystem::path& path, std::span<const float> interleaved,
               const WavFormat& format) {
  write_bytes(path, encode_wav(interleaved, format));
}

float quantize(float x, SampleFormat format) {
  if (format == SampleFormat::f32) return x;
  const int bits = bits_per_sample(format);
  return static_cast<float>(static_cast<double>(to_integer(x, bits)) / std::ldexp(1.0, bits - 1));
}

void put_u32_le(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes.at(offset + i) = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace earshot::test
