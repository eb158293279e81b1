// detail::find_riff_shortfall: the check that notices a WAV cut short (a truncated download),
// which FFmpeg alone passes over silently. It reads only the head of the file, so it must walk
// chunks correctly and leave alone the WAVs whose size fields are placeholders.
#include "audio/riff_check.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "support/signals.hpp"
#include "support/wav_writer.hpp"

namespace earshot::audio::detail {
namespace {

std::vector<std::uint8_t> one_second_wav() {
  return test::encode_wav(test::sine(440.0, 0.5, 8000, 8000), {8000, 1, test::SampleFormat::s16});
}

// Inserts a chunk between "fmt " and "data", as many writers do with LIST/INFO metadata.
std::vector<std::uint8_t> with_chunk_before_data(std::vector<std::uint8_t> wav, const char* id,
                                                 const std::string& body) {
  std::vector<std::uint8_t> chunk(8 + body.size() + (body.size() & 1), 0);
  std::memcpy(chunk.data(), id, 4);
  test::put_u32_le(chunk, 4, static_cast<std::uint32_t>(body.size()));
  std::memcpy(chunk.data() + 8, body.data(), body.size());
  const auto data_chunk = wav.begin() + static_cast<std::ptrdiff_t>(test::kWavDataSizeOffset - 4);
  wav.insert(data_chunk, chunk.begin(), chunk.end());
  return wav;
}

TEST(RiffCheckTest, CompleteWavHasNoShortfall) {
  const auto wav = one_second_wav();
  EXPECT_FALSE(find_riff_shortfall(wav, wav.size()).has_value());
}

TEST(RiffCheckTest, TruncatedWavReportsDeclaredAndPresentBytes) {
  const auto wav = one_second_wav();  // 16000 data bytes
  const std::uint64_t cut = wav.size() - 6000;
  const auto shortfall = find_riff_shortfall(wav, cut);
  ASSERT_TRUE(shortfall.has_value());
  EXPECT_EQ(shortfall->declared_bytes, 16000u);
  EXPECT_EQ(shortfall->present_bytes, 10000u);
}

TEST(RiffCheckTest, HeaderOnlyFileHasNothingPresent) {
  const auto wav = one_second_wav();
  const auto shortfall = find_riff_shortfall(wav, test::kWavHeaderBytes);
  ASSERT_TRUE(shortfall.has_value());
  EXPECT_EQ(shortfall->present_bytes, 0u);
}

TEST(RiffCheckTest, FindsTheDataChunkAfterOtherChunks) {
  // An odd-sized chunk is followed by a pad byte; skipping it wrongly would miss "data".
  const auto wav = with_chunk_before_data(one_second_wav(), "LIST", "INFOodd");
  ASSERT_EQ(wav.size(), one_second_wav().size() + 16);
  EXPECT_FALSE(find_riff_shortfall(wav, wav.size()).has_value());
  const auto shortfall = find_riff_shortfall(wav, wav.size() - 100);
  ASSERT_TRUE(shortfall.has_value());
  EXPECT_EQ(shortfall->declared_bytes, 16000u);
  EXPECT_EQ(shortfall->present_bytes, 15900u);
}

TEST(RiffCheckTest, PlaceholderSizesAreNotTruncation) {
  // Streaming writers (ffmpeg to a pipe, some recorders) leave 0 or 0xFFFFFFFF in the size.
  for (const std::uint32_t placeholder : {0u, 0xFFFFFFFFu}) {
    auto wav = one_second_wav();
    test::put_u32_le(wav, test::kWavDataSizeOffset, placeholder);
    EXPECT_FALSE(find_riff_shortfall(wav, wav.size()).has_value()) << placeholder;
  }
}

TEST(RiffCheckTest, OtherFormatsAreLeftAlone) {
  auto rifx = one_second_wav();
  std::memcpy(rifx.data(), "RIFX", 4);  // big-endian RIFF: sizes would be misread
  EXPECT_FALSE(find_riff_shortfall(rifx, 100).has_value());

  auto avi = one_second_wav();
  std::memcpy(avi.data() + 8, "AVI ", 4);
  EXPECT_FALSE(find_riff_shortfall(avi, 100).has_value());

  const std::string text = "RIFF is a word, not a header";
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  EXPECT_FALSE(find_riff_shortfall(bytes, bytes.size()).has_value());
  EXPECT_FALSE(find_riff_shortfall({}, 0).has_value());
}

TEST(RiffCheckTest, HeadEndingBeforeTheDataChunkFindsNothing) {
  // Only the head is read; a header cut inside the chunk list proves nothing about the data.
  const auto wav = one_second_wav();
  const std::span<const std::uint8_t> head(wav.data(), test::kWavDataSizeOffset - 2);
  EXPECT_FALSE(find_riff_shortfall(head, 1'000'000).has_value());
}

}  // namespace
}  // namespace earshot::audio::detail
