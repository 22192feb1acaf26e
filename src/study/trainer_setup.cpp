#include "study/trainer_setup.hpp"

#include <filesystem>

namespace greentune {

TrainerSpec trainer_spec_of(const StudySpec& spec) {
  TrainerSpec t;
  t.name = spec.trial.trainer;
  t.metric = spec.metric;
  t.maximize = spec.direction == Direction::kMaximize;
  t.space = &spec.search.space;
  t.data = spec.data;
  t.options = spec.trainer_options;
  t.base_dir = std::filesystem::path(spec.path).parent_path().string();
  t.where = [&spec](const std::string& section, const std::string& key) {
    return spec.where(section, key);
  };
  return t;
}

}  // namespace greentune
