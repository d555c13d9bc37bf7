// File formats: parity with scipy on real and generated files, round trips, and the hostile-file corpus.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "sparse_formats/errors.hpp"
#include "sparse_formats/io.hpp"

namespace fs = std::filesystem;
using namespace sparse_formats;

namespace {

const fs::path kData = SPARSE_FORMATS_TEST_DATA;

// A scratch folder removed with the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("sparse_formats_io_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

template <typename V, typename I, typename W, typename J>
void expect_same(const CSRMatrix<V, I>& a, const CSRMatrix<W, J>& b) {
  ASSERT_EQ(a.shape(), b.shape());
  ASSERT_EQ(a.nnz(), b.nnz());
  for (std::size_t k = 0; k < a.row_ptr().size(); ++k) ASSERT_EQ(a.row_ptr()[k], b.row_ptr()[k]) << k;
  for (std::int64_t k = 0; k < a.nnz(); ++k) {
    ASSERT_EQ(a.col_indices()[k], b.col_indices()[k]) << k;
    const V want = static_cast<V>(b.values()[k]);
    if (std::isnan(want)) ASSERT_TRUE(std::isnan(a.values()[k])) << k;  // scipy reads "nan" too
    else ASSERT_EQ(a.values()[k], want) << k;
  }
}

CSRMatrix<double, std::int32_t> random_csr(std::int64_t rows, std::int64_t cols, double density, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> n;
  DenseMatrix<double> d(rows, cols);
  for (auto& v : d.data) v = u(rng) < density ? n(rng) * std::pow(10.0, static_cast<int>(u(rng) * 20) - 10) : 0.0;
  return CSRMatrix<double, std::int32_t>::from_dense(d.view(), 0.0);
}

const std::vector<std::pair<std::int64_t, std::int64_t>> kShapes = {{0, 0}, {0, 5}, {5, 0}, {1, 1}, {1, 17},
                                                                    {17, 1}, {7, 9}, {64, 33}, {200, 150}};

}  // namespace

// ------------------------------------------------------------------ Matrix Market

TEST(MatrixMarket, RealFilesMatchScipy) {
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kData / "expected")) {
    const std::string stem = entry.path().stem().string();
    SCOPED_TRACE(stem);
    const auto expected = read_npz<double, std::int32_t>(entry.path().string());
    const std::string mtx = (kData / "mtx" / (stem + ".mtx")).string();
    const MatrixMarketReadOptions allow{true};  // skew_fp64 holds an "inf", comments_west0067 a "nan"
    expect_same(read_matrix_market<double, std::int32_t>(mtx, allow), expected);
    expect_same(read_matrix_market<double, std::int64_t>(mtx, allow), expected);
    expect_same(read_matrix_market<float, std::int32_t>(mtx, allow), expected);
    expect_same(CSRMatrix<double, std::int32_t>::from_csc(read_matrix_market_csc<double, std::int32_t>(mtx, allow)),
                expected);
    ++checked;
  }
  EXPECT_GE(checked, 16);
}

TEST(MatrixMarket, CommentsAndBlankLinesInsideDataAreSkipped) {
  // west0067_jumbled has the same entries as west0067, shuffled, with blank and comment lines.
  expect_same(read_matrix_market<double, std::int32_t>((kData / "mtx" / "west0067_jumbled.mtx").string()),
              read_npz<double, std::int32_t>((kData / "expected" / "west0067.npz").string()));
}

TEST(MatrixMarket, NonFiniteValuesNeedTheOption) {
  const std::string path = (kData / "mtx" / "skew_fp64.mtx").string();
  EXPECT_THROW((read_matrix_market<double, std::int32_t>(path)), parse_error);
  const auto m = read_matrix_market<double, std::int32_t>(path, {true});
  EXPECT_EQ(m.to_dense()(4, 0), INFINITY);
  EXPECT_EQ(m.to_dense()(0, 4), -INFINITY);
  const auto n = read_matrix_market_from_memory<double, std::int32_t>(
      "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 NaN\n", "n", {true});
  EXPECT_TRUE(std::isnan(n.values()[0]));
}

TEST(MatrixMarket, Header) {
  const auto h = read_matrix_market_header((kData / "mtx" / "1138_bus.mtx").string());
  EXPECT_EQ(h.format, "coordinate");
  EXPECT_EQ(h.field, "real");
  EXPECT_EQ(h.symmetry, "symmetric");
  EXPECT_EQ(h.shape, (Shape{1138, 1138}));
  EXPECT_EQ(h.entries, 2596);
}

TEST(MatrixMarket, ComplexArrayFileIsUnsupported) {
  const std::string path = (kData / "mtx" / "complex_array.mtx").string();
  try {
    read_matrix_market<double, std::int32_t>(path);
    FAIL() << "no error";
  } catch (const unsupported& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":1: complex", 0), 0u) << e.what();
  }
}

TEST(MatrixMarket, SymmetryExpansionAndDuplicates) {
  // symmetric: both (1,2) and (2,1) are mirrored and summed (scipy gives 4 on both sides).
  auto s = read_matrix_market_from_memory<double, std::int32_t>(
      "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 2 1.0\n2 1 3.0\n", "s");
  EXPECT_EQ(s.to_dense()(0, 1), 4.0);
  EXPECT_EQ(s.to_dense()(1, 0), 4.0);
  // skew-symmetric: mirrored negated; a diagonal entry is kept as written (as scipy does).
  auto k = read_matrix_market_from_memory<double, std::int32_t>(
      "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 2\n1 1 1.0\n2 1 3.0\n", "k");
  const auto kd = k.to_dense();
  EXPECT_EQ(kd(0, 0), 1.0);
  EXPECT_EQ(kd(1, 0), 3.0);
  EXPECT_EQ(kd(0, 1), -3.0);
  EXPECT_EQ(kd(1, 1), 0.0);
  // general duplicates are summed.
  auto g = read_matrix_market_from_memory<double, std::int32_t>(
      "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1.0\n1 1 2.5\n2 2 -1\n", "g");
  EXPECT_EQ(g.nnz(), 2);
  EXPECT_EQ(g.to_dense()(0, 0), 3.5);
  // array skew-symmetric: strictly lower triangle, column by column.
  auto a = read_matrix_market_from_memory<double, std::int32_t>(
      "%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n", "a");
  const auto ad = a.to_dense();
  const double want[3][3] = {{0, -1, -2}, {1, 0, -3}, {2, 3, 0}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(ad(i, j), want[i][j]);
  // pattern values are 1; a leading '+' and CRLF line ends are accepted; case-insensitive banner words.
  auto p = read_matrix_market_from_memory<float, std::int64_t>(
      "%%MatrixMarket MATRIX Coordinate Pattern General\r\n2 3 2\r\n1 3\r\n+2 1\r\n", "p");
  EXPECT_EQ(p.to_dense()(0, 2), 1.0f);
  EXPECT_EQ(p.to_dense()(1, 0), 1.0f);
}

TEST(MatrixMarket, FloatOverflowAndUnderflow) {
  // 1e39 fits float64 but not float32; 1e-400 underflows to zero in both and is accepted.
  const std::string text = "%%MatrixMarket matrix coordinate real general\n1 2 2\n1 1 1e39\n1 2 1e-400\n";
  EXPECT_EQ((read_matrix_market_from_memory<double, std::int32_t>(text, "t").values()[0]), 1e39);
  EXPECT_THROW((read_matrix_market_from_memory<float, std::int32_t>(text, "t")), parse_error);
}

TEST(MatrixMarket, RoundTripIsExact) {
  TempDir tmp;
  unsigned seed = 1;
  for (auto [r, c] : kShapes) {
    SCOPED_TRACE(std::to_string(r) + "x" + std::to_string(c));
    const auto m = random_csr(r, c, 0.2, seed++);
    write_matrix_market(tmp / "m.mtx", m);
    expect_same(read_matrix_market<double, std::int32_t>(tmp / "m.mtx"), m);
    write_matrix_market(tmp / "m.mtx.gz", CSCMatrix<double, std::int32_t>::from_csr(m));
    expect_same(read_matrix_market<double, std::int32_t>(tmp / "m.mtx.gz"), m);
    write_matrix_market_dense<double>(tmp / "d.mtx", m.to_dense().view());
    expect_same(read_matrix_market<double, std::int32_t>(tmp / "d.mtx"), m);
  }
  // float32 values survive a float64 text round trip bit for bit.
  const auto f = read_matrix_market<float, std::int32_t>((kData / "mtx" / "1138_bus.mtx").string());
  write_matrix_market(tmp / "f.mtx", f);
  expect_same(read_matrix_market<float, std::int32_t>(tmp / "f.mtx"), f);
}

TEST(MatrixMarket, IntegerAndPatternFields) {
  TempDir tmp;
  const auto m = read_matrix_market<double, std::int32_t>((kData / "mtx" / "simple_solver_A.mtx").string());
  write_matrix_market(tmp / "i.mtx", m, MatrixMarketField::integer);
  EXPECT_EQ(read_matrix_market_header(tmp / "i.mtx").field, "integer");
  expect_same(read_matrix_market<double, std::int32_t>(tmp / "i.mtx"), m);
  write_matrix_market(tmp / "p.mtx", m, MatrixMarketField::pattern);
  const auto p = read_matrix_market<double, std::int32_t>(tmp / "p.mtx");
  EXPECT_EQ(p.nnz(), m.nnz());
  for (double v : p.values()) EXPECT_EQ(v, 1.0);
  const auto frac = random_csr(4, 4, 0.5, 3);
  EXPECT_THROW(write_matrix_market(tmp / "x.mtx", frac, MatrixMarketField::integer), invalid_argument);
}

// ------------------------------------------------------------------ .npy

TEST(Npy, ReadsEveryLayout) {
  for (const char* name : {"c_f8.npy", "fortran_f8.npy", "c_f4_big_endian.npy", "fortran_f4.npy"}) {
    SCOPED_TRACE(name);
    const auto d = read_npy<double>((kData / "npy" / name).string());
    ASSERT_EQ(d.shape(), (Shape{5, 3}));
    for (int i = 0; i < 5; ++i)
      for (int j = 0; j < 3; ++j) EXPECT_EQ(d(i, j), i * 10 + j + 0.5);
  }
  const auto v = read_npy<float>((kData / "npy" / "vector_f8.npy").string());
  ASSERT_EQ(v.shape(), (Shape{5, 1}));
  EXPECT_EQ(v(4, 0), 40.5f);
  const auto h = read_npy_header((kData / "npy" / "fortran_f4.npy").string());
  EXPECT_EQ(h.descr, "<f4");
  EXPECT_TRUE(h.fortran_order);
}

TEST(Npy, RoundTripBothOrders) {
  TempDir tmp;
  for (auto [r, c] : kShapes) {
    DenseMatrix<float> d(r, c);
    for (std::size_t k = 0; k < d.data.size(); ++k) d.data[k] = static_cast<float>(k) * 0.25f - 3.0f;
    for (bool fortran : {false, true}) {
      write_npy<float>(tmp / "a.npy", d.view(), fortran);
      EXPECT_EQ(read_npy_header(tmp / "a.npy").fortran_order, fortran);
      EXPECT_EQ(read_npy_header(tmp / "a.npy").data_offset % 64, 0);
      const auto back = read_npy<float>(tmp / "a.npy");
      ASSERT_EQ(back.shape(), d.shape());
      EXPECT_EQ(back.data, d.data);
    }
  }
}

// An empty array may declare a huge other dimension (numpy reads shape (0, 2^60) at once): reading
// and writing it must not loop over that dimension, in either order, nor the dense writers of the
// other formats.
TEST(Npy, EmptyArraysWithAHugeDimension) {
  constexpr std::int64_t kHuge = std::int64_t{1} << 60;
  TempDir tmp;
  for (bool fortran : {false, true})
    for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{0, kHuge}, {kHuge, 0}}) {
      const std::string shape = "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")";
      SCOPED_TRACE(shape + (fortran ? " fortran" : " C"));
      std::string dict = std::string("{'descr': '<f4', 'fortran_order': ") + (fortran ? "True" : "False") +
                         ", 'shape': " + shape + ", }";
      while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
      dict += '\n';
      std::string bytes("\x93NUMPY\x01\x00", 8);
      bytes += static_cast<char>(dict.size() & 0xff);
      bytes += static_cast<char>(dict.size() >> 8);
      bytes += dict;
      const auto m = read_npy_from_memory<float>(bytes, "empty.npy");
      EXPECT_EQ(m.rows, rows);
      EXPECT_EQ(m.cols, cols);
      EXPECT_TRUE(m.data.empty());
      const auto view = DenseView<const float>::row_major(nullptr, rows, cols);
      write_npy<float>(tmp / "e.npy", view, fortran);
      const auto back = read_npy<float>(tmp / "e.npy");
      EXPECT_EQ(back.rows, rows);
      EXPECT_EQ(back.cols, cols);
      write_matrix_market_dense<float>(tmp / "e.mtx", view);
      std::ifstream mtx(tmp / "e.mtx");
      std::string line;
      std::getline(mtx, line);
      std::getline(mtx, line);
      std::getline(mtx, line);
      EXPECT_EQ(line, std::to_string(rows) + " " + std::to_string(cols));
      // written at once; the reader refuses dimensions past what a file can hold, with a typed error
      write_safetensors(tmp / "e.safetensors", {make_dense_tensor<float>("w", view)});
      EXPECT_THROW(read_safetensors_tensor(tmp / "e.safetensors", "w"), parse_error);
    }
}

// ------------------------------------------------------------------ .npz

TEST(Npz, ReadsScipyFiles) {
  for (const char* name : {"csr_matrix", "csr_array_stored", "csc_matrix", "csc_array", "bsr_3x6",
                           "csr_int64_indices", "csr_unsorted", "csr_empty"}) {
    SCOPED_TRACE(name);
    const std::string base = (kData / "npz" / name).string();
    const auto dense = read_npy<double>(base + ".dense.npy");
    const auto m = read_npz<double, std::int64_t>(base + ".npz");
    ASSERT_EQ(m.shape(), dense.shape());
    EXPECT_EQ(m.to_dense().data, dense.data);
    const auto c = read_npz_csc<float, std::int32_t>(base + ".npz");
    const auto cd = c.to_dense();
    for (std::size_t k = 0; k < dense.data.size(); ++k) EXPECT_EQ(cd.data[k], static_cast<float>(dense.data[k]));
  }
  const auto info = read_npz_info((kData / "npz" / "bsr_3x6.npz").string());
  EXPECT_EQ(info.format, "bsr");
  EXPECT_EQ(info.block_rows, 3);
  EXPECT_EQ(info.block_cols, 6);
  EXPECT_FALSE(info.is_array);
  EXPECT_TRUE(read_npz_info((kData / "npz" / "csc_array.npz").string()).is_array);
  EXPECT_EQ(read_npz_info((kData / "npz" / "csc_array.npz").string()).data_descr, "<f4");
}

TEST(Npz, RoundTripEveryFormat) {
  TempDir tmp;
  unsigned seed = 10;
  for (auto [r, c] : kShapes) {
    SCOPED_TRACE(std::to_string(r) + "x" + std::to_string(c));
    const auto m = random_csr(r, c, 0.3, seed++);
    for (bool compressed : {false, true}) {
      NpzWriteOptions opt{compressed, compressed};
      write_npz(tmp / "a.npz", m, opt);
      expect_same(read_npz<double, std::int32_t>(tmp / "a.npz"), m);
      EXPECT_EQ(read_npz_info(tmp / "a.npz").is_array, compressed);
      write_npz(tmp / "c.npz", CSCMatrix<double, std::int32_t>::from_csr(m), opt);
      EXPECT_EQ(read_npz_info(tmp / "c.npz").format, "csc");
      expect_same(read_npz<double, std::int32_t>(tmp / "c.npz"), m);
    }
  }
  // bsr needs a shape divisible by the block size (scipy's rule).
  const auto m = random_csr(16, 24, 0.2, 99);
  write_npz(tmp / "b.npz", BlockSparseMatrix<double, std::int32_t>::from_csr(m, 4));
  expect_same(read_npz<double, std::int32_t>(tmp / "b.npz"), m);
  EXPECT_THROW(write_npz(tmp / "b.npz", BlockSparseMatrix<double, std::int32_t>::from_csr(random_csr(5, 8, 0.5, 1), 4)),
               invalid_argument);
}

// ------------------------------------------------------------------ safetensors

TEST(Safetensors, ReadsRealModelTensors) {
  const std::string path = (kData / "nn" / "mnist_small.safetensors").string();
  const auto index = read_safetensors_index(path);
  ASSERT_EQ(index.tensors.size(), 5u);
  EXPECT_EQ(index.find("conv1.weight")->shape, (std::vector<std::int64_t>{8, 1, 3, 3}));
  EXPECT_EQ(index.metadata.at("source").rfind("tracel-ai/burn", 0), 0u);
  const auto reference = read_npy<float>((kData / "nn" / "fc2.weight.npy").string());
  const auto f32 = read_safetensors_matrix(path, "fc2.weight");
  EXPECT_EQ(f32.data, reference.data);
  // F16: numpy rounded to half; our exact widening must be within half's relative rounding 2^-11.
  const auto f16 = read_safetensors_matrix(path, "fc2.weight.f16");
  const auto bf16 = read_safetensors_matrix(path, "fc2.weight.bf16");
  for (std::size_t k = 0; k < reference.data.size(); ++k) {
    EXPECT_NEAR(f16.data[k], reference.data[k], std::fabs(reference.data[k]) * 0x1p-11 + 0x1p-24);
    // BF16 was made by truncating float32 bits, so widening gives the truncated float32 exactly.
    std::uint32_t bits;
    std::memcpy(&bits, &reference.data[k], 4);
    bits &= 0xffff0000u;
    float truncated;
    std::memcpy(&truncated, &bits, 4);
    EXPECT_EQ(bf16.data[k], truncated);
  }
  EXPECT_THROW(read_safetensors_matrix(path, "conv1.weight"), parse_error);  // 4-D
}

TEST(Safetensors, EveryHalfValueWidensExactly) {
  TempDir tmp;
  Tensor t{"h", "F16", {256, 256}, std::vector<unsigned char>(65536 * 2)};
  for (std::uint32_t h = 0; h < 65536; ++h) {
    t.bytes[2 * h] = static_cast<unsigned char>(h & 0xff);
    t.bytes[2 * h + 1] = static_cast<unsigned char>(h >> 8);
  }
  write_safetensors(tmp / "h.safetensors", {t});
  const auto m = read_safetensors_matrix(tmp / "h.safetensors", "h");
  for (std::uint32_t h = 0; h < 65536; ++h) {
    const int sign = (h >> 15) ? -1 : 1;
    const int exp = (h >> 10) & 31;
    const int mant = h & 1023;
    const float got = m.data[h];
    if (exp == 31) {
      if (mant == 0) EXPECT_EQ(got, sign * INFINITY) << h;
      else EXPECT_TRUE(std::isnan(got)) << h;
      continue;
    }
    const double want = exp == 0 ? sign * std::ldexp(mant, -24) : sign * std::ldexp(1024 + mant, exp - 25);
    ASSERT_EQ(static_cast<double>(got), want) << h;
    EXPECT_EQ(std::signbit(got), sign < 0) << h;
  }
}

TEST(Safetensors, SparseTensorsRoundTrip) {
  TempDir tmp;
  std::vector<Tensor> tensors;
  std::map<std::string, std::string> meta;
  const auto a = random_csr(30, 40, 0.1, 5);
  const auto b = CSRMatrix<float, std::int64_t>::from_dense(read_npy<float>((kData / "nn" / "fc2.weight.npy").string()).view());
  append_csr_tensors(tensors, meta, "layer.a", a);
  append_csr_tensors(tensors, meta, "layer.b", b);
  DenseMatrix<float> bias(1, 3);
  bias.data = {1, 2, 3};
  tensors.push_back(make_dense_tensor<float>("bias", bias.view()));
  write_safetensors(tmp / "s.safetensors", tensors, meta);
  const auto index = read_safetensors_index(tmp / "s.safetensors");
  EXPECT_EQ(index.data_offset % 8, 0);
  EXPECT_EQ(safetensors_sparse_names(index), (std::vector<std::string>{"layer.a", "layer.b"}));
  EXPECT_EQ(index.find("layer.b.col_indices")->dtype, "I64");
  EXPECT_EQ(index.metadata.at("layer.a.shape"), "[30, 40]");
  expect_same(read_safetensors_csr<double, std::int32_t>(tmp / "s.safetensors", "layer.a"), a);
  expect_same(read_safetensors_csr<float, std::int64_t>(tmp / "s.safetensors", "layer.b"), b);
  EXPECT_EQ(read_safetensors_matrix(tmp / "s.safetensors", "bias").data, bias.data);
  EXPECT_EQ(read_safetensors_tensor(tmp / "s.safetensors", "bias").bytes.size(), 12u);
}

// ------------------------------------------------------------------ hostile files

namespace {

void read_any(const std::string& path) {
  if (path.ends_with(".mtx")) read_matrix_market<double, std::int32_t>(path);
  else if (path.ends_with(".npy")) read_npy<float>(path);
  else if (path.ends_with(".npz")) read_npz<double, std::int32_t>(path);
  else read_safetensors_matrix(path, "w");
}

}  // namespace

TEST(HostileFiles, EveryFileGivesItsExpectedError) {
  std::ifstream list(kData / "invalid" / "expected.tsv");
  ASSERT_TRUE(list) << "missing expected.tsv";
  std::string line;
  int checked = 0;
  while (std::getline(list, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, kind, fragment;
    std::getline(fields, file, '\t');
    std::getline(fields, kind, '\t');
    std::getline(fields, fragment);
    SCOPED_TRACE(file);
    const std::string path = (kData / "invalid" / file).string();
    try {
      read_any(path);
      ADD_FAILURE() << "no error";
    } catch (const parse_error& e) {
      EXPECT_EQ(kind, "parse_error") << e.what();
      EXPECT_EQ(std::string(e.what()).rfind(path + ":", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    } catch (const unsupported& e) {
      EXPECT_EQ(kind, "unsupported") << e.what();
      EXPECT_EQ(std::string(e.what()).rfind(path + ":", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "untyped error: " << e.what();
    }
    ++checked;
  }
  EXPECT_GE(checked, 50);
}

TEST(HostileFiles, EveryTruncationOfAValidFileIsATypedError) {
  // Each prefix of each valid file either parses (a valid shorter file) or throws parse_error: never a crash.
  TempDir tmp;
  const std::vector<fs::path> files = {kData / "npz" / "csr_matrix.npz", kData / "npz" / "bsr_3x6.npz",
                                       kData / "npy" / "fortran_f4.npy", kData / "nn" / "mnist_small.safetensors",
                                       kData / "mtx" / "karate.mtx"};
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t errors = 0;
    for (std::size_t n = 0; n < bytes.size(); n += 1 + n / 64) {
      const std::string cut = bytes.substr(0, n);
      const std::string name = f.filename().string();
      try {
        if (name.ends_with(".npz")) read_npz_from_memory<double, std::int32_t>(cut, name);
        else if (name.ends_with(".npy")) read_npy_from_memory<float>(cut, name);
        else if (name.ends_with(".mtx")) read_matrix_market_from_memory<double, std::int32_t>(cut, name);
        else read_safetensors_matrix_from_memory(cut, name, "fc2.weight");
      } catch (const parse_error& e) {
        ++errors;
        ASSERT_EQ(std::string(e.what()).rfind(name + ":", 0), 0u) << e.what();
      }
    }
    EXPECT_GT(errors, 0u) << f;
  }
}

TEST(HostileFiles, MissingFileNamesThePath) {
  try {
    read_npz<double, std::int32_t>("/nonexistent/x.npz");
    FAIL();
  } catch (const parse_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/x.npz: byte 0: cannot open", 0), 0u) << e.what();
  }
}
