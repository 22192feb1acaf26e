// The JSON form of a StudySpec, as stored in the study record's `spec` column.
#pragma once

#include <nlohmann/json.hpp>

#include "greentune/config.hpp"
#include "greentune/result.hpp"

namespace greentune {

// The inverse of StudySpec::to_json(): study_spec_from_json(s.to_json())->to_json() ==
// s.to_json().  kInvalidArgument names the field that is missing or of the wrong type.
// Values are not re-validated beyond what SearchSpace::from_json checks: the JSON came
// from a validated spec.  Parameters keep the order of "param_order" (a JSON object
// does not keep the order of its keys).
Result<StudySpec> study_spec_from_json(const nlohmann::json& j);

}  // namespace greentune
