// Small text helpers for the carbon tables and intensity files: CSV lines (RFC 4180
// quoting, one record per line), numbers, and the words of error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace greentune::carbon_csv {

// The lines of `text` without their "\n" / "\r\n"; a final line without "\n" counts.
std::vector<std::string_view> split_lines(std::string_view text);

// The fields of one CSV line: split at commas outside double quotes, quotes removed
// ("" inside quotes is one "), spaces around unquoted fields trimmed.  nullopt when a
// quote is not closed or a quote_text field has text after its closing quote.
std::optional<std::vector<std::string>> split_fields(std::string_view line);

// True for lines a reader skips: blank, or starting with '#' after leading spaces.
bool is_blank_or_comment(std::string_view line);

// The whole of `text` as a finite double / an int; nullopt otherwise.
std::optional<double> parse_number(std::string_view text);
std::optional<int> parse_int(std::string_view text);

std::string to_lower(std::string_view text);

// Text from a file as a message shows it: in double quotes, quotes, backslashes and
// control characters escaped, cut to 64 bytes.
std::string quote_text(std::string_view text);

}  // namespace greentune::carbon_csv
