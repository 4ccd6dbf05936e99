// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

// Assembles GGUF bytes field by field, independently of GgufWriter, so tests can state exact expected files
// and craft malformed ones.
class GgufBytes
{
public:
    GgufBytes &u8(uint8_t v)
    {
        return raw(&v, 1);
    }
    GgufBytes &u32(uint32_t v)
    {
        return raw(&v, 4);
    }
    GgufBytes &u64(uint64_t v)
    {
        return raw(&v, 8);
    }
    GgufBytes &i32(int32_t v)
    {
        return raw(&v, 4);
    }
    GgufBytes &f32(float v)
    {
        return raw(&v, 4);
    }
    GgufBytes &str(std::string_view s)
    {
        u64(s.size());
        return raw(s.data(), s.size());
    }
    // "GGUF", version, tensor count, metadata count.
    GgufBytes &header(uint64_t tensors, uint64_t kvs, uint32_t version = 3)
    {
        raw("GGUF", 4);
        u32(version);
        u64(tensors);
        return u64(kvs);
    }
    GgufBytes &kvU32(std::string_view key, uint32_t v)
    {
        str(key);
        u32(4);
        return u32(v);
    }
    // A tensor directory entry: name, dims, ne..., type, offset.
    GgufBytes &tensor(std::string_view name, const std::vector<uint64_t> &ne, uint32_t type, uint64_t offset)
    {
        str(name);
        u32(static_cast<uint32_t>(ne.size()));
        for (const uint64_t n : ne) {
            u64(n);
        }
        u32(type);
        return u64(offset);
    }
    GgufBytes &padTo(size_t alignment)
    {
        while (m_bytes.size() % alignment != 0) {
            m_bytes.push_back(0);
        }
        return *this;
    }
    GgufBytes &zeros(size_t count)
    {
        m_bytes.resize(m_bytes.size() + count, 0);
        return *this;
    }
    GgufBytes &raw(const void *data, size_t size)
    {
        const auto *p = static_cast<const uint8_t *>(data);
        m_bytes.insert(m_bytes.end(), p, p + size);
        return *this;
    }

    const std::vector<uint8_t> &bytes() const
    {
        return m_bytes;
    }
    size_t size() const
    {
        return m_bytes.size();
    }

private:
    std::vector<uint8_t> m_bytes;
};
