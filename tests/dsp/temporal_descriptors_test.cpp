// Zero-crossing rate and frame RMS against the golden cases (numpy transcriptions of librosa
// 0.10's zero_crossing_rate and rms, float64 from the float32 input).
//
// Tolerances:
//   zero-crossing rate  exact (a count of sign changes over frame_length)
//   RMS                 relative 1e-5, floor 1e-9 (silent frames are exactly 0)
#include "dsp/descriptors/temporal_descriptors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/reference.hpp"
#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

constexpr double kRmsRelative = 1e-5;
constexpr double kRmsFloor = 1e-9;

FramingOptions framing_of(const nlohmann::json& p) {
  return {.frame_length = p.at("frame_length"),
          .hop_length = p.at("hop_length"),
          .center = p.at("center"),
          .pad_mode = *parse_pad_mode(p.at("pad_mode").get<std::string>())};
}

TEST(ZeroCrossingRate, MatchesTheReferenceExactly) {
  const auto cases = test::load_reference_cases("zcr");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    auto zcr = ZeroCrossingRate::create(
        {.framing = framing_of(c.params), .threshold = c.params.at("threshold")});
    ASSERT_TRUE(zcr.ok()) << c.name;
    const auto actual = zcr->compute(c.input);
    ASSERT_EQ(actual.size(), c.expected.values.size()) << c.name;
    EXPECT_EQ(actual, c.expected.values) << c.name;
  }
}

TEST(FrameRms, MatchesTheReference) {
  const auto cases = test::load_reference_cases("rms");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    auto rms = FrameRms::create({.framing = framing_of(c.params)});
    ASSERT_TRUE(rms.ok()) << c.name;
    const auto actual = rms->compute(c.input);
    ASSERT_EQ(actual.size(), c.expected.values.size()) << c.name;
    EXPECT_LE(test::max_relative_error(actual, c.expected.values, kRmsFloor), kRmsRelative)
        << c.name;
  }
}

TEST(ZeroCrossingRate, DefaultsAreLibrosas) {
  auto zcr = ZeroCrossingRate::create();
  ASSERT_TRUE(zcr.ok());
  EXPECT_EQ(zcr->options().framing.frame_length, 2048);
  EXPECT_EQ(zcr->options().framing.hop_length, 512);
  EXPECT_TRUE(zcr->options().framing.center);
  EXPECT_EQ(zcr->options().framing.pad_mode, PadMode::edge);
  EXPECT_EQ(zcr->frame_count(22050), 1u + 22050 / 512);
}

TEST(FrameRms, DefaultsAreLibrosas) {
  auto rms = FrameRms::create();
  ASSERT_TRUE(rms.ok());
  EXPECT_EQ(rms->options().framing.frame_length, 2048);
  EXPECT_EQ(rms->options().framing.pad_mode, PadMode::constant);
  EXPECT_EQ(rms->frame_count(1000), 1u + 1000 / 512);
}

TEST(TemporalDescriptors, InvalidOptionsAreRefusedWithAMessage) {
  auto no_hop = ZeroCrossingRate::create({.framing = {.hop_length = 0}});
  ASSERT_FALSE(no_hop.ok());
  EXPECT_EQ(no_hop.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(no_hop.error().message.find("hop"), std::string::npos);

  auto negative = ZeroCrossingRate::create({.threshold = -1.0});
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message.find("threshold"), std::string::npos);

  auto no_frame = FrameRms::create({.framing = {.frame_length = 0}});
  ASSERT_FALSE(no_frame.ok());
  EXPECT_EQ(no_frame.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(no_frame.error().message.find("RMS"), std::string::npos);
}

TEST(ZeroCrossingRate, AToneCrossesTwicePerPeriod) {
  // 1 kHz at 16 kHz: 2000 crossings a second, 2000 / 16000 per sample.
  const auto tone = test::sine(1000.0, 0.5, 16000, 16000, 0.1);
  auto zcr = ZeroCrossingRate::create();
  const auto rates = zcr->compute(tone);
  EXPECT_NEAR(rates[rates.size() / 2], 2000.0 / 16000.0, 1.0 / 2048);
}

TEST(ZeroCrossingRate, ZeroAndTinyValuesCountAsPositive) {
  // +1, 0, -1e-12, +1 ...: zero and |x| <= 1e-10 are positive, so only real sign flips count.
  std::vector<float> x = {1.0f, 0.0f, -1e-12f, 1.0f, -0.0f, -1.0f, 1.0f, -1.0f};
  auto zcr =
      ZeroCrossingRate::create({.framing = {.frame_length = 8, .hop_length = 8, .center = false}});
  const auto rates = zcr->compute(x);
  ASSERT_EQ(rates.size(), 1u);
  // 0, -1e-12 and -0 are positive: the only crossings are into -1, +1 and -1.
  EXPECT_EQ(rates[0], 3.0f / 8.0f);
}

TEST(ZeroCrossingRate, SilenceAndConstantsHaveNone) {
  auto zcr = ZeroCrossingRate::create();
  for (const auto& x : {test::silence(5000), test::constant(-0.25f, 5000)}) {
    for (float r : zcr->compute(x)) EXPECT_EQ(r, 0.0f);
  }
}

TEST(FrameRms, AFullScaleSineIsOneOverRootTwo) {
  const auto tone = test::sine(441.0, 1.0, 44100, 44100);
  auto rms = FrameRms::create();
  const auto levels = rms->compute(tone);
  EXPECT_NEAR(levels[levels.size() / 2], 1.0 / std::sqrt(2.0), 1e-3);
  // The first frame is centred on sample 0: half of it is zero padding.
  EXPECT_NEAR(levels.front(), 0.5, 0.01);
}

TEST(TemporalDescriptors, ShortAndEmptySignalsGiveDefinedFrames) {
  auto rms = FrameRms::create();
  auto zcr = ZeroCrossingRate::create();
  EXPECT_EQ(rms->compute({}), std::vector<float>{0.0f});  // centred: one all-padding frame
  EXPECT_EQ(zcr->compute({}), std::vector<float>{0.0f});
  auto uncentred = FrameRms::create({.framing = {.center = false}});
  EXPECT_TRUE(uncentred->compute(test::silence(100)).empty());  // shorter than one frame
}

}  // namespace
}  // namespace earshot::dsp
