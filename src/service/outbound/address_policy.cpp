// Address classification by prefix tables; see address_policy.hpp for the contract.
#include "service/outbound/address_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace earshot::service {
namespace {

// True when the first `bits` bits of `address` equal those of `prefix`.
template <std::size_t N>
bool in_prefix(const std::array<std::uint8_t, N>& address,
               const std::array<std::uint8_t, N>& prefix, unsigned bits) {
  for (std::size_t i = 0; i < N && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - take));
    if ((address[i] & mask) != (prefix[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

struct Ipv4Range {
  std::array<std::uint8_t, 4> prefix;
  unsigned bits;
  AddressClass kind;
};

// Order matters only where ranges nest: the broadcast address sits inside 240.0.0.0/4.
constexpr Ipv4Range kIpv4Ranges[] = {
    {{0, 0, 0, 0}, 8, AddressClass::unspecified},
    {{10, 0, 0, 0}, 8, AddressClass::private_use},
    {{100, 64, 0, 0}, 10, AddressClass::shared},
    {{127, 0, 0, 0}, 8, AddressClass::loopback},
    {{169, 254, 0, 0}, 16, AddressClass::link_local},
    {{172, 16, 0, 0}, 12, AddressClass::private_use},
    {{192, 0, 0, 0}, 24, AddressClass::reserved},  // IETF protocol assignments
    {{192, 0, 2, 0}, 24, AddressClass::reserved},  // TEST-NET-1
    {{192, 168, 0, 0}, 16, AddressClass::private_use},
    {{198, 18, 0, 0}, 15, AddressClass::reserved},    // benchmarking
    {{198, 51, 100, 0}, 24, AddressClass::reserved},  // TEST-NET-2
    {{203, 0, 113, 0}, 24, AddressClass::reserved},   // TEST-NET-3
    {{224, 0, 0, 0}, 4, AddressClass::multicast},
    {{255, 255, 255, 255}, 32, AddressClass::broadcast},
    {{240, 0, 0, 0}, 4, AddressClass::reserved},
};

struct Ipv6Range {
  std::array<std::uint8_t, 16> prefix;
  unsigned bits;
  AddressClass kind;
};

constexpr Ipv6Range kIpv6Ranges[] = {
    {{0x01, 0x00}, 64, AddressClass::reserved},              // discard-only 100::/64
    {{0x20, 0x01, 0x00, 0x00}, 32, AddressClass::reserved},  // Teredo: hides the real peer
    {{0x20, 0x01, 0x00, 0x02}, 48, AddressClass::reserved},  // benchmarking
    {{0x20, 0x01, 0x0d, 0xb8}, 32, AddressClass::reserved},  // documentation
    {{0xfc}, 7, AddressClass::private_use},                  // unique-local
    {{0xfe, 0x80}, 10, AddressClass::link_local},
    {{0xfe, 0xc0}, 10, AddressClass::private_use},  // site-local, deprecated but routable inside
    {{0xff}, 8, AddressClass::multicast},
};

constexpr std::array<std::uint8_t, 16> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
constexpr std::array<std::uint8_t, 16> kNat64Prefix = {0x00, 0x64, 0xff, 0x9b};
constexpr std::array<std::uint8_t, 16> k6to4Prefix = {0x20, 0x02};

std::array<std::uint8_t, 4> ipv4_at(const std::array<std::uint8_t, 16>& address,
                                    std::size_t offset) {
  return {address[offset], address[offset + 1], address[offset + 2], address[offset + 3]};
}

std::array<std::uint8_t, 16> mapped(const std::array<std::uint8_t, 4>& v4) {
  std::array<std::uint8_t, 16> v6 = kMappedPrefix;
  std::copy(v4.begin(), v4.end(), v6.begin() + 12);
  return v6;
}

// The address of an AF_INET (as IPv4-mapped IPv6) or AF_INET6 socket address; nullopt for any
// other family or a truncated structure.
std::optional<std::array<std::uint8_t, 16>> address_of(const sockaddr* address,
                                                       std::size_t length) {
  if (address == nullptr || length < sizeof(sa_family_t)) return std::nullopt;
  // Copy rather than cast: the caller's buffer need not be aligned for sockaddr_in6.
  sockaddr_storage storage{};
  std::memcpy(&storage, address, length < sizeof(storage) ? length : sizeof(storage));
  if (storage.ss_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in v4{};
    std::memcpy(&v4, &storage, sizeof(v4));
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &v4.sin_addr, bytes.size());
    return mapped(bytes);
  }
  if (storage.ss_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, &storage, sizeof(v6));
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &v6.sin6_addr, bytes.size());
    return bytes;
  }
  return std::nullopt;
}

// A prefix length: decimal digits only, at most `max`.
std::optional<unsigned> prefix_length(std::string_view text, unsigned max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

}  // namespace

std::string_view to_string(AddressClass kind) {
  switch (kind) {
    case AddressClass::global:
      return "global";
    case AddressClass::unspecified:
      return "unspecified";
    case AddressClass::loopback:
      return "loopback";
    case AddressClass::private_use:
      return "private_use";
    case AddressClass::shared:
      return "shared";
    case AddressClass::link_local:
      return "link_local";
    case AddressClass::multicast:
      return "multicast";
    case AddressClass::broadcast:
      return "broadcast";
    case AddressClass::reserved:
      return "reserved";
  }
  return "reserved";
}

AddressClass classify_ipv4(const std::array<std::uint8_t, 4>& address) {
  for (const auto& range : kIpv4Ranges) {
    if (in_prefix(address, range.prefix, range.bits)) return range.kind;
  }
  return AddressClass::global;
}

AddressClass classify_ipv6(const std::array<std::uint8_t, 16>& address) {
  // The kernel routes these embedded forms to the IPv4 address inside them, so that address
  // is what decides; otherwise ::ffff:127.0.0.1 would walk straight past the check.
  if (in_prefix(address, kMappedPrefix, 96)) return classify_ipv4(ipv4_at(address, 12));
  if (in_prefix(address, kNat64Prefix, 96)) return classify_ipv4(ipv4_at(address, 12));
  if (in_prefix(address, k6to4Prefix, 16)) return classify_ipv4(ipv4_at(address, 2));

  constexpr std::array<std::uint8_t, 16> kZero{};
  if (address == kZero) return AddressClass::unspecified;
  if (in_prefix(address, kZero, 120) && address[15] == 1) return AddressClass::loopback;
  // IPv4-compatible ::a.b.c.d is deprecated; nothing legitimate uses it.
  if (in_prefix(address, kZero, 96)) return AddressClass::reserved;

  for (const auto& range : kIpv6Ranges) {
    if (in_prefix(address, range.prefix, range.bits)) return range.kind;
  }
  return AddressClass::global;
}

std::optional<AddressClass> classify_text(std::string_view text) {
  const std::string copy(text);  // inet_pton wants a terminated string
  std::array<std::uint8_t, 4> v4{};
  if (inet_pton(AF_INET, copy.c_str(), v4.data()) == 1) return classify_ipv4(v4);
  std::array<std::uint8_t, 16> v6{};
  if (inet_pton(AF_INET6, copy.c_str(), v6.data()) == 1) return classify_ipv6(v6);
  return std::nullopt;
}

std::optional<AddressClass> classify_sockaddr(const sockaddr* address, std::size_t length) {
  const auto bytes = address_of(address, length);
  if (!bytes) return std::nullopt;
  return classify_ipv6(*bytes);  // an IPv4 address, mapped, classifies as itself
}

std::optional<AddressRange> AddressRange::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string address(text.substr(0, slash));  // inet_pton wants a terminated string
  AddressRange range;
  unsigned offset = 0;  // bits of the mapped prefix in front of an IPv4 network
  std::array<std::uint8_t, 4> v4{};
  if (inet_pton(AF_INET, address.c_str(), v4.data()) == 1) {
    range.prefix = mapped(v4);
    offset = 96;
  } else if (inet_pton(AF_INET6, address.c_str(), range.prefix.data()) != 1) {
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    const auto bits = prefix_length(text.substr(slash + 1), 128 - offset);
    if (!bits) return std::nullopt;
    range.bits = offset + *bits;
  }
  // Host bits set: the range would not start where its text says.
  for (unsigned bit = range.bits; bit < 128; ++bit) {
    if ((range.prefix[bit / 8] >> (7 - bit % 8)) & 1) return std::nullopt;
  }
  return range;
}

bool AddressRange::contains(const std::array<std::uint8_t, 16>& address) const {
  return in_prefix(address, prefix, bits);
}

bool AddressPolicy::permits(const sockaddr* address, std::size_t length) const {
  const auto bytes = address_of(address, length);
  if (!bytes) return false;
  for (const auto& range : allowed_networks) {
    if (range.contains(*bytes)) return true;
  }
  return permits(classify_ipv6(*bytes));
}

core::Result<AddressPolicy> make_address_policy(bool allow_private, std::string_view networks) {
  AddressPolicy policy{.allow_private = allow_private};
  constexpr std::string_view kSeparators = ", \t";
  while (true) {
    const auto start = networks.find_first_not_of(kSeparators);
    if (start == std::string_view::npos) break;
    networks.remove_prefix(start);
    const std::string_view entry = networks.substr(0, networks.find_first_of(kSeparators));
    networks.remove_prefix(entry.size());
    auto range = AddressRange::parse(entry);
    if (!range) {
      return core::Error{core::ErrorCode::invalid_input,
                         "ALLOWED_NETWORKS: '" + std::string(entry) +
                             "' is not an IP address or network (e.g. 10.20.0.0/16)"};
    }
    policy.allowed_networks.push_back(*range);
  }
  return policy;
}

}  // namespace earshot::service
