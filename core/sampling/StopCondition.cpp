// SPDX-License-Identifier: GPL-3.0-or-later
#include "sampling/StopCondition.h"

#include <utility>

namespace hearth
{

StopCondition::StopCondition(std::function<bool(int32_t)> isEndOfGeneration, std::vector<std::string> stopStrings)
    : m_isEndOfGeneration(std::move(isEndOfGeneration))
    , m_matcher(std::move(stopStrings))
{
}

StopStringMatcher::Result StopCondition::push(int32_t token, std::string_view text)
{
    if (m_stopped) {
        return {{}, true};
    }
    if (m_isEndOfGeneration && m_isEndOfGeneration(token)) {
        m_stopped = true;
        return {m_matcher.flush(), true};
    }
    StopStringMatcher::Result result = m_matcher.feed(text);
    m_stopped = result.stopped;
    return result;
}

std::string StopCondition::finish()
{
    return m_matcher.flush();
}

void StopCondition::reset()
{
    m_matcher.reset();
    m_stopped = false;
}

} // namespace hearth
