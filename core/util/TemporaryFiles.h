// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

// Files written beside their target under a temporary name and renamed over it when complete
// ("TARGET.tmp-PID-XXXXXX"), and the clean-up of the ones a killed writer left behind. The writer's process id
// is in the name and the writer holds an flock() on the file while it is open: a temporary is stale when that
// process is gone and nobody holds the lock (a reused process id only keeps a stale file a little longer; a
// writer on another machine sharing the folder still holds its lock).
class TemporaryFiles
{
public:
    struct Created {
        int fd = -1; // open for writing, locked; the caller closes it
        std::string path;
    };
    // Creates a new temporary file for `target` in its directory. Throws hearth::Error naming the target.
    static Created create(const std::string &target);

    // True for names create() makes: "NAME.tmp-DIGITS-XXXXXX".
    static bool isTemporaryName(std::string_view fileName);

    // Removes the stale temporaries in `directory` (not its subdirectories); returns their paths. Errors
    // (an unreadable directory, a file that cannot be removed) leave the files where they are.
    static std::vector<std::string> removeStale(const std::string &directory);
};

} // namespace hearth
