// POST /jobs, POST /jobs/batch and GET /jobs/{id} through the routes: the in-process queue
// (no Redis) and Redis Streams with a worker, running real analyses of audio downloaded from
// a loopback HTTP server.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "service/app/app.hpp"
#include "service/redis/redis_client.hpp"
#include "service/routes/routes.hpp"
#include "service/test_http_server.hpp"
#include "support/redis_server.hpp"
#include "support/test_files.hpp"

namespace earshot::service {
namespace {

using testing::TestHttpServer;

Config loopback_config() {
  Config config;
  config.allow_private_urls = true;
  config.job_retry_backoff = std::chrono::milliseconds(10);
  config.redis_timeout = std::chrono::seconds(2);  // as testing::local_redis says why
  return config;
}

Routes make_routes(const Config& config) {
  auto routes = app::build_routes(config);
  EXPECT_TRUE(routes.ok()) << (routes.ok() ? "" : routes.error().message);
  return std::move(*routes);
}

HttpResponse run(const Routes& routes, const HttpRequest& request) {
  Dispatch d = routes.dispatch(request);
  return d.immediate ? *d.immediate : d.work();
}

HttpResponse submit(const Routes& routes, const nlohmann::json& body) {
  return run(routes, {"POST", "/jobs", "application/json", body.dump()});
}

// GET /jobs/{id} until the job is finished (or 20 s pass).
nlohmann::json wait_for(const Routes& routes, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    const auto response = run(routes, {"GET", "/jobs/" + id, "", ""});
    EXPECT_EQ(response.status, 200) << response.body;
    auto job = nlohmann::json::parse(response.body);
    if (job["status"] == "succeeded" || job["status"] == "failed") return job;
    if (std::chrono::steady_clock::now() > deadline) return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(JobRoutes, InProcessJobRunsAnAnalysis) {
  TestHttpServer audio;
  auto routes = make_routes(loopback_config());
  const auto queued = submit(routes, {{"audio_url", audio.url("/tone.wav")}});
  ASSERT_EQ(queued.status, 202) << queued.body;
  const auto body = nlohmann::json::parse(queued.body);
  EXPECT_EQ(body["status"], "queued");
  const auto job = wait_for(routes, body["job_id"]);
  EXPECT_EQ(job["status"], "succeeded") << job.dump();
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_EQ(job["error"], nullptr);
  EXPECT_TRUE(job["created_at"].is_string());
  EXPECT_TRUE(job["finished_at"].is_string());
  EXPECT_EQ(job["result"]["analysis"]["sample_rate"], 16000);
  EXPECT_TRUE(job["result"]["analysis"].contains("classification"));
}

TEST(JobRoutes, AJobWithAModelAddsItsPrediction) {
  TestHttpServer audio;
  auto routes = make_routes(loopback_config());
  const auto queued =
      submit(routes, {{"audio_url", audio.url("/tone.wav")}, {"model_name", "content"}});
  ASSERT_EQ(queued.status, 202) << queued.body;
  const auto job = wait_for(routes, nlohmann::json::parse(queued.body)["job_id"]);
  ASSERT_EQ(job["status"], "succeeded") << job.dump();
  EXPECT_EQ(job["result"]["prediction"]["model_name"], "content");
  EXPECT_TRUE(job["result"]["prediction"].contains("all_probabilities"));
  EXPECT_TRUE(job["result"]["analysis"].contains("duration"));
}

TEST(JobRoutes, AFailedDownloadFailsTheJobWithoutRetrying) {
  TestHttpServer audio;
  auto routes = make_routes(loopback_config());
  const auto queued = submit(routes, {{"audio_url", audio.url("/missing")}});
  const auto job = wait_for(routes, nlohmann::json::parse(queued.body)["job_id"]);
  EXPECT_EQ(job["status"], "failed");
  EXPECT_EQ(job["attempts"], 1);  // a 404 will not get better
  EXPECT_NE(job["error"].get<std::string>().find("404"), std::string::npos) << job.dump();
  EXPECT_EQ(audio.requests(), 1);
}

TEST(JobRoutes, BadRequestsAreRefusedBeforeQueueing) {
  auto routes = make_routes(loopback_config());
  EXPECT_EQ(run(routes, {"POST", "/jobs", "application/json", "{"}).status, 422);
  EXPECT_EQ(submit(routes, nlohmann::json::object()).status, 422);
  EXPECT_EQ(submit(routes, {{"audio_url", "ftp://x/a.wav"}}).status, 422);
  EXPECT_EQ(
      submit(routes, {{"audio_url", "https://x/a.wav"}, {"callback_url", "file:///etc"}}).status,
      422);
  EXPECT_EQ(submit(routes, {{"audio_url", "https://x/a.wav"}, {"model_name", 3}}).status, 422);
  const auto unknown = submit(routes, {{"audio_url", "https://x/a.wav"}, {"model_name", "nope"}});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(nlohmann::json::parse(unknown.body)["detail"],
            "Unknown model 'nope'. Available: content");
  const auto missing = run(routes, {"GET", "/jobs/0123456789abcdef", "", ""});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing.body)["detail"], "Job not found");
  EXPECT_EQ(run(routes, {"GET", "/jobs/", "", ""}).status, 404);
  EXPECT_EQ(run(routes, {"GET", "/jobs/a/b", "", ""}).status, 404);
  const auto batch = run(routes, {"GET", "/jobs/batch", "", ""});
  EXPECT_EQ(batch.status, 405);
}

TEST(JobRoutes, BatchQueuesEveryJobInOrder) {
  TestHttpServer audio;
  auto routes = make_routes(loopback_config());
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < 3; ++i)
    list.push_back({{"audio_url", audio.url("/tone.wav?n=" + std::to_string(i))}});
  const auto queued = run(routes, {"POST", "/jobs/batch", "application/json", list.dump()});
  ASSERT_EQ(queued.status, 202) << queued.body;
  const auto jobs = nlohmann::json::parse(queued.body)["jobs"];
  ASSERT_EQ(jobs.size(), 3u);
  for (const auto& job : jobs) EXPECT_EQ(wait_for(routes, job["job_id"])["status"], "succeeded");
  // Also {"jobs": [...]}; an empty list and a bad item (its index named) are 422.
  EXPECT_EQ(run(routes,
                {"POST", "/jobs/batch", "application/json", nlohmann::json{{"jobs", list}}.dump()})
                .status,
            202);
  EXPECT_EQ(run(routes, {"POST", "/jobs/batch", "application/json", "[]"}).status, 422);
  const auto bad = run(routes, {"POST", "/jobs/batch", "application/json",
                                R"([{"audio_url": "https://x/a.wav"}, {}])"});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["detail"][0]["loc"],
            (nlohmann::json{"body", 1, "audio_url"}));
}

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "(absent)";
}

// Without Redis, job records are capped (MAX_JOB_RECORDS): when unfinished jobs fill them, a
// new job is refused with a 503 to retry, and no accepted job is dropped to make room.
TEST(JobRoutes, FullJobRecordsAreA503WithRetryAfterAndNoJobIsLost) {
  TestHttpServer audio;  // one connection at a time: the slow download holds up the others
  Config config = loopback_config();
  config.max_job_records = 2;
  auto routes = make_routes(config);
  const auto slow = submit(routes, {{"audio_url", audio.url("/tone-slow.wav?ms=1500")}});
  ASSERT_EQ(slow.status, 202) << slow.body;
  const std::string detail =
      "The job records are full of unfinished jobs (at most 2 records, 67108864 bytes); try "
      "again later";
  const nlohmann::json batch = nlohmann::json::array(
      {{{"audio_url", audio.url("/tone.wav?n=1")}}, {{"audio_url", audio.url("/tone.wav?n=2")}}});
  const auto partial = run(routes, {"POST", "/jobs/batch", "application/json", batch.dump()});
  EXPECT_EQ(partial.status, 503) << partial.body;
  EXPECT_EQ(header(partial, "Retry-After"), "1");
  const auto listed = nlohmann::json::parse(partial.body);
  EXPECT_EQ(listed["detail"], detail);
  ASSERT_EQ(listed["jobs"].size(), 1u);  // the first was queued and stays queued
  const auto refused = submit(routes, {{"audio_url", audio.url("/tone.wav?n=3")}});
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(header(refused, "Retry-After"), "1");
  EXPECT_EQ(nlohmann::json::parse(refused.body)["detail"], detail);

  EXPECT_EQ(wait_for(routes, nlohmann::json::parse(slow.body)["job_id"])["status"], "succeeded");
  EXPECT_EQ(wait_for(routes, listed["jobs"][0]["job_id"])["status"], "succeeded");
  EXPECT_EQ(submit(routes, {{"audio_url", audio.url("/tone.wav?n=3")}}).status, 202);
}

// A job with a model is cached under the model's identity: replacing a model file (a new
// version, same name) makes the same request compute again after a reload.
TEST(JobRoutes, ReplacingAModelFileChangesTheCacheKey) {
  TestHttpServer audio;
  test::TempDir dir;
  std::filesystem::copy(std::filesystem::path(EARSHOT_SOURCE_DIR) / "models/pump_demo",
                        dir.path() / "pump_demo");
  test::write_text(dir.file("models.json"),
                   R"({"pump": {"predictor": "xgboost_proba",
                                "model_path": "pump_demo/model.json",
                                "scaler_path": "pump_demo/scaler.json",
                                "label_encoder_path": "pump_demo/label_encoder.json",
                                "dropped_features_path": "pump_demo/dropped_features.json"}})");
  Config config = loopback_config();
  config.models_config_path = dir.file("models.json");
  auto routes = make_routes(config);
  const std::string before = routes.models().fingerprint();
  const nlohmann::json body{{"audio_url", audio.url("/tone.wav")}, {"model_name", "pump"}};
  for (int i = 0; i < 2; ++i) {  // the second is a cache hit: no download
    const auto queued = submit(routes, body);
    ASSERT_EQ(queued.status, 202) << queued.body;
    const auto job = wait_for(routes, nlohmann::json::parse(queued.body)["job_id"]);
    ASSERT_EQ(job["status"], "succeeded") << job.dump();
    EXPECT_TRUE(job["result"]["prediction"].contains("prediction"));
  }
  EXPECT_EQ(audio.requests(), 1);

  const auto model = dir.path() / "pump_demo/model.json";
  std::filesystem::last_write_time(
      model, std::filesystem::last_write_time(model) + std::chrono::seconds(10));
  ASSERT_TRUE(routes.models().reload().ok());
  EXPECT_NE(routes.models().fingerprint(), before);
  const auto queued = submit(routes, body);
  EXPECT_EQ(wait_for(routes, nlohmann::json::parse(queued.body)["job_id"])["status"], "succeeded");
  EXPECT_EQ(audio.requests(), 2);
}

TEST(JobRoutes, RedisJobsAreRunByAWorker) {
  test::RedisServer redis;
  TestHttpServer audio;
  Config config = loopback_config();
  config.redis_host = "127.0.0.1";
  config.redis_port = redis.port();
  auto api = make_routes(config);     // an API replica: queues only
  auto runner = make_routes(config);  // what a worker process builds
  const auto queued = submit(api, {{"audio_url", audio.url("/tone.wav")}});
  ASSERT_EQ(queued.status, 202) << queued.body;
  const std::string id = nlohmann::json::parse(queued.body)["job_id"];
  EXPECT_EQ(nlohmann::json::parse(run(api, {"GET", "/jobs/" + id, "", ""}).body)["status"],
            "queued");

  auto client = std::make_shared<RedisClient>(
      RedisClientOptions{.endpoint = {"127.0.0.1", redis.port(), 0, "", ""},
                         .timeout = std::chrono::seconds(1),
                         .metrics = nullptr,
                         .log = nullptr});
  RedisJobOptions options = app::redis_job_options(config);
  options.block = std::chrono::milliseconds(100);
  RedisJobWorker worker(client, app::job_handler(runner.pipeline()), options, nullptr, nullptr);
  std::thread thread([&] { worker.run(1); });
  const auto job = wait_for(api, id);
  worker.stop();
  thread.join();
  EXPECT_EQ(job["status"], "succeeded") << job.dump();
  EXPECT_EQ(job["result"]["analysis"]["channels"], 1);
}

}  // namespace
}  // namespace earshot::service
