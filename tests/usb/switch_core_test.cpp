// The mode switch's pure parts: plans from the product table, CSW checks, and
// the state progression of SwitchCore driven by hand-made libusb/sysfs
// outcomes, in virtual time.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fb/usb/switch_core.hpp"

using namespace std::chrono_literals;
using fb::modem::Code;
using fb::modem::UsbDevice;
using fb::modem::UsbId;
using fb::usb::Cbw31;
using fb::usb::SwitchAction;
using fb::usb::SwitchCore;
using fb::usb::SwitchPlan;
using fb::usb::Xfer;
namespace ev = fb::usb::switch_event;
namespace act = fb::usb::switch_action;

namespace {

std::vector<std::uint8_t> csw_for(const Cbw31& cbw, std::uint8_t status, std::uint32_t residue = 0) {
  std::vector<std::uint8_t> b = {'U', 'S', 'B', 'S', cbw[4], cbw[5], cbw[6], cbw[7]};
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(residue >> (8 * i)));
  b.push_back(status);
  return b;
}

UsbDevice device(const std::string& port, UsbId id, std::string driver, std::vector<std::string> ttys = {}) {
  UsbDevice d;
  d.port = port;
  d.id = id;
  fb::modem::UsbInterface i;
  i.number = 0;
  i.cls = ttys.empty() ? 8 : 0xff;
  i.driver = std::move(driver);
  i.ttys = std::move(ttys);
  d.interfaces.push_back(i);
  return d;
}

template <class A>
const A* first(const std::vector<SwitchAction>& actions) {
  for (const auto& a : actions)
    if (auto p = std::get_if<A>(&a)) return p;
  return nullptr;
}

struct Run {
  fb::VirtualTime time;
  SwitchCore core;
  explicit Run(SwitchPlan plan) : core("modeswitch[test]", std::move(plan)) {}
  std::vector<SwitchAction> operator()(const fb::usb::SwitchEvent& e) { return core.handle(e, time.now()); }
};

SwitchPlan zte_plan() {
  UsbDevice stick = device("1-1.2", {0x19d2, 0x2000}, "usb-storage");
  auto plan = fb::usb::plan_for(stick, 5s);
  REQUIRE(plan);
  return *plan;
}

}  // namespace

TEST_CASE("plans come from the product table; unknown, HiLink and control-request sticks are refused clearly") {
  auto zte = zte_plan();
  CHECK(zte.port == "1-1.2");
  CHECK(zte.method == "StandardEject+ZTE");
  REQUIRE(zte.messages.size() == 5);
  CHECK(fb::usb::to_hex(zte.messages[4]) == fb::usb::to_hex(fb::usb::zte_message_content()));
  CHECK(std::find(zte.targets.begin(), zte.targets.end(), UsbId{0x19d2, 0x0117}) != zte.targets.end());
  CHECK(std::find(zte.targets.begin(), zte.targets.end(), UsbId{0x19d2, 0x0124}) == zte.targets.end());
  CHECK(zte.wait == 5s);

  auto huawei = fb::usb::plan_for(device("1-1", {0x12d1, 0x1446}, "usb-storage"));
  REQUIRE(huawei);
  REQUIRE(huawei->messages.size() == 1);
  CHECK(fb::usb::to_hex(huawei->messages[0]) == "55534243123456780000000000000011062000000101000100000000000000");
  CHECK(std::find(huawei->targets.begin(), huawei->targets.end(), UsbId{0x12d1, 0x1001}) != huawei->targets.end());

  // The E3372h in storage mode: the same Huawei message; HiLink or stick ids may follow.
  auto e3372 = fb::usb::plan_for(device("1-1", {0x12d1, 0x1f01}, "usb-storage"));
  REQUIRE(e3372);
  REQUIRE(e3372->messages.size() == 1);
  CHECK(fb::usb::to_hex(e3372->messages[0]) == "55534243123456780000000000000011062000000101000100000000000000");
  for (std::uint16_t target : {0x14db, 0x14dc, 0x1506, 0x155e})
    CHECK(std::find(e3372->targets.begin(), e3372->targets.end(), UsbId{0x12d1, target}) != e3372->targets.end());

  auto e220 = fb::usb::plan_for(device("1-1", {0x12d1, 0x1003}, "usb-storage"));
  REQUIRE_FALSE(e220);
  CHECK(e220.error().detail.find("SET_FEATURE") != std::string::npos);

  auto disk = fb::usb::plan_for(device("1-2", {0x46f4, 0x0001}, "usb-storage"));
  REQUIRE_FALSE(disk);
  CHECK(disk.error().detail == "46f4:0001 at 1-2 is not a known storage-mode stick");
}

TEST_CASE("a CSW must be 13 bytes, signed USBS, echo the CBW's tag and carry a defined status") {
  Cbw31 eject = fb::usb::start_stop_unit_eject(0);
  auto ok = fb::usb::check_csw(eject, csw_for(eject, 0));
  REQUIRE(ok);
  CHECK(ok->status == 0);
  auto failed = fb::usb::check_csw(eject, csw_for(eject, 1, 36));
  REQUIRE(failed);  // a failed command is an answer, not a broken CSW
  CHECK(failed->status == 1);
  CHECK(failed->residue == 36);
  CHECK(fb::usb::csw_status_name(2) == "phase error");

  auto other = fb::usb::check_csw(eject, csw_for(fb::usb::prevent_allow_medium_removal(0), 0));
  REQUIRE_FALSE(other);
  CHECK(other.error().detail == "CSW tag 87654321 does not answer CBW tag 97654321");
  CHECK(fb::usb::check_csw(eject, csw_for(eject, 3)).error().detail == "CSW status 0x03");
  auto shorter = csw_for(eject, 0);
  shorter.pop_back();
  CHECK(fb::usb::check_csw(eject, shorter).error().detail == "CSW is not 13 bytes");
  auto unsigned_csw = csw_for(eject, 0);
  unsigned_csw[3] = 'C';
  CHECK(fb::usb::check_csw(eject, unsigned_csw).error().detail == "CSW signature");
  CHECK(fb::usb::describe_cbw(eject) == "START STOP UNIT (eject) lun 0");
  CHECK(fb::usb::describe_cbw(fb::usb::prevent_allow_medium_removal(1)) == "PREVENT ALLOW MEDIUM REMOVAL lun 1");
  CHECK(fb::usb::describe_cbw(fb::usb::zte_message_content()) == "vendor CDB 0x85 lun 0");
}

TEST_CASE("ZTE: every message with its CSW, the data-in phase of the vendor CDB, then the modem at the same port") {
  SwitchPlan plan = zte_plan();
  Run run(plan);
  auto a = run(ev::Start{});
  REQUIRE(first<act::Open>(a));
  CHECK(run.core.state() == SwitchCore::State::opening);
  a = run(ev::Claimed{0, "usb-storage"});
  for (std::size_t i = 0; i < plan.messages.size(); ++i) {
    CAPTURE(i);
    auto send = first<act::SendCbw>(a);
    REQUIRE(send);
    CHECK(send->index == i);
    CHECK(send->bytes == plan.messages[i]);
    a = run(ev::Transferred{Xfer::ok, {}, ""});
    if (i == 4) {  // the ZTE CDB asks for 32 bytes in
      auto data = first<act::ReadData>(a);
      REQUIRE(data);
      CHECK(data->length == 32);
      a = run(ev::Transferred{Xfer::ok, std::vector<std::uint8_t>(32, 0), ""});
    }
    REQUIRE(first<act::ReadCsw>(a));
    a = run(ev::Transferred{Xfer::ok, csw_for(plan.messages[i], 0), ""});
  }
  REQUIRE(first<act::Release>(a));
  auto watch = first<act::Watch>(a);
  REQUIRE(watch);
  CHECK(watch->deadline == run.time.now() + 5s);
  CHECK(run.core.state() == SwitchCore::State::watching);
  REQUIRE(run.core.notes().size() == 5);
  CHECK(run.core.notes()[1] == "2/5 START STOP UNIT (eject) lun 0: sent, CSW passed");
  CHECK(run.core.notes()[4] == "5/5 vendor CDB 0x85 lun 0: sent, data 32 bytes, CSW passed");

  run.time.advance(1s);
  CHECK(run(ev::Scanned{{device("1-1.2", {0x19d2, 0x2000}, "")}}).empty());
  CHECK(run.core.observed() == "still 19d2:2000 (storage mode) at 1-1.2, usb-storage detached");
  CHECK(run(ev::Scanned{{}}).empty());
  CHECK(run.core.observed().find("nothing at 1-1.2") == 0);
  CHECK(run(ev::Scanned{{device("1-1.2", {0x19d2, 0x0117}, "")}}).empty());  // back, serial driver not bound yet
  CHECK(run.core.observed().find("no tty is bound") != std::string::npos);
  CHECK(run(ev::Scanned{{device("1-1.3", {0x19d2, 0x0117}, "option", {"ttyUSB0"})}}).empty());  // another port
  CHECK(run(ev::Scanned{{device("1-1.2", {0x12d1, 0x1001}, "option", {"ttyUSB0"})}}).empty());  // another vendor
  CHECK(run.core.observed() == "1-1.2 is now 12d1:1001, not one of the ids it switches to");
  CHECK(run(ev::Scanned{{device("1-1.2", {0x19d2, 0x0154}, "usb-storage")}}).empty());  // another storage id
  a = run(ev::Scanned{{device("1-1.2", {0x19d2, 0x0117}, "option", {"ttyUSB0", "ttyUSB1"})}});
  auto fin = first<act::Finish>(a);
  REQUIRE(fin);
  REQUIRE(fin->result);
  CHECK(fin->result->modem.id == UsbId{0x19d2, 0x0117});
  CHECK(fin->result->summary.find("StandardEject+ZTE, 5 of 5 message(s) sent") == 0);
  CHECK(run.core.state() == SwitchCore::State::switched);
  CHECK(run.core.undefined_transitions() == 0);
}

TEST_CASE("a ZTE target id missing from the table still counts when it is not a storage id and has ttys") {
  SwitchPlan plan = zte_plan();
  Run run(plan);
  run(ev::Start{});
  run(ev::Claimed{0, "usb-storage"});
  run(ev::Transferred{Xfer::no_device, {}, ""});
  auto a = run(ev::Scanned{{device("1-1.2", {0x19d2, 0x0016}, "option", {"ttyUSB0"})}});
  REQUIRE(first<act::Finish>(a));
  REQUIRE(first<act::Finish>(a)->result);
  CHECK(first<act::Finish>(a)->result->modem.id == UsbId{0x19d2, 0x0016});
}

TEST_CASE("a one-LUN stick stalls the LUN 1 CBWs: halts are cleared and the rest is sent") {
  SwitchPlan plan = zte_plan();
  Run run(plan);
  run(ev::Start{});
  auto a = run(ev::Claimed{0, "usb-storage"});
  for (std::size_t i = 0; i < 2; ++i) {  // LUN 0 passes
    run(ev::Transferred{Xfer::ok, {}, ""});
    a = run(ev::Transferred{Xfer::ok, csw_for(plan.messages[i], 0), ""});
  }
  for (std::size_t i = 2; i < 4; ++i) {  // LUN 1 stalls on the CBW itself
    REQUIRE(first<act::SendCbw>(a)->index == i);
    a = run(ev::Transferred{Xfer::stall, {}, ""});
    auto clear = first<act::ClearHalt>(a);
    REQUIRE(clear);
    CHECK_FALSE(clear->in);
    CHECK(run.core.state() == SwitchCore::State::clearing);
    a = run(ev::HaltCleared{Xfer::ok});
  }
  REQUIRE(first<act::SendCbw>(a)->index == 4);
  CHECK(run.core.notes()[2] == "3/5 PREVENT ALLOW MEDIUM REMOVAL lun 1: CBW stalled (refused)");
}

TEST_CASE("a stalled CSW read is cleared and retried once, then the next message goes") {
  SwitchPlan plan = zte_plan();
  Run run(plan);
  run(ev::Start{});
  run(ev::Claimed{0, ""});
  run(ev::Transferred{Xfer::ok, {}, ""});
  auto a = run(ev::Transferred{Xfer::stall, {}, ""});
  REQUIRE(first<act::ClearHalt>(a));
  CHECK(first<act::ClearHalt>(a)->in);
  a = run(ev::HaltCleared{Xfer::ok});
  REQUIRE(first<act::ReadCsw>(a));
  a = run(ev::Transferred{Xfer::stall, {}, ""});  // again: give up on this CSW
  REQUIRE(first<act::SendCbw>(a));
  CHECK(first<act::SendCbw>(a)->index == 1);
  CHECK(run.core.notes()[0] == "1/5 PREVENT ALLOW MEDIUM REMOVAL lun 0: sent, CSW stalled, CSW stalled again");
  // a CSW for another command and a garbled one are noted, not fatal
  run(ev::Transferred{Xfer::ok, {}, ""});
  a = run(ev::Transferred{Xfer::ok, csw_for(plan.messages[0], 0), ""});
  CHECK(run.core.notes()[1].find("bad CSW: CSW tag 87654321 does not answer CBW tag 97654321") != std::string::npos);
}

TEST_CASE("the stick leaving the bus mid-sequence is the switch happening; nothing coming back is a clear failure") {
  SwitchPlan plan = zte_plan();
  Run run(plan);
  run(ev::Start{});
  run(ev::Claimed{0, "usb-storage"});
  run(ev::Transferred{Xfer::ok, {}, ""});
  run(ev::Transferred{Xfer::ok, csw_for(plan.messages[0], 0), ""});
  run(ev::Transferred{Xfer::ok, {}, ""});
  auto a = run(ev::Transferred{Xfer::no_device, {}, ""});  // gone before the eject's CSW
  REQUIRE(first<act::Release>(a));
  REQUIRE(first<act::Watch>(a));
  REQUIRE(run.core.notes().size() == 2);
  CHECK(run.core.notes()[1] == "2/5 START STOP UNIT (eject) lun 0: sent, CSW: no device, the stick left the bus");
  run(ev::Scanned{{}});
  run.time.advance(5s);
  a = run(ev::TimedOut{});
  auto fin = first<act::Finish>(a);
  REQUIRE(fin);
  REQUIRE_FALSE(fin->result);
  CHECK(fin->result.code() == Code::modeswitch_failed);
  const std::string& d = fin->result.error().detail;
  CHECK(d.find("19d2:2000 at 1-1.2: StandardEject+ZTE, 2 of 5 message(s) sent") == 0);
  CHECK(d.find("no modem within 5000 ms: nothing at 1-1.2 (the stick left and did not come back)") !=
        std::string::npos);
  CHECK(run.core.state() == SwitchCore::State::failed);
}

TEST_CASE("a storage device that never switches: every CSW passed, still storage at the deadline") {
  // QEMU's usb-storage, with a message given explicitly (no table row)
  SwitchPlan plan;
  plan.port = "1-2";
  plan.storage = {0x46f4, 0x0001};
  plan.method = "explicit";
  plan.messages = {fb::usb::start_stop_unit_eject(0)};
  plan.targets = {{0x19d2, 0x0117}};
  plan.wait = 3s;
  Run run(plan);
  run(ev::Start{});
  run(ev::Claimed{0, "usb-storage"});
  run(ev::Transferred{Xfer::ok, {}, ""});
  auto a = run(ev::Transferred{Xfer::ok, csw_for(plan.messages[0], 0), ""});
  REQUIRE(first<act::Watch>(a));
  run(ev::Scanned{{device("1-2", {0x46f4, 0x0001}, "")}});
  a = run(ev::TimedOut{});
  REQUIRE(first<act::Finish>(a));
  CHECK(fb::modem::describe(first<act::Finish>(a)->result.error()) ==
        "MODESWITCH_FAILED: 46f4:0001 at 1-2: explicit, 1 of 1 message(s) sent; 1/1 START STOP UNIT (eject) lun 0: "
        "sent, CSW passed; usb-storage detached; no modem within 3000 ms: still 46f4:0001 (storage mode) at 1-2, "
        "usb-storage detached");
}

TEST_CASE("open failures, send timeouts and events out of order") {
  {
    Run run(zte_plan());
    run(ev::Start{});
    auto a = run(ev::OpenFailed{"libusb_open: LIBUSB_ERROR_ACCESS"});
    REQUIRE(first<act::Finish>(a));
    CHECK(first<act::Finish>(a)->result.error().detail ==
          "19d2:2000 at 1-1.2: cannot open: libusb_open: LIBUSB_ERROR_ACCESS");
  }
  {
    Run run(zte_plan());
    run(ev::Start{});
    run(ev::Claimed{0, "usb-storage"});
    auto a = run(ev::Transferred{Xfer::timeout, {}, ""});  // the CBW never went out: stop sending
    REQUIRE(first<act::Release>(a));
    REQUIRE(first<act::Watch>(a));
    CHECK(run.core.notes().at(0) == "1/5 PREVENT ALLOW MEDIUM REMOVAL lun 0: CBW: timeout");
  }
  {
    Run run(zte_plan());
    CHECK(run(ev::Scanned{{}}).empty());
    CHECK(run(ev::TimedOut{}).empty());
    CHECK(run.core.undefined_transitions() == 2);
    CHECK(run.core.state() == SwitchCore::State::idle);
    run(ev::Start{});
    CHECK(run(ev::Start{}).empty());
    CHECK(run.core.undefined_transitions() == 3);
  }
  {
    SwitchPlan empty;
    empty.port = "1-1";
    empty.method = "none";
    Run run(empty);
    auto a = run(ev::Start{});
    REQUIRE(first<act::Finish>(a));
    CHECK_FALSE(first<act::Finish>(a)->result);
  }
}
