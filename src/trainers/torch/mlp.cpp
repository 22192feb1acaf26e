// mlp: a fully connected network through LibTorch, trained with minibatches.
//
// One step is one epoch (every fold in lockstep): the validation metric, val_loss,
// train_loss (the epoch's mean minibatch loss) and grad_norm (the epoch's mean L2 norm
// of the gradients, so that the debugger rules see real gradients) are reported after
// each.  Features are standardised with the training rows' statistics (a missing value
// becomes the mean); a regression target too, and predictions are scaled back.
//
// The networks and their optimisers are saved to the checkpoint directory every
// checkpoint_every epochs and when the run is stopped; a resumed run loads them and
// goes on from the epoch it reached.  Each epoch's shuffle and dropout are seeded by
// (seed, fold, epoch), so a resumed run trains as an uninterrupted one would.
//
// Built as its own module (libgreentune_mlp.so, loaded by trainers/mlp_module.cpp when a
// study names the mlp trainer), so that LibTorch's few hundred libraries load only then,
// not at every start of greentune.
//
// init_from = "path" loads the parameters of a saved model (another trial's model.pt)
// wherever their shapes match, so a network pre-trained on related data starts the
// training (transfer learning); freeze_layers = N keeps its first N linear layers fixed.
#include <fmt/format.h>

#include <filesystem>

#include "text/quote.hpp"
#include "trainers/registry.hpp"
#include "trainers/tabular.hpp"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <torch/torch.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace greentune::trainers {
namespace {

namespace fs = std::filesystem;
using text::in_quotes;

constexpr OptionSpec kOptions[] = {
    {"layers", OptionKind::kInt, "2"},          // hidden layers
    {"width", OptionKind::kInt, "64"},          // units per hidden layer
    {"activation", OptionKind::kString, "relu"},  // relu | tanh | gelu
    {"dropout", OptionKind::kFloat, "0.0"},
    {"optimizer", OptionKind::kString, "adam"},  // adam | adamw | sgd
    {"lr", OptionKind::kFloat, "0.001"},
    {"momentum", OptionKind::kFloat, "0.9"},     // sgd
    {"weight_decay", OptionKind::kFloat, "0.0"},
    {"batch_size", OptionKind::kInt, "64"},
    {"epochs", OptionKind::kInt, "30"},
    {"seed", OptionKind::kInt, "0"},
    {"init_from", OptionKind::kString, ""},
    {"freeze_layers", OptionKind::kInt, "0"},
    {"checkpoint_every", OptionKind::kInt, "1"},
    {"threads", OptionKind::kInt, "0"},          // 0: LibTorch's default
};

constexpr OptionAlias kAliases[] = {
    {"learning_rate", "lr", "scikit-learn's MLP (learning_rate_init)"},
    {"hidden_layer_sizes", "layers", "scikit-learn (layers and width here)"},
    {"max_iter", "epochs", "scikit-learn's MLP"},
};

struct MlpSetup {
  int64_t layers = 2, width = 64, batch = 64, epochs = 30, seed = 0, freeze = 0, every = 1;
  std::string activation = "relu", optimizer = "adam";
  double dropout = 0, lr = 1e-3, momentum = 0.9, weight_decay = 0;
};

MlpSetup setup_of(const Options& o) {
  MlpSetup s;
  s.layers = o.integer("layers", 2);
  s.width = o.integer("width", 64);
  s.batch = std::max<int64_t>(1, o.integer("batch_size", 64));
  s.epochs = o.integer("epochs", 30);
  s.seed = o.integer("seed", 0);
  s.freeze = o.integer("freeze_layers", 0);
  s.every = std::max<int64_t>(1, o.integer("checkpoint_every", 1));
  s.activation = o.text("activation", "relu");
  s.optimizer = o.text("optimizer", "adam");
  s.dropout = o.number("dropout", 0);
  s.lr = o.number("lr", 1e-3);
  s.momentum = o.number("momentum", 0.9);
  s.weight_decay = o.number("weight_decay", 0);
  return s;
}

torch::nn::Sequential make_network(const MlpSetup& s, int64_t in, int64_t out) {
  torch::nn::Sequential net;
  int64_t width = in;
  for (int64_t i = 0; i < s.layers; ++i) {
    net->push_back(torch::nn::Linear(width, s.width));
    if (s.activation == "tanh") {
      net->push_back(torch::nn::Tanh());
    } else if (s.activation == "gelu") {
      net->push_back(torch::nn::GELU());
    } else {
      net->push_back(torch::nn::ReLU());
    }
    if (s.dropout > 0) net->push_back(torch::nn::Dropout(s.dropout));
    width = s.width;
  }
  net->push_back(torch::nn::Linear(width, out));
  return net;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const MlpSetup& s, torch::nn::Sequential& net) {
  std::vector<torch::Tensor> params;
  for (auto& p : net->parameters()) {
    if (p.requires_grad()) params.push_back(p);
  }
  if (s.optimizer == "sgd") {
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(s.lr).momentum(s.momentum).weight_decay(s.weight_decay));
  }
  if (s.optimizer == "adamw") {
    return std::make_unique<torch::optim::AdamW>(
        params, torch::optim::AdamWOptions(s.lr).weight_decay(s.weight_decay));
  }
  return std::make_unique<torch::optim::Adam>(
      params, torch::optim::AdamOptions(s.lr).weight_decay(s.weight_decay));
}

// Copies the saved parameters into `net` where a name and shape match; how many were
// copied.
Result<int> load_matching(torch::nn::Sequential& net, const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("cannot load {}: {}", path, e.what()));
  }
  int copied = 0;
  torch::NoGradGuard no_grad;
  for (auto& item : net->named_parameters()) {
    torch::Tensor saved;
    if (!archive.try_read("param." + item.key(), saved)) continue;
    if (saved.sizes() != item.value().sizes()) continue;
    item.value().copy_(saved);
    ++copied;
  }
  return copied;
}

Status save_params(torch::nn::Sequential& net, const std::string& path) {
  torch::serialize::OutputArchive archive;
  for (auto& item : net->named_parameters()) archive.write("param." + item.key(), item.value());
  try {
    archive.save_to(path);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kIo, fmt::format("cannot write {}: {}", path, e.what()));
  }
  return {};
}

void freeze_first(torch::nn::Sequential& net, int64_t n) {
  int64_t linear = 0;
  for (auto& child : net->children()) {
    if (!child->as<torch::nn::Linear>()) continue;
    if (linear++ >= n) break;
    for (auto& p : child->parameters()) p.set_requires_grad(false);
  }
}

// One fold's data as tensors, standardised with its training rows.
struct FoldTensors {
  torch::Tensor x_train, y_train, x_valid;
  std::vector<int32_t> train_rows;
  double y_mean = 0, y_scale = 1;  // regression target
};

torch::Tensor rows_tensor(const data::Dataset& d, const std::vector<int32_t>& rows, const Scaling& s) {
  auto t = torch::empty({static_cast<int64_t>(rows.size()), static_cast<int64_t>(d.cols)});
  float* out = t.data_ptr<float>();
  for (size_t i = 0; i < rows.size(); ++i) {
    const float* x = d.row(static_cast<size_t>(rows[i]));
    for (size_t j = 0; j < d.cols; ++j) out[i * d.cols + j] = static_cast<float>(scaled(s, j, x[j]));
  }
  return t;
}

FoldTensors tensors_for(const Table& t, size_t f, const std::vector<int32_t>& rows) {
  const data::Dataset& d = t.data;
  Scaling s = scaling_of(d, rows);
  FoldTensors ft;
  ft.train_rows = rows;
  ft.x_train = rows_tensor(d, rows, s);
  ft.x_valid = rows_tensor(d, t.folds[f].valid, s);
  std::vector<float> y = labels_of(d, rows);
  if (d.task == data::Task::kClassification) {
    std::vector<int64_t> labels(y.begin(), y.end());
    ft.y_train = torch::tensor(labels, torch::kLong);
  } else {
    double mean = 0, var = 0;
    for (float v : y) mean += v / static_cast<double>(y.size());
    for (float v : y) var += (v - mean) * (v - mean) / static_cast<double>(y.size());
    ft.y_mean = mean;
    ft.y_scale = var > 1e-12 ? std::sqrt(var) : 1.0;
    for (float& v : y) v = static_cast<float>((v - mean) / ft.y_scale);
    ft.y_train = torch::tensor(y).unsqueeze(1);
  }
  return ft;
}

data::Predictions predictions_of(const data::Dataset& d, torch::nn::Sequential& net, const torch::Tensor& x,
                                 const FoldTensors& ft) {
  torch::NoGradGuard no_grad;
  net->eval();
  torch::Tensor out = net->forward(x);
  size_t n = static_cast<size_t>(x.size(0));
  if (d.task == data::Task::kClassification) {
    torch::Tensor p = torch::softmax(out, 1).to(torch::kDouble).contiguous();
    size_t k = d.n_classes();
    return data::Predictions{n, k, std::vector<double>(p.data_ptr<double>(), p.data_ptr<double>() + n * k)};
  }
  torch::Tensor v = (out.squeeze(1).to(torch::kDouble) * ft.y_scale + ft.y_mean).contiguous();
  return data::Predictions{n, 1, std::vector<double>(v.data_ptr<double>(), v.data_ptr<double>() + n)};
}

struct EpochStats {
  double loss = 0;
  double grad_norm = 0;
};

EpochStats train_epoch(torch::nn::Sequential& net, torch::optim::Optimizer& opt, const FoldTensors& ft,
                       const MlpSetup& s, bool classify, uint64_t epoch_seed) {
  torch::manual_seed(epoch_seed);  // the shuffle and the dropout masks of this epoch
  net->train();
  int64_t n = ft.x_train.size(0);
  torch::Tensor order = torch::randperm(n, torch::kLong);
  EpochStats st;
  int64_t batches = 0;
  for (int64_t start = 0; start < n; start += s.batch) {
    torch::Tensor idx = order.slice(0, start, std::min(n, start + s.batch));
    torch::Tensor xb = ft.x_train.index_select(0, idx);
    torch::Tensor yb = ft.y_train.index_select(0, idx);
    opt.zero_grad();
    torch::Tensor out = net->forward(xb);
    torch::Tensor loss = classify ? torch::nn::functional::cross_entropy(out, yb)
                                  : torch::mse_loss(out, yb);
    loss.backward();
    double sq = 0;
    for (auto& p : net->parameters()) {
      if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
    }
    opt.step();
    st.loss += loss.item<double>();
    st.grad_norm += std::sqrt(sq);
    ++batches;
  }
  st.loss /= static_cast<double>(std::max<int64_t>(batches, 1));
  st.grad_norm /= static_cast<double>(std::max<int64_t>(batches, 1));
  return st;
}

class MlpTrainer : public Trainer {
 public:
  MlpTrainer(TrainerSpec spec, std::shared_ptr<const Table> table, std::string init_from)
      : spec_(held_copy(spec)), table_(std::move(table)), init_from_(std::move(init_from)) {}

  Result<TrialOutcome> run(const TrainerRun& run, TrialReporter& reporter) override {
    const Table& t = *table_;
    const data::Dataset& d = t.data;
    Options o = options_for(spec_, kOptions, run.params);
    MlpSetup s = setup_of(o);
    if (int64_t threads = o.integer("threads", 0); threads > 0) torch::set_num_threads(static_cast<int>(threads));
    bool classify = d.task == data::Task::kClassification;
    int64_t out = classify ? static_cast<int64_t>(d.n_classes()) : 1;
    double fraction = data_fraction_of(run.params);
    size_t k = t.folds.size();
    std::vector<FoldTensors> data(k);
    std::vector<torch::nn::Sequential> nets;
    std::vector<std::unique_ptr<torch::optim::Optimizer>> opts;
    int64_t done = -1;
    for (size_t f = 0; f < k; ++f) {
      data[f] = tensors_for(t, f, training_rows(t, f, fraction));
      torch::manual_seed(static_cast<uint64_t>(s.seed) * 1000003 + f);  // initial weights
      nets.push_back(make_network(s, static_cast<int64_t>(d.cols), out));
      if (!init_from_.empty()) {
        auto copied = load_matching(nets.back(), init_from_);
        if (!copied) return tl::unexpected(copied.error());
      }
      freeze_first(nets.back(), s.freeze);
      opts.push_back(make_optimizer(s, nets.back()));
      auto epochs = resume(run, f, nets.back(), *opts.back());
      if (!epochs) return tl::unexpected(epochs.error());
      done = done < 0 ? *epochs : std::min(done, *epochs);
    }
    StepScores sc;
    for (int64_t epoch = done; epoch < s.epochs; ++epoch) {
      std::vector<data::Predictions> pv, pt;
      double grad = 0, train_loss = 0;
      for (size_t f = 0; f < k; ++f) {
        uint64_t seed = (static_cast<uint64_t>(s.seed) * 1000003 + f) * 1000003 + static_cast<uint64_t>(epoch);
        EpochStats st = train_epoch(nets[f], *opts[f], data[f], s, classify, seed);
        grad += st.grad_norm / static_cast<double>(k);
        train_loss += st.loss / static_cast<double>(k);
        pv.push_back(predictions_of(d, nets[f], data[f].x_valid, data[f]));
      }
      sc = validation_scores(pv);
      sc.train_loss = train_loss;
      auto metrics = metrics_of(t, sc);
      metrics["grad_norm"] = grad;
      int64_t step = epoch + 1;
      if (auto ok = reporter.report(step, metrics); !ok) return tl::unexpected(ok.error());
      bool last = step == s.epochs;
      bool stop = reporter.should_stop() && !last;
      if (stop || last || step % s.every == 0) {
        for (size_t f = 0; f < k; ++f) {
          if (auto ok = save_checkpoint(run, f, nets[f], *opts[f], step); !ok) return tl::unexpected(ok.error());
        }
      }
      if (stop) return stopped_outcome(step);
    }
    std::string model = checkpoint_file(run, "model.pt");
    if (auto ok = save_params(nets[0], model); !ok) return tl::unexpected(ok.error());
    return finish(t, sc, run, reporter, model);
  }

 private:
  // The metric and val_loss, each the mean over folds.
  StepScores validation_scores(const std::vector<data::Predictions>& pv) const {
    const Table& t = *table_;
    StepScores s;
    for (size_t f = 0; f < pv.size(); ++f) {
      std::vector<float> y = labels_of(t.data, t.folds[f].valid);
      s.value += data::score(t.metric.metric, y, pv[f]) / static_cast<double>(pv.size());
      s.val_loss += data::loss(t.data.task, y, pv[f]) / static_cast<double>(pv.size());
    }
    return s;
  }

  std::string fold_file(const TrainerRun& run, size_t f, const char* what) const {
    return (fs::path(run.checkpoint_dir) / fmt::format("fold-{}.{}.pt", f, what)).string();
  }

  // Loads the fold's checkpoint, if an earlier run of this trial left one; the epochs done.
  Result<int64_t> resume(const TrainerRun& run, size_t f, torch::nn::Sequential& net,
                         torch::optim::Optimizer& opt) {
    if (run.checkpoint_dir.empty() || !fs::exists(fold_file(run, f, "state"))) return int64_t{0};
    try {
      torch::serialize::InputArchive state;
      state.load_from(fold_file(run, f, "state"));
      torch::Tensor epochs;
      state.read("epochs", epochs);
      torch::load(net, fold_file(run, f, "net"));
      torch::load(opt, fold_file(run, f, "optimizer"));
      return epochs.item<int64_t>();
    } catch (const std::exception& e) {
      return make_error(ErrorCode::kIo, fmt::format("cannot resume from {}: {}", run.checkpoint_dir, e.what()));
    }
  }

  Status save_checkpoint(const TrainerRun& run, size_t f, torch::nn::Sequential& net,
                         torch::optim::Optimizer& opt, int64_t epochs) {
    if (run.checkpoint_dir.empty()) return {};
    try {
      torch::save(net, fold_file(run, f, "net"));
      torch::save(opt, fold_file(run, f, "optimizer"));
      // The epoch count last, written whole and renamed: a checkpoint counts only once
      // its network and optimiser are on disk.
      torch::serialize::OutputArchive state;
      state.write("epochs", torch::tensor(epochs));
      std::string tmp = fold_file(run, f, "state.tmp");
      state.save_to(tmp);
      fs::rename(tmp, fold_file(run, f, "state"));
    } catch (const std::exception& e) {
      return make_error(ErrorCode::kIo, fmt::format("cannot write a checkpoint in {}: {}", run.checkpoint_dir, e.what()));
    }
    return {};
  }

  TrainerSpec spec_;
  std::shared_ptr<const Table> table_;
  std::string init_from_;
};

}  // namespace

Result<std::unique_ptr<Trainer>> make_mlp_trainer(const TrainerSpec& spec) {
  if (auto ok = check_options(spec, kOptions, kAliases); !ok) return tl::unexpected(ok.error());
  auto table = load_table(spec);
  if (!table) return tl::unexpected(table.error());
  Options fixed = options_for(spec, kOptions, {});
  constexpr std::string_view kActivations[] = {"relu", "tanh", "gelu"};
  constexpr std::string_view kOptimizers[] = {"adam", "adamw", "sgd"};
  if (auto ok = check_choice(spec, "activation", kActivations); !ok) return tl::unexpected(ok.error());
  if (auto ok = check_choice(spec, "optimizer", kOptimizers); !ok) return tl::unexpected(ok.error());
  std::string init;
  if (auto it = spec.options.find("init_from"); it != spec.options.end()) {
    fs::path path(it->get<std::string>());
    if (path.is_relative() && !spec.base_dir.empty()) path = fs::path(spec.base_dir) / path;
    MlpSetup s = setup_of(fixed);
    const data::Dataset& d = (*table)->data;
    auto net = make_network(s, static_cast<int64_t>(d.cols),
                            d.task == data::Task::kClassification ? static_cast<int64_t>(d.n_classes()) : 1);
    auto copied = load_matching(net, path.string());
    if (!copied) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: {}", place(spec, "trainer", "init_from"), copied.error().message));
    }
    if (*copied == 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: no parameter of {} fits this network (same layers, width and "
                                    "features needed)", place(spec, "trainer", "init_from"), path.string()));
    }
    init = path.string();
  }
  return std::unique_ptr<Trainer>(std::make_unique<MlpTrainer>(spec, std::move(*table), std::move(init)));
}

}  // namespace greentune::trainers

// The module's entry point (trainers/mlp_module.hpp).
extern "C" __attribute__((visibility("default"))) void greentune_make_mlp_trainer(
    const greentune::TrainerSpec* spec, greentune::Result<std::unique_ptr<greentune::Trainer>>* out) {
  *out = greentune::trainers::make_mlp_trainer(*spec);
}
