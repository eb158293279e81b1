// RedisStreamWorker: follows streams handed out through Redis (the protocol is described in
// redis_streams.hpp). One thread reads work, takes streams over from vanished workers, keeps
// the entries of its monitors claimed, passes on stop requests and stores how each one ended;
// each monitor's own thread publishes its segments as they close.
#include <algorithm>
#include <atomic>
#include <deque>

#include "service/jobs/callback.hpp"
#include "service/jobs/jobs.hpp"
#include "service/redis/consumer_group.hpp"
#include "service/redis/redis_client.hpp"
#include "service/redis/redis_commands.hpp"
#include "service/streams/redis_stream_records.hpp"
#include "service/streams/redis_streams.hpp"
#include "service/telemetry/metrics.hpp"
#include "service/telemetry/service_log.hpp"

namespace earshot::service {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kStopCheckEvery{500};
constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{2000};
constexpr int kClaimTries = 3;

// A stream record's fields, from HGETALL.
struct Record {
  std::string request;
  std::string state;
  bool stop = false;
  bool callback_done = false;
};

std::optional<Record> parse_record(const RedisReply& hgetall) {
  if (hgetall.elements.empty()) return std::nullopt;
  Record record;
  for (std::size_t i = 0; i + 1 < hgetall.elements.size(); i += 2) {
    const std::string& name = hgetall.elements[i].text;
    const std::string& value = hgetall.elements[i + 1].text;
    if (name == stream_field::request) record.request = value;
    if (name == stream_field::state) record.state = value;
    if (name == stream_field::stop) record.stop = value == "1";
    if (name == stream_field::callback) record.callback_done = !value.empty();
  }
  return record;
}

double seconds_between(std::chrono::system_clock::time_point from,
                       std::chrono::system_clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

struct RedisStreamWorker::Running {
  GroupEntry entry;
  std::string id;
  std::optional<std::string> callback_url;
  StreamState state;                             // as last published; guarded by publishing
  std::mutex publishing;                         // segments go out one at a time, in order
  std::deque<analysis::ContentSegment> pending;  // guarded by publishing
  std::atomic<bool> lost{false};                 // another worker took the stream over
  Clock::time_point next_stop_check{};
  std::unique_ptr<StreamMonitor> monitor;  // last: destroyed (its threads joined) first
};

RedisStreamWorker::RedisStreamWorker(std::shared_ptr<RedisClient> redis, RedisStreamOptions options,
                                     std::shared_ptr<ServiceMetrics> metrics,
                                     std::shared_ptr<ServiceLog> log)
    : redis_(std::move(redis)),
      options_(std::move(options)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<ServiceMetrics>()),
      log_(std::move(log)),
      callbacks_(std::make_shared<const CallbackSender>(options_.streams.callback)) {
  if (options_.consumer.empty()) options_.consumer = new_consumer_name();
  options_.visibility_timeout = std::max(options_.visibility_timeout, milliseconds(300));
  options_.block = std::max(options_.block, milliseconds(1));
  work_ = std::make_unique<ConsumerGroup>(redis_, std::string(kStreamWorkKey),
                                          std::string(kStreamGroup), options_.consumer);
}

RedisStreamWorker::~RedisStreamWorker() {
  stop();
}

void RedisStreamWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

core::Status RedisStreamWorker::run() {
  auto fetcher = Fetcher::create(options_.streams.fetch);
  if (!fetcher) return fetcher.error();
  fetcher_ = std::make_shared<const Fetcher>(std::move(*fetcher));
  auto backoff = kFirstBackoff;
  const auto stopping = [this] {
    std::lock_guard lock(mutex_);
    return stopping_;
  };
  const auto pause = [this](milliseconds delay) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stopping_; });
  };
  while (!stopping()) {
    if (auto created = work_->ensure(); created) break;
    pause(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  note(LogLevel::info, "stream worker started", "", options_.consumer);
  while (!stopping()) {
    tick();
    if (running_.size() >= options_.streams.max_streams) {
      pause(options_.block);  // an ended monitor is noticed at the next tick
      continue;
    }
    if (auto entry = next_entry()) {
      take(*entry);
    }
  }
  for (auto& [id, running] : running_) hand_back(*running);
  running_.clear();
  work_->leave();
  note(LogLevel::info, "stream worker stopped", "", options_.consumer);
  return {};
}

std::optional<GroupEntry> RedisStreamWorker::next_entry() {
  const auto now = Clock::now();
  if (now >= next_reclaim_) {
    auto claimed = work_->reclaim(options_.visibility_timeout, reclaim_cursor_);
    if (!claimed) {
      note(LogLevel::warning, "cannot reclaim streams", "", claimed.error().message);
    } else {
      if (reclaim_cursor_ == "0-0") next_reclaim_ = now + options_.visibility_timeout / 2;
      for (auto& entry : *claimed) {
        // Its own entry gone stale (its keep failed) is still followed here.
        if (running_.contains(entry.id)) continue;
        note(LogLevel::warning, "stream taken over from a silent worker", entry.id, "");
        metrics_->streams.add({"taken_over"});
        return std::move(entry);
      }
    }
  }
  auto read = work_->read(options_.block);
  if (!read) {
    note(LogLevel::warning, "cannot read streams; retrying", "", read.error().message);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.block, [this] { return stopping_; });
    return std::nullopt;
  }
  return std::move(*read);
}

void RedisStreamWorker::take(const GroupEntry& entry) {
  const auto ack = [&] {
    if (auto acked = work_->ack(entry.entry_id); !acked) {
      note(LogLevel::warning, "cannot ack a stream", entry.id, acked.error().message);
    }
  };
  // A malformed entry, or a second entry of a stream followed here already.
  if (entry.id.empty() || running_.contains(entry.id)) return ack();
  const std::string record_key = stream_record_key(entry.id);
  for (int attempt = 0; attempt < kClaimTries; ++attempt) {
    auto read = checked_command(*redis_, {"HGETALL", record_key});
    if (!read) {
      // Left pending: it is taken over after the visibility timeout (by this worker, too).
      note(LogLevel::warning, "cannot read a stream", entry.id, read.error().message);
      return;
    }
    const auto record = parse_record(*read);
    if (!record) return ack();  // expired
    auto state = nlohmann::ordered_json::parse(record->state, nullptr, false);
    const auto request = nlohmann::json::parse(record->request, nullptr, false);
    if (!state.is_object() || !request.is_object()) return ack();
    const std::string status = state.value("state", "");
    std::optional<std::string> callback_url;
    if (request.contains("callback_url") && request["callback_url"].is_string()) {
      callback_url = request["callback_url"].get<std::string>();
    }
    if (is_final_state(status)) {
      // Its worker ended it and vanished before the callback or the ack.
      if (callback_url && !record->callback_done) send_callback(entry.id, *callback_url);
      return ack();
    }
    StreamRequest stream;
    stream.url = request.value("url", "");
    stream.max_seconds = std::chrono::seconds(request.value("max_seconds", 1));
    stream.started_at = std::chrono::system_clock::time_point(
        milliseconds(request.value("started_at_ms", std::int64_t{0})));
    const auto now = std::chrono::system_clock::now();
    // A monitor taking over starts where the stream's clock is, never before what was heard.
    stream.offset_seconds =
        std::max(state.value("seconds", 0.0),
                 status == "queued" ? 0.0 : seconds_between(stream.started_at, now));
    if (record->stop || now >= stream.started_at + stream.max_seconds) {
      auto ended = end_stream(
          *redis_, entry.id, stream_field::state, record->state,
          ended_without_monitor(std::move(state), record->stop ? "stopped" : "max_seconds"),
          options_.ttl);
      if (!ended) return;
      if (!*ended) continue;  // changed meanwhile: read it again
      if (callback_url) send_callback(entry.id, *callback_url);
      return ack();
    }

    auto running = std::make_unique<Running>();
    running->entry = entry;
    running->id = entry.id;
    running->callback_url = callback_url;
    running->state.id = entry.id;
    running->state.url = stream.url;
    running->state.state = "running";
    running->state.started_at = stream.started_at;
    running->state.max_seconds = stream.max_seconds.count();
    running->state.seconds = stream.offset_seconds;
    auto claimed =
        checked_command(*redis_, {"EVAL", stream_scripts::kClaim, "1", record_key, record->state,
                                  to_json(running->state).dump(), options_.consumer});
    if (!claimed) return;
    if (claimed->integer == 0) continue;

    StreamParts parts = monitor_parts(options_.streams, fetcher_, nullptr, metrics_);
    Running* raw = running.get();
    parts.on_segment = [this, raw](const analysis::ContentSegment& segment) {
      {
        std::lock_guard lock(raw->publishing);
        raw->pending.push_back(segment);
      }
      publish(*raw);
    };
    metrics_->streams_active.add(1);
    metrics_->streams.add({"started"});
    note(LogLevel::info, "following a stream", entry.id, stream.url);
    running->monitor =
        std::make_unique<StreamMonitor>(entry.id, std::move(stream), std::move(parts));
    running_[entry.id] = std::move(running);
    return;
  }
  note(LogLevel::warning, "a stream kept changing while it was taken; left for later", entry.id,
       "");
}

void RedisStreamWorker::publish(Running& running) {
  std::lock_guard lock(running.publishing);
  while (!running.pending.empty() && !running.lost) {
    const auto& segment = running.pending.front();
    StreamState state = running.state;
    state.seconds = segment.end;
    auto added = checked_command(
        *redis_, {"EVAL", stream_scripts::kPublish, "2", stream_record_key(running.id),
                  stream_segments_key(running.id), options_.consumer,
                  analysis::to_json(segment).dump(), to_json(state).dump()});
    if (!added) return;  // Redis trouble: tick() tries again
    if (added->integer < 0) {
      running.lost = true;
      return;
    }
    running.state = std::move(state);
    running.pending.pop_front();
  }
}

void RedisStreamWorker::tick() {
  const auto now = Clock::now();
  std::vector<std::string> entry_ids;
  for (auto it = running_.begin(); it != running_.end();) {
    Running& running = *it->second;
    publish(running);
    if (running.lost) {
      note(LogLevel::warning, "stream taken over by another worker; monitor stopped", it->first,
           "");
      it = running_.erase(it);  // stops the monitor and waits for its threads
      continue;
    }
    if (running.monitor->ended()) {
      if (finish(running)) {
        it = running_.erase(it);
        continue;
      }
    } else if (now >= running.next_stop_check) {
      running.next_stop_check = now + kStopCheckEvery;
      // A DELETE, or another worker that took the stream over while this one was cut off
      // from Redis (noticed here even when no segment closes).
      auto read = redis_->command(
          {"HMGET", stream_record_key(it->first), stream_field::stop, stream_field::owner});
      if (read && read->elements.size() == 2) {
        if (read->elements[1].text != options_.consumer) running.lost = true;
        if (read->elements[0].text == "1") running.monitor->stop();
      }
    }
    entry_ids.push_back(running.entry.entry_id);
    ++it;
  }
  if (now >= next_keep_) {
    next_keep_ = now + options_.visibility_timeout / 3;
    if (auto kept = work_->keep(entry_ids); !kept) {
      note(LogLevel::warning, "cannot keep streams claimed", "", kept.error().message);
    }
  }
}

bool RedisStreamWorker::finish(Running& running) {
  publish(running);
  {
    std::lock_guard lock(running.publishing);
    if (!running.pending.empty() && !running.lost) return false;  // Redis trouble: next tick
  }
  if (running.lost) return true;
  auto ended = end_stream(*redis_, running.id, stream_field::owner, options_.consumer,
                          to_json(running.monitor->state()).dump(), options_.ttl);
  if (!ended) return false;
  if (!*ended) return true;  // another worker took it over meanwhile
  if (running.callback_url) send_callback(running.id, *running.callback_url);
  if (auto acked = work_->ack(running.entry.entry_id); !acked) {
    // Left pending: whoever takes it over finds it ended and acks it.
    note(LogLevel::warning, "cannot ack a stream", running.id, acked.error().message);
  }
  return true;
}

void RedisStreamWorker::hand_back(Running& running) {
  running.monitor.reset();  // stops it, waits for its threads; its last segment is published
  publish(running);
  if (auto handed = work_->hand_back(running.entry); !handed) {
    note(LogLevel::warning, "cannot hand a stream back; it is taken over later", running.id,
         handed.error().message);
  }
}

void RedisStreamWorker::send_callback(const std::string& id, const std::string& callback_url) {
  auto stream = load_stream(*redis_, id);
  if (!stream || !*stream) return;  // Redis trouble: whoever acks it later tries again
  const auto sent = callbacks_->send(callback_url, (*stream)->dump());
  if (!sent) note(LogLevel::warning, "stream callback failed", id, sent.error().message);
  (void)redis_->pipeline({{"HSET", stream_record_key(id), stream_field::callback,
                           sent ? std::string("sent") : "failed: " + sent.error().message},
                          {"EXPIRE", stream_record_key(id), std::to_string(options_.ttl.count())}});
}

void RedisStreamWorker::note(LogLevel level, std::string_view text, std::string_view stream_id,
                             std::string_view detail) {
  if (!log_) return;
  nlohmann::ordered_json fields = {{"consumer", options_.consumer}};
  if (!stream_id.empty()) fields["stream_id"] = stream_id;
  if (!detail.empty()) fields["detail"] = detail;
  log_->message(level, text, fields);
}

}  // namespace earshot::service
