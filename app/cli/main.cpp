// SPDX-License-Identifier: GPL-3.0-or-later
#include "Commands.h"
#include "hearth-version.h"

#include <QCoreApplication>

#include <cstdio>
#include <functional>
#include <map>

using namespace Qt::StringLiterals;

namespace
{
struct Command {
    std::function<int(const QStringList &)> run;
    const char *summary;
};

const std::map<QString, Command> &commands()
{
    static const std::map<QString, Command> table{
        {u"synth"_s, {synthCommand, "Write a random-weight Llama model of a known shape and type"}},
        {u"inspect"_s, {inspectCommand, "Show a GGUF file's version, metadata and tensors"}},
        {u"template"_s, {templateCommand, "Render a conversation with a model's chat template"}},
        {u"tokenize"_s, {tokenizeCommand, "Encode text with a model's tokenizer, print ids and pieces"}},
        {u"run"_s, {runCommand, "Generate text from a prompt with a model"}},
        {u"perplexity"_s, {perplexityCommand, "Chunked perplexity on a text; KL divergence against a base model"}},
        {u"imatrix"_s, {imatrixCommand, "Compute an importance matrix from a calibration text"}},
        {u"chat"_s, {chatCommand, "Chat with a model interactively (the app's chat engine)"}},
    };
    return table;
}

void printUsage(FILE *out)
{
    std::fprintf(out, "Usage: hearth-cli COMMAND [OPTIONS]\n\nCommands:\n");
    for (const auto &[name, command] : commands()) {
        std::fprintf(out, "  %-12s %s\n", qPrintable(name), command.summary);
    }
    std::fprintf(out, "\n'hearth-cli COMMAND --help' describes a command's options. 'hearth-cli --version'.\n");
}
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"hearth-cli"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(HEARTH_VERSION_STRING));

    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    if (args.isEmpty() || args.first() == u"--help"_s || args.first() == u"-h"_s) {
        printUsage(args.isEmpty() ? stderr : stdout);
        return args.isEmpty() ? 2 : 0;
    }
    if (args.first() == u"--version"_s) {
        std::printf("hearth-cli %s\n", HEARTH_VERSION_STRING);
        return 0;
    }
    const auto it = commands().find(args.first());
    if (it == commands().end()) {
        std::fprintf(stderr, "hearth-cli: unknown command '%s'\n\n", qPrintable(args.first()));
        printUsage(stderr);
        return 2;
    }
    return it->second.run(args);
}
