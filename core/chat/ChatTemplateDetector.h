// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "chat/ChatTemplate.h"

#include <optional>
#include <string>
#include <string_view>

namespace hearth
{

// The Jinja text reduced to what decides its output, so templates that differ only in layout compare equal:
// whitespace control applied as transformers configures jinja2 (trim_blocks, lstrip_blocks, "-" markers),
// comments dropped, whitespace outside string literals removed inside tags, every string literal rewritten
// as '...' with canonical escapes ("\n" for a newline, typed or escaped). Text outside tags is kept verbatim.
std::string normalizeJinja(std::string_view jinja);

// Recognises the family of a chat template and the variant details its text fixes (see ChatTemplateVariant);
// nullopt for templates Hearth cannot render exactly, among them templates built around a function-calling
// protocol of their own (Command-R, Functionary, Firefunction, Hermes tool use).
std::optional<ChatTemplateVariant> detectTemplateVariant(std::string_view jinja);

} // namespace hearth
