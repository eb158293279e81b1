// DecodeLimits: input over the duration or decoded-sample limit is refused with too_large, from
// the header when it declares the length and while decoding otherwise; input at the limit passes.
#include <gtest/gtest.h>

#include <vector>

#include "audio/decode_all.hpp"
#include "audio/decoder.hpp"
#include "support/drain_decoder.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::audio {
namespace {

using core::ErrorCode;

constexpr int kRate = 44100;

DecodeLimits max_seconds(double seconds) {
  DecodeLimits limits;
  limits.max_duration_seconds = seconds;
  return limits;
}

DecodeLimits max_samples(std::int64_t samples) {
  DecodeLimits limits;
  limits.max_decoded_samples = samples;
  return limits;
}

class DecodeLimitsTest : public testing::Test {
 protected:
  // A stereo WAV of `seconds` in the temp dir.
  std::filesystem::path make_wav(const char* name, double seconds) {
    const auto frames = static_cast<std::size_t>(seconds * kRate);
    const auto x = test::sine(440.0, 0.5, kRate, frames);
    const auto path = dir_.file(name);
    test::write_wav(path, test::interleave({x, x}), {kRate, 2, test::SampleFormat::s16});
    return path;
  }

  test::TempDir dir_;
};

TEST_F(DecodeLimitsTest, FileLongerThanMaxDurationIsRefusedAtOpen) {
  const auto path = make_wav("long.wav", 3.0);
  const DecodeLimits limits = max_seconds(2.0);

  auto from_file = Decoder::open_file(path, limits);
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(from_file.error().code, ErrorCode::too_large);
  EXPECT_NE(from_file.error().message.find("limit"), std::string::npos)
      << from_file.error().message;

  const auto bytes = test::read_bytes(path);
  auto from_memory = Decoder::open_memory(bytes, limits);
  ASSERT_FALSE(from_memory.ok());
  EXPECT_EQ(from_memory.error().code, ErrorCode::too_large);
}

TEST_F(DecodeLimitsTest, CompressedFileLongerThanMaxDurationIsRefused) {
  const auto wav = make_wav("long.wav", 3.0);
  const auto flac = dir_.file("long.flac");
  ASSERT_TRUE(test::ffmpeg_encode(wav, flac, {"-c:a", "flac"}));
  auto decoder = Decoder::open_file(flac, max_seconds(2.0));
  ASSERT_FALSE(decoder.ok());
  EXPECT_EQ(decoder.error().code, ErrorCode::too_large);
}

TEST_F(DecodeLimitsTest, FileExactlyAtMaxDurationIsAccepted) {
  const auto path = make_wav("two_seconds.wav", 2.0);
  auto decoder = Decoder::open_file(path, max_seconds(2.0));
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->frames(), 2u * kRate);
}

TEST_F(DecodeLimitsTest, DecodeFilePassesTheLimitsOn) {
  const auto path = make_wav("long.wav", 3.0);
  DecodeOptions options;
  options.limits.max_duration_seconds = 1.0;
  auto audio = decode_file(path, options);
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().code, ErrorCode::too_large);
}

TEST_F(DecodeLimitsTest, MoreDecodedSamplesThanTheLimitIsRefusedWhileDecoding) {
  // 1 s of stereo is 88200 samples (summed over channels).
  const auto path = make_wav("one_second.wav", 1.0);
  auto decoder = Decoder::open_file(path, max_samples(50'000));
  ASSERT_TRUE(decoder.ok()) << "the sample limit is checked while decoding, not at open";

  std::int64_t samples_before_error = 0;
  while (true) {
    auto block = decoder->next_block();
    if (!block) {
      EXPECT_EQ(block.error().code, ErrorCode::too_large);
      EXPECT_FALSE(block.error().message.empty());
      break;
    }
    ASSERT_FALSE(block->empty()) << "reached the end without hitting the sample limit";
    samples_before_error += static_cast<std::int64_t>(block->samples.size());
  }
  // The limit stops decoding: no block beyond it was handed out.
  EXPECT_LE(samples_before_error, 50'000);
}

TEST_F(DecodeLimitsTest, DecodedSamplesExactlyAtTheLimitAreAccepted) {
  const auto path = make_wav("one_second.wav", 1.0);
  auto decoder = Decoder::open_file(path, max_samples(2 * kRate));
  ASSERT_TRUE(decoder.ok());
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->samples.size(), 2u * kRate);
}

TEST_F(DecodeLimitsTest, DecodeMemoryRefusesTooManySamples) {
  const auto path = make_wav("one_second.wav", 1.0);
  const auto bytes = test::read_bytes(path);
  DecodeOptions options;
  options.limits.max_decoded_samples = 10'000;
  auto audio = decode_memory(bytes, options);
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().code, ErrorCode::too_large);
}

}  // namespace
}  // namespace earshot::audio
