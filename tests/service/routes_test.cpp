// The routes as functions from request to response: routing, the validation (422) shapes, and
// the analysis responses, without sockets.
#include "service/routes/routes.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "service/app/app.hpp"
#include "support/redis_server.hpp"
#include "support/wav_writer.hpp"

namespace earshot::service {
namespace {

Config test_config() {
  Config config;
  config.api_title = "earshot";
  config.api_version = "9.9.9";
  return config;
}

Routes make_routes(const Config& config = test_config()) {
  auto routes = app::build_routes(config);
  EXPECT_TRUE(routes.ok());
  return std::move(*routes);
}

HttpResponse run(const Routes& routes, const HttpRequest& request) {
  Dispatch d = routes.dispatch(request);
  return d.immediate ? *d.immediate : d.work();
}

nlohmann::json body_of(const HttpResponse& r) {
  return nlohmann::json::parse(r.body);
}

std::string sine_wav() {
  std::vector<float> samples(8000);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i] = 0.5f * static_cast<float>(std::sin(2.0 * M_PI * 440.0 * i / 16000.0));
  }
  auto bytes = test::encode_wav(samples, {.sample_rate = 16000});
  return std::string(bytes.begin(), bytes.end());
}

TEST(Routes, RootAndHealth) {
  auto routes = make_routes();
  auto root = run(routes, {"GET", "/", "", ""});
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(body_of(root), (nlohmann::json{{"message", "earshot 9.9.9"}}));
  EXPECT_EQ(body_of(run(routes, {"GET", "/health/live", "", ""})),
            (nlohmann::json{{"status", "ok"}}));
  auto ready = run(routes, {"GET", "/health/ready?probe=1", "", ""});
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(body_of(ready),
            (nlohmann::json{{"status", "ready"}, {"checks", {{"analyzer", "ok"}}}}));
}

TEST(Routes, ReadinessChecksARealRedis) {
  test::RedisServer redis;
  Config config = test_config();
  config.redis_host = "127.0.0.1";
  config.redis_port = redis.port();
  auto ready = run(make_routes(config), {"GET", "/health/ready", "", ""});
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(body_of(ready)["checks"]["redis"], "ok");
}

TEST(Routes, ReadinessFailsWhenRedisIsUnreachable) {
  Config config = test_config();
  config.redis_host = "127.0.0.1";
  config.redis_port = test::RedisServer::unused_port();
  auto ready = run(make_routes(config), {"GET", "/health/ready", "", ""});
  EXPECT_EQ(ready.status, 503);
  const auto body = body_of(ready);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["checks"]["analyzer"], "ok");
  const std::string redis = body["checks"]["redis"];
  EXPECT_TRUE(redis.starts_with("unreachable")) << redis;
}

TEST(Routes, HeadIsGetWithoutTheBodyAndWrongMethodsNameTheAllowedOnes) {
  auto routes = make_routes();
  auto head = routes.dispatch({"HEAD", "/health/live", "", ""});
  ASSERT_TRUE(head.immediate);
  EXPECT_EQ(head.immediate->status, 200);
  EXPECT_EQ(head.route, "/health/live");

  auto post_live = run(routes, {"POST", "/health/live", "", ""});
  EXPECT_EQ(post_live.status, 405);
  ASSERT_EQ(post_live.headers.size(), 1u);
  EXPECT_EQ(post_live.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, HEAD"}));
  auto get_analyze = run(routes, {"GET", "/analyze", "", ""});
  ASSERT_EQ(get_analyze.headers.size(), 1u);
  EXPECT_EQ(get_analyze.headers[0].second, "POST");
  EXPECT_EQ(routes.dispatch({"DELETE", "/analyze-audio", "", ""}).route, "/analyze-audio");
  EXPECT_EQ(routes.dispatch({"GET", "/wp-admin", "", ""}).route, "unmatched");
}

TEST(Routes, MetricsCountAnalysesAndAudioSeconds) {
  auto metrics = std::make_shared<ServiceMetrics>();
  auto routes = app::build_routes(test_config(), metrics);
  ASSERT_TRUE(routes.ok());
  ASSERT_EQ(run(*routes, {"POST", "/analyze", "audio/wav", sine_wav()}).status, 200);
  EXPECT_EQ(metrics->analysis_seconds.count(), 1u);
  EXPECT_DOUBLE_EQ(metrics->audio_seconds.value(), 0.5);

  auto text = run(*routes, {"GET", "/metrics", "", ""});
  EXPECT_EQ(text.status, 200);
  EXPECT_EQ(text.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(text.body.find("earshot_audio_seconds_analyzed_total 0.5\n"), std::string::npos)
      << text.body;
  EXPECT_NE(text.body.find("earshot_analysis_duration_seconds_count 1\n"), std::string::npos);
}

TEST(Routes, RouteNameOfARequestNotYetRouted) {
  EXPECT_EQ(Routes::route_name("POST", "/analyze?overview=true"), "/analyze");
  EXPECT_EQ(Routes::route_name("GET", "/jobs/abc"), "/jobs/*");
  EXPECT_EQ(Routes::route_name("HEAD", "/health/live"), "/health/live");
  EXPECT_EQ(Routes::route_name("GET", "/analyze"), "unmatched");
  EXPECT_EQ(Routes::route_name("POST", "/nowhere"), "unmatched");
}

TEST(Routes, UnknownPathAndWrongMethod) {
  auto routes = make_routes();
  auto missing = run(routes, {"GET", "/nope", "", ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body_of(missing), (nlohmann::json{{"detail", "Not Found"}}));
  auto wrong = run(routes, {"GET", "/analyze", "", ""});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(body_of(wrong), (nlohmann::json{{"detail", "Method Not Allowed"}}));
  EXPECT_EQ(run(routes, {"POST", "/", "", ""}).status, 405);
}

TEST(Routes, AnalyzeAudioValidation) {
  auto routes = make_routes();
  auto bad_json = run(routes, {"POST", "/analyze-audio", "application/json", "{oops"});
  EXPECT_EQ(bad_json.status, 422);
  auto detail = body_of(bad_json)["detail"][0];
  EXPECT_EQ(detail["type"], "value_error.jsondecode");
  EXPECT_EQ(detail["loc"][0], "body");

  auto missing = run(routes, {"POST", "/analyze-audio", "application/json", "{}"});
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(body_of(missing), nlohmann::json::parse(R"({"detail":[{"loc":["body","audio_url"],
              "msg":"field required","type":"value_error.missing"}]})"));

  auto not_string = run(routes, {"POST", "/analyze-audio", "", R"({"audio_url": 5})"});
  EXPECT_EQ(not_string.status, 422);
  EXPECT_EQ(body_of(not_string)["detail"][0]["type"], "type_error.str");

  auto ftp = run(routes, {"POST", "/analyze-audio", "", R"({"audio_url": "ftp://x/a.wav"})"});
  EXPECT_EQ(ftp.status, 422);
  EXPECT_EQ(body_of(ftp)["detail"][0]["type"], "value_error.url.scheme");
  auto bare = run(routes, {"POST", "/analyze-audio", "", R"({"audio_url": "a.wav"})"});
  EXPECT_EQ(body_of(bare)["detail"][0]["type"], "value_error.url.scheme");
}

TEST(Routes, AnalyzeAudioRefusesLoopbackByDefault) {
  auto routes = make_routes();
  auto d = routes.dispatch({"POST", "/analyze-audio", "application/json",
                            R"({"audio_url": "http://127.0.0.1:1/a.wav"})"});
  ASSERT_FALSE(d.immediate);
  auto r = d.work();
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(body_of(r)["detail"].is_string());
}

TEST(Routes, AnalyzeRawBodyMatchesAnalyzer) {
  auto routes = make_routes();
  const auto wav = sine_wav();
  auto r = run(routes, {"POST", "/analyze", "audio/wav", wav});
  ASSERT_EQ(r.status, 200) << r.body;
  auto expected = analysis::Analyzer{}.analyze_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(wav.data()), wav.size()));
  ASSERT_TRUE(expected.ok());
  auto body = body_of(r);
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"], nlohmann::json::parse(analysis::to_json(*expected).dump()));
}

TEST(Routes, OverviewIsAddedWhenAskedAndCachedApart) {
  auto routes = make_routes();
  const auto wav = sine_wav();
  const auto plain = run(routes, {"POST", "/analyze", "audio/wav", wav});
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_FALSE(body_of(plain)["data"].contains("overview"));
  for (const char* yes : {"true", "1", "YES", "on"}) {
    const auto drawn =
        run(routes, {"POST", std::string("/analyze?overview=") + yes, "audio/wav", wav});
    ASSERT_EQ(drawn.status, 200) << drawn.body;
    auto data = body_of(drawn)["data"];
    ASSERT_TRUE(data.contains("overview")) << yes;
    EXPECT_EQ(data["overview"]["waveform"]["max"].size(), 500u);  // 0.5 s at 1 ms a point
    data.erase("overview");
    EXPECT_EQ(data, body_of(plain)["data"]);
  }
  const auto off = run(routes, {"POST", "/analyze?overview=false", "audio/wav", wav});
  EXPECT_EQ(off.body, plain.body);

  const auto bad = run(routes, {"POST", "/analyze?overview=maybe", "audio/wav", wav});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(body_of(bad), nlohmann::json::parse(R"({"detail":[{"loc":["query","overview"],
              "msg":"value could not be parsed to a boolean","type":"type_error.bool"}]})"));
  const auto bad_url = run(routes, {"POST", "/analyze-audio?overview=2", "application/json",
                                    R"({"audio_url": "https://example.org/a.wav"})"});
  EXPECT_EQ(bad_url.status, 422);
}

TEST(Routes, WebUiPageAndItsFiles) {
  auto routes = make_routes();
  for (const char* path : {"/ui", "/ui/"}) {
    const auto page = run(routes, {"GET", path, "", ""});
    ASSERT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("<script src=\"/ui/app.js\">"), std::string::npos);
  }
  const auto script = run(routes, {"GET", "/ui/app.js", "", ""});
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("/analyze?overview=true"), std::string::npos);
  const auto style = run(routes, {"GET", "/ui/style.css", "", ""});
  EXPECT_EQ(style.status, 200);
  EXPECT_EQ(style.content_type, "text/css; charset=utf-8");
  // Compiled into the binary: browsers must check again after an upgrade.
  const std::vector<std::pair<std::string, std::string>> no_cache = {{"Cache-Control", "no-cache"}};
  EXPECT_EQ(script.headers, no_cache);
  EXPECT_EQ(run(routes, {"GET", "/ui/missing.js", "", ""}).status, 404);
  EXPECT_EQ(run(routes, {"POST", "/ui", "", ""}).status, 405);
}

TEST(Routes, SilenceThresholdSettingReachesTheAnalysis) {
  std::vector<float> quiet(3 * 16000);  // a tone at about -45 dBFS RMS
  for (std::size_t i = 0; i < quiet.size(); ++i) {
    quiet[i] = 0.008f * static_cast<float>(std::sin(2.0 * M_PI * 440.0 * i / 16000.0));
  }
  const auto bytes = test::encode_wav(quiet, {.sample_rate = 16000});
  const std::string wav(bytes.begin(), bytes.end());
  auto by_default = run(make_routes(), {"POST", "/analyze", "audio/wav", wav});
  EXPECT_NE(body_of(by_default)["data"]["classification"], "silence");
  Config config = test_config();
  config.silence_threshold_dbfs = -40;
  auto raised = run(make_routes(config), {"POST", "/analyze", "audio/wav", wav});
  EXPECT_EQ(body_of(raised)["data"]["classification"], "silence");
}

TEST(Routes, AnalyzeBadInput) {
  auto routes = make_routes();
  EXPECT_EQ(run(routes, {"POST", "/analyze", "text/plain", "hello"}).status, 415);
  EXPECT_EQ(run(routes, {"POST", "/analyze", "multipart/form-data; boundary=x", "--x"}).status,
            400);
  EXPECT_EQ(run(routes, {"POST", "/analyze", "multipart/form-data", "abc"}).status, 400);
  auto garbage = run(routes, {"POST", "/analyze", "application/octet-stream", "not audio"});
  EXPECT_EQ(garbage.status, 400) << garbage.body;
  EXPECT_TRUE(body_of(garbage)["detail"].is_string());
}

std::string multipart(const std::string& field, const std::string& content) {
  return "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
         "--XyZ\r\nContent-Disposition: form-data; name=\"" +
         field + "\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n" + content +
         "\r\n--XyZ--\r\n";
}

TEST(Routes, AnalyzeMultipartFileField) {
  auto routes = make_routes();
  const auto wav = sine_wav();
  auto raw = run(routes, {"POST", "/analyze", "audio/wav", wav});
  auto form = run(routes, {"POST", "/analyze", "multipart/form-data; boundary=\"XyZ\"",
                           multipart("file", wav)});
  ASSERT_EQ(form.status, 200) << form.body;
  EXPECT_EQ(body_of(form), body_of(raw));

  auto missing = run(
      routes, {"POST", "/analyze", "multipart/form-data; boundary=XyZ", multipart("upload", wav)});
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(body_of(missing), nlohmann::json::parse(R"({"detail":[{"loc":["body","file"],
              "msg":"field required","type":"value_error.missing"}]})"));
}

TEST(Routes, BusyAndTooLarge) {
  auto busy = Routes::busy_response();
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(body_of(busy), (nlohmann::json{{"detail", "Server busy, retry later"}}));
  ASSERT_EQ(busy.headers.size(), 1u);
  EXPECT_EQ(busy.headers[0].first, "Retry-After");
  EXPECT_EQ(busy.headers[0].second, "1");
  EXPECT_EQ(Routes::upload_too_large_response(10).status, 413);
}

}  // namespace
}  // namespace earshot::service
