// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

// hearth-cli subcommands. Each takes its arguments (the subcommand name first, as argv[0] for
// QCommandLineParser) and returns the process exit code.
