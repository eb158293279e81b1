// Every address class the downloader refuses, with the boundaries of each range, in IPv4,
// IPv6 and the IPv6 forms that embed IPv4. Pure: nothing here opens a socket.
#include "service/outbound/address_policy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <string>
#include <utility>
#include <vector>

namespace earshot::service {
namespace {

using Case = std::pair<std::string, AddressClass>;

void expect_classes(const std::vector<Case>& cases) {
  for (const auto& [text, expected] : cases) {
    const auto kind = classify_text(text);
    ASSERT_TRUE(kind.has_value()) << text;
    EXPECT_EQ(to_string(*kind), to_string(expected)) << text;
  }
}

TEST(AddressPolicy, Ipv4SpecialRangesWithTheirEdges) {
  expect_classes({
      {"0.0.0.0", AddressClass::unspecified},
      {"0.255.255.255", AddressClass::unspecified},
      {"10.0.0.0", AddressClass::private_use},
      {"10.255.255.255", AddressClass::private_use},
      {"11.0.0.0", AddressClass::global},
      {"100.63.255.255", AddressClass::global},
      {"100.64.0.0", AddressClass::shared},
      {"100.127.255.255", AddressClass::shared},
      {"100.128.0.0", AddressClass::global},
      {"127.0.0.1", AddressClass::loopback},
      {"127.255.255.254", AddressClass::loopback},
      {"169.254.0.1", AddressClass::link_local},
      {"169.254.169.254", AddressClass::link_local},
      {"169.255.0.1", AddressClass::global},
      {"172.15.255.255", AddressClass::global},
      {"172.16.0.0", AddressClass::private_use},
      {"172.31.255.255", AddressClass::private_use},
      {"172.32.0.0", AddressClass::global},
      {"192.168.0.1", AddressClass::private_use},
      {"192.168.255.255", AddressClass::private_use},
      {"192.169.0.1", AddressClass::global},
      {"224.0.0.1", AddressClass::multicast},
      {"239.255.255.255", AddressClass::multicast},
      {"255.255.255.255", AddressClass::broadcast},
  });
}

TEST(AddressPolicy, Ipv4ReservedRanges) {
  expect_classes({
      {"192.0.0.8", AddressClass::reserved},
      {"192.0.2.1", AddressClass::reserved},
      {"198.18.0.1", AddressClass::reserved},
      {"198.19.255.255", AddressClass::reserved},
      {"198.20.0.0", AddressClass::global},
      {"198.51.100.7", AddressClass::reserved},
      {"203.0.113.9", AddressClass::reserved},
      {"240.0.0.1", AddressClass::reserved},
      {"255.255.255.254", AddressClass::reserved},
  });
}

TEST(AddressPolicy, Ipv4PublicAddressesAreGlobal) {
  expect_classes({
      {"1.1.1.1", AddressClass::global},
      {"8.8.8.8", AddressClass::global},
      {"93.184.216.34", AddressClass::global},
      {"223.255.255.255", AddressClass::global},
  });
}

TEST(AddressPolicy, Ipv6SpecialRanges) {
  expect_classes({
      {"::", AddressClass::unspecified},
      {"::1", AddressClass::loopback},
      {"::2", AddressClass::reserved},  // IPv4-compatible, deprecated
      {"fc00::1", AddressClass::private_use},
      {"fdff:ffff::1", AddressClass::private_use},
      {"fe00::1", AddressClass::global},
      {"fe80::1", AddressClass::link_local},
      {"febf:ffff::1", AddressClass::link_local},
      {"fec0::1", AddressClass::private_use},
      {"ff02::1", AddressClass::multicast},
      {"ff0e::1", AddressClass::multicast},
      {"2001:db8::1", AddressClass::reserved},
      {"2001::1", AddressClass::reserved},
      {"100::1", AddressClass::reserved},
      {"2606:4700:4700::1111", AddressClass::global},
      {"2a00:1450:4001::1", AddressClass::global},
  });
}

TEST(AddressPolicy, Ipv4MappedIpv6FollowsTheEmbeddedAddress) {
  expect_classes({
      {"::ffff:0.0.0.0", AddressClass::unspecified},
      {"::ffff:127.0.0.1", AddressClass::loopback},
      {"::ffff:10.1.2.3", AddressClass::private_use},
      {"::ffff:172.16.0.1", AddressClass::private_use},
      {"::ffff:192.168.1.1", AddressClass::private_use},
      {"::ffff:100.64.0.1", AddressClass::shared},
      {"::ffff:169.254.169.254", AddressClass::link_local},
      {"::ffff:224.0.0.1", AddressClass::multicast},
      {"::ffff:255.255.255.255", AddressClass::broadcast},
      {"::ffff:7f00:1", AddressClass::loopback},  // the same, written in hex
      {"::ffff:8.8.8.8", AddressClass::global},
  });
}

TEST(AddressPolicy, Nat64And6to4FollowTheEmbeddedAddress) {
  expect_classes({
      {"64:ff9b::127.0.0.1", AddressClass::loopback},
      {"64:ff9b::169.254.169.254", AddressClass::link_local},
      {"64:ff9b::8.8.8.8", AddressClass::global},
      {"2002:7f00:1::", AddressClass::loopback},
      {"2002:a00:1::1", AddressClass::private_use},
      {"2002:808:808::1", AddressClass::global},
  });
}

TEST(AddressPolicy, TextThatIsNotAnAddressIsRejected) {
  for (const char* text : {"", "localhost", "127.0.0.1:80", "1.2.3", "::g", "256.1.1.1"}) {
    EXPECT_FALSE(classify_text(text).has_value()) << text;
  }
}

TEST(AddressPolicy, SockaddrOfBothFamiliesIsClassified) {
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "169.254.169.254", &v4.sin_addr), 1);
  EXPECT_EQ(classify_sockaddr(reinterpret_cast<sockaddr*>(&v4), sizeof(v4)),
            AddressClass::link_local);

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr), 1);
  EXPECT_EQ(classify_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof(v6)),
            AddressClass::loopback);
  // A structure cut short is not trusted.
  EXPECT_FALSE(classify_sockaddr(reinterpret_cast<sockaddr*>(&v6), sizeof(v4)).has_value());
  EXPECT_FALSE(classify_sockaddr(nullptr, 0).has_value());
}

TEST(AddressPolicy, DefaultPolicyPermitsOnlyGlobal) {
  const AddressPolicy policy;
  EXPECT_TRUE(policy.permits(AddressClass::global));
  for (auto kind : {AddressClass::unspecified, AddressClass::loopback, AddressClass::private_use,
                    AddressClass::shared, AddressClass::link_local, AddressClass::multicast,
                    AddressClass::broadcast, AddressClass::reserved}) {
    EXPECT_FALSE(policy.permits(kind)) << to_string(kind);
  }
}

TEST(AddressPolicy, AllowPrivatePermitsEveryIpClassButNoOtherFamily) {
  const AddressPolicy policy{.allow_private = true};
  EXPECT_TRUE(policy.permits(AddressClass::loopback));
  EXPECT_TRUE(policy.permits(AddressClass::link_local));

  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_TRUE(policy.permits(reinterpret_cast<sockaddr*>(&v4), sizeof(v4)));
  EXPECT_FALSE(AddressPolicy{}.permits(reinterpret_cast<sockaddr*>(&v4), sizeof(v4)));

  sockaddr_un local{};
  local.sun_family = AF_UNIX;
  EXPECT_FALSE(policy.permits(reinterpret_cast<sockaddr*>(&local), sizeof(local)));
}

TEST(AddressPolicy, AllowedNetworksSettingIsAListOfRanges) {
  auto policy = make_address_policy(false, " 10.20.0.0/16, fd00:1::7 127.0.0.2");
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_FALSE(policy->allow_private);
  ASSERT_EQ(policy->allowed_networks.size(), 3u);
  sockaddr_in inside{};
  inside.sin_family = AF_INET;
  inside.sin_addr.s_addr = htonl(0x0A140305);  // 10.20.3.5
  EXPECT_TRUE(policy->permits(reinterpret_cast<sockaddr*>(&inside), sizeof(inside)));
  sockaddr_in outside = inside;
  outside.sin_addr.s_addr = htonl(0x0A150305);  // 10.21.3.5
  EXPECT_FALSE(policy->permits(reinterpret_cast<sockaddr*>(&outside), sizeof(outside)));

  EXPECT_TRUE(make_address_policy(true, "").ok());
  EXPECT_TRUE(make_address_policy(false, "").value().allowed_networks.empty());
  const auto typo = make_address_policy(false, "10.20.0.0/16,10.0.0.1/8");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("'10.0.0.1/8'"), std::string::npos) << typo.error().message;
}

}  // namespace
}  // namespace earshot::service
