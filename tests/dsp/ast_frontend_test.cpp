// The AST front end: always max_length × 128, padding and truncation as the Hugging Face
// extractor does them, its normalisation, its refusals, and the golden "ast_input" cases.
#include "dsp/kaldi/ast_frontend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "kaldi_tolerance.hpp"
#include "support/reference.hpp"
#include "support/signals.hpp"

namespace earshot::dsp {
namespace {

constexpr float kMean = -4.2677393f;
constexpr float kTwoStd = 9.1379948f;
// A padded row: a zero of the filterbank, normalised.
constexpr float kPadding = (0.0f - kMean) / kTwoStd;

Matrix expected_from_fbank(std::span<const float> x, std::size_t frames) {
  auto fbank = KaldiFbank::create(
      {.frame_shift = 10, .window_type = "hanning", .num_mel_bins = 128, .htk_compat = true});
  EXPECT_TRUE(fbank.ok());
  auto out = fbank->compute(x, frames);
  EXPECT_TRUE(out.ok());
  for (float& v : out->values) v = (v - kMean) / kTwoStd;
  return std::move(*out);
}

TEST(AstFrontend, AShortClipIsPaddedToTenSecondsOfFrames) {
  const auto x = test::concat(test::sine(440, 0.5, 16000, 8000), test::noise(0.1, 8000));
  auto out = ast_input(x, 16000);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->rows, 1024u);
  ASSERT_EQ(out->cols, 128u);
  const Matrix expected = expected_from_fbank(x, 1024);
  ASSERT_EQ(expected.rows, 98u);  // 1 s of audio
  for (std::size_t i = 0; i < expected.values.size(); ++i) {
    ASSERT_EQ(out->values[i], expected.values[i]) << i;
  }
  for (std::size_t f = expected.rows; f < out->rows; ++f) {
    for (float v : out->row(f)) ASSERT_EQ(v, kPadding) << "row " << f;
  }
  EXPECT_NEAR(kPadding, 0.46703, 1e-4);
}

TEST(AstFrontend, ALongClipIsTruncatedToItsFirst1024Frames) {
  const auto x = test::noise(0.2, 16000 * 20, 4);
  auto out = ast_input(x, 16000);
  ASSERT_TRUE(out.ok()) << out.error().message;
  ASSERT_EQ(out->rows, 1024u);
  ASSERT_EQ(out->cols, 128u);
  EXPECT_EQ(out->values, expected_from_fbank(x, 1024).values);
  // No padding anywhere: the last row is real audio.
  for (float v : out->row(1023)) EXPECT_NE(v, kPadding);
}

TEST(AstFrontend, ExactlyTenPointTwoFourSecondsFillsEveryRow) {
  // 1024 frames need 400 + 1023 * 160 = 164 080 samples.
  auto out = ast_input(test::noise(0.2, 164080, 8), 16000);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->rows, 1024u);
  for (float v : out->row(1023)) EXPECT_NE(v, kPadding);
  auto one_short = ast_input(test::noise(0.2, 164079, 8), 16000);
  ASSERT_TRUE(one_short.ok());
  for (float v : one_short->row(1023)) EXPECT_EQ(v, kPadding);
}

TEST(AstFrontend, OtherCheckpointsChooseLengthAndStatistics) {
  auto frontend = AstFrontend::create({.max_length = 128, .mean = 0.0f, .std_dev = 0.5f});
  ASSERT_TRUE(frontend.ok());
  const auto x = test::noise(0.2, 16000, 2);
  auto out = frontend->compute(x, 16000);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->rows, 128u);
  ASSERT_EQ(out->cols, 128u);
  auto raw = AstFrontend::create({.max_length = 128, .do_normalize = false});
  ASSERT_TRUE(raw.ok());
  auto unnormalised = raw->compute(x, 16000);
  ASSERT_TRUE(unnormalised.ok());
  // Mean 0 and 2 std = 1 leave the filterbank as it is.
  EXPECT_EQ(out->values, unnormalised->values);
  EXPECT_EQ(unnormalised->row(127)[0], 0.0f) << "unnormalised padding stays zero";
}

TEST(AstFrontend, RefusesOtherRatesTooShortClipsAndBadOptions) {
  auto wrong_rate = ast_input(test::noise(0.1, 44100), 44100);
  ASSERT_FALSE(wrong_rate.ok());
  EXPECT_EQ(wrong_rate.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(wrong_rate.error().message.find("16000 Hz"), std::string::npos);

  auto too_short = ast_input(test::noise(0.1, 399), 16000);
  ASSERT_FALSE(too_short.ok());
  EXPECT_EQ(too_short.error().code, core::ErrorCode::invalid_input);
  EXPECT_TRUE(ast_input(test::noise(0.1, 400), 16000).ok());

  EXPECT_FALSE(AstFrontend::create({.num_mel_bins = 2}).ok());
  EXPECT_FALSE(AstFrontend::create({.max_length = 0}).ok());
  EXPECT_FALSE(AstFrontend::create({.std_dev = 0.0f}).ok());
  EXPECT_FALSE(AstFrontend::create({.sampling_rate = 0}).ok());
}

TEST(AstFrontend, MatchesTheReferenceExtractor) {
  const auto cases = test::load_reference_cases("ast_input");
  EXPECT_FALSE(cases.empty()) << "no ast_input cases in the manifest";
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto out = ast_input(c.input, c.sample_rate);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_EQ(c.expected.shape, (std::vector<std::size_t>{out->rows, out->cols}));
    // Judged as log filterbank values (kaldi_tolerance.hpp), undoing the normalisation:
    // 1e-3 there is 1.1e-4 here.
    double worst = 0.0;
    for (std::size_t i = 0; i < out->values.size(); ++i) {
      const double expected = c.expected.values[i] * static_cast<double>(kTwoStd) + kMean;
      const double error = std::fabs(out->values[i] - c.expected.values[i]) * kTwoStd;
      worst = std::max(worst, error);
      ASSERT_LE(error, test::kaldi_log_tolerance(expected))
          << "row " << i / 128 << " col " << i % 128;
    }
    std::printf("%s: largest error %.1e in log units\n", c.name.c_str(), worst);
  }
}

}  // namespace
}  // namespace earshot::dsp
