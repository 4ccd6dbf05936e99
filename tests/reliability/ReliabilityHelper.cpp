// SPDX-License-Identifier: GPL-3.0-or-later
// A child process for the reliability tests, which kill it, truncate its files or make it fault:
//   touch-mapped FILE     map a GGUF file, say "mapped", wait for a line on stdin, then read every tensor byte
//   foreign-sigbus FILE   map a GGUF file, then raise a SIGBUS that is not about the mapping
//   store-writer DB       write conversations and stream replies into a ConversationStore until killed,
//                         printing what is committed ("conversation ID", "reply ID LENGTH")
//   gguf-writer FILE      write a 64 MiB GGUF file tensor by tensor through GgufWriter (as the quantizer
//                         does), printing "tensor N" after each; killed before it finishes
#include "storage/ConversationStore.h"
#include "gguf/GgufFile.h"
#include "gguf/GgufWriter.h"
#include "util/Error.h"

#include <QCoreApplication>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

using namespace hearth;

namespace
{
int touchMapped(const std::string &path)
{
    const auto file = GgufFile::open(path);
    std::printf("mapped\n");
    std::fflush(stdout);
    std::string line;
    std::getline(std::cin, line);
    uint64_t sum = 0;
    for (const auto &tensor : file->tensors()) {
        for (uint64_t i = 0; i < tensor.nbytes; ++i) {
            sum += tensor.data[i];
        }
    }
    std::printf("sum %llu\n", static_cast<unsigned long long>(sum));
    return 0;
}

int foreignSigbus(const std::string &path)
{
    const auto file = GgufFile::open(path);
    std::raise(SIGBUS);
    return 0;
}

int ggufWriter(const std::string &path)
{
    GgufWriter writer;
    writer.set("general.architecture", GgufValue::string("llama"));
    constexpr int tensors = 64;
    for (int i = 0; i < tensors; ++i) {
        writer.addTensor("t" + std::to_string(i), GgmlType::F32, {512, 512});
    }
    writer.begin(path);
    const std::vector<uint8_t> data(writer.tensorBytes(0), 1);
    for (size_t i = 0; i < tensors; ++i) {
        writer.writeTensorData(i, data);
        std::printf("tensor %zu\n", i);
        std::fflush(stdout);
        // Slow enough that the test's kill lands while tensors are still being written.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    writer.commit();
    std::printf("committed\n");
    return 0;
}

// Each line is printed after the change it reports has been committed.
int storeWriter(const QString &path)
{
    ConversationStore store;
    if (!store.open(path)) {
        std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
        return 1;
    }
    for (int n = 0;; ++n) {
        const qint64 conversation = store.createConversation(QStringLiteral("Conversation %1").arg(n));
        StoredMessage user;
        user.role = QStringLiteral("user");
        user.content = QStringLiteral("Question %1 ").repeated(20).arg(n);
        if (conversation <= 0 || store.addMessage(conversation, user) <= 0) {
            std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
            return 1;
        }
        std::printf("conversation %lld\n", static_cast<long long>(conversation));
        std::fflush(stdout);
        StoredMessage reply;
        reply.role = QStringLiteral("assistant");
        reply.id = store.addMessage(conversation, reply);
        reply.conversationId = conversation;
        for (int token = 0; token < 40; ++token) {
            reply.content += QStringLiteral("word%1 ").arg(token);
            reply.completionTokens = token + 1;
            if (!store.updateMessage(reply)) {
                std::fprintf(stderr, "%s\n", qPrintable(store.errorString()));
                return 1;
            }
            std::printf("reply %lld %lld\n", static_cast<long long>(reply.id), static_cast<long long>(reply.content.size()));
            std::fflush(stdout);
        }
    }
}
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s touch-mapped|foreign-sigbus|store-writer PATH\n", argv[0]);
        return 2;
    }
    const std::string command = argv[1];
    try {
        if (command == "touch-mapped") {
            return touchMapped(argv[2]);
        }
        if (command == "foreign-sigbus") {
            return foreignSigbus(argv[2]);
        }
        if (command == "gguf-writer") {
            return ggufWriter(argv[2]);
        }
        if (command == "store-writer") {
            return storeWriter(QString::fromLocal8Bit(argv[2]));
        }
    } catch (const Error &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "unknown command %s\n", argv[1]);
    return 2;
}
