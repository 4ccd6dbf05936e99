// SPDX-License-Identifier: GPL-3.0-or-later
#include "gguf/GgufWriter.h"

#include "gguf/GgufFormat.h"
#include "util/CheckedMath.h"
#include "util/Error.h"
#include "util/TemporaryFiles.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace hearth
{

namespace
{
std::string inQuotes(std::string_view s)
{
    return "'" + std::string(s) + "'";
}

template<typename T>
void append(std::string &out, T value)
{
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
}

void appendString(std::string &out, const std::string &s)
{
    append<uint64_t>(out, s.size());
    out += s;
}

// The payload of a value, without its type tag (arrays carry their element type and count).
void appendValue(std::string &out, const GgufValue &value)
{
    switch (value.type()) {
    case GgufValueType::Uint8:
    case GgufValueType::Int8:
    case GgufValueType::Bool:
        append(out, static_cast<uint8_t>(value.rawBits()));
        break;
    case GgufValueType::Uint16:
    case GgufValueType::Int16:
        append(out, static_cast<uint16_t>(value.rawBits()));
        break;
    case GgufValueType::Uint32:
    case GgufValueType::Int32:
    case GgufValueType::Float32:
        append(out, static_cast<uint32_t>(value.rawBits()));
        break;
    case GgufValueType::Uint64:
    case GgufValueType::Int64:
    case GgufValueType::Float64:
        append(out, value.rawBits());
        break;
    case GgufValueType::String:
        appendString(out, value.toString());
        break;
    case GgufValueType::Array:
        append(out, uint32_t(value.arrayType()));
        append<uint64_t>(out, value.size());
        for (const auto &element : value.elements()) {
            appendValue(out, element);
        }
        break;
    }
}

std::string reason(int error)
{
    return std::strerror(error);
}
}

GgufWriter::~GgufWriter()
{
    discard();
}

void GgufWriter::requireIdle() const
{
    if (m_fd >= 0) {
        throw Error(m_path + ": cannot change the GGUF file while it is being written");
    }
}

void GgufWriter::setAlignment(uint32_t alignment)
{
    requireIdle();
    if (!gguf::isPowerOfTwo(alignment)) {
        throw Error("GGUF writer: alignment " + std::to_string(alignment) + " is not a power of two");
    }
    const bool keyPresent = std::ranges::any_of(m_metadata, [](const auto &kv) { return kv.first == gguf::kAlignmentKey; });
    if (alignment != gguf::kDefaultAlignment || keyPresent) {
        set(std::string(gguf::kAlignmentKey), GgufValue::uint32(alignment));
    }
    m_alignment = alignment;
}

void GgufWriter::set(std::string key, GgufValue value)
{
    requireIdle();
    if (const auto problem = gguf::nameProblem(key); !problem.empty()) {
        throw Error("GGUF writer: metadata key " + inQuotes(key) + " " + problem);
    }
    if (key == gguf::kAlignmentKey) {
        // llama.cpp reads it as uint32.
        if (value.type() != GgufValueType::Uint32 || !gguf::isPowerOfTwo(value.toUInt64())) {
            throw Error("GGUF writer: general.alignment must be a uint32 power of two, not " + value.toDisplayString() + " ("
                        + std::string(ggufValueTypeName(value.type())) + ")");
        }
        m_alignment = static_cast<uint32_t>(value.toUInt64());
    }
    const auto it = std::ranges::find(m_metadata, key, [](const auto &kv) { return kv.first; });
    if (it != m_metadata.end()) {
        it->second = std::move(value);
    } else {
        m_metadata.emplace_back(std::move(key), std::move(value));
    }
}

size_t GgufWriter::addTensor(std::string name, GgmlType type, std::vector<uint64_t> shape)
{
    requireIdle();
    const std::string what = "GGUF writer: tensor " + inQuotes(name) + " ";
    if (const auto problem = gguf::nameProblem(name); !problem.empty()) {
        throw Error("GGUF writer: a tensor name " + problem);
    }
    if (name.size() > gguf::kMaxWrittenTensorName) {
        throw Error(what + "has a name longer than the " + std::to_string(gguf::kMaxWrittenTensorName) + " bytes llama.cpp accepts");
    }
    if (std::ranges::any_of(m_tensors, [&](const Tensor &t) { return t.name == name; })) {
        throw Error(what + "is declared twice");
    }
    const auto layout = ggmlTypeLayout(uint32_t(type));
    if (!layout) {
        throw Error(what + "has unknown type " + std::to_string(uint32_t(type)));
    }
    uint64_t nbytes = 0;
    if (const auto problem = gguf::tensorShapeProblem(*layout, shape, nbytes); !problem.empty()) {
        throw Error(what + problem);
    }
    m_tensors.push_back(Tensor{std::move(name), type, std::move(shape), nbytes, 0});
    return m_tensors.size() - 1;
}

uint64_t GgufWriter::tensorBytes(size_t index) const
{
    if (index >= m_tensors.size()) {
        throw Error("GGUF writer: no tensor number " + std::to_string(index) + " (" + std::to_string(m_tensors.size()) + " declared)");
    }
    return m_tensors[index].nbytes;
}

void GgufWriter::write(const std::string &path, const std::vector<std::span<const uint8_t>> &tensorData)
{
    if (tensorData.size() != m_tensors.size()) {
        throw Error(path + ": " + std::to_string(tensorData.size()) + " tensor data blocks given for " + std::to_string(m_tensors.size())
                    + " tensors");
    }
    begin(path);
    for (size_t i = 0; i < tensorData.size(); ++i) {
        writeTensorData(i, tensorData[i]);
    }
    commit();
}

void GgufWriter::begin(const std::string &path)
{
    requireIdle();
    std::string header;
    append(header, gguf::kMagic);
    append(header, gguf::kWriteVersion);
    append<uint64_t>(header, m_tensors.size());
    append<uint64_t>(header, m_metadata.size());
    for (const auto &[key, value] : m_metadata) {
        appendString(header, key);
        append(header, uint32_t(value.type()));
        appendValue(header, value);
    }
    uint64_t offset = 0;
    for (auto &tensor : m_tensors) {
        tensor.offset = offset;
        appendString(header, tensor.name);
        append(header, static_cast<uint32_t>(tensor.shape.size()));
        for (const uint64_t n : tensor.shape) {
            append(header, n);
        }
        append(header, uint32_t(tensor.type));
        append(header, tensor.offset);
        const auto end = checkedAdd(offset, tensor.nbytes);
        const auto next = end ? checkedAlignUp(*end, m_alignment) : std::nullopt;
        if (!next) {
            throw Error(path + ": the tensor data is too large for a GGUF file");
        }
        offset = *next;
    }

    // Temporaries of writers killed earlier (a quantization interrupted) go first.
    TemporaryFiles::removeStale(std::filesystem::path(path).parent_path().string());
    TemporaryFiles::Created temporary = TemporaryFiles::create(path);
    m_fd = temporary.fd;
    m_tempPath = std::move(temporary.path);
    m_path = path;
    m_written = 0;
    m_nextTensor = 0;
    m_partBytes = 0;
    m_regions.emplace([this](uint64_t offset, std::span<const uint8_t> bytes) { writeAt(offset, bytes); });
    writeAll(header.data(), header.size());
    writePadding();
}

void GgufWriter::requireCurrent(size_t index, const char *function)
{
    if (m_fd < 0) {
        throw Error(std::string("GGUF writer: ") + function + " without begin()");
    }
    if (index != m_nextTensor) {
        fail(m_path + ": tensor data written out of order (tensor " + std::to_string(index) + " given, " + std::to_string(m_nextTensor)
             + " expected)");
    }
}

void GgufWriter::writeTensorData(size_t index, std::span<const uint8_t> bytes)
{
    requireCurrent(index, "writeTensorData()");
    const Tensor &tensor = m_tensors[index];
    if (bytes.size() != tensor.nbytes) {
        fail(m_path + ": tensor " + inQuotes(tensor.name) + " needs " + std::to_string(tensor.nbytes) + " bytes of data, "
             + std::to_string(bytes.size()) + " given");
    }
    const uint64_t start = m_written;
    writeAll(bytes.data(), bytes.size());
    writePadding();
    startWriteback(start, bytes.size());
    ++m_nextTensor;
}

void GgufWriter::writeTensorPart(size_t index, uint64_t offset, std::span<const uint8_t> bytes)
{
    // No fail() here: discarding would close the file under the other writing threads.
    if (m_fd < 0 || index != m_nextTensor) {
        throw Error(m_path + ": tensor part written out of order (tensor " + std::to_string(index) + ")");
    }
    if (offset > m_tensors[index].nbytes || bytes.size() > m_tensors[index].nbytes - offset) {
        throw Error(m_path + ": a part of tensor " + inQuotes(m_tensors[index].name) + " runs past its end");
    }
    // m_written is the tensor's start until finishTensor().
    m_regions->write(m_written + offset, bytes);
    m_partBytes.fetch_add(bytes.size(), std::memory_order_relaxed);
}

void GgufWriter::finishTensor(size_t index)
{
    requireCurrent(index, "finishTensor()");
    const Tensor &tensor = m_tensors[index];
    if (const uint64_t written = m_partBytes.exchange(0); written != tensor.nbytes) {
        fail(m_path + ": tensor " + inQuotes(tensor.name) + " needs " + std::to_string(tensor.nbytes) + " bytes of data, "
             + std::to_string(written) + " written");
    }
    const uint64_t start = m_written;
    m_written += tensor.nbytes;
    writePadding();
    startWriteback(start, tensor.nbytes);
    ++m_nextTensor;
}

void GgufWriter::startWriteback(uint64_t offset, uint64_t size) const noexcept
{
#if defined(__linux__)
    // Advice only: the disk starts on this tensor while the next is computed, so commit()'s fsync has little
    // left to wait for (the kernel would otherwise hold it all until the dirty-page limit).
    ::sync_file_range(m_fd, off_t(offset), off_t(size), SYNC_FILE_RANGE_WRITE);
#else
    (void)offset;
    (void)size;
#endif
}

void GgufWriter::commit()
{
    if (m_fd < 0) {
        throw Error("GGUF writer: commit() without begin()");
    }
    if (m_nextTensor != m_tensors.size()) {
        fail(m_path + ": only " + std::to_string(m_nextTensor) + " of " + std::to_string(m_tensors.size())
             + " tensors were written");
    }
    try {
        m_regions->flush();
    } catch (const Error &) {
        discard();
        throw;
    }
    m_regions.reset();
    if (::fsync(m_fd) != 0) {
        fail(m_path + ": cannot flush to disk (" + reason(errno) + ")");
    }
    const int fd = std::exchange(m_fd, -1);
    if (::close(fd) != 0) {
        fail(m_path + ": cannot write (" + reason(errno) + ")");
    }
    if (::rename(m_tempPath.c_str(), m_path.c_str()) != 0) {
        fail(m_path + ": cannot replace it with the new file (" + reason(errno) + ")");
    }
    m_tempPath.clear();
    syncDirectory();
}

void GgufWriter::syncDirectory() const noexcept
{
    // Makes the rename itself durable. Best effort: some file systems refuse fsync on directories, and the
    // file's data is already safe.
    const auto slash = m_path.rfind('/');
    const std::string directory = slash == std::string::npos ? std::string(".") : slash == 0 ? std::string("/") : m_path.substr(0, slash);
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

void GgufWriter::writeAll(const void *bytes, size_t size)
{
    try {
        m_regions->write(m_written, {static_cast<const uint8_t *>(bytes), size});
    } catch (const Error &) {
        discard();
        throw;
    }
    m_written += size;
}

void GgufWriter::writeAt(uint64_t offset, std::span<const uint8_t> bytes) const
{
    const auto *p = reinterpret_cast<const char *>(bytes.data());
    auto position = off_t(offset);
    for (size_t left = bytes.size(); left > 0;) {
        const ssize_t n = ::pwrite(m_fd, p, left, position);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw Error(m_path + ": cannot write (" + reason(n < 0 ? errno : ENOSPC) + ")");
        }
        p += n;
        position += n;
        left -= size_t(n);
    }
}

void GgufWriter::writePadding()
{
    static constexpr char zeros[256] = {};
    const uint64_t padding = (m_alignment - m_written % m_alignment) % m_alignment;
    for (uint64_t left = padding; left > 0;) {
        const auto chunk = static_cast<size_t>(std::min<uint64_t>(left, sizeof zeros));
        writeAll(zeros, chunk);
        left -= chunk;
    }
}

void GgufWriter::fail(const std::string &message)
{
    discard();
    throw Error(message);
}

void GgufWriter::discard() noexcept
{
    m_regions.reset();
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (!m_tempPath.empty()) {
        ::unlink(m_tempPath.c_str());
        m_tempPath.clear();
    }
}

} // namespace hearth
