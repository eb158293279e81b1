// Cache keys: URL normalisation, the SHA-256 digest and what changes a key.
#include "service/cache/cache_key.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace earshot::service {
namespace {

TEST(CacheKey, Sha256OfAbcIsTheKnownDigest) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(CacheKey, SchemeAndHostAreLowerCasedPathAndQueryKept) {
  EXPECT_EQ(normalized_url("HTTP://Example.COM/A.wav?X=Y"), "http://example.com/A.wav?X=Y");
  EXPECT_EQ(normalized_url("HttpS://CDN.example.com/Audio/Clip.MP3"),
            "https://cdn.example.com/Audio/Clip.MP3");
}

TEST(CacheKey, DefaultPortsAreDroppedOthersKept) {
  EXPECT_EQ(normalized_url("http://example.com:80/a.wav"), "http://example.com/a.wav");
  EXPECT_EQ(normalized_url("https://example.com:443/a.wav"), "https://example.com/a.wav");
  EXPECT_EQ(normalized_url("http://example.com:/a.wav"), "http://example.com/a.wav");
  // 443 is not http's default, nor 80 https's.
  EXPECT_EQ(normalized_url("http://example.com:443/a.wav"), "http://example.com:443/a.wav");
  EXPECT_EQ(normalized_url("https://example.com:80/a.wav"), "https://example.com:80/a.wav");
  EXPECT_EQ(normalized_url("http://example.com:8080/a.wav"), "http://example.com:8080/a.wav");
  EXPECT_EQ(normalized_url("http://[::1]:80/a.wav"), "http://[::1]/a.wav");
  EXPECT_EQ(normalized_url("http://[::1]/a.wav"), "http://[::1]/a.wav");
}

TEST(CacheKey, FragmentIsDroppedEmptyPathBecomesSlash) {
  EXPECT_EQ(normalized_url("http://example.com/a.wav#t=10"), "http://example.com/a.wav");
  EXPECT_EQ(normalized_url("http://example.com"), "http://example.com/");
  EXPECT_EQ(normalized_url("http://example.com#top"), "http://example.com/");
  EXPECT_EQ(normalized_url("http://example.com?id=3"), "http://example.com/?id=3");
  EXPECT_EQ(normalized_url("HTTP://Example.com:80/a.wav#x"), "http://example.com/a.wav");
}

TEST(CacheKey, UserInformationKeepsItsCase) {
  EXPECT_EQ(normalized_url("http://User:PassWord@Example.com:80/a"),
            "http://User:PassWord@example.com/a");
}

TEST(CacheKey, NonHttpTextIsReturnedUnchanged) {
  EXPECT_EQ(normalized_url("FTP://Example.com/a.wav"), "FTP://Example.com/a.wav");
  EXPECT_EQ(normalized_url("not a url"), "not a url");
  EXPECT_EQ(normalized_url("http:///a.wav"), "http:///a.wav");
}

TEST(CacheKey, KeysAreNamespacedAndVersioned) {
  const std::string url_key = url_cache_key("http://example.com/a.wav", "analyze");
  EXPECT_TRUE(url_key.starts_with("earshot:v1:url:")) << url_key;
  EXPECT_EQ(url_key.size(), std::string("earshot:v1:url:").size() + 64);

  const std::vector<std::uint8_t> bytes = {1, 2, 3};
  const std::string bytes_key = bytes_cache_key(bytes, "analyze");
  EXPECT_TRUE(bytes_key.starts_with("earshot:v1:bytes:")) << bytes_key;
  EXPECT_EQ(bytes_key.size(), std::string("earshot:v1:bytes:").size() + 64);
}

TEST(CacheKey, EquivalentUrlsShareAKey) {
  EXPECT_EQ(url_cache_key("HTTP://Example.com:80/a.wav#x", "v"),
            url_cache_key("http://example.com/a.wav", "v"));
  EXPECT_NE(url_cache_key("http://example.com/A.wav", "v"),
            url_cache_key("http://example.com/a.wav", "v"));
}

TEST(CacheKey, VariantChangesTheKey) {
  EXPECT_NE(url_cache_key("http://example.com/a.wav", "analyze-audio|content@1"),
            url_cache_key("http://example.com/a.wav", "analyze-audio|content@2"));
  const std::vector<std::uint8_t> bytes = {1, 2, 3};
  EXPECT_NE(bytes_cache_key(bytes, "model@1"), bytes_cache_key(bytes, "model@2"));
  // The boundary between variant and input is part of what is hashed.
  const std::vector<std::uint8_t> shifted = {'b', 1, 2, 3};
  EXPECT_NE(bytes_cache_key(bytes, "ab"), bytes_cache_key(shifted, "a"));
}

TEST(CacheKey, BytesChangeTheKey) {
  std::vector<std::uint8_t> bytes(1000, 7);
  const std::string before = bytes_cache_key(bytes, "v");
  EXPECT_EQ(bytes_cache_key(bytes, "v"), before);  // stable
  bytes[500] = 8;
  EXPECT_NE(bytes_cache_key(bytes, "v"), before);
  bytes[500] = 7;
  bytes.push_back(0);
  EXPECT_NE(bytes_cache_key(bytes, "v"), before);
}

TEST(CacheKey, UrlAndBytesKeysNeverCollide) {
  const std::string text = "http://example.com/";
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  EXPECT_NE(url_cache_key(text, "v"), bytes_cache_key(bytes, "v"));
}

}  // namespace
}  // namespace earshot::service
