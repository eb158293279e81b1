// Parser for `.env` files; the accepted syntax and the precedence rule are in env_file.hpp.
#include "service/config/env_file.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace earshot::service {
namespace {

using core::Error;
using core::ErrorCode;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Shell-style names only, so that a typo such as `API PORT=1` is reported rather than ignored.
bool is_valid_key(std::string_view key) {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (digit && i > 0))) return false;
  }
  return true;
}

// After a closing quote only a comment may follow; anything else means the quoting was wrong.
bool only_comment_follows(std::string_view rest) {
  rest = trim(rest);
  return rest.empty() || rest.front() == '#';
}

// Returns the decoded value, or an error text (without the line prefix).
core::Result<std::string> parse_value(std::string_view raw) {
  raw = trim(raw);
  if (raw.empty()) return std::string{};
  const char quote = raw.front();
  if (quote == '\'') {
    const auto end = raw.find('\'', 1);
    if (end == std::string_view::npos) return Error{ErrorCode::invalid_input, "unterminated '"};
    if (!only_comment_follows(raw.substr(end + 1))) {
      return Error{ErrorCode::invalid_input, "unexpected text after the closing quote"};
    }
    return std::string(raw.substr(1, end - 1));
  }
  if (quote == '"') {
    std::string out;
    for (std::size_t i = 1; i < raw.size(); ++i) {
      const char c = raw[i];
      if (c == '"') {
        if (!only_comment_follows(raw.substr(i + 1))) {
          return Error{ErrorCode::invalid_input, "unexpected text after the closing quote"};
        }
        return out;
      }
      if (c == '\\' && i + 1 < raw.size()) {
        const char next = raw[i + 1];
        const char* decoded = nullptr;
        switch (next) {
          case 'n':
            decoded = "\n";
            break;
          case 'r':
            decoded = "\r";
            break;
          case 't':
            decoded = "\t";
            break;
          case '\\':
            decoded = "\\";
            break;
          case '"':
            decoded = "\"";
            break;
          default:
            break;
        }
        if (decoded != nullptr) {
          out += decoded;
          ++i;
          continue;
        }
      }
      out += c;
    }
    return Error{ErrorCode::invalid_input, "unterminated \""};
  }
  // Unquoted: `#` starts a comment only after whitespace, so `URL=http://h/#frag` survives.
  for (std::size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == '#' && is_space(raw[i - 1])) return std::string(trim(raw.substr(0, i)));
  }
  return std::string(raw);
}

}  // namespace

core::Result<EnvVars> parse_env(std::string_view text, std::string_view origin) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";  // editors on Windows add one
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());

  EnvVars vars;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto eol = text.find('\n');
    std::string_view line = trim(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);

    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export") && line.size() > 6 && is_space(line[6])) {
      line = trim(line.substr(6));
    }
    const auto fail = [&](std::string_view what) {
      std::ostringstream message;
      message << origin << " line " << line_number << ": " << what;
      return Error{ErrorCode::invalid_input, message.str()};
    };
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail("expected KEY=VALUE");
    const std::string_view key = trim(line.substr(0, eq));
    if (!is_valid_key(key)) {
      // Appended piece by piece: GCC 12 at -O3 misreads `"'" + std::string(key) + ...` as an
      // overlapping copy (-Wrestrict, a known false positive).
      std::string what = "'";
      what.append(key).append("' is not a valid variable name");
      return fail(what);
    }
    auto value = parse_value(line.substr(eq + 1));
    if (!value) return fail(value.error().message);
    vars.insert_or_assign(std::string(key), std::move(*value));
  }
  return vars;
}

core::Result<EnvVars> read_env_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error{ErrorCode::not_found, "env file " + path.string() + " does not exist"};
  }
  if (std::filesystem::is_directory(path, ec)) {
    return Error{ErrorCode::io, "env file " + path.string() + " is a directory"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::io, "cannot read env file " + path.string()};
  std::ostringstream text;
  text << in.rdbuf();  // an empty file sets failbit on `text` only, which is fine
  if (in.bad()) return Error{ErrorCode::io, "cannot read env file " + path.string()};
  return parse_env(text.str(), path.string());
}

std::optional<std::filesystem::path> find_default_env_file(const std::filesystem::path& directory) {
  std::error_code ec;
  auto path = directory / ".env";
  if (std::filesystem::is_regular_file(path, ec)) return path;
  return std::nullopt;
}

}  // namespace earshot::service
