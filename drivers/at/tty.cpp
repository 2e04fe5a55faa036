#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fb/at/channel.hpp"

namespace fb::at {

modem::Result<void> make_raw(int fd) {
  termios t{};
  if (::tcgetattr(fd, &t) != 0) return modem::Result<void>(modem::Code::no_modem, std::strerror(errno));
  ::cfmakeraw(&t);
  // CLOCAL: a USB stick has no carrier line to wait for; no HUPCL so closing
  // the AT port does not drop a PPP session on the data port. USB serial
  // ignores the speed, a real UART does not.
  t.c_cflag |= CLOCAL | CREAD;
  t.c_cflag &= ~static_cast<tcflag_t>(HUPCL | CRTSCTS);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  ::cfsetispeed(&t, B115200);
  ::cfsetospeed(&t, B115200);
  if (::tcsetattr(fd, TCSANOW, &t) != 0) return modem::Result<void>(modem::Code::no_modem, std::strerror(errno));
  ::tcflush(fd, TCIFLUSH);  // stale URCs from before we opened the port
  return {};
}

modem::Result<int> open_tty(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return modem::Result<int>(modem::Code::no_modem, path + ": " + std::strerror(errno));
  if (!::isatty(fd)) {
    ::close(fd);
    return modem::Result<int>(modem::Code::no_modem, path + ": not a tty");
  }
  auto raw = make_raw(fd);
  if (!raw) {
    ::close(fd);
    return modem::Result<int>(modem::Code::no_modem, path + ": " + raw.error().detail);
  }
  return fd;
}

}  // namespace fb::at
