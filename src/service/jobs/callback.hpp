// Delivers a finished job's JSON to its callback URL: one POST with Content-Type
// application/json, http and https only, every connection's address checked against an
// AddressPolicy (as downloads are, so a callback URL cannot reach the cloud metadata address or
// the internal network), no redirects, and short timeouts.
//
//   CallbackSender sender({.policy = {.allow_private = config.allow_private_urls}});
//   auto sent = sender.send("https://example.com/hook", R"({"job_id":"..."})");
//   if (!sent) log(sent.error().message);   // invalid_input: never deliverable; io: retry later
//   sender.deliver(record);   // a finished job's {"job_id","status","result","error"}, retried
//
// send() BLOCKS for up to `total_timeout`. A CallbackSender is immutable and safe to share
// between threads; each call uses its own curl handle. send() tries once; deliver() retries.
#pragma once

#include <chrono>
#include <string>

#include "core/result.hpp"
#include "service/jobs/jobs.hpp"
#include "service/outbound/address_policy.hpp"

namespace earshot::service {

struct CallbackOptions {
  AddressPolicy policy{};  // default refuses loopback, private, link-local, ...
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds total_timeout{10'000};
  int tries = 3;                                 // deliver(): sends at most this many times
  std::chrono::milliseconds retry_backoff{500};  // before the 2nd send; doubles each time
};

// The body POSTed for a finished job: {"job_id", "status", "result", "error"} (null where not
// set; "result" is the result's JSON itself, not a string holding it).
std::string callback_body(const JobRecord& record);

class CallbackSender {
 public:
  explicit CallbackSender(CallbackOptions options = {});

  // Success when the server answered 2xx (a redirect is not followed and counts as failure).
  // Errors: invalid_input for a URL that can never work (malformed, not http/https, refused
  // address); io for a failed transfer, a timeout or a non-2xx status (worth retrying).
  core::Status send(const std::string& url, const std::string& json_body) const;
  // POSTs callback_body(record) to record.request.callback_url, retrying io errors up to
  // `tries` sends in all; the last error when none succeeded. Blocks for the whole series.
  core::Status deliver(const JobRecord& record) const;

  const CallbackOptions& options() const { return options_; }

 private:
  CallbackOptions options_;
};

}  // namespace earshot::service
