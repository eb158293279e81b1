// analysis::to_json: the JSON every earshot front end prints. Clients parse it, so the member
// names, their order, the rounding of duration and null for non-finite levels are contract.
#include "analysis/analysis_result.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace earshot::analysis {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Every field set to a distinct value, so a member filled from the wrong field shows up.
AnalysisResult typical_result() {
  AnalysisResult result;
  result.info.duration_seconds = 12.3456;
  result.info.sample_rate = 44100;
  result.info.channels = 2;
  result.info.codec = "pcm_s16le";
  result.info.container = "wav";
  result.info.bit_rate = 1411200;
  result.stats.rms_dbfs = -20.5;
  result.stats.peak_dbfs = -3.25;
  result.stats.loudness_lufs = -18.75;
  result.stats.true_peak_dbfs = -3.0;
  result.stats.silent_fraction = 0.125;
  result.stats.dc_offset = 0.001;
  result.stats.clipped_ratio = 0.0625;
  result.stats.frames = 544440;
  result.decode_errors = 2;
  result.warnings = {"2 corrupt packet(s) were skipped"};
  return result;
}

TEST(AnalysisResultJsonTest, HasExactlyTheDocumentedKeysInOrder) {
  const auto json = to_json(typical_result());
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  const std::vector<std::string> expected = {
      "duration",        "sample_rate",   "channels",       "codec",         "container",
      "bit_rate",        "loudness_lufs", "true_peak_dbfs", "peak_dbfs",     "rms_dbfs",
      "silent_fraction", "dc_offset",     "clipped_ratio",  "decode_errors", "warnings"};
  EXPECT_EQ(keys, expected);
}

TEST(AnalysisResultJsonTest, ContentFieldsFollowChannelsAndSegmentsComeLast) {
  auto result = typical_result();
  result.content.emplace(ContentSummary{
      .classification = ContentClass::music,
      .probabilities = {0.02, 0.912345678, 0.03, 0.037654322},
      .segments = {{0.0, 2.0, ContentClass::silence}, {2.0, 12.345, ContentClass::music}}});
  const auto json = to_json(result);
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.items()) keys.push_back(key);
  ASSERT_EQ(keys.size(), 18u);
  EXPECT_EQ(keys[3], "classification");
  EXPECT_EQ(keys[4], "class_probabilities");
  EXPECT_EQ(keys.back(), "segments");
  EXPECT_EQ(json["classification"], "music");
  EXPECT_EQ(json["class_probabilities"],
            nlohmann::ordered_json::parse(
                R"({"speech":0.02,"music":0.9123,"noise":0.03,"silence":0.0377})"));
  EXPECT_EQ(json["segments"],
            nlohmann::ordered_json::parse(R"([{"start":0.0,"end":2.0,"label":"silence"},
                                                       {"start":2.0,"end":12.35,"label":"music"}])"));
}

TEST(AnalysisResultJsonTest, SpeechWithMusicUnderItSaysSo) {
  auto result = typical_result();
  result.content.emplace(ContentSummary{.classification = ContentClass::speech,
                                        .probabilities = {0.9, 0.1, 0.0, 0.0},
                                        .segments = {{0.0, 2.0, ContentClass::speech, false},
                                                     {2.0, 5.25, ContentClass::speech, true}}});
  EXPECT_EQ(to_json(result)["segments"], nlohmann::ordered_json::parse(R"([
      {"start":0.0,"end":2.0,"label":"speech"},
      {"start":2.0,"end":5.25,"label":"speech","background":"music"}])"));
}

TEST(AnalysisResultJsonTest, CarriesEveryValue) {
  const auto json = to_json(typical_result());
  EXPECT_EQ(json["sample_rate"], 44100);
  EXPECT_EQ(json["channels"], 2);
  EXPECT_EQ(json["codec"], "pcm_s16le");
  EXPECT_EQ(json["container"], "wav");
  EXPECT_EQ(json["bit_rate"], 1411200);
  EXPECT_EQ(json["loudness_lufs"], -18.75);
  EXPECT_EQ(json["true_peak_dbfs"], -3.0);
  EXPECT_EQ(json["peak_dbfs"], -3.25);
  EXPECT_EQ(json["rms_dbfs"], -20.5);
  EXPECT_EQ(json["silent_fraction"], 0.125);
  EXPECT_EQ(json["dc_offset"], 0.001);
  EXPECT_EQ(json["clipped_ratio"], 0.0625);
  EXPECT_EQ(json["decode_errors"], 2);
  ASSERT_TRUE(json["warnings"].is_array());
  EXPECT_EQ(json["warnings"], nlohmann::json::array({"2 corrupt packet(s) were skipped"}));
}

TEST(AnalysisResultJsonTest, DurationIsRoundedToTwoDecimals) {
  auto result = typical_result();
  for (const auto& [seconds, shown] : std::vector<std::pair<double, double>>{
           {1.23456, 1.23}, {2.999, 3.0}, {0.004, 0.0}, {59.996, 60.0}, {3600.0, 3600.0}}) {
    result.info.duration_seconds = seconds;
    EXPECT_EQ(to_json(result)["duration"], shown) << seconds;
  }
  // As text too: clients see 1.23, not 1.2300000000000000 or 1.23456.
  result.info.duration_seconds = 1.23456;
  EXPECT_NE(to_json(result).dump().find("\"duration\":1.23,"), std::string::npos)
      << to_json(result).dump();
}

TEST(AnalysisResultJsonTest, NonFiniteLevelsAreNull) {
  // The loudness of silence is -infinity, and true peak is NaN when it was not measured; JSON
  // has neither, so both are null.
  auto result = typical_result();
  result.stats.loudness_lufs = -kInfinity;
  result.stats.rms_dbfs = -kInfinity;
  result.stats.peak_dbfs = -kInfinity;
  result.stats.true_peak_dbfs = std::numeric_limits<double>::quiet_NaN();
  const auto json = to_json(result);
  EXPECT_TRUE(json["loudness_lufs"].is_null());
  EXPECT_TRUE(json["rms_dbfs"].is_null());
  EXPECT_TRUE(json["peak_dbfs"].is_null());
  EXPECT_TRUE(json["true_peak_dbfs"].is_null());
}

TEST(AnalysisResultJsonTest, CleanResultHasAnEmptyWarningsArray) {
  auto result = typical_result();
  result.warnings.clear();
  result.decode_errors = 0;
  const auto json = to_json(result);
  ASSERT_TRUE(json["warnings"].is_array());
  EXPECT_TRUE(json["warnings"].empty());
  EXPECT_EQ(json["decode_errors"], 0);
}

}  // namespace
}  // namespace earshot::analysis
