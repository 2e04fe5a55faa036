#include "fb/core/hook_runner.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fb/text.hpp"

namespace fb::core {
namespace {

std::string octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string signature(const struct stat& st) {
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_uid) + ":" +
         std::to_string(st.st_mode) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

long long ms(Duration d) {
  return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

HookRunner::HookRunner(boost::asio::io_context& io, TimerService& timers, HookSettings settings)
    : io_(io), timers_(timers), settings_(std::move(settings)), life_(std::make_shared<HookRunner*>(this)) {}

HookRunner::~HookRunner() {
  life_.reset();
  timeout_.cancel();
  child_.reset();  // SIGKILLs and reaps a running hook
}

void HookRunner::enqueue(Event event) {
  if (settings_.queue_limit > 0 && queue_.size() >= settings_.queue_limit) {
    Event old = std::move(queue_.front());
    queue_.pop_front();
    ++dropped_;
    log_.warning() << "queue full (" << settings_.queue_limit << " events wait for hooks): the hooks will not run for "
                   << event_name(old.kind) << " at " << format_event_time(old.time) << "; " << dropped_
                   << " event(s) dropped so far";
  }
  queue_.push_back(std::move(event));
  schedule();
}

void HookRunner::schedule() {
  if (scheduled_ || child_) return;
  scheduled_ = true;
  boost::asio::post(io_, [alive = std::weak_ptr<HookRunner*>(life_)] {
    if (auto self = alive.lock()) {
      (*self)->scheduled_ = false;
      (*self)->next();
    }
  });
}

void HookRunner::next() {
  if (child_) return;
  while (!child_) {
    if (hooks_.empty()) {
      current_.reset();
      if (queue_.empty()) return;
      current_ = std::move(queue_.front());
      queue_.pop_front();
      std::vector<std::string> found = scan();
      hooks_.assign(found.begin(), found.end());
      continue;
    }
    std::string path = std::move(hooks_.front());
    hooks_.pop_front();
    start(path);
  }
}

std::string HookRunner::refusal(const std::string& what, uid_t owner, mode_t mode) const {
  if (owner != 0 && owner != ::geteuid()) return what + " is owned by uid " + std::to_string(owner) + ", not root";
  if (mode & (S_IWGRP | S_IWOTH)) return what + " is writable by group or others (mode " + octal(mode) + ")";
  return {};
}

void HookRunner::refuse(const std::string& path, const std::string& sig, const std::string& why) {
  std::string key = sig + " " + why;
  auto it = refused_.find(path);
  if (it != refused_.end() && it->second == key) return;  // said already
  refused_[path] = key;
  log_.warning() << "refusing " << clean_text(path, 300) << ": " << why;
}

std::vector<std::string> HookRunner::scan() {
  const std::string& dir = settings_.dir;
  struct stat st {};
  if (dir.empty() || ::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) refuse(dir, "error", std::string("cannot read it: ") + std::strerror(errno));
    return {};
  }
  if (!S_ISDIR(st.st_mode)) {
    refuse(dir, signature(st), "not a directory");
    return {};
  }
  if (std::string why = refusal("the directory", st.st_uid, st.st_mode); !why.empty()) {
    refuse(dir, signature(st), why + "; none of its hooks run");
    return {};
  }
  refused_.erase(dir);
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    refuse(dir, signature(st), std::string("cannot read it: ") + std::strerror(errno));
    return {};
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.' || name.back() == '~') continue;
    names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<std::string> out;
  for (const std::string& name : names) {
    std::string path = dir + (dir.back() == '/' ? "" : "/") + name;
    struct stat f {};
    if (::stat(path.c_str(), &f) != 0) {
      refuse(path, "error", std::string("cannot stat it: ") + std::strerror(errno));
      continue;
    }
    if (!S_ISREG(f.st_mode) || !(f.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH))) {
      refused_.erase(path);
      continue;  // not a hook: a directory, a README, a hook disabled by chmod -x
    }
    if (clean_text(name, name.size()) != name) {  // it would reach the log as it is
      refuse(path, signature(f), "its name has control characters or is not UTF-8");
      continue;
    }
    if (std::string why = refusal("it", f.st_uid, f.st_mode); !why.empty()) {
      refuse(path, signature(f), why);
      continue;
    }
    refused_.erase(path);
    out.push_back(path);
  }
  return out;
}

void HookRunner::start(const std::string& path) {
  running_ = path.substr(path.rfind('/') + 1);
  hook_log_ = Logger("hook[" + clean_text(running_, 64) + "]");
  lines_ = 0;
  lines_dropped_ = 0;
  timed_out_ = false;
  ChildProcess::Callbacks cb;
  cb.on_line = [this](std::string line) { on_line(std::move(line)); };
  cb.on_exit = [this](const ChildExit& exit) { on_exit(exit); };
  child_ = std::make_unique<ChildProcess>(io_, timers_, hook_log_, "hook", std::move(cb));
  ChildProcess::Spawn spawn;
  spawn.argv = {path};
  spawn.env = hook_environment(*current_, settings_.dry_run);
  started_ = timers_.now();
  if (std::optional<std::string> failed = child_->start(spawn)) {
    hook_log_.error() << "cannot run for " << event_name(current_->kind) << ": " << *failed;
    child_.reset();
    return;
  }
  ++runs_;
  Duration grace = settings_.kill_grace;
  timeout_.arm_after(settings_.timeout, [this, grace] {
    if (!child_) return;
    timed_out_ = true;
    hook_log_.warning() << "still running after " << ms(settings_.timeout) << " ms: SIGTERM, SIGKILL " << ms(grace)
                        << " ms later";
    child_->terminate(grace);
  });
}

void HookRunner::on_line(std::string line) {
  if (lines_ >= settings_.output_lines) {
    ++lines_dropped_;
    return;
  }
  ++lines_;
  hook_log_.info() << clean_text(line, 300);
}

void HookRunner::on_exit(const ChildExit& exit) {
  timeout_.cancel();
  long long took = ms(std::chrono::duration_cast<Duration>(timers_.now() - started_));
  if (lines_dropped_ > 0)
    hook_log_.warning() << lines_dropped_ << " more line(s) of output not logged (at most " << settings_.output_lines
                        << " per run)";
  std::string event(current_ ? event_name(current_->kind) : "?");
  if (timed_out_)
    hook_log_.warning() << "ended by failberryd after the " << ms(settings_.timeout) << " ms timeout ("
                        << (exit.killed_by_us ? "SIGKILL" : "SIGTERM") << ") for " << event;
  else if (exit.signal != 0)
    hook_log_.warning() << "killed by signal " << exit.signal << " after " << took << " ms for " << event;
  else if (exit.code != 0)
    hook_log_.warning() << "exited with status " << exit.code << " after " << took << " ms for " << event;
  else
    hook_log_.info() << "done in " << took << " ms for " << event;
  // The ChildProcess may be destroyed from on_exit; the next hook starts from the loop.
  child_.reset();
  schedule();
}

}  // namespace fb::core
