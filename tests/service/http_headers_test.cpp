// Header-value helpers: media types and parameters, as clients and upstream servers write them.
#include "service/http/http_headers.hpp"

#include <gtest/gtest.h>

namespace earshot::service {
namespace {

TEST(ContentType, AudioVideoAndOctetStreamAreAccepted) {
  EXPECT_TRUE(is_audio_content_type("audio/mpeg"));
  EXPECT_TRUE(is_audio_content_type("AUDIO/Ogg; codecs=opus"));
  EXPECT_TRUE(is_audio_content_type("video/mp4"));
  EXPECT_TRUE(is_audio_content_type(" application/octet-stream ; x=y"));
  EXPECT_FALSE(is_audio_content_type("text/html"));
  EXPECT_FALSE(is_audio_content_type("audio/"));
  EXPECT_FALSE(is_audio_content_type("application/json"));
  EXPECT_FALSE(is_audio_content_type("audiox/mpeg"));
  EXPECT_FALSE(is_audio_content_type(""));
  EXPECT_EQ(media_type("Text/HTML; charset=UTF-8"), "text/html");
  EXPECT_EQ(media_type("  "), "");
}

TEST(ContentType, JsonIsReadAsFastApiReadsIt) {
  EXPECT_TRUE(is_json_content_type(""));  // absent
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("application/vnd.api+json"));
  EXPECT_TRUE(is_json_content_type("application/problem+json; x=1"));
  EXPECT_FALSE(is_json_content_type("text/plain"));
  EXPECT_FALSE(is_json_content_type("text/json"));
  EXPECT_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_json_content_type("multipart/form-data; boundary=x"));
  EXPECT_FALSE(is_json_content_type("application/jsonx"));
  EXPECT_FALSE(is_json_content_type("application/json/extra"));  // read as text/plain
  EXPECT_FALSE(is_json_content_type("json"));
  EXPECT_FALSE(is_json_content_type(" "));  // present, and no type: text/plain
}

TEST(HeaderParameter, QuotedUnquotedAndAbsent) {
  EXPECT_EQ(header_parameter("multipart/form-data; boundary=xyz", "boundary"), "xyz");
  EXPECT_EQ(header_parameter("multipart/form-data; BOUNDARY=\"a b;c\"", "boundary"), "a b;c");
  EXPECT_EQ(header_parameter("multipart/form-data;boundary=q ; charset=x", "boundary"), "q");
  EXPECT_EQ(header_parameter(" form-data; filename=\"f.wav\"; name=\"file\"", "name"), "file");
  // "name" inside "filename" is not the name parameter.
  EXPECT_EQ(header_parameter(" form-data; filename=\"f.wav\"", "name"), "");
  EXPECT_EQ(header_parameter("multipart/form-data", "boundary"), "");
  EXPECT_EQ(header_parameter("x; boundary=", "boundary"), "");
}

}  // namespace
}  // namespace earshot::service
