// Keys of the result cache, namespaced and versioned: "earshot:v1:url:<sha256>" and
// "earshot:v1:bytes:<sha256>". The hash covers the input (the normalised URL, or the uploaded
// bytes) and a `variant`: everything else that changes the result (the route, analysis
// options, the models and their versions), so that a model upgrade never serves a stale
// result.
//
//   std::string key = url_cache_key("HTTP://Example.com:80/a.wav#x", "analyze-audio|...");
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace earshot::service {

inline constexpr std::string_view kCacheNamespace = "earshot:v1:";

// Lower-case scheme and host, no default port (80 for http, 443 for https), no fragment, an
// empty path as "/"; the path and query are kept as sent (they are case-sensitive). A text
// that is not an http(s) URL is returned unchanged.
std::string normalized_url(std::string_view url);

// SHA-256 as 64 lower-case hex digits (OpenSSL).
std::string sha256_hex(std::string_view bytes);

std::string url_cache_key(std::string_view url, std::string_view variant);
std::string bytes_cache_key(std::span<const std::uint8_t> bytes, std::string_view variant);

}  // namespace earshot::service
