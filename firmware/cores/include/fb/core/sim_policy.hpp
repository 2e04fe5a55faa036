// SimPolicy: whether failberryd may send the PIN from [modem] pin_file to the
// SIM in the stick. A SIM locks itself to its PUK after three wrong PINs; a
// user must never lose a SIM to a daemon retrying a wrong PIN. So the PIN is
// tried at most once per SIM (by ICCID) and never again automatically.
//
// Contract: pure, no I/O. The record of tried ICCIDs is a value: the machine
// emits it for the adapter to write atomically to the state dir *before*
// the PIN goes out (a crash mid-attempt counts as a wrong try), and passes it
// back at start, so the rule also holds across restarts and reboots. A PIN
// the SIM accepted takes the ICCID off the record; a refused one stays
// until the user removes it (see docs: fix pin_file, then delete the line).
#pragma once

#include <set>
#include <string>

namespace fb::core {

class SimPolicy {
 public:
  enum class Decision { enter_pin, no_pin_file, already_tried };

  explicit SimPolicy(std::set<std::string> tried = {}) : tried_(std::move(tried)) {}

  // The SIM asks for its PIN. `iccid` may be empty when the stick would not
  // tell it: then every such SIM shares one slot ("unknown").
  Decision on_pin_required(const std::string& iccid, bool pin_available) const {
    if (tried_.count(key(iccid))) return Decision::already_tried;
    return pin_available ? Decision::enter_pin : Decision::no_pin_file;
  }
  // Record the try (persist the record before sending the PIN).
  void trying(const std::string& iccid) { tried_.insert(key(iccid)); }
  // The SIM accepted the PIN: a later restart may enter it again.
  void accepted(const std::string& iccid) { tried_.erase(key(iccid)); }

  const std::set<std::string>& tried() const { return tried_; }
  static std::string key(const std::string& iccid) { return iccid.empty() ? "unknown" : iccid; }

 private:
  std::set<std::string> tried_;
};

}  // namespace fb::core
