// Reading a CSV table into a Dataset (the rules are in dataset.hpp).
//
// One pass over the text keeps each column as floats (and, once a column shows text,
// category codes); a second builds the row-major feature matrix.  Unquoted fields are
// sliced in place and numbers read with std::from_chars, so a file of 10^6 x 50 numbers
// reads in about the time pandas' C parser takes (bench/csv_read).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <unordered_map>

#include "data/dataset.hpp"
#include "text/quote.hpp"

namespace greentune::data {
namespace {

using text::in_quotes;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

tl::unexpected<Error> invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, std::move(message));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<float> number_of(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  float v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The text of one source column while it is read.
struct ColumnReader {
  std::string name;
  bool text_only = false;  // declared categorical, or the classification target
  std::vector<float> values;                       // NaN where missing or text
  std::vector<int32_t> codes;                      // -1 where not text; empty until text
  std::unordered_map<std::string, int32_t> dict;   // text -> code, in order of appearance
  size_t numbers = 0;
  size_t texts = 0;
  size_t first_text_line = 0;
  std::string first_text;
  size_t first_number_line = 0;

  void add(std::string_view field, size_t row, size_t line) {
    field = trim(field);
    if (is_missing(field)) {
      values.push_back(kNaN);
      if (!codes.empty() || texts) codes.push_back(-1);
      return;
    }
    if (!text_only) {
      if (auto v = number_of(field)) {
        values.push_back(*v);
        if (!codes.empty() || texts) codes.push_back(-1);
        if (numbers++ == 0) first_number_line = line;
        return;
      }
    }
    if (texts++ == 0) {
      first_text_line = line;
      first_text = std::string(field);
      codes.assign(row, -1);
    }
    auto [it, inserted] = dict.try_emplace(std::string(field), static_cast<int32_t>(dict.size()));
    values.push_back(kNaN);
    codes.push_back(it->second);
  }

  bool categorical() const { return text_only || (texts > 0 && numbers == 0); }
};

// Sorted category names and the code -> sorted index map; numerically sorted when every
// name is a number.
std::pair<std::vector<std::string>, std::vector<int32_t>> sorted_categories(
    const std::unordered_map<std::string, int32_t>& dict) {
  std::vector<std::pair<std::string, int32_t>> entries(dict.begin(), dict.end());
  bool numeric = std::all_of(entries.begin(), entries.end(),
                             [](const auto& e) { return number_of(e.first).has_value(); });
  std::sort(entries.begin(), entries.end(), [numeric](const auto& a, const auto& b) {
    if (numeric) return std::stod(a.first) < std::stod(b.first);
    return a.first < b.first;
  });
  std::vector<std::string> names;
  std::vector<int32_t> index(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    names.push_back(entries[i].first);
    index[static_cast<size_t>(entries[i].second)] = static_cast<int32_t>(i);
  }
  return {std::move(names), std::move(index)};
}

// Splits the text into fields, record by record, calling on_field(column, field, line)
// and on_record_end(fields, line).  Quoted fields may hold commas, newlines and "".
class CsvScanner {
 public:
  explicit CsvScanner(std::string_view text) : text_(text) {}

  size_t line() const { return line_; }
  bool done() const { return pos_ >= text_.size(); }

  // The next record's fields, into `out` (views into the text or into held copies).
  // Blank lines are skipped.  Returns false at the end of the text.
  bool next(std::vector<std::string_view>& out) {
    out.clear();
    held_.clear();
    while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ >= text_.size()) return false;
    record_line_ = line_ + 1;
    for (;;) {
      if (text_[pos_] == '"') {
        out.push_back(quoted());
      } else {
        size_t end = pos_;
        while (end < text_.size() && text_[end] != ',' && text_[end] != '\n') ++end;
        std::string_view field = text_.substr(pos_, end - pos_);
        if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
        out.push_back(field);
        pos_ = end;
      }
      if (pos_ >= text_.size()) break;
      char c = text_[pos_++];
      if (c == '\n') {
        ++line_;
        break;
      }
      if (c != ',') {  // after a closing quote: skip to the separator
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n') ++pos_;
        if (pos_ < text_.size() && text_[pos_++] == '\n') {
          ++line_;
          break;
        }
      }
    }
    return true;
  }

  // The line the last record started on (1 = the first line of the file).
  size_t record_line() const { return record_line_; }

 private:
  std::string_view quoted() {
    auto held = std::make_unique<std::string>();
    ++pos_;  // the opening quote
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          held->push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n') ++line_;
      held->push_back(c);
    }
    held_.push_back(std::move(held));
    return *held_.back();
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 0;  // newlines consumed
  size_t record_line_ = 0;
  std::vector<std::unique_ptr<std::string>> held_;
};

struct Header {
  std::vector<std::string> names;
  size_t target = 0;
};

Result<Header> read_header(CsvScanner& scanner, const std::string& name,
                           const ReadOptions& options) {
  std::vector<std::string_view> fields;
  if (!scanner.next(fields)) return invalid(fmt::format("{}: the file is empty; expected a header line", name));
  Header h;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string column(trim(fields[i]));
    if (column.empty()) {
      return invalid(fmt::format("{}:1: column {} of the header has no name", name, i + 1));
    }
    if (!seen.emplace(column, i).second) {
      return invalid(fmt::format("{}:1: column {} appears twice in the header", name,
                                 in_quotes(column)));
    }
    h.names.push_back(std::move(column));
  }
  auto it = seen.find(options.target);
  if (it == seen.end()) {
    return invalid(fmt::format("{}:1: no column {} (the target); the header has: {}", name,
                               in_quotes(options.target), fmt::join(h.names, ", ")));
  }
  h.target = it->second;
  for (const std::string& c : options.categorical) {
    if (!seen.count(c)) {
      return invalid(fmt::format("{}:1: [data] categorical names {}, which the header lacks; "
                                 "it has: {}", name, in_quotes(c), fmt::join(h.names, ", ")));
    }
  }
  if (h.names.size() < 2) {
    return invalid(fmt::format("{}:1: only the target column; expected at least one feature", name));
  }
  return h;
}

Status check_target(const ColumnReader& t, const std::string& name, const ReadOptions& options,
                    size_t rows) {
  for (size_t r = 0; r < rows; ++r) {
    bool missing = std::isnan(t.values[r]) && (t.codes.empty() || t.codes[r] < 0);
    if (missing) {
      return invalid(fmt::format("{}: row {} has no value in the target column {}; "
                                 "drop the row or fill it in", name, r + 2, in_quotes(t.name)));
    }
  }
  if (options.task == Task::kRegression && t.texts > 0) {
    return invalid(fmt::format("{}:{}: column {} (the target of a regression) holds {}, "
                               "which is not a number", name, t.first_text_line,
                               in_quotes(t.name), in_quotes(t.first_text)));
  }
  if (options.task == Task::kClassification && t.dict.size() < 2) {
    return invalid(fmt::format("{}: the target column {} holds {} class; classification "
                               "needs at least 2", name, in_quotes(t.name), t.dict.size()));
  }
  return {};
}

Dataset assemble(std::vector<ColumnReader>& readers, size_t target, size_t rows,
                 const ReadOptions& options) {
  Dataset d;
  d.task = options.task;
  d.rows = rows;
  d.target = readers[target].name;
  std::vector<std::vector<int32_t>> remap(readers.size());
  for (size_t c = 0; c < readers.size(); ++c) {
    if (c == target) continue;
    ColumnReader& rd = readers[c];
    SourceColumn col{rd.name, rd.categorical(), {}, d.features.size()};
    if (col.categorical) {
      auto [names, index] = sorted_categories(rd.dict);
      col.categories = std::move(names);
      remap[c] = std::move(index);
      for (const auto& cat : col.categories) d.features.push_back(rd.name + "=" + cat);
    } else {
      d.features.push_back(rd.name);
    }
    d.columns.push_back(std::move(col));
  }
  d.cols = d.features.size();
  d.x.assign(d.rows * d.cols, 0.0f);
  size_t k = 0;
  for (size_t c = 0; c < readers.size(); ++c) {
    if (c == target) continue;
    const SourceColumn& col = d.columns[k++];
    const ColumnReader& rd = readers[c];
    float* out = d.x.data() + col.first_feature;
    if (!col.categorical) {
      for (size_t r = 0; r < rows; ++r) out[r * d.cols] = rd.values[r];
    } else {
      for (size_t r = 0; r < rows; ++r) {
        int32_t code = rd.codes.empty() ? -1 : rd.codes[r];
        if (code >= 0) out[r * d.cols + static_cast<size_t>(remap[c][static_cast<size_t>(code)])] = 1.0f;
      }
    }
  }
  const ColumnReader& t = readers[target];
  d.y.resize(rows);
  if (options.task == Task::kClassification) {
    auto [names, index] = sorted_categories(t.dict);
    d.classes = std::move(names);
    for (size_t r = 0; r < rows; ++r) {
      d.y[r] = static_cast<float>(index[static_cast<size_t>(t.codes[r])]);
    }
  } else {
    std::copy(t.values.begin(), t.values.begin() + static_cast<std::ptrdiff_t>(rows), d.y.begin());
  }
  return d;
}

}  // namespace

bool is_missing(std::string_view f) {
  static constexpr std::array<std::string_view, 8> kMissing = {"",    "NA",   "N/A",  "NaN",
                                                                "nan", "null", "NULL", "?"};
  if (f.size() > 4) return false;
  return std::find(kMissing.begin(), kMissing.end(), f) != kMissing.end();
}

Result<Dataset> parse_csv(std::string_view text, const std::string& name,
                          const ReadOptions& options) {
  CsvScanner scanner(text);
  auto header = read_header(scanner, name, options);
  if (!header) return tl::unexpected(header.error());
  std::vector<ColumnReader> readers(header->names.size());
  for (size_t c = 0; c < readers.size(); ++c) {
    readers[c].name = header->names[c];
    bool declared = std::find(options.categorical.begin(), options.categorical.end(),
                              header->names[c]) != options.categorical.end();
    bool labels = c == header->target && options.task == Task::kClassification;
    readers[c].text_only = declared || labels;
  }
  std::vector<std::string_view> fields;
  size_t rows = 0;
  while (scanner.next(fields)) {
    if (fields.size() != readers.size()) {
      return invalid(fmt::format("{}:{}: {} fields; the header has {} columns", name,
                                 scanner.record_line(), fields.size(), readers.size()));
    }
    for (size_t c = 0; c < fields.size(); ++c) readers[c].add(fields[c], rows, scanner.record_line());
    ++rows;
  }
  if (rows == 0) return invalid(fmt::format("{}: a header but no rows", name));
  for (size_t c = 0; c < readers.size(); ++c) {
    const ColumnReader& rd = readers[c];
    if (c != header->target && rd.numbers > 0 && rd.texts > 0 && !rd.text_only) {
      return invalid(fmt::format(
          "{}:{}: column {} holds {}, which is not a number, though the column is numeric "
          "(a number on line {}); accepted: numbers throughout, a missing mark (empty, NA, "
          "NaN, null, ?), or the column listed in [data] categorical",
          name, rd.first_text_line, in_quotes(rd.name), in_quotes(rd.first_text),
          rd.first_number_line));
    }
  }
  if (auto ok = check_target(readers[header->target], name, options, rows); !ok) {
    return tl::unexpected(ok.error());
  }
  return assemble(readers, header->target, rows, options);
}

Result<Dataset> read_csv(const std::string& path, const ReadOptions& options) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return invalid(fmt::format("cannot read the data file {}: no such file or not readable", path));
  std::string text;
  if (std::fseek(f.get(), 0, SEEK_END) == 0) {
    long size = std::ftell(f.get());
    if (size > 0) text.reserve(static_cast<size_t>(size));
    std::rewind(f.get());
  }
  std::array<char, 1 << 16> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f.get())) > 0) text.append(buffer.data(), n);
  if (std::ferror(f.get())) return invalid(fmt::format("cannot read the data file {}", path));
  return parse_csv(text, path, options);
}

}  // namespace greentune::data
