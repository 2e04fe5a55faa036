// ModemService: one text message on the AT channel, for SMS alerts
// (firmware/sms_alerts.cpp decides what and when; fb/modem/sms.hpp has the
// commands and the parsers).
#include <boost/asio/post.hpp>

#include "fb/modem/sms.hpp"
#include "modem_service_internal.hpp"

namespace fb::core {

using modem::Code;
using modem::Error;

void ModemService::send_sms(const std::string& number, const std::string& text,
                            std::function<void(std::optional<modem::Error>)> done) {
  auto alive = alive_;
  auto refuse = [&](Error error) {
    boost::asio::post(io_, [alive, done = std::move(done), error = std::move(error)] {
      if (*alive) done(error);
    });
  };
  if (hilink()) return refuse(Error{Code::no_modem, "a HiLink stick has no AT port"});
  if (port_shared_) return refuse(Error{Code::no_modem, "pppd holds the stick's only AT port"});
  if (!channel_ || !channel_->is_open()) return refuse(Error{Code::no_modem, "no AT channel"});
  auto ch = channel_;
  auto gen = generation_;
  bool gsm = modem::sms_needs_gsm_charset(charset_);
  at::Command mode{std::string(modem::kSmsTextMode), {}, Duration{0}};
  at::Command charset{std::string(modem::kSmsGsmCharset), {}, Duration{0}};
  at::Command send{modem::sms_send_command(number), {"+CMGS:"}, kSmsSendTimeout, modem::sms_body(text)};
  spawn([this, ch, gen, alive, gsm, mode, charset, send, done]() -> boost::asio::awaitable<void> {
    at::CommandResult moded = co_await ch->run(mode);
    if (!*alive) co_return;
    if (!moded) {
      done(moded.error());
      co_return;
    }
    if (gsm) {
      at::CommandResult switched = co_await ch->run(charset);
      if (!*alive) co_return;
      if (!switched) {
        done(switched.error());
        co_return;
      }
      if (gen == generation_) charset_ = at::Charset::gsm;  // what the polls decode +COPS in from now on
    }
    at::CommandResult sent = co_await ch->run(send);
    if (!*alive) co_return;
    if (!sent) {
      Error error = sent.error();
      if (error.code == Code::at_cms_error) {
        std::string_view argument = error.detail;
        if (auto colon = argument.find(':'); colon != std::string_view::npos) argument.remove_prefix(colon + 1);
        if (std::string_view meaning = modem::cms_meaning(argument); !meaning.empty())
          error.detail += " (" + std::string(meaning) + ")";
      }
      done(error);
      co_return;
    }
    modem::Result<std::uint32_t> mr = modem::parse_cmgs(sent->text());
    if (mr)
      log_.info() << "text message accepted: +CMGS message reference " << *mr;
    else
      log_.warning() << "text message: OK but " << describe(mr.error()) << "; taken as sent";
    done(std::nullopt);
  });
}

}  // namespace fb::core
