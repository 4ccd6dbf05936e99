// SPDX-License-Identifier: GPL-3.0-or-later
#include "tokenizer/PreTokenizer.h"

#include "tokenizer/Utf8.h"

#include <QRegularExpression>
#include <QString>

#include <stdexcept>
#include <utility>

namespace hearth
{

namespace
{
// The expressions of llama.cpp's llm_tokenizer_bpe (llama-vocab.cpp), which mirror each model's
// tokenizer.json. Non-ASCII characters are written as \x{...}.

// GPT-2's, with the final \s+ that llama.cpp's hand-written matcher for it applies implicitly.
constexpr std::string_view Gpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Llama 3's "(?i:'s|...)" spelt out so that (?i) cannot match non-ASCII case variants (U+017F for 's').
constexpr std::string_view Llama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr std::string_view Qwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr std::string_view NewLine = R"([\r\n])";

// DeepSeek LLM's cased letters, as listed in its tokenizer.json.
constexpr std::string_view DeepSeekLetters =
    R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293}\x{295}-\x{2AF})"
    R"(\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1})"
    R"(\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5}\x{13A0}-\x{13F5})"
    R"(\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A})"
    R"(\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B})"
    R"(\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC})"
    R"(\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107})"
    R"(\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134})"
    R"(\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
    R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F}\x{A771}-\x{A787})"
    R"(\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A})"
    R"(\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2})"
    R"(\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)";
constexpr std::string_view DeepSeekPunctuation = R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";
// "\s+$" in llama.cpp's std::regex, where $ is only the end of the piece (PCRE2's $ also matches before a
// final newline).
constexpr std::string_view TrailingSpace = R"(\s+\z)";
constexpr std::string_view CjkHangul = R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";

constexpr std::string_view DeepSeekV3Mixed =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr std::string_view Bloom = R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";

constexpr std::string_view Tekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

constexpr std::string_view Gpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?)"
    R"(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?)"
    R"(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names)
{
    for (const std::string_view candidate : names) {
        if (name == candidate) {
            return true;
        }
    }
    return false;
}
}

std::optional<PreTokenizer::Config> PreTokenizer::configFor(std::string_view pre)
{
    if (pre.empty() || pre == "default") {
        return Config{{R"([\p{P}\$\+<=>\^~\|]+)", Gpt2, R"(\p{N}+)", R"([0-9][0-9][0-9])"}};
    }
    if (isOneOf(pre, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"})) {
        return Config{.patterns = {Llama3}, .ignoreMerges = true, .addBos = true};
    }
    if (isOneOf(pre, {"dbrx", "smaug-bpe"})) {
        return Config{{Llama3}};
    }
    if (pre == "deepseek-llm") {
        return Config{{NewLine, DeepSeekLetters, DeepSeekPunctuation, TrailingSpace, CjkHangul, R"(\p{N}+)"}};
    }
    if (pre == "deepseek-coder") {
        return Config{{NewLine, R"(\s?\p{L}+)", R"(\s?\p{P}+)", CjkHangul, R"(\p{N})"}};
    }
    if (pre == "deepseek-v3") {
        return Config{{R"(\p{N}{1,3})", R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)", DeepSeekV3Mixed}};
    }
    if (pre == "falcon") {
        return Config{{R"([\p{P}\$\+<=>\^~\|`]+)", Gpt2, R"([0-9][0-9][0-9])"}};
    }
    if (isOneOf(pre, {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"})) {
        return Config{{R"(\p{N})", Gpt2}};
    }
    if (isOneOf(pre, {"gpt-2", "phi-2", "mpt", "olmo", "jais", "jina-es", "jina-de", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                      "jina-v2-code", "roberta-bpe", "gigachat", "exaone4", "trillion", "granite-docling"})) {
        return Config{{Gpt2}};
    }
    if (isOneOf(pre, {"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez", "hunyuan"})) {
        return Config{{Qwen2}};
    }
    if (isOneOf(pre, {"poro-chat", "bloom", "gpt3-finnish"})) {
        return Config{{Bloom}};
    }
    if (pre == "viking") {
        return Config{{Bloom, R"(\p{N})"}};
    }
    if (pre == "tekken") {
        return Config{.patterns = {Tekken}, .ignoreMerges = true, .addBos = true};
    }
    if (isOneOf(pre, {"gpt-4o", "llama4"})) {
        return Config{{Gpt4o}};
    }
    return std::nullopt;
}

struct PreTokenizer::Expressions {
    std::vector<QRegularExpression> list;
};

PreTokenizer::PreTokenizer(const std::vector<std::string_view> &patterns)
{
    auto expressions = std::make_unique<Expressions>();
    for (const std::string_view pattern : patterns) {
        QRegularExpression expression(QString::fromUtf8(pattern.data(), qsizetype(pattern.size())),
                                      QRegularExpression::UseUnicodePropertiesOption);
        if (!expression.isValid()) {
            throw std::invalid_argument("pre-tokenizer expression does not compile: " + expression.errorString().toStdString() + " in "
                                        + std::string(pattern));
        }
        // Compile (and JIT) now rather than on first use from some thread.
        expression.optimize();
        expressions->list.push_back(std::move(expression));
    }
    m_expressions = std::move(expressions);
}

PreTokenizer::~PreTokenizer() = default;

std::vector<std::string> PreTokenizer::split(std::string_view text) const
{
    const std::u32string codePoints = utf8::decode(text);
    const QString subject = QString::fromUcs4(codePoints.data(), qsizetype(codePoints.size()));

    // Pieces are kept as code point ranges; the expressions see UTF-16, so map between the two.
    std::vector<qsizetype> utf16Of(codePoints.size() + 1);
    std::vector<size_t> codePointOf(size_t(subject.size()) + 1);
    qsizetype unit = 0;
    for (size_t i = 0; i < codePoints.size(); ++i) {
        utf16Of[i] = unit;
        codePointOf[size_t(unit)] = i;
        unit += codePoints[i] > 0xFFFF ? 2 : 1;
    }
    utf16Of[codePoints.size()] = unit;
    codePointOf[size_t(unit)] = codePoints.size();

    std::vector<std::pair<size_t, size_t>> pieces;
    if (!codePoints.empty()) {
        pieces.emplace_back(0, codePoints.size());
    }
    std::vector<std::pair<size_t, size_t>> next;
    for (const QRegularExpression &expression : m_expressions->list) {
        next.clear();
        for (const auto &[begin, end] : pieces) {
            // Matching a view of just this piece: lookarounds and \z stop at its edges, as in llama.cpp.
            const qsizetype base = utf16Of[begin];
            const QStringView view = QStringView(subject).sliced(base, utf16Of[end] - base);
            size_t cursor = begin;
            auto matches = expression.globalMatchView(view);
            while (matches.hasNext()) {
                const QRegularExpressionMatch match = matches.next();
                const size_t matchBegin = codePointOf[size_t(base + match.capturedStart())];
                const size_t matchEnd = codePointOf[size_t(base + match.capturedEnd())];
                if (matchEnd == matchBegin) {
                    continue;
                }
                if (matchBegin > cursor) {
                    next.emplace_back(cursor, matchBegin);
                }
                next.emplace_back(matchBegin, matchEnd);
                cursor = matchEnd;
            }
            if (cursor < end) {
                next.emplace_back(cursor, end);
            }
        }
        pieces.swap(next);
    }

    std::vector<std::string> words;
    words.reserve(pieces.size());
    for (const auto &[begin, end] : pieces) {
        std::string word;
        for (size_t i = begin; i < end; ++i) {
            utf8::append(word, codePoints[i]);
        }
        words.push_back(std::move(word));
    }
    return words;
}

} // namespace hearth
