#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace earshot::core {
namespace {

struct BoolWord {
  std::string_view word;
  bool value;
};

constexpr std::array<BoolWord, 8> kBoolWords = {{{"true", true},
                                                 {"false", false},
                                                 {"1", true},
                                                 {"0", false},
                                                 {"yes", true},
                                                 {"no", false},
                                                 {"on", true},
                                                 {"off", false}}};

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string lowered = ascii_lower(text);
  for (const auto& [word, value] : kBoolWords) {
    if (lowered == word) return value;
  }
  return std::nullopt;
}

std::string_view bool_words() {
  // Made from the table itself, so that the message cannot drift from what is accepted.
  static const std::string words = [] {
    std::string joined;
    for (const auto& entry : kBoolWords) {
      if (!joined.empty()) joined += ", ";
      joined += entry.word;
    }
    return joined;
  }();
  return words;
}

std::optional<std::size_t> json_too_deep(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace earshot::core
