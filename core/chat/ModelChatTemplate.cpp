// SPDX-License-Identifier: GPL-3.0-or-later
#include "chat/ModelChatTemplate.h"

#include "gguf/GgufFile.h"
#include "util/Error.h"

namespace hearth
{

namespace
{
std::string tokenText(const GgufFile &file, std::string_view idKey)
{
    if (file.find(idKey) == nullptr) {
        return {};
    }
    const uint64_t id = file.requireUInt(idKey);
    const GgufValue *tokens = file.find("tokenizer.ggml.tokens");
    if (tokens == nullptr || !tokens->isArray() || id >= tokens->size()) {
        const std::string count = tokens != nullptr && tokens->isArray() ? std::to_string(tokens->size()) : std::string("no tokens");
        throw Error(file.path() + ": " + std::string(idKey) + " " + std::to_string(id) + " is not a token (the vocabulary has "
                    + count + ")");
    }
    return tokens->at(static_cast<size_t>(id)).toString();
}
}

ModelChatTemplate ModelChatTemplate::read(const GgufFile &file)
{
    ModelChatTemplate result;
    result.jinja = file.getString("tokenizer.chat_template", std::string());
    result.bosToken = tokenText(file, "tokenizer.ggml.bos_token_id");
    result.eosToken = tokenText(file, "tokenizer.ggml.eos_token_id");
    return result;
}

} // namespace hearth
