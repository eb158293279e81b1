// The queue-independent parts of jobs.hpp: the GET /jobs/{id} body, permanent errors, ids and
// timestamps.
#include "service/jobs/jobs.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

namespace earshot::service {
namespace {

TEST(JobsJson, QueuedRecordHasNullsWhereNothingIsSet) {
  JobRecord record;
  record.id = "abc";
  record.created_at = "2026-12-02T17:20:05.123Z";
  const auto body = to_json(record);
  EXPECT_EQ(body["job_id"], "abc");
  EXPECT_EQ(body["status"], "queued");
  EXPECT_TRUE(body["result"].is_null());
  EXPECT_TRUE(body["error"].is_null());
  EXPECT_TRUE(body["finished_at"].is_null());
  EXPECT_EQ(body["attempts"], 0);
  EXPECT_EQ(body["created_at"], "2026-12-02T17:20:05.123Z");
}

TEST(JobsJson, SucceededRecordCarriesItsResultAsJson) {
  JobRecord record;
  record.id = "abc";
  record.status = JobStatus::succeeded;
  record.result = R"({"loudness":{"integrated_lufs":-14.2}})";
  record.attempts = 2;
  record.finished_at = "2026-12-02T17:21:00.000Z";
  const auto body = to_json(record);
  EXPECT_EQ(body["status"], "succeeded");
  EXPECT_EQ(body["result"]["loudness"]["integrated_lufs"], -14.2);
  EXPECT_EQ(body["attempts"], 2);
  EXPECT_EQ(body["finished_at"], "2026-12-02T17:21:00.000Z");
}

TEST(JobsJson, FailedRecordCarriesItsError) {
  JobRecord record;
  record.status = JobStatus::failed;
  record.error = "Download failed: 404 Not Found";
  const auto body = to_json(record);
  EXPECT_EQ(body["status"], "failed");
  EXPECT_EQ(body["error"], "Download failed: 404 Not Found");
  EXPECT_TRUE(body["result"].is_null());
}

TEST(JobsJson, StatusNames) {
  EXPECT_EQ(to_string(JobStatus::queued), "queued");
  EXPECT_EQ(to_string(JobStatus::running), "running");
  EXPECT_EQ(to_string(JobStatus::succeeded), "succeeded");
  EXPECT_EQ(to_string(JobStatus::failed), "failed");
}

TEST(JobsErrors, InputProblemsArePermanentAndOutagesAreRetried) {
  using core::ErrorCode;
  for (auto code : {ErrorCode::invalid_input, ErrorCode::unsupported_format,
                    ErrorCode::decode_failed, ErrorCode::too_large, ErrorCode::not_found}) {
    EXPECT_TRUE(is_permanent({code, "x"})) << to_string(code);
  }
  for (auto code :
       {ErrorCode::io, ErrorCode::download_failed, ErrorCode::unavailable, ErrorCode::internal}) {
    EXPECT_FALSE(is_permanent({code, "x"})) << to_string(code);
  }
}

TEST(JobsIds, AreThirtyTwoHexDigitsAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_job_id();
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(JobsTime, IsIso8601UtcWithMilliseconds) {
  // "2026-12-02T17:20:05.123Z": digits everywhere but the separators.
  const std::string now = utc_now_iso8601();
  const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  ASSERT_EQ(now.size(), shape.size()) << now;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 'd') {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(now[i]))) << now;
    } else {
      EXPECT_EQ(now[i], shape[i]) << now;
    }
  }
}

}  // namespace
}  // namespace earshot::service
