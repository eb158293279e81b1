// A process-wide budget for the request bodies the server holds in memory: bytes being read,
// and bodies waiting for or under analysis. Each request reserves what it will hold before it
// holds it, so that many clients with large uploads at once get 503 instead of exhausting memory.
//
//   BodyBudget budget(256 << 20);
//   BodyBudget::Reservation held = budget.reservation();
//   if (!held.grow_to(content_length)) answer_503();   // nothing reserved by a failed grow
//   ...                                                // released when `held` is destroyed
//
// Thread-safe; a Reservation belongs to one request and is used from one thread at a time. The
// budget must outlive its reservations.
#pragma once

#include <atomic>
#include <cstdint>

namespace earshot::service {

class BodyBudget {
 public:
  explicit BodyBudget(std::int64_t limit_bytes) : limit_(limit_bytes) {}
  BodyBudget(const BodyBudget&) = delete;
  BodyBudget& operator=(const BodyBudget&) = delete;

  class Reservation {
   public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    ~Reservation();

    // Makes this reservation `bytes` in all (a smaller figure releases the difference). False,
    // and no change, when the budget has no room for the growth.
    bool grow_to(std::int64_t bytes);
    std::int64_t bytes() const { return bytes_; }

   private:
    friend class BodyBudget;
    explicit Reservation(BodyBudget* budget) : budget_(budget) {}
    void release();

    BodyBudget* budget_ = nullptr;
    std::int64_t bytes_ = 0;
  };

  Reservation reservation() { return Reservation(this); }

  std::int64_t limit() const { return limit_; }
  std::int64_t reserved() const { return reserved_.load(std::memory_order_relaxed); }

 private:
  bool try_add(std::int64_t bytes);
  void remove(std::int64_t bytes) { reserved_.fetch_sub(bytes, std::memory_order_relaxed); }

  const std::int64_t limit_;
  std::atomic<std::int64_t> reserved_{0};
};

}  // namespace earshot::service
