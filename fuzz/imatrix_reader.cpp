// SPDX-License-Identifier: GPL-3.0-or-later
// Any bytes as an importance matrix file (llama.cpp's imatrix.dat layout, as hearth-quantize --imatrix reads it):
// ImportanceMatrix::load accepts them or throws hearth::Error. An accepted matrix has an importance vector
// for each name, and save() then load() gives the same names and vector sizes.
#include "FuzzSupport.h"

#include "quantizer/ImportanceMatrix.h"

#include <sys/mman.h>
#include <unistd.h>

namespace
{
int g_fd = -1;
std::string g_input;
std::string g_saved;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    g_fd = memfd_create("fuzz.imatrix", MFD_CLOEXEC);
    fuzz::require(g_fd >= 0, "memfd_create works");
    g_input = "/proc/self/fd/" + std::to_string(g_fd);
    g_saved = fuzz::temporaryFolder("imatrix") + "/saved.imatrix";
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::require(ftruncate(g_fd, 0) == 0 && pwrite(g_fd, data, size, 0) == ssize_t(size), "the input is written");
    hearth::ImportanceMatrix matrix;
    try {
        matrix = hearth::ImportanceMatrix::load(g_input);
    } catch (const hearth::Error &) {
        return 0;
    }
    const std::vector<std::string> names = matrix.names();
    fuzz::require(!names.empty() && names.size() == matrix.size(), "an accepted matrix has entries");
    for (const std::string &name : names) {
        fuzz::require(!matrix.importance(name).empty(), "every entry has an importance vector");
    }
    matrix.save(g_saved);
    const hearth::ImportanceMatrix again = hearth::ImportanceMatrix::load(g_saved);
    fuzz::require(again.names() == names, "the names survive save and load");
    for (const std::string &name : names) {
        fuzz::require(again.importance(name).size() == matrix.importance(name).size(), "the sizes survive save and load");
    }
    return 0;
}
