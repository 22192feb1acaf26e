// Names in messages: how close a misspelt name is to the accepted ones, so that every
// "unknown ..." error (study-file keys, sections, rule kinds, regions) can say "did you
// mean ...?" the same way.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace greentune::text {

// Optimal string alignment distance: insert, delete, substitute and a transposition of
// neighbours cost one each.  Names are short; both are cut to 64 bytes first, so that a
// hostile file cannot make this quadratic in its size.
size_t edit_distance(std::string_view a, std::string_view b);

// The index of the candidate closest to `name` when its distance is at most
// `max_distance`; ties go to the earlier candidate.
std::optional<size_t> closest_index(std::string_view name,
                                    std::span<const std::string_view> candidates,
                                    size_t max_distance = 3);
std::optional<size_t> closest_index(std::string_view name,
                                    const std::vector<std::string>& candidates,
                                    size_t max_distance = 3);

}  // namespace greentune::text
