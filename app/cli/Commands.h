// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

// hearth-cli subcommands. Each takes its arguments (the subcommand name first, as argv[0] for
// QCommandLineParser) and returns the process exit code.

int tokenizeCommand(const QStringList &args);
int inspectCommand(const QStringList &args);
int templateCommand(const QStringList &args);
int runCommand(const QStringList &args);
int synthCommand(const QStringList &args);
int perplexityCommand(const QStringList &args);
int imatrixCommand(const QStringList &args);
int chatCommand(const QStringList &args);
