// Header-value helpers: media types and parameters, as clients and upstream servers write them.
#include "service/http_headers.hpp"

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
