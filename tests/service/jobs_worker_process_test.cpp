// Real worker processes (job_worker_main.cpp) against a real redis-server: a worker SIGKILLed
// in the middle of a job, and a thousand jobs shared by three workers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "service/jobs/redis_jobs.hpp"
#include "service/jobs_test_support.hpp"
#include "service/redis/redis_client.hpp"
#include "support/redis_server.hpp"

namespace earshot::service {
namespace {

using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::redis_call;
using testing::wait_until;

const std::string kStream(kJobStreamKey);
const std::string kGroup(kJobGroup);

JobRequest job(std::string audio_url) {
  JobRequest request;
  request.audio_url = std::move(audio_url);
  return request;
}

std::vector<std::string> worker_command(std::uint16_t port, const std::string& consumer,
                                        std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {EARSHOT_JOB_WORKER, std::to_string(port), "--consumer",
                                   consumer};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

class JobWorkerProcesses : public ::testing::Test {
 protected:
  std::optional<JobRecord> find(const std::string& id) {
    auto found = queue_.find(id);
    return found ? *found : std::nullopt;
  }
  long long pending() {
    return redis_call(*redis_, {"XPENDING", kStream, kGroup}).elements.at(0).integer;
  }
  long long runs(const std::string& what) {
    const auto reply = redis_call(*redis_, {"GET", "earshot:test:runs:" + what});
    return reply.is_nil() ? 0 : std::stoll(reply.text);
  }
  // SIGTERM: the worker stops cleanly and exits 0.
  static void stop_cleanly(ChildProcess& worker) {
    worker.signal(SIGTERM);
    const auto status = worker.wait_for(5s);
    ASSERT_TRUE(status) << "worker did not stop";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
  }

  test::RedisServer server_;
  std::shared_ptr<RedisClient> redis_ = testing::redis_client(server_.port());
  RedisJobQueue queue_{redis_, {}, nullptr};
};

TEST_F(JobWorkerProcesses, JobOfAKilledWorkerIsReclaimedAndCompletedOnce) {
  const std::vector<std::string> short_visibility = {"--visibility-ms", "500"};
  // The doomed worker's job would take 30 s, so that it is surely still running when killed.
  std::vector<std::string> doomed_options = short_visibility;
  doomed_options.insert(doomed_options.end(), {"--slow-ms", "30000"});
  auto first =
      std::make_unique<ChildProcess>(worker_command(server_.port(), "doomed", doomed_options));
  auto id = queue_.submit(job("test://slow"));
  ASSERT_TRUE(id);
  ASSERT_TRUE(wait_until(
      [&] {
        auto record = find(*id);
        return record && record->status == JobStatus::running;
      },
      5s));
  first->signal(SIGKILL);
  const auto status = first->wait_for(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));

  ChildProcess second(worker_command(server_.port(), "rescuer", short_visibility));
  ASSERT_TRUE(wait_until(
      [&] {
        auto record = find(*id);
        return record && record->status == JobStatus::succeeded;
      },
      8s));
  const auto record = find(*id);
  EXPECT_EQ(record->result, R"({"slow":true})");
  EXPECT_EQ(record->attempts, 2);  // the killed try and the one that finished
  EXPECT_EQ(runs("slow"), 1);      // exactly one run finished and was stored
  ASSERT_TRUE(wait_until([&] { return pending() == 0; }, 5s));
  EXPECT_EQ(redis_call(*redis_, {"XLEN", kStream}).integer, 0);
  stop_cleanly(second);
}

TEST_F(JobWorkerProcesses, ThousandJobsThroughThreeWorkersEachRunOnce) {
  constexpr int kJobs = 1000;
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(std::make_unique<ChildProcess>(
        worker_command(server_.port(), "worker-" + std::to_string(i), {"--concurrency", "2"})));
  }
  std::vector<std::string> ids;
  ids.reserve(kJobs);
  for (int n = 0; n < kJobs; ++n) {
    auto id = queue_.submit(job("test://ok/" + std::to_string(n)));
    ASSERT_TRUE(id) << id.error().message;
    ids.push_back(*id);
  }
  // Acked entries are deleted, so an empty stream with nothing pending means all were done.
  ASSERT_TRUE(wait_until(
      [&] {
        return redis_call(*redis_, {"XLEN", kStream}).integer == 0 && pending() == 0;
      },
      20s, 50ms))
      << redis_call(*redis_, {"XLEN", kStream}).integer << " entries left";

  std::vector<std::vector<std::string>> reads;
  for (int n = 0; n < kJobs; ++n) {
    reads.push_back({"HMGET", job_record_key(ids[static_cast<std::size_t>(n)]), "status", "result",
                     "attempts"});
    reads.push_back({"GET", "earshot:test:runs:" + std::to_string(n)});
  }
  const auto replies = redis_->pipeline(reads);
  ASSERT_TRUE(replies);
  int good = 0;
  for (int n = 0; n < kJobs; ++n) {
    const auto& fields = (*replies)[static_cast<std::size_t>(2 * n)].elements;
    const auto& ran = (*replies)[static_cast<std::size_t>(2 * n + 1)];
    ASSERT_EQ(fields.size(), 3u);
    const bool ok = fields[0].text == "succeeded" &&
                    fields[1].text == "{\"n\":" + std::to_string(n) + "}" &&
                    fields[2].text == "1" && ran.text == "1";
    EXPECT_TRUE(ok) << "job " << n << ": " << fields[0].text << " " << fields[1].text
                    << " attempts " << fields[2].text << " runs " << ran.text;
    good += ok;
  }
  EXPECT_EQ(good, kJobs);
  EXPECT_EQ(redis_call(*redis_, {"XLEN", std::string(kJobDeadLetterKey)}).integer, 0);
  for (auto& worker : workers) stop_cleanly(*worker);
  // Stopped workers leave the group when they own nothing.
  EXPECT_EQ(redis_call(*redis_, {"XINFO", "CONSUMERS", kStream, kGroup}).elements.size(), 0u);
}

}  // namespace
}  // namespace earshot::service
