// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"

#include "chat/ChatTemplate.h"
#include "chat/ModelChatTemplate.h"
#include "gguf/GgufFile.h"
#include "util/Error.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <exception>

using namespace Qt::StringLiterals;

namespace
{
QByteArray readFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        throw hearth::Error(path.toStdString() + ": cannot read: " + file.errorString().toStdString());
    }
    return file.readAll();
}

// MESSAGES.json: [{"role": "user", "content": "..."}, ...]
std::vector<hearth::ChatMessage> readMessages(const QString &path)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(readFile(path), &parseError);
    const auto fail = [&](const QString &problem) {
        return hearth::Error(QString(path + u": "_s + problem).toStdString());
    };
    if (parseError.error != QJsonParseError::NoError) {
        throw fail(u"not valid JSON (%1 at offset %2)"_s.arg(parseError.errorString()).arg(parseError.offset));
    }
    if (!document.isArray()) {
        throw fail(u"expected an array of {\"role\": ..., \"content\": ...} objects"_s);
    }
    std::vector<hearth::ChatMessage> messages;
    const QJsonArray array = document.array();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QJsonObject object = array.at(i).toObject();
        if (!object.value(u"role"_s).isString() || !object.value(u"content"_s).isString()) {
            throw fail(u"message %1 needs a string \"role\" and a string \"content\""_s.arg(i + 1));
        }
        messages.push_back({object.value(u"role"_s).toString().toStdString(), object.value(u"content"_s).toString().toStdString()});
    }
    return messages;
}
}

int templateCommand(const QStringList &args)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Render a conversation with a chat template and print the prompt. The template is recognised as one of "
        "Hearth's families (chatml, zephyr, llama2, llama3, mistral, phi3, gemma, deepseek); an unknown one is "
        "rendered as ChatML; without one, the conversation is plain text (completion)."_s);
    parser.addHelpOption();
    const QCommandLineOption modelOption({u"m"_s, u"model"_s}, u"Take the template and the BOS/EOS tokens from this GGUF model."_s,
                                         u"MODEL"_s);
    const QCommandLineOption templateOption(u"template"_s, u"Take the template from this Jinja file (BOS \"<s>\", EOS \"</s>\")."_s,
                                            u"FILE"_s);
    const QCommandLineOption messagesOption(u"messages"_s, u"The conversation: [{\"role\": ..., \"content\": ...}, ...]."_s,
                                            u"MESSAGES.json"_s);
    const QCommandLineOption noGenerationOption(u"no-generation-prompt"_s, u"Do not open the assistant's turn at the end."_s);
    const QCommandLineOption familyOption(u"family"_s, u"Render with this family instead of the detected one."_s, u"NAME"_s);
    const QCommandLineOption bosOption(u"bos"_s, u"The BOS token text to use."_s, u"TEXT"_s);
    const QCommandLineOption eosOption(u"eos"_s, u"The EOS token text to use."_s, u"TEXT"_s);
    const QCommandLineOption dateOption(u"date"_s, u"Today's date for Llama 3.x headers (default: today), e.g. \"26 Jul 2024\"."_s,
                                        u"DATE"_s);
    const QCommandLineOption jsonOption(u"json"_s,
                                        u"Print {\"family\", \"fallback\", \"segments\": [{\"text\", \"trusted\"}]}: trusted text may "
                                        "contain control tokens, the rest is tokenized as plain text."_s);
    parser.addOptions({modelOption, templateOption, messagesOption, noGenerationOption, familyOption, bosOption, eosOption,
                       dateOption, jsonOption});
    parser.process(args);

    if (parser.isSet(modelOption) == parser.isSet(templateOption) || !parser.isSet(messagesOption)
        || !parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "hearth-cli: template needs either -m MODEL or --template FILE, and --messages MESSAGES.json (see --help)\n");
        return 1;
    }
    std::optional<hearth::TemplateFamily> family;
    if (parser.isSet(familyOption)) {
        family = hearth::ChatTemplate::familyFromName(parser.value(familyOption).toStdString());
        if (!family) {
            std::fprintf(stderr, "hearth-cli: unknown template family '%s' (chatml, zephyr, llama2, llama3, mistral, phi3, gemma, deepseek, completion)\n",
                         qPrintable(parser.value(familyOption)));
            return 1;
        }
    }

    try {
        hearth::ModelChatTemplate source{{}, "<s>", "</s>"};
        if (parser.isSet(modelOption)) {
            source = hearth::ModelChatTemplate::read(*hearth::GgufFile::open(parser.value(modelOption).toStdString()));
        } else {
            source.jinja = readFile(parser.value(templateOption)).toStdString();
        }
        if (parser.isSet(bosOption)) {
            source.bosToken = parser.value(bosOption).toStdString();
        }
        if (parser.isSet(eosOption)) {
            source.eosToken = parser.value(eosOption).toStdString();
        }
        const std::vector<hearth::ChatMessage> messages = readMessages(parser.value(messagesOption));

        hearth::ChatTemplate chat = hearth::ChatTemplate::select(source.jinja, source.bosToken, source.eosToken, family);
        if (parser.isSet(dateOption)) {
            chat.setDateString(parser.value(dateOption).toStdString());
        }
        const std::vector<hearth::PromptSegment> segments = chat.render(messages, !parser.isSet(noGenerationOption));

        if (parser.isSet(jsonOption)) {
            QJsonArray segmentArray;
            for (const hearth::PromptSegment &segment : segments) {
                segmentArray.append(QJsonObject{{u"text"_s, QString::fromStdString(segment.text)}, {u"trusted"_s, segment.trusted}});
            }
            const QJsonObject root{
                {u"family"_s, QString::fromLatin1(hearth::ChatTemplate::familyName(chat.family()))},
                {u"fallback"_s, chat.isFallback()},
                {u"segments"_s, segmentArray},
            };
            std::fputs(QJsonDocument(root).toJson(QJsonDocument::Indented).constData(), stdout);
            return 0;
        }
        if (chat.isFallback()) {
            std::fprintf(stderr, "hearth-cli: note: chat template not recognised, rendering as ChatML (choose another with --family)\n");
        } else if (chat.family() == hearth::TemplateFamily::Completion) {
            std::fprintf(stderr, "hearth-cli: note: no chat template, the conversation as plain text (choose a template with --family)\n");
        }
        for (const hearth::PromptSegment &segment : segments) {
            std::fwrite(segment.text.data(), 1, segment.text.size(), stdout);
        }
        return 0;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "hearth-cli: %s\n", error.what());
        return 1;
    }
}
