// Behaviour every storage backend shares, run against each of them.
#include "greentune/storage.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <thread>

#include "storage/storage_test_helpers.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using storage_test::fixed;
using storage_test::make_study;
using storage_test::ok;

constexpr double kNow = 1.7e9;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string url =
        GetParam() == "memory" ? "memory:" : "sqlite:///" + dir_.file("study.db");
    auto opened = open_storage(url);
    ASSERT_TRUE(opened) << opened.error().message;
    storage_ = std::move(*opened);
    study_ = ok(storage_->create_study(make_study("s1")));
  }

  Trial create(TrialState state = TrialState::kRunning, Params params = {}, double now = kNow) {
    return ok(storage_->create_trial(study_.id, {state, now}, fixed(std::move(params))));
  }
  Trial reread(const Trial& t) {
    auto found = ok(storage_->trial(study_.id, t.number));
    EXPECT_TRUE(found.has_value());
    return found.value_or(Trial{});
  }

  greentune::testing::TempDir dir_;
  std::unique_ptr<Storage> storage_;
  StudyRecord study_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::Values("memory", "sqlite"),
                         [](const auto& info) { return info.param; });

// ---- studies

TEST_P(StorageTest, CreatedStudyIsFoundWithEveryField) {
  auto found = ok(storage_->find_study("s1"));
  ASSERT_TRUE(found.has_value());
  const StudyRecord expected = make_study("s1");
  EXPECT_EQ(found->id, study_.id);
  EXPECT_EQ(found->direction, Direction::kMaximize);
  EXPECT_EQ(found->metric, "val_auc");
  EXPECT_EQ(found->space.dump(), expected.space.dump());  // key order kept
  EXPECT_EQ(found->sampler, expected.sampler);
  EXPECT_EQ(found->spec, expected.spec);
  EXPECT_EQ(found->created, expected.created);
  EXPECT_FALSE(found->finished.has_value());
  EXPECT_EQ(found->stopped_because, "");
  EXPECT_EQ(found->elapsed_s, 0.0);
}

TEST_P(StorageTest, UnknownStudyIsNotFound) {
  EXPECT_FALSE(ok(storage_->find_study("nope")).has_value());
}

TEST_P(StorageTest, StudiesAreListedInCreationOrder) {
  auto s2 = ok(storage_->create_study(make_study("s2")));
  auto list = ok(storage_->list_studies());
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "s1");
  EXPECT_EQ(list[1].name, "s2");
  EXPECT_EQ(list[1].id, s2.id);
  EXPECT_NE(s2.id, study_.id);
}

TEST_P(StorageTest, DuplicateStudyNameConflicts) {
  auto again = storage_->create_study(make_study("s1"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "a study named \"s1\" already exists");
  EXPECT_EQ(ok(storage_->list_studies()).size(), 1u);
}

TEST_P(StorageTest, StudyWithoutNameIsRefused) {
  auto r = storage_->create_study(make_study(""));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StorageTest, StudyStoppedIsRecordedAndCleared) {
  ok(storage_->set_study_stopped(study_.id, "target", kNow + 5));
  auto s = ok(storage_->find_study("s1")).value();
  EXPECT_EQ(s.finished, kNow + 5);
  EXPECT_EQ(s.stopped_because, "target");
  ok(storage_->set_study_stopped(study_.id, "", kNow + 6));
  s = ok(storage_->find_study("s1")).value();
  EXPECT_FALSE(s.finished.has_value());
  EXPECT_EQ(s.stopped_because, "");
}

TEST_P(StorageTest, ElapsedTimeAccumulates) {
  ok(storage_->add_study_elapsed(study_.id, 1.5));
  ok(storage_->add_study_elapsed(study_.id, 2.25));
  EXPECT_EQ(ok(storage_->find_study("s1"))->elapsed_s, 3.75);
  EXPECT_EQ(storage_->add_study_elapsed(study_.id, kNan).error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StorageTest, ChangesToUnknownStudyAreNotFound) {
  EXPECT_EQ(storage_->set_study_stopped(999, "target", kNow).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(storage_->add_study_elapsed(999, 1).error().code, ErrorCode::kNotFound);
  auto t = storage_->create_trial(999, {TrialState::kRunning, kNow}, fixed({}));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(t.error().message, "no study with id 999");
}

// ---- creating trials

TEST_P(StorageTest, TrialNumbersAreDenseFromZeroInEachStudy) {
  auto other = ok(storage_->create_study(make_study("s2")));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(create().number, i);
  auto t = ok(storage_->create_trial(other.id, {TrialState::kRunning, kNow}, fixed({})));
  EXPECT_EQ(t.number, 0);
  EXPECT_EQ(create().number, 3);
  auto all = ok(storage_->trials(study_.id));
  ASSERT_EQ(all.size(), 4u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].number, static_cast<int64_t>(i));
}

TEST_P(StorageTest, NewTrialHasStateAndTimes) {
  Trial running = create(TrialState::kRunning, {}, kNow + 1);
  EXPECT_EQ(running.state, TrialState::kRunning);
  EXPECT_EQ(running.created, kNow + 1);
  EXPECT_EQ(running.started, kNow + 1);
  Trial waiting = create(TrialState::kWaiting, {}, kNow + 2);
  EXPECT_FALSE(waiting.started.has_value());
  Trial stored = reread(running);
  EXPECT_EQ(stored.id, running.id);
  EXPECT_EQ(stored.state, TrialState::kRunning);
  EXPECT_EQ(stored.created, kNow + 1);
  EXPECT_EQ(stored.started, kNow + 1);
  EXPECT_FALSE(stored.finished.has_value());
  EXPECT_FALSE(stored.value.has_value());
}

TEST_P(StorageTest, CreateTrialRefusesFinishedStates) {
  auto r = storage_->create_trial(study_.id, {TrialState::kComplete, kNow}, fixed({}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(StorageTest, MakeParamsSeesNumberAndEarlierTrials) {
  create(TrialState::kRunning, {{"x", int64_t{10}}});
  create(TrialState::kWaiting, {{"x", int64_t{11}}});
  int64_t seen_number = -1;
  std::vector<Trial> seen;
  auto made = storage_->create_trial(study_.id, {TrialState::kRunning, kNow},
      [&](int64_t number, const std::vector<Trial>& trials) -> Result<Params> {
        seen_number = number;
        seen = trials;
        return Params{{"x", int64_t{12}}};
      });
  ASSERT_TRUE(made);
  EXPECT_EQ(seen_number, 2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].params.at("x"), ParamValue(int64_t{10}));
  EXPECT_EQ(seen[1].state, TrialState::kWaiting);
  EXPECT_EQ(made->params.at("x"), ParamValue(int64_t{12}));
}

TEST_P(StorageTest, ParamsOfEveryTypeRoundTripExactly) {
  const Params params = {
      {"yes", true},
      {"no", false},
      {"int3", int64_t{3}},
      {"float3", 3.0},
      {"tenth", 0.1},
      {"third", 1.0 / 3.0},
      {"tiny", std::numeric_limits<double>::denorm_min()},
      {"huge", std::numeric_limits<double>::max()},
      {"neg_inf", -kInf},
      {"int_min", std::numeric_limits<int64_t>::min()},
      {"int_max", std::numeric_limits<int64_t>::max()},
      {"quoted", std::string("say \"hi\", it's 'ok' \\ ; DROP TABLE trials; --")},
      {"unicode", std::string("gbtree \xC3\xBC \xE2\x9C\x93 \xF0\x9F\x8C\xB1")},
      {"empty", std::string()},
      {"looks_like_int", std::string("3")},
      {"looks_like_bool", std::string("true")},
  };
  Trial made = create(TrialState::kRunning, params);
  EXPECT_EQ(made.params, params);
  EXPECT_EQ(reread(made).params, params);
  EXPECT_EQ(ok(storage_->trials(study_.id)).at(0).params, params);
  EXPECT_TRUE(std::holds_alternative<double>(reread(made).params.at("float3")));
}

TEST_P(StorageTest, NanParamRoundTrips) {
  Trial made = create(TrialState::kRunning, {{"x", kNan}});
  const ParamValue stored = reread(made).params.at("x");
  ASSERT_TRUE(std::holds_alternative<double>(stored));
  EXPECT_TRUE(std::isnan(std::get<double>(stored)));
}

TEST_P(StorageTest, MakeParamsErrorWritesNothingAndIsReturnedUnchanged) {
  auto r = storage_->create_trial(study_.id, {TrialState::kRunning, kNow},
                                  [](int64_t, const std::vector<Trial>&) -> Result<Params> {
                                    return make_error(ErrorCode::kExhausted, "grid covered");
                                  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kExhausted);
  EXPECT_EQ(r.error().message, "grid covered");
  EXPECT_TRUE(ok(storage_->trials(study_.id)).empty());
  EXPECT_EQ(create().number, 0);
}

TEST_P(StorageTest, MakeParamsExceptionWritesNothingAndReleasesTheStorage) {
  EXPECT_THROW(storage_->create_trial(study_.id, {TrialState::kRunning, kNow},
                                      [](int64_t, const std::vector<Trial>&) -> Result<Params> {
                                        throw std::runtime_error("sampler bug");
                                      }),
               std::runtime_error);
  EXPECT_TRUE(ok(storage_->trials(study_.id)).empty());
  EXPECT_EQ(create().number, 0);
}

// ---- waiting trials

TEST_P(StorageTest, EnqueuedTrialsAreClaimedInNumberOrder) {
  create(TrialState::kWaiting, {{"i", int64_t{0}}});
  create(TrialState::kWaiting, {{"i", int64_t{1}}});
  create(TrialState::kRunning);
  create(TrialState::kWaiting, {{"i", int64_t{3}}});
  for (int64_t expected : {0, 1, 3}) {
    auto claimed = ok(storage_->claim_waiting_trial(study_.id, kNow + 10, "w1"));
    ASSERT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->number, expected);
    EXPECT_EQ(claimed->state, TrialState::kRunning);
    EXPECT_EQ(claimed->started, kNow + 10);
    EXPECT_EQ(claimed->params.at("i"), ParamValue(expected));
    EXPECT_EQ(reread(*claimed).state, TrialState::kRunning);
  }
  EXPECT_FALSE(ok(storage_->claim_waiting_trial(study_.id, kNow, "w1")).has_value());
}

TEST_P(StorageTest, RequeuedTrialKeepsParamsAndIsClaimedAgain) {
  Trial t = create(TrialState::kRunning, {{"eta", 0.05}});
  ok(storage_->add_intermediate(t.id, "loss", 1, 0.5, kNow));
  ok(storage_->requeue_trial(t.id));
  Trial waiting = reread(t);
  EXPECT_EQ(waiting.state, TrialState::kWaiting);
  EXPECT_FALSE(waiting.started.has_value());
  auto claimed = ok(storage_->claim_waiting_trial(study_.id, kNow + 3, "w1")).value();
  EXPECT_EQ(claimed.id, t.id);
  EXPECT_EQ(claimed.params, t.params);
  EXPECT_EQ(claimed.last("loss")->value, 0.5);
}

TEST_P(StorageTest, RequeueOfTrialNotRunningConflicts) {
  Trial t = create(TrialState::kWaiting);
  auto r = storage_->requeue_trial(t.id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(storage_->requeue_trial(12345).error().code, ErrorCode::kNotFound);
}

// ---- finishing trials

TEST_P(StorageTest, FinishedTrialHasStateValueAndTime) {
  Trial t = create();
  ok(storage_->finish_trial(t.id, TrialState::kComplete, 0.93, kNow + 7));
  Trial done = reread(t);
  EXPECT_EQ(done.state, TrialState::kComplete);
  EXPECT_EQ(done.value, 0.93);
  EXPECT_EQ(done.finished, kNow + 7);
}

TEST_P(StorageTest, FinishKeepsNoValueAndNanValue) {
  Trial failed = create();
  Trial nan = create();
  ok(storage_->finish_trial(failed.id, TrialState::kFailed, std::nullopt, kNow));
  ok(storage_->finish_trial(nan.id, TrialState::kPruned, kNan, kNow));
  EXPECT_FALSE(reread(failed).value.has_value());
  ASSERT_TRUE(reread(nan).value.has_value());
  EXPECT_TRUE(std::isnan(*reread(nan).value));
}

TEST_P(StorageTest, FinishingAFinishedTrialConflictsAndLeavesItUnchanged) {
  Trial t = create();
  ok(storage_->finish_trial(t.id, TrialState::kComplete, 0.5, kNow + 1));
  auto again = storage_->finish_trial(t.id, TrialState::kFailed, 0.1, kNow + 2);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message,
            fmt::format("cannot finish trial 0 (id {}) as failed: it is complete, not running; "
                        "the stored trial is unchanged",
                        t.id));
  Trial stored = reread(t);
  EXPECT_EQ(stored.state, TrialState::kComplete);
  EXPECT_EQ(stored.value, 0.5);
  EXPECT_EQ(stored.finished, kNow + 1);
}

TEST_P(StorageTest, FinishingAWaitingTrialConflicts) {
  Trial t = create(TrialState::kWaiting);
  auto r = storage_->finish_trial(t.id, TrialState::kComplete, 1.0, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_NE(r.error().message.find("it is waiting"), std::string::npos);
  EXPECT_EQ(reread(t).state, TrialState::kWaiting);
}

TEST_P(StorageTest, FinishingUnknownTrialIsNotFound) {
  auto r = storage_->finish_trial(4242, TrialState::kComplete, 1.0, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "no trial with id 4242");
}

TEST_P(StorageTest, FinishingAsRunningIsInvalid) {
  Trial t = create();
  EXPECT_EQ(storage_->finish_trial(t.id, TrialState::kRunning, 1.0, kNow).error().code,
            ErrorCode::kInvalidArgument);
}

// ---- reports while running

TEST_P(StorageTest, HeartbeatIsStored) {
  Trial t = create();
  ok(storage_->heartbeat(t.id, kNow + 30));
  EXPECT_EQ(reread(t).heartbeat, kNow + 30);
  EXPECT_EQ(storage_->heartbeat(999, kNow).error().code, ErrorCode::kNotFound);
}

TEST_P(StorageTest, IntermediateValuesKeepNanAndInfAndAreOrderedByStep) {
  Trial t = create();
  ok(storage_->add_intermediate(t.id, "loss", 2, kNan, kNow));
  ok(storage_->add_intermediate(t.id, "loss", 1, kInf, kNow));
  ok(storage_->add_intermediate(t.id, "loss", 3, -kInf, kNow));
  ok(storage_->add_intermediate(t.id, "auc", 1, 0.75, kNow));
  for (const Trial& stored : {reread(t), ok(storage_->trials(study_.id)).at(0)}) {
    const auto& loss = stored.intermediate.at("loss");
    ASSERT_EQ(loss.size(), 3u);
    EXPECT_EQ(loss[0].step, 1);
    EXPECT_EQ(loss[0].value, kInf);
    EXPECT_TRUE(std::isnan(loss[1].value));
    EXPECT_EQ(loss[2].value, -kInf);
    EXPECT_EQ(stored.last("auc")->value, 0.75);
  }
}

TEST_P(StorageTest, ReReportOfAStepReplacesIt) {
  Trial t = create();
  ok(storage_->add_intermediate(t.id, "loss", 5, 0.4, kNow));
  ok(storage_->add_intermediate(t.id, "loss", 5, 0.3, kNow + 1));
  const Trial stored = reread(t);
  const auto& loss = stored.intermediate.at("loss");
  ASSERT_EQ(loss.size(), 1u);
  EXPECT_EQ(loss[0].value, 0.3);
}

// ---- events, samples, energy, artifacts

TEST_P(StorageTest, EventsRoundTripInOrder) {
  Trial t = create();
  Event study_event{-1,           study_.id, std::nullopt,     kNow,
                    "completion", "info",    "target reached", {{"best", 0.99}}};
  Event trial_event{-1, study_.id, t.id, kNow + 1, "report_warning", "warning", "no metric", {}};
  ok(storage_->add_event(study_event));
  ok(storage_->add_event(trial_event));
  auto events = ok(storage_->events(study_.id));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_GT(events[0].id, 0);
  EXPECT_LT(events[0].id, events[1].id);
  EXPECT_FALSE(events[0].trial_id.has_value());
  EXPECT_EQ(events[0].data, study_event.data);
  EXPECT_EQ(events[0].message, "target reached");
  EXPECT_EQ(events[1].trial_id, t.id);
  EXPECT_EQ(events[1].level, "warning");
  EXPECT_EQ(events[1].kind, "report_warning");
  EXPECT_EQ(events[1].time, kNow + 1);
}

TEST_P(StorageTest, SystemSamplesRoundTrip) {
  Trial t = create();
  SystemSample s{kNow, 1.5, 0.25, 3.5, 1 << 30, 12, 4096, 8192, 0.8, int64_t{1} << 33};
  ok(storage_->add_system_sample(t.id, s));
  s.time += 1;
  ok(storage_->add_system_sample(t.id, s));
  auto samples = ok(storage_->system_samples(t.id));
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].time, kNow);
  EXPECT_EQ(samples[1].time, kNow + 1);
  EXPECT_EQ(samples[1].cpu_user_s, 1.5);
  EXPECT_EQ(samples[1].cpu_system_s, 0.25);
  EXPECT_EQ(samples[1].cpu_utilization, 3.5);
  EXPECT_EQ(samples[1].rss_bytes, 1 << 30);
  EXPECT_EQ(samples[1].threads, 12);
  EXPECT_EQ(samples[1].io_read_bytes, 4096);
  EXPECT_EQ(samples[1].io_write_bytes, 8192);
  EXPECT_EQ(samples[1].gpu_utilization, 0.8);
  EXPECT_EQ(samples[1].gpu_memory_bytes, int64_t{1} << 33);
}

TEST_P(StorageTest, EnergyIsSetPerComponentAndReplaced) {
  Trial t = create();
  ok(storage_->set_trial_energy(t.id, {"cpu", 10.0, "model"}));
  ok(storage_->set_trial_energy(t.id, {"dram", 2.0, "rapl"}));
  ok(storage_->set_trial_energy(t.id, {"cpu", 12.5, "rapl"}));
  auto energy = ok(storage_->trial_energy(t.id));
  ASSERT_EQ(energy.size(), 2u);
  EXPECT_EQ(energy[0].component, "cpu");
  EXPECT_EQ(energy[0].joules, 12.5);
  EXPECT_EQ(energy[0].source, "rapl");
  EXPECT_EQ(energy[1].component, "dram");
}

TEST_P(StorageTest, ArtifactsGetIdsAndRoundTrip) {
  Trial t = create();
  auto a = ok(storage_->add_artifact({-1, t.id, "model", "runs/0/model.json", 1234, kNow}));
  auto b = ok(storage_->add_artifact({-1, t.id, "log", "runs/0/stdout.log", 0, kNow + 1}));
  EXPECT_NE(a, b);
  auto list = ok(storage_->artifacts(t.id));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, a);
  EXPECT_EQ(list[0].trial_id, t.id);
  EXPECT_EQ(list[0].name, "model");
  EXPECT_EQ(list[0].path, "runs/0/model.json");
  EXPECT_EQ(list[0].bytes, 1234);
  EXPECT_EQ(list[1].created, kNow + 1);
}

TEST_P(StorageTest, RecordsOfUnknownTrialsAreNotFound) {
  EXPECT_EQ(storage_->add_intermediate(77, "loss", 1, 0.1, kNow).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(storage_->add_system_sample(77, {}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(storage_->set_trial_energy(77, {"cpu", 1, "model"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(storage_->add_artifact({-1, 77, "a", "p", 0, kNow}).error().code, ErrorCode::kNotFound);
  Event e{-1, study_.id, int64_t{77}, kNow, "k", "info", "m", {}};
  EXPECT_EQ(storage_->add_event(e).error().code, ErrorCode::kNotFound);
  e.study_id = 999;
  e.trial_id.reset();
  EXPECT_EQ(storage_->add_event(e).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(ok(storage_->system_samples(77)).empty());
  EXPECT_TRUE(ok(storage_->trials(999)).empty());
  EXPECT_FALSE(ok(storage_->trial(study_.id, 77)).has_value());
}

// ---- concurrency

TEST_P(StorageTest, ThreadsSharingOneStorageGetDenseNumbers) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kPerThread; ++j) create();
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> numbers;
  for (const Trial& t : ok(storage_->trials(study_.id))) numbers.insert(t.number);
  ASSERT_EQ(numbers.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*numbers.rbegin(), kThreads * kPerThread - 1);
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

// ---- who runs a trial, and creating without reading the history

TEST_P(StorageTest, WorkerIsRecordedOnStartAndClearedOnRequeue) {
  Trial t = ok(storage_->create_trial(study_.id, {TrialState::kRunning, kNow, "host/1/2"},
                                      fixed({})));
  EXPECT_EQ(reread(t).worker, "host/1/2");
  ok(storage_->requeue_trial(t.id));
  EXPECT_EQ(reread(t).worker, "");
  auto claimed = ok(storage_->claim_waiting_trial(study_.id, kNow, "host/3/4"));
  ASSERT_TRUE(claimed.has_value());
  EXPECT_EQ(claimed->worker, "host/3/4");
  EXPECT_EQ(reread(t).worker, "host/3/4");
  Trial waiting = ok(storage_->create_trial(study_.id, {TrialState::kWaiting, kNow, "host/5/6"},
                                            fixed({})));
  EXPECT_EQ(reread(waiting).worker, "");  // nobody runs a waiting trial
}

TEST_P(StorageTest, CreateWithoutHistoryStillNumbersDensely) {
  create();
  create();
  size_t seen = 99;
  int64_t given = -1;
  Trial t = ok(storage_->create_trial(
      study_.id, {TrialState::kRunning, kNow, "", /*with_history=*/false},
      [&](int64_t number, const std::vector<Trial>& trials) -> Result<Params> {
        seen = trials.size();
        given = number;
        return Params{};
      }));
  EXPECT_EQ(seen, 0u);
  EXPECT_EQ(given, 2);
  EXPECT_EQ(t.number, 2);
}

}  // namespace
}  // namespace greentune
