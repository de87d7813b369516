// A CPU-bound, SciMark 2-style program for bench/cpu-overhead.sh: the five
// SciMark kernels (FFT, SOR, Monte Carlo, sparse matrix multiply, LU) on
// SciMark's small problem sizes, each for a fixed number of iterations, so
// every run does the same work and its time is what varies. Built static so
// it runs unchanged inside the busybox container.
//   scimark [SCALE]   (SCALE multiplies the iterations, default 1)
// Prints one line: the total wall seconds, the total CPU seconds and each
// kernel's CPU seconds, then a checksum that keeps the compiler from
// dropping the work. CPU time is the figure to compare when other work
// shares the machine: wall time then mostly measures the neighbours.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <vector>

namespace {

// A fixed-seed generator, so every run computes the same numbers.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  double Next() {  // [0, 1)
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<double>(state_ >> 11) * 0x1.0p-53;
  }

 private:
  uint64_t state_;
};

// In-place radix-2 FFT of n complex numbers stored as (re, im) pairs;
// direction -1 forward, +1 inverse (unnormalised), as SciMark's FFT.
void FftTransform(std::vector<double>& data, int direction) {
  const int n = static_cast<int>(data.size() / 2);
  int logn = 0;
  while ((1 << logn) < n) ++logn;
  // Bit reversal.
  for (int i = 0, j = 0; i < n - 1; ++i) {
    if (i < j) {
      std::swap(data[2 * i], data[2 * j]);
      std::swap(data[2 * i + 1], data[2 * j + 1]);
    }
    int k = n >> 1;
    while (k <= j) {
      j -= k;
      k >>= 1;
    }
    j += k;
  }
  for (int bit = 0, dual = 1; bit < logn; ++bit, dual *= 2) {
    double w_real = 1.0, w_imag = 0.0;
    const double theta = 2.0 * direction * std::numbers::pi / (2.0 * dual);
    const double s = std::sin(theta), t = std::sin(theta / 2.0);
    const double s2 = 2.0 * t * t;
    for (int a = 0; a < dual; ++a) {
      for (int b = 0; b < n; b += 2 * dual) {
        const int i = 2 * (b + a), j = 2 * (b + a + dual);
        const double z1_real = data[j], z1_imag = data[j + 1];
        const double wd_real = w_real * z1_real - w_imag * z1_imag;
        const double wd_imag = w_real * z1_imag + w_imag * z1_real;
        data[j] = data[i] - wd_real;
        data[j + 1] = data[i + 1] - wd_imag;
        data[i] += wd_real;
        data[i + 1] += wd_imag;
      }
      const double tmp_real = w_real - s * w_imag - s2 * w_real;
      const double tmp_imag = w_imag + s * w_real - s2 * w_imag;
      w_real = tmp_real;
      w_imag = tmp_imag;
    }
  }
}

double Fft(int n, int cycles, Random& rng) {
  std::vector<double> data(2 * n);
  for (double& x : data) x = rng.Next();
  for (int c = 0; c < cycles; ++c) {
    FftTransform(data, -1);
    FftTransform(data, +1);
    for (double& x : data) x /= n;  // the inverse's normalisation
  }
  return data[0] + data[n];
}

// Jacobi successive over-relaxation on an n x n grid.
double Sor(int n, int cycles, Random& rng) {
  std::vector<std::vector<double>> g(n, std::vector<double>(n));
  for (auto& row : g)
    for (double& x : row) x = rng.Next();
  const double omega = 1.25;
  for (int c = 0; c < cycles; ++c) {
    for (int i = 1; i < n - 1; ++i) {
      const auto &up = g[i - 1], &down = g[i + 1];
      auto& row = g[i];
      for (int j = 1; j < n - 1; ++j)
        row[j] = omega * 0.25 * (up[j] + down[j] + row[j - 1] + row[j + 1]) +
                 (1.0 - omega) * row[j];
    }
  }
  return g[n / 2][n / 2];
}

// Monte Carlo estimate of pi from points in the unit square.
double MonteCarlo(int samples, Random& rng) {
  int inside = 0;
  for (int i = 0; i < samples; ++i) {
    const double x = rng.Next(), y = rng.Next();
    if (x * x + y * y <= 1.0) ++inside;
  }
  return 4.0 * inside / samples;
}

// y = A x for a sparse n x n matrix in compressed-row form, nz non-zeros.
double SparseMatMult(int n, int nz, int cycles, Random& rng) {
  std::vector<double> x(n), y(n), val(nz);
  std::vector<int> col(nz), row(n + 1);
  for (double& v : x) v = rng.Next();
  for (double& v : val) v = rng.Next();
  // SciMark's layout: nz / n entries per row, spread over the columns.
  const int per_row = nz / n;
  row[0] = 0;
  for (int r = 0; r < n; ++r) {
    row[r + 1] = row[r] + per_row;
    const int step = std::max(r / per_row, 1);
    for (int i = 0; i < per_row; ++i) col[row[r] + i] = i * step;
  }
  for (int c = 0; c < cycles; ++c)
    for (int r = 0; r < n; ++r) {
      double sum = 0;
      for (int i = row[r]; i < row[r + 1]; ++i) sum += x[col[i]] * val[i];
      y[r] = sum;
    }
  return y[n / 2];
}

// LU factorisation with partial pivoting of a fresh copy of an n x n matrix.
double Lu(int n, int cycles, Random& rng) {
  std::vector<std::vector<double>> a(n, std::vector<double>(n)), lu;
  for (auto& row : a)
    for (double& x : row) x = rng.Next();
  std::vector<int> pivot(n);
  for (int c = 0; c < cycles; ++c) {
    lu = a;
    for (int j = 0; j < n; ++j) {
      int p = j;
      for (int i = j + 1; i < n; ++i)
        if (std::fabs(lu[i][j]) > std::fabs(lu[p][j])) p = i;
      pivot[j] = p;
      if (p != j) std::swap(lu[p], lu[j]);
      if (lu[j][j] == 0) continue;
      const double recp = 1.0 / lu[j][j];
      for (int k = j + 1; k < n; ++k) lu[k][j] *= recp;
      for (int ii = j + 1; ii < n; ++ii) {
        auto& row = lu[ii];
        const auto& top = lu[j];
        const double factor = row[j];
        for (int jj = j + 1; jj < n; ++jj) row[jj] -= factor * top[jj];
      }
    }
  }
  return lu[n - 1][n - 1] + pivot[n / 2];
}

double CpuNow() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

// CPU seconds f takes; its result goes into the checksum.
template <typename F>
double Seconds(F&& f, double& checksum) {
  const double t0 = CpuNow();
  checksum += f();
  return CpuNow() - t0;
}

}  // namespace

int main(int argc, char** argv) {
  const int scale = argc > 1 ? std::atoi(argv[1]) : 1;
  if (scale < 1) {
    std::fprintf(stderr, "usage: scimark [SCALE >= 1]\n");
    return 2;
  }
  Random rng(20261206);
  double checksum = 0;
  const auto wall0 = std::chrono::steady_clock::now();
  // SciMark 2's small sizes; iteration counts give each kernel roughly
  // the same share of a run of about two CPU seconds on this machine.
  const double fft =
      Seconds([&] { return Fft(1024, 10000 * scale, rng); }, checksum);
  const double sor =
      Seconds([&] { return Sor(100, 8000 * scale, rng); }, checksum);
  const double mc =
      Seconds([&] { return MonteCarlo(100'000'000 * scale, rng); }, checksum);
  const double sparse = Seconds(
      [&] { return SparseMatMult(1000, 5000, 80000 * scale, rng); }, checksum);
  const double lu =
      Seconds([&] { return Lu(100, 1500 * scale, rng); }, checksum);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0)
          .count();
  std::printf(
      "wall %.4f cpu %.4f fft %.4f sor %.4f mc %.4f sparse %.4f lu %.4f "
      "checksum %.6g\n",
      wall, fft + sor + mc + sparse + lu, fft, sor, mc, sparse, lu, checksum);
  return 0;
}
