// The rules from window decisions to segments, probabilities and the file's class
// (analysis/content_timeline.hpp), on hand-made windows.
#include "analysis/content_timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
    ContentWindow w;
    w.start = static_cast<double>(i);
    w.end = static_cast<double>(i + 1);
    w.silent = pattern[i] == '_';
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

// Windows of a file that changes from speech to music at `change` seconds, with probabilities
// in proportion to each class's share of the window, as a model that hears both would give.
std::vector<ContentWindow> speech_then_music(double change, double duration) {
  const auto scores = [change](double start) {
    const double music = std::clamp(start + 1.0 - change, 0.0, 1.0);
    return std::array<float, 3>{static_cast<float>(1.0 - music), static_cast<float>(music), 0.0f};
  };
  std::vector<ContentWindow> out;
  for (double start = 0.0; start < duration; start += 1.0) {
    ContentWindow w;
    w.start = start;
    w.end = start + 1.0;
    w.probabilities = scores(start);
    // Scored where the most likely class changes, as the classifier does (ties go to speech).
    if (!out.empty() && out.back().probabilities[1] <= 0.5 && w.probabilities[1] > 0.5) {
      w.edge_scores = {scores(start - 1.0), scores(start - 0.75), scores(start - 0.5),
                       scores(start - 0.25), scores(start)};
    }
    out.push_back(w);
  }
  return out;
}

TEST(ContentTimeline, AClassBoundaryIsPlacedToTheQuarterSecond) {
  for (const double change : {2.5, 2.75, 3.0, 3.25, 3.4, 3.6}) {
    const auto summary = summarize_content(speech_then_music(change, 8.0), 8.0);
    ASSERT_EQ(summary.segments.size(), 2u) << change;
    EXPECT_EQ(summary.segments[0].label, C::speech);
    EXPECT_NEAR(summary.segments[1].start, change, 0.125 + 1e-9) << change;
    EXPECT_EQ(summary.segments[0].end, summary.segments[1].start);
  }
}

TEST(ContentTimeline, WithoutEdgeScoresAClassBoundaryStaysOnTheWindowEdge) {
  auto w = speech_then_music(3.25, 8.0);
  for (auto& window : w) window.edge_scores.reset();
  const auto summary = summarize_content(w, 8.0);
  ASSERT_EQ(summary.segments.size(), 2u);
  EXPECT_EQ(summary.segments[1].start, 3.0);  // window 3 is three quarters music
}

TEST(ContentTimeline, EdgesNextToSilenceMoveOverQuietQuarters) {
  auto w = windows("__ssss__");
  w[2].quiet_quarters = {true, true, false, false};  // sound starts at 2.5 s
  w[5].quiet_quarters = {false, true, true, true};   // and stops at 5.25 s
  const auto summary = summarize_content(w, 8.0);
  const std::vector<ContentSegment> expected = {
      {0.0, 2.5, C::silence}, {2.5, 5.25, C::speech}, {5.25, 8.0, C::silence}};
  EXPECT_EQ(summary.segments, expected);
}

TEST(ContentTimeline, ASegmentKeepsAtLeastAQuarterSecond) {
  // A second of music between speech and noise, whose straddling windows both say the music is
  // shorter still: the later edge may not pass the earlier.
  auto w = windows("ssmnn");
  w[2].probabilities = {0.0f, 1.0f, 0.0f};  // sure enough to outvote its neighbours
  w[2].edge_scores = {kSpeech, kSpeech, kSpeech, kSpeech, w[2].probabilities};  // music late
  w[3].edge_scores = {w[2].probabilities, kNoise, kNoise, kNoise, kNoise};      // noise early
  const auto summary = summarize_content(w, 5.0);
  ASSERT_EQ(summary.segments.size(), 3u);
  EXPECT_EQ(summary.segments[1].label, C::music);
  EXPECT_GT(summary.segments[1].start, 2.0);
  EXPECT_DOUBLE_EQ(summary.segments[1].end - summary.segments[1].start, kQuarterSeconds);
}

TEST(ContentTimeline, ASilentWindowInsideSpeechStaysWhole) {
  // The lone silent window joins the speech around it; its quiet quarters move no edge.
  auto w = windows("sss_sss");
  w[3].quiet_quarters = {true, true, true, true};
  const auto summary = summarize_content(w, 7.0);
  ASSERT_EQ(summary.segments.size(), 1u);
  EXPECT_EQ(summary.segments[0], (ContentSegment{0.0, 7.0, C::speech}));
}

TEST(ContentTimeline, SpeechWithMusicUnderItIsItsOwnSegment) {
  auto w = windows("sssssssmmm");
  const std::vector<float> under = {0.1f, 0.2f, 0.1f, 0.9f, 0.8f, 0.3f, 0.9f};  // window 5 dips
  for (std::size_t i = 0; i < under.size(); ++i) w[i].music_under_speech = under[i];
  const auto summary = summarize_content(w, 10.0);
  ASSERT_EQ(summary.segments.size(), 3u);
  EXPECT_EQ(summary.segments[0], (ContentSegment{0.0, 3.0, C::speech, false}));
  // Window 5 (0.3) averages 0.67 with its neighbours and stays with them.
  EXPECT_EQ(summary.segments[1], (ContentSegment{3.0, 7.0, C::speech, true}));
  EXPECT_EQ(summary.segments[2], (ContentSegment{7.0, 10.0, C::music, false}));
}

TEST(ContentTimeline, WithoutAContextLayerNoSegmentHasMusicUnderIt) {
  const auto summary = summarize_content(windows("sssmmm"), 6.0);
  for (const auto& segment : summary.segments) EXPECT_FALSE(segment.music_under_speech);
}

}  // namespace
}  // namespace earshot::analysis
