// Which IP addresses a download may connect to. The fetcher asks this at connect time, on the
// address libcurl actually resolved, so a hostname that resolves to (or is rebound to) a
// loopback, private or link-local address is refused as surely as a literal one.
//
//   AddressPolicy policy{.allow_private = false};
//   policy.permits(classify_text("169.254.169.254").value());   // false: cloud metadata
//
//   // One internal media host reachable, every other private address still refused:
//   AddressPolicy internal{.allowed_networks = {AddressRange::parse("10.20.0.7").value()}};
//
// Everything here is pure and thread-safe; nothing touches the network.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.hpp"

struct sockaddr;

namespace earshot::service {

// The kind of an address, as far as reaching it from a server is concerned. Only `global`
// is reachable by default; every other class names a reason to refuse.
enum class AddressClass {
  global,       // ordinary public unicast
  unspecified,  // 0.0.0.0/8, ::  (connecting to them reaches the local host on Linux)
  loopback,     // 127.0.0.0/8, ::1
  private_use,  // RFC 1918, unique-local fc00::/7, deprecated site-local fec0::/10
  shared,       // carrier-grade NAT 100.64.0.0/10
  link_local,   // 169.254.0.0/16 (cloud metadata lives here), fe80::/10
  multicast,    // 224.0.0.0/4, ff00::/8
  broadcast,    // 255.255.255.255
  reserved,     // documentation, benchmarking, 240.0.0.0/4, Teredo, IPv4-compatible IPv6
};

// Stable snake_case name, for logs ("link_local", ...).
std::string_view to_string(AddressClass kind);

// Addresses in network byte order, as they sit in sockaddr_in / sockaddr_in6.
AddressClass classify_ipv4(const std::array<std::uint8_t, 4>& address);
// IPv6 forms that embed an IPv4 address (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96,
// 6to4 2002::/16) are classified by the IPv4 address they lead to.
AddressClass classify_ipv6(const std::array<std::uint8_t, 16>& address);

// A numeric address ("10.0.0.1", "::ffff:127.0.0.1"); nullopt when it is not one.
std::optional<AddressClass> classify_text(std::string_view text);
// An AF_INET or AF_INET6 socket address of `length` bytes; nullopt for any other family or a
// truncated structure.
std::optional<AddressClass> classify_sockaddr(const sockaddr* address, std::size_t length);

// An IPv4 or IPv6 network: "10.20.0.0/16", "fd00:1::/32", or one address ("10.20.0.7", a
// /32 or /128). IPv4 is held in its IPv4-mapped IPv6 form (::ffff:a.b.c.d), the form a socket
// address of either family is compared in, so "10.20.0.7" also covers ::ffff:10.20.0.7.
struct AddressRange {
  std::array<std::uint8_t, 16> prefix{};
  unsigned bits = 128;

  // nullopt when `text` is not an address, optionally followed by "/" and a prefix length of
  // at most 32 (IPv4) or 128 (IPv6), with every bit past the prefix zero ("10.0.0.1/8" is a
  // typo, not a network).
  static std::optional<AddressRange> parse(std::string_view text);
  // `address`: IPv6, or IPv4 in its mapped form.
  bool contains(const std::array<std::uint8_t, 16>& address) const;
};

// The rule applied to every connection a download makes (first request and each redirect).
struct AddressPolicy {
  // Allows every IPv4/IPv6 class, for tests and deployments that fetch from an internal
  // network on purpose. Other socket families stay refused.
  bool allow_private = false;
  // Networks permitted whatever their class: the internal hosts a deployment fetches from on
  // purpose, without opening every private address as allow_private does. Each connection is
  // checked on its own, so a permitted host that redirects elsewhere is followed only to an
  // address the policy permits too.
  std::vector<AddressRange> allowed_networks{};

  // By class alone: allowed_networks need the address itself.
  bool permits(AddressClass kind) const { return allow_private || kind == AddressClass::global; }
  // The connect-time rule: an address in allowed_networks, or of a class permits() allows.
  bool permits(const sockaddr* address, std::size_t length) const;
};

// The policy of the settings ALLOW_PRIVATE_URLS and ALLOWED_NETWORKS: `networks` is a list of
// AddressRange texts separated by commas and/or spaces ("10.20.0.0/16, fd00:1::7"); empty: none.
// Errors: invalid_input naming the entry that is not a network.
core::Result<AddressPolicy> make_address_policy(bool allow_private, std::string_view networks);

}  // namespace earshot::service
