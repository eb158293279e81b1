// libcurl-backed CallbackSender; see callback.hpp for the contract. As in fetch.cpp, the
// address check sits in the open-socket callback so that it judges the address curl is about
// to connect to, after DNS: a host name that resolves to 127.0.0.1 is refused like the literal.
#include "service/jobs/callback.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/text.hpp"
#include "service/http/http_headers.hpp"
#include "service/outbound/curl_support.hpp"

namespace earshot::service {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::size_t kMaxUrlLength = 8192;

// The receiver's answer body is of no interest; reading it keeps the connection well-behaved.
std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

core::Result<UrlPtr> parse_url(const std::string& text) {
  if (text.empty() || text.size() > kMaxUrlLength) {
    return Error{ErrorCode::invalid_input, "Invalid callback URL"};
  }
  UrlPtr url(curl_url());
  if (!url) return Error{ErrorCode::internal, "Could not allocate a URL handle"};
  if (curl_url_set(url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return Error{ErrorCode::invalid_input, "Invalid callback URL"};
  }
  char* raw_scheme = nullptr;
  if (curl_url_get(url.get(), CURLUPART_SCHEME, &raw_scheme, 0) != CURLUE_OK) {
    return Error{ErrorCode::invalid_input, "Invalid callback URL"};
  }
  const CurlString scheme(raw_scheme);
  const std::string name = core::ascii_lower(scheme.get());
  if (name != "http" && name != "https") {
    return Error{ErrorCode::invalid_input, "Only http and https callback URLs are accepted"};
  }
  char* raw_host = nullptr;
  if (curl_url_get(url.get(), CURLUPART_HOST, &raw_host, 0) != CURLUE_OK) {
    return Error{ErrorCode::invalid_input, "Invalid callback URL: no host"};
  }
  const CurlString host(raw_host);
  return url;
}

bool configure(CURL* handle, CURLU* url, const CallbackOptions& options, ConnectCheck& connect,
               const std::string& body, curl_slist* headers) {
  bool ok = true;
  const auto set = [&](CURLoption option, auto value) {
    ok = ok && curl_easy_setopt(handle, option, value) == CURLE_OK;
  };
  set(CURLOPT_CURLU, url);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  // A redirect could lead a POST anywhere; receivers must give their final URL.
  set(CURLOPT_FOLLOWLOCATION, 0L);
  // A proxy from the environment would make the proxy's address the one checked.
  set(CURLOPT_PROXY, "");
  set(CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: required with threads
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  set(CURLOPT_USERAGENT, "earshot");
  set(CURLOPT_POST, 1L);
  set(CURLOPT_POSTFIELDS, body.c_str());
  set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  set(CURLOPT_HTTPHEADER, headers);
  set(CURLOPT_OPENSOCKETFUNCTION, &open_checked_socket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&connect));
  set(CURLOPT_WRITEFUNCTION, &discard_body);
  return ok;
}

}  // namespace

CallbackSender::CallbackSender(CallbackOptions options) : options_(std::move(options)) {}

core::Status CallbackSender::send(const std::string& url_text, const std::string& json_body) const {
  auto url = parse_url(url_text);
  if (!url) return url.error();
  if (init_curl_once() != CURLE_OK) return Error{ErrorCode::internal, "Could not start libcurl"};
  EasyPtr handle(curl_easy_init());
  if (!handle) return Error{ErrorCode::internal, "Could not create a curl handle"};
  // "Expect:" off: curl would send "Expect: 100-continue" for larger bodies and wait for an
  // answer many small receivers never give.
  HeaderList headers(curl_slist_append(nullptr, "Content-Type: application/json"));
  if (!headers || curl_slist_append(headers.get(), "Expect:") == nullptr) {
    return Error{ErrorCode::internal, "Could not allocate callback headers"};
  }

  ConnectCheck connect{&options_.policy, false};
  if (!configure(handle.get(), url->get(), options_, connect, json_body, headers.get())) {
    return Error{ErrorCode::internal, "libcurl refused the callback options"};
  }
  const CURLcode code = curl_easy_perform(handle.get());
  if (code != CURLE_OK) {
    if (connect.refused && code == CURLE_COULDNT_CONNECT) {
      return Error{ErrorCode::invalid_input,
                   "Callback URL resolves to a private or loopback address"};
    }
    if (code == CURLE_COULDNT_RESOLVE_HOST) {
      return Error{ErrorCode::io, "Could not resolve the callback URL's host"};
    }
    return Error{ErrorCode::io, std::string("Callback failed: ") + curl_easy_strerror(code)};
  }
  long status = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return Error{ErrorCode::io, "Callback answered HTTP " + std::to_string(status)};
  }
  return {};
}

std::string callback_body(const JobRecord& record) {
  const nlohmann::ordered_json full = to_json(record);
  const nlohmann::ordered_json body = {{"job_id", full["job_id"]},
                                       {"status", full["status"]},
                                       {"result", full["result"]},
                                       {"error", full["error"]}};
  // An error message can carry a remote server's bytes (a Content-Type header): invalid UTF-8
  // is replaced, never thrown about.
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

core::Status CallbackSender::deliver(const JobRecord& record) const {
  const std::string body = callback_body(record);
  auto backoff = options_.retry_backoff;
  core::Status sent = Error{ErrorCode::internal, "Callback was not attempted"};
  for (int attempt = 1; attempt <= std::max(options_.tries, 1); ++attempt) {
    if (attempt > 1) {
      std::this_thread::sleep_for(backoff);
      backoff *= 2;
    }
    sent = send(record.request.callback_url, body);
    // invalid_input (bad URL, refused address) will not get better by trying again.
    if (sent || sent.error().code == ErrorCode::invalid_input) break;
  }
  return sent;
}

}  // namespace earshot::service
