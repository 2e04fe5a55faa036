// Test support: a fake sysfs tree in a temp dir, as the kernel lays out USB
// devices under bus/usb/devices: "<port>" with idVendor/idProduct/product,
// "<port>:1.<n>" per interface with its class triple, a `driver` link, its
// ttys (usb-serial: <if>/ttyUSB2; cdc-acm: <if>/tty/ttyACM0) and its network
// interfaces (<if>/net/wwan0). Removed with the object. doctest tests only.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "scratch_dir.hpp"

namespace fb::modem::test {

namespace fs = std::filesystem;

class FakeSysfs {
 public:
  FakeSysfs() {
    fs::create_directories(devices());
    fs::create_directories(devices() / "usb1");  // root hub: ignored
    write(devices() / "usb1" / "idVendor", "1d6b");
    write(devices() / "usb1" / "idProduct", "0002");
  }
  const fs::path& root() const { return root_; }

  struct If {
    int number;
    int cls, subclass, protocol;
    const char* driver;
    std::vector<const char*> ttys;
    bool acm_layout = false;          // cdc-acm puts ttys under <if>/tty/
    std::vector<const char*> nets{};  // network interfaces: <if>/net/<name>
  };
  void device(const std::string& port, const char* vid, const char* pid, const std::vector<If>& ifs,
              const char* product = "") {
    fs::path d = devices() / port;
    fs::create_directories(d);
    write(d / "idVendor", vid);
    write(d / "idProduct", pid);
    write(d / "product", product);
    char hex[8];
    for (const auto& i : ifs) {
      fs::path idir = devices() / (port + ":1." + std::to_string(i.number));
      fs::create_directories(idir);
      std::snprintf(hex, sizeof hex, "%02x", i.number);
      write(idir / "bInterfaceNumber", hex);
      std::snprintf(hex, sizeof hex, "%02x", i.cls);
      write(idir / "bInterfaceClass", hex);
      std::snprintf(hex, sizeof hex, "%02x", i.subclass);
      write(idir / "bInterfaceSubClass", hex);
      std::snprintf(hex, sizeof hex, "%02x", i.protocol);
      write(idir / "bInterfaceProtocol", hex);
      if (*i.driver) fs::create_symlink(fs::path("../../../bus/usb/drivers") / i.driver, idir / "driver");
      for (const char* t : i.ttys) fs::create_directories(i.acm_layout ? idir / "tty" / t : idir / t);
      for (const char* n : i.nets) fs::create_directories(idir / "net" / n);
    }
  }

 private:
  fs::path devices() const { return root_ / "bus" / "usb" / "devices"; }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text << "\n"; }
  fb::test::ScratchDir scratch_{"fbsysfs"};
  fs::path root_ = scratch_.path();
};

}  // namespace fb::modem::test
