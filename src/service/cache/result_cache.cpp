// The two result caches of result_cache.hpp: an LRU map in memory and Redis GET / SET EX.
#include "service/cache/result_cache.hpp"

#include <algorithm>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "service/redis/redis_client.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {
namespace {

void count_lookup(const std::shared_ptr<ServiceMetrics>& metrics, std::string_view cache,
                  const char* result) {
  if (metrics) metrics->cache_lookups.add({std::string(cache), result});
}

class MemoryResultCache final : public ResultCache {
 public:
  MemoryResultCache(MemoryCacheLimits limits, std::shared_ptr<ServiceMetrics> metrics,
                    CacheClock now)
      : limits_(limits), metrics_(std::move(metrics)), now_(std::move(now)) {
    if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
  }

  std::string_view kind() const override { return limits_.label; }

  // Only hits are counted here: a miss goes on to get() (or to a worker), which counts it.
  std::optional<std::string> get_local(const std::string& key) override {
    auto value = find(key);
    if (value) count_lookup(metrics_, kind(), "hit");
    return value;
  }

  std::optional<std::string> get(const std::string& key) override {
    auto value = find(key);
    count_lookup(metrics_, kind(), value ? "hit" : "miss");
    return value;
  }

  std::optional<std::string> find(const std::string& key) {
    std::optional<std::string> value;
    {
      std::lock_guard lock(mutex_);
      const auto found = index_.find(key);
      if (found != index_.end()) {
        if (found->second->expires_at <= now_()) {
          // Expired entries are dropped when met rather than by a sweeper thread: the caps
          // bound what a forgotten entry can cost until then.
          erase(found->second);
        } else {
          entries_.splice(entries_.begin(), entries_, found->second);  // most recently used
          value = found->second->value;
        }
      }
    }
    return value;
  }

  void put(const std::string& key, const std::string& value) override {
    const std::size_t size = key.size() + value.size();
    std::lock_guard lock(mutex_);
    // The new value supersedes the old one even when it is too large to keep.
    if (const auto found = index_.find(key); found != index_.end()) erase(found->second);
    if (size > limits_.max_bytes || limits_.max_entries == 0) return;
    while (!entries_.empty() &&
           (entries_.size() >= limits_.max_entries || bytes_ + size > limits_.max_bytes)) {
      erase(std::prev(entries_.end()));
    }
    entries_.push_front(Entry{key, value, now_() + limits_.ttl});
    index_.emplace(key, entries_.begin());
    bytes_ += size;
  }

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::chrono::steady_clock::time_point expires_at;
  };
  using Position = std::list<Entry>::iterator;

  void erase(Position position) {  // mutex_ held
    bytes_ -= position->key.size() + position->value.size();
    index_.erase(position->key);
    entries_.erase(position);
  }

  const MemoryCacheLimits limits_;
  const std::shared_ptr<ServiceMetrics> metrics_;
  CacheClock now_;
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first; guarded by mutex_
  std::unordered_map<std::string, Position> index_;
  std::size_t bytes_ = 0;
};

class RedisResultCache final : public ResultCache {
 public:
  RedisResultCache(std::shared_ptr<RedisClient> redis, std::chrono::seconds ttl,
                   std::shared_ptr<ServiceMetrics> metrics)
      : redis_(std::move(redis)),
        // EX refuses 0 and negative lifetimes; a shorter one than a second is not configurable.
        ttl_seconds_(std::to_string(std::max<std::chrono::seconds::rep>(ttl.count(), 1))),
        metrics_(std::move(metrics)) {}

  std::string_view kind() const override { return "redis"; }

  std::optional<std::string> get_local(const std::string&) override { return std::nullopt; }

  std::optional<std::string> get(const std::string& key) override {
    const auto reply = redis_->command({"GET", key});
    // A wrong type or any other error reply is as unusable as no answer at all.
    if (!reply || (reply->type != RedisReply::Type::string && !reply->is_nil())) {
      count_lookup(metrics_, kind(), "error");
      return std::nullopt;
    }
    count_lookup(metrics_, kind(), reply->is_nil() ? "miss" : "hit");
    if (reply->is_nil()) return std::nullopt;
    return reply->text;
  }

  void put(const std::string& key, const std::string& value) override {
    // RedisClient counts transport failures in redis_errors; a lost write only costs a later
    // recomputation, so nothing else is done with the outcome.
    (void)redis_->command({"SET", key, value, "EX", ttl_seconds_});
  }

 private:
  const std::shared_ptr<RedisClient> redis_;
  const std::string ttl_seconds_;
  const std::shared_ptr<ServiceMetrics> metrics_;
};

class TieredResultCache final : public ResultCache {
 public:
  TieredResultCache(std::unique_ptr<ResultCache> near, std::unique_ptr<ResultCache> far)
      : near_(std::move(near)), far_(std::move(far)) {}

  std::string_view kind() const override { return far_->kind(); }

  std::optional<std::string> get_local(const std::string& key) override { return near_->get(key); }

  std::optional<std::string> get(const std::string& key) override {
    if (auto value = near_->get(key)) return value;
    auto value = far_->get(key);
    if (value) near_->put(key, *value);
    return value;
  }

  void put(const std::string& key, const std::string& value) override {
    near_->put(key, value);
    far_->put(key, value);
  }

 private:
  const std::unique_ptr<ResultCache> near_;
  const std::unique_ptr<ResultCache> far_;
};

}  // namespace

std::unique_ptr<ResultCache> make_memory_cache(MemoryCacheLimits limits,
                                               std::shared_ptr<ServiceMetrics> metrics,
                                               CacheClock now) {
  return std::make_unique<MemoryResultCache>(limits, std::move(metrics), std::move(now));
}

std::unique_ptr<ResultCache> make_tiered_cache(MemoryCacheLimits near,
                                               std::unique_ptr<ResultCache> redis,
                                               std::shared_ptr<ServiceMetrics> metrics) {
  return std::make_unique<TieredResultCache>(make_memory_cache(near, std::move(metrics)),
                                             std::move(redis));
}

std::unique_ptr<ResultCache> make_redis_cache(std::shared_ptr<RedisClient> redis,
                                              std::chrono::seconds ttl,
                                              std::shared_ptr<ServiceMetrics> metrics) {
  return std::make_unique<RedisResultCache>(std::move(redis), ttl, std::move(metrics));
}

std::unique_ptr<ResultCache> make_result_cache(const ResultCacheOptions& options,
                                               std::shared_ptr<RedisClient> redis,
                                               std::shared_ptr<ServiceMetrics> metrics) {
  MemoryCacheLimits limits{.max_entries = options.max_entries,
                           .max_bytes = options.max_bytes,
                           .ttl = options.ttl,
                           .label = "memory"};
  if (!redis) return make_memory_cache(limits, std::move(metrics));
  auto far = make_redis_cache(std::move(redis), options.ttl, metrics);
  if (options.near_ttl.count() == 0) return far;
  limits.ttl = std::min(options.near_ttl, options.ttl);
  limits.label = "near";
  return make_tiered_cache(limits, std::move(far), std::move(metrics));
}

}  // namespace earshot::service
