// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <stdexcept>
#include <string>

namespace hearth
{

// Every failure the engine reports to a person: the message names the file (or input) and the problem,
// e.g. "model.gguf: tensor 'output.weight' extends past the end of the file".
class Error : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

} // namespace hearth
