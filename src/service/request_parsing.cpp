#include "service/request_parsing.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "service/http_headers.hpp"

namespace earshot::service {
namespace {

// pydantic v1 HttpUrl's scheme check: a scheme must be present and be http or https.
std::optional<std::string_view> url_scheme_problem(std::string_view url) {
  const auto colon = url.find("://");
  if (colon == std::string_view::npos || colon == 0) return "invalid or missing URL scheme";
  const std::string scheme = ascii_lower(url.substr(0, colon));
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
    if (ascii_lower(header.substr(0, kDisposition.size())) == kDisposition) {
      return header_parameter(header.substr(kDisposition.size()), "name");
    }
    line = end + 2;
  }
  return {};
}

}  // namespace

std::variant<std::string, HttpErrorResponse> parse_audio_url_body(std::string_view body) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // FastAPI names the character where decoding failed (0-based); nlohmann counts from 1.
    const int position = e.byte > 0 ? static_cast<int>(e.byte - 1) : 0;
    return validation_error({"body", position}, "Expecting value", validation_type::json_decode);
  } catch (const nlohmann::json::exception&) {
    // A number too large for a double (found by fuzz_request_parsing): not a parse_error, and
    // no position to name.
    return validation_error({"body", 0}, "Number out of range", validation_type::json_decode);
  }
  if (!json.is_object()) {
    return validation_error({"body"}, "value is not a valid dict", "type_error.dict");
  }
  const auto it = json.find("audio_url");
  if (it == json.end() || it->is_null()) {
    return validation_error({"body", "audio_url"}, "field required", validation_type::missing);
  }
  if (!it->is_string()) {
    return validation_error({"body", "audio_url"}, "str type expected",
                            validation_type::not_string);
  }
  std::string url = it->get<std::string>();
  if (auto problem = url_scheme_problem(url)) {
    return validation_error({"body", "audio_url"}, *problem, validation_type::url_scheme);
  }
  return url;
}

FormField find_form_field(std::string_view body, std::string_view content_type,
                          std::string_view name) {
  const std::string boundary = header_parameter(content_type, "boundary");
  if (boundary.empty()) return {};
  const std::string delimiter = "--" + boundary;
  const std::string next_delimiter = "\r\n" + delimiter;
  std::size_t at = body.find(delimiter);
  if (at == std::string_view::npos) return {};
  for (;;) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return {FormFieldOutcome::missing, {}};  // closing delimiter
    if (body.substr(at, 2) != "\r\n") return {};
    at += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) return {};
    const std::size_t data = headers_end + 4;
    const std::size_t next = body.find(next_delimiter, data);
    if (next == std::string_view::npos) return {};
    if (part_name(body.substr(at, headers_end - at)) == name) {
      return {FormFieldOutcome::found, body.substr(data, next - data)};
    }
    at = next + 2;
  }
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

}  // namespace earshot::service
