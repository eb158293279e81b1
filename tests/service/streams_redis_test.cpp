// RedisStreams (what API replicas use) and RedisStreamWorker (what `earshot worker` runs)
// against a real redis-server: starting, the MAX_STREAMS count shared by replicas, stopping a
// stream no worker follows yet, a worker ending a stream whose deadline passed while queued,
// a worker following a real stream (a WAV from a loopback server) to its end, taking a live
// stream over from a worker that went silent, and letting go of one another worker took.
// Take-overs between worker processes are tested with icecast2 in live/live_streams_test.py.
#include <gtest/gtest.h>

#include <thread>

#include "service/jobs_test_support.hpp"
#include "service/redis/redis_client.hpp"
#include "service/streams/redis_streams.hpp"
#include "service/telemetry/metrics.hpp"
#include "service/test_http_server.hpp"
#include "support/redis_server.hpp"

namespace earshot::service {
namespace {

using namespace std::chrono_literals;
using testing::redis_call;
using testing::wait_until;

const std::string kWork(kStreamWorkKey);
const std::string kGroup(kStreamGroup);

RedisStreamOptions options(std::size_t max_streams = 4, std::string consumer = "") {
  RedisStreamOptions out;
  out.streams.max_streams = max_streams;
  out.streams.max_seconds = std::chrono::seconds(600);
  out.streams.idle_timeout = std::chrono::seconds(2);
  out.streams.fetch.policy = *make_address_policy(true, "");  // the loopback test server
  out.poll = 20ms;
  out.block = 100ms;
  out.visibility_timeout = 3s;
  out.consumer = std::move(consumer);
  return out;
}

StreamRequest request(std::string url, std::chrono::seconds max_seconds = 600s) {
  StreamRequest out;
  out.url = std::move(url);
  out.max_seconds = max_seconds;
  return out;
}

// Everything a BodySource gives within `timeout`, until it says it is complete.
std::string drain(BodySource& source, std::chrono::milliseconds timeout = 10s) {
  std::string text;
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < give_up) {
    auto part = source.next();
    if (!part) return text;
    text += *part;
    std::this_thread::sleep_for(10ms);
  }
  ADD_FAILURE() << "the event stream did not end; so far: " << text;
  return text;
}

// A worker running in a thread of this process; stopped and joined by the destructor.
class WorkerThread {
 public:
  WorkerThread(std::shared_ptr<RedisClient> redis, RedisStreamOptions worker_options,
               std::shared_ptr<ServiceMetrics> metrics)
      : worker_(std::move(redis), std::move(worker_options), std::move(metrics)),
        thread_([this] { EXPECT_TRUE(worker_.run()); }) {}
  ~WorkerThread() {
    worker_.stop();
    thread_.join();
  }

 private:
  RedisStreamWorker worker_;
  std::thread thread_;
};

class RedisStreamsTest : public ::testing::Test {
 protected:
  nlohmann::ordered_json state(RedisStreams& streams, const std::string& id) {
    auto found = streams.find(id);
    EXPECT_TRUE(found && *found) << (found ? "no such stream" : found.error().message);
    return found && *found ? **found : nlohmann::ordered_json();
  }
  long long pending() {
    return redis_call(*redis_, {"XPENDING", kWork, kGroup}).elements.at(0).integer;
  }
  // The id of a started stream; empty (and a failure) when it could not start.
  std::string start(RedisStreams& streams, StreamRequest stream) {
    auto started = streams.start(std::move(stream));
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    return started ? (*started)["id"].get<std::string>() : "";
  }
  std::string field(const std::string& id, const char* name) {
    return redis_call(*redis_, {"HGET", stream_record_key(id), name}).text;
  }

  test::RedisServer server_;
  std::shared_ptr<RedisClient> redis_ = testing::redis_client(server_.port());
  std::shared_ptr<ServiceMetrics> metrics_ = std::make_shared<ServiceMetrics>();
};

TEST_F(RedisStreamsTest, ReplicasShareTheStreamsAndTheirLimit) {
  RedisStreams first(redis_, options(2), metrics_);
  RedisStreams second(redis_, options(2), nullptr);
  EXPECT_EQ(first.kind(), "redis");
  auto a = first.start(request("http://radio.example/a.mp3"));
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ((*a)["state"], "queued");
  EXPECT_EQ((*a)["max_seconds"], 600);
  ASSERT_TRUE(second.start(request("http://radio.example/b.mp3")));
  const auto refused = second.start(request("http://radio.example/c.mp3"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::unavailable);
  EXPECT_NE(refused.error().message.find("MAX_STREAMS"), std::string::npos);

  // Either replica answers for any stream; the record expires after max_seconds plus the TTL.
  const std::string id = (*a)["id"];
  const auto found = state(second, id);
  EXPECT_EQ(found["url"], "http://radio.example/a.mp3");
  EXPECT_EQ(found["segments"], nlohmann::ordered_json::array());
  const long long ttl = redis_call(*redis_, {"TTL", stream_record_key(id)}).integer;
  EXPECT_GT(ttl, 86400);
  EXPECT_LE(ttl, 86400 + 600);
  EXPECT_EQ(redis_call(*redis_, {"XLEN", kWork}).integer, 2);
  EXPECT_EQ(metrics_->streams.value({"started"}), 1);
}

TEST_F(RedisStreamsTest, RequestsEveryKindRefusesAreRefused) {
  RedisStreams streams(redis_, options(), nullptr);
  EXPECT_EQ(streams.start(request("ftp://radio.example/a.mp3")).error().code,
            core::ErrorCode::invalid_input);
  EXPECT_EQ(streams.start(request("http://radio.example/a.mp3", 601s)).error().code,
            core::ErrorCode::invalid_input);
  EXPECT_EQ(redis_call(*redis_, {"EXISTS", kWork}).integer, 0);
}

TEST_F(RedisStreamsTest, UnknownStreamsAreNotFound) {
  RedisStreams streams(redis_, options(), nullptr);
  EXPECT_EQ(*streams.find("nope"), std::nullopt);
  EXPECT_EQ(*streams.events("nope", 0), nullptr);
  EXPECT_EQ(*streams.stop("nope"), std::nullopt);
}

TEST_F(RedisStreamsTest, StoppingAStreamNoWorkerFollowsEndsItAtOnce) {
  RedisStreams streams(redis_, options(1), nullptr);
  const std::string id = start(streams, request("http://radio.example/a.mp3"));
  ASSERT_FALSE(id.empty());
  const auto stopped = streams.stop(id);
  ASSERT_TRUE(stopped && *stopped);
  EXPECT_EQ((**stopped)["state"], "finished");
  EXPECT_EQ((**stopped)["reason"], "stopped");
  EXPECT_FALSE((**stopped)["ended_at"].is_null());
  // Its place is free again, and its event stream is just the end.
  EXPECT_TRUE(streams.start(request("http://radio.example/b.mp3")));
  auto events = streams.events(id, 0);
  ASSERT_TRUE(events && *events);
  const std::string text = drain(**events);
  EXPECT_EQ(text.find("event: segment"), std::string::npos) << text;
  EXPECT_NE(text.find("event: end\ndata: {\"id\":\"" + id + "\""), std::string::npos) << text;
}

TEST_F(RedisStreamsTest, AWorkerEndsAStreamWhoseDeadlinePassedWhileQueued) {
  RedisStreams streams(redis_, options(), nullptr);
  const std::string id = start(streams, request("http://radio.example/a.mp3", 1s));
  ASSERT_FALSE(id.empty());
  std::this_thread::sleep_for(1100ms);
  WorkerThread worker(redis_, options(), metrics_);
  ASSERT_TRUE(wait_until([&] { return state(streams, id)["state"] == "finished"; }, 5s));
  EXPECT_EQ(state(streams, id)["reason"], "max_seconds");
  ASSERT_TRUE(wait_until(
      [&] {
        return pending() == 0 && redis_call(*redis_, {"XLEN", kWork}).integer == 0;
      },
      5s));
  EXPECT_EQ(redis_call(*redis_, {"ZCARD", std::string(kStreamActiveKey)}).integer, 0);
  EXPECT_EQ(metrics_->streams.value({"started"}), 0);  // nothing was fetched
}

TEST_F(RedisStreamsTest, AWorkerFollowsAStreamToItsEndAndPublishesItsSegments) {
  testing::TestHttpServer audio;
  RedisStreams streams(redis_, options(), nullptr);
  const std::string id = start(streams, request(audio.url("/tone.wav")));
  ASSERT_FALSE(id.empty());
  auto events = streams.events(id, 0);  // subscribed before any worker runs
  ASSERT_TRUE(events && *events);
  WorkerThread worker(redis_, options(), metrics_);
  const std::string text = drain(**events);

  const auto final_state = state(streams, id);
  EXPECT_EQ(final_state["state"], "finished") << final_state.dump();
  EXPECT_EQ(final_state["reason"], "source_ended");
  EXPECT_FALSE(final_state["classification"].is_null());
  const auto& segments = final_state["segments"];
  ASSERT_FALSE(segments.empty());
  EXPECT_DOUBLE_EQ(segments.front()["start"].get<double>(), 0.0);
  EXPECT_NEAR(segments.back()["end"].get<double>(), final_state["seconds"].get<double>(), 0.05);
  // The feed gave every segment, numbered from 0, then the end.
  for (std::size_t i = 0; i < segments.size(); ++i) {
    EXPECT_NE(
        text.find("event: segment\nid: " + std::to_string(i) + "\ndata: " + segments[i].dump()),
        std::string::npos)
        << text;
  }
  EXPECT_NE(text.rfind("event: end\n"), std::string::npos);
  ASSERT_TRUE(wait_until([&] { return pending() == 0; }, 5s));
  EXPECT_EQ(redis_call(*redis_, {"XLEN", kWork}).integer, 0);
  EXPECT_EQ(redis_call(*redis_, {"HEXISTS", stream_record_key(id), "owner"}).integer, 0);
  EXPECT_EQ(metrics_->streams.value({"started"}), 1);
  // Counted by the monitor's own thread as it ends, a moment after its end is visible.
  EXPECT_TRUE(wait_until([&] { return metrics_->streams.value({"source_ended"}) == 1; }, 5s));
  EXPECT_EQ(metrics_->streams_active.value(), 0);

  // A client that reconnects after the first segment gets the rest only.
  auto resumed = streams.events(id, 1);
  ASSERT_TRUE(resumed && *resumed);
  const std::string rest = drain(**resumed);
  EXPECT_EQ(rest.find("id: 0\n"), std::string::npos) << rest;
  EXPECT_NE(rest.find("event: end\n"), std::string::npos) << rest;
}

TEST_F(RedisStreamsTest, AWorkerTakesOverAStreamWhoseWorkerWentSilent) {
  testing::TestHttpServer source;
  RedisStreams streams(redis_, options(), nullptr);
  auto started = streams.start(request(source.url("/live.wav")));
  ASSERT_TRUE(started);
  const std::string id = (*started)["id"];
  // A worker took it and died: its entry is pending on it, the record names it the owner.
  redis_call(*redis_, {"XGROUP", "CREATE", kWork, kGroup, "0", "MKSTREAM"});
  redis_call(*redis_,
             {"XREADGROUP", "GROUP", kGroup, "dead-worker", "COUNT", "1", "STREAMS", kWork, ">"});
  auto running = *started;
  running["state"] = "running";
  redis_call(*redis_,
             {"HSET", stream_record_key(id), "owner", "dead-worker", "state", running.dump()});
  std::this_thread::sleep_for(500ms);

  auto taker_options = options(4, "taker");
  taker_options.visibility_timeout = 300ms;
  WorkerThread taker(redis_, taker_options, metrics_);
  ASSERT_TRUE(wait_until([&] { return field(id, "owner") == "taker"; }, 5s));
  EXPECT_EQ(metrics_->streams.value({"taken_over"}), 1);
  std::this_thread::sleep_for(2500ms);  // it hears the tone for a while (at least 1 s of it)

  const auto stopped = streams.stop(id);
  ASSERT_TRUE(stopped && *stopped);
  EXPECT_EQ((**stopped)["state"], "finished") << (**stopped).dump();
  EXPECT_EQ((**stopped)["reason"], "stopped");
  // Its timeline starts where the stream's clock was when it took over, not at 0.
  const auto& segments = (**stopped)["segments"];
  ASSERT_FALSE(segments.empty());
  EXPECT_GE(segments.front()["start"].get<double>(), 0.5);
  EXPECT_GT((**stopped)["seconds"].get<double>(), segments.front()["start"].get<double>() + 1.0);
  ASSERT_TRUE(wait_until([&] { return pending() == 0; }, 5s));
}

TEST_F(RedisStreamsTest, AWorkerLetsGoOfAStreamAnotherWorkerTookOver) {
  testing::TestHttpServer source;
  RedisStreams streams(redis_, options(), nullptr);
  const std::string id = start(streams, request(source.url("/live.wav")));
  ASSERT_FALSE(id.empty());
  WorkerThread first(redis_, options(4, "first"), metrics_);
  ASSERT_TRUE(wait_until(
      [&] { return field(id, "owner") == "first" && metrics_->streams_active.value() == 1; }, 5s));

  // Another worker took it over while this one was cut off from Redis.
  redis_call(*redis_, {"HSET", stream_record_key(id), "owner", "other"});
  ASSERT_TRUE(wait_until([&] { return metrics_->streams_active.value() == 0; }, 5s));
  // It stopped its monitor without a word: no end, no segment, the owner's record untouched.
  const auto state = nlohmann::json::parse(field(id, "state"));
  EXPECT_EQ(state["state"], "running");
  EXPECT_EQ(field(id, "owner"), "other");
  EXPECT_EQ(redis_call(*redis_, {"XLEN", stream_segments_key(id)}).integer, 0);
}

}  // namespace
}  // namespace earshot::service
