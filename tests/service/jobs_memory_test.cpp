// MemoryJobQueue: jobs run on the queue's own threads with the same statuses, attempts,
// retries and callbacks as the Redis queue; records expire and are capped in number and bytes
// (finished ones dropped oldest first, unfinished ones never); the destructor lets running
// jobs finish.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "service/jobs/callback.hpp"
#include "service/jobs/memory_jobs.hpp"
#include "service/jobs_test_support.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {
namespace {

using namespace std::chrono_literals;
using testing::PostReceiver;
using testing::wait_until;

JobRequest job(std::string audio_url, std::string callback_url = "") {
  JobRequest request;
  request.audio_url = std::move(audio_url);
  request.callback_url = std::move(callback_url);
  return request;
}

MemoryJobOptions fast_options() {
  MemoryJobOptions options;
  options.retry_backoff = 5ms;
  return options;
}

std::optional<JobRecord> find(MemoryJobQueue& queue, const std::string& id) {
  auto found = queue.find(id);
  EXPECT_TRUE(found);
  return found ? *found : std::nullopt;
}

bool reaches(MemoryJobQueue& queue, const std::string& id, JobStatus status) {
  return wait_until(
      [&] {
        auto record = find(queue, id);
        return record && record->status == status;
      },
      5s);
}

TEST(MemoryJobQueue, RunsAJobToSuccess) {
  auto metrics = std::make_shared<ServiceMetrics>();
  MemoryJobQueue queue([](const JobRequest&) { return core::Result<std::string>(R"({"n":1})"); },
                       fast_options(), nullptr, metrics);
  EXPECT_EQ(queue.kind(), "memory");
  auto id = queue.submit(job("https://example.com/a.wav"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(reaches(queue, *id, JobStatus::succeeded));
  const auto record = find(queue, *id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->id, *id);
  EXPECT_EQ(record->request.audio_url, "https://example.com/a.wav");
  EXPECT_EQ(record->result, R"({"n":1})");
  EXPECT_EQ(record->attempts, 1);
  EXPECT_TRUE(record->error.empty());
  EXPECT_FALSE(record->created_at.empty());
  EXPECT_FALSE(record->finished_at.empty());
  EXPECT_EQ(metrics->jobs.value({"queued"}), 1);
  EXPECT_EQ(metrics->jobs.value({"succeeded"}), 1);

  auto unknown = queue.find("0123456789abcdef0123456789abcdef");
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->has_value());
}

TEST(MemoryJobQueue, RetriesThenFailsWithTheLastError) {
  std::atomic<int> calls{0};
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        return core::Error{core::ErrorCode::io, "try " + std::to_string(++calls)};
      },
      fast_options(), nullptr, nullptr);
  auto id = queue.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(reaches(queue, *id, JobStatus::failed));
  const auto record = find(queue, *id);
  EXPECT_EQ(record->attempts, 3);
  EXPECT_EQ(record->error, "try 3");
  EXPECT_FALSE(record->result);
  EXPECT_FALSE(record->finished_at.empty());
  EXPECT_EQ(calls.load(), 3);
}

TEST(MemoryJobQueue, RetrySucceedsAndClearsTheError) {
  std::atomic<int> calls{0};
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        if (++calls == 1) return core::Error{core::ErrorCode::unavailable, "busy"};
        return std::string("{}");
      },
      fast_options(), nullptr, nullptr);
  auto id = queue.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(reaches(queue, *id, JobStatus::succeeded));
  const auto record = find(queue, *id);
  EXPECT_EQ(record->attempts, 2);
  EXPECT_TRUE(record->error.empty());
}

TEST(MemoryJobQueue, PermanentErrorIsNotRetried) {
  std::atomic<int> calls{0};
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        ++calls;
        return core::Error{core::ErrorCode::unsupported_format, "not audio"};
      },
      fast_options(), nullptr, nullptr);
  auto id = queue.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(reaches(queue, *id, JobStatus::failed));
  EXPECT_EQ(find(queue, *id)->attempts, 1);
  EXPECT_EQ(find(queue, *id)->error, "not audio");
  EXPECT_EQ(calls.load(), 1);
}

TEST(MemoryJobQueue, RunsConcurrencyJobsAtOnce) {
  // Every job waits until four are inside the handler together: with fewer threads they
  // would all time out.
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  int most = 0;
  MemoryJobOptions options = fast_options();
  options.concurrency = 4;
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        std::unique_lock lock(mutex);
        most = std::max(most, ++inside);
        changed.notify_all();
        const bool together = changed.wait_for(lock, 5s, [&] { return most >= 4; });
        --inside;
        if (!together) return core::Error{core::ErrorCode::invalid_input, "not concurrent"};
        return std::string("{}");
      },
      options, nullptr, nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(*queue.submit(job(std::to_string(i))));
  for (const auto& id : ids) EXPECT_TRUE(reaches(queue, id, JobStatus::succeeded));
  std::lock_guard lock(mutex);
  EXPECT_EQ(most, 4);
}

TEST(MemoryJobQueue, RefusesJobsBeyondMaxQueued) {
  std::atomic<bool> release{false};
  MemoryJobOptions options = fast_options();
  options.max_queued = 2;
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        wait_until([&] { return release.load(); }, 5s);
        return std::string("{}");
      },
      options, nullptr, nullptr);
  auto first = queue.submit(job("1"));
  ASSERT_TRUE(first);
  ASSERT_TRUE(reaches(queue, *first, JobStatus::running));
  ASSERT_TRUE(queue.submit(job("2")));
  ASSERT_TRUE(queue.submit(job("3")));
  auto refused = queue.submit(job("4"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::unavailable);
  release = true;
}

TEST(MemoryJobQueue, FinishedRecordsExpire) {
  MemoryJobOptions options = fast_options();
  options.ttl = 0s;
  std::atomic<bool> ran{false};
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        ran = true;
        return std::string("{}");
      },
      options, nullptr, nullptr);
  auto id = queue.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_until([&] { return ran.load() && !find(queue, *id).has_value(); }, 5s));
}

// A handler whose jobs fail for good at once (no retry), with a long error message.
core::Result<std::string> fails(const JobRequest& request) {
  return core::Error{core::ErrorCode::decode_failed, std::string(200, 'e') + request.audio_url};
}

bool known(MemoryJobQueue& queue, const std::string& id) {
  return find(queue, id).has_value();
}

TEST(MemoryJobQueue, ManyFailingJobsStayWithinTheRecordCap) {
  MemoryJobOptions options = fast_options();
  options.max_records = 5;
  MemoryJobQueue queue(fails, options, nullptr, nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) {
    auto id = queue.submit(job("https://x/" + std::to_string(i)));
    ASSERT_TRUE(id) << i << ": " << id.error().message;
    ASSERT_TRUE(reaches(queue, *id, JobStatus::failed));
    ids.push_back(*id);
    EXPECT_LE(queue.usage().records, 5u);
  }
  // The five newest are kept; every older one went, oldest first.
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(known(queue, ids[i]), i >= 35) << i;
}

TEST(MemoryJobQueue, ManyFailingJobsStayWithinTheByteCap) {
  JobRecord sample;
  sample.id = std::string(32, 'f');
  sample.request.audio_url = "https://x/00";
  sample.error = std::string(200, 'e') + sample.request.audio_url;
  sample.created_at = sample.finished_at = "2026-01-01T00:00:00.000Z";
  MemoryJobOptions options = fast_options();
  options.max_record_bytes = 4 * record_bytes(sample) + record_bytes(sample) / 2;
  MemoryJobQueue queue(fails, options, nullptr, nullptr);
  std::vector<std::string> ids;
  for (int i = 10; i < 50; ++i) {
    auto id = queue.submit(job("https://x/" + std::to_string(i)));
    ASSERT_TRUE(id) << i << ": " << id.error().message;
    ASSERT_TRUE(reaches(queue, *id, JobStatus::failed));
    ids.push_back(*id);
    const auto usage = queue.usage();
    EXPECT_LE(usage.bytes, options.max_record_bytes);
    EXPECT_LE(usage.records, 4u);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(known(queue, ids[i]), i + 4 >= ids.size()) << i;
  }
}

TEST(MemoryJobQueue, TheOldestFinishedRecordGoesFirstNotTheOldestSubmitted) {
  std::atomic<bool> release{false};
  MemoryJobOptions options = fast_options();
  options.concurrency = 2;
  options.max_records = 4;
  MemoryJobQueue queue(
      [&](const JobRequest& request) -> core::Result<std::string> {
        if (request.audio_url == "slow") wait_until([&] { return release.load(); }, 5s);
        return std::string("{}");
      },
      options, nullptr, nullptr);
  const std::string slow = *queue.submit(job("slow"));
  ASSERT_TRUE(reaches(queue, slow, JobStatus::running));
  const std::string first = *queue.submit(job("1"));
  const std::string second = *queue.submit(job("2"));
  ASSERT_TRUE(reaches(queue, second, JobStatus::succeeded));
  ASSERT_TRUE(reaches(queue, first, JobStatus::succeeded));
  release = true;
  ASSERT_TRUE(reaches(queue, slow, JobStatus::succeeded));  // finished after 1 and 2
  const std::string third = *queue.submit(job("3"));
  ASSERT_TRUE(reaches(queue, third, JobStatus::succeeded));
  EXPECT_EQ(queue.usage().records, 4u);

  const std::string fourth = *queue.submit(job("4"));  // room for it: "1" goes
  EXPECT_FALSE(known(queue, first));
  EXPECT_TRUE(known(queue, slow));
  ASSERT_TRUE(reaches(queue, fourth, JobStatus::succeeded));
  ASSERT_TRUE(queue.submit(job("5")));  // then "2"; the first submitted, "slow", stays
  EXPECT_FALSE(known(queue, second));
  EXPECT_TRUE(known(queue, slow));
  EXPECT_TRUE(known(queue, third));
  EXPECT_EQ(queue.usage().records, 4u);
}

TEST(MemoryJobQueue, AQueuedOrRunningJobIsNeverDroppedANewOneIsRefused) {
  std::atomic<bool> release{false};
  MemoryJobOptions options = fast_options();
  options.max_records = 3;
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        wait_until([&] { return release.load(); }, 5s);
        return std::string("{}");
      },
      options, nullptr, nullptr);
  const std::string running = *queue.submit(job("1"));
  ASSERT_TRUE(reaches(queue, running, JobStatus::running));
  const std::string queued_a = *queue.submit(job("2"));
  const std::string queued_b = *queue.submit(job("3"));
  auto refused = queue.submit(job("4"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::unavailable);
  EXPECT_EQ(refused.error().message,
            "The job records are full of unfinished jobs (at most 3 records, 67108864 bytes); "
            "try again later");
  EXPECT_EQ(find(queue, running)->status, JobStatus::running);
  EXPECT_EQ(find(queue, queued_a)->status, JobStatus::queued);
  EXPECT_EQ(find(queue, queued_b)->status, JobStatus::queued);

  release = true;  // once they finish, their records make room
  for (const auto& id : {running, queued_a, queued_b}) {
    EXPECT_TRUE(reaches(queue, id, JobStatus::succeeded));
  }
  auto accepted = queue.submit(job("5"));
  ASSERT_TRUE(accepted);
  EXPECT_FALSE(known(queue, running));
  EXPECT_TRUE(known(queue, queued_a));
}

TEST(MemoryJobQueue, AResultLargerThanTheByteCapIsNotKept) {
  JobRecord sample;
  sample.id = std::string(32, 'f');
  sample.request.audio_url = "x";
  sample.created_at = "2026-01-01T00:00:00.000Z";
  MemoryJobOptions options = fast_options();
  options.max_record_bytes = 2 * record_bytes(sample);  // room to queue, not for a big result
  std::atomic<bool> ran{false};
  MemoryJobQueue queue(
      [&](const JobRequest&) -> core::Result<std::string> {
        ran = true;
        return R"({"big":")" + std::string(options.max_record_bytes, 'r') + R"("})";
      },
      options, nullptr, nullptr);
  auto id = queue.submit(job("x"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_until([&] { return ran.load() && !known(queue, *id); }, 5s));
  EXPECT_EQ(queue.usage().records, 0u);
  EXPECT_EQ(queue.usage().bytes, 0u);
}

TEST(MemoryJobQueue, DestructorLetsTheRunningJobFinish) {
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  {
    MemoryJobQueue queue(
        [&](const JobRequest&) -> core::Result<std::string> {
          started = true;
          std::this_thread::sleep_for(300ms);
          finished = true;
          return std::string("{}");
        },
        fast_options(), nullptr, nullptr);
    ASSERT_TRUE(queue.submit(job("x")));
    ASSERT_TRUE(wait_until([&] { return started.load(); }, 5s));
  }
  EXPECT_TRUE(finished.load());
}

TEST(MemoryJobQueue, SendsTheCallbackAfterSuccessAndFailure) {
  PostReceiver receiver;
  CallbackOptions callback_options;
  callback_options.policy.allow_private = true;
  auto callbacks = std::make_shared<CallbackSender>(callback_options);
  MemoryJobQueue queue(
      [](const JobRequest& request) -> core::Result<std::string> {
        if (request.audio_url == "bad") {
          return core::Error{core::ErrorCode::decode_failed, "cannot decode"};
        }
        return std::string(R"({"n":5})");
      },
      fast_options(), callbacks, nullptr);
  auto good = queue.submit(job("good", receiver.url()));
  ASSERT_TRUE(good);
  ASSERT_TRUE(wait_until([&] { return receiver.bodies().size() == 1; }, 5s));
  auto bad = queue.submit(job("bad", receiver.url()));
  ASSERT_TRUE(bad);
  ASSERT_TRUE(wait_until([&] { return receiver.bodies().size() == 2; }, 5s));

  const auto first = nlohmann::json::parse(receiver.bodies()[0]);
  EXPECT_EQ(first["job_id"], *good);
  EXPECT_EQ(first["status"], "succeeded");
  EXPECT_EQ(first["result"]["n"], 5);
  EXPECT_TRUE(first["error"].is_null());
  const auto second = nlohmann::json::parse(receiver.bodies()[1]);
  EXPECT_EQ(second["job_id"], *bad);
  EXPECT_EQ(second["status"], "failed");
  EXPECT_TRUE(second["result"].is_null());
  EXPECT_EQ(second["error"], "cannot decode");
}

TEST(MemoryJobQueue, CallbackToAPrivateAddressIsRefusedButTheJobSucceeds) {
  PostReceiver receiver;
  auto callbacks = std::make_shared<CallbackSender>();  // loopback not allowed
  std::string id;
  {
    MemoryJobQueue queue([](const JobRequest&) { return core::Result<std::string>("{}"); },
                         fast_options(), callbacks, nullptr);
    id = *queue.submit(job("x", receiver.url()));
    ASSERT_TRUE(reaches(queue, id, JobStatus::succeeded));
  }  // joined: the callback attempt is over
  EXPECT_EQ(receiver.requests(), 0);
}

}  // namespace
}  // namespace earshot::service
