#include "service/http/http_headers.hpp"

#include "core/text.hpp"

namespace earshot::service {

std::string media_type(std::string_view content_type) {
  const auto end = content_type.find(';');
  std::string_view type = content_type.substr(0, end);
  const auto first = type.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  type = type.substr(first, type.find_last_not_of(" \t") - first + 1);
  return core::ascii_lower(type);
}

bool is_audio_content_type(std::string_view content_type) {
  const std::string type = media_type(content_type);
  return (type.starts_with("audio/") && type.size() > 6) ||
         (type.starts_with("video/") && type.size() > 6) || type == "application/octet-stream";
}

bool is_json_content_type(std::string_view content_type) {
  if (content_type.empty()) return true;  // absent
  // Python's email parser, which FastAPI asks, reads a type without exactly one '/' as
  // text/plain: not JSON.
  const std::string type = media_type(content_type);
  const auto slash = type.find('/');
  if (slash == std::string::npos || type.find('/', slash + 1) != std::string::npos) return false;
  const std::string_view main = std::string_view(type).substr(0, slash);
  const std::string_view sub = std::string_view(type).substr(slash + 1);
  return main == "application" && (sub == "json" || sub.ends_with("+json"));
}

std::string header_parameter(std::string_view value, std::string_view name) {
  const std::string lowered = core::ascii_lower(value);
  std::size_t at = 0;
  while ((at = lowered.find(name, at)) != std::string::npos) {
    const bool starts =
        at == 0 || lowered[at - 1] == ';' || lowered[at - 1] == ' ' || lowered[at - 1] == '\t';
    const std::size_t eq = at + name.size();
    if (starts && eq < value.size() && value[eq] == '=') {
      std::string_view rest = value.substr(eq + 1);
      if (!rest.empty() && rest.front() == '"') {
        rest.remove_prefix(1);
        return std::string(rest.substr(0, rest.find('"')));
      }
      rest = rest.substr(0, rest.find(';'));
      return std::string(rest.substr(0, rest.find_last_not_of(" \t") + 1));
    }
    at = eq;
  }
  return {};
}

}  // namespace earshot::service
