// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "quant/GgmlType.h"
#include "util/Error.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth
{

// Converts a Llama checkpoint (a GGUF file in F32/F16/BF16, or a Hugging Face model folder) into a GGUF
// file of one target type, and measures what the quantization lost.
//
// How a caller (hearth-quantize, the desktop wizard) drives it:
//
//   Quantizer quantizer(path);                      // opens and validates; throws hearth::Error "PATH: problem"
//   const QuantInput &in = quantizer.input();       // what the wizard shows: kind, architecture, shape, size
//   for (QuantTarget t : quantTargets())            // choices with their exact output sizes
//       quantizer.expectedOutputBytes(t);
//   QuantOptions options{.target = QuantTarget::Q4_K_M, .threads = 2};
//   std::atomic_bool cancel{false};
//   QuantReport report = quantizer.run(outPath, options,
//       [](const QuantProgress &p) { ... }, &cancel);  // blocking: call it from a worker thread
//                                                      // (QtConcurrent::run); the progress callback runs on
//                                                      // that thread, so forward it with a queued signal.
//
// run() streams the model tensor by tensor (memory stays near two of the largest tensor), writes to a
// temporary file beside outPath and renames it only when complete; the input is never modified. Setting
// *cancel makes run() throw QuantCancelled soon after (the temporary file is removed). Every other failure,
// a full disk included, throws hearth::Error naming the file and the problem.
//
// A Quantizer is not thread-safe: one run() at a time; input() and expectedOutputBytes() are cheap.

// The output types a person chooses from. The _M mixes keep chosen tensors at higher precision, with
// llama.cpp's rules; F32 exists for converting a Hugging Face folder without losing anything.
enum class QuantTarget { F32, F16, BF16, Q8_K, Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0 };

std::span<const QuantTarget> quantTargets(); // all of them, most precise first
std::string_view quantTargetName(QuantTarget target); // "Q4_K_M"
std::optional<QuantTarget> quantTargetFromName(std::string_view name); // case-insensitive
// The type most 2-D weights get (Q4_K for Q4_K_M).
GgmlType quantTargetBaseType(QuantTarget target);
// llama.cpp's general.file_type (llama_ftype) for the target; nullopt where llama.cpp has none (Q8_K).
std::optional<uint32_t> quantTargetFileType(QuantTarget target);

// What the input holds, read when the Quantizer is constructed.
struct QuantInput {
    enum class Kind { Gguf, HuggingFace };
    Kind kind = Kind::Gguf;
    std::string path; // the GGUF file or the Hugging Face folder
    std::string name; // general.name, or the folder name
    std::string architecture; // "llama"
    uint32_t embedding = 0;
    uint32_t layers = 0;
    uint32_t heads = 0;
    uint32_t kvHeads = 0;
    uint32_t feedForward = 0;
    uint32_t vocab = 0;
    uint32_t contextLength = 0;
    uint64_t parameterCount = 0; // elements of all tensors
    uint32_t tensorCount = 0;
    uint64_t sizeBytes = 0; // tensor data bytes of the input
    GgmlType weightType = GgmlType::F32; // the type of most of the input's 2-D weights
};

// One tensor of the output: what it becomes for a target. fallback is set when the target type's block
// does not divide the row length and a type that fits was chosen instead.
struct QuantTensorPlan {
    std::string name;
    std::vector<uint64_t> shape; // ne, innermost first
    GgmlType sourceType;
    GgmlType type;
    bool fallback = false;
    uint64_t bytes = 0; // output bytes
};

struct QuantOptions {
    QuantTarget target = QuantTarget::Q8_0;
    unsigned threads = 0; // 0: one per hardware thread
    // An importance matrix (hearth-cli imatrix) weighting the error the K-quants and Q4_0 minimise.
    std::string imatrixPath;
    // Function-preserving permutation applied before quantizing: "none" (default) or a strategy name from
    // QuantPermutation::names().
    std::string permutation = "none";
    // Measure the error of every tensor (dequantizes each one after quantizing: about 10% slower).
    bool report = true;
};

std::span<const std::string_view> quantPermutationNames();

struct QuantProgress {
    size_t tensorIndex = 0; // 0-based index of the tensor being written
    size_t tensorCount = 0;
    std::string tensorName;
    uint64_t bytesDone = 0; // input tensor bytes processed so far
    uint64_t bytesTotal = 0;
};

struct QuantError {
    double rmse = 0;
    double maxAbsError = 0;
    double meanRelError = 0;
};

// Error of one tensor: RMSE, max |x - q(x)|, and mean of |x - q(x)| / |x| over elements with |x| > 1e-10.
struct QuantTensorReport {
    std::string name;
    std::vector<uint64_t> shape;
    GgmlType sourceType = GgmlType::F32;
    GgmlType type = GgmlType::F32;
    bool fallback = false;
    uint64_t elements = 0;
    uint64_t bytes = 0;
    double rmse = 0;
    double maxAbsError = 0;
    double meanRelError = 0;
    bool warning = false; // maxAbsError > 1e-2 or meanRelError > 1%
    // With a permutation: the error the same tensor has when quantized without it.
    std::optional<QuantError> unpermuted;
};

struct QuantReport {
    std::string input;
    std::string output;
    QuantTarget target = QuantTarget::Q8_0;
    std::string permutation;
    std::vector<QuantTensorReport> tensors;
    // Over all elements of all tensors (RMSE and mean relative error weighted by element count).
    double rmse = 0;
    double maxAbsError = 0;
    double meanRelError = 0;
    std::optional<QuantError> unpermuted;
    uint64_t inputBytes = 0;
    uint64_t outputBytes = 0; // the output file's size
    double seconds = 0;
    std::vector<std::string> warnings; // one line per tensor over the thresholds, and fallbacks

    std::string toJson() const;
    std::string toTable() const; // fixed-width text table for terminals
};

class QuantCancelled : public Error
{
public:
    using Error::Error;
};

class QuantSource;

class Quantizer
{
public:
    using ProgressCallback = std::function<void(const QuantProgress &)>;

    // `path`: a GGUF file, or a folder with config.json (Hugging Face). Throws hearth::Error.
    explicit Quantizer(const std::string &path);
    ~Quantizer();
    Quantizer(const Quantizer &) = delete;
    Quantizer &operator=(const Quantizer &) = delete;

    const QuantInput &input() const;

    // Per-tensor types for a target (fallbacks included), and the exact tensor data bytes of the output;
    // the file adds the metadata (the vocabulary: up to a few MB).
    std::vector<QuantTensorPlan> plan(QuantTarget target) const;
    uint64_t expectedOutputBytes(QuantTarget target) const;

    QuantReport run(const std::string &outputPath, const QuantOptions &options, const ProgressCallback &progress = {},
                    const std::atomic_bool *cancel = nullptr);

private:
    std::unique_ptr<QuantSource> m_source;
    QuantInput m_input;
};

} // namespace hearth
