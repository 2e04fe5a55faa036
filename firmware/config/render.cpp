// Renders the shipped example INI, docs/CONFIG.md and docs/man/failberry.ini.5
// from the schema table.
#include <cctype>
#include <sstream>

#include "fb/config/schema.hpp"

namespace fb::core {
namespace {

// Wraps `text` into comment lines of at most ~76 columns.
void comment(std::ostringstream& out, std::string_view text) {
  std::string line = "#";
  while (!text.empty()) {
    size_t space = text.find(' ');
    std::string_view word = text.substr(0, space);
    if (line.size() + 1 + word.size() > 76 && line.size() > 1) {
      out << line << "\n";
      line = "#";
    }
    line.append(" ").append(word);
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
  }
  out << line << "\n";
}

const std::vector<std::pair<std::string_view, std::string_view>>* active_for(const SectionSpec& s,
                                                                             std::string_view instance) {
  for (auto& [name, pairs] : s.example)
    if (name == instance) return &pairs;
  return nullptr;
}

void render_keys(std::ostringstream& out, const SectionSpec& s,
                 const std::vector<std::pair<std::string_view, std::string_view>>* active) {
  for (const KeySpec& k : s.keys) {
    out << "\n";
    comment(out, std::string(k.doc) + " [" + describe(k.type) + (k.required ? ", required" : "") + "]");
    std::string_view value;
    if (active)
      for (auto& [key, v] : *active)
        if (key == k.key) value = v;
    if (!value.empty())
      out << k.key << " = " << value << "\n";
    else if (!k.default_value.empty())
      out << "#" << k.key << " = " << k.default_value << "\n";
    else
      out << "#" << k.key << " = " << k.example << "\n";
  }
}

// Text for a roff line: a backslash is printed as one; a '-' inside a word
// (lte-3g) stays a hyphen, any other (--dry-run, -1) is a minus sign; a line
// does not start with a control character ('.' or '\'').
std::string roff(std::string_view text) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  std::string out;
  bool line_start = true;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = c == '\n';
    if (c == '\\')
      out += "\\e";
    else if (c == '-' && !(i > 0 && word(text[i - 1]) && i + 1 < text.size() && word(text[i + 1])))
      out += "\\-";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string render_example_ini() {
  std::ostringstream out;
  out << "# /etc/failberry/failberry.ini — the configuration of failberryd.\n"
         "#\n"
         "# Lines starting with '#' show each key with its default (or an example);\n"
         "# remove the '#' to change one. Check the file with:\n"
         "#   failberryd --check-config /etc/failberry/failberry.ini\n"
         "# Reference: docs/CONFIG.md (generated from the same schema as this file).\n";
  for (const SectionSpec& s : schema()) {
    if (s.templated) {
      for (auto& [instance, pairs] : s.example) {
        out << "\n";
        comment(out, s.doc);
        out << "[" << s.name << "." << instance << "]\n";
        render_keys(out, s, &pairs);
      }
      continue;
    }
    out << "\n";
    comment(out, s.doc);
    out << "[" << s.name << "]\n";
    render_keys(out, s, active_for(s, ""));
  }
  return out.str();
}

std::string render_config_markdown() {
  std::ostringstream out;
  out << "# failberry configuration reference\n\n"
         "Generated from the schema in `firmware/config/schema.cpp` by `failberry-configdoc --markdown`;\n"
         "a unit test fails when this file is out of date. The file is "
         "`/etc/failberry/failberry.ini`; check it with `failberryd --check-config FILE`.\n\n"
         "Syntax: `[section]` headers, `key = value` lines, whole-line comments starting with `#` or `;`.\n"
         "Durations are a whole number with a unit: `500ms`, `5s`, `2m`, `1h`, `1d`. Lists are comma-separated.\n"
         "Secret files (PIN, DDNS secret, credentials) must not be readable by group or others.\n";
  for (const SectionSpec& s : schema()) {
    out << "\n## [" << s.name << (s.templated ? ".NAME" : "") << "]\n\n" << s.doc << "\n\n";
    out << "| key | type | default | description |\n|---|---|---|---|\n";
    for (const KeySpec& k : s.keys) {
      std::string def = k.required                ? "**required**"
                        : k.default_value.empty() ? "—"
                                                  : "`" + std::string(k.default_value) + "`";
      out << "| `" << k.key << "` | " << describe(k.type) << " | " << def << " | " << k.doc;
      if (k.default_value.empty() && !k.example.empty()) out << " Example: `" << k.example << "`.";
      out << " |\n";
    }
  }
  return out.str();
}

std::string render_config_man() {
  std::ostringstream out;
  out << ".\\\" Generated from the schema in firmware/config/schema.cpp by failberry-configdoc --man;\n"
         ".\\\" a unit test fails when this file is out of date.\n"
         ".TH FAILBERRY.INI 5 \"\" failberry \"File Formats\"\n"
         ".SH NAME\n"
         "failberry.ini \\- configuration file of failberryd\n"
         ".SH SYNOPSIS\n"
         ".I /etc/failberry/failberry.ini\n"
         ".SH DESCRIPTION\n"
         ".BR failberryd (8)\n"
         "reads its whole configuration from one INI file.\n"
         "Check it with\n"
         ".B failberryd \\-\\-check\\-config\n"
         ".IR file ;\n"
         "a running daemon reads it again on SIGHUP.\n"
         ".PP\n"
         "Syntax:\n"
         ".B [section]\n"
         "headers,\n"
         ".B key = value\n"
         "lines, whole-line comments starting with\n"
         ".B #\n"
         "or\n"
         ".BR ; .\n"
         "Durations are a whole number with a unit: 500ms, 5s, 2m, 1h, 1d.\n"
         "Lists are comma-separated.\n"
         "Secret files (PIN, DDNS secret, credentials) must not be readable by group or others.\n"
         ".PP\n"
         "Each key below shows its type and its default;\n"
         "a key without a default is required or shows an example.\n"
         ".SH SECTIONS\n";
  for (const SectionSpec& s : schema()) {
    out << ".SS \"[" << s.name << (s.templated ? ".NAME" : "") << "]\"\n" << roff(s.doc) << "\n";
    for (const KeySpec& k : s.keys) {
      out << ".TP\n.B " << k.key << "\n" << roff(describe(k.type)) << "; ";
      if (k.required)
        out << "required";
      else if (!k.default_value.empty())
        out << "default \\fB" << roff(k.default_value) << "\\fR";
      else
        out << "no default";
      if (k.default_value.empty() && !k.example.empty()) out << "; example \\fB" << roff(k.example) << "\\fR";
      out << ".\n.br\n" << roff(k.doc) << "\n";
    }
  }
  out << ".SH FILES\n"
         ".TP\n.I /etc/failberry/failberry.ini\nThe configuration.\n"
         ".TP\n.I /usr/share/failberry/failberry.ini\n"
         "The shipped example: each key with its default or an example, commented out.\n"
         "While the configuration is still this file, failberryd.service is not started.\n"
         ".TP\n.I /usr/share/doc/failberry/CONFIG.md\nThis reference as Markdown.\n"
         ".SH SEE ALSO\n"
         ".BR failberryd (8),\n"
         ".BR failberryctl (8)\n";
  return out.str();
}

}  // namespace fb::core
