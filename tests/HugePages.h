// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Whether files the project writes reach the page cache in 2 MiB folios, which a mapping then uses as huge pages
// (util/RegionWriter.h says why that matters).

#include "util/MappedFile.h"
#include "util/RegionWriter.h"

#include <QString>

#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace HugePages
{
inline volatile uint8_t g_touched = 0;

// How much of the file a fresh mapping gets in 2 MiB pages once every page of it has been read.
inline size_t mappedOnceRead(const std::string &path)
{
    const hearth::MappedFile file(path);
    for (size_t i = 0; i < file.size(); i += 4096) {
        g_touched = file.data()[i];
    }
    return file.hugePageBytes();
}

// Whether the page cache of `folder` follows how files were written: one written in 32 KiB pieces gets no huge
// pages and one written in whole 2 MiB pieces does. Where it does not (another kernel, tmpfs), the tests of the
// writers cannot tell the difference and skip; the reason is returned, empty when it does.
inline QString cacheFollowsWrites(const QString &folder)
{
    constexpr size_t kRegion = hearth::RegionWriter::kHugePageBytes;
    const std::vector<uint8_t> bytes(2 * kRegion, 0x5a);
    const auto writeInPieces = [&](const std::string &path, size_t piece) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        bool ok = fd >= 0;
        for (size_t at = 0; ok && at < bytes.size(); at += piece) {
            ok = ::pwrite(fd, bytes.data() + at, piece, off_t(at)) == ssize_t(piece);
        }
        ok = fd >= 0 && ::close(fd) == 0 && ok;
        return ok;
    };
    const std::string small = QString(folder + QStringLiteral("/hugepages-small.bin")).toStdString();
    const std::string whole = QString(folder + QStringLiteral("/hugepages-whole.bin")).toStdString();
    if (!writeInPieces(small, 32 * 1024) || !writeInPieces(whole, kRegion)) {
        return QStringLiteral("cannot write the probe files in ") + folder;
    }
    const bool follows = mappedOnceRead(small) == 0 && mappedOnceRead(whole) == 2 * kRegion;
    ::unlink(small.c_str());
    ::unlink(whole.c_str());
    return follows ? QString() : QStringLiteral("this kernel or file system does not cache files by how they were written");
}
}
