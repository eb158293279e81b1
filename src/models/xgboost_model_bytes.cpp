#include "models/xgboost_model_bytes.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/text.hpp"

namespace earshot::models {
namespace {

// An XGBoost model nests about seven levels deep; XGBoost's recursive parsers overflow the
// stack long before a file built of brackets ends.
constexpr int kMaxJsonDepth = 64;

core::Error invalid(std::string message) {
  return core::Error{core::ErrorCode::invalid_input, std::move(message)};
}

enum class Format { json, ubjson, binary };

// XGBoost 1.7 dispatches on the first two bytes: '{' then a letter is UBJSON, '{' then
// anything else is text JSON, and the rest is its legacy binary format. A JSON file with
// leading whitespace would take the binary path, so the caller skips that whitespace first.
Format sniff(std::span<const std::uint8_t> bytes) {
  if (bytes.empty() || bytes[0] != '{') return Format::binary;
  return bytes.size() > 1 && std::isalpha(bytes[1]) ? Format::ubjson : Format::json;
}

// A SAX handler that only bounds a UBJSON document: nesting depth, and no more values than
// bytes (a typed array of nulls declares a count without spending a byte per element). The
// parser itself (nlohmann) checks every length against the end of the input, which XGBoost
// 1.7's UBJSON reader does not.
class UbjsonBounds {
 public:
  using json = nlohmann::json;
  explicit UbjsonBounds(std::size_t max_values) : max_values_(max_values) {}

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(json::number_integer_t) { return value(); }
  bool number_unsigned(json::number_unsigned_t) { return value(); }
  bool number_float(json::number_float_t, const json::string_t&) { return value(); }
  bool string(json::string_t&) { return value(); }
  bool binary(json::binary_t&) { return value(); }
  bool key(json::string_t&) { return value(); }
  bool start_object(std::size_t) { return enter(); }
  bool start_array(std::size_t) { return enter(); }
  bool end_object() { return leave(); }
  bool end_array() { return leave(); }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
    problem_ = "malformed or truncated UBJSON at byte " + std::to_string(position);
    return false;
  }

  const std::string& problem() const { return problem_; }

 private:
  bool value() {
    if (++values_ <= max_values_) return true;
    problem_ = "UBJSON declares more values than the file holds";
    return false;
  }
  bool enter() {
    if (++depth_ <= kMaxJsonDepth) return value();
    problem_ = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return false;
  }
  bool leave() {
    --depth_;
    return true;
  }

  std::size_t max_values_;
  std::size_t values_ = 0;
  int depth_ = 0;
  std::string problem_;
};

// XGBoost's deprecated binary model: an optional "binf", a 136-byte parameter block, then the
// objective and the booster name as (uint64 length, characters). XGBoost trusts the first
// length and allocates it, so random bytes must be refused before they reach it.
bool plausible_binary_model(std::span<const std::uint8_t> bytes) {
  std::size_t pos = bytes.size() >= 4 && std::memcmp(bytes.data(), "binf", 4) == 0 ? 4 : 0;
  pos += 136;
  auto read_name = [&](std::string& out) {
    if (bytes.size() < pos || bytes.size() - pos < 8) return false;
    std::uint64_t length = 0;
    std::memcpy(&length, bytes.data() + pos, 8);
    pos += 8;
    if (length == 0 || length > 64 || length > bytes.size() - pos) return false;
    out.assign(reinterpret_cast<const char*>(bytes.data() + pos), length);
    pos += length;
    return std::all_of(out.begin(), out.end(),
                       [](char c) { return std::isgraph(static_cast<unsigned char>(c)); });
  };
  std::string objective;
  std::string booster;
  return read_name(objective) && read_name(booster) &&
         (booster == "gbtree" || booster == "dart" || booster == "gblinear");
}

}  // namespace

core::Result<std::span<const std::uint8_t>> checked_xgboost_model_bytes(
    std::span<const std::uint8_t> bytes) {
  std::size_t start = 0;
  while (start < bytes.size() && std::isspace(bytes[start])) ++start;
  bytes = bytes.subspan(start);
  if (bytes.empty()) return invalid("the file is empty");
  switch (sniff(bytes)) {
    case Format::json:
      if (core::json_too_deep(
              std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
              kMaxJsonDepth)) {
        return invalid("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      }
      break;
    case Format::ubjson: {
      UbjsonBounds bounds(bytes.size());
      if (!nlohmann::json::sax_parse(bytes.begin(), bytes.end(), &bounds,
                                     nlohmann::json::input_format_t::ubjson, true)) {
        return invalid(bounds.problem());
      }
      break;
    }
    case Format::binary:
      if (!plausible_binary_model(bytes)) {
        return invalid("not an XGBoost model (neither JSON, UBJSON nor XGBoost's binary format)");
      }
      break;
  }
  return bytes;
}

}  // namespace earshot::models
