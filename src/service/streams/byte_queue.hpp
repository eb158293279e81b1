// A bounded queue of bytes between a producer thread (a download) and a consumer thread (the
// decoder), so that a live stream read faster than it is analysed waits instead of piling up.
//
//   ByteQueue queue(1 << 20);
//   producer: queue.push(bytes);  ...  queue.close();
//   consumer: int n = queue.pop(out, size);   // 0 once closed and drained
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>

namespace earshot::service {

class ByteQueue {
 public:
  explicit ByteQueue(std::size_t capacity) : capacity_(capacity) {}

  // Waits while the queue is full; false (and nothing added) once closed.
  bool push(std::span<const std::uint8_t> bytes);
  // Waits for bytes; up to `size` of them into `out`, or 0 when closed and empty.
  int pop(std::uint8_t* out, int size);
  // No more pushes; pop drains what is left, then returns 0. Wakes every waiter.
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::uint8_t> bytes_;
  std::size_t capacity_;
  bool closed_ = false;
};

}  // namespace earshot::service
