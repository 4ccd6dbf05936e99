// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"

#include "gguf/GgufFile.h"
#include "tokenizer/Tokenizer.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <exception>

using namespace Qt::StringLiterals;

namespace
{
// A piece for a terminal: quotes, backslashes, control characters and bytes that are not UTF-8 escaped.
QString displayPiece(const std::string &piece)
{
    QString out;
    const QByteArray bytes = QByteArray::fromStdString(piece);
    const QString decoded = QString::fromUtf8(bytes);
    const bool valid = decoded.toUtf8() == bytes;
    if (!valid) {
        for (const char c : bytes) {
            out += u"\\x%1"_s.arg(static_cast<unsigned char>(c), 2, 16, QLatin1Char('0'));
        }
        return out;
    }
    for (const QChar c : decoded) {
        if (c == u'\n') {
            out += u"\\n"_s;
        } else if (c == u'\t') {
            out += u"\\t"_s;
        } else if (c == u'\r') {
            out += u"\\r"_s;
        } else if (c == u'\\' || c == u'\'') {
            out += u'\\';
            out += c;
        } else if (c.unicode() < 0x20 || c.unicode() == 0x7F) {
            out += u"\\x%1"_s.arg(c.unicode(), 2, 16, QLatin1Char('0'));
        } else {
            out += c;
        }
    }
    return out;
}
}

int tokenizeCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Encode TEXT with a model's tokenizer and print the token ids and their pieces."_s);
    parser.addHelpOption();
    const QCommandLineOption modelOption({u"m"_s, u"model"_s}, u"The GGUF model (or vocabulary) file."_s, u"FILE"_s);
    const QCommandLineOption jsonOption(u"json"_s, u"Print {\"tokens\": [...], \"pieces\": [...]}."_s);
    const QCommandLineOption noBosOption(u"no-bos"_s, u"Do not add the BOS/EOS tokens the model asks for."_s);
    const QCommandLineOption parseSpecialOption(u"parse-special"_s,
                                                u"Turn control tokens written in the text (\"<|im_start|>\") into those tokens."_s);
    parser.addOptions({modelOption, jsonOption, noBosOption, parseSpecialOption});
    parser.addPositionalArgument(u"TEXT"_s, u"The text to encode."_s);
    parser.process(args);

    const QStringList positional = parser.positionalArguments();
    if (!parser.isSet(modelOption) || positional.size() != 1) {
        std::fprintf(stderr, "hearth-cli: tokenize needs -m MODEL and exactly one TEXT (see --help)\n");
        return 1;
    }

    try {
        const auto file = hearth::GgufFile::open(parser.value(modelOption).toStdString());
        const auto tokenizer = hearth::Tokenizer::fromGguf(*file);
        const std::vector<int32_t> ids = tokenizer->encode(positional.first().toStdString(), !parser.isSet(noBosOption), parser.isSet(parseSpecialOption));

        if (parser.isSet(jsonOption)) {
            QJsonArray tokens;
            QJsonArray pieces;
            for (const int32_t id : ids) {
                tokens.append(id);
                // JSON strings are Unicode: a lone byte of a split character becomes U+FFFD here.
                pieces.append(QString::fromStdString(tokenizer->tokenToPiece(id)));
            }
            const QJsonObject result{{u"tokens"_s, tokens}, {u"pieces"_s, pieces}};
            std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
        } else {
            for (const int32_t id : ids) {
                std::printf("%6d '%s'\n", id, displayPiece(tokenizer->tokenToPiece(id)).toUtf8().constData());
            }
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "hearth-cli: %s\n", e.what());
        return 1;
    }
    return 0;
}
