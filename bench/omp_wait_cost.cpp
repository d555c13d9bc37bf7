// What a two-thread OpenMP region costs beyond its work, under the run's OMP_WAIT_POLICY:
// the worker's start, a wake-up after an OpenMP barrier, the join when the master finishes
// first, and the same join and barrier with the library's SpinBarrier; and how long that barrier
// spins before it sleeps.
//   OMP_WAIT_POLICY=passive build-bench/bench/omp_wait_cost
#include <omp.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "kernels/cpu/threads.hpp"

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kRuns = 400;
constexpr int kLateUs = 20;  // the worker's lateness: less than the SpinBarrier's spin

void busy(int us) {
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::microseconds(us)) {
  }
}

double us_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

void report(const char* what, std::vector<double> t) {
  std::sort(t.begin(), t.end());
  std::printf("%-58s median %6.1f us   p90 %6.1f us\n", what, t[t.size() / 2], t[t.size() * 9 / 10]);
}

}  // namespace

int main() {
  namespace cpu = sparse_formats::kernels::cpu;
  std::vector<double> start(kRuns), barrier(kRuns), spin_barrier(kRuns), join(kRuns), spin_join(kRuns);
  for (int r = 0; r < kRuns; ++r) {
    Clock::time_point opened = Clock::now(), worker_in, late, woke, spin_late, spin_woke;
    cpu::SpinBarrier phases;
#pragma omp parallel num_threads(2)
    {
      const int me = omp_get_thread_num();
      if (me == 1) worker_in = Clock::now();
      // the worker arrives kLateUs after the master
      if (me == 1) {
        busy(kLateUs);
        late = Clock::now();
      }
#pragma omp barrier
      if (me == 0) woke = Clock::now();
      if (me == 1) {
        busy(kLateUs);
        spin_late = Clock::now();
      }
      phases.wait(2);
      if (me == 0) spin_woke = Clock::now();
    }
    start[r] = us_between(opened, worker_in);
    barrier[r] = us_between(late, woke);
    spin_barrier[r] = us_between(spin_late, spin_woke);
  }
  for (int r = 0; r < kRuns; ++r) {
    Clock::time_point worker_done;
#pragma omp parallel num_threads(2)
    {
      if (omp_get_thread_num() == 1) {
        busy(kLateUs);
        worker_done = Clock::now();
      }
    }
    join[r] = us_between(worker_done, Clock::now());
    cpu::run_parts(2, [&](int t) {
      if (t == 1) {
        busy(kLateUs);
        worker_done = Clock::now();
      }
    });
    spin_join[r] = us_between(worker_done, Clock::now());
  }
  report("worker starts after the region opens", start);
  report("master, asleep in an OpenMP barrier, resumes after", barrier);
  report("master, in a SpinBarrier, resumes after", spin_barrier);
  report("master, first at OpenMP's join, returns after", join);
  report("master, first at run_parts' SpinBarrier, returns after", spin_join);
#if defined(__x86_64__) || defined(__i386__)
  std::vector<double> spin(kRuns);
  for (int r = 0; r < kRuns; ++r) {
    const auto t0 = Clock::now();
    for (int i = 0; i < cpu::SpinBarrier::kSpins; ++i) _mm_pause();
    spin[r] = us_between(t0, Clock::now());
  }
  report("a SpinBarrier's spin before it sleeps (kSpins pauses)", spin);
#endif
}
