// Follows one live audio stream (an Icecast or SHOUTcast mount, any chunked HTTP audio): a
// thread downloads it (Fetcher::follow, with the download address checks) into a bounded
// ByteQueue, another decodes and classifies it as it arrives (Analyzer::analyze_stream with a
// ContentFollower), and each segment is kept and offered to Server-Sent Events subscribers as
// soon as it closes.
//
// A monitor ends when `max_seconds` have passed since the request's started_at, when stop() is
// called (DELETE), when the source closes the stream, or when the source sends nothing for the idle
// timeout; each is its "reason". It then holds the class and probabilities of what it heard,
// and POSTs its state to the callback URL, when it has one. It fails (state "failed") when the
// stream cannot be opened or is not audio. All methods are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "analysis/analyzer.hpp"
#include "service/jobs/callback.hpp"
#include "service/outbound/fetch.hpp"
#include "service/streams/stream_state.hpp"

namespace earshot::service {

struct StreamParts {
  std::shared_ptr<const Fetcher> fetcher;
  std::shared_ptr<const CallbackSender> callbacks;
  analysis::Analyzer analyzer;
  std::chrono::seconds idle_timeout{30};
  // Called from the monitor's thread with each segment as it closes (its times on the
  // stream's timeline), and once when the monitor has ended; either may be empty.
  std::function<void(const analysis::ContentSegment& segment)> on_segment = {};
  std::function<void(std::string_view reason)> on_end = {};
};

class StreamMonitor {
 public:
  StreamMonitor(std::string id, StreamRequest request, StreamParts parts);
  ~StreamMonitor();  // stops and waits for the threads
  StreamMonitor(const StreamMonitor&) = delete;
  StreamMonitor& operator=(const StreamMonitor&) = delete;

  const std::string& id() const { return id_; }
  // Asks the monitor to end (reason "stopped"); returns at once.
  void stop();
  bool ended() const;

  // State "running", "finished" or "failed"; "seconds" is where the timeline has got to.
  StreamState state() const;
  // to_json(state()), with "segments" when asked.
  nlohmann::ordered_json state_json(bool with_segments) const;

  // Server-Sent Events from the `next`-th on: a "segment" event per closed segment (its id
  // the segment's index), then one "end" event with the state, after which it returns nullopt.
  // Empty text when nothing new has happened.
  std::optional<std::string> events(std::size_t& next) const;

 private:
  void run();
  void download();
  void finish(std::string reason, std::optional<core::Error> error,
              std::optional<analysis::AnalysisResult> result);

  std::string id_;
  StreamRequest request_;
  StreamParts parts_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> stop_requested_{false};  // the download must end
  std::atomic<bool> deleted_{false};         // stop() was called

  mutable std::mutex mutex_;
  std::vector<analysis::ContentSegment> segments_;
  bool ended_ = false;
  std::string reason_;
  std::optional<core::Error> error_;
  std::optional<analysis::AnalysisResult> result_;
  std::chrono::system_clock::time_point ended_at_;
  std::optional<core::Error> download_error_;  // why the download ended, when it failed

  struct Queue;
  std::unique_ptr<Queue> queue_;
  std::jthread thread_;  // last: joined first
};

}  // namespace earshot::service
