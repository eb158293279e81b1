// Small, allocation-light helpers for HTTP header values, shared by the server (request bodies)
// and the downloader (responses). Pure functions; no sockets.
//
//   media_type("Audio/MPEG; rate=44100")                       -> "audio/mpeg"
//   is_audio_content_type("video/mp4")                         -> true
//   is_json_content_type("text/plain")                         -> false
//   header_parameter("multipart/form-data; boundary=xyz", "boundary") -> "xyz"
#pragma once

#include <string>
#include <string_view>

namespace earshot::service {

// The media type of a Content-Type value, lower-cased and without parameters
// ("Audio/MPEG; x=1" -> "audio/mpeg").
std::string media_type(std::string_view content_type);

// True for audio/*, video/* and application/octet-stream (case-insensitive).
bool is_audio_content_type(std::string_view content_type);

// True when a request body is to be read as JSON, as FastAPI (>= 0.65.2) decides: the header is
// absent (empty), or its type is application/json or application/<anything>+json, with any
// parameters ("application/json; charset=utf-8", "application/vnd.api+json").
bool is_json_content_type(std::string_view content_type);

// The value of parameter `name` (lower case) in a header value such as `form-data; name="file"`
// or `multipart/form-data; boundary=xyz`, with surrounding quotes removed. Empty when absent.
std::string header_parameter(std::string_view value, std::string_view name);

}  // namespace earshot::service
