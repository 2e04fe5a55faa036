// failberry-configdoc: prints the example INI (--example) or the Markdown
// reference (--markdown) rendered from the config schema.
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
  else {
    std::fprintf(stderr, "usage: failberry-configdoc --example|--markdown\n");
    return 2;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
