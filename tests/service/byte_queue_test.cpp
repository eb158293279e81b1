// ByteQueue: bytes pass in order between threads, a full queue holds the producer back instead
// of growing, and close() ends both sides.
#include "service/streams/byte_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

namespace earshot::service {
namespace {

TEST(ByteQueue, BytesArriveInOrderAcrossThreads) {
  ByteQueue queue(100);
  std::vector<std::uint8_t> sent(10'000);
  std::iota(sent.begin(), sent.end(), 0);
  std::jthread producer([&] {
    for (std::size_t at = 0; at < sent.size(); at += 37) {
      ASSERT_TRUE(
          queue.push(std::span(sent).subspan(at, std::min<std::size_t>(37, sent.size() - at))));
    }
    queue.close();
  });
  std::vector<std::uint8_t> received;
  std::uint8_t buffer[64];
  for (int n; (n = queue.pop(buffer, sizeof buffer)) > 0;)
    received.insert(received.end(), buffer, buffer + n);
  EXPECT_EQ(received, sent);
}

TEST(ByteQueue, AFullQueueHoldsTheProducerBack) {
  ByteQueue queue(10);
  std::atomic<bool> pushed{false};
  std::jthread producer([&] {
    const std::vector<std::uint8_t> bytes(25, 7);
    EXPECT_TRUE(queue.push(bytes));
    pushed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(pushed) << "25 bytes cannot fit in 10 until some are taken";
  std::uint8_t buffer[25];
  int total = 0;
  while (total < 25) total += queue.pop(buffer, sizeof buffer);
  producer.join();
  EXPECT_TRUE(pushed);
}

TEST(ByteQueue, CloseDrainsWhatIsLeftThenEndsAndRefusesMore) {
  ByteQueue queue(10);
  const std::vector<std::uint8_t> bytes = {1, 2, 3};
  ASSERT_TRUE(queue.push(bytes));
  queue.close();
  EXPECT_FALSE(queue.push(bytes));
  std::uint8_t buffer[8];
  EXPECT_EQ(queue.pop(buffer, sizeof buffer), 3);
  EXPECT_EQ(queue.pop(buffer, sizeof buffer), 0);
}

TEST(ByteQueue, CloseWakesAWaitingReader) {
  ByteQueue queue(10);
  std::jthread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    queue.close();
  });
  std::uint8_t buffer[4];
  EXPECT_EQ(queue.pop(buffer, sizeof buffer), 0);
}

}  // namespace
}  // namespace earshot::service
