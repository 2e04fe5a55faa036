#include "fb/usb/switch_core.hpp"

#include <algorithm>
#include <cstdio>

namespace fb::usb {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::string hex2(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(b));
  return buf;
}

std::string_view event_name(const SwitchEvent& e) {
  static constexpr std::string_view names[] = {"Start",       "Claimed", "OpenFailed", "Transferred",
                                               "HaltCleared", "Scanned", "TimedOut"};
  return names[e.index()];
}

const modem::UsbDevice* at_port(const std::vector<modem::UsbDevice>& devices, const std::string& port) {
  for (const auto& d : devices)
    if (d.port == port) return &d;
  return nullptr;
}

bool has_tty(const modem::UsbDevice& d) {
  return std::any_of(d.interfaces.begin(), d.interfaces.end(), [](const auto& i) { return !i.ttys.empty(); });
}

// in_place construction: GCC 12 warns falsely when a variant temporary is moved in.
template <class A>
void add(std::vector<SwitchAction>& out, A action) {
  out.emplace_back(std::in_place_type<A>, std::move(action));
}
template <class A>
std::vector<SwitchAction> one(A action) {
  std::vector<SwitchAction> out;
  add(out, std::move(action));
  return out;
}

}  // namespace

// ---- pure helpers -----------------------------------------------------------

modem::Result<SwitchPlan> plan_for(const modem::UsbDevice& device, Duration wait) {
  using modem::Code;
  std::string who = modem::to_string(device.id) + " at " + device.port;
  if (modem::has_quirk(device.id, modem::Quirk::control_request_switch))
    return modem::Result<SwitchPlan>(Code::modeswitch_failed,
                                     who + " switches only by the SET_FEATURE control request, which is not sent");
  auto storage = modem::find_storage(device.id);
  if (!storage) return modem::Result<SwitchPlan>(Code::modeswitch_failed, who + " is not a known storage-mode stick");
  if (storage->model->method == SwitchMethod::unsupported)
    return modem::Result<SwitchPlan>(
        Code::modeswitch_failed, who + " (" + std::string(storage->model->models) + ") is deliberately not switched");
  SwitchPlan p;
  p.port = device.port;
  p.storage = device.id;
  p.method = std::string(to_string(storage->model->method));
  p.messages = switch_messages(storage->model->method);
  for (auto product : storage->model->targets) p.targets.push_back(modem::UsbId{device.id.vendor, product});
  p.wait = wait;
  return p;
}

modem::Result<Csw> check_csw(const Cbw31& sent, std::span<const std::uint8_t> got) {
  auto csw = parse_csw(got);
  if (!csw) return csw;
  std::span<const std::uint8_t> sent_tag(sent.data() + 4, 4);
  if (!std::equal(sent_tag.begin(), sent_tag.end(), csw->tag.begin()))
    return modem::Result<Csw>(modem::Code::modeswitch_failed,
                              "CSW tag " + to_hex(csw->tag) + " does not answer CBW tag " + to_hex(sent_tag));
  if (csw->status > 2) return modem::Result<Csw>(modem::Code::modeswitch_failed, "CSW status " + hex2(csw->status));
  return csw;
}

std::string_view csw_status_name(std::uint8_t status) {
  switch (status) {
    case 0: return "passed";
    case 1: return "failed";
    case 2: return "phase error";
  }
  return "undefined";
}

std::string describe_cbw(const Cbw31& cbw) {
  std::string lun = " lun " + std::to_string(cbw[13]);
  switch (cbw[15]) {
    case 0x1e: return "PREVENT ALLOW MEDIUM REMOVAL" + lun;
    case 0x1b: return "START STOP UNIT (eject)" + lun;
  }
  return "vendor CDB " + hex2(cbw[15]) + lun;
}

std::string_view to_string(Xfer x) {
  switch (x) {
    case Xfer::ok: return "ok";
    case Xfer::stall: return "stall";
    case Xfer::timeout: return "timeout";
    case Xfer::no_device: return "no device";
    case Xfer::error: return "error";
  }
  return "error";
}

std::string_view to_string(SwitchCore::State state) {
  using S = SwitchCore::State;
  switch (state) {
    case S::idle: return "idle";
    case S::opening: return "opening";
    case S::sending: return "sending";
    case S::reading_data: return "reading_data";
    case S::reading_csw: return "reading_csw";
    case S::clearing: return "clearing";
    case S::watching: return "watching";
    case S::switched: return "switched";
    case S::failed: return "failed";
  }
  return "?";
}

// ---- the core ---------------------------------------------------------------
//
// state × event table (anything else: "BUG: undefined transition", ignored)
//
//  idle          Start                 -> opening       Open
//  opening       Claimed               -> sending       SendCbw #0
//  opening       OpenFailed            -> failed        Finish(MODESWITCH_FAILED)
//  sending       Transferred ok        -> reading_data  ReadData        (CBW with a data-in phase)
//                                      -> reading_csw   ReadCsw
//  sending       Transferred stall     -> clearing      ClearHalt(out)  then the next message
//  sending       Transferred no_device -> watching      Release, Watch  (it is switching)
//  sending       Transferred timeout/error -> watching  Release, Watch  (stop sending)
//  reading_data  Transferred ok        -> reading_csw   ReadCsw
//  reading_data  Transferred stall     -> clearing      ClearHalt(in)   then ReadCsw
//  reading_data  Transferred no_device -> watching      Release, Watch
//  reading_data  Transferred timeout/error -> next message (or watching)
//  reading_csw   Transferred ok        -> next message  SendCbw #i+1 | Release, Watch
//  reading_csw   Transferred stall     -> clearing      ClearHalt(in)   then ReadCsw once more
//  reading_csw   Transferred no_device -> watching      Release, Watch
//  reading_csw   Transferred timeout/error -> next message (or watching)
//  clearing      HaltCleared           -> (what the stall interrupted)
//  watching      Scanned (modem back)  -> switched      Finish(outcome)
//  watching      Scanned (otherwise)   -> watching      (remember what is at the port)
//  watching      TimedOut              -> failed        Finish(MODESWITCH_FAILED)

SwitchCore::SwitchCore(std::string name, SwitchPlan plan) : log_(std::move(name)), plan_(std::move(plan)) {}

void SwitchCore::enter(State next, std::string_view why) {
  log_.info() << to_string(state_) << " -> " << to_string(next) << ": " << why;
  state_ = next;
}

void SwitchCore::note(const std::string& text) {
  current_ += (current_.empty() ? "" : ", ") + text;
}

std::vector<SwitchAction> SwitchCore::send(std::size_t index) {
  index_ = index;
  csw_retried_ = false;
  const Cbw31& cbw = plan_.messages[index];
  current_.clear();
  enter(State::sending, "message " + std::to_string(index + 1) + "/" + std::to_string(plan_.messages.size()) + " " +
                            describe_cbw(cbw) + " (" + to_hex(cbw) + ")");
  return one(switch_action::SendCbw{index, cbw});
}

std::vector<SwitchAction> SwitchCore::next_message() {
  notes_.push_back(std::to_string(index_ + 1) + "/" + std::to_string(plan_.messages.size()) + " " +
                   describe_cbw(plan_.messages[index_]) + ": " + current_);
  if (index_ + 1 < plan_.messages.size()) return send(index_ + 1);
  return {};  // the caller stops sending
}

std::vector<SwitchAction> SwitchCore::stop_sending(TimePoint now) {
  if (notes_.size() <= index_)  // stopped in the middle of this message
    notes_.push_back(std::to_string(index_ + 1) + "/" + std::to_string(plan_.messages.size()) + " " +
                     describe_cbw(plan_.messages[index_]) + ": " + current_);
  deadline_ = now + plan_.wait;
  enter(State::watching, "released the interface; waiting " + std::to_string(plan_.wait.count()) + " ms for " +
                             plan_.port + " to come back as a modem");
  auto out = one(switch_action::Release{});
  add(out, switch_action::Watch{deadline_});
  return out;
}

std::vector<SwitchAction> SwitchCore::on_transferred(const switch_event::Transferred& t, TimePoint now) {
  const Cbw31& cbw = plan_.messages[index_];
  auto after = [&](std::vector<SwitchAction> next) { return next.empty() ? stop_sending(now) : next; };
  auto why = [&](std::string_view what) {
    return std::string(what) + " " + std::string(to_string(t.status)) + (t.detail.empty() ? "" : " (" + t.detail + ")");
  };
  if (t.status == Xfer::no_device) {
    note(why(state_ == State::sending ? "CBW:" : state_ == State::reading_data ? "data:" : "CSW:"));
    note("the stick left the bus");
    return stop_sending(now);
  }
  switch (state_) {
    case State::sending:
      switch (t.status) {
        case Xfer::ok: {
          note("sent");
          bool data_in = (cbw[12] & 0x80) != 0;
          std::size_t length = cbw[8] | (cbw[9] << 8) | (cbw[10] << 16) | (static_cast<std::size_t>(cbw[11]) << 24);
          if (data_in && length > 0) {
            enter(State::reading_data, "reading " + std::to_string(length) + " data bytes");
            return one(switch_action::ReadData{length});
          }
          enter(State::reading_csw, "reading the CSW");
          return one(switch_action::ReadCsw{});
        }
        case Xfer::stall:
          note("CBW stalled (refused)");
          after_clear_ = AfterClear::next_message;
          enter(State::clearing, "clearing the bulk-out halt");
          return one(switch_action::ClearHalt{false});
        default: note(why("CBW:")); return stop_sending(now);
      }
    case State::reading_data:
      switch (t.status) {
        case Xfer::ok:
          note("data " + std::to_string(t.data.size()) + " bytes");
          enter(State::reading_csw, "reading the CSW");
          return one(switch_action::ReadCsw{});
        case Xfer::stall:
          note("data stalled");
          after_clear_ = AfterClear::read_csw;
          enter(State::clearing, "clearing the bulk-in halt");
          return one(switch_action::ClearHalt{true});
        default: note(why("data:")); return after(next_message());
      }
    case State::reading_csw:
      switch (t.status) {
        case Xfer::ok: {
          auto csw = check_csw(cbw, t.data);
          if (csw)
            note("CSW " + std::string(csw_status_name(csw->status)) +
                 (csw->residue ? " (residue " + std::to_string(csw->residue) + ")" : ""));
          else
            note("bad CSW: " + csw.error().detail + " (" + to_hex(t.data) + ")");
          return after(next_message());
        }
        case Xfer::stall:
          if (!csw_retried_) {
            csw_retried_ = true;
            note("CSW stalled");
            after_clear_ = AfterClear::retry_csw;
            enter(State::clearing, "clearing the bulk-in halt, then reading the CSW once more");
            return one(switch_action::ClearHalt{true});
          }
          note("CSW stalled again");
          return after(next_message());
        default: note(why("no CSW:")); return after(next_message());
      }
    default: break;
  }
  return {};
}

std::vector<SwitchAction> SwitchCore::on_scanned(const switch_event::Scanned& s) {
  const modem::UsbDevice* d = at_port(s.devices, plan_.port);
  std::string seen;
  bool target = false;
  if (!d) {
    seen = "nothing at " + plan_.port + " (the stick left and did not come back)";
  } else if (d->id == plan_.storage) {
    bool unbound = !d->interfaces.empty() && d->interfaces.front().driver.empty();
    seen = "still " + modem::to_string(d->id) + " (storage mode) at " + plan_.port +
           (unbound ? ", " + (detached_.empty() ? std::string("no driver") : detached_ + " detached") : "");
  } else {
    // The table lists the targets seen in the field, not every one a
    // firmware may pick (usb-modeswitch-data has 27 for 19d2:2000): another
    // id of the same vendor that is not itself a storage id counts too.
    target = plan_.targets.empty() ||
             std::find(plan_.targets.begin(), plan_.targets.end(), d->id) != plan_.targets.end() ||
             (d->id.vendor == plan_.storage.vendor && !modem::find_storage(d->id));
    if (!target)
      seen = plan_.port + " is now " + modem::to_string(d->id) + ", not one of the ids it switches to";
    else if (!has_tty(*d))
      seen = "back as " + modem::to_string(d->id) + " at " + plan_.port +
             " but no tty is bound (is its serial driver, e.g. option, loaded?)";
  }
  if (target && has_tty(*d)) {
    SwitchOutcome out{*d, summary()};
    observed_ = "back as " + modem::to_string(d->id) + " at " + plan_.port;
    enter(State::switched, observed_);
    return one(switch_action::Finish{std::move(out)});
  }
  if (seen != observed_) log_.info() << "watching: " << seen;
  observed_ = std::move(seen);
  return {};
}

std::string SwitchCore::summary() const {
  std::string s = plan_.method + ", " + std::to_string(notes_.size()) + " of " + std::to_string(plan_.messages.size()) +
                  " message(s) sent";
  for (const auto& n : notes_) s += "; " + n;
  if (!detached_.empty()) s += "; " + detached_ + " detached";
  return s;
}

std::string SwitchCore::failure(const std::string& what) const {
  return modem::to_string(plan_.storage) + " at " + plan_.port + ": " + what;
}

std::vector<SwitchAction> SwitchCore::handle(const SwitchEvent& event, TimePoint now) {
  using modem::Code;
  std::vector<SwitchAction> out;
  bool defined = true;
  std::visit(Overloaded{
                 [&](const switch_event::Start&) {
                   if (state_ != State::idle) {
                     defined = false;
                     return;
                   }
                   if (plan_.messages.empty()) {
                     enter(State::failed, "no message to send");
                     add(out, switch_action::Finish{modem::Result<SwitchOutcome>(
                                  Code::modeswitch_failed, failure("no mode-switch message for " + plan_.method))});
                     return;
                   }
                   enter(State::opening,
                         "opening " + modem::to_string(plan_.storage) + " at " + plan_.port + " for " + plan_.method);
                   add(out, switch_action::Open{});
                 },
                 [&](const switch_event::Claimed& c) {
                   if (state_ != State::opening) {
                     defined = false;
                     return;
                   }
                   detached_ = c.detached;
                   log_.info() << "claimed interface " << static_cast<int>(c.interface)
                               << (c.detached.empty() ? std::string(" (no kernel driver was bound)")
                                                      : " after detaching " + c.detached);
                   out = send(0);
                 },
                 [&](const switch_event::OpenFailed& f) {
                   if (state_ != State::opening) {
                     defined = false;
                     return;
                   }
                   enter(State::failed, f.detail);
                   add(out, switch_action::Finish{modem::Result<SwitchOutcome>(Code::modeswitch_failed,
                                                                               failure("cannot open: " + f.detail))});
                 },
                 [&](const switch_event::Transferred& t) {
                   if (state_ != State::sending && state_ != State::reading_data && state_ != State::reading_csw) {
                     defined = false;
                     return;
                   }
                   out = on_transferred(t, now);
                 },
                 [&](const switch_event::HaltCleared& h) {
                   if (state_ != State::clearing) {
                     defined = false;
                     return;
                   }
                   if (h.status != Xfer::ok) note("clear halt " + std::string(to_string(h.status)));
                   switch (after_clear_) {
                     case AfterClear::next_message: {
                       auto next = next_message();
                       out = next.empty() ? stop_sending(now) : std::move(next);
                       return;
                     }
                     case AfterClear::read_csw:
                     case AfterClear::retry_csw:
                       enter(State::reading_csw, "reading the CSW");
                       add(out, switch_action::ReadCsw{});
                       return;
                   }
                 },
                 [&](const switch_event::Scanned& s) {
                   if (state_ != State::watching) {
                     defined = false;
                     return;
                   }
                   out = on_scanned(s);
                 },
                 [&](const switch_event::TimedOut&) {
                   if (state_ != State::watching) {
                     defined = false;
                     return;
                   }
                   std::string seen = observed_.empty() ? "sysfs was never scanned" : observed_;
                   std::string detail =
                       failure(summary() + "; no modem within " + std::to_string(plan_.wait.count()) + " ms: " + seen);
                   enter(State::failed, detail);
                   add(out, switch_action::Finish{modem::Result<SwitchOutcome>(Code::modeswitch_failed, detail)});
                 },
             },
             event);
  if (!defined) {
    ++undefined_;
    log_.error() << "BUG: undefined transition: " << event_name(event) << " in state " << to_string(state_);
  }
  return out;
}

}  // namespace fb::usb
