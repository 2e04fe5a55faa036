#include "fb/at/channel.hpp"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "fb/at/charset.hpp"
#include "fb/at/fields.hpp"

namespace fb::at {

using modem::Code;
using modem::Error;

AtChannel::AtChannel(boost::asio::io_context& io, TimerService& timers, Options options)
    : io_(io),
      timers_(timers),
      options_(std::move(options)),
      log_(options_.name),
      sd_(io),
      life_(std::make_shared<AtChannel*>(this)) {
  for (const auto& p : options_.urc_prefixes) framer_.add_urc_prefix(p);
}

AtChannel::~AtChannel() {
  life_.reset();
  boost::system::error_code ignored;
  sd_.close(ignored);
}

modem::Result<void> AtChannel::open(const std::string& path) {
  auto fd = open_tty(path);
  if (!fd) return fd.error();
  attach(*fd);
  return {};
}

void AtChannel::attach(int fd) {
  close();
  sd_.assign(fd);
  open_ = true;
  gone_ = false;
  framer_.abandon();
  log_.info() << "opened fd " << fd;
  start_read();
}

void AtChannel::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ignored;
  sd_.close(ignored);
  fail_all(Code::at_cancelled, "channel closed");
}

int AtChannel::release() {
  if (!open_) return -1;
  open_ = false;
  int fd = sd_.release();  // cancels the read in flight; on_read sees !open_
  fail_all(Code::at_cancelled, "channel released");
  log_.info() << "released fd " << fd;
  return fd;
}

CommandId AtChannel::send(Command command, std::function<void(CommandResult)> done) {
  CommandId id = ++last_id_;
  if (command.timeout.count() <= 0) command.timeout = options_.default_timeout;
  if (gone_ || !open_) {
    complete(std::move(done), Error{gone_ ? Code::modem_gone : Code::no_modem, loggable(command.text)});
    return id;
  }
  if (queue_.size() >= options_.max_queue) {
    log_.warning() << "queue full (" << queue_.size() << "), refusing " << loggable(command.text);
    complete(std::move(done), Error{Code::at_queue_full, loggable(command.text)});
    return id;
  }
  queue_.push_back(Pending{id, std::move(command), std::move(done)});
  if (!current_) start_next();
  return id;
}

bool AtChannel::cancel(CommandId id) {
  if (current_ && current_->id == id && current_->done) {
    // Keep waiting for its final result: see the header.
    complete(std::move(current_->done), Error{Code::at_cancelled, loggable(current_->command.text)});
    current_->done = nullptr;
    return true;
  }
  for (auto it = queue_.begin(); it != queue_.end(); ++it)
    if (it->id == id) {
      auto done = std::move(it->done);
      std::string text = loggable(it->command.text);
      queue_.erase(it);
      complete(std::move(done), Error{Code::at_cancelled, text});
      return true;
    }
  return false;
}

std::uint64_t AtChannel::subscribe(std::string prefix, UrcHandler handler) {
  if (!prefix.empty()) framer_.add_urc_prefix(prefix);
  subscribers_.push_back(Subscriber{++last_sub_, std::move(prefix), std::move(handler)});
  return last_sub_;
}

void AtChannel::unsubscribe(std::uint64_t id) {
  std::erase_if(subscribers_, [id](const Subscriber& s) { return s.id == id; });
}

void AtChannel::on_gone(std::function<void(const Error&)> handler) {
  gone_handlers_.push_back(std::move(handler));
}

void AtChannel::start_read() {
  std::weak_ptr<AtChannel*> weak = life_;
  sd_.async_read_some(boost::asio::buffer(in_), [weak](const boost::system::error_code& ec, std::size_t n) {
    if (auto self = weak.lock()) (*self)->on_read(ec, n);
  });
}

void AtChannel::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (!open_) return;  // closed while the read was in flight
  if (ec == boost::asio::error::operation_aborted) return;
  if (ec || n == 0) {
    // EOF (hangup) or EIO (USB disconnect, pty master closed): never re-arm.
    become_gone(ec ? ec.message() : "end of file");
    return;
  }
  std::vector<FramerEvent> events;
  framer_.feed(std::string_view(in_.data(), n), events);
  dispatch(events);
  if (open_ && !gone_) start_read();
}

void AtChannel::dispatch(std::vector<FramerEvent>& events) {
  for (auto& e : events) {
    switch (e.kind) {
      case FramerEvent::Kind::completed: {
        if (draining_) {
          log_.info() << "late answer to " << *draining_ << " dropped: " << decode_text(e.response.final.line);
          on_drained();
          break;
        }
        if (!current_) break;  // cannot happen: the framer only completes while busy
        log_.debug() << "<- " << decode_text(e.response.final.line) << " (" << e.response.lines.size() << " lines)";
        if (auto error = final_error(e.response.final))
          finish_current(*error);
        else
          finish_current(std::move(e.response));
        break;
      }
      case FramerEvent::Kind::urc:
        log_.debug() << "urc " << decode_text(e.line);
        // Copy the list: a handler may subscribe or unsubscribe.
        for (auto s : std::vector<Subscriber>(subscribers_))
          if (s.prefix.empty() || istarts_with(e.line, s.prefix)) s.handler(e.line);
        break;
      case FramerEvent::Kind::prompt: {
        if (!current_ || current_->command.after_prompt.empty()) break;
        log_.debug() << "<- > (" << current_->command.after_prompt.size() << " bytes follow)";
        prompt_out_ = current_->command.after_prompt;
        std::weak_ptr<AtChannel*> weak = life_;
        boost::asio::async_write(sd_, boost::asio::buffer(prompt_out_),
                                 [weak](const boost::system::error_code& ec, std::size_t) {
                                   if (auto self = weak.lock()) (*self)->on_written(ec);
                                 });
        break;
      }
      case FramerEvent::Kind::stray: log_.debug() << "stray line '" << decode_text(e.line) << "'"; break;
    }
  }
}

void AtChannel::start_next() {
  if (current_ || draining_ || queue_.empty() || !open_ || gone_) return;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  const Command& c = current_->command;
  framer_.begin(c.text, c.expect, !c.after_prompt.empty());
  log_.debug() << "-> " << loggable(c.text);
  out_ = c.text + "\r";
  CommandId id = current_->id;
  timer_.arm_after(c.timeout, [this, id] { on_timeout(id); });
  std::weak_ptr<AtChannel*> weak = life_;
  boost::asio::async_write(sd_, boost::asio::buffer(out_), [weak](const boost::system::error_code& ec, std::size_t) {
    if (auto self = weak.lock()) (*self)->on_written(ec);
  });
}

void AtChannel::on_written(const boost::system::error_code& ec) {
  if (!ec || ec == boost::asio::error::operation_aborted || !open_) return;
  become_gone("write: " + ec.message());
}

void AtChannel::on_timeout(CommandId id) {
  if (!current_ || current_->id != id) return;
  const Command& c = current_->command;
  std::string detail = loggable(c.text) + " (" + std::to_string(c.timeout.count()) + " ms)";
  log_.warning() << "no answer to " << detail;
  if (!c.after_prompt.empty()) {
    // Still reading the text (or about to): ESC ends that without sending.
    prompt_out_ = "\x1b";
    std::weak_ptr<AtChannel*> weak = life_;
    boost::asio::async_write(sd_, boost::asio::buffer(prompt_out_),
                             [weak](const boost::system::error_code& ec, std::size_t) {
                               if (auto self = weak.lock()) (*self)->on_written(ec);
                             });
  }
  // A slow modem may still answer: swallow that late answer (or wait as
  // long again) before writing the next command, so it cannot answer that one.
  draining_ = loggable(c.text);
  framer_.abandon();
  framer_.begin("", {});
  timer_.arm_after(std::min(c.timeout, options_.default_timeout), [this] { on_drained(); });
  Pending timed_out = std::move(*current_);
  current_.reset();
  complete(std::move(timed_out.done), Error{Code::at_timeout, detail});
}

void AtChannel::on_drained() {
  timer_.cancel();
  draining_.reset();
  framer_.abandon();
  start_next();
}

void AtChannel::finish_current(CommandResult result) {
  timer_.cancel();
  Pending done = std::move(*current_);
  current_.reset();
  if (done.done) complete(std::move(done.done), std::move(result));
  start_next();
}

void AtChannel::complete(std::function<void(CommandResult)> done, CommandResult result) {
  if (!done) return;
  boost::asio::post(io_, [done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
}

void AtChannel::fail_all(Code code, const std::string& detail) {
  timer_.cancel();
  draining_.reset();
  framer_.abandon();
  if (current_) {
    if (current_->done)
      complete(std::move(current_->done), Error{code, loggable(current_->command.text) + ": " + detail});
    current_.reset();
  }
  while (!queue_.empty()) {
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    complete(std::move(p.done), Error{code, loggable(p.command.text) + ": " + detail});
  }
}

void AtChannel::become_gone(const std::string& why) {
  if (gone_) return;
  gone_ = true;
  open_ = false;
  boost::system::error_code ignored;
  sd_.close(ignored);
  log_.warning() << "modem gone (" << why << ")";
  fail_all(Code::modem_gone, why);
  Error error{Code::modem_gone, why};
  for (const auto& h : gone_handlers_) boost::asio::post(io_, [h, error] { h(error); });
}

std::string AtChannel::loggable(const std::string& command) {
  // Never log a PIN or PUK, nor a text message's number.
  if (istarts_with(command, "AT+CMGS=")) return "AT+CMGS=<number>";
  if (istarts_with(command, "AT+CPIN=") || istarts_with(command, "AT+CLCK=") || istarts_with(command, "AT+CPWD="))
    return command.substr(0, command.find('=') + 1) + "<hidden>";
  return command;
}

}  // namespace fb::at
