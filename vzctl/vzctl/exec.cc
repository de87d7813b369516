// vzctl exec|exec2|enter|runscript CTID ... (doc/vzctl.md): a command
// inside a running container with this terminal's stdin, stdout, stderr.
#include <unistd.h>

#include "base/file_util.h"
#include "libvz/container.h"
#include "libvz/exit_codes.h"
#include "vzctl/vzctl/commands.h"

namespace vz::vzctl {
namespace {

// OpenVZ's exec takes the words after CTID as one shell command line;
// "-" reads it from stdin.
Result<std::vector<std::string>> CommandArgv(const cli::Args& words) {
  std::string line;
  for (const auto& w : words) line += (line.empty() ? "" : " ") + w;
  if (line == "-") {
    char buf[4096];
    ssize_t n;
    line.clear();
    while ((n = ::read(0, buf, sizeof buf)) > 0) line.append(buf, size_t(n));
  }
  if (line.empty()) return cli::Usage("missing command");
  return std::vector<std::string>{"/bin/sh", "-c", line};
}

Result<int> Run(cli::Context& ctx, const cli::Args& args,
                const std::vector<std::string>& argv) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  return ExecInContainer(ctx.node, ctid, argv);
}

// The command's own exit code becomes vzctl's.
Status ExitWith(int rc) {
  if (rc == 0) return OkStatus();
  return Status(Code::kAborted,
                "command exited with code " + std::to_string(rc))
      .WithExitCode(rc);
}

}  // namespace

Status RunExec(cli::Context& ctx, const cli::Args& args) {
  if (args.empty()) return cli::Usage("missing CTID");
  VZ_ASSIGN_OR_RETURN(auto argv, CommandArgv({args.begin() + 1, args.end()}));
  VZ_ASSIGN_OR_RETURN(int rc, Run(ctx, {args[0]}, argv));
  if (rc == 0) return OkStatus();
  return Status(Code::kAborted,
                "command exited with code " + std::to_string(rc))
      .WithExitCode(kVzCommandExecutionError);
}

Status RunExec2(cli::Context& ctx, const cli::Args& args) {
  if (args.empty()) return cli::Usage("missing CTID");
  VZ_ASSIGN_OR_RETURN(auto argv, CommandArgv({args.begin() + 1, args.end()}));
  VZ_ASSIGN_OR_RETURN(int rc, Run(ctx, {args[0]}, argv));
  return ExitWith(rc);
}

Status RunEnter(cli::Context& ctx, const cli::Args& args) {
  VZ_ASSIGN_OR_RETURN(auto vm, cli::Parse(args, {}, {"ctid"}));
  VZ_ASSIGN_OR_RETURN(std::string ctid, cli::ContainerArg(ctx, vm));
  cli::Say(ctx, "entered into container " + ctid);
  VZ_ASSIGN_OR_RETURN(int rc, EnterContainer(ctx.node, ctid, 0, 1));
  cli::Say(ctx, "exited from container " + ctid);
  return ExitWith(rc);
}

Status RunRunscript(cli::Context& ctx, const cli::Args& args) {
  if (args.size() != 2) return cli::Usage("usage: runscript CTID SCRIPT");
  VZ_ASSIGN_OR_RETURN(std::string text, ReadFile(args[1]));
  VZ_ASSIGN_OR_RETURN(int rc,
                      Run(ctx, {args[0]}, {"/bin/sh", "-c", text, args[1]}));
  return ExitWith(rc);
}

}  // namespace vz::vzctl
