// libFuzzer entry point for the study-file parser (not part of the CMake build; see
// fuzz/README.md).  Any input must give either a spec that survives the JSON round trip
// or one kInvalidArgument line that starts with the path; anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/spec_json.hpp"
#include "greentune/config.hpp"

namespace {

constexpr const char* kPath = "fuzz.toml";

void check_error(const greentune::Error& error) {
  bool one_line = error.message.find('\n') == std::string::npos;
  bool names_file = error.message.starts_with(std::string(kPath) + ":");
  if (error.code != greentune::ErrorCode::kInvalidArgument || !one_line || !names_file) {
    std::abort();
  }
}

void check_spec(const greentune::StudySpec& spec) {
  if (spec.name.empty() || spec.search.space.empty()) std::abort();
  if (spec.trial.trainer.empty() == spec.trial.command.empty()) std::abort();
  nlohmann::json j = spec.to_json();
  auto back = greentune::study_spec_from_json(j);
  if (!back || back->to_json() != j) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = greentune::parse_study_file(text, kPath);
  if (spec) {
    check_spec(*spec);
  } else {
    check_error(spec.error());
  }
  return 0;
}
