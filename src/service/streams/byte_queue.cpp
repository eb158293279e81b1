#include "service/streams/byte_queue.hpp"

#include <algorithm>

namespace earshot::service {

bool ByteQueue::push(std::span<const std::uint8_t> bytes) {
  std::unique_lock lock(mutex_);
  while (!bytes.empty()) {
    changed_.wait(lock, [&] { return closed_ || bytes_.size() < capacity_; });
    if (closed_) return false;
    const std::size_t take = std::min(bytes.size(), capacity_ - bytes_.size());
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    bytes = bytes.subspan(take);
    changed_.notify_all();
  }
  return true;
}

int ByteQueue::pop(std::uint8_t* out, int size) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return closed_ || !bytes_.empty(); });
  const auto count = std::min(bytes_.size(), static_cast<std::size_t>(std::max(size, 0)));
  std::copy_n(bytes_.begin(), count, out);
  bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(count));
  changed_.notify_all();
  return static_cast<int>(count);
}

void ByteQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  changed_.notify_all();
}

}  // namespace earshot::service
