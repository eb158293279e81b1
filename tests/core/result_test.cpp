// core::Result<T> and core::Status: every fallible earshot function returns one, so a value must
// come back intact, an error must keep its code and message, and propagation must be cheap.
#include "core/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace earshot::core {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error{ErrorCode::invalid_input, "not a digit"};
  return c - '0';
}

// The propagation idiom from result.hpp's header comment.
Result<int> sum_of_digits(const std::string& text) {
  int sum = 0;
  for (const char c : text) {
    auto digit = parse_digit(c);
    if (!digit) return digit.error();
    sum += *digit;
  }
  return sum;
}

TEST(ResultTest, HoldsAValue) {
  const Result<int> result = 42;
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  EXPECT_EQ(result.value(), 42);
  EXPECT_EQ(*result, 42);
}

TEST(ResultTest, HoldsAnErrorWithItsCodeAndMessage) {
  const Result<int> result = Error{ErrorCode::not_found, "no such file"};
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
  EXPECT_EQ(result.error().message, "no such file");
}

TEST(ResultTest, ArrowReachesMembersOfTheValue) {
  Result<std::string> result = std::string("earshot");
  EXPECT_EQ(result->size(), 7u);
  result->append("!");
  EXPECT_EQ(*result, "earshot!");
}

TEST(ResultTest, MoveOnlyValuesCanBeMovedOut) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(7);
  std::unique_ptr<int> owned = std::move(result).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 7);
}

TEST(ResultTest, LargeValuesAreNotCopiedWhenMovedOut) {
  Result<std::vector<float>> result = std::vector<float>(1000, 0.5f);
  const float* data = result->data();
  const std::vector<float> samples = *std::move(result);
  EXPECT_EQ(samples.data(), data);  // the buffer changed owner; no copy was made
}

TEST(ResultTest, ErrorsPropagateThroughCallers) {
  const auto good = sum_of_digits("1234");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 10);

  const auto bad = sum_of_digits("12x4");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(bad.error().message, "not a digit");
}

TEST(StatusTest, DefaultIsSuccess) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(static_cast<bool>(status));
}

TEST(StatusTest, HoldsAnError) {
  const Status status = Error{ErrorCode::io, "disk full"};
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(static_cast<bool>(status));
  EXPECT_EQ(status.error().code, ErrorCode::io);
  EXPECT_EQ(status.error().message, "disk full");
}

TEST(StatusTest, CanBeReturnedFromAFunction) {
  const auto check = [](bool fail) -> Status {
    if (fail) return Error{ErrorCode::too_large, "over the limit"};
    return {};
  };
  EXPECT_TRUE(check(false).ok());
  EXPECT_EQ(check(true).error().code, ErrorCode::too_large);
}

}  // namespace
}  // namespace earshot::core
