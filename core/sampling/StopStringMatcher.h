// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

// Watches streamed text for stop strings ("\nUser:", "</s>") that may arrive split across chunks. Text that
// could still be the start of a stop string is held back until it is known not to be, so no part of a stop
// string is ever shown. Works on bytes: fed whole UTF-8 characters (StreamDecoder's output) and given
// UTF-8 stop strings, it emits whole characters too, since a held-back tail starts where a stop string does.
class StopStringMatcher
{
public:
    // Empty stop strings are ignored.
    explicit StopStringMatcher(std::vector<std::string> stopStrings);

    struct Result {
        std::string text; // safe to show now
        bool stopped = false; // a stop string completed: text ends just before it; the rest is dropped
    };
    // After a stop, further input is ignored (empty text, stopped still true).
    Result feed(std::string_view chunk);
    // The stream ended without a stop: the held-back text was not a stop string after all.
    std::string flush();
    void reset();

    bool stopped() const
    {
        return m_stopped;
    }

private:
    std::vector<std::string> m_stopStrings;
    std::string m_pending;
    bool m_stopped = false;
};

} // namespace hearth
