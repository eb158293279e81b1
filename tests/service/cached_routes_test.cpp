// The result cache behind the analysis routes, end to end without sockets on our side: real
// downloads from a loopback HTTP server that counts them, the in-memory cache and a real
// redis-server (started on a free port and stopped by the test).
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "service/app/app.hpp"
#include "service/json_lines.hpp"
#include "service/routes/routes.hpp"
#include "service/telemetry/metrics.hpp"
#include "service/telemetry/service_log.hpp"
#include "service/test_http_server.hpp"
#include "support/redis_server.hpp"
#include "support/test_files.hpp"

namespace earshot::service {
namespace {

using testing::TestHttpServer;

Config loopback_config() {
  Config config;
  config.allow_private_urls = true;                // the audio comes from 127.0.0.1
  config.redis_timeout = std::chrono::seconds(2);  // as testing::local_redis says why
  return config;
}

Config redis_config(std::uint16_t port) {
  Config config = loopback_config();
  config.redis_host = "127.0.0.1";
  config.redis_port = port;
  return config;
}

Routes make_routes(const Config& config, std::shared_ptr<ServiceMetrics> metrics = nullptr) {
  auto routes = app::build_routes(config, std::move(metrics));
  EXPECT_TRUE(routes.ok()) << (routes.ok() ? "" : routes.error().message);
  return std::move(*routes);
}

HttpResponse run(const Routes& routes, const HttpRequest& request) {
  Dispatch d = routes.dispatch(request);
  return d.immediate ? *d.immediate : d.work();
}

HttpRequest analyze(const std::string& url) {
  return {"POST", "/analyze-audio", "application/json", nlohmann::json{{"audio_url", url}}.dump()};
}

std::string header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "(absent)";
}

TEST(CachedRoutes, SecondRequestIsAHitWithoutADownload) {
  TestHttpServer audio;
  auto routes = make_routes(loopback_config());
  const auto first = run(routes, analyze(audio.url("/tone.wav")));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(header(first, "X-Cache"), "MISS");
  const auto second = run(routes, analyze(audio.url("/tone.wav")));
  EXPECT_EQ(header(second, "X-Cache"), "HIT");
  EXPECT_EQ(second.body, first.body);  // the JSON contract does not change
  EXPECT_EQ(audio.requests(), 1);
}

TEST(CachedRoutes, UrlsAreNormalisedButDistinctQueriesAreNot) {
  TestHttpServer audio;
  auto routes = make_routes(loopback_config());
  run(routes, analyze(audio.url("/tone.wav")));
  const auto same = run(
      routes, analyze("HTTP://127.0.0.1:" + std::to_string(audio.port()) + "/tone.wav#fragment"));
  EXPECT_EQ(header(same, "X-Cache"), "HIT");
  const auto other = run(routes, analyze(audio.url("/tone.wav?v=2")));
  EXPECT_EQ(header(other, "X-Cache"), "MISS");
  EXPECT_EQ(audio.requests(), 2);
}

TEST(CachedRoutes, ADownloadThatFailsOnTheWayIsA400) {
  // The contract of the service earshot replaces: a failed download is the client's 400, with
  // the reason, not a 500. Nothing listens on a port just released.
  int closed = 0;
  {
    TestHttpServer released;
    closed = released.port();
  }
  auto routes = make_routes(loopback_config());
  const auto refused =
      run(routes, analyze("http://127.0.0.1:" + std::to_string(closed) + "/tone.wav"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(nlohmann::json::parse(refused.body)["detail"],
            "Download failed: Couldn't connect to server");
}

TEST(CachedRoutes, ErrorsAreNotCached) {
  TestHttpServer audio;
  auto routes = make_routes(loopback_config());
  EXPECT_EQ(run(routes, analyze(audio.url("/missing"))).status, 400);
  EXPECT_EQ(run(routes, analyze(audio.url("/missing"))).status, 400);
  EXPECT_EQ(audio.requests(), 2);
}

TEST(CachedRoutes, OptionsThatChangeTheResultChangeTheKey) {
  test::RedisServer redis;
  TestHttpServer audio;
  Config config = redis_config(redis.port());
  auto routes = make_routes(config);
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "MISS");
  config.silence_threshold_dbfs = -40;
  auto other = make_routes(config);  // another replica with another threshold
  EXPECT_EQ(header(run(other, analyze(audio.url("/tone.wav"))), "X-Cache"), "MISS");
  EXPECT_EQ(header(run(other, analyze(audio.url("/tone.wav"))), "X-Cache"), "HIT");
  EXPECT_EQ(audio.requests(), 2);
}

TEST(CachedRoutes, UploadsAreCachedByTheirBytes) {
  auto routes = make_routes(loopback_config());
  const std::string wav = TestHttpServer::tone_wav();
  const HttpRequest upload{"POST", "/analyze", "audio/wav", wav};
  EXPECT_EQ(header(run(routes, upload), "X-Cache"), "MISS");
  EXPECT_EQ(header(run(routes, upload), "X-Cache"), "HIT");
  std::string changed = wav;
  changed.back() ^= 1;
  EXPECT_EQ(header(run(routes, {"POST", "/analyze", "audio/wav", changed}), "X-Cache"), "MISS");
}

// 50 identical requests at once: one download, one computation.
void expect_single_flight(const std::vector<const Routes*>& replicas) {
  TestHttpServer audio;
  const auto request = analyze(audio.url("/tone-slow.wav"));
  std::atomic<int> ok{0};
  std::atomic<int> misses{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      const auto response = run(*replicas[i % replicas.size()], request);
      if (response.status == 200) ++ok;
      if (header(response, "X-Cache") == "MISS") ++misses;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(misses.load(), 1);
  EXPECT_EQ(audio.requests(), 1);
}

TEST(CachedRoutes, FiftyConcurrentRequestsDownloadOnce) {
  auto routes = make_routes(loopback_config());
  expect_single_flight({&routes});
}

TEST(CachedRoutes, ReplicasSharingRedisDownloadOnce) {
  test::RedisServer redis;
  auto a = make_routes(redis_config(redis.port()));
  auto b = make_routes(redis_config(redis.port()));
  expect_single_flight({&a, &b});
}

TEST(CachedRoutes, RedisDownOrBackRequestsStillSucceed) {
  test::RedisServer redis;
  TestHttpServer audio;
  auto metrics = std::make_shared<ServiceMetrics>();
  Config config = redis_config(redis.port());
  config.near_cache = std::chrono::seconds(0);  // every lookup goes to Redis
  test::TempDir dir;
  std::shared_ptr<ServiceLog> log = *ServiceLog::create({.dir = dir.path(), .console = false});
  auto created = app::build_routes(config, metrics, log);
  ASSERT_TRUE(created.ok());
  auto routes = std::move(*created);
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "MISS");
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "HIT");

  redis.stop();
  for (int i = 0; i < 5; ++i) {
    const auto response = run(routes, analyze(audio.url("/tone.wav")));
    EXPECT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(header(response, "X-Cache"), "MISS");
  }
  EXPECT_GT(metrics->redis_errors.value({"connect"}) + metrics->redis_errors.value({"io"}), 0);
  EXPECT_GT(metrics->cache_lookups.value({"redis", "error"}), 0);
  const auto text = run(routes, {"GET", "/metrics", "", ""}).body;
  EXPECT_NE(text.find("earshot_redis_errors_total"), std::string::npos);

  redis.start();  // empty: the next request computes, the one after is a hit again
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // the circuit's open time
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "MISS");
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "HIT");

  // Both changes are in the log, once each.
  log->flush();
  int down = 0;
  int up = 0;
  for (const auto& line : testing::read_json_lines(dir.path() / "earshot.log")) {
    if (line["msg"] == "redis unavailable: going on without it") ++down;
    if (line["msg"] == "redis available again") ++up;
  }
  EXPECT_EQ(down, 1);
  EXPECT_EQ(up, 1);
}

TEST(CachedRoutes, TheNearCacheAnswersRepeatsWithoutRedis) {
  test::RedisServer redis;
  TestHttpServer audio;
  auto metrics = std::make_shared<ServiceMetrics>();
  auto routes = make_routes(redis_config(redis.port()), metrics);
  auto other = make_routes(redis_config(redis.port()));  // another replica
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "MISS");
  // This replica has a near copy; the other finds it in Redis.
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "HIT");
  EXPECT_GT(metrics->cache_lookups.value({"near", "hit"}), 0);
  EXPECT_EQ(header(run(other, analyze(audio.url("/tone.wav"))), "X-Cache"), "HIT");
  redis.stop();  // near copies still answer
  EXPECT_EQ(header(run(routes, analyze(audio.url("/tone.wav"))), "X-Cache"), "HIT");
  EXPECT_EQ(audio.requests(), 1);
}

}  // namespace
}  // namespace earshot::service
