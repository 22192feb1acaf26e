// The [search.space] table of a study file.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <vector>

#include "config/toml_fields.hpp"
#include "greentune/result.hpp"
#include "greentune/space.hpp"

namespace greentune {

// Reads [search.space]: each key names a parameter, kept in the order written, with
// { type = "float" | "int", low, high, log?, scale?, step? } or
// { type = "categorical", choices = [...] }.  `position` is where the table starts.
// Errors name the parameter's position and field path ("eta.low"); what SearchSpace::create
// refuses (low >= high, log with low <= 0, ...) is reported at the parameter.
//
// Scale of a float or int: scale = "log" is log = true, "linear" is log = false, and
// "auto" picks log when the range spans three decades or more (low > 0, high / low >=
// 1000, no step) and linear otherwise; log and scale that disagree are an error.  A float
// that spans three decades or more with neither log nor scale given adds a one-line hint
// ("PATH:LINE:COL: [search.space] lr: hint: ...") to `hints`, when given.  (Ints get no
// hint: wide int ranges are as often counts or ids as scales.)
Result<SearchSpace> parse_space_section(const toml::table& table, FilePosition position,
                                        const std::string& path,
                                        std::vector<std::string>* hints = nullptr);

// Whether a float range spans three decades or more: low > 0 and high / low >= 1000.
bool spans_three_decades(double low, double high);

}  // namespace greentune
