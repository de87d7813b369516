// libnl (libnl-route-3, which brings libnl-3) loaded on first use
// (doc/adr/0007). A program that links libnl maps and relocates it and
// runs its constructors (the route module registers every object type and
// tc module) before main(), about 0.3 ms per run here; a start and an exec
// of a container without network addresses make no netlink call, while
// vzctl and the monitor run on their critical path.
//
// The headers are still used at build time, so a changed prototype fails
// the build; each call goes through the table, `Nl().rtnl_link_alloc()`.
#pragma once

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>

#include "base/status.h"

namespace vz::net {

// Every libnl call we make, once.
#define VZ_LIBNL_CALLS(X)      \
  X(nl_addr_build)             \
  X(nl_addr_cmp_prefix)        \
  X(nl_addr_get_binary_addr)   \
  X(nl_addr_get_family)        \
  X(nl_addr_get_len)           \
  X(nl_addr_get_prefixlen)     \
  X(nl_addr_put)               \
  X(nl_addr_set_prefixlen)     \
  X(nl_cache_free)             \
  X(nl_cache_get_first)        \
  X(nl_cache_get_next)         \
  X(nl_connect)                \
  X(nl_geterror)               \
  X(nl_socket_alloc)           \
  X(nl_socket_free)            \
  X(rtnl_addr_add)             \
  X(rtnl_addr_alloc)           \
  X(rtnl_addr_alloc_cache)     \
  X(rtnl_addr_delete)          \
  X(rtnl_addr_get_ifindex)     \
  X(rtnl_addr_get_local)       \
  X(rtnl_addr_get_prefixlen)   \
  X(rtnl_addr_put)             \
  X(rtnl_addr_set_flags)       \
  X(rtnl_addr_set_ifindex)     \
  X(rtnl_addr_set_local)       \
  X(rtnl_addr_set_prefixlen)   \
  X(rtnl_class_add)            \
  X(rtnl_class_alloc)          \
  X(rtnl_class_delete)         \
  X(rtnl_class_put)            \
  X(rtnl_cls_add)              \
  X(rtnl_cls_alloc)            \
  X(rtnl_cls_delete)           \
  X(rtnl_cls_put)              \
  X(rtnl_cls_set_prio)         \
  X(rtnl_cls_set_protocol)     \
  X(rtnl_htb_set_ceil)         \
  X(rtnl_htb_set_defcls)       \
  X(rtnl_htb_set_rate)         \
  X(rtnl_link_add)             \
  X(rtnl_link_alloc)           \
  X(rtnl_link_alloc_cache)     \
  X(rtnl_link_change)          \
  X(rtnl_link_delete)          \
  X(rtnl_link_get_addr)        \
  X(rtnl_link_get_flags)       \
  X(rtnl_link_get_ifindex)     \
  X(rtnl_link_get_kernel)      \
  X(rtnl_link_get_master)      \
  X(rtnl_link_get_name)        \
  X(rtnl_link_get_stat)        \
  X(rtnl_link_i2name)          \
  X(rtnl_link_put)             \
  X(rtnl_link_set_addr)        \
  X(rtnl_link_set_flags)       \
  X(rtnl_link_set_master)      \
  X(rtnl_link_set_name)        \
  X(rtnl_link_set_ns_fd)       \
  X(rtnl_link_set_type)        \
  X(rtnl_link_unset_flags)     \
  X(rtnl_link_veth_alloc)      \
  X(rtnl_link_veth_get_peer)   \
  X(rtnl_neigh_add)            \
  X(rtnl_neigh_alloc)          \
  X(rtnl_neigh_delete)         \
  X(rtnl_neigh_put)            \
  X(rtnl_neigh_set_dst)        \
  X(rtnl_neigh_set_flags)      \
  X(rtnl_neigh_set_ifindex)    \
  X(rtnl_qdisc_add)            \
  X(rtnl_qdisc_alloc)          \
  X(rtnl_qdisc_delete)         \
  X(rtnl_qdisc_put)            \
  X(rtnl_route_add)            \
  X(rtnl_route_add_nexthop)    \
  X(rtnl_route_alloc)          \
  X(rtnl_route_alloc_cache)    \
  X(rtnl_route_delete)         \
  X(rtnl_route_get_dst)        \
  X(rtnl_route_get_nnexthops)  \
  X(rtnl_route_get_table)      \
  X(rtnl_route_get_type)       \
  X(rtnl_route_nexthop_n)      \
  X(rtnl_route_nh_alloc)       \
  X(rtnl_route_nh_get_ifindex) \
  X(rtnl_route_nh_set_gateway) \
  X(rtnl_route_nh_set_ifindex) \
  X(rtnl_route_put)            \
  X(rtnl_route_set_dst)        \
  X(rtnl_route_set_family)     \
  X(rtnl_route_set_scope)      \
  X(rtnl_tc_set_handle)        \
  X(rtnl_tc_set_ifindex)       \
  X(rtnl_tc_set_kind)          \
  X(rtnl_tc_set_parent)        \
  X(rtnl_u32_add_key_uint32)   \
  X(rtnl_u32_set_classid)      \
  X(rtnl_u32_set_cls_terminal)

struct LibNl {
#define VZ_LIBNL_MEMBER(f) decltype(&::f) f;
  VZ_LIBNL_CALLS(VZ_LIBNL_MEMBER)
#undef VZ_LIBNL_MEMBER
};

// Loads the library and resolves every call, once per process (later
// calls return the first result). Errors: kFailedPrecondition naming the
// library, its Debian package and dlopen's reason, or the missing symbol.
Result<const LibNl*> LoadLibNl();

// The loaded table. Only after LoadLibNl() succeeded: Netlink::Open loads
// it, and every other use holds a Netlink.
const LibNl& Nl();

}  // namespace vz::net
