// SPDX-License-Identifier: GPL-3.0-or-later
// PreTokenizer for the Qt-free aarch64 test build: its regular expressions are Qt's, and no Qt for aarch64
// exists on the build machine. The forward test loads an SPM model, which never pre-tokenizes; a BPE model
// fails to load with "unknown pre-tokenizer".
#include "tokenizer/PreTokenizer.h"

#include <stdexcept>

namespace hearth
{

struct PreTokenizer::Expressions {
};

std::optional<PreTokenizer::Config> PreTokenizer::configFor(std::string_view)
{
    return std::nullopt;
}

PreTokenizer::PreTokenizer(const std::vector<std::string_view> &)
{
    throw std::invalid_argument("pre-tokenizers need Qt's regular expressions, absent from this build");
}

PreTokenizer::~PreTokenizer() = default;

std::vector<std::string> PreTokenizer::split(std::string_view) const
{
    return {};
}

} // namespace hearth
