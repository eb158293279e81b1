// RedisStreams: the API side of streams followed by workers (the protocol is described in
// redis_streams.hpp; the worker is in redis_stream_worker.cpp).
#include "service/streams/redis_streams.hpp"

#include <algorithm>
#include <charconv>

#include "service/jobs/jobs.hpp"
#include "service/redis/redis_client.hpp"
#include "service/redis/redis_commands.hpp"
#include "service/streams/redis_stream_records.hpp"
#include "service/telemetry/metrics.hpp"

namespace earshot::service {
namespace {

using std::chrono::milliseconds;

// Segments one look of a feed reads at most; the rest come at the next look.
constexpr int kFeedBatch = 100;
constexpr milliseconds kStopPoll{100};
constexpr std::chrono::seconds kCountActiveEvery{15};

nlohmann::ordered_json parse_ordered(std::string_view text) {
  auto json = nlohmann::ordered_json::parse(text, nullptr, false);
  return json.is_discarded() ? nlohmann::ordered_json() : json;
}

bool has_ended(const nlohmann::ordered_json& state) {
  const auto found = state.find("state");
  return found != state.end() && found->is_string() &&
         is_final_state(found->get_ref<const std::string&>());
}

// "0-<n>" -> n (the segment's number, from 1).
std::optional<std::size_t> segment_number(std::string_view entry_id) {
  if (!entry_id.starts_with("0-")) return std::nullopt;
  std::size_t number = 0;
  const auto* end = entry_id.data() + entry_id.size();
  const auto [at, error] = std::from_chars(entry_id.data() + 2, end, number);
  if (error != std::errc() || at != end || number == 0) return std::nullopt;
  return number;
}

// The segment JSON of an XRANGE entry [id, ["segment", json]].
nlohmann::ordered_json entry_segment(const RedisReply& entry) {
  if (entry.elements.size() < 2 || entry.elements[1].elements.size() < 2) return nullptr;
  return parse_ordered(entry.elements[1].elements[1].text);
}

}  // namespace

std::string stream_record_key(std::string_view id) {
  return "earshot:v1:stream:" + std::string(id);
}

std::string stream_segments_key(std::string_view id) {
  return stream_record_key(id) + ":segments";
}

core::Result<std::optional<nlohmann::ordered_json>> load_stream(RedisClient& redis,
                                                                const std::string& id) {
  // One round trip, the state first: Redis runs them in order.
  auto replies = redis.pipeline({{"HGET", stream_record_key(id), stream_field::state},
                                 {"XRANGE", stream_segments_key(id), "-", "+"}});
  if (!replies) return replies.error();
  for (const auto& reply : *replies) {
    if (reply.is_error()) return redis_reply_error("reading a stream", reply);
  }
  if ((*replies)[0].is_nil()) return std::optional<nlohmann::ordered_json>();
  auto state = parse_ordered((*replies)[0].text);
  if (!state.is_object()) return std::optional<nlohmann::ordered_json>();
  auto segments = nlohmann::ordered_json::array();
  for (const auto& entry : (*replies)[1].elements) segments.push_back(entry_segment(entry));
  state["segments"] = std::move(segments);
  return std::optional(std::move(state));
}

core::Result<bool> end_stream(RedisClient& redis, const std::string& id, std::string_view guard,
                              const std::string& expected, const std::string& final_state,
                              std::chrono::seconds ttl) {
  auto ended = checked_command(
      redis, {"EVAL", stream_scripts::kEnd, "3", stream_record_key(id),
              std::string(kStreamActiveKey), stream_segments_key(id), std::string(guard), expected,
              final_state, std::to_string(ttl.count()), id});
  if (!ended) return ended.error();
  return ended->integer == 1;
}

std::string ended_without_monitor(nlohmann::ordered_json state, std::string_view reason) {
  state["state"] = "finished";
  state["reason"] = reason;
  state["ended_at"] = iso_time(std::chrono::system_clock::now());
  return state.dump();
}

// One subscriber's events: filled by the poller, drained by the server's next().
class RedisStreams::Feed final : public BodySource {
 public:
  Feed(std::string id, std::size_t first) : id_(std::move(id)), next_(first) {}

  std::optional<std::string> next() override {
    std::lock_guard lock(mutex_);
    if (!text_.empty()) return std::exchange(text_, {});
    if (done_) return std::nullopt;
    return std::string();
  }

  // Reads what is new in Redis; on a Redis error nothing changes and the next look retries.
  void look(RedisClient& redis) {
    std::size_t next = 0;
    {
      std::lock_guard lock(mutex_);
      if (done_) return;
      next = next_;
    }
    auto replies =
        redis.pipeline({{"HGET", stream_record_key(id_), stream_field::state},
                        {"XRANGE", stream_segments_key(id_), "0-" + std::to_string(next + 1), "+",
                         "COUNT", std::to_string(kFeedBatch)}});
    if (!replies || (*replies)[0].is_error() || (*replies)[1].is_error()) return;
    std::string text;
    bool done = false;
    if ((*replies)[0].is_nil()) {
      done = true;  // expired: nothing more will come
    } else {
      for (const auto& entry : (*replies)[1].elements) {
        const auto number =
            entry.elements.empty() ? std::nullopt : segment_number(entry.elements[0].text);
        if (!number) continue;
        text += sse_event("segment", *number - 1, entry_segment(entry));
        next = *number;
      }
      const auto state = parse_ordered((*replies)[0].text);
      if (has_ended(state) && (*replies)[1].elements.size() < kFeedBatch) {
        text += sse_event("end", std::nullopt, state);
        done = true;
      }
    }
    std::lock_guard lock(mutex_);
    text_ += text;
    next_ = next;
    done_ = done;
  }

  bool done() const {
    std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  const std::string id_;
  mutable std::mutex mutex_;
  std::string text_;  // events not yet given to the server
  std::size_t next_;  // the number of the next segment to read, from 0
  bool done_ = false;
};

RedisStreams::RedisStreams(std::shared_ptr<RedisClient> redis, RedisStreamOptions options,
                           std::shared_ptr<ServiceMetrics> metrics)
    : redis_(std::move(redis)),
      options_(std::move(options)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<ServiceMetrics>()),
      poller_([this](std::stop_token stop) { poll(stop); }) {}

RedisStreams::~RedisStreams() {
  poller_.request_stop();
  poller_.join();
}

core::Result<nlohmann::ordered_json> RedisStreams::start(StreamRequest request) {
  if (auto checked = check_stream_request(request, options_.streams.max_seconds); !checked) {
    return checked.error();
  }
  StreamState state;
  state.id = new_job_id();
  state.url = request.url;
  state.started_at = request.started_at;
  state.max_seconds = request.max_seconds.count();
  const auto started_ms =
      std::chrono::duration_cast<milliseconds>(request.started_at.time_since_epoch()).count();
  const nlohmann::json stored_request = {
      {"url", request.url},
      {"max_seconds", request.max_seconds.count()},
      {"callback_url",
       request.callback_url ? nlohmann::json(*request.callback_url) : nlohmann::json()},
      {"started_at_ms", started_ms}};
  auto json = to_json(state);
  auto started = checked_command(
      *redis_, {"EVAL", stream_scripts::kStart, "3", std::string(kStreamActiveKey),
                stream_record_key(state.id), std::string(kStreamWorkKey), state.id,
                stored_request.dump(), json.dump(), std::to_string(options_.streams.max_streams),
                std::to_string(request.max_seconds.count()), std::to_string(options_.ttl.count())});
  if (!started) return started.error();
  if (started->integer == 0) {
    return core::Error{core::ErrorCode::unavailable,
                       "Too many streams: " + std::to_string(options_.streams.max_streams) +
                           " are being followed (MAX_STREAMS)"};
  }
  metrics_->streams.add({"started"});
  metrics_->streams_active.add(1);  // until the next count
  return json;
}

core::Result<std::optional<nlohmann::ordered_json>> RedisStreams::find(const std::string& id) {
  return load_stream(*redis_, id);
}

core::Result<std::shared_ptr<BodySource>> RedisStreams::events(const std::string& id,
                                                               std::size_t first) {
  auto exists = checked_command(*redis_, {"EXISTS", stream_record_key(id)});
  if (!exists) return exists.error();
  if (exists->integer == 0) return std::shared_ptr<BodySource>();
  auto feed = std::make_shared<Feed>(id, first);
  feed->look(*redis_);  // the events so far go out with the head
  {
    std::lock_guard lock(mutex_);
    feeds_.push_back(feed);
  }
  return std::shared_ptr<BodySource>(std::move(feed));
}

void RedisStreams::count_active() {
  if (redis_->circuit_open()) return;  // no calls while Redis is known to be down
  // Members past their end are left for the next start to drop; they are not counted.
  const auto now_ms =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::string after_now = "(";  // exclusive; built in two steps for GCC 12's -Wrestrict
  after_now += std::to_string(now_ms);
  auto active =
      checked_command(*redis_, {"ZCOUNT", std::string(kStreamActiveKey), after_now, "+inf"});
  if (active) metrics_->streams_active.set(static_cast<double>(active->integer));
}

void RedisStreams::poll(std::stop_token stop) {
  auto next_count = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    if (std::chrono::steady_clock::now() >= next_count) {
      count_active();
      next_count = std::chrono::steady_clock::now() + kCountActiveEvery;
    }
    std::vector<std::shared_ptr<Feed>> live;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, options_.poll, [] { return false; });
      // A feed whose client went away, or that has given its end, is dropped.
      std::erase_if(feeds_, [](const std::weak_ptr<Feed>& feed) {
        const auto held = feed.lock();
        return !held || held->done();
      });
      for (const auto& feed : feeds_) live.push_back(feed.lock());
    }
    for (const auto& feed : live) {
      if (feed) feed->look(*redis_);
    }
  }
}

core::Result<std::optional<nlohmann::ordered_json>> RedisStreams::stop(const std::string& id) {
  const std::string record = stream_record_key(id);
  auto read = redis_->command({"HGET", record, stream_field::state});
  if (!read) return read.error();
  if (read->is_error()) return redis_reply_error("HGET", *read);
  if (read->is_nil()) return std::optional<nlohmann::ordered_json>();
  auto state = parse_ordered(read->text);
  if (state.is_object() && state.value("state", "") == "queued") {
    // No worker follows it yet: end it here.
    auto ended = end_stream(*redis_, id, stream_field::state, read->text,
                            ended_without_monitor(std::move(state), "stopped"), options_.ttl);
    if (!ended) return ended.error();
    if (*ended) return load_stream(*redis_, id);
  }
  auto asked = checked_command(*redis_, {"EVAL", stream_scripts::kAskStop, "1", record});
  if (!asked) return asked.error();
  const auto give_up = std::chrono::steady_clock::now() + kStreamStopWait;
  for (;;) {
    auto loaded = load_stream(*redis_, id);
    if (!loaded || !*loaded || has_ended(**loaded) || std::chrono::steady_clock::now() >= give_up) {
      return loaded;
    }
    std::this_thread::sleep_for(kStopPoll);
  }
}

}  // namespace earshot::service
