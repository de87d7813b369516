#include "libvz/net/shaping.h"

#include <linux/if_ether.h>
#include <linux/pkt_sched.h>

#include <cstring>

#include "libvz/net/libnl.h"

namespace vz::net {
namespace {

constexpr uint32_t kRoot = TC_HANDLE(1, 0);
constexpr uint32_t kTotal = TC_HANDLE(1, 1);
constexpr uint32_t kDefault = TC_HANDLE(1, 2);

Status NlErr(int err, const std::string& what) {
  return InternalError(what + ": " + Nl().nl_geterror(err));
}

uint32_t BytesPerSec(uint64_t kbit) {
  uint64_t b = kbit * 1000 / 8;
  return b > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(b);
}

Result<int> IfIndex(Netlink& nl, const std::string& dev) {
  VZ_ASSIGN_OR_RETURN(LinkInfo l, nl.GetLink(dev));
  return l.index;
}

Status AddClass(Netlink& nl, int ifindex, uint32_t parent, uint32_t handle,
                uint64_t rate, uint64_t ceil, const std::string& what) {
  rtnl_class* c = Nl().rtnl_class_alloc();
  Nl().rtnl_tc_set_ifindex(TC_CAST(c), ifindex);
  Nl().rtnl_tc_set_parent(TC_CAST(c), parent);
  Nl().rtnl_tc_set_handle(TC_CAST(c), handle);
  int err = Nl().rtnl_tc_set_kind(TC_CAST(c), "htb");
  if (err >= 0) err = Nl().rtnl_htb_set_rate(c, BytesPerSec(rate));
  if (err >= 0) err = Nl().rtnl_htb_set_ceil(c, BytesPerSec(ceil));
  if (err >= 0)
    err = Nl().rtnl_class_add(nl.socket(), c, NLM_F_CREATE | NLM_F_REPLACE);
  Nl().rtnl_class_put(c);
  if (err < 0) return NlErr(err, what);
  return OkStatus();
}

// One u32 filter: packets whose source is `src` go to `classid`.
Status AddFilter(Netlink& nl, int ifindex, uint32_t prio, uint32_t classid,
                 const Cidr& src) {
  rtnl_cls* f = Nl().rtnl_cls_alloc();
  Nl().rtnl_tc_set_ifindex(TC_CAST(f), ifindex);
  Nl().rtnl_tc_set_parent(TC_CAST(f), kRoot);
  int err = Nl().rtnl_tc_set_kind(TC_CAST(f), "u32");
  Nl().rtnl_cls_set_prio(f, static_cast<uint16_t>(prio));
  Nl().rtnl_cls_set_protocol(f, src.v4() ? ETH_P_IP : ETH_P_IPV6);
  // Layout: the source address is at byte 12 of an IPv4 header and at
  // byte 8 of an IPv6 header (four 32-bit keys).
  int words = src.v4() ? 1 : 4, off = src.v4() ? 12 : 8;
  for (int i = 0; err >= 0 && i < words; ++i) {
    uint32_t v;
    std::memcpy(&v, src.bytes.data() + 4 * i, 4);
    err = Nl().rtnl_u32_add_key_uint32(f, ntohl(v), 0xffffffff, off + 4 * i, 0);
  }
  if (err >= 0) err = Nl().rtnl_u32_set_classid(f, classid);
  // A match must be final (tc's "flowid"), or it only selects a hash table.
  if (err >= 0) err = Nl().rtnl_u32_set_cls_terminal(f);
  if (err >= 0) err = Nl().rtnl_cls_add(nl.socket(), f, NLM_F_CREATE);
  Nl().rtnl_cls_put(f);
  if (err < 0)
    return NlErr(err, "add shaping filter for '" + src.Address() + "'");
  return OkStatus();
}

}  // namespace

Status EnsureShapedDevice(Netlink& nl, const std::string& dev,
                          uint64_t total_kbit) {
  VZ_ASSIGN_OR_RETURN(int idx, IfIndex(nl, dev));
  rtnl_qdisc* q = Nl().rtnl_qdisc_alloc();
  Nl().rtnl_tc_set_ifindex(TC_CAST(q), idx);
  Nl().rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
  Nl().rtnl_tc_set_handle(TC_CAST(q), kRoot);
  int err = Nl().rtnl_tc_set_kind(TC_CAST(q), "htb");
  if (err >= 0) err = Nl().rtnl_htb_set_defcls(q, kDefault);
  // NLM_F_EXCL: an existing HTB root of ours is kept with its classes.
  if (err >= 0)
    err = Nl().rtnl_qdisc_add(nl.socket(), q, NLM_F_CREATE | NLM_F_EXCL);
  Nl().rtnl_qdisc_put(q);
  if (err < 0 && err != -NLE_EXIST)
    return NlErr(err, "add HTB qdisc on '" + dev + "'");
  VZ_RETURN_IF_ERROR(AddClass(nl, idx, kRoot, kTotal, total_kbit, total_kbit,
                              "add total class on '" + dev + "'"));
  return AddClass(nl, idx, kTotal, kDefault, total_kbit, total_kbit,
                  "add default class on '" + dev + "'");
}

Status AddShapedContainer(Netlink& nl, const std::string& dev, uint32_t index,
                          uint64_t rate_kbit, uint64_t ceil_kbit,
                          const std::vector<Cidr>& sources) {
  VZ_ASSIGN_OR_RETURN(int idx, IfIndex(nl, dev));
  uint32_t minor = index + kClassBase;
  if (minor > 0xffff)
    return InvalidArgumentError("network index too large for a tc class");
  uint32_t classid = TC_HANDLE(1, minor);
  VZ_RETURN_IF_ERROR(AddClass(nl, idx, kTotal, classid, rate_kbit, ceil_kbit,
                              "add shaping class on '" + dev + "'"));
  for (const Cidr& s : sources)
    VZ_RETURN_IF_ERROR(AddFilter(nl, idx, minor, classid, s.Host()));
  return OkStatus();
}

Status RemoveShapedContainer(Netlink& nl, const std::string& dev,
                             uint32_t index) {
  auto idx = IfIndex(nl, dev);
  if (!idx.has_value()) return OkStatus();  // the device is gone: so is its tc
  uint32_t minor = index + kClassBase;
  for (int proto :
       {ETH_P_IP, ETH_P_IPV6}) {  // every filter at the container's priority
    rtnl_cls* f = Nl().rtnl_cls_alloc();
    Nl().rtnl_tc_set_ifindex(TC_CAST(f), *idx);
    Nl().rtnl_tc_set_parent(TC_CAST(f), kRoot);
    Nl().rtnl_tc_set_kind(TC_CAST(f), "u32");
    Nl().rtnl_cls_set_prio(f, static_cast<uint16_t>(minor));
    Nl().rtnl_cls_set_protocol(f, static_cast<uint16_t>(proto));
    (void)Nl().rtnl_cls_delete(nl.socket(), f, 0);
    Nl().rtnl_cls_put(f);
  }
  rtnl_class* c = Nl().rtnl_class_alloc();
  Nl().rtnl_tc_set_ifindex(TC_CAST(c), *idx);
  Nl().rtnl_tc_set_parent(TC_CAST(c), kTotal);
  Nl().rtnl_tc_set_handle(TC_CAST(c), TC_HANDLE(1, minor));
  (void)Nl().rtnl_class_delete(nl.socket(), c);
  Nl().rtnl_class_put(c);
  return OkStatus();
}

Status RemoveShapedDevice(Netlink& nl, const std::string& dev) {
  auto idx = IfIndex(nl, dev);
  if (!idx.has_value()) return OkStatus();
  rtnl_qdisc* q = Nl().rtnl_qdisc_alloc();
  Nl().rtnl_tc_set_ifindex(TC_CAST(q), *idx);
  Nl().rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
  int err = Nl().rtnl_qdisc_delete(nl.socket(), q);
  Nl().rtnl_qdisc_put(q);
  if (err < 0 && err != -NLE_OBJ_NOTFOUND)
    return NlErr(err, "remove the HTB qdisc of '" + dev + "'");
  return OkStatus();
}

}  // namespace vz::net
