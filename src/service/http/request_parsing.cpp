// Request-body parsing; the contract, and the FastAPI behaviour it keeps, are in
// request_parsing.hpp.
#include "service/http/request_parsing.hpp"

#include <string.h>  // memmem (glibc)

#include <nlohmann/json.hpp>
#include <optional>

#include "core/text.hpp"
#include "service/http/http_headers.hpp"

namespace earshot::service {
namespace {

// pydantic v1 HttpUrl's scheme check: a scheme must be present and be http or https.
std::optional<std::string_view> url_scheme_problem(std::string_view url) {
  const auto colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return "invalid or missing URL scheme";
  const std::string scheme = core::ascii_lower(url.substr(0, colon));
  if (scheme != "http" && scheme != "https") return "URL scheme not permitted";
  return std::nullopt;
}

// The `name` parameter of the part's Content-Disposition header, or "" when it has none.
std::string part_name(std::string_view headers) {
  constexpr std::string_view kDisposition = "content-disposition:";
  std::size_t line = 0;
  while (line <= headers.size()) {
    std::size_t end = headers.find("\r\n", line);
    if (end == std::string_view::npos) end = headers.size();
    const std::string_view header = headers.substr(line, end - line);
    if (core::ascii_lower(header.substr(0, kDisposition.size())) == kDisposition) {
      return header_parameter(header.substr(kDisposition.size()), "name");
    }
    line = end + 2;
  }
  return {};
}

// The first `needle` in `text` at or after `from`, or npos. std::string_view::find compares
// the needle at every position whose first byte matches, so a body of near-matches costs its
// size times the needle's; glibc's memmem skips ahead by a table of the needle's byte pairs
// (two-way for needles over 256 bytes), and kMaxBoundaryLength keeps the needle short.
std::size_t find_bytes(std::string_view text, std::string_view needle, std::size_t from) {
  if (from > text.size()) return std::string_view::npos;
  const void* hit = memmem(text.data() + from, text.size() - from, needle.data(), needle.size());
  return hit == nullptr ? std::string_view::npos
                        : static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
}

// What a JSON route's body model is, for the 422 of a body that is not read as JSON.
enum class BodyShape { dict, list };

HttpErrorResponse not_json_body(BodyShape shape) {
  return shape == BodyShape::dict
             ? validation_error({"body"}, "value is not a valid dict", "type_error.dict")
             : validation_error({"body"}, "value is not a valid list", "type_error.list");
}

// The body as JSON, or FastAPI's 422 for a body that is not read as JSON (its Content-Type),
// is not JSON, or is nested deeper than kMaxJsonDepth.
std::variant<nlohmann::json, HttpErrorResponse> parse_json_body(std::string_view body,
                                                                std::string_view content_type,
                                                                BodyShape shape) {
  if (!is_json_content_type(content_type)) return not_json_body(shape);
  if (const auto at = core::json_too_deep(body, kMaxJsonDepth)) {
    return validation_error({"body", static_cast<int>(*at)},
                            "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels",
                            validation_type::json_decode);
  }
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // FastAPI names the character where decoding failed (0-based); nlohmann counts from 1.
    const int position = e.byte > 0 ? static_cast<int>(e.byte - 1) : 0;
    return validation_error({"body", position}, "Expecting value", validation_type::json_decode);
  } catch (const nlohmann::json::exception&) {
    // A number too large for a double (found by fuzz_request_parsing): not a parse_error, and
    // no position to name.
    return validation_error({"body", 0}, "Number out of range", validation_type::json_decode);
  }
}

// Characters (code points) in UTF-8 text, as Python's len() counts a str.
std::size_t characters(std::string_view utf8) {
  std::size_t count = 0;
  for (const char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// pydantic v1's max_length issue carries {"ctx": {"limit_value": N}}, which http_errors'
// issues have no field for: it is added to the one issue of `response` here.
HttpErrorResponse with_limit_value(HttpErrorResponse response, std::size_t limit) {
  auto body = nlohmann::ordered_json::parse(response.body);
  body["detail"][0]["ctx"] = {{"limit_value", limit}};
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

// Field `name` of `object` as an http(s) URL: the URL, "" when optional and absent or null, or
// the 422 with `loc` in front of the field's name.
std::variant<std::string, HttpErrorResponse> url_field(const nlohmann::json& object,
                                                       const std::string& name, bool required,
                                                       const std::vector<LocPart>& loc) {
  auto at = [&](std::string_view msg, std::string_view type) {
    std::vector<LocPart> where = loc;
    where.emplace_back(name);
    return validation_errors(
        {ValidationIssue{std::move(where), std::string(msg), std::string(type)}});
  };
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (!required) return std::string();
    return at("field required", validation_type::missing);
  }
  if (!it->is_string()) return at("str type expected", validation_type::not_string);
  std::string url = it->get<std::string>();
  // pydantic v1 checks a URL's length before its form.
  if (characters(url) > kMaxUrlLength) {
    return with_limit_value(
        at("ensure this value has at most " + std::to_string(kMaxUrlLength) + " characters",
           "value_error.any_str.max_length"),
        kMaxUrlLength);
  }
  if (auto problem = url_scheme_problem(url)) return at(*problem, validation_type::url_scheme);
  return url;
}

std::variant<JobRequest, HttpErrorResponse> job_of(const nlohmann::json& json,
                                                   const std::vector<LocPart>& loc) {
  if (!json.is_object()) {
    return validation_errors(
        {ValidationIssue{loc, "value is not a valid dict", "type_error.dict"}});
  }
  JobRequest job;
  auto audio_url = url_field(json, "audio_url", true, loc);
  if (auto* error = std::get_if<HttpErrorResponse>(&audio_url)) return std::move(*error);
  job.audio_url = std::move(std::get<std::string>(audio_url));
  auto callback_url = url_field(json, "callback_url", false, loc);
  if (auto* error = std::get_if<HttpErrorResponse>(&callback_url)) return std::move(*error);
  job.callback_url = std::move(std::get<std::string>(callback_url));
  if (const auto it = json.find("model_name"); it != json.end() && !it->is_null()) {
    if (!it->is_string()) {
      std::vector<LocPart> where = loc;
      where.emplace_back("model_name");
      return validation_errors({ValidationIssue{std::move(where), "str type expected",
                                                std::string(validation_type::not_string)}});
    }
    job.model_name = it->get<std::string>();
  }
  return job;
}

}  // namespace

std::variant<std::string, HttpErrorResponse> parse_audio_url_body(std::string_view body,
                                                                  std::string_view content_type) {
  auto json = parse_json_body(body, content_type, BodyShape::dict);
  if (auto* error = std::get_if<HttpErrorResponse>(&json)) return std::move(*error);
  const auto& object = std::get<nlohmann::json>(json);
  if (!object.is_object()) {
    return validation_error({"body"}, "value is not a valid dict", "type_error.dict");
  }
  return url_field(object, "audio_url", true, {"body"});
}

std::variant<JobRequest, HttpErrorResponse> parse_job_body(std::string_view body,
                                                           std::string_view content_type) {
  auto json = parse_json_body(body, content_type, BodyShape::dict);
  if (auto* error = std::get_if<HttpErrorResponse>(&json)) return std::move(*error);
  return job_of(std::get<nlohmann::json>(json), {"body"});
}

std::variant<std::vector<JobRequest>, HttpErrorResponse> parse_job_batch_body(
    std::string_view body, std::size_t max_jobs, std::string_view content_type) {
  auto parsed = parse_json_body(body, content_type, BodyShape::list);
  if (auto* error = std::get_if<HttpErrorResponse>(&parsed)) return std::move(*error);
  const auto& json = std::get<nlohmann::json>(parsed);
  const nlohmann::json* list = &json;
  std::vector<LocPart> loc{"body"};
  if (json.is_object()) {
    const auto it = json.find("jobs");
    if (it == json.end())
      return validation_error({"body", "jobs"}, "field required", validation_type::missing);
    list = &*it;
    loc.emplace_back("jobs");
  }
  if (!list->is_array())
    return validation_errors(
        {ValidationIssue{loc, "value is not a valid list", "type_error.list"}});
  if (list->empty() || list->size() > max_jobs) {
    return validation_errors(
        {ValidationIssue{loc, "ensure this list has 1 to " + std::to_string(max_jobs) + " items",
                         "value_error.list.size"}});
  }
  std::vector<JobRequest> jobs;
  jobs.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::vector<LocPart> where = loc;
    where.emplace_back(static_cast<int>(i));
    auto job = job_of((*list)[i], where);
    if (auto* error = std::get_if<HttpErrorResponse>(&job)) return std::move(*error);
    jobs.push_back(std::move(std::get<JobRequest>(job)));
  }
  return jobs;
}

FormField find_form_field(std::string_view body, std::string_view content_type,
                          std::string_view name) {
  const std::string boundary = header_parameter(content_type, "boundary");
  if (boundary.empty() || boundary.size() > kMaxBoundaryLength) return {};
  const std::string delimiter = "--" + boundary;
  const std::string next_delimiter = "\r\n" + delimiter;
  std::size_t at = find_bytes(body, delimiter, 0);
  if (at == std::string_view::npos) return {};
  for (;;) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return {FormFieldOutcome::missing, {}};  // closing delimiter
    if (body.substr(at, 2) != "\r\n") return {};
    at += 2;
    const std::size_t headers_end = find_bytes(body, "\r\n\r\n", at);
    if (headers_end == std::string_view::npos) return {};
    const std::size_t data = headers_end + 4;
    const std::size_t next = find_bytes(body, next_delimiter, data);
    if (next == std::string_view::npos) return {};
    if (part_name(body.substr(at, headers_end - at)) == name) {
      return {FormFieldOutcome::found, body.substr(data, next - data)};
    }
    at = next + 2;
  }
}

std::variant<std::string_view, HttpErrorResponse> uploaded_file(std::string_view body,
                                                                std::string_view content_type) {
  FormField field;
  if (media_type(content_type) == "multipart/form-data") {
    field = find_form_field(body, content_type, "file");
  } else {
    field.outcome = FormFieldOutcome::missing;
  }
  switch (field.outcome) {
    case FormFieldOutcome::found:
      return field.content;
    case FormFieldOutcome::missing:
      return validation_error({"body", "file"}, "field required", validation_type::missing);
    case FormFieldOutcome::malformed:
      break;
  }
  return error_response(
      core::Error{core::ErrorCode::invalid_input, "There was an error parsing the body"});
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> query_parameter(std::string_view target, std::string_view name) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const auto end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    const auto equals = pair.find('=');
    if (percent_decode(pair.substr(0, equals)) == name) {
      return equals == std::string_view::npos ? std::string()
                                              : percent_decode(pair.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::variant<bool, HttpErrorResponse> query_flag(std::string_view target, std::string_view name,
                                                 bool absent) {
  const auto value = query_parameter(target, name);
  if (!value) return absent;
  if (const auto flag = core::parse_bool(*value)) return *flag;
  return validation_error({"query", std::string(name)}, "value could not be parsed to a boolean",
                          "type_error.bool");
}

}  // namespace earshot::service
