// SimPolicy: whether failberryd may send the PIN from [modem] pin_file to the
// SIM in the stick. A SIM locks itself to its PUK after three wrong PINs; a
// user must never lose a SIM to a daemon retrying a wrong PIN. So the PIN is
// tried at most once per SIM (by ICCID) and never again automatically.
//
// Contract: pure, no I/O. The record of tried ICCIDs is a value: the machine
// emits it for the adapter to write durably to the state dir, and sends the
// PIN only once the adapter says it is on disk (a crash mid-attempt counts as
// a wrong try). It is passed back at start, so the rule also holds across
// restarts and reboots. A PIN the SIM accepted takes the ICCID off the
// record; a refused one stays until the user removes it (see docs: fix
// pin_file, then delete the line).
//
// Every doubt says "don't": a record that could not be read counts as a try
// for every SIM; a SIM whose ICCID the stick does not tell cannot be put on
// record, so it gets no PIN; nor does a SIM with one attempt left.
#pragma once

#include <optional>
#include <set>
#include <string>

namespace fb::core {

class SimPolicy {
 public:
  enum class Decision { enter_pin, no_pin_file, already_tried, record_unreadable, no_iccid, last_attempt };

  // `record_problem`: why the record in the state dir could not be read ("" = read, or none yet).
  explicit SimPolicy(std::set<std::string> tried = {}, std::string record_problem = {})
      : tried_(std::move(tried)), record_problem_(std::move(record_problem)) {}

  // The SIM asks for its PIN. `iccid` is empty when the stick would not tell
  // it; `retries` is the attempts left when the stick tells.
  Decision on_pin_required(const std::string& iccid, bool pin_available, std::optional<int> retries) const {
    if (record_problem_.empty() && !iccid.empty() && tried_.count(iccid)) return Decision::already_tried;
    if (!pin_available) return Decision::no_pin_file;
    if (!record_problem_.empty()) return Decision::record_unreadable;
    if (iccid.empty()) return Decision::no_iccid;
    if (tried_.count(iccid)) return Decision::already_tried;
    if (retries && *retries <= 1) return Decision::last_attempt;
    return Decision::enter_pin;
  }
  // Record the try (the record goes to disk before the PIN goes out).
  void trying(const std::string& iccid) { tried_.insert(iccid); }
  // The record could not be written: the PIN was not sent after all.
  void not_tried(const std::string& iccid) { tried_.erase(iccid); }
  // The SIM accepted the PIN: a later restart may enter it again.
  void accepted(const std::string& iccid) { tried_.erase(iccid); }

  const std::set<std::string>& tried() const { return tried_; }
  const std::string& record_problem() const { return record_problem_; }

 private:
  std::set<std::string> tried_;
  std::string record_problem_;
};

// "8944200053671052499" -> "894420*********2499": what /status, the log and
// error texts show of an ICCID (the SIM's serial identifies its owner).
std::string mask_iccid(const std::string& iccid);
// The same for any run of 14 or more digits in a text from outside (an IMEI
// or ICCID inside a modem's answer quoted in an error).
std::string mask_long_numbers(const std::string& text);

}  // namespace fb::core
