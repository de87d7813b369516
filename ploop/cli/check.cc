// ploop check: check (and with -r repair) an image or one delta.
#include "ploop/check.h"

#include <sys/stat.h>

#include <iostream>

#include "ploop/cli/commands.h"
#include "ploop/exit_codes.h"
#include "ploop/image.h"

namespace ploop::cli {
namespace {

bool IsDescriptor(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return true;
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".xml") == 0;
}

}  // namespace

vz::Status RunCheck(const Args& args) {
  po::options_description o;
  o.add_options()("repair,r", po::bool_switch(), "")(
      "drop-inuse,d", po::bool_switch(), "")("force,f", po::bool_switch(), "")(
      "raw,R", po::bool_switch(), "")("blocksize,b", po::value<uint32_t>(), "");
  VZ_ASSIGN_OR_RETURN(auto vm, Parse(args, o, {"target"}));
  VZ_ASSIGN_OR_RETURN(std::string target,
                      Positional(vm, "target", "DiskDescriptor.xml or DELTA"));
  CheckOptions opts;
  opts.repair = vm["repair"].as<bool>();
  opts.drop_in_use = vm["drop-inuse"].as<bool>();
  if (vm.count("blocksize")) {
    opts.raw_cluster_sectors = vm["blocksize"].as<uint32_t>();
  }
  vz::Result<CheckReport> r =
      IsDescriptor(target) ? CheckImage(DescriptorPathFor(target), opts)
                           : CheckDelta(target, vm["raw"].as<bool>(), opts);
  if (!r.has_value()) return std::move(r).error();
  size_t remain = 0;
  for (const auto& f : r->findings) {
    std::cout << "'" << f.file << "': " << f.message
              << (f.fixed ? " [fixed]" : " [not fixed]") << "\n";
    remain += f.fixed ? 0 : 1;
  }
  PrintNotes(r->notes);
  if (r->clean()) {
    std::cout << "no problems found\n";
    return vz::OkStatus();
  }
  if (remain == 0) {
    std::cout << r->findings.size() << " problem(s) found, all fixed\n";
    return vz::OkStatus();
  }
  return vz::DataLossError(std::to_string(remain) + " problem(s) remain" +
                           (opts.repair ? "" : " (run with -r to repair)"))
      .WithExitCode(kSysExitPloopFmt);
}

}  // namespace ploop::cli
