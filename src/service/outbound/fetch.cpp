// libcurl-backed implementation of Fetcher; see fetch.hpp for the contract. The address check
// lives in the open-socket callback so that it sees the address curl is about to connect to,
// after DNS, for every hop: no resolve-then-connect gap for DNS rebinding to slip through.
#include "service/outbound/fetch.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>

#include "core/text.hpp"
#include "service/http/http_headers.hpp"
#include "service/outbound/curl_support.hpp"

namespace earshot::service {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::size_t kMaxUrlLength = 8192;
constexpr int kMaxRedirectLimit = 20;

// What one transfer learns in its callbacks, read back after curl_easy_perform.
struct Transfer {
  const FetchOptions* options = nullptr;
  CURL* handle = nullptr;
  std::vector<std::uint8_t> body;
  ConnectCheck connect;
  bool over_cap = false;
  bool response_checked = false;
  std::optional<Error> response_error;
};

// Checks the final response's status and content type before any of its body is kept.
std::optional<Error> check_response(CURL* handle) {
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) {
    return Error{ErrorCode::invalid_input, "Download failed: " + describe_status(status)};
  }
  const char* type = nullptr;
  curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &type);
  if (type == nullptr || *type == '\0') {
    return Error{ErrorCode::unsupported_format, "Content type is missing; expected audio"};
  }
  if (!is_audio_content_type(type)) {
    return Error{ErrorCode::unsupported_format,
                 "Content type " + media_type(type) + " is not audio"};
  }
  return std::nullopt;
}

// Checks the response once, at its first body bytes, which arrive after the final response's
// headers (curl skips the bodies of redirects it follows): so a 404 or an HTML page is refused
// before any of it is kept. False when it is refused.
template <typename AnyTransfer>
bool response_passes(AnyTransfer& transfer) {
  if (transfer.response_checked) return !transfer.response_error;
  transfer.response_checked = true;
  transfer.response_error = check_response(transfer.handle);
  return !transfer.response_error;
}

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* client) {
  auto& transfer = *static_cast<Transfer*>(client);
  const std::size_t length = size * count;
  const bool first = !transfer.response_checked;
  if (!response_passes(transfer)) return CURL_WRITEFUNC_ERROR;
  if (first) {
    curl_off_t declared = -1;
    curl_easy_getinfo(transfer.handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared);
    if (declared > 0) {
      transfer.body.reserve(
          std::min(static_cast<std::size_t>(declared), transfer.options->max_bytes));
    }
  }
  // The cap holds whatever Content-Length said (chunked, missing or lying).
  if (length > transfer.options->max_bytes - transfer.body.size()) {
    transfer.over_cap = true;
    return CURL_WRITEFUNC_ERROR;
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
  transfer.body.insert(transfer.body.end(), bytes, bytes + length);
  return length;
}

// What a followed stream's callbacks share (Fetcher::follow).
struct LiveTransfer {
  CURL* handle = nullptr;
  ConnectCheck connect;
  const std::function<bool(std::span<const std::uint8_t>)>* on_bytes = nullptr;
  const std::function<bool()>* stop = nullptr;
  bool response_checked = false;
  std::optional<Error> response_error;
  bool ended_by_us = false;
};

std::size_t write_live(char* data, std::size_t size, std::size_t count, void* client) {
  auto& transfer = *static_cast<LiveTransfer*>(client);
  const std::size_t length = size * count;
  if (!response_passes(transfer)) return CURL_WRITEFUNC_ERROR;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
  if (!(*transfer.on_bytes)(std::span(bytes, length))) {
    transfer.ended_by_us = true;
    return CURL_WRITEFUNC_ERROR;
  }
  return length;
}

// CURLOPT_XFERINFOFUNCTION: curl asks about once a second, and whenever data moves.
int live_progress(void* client, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& transfer = *static_cast<LiveTransfer*>(client);
  if ((*transfer.stop)()) {
    transfer.ended_by_us = true;
    return 1;
  }
  return 0;
}

// Parses the URL up front so that a bad one or a wrong scheme fails with a clear message
// before any connection is attempted.
core::Result<UrlPtr> parse_url(std::string_view text) {
  if (text.empty() || text.size() > kMaxUrlLength) {
    return Error{ErrorCode::invalid_input, "Invalid URL"};
  }
  UrlPtr url(curl_url());
  if (!url) return Error{ErrorCode::internal, "Could not allocate a URL handle"};
  const std::string copy(text);
  if (curl_url_set(url.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    return Error{ErrorCode::invalid_input, "Invalid URL"};
  }
  char* raw_scheme = nullptr;
  if (curl_url_get(url.get(), CURLUPART_SCHEME, &raw_scheme, 0) != CURLUE_OK) {
    return Error{ErrorCode::invalid_input, "Invalid URL"};
  }
  const CurlString scheme(raw_scheme);
  const std::string name = core::ascii_lower(scheme.get());
  if (name != "http" && name != "https") {
    return Error{ErrorCode::invalid_input, "Only http and https URLs are accepted"};
  }
  char* raw_host = nullptr;
  if (curl_url_get(url.get(), CURLUPART_HOST, &raw_host, 0) != CURLUE_OK) {
    return Error{ErrorCode::invalid_input, "Invalid URL: no host"};
  }
  const CurlString host(raw_host);
  return url;
}

// The options every transfer shares: protocols, redirects, no proxy, the address check.
bool configure_common(CURL* handle, CURLU* url, const FetchOptions& options,
                      ConnectCheck& connect) {
  bool ok = true;
  const auto set = [&](CURLoption option, auto value) {
    ok = ok && curl_easy_setopt(handle, option, value) == CURLE_OK;
  };
  set(CURLOPT_CURLU, url);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 1L);
  set(CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
  // A proxy from the environment would make the proxy's address the one checked.
  set(CURLOPT_PROXY, "");
  set(CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: required with threads
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
  set(CURLOPT_USERAGENT, "earshot");
  set(CURLOPT_OPENSOCKETFUNCTION, &open_checked_socket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(&connect));
  return ok;
}

bool configure(CURL* handle, CURLU* url, const FetchOptions& options, Transfer& transfer) {
  bool ok = configure_common(handle, url, options, transfer.connect);
  const auto set = [&](CURLoption option, auto value) {
    ok = ok && curl_easy_setopt(handle, option, value) == CURLE_OK;
  };
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  set(CURLOPT_WRITEFUNCTION, &write_body);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  return ok;
}

Error connection_error(CURLcode code, const ConnectCheck& connect, const FetchOptions& options);

// Maps a failed transfer to the error a client should see; callback flags come first because
// they explain curl's generic codes (a refused socket reads as "couldn't connect").
Error transfer_error(CURLcode code, const Transfer& transfer, const FetchOptions& options) {
  if (transfer.response_error) return *transfer.response_error;
  if (transfer.over_cap || code == CURLE_FILESIZE_EXCEEDED) {
    return Error{ErrorCode::too_large, "Download is larger than the limit of " +
                                           std::to_string(options.max_bytes) + " bytes"};
  }
  return connection_error(code, transfer.connect, options);
}

// A transfer that failed on the way: the address check, timeouts, redirects, DNS, the rest.
Error connection_error(CURLcode code, const ConnectCheck& connect, const FetchOptions& options) {
  if (connect.refused && code == CURLE_COULDNT_CONNECT) {
    return Error{ErrorCode::invalid_input, "URL resolves to a private or loopback address"};
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error{ErrorCode::download_failed, "Download timed out"};
    case CURLE_TOO_MANY_REDIRECTS:
      return Error{ErrorCode::invalid_input,
                   "Too many redirects (limit " + std::to_string(options.max_redirects) + ")"};
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error{ErrorCode::invalid_input, "Only http and https URLs are accepted"};
    case CURLE_URL_MALFORMAT:
      return Error{ErrorCode::invalid_input, "Invalid URL"};
    case CURLE_COULDNT_RESOLVE_HOST:
      return Error{ErrorCode::invalid_input, "Could not resolve the URL's host"};
    default:
      return Error{ErrorCode::download_failed,
                   std::string("Download failed: ") + curl_easy_strerror(code)};
  }
}

}  // namespace

std::string describe_status(long status) {
  struct Reason {
    long status;
    const char* phrase;
  };
  static constexpr Reason kReasons[] = {
      {400, "Bad Request"}, {401, "Unauthorized"},        {403, "Forbidden"},
      {404, "Not Found"},   {405, "Method Not Allowed"},  {408, "Request Timeout"},
      {410, "Gone"},        {429, "Too Many Requests"},   {500, "Internal Server Error"},
      {502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"},
  };
  for (const auto& reason : kReasons) {
    if (reason.status == status) return std::to_string(status) + " " + reason.phrase;
  }
  return std::to_string(status);
}

core::Result<Fetcher> Fetcher::create(FetchOptions options) {
  if (options.max_bytes == 0) return Error{ErrorCode::invalid_input, "max_bytes must be > 0"};
  if (options.max_redirects < 0 || options.max_redirects > kMaxRedirectLimit) {
    return Error{ErrorCode::invalid_input, "max_redirects must be between 0 and 20"};
  }
  if (options.connect_timeout.count() <= 0) {
    return Error{ErrorCode::invalid_input, "connect_timeout must be > 0"};
  }
  if (options.total_timeout.count() <= 0) {
    return Error{ErrorCode::invalid_input, "total_timeout must be > 0"};
  }
  if (init_curl_once() != CURLE_OK) {
    return Error{ErrorCode::internal, "Could not initialise libcurl"};
  }
  return Fetcher(std::move(options));
}

core::Status Fetcher::follow(std::string_view url_text,
                             const std::function<bool(std::span<const std::uint8_t>)>& on_bytes,
                             const std::function<bool()>& stop,
                             std::chrono::seconds idle_timeout) const {
  auto url = parse_url(url_text);
  if (!url) return url.error();
  EasyPtr handle(curl_easy_init());
  if (!handle) return Error{ErrorCode::internal, "Could not create a curl handle"};
  LiveTransfer transfer;
  transfer.handle = handle.get();
  transfer.connect.policy = &options_.policy;
  transfer.on_bytes = &on_bytes;
  transfer.stop = &stop;
  bool ok = configure_common(handle.get(), url->get(), options_, transfer.connect);
  const auto set = [&](CURLoption option, auto value) {
    ok = ok && curl_easy_setopt(handle.get(), option, value) == CURLE_OK;
  };
  set(CURLOPT_WRITEFUNCTION, &write_live);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set(CURLOPT_NOPROGRESS, 0L);
  set(CURLOPT_XFERINFOFUNCTION, &live_progress);
  set(CURLOPT_XFERINFODATA, static_cast<void*>(&transfer));
  // A stall: under one byte a second for idle_timeout.
  set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(CURLOPT_LOW_SPEED_TIME, static_cast<long>(idle_timeout.count()));
  if (!ok) return Error{ErrorCode::internal, "libcurl refused the stream options"};
  const CURLcode code = curl_easy_perform(handle.get());
  if (transfer.ended_by_us) return {};
  if (transfer.response_error) return *transfer.response_error;
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Error{ErrorCode::download_failed,
                 "the stream stalled: no audio for " + std::to_string(idle_timeout.count()) + " s"};
  }
  if (code != CURLE_OK) return connection_error(code, transfer.connect, options_);
  if (!transfer.response_checked) {
    if (auto error = check_response(handle.get())) return *error;
  }
  return {};
}

core::Result<Download> Fetcher::fetch(std::string_view url_text) const {
  auto url = parse_url(url_text);
  if (!url) return url.error();
  EasyPtr handle(curl_easy_init());
  if (!handle) return Error{ErrorCode::internal, "Could not create a curl handle"};

  Transfer transfer;
  transfer.options = &options_;
  transfer.handle = handle.get();
  transfer.connect.policy = &options_.policy;
  if (!configure(handle.get(), url->get(), options_, transfer)) {
    return Error{ErrorCode::internal, "libcurl refused the download options"};
  }
  const CURLcode code = curl_easy_perform(handle.get());
  if (code != CURLE_OK) return transfer_error(code, transfer, options_);
  // An empty body never reaches the write callback, so the response is checked here too.
  if (!transfer.response_checked) {
    if (auto error = check_response(handle.get())) return *error;
  }

  Download download;
  download.bytes = std::move(transfer.body);
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &download.status);
  const char* type = nullptr;
  curl_easy_getinfo(handle.get(), CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) download.content_type = type;
  const char* final_url = nullptr;
  curl_easy_getinfo(handle.get(), CURLINFO_EFFECTIVE_URL, &final_url);
  if (final_url != nullptr) download.final_url = final_url;
  return download;
}

}  // namespace earshot::service
