// Compute-once over the result cache (single_flight.hpp): a table of shared futures for the
// callers of this process, and a Redis lock with a compare-and-delete release across replicas.
#include "service/cache/single_flight.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "service/cache/result_cache.hpp"
#include "service/redis/redis_client.hpp"

namespace earshot::service {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Waiting replicas look at the lock this often: soon enough that a waiter answers within a few
// tens of milliseconds of the value appearing, seldom enough to cost Redis nothing.
constexpr milliseconds kFirstPoll{20};
constexpr milliseconds kLongestPoll{50};

// Deletes the lock only while it still holds our token: a lock that expired and was taken by
// another replica is theirs, not ours to release.
constexpr const char* kReleaseScript =
    "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 "
    "end";

std::string random_token() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    std::random_device device;  // OpenSSL's generator unseeded: any unique value will do
    for (auto& byte : bytes) byte = static_cast<unsigned char>(device());
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string token;
  for (const unsigned char byte : bytes) {
    token += kDigits[byte >> 4];
    token += kDigits[byte & 0x0f];
  }
  return token;
}

enum class LockState { acquired, held, unavailable };

LockState try_lock(RedisClient& redis, const std::string& lock, const std::string& token,
                   milliseconds lock_time) {
  const auto reply =
      redis.command({"SET", lock, token, "NX", "PX",
                     std::to_string(std::max<milliseconds::rep>(lock_time.count(), 1))});
  if (!reply || reply->is_error()) return LockState::unavailable;
  return reply->is_nil() ? LockState::held : LockState::acquired;
}

// True while the lock exists; nullopt when Redis cannot tell.
std::optional<bool> lock_exists(RedisClient& redis, const std::string& lock) {
  const auto reply = redis.command({"EXISTS", lock});
  if (!reply || reply->type != RedisReply::Type::integer) return std::nullopt;
  return reply->integer != 0;
}

// Releases the lock when the computation ends, even by an exception. A failed release leaves
// the lock to expire after its lifetime, which waiters survive.
class LockRelease {
 public:
  LockRelease(RedisClient& redis, std::string lock, std::string token)
      : redis_(redis), lock_(std::move(lock)), token_(std::move(token)) {}
  ~LockRelease() { (void)redis_.command({"EVAL", kReleaseScript, "1", lock_, token_}); }
  LockRelease(const LockRelease&) = delete;
  LockRelease& operator=(const LockRelease&) = delete;

 private:
  RedisClient& redis_;
  std::string lock_;
  std::string token_;
};

}  // namespace

struct SingleFlight::FlightTable {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_future<core::Result<CacheOutcome>>> flights;
  // Flights finished so far: a caller that missed the cache checks it again before computing
  // when a flight ended in between (it may have just stored the value).
  std::uint64_t finished = 0;
};

SingleFlight::SingleFlight(std::shared_ptr<ResultCache> cache, std::shared_ptr<RedisClient> redis,
                           std::chrono::milliseconds lock_time)
    : cache_(std::move(cache)),
      redis_(std::move(redis)),
      lock_time_(lock_time),
      table_(std::make_unique<FlightTable>()) {}

SingleFlight::~SingleFlight() = default;

core::Result<CacheOutcome> SingleFlight::get_or_compute(const std::string& key,
                                                        const Compute& compute) {
  std::uint64_t finished_before = 0;
  {
    std::lock_guard lock(table_->mutex);
    finished_before = table_->finished;
  }
  if (auto cached = cache_->get(key)) return CacheOutcome{std::move(*cached), true};

  std::promise<core::Result<CacheOutcome>> promise;
  std::shared_future<core::Result<CacheOutcome>> joined;
  bool recheck = false;
  {
    std::lock_guard lock(table_->mutex);
    if (const auto found = table_->flights.find(key); found != table_->flights.end()) {
      joined = found->second;
    } else {
      table_->flights.emplace(key, promise.get_future().share());
      recheck = table_->finished != finished_before;
    }
  }

  if (joined.valid()) {
    // The leader may wait up to lock_time for another replica and then compute for about as
    // long; a leader slower than that is stuck, and this caller stops waiting for it.
    if (joined.wait_for(2 * lock_time_) != std::future_status::ready) {
      return compute_and_store(key, compute);
    }
    const core::Result<CacheOutcome>& shared = joined.get();  // rethrows the leader's exception
    if (!shared) return shared.error();
    return CacheOutcome{shared->value, true};
  }

  const auto finish = [&] {
    std::lock_guard lock(table_->mutex);
    table_->flights.erase(key);
    ++table_->finished;
  };
  std::optional<core::Result<CacheOutcome>> outcome;
  try {
    std::optional<std::string> cached = recheck ? cache_->get(key) : std::nullopt;
    outcome.emplace(cached ? core::Result<CacheOutcome>(CacheOutcome{std::move(*cached), true})
                           : lead(key, compute));
  } catch (...) {
    finish();
    promise.set_exception(std::current_exception());
    throw;
  }
  // Out of the table before the waiters wake, so that a call after a failure computes again.
  finish();
  promise.set_value(*outcome);
  return std::move(*outcome);
}

core::Result<CacheOutcome> SingleFlight::lead(const std::string& key, const Compute& compute) {
  if (!redis_) return compute_and_store(key, compute);
  return compute_under_lock(key, compute);
}

core::Result<CacheOutcome> SingleFlight::compute_and_store(const std::string& key,
                                                           const Compute& compute) {
  auto value = compute();
  if (!value) return value.error();
  cache_->put(key, *value);
  return CacheOutcome{std::move(*value), false};
}

// Takes the replicas' lock and computes, or waits for the replica that holds it. The waiting
// polls the lock rather than the cache, so that a long wait is not counted as hundreds of cache
// misses: the owner stores the value before it releases the lock, so the cache is read once
// the lock is gone.
core::Result<CacheOutcome> SingleFlight::compute_under_lock(const std::string& key,
                                                            const Compute& compute) {
  const std::string lock = key + ":lock";
  const std::string token = random_token();
  const auto deadline = Clock::now() + lock_time_;
  milliseconds poll = kFirstPoll;
  while (true) {
    switch (try_lock(*redis_, lock, token, lock_time_)) {
      case LockState::unavailable:  // Redis down: each replica computes on its own
        return compute_and_store(key, compute);
      case LockState::acquired: {
        LockRelease release(*redis_, lock, token);
        // Another replica may have stored the value and released the lock just before.
        if (auto cached = cache_->get(key)) return CacheOutcome{std::move(*cached), true};
        return compute_and_store(key, compute);
      }
      case LockState::held:
        break;
    }
    while (true) {
      const auto now = Clock::now();
      if (now >= deadline) {
        if (auto cached = cache_->get(key)) return CacheOutcome{std::move(*cached), true};
        return compute_and_store(key, compute);  // the owner is too slow or gone
      }
      std::this_thread::sleep_for(std::min<Clock::duration>(poll, deadline - now));
      poll = std::min(kLongestPoll, poll + poll / 4);
      const auto exists = lock_exists(*redis_, lock);
      if (!exists) return compute_and_store(key, compute);
      if (*exists) continue;
      if (auto cached = cache_->get(key)) return CacheOutcome{std::move(*cached), true};
      break;  // the owner failed: take the lock over, unless another waiter already has
    }
  }
}

}  // namespace earshot::service
