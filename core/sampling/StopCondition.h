// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sampling/StopStringMatcher.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

// When generation ends and what of it to show: on an end-of-generation token (the predicate, usually
// Tokenizer::isEog) or on a stop string in the decoded text. Typical loop:
//     StopCondition stop([&](int32_t t) { return tokenizer.isEog(t); }, {"\nUser:"});
//     for (;;) { token = sampler.sample(logits); auto step = stop.push(token, decoder.push(token));
//                show(step.text); if (step.stopped) break; ... }
//     show(stop.finish()); // when the loop ended for another reason (length limit)
class StopCondition
{
public:
    StopCondition(std::function<bool(int32_t)> isEndOfGeneration, std::vector<std::string> stopStrings);

    // text: the token's decoded text (may be empty). An end-of-generation token stops and releases the
    // text held back for a possible stop string, since no stop string can complete any more.
    StopStringMatcher::Result push(int32_t token, std::string_view text);
    // The stream ended for another reason: the held-back text.
    std::string finish();
    void reset();

private:
    std::function<bool(int32_t)> m_isEndOfGeneration;
    StopStringMatcher m_matcher;
    bool m_stopped = false;
};

} // namespace hearth
