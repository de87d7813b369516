#include "libvz/exit_codes.h"

#include <cerrno>
#include <utility>

namespace vz {
namespace {

constexpr std::pair<int, std::string_view> kNames[] = {
    {kVzSetUbcError, "VZ_SETUBC_ERROR"},
    {kVzSetFshdError, "VZ_SETFSHD_ERROR"},
    {kVzSystemError, "VZ_SYSTEM_ERROR"},
    {kVzBadKernel, "VZ_BAD_KERNEL"},
    {kVzResourceError, "VZ_RESOURCE_ERROR"},
    {kVzEnvCreateError, "VZ_ENVCREATE_ERROR"},
    {kVzCommandExecutionError, "VZ_COMMAND_EXECUTION_ERROR"},
    {kVzLocked, "VZ_LOCKED"},
    {kVzNoConfig, "VZ_NOCONFIG"},
    {kVzNoScript, "VZ_NOSCRIPT"},
    {kVzNoAccess, "VZ_NO_ACCES"},
    {kVzSetCap, "VZ_SET_CAP"},
    {kVzNoVeConfig, "VZ_NOVECONFIG"},
    {kVzExecTimeout, "VZ_EXEC_TIMEOUT"},
    {kVzChkpntError, "VZ_CHKPNT_ERROR"},
    {kVzRestoreError, "VZ_RESTORE_ERROR"},
    {kVzInvalidParameterSyntax, "VZ_INVALID_PARAMETER_SYNTAX"},
    {kVzInvalidParameterValue, "VZ_INVALID_PARAMETER_VALUE"},
    {kVzVeRootNotSet, "VZ_VE_ROOT_NOTSET"},
    {kVzVePrivateNotSet, "VZ_VE_PRIVATE_NOTSET"},
    {kVzVeTmplNotSet, "VZ_VE_TMPL_NOTSET"},
    {kVzNotEnoughParams, "VZ_NOTENOUGHPARAMS"},
    {kVzVePkgSetNotSet, "VZ_VE_PKGSET_NOTSET"},
    {kVzVeNotRunning, "VZ_VE_NOT_RUNNING"},
    {kVzVeRunning, "VZ_VE_RUNNING"},
    {kVzStopError, "VZ_STOP_ERROR"},
    {kVzCantAddIp, "VZ_CANT_ADDIP"},
    {kVzFsNotMounted, "VZ_FS_NOT_MOUNTED"},
    {kVzFsMounted, "VZ_FS_MOUNTED"},
    {kVzFsNoPrvt, "VZ_FS_NOPRVT"},
    {kVzFsPrvtAreaExist, "VZ_FS_PRVT_AREA_EXIST"},
    {kVzFsNoDiskSpace, "VZ_FS_NO_DISK_SPACE"},
    {kVzFsBadTmpl, "VZ_FS_BAD_TMPL"},
    {kVzFsNewVePrvt, "VZ_FS_NEW_VE_PRVT"},
    {kVzFsMpointCreate, "VZ_FS_MPOINTCREATE"},
    {kVzFsCantMount, "VZ_FS_CANTMOUNT"},
    {kVzFsCantUmount, "VZ_FS_CANTUMOUNT"},
    {kVzFsDelPrvt, "VZ_FS_DEL_PRVT"},
    {kVzCantCreateDir, "VZ_CANT_CREATE_DIR"},
    {kVzBadHostname, "VZ_BADHOSTNAME"},
    {kVzBadIp, "VZ_BADIP"},
    {kVzBadDnsSrv, "VZ_BADDNSSRV"},
    {kVzBadDnsSearch, "VZ_BADDNSSEARCH"},
    {kVzChangePass, "VZ_CHANGEPASS"},
    {kVzIpInUse, "VZ_IP_INUSE"},
    {kVzActionScriptError, "VZ_ACTIONSCRIPT_ERROR"},
    {kVzCpConfig, "VZ_CP_CONFIG"},
    {kVzInvalidConfig, "VZ_INVALID_CONFIG"},
    {kVzSetDevices, "VZ_SET_DEVICES"},
    {kVzPkgSetNotFound, "VZ_PKGSET_NOT_FOUND"},
    {kVzNoPloop, "VZCTL_E_NO_PLOOP"},
    {kVzNetdevError, "VZ_NETDEV_ERROR"},
    {kVzVeStartDisabled, "VZ_VE_START_DISABLED"},
    {kVzNoDistrConf, "VZ_NO_DISTR_CONF"},
    {kVzApplyConfigError, "VZ_APPLY_CONFIG_ERROR"},
    {kVzVethError, "VZ_VETH_ERROR"},
    {kVzSetNameError, "VZ_SET_NAME_ERROR"},
    {kVzWaitFailed, "VZ_WAIT_FAILED"},
    {kVzCreateImage, "VZCTL_E_CREATE_IMAGE"},
    {kVzMountImage, "VZCTL_E_MOUNT_IMAGE"},
    {kVzUmountImage, "VZCTL_E_UMOUNT_IMAGE"},
    {kVzResizeImage, "VZCTL_E_RESIZE_IMAGE"},
    {kVzConvertImage, "VZCTL_E_CONVERT_IMAGE"},
    {kVzCreateSnapshot, "VZCTL_E_CREATE_SNAPSHOT"},
    {kVzMergeSnapshot, "VZCTL_E_MERGE_SNAPSHOT"},
    {kVzDeleteSnapshot, "VZCTL_E_DELETE_SNAPSHOT"},
    {kVzSwitchSnapshot, "VZCTL_E_SWITCH_SNAPSHOT"},
    {kVzMountSnapshot, "VZCTL_E_MOUNT_SNAPSHOT"},
    {kVzUmountSnapshot, "VZCTL_E_UMOUNT_SNAPSHOT"},
    {kVzCompactImage, "VZCTL_E_COMPACT_IMAGE"},
    {kVzListSnapshot, "VZCTL_E_LIST_SNAPSHOT"},
};

}  // namespace

int ExitCodeFor(const Status& s) {
  if (s.ok()) return kVzOk;
  if (s.exit_code()) return *s.exit_code();
  switch (s.code()) {
    case Code::kInvalidArgument:
      return kVzInvalidParameterValue;
    case Code::kAlreadyExists:
      return kVzFsPrvtAreaExist;
    case Code::kResourceExhausted:
      return kVzFsNoDiskSpace;
    case Code::kUnavailable:
      // Only a held lock means "locked"; a busy device is a system error.
      return s.sys_errno() == EWOULDBLOCK ? kVzLocked : kVzSystemError;
    default:
      return kVzSystemError;
  }
}

std::string_view ExitCodeName(int code) {
  for (const auto& [value, name] : kNames) {
    if (value == code) return name;
  }
  return {};
}

}  // namespace vz
