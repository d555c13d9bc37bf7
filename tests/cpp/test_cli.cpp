// End-to-end tests of the sparse-formats program: output, files written and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sparse_formats/sparse_formats.hpp"

namespace fs = std::filesystem;
using namespace sparse_formats;

namespace {

const fs::path kData = SPARSE_FORMATS_TEST_DATA;
const std::string kProgram = SPARSE_FORMATS_CLI;

struct Result {
  int code = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Cli : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("sparse_formats_cli_" + std::string(
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string tmp(const std::string& name) const { return (dir / name).string(); }

  // Runs the program with stdout and stderr sent to files (so neither is a terminal).
  Result run(const std::string& args) const {
    const std::string cmd = "'" + kProgram + "' " + args + " > '" + tmp("stdout") + "' 2> '" + tmp("stderr") + "'";
    const int status = std::system(cmd.c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir / "stdout");
    r.err = slurp(dir / "stderr");
    return r;
  }
};

std::string data(const std::string& rel) { return "'" + (kData / rel).string() + "'"; }

template <typename V, typename I, typename W, typename J>
void expect_same(const CSRMatrix<V, I>& a, const CSRMatrix<W, J>& b) {
  ASSERT_EQ(a.shape(), b.shape());
  ASSERT_EQ(a.nnz(), b.nnz());
  for (std::size_t k = 0; k < a.row_ptr().size(); ++k) ASSERT_EQ(a.row_ptr()[k], b.row_ptr()[k]);
  for (std::int64_t k = 0; k < a.nnz(); ++k) {
    ASSERT_EQ(a.col_indices()[k], b.col_indices()[k]);
    ASSERT_EQ(a.values()[k], static_cast<V>(b.values()[k]));
  }
}

}  // namespace

TEST_F(Cli, AnalyzeEmbeddedDefault) {
  const Result r = run("analyze");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ggml MNIST MLP"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("500x784"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("39200"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("90.0%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("why: "), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
}

TEST_F(Cli, AnalyzeJsonNumbersAreConsistent) {
  const Result r = run("analyze --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& layer = j["layers"][0];
  EXPECT_EQ(layer["nnz"], 39200);
  EXPECT_EQ(layer["shape"], nlohmann::json({500, 784}));
  EXPECT_DOUBLE_EQ(layer["sparsity"].get<double>(), 0.9);
  EXPECT_EQ(layer["value_type"], "float32");
  EXPECT_EQ(layer["bytes"]["dense"], 500 * 784 * 4);
  // CSR of float32 values with int32 indices: 8 bytes per non-zero plus 501 row pointers.
  EXPECT_EQ(layer["bytes"]["csr"], 39200 * 8 + 501 * 4);
  const std::string format = layer["format"];
  const double chosen = layer["bytes"][format == "block_sparse" ? "block_sparse" : format];
  EXPECT_EQ(layer["bytes_chosen"].get<double>(), chosen);
  EXPECT_NEAR(j["total"]["compression_ratio"].get<double>(), 500 * 784 * 4 / chosen, 1e-9);
  EXPECT_FALSE(layer["measured"].get<bool>());
}

TEST_F(Cli, AnalyzeTuneMeasures) {
  const Result r = run("analyze " + data("mtx/karate.mtx") + " --tune --op spmm --batch 4 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["batch"], 4);
  const auto& layer = j["layers"][0];
  EXPECT_TRUE(layer["measured"].get<bool>());
  EXPECT_GE(layer["measured_seconds"].size(), 2u);
  for (const auto& [f, s] : layer["measured_seconds"].items()) EXPECT_GT(s.get<double>(), 0.0) << f;
  EXPECT_EQ(layer["nnz"], 156);
}

TEST_F(Cli, AnalyzeModelFileListsEveryWeight) {
  const Result r = run("analyze " + data("nn/mnist_small.safetensors") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["layers"].size(), 3u);  // fc2.weight in F32, F16 and BF16; conv1 is 4-D, the bias 1-D
  EXPECT_EQ(j["total"]["layers"], 3);
  const Result one = run("analyze " + data("nn/mnist_small.safetensors") + " --tensor fc2.weight.bf16");
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_NE(one.out.find("fc2.weight.bf16"), std::string::npos);
}

TEST_F(Cli, ConvertRoundTripsBetweenAllFormats) {
  const auto original = read_matrix_market<double, std::int32_t>((kData / "mtx" / "lp_afiro.mtx").string());
  ASSERT_EQ(run("convert " + data("mtx/lp_afiro.mtx") + " " + tmp("a.npz")).code, 0);
  expect_same(read_npz<double, std::int32_t>(tmp("a.npz")), original);
  EXPECT_EQ(read_npz_info(tmp("a.npz")).format, "csr");
  ASSERT_EQ(run(tmp("a.npz") + " ").code, 2);  // no subcommand
  ASSERT_EQ(run("convert " + tmp("a.npz") + " " + tmp("b.npz") + " --format csc -q").code, 0);
  EXPECT_EQ(read_npz_info(tmp("b.npz")).format, "csc");
  ASSERT_EQ(run("convert " + tmp("b.npz") + " " + tmp("c.safetensors")).code, 0);
  expect_same(read_safetensors_csr<double, std::int32_t>(tmp("c.safetensors"), "b"), original);
  ASSERT_EQ(run("convert " + tmp("c.safetensors") + " " + tmp("d.mtx.gz")).code, 0);
  expect_same(read_matrix_market<double, std::int32_t>(tmp("d.mtx.gz")), original);
  ASSERT_EQ(run("convert " + tmp("d.mtx.gz") + " " + tmp("e.npy")).code, 0);
  EXPECT_EQ(read_npy<double>(tmp("e.npy")).data, original.to_dense().data);
  // bsr with a block size that divides the shape (karate is 34 x 34).
  const Result b = run("convert " + data("mtx/karate.mtx") + " " + tmp("k.npz") + " --format bsr --block-size 2");
  ASSERT_EQ(b.code, 0) << b.err;
  const auto info = read_npz_info(tmp("k.npz"));
  EXPECT_EQ(info.format, "bsr");
  EXPECT_EQ(info.block_rows, 2);
  expect_same(read_npz<double, std::int32_t>(tmp("k.npz")),
              read_matrix_market<double, std::int32_t>((kData / "mtx" / "karate.mtx").string()));
}

TEST_F(Cli, ConvertModelKeepsOtherTensors) {
  const Result r = run("convert " + data("nn/mnist_small.safetensors") + " " + tmp("s.safetensors") + " --format auto");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto index = read_safetensors_index(tmp("s.safetensors"));
  ASSERT_NE(index.find("conv1.weight"), nullptr);
  ASSERT_NE(index.find("fc2.bias"), nullptr);
  EXPECT_EQ(index.metadata.at("source").rfind("tracel-ai/burn", 0), 0u);
  // fc2.weight is dense (no zeros), so auto keeps it dense; its values are unchanged.
  EXPECT_EQ(read_safetensors_matrix(tmp("s.safetensors"), "fc2.weight").data,
            read_npy<float>((kData / "nn" / "fc2.weight.npy").string()).data);
  ASSERT_EQ(run("convert " + data("nn/mnist_small.safetensors") + " " + tmp("f.npz") + " --tensor fc2.weight.f16").code, 0);
  EXPECT_EQ(read_npz_info(tmp("f.npz")).data_descr, "<f4");
}

TEST_F(Cli, PruneMethods) {
  const std::string in = data("nn/fc2.weight.npy");  // 10 x 32, no zeros
  Result r = run("prune " + in + " " + tmp("m.npz") + " --sparsity 0.75");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ((read_npz<float, std::int32_t>(tmp("m.npz")).nnz()), 80);
  EXPECT_NE(r.out.find("320 -> 80 non-zeros"), std::string::npos) << r.out;

  ASSERT_EQ(run("prune " + in + " " + tmp("c.npz") + " --sparsity 0.5 --method channel -q").code, 0);
  const auto c = read_npz<float, std::int32_t>(tmp("c.npz"));
  int empty_rows = 0;
  for (std::int64_t i = 0; i < c.nrows(); ++i) {
    const auto len = c.row_ptr()[i + 1] - c.row_ptr()[i];
    EXPECT_TRUE(len == 0 || len == 32);
    empty_rows += len == 0;
  }
  EXPECT_EQ(empty_rows, 5);

  ASSERT_EQ(run("prune " + in + " " + tmp("n.npz") + " --sparsity 0.5 --method n:m --m 4 -q").code, 0);
  const auto n = read_npz<float, std::int32_t>(tmp("n.npz")).to_dense();
  for (std::int64_t i = 0; i < 10; ++i)
    for (std::int64_t g = 0; g < 32; g += 4) {
      int kept = 0;
      for (int k = 0; k < 4; ++k) kept += n(i, g + k) != 0.0f;
      EXPECT_EQ(kept, 2);
    }

  ASSERT_EQ(run("prune " + in + " " + tmp("b.npz") + " --sparsity 0.5 --method block --block-size 2 -q").code, 0);
  EXPECT_EQ((read_npz<float, std::int32_t>(tmp("b.npz")).nnz()), 160);

  // Pruning keeps the largest magnitudes: every kept |w| >= every pruned |w|.
  const auto w = read_npy<float>((kData / "nn" / "fc2.weight.npy").string());
  const auto m = read_npz<float, std::int32_t>(tmp("m.npz")).to_dense();
  float min_kept = INFINITY, max_pruned = 0;
  for (std::size_t k = 0; k < w.data.size(); ++k) {
    if (m.data[k] != 0) {
      EXPECT_EQ(m.data[k], w.data[k]);
      min_kept = std::min(min_kept, std::fabs(w.data[k]));
    } else {
      max_pruned = std::max(max_pruned, std::fabs(w.data[k]));
    }
  }
  EXPECT_GE(min_kept, max_pruned);
}

TEST_F(Cli, ExitCodes) {
  Result r = run("convert " + tmp("missing.mtx") + " " + tmp("x.npz"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err.rfind("error: " + tmp("missing.mtx") + ": byte 0: cannot open", 0), 0u) << r.err;
  r = run("analyze " + data("invalid/mm_nan.mtx"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("mm_nan.mtx:3: value \"nan\" is not finite"), std::string::npos) << r.err;
  EXPECT_EQ(run("analyze " + data("mtx/skew_fp64.mtx") + " --allow-non-finite -q").code, 0);  // holds an inf
  EXPECT_EQ(run("analyze " + data("invalid/mm_complex.mtx")).code, 1);
  EXPECT_EQ(run("analyze " + data("invalid/npz_bad_crc.npz")).code, 1);
  EXPECT_EQ(run("").code, 2);                                         // no subcommand
  EXPECT_EQ(run("analyze --op gemm").code, 2);                        // bad choice
  EXPECT_EQ(run("prune a.npy b.npz").code, 2);                        // --sparsity is required
  EXPECT_EQ(run("prune a.npy b.npz --sparsity 1.5").code, 2);         // out of range
  EXPECT_EQ(run("prune " + data("nn/fc2.weight.npy") + " " + tmp("x.npz") + " --sparsity 0.3 --method n:m").code, 2);
  EXPECT_EQ(run("convert " + data("mtx/karate.mtx") + " " + tmp("x.txt")).code, 2);  // unknown output type
  EXPECT_EQ(run("convert " + data("mtx/karate.mtx") + " " + tmp("x.mtx") + " --format bsr").code, 2);
  EXPECT_EQ(run("convert " + data("nn/mnist_small.safetensors") + " " + tmp("x.npz")).code, 2);  // 3 weights
  r = run("devices");
  EXPECT_EQ(r.code, 0);
  const bool opencl = r.out.find("opencl    available") != std::string::npos;
  EXPECT_EQ(run("devices --require opencl").code, opencl ? 0 : 3);
  EXPECT_EQ(run("devices --require cpu").code, 0);
}

TEST_F(Cli, HelpOnEverySubcommandHasExamples) {
  for (const char* sub : {"", "analyze ", "convert ", "prune ", "devices "}) {
    const Result r = run(std::string(sub) + "--help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << sub;
    EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << sub;
  }
}
