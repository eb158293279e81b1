#include "service/redis/redis_endpoint.hpp"

#include <charconv>

namespace earshot::service {
namespace {

core::Error invalid(const std::string& why) {
  return core::Error{core::ErrorCode::invalid_input, "REDIS_URL " + why};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::string RedisEndpoint::describe() const {
  return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

core::Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) return invalid("must start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint endpoint;

  const auto at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = userinfo.find(':');
    auto user = percent_decoded(userinfo.substr(0, colon));
    auto password = percent_decoded(colon == std::string_view::npos ? std::string_view{}
                                                                    : userinfo.substr(colon + 1));
    if (!user || !password) return invalid("has a malformed %-escape in its credentials");
    // redis://secret@host is how many clients write a password without a user.
    if (colon == std::string_view::npos) std::swap(*user, *password);
    endpoint.username = std::move(*user);
    endpoint.password = std::move(*password);
  }

  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!parse_number(db, endpoint.db) || endpoint.db < 0)) {
      return invalid("has a database that is not a number from 0 up: '" + std::string(db) + "'");
    }
  }
  // [v6 address]:port or host:port
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid("has an unclosed [ in its host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid("has text after its [host]");
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return invalid("has no host");
  endpoint.host = std::string(host);
  if (!port.empty() || authority.ends_with(':')) {
    int value = 0;
    if (!parse_number(port, value) || value < 1 || value > 65535) {
      return invalid("has a port that is not from 1 to 65535: '" + std::string(port) + "'");
    }
    endpoint.port = static_cast<std::uint16_t>(value);
  }
  return endpoint;
}

}  // namespace earshot::service
