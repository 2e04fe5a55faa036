#include "fb/core/ddns_sender.hpp"

#include <boost/asio/post.hpp>

#include "fb/log.hpp"

namespace fb::core {
namespace {

namespace asio = boost::asio;

class ClientRequests final : public DdnsRequests {
 public:
  ClientRequests(asio::io_context& io, const fb::ddns::ClientSettings& settings) : client_(io, settings) {}
  void get(Done done, const std::optional<IpAddress>& source) override { client_.get(std::move(done), source); }
  void set(const IpAddress& address, Done done) override { client_.set(address, std::move(done)); }
  bool busy() const override { return client_.busy(); }
  std::string describe() const override { return client_.describe(); }

 private:
  fb::ddns::DdnsClient client_;
};

class ClientSender final : public DdnsSender {
 public:
  explicit ClientSender(asio::io_context& io) : io_(io) {}
  std::unique_ptr<DdnsRequests> open(const fb::ddns::ClientSettings& settings) override {
    return std::make_unique<ClientRequests>(io_, settings);
  }
  std::optional<DdnsWithheld> withheld(const std::string&, const std::string&) const override { return std::nullopt; }

 private:
  asio::io_context& io_;
};

class WithheldRequests final : public DdnsRequests {
 public:
  // The client is built to check the settings (it throws SetupError), then let go: nothing is ever sent.
  WithheldRequests(asio::io_context& io, const fb::ddns::ClientSettings& settings)
      : io_(io), described_(fb::ddns::DdnsClient(io, settings).describe()) {}
  void get(Done done, const std::optional<IpAddress>&) override { answer("get", std::move(done)); }
  void set(const IpAddress& address, Done done) override { answer("set of " + address.text(), std::move(done)); }
  bool busy() const override { return false; }
  std::string describe() const override { return described_; }

 private:
  void answer(const std::string& what, Done done) {
    log_.notice() << "dry-run: the " << what << " is not sent";
    fb::ddns::Reply reply;
    reply.outcome = fb::ddns::Outcome::network_error;
    reply.detail = "dry-run: not sent";
    asio::post(io_, [alive = std::weak_ptr<bool>(alive_), done = std::move(done), reply] {
      if (alive.lock()) done(reply);
    });
  }

  asio::io_context& io_;
  std::string described_;
  Logger log_{"ddns"};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class DryRunSender final : public DdnsSender {
 public:
  explicit DryRunSender(asio::io_context& io) : io_(io) {}
  std::unique_ptr<DdnsRequests> open(const fb::ddns::ClientSettings& settings) override {
    return std::make_unique<WithheldRequests>(io_, settings);
  }
  std::optional<DdnsWithheld> withheld(const std::string& hostname, const std::string& uplink) const override {
    DdnsWithheld w;
    w.notice = "dry-run: no DDNS request is sent and " + hostname +
               " is not published (run without dry-run to publish the address of uplink[" + uplink + "])";
    w.state = "dry_run";
    w.detail = "dry-run: no request is sent, nothing is published";
    w.answer = {false, "DDNS_DRY_RUN", "dry-run: failberryd sends no DDNS request and does not publish " + hostname};
    return w;
  }

 private:
  asio::io_context& io_;
};

}  // namespace

std::unique_ptr<DdnsSender> make_ddns_sender(asio::io_context& io) {
  return std::make_unique<ClientSender>(io);
}

std::unique_ptr<DdnsSender> make_dry_run_ddns_sender(asio::io_context& io) {
  return std::make_unique<DryRunSender>(io);
}

}  // namespace fb::core
