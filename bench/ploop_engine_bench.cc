// ploop engine throughput on a file, no kernel block layer in the path:
// sequential 1 MiB and random 4 KiB reads and writes through delta stacks
// of 1, 2 and 8 deltas, side by side with plain pread/pwrite on one file
// (the floor), same access pattern, O_DIRECT on both sides; then snapshot
// create and merge times for a 10 GiB image with 1 GiB written.
// Prints Markdown tables (bench/ploop-engine.sh puts them in
// doc/benchmarks.md). Not a test.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/size.h"
#include "ploop/image.h"
#include "ploop/snapshot.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kBlock = 4096;

struct Options {
  std::string dir = "/tmp";
  uint64_t disk = 1024 * kMiB;  // working set of the I/O tests
  uint64_t random_ops = 20000;
  uint64_t snap_disk = 10240 * kMiB;
  uint64_t snap_written = 1024 * kMiB;
  bool snapshots = true;
  int rounds = 5;
};

[[noreturn]] void Die(const std::string& what) {
  std::cerr << "ploop_engine_bench: " << what << "\n";
  std::exit(1);
}
void Check(const vz::Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.message());
}

struct Free {
  void operator()(void* p) const { std::free(p); }
};
std::unique_ptr<uint8_t, Free> Buffer(size_t len, uint8_t fill) {
  void* p = nullptr;
  if (posix_memalign(&p, 4096, len) != 0) Die("out of memory");
  std::memset(p, fill, len);
  return std::unique_ptr<uint8_t, Free>(static_cast<uint8_t*>(p));
}

// Something to run a workload against: the floor file or an image.
struct Target {
  std::function<void(uint64_t, void*, size_t)> read;
  std::function<void(uint64_t, const void*, size_t)> write;
  std::function<void()> flush;
};

struct Result {
  double seconds = 0;
  uint64_t bytes = 0, ops = 0;
};

std::vector<uint64_t> RandomOffsets(uint64_t n, uint64_t disk, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> pick(0, disk / kBlock - 1);
  std::vector<uint64_t> v(n);
  for (auto& o : v) o = pick(rng) * kBlock;
  return v;
}

// One 4 KiB write at a random place inside each cluster, clusters in
// random order: every write is the first touch of its cluster.
std::vector<uint64_t> FirstTouchOffsets(uint64_t disk, uint64_t cluster) {
  std::mt19937_64 rng(7);
  std::vector<uint64_t> v;
  for (uint64_t c = 0; c < disk / cluster; ++c) {
    v.push_back(c * cluster + (rng() % (cluster / kBlock)) * kBlock);
  }
  std::shuffle(v.begin(), v.end(), rng);
  return v;
}

Result Run(Target& t, bool write, const std::vector<uint64_t>& offsets,
           size_t len) {
  auto buf = Buffer(len, 0x5a);
  auto start = Clock::now();
  for (uint64_t off : offsets) {
    if (write) {
      t.write(off, buf.get(), len);
    } else {
      t.read(off, buf.get(), len);
    }
  }
  if (write) t.flush();
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  return {s, offsets.size() * len, offsets.size()};
}

std::vector<uint64_t> Sequential(uint64_t disk, uint64_t step) {
  std::vector<uint64_t> v;
  for (uint64_t o = 0; o < disk; o += step) v.push_back(o);
  return v;
}

// The workloads, in table order (Measure() fills them in this order).
struct Workload {
  const char* name;
  bool iops;  // report operations per second rather than MiB/s
};
const Workload kWorkloads[] = {
    {"sequential read, 1 MiB", false},
    {"random read, 4 KiB", true},
    {"sequential write, 1 MiB, into an empty top (allocating)", false},
    {"random write, 4 KiB, first touch of a cluster (allocating)", true},
    {"random write, 4 KiB, overwrite", true},
};

// What is measured: the floor file or an image stack. reset() gives a
// stack an empty top again (the floor has nothing to reset).
struct Subject {
  std::string name;
  Target target;
  std::function<void()> reset = [] {};
  std::function<void()> close = [] {};
};

Subject Floor(const Options& o) {
  std::string path = vz::JoinPath(o.dir, "floor.raw");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  if (fd < 0) Die("create '" + path + "'");
  if (::fallocate(fd, 0, 0, static_cast<off_t>(o.disk)) != 0) Die("fallocate");
  Subject s;
  s.name = "floor: pread/pwrite";
  s.target.read = [fd](uint64_t off, void* b, size_t n) {
    if (::pread(fd, b, n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
      Die("pread");
  };
  s.target.write = [fd](uint64_t off, const void* b, size_t n) {
    if (::pwrite(fd, b, n, static_cast<off_t>(off)) != static_cast<ssize_t>(n))
      Die("pwrite");
  };
  s.target.flush = [fd] {
    if (::fdatasync(fd) != 0) Die("fdatasync");
  };
  s.close = [fd, path] {
    ::close(fd);
    ::unlink(path.c_str());
  };
  // Written once, so reads see data, not unwritten extents.
  Run(s.target, true, Sequential(o.disk, kMiB), kMiB);
  return s;
}

std::unique_ptr<ploop::Image> OpenDirect(const std::string& dir) {
  ploop::OpenParams p;
  p.direct_io = true;
  auto img = ploop::Image::Open(dir, p);
  if (!img.has_value()) Die("open image: " + img.error().message());
  return std::move(img).value();
}

// A stack of `depth` deltas, every cluster written in exactly one of them
// (cluster c in delta c mod depth), so reads fall through evenly. reset()
// drops the top and starts an empty one on its parent (snapshot-switch):
// writes then go into an empty top over depth-1 populated deltas.
struct StackState {
  std::string dir;
  ploop::CreateParams params;
  size_t depth = 1;
  std::unique_ptr<ploop::Image> image;
};

Subject Stack(const Options& o, size_t depth) {
  auto st = std::make_shared<StackState>();
  st->dir = vz::JoinPath(o.dir, "stack" + std::to_string(depth));
  st->params.size_bytes = o.disk;
  st->depth = depth;
  (void)vz::RemoveTree(st->dir);
  Check(ploop::CreateImage(st->dir, st->params), "create image");
  st->image = OpenDirect(st->dir);
  auto buf = Buffer(kMiB, 0xa5);
  for (size_t level = 0; level < depth; ++level) {
    for (uint64_t c = level; c < o.disk / kMiB; c += depth) {
      Check(st->image->Write(c * kMiB, buf.get(), kMiB), "write");
    }
    if (level + 1 < depth) {
      Check(ploop::CreateSnapshot(*st->image, {}).status(), "snapshot");
    }
  }
  Check(st->image->Flush(), "flush");
  Subject s;
  s.name = std::to_string(depth) + (depth == 1 ? " delta" : " deltas");
  s.target.read = [st](uint64_t off, void* b, size_t n) {
    Check(st->image->Read(off, b, n), "read");
  };
  s.target.write = [st](uint64_t off, const void* b, size_t n) {
    Check(st->image->Write(off, b, n), "write");
  };
  s.target.flush = [st] { Check(st->image->Flush(), "flush"); };
  s.reset = [st] {
    if (st->depth == 1) {  // no parent to switch to: a new, empty image
      st->image.reset();
      (void)vz::RemoveTree(st->dir);
      Check(ploop::CreateImage(st->dir, st->params), "create image");
      st->image = OpenDirect(st->dir);
      return;
    }
    auto chain = *st->image->descriptor().Chain();
    Check(ploop::SwitchSnapshot(*st->image, chain[chain.size() - 2]->guid),
          "switch");
  };
  s.close = [st] {
    st->image.reset();
    (void)vz::RemoveTree(st->dir);
  };
  return s;
}

// Runs of one workload on one subject.
using Runs = std::vector<Result>;

double Rate(const Result& r, const Workload& w) {
  return (w.iops ? r.ops : r.bytes / double(kMiB)) / r.seconds;
}

Result Median(Runs runs) {
  std::sort(runs.begin(), runs.end(), [](const Result& a, const Result& b) {
    return a.seconds < b.seconds;
  });
  return runs[runs.size() / 2];
}

// (max - min) / median of the rates, in percent.
double Spread(const Runs& runs, const Workload& w) {
  double lo = 1e300, hi = 0;
  for (const auto& r : runs) {
    lo = std::min(lo, Rate(r, w));
    hi = std::max(hi, Rate(r, w));
  }
  return 100 * (hi - lo) / Rate(Median(runs), w);
}

std::string Cell(const Result& r, const Workload& w) {
  char b[64];
  if (w.iops) {
    std::snprintf(b, sizeof b, "%.1fk IOPS", Rate(r, w) / 1000);
  } else {
    std::snprintf(b, sizeof b, "%.0f MiB/s", Rate(r, w));
  }
  return b;
}

// table[workload][subject]
using Table = std::vector<std::vector<Runs>>;

void PrintIoTable(const std::vector<Subject>& subjects, const Table& table) {
  std::cout << "| workload |";
  for (const auto& s : subjects) std::cout << " " << s.name << " |";
  std::cout << " spread |\n|---|";
  for (size_t i = 0; i <= subjects.size(); ++i) std::cout << "---|";
  std::cout << "\n";
  for (size_t w = 0; w < std::size(kWorkloads); ++w) {
    const Workload& wl = kWorkloads[w];
    Result floor = Median(table[w][0]);
    std::cout << "| " << wl.name << " |";
    double spread = 0;
    for (size_t i = 0; i < subjects.size(); ++i) {
      Result m = Median(table[w][i]);
      std::cout << " " << Cell(m, wl);
      if (i > 0) {
        char ratio[32];
        std::snprintf(ratio, sizeof ratio, " (%.2fx)",
                      Rate(m, wl) / Rate(floor, wl));
        std::cout << ratio;
      }
      std::cout << " |";
      spread = std::max(spread, Spread(table[w][i], wl));
    }
    char sp[32];
    std::snprintf(sp, sizeof sp, " %.0f%% |", spread);
    std::cout << sp << "\n";
  }
}

// The filesystem's own cost of allocating: fallocate + pwrite of each MiB
// into a new file, O_DIRECT, then fdatasync (what an allocating engine
// write does underneath, without the engine).
Result AllocatingFile(const Options& o) {
  std::string path = vz::JoinPath(o.dir, "allocating.raw");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  if (fd < 0) Die("create '" + path + "'");
  auto buf = Buffer(kMiB, 0x3c);
  auto start = Clock::now();
  for (uint64_t off = 0; off < o.disk; off += kMiB) {
    if (::fallocate(fd, 0, static_cast<off_t>(off), kMiB) != 0 ||
        ::pwrite(fd, buf.get(), kMiB, static_cast<off_t>(off)) != kMiB)
      Die("write '" + path + "'");
  }
  if (::fdatasync(fd) != 0) Die("fdatasync");
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  ::close(fd);
  ::unlink(path.c_str());
  return {s, o.disk, o.disk / kMiB};
}

// Every workload runs `rounds` times, the subjects interleaved within each
// round, so that a slow moment of the (virtual) disk hits all of them.
// `allocating` collects AllocatingFile() once per round.
Table Measure(const Options& o, std::vector<Subject>& subjects,
              Runs& allocating) {
  Table t(std::size(kWorkloads), std::vector<Runs>(subjects.size()));
  const auto seq = Sequential(o.disk, kMiB);
  const auto rand_read = RandomOffsets(o.random_ops, o.disk, 1);
  const auto rand_write = RandomOffsets(o.random_ops, o.disk, 2);
  const auto first_touch = FirstTouchOffsets(o.disk, kMiB);
  for (int round = 0; round < o.rounds; ++round) {
    for (size_t i = 0; i < subjects.size(); ++i) {
      Target& x = subjects[i].target;
      t[0][i].push_back(Run(x, false, seq, kMiB));
      t[1][i].push_back(Run(x, false, rand_read, kBlock));
    }
  }
  for (int round = 0; round < o.rounds; ++round) {
    allocating.push_back(AllocatingFile(o));
    for (size_t i = 0; i < subjects.size(); ++i) {
      Subject& s = subjects[i];
      s.reset();
      t[2][i].push_back(Run(s.target, true, seq, kMiB));
      s.reset();
      t[3][i].push_back(Run(s.target, true, first_touch, kBlock));
      t[4][i].push_back(Run(s.target, true, rand_write, kBlock));
    }
  }
  return t;
}

double Seconds(const std::function<void()>& f) {
  auto start = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Writes `bytes` as whole clusters at random places of the disk.
void WriteRandomClusters(ploop::Image& img, uint64_t disk, uint64_t bytes,
                         uint64_t seed) {
  std::vector<uint64_t> clusters(disk / kMiB);
  for (uint64_t c = 0; c < clusters.size(); ++c) clusters[c] = c;
  std::mt19937_64 rng(seed);
  std::shuffle(clusters.begin(), clusters.end(), rng);
  auto buf = Buffer(kMiB, static_cast<uint8_t>(seed));
  for (uint64_t i = 0; i < bytes / kMiB; ++i) {
    Check(img.Write(clusters[i] * kMiB, buf.get(), kMiB), "write");
  }
  Check(img.Flush(), "flush");
}

void RunSnapshots(const Options& o) {
  std::string dir = vz::JoinPath(o.dir, "snap");
  (void)vz::RemoveTree(dir);
  ploop::CreateParams cp;
  cp.size_bytes = o.snap_disk;
  Check(ploop::CreateImage(dir, cp), "create image");
  auto img = OpenDirect(dir);
  WriteRandomClusters(*img, o.snap_disk, o.snap_written, 1);
  double create = Seconds(
      [&] { Check(ploop::CreateSnapshot(*img, {}).status(), "snapshot"); });
  WriteRandomClusters(*img, o.snap_disk, o.snap_written, 2);
  double merge =
      Seconds([&] { Check(ploop::MergeSnapshot(*img).status(), "merge"); });
  double again = Seconds(
      [&] { Check(ploop::CreateSnapshot(*img, {}).status(), "snapshot"); });
  double merge_empty =
      Seconds([&] { Check(ploop::MergeSnapshot(*img).status(), "merge"); });
  img.reset();
  (void)vz::RemoveTree(dir);
  std::string disk = vz::FormatSize(o.snap_disk, false);
  std::string written = vz::FormatSize(o.snap_written, false);
  std::printf("| operation | time |\n|---|---|\n");
  std::printf("| snapshot create (%s image, %s written) | %.1f ms |\n",
              disk.c_str(), written.c_str(), create * 1000);
  std::printf(
      "| merge top into base (%s in the top, 1 MiB clusters) | %.2f s "
      "(%.0f MiB/s) |\n",
      written.c_str(), merge, o.snap_written / merge / kMiB);
  std::printf("| snapshot create, second | %.1f ms |\n", again * 1000);
  std::printf("| merge of an empty top | %.1f ms |\n", merge_empty * 1000);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die("missing value for " + a);
      return argv[++i];
    };
    auto size = [&](const std::string& t) {
      auto r = vz::ParseSize(t, {.default_unit = kMiB});
      if (!r.has_value()) Die(r.error().message());
      return *r;
    };
    if (a == "--dir") {
      o.dir = next();
    } else if (a == "--disk") {
      o.disk = size(next());
    } else if (a == "--random-ops") {
      auto n = vz::ParseUint(next());
      if (!n.has_value()) Die(n.error().message());
      o.random_ops = *n;
    } else if (a == "--snap-disk") {
      o.snap_disk = size(next());
    } else if (a == "--snap-written") {
      o.snap_written = size(next());
    } else if (a == "--rounds") {
      auto n = vz::ParseUint(next());
      if (!n.has_value() || *n == 0) Die("invalid --rounds");
      o.rounds = static_cast<int>(*n);
    } else if (a == "--no-snapshots") {
      o.snapshots = false;
    } else {
      Die("usage: ploop_engine_bench [--dir DIR] [--disk SIZE] "
          "[--random-ops N] [--rounds N] [--snap-disk SIZE] "
          "[--snap-written SIZE] [--no-snapshots]");
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  std::vector<Subject> subjects;
  subjects.push_back(Floor(o));
  for (size_t depth : {1, 2, 8}) subjects.push_back(Stack(o, depth));
  Runs allocating;
  Table table = Measure(o, subjects, allocating);
  for (auto& s : subjects) s.close();
  std::cout << "### I/O through the engine\n\n";
  PrintIoTable(subjects, table);
  const Workload& seq_write = kWorkloads[2];
  std::cout << "\nThe same disk without the engine, fallocate + pwrite of each "
               "1 MiB into a new file (what an allocating write costs the "
               "filesystem): "
            << Cell(Median(allocating), seq_write) << " (spread "
            << static_cast<int>(Spread(allocating, seq_write)) << "%).\n";
  if (o.snapshots) {
    std::cout << "\n### Snapshots\n\n";
    std::cout.flush();
    RunSnapshots(o);
  }
  return 0;
}
