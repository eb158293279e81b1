// One Redis stream of work read by a consumer group: what job workers and stream workers share.
// Each entry carries the id of what to do in its field "id"; the record itself lives elsewhere.
//
//   ConsumerGroup work(redis, "earshot:v1:jobs", "earshot-workers", consumer);
//   work.ensure();
//   if (auto entry = work.read(1s); entry && *entry) { ...; work.ack(**entry); }
//
// An entry read stays pending on this consumer until acked; one idle longer than a visibility
// timeout is taken over by another consumer's reclaim(); keep() resets the idle time of the
// entries this consumer is still working on (only those it still owns). Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace earshot::service {

class RedisClient;

struct GroupEntry {
  std::string entry_id;  // the stream entry
  std::string id;        // its "id" field; empty for a malformed entry
};

class ConsumerGroup {
 public:
  ConsumerGroup(std::shared_ptr<RedisClient> redis, std::string stream, std::string group,
                std::string consumer);

  const std::string& stream() const { return stream_; }
  const std::string& consumer() const { return consumer_; }

  // Creates the stream and the group when missing (from id 0: entries added before the first
  // consumer ever started are read too).
  core::Status ensure() const;
  // The next new entry, waiting up to `block`; nullopt when none came. A lost stream or group
  // (Redis restarted without persistence, FLUSHALL) is created again.
  core::Result<std::optional<GroupEntry>> read(std::chrono::milliseconds block) const;
  // One step of a scan for entries idle longer than `min_idle`, which become this consumer's;
  // `cursor` starts at "0-0" and is "0-0" again when a pass is done.
  core::Result<std::vector<GroupEntry>> reclaim(std::chrono::milliseconds min_idle,
                                                std::string& cursor) const;
  // Acks and deletes the entry (the stream stays as long as the work not yet done).
  core::Status ack(const std::string& entry_id) const;
  // Resets the idle time of those of `entry_ids` this consumer still owns; how many it owns.
  core::Result<long long> keep(const std::vector<std::string>& entry_ids) const;
  // Returns an entry read but not done: acked and added again at the end, atomically.
  core::Status hand_back(const GroupEntry& entry) const;
  // Leaves the group when this consumer owns no entry (best effort).
  void leave() const;

 private:
  std::shared_ptr<RedisClient> redis_;
  std::string stream_;
  std::string group_;
  std::string consumer_;
};

}  // namespace earshot::service
