// Cache keys of cache_key.hpp: URL normalisation and SHA-256 through OpenSSL's EVP interface.
#include "service/cache/cache_key.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <new>

#include "core/text.hpp"

namespace earshot::service {
namespace {

bool is_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "80", "080" and "" (a bare colon) all mean the default port.
bool is_default_port(std::string_view port, std::string_view default_port) {
  if (!is_digits(port)) return false;
  const auto first = port.find_first_not_of('0');
  const std::string_view value = first == std::string_view::npos ? "0" : port.substr(first);
  return port.empty() || value == default_port;
}

// The host and port of an authority ("[::1]:8080", "example.com"); the port is empty when
// absent.
std::pair<std::string_view, std::string_view> split_host_port(std::string_view host_port) {
  const auto bracket = host_port.rfind(']');  // an IPv6 literal holds colons of its own
  const auto colon = host_port.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return {host_port, {}};
  }
  return {host_port.substr(0, colon), host_port.substr(colon + 1)};
}

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// Incremental SHA-256, so that a 200 MB upload is hashed where it lies, without a copy.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    // Failing here means OpenSSL could not allocate or has no SHA-256: a broken process.
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::bad_alloc();
    }
  }
  void update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(context_.get(), data, size) != 1) throw std::bad_alloc();
  }
  void update(std::string_view text) { update(text.data(), text.size()); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(context_.get(), digest.data(), &length) != 1) throw std::bad_alloc();
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
      out += kDigits[digest[i] >> 4];
      out += kDigits[digest[i] & 0x0f];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context_;
};

// The variant goes first with its length, so that no (variant, input) pair hashes like
// another one whose boundary falls elsewhere.
std::string key_of(std::string_view kind, std::string_view variant, const void* input,
                   std::size_t size) {
  Sha256 hash;
  hash.update(std::to_string(variant.size()) + ":");
  hash.update(variant);
  hash.update(input, size);
  return std::string(kCacheNamespace) + std::string(kind) + ":" + hash.hex();
}

}  // namespace

std::string normalized_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::string scheme = core::ascii_lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::string(url);
  const std::string_view default_port = scheme == "http" ? "80" : "443";

  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view path_and_query =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  // User information (rarely in audio URLs) is case-sensitive and kept as sent.
  const auto at = authority.rfind('@');
  const std::string_view user_info =
      at == std::string_view::npos ? std::string_view{} : authority.substr(0, at + 1);
  const auto [host, port] =
      split_host_port(at == std::string_view::npos ? authority : authority.substr(at + 1));
  if (host.empty()) return std::string(url);

  std::string out = scheme + "://" + std::string(user_info) + core::ascii_lower(host);
  // Appended in two steps: GCC 12 at -O3 misreads `":" + std::string(port)` as an overlapping
  // copy (-Wrestrict, a false positive).
  if (!is_default_port(port, default_port)) out.append(":").append(port);
  if (path_and_query.empty() || path_and_query.front() == '?') out += '/';
  out += path_and_query;
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex();
}

std::string url_cache_key(std::string_view url, std::string_view variant) {
  const std::string normalized = normalized_url(url);
  return key_of("url", variant, normalized.data(), normalized.size());
}

std::string bytes_cache_key(std::span<const std::uint8_t> bytes, std::string_view variant) {
  return key_of("bytes", variant, bytes.data(), bytes.size());
}

}  // namespace earshot::service
