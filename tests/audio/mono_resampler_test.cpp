// MonoResampler and decode_all/decode_file: downmixing averages channels (a mono file and the
// same signal in both stereo channels give identical output), rate conversion keeps the length
// and the pitch, and a conversion to the same rate leaves the samples untouched.
#include "audio/mono_resampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "audio/decode_all.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::audio {
namespace {

using core::ErrorCode;

// Pushes `interleaved` in blocks of `block_frames` frames (all of it at once when 0) and flushes.
std::vector<float> resample(std::span<const float> interleaved, int channels, int input_rate,
                            int target_rate, std::size_t block_frames = 0) {
  auto resampler = MonoResampler::create(input_rate, channels, target_rate);
  EXPECT_TRUE(resampler.ok());
  std::vector<float> out;
  const std::size_t step =
      block_frames == 0 ? interleaved.size() : block_frames * static_cast<std::size_t>(channels);
  for (std::size_t start = 0; start < interleaved.size(); start += step) {
    const std::size_t count = std::min(step, interleaved.size() - start);
    EXPECT_TRUE(resampler->push({interleaved.subspan(start, count), channels}, out).ok());
  }
  EXPECT_TRUE(resampler->flush(out).ok());
  return out;
}

TEST(MonoResamplerTest, StereoWithIdenticalChannelsEqualsMono) {
  const auto x = test::sine(1000.0, 0.5, 44100, 44100);
  const auto stereo = test::interleave({x, x});
  EXPECT_EQ(resample(stereo, 2, 44100, 16000), resample(x, 1, 44100, 16000));
  EXPECT_EQ(resample(stereo, 2, 44100, 44100), x);
}

TEST(MonoResamplerTest, OppositeChannelsCancelInTheDownmix) {
  const auto x = test::sine(440.0, 0.8, 48000, 48000);
  std::vector<float> minus_x(x.size());
  std::transform(x.begin(), x.end(), minus_x.begin(), [](float v) { return -v; });
  const auto stereo = test::interleave({x, minus_x});
  EXPECT_LT(test::peak(resample(stereo, 2, 48000, 48000)), 1e-6);
  EXPECT_LT(test::peak(resample(stereo, 2, 48000, 16000)), 1e-6);
}

TEST(MonoResamplerTest, DownmixIsTheAverageOfTheChannels) {
  // Averaging, not summing: two full-scale channels must not clip the mono signal.
  const auto left = test::constant(0.8f, 1000);
  const auto right = test::constant(0.2f, 1000);
  const auto mono = resample(test::interleave({left, right}), 2, 8000, 8000);
  ASSERT_EQ(mono.size(), 1000u);
  for (const float v : mono) ASSERT_FLOAT_EQ(v, 0.5f);
}

TEST(MonoResamplerTest, From44100To16000KeepsLengthAndPitch) {
  constexpr double kSeconds = 2.0;
  const auto x = test::sine(1000.0, 0.5, 44100, static_cast<std::size_t>(kSeconds * 44100));
  const auto out = resample(x, 1, 44100, 16000);

  EXPECT_NEAR(static_cast<double>(out.size()), kSeconds * 16000, 4.0);
  // 1 kHz for 2 s crosses zero about 4000 times; a wrong ratio (e.g. 44100/48000) would give
  // hundreds more or fewer.
  EXPECT_NEAR(static_cast<double>(test::zero_crossings(out)), 2.0 * 1000.0 * kSeconds, 4.0);
  // All the energy stays at 1 kHz: amplitude 0.5 gives a DFT magnitude of about 0.25.
  EXPECT_NEAR(test::tone_magnitude(out, 1000.0, 16000), 0.25, 0.01);
  EXPECT_LT(test::tone_magnitude(out, 1100.0, 16000), 0.01);
  EXPECT_NEAR(test::rms(out), 0.5 / std::sqrt(2.0), 0.01);
}

TEST(MonoResamplerTest, UpsamplingKeepsLengthAndPitch) {
  const auto x = test::sine(500.0, 0.5, 16000, 16000);
  const auto out = resample(x, 1, 16000, 48000);
  EXPECT_NEAR(static_cast<double>(out.size()), 48000.0, 4.0);
  EXPECT_NEAR(static_cast<double>(test::zero_crossings(out)), 1000.0, 4.0);
}

TEST(MonoResamplerTest, SameRatePassesSamplesThroughExactly) {
  const auto x = test::noise(0.9, 5000, 7);
  EXPECT_EQ(resample(x, 1, 22050, 22050), x);
}

TEST(MonoResamplerTest, BlockSizeDoesNotChangeTheOutput) {
  // The decoder's block sizes depend on the codec; the resampled signal must not.
  const auto x = test::sine(1000.0, 0.5, 44100, 44100);
  const auto stereo = test::interleave({x, x});
  const auto whole = resample(stereo, 2, 44100, 16000);
  const auto pieces = resample(stereo, 2, 44100, 16000, 313);
  ASSERT_EQ(whole.size(), pieces.size());
  for (std::size_t i = 0; i < whole.size(); ++i) ASSERT_NEAR(whole[i], pieces[i], 1e-6) << i;
}

TEST(MonoResamplerTest, RefusesNonPositiveParameters) {
  for (const auto& [rate, channels, target] :
       std::vector<std::tuple<int, int, int>>{{0, 1, 16000}, {44100, 0, 16000}, {44100, 1, 0}}) {
    auto resampler = MonoResampler::create(rate, channels, target);
    ASSERT_FALSE(resampler.ok());
    EXPECT_EQ(resampler.error().code, ErrorCode::invalid_input);
  }
}

TEST(MonoResamplerTest, RefusesABlockWithAnotherChannelCount) {
  auto resampler = MonoResampler::create(44100, 2, 16000);
  ASSERT_TRUE(resampler.ok());
  const auto x = test::sine(1000.0, 0.5, 44100, 300);
  std::vector<float> out;
  const auto pushed = resampler->push({x, 3}, out);
  ASSERT_FALSE(pushed.ok());
  EXPECT_EQ(pushed.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(resampler->target_rate(), 16000);
}

// decode_file/decode_memory put Decoder and MonoResampler together.
class DecodeAllTest : public testing::Test {
 protected:
  test::TempDir dir_;
};

TEST_F(DecodeAllTest, StereoFileWithIdenticalChannelsDecodesLikeTheMonoFile) {
  const auto x = test::sine(1000.0, 0.5, 44100, 44100);
  test::write_wav(dir_.file("mono.wav"), x, {44100, 1, test::SampleFormat::f32});
  test::write_wav(dir_.file("stereo.wav"), test::interleave({x, x}),
                  {44100, 2, test::SampleFormat::f32});
  auto mono = decode_file(dir_.file("mono.wav"));
  auto stereo = decode_file(dir_.file("stereo.wav"));
  ASSERT_TRUE(mono.ok() && stereo.ok());
  EXPECT_EQ(stereo->samples, mono->samples);
  EXPECT_EQ(stereo->info.channels, 2);  // info describes the file, not the mono output
  EXPECT_EQ(mono->info.channels, 1);
}

TEST_F(DecodeAllTest, DefaultsTo16kHzMono) {
  const auto x = test::sine(1000.0, 0.5, 44100, 2 * 44100);
  test::write_wav(dir_.file("tone.wav"), test::interleave({x, x}),
                  {44100, 2, test::SampleFormat::s16});
  auto audio = decode_file(dir_.file("tone.wav"));
  ASSERT_TRUE(audio.ok()) << audio.error().message;
  EXPECT_EQ(audio->sample_rate, 16000);
  EXPECT_EQ(audio->info.sample_rate, 44100);
  EXPECT_NEAR(static_cast<double>(audio->samples.size()), 32000.0, 4.0);
  EXPECT_NEAR(static_cast<double>(test::zero_crossings(audio->samples)), 4000.0, 4.0);
}

TEST_F(DecodeAllTest, TargetRateZeroOrTheFileRateKeepsSamplesExact) {
  const auto x = test::noise(0.7, 12345, 3);
  const auto bytes = test::encode_wav(x, {32000, 1, test::SampleFormat::f32});
  for (const int target : {0, 32000}) {
    DecodeOptions options;
    options.target_sample_rate = target;
    auto audio = decode_memory(bytes, options);
    ASSERT_TRUE(audio.ok()) << audio.error().message;
    EXPECT_EQ(audio->sample_rate, 32000);
    EXPECT_EQ(audio->samples, x);
  }
}

}  // namespace
}  // namespace earshot::audio
