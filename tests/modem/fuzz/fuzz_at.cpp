// libFuzzer target for everything that reads modem bytes: the framer (in
// random chunking, with and without a command in flight) and every parser
// on every response, URC and stray line it produces, plus the raw input.
// Built by tests/fuzz/run.sh modem with clang++ -fsanitize=fuzzer,address,undefined; a
// crash, a sanitizer report or a broken invariant (abort) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fb/at/framing.hpp"
#include "fb/at/parse_3gpp.hpp"
#include "fb/modem/dial.hpp"
#include "fb/modem/discovery.hpp"
#include "fb/modem/parse_vendor.hpp"
#include "fb/modem/pdp_choice.hpp"
#include "fb/modem/profile.hpp"

namespace {

void check(bool invariant) {
  if (!invariant) std::abort();
}

void parse_all(std::string_view text) {
  using namespace fb::at;
  using namespace fb::modem;
  (void)parse_csq(text);
  (void)parse_huawei_rssi(text);
  for (auto s : {Solicited::yes, Solicited::no}) {
    auto r = parse_registration(text, s);
    if (r) check(static_cast<int>(r->state) <= static_cast<int>(RegState::attached_rlos));  // beyond: unknown
  }
  (void)parse_cops(text);
  (void)parse_cpin(text);
  if (auto imei = parse_imei(text)) check(imei->digits.size() == 15);
  if (auto iccid = parse_iccid(text)) check(iccid->size() >= 19 && iccid->size() <= 20 && iccid->rfind("89", 0) == 0);
  (void)parse_cgdcont(text);
  if (auto s = parse_cesq(text)) check(!s->rsrp_dbm || (*s->rsrp_dbm >= -141 && *s->rsrp_dbm <= -44));
  if (auto s = huawei::parse_hcsq(text)) check(!s->rsrq_db || (*s->rsrq_db >= -20.0 && *s->rsrq_db <= -3.0));
  if (auto s = fb::modem::quectel::parse_qeng_servingcell(text))
    check((!s->rsrp_dbm || (*s->rsrp_dbm >= -141 && *s->rsrp_dbm <= -44)) && (!s->band || *s->band >= 1));
  if (auto st = huawei::parse_ndisstat(text)) check(st->ipv4 || st->ipv6);
  if (auto d = huawei::parse_dhcp(text)) check(!d->ip.prefix_length || *d->ip.prefix_length <= 32);
  if (auto c = parse_cgcontrdp(text))
    for (const auto& ctx : *c) {
      check(!ctx.ip.prefix_length || (*ctx.ip.prefix_length > 0 && *ctx.ip.prefix_length <= 128));
      check(valid_utf8(ctx.apn));
    }
  (void)parse_cgact(text);
  (void)parse_pdp_type(text);
  {
    auto formats = parse_cgdcont_test(text);
    if (formats)
      for (const auto& f : *formats) check(f.min_cid <= f.max_cid && !f.type.empty());
    for (auto written : {std::optional<PdpType>(), std::optional<PdpType>(PdpType::ipv4v6)}) {
      PdpChoice c = choose_pdp_type(written, formats);
      check(valid_utf8(c.reason) && c.type.has_value() == (c.kind != PdpChoice::Kind::refused));
    }
  }
  (void)template_problem(text);
  (void)parse_ati(text);
  (void)parse_identity_line(text, "+CGMM:");
  (void)huawei::parse_sysinfo(text);
  if (auto ex = huawei::parse_sysinfoex(text)) (void)ex->tech();
  (void)huawei::parse_u2diag(text);
  if (auto sp = huawei::parse_setport(text)) (void)setport_disable_command(*sp);
  (void)huawei::parse_mode(text);
  (void)huawei::parse_dsflowrpt(text);
  if (auto z = zte::parse_zpas(text)) (void)z->service();
  if (auto z = zte::parse_zcdrun(text)) (void)z->cdrom();
  if (auto f = classify_final(text)) (void)final_error(*f);
  (void)cme_code(text);
  (void)access_tech_from_name(text);
  if (auto sel = parse_selector(text)) (void)locate_modem({}, *sel);
  (void)parse_cscs(text);
  (void)parse_cscs_supported(text);
  check(valid_utf8(decode_ucs2_hex(text)));
  check(valid_utf8(decode_latin1(text)));
  check(valid_utf8(decode_gsm7(text)));
  check(valid_utf8(decode_utf8(text)));
  check(valid_utf8(decode_text(text)));
  for (auto cs : {Charset::gsm, Charset::ucs2, Charset::latin1}) check(valid_utf8(decode_string(cs, text)));
  if (auto op = parse_cops(text, Charset::ucs2)) check(valid_utf8(op->name));
  if (auto i = parse_ati(text)) check(valid_utf8(i->manufacturer + i->model + i->revision + i->gcap));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  parse_all(input);

  // First byte: chunk size and whether a command is in flight.
  if (size == 0) return 0;
  std::size_t chunk = 1 + (data[0] & 0x3f);
  bool busy = data[0] & 0x40;
  std::string_view stream = input.substr(1);

  fb::at::Framer framer;
  for (auto p : fb::modem::generic_urcs()) framer.add_urc_prefix(std::string(p));
  for (auto p : fb::modem::profile(fb::modem::Vendor::huawei).urcs) framer.add_urc_prefix(std::string(p));
  if (busy) framer.begin("AT+CSQ", {"+CSQ:"});
  std::vector<fb::at::FramerEvent> events;
  for (std::size_t i = 0; i < stream.size(); i += chunk) {
    framer.feed(stream.substr(i, chunk), events);
    if (!framer.busy() && (data[i % size] & 1)) framer.begin("ATI", {});
  }
  for (const auto& e : events) {
    check(e.line.size() <= fb::at::Framer::kMaxLine);
    check(e.response.lines.size() <= fb::at::Framer::kMaxResponseLines);
    for (const auto& l : e.response.lines) {
      check(!l.empty() && l.size() <= fb::at::Framer::kMaxLine);
      for (char c : l) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);  // >= 0x80: charset text
    }
    if (e.kind == fb::at::FramerEvent::Kind::completed)
      parse_all(e.response.text());
    else
      parse_all(e.line);
  }
  return 0;
}
