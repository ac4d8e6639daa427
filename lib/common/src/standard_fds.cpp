#include "common/standard_fds.h"

#include <fcntl.h>

#include <cerrno>
#include <initializer_list>

namespace conc::common {

void reserve_standard_fds() noexcept {
  for (const int fd : {0, 1, 2}) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open(2) returns the lowest free descriptor: `fd` itself, as the lower
    // ones are open by now. A failure leaves it closed, as it was.
    (void)::open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
  }
}

}  // namespace conc::common
