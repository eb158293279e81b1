// The analysis routes answer in the timeline format asked for (?format=, or Accept), from the
// same cached analysis, while JSON stays the answer for every client that asks for nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "service/app/app.hpp"
#include "service/routes/routes.hpp"
#include "service/test_http_server.hpp"
#include "timeline/timeline_format.hpp"

namespace earshot::service {
namespace {

using testing::TestHttpServer;

class FormatRoutes : public ::testing::Test {
 protected:
  FormatRoutes() {
    Config config;
    config.allow_private_urls = true;  // the audio comes from 127.0.0.1
    auto built = app::build_routes(config, nullptr);
    EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
    routes_.emplace(std::move(*built));
  }

  HttpResponse run(const HttpRequest& request) {
    Dispatch d = routes_->dispatch(request);
    return d.immediate ? *d.immediate : d.work();
  }

  HttpResponse upload(const std::string& target, const std::string& accept = "") {
    return run({"POST", target, "audio/wav", TestHttpServer::tone_wav(), accept});
  }

  HttpResponse analyze_url(const std::string& target, const std::string& url,
                           const std::string& accept = "") {
    return run(
        {"POST", target, "application/json", nlohmann::json{{"audio_url", url}}.dump(), accept});
  }

  static std::string header(const HttpResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "(absent)";
  }

  std::optional<Routes> routes_;
};

TEST_F(FormatRoutes, JsonStaysTheAnswerWhenNothingElseIsAskedFor) {
  for (const std::string accept : {"", "*/*", "application/json", "image/png"}) {
    const auto response = upload("/analyze", accept);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.content_type, "application/json") << accept;
    EXPECT_EQ(nlohmann::json::parse(response.body)["status"], "success");
    EXPECT_EQ(header(response, "Vary"), "Accept");
  }
}

TEST_F(FormatRoutes, FormatInTheQueryGivesThatFormatsDocument) {
  const auto json = nlohmann::json::parse(upload("/analyze").body);
  const auto segments = json["data"]["segments"].size();
  ASSERT_GE(segments, 1u);
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"csv", "file,start,end,label,background\nupload,0.000,"},
      {"audacity", "0.000000\t"},
      {"textgrid", "File type = \"ooTextFile\"\nObject class = \"TextGrid\"\n"},
      {"vtt", "WEBVTT\n\n"},
      {"ndjson", "{\"file\":\"upload\",\"start\":0.0,"},
  };
  for (const auto& [format, start] : expected) {
    const auto response = upload("/analyze?format=" + format);
    ASSERT_EQ(response.status, 200) << format << ": " << response.body;
    EXPECT_TRUE(response.body.starts_with(start)) << format << ": " << response.body;
    EXPECT_EQ(response.content_type, timeline::content_type(*timeline::parse_format(format)));
    EXPECT_EQ(header(response, "X-Cache"), "HIT") << "the first upload's analysis serves all";
  }
  const auto csv = upload("/analyze?format=csv").body;
  EXPECT_EQ(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')), segments + 1);
}

TEST_F(FormatRoutes, AcceptChoosesAFormatWithAMediaTypeAndTheQueryWins) {
  EXPECT_TRUE(upload("/analyze", "text/vtt").body.starts_with("WEBVTT"));
  EXPECT_TRUE(upload("/analyze", "application/x-subrip").body.starts_with("1\n00:00:00,000"));
  EXPECT_EQ(upload("/analyze", "text/csv;q=0.5, application/json").content_type,
            "application/json");
  EXPECT_TRUE(upload("/analyze?format=csv", "text/vtt").body.starts_with("file,"));
  EXPECT_TRUE(upload("/analyze?overview=true&format=csv").body.starts_with("file,"));
}

TEST_F(FormatRoutes, AnalyzeAudioNamesTheFileAfterItsUrl) {
  TestHttpServer audio;
  const auto response = analyze_url("/analyze-audio?format=rttm", audio.url("/tone.wav?x=1"), "");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
  EXPECT_TRUE(response.body.starts_with("NON-SPEECH tone 1 ") ||
              response.body.starts_with("SPEAKER tone 1 "))
      << response.body;
  const auto vtt = analyze_url("/analyze-audio", audio.url("/tone.wav"), "text/vtt");
  EXPECT_EQ(vtt.content_type, "text/vtt; charset=utf-8");
}

TEST_F(FormatRoutes, AnUnknownFormatIsA422ThatListsTheFormats) {
  const auto response = upload("/analyze?format=xml");
  EXPECT_EQ(response.status, 422);
  const auto detail = nlohmann::json::parse(response.body)["detail"][0];
  EXPECT_EQ(detail["loc"], nlohmann::json::parse(R"(["query", "format"])"));
  EXPECT_EQ(detail["type"], "type_error.enum");
  EXPECT_NE(detail["msg"].get<std::string>().find("'textgrid'"), std::string::npos);
  EXPECT_EQ(analyze_url("/analyze-audio?format=xml", "http://127.0.0.1/a.wav").status, 422);
}

TEST_F(FormatRoutes, ErrorsStayJsonInAnyFormat) {
  const auto bad_url = analyze_url("/analyze-audio?format=csv", "ftp://example.com/a.wav");
  EXPECT_EQ(bad_url.status, 422);
  EXPECT_EQ(bad_url.content_type, "application/json");
  const auto not_audio = run({"POST", "/analyze?format=vtt", "audio/wav", "not audio at all"});
  EXPECT_EQ(not_audio.status, 400);
  EXPECT_EQ(not_audio.content_type, "application/json");
  EXPECT_TRUE(nlohmann::json::parse(not_audio.body).contains("detail"));
}

}  // namespace
}  // namespace earshot::service
