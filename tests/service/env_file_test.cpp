// `.env` parsing: the syntax the Python services' files use, and errors that name the line.
#include "service/config/env_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/test_files.hpp"

namespace earshot::service {
namespace {

using ::testing::HasSubstr;

EnvVars parse_ok(std::string_view text) {
  auto vars = parse_env(text);
  EXPECT_TRUE(vars.ok()) << (vars.ok() ? "" : vars.error().message);
  return vars.ok() ? *vars : EnvVars{};
}

TEST(EnvFile, PlainLinesCommentsAndBlankLines) {
  const auto vars = parse_ok(
      "# settings\n"
      "\n"
      "API_PORT=8080\n"
      "   LOG_LEVEL = debug   \n"
      "\t# indented comment\n"
      "EMPTY=\n");
  EXPECT_EQ(vars, (EnvVars{{"API_PORT", "8080"}, {"LOG_LEVEL", "debug"}, {"EMPTY", ""}}));
}

TEST(EnvFile, ExportPrefixIsIgnored) {
  const auto vars = parse_ok("export API_HOST=127.0.0.1\nexport\tREDIS_PORT=1\n");
  EXPECT_EQ(vars, (EnvVars{{"API_HOST", "127.0.0.1"}, {"REDIS_PORT", "1"}}));
}

TEST(EnvFile, VariableNamedExportIsNotAPrefix) {
  EXPECT_EQ(parse_ok("exported=1\n"), (EnvVars{{"exported", "1"}}));
}

TEST(EnvFile, SingleQuotesAreLiteral) {
  const auto vars = parse_ok("A='  spaced # not a comment \\n '\nB='x' # comment\n");
  EXPECT_EQ(vars.at("A"), "  spaced # not a comment \\n ");
  EXPECT_EQ(vars.at("B"), "x");
}

TEST(EnvFile, DoubleQuotesDecodeEscapes) {
  const auto vars = parse_ok(R"(A="line1\nline2 \"q\" back\\slash \t tab \x kept")");
  EXPECT_EQ(vars.at("A"), "line1\nline2 \"q\" back\\slash \t tab \\x kept");
}

TEST(EnvFile, InlineJsonInSingleQuotes) {
  const auto vars = parse_ok(R"(MODELS_CONFIG_JSON='{"models": [{"name": "a"}]}')");
  EXPECT_EQ(vars.at("MODELS_CONFIG_JSON"), R"({"models": [{"name": "a"}]})");
}

TEST(EnvFile, UnquotedCommentNeedsWhitespaceBeforeHash) {
  const auto vars = parse_ok("A=value # comment\nB=http://host/#frag\n");
  EXPECT_EQ(vars.at("A"), "value");
  EXPECT_EQ(vars.at("B"), "http://host/#frag");
}

TEST(EnvFile, CrlfLineEndingsAndBom) {
  const auto vars = parse_ok(
      "\xEF\xBB\xBF"
      "A=1\r\nB=\"2\"\r\n");
  EXPECT_EQ(vars, (EnvVars{{"A", "1"}, {"B", "2"}}));
}

TEST(EnvFile, LaterLineWins) {
  EXPECT_EQ(parse_ok("A=1\nA=2\n").at("A"), "2");
}

TEST(EnvFile, MalformedLinesNameTheLineNumber) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"A=1\n\nNO_EQUALS_SIGN\n", ".env line 3: expected KEY=VALUE"},
      {"A=1\nBAD KEY=1\n", ".env line 2: 'BAD KEY' is not a valid variable name"},
      {"=1\n", ".env line 1: '' is not a valid variable name"},
      {"1A=1\n", ".env line 1: '1A' is not a valid variable name"},
      {"# c\nA=\"open\n", ".env line 2: unterminated \""},
      {"A='open\n", ".env line 1: unterminated '"},
      {"A=\"x\" y\n", ".env line 1: unexpected text after the closing quote"},
  };
  for (const Case& c : cases) {
    const auto vars = parse_env(c.text);
    ASSERT_FALSE(vars.ok()) << c.text;
    EXPECT_EQ(vars.error().code, core::ErrorCode::invalid_input);
    EXPECT_EQ(vars.error().message, c.expected);
  }
}

TEST(EnvFile, ReadsAFileAndNamesItInErrors) {
  test::TempDir dir;
  test::write_text(dir.file("good.env"), "API_PORT=9000\n");
  const auto good = read_env_file(dir.file("good.env"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->at("API_PORT"), "9000");

  test::write_text(dir.file("bad.env"), "A=1\noops\n");
  const auto bad = read_env_file(dir.file("bad.env"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("bad.env line 2"));
}

TEST(EnvFile, EmptyFileHasNoVariables) {
  test::TempDir dir;
  test::write_text(dir.file("empty.env"), "");
  const auto vars = read_env_file(dir.file("empty.env"));
  ASSERT_TRUE(vars.ok());
  EXPECT_TRUE(vars->empty());
}

TEST(EnvFile, RequestedFileThatIsMissingIsAnError) {
  test::TempDir dir;
  const auto vars = read_env_file(dir.file("missing.env"));
  ASSERT_FALSE(vars.ok());
  EXPECT_EQ(vars.error().code, core::ErrorCode::not_found);
  EXPECT_THAT(vars.error().message, HasSubstr("missing.env"));
}

TEST(EnvFile, DefaultFileIsOptional) {
  test::TempDir dir;
  EXPECT_EQ(find_default_env_file(dir.path()), std::nullopt);
  test::write_text(dir.file(".env"), "A=1\n");
  EXPECT_EQ(find_default_env_file(dir.path()), dir.file(".env"));
}

}  // namespace
}  // namespace earshot::service
