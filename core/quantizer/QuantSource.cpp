// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/QuantSource.h"

#include "gguf/GgufFile.h"
#include "quant/TypeTraits.h"
#include "util/Error.h"

#include <sys/mman.h>
#include <unistd.h>

namespace hearth
{

uint64_t QuantSource::Tensor::rowCount() const
{
    uint64_t rows = 1;
    for (size_t i = 1; i < shape.size(); ++i) {
        rows *= shape[i];
    }
    return rows;
}

void decodeFloatElements(GgmlType type, const uint8_t *src, float *dst, uint64_t n)
{
    if (type != GgmlType::F32 && type != GgmlType::F16 && type != GgmlType::BF16) {
        throw Error("cannot read tensors of type " + std::string(ggmlTypeName(type)));
    }
    typeTraits(type)->toFloat(src, dst, int64_t(n));
}

void releaseMappedRange(const void *data, uint64_t size)
{
    static const uintptr_t pageSize = uintptr_t(sysconf(_SC_PAGESIZE));
    // Only whole pages inside the range: a neighbouring tensor may still be in use.
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + pageSize - 1) & ~(pageSize - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size) & ~(pageSize - 1);
    if (end > begin) {
        // Advice only: a failure costs memory, not correctness.
        madvise(reinterpret_cast<void *>(begin), end - begin, MADV_DONTNEED);
    }
}

namespace
{
class GgufSource final : public QuantSource
{
public:
    explicit GgufSource(std::unique_ptr<GgufFile> file)
        : m_file(std::move(file))
    {
        for (const GgufTensorInfo &info : m_file->tensors()) {
            if (info.type != GgmlType::F32 && info.type != GgmlType::F16 && info.type != GgmlType::BF16) {
                throw Error(m_file->path() + ": tensor '" + info.name + "' is " + std::string(ggmlTypeName(info.type))
                            + "; only F32, F16 and BF16 models can be quantized (requantizing loses quality)");
            }
            m_tensors.push_back({info.name, {info.ne.begin(), info.ne.begin() + info.nDims}, info.type, info.nbytes});
        }
        for (const auto &entry : m_file->metadata()) {
            m_metadata.push_back(entry);
        }
    }

    std::string path() const override
    {
        return m_file->path();
    }
    const std::vector<std::pair<std::string, GgufValue>> &metadata() const override
    {
        return m_metadata;
    }
    const std::vector<Tensor> &tensors() const override
    {
        return m_tensors;
    }
    void readRows(size_t index, uint64_t firstRow, uint64_t rows, float *dst) const override
    {
        const GgufTensorInfo &info = m_file->tensors()[index];
        const uint64_t rowBytes = info.nbytes / info.rowCount();
        decodeFloatElements(info.type, info.data + firstRow * rowBytes, dst, rows * info.rowLength());
    }
    void release(size_t index) const override
    {
        const GgufTensorInfo &info = m_file->tensors()[index];
        releaseMappedRange(info.data, info.nbytes);
    }

private:
    std::unique_ptr<GgufFile> m_file;
    std::vector<std::pair<std::string, GgufValue>> m_metadata;
    std::vector<Tensor> m_tensors;
};
}

std::unique_ptr<QuantSource> QuantSource::openGguf(const std::string &path)
{
    return std::make_unique<GgufSource>(GgufFile::open(path));
}

} // namespace hearth
