// The result caches: LRU, caps and expiry in memory (with a fake clock); GET / SET EX in a real
// redis-server, and what a request sees while that Redis dies and comes back.
#include "service/cache/result_cache.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "service/local_redis.hpp"
#include "service/redis/redis_client.hpp"
#include "service/telemetry/metrics.hpp"
#include "support/redis_server.hpp"

namespace earshot::service {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing::local_redis;

double lookups(const ServiceMetrics& metrics, const std::string& cache, const std::string& result) {
  return metrics.cache_lookups.value({cache, result});
}

// A memory cache whose clock the test moves by hand.
struct MemoryCacheFixture {
  explicit MemoryCacheFixture(MemoryCacheLimits limits)
      : metrics(std::make_shared<ServiceMetrics>()),
        now(std::make_shared<Clock::time_point>(Clock::now())),
        cache(make_memory_cache(limits, metrics, [time = now] { return *time; })) {}

  std::shared_ptr<ServiceMetrics> metrics;
  std::shared_ptr<Clock::time_point> now;
  std::unique_ptr<ResultCache> cache;
};

TEST(MemoryResultCache, HitAndMissAreCounted) {
  MemoryCacheFixture f({});
  EXPECT_EQ(f.cache->kind(), "memory");
  f.cache->put("earshot:v1:url:a", R"({"duration":1.5})");
  EXPECT_EQ(f.cache->get("earshot:v1:url:a"), R"({"duration":1.5})");
  EXPECT_EQ(f.cache->get("earshot:v1:url:b"), std::nullopt);
  EXPECT_EQ(f.cache->get("earshot:v1:url:a"), R"({"duration":1.5})");
  EXPECT_EQ(lookups(*f.metrics, "memory", "hit"), 2);
  EXPECT_EQ(lookups(*f.metrics, "memory", "miss"), 1);
  EXPECT_EQ(lookups(*f.metrics, "memory", "error"), 0);
}

TEST(MemoryResultCache, PutReplacesTheValue) {
  MemoryCacheFixture f({});
  f.cache->put("k", "old");
  f.cache->put("k", "new");
  EXPECT_EQ(f.cache->get("k"), "new");
}

TEST(MemoryResultCache, EntriesExpireAfterTheTtl) {
  MemoryCacheFixture f({.ttl = 10s});
  f.cache->put("k", "v");
  *f.now += 9999ms;
  EXPECT_EQ(f.cache->get("k"), "v");
  *f.now += 1ms;
  EXPECT_EQ(f.cache->get("k"), std::nullopt);
  EXPECT_EQ(lookups(*f.metrics, "memory", "miss"), 1);
  // Stored again, it lives a full ttl from then.
  f.cache->put("k", "v2");
  *f.now += 9s;
  EXPECT_EQ(f.cache->get("k"), "v2");
}

TEST(MemoryResultCache, ExpiredEntriesFreeTheirRoom) {
  MemoryCacheFixture f({.max_entries = 2, .ttl = 10s});
  f.cache->put("a", "1");
  *f.now += 5s;
  f.cache->put("b", "2");
  *f.now += 6s;
  EXPECT_EQ(f.cache->get("a"), std::nullopt);  // expired and removed
  f.cache->put("c", "3");                      // fits without evicting b
  EXPECT_EQ(f.cache->get("b"), "2");
  EXPECT_EQ(f.cache->get("c"), "3");
}

TEST(MemoryResultCache, EvictsTheLeastRecentlyUsedByEntryCount) {
  MemoryCacheFixture f({.max_entries = 3});
  f.cache->put("a", "1");
  f.cache->put("b", "2");
  f.cache->put("c", "3");
  EXPECT_EQ(f.cache->get("a"), "1");  // a is now the most recently used; b the least
  f.cache->put("d", "4");
  EXPECT_EQ(f.cache->get("b"), std::nullopt);
  EXPECT_EQ(f.cache->get("a"), "1");
  EXPECT_EQ(f.cache->get("c"), "3");
  EXPECT_EQ(f.cache->get("d"), "4");
}

TEST(MemoryResultCache, EvictsTheLeastRecentlyUsedByBytes) {
  // Each entry is 10 bytes: a one-letter key and a 9-byte value.
  MemoryCacheFixture f({.max_bytes = 30});
  const std::string value(9, 'x');
  f.cache->put("a", value);
  f.cache->put("b", value);
  f.cache->put("c", value);
  EXPECT_EQ(f.cache->get("a"), value);
  f.cache->put("d", value);  // 40 bytes: b, the least recently used, goes
  EXPECT_EQ(f.cache->get("b"), std::nullopt);
  EXPECT_EQ(f.cache->get("a"), value);
  EXPECT_EQ(f.cache->get("c"), value);
  EXPECT_EQ(f.cache->get("d"), value);
  // A 25-byte entry leaves room for no other: all three go.
  f.cache->put("e", std::string(24, 'y'));
  EXPECT_EQ(f.cache->get("e"), std::string(24, 'y'));
  EXPECT_EQ(f.cache->get("a"), std::nullopt);
  EXPECT_EQ(f.cache->get("c"), std::nullopt);
  EXPECT_EQ(f.cache->get("d"), std::nullopt);
}

TEST(MemoryResultCache, AnEntryLargerThanMaxBytesIsNotStored) {
  MemoryCacheFixture f({.max_bytes = 10});
  f.cache->put("a", "12345");
  f.cache->put("big", "12345678");  // 11 bytes
  EXPECT_EQ(f.cache->get("big"), std::nullopt);
  EXPECT_EQ(f.cache->get("a"), "12345");  // nothing was evicted for it
  // A too-large new value still replaces an older one: the old value is stale.
  f.cache->put("a", "123456789012");
  EXPECT_EQ(f.cache->get("a"), std::nullopt);
}

TEST(MemoryResultCache, ReplacedValuesAreAccountedOnce) {
  MemoryCacheFixture f({.max_bytes = 20});
  for (int i = 0; i < 100; ++i) f.cache->put("a", "123456789");  // 10 bytes, over and over
  f.cache->put("b", "123456789");
  EXPECT_EQ(f.cache->get("a"), "123456789");
  EXPECT_EQ(f.cache->get("b"), "123456789");
}

TEST(MemoryResultCache, WorksWithoutMetricsAndAcrossThreads) {
  auto cache = make_memory_cache({.max_entries = 50}, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 500; ++i) {
        // Appended, not `"k" + std::to_string(...)`: GCC 12 at -O3 misreads that as an
        // overlapping copy (-Wrestrict, a false positive).
        std::string key = "k";
        key += std::to_string((t * 31 + i) % 80);
        if (auto value = cache->get(key)) {
          EXPECT_EQ(*value, "v" + key);
        } else {
          cache->put(key, "v" + key);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  cache->put("last", "x");
  EXPECT_EQ(cache->get("last"), "x");
}

TEST(MemoryResultCache, MadeFromTheOptionsWithoutRedis) {
  auto metrics = std::make_shared<ServiceMetrics>();
  auto cache = make_result_cache({.max_entries = 1}, nullptr, metrics);
  EXPECT_EQ(cache->kind(), "memory");
  cache->put("a", "1");
  cache->put("b", "2");
  EXPECT_EQ(cache->get("a"), std::nullopt);  // the one-entry cap
  EXPECT_EQ(cache->get("b"), "2");
}

// A redis-server, a client with a short circuit breaker, and a cache with a one-second life.
class RedisResultCache : public ::testing::Test {
 protected:
  std::shared_ptr<RedisClient> client() {
    return std::make_shared<RedisClient>(local_redis(server_.port(), metrics_));
  }
  std::string raw_get(const std::string& key) {
    auto reply = raw_->command({"GET", key});
    if (!reply) reply = raw_->command({"GET", key});  // a connection from before a restart
    EXPECT_TRUE(reply);
    return reply && !reply->is_nil() ? reply->text : "(nil)";
  }

  test::RedisServer server_;
  std::shared_ptr<ServiceMetrics> metrics_ = std::make_shared<ServiceMetrics>();
  std::shared_ptr<RedisClient> redis_ = client();
  std::shared_ptr<RedisClient> raw_ = std::make_shared<RedisClient>(local_redis(server_.port()));
  std::unique_ptr<ResultCache> cache_ = make_redis_cache(redis_, 1s, metrics_);
};

TEST_F(RedisResultCache, HitMissAndTheKeysAreReallyInRedis) {
  EXPECT_EQ(cache_->kind(), "redis");
  cache_->put("earshot:v1:url:abc", R"({"bpm":120})");
  EXPECT_EQ(raw_get("earshot:v1:url:abc"), R"({"bpm":120})");
  EXPECT_EQ(cache_->get("earshot:v1:url:abc"), R"({"bpm":120})");
  EXPECT_EQ(cache_->get("earshot:v1:url:other"), std::nullopt);
  // Another replica's cache sees what this one stored.
  auto other = make_redis_cache(client(), 1s, metrics_);
  EXPECT_EQ(other->get("earshot:v1:url:abc"), R"({"bpm":120})");
  EXPECT_EQ(lookups(*metrics_, "redis", "hit"), 2);
  EXPECT_EQ(lookups(*metrics_, "redis", "miss"), 1);
  EXPECT_EQ(lookups(*metrics_, "redis", "error"), 0);
}

TEST_F(RedisResultCache, EntriesExpireAfterTheTtl) {
  cache_->put("k", "v");
  auto pttl = raw_->command({"PTTL", "k"});
  ASSERT_TRUE(pttl);
  EXPECT_NE(pttl->integer, -1);  // it has a TTL (-2: already expired, on a stalled machine)
  EXPECT_LE(pttl->integer, 1000);
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(cache_->get("k"), std::nullopt);
  EXPECT_EQ(raw_get("k"), "(nil)");
}

TEST_F(RedisResultCache, AWrongTypeIsAnErrorNotAHit) {
  ASSERT_TRUE(raw_->command({"HSET", "k", "field", "value"}));
  EXPECT_EQ(cache_->get("k"), std::nullopt);
  EXPECT_EQ(lookups(*metrics_, "redis", "error"), 1);
}

TEST_F(RedisResultCache, RedisDyingIsAMissAndItsReturnIsNoticed) {
  // The circuit stays open for 1 s here, not the fixture's 200 ms, so that a stalled machine
  // cannot let it half-open in the middle of the loop below.
  RedisClientOptions options = local_redis(server_.port(), metrics_);
  options.open_for = 1s;
  redis_ = std::make_shared<RedisClient>(options);
  cache_ = make_redis_cache(redis_, 1s, metrics_);
  cache_->put("k", "v");
  ASSERT_EQ(cache_->get("k"), "v");

  server_.stop();
  EXPECT_EQ(cache_->get("k"), std::nullopt);
  EXPECT_EQ(lookups(*metrics_, "redis", "error"), 1);
  EXPECT_NO_THROW(cache_->put("k", "v"));
  EXPECT_EQ(cache_->get("k"), std::nullopt);  // the third failure opens the circuit
  EXPECT_TRUE(redis_->circuit_open());

  // With the circuit open a lookup costs nothing: no connection is even tried.
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(cache_->get("k"), std::nullopt);
    cache_->put("k", "v");
  }
  EXPECT_EQ(lookups(*metrics_, "redis", "error"), 202);
  EXPECT_GE(metrics_->redis_errors.value({"circuit_open"}), 400);

  server_.start();                      // same port, empty
  std::this_thread::sleep_for(1100ms);  // past open_for: calls reach Redis again
  EXPECT_EQ(cache_->get("k"), std::nullopt);
  EXPECT_EQ(lookups(*metrics_, "redis", "miss"), 1);
  EXPECT_FALSE(redis_->circuit_open());
  cache_->put("k", "back");
  EXPECT_EQ(cache_->get("k"), "back");
  EXPECT_EQ(raw_get("k"), "back");
}

TEST_F(RedisResultCache, MadeFromTheOptionsWithRedis) {
  auto cache = make_result_cache({.ttl = 3600s}, redis_, metrics_);
  EXPECT_EQ(cache->kind(), "redis");
  cache->put("k", "v");
  auto ttl = raw_->command({"TTL", "k"});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 3500);
  EXPECT_LE(ttl->integer, 3600);
}

}  // namespace
}  // namespace earshot::service
