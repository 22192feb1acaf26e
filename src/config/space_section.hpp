// The [search.space] table of a study file.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "config/toml_fields.hpp"
#include "greentune/result.hpp"
#include "greentune/space.hpp"

namespace greentune {

// Reads [search.space]: each key names a parameter, kept in the order written, with
// { type = "float" | "int", low, high, log?, step? } or
// { type = "categorical", choices = [...] }.  `position` is where the table starts.
// Errors name the parameter's position and field path ("eta.low"); what SearchSpace::create
// refuses (low >= high, log with low <= 0, ...) is reported at the parameter.
Result<SearchSpace> parse_space_section(const toml::table& table, FilePosition position,
                                        const std::string& path);

}  // namespace greentune
