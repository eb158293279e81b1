// YIN against the golden cases (numpy transcriptions of librosa 0.10's and 0.11's yin, float64
// from the float32 input; params.formulation says which) and on signals whose pitch is known.
//
// Tolerance: 0.001 Hz on every frame (measured: under 1e-4 Hz in both formulations).
// earshot computes the autocorrelation with float32 FFTs and everything after it in double;
// the generator's own float32 pipeline differs from its golden by up to 1.1e-4 Hz. The
// manifest lists no unstable frame (no trough within 1e-5 of the threshold), so every frame
// must choose the golden's trough.
#include "dsp/descriptors/yin.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "support/reference.hpp"
#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

constexpr double kHzAbsolute = 1e-3;

YinOptions options_of(const test::ReferenceCase& c) {
  const auto& p = c.params;
  YinOptions o{.fmin = p.at("fmin"),
               .fmax = p.at("fmax"),
               .sample_rate = p.at("sr"),
               .frame_length = p.at("frame_length"),
               .hop_length = p.at("hop_length"),
               .trough_threshold = p.at("trough_threshold"),
               .center = p.at("center"),
               .pad_mode = *parse_pad_mode(p.at("pad_mode").get<std::string>())};
  if (p.value("formulation", "librosa-0.11") == "librosa-0.10") {
    o.formulation = YinFormulation::librosa_0_10;
    o.win_length = p.at("win_length");
  }
  return o;
}

// "yin" holds librosa 0.10's goldens, "yin_librosa_0_11" the same cases in 0.11's formulation.
class YinReference : public ::testing::TestWithParam<const char*> {};

TEST_P(YinReference, MatchesTheGoldenOnEveryFrame) {
  const auto cases = test::load_reference_cases(GetParam());
  ASSERT_FALSE(cases.empty()) << "no golden case for " << GetParam();
  for (const auto& c : cases) {
    auto yin = Yin::create(options_of(c));
    ASSERT_TRUE(yin.ok()) << c.name << ": " << yin.error().message;
    const auto f0 = yin->compute(c.input);
    ASSERT_EQ(f0.size(), c.expected.values.size()) << c.name;
    for (std::size_t t = 0; t < f0.size(); ++t) {
      EXPECT_NEAR(f0[t], c.expected.values[t], kHzAbsolute) << c.name << " frame " << t;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Librosa, YinReference, ::testing::Values("yin", "yin_librosa_0_11"));

TEST(Yin, DefaultsAreLibrosas) {
  auto yin = Yin::create();
  ASSERT_TRUE(yin.ok());
  EXPECT_EQ(yin->options().frame_length, 2048);
  EXPECT_EQ(yin->hop_length(), 512);
  EXPECT_EQ(yin->options().pad_mode, PadMode::constant);
  EXPECT_EQ(yin->options().formulation, YinFormulation::librosa_0_11);
  EXPECT_EQ(yin->win_length(), 0);
  EXPECT_EQ(yin->min_period(), 10);   // floor(22050 / 2093)
  EXPECT_EQ(yin->max_period(), 338);  // ceil(22050 / 65.4)
  EXPECT_EQ(yin->frame_count(22050), 1u + 22050 / 512);

  auto old = Yin::create({.formulation = YinFormulation::librosa_0_10});
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->win_length(), 1024);  // frame_length / 2
}

TEST(Yin, InvalidOptionsAreRefusedWithAMessage) {
  struct Bad {
    YinOptions options;
    const char* mentions;
  };
  const Bad bad[] = {
      {{.fmin = 0.0}, "fmin"},
      {{.fmin = 500.0, .fmax = 400.0}, "fmax"},
      {{.fmax = 12000.0}, "Nyquist"},
      {{.sample_rate = 0}, "sample rate"},
      {{.fmax = 2000.0, .frame_length = 12}, "too short"},  // floor(22050 / 2000) = 11
      {{.formulation = YinFormulation::librosa_0_10, .win_length = 2048}, "win_length"},
      {{.win_length = 512}, "0.10"},
      {{.hop_length = -1}, "hop"},
      {{.trough_threshold = 0.0}, "threshold"},
  };
  for (const auto& b : bad) {
    auto yin = Yin::create(b.options);
    ASSERT_FALSE(yin.ok()) << b.mentions;
    EXPECT_EQ(yin.error().code, core::ErrorCode::invalid_input);
    EXPECT_NE(yin.error().message.find(b.mentions), std::string::npos) << yin.error().message;
  }
}

class YinTones : public ::testing::TestWithParam<double> {};

TEST_P(YinTones, FindsTheFrequencyOfAPureTone) {
  const double frequency = GetParam();
  const auto tone = test::sine(frequency, 0.5, 22050, 22050, 0.3);
  auto yin = Yin::create();
  const auto f0 = yin->compute(tone);
  // Frames wholly inside the signal; the edge frames see zero padding.
  for (std::size_t t = 4; t + 4 < f0.size(); ++t) {
    EXPECT_NEAR(f0[t], frequency, frequency * 1e-2) << "frame " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(SpeechAndMusicRange, YinTones,
                         ::testing::Values(82.41, 110.0, 220.0, 440.0, 1000.0, 1760.0));

TEST(Yin, SilenceReportsTheShortestPeriodNeverNaN) {
  auto yin = Yin::create();
  ASSERT_TRUE(yin.ok());
  Yin::Workspace workspace(*yin);
  const auto silence = test::silence(10000);
  std::vector<float> f0(yin->frame_count(silence.size()));
  std::vector<float> aperiodicity(f0.size());
  yin->compute(silence, f0, aperiodicity, workspace);
  for (std::size_t t = 0; t < f0.size(); ++t) {
    EXPECT_FLOAT_EQ(f0[t], 22050.0f / 10.0f);  // sr / floor(sr / fmax)
    EXPECT_EQ(aperiodicity[t], 0.0f);
  }
}

TEST(Yin, NoiseIsAperiodicAndATonePeriodic) {
  auto yin = Yin::create();
  Yin::Workspace workspace(*yin);
  const auto noise = test::noise(0.3, 22050, 11);
  const auto tone = test::sine(330.0, 0.3, 22050, 22050);
  std::vector<float> f0(yin->frame_count(22050));
  std::vector<float> noisy(f0.size());
  std::vector<float> clean(f0.size());
  yin->compute(noise, f0, noisy, workspace);
  for (float v : f0) EXPECT_TRUE(std::isfinite(v));
  yin->compute(tone, f0, clean, workspace);  // the same workspace, reused
  const std::size_t t = f0.size() / 2;
  EXPECT_GT(noisy[t], 0.3f);
  EXPECT_LT(clean[t], 0.05f);
  EXPECT_NEAR(f0[t], 330.0f, 0.5f);
}

TEST(Yin, OneSharedInstanceGivesTheSameAnswerFromEveryWorkspace) {
  auto yin = Yin::create({.sample_rate = 16000, .frame_length = 1024});
  ASSERT_TRUE(yin.ok());
  const auto chirp = test::sine(200.0, 0.4, 16000, 8000);
  const auto first = yin->compute(chirp);
  const auto second = yin->compute(chirp);
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace earshot::dsp
