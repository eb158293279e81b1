// The rules from window decisions to segments, probabilities and the file's class
// (analysis/content_timeline.hpp), on hand-made windows.
#include "analysis/content_timeline.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace earshot::analysis {
namespace {

constexpr std::array<float, 3> kSpeech{0.9f, 0.05f, 0.05f};
constexpr std::array<float, 3> kMusic{0.05f, 0.9f, 0.05f};
constexpr std::array<float, 3> kNoise{0.05f, 0.05f, 0.9f};

// One window per character: s(peech), m(usic), n(oise), _ (silent); 1 s each.
std::vector<ContentWindow> windows(const std::string& pattern) {
  std::vector<ContentWindow> out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    ContentWindow w{static_cast<double>(i), static_cast<double>(i + 1), pattern[i] == '_', {}};
    if (pattern[i] == 's') w.probabilities = kSpeech;
    if (pattern[i] == 'm') w.probabilities = kMusic;
    if (pattern[i] == 'n') w.probabilities = kNoise;
    out.push_back(w);
  }
  return out;
}

using C = ContentClass;

TEST(ContentTimeline, RunsBecomeSegmentsCoveringTheFile) {
  const auto summary = summarize_content(windows("sss___mmmm"), 9.6);
  const std::vector<ContentSegment> expected = {
      {0.0, 3.0, C::speech}, {3.0, 6.0, C::silence}, {6.0, 9.6, C::music}};
  EXPECT_EQ(summary.segments, expected);
  EXPECT_EQ(summary.classification, C::music);  // 4 s of music against 3 s of speech
}

TEST(ContentTimeline, ASingleFlipDoesNotSplitASegment) {
  const auto summary = summarize_content(windows("ssssnsss_sss"), 12.0);
  ASSERT_EQ(summary.segments.size(), 1u);
  EXPECT_EQ(summary.segments[0], (ContentSegment{0.0, 12.0, C::speech}));
}

TEST(ContentTimeline, TwoSecondsOfSilenceAreASegment) {
  const auto summary = summarize_content(windows("sss__sss"), 8.0);
  ASSERT_EQ(summary.segments.size(), 3u);
  EXPECT_EQ(summary.segments[1], (ContentSegment{3.0, 5.0, C::silence}));
  EXPECT_EQ(summary.classification, C::speech);
}

TEST(ContentTimeline, ProbabilitiesAreTimeWeightedAndSumToOne) {
  const auto summary = summarize_content(windows("ss__"), 4.0);
  EXPECT_NEAR(summary.probabilities[0], 0.45, 1e-6);  // speech: 2 windows x 0.9 / 4
  EXPECT_NEAR(summary.probabilities[3], 0.5, 1e-6);   // silence: 2 of 4 windows
  double sum = 0.0;
  for (double p : summary.probabilities) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-6);
}

TEST(ContentTimeline, EssentiallySilentFilesAreSilence) {
  EXPECT_EQ(summarize_content(windows("______________________n"), 23.0).classification,
            C::silence);  // 1 s of 23: under 5 %
  EXPECT_EQ(summarize_content(windows("_________n"), 10.0).classification, C::noise);  // 10 %
  const auto empty = summarize_content({}, 0.0);
  EXPECT_EQ(empty.classification, C::silence);
  EXPECT_TRUE(empty.segments.empty());
  EXPECT_DOUBLE_EQ(empty.probabilities[3], 1.0);
}

TEST(ContentTimeline, NeighboursSteadyABorderlineWindow) {
  auto w = windows("mmm");
  w[1].probabilities = {0.5f, 0.45f, 0.05f};  // alone it is speech; with its neighbours, music
  const auto summary = summarize_content(w, 3.0);
  ASSERT_EQ(summary.segments.size(), 1u);
  EXPECT_EQ(summary.segments[0].label, C::music);
}

// Spectral changes (dB) into each window, in order; NaN where unknown.
std::vector<ContentWindow> with_changes(std::vector<ContentWindow> w, std::vector<float> changes) {
  for (std::size_t i = 0; i < w.size(); ++i) w[i].spectral_change = changes[i];
  return w;
}

constexpr float kUnknown = std::numeric_limits<float>::quiet_NaN();

TEST(ContentTimeline, SustainedSoundIsNotMusic) {
  // Ten seconds of "music" whose spectrum barely moves: a drone.
  const auto drone = with_changes(windows("mmmmmmmmmm"),
                                  {kUnknown, 0.4f, 0.6f, 0.5f, 0.3f, 0.7f, 0.5f, 0.4f, 0.6f, 0.5f});
  const auto summary = summarize_content(drone, 10.0);
  EXPECT_EQ(summary.classification, C::noise);
  EXPECT_NEAR(summary.probabilities[1], 0.0, 1e-6);  // the music mass went to noise
  EXPECT_NEAR(summary.probabilities[2], 0.95, 1e-6);
}

TEST(ContentTimeline, MusicThatChangesStaysMusic) {
  const auto melody = with_changes(windows("mmmmmm"), {kUnknown, 2.5f, 3.0f, 1.8f, 2.2f, 4.0f});
  EXPECT_EQ(summarize_content(melody, 6.0).classification, C::music);
}

TEST(ContentTimeline, SustainedRuleTakesTheMedianOfTheNeighbourhood) {
  // Each window looks at the changes into windows i-1 .. i+2. Only window 3 holds still: it
  // sees 0.5, 3.0, 0.4, 0.6 (median 0.55); window 2 sees 3.0, 0.5, 3.0, 0.4 (median 1.75) and
  // window 4 sees 3.0, 0.4, 0.6, 3.2 (median 1.8).
  const auto w =
      with_changes(windows("mmmmmmmm"), {kUnknown, 3.0f, 0.5f, 3.0f, 0.4f, 0.6f, 3.2f, 3.1f});
  const auto summary = summarize_content(w, 8.0);
  EXPECT_NEAR(summary.probabilities[1], 7 * 0.9 / 8, 1e-6);
  EXPECT_NEAR(summary.probabilities[2], (7 * 0.05 + 0.95) / 8, 1e-6);
  // Its neighbours outvote it, so the timeline stays one music segment.
  ASSERT_EQ(summary.segments.size(), 1u);
  EXPECT_EQ(summary.segments[0].label, C::music);
}

TEST(ContentTimeline, SustainedRuleNeedsTwoKnownChanges) {
  // One known change (a 2 s file) says too little about whether the sound holds still.
  const auto short_hold = with_changes(windows("mm"), {kUnknown, 0.2f});
  EXPECT_EQ(summarize_content(short_hold, 2.0).classification, C::music);
  // Without band shapes (an AST scorer) the rule never applies.
  EXPECT_EQ(summarize_content(windows("mmmmm"), 5.0).classification, C::music);
}

TEST(ContentTimeline, SustainedRuleLeavesSpeechAlone) {
  const auto steady_voice = with_changes(windows("sssss"), {kUnknown, 0.3f, 0.3f, 0.3f, 0.3f});
  const auto summary = summarize_content(steady_voice, 5.0);
  EXPECT_EQ(summary.classification, C::speech);
  EXPECT_NEAR(summary.probabilities[0], 0.9, 1e-6);
}

}  // namespace
}  // namespace earshot::analysis
