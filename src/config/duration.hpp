// Durations as study files and flags write them.
#pragma once

#include <string_view>

#include "greentune/result.hpp"

namespace greentune {

// What parse_duration accepts, for messages.
inline constexpr std::string_view kDurationForms =
    "\"90s\", \"30m\", \"2h\", \"1d\", combinations like \"1h30m\", or a number of seconds";

// Parses a duration into seconds: numbers with units s, m, h, d, largest unit first and
// each at most once ("90s", "1.5h", "1d12h", "1h30m15s"), or a plain non-negative number
// of seconds ("90", "2.5").  kInvalidArgument (the text and kDurationForms) otherwise.
Result<double> parse_duration(std::string_view text);

}  // namespace greentune
