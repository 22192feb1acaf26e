// User text inside greentune's messages: one line, bounded, valid UTF-8, whatever bytes a
// study file, a report line or a program's output held.  Every module that quotes user
// text in a message (config errors, report-line warnings) uses these.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace greentune::text {

inline constexpr size_t kMaxQuoted = 64;  // bytes of user text a message quotes

// Appends `byte` to `out`, escaped as messages write it: \" \\ \n \r \t, other control
// characters as \xNN, and with `escape_high` bytes >= 0x80 as \xNN too.
void append_escaped(std::string& out, unsigned char byte, bool escape_high);

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view cut_utf8(std::string_view text, size_t max);

// `text` (valid UTF-8) in double quotes, escaped, cut to max_bytes followed by "...".
std::string in_quotes(std::string_view text, size_t max_bytes = kMaxQuoted);

// Arbitrary bytes made printable ASCII (bytes >= 0x80 as \xNN), at most `max` bytes kept
// (then "...").
std::string printable(std::string_view bytes, size_t max);

// Text from elsewhere (a library's message) with control characters escaped, so that a
// message stays one line; quotes and backslashes are kept as they are.
std::string one_line(std::string_view text);

// A number as messages and verdicts show it: `significant` digits, %g style ("0.25",
// "1.5e+06", "nan").
std::string number(double v, int significant);

}  // namespace greentune::text
