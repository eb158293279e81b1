#include "service/server/body_budget.hpp"

#include <utility>

namespace earshot::service {

bool BodyBudget::try_add(std::int64_t bytes) {
  std::int64_t current = reserved_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_ - current) return false;
  } while (!reserved_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  return true;
}

BodyBudget::Reservation::Reservation(Reservation&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

BodyBudget::Reservation& BodyBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = std::exchange(other.budget_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

BodyBudget::Reservation::~Reservation() {
  release();
}

bool BodyBudget::Reservation::grow_to(std::int64_t bytes) {
  if (!budget_) return false;
  if (bytes <= bytes_) {
    budget_->remove(bytes_ - bytes);
    bytes_ = bytes;
    return true;
  }
  if (!budget_->try_add(bytes - bytes_)) return false;
  bytes_ = bytes;
  return true;
}

void BodyBudget::Reservation::release() {
  if (budget_ && bytes_ > 0) budget_->remove(bytes_);
  bytes_ = 0;
}

}  // namespace earshot::service
