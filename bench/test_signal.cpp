#include "test_signal.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace earshot::bench {
namespace {

// A fixed linear congruential generator: std::uniform_real_distribution is not specified
// bit-for-bit across standard libraries, and the input must be the same everywhere.
class NoiseSource {
 public:
  float next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<float>(static_cast<double>(state_ >> 40) / double(1 << 24)) * 2.0f - 1.0f;
  }

 private:
  std::uint64_t state_ = 0x5eed;
};

// Little-endian writer into a buffer sized up front. (Appending to a vector here trips a
// false -Wstringop-overflow in g++ 12 at -O2.)
class LittleEndianWriter {
 public:
  explicit LittleEndianWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  void u16(std::uint16_t v) {
    out_[at_++] = static_cast<std::uint8_t>(v & 0xff);
    out_[at_++] = static_cast<std::uint8_t>(v >> 8);
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v & 0xffff));
    u16(static_cast<std::uint16_t>(v >> 16));
  }
  void tag(const char (&text)[5]) {
    for (int i = 0; i < 4; ++i) out_[at_++] = static_cast<std::uint8_t>(text[i]);
  }

 private:
  std::vector<std::uint8_t>& out_;
  std::size_t at_ = 0;
};

}  // namespace

std::vector<float> make_test_signal(int sample_rate, int channels, double seconds) {
  const auto frames = static_cast<std::size_t>(std::llround(seconds * sample_rate));
  std::vector<float> pcm(frames * static_cast<std::size_t>(channels));
  NoiseSource noise;
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  for (std::size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / sample_rate;
    // A 0.25 Hz swell, so loudness gating and the silence windows see varying levels.
    const double envelope = 0.6 + 0.4 * std::sin(kTwoPi * 0.25 * t);
    for (int c = 0; c < channels; ++c) {
      const double detune = 1.0 + 0.01 * c;  // channels differ, so a downmix is not a no-op
      const double tones = 0.20 * std::sin(kTwoPi * 220.0 * detune * t) +
                           0.12 * std::sin(kTwoPi * 1000.0 * detune * t) +
                           0.06 * std::sin(kTwoPi * 3300.0 * detune * t);
      pcm[i * channels + c] = static_cast<float>(envelope * tones) + 0.02f * noise.next();
    }
  }
  return pcm;
}

std::vector<std::uint8_t> encode_wav16(std::span<const float> interleaved, int sample_rate,
                                       int channels) {
  const auto data_bytes = static_cast<std::uint32_t>(interleaved.size() * 2);
  const auto block_align = static_cast<std::uint16_t>(channels * 2);
  constexpr std::uint32_t kHeaderBytes = 44;
  std::vector<std::uint8_t> out(kHeaderBytes + data_bytes);
  LittleEndianWriter w(out);
  w.tag("RIFF");
  w.u32(kHeaderBytes - 8 + data_bytes);
  w.tag("WAVE");
  w.tag("fmt ");
  w.u32(16);  // size of the PCM fmt chunk
  w.u16(1);   // WAVE_FORMAT_PCM
  w.u16(static_cast<std::uint16_t>(channels));
  w.u32(static_cast<std::uint32_t>(sample_rate));
  w.u32(static_cast<std::uint32_t>(sample_rate) * block_align);
  w.u16(block_align);
  w.u16(16);  // bits per sample
  w.tag("data");
  w.u32(data_bytes);
  for (const float x : interleaved) {
    const auto q = static_cast<std::int16_t>(std::lround(std::clamp(x, -1.0f, 1.0f) * 32767.0f));
    w.u16(static_cast<std::uint16_t>(q));
  }
  return out;
}

}  // namespace earshot::bench
