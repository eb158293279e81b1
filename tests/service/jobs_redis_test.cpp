// RedisJobQueue and RedisJobWorker (in this process) against a real redis-server: the job's
// life, store-then-ack, retries into the dead-letter stream, stopping, heartbeats, callbacks,
// and a Redis that goes away and comes back.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "service/jobs/callback.hpp"
#include "service/jobs/redis_jobs.hpp"
#include "service/jobs_test_support.hpp"
#include "service/redis/redis_client.hpp"
#include "service/telemetry/metrics.hpp"
#include "support/redis_server.hpp"

namespace earshot::service {
namespace {

using namespace std::chrono_literals;
using testing::redis_call;
using testing::wait_until;

const std::string kStream(kJobStreamKey);
const std::string kGroup(kJobGroup);

JobRequest job(std::string audio_url, std::string callback_url = "") {
  JobRequest request;
  request.audio_url = std::move(audio_url);
  request.callback_url = std::move(callback_url);
  return request;
}

RedisJobOptions fast_options(std::string consumer = "test-worker") {
  RedisJobOptions options;
  options.retry_backoff = 5ms;
  options.block = 100ms;
  options.visibility_timeout = 5s;
  options.consumer = std::move(consumer);
  return options;
}

// A worker running in a thread of this process; stopped and joined by the destructor.
class WorkerThread {
 public:
  WorkerThread(std::shared_ptr<RedisClient> redis, JobHandler handler, RedisJobOptions options,
               std::shared_ptr<CallbackSender> callbacks = nullptr,
               std::shared_ptr<ServiceMetrics> metrics = nullptr)
      : worker_(std::move(redis), std::move(handler), std::move(options), std::move(callbacks),
                std::move(metrics)),
        thread_([this] {
          worker_.run(1);
          returned_ = true;
        }) {}
  ~WorkerThread() {
    worker_.stop();
    thread_.join();
  }
  RedisJobWorker& worker() { return worker_; }
  bool returned() const { return returned_.load(); }

 private:
  RedisJobWorker worker_;
  std::atomic<bool> returned_{false};
  std::thread thread_;
};

class RedisJobs : public ::testing::Test {
 protected:
  std::optional<JobRecord> find(const std::string& id) {
    auto found = queue_.find(id);
    EXPECT_TRUE(found) << (found ? "" : found.error().message);
    return found ? *found : std::nullopt;
  }
  bool reaches(const std::string& id, JobStatus status, std::chrono::milliseconds timeout = 5s) {
    return wait_until(
        [&] {
          auto record = find(id);
          return record && record->status == status;
        },
        timeout);
  }
  long long pending() {
    return redis_call(*redis_, {"XPENDING", kStream, kGroup}).elements.at(0).integer;
  }
  long long length(const std::string& key) { return redis_call(*redis_, {"XLEN", key}).integer; }
  bool worker_is_reading() {
    return redis_call(*redis_, {"CLIENT", "LIST"}).text.find("cmd=xreadgroup") != std::string::npos;
  }

  test::RedisServer server_;
  std::shared_ptr<RedisClient> redis_ = testing::redis_client(server_.port());
  std::shared_ptr<ServiceMetrics> metrics_ = std::make_shared<ServiceMetrics>();
  RedisJobQueue queue_{redis_, fast_options(), metrics_};
};

TEST_F(RedisJobs, SubmittedJobIsQueuedThenRunByAWorker) {
  EXPECT_EQ(queue_.kind(), "redis");
  // Submitted before any worker exists: the group starts at id 0, so it is not skipped.
  auto id = queue_.submit(job("https://example.com/a.wav"));
  ASSERT_TRUE(id) << id.error().message;
  auto queued = find(*id);
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->status, JobStatus::queued);
  EXPECT_EQ(queued->request.audio_url, "https://example.com/a.wav");
  EXPECT_EQ(queued->attempts, 0);
  EXPECT_FALSE(queued->created_at.empty());
  EXPECT_TRUE(queued->finished_at.empty());
  EXPECT_EQ(metrics_->jobs.value({"queued"}), 1);

  std::atomic<int> calls{0};
  WorkerThread worker(
      redis_,
      [&](const JobRequest& request) -> core::Result<std::string> {
        ++calls;
        return nlohmann::json{{"url", request.audio_url}}.dump();
      },
      fast_options(), nullptr, metrics_);
  ASSERT_TRUE(reaches(*id, JobStatus::succeeded));
  const auto record = find(*id);
  EXPECT_EQ(nlohmann::json::parse(*record->result)["url"], "https://example.com/a.wav");
  EXPECT_EQ(record->attempts, 1);
  EXPECT_TRUE(record->error.empty());
  EXPECT_FALSE(record->finished_at.empty());
  EXPECT_EQ(record->created_at, queued->created_at);
  ASSERT_TRUE(wait_until([&] { return pending() == 0 && length(kStream) == 0; }, 5s));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(metrics_->jobs.value({"started"}), 1);
  EXPECT_EQ(metrics_->jobs.value({"succeeded"}), 1);
  const long long ttl = redis_call(*redis_, {"TTL", job_record_key(*id)}).integer;
  EXPECT_GT(ttl, 86000);

  auto unknown = queue_.find("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TEST_F(RedisJobs, UnreachableRedisIsUnavailable) {
  RedisJobQueue nowhere(testing::redis_client(test::RedisServer::unused_port()), {}, nullptr);
  auto id = nowhere.submit(job("x"));
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, core::ErrorCode::unavailable);
  auto found = nowhere.find("abc");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, core::ErrorCode::unavailable);
}

TEST_F(RedisJobs, JobWhoseResultIsStoredIsAckedWithoutRunning) {
  // As a worker leaves it when it dies between storing a result and acking the entry.
  const std::string id = new_job_id();
  redis_call(*redis_, {"HSET", job_record_key(id), "status", "succeeded", "request",
                       R"({"audio_url":"x"})", "attempts", "1", "result", R"({"kept":true})",
                       "created_at", utc_now_iso8601(), "finished_at", utc_now_iso8601()});
  redis_call(*redis_, {"XGROUP", "CREATE", kStream, kGroup, "0", "MKSTREAM"});
  redis_call(*redis_, {"XADD", kStream, "*", "id", id});
  redis_call(*redis_,
             {"XREADGROUP", "GROUP", kGroup, "dead-worker", "COUNT", "1", "STREAMS", kStream, ">"});
  ASSERT_EQ(pending(), 1);

  std::atomic<int> calls{0};
  RedisJobOptions options = fast_options();
  options.visibility_timeout = 100ms;  // the dead worker's entry is reclaimed soon
  WorkerThread worker(
      redis_,
      [&](const JobRequest&) -> core::Result<std::string> {
        ++calls;
        return std::string("{}");
      },
      options);
  ASSERT_TRUE(wait_until([&] { return pending() == 0 && length(kStream) == 0; }, 5s));
  EXPECT_EQ(calls.load(), 0);
  const auto record = find(id);
  EXPECT_EQ(record->status, JobStatus::succeeded);
  EXPECT_EQ(record->result, R"({"kept":true})");
  EXPECT_EQ(record->attempts, 1);
}

TEST_F(RedisJobs, PoisonJobIsDeadLetteredAfterMaxAttempts) {
  std::atomic<int> calls{0};
  WorkerThread worker(
      redis_,
      [&](const JobRequest&) -> core::Result<std::string> {
        return core::Error{core::ErrorCode::io, "failure " + std::to_string(++calls)};
      },
      fast_options(), nullptr, metrics_);
  auto id = queue_.submit(job("test://fail"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(reaches(*id, JobStatus::failed));
  const auto record = find(*id);
  EXPECT_EQ(record->attempts, 3);
  EXPECT_EQ(record->error, "failure 3");
  EXPECT_FALSE(record->result);
  EXPECT_FALSE(record->finished_at.empty());
  EXPECT_EQ(calls.load(), 3);

  const auto dead = redis_call(*redis_, {"XRANGE", std::string(kJobDeadLetterKey), "-", "+"});
  ASSERT_EQ(dead.elements.size(), 1u);
  const auto& fields = dead.elements[0].elements.at(1).elements;
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0].text, "id");
  EXPECT_EQ(fields[1].text, *id);
  EXPECT_EQ(fields[2].text, "error");
  EXPECT_EQ(fields[3].text, "failure 3");
  EXPECT_EQ(fields[4].text, "attempts");
  EXPECT_EQ(fields[5].text, "3");
  ASSERT_TRUE(wait_until([&] { return pending() == 0; }, 5s));
  EXPECT_EQ(redis_call(*redis_, {"ZCARD", std::string(kJobDelayedKey)}).integer, 0);
  EXPECT_EQ(metrics_->jobs.value({"retried"}), 2);
  EXPECT_EQ(metrics_->jobs.value({"failed"}), 1);
}

TEST_F(RedisJobs, PermanentErrorFailsAtOnceAndRetryableOneRecovers) {
  std::atomic<int> flaky_calls{0};
  WorkerThread worker(
      redis_,
      [&](const JobRequest& request) -> core::Result<std::string> {
        if (request.audio_url == "bad") {
          return core::Error{core::ErrorCode::unsupported_format, "not audio"};
        }
        if (++flaky_calls == 1) return core::Error{core::ErrorCode::unavailable, "busy"};
        return std::string(R"({"ok":true})");
      },
      fast_options());
  auto bad = queue_.submit(job("bad"));
  auto flaky = queue_.submit(job("flaky"));
  ASSERT_TRUE(bad && flaky);
  ASSERT_TRUE(reaches(*bad, JobStatus::failed));
  EXPECT_EQ(find(*bad)->attempts, 1);
  EXPECT_EQ(find(*bad)->error, "not audio");
  ASSERT_TRUE(reaches(*flaky, JobStatus::succeeded));
  EXPECT_EQ(find(*flaky)->attempts, 2);
  EXPECT_TRUE(find(*flaky)->error.empty());
  EXPECT_EQ(length(std::string(kJobDeadLetterKey)), 1);
}

TEST_F(RedisJobs, StopLetsTheRunningJobFinishAndBeAcked) {
  std::atomic<bool> started{false};
  auto worker = std::make_unique<WorkerThread>(
      redis_,
      [&](const JobRequest&) -> core::Result<std::string> {
        started = true;
        std::this_thread::sleep_for(500ms);
        return std::string(R"({"done":true})");
      },
      fast_options());
  auto id = queue_.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_until([&] { return started.load(); }, 5s));
  const auto asked = std::chrono::steady_clock::now();
  worker->worker().stop();
  ASSERT_TRUE(wait_until([&] { return worker->returned(); }, 10s));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 8s);
  const auto record = find(*id);
  EXPECT_EQ(record->status, JobStatus::succeeded);
  EXPECT_EQ(record->result, R"({"done":true})");
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(length(kStream), 0);
}

TEST_F(RedisJobs, EntryArrivingAfterStopIsHandedBack) {
  RedisJobOptions options = fast_options("stopping");
  options.block = 10s;  // the read is still waiting when stop() comes, even on a stalled machine
  std::atomic<int> calls{0};
  const auto handler = [&](const JobRequest&) -> core::Result<std::string> {
    ++calls;
    return std::string("{}");
  };
  auto first = std::make_unique<WorkerThread>(redis_, handler, options);
  ASSERT_TRUE(wait_until([&] { return worker_is_reading(); }, 5s));
  first->worker().stop();
  auto id = queue_.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_until([&] { return first->returned(); }, 15s));
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(pending(), 0);        // not held by the stopped worker
  EXPECT_EQ(length(kStream), 1);  // back in the stream
  // Handed back (acked and added again), not merely left unread: two entries were ever added.
  const auto info = redis_call(*redis_, {"XINFO", "STREAM", kStream}).elements;
  long long added = 0;
  for (std::size_t i = 0; i + 1 < info.size(); i += 2) {
    if (info[i].text == "entries-added") added = info[i + 1].integer;
  }
  EXPECT_EQ(added, 2);
  EXPECT_EQ(find(*id)->status, JobStatus::queued);
  EXPECT_EQ(find(*id)->attempts, 0);

  WorkerThread second(redis_, handler, fast_options("next"));
  ASSERT_TRUE(reaches(*id, JobStatus::succeeded));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RedisJobs, LongJobIsNotReclaimedFromALiveWorker) {
  // Two workers with a short visibility timeout; the job runs 2.5 times longer than it.
  // The heartbeat comes every third of the timeout, so a reclaim needs the first worker to
  // stall for two thirds of it: 200 ms (of a 300 ms timeout) was once not enough on a loaded
  // 2-core CI machine; 1.3 s is.
  RedisJobOptions options = fast_options("first");
  options.visibility_timeout = 2000ms;
  std::atomic<int> calls{0};
  const auto handler = [&](const JobRequest&) -> core::Result<std::string> {
    ++calls;
    std::this_thread::sleep_for(5000ms);
    return std::string("{}");
  };
  WorkerThread first(redis_, handler, options, nullptr, metrics_);
  auto id = queue_.submit(job("long"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(reaches(*id, JobStatus::running));
  options.consumer = "second";
  WorkerThread second(redis_, handler, options, nullptr, metrics_);
  ASSERT_TRUE(reaches(*id, JobStatus::succeeded, 15s));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(find(*id)->attempts, 1);
  EXPECT_EQ(metrics_->jobs.value({"reclaimed"}), 0);
}

TEST_F(RedisJobs, CallbackIsSentAndRecorded) {
  testing::PostReceiver receiver;
  CallbackOptions callback_options;
  callback_options.policy.allow_private = true;
  WorkerThread worker(
      redis_, [](const JobRequest&) { return core::Result<std::string>(R"({"n":3})"); },
      fast_options(), std::make_shared<CallbackSender>(callback_options));
  auto id = queue_.submit(job("x", receiver.url()));
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_until([&] { return receiver.bodies().size() == 1; }, 5s));
  const auto body = nlohmann::json::parse(receiver.bodies()[0]);
  EXPECT_EQ(body["job_id"], *id);
  EXPECT_EQ(body["status"], "succeeded");
  EXPECT_EQ(body["result"]["n"], 3);
  ASSERT_TRUE(wait_until([&] { return pending() == 0; }, 5s));
  EXPECT_EQ(redis_call(*redis_, {"HGET", job_record_key(*id), "callback"}).text, "sent");
}

TEST_F(RedisJobs, ResultIsStoredOnceRedisAcceptsWritesAgain) {
  std::atomic<bool> started{false};
  WorkerThread worker(
      redis_,
      [&](const JobRequest&) -> core::Result<std::string> {
        started = true;
        std::this_thread::sleep_for(200ms);
        return std::string(R"({"late":true})");
      },
      fast_options());
  auto id = queue_.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_until([&] { return started.load(); }, 5s));
  // Writes hang for 2.5 s: the worker's store times out (1 s) and must be retried, not lost.
  redis_call(*redis_, {"CLIENT", "PAUSE", "2500", "WRITE"});
  ASSERT_TRUE(reaches(*id, JobStatus::succeeded, 8s));
  EXPECT_EQ(find(*id)->result, R"({"late":true})");
  ASSERT_TRUE(wait_until([&] { return pending() == 0; }, 5s));
}

TEST(RedisJobWorkerRestart, SurvivesRedisGoingAwayAndComingBack) {
  test::RedisServer server;
  auto redis = testing::redis_client(server.port());
  RedisJobQueue queue(redis, fast_options(), nullptr);
  WorkerThread worker(
      redis, [](const JobRequest&) { return core::Result<std::string>(R"({"after":true})"); },
      fast_options());
  ASSERT_TRUE(wait_until(
      [&] {
        auto list = redis->command({"CLIENT", "LIST"});
        return list && list->text.find("cmd=xreadgroup") != std::string::npos;
      },
      5s));

  server.stop();                       // SIGKILL, as a crash
  std::this_thread::sleep_for(500ms);  // the worker's reads fail meanwhile
  ASSERT_FALSE(worker.returned());
  server.start();  // empty: no stream, no group

  std::string id;
  ASSERT_TRUE(wait_until(
      [&] {
        auto submitted = queue.submit(job("x"));
        if (submitted) id = *submitted;
        return submitted.ok();
      },
      5s, 50ms));
  ASSERT_TRUE(wait_until(
      [&] {
        auto found = queue.find(id);
        return found && *found && (*found)->status == JobStatus::succeeded;
      },
      8s, 20ms));
  EXPECT_EQ((*queue.find(id))->result, R"({"after":true})");
  EXPECT_FALSE(worker.returned());
}

}  // namespace
}  // namespace earshot::service
