// core::to_string(ErrorCode): these names are part of earshot's output (the "code" member of a
// JSON error), so each must be its enumerator's snake_case name and never change silently.
#include "core/error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace earshot::core {
namespace {

// Every enumerator of ErrorCode. A code added to error.hpp must be added here too.
const std::vector<std::pair<ErrorCode, std::string>>& all_codes() {
  static const std::vector<std::pair<ErrorCode, std::string>> codes = {
      {ErrorCode::invalid_input, "invalid_input"},
      {ErrorCode::unsupported_format, "unsupported_format"},
      {ErrorCode::too_large, "too_large"},
      {ErrorCode::decode_failed, "decode_failed"},
      {ErrorCode::not_found, "not_found"},
      {ErrorCode::io, "io"},
      {ErrorCode::internal, "internal"},
  };
  return codes;
}

TEST(ErrorCodeTest, ToStringIsTheSnakeCaseName) {
  for (const auto& [code, name] : all_codes()) {
    EXPECT_EQ(to_string(code), name);
  }
}

TEST(ErrorTest, CarriesCodeAndMessage) {
  const Error error{ErrorCode::decode_failed, "no part of the audio could be decoded"};
  EXPECT_EQ(error.code, ErrorCode::decode_failed);
  EXPECT_EQ(to_string(error.code), "decode_failed");
  EXPECT_EQ(error.message, "no part of the audio could be decoded");
}

}  // namespace
}  // namespace earshot::core
