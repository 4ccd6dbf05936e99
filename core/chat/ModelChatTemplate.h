// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>

namespace hearth
{

class GgufFile;

// What a model file says about chatting with it: the Jinja template (tokenizer.chat_template, empty when
// absent) and the text of its BOS and EOS tokens (empty when the file names none).
struct ModelChatTemplate {
    std::string jinja;
    std::string bosToken;
    std::string eosToken;

    // Errors: "PATH: tokenizer.ggml.bos_token_id 123 is not a token (the vocabulary has 100)" and the type
    // errors of GgufFile.
    static ModelChatTemplate read(const GgufFile &file);
};

} // namespace hearth
