// Live streams followed by `earshot worker`s, handed out through Redis as jobs are: any API
// replica starts, reads, follows and stops any stream; any worker follows it. The layout:
//
//   earshot:v1:stream:<id>           hash: request (JSON, with started_at_ms), state (the JSON
//                                    of GET /streams/{id} without segments), segments (count),
//                                    owner (the consumer following it), stop ("1" once DELETE
//                                    asked), callback ("sent" or why not)
//   earshot:v1:stream:<id>:segments  stream of {segment: JSON}; the n-th segment has id 0-n
//   earshot:v1:streams               stream of {id}: streams to follow; group "earshot-workers"
//   earshot:v1:streams:active        sorted set: streams not yet ended, scored by when they
//                                    must have ended (ms); MAX_STREAMS counts its members
//
// Protocol:
//   * start: one script drops members past their end, refuses when MAX_STREAMS are left,
//     adds the id, writes the record (state "queued") and the work entry. The record expires
//     max_seconds plus JOB_TTL_SECONDS after it was written, or JOB_TTL_SECONDS after the end.
//   * a worker with room for one more stream reads one entry (or reclaims one idle longer
//     than STREAM_VISIBILITY_TIMEOUT_SECONDS). A record already ended is acked (its callback
//     sent first if it never was); one whose stop was asked, or whose deadline passed, is
//     ended at once; any other becomes "running" with this worker as its owner (compare and
//     set on the state, so a DELETE racing with it wins or loses cleanly).
//   * while it runs, each segment is added by a script that checks the owner first, and the
//     worker re-claims the entry every third of the visibility timeout and reads the stop flag
//     every half second. A worker that finds itself no longer the owner stops its monitor
//     quietly: another one took over.
//   * the end: a script (owner checked) stores the final state and removes the id from the
//     active set; then the callback; then the ack.
//   * a worker that stops (SIGTERM) ends its monitors without an end state and hands their
//     entries back, so another worker takes them over at once.
//
// A stream survives its worker: when a worker dies, its entry goes idle and another worker
// takes it over after the visibility timeout and follows the same URL, with the same start
// and deadline. The audio in between was heard by no one: the timeline has a gap there (the
// new monitor's segments start where the stream's clock is, never before the last segment),
// and the final classification covers the audio heard since the takeover. Segments already
// published stay; subscribers of GET /streams/{id}/events see the stream go on.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "service/streams/stream_monitors.hpp"
#include "service/streams/streams.hpp"
#include "service/telemetry/log_level.hpp"

namespace earshot::service {

class RedisClient;
class ServiceLog;
class ConsumerGroup;
struct GroupEntry;

inline constexpr std::string_view kStreamWorkKey = "earshot:v1:streams";
inline constexpr std::string_view kStreamActiveKey = "earshot:v1:streams:active";
inline constexpr std::string_view kStreamGroup = "earshot-workers";
std::string stream_record_key(std::string_view id);    // "earshot:v1:stream:<id>"
std::string stream_segments_key(std::string_view id);  // "earshot:v1:stream:<id>:segments"

struct RedisStreamOptions {
  StreamOptions streams;  // max_streams counts streams across all workers
  std::chrono::milliseconds visibility_timeout{30000};
  std::chrono::seconds ttl{86400};       // records live this long after the end
  std::chrono::milliseconds poll{200};   // how often event feeds look for news
  std::chrono::milliseconds block{500};  // longest wait for work (bounds stop())
  std::string consumer;                  // unique per worker; empty: made up
};

// What the API replicas use. Its metrics: earshot_streams_active is the number of streams
// not yet ended across all workers (counted every 15 s), earshot_streams_total
// {event="started"} the streams this replica started. Thread-safe.
class RedisStreams final : public Streams {
 public:
  // `metrics` may be null.
  RedisStreams(std::shared_ptr<RedisClient> redis, RedisStreamOptions options,
               std::shared_ptr<ServiceMetrics> metrics);
  ~RedisStreams() override;

  std::string_view kind() const override { return "redis"; }
  std::chrono::seconds max_seconds() const override { return options_.streams.max_seconds; }
  core::Result<nlohmann::ordered_json> start(StreamRequest request) override;
  core::Result<std::optional<nlohmann::ordered_json>> find(const std::string& id) override;
  // The feeds are read by one thread for all subscribers, every `poll`.
  core::Result<std::shared_ptr<BodySource>> events(const std::string& id,
                                                   std::size_t first) override;
  core::Result<std::optional<nlohmann::ordered_json>> stop(const std::string& id) override;

 private:
  class Feed;
  void poll(std::stop_token stop);
  void count_active();

  std::shared_ptr<RedisClient> redis_;
  RedisStreamOptions options_;
  std::shared_ptr<ServiceMetrics> metrics_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::vector<std::weak_ptr<Feed>> feeds_;  // guarded by mutex_
  std::jthread poller_;                     // last: stopped first
};

// What `earshot worker` runs besides jobs: follows up to max_streams streams at a time.
class RedisStreamWorker {
 public:
  // `metrics` and `log` may be null.
  RedisStreamWorker(std::shared_ptr<RedisClient> redis, RedisStreamOptions options,
                    std::shared_ptr<ServiceMetrics> metrics,
                    std::shared_ptr<ServiceLog> log = nullptr);
  ~RedisStreamWorker();
  RedisStreamWorker(const RedisStreamWorker&) = delete;
  RedisStreamWorker& operator=(const RedisStreamWorker&) = delete;

  // Follows streams until stop(); call once. On stop() its monitors end and their entries are
  // handed back for other workers. Errors: those of StreamMonitors' fetcher (a bad policy).
  core::Status run();
  void stop();  // thread-safe
  const std::string& consumer() const { return options_.consumer; }

 private:
  struct Running;
  void take(const GroupEntry& entry);
  void tick();
  void publish(Running& running);
  bool finish(Running& running);  // false: to be tried again at the next tick
  void hand_back(Running& running);
  void send_callback(const std::string& id, const std::string& callback_url);
  std::optional<GroupEntry> next_entry();
  void note(LogLevel level, std::string_view text, std::string_view stream_id,
            std::string_view detail);

  std::shared_ptr<RedisClient> redis_;
  RedisStreamOptions options_;
  std::shared_ptr<ServiceMetrics> metrics_;
  std::shared_ptr<ServiceLog> log_;
  std::unique_ptr<ConsumerGroup> work_;
  std::shared_ptr<const Fetcher> fetcher_;
  std::shared_ptr<const CallbackSender> callbacks_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;                                    // guarded by mutex_
  std::map<std::string, std::unique_ptr<Running>> running_;  // by stream id; run()'s thread
  std::string reclaim_cursor_ = "0-0";
  std::chrono::steady_clock::time_point next_reclaim_{};
  std::chrono::steady_clock::time_point next_keep_{};
};

}  // namespace earshot::service
