// The HiLink readings in the modem layer's vocabulary (fb/hilink/modem_view.hpp):
// registration, operator, SIM state, and which supervisor code each client
// failure becomes.
#include <doctest/doctest.h>

#include "fb/hilink/modem_view.hpp"

using namespace fb::hilink;
namespace at = fb::at;
using MCode = fb::modem::Code;

namespace {

Status lte_status() {
  Status s;
  s.connection = Connection::connected;
  s.tech = at::AccessTech::lte;
  s.service_status = 2;
  s.roaming_status = 0;
  s.sim_status = 1;
  return s;
}

}  // namespace

TEST_CASE("registration: service available is home or roaming, on the LTE domain when the network is LTE") {
  Status s = lte_status();
  auto r = registration_of(s);
  REQUIRE(r);
  CHECK(r->domain == at::RegDomain::eps);
  CHECK(r->state == at::RegState::home);
  CHECK(r->act == 7u);
  s.roaming_status = 1;
  CHECK(registration_of(s)->state == at::RegState::roaming);
  s.tech = at::AccessTech::umts;
  CHECK(registration_of(s)->domain == at::RegDomain::ps);
  CHECK(registration_of(s)->act == 2u);
  s.service_status = 0;  // no service
  CHECK(registration_of(s)->state == at::RegState::searching);
  s.service_status.reset();
  CHECK_FALSE(registration_of(s));
}

TEST_CASE("operator: the full name, else the short one, else the numeric id; Rat as <AcT>") {
  Plmn p;
  p.full_name = "Telekom.de";
  p.short_name = "TDG";
  p.numeric = "26201";
  p.rat = 7;
  auto op = operator_of(p, lte_status());
  REQUIRE(op);
  CHECK(op->name == "Telekom.de");
  CHECK(op->act == 7u);
  CHECK(op->tech() == at::AccessTech::lte);
  p.full_name.clear();
  CHECK(operator_of(p, lte_status())->name == "TDG");
  p.short_name.clear();
  p.rat.reset();  // the status's network type stands in
  op = operator_of(p, lte_status());
  CHECK(op->name == "26201");
  CHECK(op->act == 7u);
  p.numeric.clear();
  CHECK_FALSE(operator_of(p, lte_status()));
}

TEST_CASE("operator: the stick's name is made valid UTF-8 without control characters") {
  Plmn p;
  p.full_name = "Tele\x01kom\n\xff";  // character references decode to any code point; bytes to any byte
  auto op = operator_of(p, lte_status());
  REQUIRE(op);
  CHECK(op->name == "Tele kom \xEF\xBF\xBD");
}

TEST_CASE("SIM: 1 ready, 255 missing, absent ready, other numbers not ready") {
  Status s = lte_status();
  CHECK(sim_state_of(s) == at::SimState::ready);
  s.sim_status = 255;
  CHECK(sim_state_of(s) == at::SimState::missing);
  s.sim_status = 0;
  CHECK(sim_state_of(s) == at::SimState::not_ready);
  s.sim_status.reset();
  CHECK(sim_state_of(s) == at::SimState::ready);
}

TEST_CASE("client failures: a refused login is its own code; the client's word leads the detail where it differs") {
  struct Row {
    Code code;
    MCode want;
  };
  for (Row row :
       {Row{Code::bad_password, MCode::hilink_login_refused}, Row{Code::too_many_attempts, MCode::hilink_login_refused},
        Row{Code::password_change, MCode::hilink_login_refused}, Row{Code::needs_login, MCode::hilink_login_refused},
        Row{Code::secret_refused, MCode::hilink_login_refused},
        Row{Code::login_unsupported, MCode::hilink_login_refused}, Row{Code::timeout, MCode::hilink_unreachable},
        Row{Code::unreachable, MCode::hilink_unreachable}, Row{Code::bad_reply, MCode::hilink_bad_reply},
        Row{Code::http, MCode::hilink_bad_reply}, Row{Code::token, MCode::hilink_api_error},
        Row{Code::busy, MCode::hilink_api_error}, Row{Code::api_error, MCode::hilink_api_error},
        Row{Code::config, MCode::hilink_api_error}}) {
    CAPTURE(code_name(row.code));
    auto e = modem_error(Error{row.code, "GET /api/monitoring/status: what came"});
    CHECK(e.code == row.want);
    bool same = fb::modem::code_name(row.want) == code_name(row.code);
    CHECK(e.detail ==
          (same ? std::string() : std::string(code_name(row.code)) + ": ") + "GET /api/monitoring/status: what came");
  }
  CHECK(fb::modem::code_name(MCode::hilink_login_refused) == "HILINK_LOGIN_REFUSED");
  CHECK(fb::modem::code_name(MCode::hilink_bad_reply) == "HILINK_BAD_REPLY");
}
