// `.env` files: KEY=VALUE lines read as one layer of service::Config (see config.hpp), so that
// the settings the old Python services kept in `.env` keep working unchanged.
//
// Syntax (a subset of python-dotenv's):
//   # a comment line            blank lines are ignored
//   API_PORT=8080               surrounding whitespace is trimmed
//   export LOG_LEVEL=debug      an optional `export ` prefix is ignored (shell compatibility)
//   API_TITLE='literal $text'   single quotes: taken literally, no escapes
//   API_TITLE="a \"b\"\nc"      double quotes: \n \r \t \\ \" are decoded, others kept as-is
//   LOG_DIR=/var/log # note     unquoted: whitespace then `#` starts a comment
// A later line for the same key replaces an earlier one. Quoted values spanning several lines
// are not supported (an unterminated quote is an error), nor is ${VAR} expansion.
//
// Precedence: a variable already set in the process environment wins over the same variable in
// `.env` (python-dotenv's default, override=False); load_config applies that rule, this file
// only parses.
//
//   auto vars = service::read_env_file(".env");
//   if (!vars) return vars.error();  // names the file and the line
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace earshot::service {

// Variables from one `.env` file, by name.
using EnvVars = std::map<std::string, std::string, std::less<>>;

// Parses the text of a `.env` file. A malformed line gives invalid_input with a message that
// starts with `origin` and names the line number, e.g. "config/.env line 3: expected KEY=VALUE".
core::Result<EnvVars> parse_env(std::string_view text, std::string_view origin = ".env");

// Reads and parses a `.env` file that the caller asked for: a missing file is an error
// (not_found), as is an unreadable one (io) or a malformed line (invalid_input).
core::Result<EnvVars> read_env_file(const std::filesystem::path& path);

// The implicit `.env`: `directory/.env` if it exists, otherwise nullopt. A default file that is
// absent is normal, an explicitly requested one that is absent is not; callers pass either this
// or the requested path to load_config, which then treats the file as required.
std::optional<std::filesystem::path> find_default_env_file(const std::filesystem::path& directory);

}  // namespace earshot::service
