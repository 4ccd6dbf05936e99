// SPDX-License-Identifier: GPL-3.0-or-later
// Any bytes as a conversation export (JSON) imported into a real SQLite ConversationStore: the import either
// adds a conversation that reads back, or fails with a message and leaves the store as it was (all or nothing).
#include "FuzzSupport.h"

#include "storage/ConversationStore.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTemporaryDir>

namespace
{
struct Setup {
    QTemporaryDir dir;
    hearth::ConversationStore store;
};

Setup *g_setup = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static QCoreApplication app(*argc, *argv);
    // A warning per rejected input would slow the run down to the speed of the terminal.
    QLoggingCategory::setFilterRules(QStringLiteral("org.hearthapp.storage=false"));
    g_setup = new Setup; // lives until exit, as libFuzzer never returns from its loop
    if (!g_setup->dir.isValid() || !g_setup->store.open(g_setup->dir.filePath(QStringLiteral("fuzz.sqlite")))) {
        fuzz::violated("the store opens");
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hearth::ConversationStore &store = g_setup->store;
    const QByteArray json = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const bool keepId = size > 0 && data[0] == '{' && size % 2 == 0;
    const qint64 id = store.importJson(json, QStringLiteral("fuzz.json"), keepId);
    if (id > 0) {
        fuzz::require(store.conversation(id).has_value(), "an imported conversation reads back");
        store.messages(id);
        store.exportJson(id);
        store.exportMarkdown(id);
        fuzz::require(store.deleteConversation(id), "an imported conversation can be deleted");
    } else {
        fuzz::require(!store.errorString().isEmpty(), "a failed import says why");
    }
    fuzz::require(store.conversations().isEmpty(), "a failed import leaves nothing behind");
    return 0;
}
