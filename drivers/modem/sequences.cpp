#include "fb/modem/sequences.hpp"

#include <algorithm>
#include <chrono>

#include "fb/at/fields.hpp"

namespace fb::modem {
namespace {

using at::Command;
using at::CommandResult;
using namespace std::chrono_literals;

using Processor = std::function<std::optional<Error>(const CommandResult&, ModemSnapshot&)>;

at::Step<ModemSnapshot> step(std::string text, std::vector<std::string> expect, bool optional, Processor process = {},
                             Duration timeout = Duration{0}) {
  return at::Step<ModemSnapshot>{Command{std::move(text), std::move(expect), timeout}, optional, std::move(process)};
}

// Parses a successful answer into the snapshot. A modem error or an answer
// that cannot be understood stops the table (required) or fails that row
// alone (optional: what it would fill stays empty, the next rows run).
template <class Parse>
Processor parse_into(bool required, Parse parse) {
  return [required, parse](const CommandResult& r, ModemSnapshot& s) -> std::optional<Error> {
    if (!r) return required ? std::optional<Error>(r.error()) : std::nullopt;
    auto error = parse(r->text(), s);
    return required ? error : std::nullopt;
  };
}

std::optional<Error> registration_into(std::optional<at::Registration>& slot, std::string_view text) {
  auto reg = at::parse_registration(text, at::Solicited::yes);
  if (!reg) return reg.error();
  slot = *reg;
  return std::nullopt;
}

}  // namespace

bool ModemSnapshot::registered() const {
  for (const auto* r : {&cs, &ps, &eps, &nr})
    if (*r && at::registered((*r)->state)) return true;
  return false;
}

bool ModemSnapshot::denied() const {
  bool any = false;
  for (const auto* r : {&cs, &ps, &eps, &nr}) {
    if (!*r) continue;
    if ((*r)->state != at::RegState::denied) return false;
    any = true;
  }
  return any;
}

Steps init_steps(const Profile& profile, UsbId id) {
  Steps s;
  // A stick that just enumerated may need a moment and swallow the first AT.
  s.push_back(step("AT", {}, false, {}, 2s));
  // Echo and verbose answers are what we ask for, not what we need: the
  // framer takes echoed commands and the stick that said ERROR is verbose.
  // A quirky stick refusing them must not look like a dead one (a reset).
  s.push_back(step("ATE0", {}, true));
  s.push_back(step("ATV1", {}, true));
  s.push_back(step("AT+CMEE=1", {}, true));  // numeric CME errors: stable across vendors
  s.push_back(step("AT+CREG=2", {}, true));
  s.push_back(step("AT+CGREG=2", {}, true));
  s.push_back(step("AT+CEREG=2", {}, true, [](const CommandResult& r, ModemSnapshot& m) -> std::optional<Error> {
    m.lte = r.ok();  // 3G sticks answer ERROR
    return std::nullopt;
  }));
  for (const auto* q : quirks_for(id))
    if (q->quirk == Quirk::init_command) s.push_back(step(std::string(q->command), {}, true));
  for (auto c : profile.init) s.push_back(step(std::string(c), {}, true));
  for (auto& row : charset_steps()) s.push_back(std::move(row));
  return s;
}

Steps charset_steps() {
  Steps s;
  s.push_back(step("AT+CSCS=?", {"+CSCS:"}, true, [](const CommandResult& r, ModemSnapshot& m) {
    m.charset = at::Charset::unknown;
    m.charsets.clear();
    if (r)
      if (auto offered = at::parse_cscs_supported(r->text())) m.charsets = *offered;
    return std::optional<Error>{};
  }));
  for (auto charset : {at::Charset::ucs2, at::Charset::latin1, at::Charset::ira}) {
    auto row = step("AT+CSCS=\"" + std::string(at::to_string(charset)) + "\"", {}, true,
                    [charset](const CommandResult& r, ModemSnapshot& m) {
                      if (r) m.charset = charset;
                      return std::optional<Error>{};
                    });
    row.skip = [charset](const ModemSnapshot& m) {
      return m.charset != at::Charset::unknown ||
             std::find(m.charsets.begin(), m.charsets.end(), charset) == m.charsets.end();
    };
    s.push_back(std::move(row));
  }
  // The stick's word is final: it may have said OK and kept another one.
  s.push_back(step("AT+CSCS?", {"+CSCS:"}, true, [](const CommandResult& r, ModemSnapshot& m) {
    if (r)
      if (auto charset = at::parse_cscs(r->text())) m.charset = *charset;
    return std::optional<Error>{};
  }));
  return s;
}

Steps identify_steps(const Profile& profile) {
  Steps s;
  s.push_back(step("ATI", {}, true, parse_into(false, [](std::string_view text, ModemSnapshot& m) {
                     if (auto info = at::parse_ati(text)) {
                       if (m.manufacturer.empty()) m.manufacturer = info->manufacturer;
                       if (m.model.empty()) m.model = info->model;
                       if (m.revision.empty()) m.revision = info->revision;
                       if (m.imei.empty()) m.imei = info->imei;
                     }
                     return std::optional<Error>{};
                   })));
  auto identity = [](std::string field_tag, std::string ModemSnapshot::*field) {
    return parse_into(false, [field_tag, field](std::string_view text, ModemSnapshot& m) {
      if (auto v = at::parse_identity_line(text, field_tag)) m.*field = *v;
      return std::optional<Error>{};
    });
  };
  s.push_back(step("AT+CGMI", {"+CGMI:"}, true, identity("+CGMI:", &ModemSnapshot::manufacturer)));
  s.push_back(step("AT+CGMM", {"+CGMM:"}, true, identity("+CGMM:", &ModemSnapshot::model)));
  s.push_back(step("AT+CGMR", {"+CGMR:"}, true, identity("+CGMR:", &ModemSnapshot::revision)));
  s.push_back(step("AT+CGSN", {"+CGSN:"}, false,
                   parse_into(true, [](std::string_view text, ModemSnapshot& m) -> std::optional<Error> {
                     auto imei = at::parse_imei(text);
                     if (!imei) return imei.error();
                     m.imei = imei->digits;
                     return std::nullopt;
                   })));
  for (auto& row : iccid_steps(profile)) s.push_back(std::move(row));
  return s;
}

Steps iccid_steps(const Profile& profile) {
  std::vector<std::string> commands;
  if (!profile.iccid.empty()) commands.emplace_back(profile.iccid);
  for (const char* c : {"AT+CCID", "AT^ICCID?", "AT+ICCID", "AT+CRSM=176,12258,0,0,10"})
    if (std::find(commands.begin(), commands.end(), c) == commands.end()) commands.emplace_back(c);
  Steps s;
  for (auto& c : commands) {
    auto row = step(std::move(c), {"+CCID:", "^ICCID:", "+ICCID:", "+CRSM:", "+ZGETICCID:", "+QCCID:"}, true,
                    parse_into(false, [](std::string_view text, ModemSnapshot& m) {
                      if (auto iccid = at::parse_iccid(text)) m.iccid = *iccid;
                      return std::optional<Error>{};
                    }));
    row.skip = [](const ModemSnapshot& m) { return !m.iccid.empty(); };
    s.push_back(std::move(row));
  }
  return s;
}

Steps pin_retries_steps(const Profile& profile) {
  std::vector<std::string> commands;
  if (!profile.pin_retries.empty()) commands.emplace_back(profile.pin_retries);
  commands.emplace_back("AT+CPINR=\"SIM PIN\"");
  Steps s;
  for (auto& c : commands) {
    auto row = step(std::move(c), {"+CPINR:", "^CPIN:", "+ZPINPUK:", "+QPINC:"}, true,
                    parse_into(false, [](std::string_view text, ModemSnapshot& m) {
                      if (auto n = at::parse_pin_retries(text)) m.pin_retries = *n;
                      return std::optional<Error>{};
                    }));
    row.skip = [](const ModemSnapshot& m) { return m.pin_retries.has_value(); };
    s.push_back(std::move(row));
  }
  return s;
}

Steps sim_steps() {
  Steps s;
  s.push_back(step("AT+CPIN?", {"+CPIN:"}, false, [](const CommandResult& r, ModemSnapshot& m) -> std::optional<Error> {
    if (!r) {
      // "+CME ERROR: 10" is how most sticks say "no SIM".
      m.sim_error = r.code();
      if (r.code() == Code::sim_missing) m.sim = at::SimState::missing;
      return std::nullopt;
    }
    auto state = at::parse_cpin(r->text());
    if (!state) return state.error();
    m.sim = *state;
    m.sim_error.reset();
    return std::nullopt;
  }));
  return s;
}

Steps signal_steps(const Profile& profile) {
  Steps s;
  s.push_back(step("AT+CSQ", {"+CSQ:"}, false,
                   parse_into(true, [](std::string_view text, ModemSnapshot& m) -> std::optional<Error> {
                     auto sig = at::parse_csq(text);
                     if (!sig) return sig.error();
                     m.signal = *sig;
                     return std::nullopt;
                   })));
  auto merge_into = [](auto parse) {
    return parse_into(false, [parse](std::string_view text, ModemSnapshot& m) -> std::optional<Error> {
      auto sig = parse(text);
      if (!sig) return sig.error();
      if (!m.signal) m.signal = at::SignalReport{};
      at::merge(*m.signal, *sig);
      return std::nullopt;
    });
  };
  s.push_back(step("AT+CESQ", {"+CESQ:"}, true, merge_into(at::parse_cesq)));
  const SignalQuery& q = profile.signal;
  switch (q.form) {
    case SignalForm::huawei_hcsq:
      s.push_back(step(std::string(q.command), {std::string(q.prefix)}, true, merge_into(huawei::parse_hcsq)));
      break;
    case SignalForm::quectel_qeng:
      s.push_back(
          step(std::string(q.command), {std::string(q.prefix)}, true, merge_into(quectel::parse_qeng_servingcell)));
      break;
    case SignalForm::none: break;
  }
  return s;
}

Steps registration_steps() {
  Steps s;
  s.push_back(step("AT+CREG?", {"+CREG:"}, false, parse_into(true, [](std::string_view text, ModemSnapshot& m) {
                     return registration_into(m.cs, text);
                   })));
  s.push_back(step("AT+CGREG?", {"+CGREG:"}, true, parse_into(false, [](std::string_view text, ModemSnapshot& m) {
                     return registration_into(m.ps, text);
                   })));
  s.push_back(step("AT+CEREG?", {"+CEREG:"}, true, parse_into(false, [](std::string_view text, ModemSnapshot& m) {
                     return registration_into(m.eps, text);
                   })));
  s.push_back(step("AT+C5GREG?", {"+C5GREG:"}, true, parse_into(false, [](std::string_view text, ModemSnapshot& m) {
                     return registration_into(m.nr, text);
                   })));
  s.push_back(step("AT+COPS?", {"+COPS:"}, true,
                   parse_into(false, [](std::string_view text, ModemSnapshot& m) -> std::optional<Error> {
                     auto op = at::parse_cops(text, m.charset);
                     if (!op) return op.error();
                     m.network = *op;
                     return std::nullopt;
                   })));
  return s;
}

Steps cdrom_query_steps(CdromControl control) {
  Steps s;
  const CdromCommands* c = cdrom_commands(control);
  if (!c) return s;
  std::vector<std::string> expect;
  if (!c->query_prefix.empty()) expect.emplace_back(c->query_prefix);
  s.push_back(step(std::string(c->query), expect, true,
                   parse_into(false, [control](std::string_view text, ModemSnapshot& m) -> std::optional<Error> {
                     switch (control) {
                       case CdromControl::zte_zcdrun:
                         if (auto z = zte::parse_zcdrun(text)) m.cdrom = z->cdrom();
                         break;
                       case CdromControl::huawei_u2diag:
                         if (auto u = huawei::parse_u2diag(text)) m.cdrom = u->cdrom;
                         break;
                       case CdromControl::huawei_setport:
                         if (auto p = huawei::parse_setport(text)) {
                           m.cdrom = p->cdrom;
                           m.setport = *p;
                         }
                         break;
                       case CdromControl::none: break;
                     }
                     return std::nullopt;
                   })));
  return s;
}

Result<AttachSteps> attach_context_steps(const DialPlan& plan) {
  DialPlan attach = plan;
  attach.cid = 1;
  auto commands = dial_commands(attach);
  if (!commands) return commands.error();
  std::string type(cgdcont_text(plan.pdp_type));
  std::string apn = plan.apn;
  using AttachStep = at::Step<AttachState>;
  auto row = [](std::string text, std::vector<std::string> expect, bool optional, auto process, auto skip) {
    return AttachStep{Command{std::move(text), std::move(expect), Duration{0}}, optional, std::move(process),
                      std::move(skip)};
  };
  AttachSteps s;
  s.push_back(row(
      "AT+CGDCONT?", {"+CGDCONT:"}, true,
      [type, apn](const CommandResult& r, AttachState& a) -> std::optional<Error> {
        if (!r) {
          a.problem = r.error();
          return std::nullopt;
        }
        auto contexts = at::parse_cgdcont(r->text());
        if (!contexts) {
          a.problem = contexts.error();
          return std::nullopt;
        }
        a.read = true;
        for (const auto& c : *contexts)
          if (c.cid == 1) a.before = c;
        a.differs = !a.before || !at::iequals(a.before->type, type) || !at::iequals(a.before->apn, apn);
        return std::nullopt;
      },
      [](const AttachState&) { return false; }));
  s.push_back(row(
      "AT+CFUN=4", {}, true,
      [](const CommandResult& r, AttachState& a) -> std::optional<Error> {
        if (r)
          a.radio_off = true;
        else
          a.problem = r.error();
        return std::nullopt;
      },
      [](const AttachState& a) { return !a.differs; }));
  s.push_back(row(
      commands->define_context, {}, true,
      [](const CommandResult& r, AttachState& a) -> std::optional<Error> {
        if (r)
          a.written = true;
        else
          a.problem = r.error();
        return std::nullopt;
      },
      [](const AttachState& a) { return !a.radio_off; }));
  s.push_back(row(
      "AT+CFUN=1", {}, false,
      [](const CommandResult& r, AttachState& a) -> std::optional<Error> {
        if (!r) return r.error();
        a.radio_off = false;
        return std::nullopt;
      },
      [](const AttachState& a) { return !a.radio_off; }));
  return s;
}

Result<DialSteps> dial_steps(const DialPlan& plan) {
  auto commands = dial_commands(plan);
  if (!commands) return commands.error();
  DialSteps s;
  s.push_back({Command{commands->define_context, {}, Duration{0}}, false, {}});
  s.push_back({Command{commands->dial, {}, plan.timeout}, false,
               [](const CommandResult& r, DialState& d) -> std::optional<Error> {
                 if (!r) return r.error();
                 auto outcome = dial_outcome(r->final);
                 if (!outcome) return outcome.error();
                 d.connect = *outcome;
                 return std::nullopt;
               }});
  return s;
}

}  // namespace fb::modem
