// SPDX-License-Identifier: GPL-3.0-or-later
#include "sampling/StopStringMatcher.h"

#include <algorithm>
#include <utility>

namespace hearth
{

StopStringMatcher::StopStringMatcher(std::vector<std::string> stopStrings)
    : m_stopStrings(std::move(stopStrings))
{
    std::erase_if(m_stopStrings, [](const std::string &s) {
        return s.empty();
    });
}

StopStringMatcher::Result StopStringMatcher::feed(std::string_view chunk)
{
    if (m_stopped) {
        return {{}, true};
    }
    m_pending += chunk;

    // The stop string that completes first wins (as if the text had come byte by byte, so the result does
    // not depend on how it was chunked); of two ending at the same byte, the longer one is hidden.
    size_t stopAt = std::string::npos;
    size_t stopEnd = std::string::npos;
    for (const std::string &stop : m_stopStrings) {
        const size_t at = m_pending.find(stop);
        if (at == std::string::npos) {
            continue;
        }
        const size_t end = at + stop.size();
        if (end < stopEnd || (end == stopEnd && at < stopAt)) {
            stopAt = at;
            stopEnd = end;
        }
    }
    if (stopAt != std::string::npos) {
        Result result{m_pending.substr(0, stopAt), true};
        m_pending.clear();
        m_stopped = true;
        return result;
    }

    // Hold back the longest tail that a stop string begins with (no stop string is inside m_pending, so
    // such a tail is shorter than that stop string).
    size_t held = 0;
    for (const std::string &stop : m_stopStrings) {
        for (size_t length = std::min(stop.size() - 1, m_pending.size()); length > held; --length) {
            if (std::string_view(m_pending).substr(m_pending.size() - length) == std::string_view(stop).substr(0, length)) {
                held = length;
                break;
            }
        }
    }
    Result result{m_pending.substr(0, m_pending.size() - held), false};
    m_pending.erase(0, m_pending.size() - held);
    return result;
}

std::string StopStringMatcher::flush()
{
    return std::exchange(m_pending, {});
}

void StopStringMatcher::reset()
{
    m_pending.clear();
    m_stopped = false;
}

} // namespace hearth
