// From a trial to what its program is started with: argv, environment, paths.
#include <cctype>

#include <fmt/format.h>

#include "greentune/process_executor.hpp"

namespace greentune {
namespace {

Result<std::string> substitute_one(const std::string& arg, const Params& params) {
  std::string out;
  for (size_t i = 0; i < arg.size(); ++i) {
    char c = arg[i];
    if ((c == '{' || c == '}') && i + 1 < arg.size() && arg[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    size_t close = arg.find('}', i);
    if (close == std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("[trial] command: \"{}\" has a '{{' without '}}'; write "
                                    "{{name}} for a parameter or {{{{ for a brace",
                                    arg));
    }
    std::string name = arg.substr(i + 1, close - i - 1);
    auto it = params.find(name);
    if (it == params.end()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("[trial] command: \"{{{}}}\" in \"{}\" is not a parameter "
                                    "of the search space{}",
                                    name, arg,
                                    name == kDataFractionParam
                                        ? " (trials get it with [pruner] resource = "
                                          "\"data_fraction\")"
                                        : ""));
    }
    out += to_display(it->second);
    i = close;
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> substitute_params(const std::vector<std::string>& command,
                                                   const Params& params) {
  std::vector<std::string> argv;
  for (const auto& arg : command) {
    auto one = substitute_one(arg, params);
    if (!one) return tl::unexpected(one.error());
    argv.push_back(std::move(*one));
  }
  return argv;
}

std::string param_env_name(const std::string& name) {
  std::string out = "GREENTUNE_PARAM_";
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) ? static_cast<char>(std::toupper(u)) : '_';
  }
  return out;
}

}  // namespace greentune
