// OverviewBuilder: the waveform envelope and spectrogram the web page draws. Their resolution
// adapts to the length with bounded size, they keep the extremes and the spectrum of what was
// streamed, and they do not depend on how the stream was cut into blocks.
#include "analysis/overview.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/analysis_result.hpp"
#include "analysis/analyzer.hpp"
#include "support/signals.hpp"
#include "support/test_files.hpp"
#include "support/wav_writer.hpp"

namespace earshot::analysis {
namespace {

constexpr int kRate = OverviewBuilder::kSampleRate;

AudioOverview overview_of(std::span<const float> samples, const OverviewOptions& options = {}) {
  OverviewBuilder builder(options);
  builder.add(samples);
  return builder.finish();
}

std::size_t loudest_band(const std::array<std::uint8_t, kOverviewBands>& column) {
  return static_cast<std::size_t>(std::max_element(column.begin(), column.end()) - column.begin());
}

TEST(OverviewTest, AShortFileGetsAPointPerMillisecondAndAColumnPerFrame) {
  const auto tone = test::sine(1000.0, 0.5, kRate, kRate);  // 1 s
  const AudioOverview overview = overview_of(tone);
  EXPECT_DOUBLE_EQ(overview.waveform.seconds_per_point, 0.001);
  ASSERT_EQ(overview.waveform.min.size(), 1000u);
  ASSERT_EQ(overview.waveform.max.size(), 1000u);
  for (std::size_t i = 0; i < 1000; ++i) {
    EXPECT_NEAR(overview.waveform.max[i], 0.5, 0.01) << i;
    EXPECT_NEAR(overview.waveform.min[i], -0.5, 0.01) << i;
  }
  EXPECT_DOUBLE_EQ(overview.spectrogram.seconds_per_column, 0.032);
  EXPECT_EQ(overview.spectrogram.levels.size(), 32u);  // 31.25 frames, the last one padded
}

TEST(OverviewTest, ALongFileStaysWithinTheCapacityAndCoversItsWholeLength) {
  const auto noise = test::noise(0.3, static_cast<std::size_t>(600) * kRate);  // 10 minutes
  const AudioOverview overview =
      overview_of(noise, {.enabled = true, .waveform_points = 1000, .spectrogram_columns = 400});
  const auto& waveform = overview.waveform;
  EXPECT_GE(waveform.min.size(), 500u);
  EXPECT_LE(waveform.min.size(), 1000u);
  EXPECT_NEAR(waveform.seconds_per_point * static_cast<double>(waveform.min.size()), 600.0,
              waveform.seconds_per_point);
  const auto& spectrogram = overview.spectrogram;
  EXPECT_GE(spectrogram.levels.size(), 200u);
  EXPECT_LE(spectrogram.levels.size(), 400u);
  EXPECT_NEAR(spectrogram.seconds_per_column * static_cast<double>(spectrogram.levels.size()),
              600.0, spectrogram.seconds_per_column);
}

TEST(OverviewTest, MergingKeepsAShortPeak) {
  auto quiet = test::silence(static_cast<std::size_t>(120) * kRate);
  const std::size_t click = 70 * kRate + 123;
  quiet[click] = 0.9f;
  quiet[click + 1] = -0.7f;
  const AudioOverview overview = overview_of(quiet);
  const auto& waveform = overview.waveform;
  const auto point = static_cast<std::size_t>(70.0 / waveform.seconds_per_point);
  EXPECT_FLOAT_EQ(*std::max_element(waveform.max.begin(), waveform.max.end()), 0.9f);
  EXPECT_FLOAT_EQ(waveform.max[point], 0.9f);
  EXPECT_FLOAT_EQ(waveform.min[point], -0.7f);
  EXPECT_FLOAT_EQ(waveform.max[point + 1], 0.0f);
}

TEST(OverviewTest, TheSpectrogramShowsWhereAndWhenTheToneIs) {
  // 2 s of silence, then 2 s of a 500 Hz tone, then 2 s of a 4 kHz tone.
  auto signal = test::silence(2 * kRate);
  signal = test::concat(signal, test::sine(500.0, 0.5, kRate, 2 * kRate));
  signal = test::concat(signal, test::sine(4000.0, 0.5, kRate, 2 * kRate));
  const AudioOverview overview = overview_of(signal);
  const auto& levels = overview.spectrogram.levels;
  ASSERT_EQ(levels.size(), 188u);  // 6 s / 32 ms, rounded up
  const auto column_at = [&](double seconds) {
    return levels[static_cast<std::size_t>(seconds / overview.spectrogram.seconds_per_column)];
  };
  const auto silent = column_at(1.0);
  EXPECT_TRUE(std::all_of(silent.begin(), silent.end(), [](std::uint8_t v) { return v == 0; }));
  const std::size_t low = loudest_band(column_at(3.0));
  const std::size_t high = loudest_band(column_at(5.0));
  EXPECT_LT(low, 20u);
  EXPECT_GT(high, 40u);
  // Both tones have one amplitude; the Slaney-normalised bands are wider higher up, so the same
  // power spreads thinner there (about 7 dB at 4 kHz against 500 Hz).
  EXPECT_GE(int{column_at(3.0)[low]}, 250);
  EXPECT_GE(int{column_at(5.0)[high]}, 220);
  // 80 dB below the loudest is level 0; the tones' far bands are well below it.
  EXPECT_LT(int{column_at(3.0)[kOverviewBands - 1]}, 128);
}

TEST(OverviewTest, BlocksOfAnySizeGiveTheSameOverview) {
  const auto noise = test::noise(0.4, static_cast<std::size_t>(37) * kRate + 555);
  const AudioOverview whole = overview_of(noise);
  OverviewBuilder builder({});
  std::size_t begin = 0;
  for (std::size_t size = 1; begin < noise.size(); size = size * 3 % 7919 + 1) {
    const std::size_t take = std::min(size, noise.size() - begin);
    builder.add(std::span(noise).subspan(begin, take));
    begin += take;
  }
  const AudioOverview pieces = builder.finish();
  EXPECT_EQ(whole.waveform.min, pieces.waveform.min);
  EXPECT_EQ(whole.waveform.max, pieces.waveform.max);
  EXPECT_EQ(whole.spectrogram.levels, pieces.spectrogram.levels);
}

TEST(OverviewTest, AnalyzerAddsTheOverviewOnlyWhenAsked) {
  test::TempDir dir;
  const auto path = dir.file("tone.wav");
  const int rate = 44100;
  test::write_wav(path, test::sine(440.0, 0.5, rate, 3 * rate), {rate, 1, test::SampleFormat::s16});

  const auto plain = Analyzer().analyze_file(path);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_FALSE(plain->overview.has_value());
  EXPECT_FALSE(to_json(*plain).contains("overview"));

  AnalyzerOptions options;
  options.overview.enabled = true;
  const auto drawn = Analyzer(options).analyze_file(path);
  ASSERT_TRUE(drawn.ok()) << drawn.error().message;
  const nlohmann::ordered_json json = to_json(*drawn);
  ASSERT_TRUE(json.contains("overview"));
  const auto& waveform = json["overview"]["waveform"];
  EXPECT_EQ(waveform["min"].size(), waveform["max"].size());
  EXPECT_NEAR(waveform["seconds_per_point"].get<double>() * waveform["max"].size(), 3.0, 0.01);
  EXPECT_NEAR(waveform["max"][100].get<double>(), 0.5, 0.01);
  const auto& spectrogram = json["overview"]["spectrogram"];
  EXPECT_EQ(spectrogram["bands"], kOverviewBands);
  EXPECT_EQ(spectrogram["scale"], "mel");
  EXPECT_EQ(spectrogram["levels"][0].size(), kOverviewBands);
  // Everything else is what the plain analysis says.
  nlohmann::ordered_json without = json;
  without.erase("overview");
  EXPECT_EQ(without, to_json(*plain));

  // With classification off the overview still comes (it resamples on its own).
  options.content.enabled = false;
  const auto unclassified = Analyzer(options).analyze_file(path);
  ASSERT_TRUE(unclassified.ok());
  EXPECT_FALSE(unclassified->content.has_value());
  ASSERT_TRUE(unclassified->overview.has_value());
  EXPECT_EQ(unclassified->overview->waveform.max, drawn->overview->waveform.max);
}

}  // namespace
}  // namespace earshot::analysis
