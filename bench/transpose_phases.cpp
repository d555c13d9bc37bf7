// The phases of a CSR -> CSC counting sort on one core, each timed alone (fastest of 200 calls),
// in ns per non-zero: the column counts, the scatter of (row, value) pairs as one 8-byte store
// each, and the split of the pairs into the two output arrays. Their sum bounds what the
// conversion can reach against Eigen's (goal 6b in docs/performance.md).
//   build-bench/bench/transpose_phases
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

namespace {

template <typename F>
double ns_per_entry(std::int64_t nnz, F&& f) {
  double best = 1e30;
  for (int r = 0; r < 200; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
  }
  return best / static_cast<double>(nnz);
}

}  // namespace

int main() {
  struct Shape {
    std::int64_t rows, cols;
  };
  for (const Shape s : {Shape{1000, 1000}, Shape{3072, 768}, Shape{4096, 4096}}) {
    // uniform random at 90% sparsity, fixed seed
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<double> unit(0, 1);
    std::vector<std::int32_t> ptr{0}, idx;
    std::vector<float> val;
    for (std::int64_t i = 0; i < s.rows; ++i) {
      for (std::int64_t j = 0; j < s.cols; ++j)
        if (unit(gen) < 0.1) {
          idx.push_back(static_cast<std::int32_t>(j));
          val.push_back(static_cast<float>(unit(gen)));
        }
      ptr.push_back(static_cast<std::int32_t>(idx.size()));
    }
    const auto nnz = static_cast<std::int64_t>(idx.size());
    std::vector<std::int32_t> count(static_cast<std::size_t>(s.cols)), start, out_idx(idx.size());
    std::vector<std::uint64_t> pairs(idx.size());
    std::vector<float> out_val(idx.size());
    const double t_count = ns_per_entry(nnz, [&] {
      std::fill(count.begin(), count.end(), 0);
      for (std::int64_t p = 0; p < nnz; ++p) ++count[static_cast<std::size_t>(idx[p])];
      __asm__ volatile("" ::: "memory");
    });
    start.assign(count.size(), 0);
    for (std::size_t j = 1; j < count.size(); ++j) start[j] = start[j - 1] + count[j - 1];
    std::vector<std::int32_t> pos;
    const double t_scatter = ns_per_entry(nnz, [&] {
      pos = start;
      for (std::int64_t i = 0; i < s.rows; ++i)
        for (std::int64_t p = ptr[i]; p < ptr[i + 1]; ++p)
          pairs[static_cast<std::size_t>(pos[static_cast<std::size_t>(idx[p])]++)] =
              static_cast<std::uint64_t>(std::bit_cast<std::uint32_t>(val[p])) << 32 | static_cast<std::uint32_t>(i);
      __asm__ volatile("" ::: "memory");
    });
    const double t_split = ns_per_entry(nnz, [&] {
      for (std::int64_t p = 0; p < nnz; ++p) {
        out_idx[p] = static_cast<std::int32_t>(pairs[p] & 0xffffffffu);
        out_val[p] = std::bit_cast<float>(static_cast<std::uint32_t>(pairs[p] >> 32));
      }
      __asm__ volatile("" ::: "memory");
    });
    std::printf("%lldx%lld at 90%%, %lld non-zeros: counts %.2f, scatter %.2f, split %.2f ns per non-zero\n",
                static_cast<long long>(s.rows), static_cast<long long>(s.cols), static_cast<long long>(nnz), t_count,
                t_scatter, t_split);
  }
}
