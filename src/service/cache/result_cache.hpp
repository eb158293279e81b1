// The result cache: finished analysis responses (JSON text) by key (cache_key.hpp). One
// interface, two implementations: in memory (the default with no Redis configured: LRU with
// caps on entries and bytes, entries expire after CACHE_EXPIRATION_SECONDS) and Redis (SET EX
// with the same lifetime, shared by every replica). A cache never fails a request: when Redis
// is down or slow, get() is a miss and put() does nothing, and both are counted in /metrics.
//
//   auto cache = make_result_cache(config, redis, metrics);   // memory when redis is null
//   if (auto hit = cache->get(key)) return *hit;
//   cache->put(key, body);
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace earshot::service {

struct ServiceMetrics;
class RedisClient;

class ResultCache {
 public:
  virtual ~ResultCache() = default;
  virtual std::string_view kind() const = 0;  // "memory" or "redis": the metric label
  // The value, or nullopt for a miss, an expired entry, or a cache that could not be asked.
  // Counted in ServiceMetrics::cache_lookups {cache=kind(), result=hit|miss|error}.
  virtual std::optional<std::string> get(const std::string& key) = 0;
  // Stores with the cache's lifetime; failures are counted and otherwise ignored.
  virtual void put(const std::string& key, const std::string& value) = 0;
  // The value when this process's memory has it (no waiting on a network), else nullopt: the
  // server answers such hits on its I/O thread. Counted like get().
  virtual std::optional<std::string> get_local(const std::string& key) = 0;
};

struct MemoryCacheLimits {
  std::size_t max_entries = 10000;
  std::size_t max_bytes = 256u << 20;  // keys plus values
  std::chrono::seconds ttl{3600};
  std::string_view label = "memory";  // kind(), the metric label
};

// What the memory cache reads the time from; tests pass a fake clock to expire entries without
// sleeping.
using CacheClock = std::function<std::chrono::steady_clock::time_point()>;

// Thread-safe. The least recently used entries go first when a cap is reached; an entry larger
// than max_bytes on its own is not stored. `now` empty: std::chrono::steady_clock::now.
std::unique_ptr<ResultCache> make_memory_cache(MemoryCacheLimits limits,
                                               std::shared_ptr<ServiceMetrics> metrics,
                                               CacheClock now = {});
// Thread-safe as RedisClient is; every replica that shares the Redis shares the entries.
std::unique_ptr<ResultCache> make_redis_cache(std::shared_ptr<RedisClient> redis,
                                              std::chrono::seconds ttl,
                                              std::shared_ptr<ServiceMetrics> metrics);
// Redis behind a near cache: a memory cache (label "near", lifetime `near.ttl`) answers what
// this process saw recently, Redis the rest (and what other replicas computed). Results are
// addressed by their inputs, so a near copy can only be older than Redis's by `near.ttl`.
std::unique_ptr<ResultCache> make_tiered_cache(MemoryCacheLimits near,
                                               std::unique_ptr<ResultCache> redis,
                                               std::shared_ptr<ServiceMetrics> metrics);
// The service's cache: entries live `ttl` (CACHE_EXPIRATION_SECONDS); without Redis they are
// kept in memory under the two caps, with Redis a near copy lives `near_ttl`.
struct ResultCacheOptions {
  std::size_t max_entries = 10000;     // CACHE_MAX_ENTRIES
  std::size_t max_bytes = 256u << 20;  // CACHE_MAX_BYTES
  std::chrono::seconds ttl{3600};
  std::chrono::seconds near_ttl{30};  // NEAR_CACHE_SECONDS; 0: no near cache
};

// Redis when `redis` is given (behind a near cache unless near_ttl is 0), else memory.
std::unique_ptr<ResultCache> make_result_cache(const ResultCacheOptions& options,
                                               std::shared_ptr<RedisClient> redis,
                                               std::shared_ptr<ServiceMetrics> metrics);

}  // namespace earshot::service
