// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

// What the Models page shows about one GGUF file, read from its header and tensor directory only (the
// weights are not touched, so reading is fast even for large files). Runs on any thread.
struct ModelFileInfo {
    QString path; // absolute
    QString fileName;
    // The file name without ".gguf": what people call their files (general.name is often just "llama").
    QString name;
    QString architecture; // general.architecture ("llama")
    qint64 parameterCount = 0; // elements of all tensors
    QString quantization; // general.file_type's name (Q4_K_M), else the type holding most weight bytes
    qint64 fileSize = 0;
    qint64 contextLength = 0; // <arch>.context_length, 0 when absent
    QString templateFamily; // "llama3", "chatml", ...; empty when the file has no recognised template
    bool hasTemplate = false; // tokenizer.chat_template is present (recognised or not)
    // Set when the file cannot be used: "FILE: problem" (not GGUF, truncated, ...). The other fields
    // except path, fileName, name and fileSize are then empty.
    QString error;

    bool isValid() const
    {
        return error.isEmpty();
    }

    static ModelFileInfo read(const QString &path);

    // "260K", "6.7M", "1.1B": the usual way to name a model's size.
    static QString formatParameterCount(qint64 count);
    // An engine error "PATH: problem" as the UI shows it: "FILE NAME: problem" (the full path is long and the
    // page shows the folder anyway).
    static QString errorMessage(const QString &path, const char *what);
    // llama.cpp's name for a general.file_type (llama_ftype) value; empty for values it does not define.
    static QString fileTypeName(quint32 fileType);
};
