#include "service/routes.hpp"

#include <exception>
#include <nlohmann/json.hpp>
#include <string_view>

namespace earshot::service {
namespace {

// Statuses that are the route's own (not an ErrorCode); all bodies still come from
// http_errors.
constexpr int kOk = 200;
constexpr int kNotFound = 404;
constexpr int kMethodNotAllowed = 405;
constexpr int kUnsupportedMediaType = 415;
constexpr int kServiceUnavailable = 503;

HttpResponse json_ok(const nlohmann::ordered_json& body) {
  return HttpResponse{kOk, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

std::string_view path_of(std::string_view target) {
  const auto query = target.find_first_of("?#");
  return query == std::string_view::npos ? target : target.substr(0, query);
}

HttpResponse not_found() {
  return HttpResponse::from(detail_response(kNotFound, "Not Found"));
}

HttpResponse method_not_allowed() {
  return HttpResponse::from(detail_response(kMethodNotAllowed, "Method Not Allowed"));
}

Dispatch now(HttpResponse response) {
  return Dispatch{std::move(response), {}};
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// pydantic v1 HttpUrl's scheme check: a scheme must be present and be http or https.
std::optional<std::string_view> url_scheme_problem(std::string_view url) {
  const auto colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return "invalid or missing URL scheme";
  const std::string scheme = lower(url.substr(0, colon));
  if (scheme != "http" && scheme != "https") return "URL scheme not permitted";
  return std::nullopt;
}

// The value of parameter `name` in a header value such as `form-data; name="file"` or
// `multipart/form-data; boundary=xyz`; quotes removed. Empty when absent.
std::string header_parameter(std::string_view value, std::string_view name) {
  const std::string lowered = lower(value);
  std::size_t at = 0;
  while ((at = lowered.find(name, at)) != std::string::npos) {
    const bool starts = at == 0 || lowered[at - 1] == ';' || lowered[at - 1] == ' ';
    const std::size_t eq = at + name.size();
    if (starts && eq < value.size() && value[eq] == '=') {
      std::string_view rest = value.substr(eq + 1);
      if (!rest.empty() && rest.front() == '"') {
        rest.remove_prefix(1);
        return std::string(rest.substr(0, rest.find('"')));
      }
      return std::string(rest.substr(0, rest.find(';')));
    }
    at = eq;
  }
  return {};
}

enum class MultipartOutcome { found, missing, malformed };

// Finds the form field `field` in a multipart/form-data body (RFC 7578): its content, without
// copying, in `content`.
MultipartOutcome find_form_field(std::string_view body, std::string_view boundary,
                                 std::string_view field, std::string_view& content) {
  if (boundary.empty()) return MultipartOutcome::malformed;
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t at = body.find(delimiter);
  if (at == std::string_view::npos) return MultipartOutcome::malformed;
  for (;;) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return MultipartOutcome::missing;  // closing delimiter
    if (body.substr(at, 2) != "\r\n") return MultipartOutcome::malformed;
    at += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) return MultipartOutcome::malformed;
    const std::string_view headers = body.substr(at, headers_end - at);
    const std::size_t data = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delimiter, data);
    if (next == std::string_view::npos) return MultipartOutcome::malformed;
    std::string name;
    std::size_t line = 0;
    while (line <= headers.size()) {
      std::size_t end = headers.find("\r\n", line);
      if (end == std::string_view::npos) end = headers.size();
      const std::string_view header = headers.substr(line, end - line);
      if (lower(header.substr(0, 20)) == "content-disposition:") {
        name = header_parameter(header.substr(20), "name");
      }
      line = end + 2;
    }
    if (name == field) {
      content = body.substr(data, next - data);
      return MultipartOutcome::found;
    }
    at = next + 2;
  }
}

}  // namespace

Routes::Routes(const Config& config, Fetcher fetcher)
    : root_message_(config.api_title + " " + config.api_version), fetcher_(std::move(fetcher)) {}

core::Result<Routes> Routes::create(const Config& config) {
  FetchOptions options;
  options.max_bytes = static_cast<std::size_t>(config.max_download_bytes);
  options.connect_timeout = config.download_connect_timeout;
  options.total_timeout = config.download_timeout;
  options.policy.allow_private = config.allow_private_urls;
  auto fetcher = Fetcher::create(options);
  if (!fetcher) return fetcher.error();
  return Routes(config, std::move(*fetcher));
}

HttpResponse Routes::busy_response() {
  auto response =
      HttpResponse::from(detail_response(kServiceUnavailable, "Server busy, retry later"));
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

HttpResponse Routes::upload_too_large_response(std::int64_t limit) {
  return HttpResponse::from(error_response(
      core::Error{core::ErrorCode::too_large,
                  "Request body exceeds the upload limit of " + std::to_string(limit) + " bytes"}));
}

Dispatch Routes::dispatch(const HttpRequest& request) const {
  const auto path = path_of(request.target);
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (path == "/") {
    if (!get) return now(method_not_allowed());
    return now(json_ok(nlohmann::ordered_json{{"message", root_message_}}));
  }
  if (path == "/health/live") {
    if (!get) return now(method_not_allowed());
    return now(json_ok(nlohmann::ordered_json{{"status", "ok"}}));
  }
  if (path == "/health/ready") {
    if (!get) return now(method_not_allowed());
    return now(json_ok(nlohmann::ordered_json{{"status", "ready"}}));
  }
  if (path == "/analyze-audio") {
    if (!post) return now(method_not_allowed());
    return analyze_audio(request);
  }
  if (path == "/analyze") {
    if (!post) return now(method_not_allowed());
    return analyze_upload(request);
  }
  return now(not_found());
}

HttpResponse Routes::analyze_bytes(std::span<const std::uint8_t> bytes) const {
  try {
    auto result = analyzer_.analyze_bytes(bytes);
    if (!result) return HttpResponse::from(error_response(result.error()));
    nlohmann::ordered_json body;
    body["status"] = "success";
    body["data"] = analysis::to_json(*result);
    return json_ok(body);
  } catch (const std::exception&) {
    return HttpResponse::from(internal_error_response());
  }
}

Dispatch Routes::analyze_audio(const HttpRequest& request) const {
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    const int pos = e.byte > 0 ? static_cast<int>(e.byte - 1) : 0;
    return now(HttpResponse::from(
        validation_error({"body", pos}, "Expecting value", validation_type::json_decode)));
  }
  if (!body.is_object()) {
    return now(HttpResponse::from(
        validation_error({"body"}, "value is not a valid dict", "type_error.dict")));
  }
  const auto it = body.find("audio_url");
  if (it == body.end() || it->is_null()) {
    return now(HttpResponse::from(
        validation_error({"body", "audio_url"}, "field required", validation_type::missing)));
  }
  if (!it->is_string()) {
    return now(HttpResponse::from(
        validation_error({"body", "audio_url"}, "str type expected", validation_type::not_string)));
  }
  std::string url = it->get<std::string>();
  if (auto problem = url_scheme_problem(url)) {
    return now(HttpResponse::from(
        validation_error({"body", "audio_url"}, *problem, validation_type::url_scheme)));
  }
  return Dispatch{std::nullopt, [this, url = std::move(url)]() -> HttpResponse {
                    try {
                      auto download = fetcher_.fetch(url);
                      if (!download) return HttpResponse::from(error_response(download.error()));
                      return analyze_bytes(download->bytes);
                    } catch (const std::exception&) {
                      return HttpResponse::from(internal_error_response());
                    }
                  }};
}

Dispatch Routes::analyze_upload(const HttpRequest& request) const {
  const std::string type = media_type(request.content_type);
  if (type == "multipart/form-data") {
    std::string_view content;
    switch (find_form_field(request.body, header_parameter(request.content_type, "boundary"),
                            "file", content)) {
      case MultipartOutcome::malformed:
        return now(HttpResponse::from(error_response(
            core::Error{core::ErrorCode::invalid_input, "There was an error parsing the body"})));
      case MultipartOutcome::missing:
        return now(HttpResponse::from(
            validation_error({"body", "file"}, "field required", validation_type::missing)));
      case MultipartOutcome::found:
        break;
    }
    auto bytes = std::make_shared<const std::vector<std::uint8_t>>(content.begin(), content.end());
    return Dispatch{std::nullopt, [this, bytes]() { return analyze_bytes(*bytes); }};
  }
  if (!is_audio_content_type(request.content_type)) {
    return now(HttpResponse::from(
        detail_response(kUnsupportedMediaType,
                        "Content type " + (type.empty() ? std::string("(none)") : type) +
                            " is not audio; send audio/*, video/* or application/octet-stream, or "
                            "multipart/form-data with a file field")));
  }
  // The body is copied into the job: the request dies with the session's read buffer.
  auto bytes =
      std::make_shared<const std::vector<std::uint8_t>>(request.body.begin(), request.body.end());
  return Dispatch{std::nullopt, [this, bytes]() { return analyze_bytes(*bytes); }};
}

}  // namespace earshot::service
