// Compute-once over the result cache. get_or_compute(key, compute): the cached value when there
// is one; otherwise exactly one caller computes it and stores it, and the others wait for that
// result instead of computing it again:
//   * within the process, concurrent callers of one key share the one computation in flight;
//   * across replicas (with Redis), the computing replica holds a lock, `SET <key>:lock <random
//     token> NX PX <lock time>`, released only by its owner (a compare-and-delete script), and
//     other replicas poll the cache until the value appears or the lock goes away.
// Waiting is bounded by the lock time (CACHE_LOCK_SECONDS); a waiter that runs out of time, or
// finds the lock gone with no value (the owner failed), computes itself. Failed computations
// are not cached: every waiter of a failed in-process computation gets its error. With Redis
// down the lock is skipped and each replica computes on its own.
//
//   SingleFlight flight(cache, redis, std::chrono::seconds(150));
//   auto outcome = flight.get_or_compute(key, [&] { return analyse(url); });
//   if (outcome) respond(outcome->value, outcome->hit ? "HIT" : "MISS");
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace earshot::service {

class ResultCache;
class RedisClient;

struct CacheOutcome {
  std::string value;
  bool hit = false;  // from the cache (or another caller's computation), not computed here
};

class SingleFlight {
 public:
  // `redis` may be null: no cross-replica lock. Thread-safe; one instance serves every request.
  // `compute` runs on the calling thread and should not throw (an exception reaches the caller
  // and every waiter of that key).
  SingleFlight(std::shared_ptr<ResultCache> cache, std::shared_ptr<RedisClient> redis,
               std::chrono::milliseconds lock_time);
  ~SingleFlight();

  core::Result<CacheOutcome> get_or_compute(
      const std::string& key, const std::function<core::Result<std::string>()>& compute);

  ResultCache& cache() const { return *cache_; }

 private:
  struct FlightTable;  // the computations in flight in this process, by key
  using Compute = std::function<core::Result<std::string>()>;

  core::Result<CacheOutcome> lead(const std::string& key, const Compute& compute);
  core::Result<CacheOutcome> compute_and_store(const std::string& key, const Compute& compute);
  core::Result<CacheOutcome> compute_under_lock(const std::string& key, const Compute& compute);

  std::shared_ptr<ResultCache> cache_;
  std::shared_ptr<RedisClient> redis_;
  std::chrono::milliseconds lock_time_;
  std::unique_ptr<FlightTable> table_;
};

}  // namespace earshot::service
