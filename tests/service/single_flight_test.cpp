// Single flight: one computation per key for concurrent callers of one process, and across two
// "replicas" (two clients, caches and SingleFlights) sharing a real redis-server; bounded waits
// behind a dead replica's lock; Redis down costs the lock, never the answer.
#include "service/cache/single_flight.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "service/cache/result_cache.hpp"
#include "service/local_redis.hpp"
#include "service/redis/redis_client.hpp"
#include "service/telemetry/metrics.hpp"
#include "support/redis_server.hpp"

namespace earshot::service {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Outcome = core::Result<CacheOutcome>;

// A computation that counts its calls and takes `duration`.
struct SlowCompute {
  std::atomic<int> calls{0};
  std::chrono::milliseconds duration{0};
  std::string value = "computed";

  core::Result<std::string> operator()() {
    ++calls;
    std::this_thread::sleep_for(duration);
    return value;
  }
  std::function<core::Result<std::string>()> function() {
    return [this] { return (*this)(); };
  }
};

// Runs `callers` calls at once (released together by a latch) and returns their outcomes.
std::vector<std::optional<Outcome>> run_together(int callers,
                                                 const std::function<Outcome(int caller)>& call) {
  std::vector<std::optional<Outcome>> outcomes(callers);
  std::latch start(callers);
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      outcomes[i].emplace(call(i));
    });
  }
  for (auto& thread : threads) thread.join();
  return outcomes;
}

using testing::local_redis;

std::shared_ptr<ResultCache> memory_cache() {
  return make_memory_cache({}, nullptr);
}

TEST(SingleFlight, ACachedValueIsAHitWithoutComputing) {
  auto cache = memory_cache();
  cache->put("k", "stored");
  SingleFlight flight(cache, nullptr, 5s);
  SlowCompute compute;
  auto outcome = flight.get_or_compute("k", compute.function());
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->value, "stored");
  EXPECT_TRUE(outcome->hit);
  EXPECT_EQ(compute.calls, 0);
}

TEST(SingleFlight, AComputedValueIsStoredAndThenAHit) {
  SingleFlight flight(memory_cache(), nullptr, 5s);
  SlowCompute compute;
  auto first = flight.get_or_compute("k", compute.function());
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->hit);
  EXPECT_EQ(first->value, "computed");
  EXPECT_EQ(flight.cache().get("k"), "computed");
  auto second = flight.get_or_compute("k", compute.function());
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->hit);
  EXPECT_EQ(compute.calls, 1);
}

TEST(SingleFlight, FiftyConcurrentCallersShareOneComputation) {
  SingleFlight flight(memory_cache(), nullptr, 5s);
  SlowCompute compute{.duration = 200ms, .value = R"({"bpm":128})"};
  const auto outcomes = run_together(
      50, [&](int) { return flight.get_or_compute("earshot:v1:url:x", compute.function()); });
  EXPECT_EQ(compute.calls, 1);
  int hits = 0;
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome && *outcome);
    EXPECT_EQ((*outcome)->value, R"({"bpm":128})");
    hits += (*outcome)->hit ? 1 : 0;
  }
  EXPECT_EQ(hits, 49);
}

TEST(SingleFlight, DifferentKeysComputeIndependently) {
  SingleFlight flight(memory_cache(), nullptr, 5s);
  std::atomic<int> calls{0}, active{0}, most_active{0};
  const auto compute_for = [&](int key) {
    return [&, key]() -> core::Result<std::string> {
      ++calls;
      const int now = ++active;
      int seen = most_active.load();
      while (now > seen && !most_active.compare_exchange_weak(seen, now)) {
      }
      // Held until all four keys are computing at once (or 5 s have passed, which fails the
      // test below): a fixed sleep would count on the other callers arriving in time.
      const auto give_up = Clock::now() + 5s;
      while (most_active.load() < 4 && Clock::now() < give_up) {
        std::this_thread::sleep_for(1ms);
      }
      --active;
      return "value " + std::to_string(key);
    };
  };
  // Four keys, five callers each.
  const auto outcomes = run_together(20, [&](int caller) {
    const int key = caller % 4;
    return flight.get_or_compute("key" + std::to_string(key), compute_for(key));
  });
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(most_active, 4);  // no key waited for another
  for (int caller = 0; caller < 20; ++caller) {
    ASSERT_TRUE(outcomes[caller] && *outcomes[caller]);
    EXPECT_EQ((*outcomes[caller])->value, "value " + std::to_string(caller % 4));
  }
}

TEST(SingleFlight, AFailureReachesEveryWaiterAndIsNotCached) {
  SingleFlight flight(memory_cache(), nullptr, 5s);
  std::atomic<int> failing_calls{0};
  const auto failing = [&]() -> core::Result<std::string> {
    ++failing_calls;
    // Long enough that every caller released with the leader has joined its flight even on a
    // loaded machine: one arriving after the failure would compute again.
    std::this_thread::sleep_for(1500ms);
    return core::Error{core::ErrorCode::decode_failed, "Could not decode the audio."};
  };
  const auto outcomes = run_together(10, [&](int) { return flight.get_or_compute("k", failing); });
  EXPECT_EQ(failing_calls, 1);
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome);
    ASSERT_FALSE(*outcome);
    EXPECT_EQ(outcome->error().code, core::ErrorCode::decode_failed);
    EXPECT_EQ(outcome->error().message, "Could not decode the audio.");
  }
  EXPECT_EQ(flight.cache().get("k"), std::nullopt);

  SlowCompute compute;
  auto retried = flight.get_or_compute("k", compute.function());
  ASSERT_TRUE(retried);
  EXPECT_FALSE(retried->hit);
  EXPECT_EQ(retried->value, "computed");
  EXPECT_EQ(compute.calls, 1);
}

// Two replicas: each its own client, cache and SingleFlight, sharing one redis-server.
class SingleFlightRedis : public ::testing::Test {
 protected:
  struct Replica {
    std::shared_ptr<RedisClient> redis;
    std::shared_ptr<ResultCache> cache;
    std::unique_ptr<SingleFlight> flight;
  };

  Replica replica(std::chrono::milliseconds lock_time, std::uint16_t port = 0) {
    Replica r;
    r.redis = std::make_shared<RedisClient>(local_redis(port ? port : server_.port(), metrics_));
    r.cache = make_redis_cache(r.redis, 60s, metrics_);
    r.flight = std::make_unique<SingleFlight>(r.cache, r.redis, lock_time);
    return r;
  }

  bool lock_exists(const std::string& key) {
    auto reply = raw_.command({"EXISTS", key + ":lock"});
    EXPECT_TRUE(reply);
    return reply && reply->integer == 1;
  }

  // Until `key`'s lock is taken (by a replica running on another thread); false after 2 s.
  bool wait_for_lock(const std::string& key) {
    const auto deadline = Clock::now() + 2s;
    while (Clock::now() < deadline) {
      if (lock_exists(key)) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }

  test::RedisServer server_;
  std::shared_ptr<ServiceMetrics> metrics_ = std::make_shared<ServiceMetrics>();
  RedisClient raw_{local_redis(server_.port())};
};

TEST_F(SingleFlightRedis, TwoReplicasComputeOnce) {
  Replica a = replica(5s), b = replica(5s);
  SlowCompute compute{.duration = 200ms, .value = "shared"};
  const auto outcomes = run_together(10, [&](int caller) {
    SingleFlight& flight = caller % 2 == 0 ? *a.flight : *b.flight;
    return flight.get_or_compute("earshot:v1:url:two", compute.function());
  });
  EXPECT_EQ(compute.calls, 1);
  int hits = 0;
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome && *outcome);
    EXPECT_EQ((*outcome)->value, "shared");
    hits += (*outcome)->hit ? 1 : 0;
  }
  EXPECT_EQ(hits, 9);
  EXPECT_FALSE(lock_exists("earshot:v1:url:two"));  // released by its owner
  auto stored = raw_.command({"GET", "earshot:v1:url:two"});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->text, "shared");
}

TEST_F(SingleFlightRedis, AWaitingReplicaGetsTheOwnersValue) {
  Replica a = replica(5s), b = replica(5s);
  SlowCompute slow{.duration = 300ms, .value = "from a"};
  std::optional<Outcome> from_a;
  std::thread owner([&] { from_a.emplace(a.flight->get_or_compute("k", slow.function())); });
  ASSERT_TRUE(wait_for_lock("k"));
  SlowCompute never{.value = "from b"};
  const auto start = Clock::now();
  auto from_b = b.flight->get_or_compute("k", never.function());
  const auto waited = Clock::now() - start;
  owner.join();
  ASSERT_TRUE(from_a && *from_a);
  EXPECT_FALSE((*from_a)->hit);
  ASSERT_TRUE(from_b);
  EXPECT_TRUE(from_b->hit);
  EXPECT_EQ(from_b->value, "from a");
  EXPECT_EQ(never.calls, 0);
  EXPECT_LT(waited, 3s);  // answered soon after the owner finished, not at the 5 s lock time
}

TEST_F(SingleFlightRedis, ADeadReplicasLockBoundsTheWait) {
  // A replica that took the lock and died: the lock outlives the waiter's patience.
  auto dead = raw_.command({"SET", "k:lock", "dead-token", "NX", "PX", "10000"});
  ASSERT_TRUE(dead);
  Replica r = replica(300ms);
  SlowCompute compute;
  const auto start = Clock::now();
  auto outcome = r.flight->get_or_compute("k", compute.function());
  const auto waited = Clock::now() - start;
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->hit);
  EXPECT_EQ(outcome->value, "computed");
  EXPECT_EQ(compute.calls, 1);
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 5s);  // the dead lock would last 10 s
  // Only its owner may release a lock.
  auto lock = raw_.command({"GET", "k:lock"});
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->text, "dead-token");
}

TEST_F(SingleFlightRedis, AFailedOwnerLetsAWaiterCompute) {
  Replica a = replica(5s), b = replica(5s);
  const auto failing = []() -> core::Result<std::string> {
    std::this_thread::sleep_for(200ms);
    return core::Error{core::ErrorCode::io, "disk full"};
  };
  std::optional<Outcome> from_a;
  std::thread owner([&] { from_a.emplace(a.flight->get_or_compute("k", failing)); });
  ASSERT_TRUE(wait_for_lock("k"));
  SlowCompute compute{.value = "from b"};
  const auto start = Clock::now();
  auto from_b = b.flight->get_or_compute("k", compute.function());
  const auto waited = Clock::now() - start;
  owner.join();
  ASSERT_TRUE(from_a);
  EXPECT_FALSE(*from_a);
  ASSERT_TRUE(from_b);
  EXPECT_FALSE(from_b->hit);
  EXPECT_EQ(from_b->value, "from b");
  EXPECT_EQ(compute.calls, 1);
  EXPECT_LT(waited, 3s);  // when the lock went away, not at the 5 s lock time
  EXPECT_FALSE(lock_exists("k"));
}

TEST_F(SingleFlightRedis, RedisDownStillComputesAndAnswers) {
  Replica r = replica(5s);
  server_.stop();
  SlowCompute compute;
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) {
    auto outcome = r.flight->get_or_compute("k", compute.function());
    ASSERT_TRUE(outcome);
    EXPECT_FALSE(outcome->hit);  // nothing can be cached either
    EXPECT_EQ(outcome->value, "computed");
  }
  EXPECT_LT(Clock::now() - start, 3s);  // no call waits for a lock (5 s each)
  EXPECT_EQ(compute.calls, 5);
  EXPECT_GE(metrics_->cache_lookups.value({"redis", "error"}), 5);
}

TEST_F(SingleFlightRedis, UnreachableRedisStillComputes) {
  Replica r = replica(5s, test::RedisServer::unused_port());
  SlowCompute compute;
  auto outcome = r.flight->get_or_compute("k", compute.function());
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->hit);
  EXPECT_EQ(outcome->value, "computed");
}

}  // namespace
}  // namespace earshot::service
