// The timeline's formats, byte for byte where the format is strict (RTTM fields, TextGrid
// tiling, cue times), and choosing one from ?format= names and Accept headers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "timeline/timeline_format.hpp"
#include "timeline/timeline_writer.hpp"

namespace earshot::timeline {
namespace {

using analysis::ContentClass;
using analysis::ContentSegment;

Timeline sample_timeline() {
  return Timeline{"talk",
                  12.3456,
                  {{0.0, 1.5, ContentClass::silence, false},
                   {1.5, 4.25, ContentClass::speech, false},
                   {4.25, 8.0, ContentClass::speech, true},
                   {8.0, 10.0, ContentClass::music, false},
                   {10.0, 12.3456, ContentClass::noise, false}}};
}

TEST(TimelineFormat, NamesParseBothWaysAndUnknownOnesDoNot) {
  for (const TimelineFormat format : all_formats()) {
    EXPECT_EQ(parse_format(name(format)), format) << name(format);
  }
  EXPECT_EQ(parse_format(" CSV "), TimelineFormat::csv);
  EXPECT_EQ(parse_format("xml"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
  EXPECT_EQ(format_names(), "json|ndjson|csv|audacity|textgrid|rttm|vtt|srt");
}

TEST(TimelineFormat, AcceptPicksTheBestQualityItKnowsAndOtherwiseJson) {
  EXPECT_EQ(negotiate(""), TimelineFormat::json);
  EXPECT_EQ(negotiate("*/*"), TimelineFormat::json);
  EXPECT_EQ(negotiate("application/json"), TimelineFormat::json);
  EXPECT_EQ(negotiate("text/csv"), TimelineFormat::csv);
  EXPECT_EQ(negotiate("TEXT/VTT; charset=utf-8"), TimelineFormat::vtt);
  EXPECT_EQ(negotiate("application/x-subrip"), TimelineFormat::srt);
  EXPECT_EQ(negotiate("application/x-ndjson"), TimelineFormat::ndjson);
  EXPECT_EQ(negotiate("text/csv;q=0.5, text/vtt"), TimelineFormat::vtt);
  EXPECT_EQ(negotiate("text/vtt;q=0.2, application/json;q=0.9"), TimelineFormat::json);
  EXPECT_EQ(negotiate("text/csv, */*;q=0.1"), TimelineFormat::csv);
  EXPECT_EQ(negotiate("text/csv;q=0"), TimelineFormat::json) << "q=0 means not acceptable";
  EXPECT_EQ(negotiate("text/csv;q=abc"), TimelineFormat::json);
  EXPECT_EQ(negotiate("image/png"), TimelineFormat::json) << "old clients keep their JSON";
  EXPECT_EQ(negotiate(",,;"), TimelineFormat::json);
}

TEST(TimelineFormat, OnlyTheTextGridNeedsTheWholeTimeline) {
  for (const TimelineFormat format : all_formats()) {
    EXPECT_EQ(streamable(format), format != TimelineFormat::textgrid) << name(format);
  }
}

TEST(TimelineWriter, CsvHasAHeaderAndQuotesAFileNameWithACommaOrQuote) {
  auto timeline = sample_timeline();
  EXPECT_EQ(write_document(TimelineFormat::csv, timeline),
            "file,start,end,label,background\n"
            "talk,0.000,1.500,silence,\n"
            "talk,1.500,4.250,speech,\n"
            "talk,4.250,8.000,speech,music\n"
            "talk,8.000,10.000,music,\n"
            "talk,10.000,12.346,noise,\n");
  TimelineWriter writer(TimelineFormat::csv, "a,\"b\"");
  EXPECT_EQ(writer.segment({0.0, 1.0, ContentClass::music, false}),
            "\"a,\"\"b\"\"\",0.000,1.000,music,\n");
}

TEST(TimelineWriter, AudacityLabelsAreTabSeparatedWithEverySegment) {
  EXPECT_EQ(write_document(TimelineFormat::audacity, sample_timeline()),
            "0.000000\t1.500000\tsilence\n"
            "1.500000\t4.250000\tspeech\n"
            "4.250000\t8.000000\tspeech+music\n"
            "8.000000\t10.000000\tmusic\n"
            "10.000000\t12.345600\tnoise\n");
}

TEST(TimelineWriter, RttmHasSpeakerLinesForSpeechAndNonSpeechLinesForMusicAndNoise) {
  EXPECT_EQ(write_document(TimelineFormat::rttm, sample_timeline()),
            "SPEAKER talk 1 1.500 2.750 <NA> <NA> speech <NA> <NA>\n"
            "SPEAKER talk 1 4.250 3.750 <NA> <NA> speech <NA> <NA>\n"
            "NON-SPEECH talk 1 4.250 3.750 <NA> music music <NA> <NA>\n"
            "NON-SPEECH talk 1 8.000 2.000 <NA> music music <NA> <NA>\n"
            "NON-SPEECH talk 1 10.000 2.346 <NA> noise noise <NA> <NA>\n");
}

TEST(TimelineWriter, SubtitleCuesCoverTheSoundsWithClockTimes) {
  Timeline timeline{
      "long",
      3725.0,
      {{0.0, 3723.5, ContentClass::music, false}, {3723.5, 3725.0, ContentClass::silence, false}}};
  EXPECT_EQ(write_document(TimelineFormat::vtt, timeline),
            "WEBVTT\n\n00:00:00.000 --> 01:02:03.500\nmusic\n\n");
  EXPECT_EQ(write_document(TimelineFormat::srt, sample_timeline()),
            "1\n00:00:01,500 --> 00:00:04,250\nspeech\n\n"
            "2\n00:00:04,250 --> 00:00:08,000\nspeech+music\n\n"
            "3\n00:00:08,000 --> 00:00:10,000\nmusic\n\n"
            "4\n00:00:10,000 --> 00:00:12,346\nnoise\n\n");
}

TEST(TimelineWriter, NdjsonIsOneObjectPerSegmentLikeTheJsonResults) {
  const auto text = write_document(TimelineFormat::ndjson, sample_timeline());
  std::istringstream lines(text);
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 5u);
  EXPECT_EQ(objects[2],
            nlohmann::json::parse(
                R"({"file":"talk","start":4.25,"end":8.0,"label":"speech","background":"music"})"));
  EXPECT_FALSE(objects[1].contains("background"));
}

TEST(TimelineWriter, TextGridIntervalsTileTheFileAndSkipEmptyOnes) {
  Timeline timeline = sample_timeline();
  timeline.segments.insert(timeline.segments.begin() + 1, {1.5, 1.5, ContentClass::noise, false});
  const auto text = write_document(TimelineFormat::textgrid, timeline);
  EXPECT_TRUE(text.starts_with("File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n"));
  EXPECT_NE(text.find("xmax = 12.346\ntiers? <exists>\nsize = 1\n"), std::string::npos);
  EXPECT_NE(text.find("        intervals: size = 5\n"), std::string::npos);
  EXPECT_NE(text.find("        intervals [3]:\n"
                      "            xmin = 4.250\n"
                      "            xmax = 8.000\n"
                      "            text = \"speech+music\"\n"),
            std::string::npos)
      << text;
  EXPECT_TRUE(text.ends_with("            xmax = 12.346\n            text = \"noise\"\n"));
}

TEST(TimelineWriter, ATextGridOfNoSegmentsIsOneSilentInterval) {
  const auto text = write_document(TimelineFormat::textgrid, Timeline{"x", 2.0, {}});
  EXPECT_NE(text.find("intervals: size = 1\n"), std::string::npos);
  EXPECT_NE(text.find("text = \"silence\""), std::string::npos);
}

TEST(TimelineWriter, JsonAndTextGridAreNotWrittenASegmentAtATime) {
  EXPECT_THROW(TimelineWriter(TimelineFormat::json, "x"), std::invalid_argument);
  EXPECT_THROW(TimelineWriter(TimelineFormat::textgrid, "x"), std::invalid_argument);
}

TEST(TimelineOf, ReadsTheSegmentsOfAJsonResultBack) {
  const auto json = nlohmann::json::parse(
      R"({"duration": 3.5, "segments": [{"start": 0.0, "end": 1.25, "label": "speech",
          "background": "music"}, {"start": 1.25, "end": 3.5, "label": "noise"}]})");
  const auto timeline = timeline_of(json, "clip");
  ASSERT_TRUE(timeline.ok());
  EXPECT_EQ(timeline->file_id, "clip");
  EXPECT_DOUBLE_EQ(timeline->duration, 3.5);
  ASSERT_EQ(timeline->segments.size(), 2u);
  EXPECT_EQ(timeline->segments[0], (ContentSegment{0.0, 1.25, ContentClass::speech, true}));
  EXPECT_EQ(timeline->segments[1], (ContentSegment{1.25, 3.5, ContentClass::noise, false}));

  const auto without = timeline_of(nlohmann::json::parse(R"({"duration": 1})"), "clip");
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.error().code, core::ErrorCode::invalid_input);
}

TEST(FileIdOf, IsTheNameWithoutFolderExtensionQueryOrSpaces) {
  EXPECT_EQ(file_id_of("/music/My Song.flac"), "My_Song");
  EXPECT_EQ(file_id_of("https://example.com/a/b.mp3?token=1#t=2"), "b");
  EXPECT_EQ(file_id_of("C:\\audio\\take\t1.wav"), "take_1");
  EXPECT_EQ(file_id_of("https://example.com/stream/"), "stream");
  EXPECT_EQ(file_id_of(".hidden"), ".hidden");
  EXPECT_EQ(file_id_of(""), "audio");
  EXPECT_EQ(file_id_of("https://example.com/"), "example") << "a host is named like a file";
}

}  // namespace
}  // namespace earshot::timeline
