// RedisJobWorker: reads job entries from the stream's consumer group and runs them; the
// protocol (store-then-ack, retries through the delayed set, reclaiming, dead letters) is
// described in redis_jobs.hpp. Each of the worker's threads reads one entry only when it is
// free to run it; one more thread keeps its running entries claimed and moves due retries
// back into the stream.

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "service/jobs/callback.hpp"
#include "service/jobs/redis_job_records.hpp"
#include "service/jobs/redis_job_scripts.hpp"
#include "service/jobs/redis_jobs.hpp"
#include "service/redis/consumer_group.hpp"
#include "service/redis/redis_client.hpp"
#include "service/telemetry/metrics.hpp"
#include "service/telemetry/service_log.hpp"

namespace earshot::service {
namespace {

using core::Error;
using core::ErrorCode;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{2000};
// How long a job's Redis steps are still retried once stop() was called, so that shutdown
// ends while Redis is down (the entry then stays pending and is reclaimed).
constexpr milliseconds kStopGrace{5000};
constexpr int kPromoteBatch = 100;
constexpr int kReclaimScanSteps = 100;  // XAUTOCLAIM calls per scan slot (10 entries each)
constexpr const char* kDeadLetterCap = "100000";
constexpr milliseconds kLongestRetryDelay{std::chrono::hours(24)};

const std::string kStream(kJobStreamKey);
const std::string kGroup(kJobGroup);

std::string millis_text(milliseconds duration) {
  return std::to_string(duration.count());
}

// The wait before try number attempts + 1: retry_backoff * 2^(attempts - 1), at most a day.
milliseconds retry_delay(milliseconds backoff, int attempts) {
  const double factor = std::ldexp(1.0, std::clamp(attempts - 1, 0, 30));
  const double delay = static_cast<double>(backoff.count()) * factor;
  return milliseconds(
      static_cast<long long>(std::min(delay, static_cast<double>(kLongestRetryDelay.count()))));
}

}  // namespace

RedisJobWorker::RedisJobWorker(std::shared_ptr<RedisClient> redis, JobHandler handler,
                               RedisJobOptions options, std::shared_ptr<CallbackSender> callbacks,
                               std::shared_ptr<ServiceMetrics> metrics,
                               std::shared_ptr<ServiceLog> log)
    : redis_(std::move(redis)),
      handler_(std::move(handler)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      metrics_(std::move(metrics)),
      log_(std::move(log)) {
  if (options_.consumer.empty()) options_.consumer = new_consumer_name();
  options_.max_attempts = std::max(options_.max_attempts, 1);
  options_.visibility_timeout = std::max(options_.visibility_timeout, milliseconds(30));
  options_.block = std::max(options_.block, milliseconds(1));
  work_ = std::make_unique<ConsumerGroup>(redis_, std::string(kJobStreamKey),
                                          std::string(kJobGroup), options_.consumer);
}

RedisJobWorker::~RedisJobWorker() {
  stop();
}

void RedisJobWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
}

void RedisJobWorker::run(int concurrency) {
  if (!persist("create the consumer group", [this] { return work_->ensure(); })) return;
  note(LogLevel::info, "job worker started", "", options_.consumer);
  std::thread keeper([this] { keep_loop(); });
  std::vector<std::thread> readers;
  for (int i = 0; i < std::max(concurrency, 1); ++i) readers.emplace_back([this] { read_loop(); });
  for (auto& reader : readers) reader.join();
  {
    std::lock_guard lock(mutex_);
    readers_done_.store(true);
  }
  wake_.notify_all();
  keeper.join();
  leave_group();
  note(LogLevel::info, "job worker stopped", "", options_.consumer);
}

void RedisJobWorker::read_loop() {
  auto backoff = kFirstBackoff;
  while (!stopping()) {
    auto next = next_entry();
    if (!next) {
      note(LogLevel::warning, "cannot read jobs; retrying", "", next.error().message);
      pause(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = kFirstBackoff;
    if (!*next) continue;
    if (stopping()) {
      hand_back(**next);
      break;
    }
    process(**next);
  }
}

core::Result<std::optional<RedisJobWorker::Entry>> RedisJobWorker::next_entry() {
  auto reclaimed = reclaim_one();
  if (reclaimed && *reclaimed) return reclaimed;
  if (!reclaimed) {
    // Reclaiming failed (e.g. a Redis without XAUTOCLAIM, older than 6.2): say so, try again
    // later, and read new entries meanwhile rather than stalling.
    note(LogLevel::warning, "cannot reclaim jobs", "", reclaimed.error().message);
    std::lock_guard lock(reclaim_mutex_);
    next_reclaim_ = Clock::now() + std::clamp(options_.visibility_timeout / 2, milliseconds(20),
                                              milliseconds(30000));
  }
  return read_one();
}

core::Result<std::optional<RedisJobWorker::Entry>> RedisJobWorker::reclaim_one() {
  // One thread scans for the whole worker; the others go on reading meanwhile.
  std::unique_lock lock(reclaim_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || Clock::now() < next_reclaim_) return std::optional<Entry>();
  for (int step = 0; step < kReclaimScanSteps; ++step) {
    auto claimed = work_->reclaim(options_.visibility_timeout, reclaim_cursor_);
    if (!claimed) return claimed.error();
    if (reclaim_cursor_ == "0-0") {
      // A full pass is done; the next one is due when an entry could have gone stale again.
      next_reclaim_ = Clock::now() + std::clamp(options_.visibility_timeout / 2, milliseconds(20),
                                                milliseconds(30000));
    }
    for (auto& entry : *claimed) {
      // An entry of this worker's own that went stale (its heartbeat could not reach Redis)
      // is still running here: claiming it back just reset its idle time.
      if (is_running_here(entry.entry_id)) continue;
      count("reclaimed");
      note(LogLevel::warning, "job reclaimed from a stalled worker", entry.id, entry.entry_id);
      return std::optional<Entry>(std::move(entry));
    }
    if (reclaim_cursor_ == "0-0") break;
  }
  return std::optional<Entry>();
}

core::Result<std::optional<RedisJobWorker::Entry>> RedisJobWorker::read_one() {
  return work_->read(options_.block);
}

void RedisJobWorker::process(const Entry& entry) {
  {
    std::lock_guard lock(mutex_);
    running_.insert(entry.entry_id);  // kept claimed from here on, Redis steps included
  }
  struct Release {
    RedisJobWorker& worker;
    const std::string& id;
    ~Release() {
      std::lock_guard lock(worker.mutex_);
      worker.running_.erase(id);
    }
  } release{*this, entry.entry_id};

  if (entry.id.empty()) {
    note(LogLevel::warning, "stream entry without a job id; dropped", "", entry.entry_id);
    ack(entry);
    return;
  }
  std::optional<StoredJob> job;
  if (!load(entry, job)) return;  // stopping with Redis down: left pending, to be reclaimed
  if (!job) {
    note(LogLevel::warning, "job record expired before the job ran; skipped", entry.id, "");
    ack(entry);
    return;
  }
  const JobStatus status = job->record.status;
  if (status == JobStatus::succeeded || status == JobStatus::failed) {
    // A worker stored the outcome and died before acking: nothing is recomputed.
    after_terminal(entry, *job);
    return;
  }
  if (job->record.attempts >= options_.max_attempts) {
    // Its last try started and never finished (the worker died, maybe because of this job).
    fail_for_good(entry, *job,
                  "Gave up after " + std::to_string(job->record.attempts) +
                      " attempts; the worker running the last one stopped" +
                      (job->record.error.empty() ? "" : " (earlier: " + job->record.error + ")"));
    return;
  }
  run_job(entry, *job);
}

bool RedisJobWorker::load(const Entry& entry, std::optional<StoredJob>& job) {
  return persist("read a job", [&]() -> core::Status {
    auto reply = checked_command(*redis_, {"HGETALL", job_record_key(entry.id)});
    if (!reply) return reply.error();
    job = parse_stored_job(entry.id, *reply);
    return {};
  });
}

void RedisJobWorker::run_job(const Entry& entry, StoredJob& job) {
  const std::string key = job_record_key(entry.id);
  long long attempts = 0;
  const bool started = persist("start a job", [&]() -> core::Status {
    auto done = checked_command(
        *redis_, {"EVAL", job_scripts::kStart, "1", key, std::to_string(options_.ttl.count())});
    if (!done) return done.error();
    attempts = done->integer;
    return {};
  });
  if (!started) return;
  if (attempts < 0) {  // finished by another worker meanwhile: settle the entry, do not rerun
    std::optional<StoredJob> finished;
    if (load(entry, finished) && finished) after_terminal(entry, *finished);
    return;
  }
  job.record.status = JobStatus::running;
  job.record.attempts = static_cast<int>(attempts);
  count("started");
  const auto outcome = call_handler(job.record.request);
  finish(entry, job, outcome);
}

core::Result<std::string> RedisJobWorker::call_handler(const JobRequest& request) {
  // The worker is an exception boundary: a throwing handler fails its job, not the process.
  try {
    return handler_(request);
  } catch (const std::exception&) {
    return Error{ErrorCode::internal, "The job failed unexpectedly"};
  } catch (...) {
    return Error{ErrorCode::internal, "The job failed unexpectedly"};
  }
}

void RedisJobWorker::finish(const Entry& entry, StoredJob& job,
                            const core::Result<std::string>& outcome) {
  const std::string key = job_record_key(entry.id);
  const std::string ttl = std::to_string(options_.ttl.count());
  if (outcome) {
    job.record.status = JobStatus::succeeded;
    job.record.result = *outcome;
    job.record.error.clear();
    job.record.finished_at = utc_now_iso8601();
    // Stored first, acked last (after_terminal): see redis_jobs.hpp.
    long long succeeded = 0;
    const bool stored = persist("store a result", [&]() -> core::Status {
      auto done = checked_command(*redis_, {"EVAL", job_scripts::kSucceed, "1", key, *outcome,
                                            job.record.finished_at, ttl});
      if (!done) return done.error();
      succeeded = done->integer;
      return {};
    });
    if (!stored) return;
    if (succeeded == 0) {  // another worker failed it for good meanwhile: that outcome stands
      std::optional<StoredJob> finished;
      if (load(entry, finished) && finished) after_terminal(entry, *finished);
      return;
    }
    count("succeeded");
    after_terminal(entry, job);
    return;
  }
  const Error& error = outcome.error();
  if (is_permanent(error) || job.record.attempts >= options_.max_attempts) {
    fail_for_good(entry, job, error.message);
    return;
  }
  const milliseconds delay = retry_delay(options_.retry_backoff, job.record.attempts);
  long long scheduled = 0;
  const bool done = persist("schedule a retry", [&]() -> core::Status {
    auto reply = checked_command(
        *redis_, {"EVAL", job_scripts::kRetry, "3", key, std::string(kJobDelayedKey), kStream,
                  entry.id, entry.entry_id, kGroup, error.message, millis_text(delay), ttl});
    if (!reply) return reply.error();
    scheduled = reply->integer;
    return {};
  });
  if (!done || scheduled == 0) return;  // 0: another worker gave it an outcome meanwhile
  count("retried");
  note(LogLevel::info, "job failed; retry scheduled", entry.id, error.message);
}

void RedisJobWorker::fail_for_good(const Entry& entry, StoredJob& job, const std::string& error) {
  const std::string key = job_record_key(entry.id);
  job.record.status = JobStatus::failed;
  job.record.error = error;
  job.record.finished_at = utc_now_iso8601();
  long long listed = 0;
  const bool stored = persist("record a failure", [&]() -> core::Status {
    auto done = checked_command(
        *redis_, {"EVAL", job_scripts::kFail, "2", key, std::string(kJobDeadLetterKey), entry.id,
                  error, job.record.finished_at, std::to_string(job.record.attempts),
                  std::to_string(options_.ttl.count()), kDeadLetterCap});
    if (!done) return done.error();
    listed = done->integer;
    return {};
  });
  if (!stored) return;
  if (listed == 0) {
    // It had an outcome already: another worker's, which stands (and whose callback that
    // worker sends), or this one's, when an earlier try's answer was lost on the way back.
    std::optional<StoredJob> current;
    if (!load(entry, current)) return;
    if (current && (current->record.status == JobStatus::failed ||
                    current->record.status == JobStatus::succeeded)) {
      after_terminal(entry, *current);
    } else {
      ack(entry);
    }
    return;
  }
  count("failed");
  note(LogLevel::warning, "job failed for good", entry.id, error);
  after_terminal(entry, job);
}

void RedisJobWorker::after_terminal(const Entry& entry, StoredJob& job) {
  // Callback before the ack: a worker dying in between leaves the entry to a worker that sees
  // no "callback" field and sends it (at least once), instead of never.
  if (callbacks_ && !job.callback_done && !job.record.request.callback_url.empty()) {
    core::Status sent = core::Error{core::ErrorCode::internal, "callback threw"};
    try {
      sent = callbacks_->deliver(job.record);
    } catch (const std::exception& e) {
      sent = core::Error{core::ErrorCode::internal, std::string("callback threw: ") + e.what()};
    }
    if (!sent) note(LogLevel::warning, "job callback failed", entry.id, sent.error().message);
    const std::string key = job_record_key(entry.id);
    persist("record a callback", [&]() -> core::Status {
      auto done =
          transaction(*redis_, {{"HSET", key, job_field::callback,
                                 sent ? std::string("sent") : "failed: " + sent.error().message},
                                {"EXPIRE", key, std::to_string(options_.ttl.count())}});
      if (!done) return done.error();
      return {};
    });
    job.callback_done = true;
  }
  ack(entry);
}

void RedisJobWorker::ack(const Entry& entry) {
  // Deleting acked entries keeps the stream as long as the work not yet done.
  persist("ack a job", [&] { return work_->ack(entry.entry_id); });
}

bool RedisJobWorker::is_running_here(const std::string& entry_id) {
  std::lock_guard lock(mutex_);
  return running_.contains(entry_id);
}

void RedisJobWorker::hand_back(const Entry& entry) {
  // One try: if it fails the entry stays pending and is reclaimed after visibility_timeout.
  auto done = work_->hand_back(entry);
  if (!done) note(LogLevel::warning, "cannot hand a job back", entry.id, done.error().message);
}

void RedisJobWorker::keep_loop() {
  const milliseconds heartbeat_every = std::max(options_.visibility_timeout / 3, milliseconds(10));
  const milliseconds promote_every =
      std::clamp(options_.retry_backoff, milliseconds(20), milliseconds(1000));
  auto next_heartbeat = Clock::now() + heartbeat_every;
  auto next_promote = Clock::now();
  std::unique_lock lock(mutex_);
  while (!readers_done_.load()) {
    lock.unlock();
    const auto now = Clock::now();
    if (now >= next_promote) {
      promote_due();
      next_promote = Clock::now() + promote_every;
    }
    if (now >= next_heartbeat) {
      heartbeat();
      next_heartbeat = Clock::now() + heartbeat_every;
    }
    lock.lock();
    wake_.wait_until(lock, std::min(next_promote, next_heartbeat),
                     [this] { return readers_done_.load(); });
  }
}

void RedisJobWorker::promote_due() {
  // Failures are left for the next tick; nothing is lost while the ids sit in the set.
  for (int round = 0; round < 10; ++round) {
    auto moved =
        checked_command(*redis_, {"EVAL", job_scripts::kPromote, "2", std::string(kJobDelayedKey),
                                  kStream, std::to_string(kPromoteBatch)});
    if (!moved || moved->integer < kPromoteBatch) return;
  }
}

void RedisJobWorker::heartbeat() {
  std::vector<std::string> running;
  {
    std::lock_guard lock(mutex_);
    running.assign(running_.begin(), running_.end());
  }
  auto kept = work_->keep(running);
  if (!kept) note(LogLevel::warning, "cannot keep running jobs claimed", "", kept.error().message);
}

void RedisJobWorker::leave_group() {
  work_->leave();
}

bool RedisJobWorker::persist(std::string_view what, const std::function<core::Status()>& step) {
  auto backoff = kFirstBackoff;
  std::optional<Clock::time_point> give_up_at;
  for (;;) {
    const auto done = step();
    if (done) return true;
    note(LogLevel::warning, "Redis step failed; retrying", "",
         std::string(what) + ": " + done.error().message);
    if (!stopping()) {
      pause(backoff);
    } else {
      if (!give_up_at) give_up_at = Clock::now() + kStopGrace;
      const auto now = Clock::now();
      if (now >= *give_up_at) return false;
      std::this_thread::sleep_for(std::min<Clock::duration>(backoff, *give_up_at - now));
    }
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

bool RedisJobWorker::pause(milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void RedisJobWorker::count(const char* event) {
  if (metrics_) metrics_->jobs.add({event});
}

void RedisJobWorker::note(LogLevel level, std::string_view text, std::string_view job_id,
                          std::string_view detail) {
  if (!log_) return;
  nlohmann::ordered_json fields = {{"consumer", options_.consumer}};
  if (!job_id.empty()) fields["job_id"] = job_id;
  if (!detail.empty()) fields["detail"] = detail;
  log_->message(level, text, fields);
}

}  // namespace earshot::service
