// The service log: every line is one JSON object with time, level and message; request lines
// carry their fields; LOG_LEVEL filters; the file rotates at its size limit.
#include "service/telemetry/service_log.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "service/json_lines.hpp"
#include "support/test_files.hpp"

namespace earshot::service {
namespace {

RequestRecord sample_request(int status) {
  return {.request_id = "abc123",
          .method = "POST",
          .route = "/analyze",
          .target = "/analyze?x=\xff",  // invalid UTF-8 from a client must not break the line
          .status = status,
          .latency_ms = 12.5,
          .request_bytes = 100,
          .response_bytes = 20,
          .remote = "127.0.0.1",
          .error = status >= 500 ? "decoder exploded" : ""};
}

TEST(ServiceLog, RequestLinesAreJsonWithEveryField) {
  test::TempDir dir;
  {
    auto log = ServiceLog::create({.dir = dir.path() / "logs", .console = false});
    ASSERT_TRUE(log.ok()) << log.error().message;
    (*log)->request(sample_request(200));
    (*log)->request(sample_request(500));
    (*log)->message(LogLevel::warning, "something odd", {{"count", 3}});
  }
  const auto lines = testing::read_json_lines(dir.path() / "logs" / "earshot.log");
  ASSERT_EQ(lines.size(), 3u);
  const auto& ok = lines[0];
  EXPECT_EQ(ok["level"], "info");
  EXPECT_EQ(ok["msg"], "request");
  EXPECT_EQ(ok["request_id"], "abc123");
  EXPECT_EQ(ok["method"], "POST");
  EXPECT_EQ(ok["route"], "/analyze");
  EXPECT_EQ(ok["status"], 200);
  EXPECT_EQ(ok["latency_ms"], 12.5);
  EXPECT_EQ(ok["request_bytes"], 100);
  EXPECT_EQ(ok["response_bytes"], 20);
  EXPECT_EQ(ok["remote"], "127.0.0.1");
  EXPECT_FALSE(ok.contains("error"));
  const std::string time = ok["time"];
  EXPECT_EQ(time.size(), 27u) << time;  // 2026-11-21T10:00:00.123456Z
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(lines[1]["level"], "error");
  EXPECT_EQ(lines[1]["error"], "decoder exploded");
  EXPECT_EQ(lines[2]["level"], "warning");
  EXPECT_EQ(lines[2]["msg"], "something odd");
  EXPECT_EQ(lines[2]["count"], 3);
}

TEST(ServiceLog, LevelFiltersLines) {
  test::TempDir dir;
  {
    auto log =
        ServiceLog::create({.level = LogLevel::warning, .dir = dir.path(), .console = false});
    ASSERT_TRUE(log.ok());
    (*log)->request(sample_request(200));  // info: filtered
    (*log)->request(sample_request(503));  // error: kept
    (*log)->message(LogLevel::debug, "noise");
  }
  const auto lines = testing::read_json_lines(dir.path() / "earshot.log");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["status"], 503);
}

TEST(ServiceLog, FileRotatesAtItsSizeLimit) {
  test::TempDir dir;
  {
    auto log = ServiceLog::create(
        {.dir = dir.path(), .console = false, .max_file_bytes = 4096, .max_files = 2});
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 200; ++i) {
      (*log)->request(sample_request(200));
      (*log)->flush();  // the writer thread may not drop lines when the queue is never full
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "earshot.log"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "earshot.1.log"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "earshot.2.log"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "earshot.3.log"));
  EXPECT_LE(std::filesystem::file_size(dir.path() / "earshot.1.log"), 4096u);
  for (const auto& line : testing::read_json_lines(dir.path() / "earshot.1.log")) {
    EXPECT_EQ(line["msg"], "request");
  }
}

TEST(ServiceLog, UnwritableDirectoryIsAnError) {
  test::TempDir dir;
  test::write_text(dir.file("plain-file"), "x");
  auto log = ServiceLog::create({.dir = dir.file("plain-file") / "logs", .console = false});
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code, core::ErrorCode::io);
  EXPECT_NE(log.error().message.find("LOG_DIR"), std::string::npos);
}

}  // namespace
}  // namespace earshot::service
