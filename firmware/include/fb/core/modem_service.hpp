// ModemService: the modem adapter wiring. It carries out what ModemMachine
// and RecoveryLadder decide — sysfs discovery from [modem] device, the AT
// tables on an AtChannel, the SIM PIN from [modem] pin_file, the state files
// — and feeds the results back to them as events.
//
// Contract: single-threaded on the daemon's io_context; it decides nothing
// itself. Each AT operation runs as a coroutine on the current AtChannel and
// reports back tagged with that channel's generation, so a result from a
// tty that was closed since is dropped, never mistaken for a current one.
// Files in [general] state_dir: sim-pin.json (SIMs whose PIN is not tried
// again) and reboots.json (when and why failberryd rebooted), both written
// atomically. The PIN is read from its file only to be sent, never kept or
// logged. Dialing: failberryd dials on the data port (the AT port when the
// stick has only one) and hands the CONNECTed tty to the DataLinkStarter
// (pppd, through PppdRunner); the link's end comes back as LinkDown with its
// stable reason. The USB power cycle goes through fb::usb::HubPower
// ([recovery] hub/hub_port, or the modem's own port); the method that worked
// is logged and shown in status.
// A stick found in storage (CD-ROM) mode is switched with fb::usb::ModeSwitcher
// (libusb) when the machine says ModeSwitch, also in dry-run: the switch
// talks only to the stick, never to the network or the host's routing, and
// without it there is no modem to watch. When the profile does not name the
// AT port and the stick has several ttys, fb::modem::AtPortFinder asks each
// one; what it tried goes to the log and to /status (modem.at_probe).
// The member functions live in firmware/modem_service*.cpp, one file per
// concern (the list is in firmware/modem_service_internal.hpp).
#pragma once

// <utility> first: Boost 1.74's asio headers use std::exchange without it.
#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "fb/at/channel.hpp"
#include "fb/config/config.hpp"
#include "fb/core/data_link.hpp"
#include "fb/core/hilink_api.hpp"
#include "fb/core/host_actions.hpp"
#include "fb/core/modem_machine.hpp"
#include "fb/core/recovery_ladder.hpp"
#include "fb/event_pump.hpp"
#include "fb/health/handler.hpp"
#include "fb/modem/at_port_finder.hpp"
#include "fb/modem/dial.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/modem/pdp_choice.hpp"
#include "fb/modem/sequences.hpp"
#include "fb/ppp/runner.hpp"
#include "fb/usb/hub_power.hpp"
#include "fb/usb/switcher.hpp"

namespace fb::core {

struct ModemServiceOptions {
  std::string sysfs_root = "/sys";
  std::string proc_root = "/proc";  // boot_id

  std::string dev_root = "/dev";                        // where discovery's tty names live (tests: links to ptys)
  Duration modeswitch_wait = std::chrono::seconds(20);  // for the modem after the switch messages
  // Tests only (the QEMU guest, whose emulated usb-storage ids are in no product
  // table): treat this id as a storage-mode stick, switched with StandardEject
  // into `target`. failberryd sets it from FAILBERRY_TEST_MODESWITCH
  // ("VID:PID=VID:PID"); no config key reaches it.
  struct TestSwitch {
    modem::UsbId storage, target;
  };
  std::optional<TestSwitch> test_switch;
};

class ModemService {
 public:
  // `host` cuts USB power and reboots, `link` starts pppd on a CONNECTed
  // line (or, dry-run, each says it would).
  ModemService(boost::asio::io_context& io, TimerService& timers, const Config& config, ModemServiceOptions options,
               std::unique_ptr<HostActions> host, std::unique_ptr<DataLinkStarter> link);
  ~ModemService();
  ModemService(const ModemService&) = delete;
  ModemService& operator=(const ModemService&) = delete;

  void start();
  // Ends the stick's network session, when one is up, with the profile's
  // disconnect command (a stopped daemon leaves no session running on the
  // stick), then calls `done` from the io_context, never from inside stop().
  // From stop() on, nothing moves the machine or the ladder: no redial, no
  // reset. The caller destroys the service after `done`.
  void stop(std::function<void()> done);

  health::ModemReport modem_status() const;
  health::RecoveryStatus recovery_status() const;

  // Each change of the data link (up with its interface and addresses, or
  // down), for the network side. Called on the io_context, never from inside
  // start(); not after the service is destroyed. A destroyed service whose
  // link was up does not call it: the caller unbinds.
  void on_data_link(std::function<void(const DataLinkReport&)> callback) { on_data_link_ = std::move(callback); }
  const DataLinkReport& data_link() const { return report_; }
  // The DHCP client for a net data session whose address comes by DHCP
  // (udhcpc, or its dry-run twin), chosen where the daemon is wired. Without
  // one such a session is refused (BAD_DIAL_SETTINGS).
  void set_dhcp_starter(std::unique_ptr<DhcpStarter> starter) { dhcp_starter_ = std::move(starter); }
  // How a HiLink stick's API is opened ([modem] data = hilink): the client,
  // or its dry-run twin, chosen where the daemon is wired. Without one such
  // a stick is refused (BAD_DIAL_SETTINGS).
  void set_hilink_opener(HiLinkOpener opener) { hilink_opener_ = std::move(opener); }

  // SMS alerts (firmware/modem_service_sms.cpp). The machine's state and
  // whether pppd holds the stick's only AT port (a single-port stick on the
  // PPP data path): SmsRules waits on them. on_state_change() is called after
  // each event that changed the machine's state. send_sms() runs one text on
  // the AT channel like a poll (the channel runs one command at a time):
  // AT+CMGF=1, AT+CSCS="GSM" when the port's charset needs it, AT+CMGS with
  // the prompt, the text and Ctrl-Z (kSmsSendTimeout: a network may take a
  // minute to answer); `done` gets no error, or the modem's (the CMS
  // meaning in its detail), AT_TIMEOUT, or NO_MODEM when there is no channel
  // or pppd holds it. Never called after the service is destroyed.
  static constexpr Duration kSmsSendTimeout = std::chrono::seconds(70);
  ModemMachine::State machine_state() const { return machine_.state(); }
  bool at_port_held() const { return port_shared_; }
  void on_state_change(std::function<void()> callback) { on_state_change_ = std::move(callback); }
  void send_sms(const std::string& number, const std::string& text,
                std::function<void(std::optional<modem::Error>)> done);

  // The control verbs redial / reset-modem / cycle-usb: a control-socket
  // reply ({"ok": true, "message": ...} or an error object).
  nlohmann::json operator_request(Rung rung);

 private:
  using Event = std::variant<ModemEvent, LadderEvent>;
  void feed(const ModemEvent& event);
  void feed(const LadderEvent& event);
  void handle(const Event& event);
  void apply(const ModemAction& action);
  void apply(const LadderAction& action);

  void scan();
  void mode_switch();
  std::string dev_path(const std::string& tty) const;
  void probe(const std::string& tty);
  void disable_cdrom();
  void check_sim();
  // [modem] apn and the PDP type the last probe chose (pdp_choice_);
  // PDP_TYPE_UNSUPPORTED when it chose none, so nothing is attached or
  // dialled with a type the user did not write or the stick does not list.
  modem::Result<modem::DialPlan> dial_plan() const;
  void log_pdp_choice(const modem::PdpChoice& choice);
  void log_attach(const modem::DialPlan& plan, const modem::AttachState& attach, const modem::Result<void>& outcome);
  void enter_pin();
  void poll();
  void reset_modem();
  // Runs one AT command on the current channel, then feeds Done{error}; the
  // result is dropped when the channel changed meanwhile or the service is gone.
  template <class Done>
  void run_command(std::string command);
  void dial();
  void dial_ppp(const modem::DialPlan& plan);
  void hang_up();
  void on_link_down(const modem_event::LinkDown& down);
  // The network-interface data path (modem_service_net.cpp).
  modem::Result<modem::DataPath> data_path() const;
  // Which path the stick just found takes ([modem] data, or auto's rule
  // over what discovery found) and why; `device` null for a tty outside USB.
  modem::PathChoice choose_path(const modem::Profile& profile, const modem::UsbDevice* device) const;
  void set_path_choice(modem::PathChoice choice);
  // The module's USB mode before a net session (Profile::net_mode): asked,
  // switched and reset once when it is not the one the session needs.
  void check_net_mode(const modem::DialPlan& plan);
  void net_mode_read(const at::CommandResult& result, const modem::DialPlan& plan);
  void net_mode_set(const at::CommandResult& set, const at::CommandResult& reset);
  void connect_net(const modem::DialPlan& plan);
  void net_up(const modem::Result<at::IpConfig>& ip);
  void net_dhcp();
  void dhcp_lost(const std::string& code, const std::string& detail);
  void stop_dhcp();
  struct NetSession;
  void net_ended(const at::CommandResult& result, const std::string& command);
  void net_status(const at::CommandResult& result, const NetSession& session);
  void hang_up_net();
  void farewell_said(const at::CommandResult& result);
  void on_net_urc(const std::string& line);
  void poll_net_status();
  void net_lost(const std::string& code, const std::string& detail);
  // The stick's interface beside its AT port (interface = auto): sets
  // net_->interface and reports it when found; an Error when the dial fails
  // now (not on USB, the stick gone, or nothing by `last_try`); else look again.
  std::optional<modem::Error> find_session_interface(bool last_try);
  // A configured interface that sysfs contradicts: a warning, once per name pair.
  void check_configured_interface(const std::string& configured);
  // The report of a link that is down: it still names the interface found
  // for interface = auto, so the network side keeps (or, after a reload, gets)
  // its binding.
  DataLinkReport down_report() const;
  void report_link(DataLinkReport report);
  // The HiLink data path (modem_service_hilink.cpp): the stick's API answers
  // what the AT session answers on other sticks.
  bool hilink() const;
  bool hilink_configured() const;  // [modem] data = hilink on a kind = cellular uplink
  void hilink_scan();
  // data = auto found a HiLink stick on USB: its interface (named, or found
  // beside it) and its API at hilink_url.
  void hilink_found(const modem::FoundModem& found, const modem::Profile& profile);
  void hilink_probe();
  void hilink_check_sim();
  void hilink_poll();
  bool hilink_polled(const hilink::Status& status, const std::optional<hilink::Signal>& signal,
                     const std::optional<hilink::Plmn>& plmn);
  void hilink_dial();
  void hilink_wait_connected(TimePoint deadline, std::uint64_t gen);
  void hilink_connected(std::uint64_t gen);
  void hilink_dial_failed(std::uint64_t gen, const modem::Error& error);
  void hilink_hang_up();
  void hilink_reset();
  void hilink_close();
  void hilink_lost(const std::string& code, const std::string& detail);
  modem::Result<void> hilink_open();
  // The API dialect the stick speaks ([modem] router_api, else its USB id's
  // profile row or vendor) and why; none when auto cannot tell.
  struct RouterApiChoice {
    std::optional<modem::RouterApi> api;
    std::string why;
  };
  RouterApiChoice hilink_router_api() const;
  // hilink_url when set (always), else the router API's own default address.
  std::string hilink_base_url() const;
  std::string hilink_api_name() const;  // "HiLink API" or "ZTE goform API", for descriptions
  void hilink_with_lease(std::function<void(const modem::Result<void>&)> then);
  void hilink_leased(const dhcp::Lease& lease);
  void hilink_dhcp_lost(const std::string& code, const std::string& detail);
  void hilink_release();
  void hilink_exit();                            // the service's end: mobile data off, if it switched it on
  void hilink_stop(std::function<void()> done);  // stop(): the same, without blocking
  void power_cycle();
  bool open_channel(const std::string& tty);
  void close_channel();
  void reboot(const std::string& reason);
  void on_urc(std::uint64_t generation, const std::string& line);

  // The state files (modem_service_recovery.cpp).
  std::string state_path(const char* name) const;
  modem_event::Start read_pin_record() const;
  ladder_event::Start read_reboot_record();  // and this boot's id
  void persist_pin_record(const std::set<std::string>& tried);
  void persist_reboots(const RebootRecord& record);

  template <class Work>
  void spawn(Work work);  // modem_service_internal.hpp
  std::int64_t unix_now() const;

  boost::asio::io_context& io_;
  TimerService& timers_;
  Config config_;
  ModemServiceOptions options_;
  Logger log_{"modem"};
  ModemMachine machine_;
  RecoveryLadder ladder_;
  std::shared_ptr<at::AtChannel> channel_;
  std::uint64_t generation_ = 0;  // of channel_
  const modem::Profile* profile_ = nullptr;
  std::optional<modem::UsbId> usb_id_;
  modem::CdromControl cdrom_control_ = modem::CdromControl::none;
  std::optional<modem::huawei::SetPort> setport_;
  at::Charset charset_ = at::Charset::unknown;  // the AT port's AT+CSCS, from the last probe
  bool lte_ = false;                            // the last probe's AT+CEREG=2 was accepted: the stick has LTE
  // The PDP type for the attach and dial contexts, from [modem] pdp_type and
  // the last probe's AT+CGDCONT=? (none before a probe finished).
  std::optional<modem::PdpChoice> pdp_choice_;
  std::string at_tty_;
  std::string data_tty_;  // empty: the AT port carries data too
  std::shared_ptr<at::AtChannel> data_channel_;
  std::unique_ptr<DataLinkStarter> link_starter_;
  std::unique_ptr<DataLink> data_link_;  // pppd on the CONNECTed line
  bool port_shared_ = false;             // pppd holds the AT port's tty
  bool link_reported_ = false;
  ppp::LinkInfo link_;
  // The net data path's session: its commands and interface, while one is
  // being started or is up.
  struct NetSession {
    modem::NetSessionCommands commands;
    modem::NetCommands forms;
    std::string interface;
    int cid = 1;
    bool up = false;
  };
  std::optional<NetSession> net_;
  bool stopping_ = false;  // stop() was called: events are dropped
  std::unique_ptr<DhcpStarter> dhcp_starter_;
  // The HiLink data path: its API, the stick's DHCP lease on the uplink's
  // interface (the API is reached through it), who waits for that lease.
  HiLinkOpener hilink_opener_;
  std::unique_ptr<HiLinkApi> hilink_api_;
  // The choice hilink_api_ was built with (or the last open refused), and
  // its address: /status and the logs report these, and hilink_open()
  // builds the client again when the stick found since asks for another.
  RouterApiChoice hilink_choice_{std::nullopt, "not chosen yet: the API is opened at the first probe"};
  std::string hilink_opened_url_;
  std::optional<dhcp::Lease> hilink_lease_;
  bool hilink_no_dhcp_ = false;   // the DHCP client withheld (dry-run): the interface has what it has
  bool hilink_up_ = false;        // mobile data connected, Dialed reported
  bool hilink_switched_ = false;  // mobile data switched on by this service (off again at its end)
  std::uint64_t hilink_gen_ = 0;  // bumped when a dial, hang-up or session ends: older answers are stale
  std::vector<std::function<void(const modem::Result<void>&)>> hilink_waiting_;
  bool auto_hilink_ = false;      // data = auto took the HiLink path for the stick the last scan found
  std::string hilink_interface_;  // the HiLink stick's interface: the uplink's name, or the one found beside it
  // The data path the last discovery chose and why (/status); none before
  // the first discovery and while a storage-mode stick waits for its switch.
  std::optional<modem::PathChoice> path_choice_;
  bool net_mode_switched_ = false;           // Profile::net_mode was set and the module reset: never again
  std::string net_mode_;                     // what the last net mode check found or did, for /status
  std::unique_ptr<DataLink> dhcp_link_;      // udhcpc of the session
  std::unique_ptr<DataLink> dhcp_stopping_;  // the last session's, releasing its lease
  DataLinkReport report_;                    // what on_data_link_ was last told
  std::function<void(const DataLinkReport&)> on_data_link_;
  std::function<void()> on_state_change_;
  std::optional<TimePoint> link_up_at_;         // when pppd reported the link up
  std::string usb_port_;                        // the modem's USB location ("1-1.3"), "" for a tty outside USB
  std::optional<modem::UsbDevice> usb_device_;  // the modem's USB device as the last scan found it
  std::string net_interface_;                   // interface = auto: the one found beside the AT port, "" none yet
  std::string interface_warning_;               // the last check_configured_interface() warning
  std::unique_ptr<HostActions> host_;
  std::unique_ptr<usb::HubPower> hub_power_;
  std::string last_power_cycle_;  // what the last cycle did, for status
  std::string boot_id_problem_;
  OneShot machine_timer_{timers_};
  OneShot hilink_exit_timer_{timers_};  // stop(): the switch-off's answer waited for at most this long
  OneShot ladder_timer_{timers_};
  OneShot hilink_timer_{timers_};  // the next status question while mobile data connects
  // Events for the machine and the ladder, in order; an action's event runs
  // after the current one (post() from apply, then the running loop takes it).
  EventPump<Event> events_{[this](Event&& e) { handle(e); }};
  bool last_do_ = false;  // the ladder emitted Do during the last operator request
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::unique_ptr<modem::AtPortFinder> at_port_finder_;
  std::string last_port_search_;  // summary of the last AT port search, for status
  std::unique_ptr<usb::ModeSwitcher> switcher_;
  std::optional<modem::UsbDevice> storage_device_;  // the storage-mode stick the last scan found
  std::string last_switch_;                         // how the last mode switch went, for status
};

// "46f4:0001=0403:6001" (FAILBERRY_TEST_MODESWITCH): nothing when malformed.
std::optional<ModemServiceOptions::TestSwitch> parse_test_switch(std::string_view text);

// Masks all but the first six and last four characters ("893241**********0476").
std::string mask_iccid(const std::string& iccid);

}  // namespace fb::core
