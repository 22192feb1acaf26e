// Cost of one ask + tell as a study grows, in memory and on SQLite, for the samplers of
// the core.  `greentune ask` does this once per process, so it must stay small.
//   build/bench_ask_tell --benchmark_counters_tabular=true
#include <filesystem>

#include <benchmark/benchmark.h>

#include "greentune/clock.hpp"
#include "greentune/storage.hpp"
#include "greentune/study.hpp"

namespace greentune {
namespace {

StudyRecord six_dim_study(const std::string& sampler) {
  StudyRecord r;
  r.name = "bench";
  r.space = nlohmann::json::object();
  for (int i = 0; i < 6; ++i) {
    r.space["x" + std::to_string(i)] = {{"type", "float"}, {"low", 0.0}, {"high", 1.0}};
  }
  r.sampler = {{"name", sampler}, {"seed", 1}};
  return r;
}

void ask_tell(benchmark::State& state, const std::string& url_kind, const std::string& sampler) {
  std::string path = std::filesystem::temp_directory_path() / "greentune-bench-ask.db";
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  auto storage = open_storage(url_kind == "memory" ? "memory:" : "sqlite:///" + path);
  auto study = Study::create(**storage, six_dim_study(sampler), 0.0);
  Clock& clock = system_clock();
  auto step = [&] {
    auto t = study->ask(clock.now(), "bench");
    auto ok = study->tell(t->number, TrialState::kComplete, 1.0, clock.now());
    benchmark::DoNotOptimize(ok);
  };
  for (int64_t i = 0; i < state.range(0); ++i) step();  // the history
  for (auto _ : state) step();
  state.counters["finished_trials"] = static_cast<double>(state.range(0));
}

}  // namespace
}  // namespace greentune

using greentune::ask_tell;
BENCHMARK_CAPTURE(ask_tell, memory_random, std::string("memory"), std::string("random"))
    ->Arg(100)->Arg(1000)->Arg(5000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(ask_tell, sqlite_random, std::string("sqlite"), std::string("random"))
    ->Arg(100)->Arg(1000)->Arg(5000)->Unit(benchmark::kMicrosecond)->Iterations(200);
BENCHMARK_CAPTURE(ask_tell, sqlite_qmc, std::string("sqlite"), std::string("qmc"))
    ->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond)->Iterations(200);
BENCHMARK_MAIN();
