#include "core/error.hpp"

namespace earshot::core {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_input:
      return "invalid_input";
    case ErrorCode::unsupported_format:
      return "unsupported_format";
    case ErrorCode::too_large:
      return "too_large";
    case ErrorCode::decode_failed:
      return "decode_failed";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::io:
      return "io";
    case ErrorCode::download_failed:
      return "download_failed";
    case ErrorCode::unavailable:
      return "unavailable";
    case ErrorCode::internal:
      return "internal";
  }
  return "internal";
}

}  // namespace earshot::core
