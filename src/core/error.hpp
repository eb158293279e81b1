// Error values shared by every layer. Errors are returned, not thrown: a public function that
// can fail returns core::Result<T> (see result.hpp), and only bugs or out-of-memory throw.
#pragma once

#include <string>
#include <string_view>

namespace earshot::core {

// What went wrong, in terms a caller can act on. The service maps these codes to HTTP statuses
// in one table; nothing below the service knows about HTTP.
enum class ErrorCode {
  invalid_input,       // the input is malformed or empty (e.g. zero-length audio)
  unsupported_format,  // not audio, or a container/codec earshot does not decode
  too_large,           // over a configured limit (duration, decoded samples, bytes)
  decode_failed,       // recognised as audio but could not be decoded
  not_found,           // a path, model or resource that does not exist
  io,                  // reading or writing failed (permissions, directory, device error)
  download_failed,     // fetching a URL failed on the way (timed out, refused, reset); may
                       // work later, but to an API client it is a bad URL (HTTP 400)
  unavailable,         // a service earshot depends on (Redis) did not answer in time
  internal,            // a bug or an unexpected library failure
};

// Stable snake_case name of a code, used in JSON output ("invalid_input", ...).
std::string_view to_string(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;  // one sentence for a person; never contains an exception's what()
};

}  // namespace earshot::core
