// Chained Ogg files (one Ogg stream after another in one file, as internet-radio recordings and
// naive concatenation produce): the decoder must go through every link, and refuse with
// decode_failed when a later link changes the sample rate instead of mixing two rates.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "audio/decoder.hpp"
#include "support/drain_decoder.hpp"
#include "support/ffmpeg_encode.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::audio {
namespace {

using core::ErrorCode;

class DecoderChainedTest : public testing::Test {
 protected:
  // One second of a tone at `rate`, encoded as Ogg Vorbis; returns the file's bytes.
  std::vector<std::uint8_t> ogg_link(const char* name, int rate) {
    const auto wav = dir_.file(std::string(name) + ".wav");
    const auto ogg = dir_.file(std::string(name) + ".ogg");
    test::write_wav(wav, test::sine(440.0, 0.5, rate, static_cast<std::size_t>(rate)),
                    {rate, 1, test::SampleFormat::s16});
    EXPECT_TRUE(test::ffmpeg_encode(wav, ogg, {"-c:a", "libvorbis"}));
    return test::read_bytes(ogg);
  }

  static std::vector<std::uint8_t> chain(std::vector<std::uint8_t> first,
                                         const std::vector<std::uint8_t>& second) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
  }

  test::TempDir dir_;
};

TEST_F(DecoderChainedTest, EveryLinkIsDecoded) {
  const auto bytes = chain(ogg_link("a", 44100), ogg_link("b", 44100));
  auto decoder = Decoder::open_memory(bytes);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  // The header describes only the first link; the decoded length is both. A Vorbis block may
  // be lost where the links meet.
  EXPECT_NEAR(decoder->info().duration_seconds, 2.0, 2048.0 / 44100);
  EXPECT_NEAR(test::rms(audio->samples), 0.5 / std::sqrt(2.0), 0.02);
}

TEST_F(DecoderChainedTest, LinkWithAnotherSampleRateIsDecodeFailed) {
  // Mixed rates in one stream cannot be measured as one signal; silently resampling or
  // mislabelling the second link would give wrong durations and levels.
  const auto bytes = chain(ogg_link("a", 44100), ogg_link("c", 22050));
  auto decoder = Decoder::open_memory(bytes);
  ASSERT_TRUE(decoder.ok()) << decoder.error().message;
  auto audio = test::drain(*decoder);
  ASSERT_FALSE(audio.ok()) << "decoded " << audio->frames() << " frames";
  EXPECT_EQ(audio.error().code, ErrorCode::decode_failed);
  EXPECT_NE(audio.error().message.find("sample rate"), std::string::npos) << audio.error().message;
}

}  // namespace
}  // namespace earshot::audio
