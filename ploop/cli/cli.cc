#include "ploop/cli/cli.h"

#include <iostream>

#include "base/size.h"
#include "ploop/exit_codes.h"
#include "ploop/image.h"

namespace ploop::cli {

namespace {
std::string& RootFlag() {
  static std::string root;
  return root;
}
}  // namespace

void SetRootFlag(std::string dir) { RootFlag() = std::move(dir); }

vz::Result<vz::NodeRoot> Node() {
  return vz::NodeRoot::FromFlagOrEnv(RootFlag());
}

vz::Status Usage(const std::string& message) {
  return vz::InvalidArgumentError(message).WithExitCode(kSysExitParam);
}

vz::Result<po::variables_map> Parse(const Args& args,
                                    const po::options_description& options,
                                    const std::vector<std::string>& positional,
                                    int max_positional) {
  po::options_description all = options;
  po::positional_options_description pos;
  std::vector<std::string> words(args.begin(), args.end());
  if (!positional.empty()) {
    all.add_options()("vz-positional", po::value<std::vector<std::string>>(),
                      "");
    pos.add("vz-positional", -1);
  }
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(words)
                  .options(all)
                  .positional(pos)
                  .style(po::command_line_style::default_style &
                         ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Usage(e.what());
  }
  if (vm.count("vz-positional")) {
    auto values = vm["vz-positional"].as<std::vector<std::string>>();
    if (static_cast<int>(values.size()) > max_positional) {
      return Usage("unexpected argument '" +
                   values[static_cast<size_t>(max_positional)] + "'");
    }
    for (size_t i = 0; i < values.size() && i < positional.size(); ++i) {
      vm.emplace(positional[i], po::variable_value(values[i], false));
    }
  }
  return vm;
}

vz::Result<std::string> Positional(const po::variables_map& vm,
                                   const std::string& name,
                                   const std::string& what) {
  if (!vm.count(name)) return Usage("missing " + what);
  return vm[name].as<std::string>();
}

vz::Result<vz::Uuid> ParseGuid(const std::string& text) {
  auto g = vz::Uuid::Parse(text);
  if (!g.has_value()) return Usage("invalid UUID '" + text + "'");
  return *g;
}

vz::Result<std::string> DescriptorArg(const po::variables_map& vm) {
  VZ_ASSIGN_OR_RETURN(std::string dd,
                      Positional(vm, "dd", "DiskDescriptor.xml"));
  return DescriptorPathFor(dd);
}

void PrintNotes(const std::vector<std::string>& notes) {
  for (const auto& n : notes) std::cout << n << "\n";
}

vz::Result<uint64_t> ParseImageSize(const std::string& text) {
  auto r = vz::ParseSize(text, {.default_unit = 512});
  if (!r.has_value()) return Usage(r.error().message());
  if (*r == 0)
    return Usage("invalid size '" + text + "': must be greater than 0");
  return *r;
}

}  // namespace ploop::cli
