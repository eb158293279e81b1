// Writes RIFF/WAVE files from float samples, so that tests generate their own audio instead of
// shipping binary fixtures. Integer formats are quantised the way a real recorder would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace earshot::test {

enum class SampleFormat { u8, s16, s24, s32, f32 };

struct WavFormat {
  int sample_rate = 44100;
  int channels = 1;
  SampleFormat sample_format = SampleFormat::s16;
};

// The canonical header written here is always 44 bytes: "RIFF", a 16-byte "fmt " chunk and the
// "data" chunk header, whose size field sits at kWavDataSizeOffset. Tests that forge broken
// headers rely on this layout.
inline constexpr std::size_t kWavHeaderBytes = 44;
inline constexpr std::size_t kWavDataSizeOffset = 40;

int bits_per_sample(SampleFormat format);

// The whole file: header plus `interleaved` (frames * channels samples) in `format`.
std::vector<std::uint8_t> encode_wav(std::span<const float> interleaved, const WavFormat& format);

// encode_wav written to `path`; throws std::runtime_error when the file cannot be written.
void write_wav(const std::filesystem::path& path, std::span<const float> interleaved,
               const WavFormat& format);

// The value a correct decoder returns for `x` once stored in `format`: integer formats keep
// only their own precision and clip at full scale.
float quantize(float x, SampleFormat format);

// Overwrites the little-endian 32-bit value at `offset`, e.g. a chunk size, to forge a header.
void put_u32_le(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint32_t value);

}  // namespace earshot::test
