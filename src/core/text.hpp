// Small text helpers shared by configuration, URLs and HTTP: ASCII-only, so that a user's
// locale never changes how a setting or a header is read.
//
//   ascii_lower("Audio/MPEG")   -> "audio/mpeg"
//   parse_bool("Yes")           -> true       parse_bool("maybe") -> std::nullopt
//   json_too_deep("[[1]]", 1)   -> 1          (the second '[' opens level 2)
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace earshot::core {

// ASCII lower case; other bytes (UTF-8 included) are kept as they are.
std::string ascii_lower(std::string_view text);

// The boolean words earshot accepts wherever a switch is read (environment variables and query
// flags alike), in any case: true, 1, yes, on and false, 0, no, off. Anything else is nullopt.
std::optional<bool> parse_bool(std::string_view text);

// The accepted words, for error messages: "true, false, 1, 0, yes, no, on, off".
std::string_view bool_words();

// The position of the first '[' or '{' (outside strings) that opens nesting level
// max_depth + 1 in JSON text, or nullopt. One pass, no allocation: untrusted JSON is checked
// before a parser whose work and memory grow with the depth sees it. Text that is not JSON is
// scanned all the same (the parser refuses it afterwards).
std::optional<std::size_t> json_too_deep(std::string_view text, int max_depth);

}  // namespace earshot::core
