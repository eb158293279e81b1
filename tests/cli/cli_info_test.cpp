// `earshot --version`, `--help` and malformed command lines: what a user sees before any audio
// is read. Usage errors must fail with a non-zero exit and leave stdout free of JSON.
#include <gtest/gtest.h>

#include <string>

#include "cli/run_earshot.hpp"
#include "earshot/version.hpp"

namespace earshot::cli {
namespace {

using test::run_earshot;

TEST(CliInfoTest, VersionPrintsNameAndVersion) {
  const auto result = run_earshot({"--version"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, std::string("earshot ") + kVersion + "\n");
}

TEST(CliInfoTest, HelpListsTheAnalyzeCommand) {
  const auto result = run_earshot({"--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("analyze"), std::string::npos) << result.out;
}

TEST(CliInfoTest, AnalyzeHelpListsItsOptions) {
  const auto result = run_earshot({"analyze", "--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* option : {"--jobs", "--pretty", "--max-duration"}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option << " missing in\n"
                                                          << result.out;
  }
}

TEST(CliInfoTest, NoSubcommandIsAUsageError) {
  const auto result = run_earshot({});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_FALSE(result.err.empty()) << "a usage error must say what is wrong";
}

TEST(CliInfoTest, AnalyzeWithoutFilesIsAUsageError) {
  const auto result = run_earshot({"analyze"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_FALSE(result.err.empty());
}

TEST(CliInfoTest, OutOfRangeJobsIsAUsageError) {
  for (const char* jobs : {"0", "-2", "many"}) {
    const auto result = run_earshot({"analyze", "--jobs", jobs, "x.wav"});
    EXPECT_NE(result.exit_code, 0) << "--jobs " << jobs;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
}

TEST(CliInfoTest, UnknownOptionIsAUsageError) {
  const auto result = run_earshot({"analyze", "--frobnicate", "x.wav"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_TRUE(result.out.empty()) << result.out;
}

}  // namespace
}  // namespace earshot::cli
