// Container storage from templates, through the CLIs: build, sign, trust,
// create (O(1): the template's image linked, not copied), mount, du,
// destroy, tamper detection, rollback, identity, import, bad input.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include <gtest/gtest.h>

#include "base/file_util.h"
#include "base/strings.h"
#include "base/subprocess.h"
#include "base/unique_fd.h"
#include "libvz/cgroup.h"
#include "libvz/storage/disk_size.h"
#include "ploop/mount.h"
#include "test/integration/node_fixture.h"

namespace vz::testing {
namespace {

class StorageTest : public NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    BuildBusybox();
    SignAndTrust(kBusybox, "busybox-");
  }

  std::string PrivateImage(const std::string& ctid) {
    return Path("/vz/private/" + ctid + "/root.hdd/root.hds");
  }

  void FlipByte(const std::string& path, off_t at) {
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    UniqueFd fd(::open(path.c_str(), O_RDWR));
    ASSERT_TRUE(fd.valid());
    char c;
    ASSERT_EQ(::pread(fd.get(), &c, 1, at), 1);
    c ^= 0x20;
    ASSERT_EQ(::pwrite(fd.get(), &c, 1, at), 1);
  }
};

TEST_F(StorageTest, CreateLinksTheTemplateAndDestroyLeavesNothing) {
  const uint64_t ino = Inode(TemplateImage());
  auto c = Vzctl({"create", "101", "--ostemplate", kBusybox, "--name", "web",
                  "--hostname", "web.example.com", "--diskspace", "1G"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(c.err.find("NOT TRUSTED"), std::string::npos);
  // O(1): the container's base delta is the template's inode.
  EXPECT_EQ(Inode(PrivateImage("101")), ino);
  EXPECT_EQ(Nlink(TemplateImage()), 2u);
  // The top delta: its header and, copied up at create, the cluster of the
  // filesystem's superblock, which the first mount writes (1 MiB each).
  auto files = ListDir(Path("/vz/private/101/root.hdd"));
  ASSERT_TRUE(files.has_value());
  std::string top;
  for (const auto& f : files.value()) {
    if (f.rfind("root.hds.{", 0) == 0) top = f;
  }
  ASSERT_FALSE(top.empty());
  struct stat st;
  ASSERT_EQ(::stat(Path("/vz/private/101/root.hdd/" + top).c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 2 << 20);
  auto conf = ReadFile(Path("/etc/vz/conf/101.conf"));
  ASSERT_TRUE(conf.has_value());
  for (const char* key :
       {"OSTEMPLATE=\"busybox-1.35-x86_64\"", "NAME=\"web\"",
        "HOSTNAME=\"web.example.com\"", "DISKSPACE=\"1048576:1048576\"",
        "UUID=", "ORIGIN_SAMPLE=\"basic\""}) {
    EXPECT_NE(conf->find(key), std::string::npos) << key << "\n" << *conf;
  }

  ASSERT_EQ(Vzctl({"mount", "web"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 exist mounted down\n");
  EXPECT_EQ(Vzctl({"mount", "101"}).exit_code, 41);  // VZ_FS_MOUNTED
  ASSERT_TRUE(WriteFileAtomic(Path("/vz/root/101/root/hello"), "hi").ok());
  auto du = Vzctl({"du", "101"});
  EXPECT_NE(du.out.find("logical        1024.0M"), std::string::npos) << du.out;
  ASSERT_EQ(Vzctl({"umount", "101"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"umount", "101"}).exit_code, 40);  // VZ_FS_NOT_MOUNTED
  // What was written survives a remount.
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);
  EXPECT_EQ(*ReadFile(Path("/vz/root/101/root/hello")), "hi");

  auto d = Vzctl({"destroy", "101"});  // unmounts first
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_FALSE(PathExists(Path("/vz/private/101")));
  EXPECT_FALSE(PathExists(Path("/etc/vz/conf/101.conf")));
  EXPECT_EQ(Vzctl({"status", "101"}).out, "CTID 101 deleted unmounted down\n");
  EXPECT_EQ(Nlink(TemplateImage()), 1u);
  // The template was resealed after the unlink: still intact and trusted.
  EXPECT_EQ(Vztmpl({"verify", kBusybox}).exit_code, 0);
  EXPECT_EQ(Vzctl({"destroy", "101"}).exit_code, 14);  // VZ_NOVECONFIG
}

// The devfuse.* variant's disks are served over /dev/fuse, through vzctl
// and its monitor too: VZ_PLOOP_URING reaches every mount vz makes.
TEST_F(StorageTest, TheVariantsTransportReachesVzctlsMounts) {
  const char* want = std::getenv("VZ_PLOOP_URING");
  if (!want || std::string(want) == "auto")
    GTEST_SKIP() << "VZ_PLOOP_URING not set: the default variant";
  ASSERT_EQ(Vzctl({"create", "101", "--ostemplate", kBusybox}).exit_code, 0);
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);
  auto stat = RunSubprocess({PloopBinary(), "--root", node_.root(), "stat",
                             Path("/vz/private/101/root.hdd")});
  ASSERT_TRUE(stat.has_value());
  EXPECT_NE(
      stat->out.find(std::string("transport=") +
                     (std::string(want) == "off" ? "dev-fuse" : "io_uring")),
      std::string::npos)
      << stat->out << stat->err;
  ASSERT_EQ(Vzctl({"destroy", "101"}).exit_code, 0);
}

// doc/storage.md §3: the size the descriptor records, remembered with
// its identity by whoever wrote it last (create, a resize at the mount),
// so that a start need not parse it.
TEST_F(StorageTest, TheDiskSizeIsRememberedByItsWriters) {
  ASSERT_EQ(
      Vzctl({"create", "101", "--ostemplate", kBusybox, "--diskspace", "1G"})
          .exit_code,
      0);
  const std::string dd = Path("/vz/private/101/root.hdd/DiskDescriptor.xml");
  const std::string remembered = Path("/vz/private/101/disk-size");
  // What a start would use: nothing when the descriptor changed since.
  auto bytes = [&]() -> uint64_t {
    auto id = IdentityOf(dd);
    if (!id.has_value()) return 0;
    return storage::RememberedDiskSize(remembered, *id).value_or(0);
  };
  EXPECT_EQ(bytes(), uint64_t{10} << 30);           // the template's, by create
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);  // shrunk to DISKSPACE
  ASSERT_EQ(Vzctl({"umount", "101"}).exit_code, 0);
  EXPECT_EQ(bytes(), uint64_t{1} << 30);
  ASSERT_EQ(Vzctl({"set", "101", "--diskspace", "2G", "--save"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"mount", "101"}).exit_code, 0);  // grown offline
  EXPECT_EQ(bytes(), uint64_t{2} << 30);
  struct statvfs fs;
  ASSERT_EQ(::statvfs(Path("/vz/root/101").c_str(), &fs), 0);
  EXPECT_GT(fs.f_blocks * fs.f_frsize, uint64_t{3} << 29);  // over 1.5G
  ASSERT_EQ(Vzctl({"destroy", "101"}).exit_code, 0);
}

// doc/ploop-format.md §9: the device server keeps what the descriptor
// said in $VE_PRIVATE/disk-descriptor.memo and, while the descriptor is
// unchanged, mounts without loading libxml2.
TEST_F(StorageTest, TheDeviceServerRemembersTheDescriptor) {
  ASSERT_EQ(Vzctl({"-q", "create", "101", "--ostemplate", kBusybox}).exit_code,
            0);
  const std::string dd = Path("/vz/private/101/root.hdd/DiskDescriptor.xml");
  const std::string memo = Path("/vz/private/101/disk-descriptor.memo");
  // Whether the image's device server has libxml2 mapped: whether it read
  // the XML.
  auto server_read_xml = [&]() -> std::optional<bool> {
    auto m = ploop::FindMount(node_, dd);
    if (!m.has_value() || !*m || !(*m)->alive) return std::nullopt;
    auto maps = ReadFile("/proc/" + std::to_string((*m)->pid) + "/maps");
    if (!maps.has_value()) return std::nullopt;
    return maps->find("libxml2") != std::string::npos;
  };
  auto images_remembered = [&]() {
    auto text = ReadFile(memo);
    size_t n = 0;
    for (size_t at = 0;
         text && (at = text->find("\nimage ", at)) != std::string::npos; ++at) {
      ++n;
    }
    return n;
  };
  // Mounts and tells whether the server read the XML (nullopt: the mount
  // failed); the container stays mounted.
  auto mount = [&]() -> std::optional<bool> {
    if (Vzctl({"-q", "mount", "101"}).exit_code != 0) return std::nullopt;
    return server_read_xml();
  };
  auto umount = [&] { return Vzctl({"-q", "umount", "101"}).exit_code == 0; };
  // Create remembered the descriptor it wrote: not even the first mount
  // reads it.
  EXPECT_EQ(images_remembered(), 2u);  // the template's base and the top
  EXPECT_EQ(mount(), false);
  ASSERT_TRUE(umount());
  // Gone: the XML, and remembered again.
  ASSERT_EQ(::unlink(memo.c_str()), 0);
  EXPECT_EQ(mount(), true);
  EXPECT_EQ(images_remembered(), 2u);
  ASSERT_TRUE(umount());
  EXPECT_EQ(mount(), false);
  ASSERT_TRUE(umount());
  // A snapshot rewrites the descriptor: read again, remembered again.
  ASSERT_EQ(Vzctl({"-q", "snapshot", "101"}).exit_code, 0);
  EXPECT_EQ(mount(), true);
  EXPECT_EQ(images_remembered(), 3u);
  ASSERT_TRUE(umount());
  // A memo that does not parse is none: the XML again, the memo replaced.
  ASSERT_TRUE(WriteFileAtomic(memo, "ploop-descriptor-memo 1\nid 1\n").ok());
  EXPECT_EQ(mount(), true);
  EXPECT_EQ(images_remembered(), 3u);
  // A snapshot while mounted: the server rewrites the descriptor itself;
  // the next mount reads it again.
  ASSERT_EQ(Vzctl({"-q", "snapshot", "101"}).exit_code, 0);
  ASSERT_TRUE(umount());
  EXPECT_EQ(mount(), true);
  EXPECT_EQ(images_remembered(), 4u);
  ASSERT_EQ(Vzctl({"-q", "destroy", "101"}).exit_code, 0);
}

TEST_F(StorageTest, EachContainerGetsItsOwnMachineIdentity) {
  for (const char* ct : {"201", "202"}) {
    ASSERT_EQ(Vzctl({"-q", "create", ct, "--ostemplate", kBusybox}).exit_code,
              0);
    ASSERT_EQ(Vzctl({"-q", "mount", ct}).exit_code, 0);
  }
  auto a = ReadFile(Path("/vz/root/201/etc/machine-id"));
  auto b = ReadFile(Path("/vz/root/202/etc/machine-id"));
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->size(), 33u);
  EXPECT_NE(*a, *b);
  // The template itself carries none.
  EXPECT_EQ(Vzctl({"-q", "umount", "201"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"-q", "umount", "202"}).exit_code, 0);
}

// A mount that hands out SSH host keys starts a refill of the node's pool
// (doc/templates.md §9), which runs in the node's idle cgroup and removes
// it when done. The pool holds stand-in pairs, so the mount needs no
// ssh-keygen and the refill makes one real pair of each type.
TEST_F(StorageTest, AFirstMountsKeyRefillRunsIdleAndLeavesNothing) {
  const std::string pool = Path("/var/lib/vz/hostkeys");
  ASSERT_TRUE(MakeDirs(pool, 0700).ok());
  for (const char* type : {"ed25519", "ecdsa", "rsa"}) {
    for (int i = 0; i < 4; ++i) {
      const std::string base = pool + "/" + type + "-" + std::to_string(i);
      ASSERT_TRUE(WriteFileAtomic(base + ".key.pub", "public", 0644).ok());
      ASSERT_TRUE(WriteFileAtomic(base + ".key", "private", 0600).ok());
    }
  }
  ASSERT_EQ(Vzctl({"-q", "create", "201", "--ostemplate", kBusybox}).exit_code,
            0);
  // Busybox has no SSH server: give it the config that asks for keys.
  ASSERT_EQ(Vzctl({"-q", "mount", "201"}).exit_code, 0);
  ASSERT_TRUE(MakeDirs(Path("/vz/root/201/etc/ssh")).ok());
  ASSERT_TRUE(
      WriteFileAtomic(Path("/vz/root/201/etc/ssh/sshd_config"), "", 0644).ok());
  ASSERT_EQ(Vzctl({"-q", "umount", "201"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"-q", "mount", "201"}).exit_code, 0);
  EXPECT_EQ(
      ReadFile(Path("/vz/root/201/etc/ssh/ssh_host_rsa_key")).value_or(""),
      "private");

  // The refill holds the pool's lock from its start to its end.
  auto fs = cgroup::Detect();
  ASSERT_TRUE(fs.has_value());
  auto idle = cgroup::Open(*fs, prefix_ + "/node.idle");
  bool seen_idle = false;
  bool done = false;
  for (int i = 0; i < 6000 && !done; ++i) {  // 60 s: RSA at idle priority
    auto pid = ReadFile(pool + "/.refill.lock");
    if (!pid.has_value() || Trim(*pid).empty()) {  // not started yet
      ::usleep(10000);
      continue;
    }
    auto cg = ReadFile("/proc/" + std::string(Trim(*pid)) + "/cgroup");
    if (!cg.has_value()) {
      done = true;  // the refill has ended
      break;
    }
    // "1:cpu:/<prefix>/node.idle" (v1), "0::/<prefix>/node.idle" (v2)
    if (cg->find("/" + prefix_ + "/node.idle\n") != std::string::npos) {
      seen_idle = true;
    }
    ::usleep(10000);
  }
  EXPECT_TRUE(seen_idle) << "the refill never ran in " << idle->path();
  EXPECT_TRUE(done) << "the refill did not end";
  auto count = Vztmpl({"hostkeys", "count"});
  EXPECT_EQ(Trim(count.out), "4") << count.err;
  EXPECT_FALSE(idle->Exists());
  EXPECT_EQ(Vzctl({"-q", "umount", "201"}).exit_code, 0);
  EXPECT_EQ(Vzctl({"-q", "destroy", "201"}).exit_code, 0);
}

TEST_F(StorageTest, ChangedTemplateIsRefusedNamingTheReason) {
  FlipByte(TemplateImage(), 4 << 20);
  auto c = Vzctl({"create", "301", "--ostemplate", kBusybox});
  EXPECT_EQ(c.exit_code, 47);  // VZ_FS_BAD_TMPL
  EXPECT_NE(c.err.find("template 'busybox-1.35-x86_64'"), std::string::npos);
  EXPECT_NE(c.err.find("does not match the manifest"), std::string::npos)
      << c.err;
  // --allow-unsigned never excuses a changed image.
  EXPECT_EQ(
      Vzctl({"create", "301", "--ostemplate", kBusybox, "--allow-unsigned"})
          .exit_code,
      47);
  EXPECT_EQ(Vztmpl({"verify", kBusybox}).exit_code, 47);
  EXPECT_FALSE(PathExists(Path("/vz/private/301")));
  EXPECT_FALSE(PathExists(Path("/etc/vz/conf/301.conf")));
}

TEST_F(StorageTest, ChangedManifestAndUntrustedSignersAreRefused) {
  const std::string dir = Path(std::string("/vz/template/") + kBusybox);
  // A key trusted only for another prefix does not vouch for busybox.
  const std::string other = dir_.Join("other");
  ASSERT_EQ(Vztmpl({"-q", "key", "generate", "--out", other}).exit_code, 0);
  ASSERT_EQ(Vztmpl({"-q", "sign", kBusybox, "--key", other + ".key"}).exit_code,
            0);
  ASSERT_EQ(
      Vztmpl({"-q", "trust", "add", "--prefix", "debian-", other + ".pub"})
          .exit_code,
      0);
  auto c = Vzctl({"create", "401", "--ostemplate", kBusybox});
  EXPECT_EQ(c.exit_code, 47);
  EXPECT_NE(c.err.find("trusted only for 'debian-'"), std::string::npos)
      << c.err;
  // --allow-unsigned lets it through, loudly.
  auto u =
      Vzctl({"create", "401", "--ostemplate", kBusybox, "--allow-unsigned"});
  EXPECT_EQ(u.exit_code, 0) << u.err;
  EXPECT_NE(u.err.find("NOT TRUSTED"), std::string::npos);
  EXPECT_EQ(Vzctl({"-q", "destroy", "401"}).exit_code, 0);
  // No signature at all.
  ASSERT_EQ(::unlink((dir + "/manifest.sig").c_str()), 0);
  c = Vzctl({"create", "402", "--ostemplate", kBusybox});
  EXPECT_EQ(c.exit_code, 47);
  EXPECT_NE(c.err.find("not signed"), std::string::npos) << c.err;
  // A manifest changed by one byte no longer matches its signature.
  SignAndTrust(kBusybox, "busybox-");
  FlipByte(dir + "/manifest", 30);
  c = Vzctl({"create", "403", "--ostemplate", kBusybox});
  EXPECT_EQ(c.exit_code, 47);
  EXPECT_FALSE(PathExists(Path("/etc/vz/conf/403.conf")));
}

// The private area on another filesystem: the base is copied (and create
// says so); when that filesystem fills up mid-create, everything is undone.
TEST_F(StorageTest, CopyFallbackAndRollbackOnAFullDisk) {
  const std::string priv = Path("/vz/private");
  ASSERT_TRUE(MakeDirs(priv).ok());
  ASSERT_EQ(::mount("tmpfs", priv.c_str(), "tmpfs", 0, "size=4m"), 0);
  struct Unmount {
    std::string p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{priv};
  auto full = Vzctl({"create", "501", "--ostemplate", kBusybox});
  EXPECT_EQ(full.exit_code, 46) << full.err;  // VZ_FS_NO_DISKSPACE
  EXPECT_FALSE(PathExists(priv + "/501"));
  EXPECT_FALSE(PathExists(Path("/etc/vz/conf/501.conf")));
  EXPECT_EQ(Vztmpl({"verify", kBusybox}).exit_code, 0);

  ASSERT_EQ(::mount("tmpfs", priv.c_str(), "tmpfs", MS_REMOUNT, "size=64m"), 0);
  auto ok = Vzctl({"create", "501", "--ostemplate", kBusybox});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("copied the template's image"), std::string::npos)
      << ok.out;
  EXPECT_NE(Inode(priv + "/501/root.hdd/root.hds"), Inode(TemplateImage()));
  EXPECT_EQ(Vzctl({"-q", "destroy", "501"}).exit_code, 0);
}

TEST_F(StorageTest, BadInputGetsOpenVzExitCodes) {
  ASSERT_EQ(
      Vzctl({"-q", "create", "601", "--ostemplate", kBusybox, "--name", "db"})
          .exit_code,
      0);
  EXPECT_EQ(Vzctl({"create", "601", "--ostemplate", kBusybox}).exit_code, 44);
  EXPECT_EQ(Vzctl({"create", "602", "--ostemplate", kBusybox, "--name", "db"})
                .exit_code,
            131);
  EXPECT_EQ(Vzctl({"create", "db", "--ostemplate", kBusybox}).exit_code, 44);
  EXPECT_EQ(Vzctl({"create", "603", "--ostemplate", "nope-1"}).exit_code, 91);
  EXPECT_EQ(
      Vzctl({"create", "603", "--ostemplate", kBusybox, "--diskspace", "-1G"})
          .exit_code,
      21);
  EXPECT_EQ(
      Vzctl({"create", "603", "--ostemplate", kBusybox, "--diskspace", "1M"})
          .exit_code,
      21);  // below what the template holds
  EXPECT_EQ(
      Vzctl({"create", "603", "--ostemplate", kBusybox, "--config", "missing"})
          .exit_code,
      109);
  EXPECT_EQ(Vzctl({"create", "bad/id", "--ostemplate", kBusybox}).exit_code,
            21);
  EXPECT_EQ(Vzctl({"create", "603", "--bogus"}).exit_code, 20);
  EXPECT_EQ(Vzctl({"mount", "999"}).exit_code, 14);
  // A broken sample is refused and nothing is left.
  ASSERT_TRUE(WriteFileAtomic(Path("/etc/vz/conf/ve-broken.conf-sample"),
                              "RAM=\"unterminated\n")
                  .ok());
  EXPECT_EQ(
      Vzctl({"create", "603", "--ostemplate", kBusybox, "--config", "broken"})
          .exit_code,
      85);
  EXPECT_FALSE(PathExists(Path("/vz/private/603")));
  EXPECT_EQ(Vzctl({"-q", "destroy", "601"}).exit_code, 0);
}

TEST_F(StorageTest, ImportsAPrecreatedCache) {
  // An OpenVZ-style cache: the busybox root filesystem as a tar.gz.
  const std::string rootfs = dir_.Join("rootfs");
  ASSERT_TRUE(MakeDirs(rootfs).ok());
  ASSERT_TRUE(
      RunChecked({SourceDir() + "/templates/recipes/busybox/build", rootfs})
          .has_value());
  const std::string cache = dir_.Join("tiny-1.0-x86_64.tar.gz");
  ASSERT_TRUE(
      RunChecked({"tar", "-czf", cache, "-C", rootfs, "."}).has_value());
  auto i = Vztmpl(
      {"-q", "import", cache, "--name", "tiny-1.0-x86_64", "--size", "128M"});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  auto info = Vztmpl({"info", "tiny-1.0-x86_64"});
  EXPECT_NE(info.out.find("os tiny-1.0\narch x86_64\n"), std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find("virtual-size 134217728\n"), std::string::npos);
  auto c = Vzctl({"-q", "create", "701", "--ostemplate", "tiny-1.0-x86_64",
                  "--allow-unsigned"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  ASSERT_EQ(Vzctl({"-q", "mount", "701"}).exit_code, 0);
  EXPECT_TRUE(PathExists(Path("/vz/root/701/bin/busybox")));
  // Removing a template in use needs --force; containers keep working.
  EXPECT_EQ(Vztmpl({"remove", "tiny-1.0-x86_64"}).exit_code, 21);
  EXPECT_EQ(Vztmpl({"-q", "remove", "tiny-1.0-x86_64", "--force"}).exit_code,
            0);
  EXPECT_TRUE(PathExists(Path("/vz/root/701/bin/busybox")));
  EXPECT_EQ(Vzctl({"-q", "destroy", "701"}).exit_code, 0);
  // Not a tarball.
  ASSERT_TRUE(WriteFileAtomic(dir_.Join("junk.tar.gz"), "junk").ok());
  EXPECT_EQ(Vztmpl({"import", dir_.Join("junk.tar.gz"), "--name", "junk-1-x"})
                .exit_code,
            47);
  EXPECT_FALSE(PathExists(Path("/vz/template/junk-1-x/manifest")));
}

TEST_F(StorageTest, RebuiltTemplateIsANewFileOldContainersKeepTheirs) {
  ASSERT_EQ(Vzctl({"-q", "create", "801", "--ostemplate", kBusybox}).exit_code,
            0);
  const uint64_t old_ino = Inode(TemplateImage());
  BuildBusybox();
  SignAndTrust(kBusybox, "busybox-");
  EXPECT_NE(Inode(TemplateImage()), old_ino);
  EXPECT_EQ(Inode(PrivateImage("801")), old_ino);
  ASSERT_EQ(Vzctl({"-q", "mount", "801"}).exit_code, 0);
  EXPECT_TRUE(PathExists(Path("/vz/root/801/bin/busybox")));
  ASSERT_EQ(Vzctl({"-q", "destroy", "801"}).exit_code, 0);
}

TEST_F(StorageTest, SnapshotsOnlineSwitchDeleteAndMountedViews) {
  ASSERT_EQ(Vzctl({"-q", "create", "901", "--ostemplate", kBusybox}).exit_code,
            0);
  ASSERT_EQ(Vzctl({"-q", "mount", "901"}).exit_code, 0);
  const std::string home = Path("/vz/root/901/root");
  ASSERT_TRUE(WriteFileAtomic(home + "/a", "A").ok());
  auto s1 = Vzctl(
      {"snapshot", "901", "--name", "first", "--description", "before b"});
  ASSERT_EQ(s1.exit_code, 0) << s1.err;
  EXPECT_NE(s1.out.find("Online snapshot"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(home + "/b", "B").ok());
  const std::string id =
      Vzctl({"snapshot-list", "901", "-H", "-o", "uuid"}).out.substr(0, 38);
  ASSERT_EQ(id.size(), 38u);
  EXPECT_TRUE(PathExists(Path("/vz/private/901/dump/" + id + ".ve.conf")));
  auto list = Vzctl({"snapshot-list", "901", "-o", "current,name,description"});
  EXPECT_EQ(list.out, "C NAME DESCRIPTION\n* first before b\n");

  // A read-only view of the snapshot: a, not b; it blocks deleting it.
  const std::string view = dir_.Join("view");
  ASSERT_EQ(Vzctl({"-q", "snapshot-mount", "901", "--id", id, "--target", view})
                .exit_code,
            0);
  EXPECT_TRUE(PathExists(view + "/root/a"));
  EXPECT_FALSE(PathExists(view + "/root/b"));
  EXPECT_EQ(Vzctl({"snapshot-delete", "901", "--id", id}).exit_code, 41);
  ASSERT_EQ(Vzctl({"-q", "snapshot-umount", "901", "--id", id}).exit_code, 0);

  // Switching needs the disk unmounted; it drops b.
  EXPECT_EQ(Vzctl({"snapshot-switch", "901", "--id", id}).exit_code, 41);
  ASSERT_EQ(Vzctl({"-q", "umount", "901"}).exit_code, 0);
  // No memory state to resume: refused, nothing switched.
  auto resume = Vzctl({"snapshot-switch", "901", "--id", id, "--must-resume"});
  EXPECT_EQ(resume.exit_code, 159) << resume.err;
  EXPECT_NE(resume.err.find("no memory state"), std::string::npos)
      << resume.err;
  ASSERT_EQ(Vzctl({"-q", "mount", "901"}).exit_code, 0);
  EXPECT_TRUE(PathExists(home + "/b"));
  ASSERT_EQ(Vzctl({"-q", "umount", "901"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"-q", "snapshot-switch", "901", "--id", id, "--skip-resume"})
                .exit_code,
            0);
  ASSERT_EQ(Vzctl({"-q", "mount", "901"}).exit_code, 0);
  EXPECT_TRUE(PathExists(home + "/a"));
  EXPECT_FALSE(PathExists(home + "/b"));

  // A second snapshot on top; deleting the first merges it, data kept.
  ASSERT_EQ(Vzctl({"-q", "snapshot", "901", "--name", "second"}).exit_code, 0);
  ASSERT_EQ(Vzctl({"-q", "snapshot-delete", "901", "--id", id}).exit_code, 0);
  EXPECT_EQ(Vzctl({"snapshot-list", "901", "-H", "-o", "current,name"}).out,
            "* second\n");
  EXPECT_EQ(*ReadFile(home + "/a"), "A");
  EXPECT_EQ(Vzctl({"snapshot-delete", "901", "--id", id}).exit_code, 21);
  EXPECT_EQ(Vzctl({"snapshot-switch", "901", "--id", "nonsense"}).exit_code,
            20);
  ASSERT_EQ(Vzctl({"-q", "destroy", "901"}).exit_code, 0);
}

}  // namespace
}  // namespace vz::testing
