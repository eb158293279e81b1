// How much the service logs (LOG_LEVEL), lowest first.
#pragma once

#include <string_view>

namespace earshot::service {

enum class LogLevel { trace, debug, info, warning, error, critical };

// Lower-case name as accepted in LOG_LEVEL ("warning", ...).
constexpr std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return "trace";
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
    case LogLevel::critical:
      return "critical";
  }
  return "info";
}

}  // namespace earshot::service
