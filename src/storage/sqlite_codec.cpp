#include "storage/sqlite_codec.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

namespace greentune::storage_detail {
namespace {

constexpr std::string_view kNanText = "NaN";

template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<ParamValue> decode_known(std::string_view kind, std::string_view text) {
  if (kind == "string") return ParamValue(std::string(text));
  if (kind == "bool" && (text == "true" || text == "false")) return ParamValue(text == "true");
  if (kind == "int") {
    if (auto v = parse_number<int64_t>(text)) return ParamValue(*v);
  }
  if (kind == "float") {
    if (auto v = parse_number<double>(text)) return ParamValue(*v);
  }
  return std::nullopt;
}

}  // namespace

EncodedParam encode_param(const ParamValue& value) {
  struct Visitor {
    EncodedParam operator()(bool b) const { return {"bool", b ? "true" : "false"}; }
    EncodedParam operator()(int64_t i) const { return {"int", fmt::format("{}", i)}; }
    // fmt writes the shortest text that reads back as the same double.
    EncodedParam operator()(double d) const { return {"float", fmt::format("{}", d)}; }
    EncodedParam operator()(const std::string& s) const { return {"string", s}; }
  };
  return std::visit(Visitor{}, value);
}

Result<ParamValue> decode_param(const std::string& name, std::string_view kind,
                                std::string_view text) {
  if (auto value = decode_known(kind, text)) return *value;
  return make_error(ErrorCode::kStorage,
                    fmt::format("parameter \"{}\" is stored as {} \"{}\", which is not a valid "
                                "parameter value",
                                name, kind, text));
}

SqlValue encode_objective(std::optional<double> value) {
  if (!value) return nullptr;
  if (std::isnan(*value)) return std::string(kNanText);
  return *value;
}

std::optional<double> decode_objective(const Statement& stmt, int col) {
  if (stmt.type(col) == SQLITE_TEXT) return std::numeric_limits<double>::quiet_NaN();
  return stmt.optional_real(col);
}

}  // namespace greentune::storage_detail
