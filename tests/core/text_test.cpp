// core/text.hpp: settings, URLs and headers are read the same in every locale, and every switch
// (an environment variable or a query flag) accepts the same words.
#include "core/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace earshot::core {
namespace {

TEST(AsciiLower, LowersAsciiLettersOnly) {
  EXPECT_EQ(ascii_lower("Audio/MPEG; Rate=44100"), "audio/mpeg; rate=44100");
  EXPECT_EQ(ascii_lower(""), "");
  // UTF-8 bytes (here "É") and punctuation pass through untouched.
  EXPECT_EQ(ascii_lower("\xC3\x89T\xC3\x89 [@]"), "\xC3\x89t\xC3\x89 [@]");
}

TEST(ParseBool, AcceptsEachWordInAnyCase) {
  for (const std::string yes : {"true", "TRUE", "True", "1", "yes", "Yes", "on", "ON"}) {
    EXPECT_EQ(parse_bool(yes), true) << yes;
  }
  for (const std::string no : {"false", "FALSE", "0", "no", "No", "off", "Off"}) {
    EXPECT_EQ(parse_bool(no), false) << no;
  }
}

TEST(ParseBool, RefusesAnythingElse) {
  for (const std::string other : {"", " true", "true ", "2", "y", "n", "enabled", "yes please"}) {
    EXPECT_EQ(parse_bool(other), std::nullopt) << '"' << other << '"';
  }
}

TEST(ParseBool, ErrorMessagesListEveryAcceptedWord) {
  const std::string words(bool_words());
  for (const std::string word : {"true", "false", "1", "0", "yes", "no", "on", "off"}) {
    EXPECT_TRUE(parse_bool(word).has_value());
    EXPECT_NE(words.find(word), std::string::npos) << word;
  }
}

TEST(JsonTooDeep, FindsTheBracketThatOpensOneLevelTooMany) {
  EXPECT_EQ(json_too_deep("[[1]]", 2), std::nullopt);
  EXPECT_EQ(json_too_deep("[[1]]", 1), 1u);
  EXPECT_EQ(json_too_deep(R"({"a": [{"b": 1}]})", 2), 7u);
  // Brackets inside strings, escaped quotes included, are text.
  EXPECT_EQ(json_too_deep(R"(["[[[", "\"[[["])", 1), std::nullopt);
  // Closing brackets never take the depth below zero.
  EXPECT_EQ(json_too_deep("]]][[", 1), 4u);
  EXPECT_EQ(json_too_deep(std::string(8000, '[') + std::string(8000, ']'), 32), 32u);
}

}  // namespace
}  // namespace earshot::core
