// common/standard_fds.h: descriptors 0, 1 and 2 held open for the whole run.
#pragma once

namespace conc::common {

/// Fills any of the standard descriptors that the process was started
/// without (`conc ... <&-`, a daemon, some cron setups) with /dev/null,
/// opened so that it still fails as a closed one would: standard input
/// write-only, so reading it is EBADF; standard output and error read-only,
/// so writing them is EBADF. Without this the next open(2), an output's
/// temporary file or a mapping, would take the lowest free number and
/// be read as standard input or written as standard output. Call first
/// thing in main, before any thread starts or file opens.
void reserve_standard_fds() noexcept;

}  // namespace conc::common
