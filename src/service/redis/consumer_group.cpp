#include "service/redis/consumer_group.hpp"

#include "service/redis/redis_client.hpp"
#include "service/redis/redis_commands.hpp"

namespace earshot::service {
namespace {

using std::chrono::milliseconds;

// Resets the idle time of the entries this consumer still owns. XCLAIM alone would also take
// back an entry another consumer already reclaimed; the XPENDING check makes it "only if mine".
// KEYS: stream. ARGV: group, consumer, entry ids...
constexpr const char* kKeep = R"lua(
local kept = 0
for i = 3, #ARGV do
  local mine = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #mine > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept = kept + 1
  end
end
return kept
)lua";

// Redis has no "unclaim": the entry is acked and its id added again at the end of the stream,
// in one step (only if it was still pending). KEYS: stream. ARGV: group, entry id, id.
constexpr const char* kHandBack = R"lua(
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[3])
  return 1
end
return 0
)lua";

// Removes this consumer from the group when it owns nothing, so that stopped workers do not
// pile up in XINFO CONSUMERS (DELCONSUMER would drop entries it still owned).
// KEYS: stream. ARGV: group, consumer.
constexpr const char* kLeave = R"lua(
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending == 0 then
  return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return -1
)lua";

bool is_nogroup(const RedisReply& reply) {
  return reply.is_error() && reply.text.starts_with("NOGROUP");
}

// [entry id, [field, value, ...]]; the id is empty when the field is missing.
std::optional<GroupEntry> parse_entry(const RedisReply& entry) {
  if (entry.type != RedisReply::Type::array || entry.elements.empty()) return std::nullopt;
  GroupEntry out{entry.elements[0].text, {}};
  if (entry.elements.size() > 1) {
    const auto& fields = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].text == "id") out.id = fields[i + 1].text;
    }
  }
  return out;
}

}  // namespace

ConsumerGroup::ConsumerGroup(std::shared_ptr<RedisClient> redis, std::string stream,
                             std::string group, std::string consumer)
    : redis_(std::move(redis)),
      stream_(std::move(stream)),
      group_(std::move(group)),
      consumer_(std::move(consumer)) {}

core::Status ConsumerGroup::ensure() const {
  auto reply = redis_->command({"XGROUP", "CREATE", stream_, group_, "0", "MKSTREAM"});
  if (!reply) return reply.error();
  if (reply->is_error() && !reply->text.starts_with("BUSYGROUP")) {
    return redis_reply_error("XGROUP CREATE", *reply);
  }
  return {};
}

core::Result<std::optional<GroupEntry>> ConsumerGroup::read(milliseconds block) const {
  // The connection's timeout must outlast BLOCK, or every quiet read would count as a failure.
  auto reply = redis_->command({"XREADGROUP", "GROUP", group_, consumer_, "COUNT", "1", "BLOCK",
                                std::to_string(block.count()), "STREAMS", stream_, ">"},
                               block + milliseconds(1000));
  if (!reply) return reply.error();
  if (is_nogroup(*reply)) {
    if (auto created = ensure(); !created) return created.error();
    return std::optional<GroupEntry>();
  }
  if (reply->is_error()) return redis_reply_error("XREADGROUP", *reply);
  if (reply->type != RedisReply::Type::array || reply->elements.empty()) {
    return std::optional<GroupEntry>();  // BLOCK ran out
  }
  const auto& streams = reply->elements;
  if (streams[0].elements.size() < 2 || streams[0].elements[1].elements.empty()) {
    return std::optional<GroupEntry>();
  }
  return parse_entry(streams[0].elements[1].elements[0]);
}

core::Result<std::vector<GroupEntry>> ConsumerGroup::reclaim(milliseconds min_idle,
                                                             std::string& cursor) const {
  auto reply = redis_->command({"XAUTOCLAIM", stream_, group_, consumer_,
                                std::to_string(min_idle.count()), cursor, "COUNT", "1"});
  if (!reply) return reply.error();
  std::vector<GroupEntry> claimed;
  if (is_nogroup(*reply)) {
    if (auto created = ensure(); !created) return created.error();
    cursor = "0-0";
    return claimed;
  }
  if (reply->is_error()) return redis_reply_error("XAUTOCLAIM", *reply);
  if (reply->elements.size() < 2) {
    return core::Error{core::ErrorCode::unavailable, "bad XAUTOCLAIM reply"};
  }
  cursor = reply->elements[0].text;
  for (const auto& raw : reply->elements[1].elements) {
    if (auto entry = parse_entry(raw)) claimed.push_back(std::move(*entry));
  }
  return claimed;
}

core::Status ConsumerGroup::ack(const std::string& entry_id) const {
  auto replies =
      redis_->pipeline({{"XACK", stream_, group_, entry_id}, {"XDEL", stream_, entry_id}});
  if (!replies) return replies.error();
  for (const auto& reply : *replies) {
    if (reply.is_error()) return redis_reply_error("XACK", reply);
  }
  return {};
}

core::Result<long long> ConsumerGroup::keep(const std::vector<std::string>& entry_ids) const {
  if (entry_ids.empty()) return 0LL;
  std::vector<std::string> args = {"EVAL", kKeep, "1", stream_, group_, consumer_};
  args.insert(args.end(), entry_ids.begin(), entry_ids.end());
  auto kept = checked_command(*redis_, args);
  if (!kept) return kept.error();
  return kept->integer;
}

core::Status ConsumerGroup::hand_back(const GroupEntry& entry) const {
  auto done =
      checked_command(*redis_, {"EVAL", kHandBack, "1", stream_, group_, entry.entry_id, entry.id});
  if (!done) return done.error();
  return {};
}

void ConsumerGroup::leave() const {
  // A consumer left behind costs a line in XINFO CONSUMERS, nothing more.
  (void)checked_command(*redis_, {"EVAL", kLeave, "1", stream_, group_, consumer_});
}

}  // namespace earshot::service
