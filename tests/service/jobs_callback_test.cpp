// CallbackSender against a loopback receiver: what it refuses before any connection, the
// address policy at connect time, non-2xx answers, and deliver()'s retries.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "service/jobs/callback.hpp"
#include "service/jobs_test_support.hpp"

namespace earshot::service {
namespace {

using namespace std::chrono_literals;
using testing::PostReceiver;

CallbackSender loopback_allowed() {
  CallbackOptions options;
  options.policy.allow_private = true;
  options.connect_timeout = 2s;
  options.total_timeout = 5s;
  options.retry_backoff = 1ms;
  return CallbackSender(options);
}

JobRecord finished_job(const std::string& callback_url) {
  JobRecord record;
  record.id = "0123456789abcdef0123456789abcdef";
  record.status = JobStatus::succeeded;
  record.request.audio_url = "https://example.com/a.wav";
  record.request.callback_url = callback_url;
  record.result = R"({"n":7})";
  record.attempts = 1;
  return record;
}

TEST(CallbackSender, RefusesUrlsThatAreNotHttp) {
  const CallbackSender sender = loopback_allowed();
  for (const char* url :
       {"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/", "not a url", ""}) {
    const auto sent = sender.send(url, "{}");
    ASSERT_FALSE(sent) << url;
    EXPECT_EQ(sent.error().code, core::ErrorCode::invalid_input) << url;
  }
}

TEST(CallbackSender, RefusesLoopbackUnlessAllowed) {
  PostReceiver receiver;
  const CallbackSender sender;  // default policy: public addresses only
  const auto sent = sender.send(receiver.url(), R"({"a":1})");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, core::ErrorCode::invalid_input);
  EXPECT_NE(sent.error().message.find("private or loopback"), std::string::npos);
  // A host name that resolves to loopback is refused the same way, at connect time.
  const auto by_name =
      sender.send("http://localhost:" + receiver.url().substr(receiver.url().rfind(':') + 1), "{}");
  ASSERT_FALSE(by_name);
  EXPECT_EQ(by_name.error().code, core::ErrorCode::invalid_input);
  EXPECT_EQ(receiver.requests(), 0);
}

TEST(CallbackSender, PostsTheBodyWhenAllowed) {
  PostReceiver receiver;
  const auto sent = loopback_allowed().send(receiver.url(), R"({"a":1})");
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_EQ(receiver.bodies().size(), 1u);
  EXPECT_EQ(receiver.bodies()[0], R"({"a":1})");
}

TEST(CallbackSender, NonSuccessStatusIsAnIoError) {
  PostReceiver receiver(404);
  const auto sent = loopback_allowed().send(receiver.url(), "{}");
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, core::ErrorCode::io);
  EXPECT_NE(sent.error().message.find("404"), std::string::npos);
}

TEST(CallbackSender, DeliverRetriesServerErrors) {
  PostReceiver receiver(200, /*fail_first=*/2);
  const auto sent = loopback_allowed().deliver(finished_job(receiver.url()));
  ASSERT_TRUE(sent) << sent.error().message;
  EXPECT_EQ(receiver.requests(), 3);
  ASSERT_EQ(receiver.bodies().size(), 1u);
  const auto body = nlohmann::json::parse(receiver.bodies()[0]);
  EXPECT_EQ(body["job_id"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(body["status"], "succeeded");
  EXPECT_EQ(body["result"]["n"], 7);
  EXPECT_TRUE(body["error"].is_null());
  EXPECT_EQ(body.size(), 4u);
}

TEST(CallbackSender, DeliverGivesUpAfterItsTries) {
  PostReceiver receiver(503);
  const auto sent = loopback_allowed().deliver(finished_job(receiver.url()));
  ASSERT_FALSE(sent);
  EXPECT_EQ(receiver.requests(), 3);
}

TEST(CallbackSender, DeliverDoesNotRetryARefusedAddress) {
  PostReceiver receiver;
  CallbackOptions options;
  options.retry_backoff = 1ms;
  const auto sent = CallbackSender(options).deliver(finished_job(receiver.url()));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, core::ErrorCode::invalid_input);
  EXPECT_EQ(receiver.requests(), 0);
}

}  // namespace
}  // namespace earshot::service
