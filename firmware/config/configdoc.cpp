// failberry-configdoc: prints the example INI (--example), the Markdown
// reference (--markdown) or the failberry.ini(5) man page (--man) rendered
// from the config schema.
#include <cstdio>
#include <string_view>

#include "fb/config/schema.hpp"

int main(int argc, char** argv) {
  std::string_view mode = argc == 2 ? argv[1] : "";
  std::string text;
  if (mode == "--example")
    text = fb::core::render_example_ini();
  else if (mode == "--markdown")
    text = fb::core::render_config_markdown();
  else if (mode == "--man")
    text = fb::core::render_config_man();
  else {
    std::fprintf(stderr, "usage: failberry-configdoc --example|--markdown|--man\n");
    return 2;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
