// The mlp trainer lives in its own module, libgreentune_mlp.so (src/trainers/torch/),
// loaded on first use: linking LibTorch into greentune would cost every command its ~300
// shared libraries at start (a third of a second), `greentune ask` in a training loop
// included.  It is looked for in $GREENTUNE_MLP_MODULE, beside the running binary, and in
// ../lib/greentune/ from it.
#include <dlfcn.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <mutex>

#include "trainers/options.hpp"
#include "trainers/registry.hpp"

namespace greentune::trainers {
namespace {

namespace fs = std::filesystem;

using Entry = void (*)(const TrainerSpec*, Result<std::unique_ptr<Trainer>>*);

constexpr const char* kModule = "libgreentune_mlp.so";

std::vector<fs::path> candidates() {
  std::vector<fs::path> out;
  if (const char* env = std::getenv("GREENTUNE_MLP_MODULE"); env && *env) out.emplace_back(env);
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back(self.parent_path() / kModule);
    out.push_back(self.parent_path() / ".." / "lib" / "greentune" / kModule);
  }
  return out;
}

// The entry point, loaded once (the module stays loaded: trainers it made live on).
Result<Entry> entry() {
  static std::mutex mu;
  static Entry loaded = nullptr;
  std::lock_guard lock(mu);
  if (loaded) return loaded;
  std::vector<std::string> tried;
  for (const fs::path& path : candidates()) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      tried.push_back(path.string() + " (absent)");
      continue;
    }
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried.push_back(fmt::format("{} ({})", path.string(), ::dlerror()));
      continue;
    }
    loaded = reinterpret_cast<Entry>(::dlsym(handle, "greentune_make_mlp_trainer"));
    if (loaded) return loaded;
    tried.push_back(path.string() + " (no entry point)");
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("the mlp trainer needs {} (LibTorch, built when Debian's "
                                "libtorch-dev is installed); tried: {}",
                                kModule, fmt::join(tried, "; ")));
}

}  // namespace

Result<std::unique_ptr<Trainer>> make_mlp_trainer(const TrainerSpec& spec) {
  auto make = entry();
  if (!make) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: {}", place(spec, "trial", "trainer"), make.error().message));
  }
  Result<std::unique_ptr<Trainer>> out = make_error(ErrorCode::kInternal, "the mlp module made nothing");
  (*make)(&spec, &out);
  return out;
}

}  // namespace greentune::trainers
