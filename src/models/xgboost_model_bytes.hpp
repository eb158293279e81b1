// The checks an XGBoost model file passes before XGBoost 1.7 reads it. Its readers trust what
// they read: a length in the legacy binary format is allocated as given, UBJSON lengths are not
// checked against the end of the input, and the JSON and UBJSON parsers recurse without a limit.
// A registry may name a file from anywhere, so every byte is checked here first: the format is
// told as XGBoost tells it, JSON and UBJSON are bounded in depth (64) and in values, and the
// binary format must name a known booster.
#pragma once

#include <cstdint>
#include <span>

#include "core/result.hpp"

namespace earshot::models {

// The bytes without leading whitespace (which XGBoost would read as its binary format), or
// invalid_input saying what is wrong with them.
core::Result<std::span<const std::uint8_t>> checked_xgboost_model_bytes(
    std::span<const std::uint8_t> bytes);

}  // namespace earshot::models
