#include "text/quote.hpp"

#include <fmt/format.h>

namespace greentune::text {

void append_escaped(std::string& out, unsigned char byte, bool escape_high) {
  switch (byte) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  if (byte < 0x20 || byte == 0x7f || (escape_high && byte >= 0x80)) {
    out += fmt::format("\\x{:02x}", byte);
  } else {
    out += static_cast<char>(byte);
  }
}

std::string_view cut_utf8(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string in_quotes(std::string_view text, size_t max_bytes) {
  std::string out = "\"";
  std::string_view kept = cut_utf8(text, max_bytes);
  for (char c : kept) append_escaped(out, static_cast<unsigned char>(c), false);
  if (kept.size() < text.size()) out += "...";
  return out + "\"";
}

std::string printable(std::string_view bytes, size_t max) {
  std::string out;
  for (char c : bytes.substr(0, max)) append_escaped(out, static_cast<unsigned char>(c), true);
  if (bytes.size() > max) out += "...";
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += c;
    } else {
      append_escaped(out, static_cast<unsigned char>(c), false);
    }
  }
  return out;
}

std::string number(double v, int significant) { return fmt::format("{:.{}g}", v, significant); }

}  // namespace greentune::text
