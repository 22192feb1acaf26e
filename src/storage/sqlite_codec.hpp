// How values that SQLite has no exact type for are written to and read from columns.
#pragma once

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "greentune/result.hpp"
#include "greentune/space.hpp"
#include "storage/sqlite_db.hpp"

namespace greentune::storage_detail {

// A parameter value as a (kind, text) pair, so that the type survives exactly:
// kind "bool" (text "true"/"false"), "int" (decimal), "float" (shortest text that reads
// back as the same double, "inf"/"-inf"/"nan" included) or "string" (the string).
struct EncodedParam {
  std::string kind;
  std::string text;
};
EncodedParam encode_param(const ParamValue& value);
// kStorage if the pair is not one encode_param writes.
Result<ParamValue> decode_param(const std::string& name, std::string_view kind,
                                std::string_view text);

// trials.value: NULL when there is no value, the text 'NaN' for NaN, else REAL.
SqlValue encode_objective(std::optional<double> value);
std::optional<double> decode_objective(const Statement& stmt, int col);

// JSON columns, for nlohmann::json and nlohmann::ordered_json (whose key order, e.g.
// the order of a search space's parameters, survives).  Invalid UTF-8 in strings is
// replaced rather than refused.
template <class Json>
std::string encode_json(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}
// kStorage naming the column if the text is not JSON.
template <class Json = nlohmann::json>
Result<Json> decode_json(std::string_view column, const std::string& text) {
  auto j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return j;
  return make_error(ErrorCode::kStorage,
                    fmt::format("the stored {} is not valid JSON: {}", column, text));
}

}  // namespace greentune::storage_detail
