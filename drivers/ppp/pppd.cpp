#include "fb/ppp/pppd.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "fb/net_types.hpp"

namespace fb::ppp {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

struct ReasonName {
  Reason reason;
  std::string_view name;
  Disposition disposition;
};

// pppd(8) "EXIT STATUS" (ppp-project/ppp pppd/pppd.8); PROTOCOLS.md §6.
constexpr std::array kReasons{
    ReasonName{Reason::stopped, "STOPPED", Disposition::requested},
    ReasonName{Reason::stop_timeout, "STOP_TIMEOUT", Disposition::requested},
    ReasonName{Reason::up_timeout, "UP_TIMEOUT", Disposition::link},
    ReasonName{Reason::peer_terminated, "PEER_TERMINATED", Disposition::link},
    ReasonName{Reason::fatal_error, "FATAL_ERROR", Disposition::local},
    ReasonName{Reason::option_error, "OPTION_ERROR", Disposition::local},
    ReasonName{Reason::not_root, "NOT_ROOT", Disposition::local},
    ReasonName{Reason::no_kernel_ppp, "NO_KERNEL_PPP", Disposition::local},
    ReasonName{Reason::terminated, "TERMINATED", Disposition::link},
    ReasonName{Reason::lock_failed, "LOCK_FAILED", Disposition::local},
    ReasonName{Reason::open_failed, "OPEN_FAILED", Disposition::local},
    ReasonName{Reason::connect_failed, "CONNECT_FAILED", Disposition::link},
    ReasonName{Reason::pty_command_failed, "PTY_COMMAND_FAILED", Disposition::local},
    ReasonName{Reason::negotiation_failed, "NEGOTIATION_FAILED", Disposition::link},
    ReasonName{Reason::peer_auth_failed, "PEER_AUTH_FAILED", Disposition::auth},
    ReasonName{Reason::idle_timeout, "IDLE_TIMEOUT", Disposition::link},
    ReasonName{Reason::connect_time_limit, "CONNECT_TIME_LIMIT", Disposition::link},
    ReasonName{Reason::callback, "CALLBACK", Disposition::link},
    ReasonName{Reason::lcp_echo_timeout, "LCP_ECHO_TIMEOUT", Disposition::link},
    ReasonName{Reason::modem_hangup, "MODEM_HANGUP", Disposition::link},
    ReasonName{Reason::loopback, "LOOPBACK", Disposition::link},
    ReasonName{Reason::init_failed, "INIT_FAILED", Disposition::local},
    ReasonName{Reason::auth_failed, "AUTH_FAILED", Disposition::auth},
    ReasonName{Reason::unknown_exit, "UNKNOWN_EXIT", Disposition::local},
    ReasonName{Reason::killed, "KILLED", Disposition::link},
};

// Exit codes 1..19 in order, as pppd.8 numbers them.
constexpr std::array kByCode{
    Reason::fatal_error,        Reason::option_error,       Reason::not_root,         Reason::no_kernel_ppp,
    Reason::terminated,         Reason::lock_failed,        Reason::open_failed,      Reason::connect_failed,
    Reason::pty_command_failed, Reason::negotiation_failed, Reason::peer_auth_failed, Reason::idle_timeout,
    Reason::connect_time_limit, Reason::callback,           Reason::lcp_echo_timeout, Reason::modem_hangup,
    Reason::loopback,           Reason::init_failed,        Reason::auth_failed};

const ReasonName* find(Reason reason) {
  for (const auto& r : kReasons)
    if (r.reason == reason) return &r;
  return nullptr;
}

// The word after `prefix` and white space (pppd pads its labels with
// spaces); for an address, only a dotted quad.
std::optional<std::string> after(std::string_view line, std::string_view prefix, bool address = true) {
  if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
  auto rest = line.substr(prefix.size());
  if (rest.empty() || (rest.front() != ' ' && rest.front() != '\t')) return std::nullopt;
  rest = trim(rest);
  auto end = rest.find_first_of(" \t");
  if (end != std::string_view::npos) rest = rest.substr(0, end);
  if (rest.empty() || (address && rest.find_first_not_of("0123456789.") != std::string_view::npos)) return std::nullopt;
  return std::string(rest);
}

// IPv6CP's "local  LL address fe80::…": a link-local address in pppd's
// llv6_ntoa form (hex groups and colons, kept as written), or nothing. It
// must parse as an IPv6 address in fe80::/10: "fe80:::::" is no address.
std::optional<std::string> after_ll(std::string_view line, std::string_view prefix) {
  static const Prefix link_local = *Prefix::parse("fe80::/10");
  auto v = after(line, prefix, false);
  if (!v || v->find_first_not_of("0123456789abcdefABCDEF:") != std::string::npos) return std::nullopt;
  auto ip = IpAddress::parse(*v);
  if (!ip || ip->family != AF_INET6 || !link_local.contains(*ip)) return std::nullopt;
  return v;
}

}  // namespace

std::vector<std::string> build_argv(const Settings& s) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(s.lcp_echo_interval).count();
  std::vector<std::string> argv{s.pppd,
                                "nodetach",  // we watch it through a pidfd
                                "noauth",    // the carrier does not authenticate to us
                                "nolock",
                                "noipdefault",  // take the address the carrier gives
                                s.modem_lines ? "modem" : "local",
                                "unit",
                                std::to_string(s.unit),
                                "linkname",
                                s.linkname,
                                "ipparam",
                                s.ipparam,
                                "lcp-echo-interval",
                                std::to_string(std::max<long long>(1, secs)),
                                "lcp-echo-failure",
                                std::to_string(std::max(1, s.lcp_echo_failure))};
  if (s.usepeerdns) argv.emplace_back("usepeerdns");
  if (s.ipv6) argv.emplace_back("+ipv6");
  if (!s.ipv4) argv.emplace_back("noip");
  if (s.credentials) {
    argv.emplace_back("file");
    argv.push_back("/proc/self/fd/" + std::to_string(kCredentialsFd));
  }
  argv.insert(argv.end(), s.extra.begin(), s.extra.end());
  return argv;
}

std::string interface_name(const Settings& settings) {
  return "ppp" + std::to_string(settings.unit);
}

std::optional<Credentials> parse_credentials(std::string_view text, std::string& error) {
  Credentials c;
  bool have_user = false, have_password = false;
  int number = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    auto line = raw;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (trim(line).empty() || line.front() == '#') continue;
    auto sep = line.find_first_of(" \t");
    auto key = line.substr(0, sep);
    // Only a known keyword is ever named: any other word may be the secret
    // itself, written without its keyword.
    if (key != "user" && key != "password") {
      error = "line " + std::to_string(number) +
              ": not 'user NAME' or 'password SECRET' (the line is not shown: it may hold the secret)";
      return std::nullopt;
    }
    if (sep == std::string_view::npos) {
      error = "line " + std::to_string(number) + ": '" + std::string(key) + "' has no value";
      return std::nullopt;
    }
    auto value = line.substr(sep + 1);
    if (key == "user") {
      if (have_user) {
        error = "line " + std::to_string(number) + ": user given twice";
        return std::nullopt;
      }
      c.user = std::string(trim(value));
      have_user = true;
    } else {
      if (have_password) {
        error = "line " + std::to_string(number) + ": password given twice";
        return std::nullopt;
      }
      c.password = std::string(value);
      have_password = true;
    }
  }
  for (char ch : c.user + c.password)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      error = "user or password contains a control character";
      return std::nullopt;
    }
  if (!have_user || c.user.empty()) {
    error = "no 'user NAME' line";
    return std::nullopt;
  }
  if (!have_password) {
    error = "no 'password SECRET' line";
    return std::nullopt;
  }
  // pppd copies both into fixed buffers and cuts what does not fit without a
  // word; the carrier would then refuse a login that is not the one written.
  if (c.user.size() > kCredentialMaxBytes) {
    error = "user is longer than " + std::to_string(kCredentialMaxBytes) + " bytes (pppd's limit)";
    return std::nullopt;
  }
  if (c.password.size() > kCredentialMaxBytes) {
    error = "password is longer than " + std::to_string(kCredentialMaxBytes) + " bytes (pppd's limit)";
    return std::nullopt;
  }
  return c;
}

std::string credentials_options(const Credentials& c) {
  return "user " + quoted(c.user) + "\npassword " + quoted(c.password) + "\n";
}

std::string_view to_string(Reason reason) {
  const auto* r = find(reason);
  return r ? r->name : "UNKNOWN";
}

std::optional<Reason> reason_from_string(std::string_view word) {
  for (const auto& r : kReasons)
    if (r.name == word) return r.reason;
  return std::nullopt;
}

std::string_view to_string(Disposition d) {
  switch (d) {
    case Disposition::requested: return "requested";
    case Disposition::link: return "link";
    case Disposition::auth: return "auth";
    case Disposition::local: return "local";
  }
  return "unknown";
}

Disposition disposition(Reason reason) {
  const auto* r = find(reason);
  return r ? r->disposition : Disposition::local;
}

Reason classify_exit(ExitStatus status, bool stop_requested, bool killed_by_us, bool up_timed_out,
                     std::optional<Reason> cause) {
  if (up_timed_out) return Reason::up_timeout;
  if (killed_by_us) return Reason::stop_timeout;
  if (stop_requested) return Reason::stopped;
  if (status.code < 0) return Reason::killed;
  if (cause && (status.code == 0 || status.code == 16)) return *cause;
  if (status.code == 0) return Reason::peer_terminated;
  if (status.code >= 1 && status.code <= static_cast<int>(kByCode.size())) return kByCode[status.code - 1];
  return Reason::unknown_exit;
}

LogFollower::Change LogFollower::feed(std::string_view line) {
  line = trim(line);
  if (!cause_) {
    if (line.substr(0, 15) == "No response to " && line.find("echo-requests") != std::string_view::npos)
      cause_ = Reason::lcp_echo_timeout;
    else if (line == "LCP terminated by peer" || line.substr(0, 23) == "LCP terminated by peer ")
      cause_ = Reason::peer_terminated;
    else if (line == "PAP authentication failed" || line == "CHAP authentication failed")
      cause_ = Reason::auth_failed;
  }
  if (auto v = after(line, "Using interface", false)) {
    link_.interface = *v;
    return Change::none;
  }
  if (auto v = after(line, "local  IP address")) {
    link_.local = *v;
    return Change::none;
  }
  if (auto v = after_ll(line, "local  LL address")) {
    link_.local_ll = *v;
    return up_ ? Change::updated : Change::none;
  }
  auto remote = after(line, "remote IP address");
  auto remote_ll = remote ? std::nullopt : after_ll(line, "remote LL address");
  if (remote || remote_ll) {
    (remote ? link_.remote : link_.remote_ll) = remote ? *remote : *remote_ll;
    if (up_) return Change::updated;
    if (remote_ll && ipv4_) return Change::none;  // IPCP's line brings an IPv4 link up
    up_ = true;
    return Change::up;
  }
  if (auto v = after(line, "primary   DNS address"); v || (v = after(line, "secondary DNS address"))) {
    if (std::find(link_.dns.begin(), link_.dns.end(), *v) == link_.dns.end()) link_.dns.push_back(*v);
    return up_ ? Change::updated : Change::none;
  }
  return Change::none;
}

}  // namespace fb::ppp
