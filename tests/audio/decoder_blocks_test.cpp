// The streaming block API on a long input: a minute of audio must arrive in small blocks (memory
// stays bounded whatever the length), with no frame lost or repeated, and the final duration
// must be the decoded length.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "audio/decoder.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::audio {
namespace {

constexpr int kRate = 44100;
constexpr int kChannels = 2;
// 60 s plus an odd remainder, so that the last block is a partial one.
constexpr std::size_t kFrames = 60 * kRate + 1234;
// A block far smaller than the file: the bound promised by "memory stays bounded by one
// decoded frame".
constexpr std::size_t kMaxBlockSamples = 65536;

class DecoderBlocksTest : public testing::Test {
 protected:
  void SetUp() override {
    // A slow sweep-like signal: a sine whose frequency differs per channel, so that a dropped,
    // repeated or misplaced block changes the samples at that position.
    const auto left = test::sine(440.0, 0.5, kRate, kFrames);
    const auto right = test::sine(97.0, 0.3, kRate, kFrames);
    signal_ = test::interleave({left, right});
    wav_ = dir_.file("long.wav");
    test::write_wav(wav_, signal_, {kRate, kChannels, test::SampleFormat::s16});
  }

  test::TempDir dir_;
  std::vector<float> signal_;
  std::filesystem::path wav_;
};

TEST_F(DecoderBlocksTest, LongWavArrivesInSmallBlocksWithEveryFrameInOrder) {
  auto decoder = Decoder::open_file(wav_);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;

  std::size_t position = 0;  // in samples
  std::size_t blocks = 0;
  std::size_t mismatches = 0;
  while (true) {
    auto block = decoder->next_block();
    ASSERT_TRUE(block.ok()) << block.error().message;
    if (block->empty()) break;
    ++blocks;
    ASSERT_EQ(block->channels, kChannels);
    ASSERT_LE(block->samples.size(), kMaxBlockSamples);
    ASSERT_EQ(block->samples.size() % kChannels, 0u) << "a block must hold whole frames";
    ASSERT_LE(position + block->samples.size(), signal_.size()) << "more audio than written";
    for (const float x : block->samples) {
      if (x != test::quantize(signal_[position], test::SampleFormat::s16)) ++mismatches;
      ++position;
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(position, signal_.size());
  EXPECT_GT(blocks, 10u);
  EXPECT_EQ(decoder->frames_decoded(), static_cast<std::int64_t>(kFrames));
  EXPECT_DOUBLE_EQ(decoder->info().duration_seconds, static_cast<double>(kFrames) / kRate);
  EXPECT_TRUE(decoder->warnings().empty());
}

TEST_F(DecoderBlocksTest, LongFlacFromMemoryArrivesInSmallBlocks) {
  const auto flac = dir_.file("long.flac");
  ASSERT_TRUE(test::ffmpeg_encode(wav_, flac, {"-c:a", "flac"}));
  const auto bytes = test::read_bytes(flac);
  auto decoder = Decoder::open_memory(bytes);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;

  std::int64_t frames = 0;
  while (true) {
    auto block = decoder->next_block();
    ASSERT_TRUE(block.ok()) << block.error().message;
    if (block->empty()) break;
    ASSERT_LE(block->samples.size(), kMaxBlockSamples);
    frames += static_cast<std::int64_t>(block->frames());
  }
  EXPECT_EQ(frames, static_cast<std::int64_t>(kFrames));
  EXPECT_EQ(decoder->frames_decoded(), frames);
  EXPECT_DOUBLE_EQ(decoder->info().duration_seconds, static_cast<double>(kFrames) / kRate);
}

TEST_F(DecoderBlocksTest, DurationIsTheHeaderEstimateBeforeAndTheDecodedLengthAfter) {
  auto decoder = Decoder::open_file(wav_);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  const double exact = static_cast<double>(kFrames) / kRate;
  EXPECT_NEAR(decoder->info().duration_seconds, exact, 0.01);

  auto first = decoder->next_block();
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(first->empty());
  EXPECT_LT(decoder->frames_decoded(), static_cast<std::int64_t>(kFrames));

  while (true) {
    auto block = decoder->next_block();
    ASSERT_TRUE(block.ok());
    if (block->empty()) break;
  }
  EXPECT_DOUBLE_EQ(decoder->info().duration_seconds, exact);
}

TEST_F(DecoderBlocksTest, EndOfStreamIsRepeatable) {
  // A caller polling after the end must keep getting the end, not an error or stale samples.
  auto decoder = Decoder::open_file(wav_);
  ASSERT_TRUE(decoder.ok());
  while (true) {
    auto block = decoder->next_block();
    ASSERT_TRUE(block.ok());
    if (block->empty()) break;
  }
  for (int i = 0; i < 3; ++i) {
    auto block = decoder->next_block();
    ASSERT_TRUE(block.ok()) << block.error().message;
    EXPECT_TRUE(block->empty());
  }
  EXPECT_EQ(decoder->frames_decoded(), static_cast<std::int64_t>(kFrames));
}

TEST_F(DecoderBlocksTest, MovedDecoderContinuesWhereItWas) {
  // Decoders are handed between owners (e.g. into a worker); a move must not lose position.
  auto opened = Decoder::open_file(wav_);
  ASSERT_TRUE(opened.ok());
  Decoder decoder = std::move(*opened);
  auto first = decoder.next_block();
  ASSERT_TRUE(first.ok());
  const auto after_first = decoder.frames_decoded();

  Decoder moved = std::move(decoder);
  EXPECT_EQ(moved.frames_decoded(), after_first);
  std::int64_t frames = after_first;
  while (true) {
    auto block = moved.next_block();
    ASSERT_TRUE(block.ok());
    if (block->empty()) break;
    frames += static_cast<std::int64_t>(block->frames());
  }
  EXPECT_EQ(frames, static_cast<std::int64_t>(kFrames));
}

}  // namespace
}  // namespace earshot::audio
