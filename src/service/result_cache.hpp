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
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace earshot::service {

struct Config;
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
};

struct MemoryCacheLimits {
  std::size_t max_entries = 10000;
  std::size_t max_bytes = 256u << 20;  // keys plus values
  std::chrono::seconds ttl{3600};
};

std::unique_ptr<ResultCache> make_memory_cache(MemoryCacheLimits limits,
                                               std::shared_ptr<ServiceMetrics> metrics);
std::unique_ptr<ResultCache> make_redis_cache(std::shared_ptr<RedisClient> redis,
                                              std::chrono::seconds ttl,
                                              std::shared_ptr<ServiceMetrics> metrics);
// Redis when `redis` is given, else memory, with the limits and lifetime of `config`.
std::unique_ptr<ResultCache> make_result_cache(const Config& config,
                                               std::shared_ptr<RedisClient> redis,
                                               std::shared_ptr<ServiceMetrics> metrics);

}  // namespace earshot::service
