// SPDX-License-Identifier: GPL-3.0-or-later
// Any bytes as a .safetensors file: SafetensorsReader accepts them, with every tensor inside the file and its
// size matching its shape and type, or throws hearth::Error. The reader maps a path, so the input is written to
// a memory file and opened through /proc/self/fd.
#include "FuzzSupport.h"

#include "quant/TypeTraits.h"
#include "quantizer/SafetensorsReader.h"

#include <sys/mman.h>
#include <unistd.h>

namespace
{
int g_fd = -1;
std::string g_path;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    g_fd = memfd_create("fuzz.safetensors", MFD_CLOEXEC);
    fuzz::require(g_fd >= 0, "memfd_create works");
    g_path = "/proc/self/fd/" + std::to_string(g_fd);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::require(ftruncate(g_fd, 0) == 0 && pwrite(g_fd, data, size, 0) == ssize_t(size), "the input is written");
    try {
        const hearth::SafetensorsReader reader(g_path);
        for (const auto &tensor : reader.tensors()) {
            fuzz::require(reader.find(tensor.name) == &tensor, "tensor lookup finds the entry");
            uint64_t elements = 1;
            for (const uint64_t n : tensor.shape) {
                elements *= n;
            }
            fuzz::require(tensor.bytes == elements * hearth::typeTraits(tensor.type)->blockBytes / hearth::typeTraits(tensor.type)->blockSize, "the size matches the shape");
            uint64_t sum = 0; // reads every byte, so ASan sees any tensor outside the mapping
            for (uint64_t i = 0; i < tensor.bytes; ++i) {
                sum += tensor.data[i];
            }
            fuzz::require(sum <= 255 * tensor.bytes, "bytes are bytes");
        }
    } catch (const hearth::Error &) {
    }
    return 0;
}
