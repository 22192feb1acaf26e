#include "greentune/warm_start.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "space/distribution.hpp"

namespace greentune {
namespace {

enum class Fit { kFits, kOtherType, kOutside };

// 0 bool, 1 number, 2 string: what "another type" compares.
int kind_of(const ParamValue& v) {
  if (std::holds_alternative<bool>(v)) return 0;
  if (std::holds_alternative<std::string>(v)) return 2;
  return 1;
}

// How a parent's value fits a param of the new space; on kFits, `out` is the value in the
// form the new space's samplers expect (double for floats, int64_t for ints, the choice).
Fit fit_value(const SearchSpace& space, size_t index, const ParamValue& value, ParamValue& out) {
  const Distribution& dist = space.params()[index].dist;
  if (const auto* c = std::get_if<CategoricalDistribution>(&dist)) {
    for (const ParamValue& choice : c->choices) {
      if (same_value(choice, value)) {
        out = choice;
        return Fit::kFits;
      }
    }
    bool same_kind = std::any_of(c->choices.begin(), c->choices.end(), [&](const ParamValue& ch) {
      return kind_of(ch) == kind_of(value);
    });
    return same_kind ? Fit::kOutside : Fit::kOtherType;
  }
  std::optional<double> x = as_number(value);
  if (!x || std::isnan(*x)) return Fit::kOtherType;
  if (std::holds_alternative<IntDistribution>(dist)) {
    if (std::trunc(*x) != *x || std::abs(*x) >= 9.2e18) return Fit::kOtherType;
    out = static_cast<int64_t>(*x);
  } else {
    out = *x;
  }
  return space.contains(index, out) ? Fit::kFits : Fit::kOutside;
}

bool informative(const Trial& t) {
  if (t.state == TrialState::kComplete) return t.value && std::isfinite(*t.value);
  return t.state == TrialState::kPruned && t.value && std::isfinite(*t.value);
}

// Matches one parent trial to the space; false (and a count in `parent`) when dropped.
bool match_trial(const SearchSpace& space, Trial& t, WarmStartParent& parent) {
  Params matched;
  for (size_t d = 0; d < space.size(); ++d) {
    const std::string& name = space.params()[d].name;
    auto it = t.params.find(name);
    if (it == t.params.end()) {
      ++parent.missing_param;
      return false;
    }
    ParamValue value;
    Fit fit = fit_value(space, d, it->second, value);
    if (fit != Fit::kFits) {
      ++(fit == Fit::kOtherType ? parent.other_type : parent.outside_space);
      return false;
    }
    matched.emplace(name, std::move(value));
  }
  t.params = std::move(matched);
  return true;
}

Status check_parent(const StudyRecord& parent, const WarmStartTarget& target) {
  if (parent.metric != target.metric) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("parent study \"{}\" optimises metric \"{}\", this study "
                                  "\"{}\"; a warm-start parent must have the same metric and "
                                  "direction",
                                  parent.name, parent.metric, target.metric));
  }
  if (parent.direction != target.direction) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("parent study \"{}\" is to {} {}, this study to {} it; a "
                                  "warm-start parent must have the same metric and direction",
                                  parent.name, to_string(parent.direction), parent.metric,
                                  to_string(target.direction)));
  }
  return {};
}

Status load_parent(Storage& storage, const std::string& name, const WarmStartTarget& target,
                   WarmStart& out) {
  if (name == target.study) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("\"{}\" is this study itself; warm start from earlier "
                                  "studies",
                                  name));
  }
  auto found = storage.find_study(name);
  if (!found) return tl::unexpected(found.error());
  if (!found->has_value()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no study named \"{}\" in this storage to warm start from; "
                                  "`greentune studies` lists the studies there",
                                  name));
  }
  if (auto ok = check_parent(**found, target); !ok) return ok;
  auto trials = storage.trials((*found)->id);
  if (!trials) return tl::unexpected(trials.error());
  WarmStartParent parent;
  parent.study = name;
  for (Trial& t : *trials) {
    if (!informative(t)) continue;
    ++parent.finished;
    if (target.created && t.finished && *t.finished > *target.created) {
      ++parent.after_snapshot;
      continue;
    }
    for (const auto& [param, value] : t.params) {
      bool known = target.space->find(param) != nullptr;
      auto& ignored = parent.ignored_params;
      if (!known && std::find(ignored.begin(), ignored.end(), param) == ignored.end()) {
        ignored.push_back(param);
      }
    }
    if (!match_trial(*target.space, t, parent)) continue;
    ++parent.used;
    t.id = -1;
    t.number = -static_cast<int64_t>(out.trials.size()) - 1;
    t.worker.clear();
    out.trials.push_back(std::move(t));
  }
  std::sort(parent.ignored_params.begin(), parent.ignored_params.end());
  out.parents.push_back(std::move(parent));
  return {};
}

std::string dropped_text(const WarmStartParent& p) {
  std::vector<std::string> parts;
  if (p.missing_param) parts.push_back(fmt::format("{} missing a parameter", p.missing_param));
  if (p.other_type) parts.push_back(fmt::format("{} with a value of another type", p.other_type));
  if (p.outside_space) {
    parts.push_back(fmt::format("{} with a value outside this space", p.outside_space));
  }
  if (p.after_snapshot) {
    parts.push_back(fmt::format("{} finished after this study was created", p.after_snapshot));
  }
  int64_t dropped = p.finished - p.used;
  if (dropped == 0) return "";
  return fmt::format(" ({} left out: {})", dropped, fmt::join(parts, ", "));
}

}  // namespace

std::vector<std::string> WarmStart::lines() const {
  std::vector<std::string> out;
  for (const WarmStartParent& p : parents) {
    std::string line = fmt::format("warm start from \"{}\": {} of {} finished trials{}", p.study,
                                   p.used, p.finished, dropped_text(p));
    if (!p.ignored_params.empty()) {
      line += fmt::format("; its parameters {} are not in this space and are ignored",
                          fmt::join(p.ignored_params, ", "));
    }
    out.push_back(std::move(line));
  }
  return out;
}

Result<WarmStart> load_warm_start(Storage& storage, const std::vector<std::string>& parents,
                                  const WarmStartTarget& target) {
  WarmStart out;
  for (const std::string& name : parents) {
    if (auto ok = load_parent(storage, name, target, out); !ok) return tl::unexpected(ok.error());
  }
  return out;
}

std::vector<std::string> warm_start_parents(const StudyRecord& record) {
  auto search = record.spec.find("search");
  if (search == record.spec.end() || !search->is_object()) return {};
  auto parents = search->find("warm_start");
  if (parents == search->end() || !parents->is_array()) return {};
  std::vector<std::string> out;
  for (const auto& p : *parents) {
    if (p.is_string()) out.push_back(p.get<std::string>());
  }
  return out;
}

}  // namespace greentune
