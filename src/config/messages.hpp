// Pieces of the one-line messages that study-file errors are made of.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "text/quote.hpp"

namespace greentune {

// Text from the file as messages show it (in double quotes, escaped, cut to 64 bytes) and
// text from elsewhere made one line: text/quote.hpp.
using text::in_quotes;
using text::one_line;

// A key or field path as messages show it: as written when it is plain printable ASCII
// (`max_trials`, `eta.low`, `command[0]`), else in_quotes().
std::string key_text(std::string_view key);

// A double as messages show it: 10.0, 0.001, 1e+20, nan.
std::string describe_number(double v);

// The candidate with the smallest edit distance (a transposition counts one), if that is
// at most 3; ties go to the earlier candidate.
std::optional<std::string_view> closest_name(std::string_view name,
                                             std::span<const std::string_view> candidates);

// How to write the name of a candidate in a hint: `"max_trials"` or `[budget]`.
enum class NameStyle { kQuoted, kSection };

// `did you mean "max_trials"?` (or `[budget]`), or when nothing is close the list:
// `accepted: max_trials, max_wall` (or `[study], [budget]`).
std::string unknown_name_hint(std::string_view name, std::span<const std::string_view> candidates,
                              NameStyle style = NameStyle::kQuoted);

}  // namespace greentune
