// SPDX-License-Identifier: GPL-3.0-or-later
#include "quantizer/Quantizer.h"

#include "gguf/GgufWriter.h"
#include "quant/TypeTraits.h"
#include "quantizer/HfConverter.h"
#include "quantizer/ImportanceMatrix.h"
#include "quantizer/QuantPermutation.h"
#include "quantizer/QuantSource.h"
#include "quantizer/QuantTypeMix.h"
#include "util/ThreadPool.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>

namespace hearth
{

namespace
{
struct TargetInfo {
    QuantTarget target;
    std::string_view name;
    GgmlType base;
    std::optional<uint32_t> fileType; // llama_ftype
};

constexpr std::array kTargets{
    TargetInfo{QuantTarget::F32, "F32", GgmlType::F32, 0},
    TargetInfo{QuantTarget::F16, "F16", GgmlType::F16, 1},
    TargetInfo{QuantTarget::BF16, "BF16", GgmlType::BF16, 32},
    TargetInfo{QuantTarget::Q8_K, "Q8_K", GgmlType::Q8_K, std::nullopt},
    TargetInfo{QuantTarget::Q8_0, "Q8_0", GgmlType::Q8_0, 7},
    TargetInfo{QuantTarget::Q6_K, "Q6_K", GgmlType::Q6_K, 18},
    TargetInfo{QuantTarget::Q5_K_M, "Q5_K_M", GgmlType::Q5_K, 17},
    TargetInfo{QuantTarget::Q4_K_M, "Q4_K_M", GgmlType::Q4_K, 15},
    TargetInfo{QuantTarget::Q4_0, "Q4_0", GgmlType::Q4_0, 2},
};

const TargetInfo &info(QuantTarget target)
{
    return *std::find_if(kTargets.begin(), kTargets.end(), [target](const TargetInfo &t) {
        return t.target == target;
    });
}

constexpr std::array<QuantTarget, kTargets.size()> kTargetList = [] {
    std::array<QuantTarget, kTargets.size()> list{};
    for (size_t i = 0; i < kTargets.size(); ++i) {
        list[i] = kTargets[i].target;
    }
    return list;
}();

bool isFloatType(GgmlType type)
{
    return type == GgmlType::F32 || type == GgmlType::F16 || type == GgmlType::BF16;
}

uint32_t metadataUInt(const QuantSource &source, std::string_view key)
{
    for (const auto &[name, value] : source.metadata()) {
        if (name == key && value.isInteger()) {
            return uint32_t(value.toUInt64());
        }
    }
    return 0;
}

std::string metadataString(const QuantSource &source, std::string_view key)
{
    for (const auto &[name, value] : source.metadata()) {
        if (name == key && value.type() == GgufValueType::String) {
            return value.toString();
        }
    }
    return {};
}

// Error sums of a run of elements, merged across threads.
struct ErrorSums {
    double squared = 0;
    double relative = 0;
    uint64_t relativeCount = 0;
    uint64_t count = 0;
    double maxAbs = 0;

    // Float sums in 8 lanes over runs of 256 elements let the compiler vectorise; the totals are double.
    void add(const float *x, const float *q, uint64_t n)
    {
        constexpr uint64_t kLanes = 8;
        constexpr uint64_t kRun = 256;
        uint64_t i = 0;
        for (; i + kRun <= n; i += kRun) {
            float sq[kLanes] = {};
            float rel[kLanes] = {};
            float mx[kLanes] = {};
            uint32_t counted[kLanes] = {};
            for (uint64_t k = i; k < i + kRun; k += kLanes) {
                for (uint64_t l = 0; l < kLanes; ++l) {
                    const float d = std::fabs(x[k + l] - q[k + l]);
                    const float ax = std::fabs(x[k + l]);
                    const bool relevant = ax > 1e-10f;
                    sq[l] += d * d;
                    mx[l] = std::max(mx[l], d);
                    rel[l] += relevant ? d / ax : 0.0f;
                    counted[l] += relevant ? 1u : 0u;
                }
            }
            for (uint64_t l = 0; l < kLanes; ++l) {
                squared += sq[l];
                relative += rel[l];
                relativeCount += counted[l];
                maxAbs = std::max(maxAbs, double(mx[l]));
            }
        }
        for (; i < n; ++i) {
            const float d = std::fabs(x[i] - q[i]);
            const float ax = std::fabs(x[i]);
            squared += double(d) * d;
            maxAbs = std::max(maxAbs, double(d));
            if (ax > 1e-10f) {
                relative += d / ax;
                ++relativeCount;
            }
        }
        count += n;
    }
    void merge(const ErrorSums &o)
    {
        squared += o.squared;
        relative += o.relative;
        relativeCount += o.relativeCount;
        count += o.count;
        maxAbs = std::max(maxAbs, o.maxAbs);
    }
    double rmse() const
    {
        return count ? std::sqrt(squared / double(count)) : 0.0;
    }
    double meanRel() const
    {
        return relativeCount ? relative / double(relativeCount) : 0.0;
    }
};

constexpr double kWarnMaxError = 1e-2;
constexpr double kWarnMeanRelError = 0.01;
// Rows decoded at once per thread: big enough to amortise the calls, small enough to stay in cache.
constexpr uint64_t kChunkElements = 1 << 15;

void checkCancel(const std::atomic_bool *cancel, const std::string &path)
{
    if (cancel && cancel->load(std::memory_order_relaxed)) {
        throw QuantCancelled(path + ": quantization cancelled");
    }
}
}

std::span<const QuantTarget> quantTargets()
{
    return kTargetList;
}

std::string_view quantTargetName(QuantTarget target)
{
    return info(target).name;
}

std::optional<QuantTarget> quantTargetFromName(std::string_view name)
{
    for (const TargetInfo &t : kTargets) {
        if (std::equal(t.name.begin(), t.name.end(), name.begin(), name.end(), [](char a, char b) {
                return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
            })) {
            return t.target;
        }
    }
    return std::nullopt;
}

GgmlType quantTargetBaseType(QuantTarget target)
{
    return info(target).base;
}

std::optional<uint32_t> quantTargetFileType(QuantTarget target)
{
    return info(target).fileType;
}

Quantizer::Quantizer(const std::string &path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        m_source = HfConverter::open(path);
        m_input.kind = QuantInput::Kind::HuggingFace;
        m_input.name = std::filesystem::path(path).filename().string();
    } else {
        m_source = QuantSource::openGguf(path);
        m_input.kind = QuantInput::Kind::Gguf;
    }
    const QuantSource &source = *m_source;
    m_input.path = path;
    m_input.architecture = metadataString(source, "general.architecture");
    if (m_input.architecture != "llama") {
        throw Error(path + ": architecture '" + m_input.architecture + "' is not supported (only llama)");
    }
    if (const std::string name = metadataString(source, "general.name"); !name.empty()) {
        m_input.name = name;
    }
    m_input.embedding = metadataUInt(source, "llama.embedding_length");
    m_input.layers = metadataUInt(source, "llama.block_count");
    m_input.heads = metadataUInt(source, "llama.attention.head_count");
    m_input.kvHeads = metadataUInt(source, "llama.attention.head_count_kv");
    m_input.feedForward = metadataUInt(source, "llama.feed_forward_length");
    m_input.contextLength = metadataUInt(source, "llama.context_length");
    m_input.tensorCount = uint32_t(source.tensors().size());
    std::map<GgmlType, uint64_t> weightBytes;
    for (const QuantSource::Tensor &t : source.tensors()) {
        m_input.parameterCount += t.elementCount();
        m_input.sizeBytes += t.bytes;
        if (t.shape.size() >= 2) {
            weightBytes[t.type] += t.bytes;
        }
        if (t.name == "token_embd.weight" && t.shape.size() == 2) {
            m_input.vocab = uint32_t(t.shape[1]);
        }
    }
    if (!weightBytes.empty()) {
        m_input.weightType = std::max_element(weightBytes.begin(), weightBytes.end(), [](const auto &a, const auto &b) {
                                 return a.second < b.second;
                             })->first;
    }
}

Quantizer::~Quantizer() = default;

const QuantInput &Quantizer::input() const
{
    return m_input;
}

std::vector<QuantTensorPlan> Quantizer::plan(QuantTarget target) const
{
    QuantModelFacts facts;
    facts.layers = m_input.layers;
    facts.hasOutput = std::any_of(m_source->tensors().begin(), m_source->tensors().end(), [](const QuantSource::Tensor &t) {
        return t.name == "output.weight";
    });
    std::vector<QuantTensorPlan> plan;
    for (const QuantSource::Tensor &t : m_source->tensors()) {
        const QuantTypeChoice choice = chooseQuantType(target, t.name, uint32_t(t.shape.size()), t.rowLength(), facts);
        plan.push_back({t.name, t.shape, t.type, choice.type, choice.fallback, rowBytes(choice.type, t.rowLength()) * t.rowCount()});
    }
    return plan;
}

uint64_t Quantizer::expectedOutputBytes(QuantTarget target) const
{
    uint64_t bytes = 0;
    for (const QuantTensorPlan &p : plan(target)) {
        bytes += p.bytes;
    }
    return bytes;
}

QuantReport Quantizer::run(const std::string &outputPath, const QuantOptions &options, const ProgressCallback &progress,
                           const std::atomic_bool *cancel)
{
    const auto started = std::chrono::steady_clock::now();
    std::error_code ec;
    if (std::filesystem::equivalent(outputPath, m_input.path, ec)) {
        throw Error(outputPath + ": the output would overwrite the input");
    }
    const std::vector<QuantTensorPlan> tensorPlan = plan(options.target);
    const QuantSource &source = *m_source;

    std::optional<ImportanceMatrix> imatrix;
    if (!options.imatrixPath.empty()) {
        imatrix = ImportanceMatrix::load(options.imatrixPath);
    }
    const std::unique_ptr<QuantPermutation> permutation = QuantPermutation::create(options.permutation, source, imatrix ? &*imatrix : nullptr);

    QuantReport report;
    report.input = m_input.path;
    report.output = outputPath;
    report.target = options.target;
    report.permutation = options.permutation;

    GgufWriter writer;
    for (const auto &[key, value] : source.metadata()) {
        if (key != "general.file_type" && key != "general.quantization_version") {
            writer.set(key, value);
        }
    }
    if (const auto fileType = quantTargetFileType(options.target)) {
        writer.set("general.file_type", GgufValue::uint32(*fileType));
    }
    const bool anyQuantized = std::any_of(tensorPlan.begin(), tensorPlan.end(), [](const QuantTensorPlan &p) {
        return !isFloatType(p.type);
    });
    if (anyQuantized) {
        writer.set("general.quantization_version", GgufValue::uint32(2));
    }
    if (imatrix) {
        writer.set("quantize.imatrix.file", GgufValue::string(options.imatrixPath));
        writer.set("quantize.imatrix.entries_count", GgufValue::int32(int32_t(imatrix->size())));
    }
    for (const QuantTensorPlan &p : tensorPlan) {
        writer.addTensor(p.name, p.type, p.shape);
    }

    ThreadPool pool(options.threads);
    ErrorSums total;
    ErrorSums totalUnpermuted;
    QuantProgress state;
    state.tensorCount = tensorPlan.size();
    state.bytesTotal = m_input.sizeBytes;
    writer.begin(outputPath);
    for (size_t index = 0; index < tensorPlan.size(); ++index) {
        checkCancel(cancel, outputPath);
        const QuantTensorPlan &p = tensorPlan[index];
        const QuantSource::Tensor &tensor = source.tensors()[index];
        state.tensorIndex = index;
        state.tensorName = p.name;
        if (progress) {
            progress(state);
        }
        const TypeTraits *traits = typeTraits(p.type);
        const uint64_t rowLength = tensor.rowLength();
        const uint64_t outRowBytes = rowBytes(p.type, rowLength);
        std::vector<float> importance;
        if (imatrix && traits->fromFloatWeighted) {
            importance = imatrix->importance(p.name);
            if (!importance.empty() && importance.size() != rowLength) {
                throw Error(options.imatrixPath + ": '" + p.name + "' has " + std::to_string(importance.size()) + " columns, the model "
                            + std::to_string(rowLength));
            }
        }
        const bool permuted = permutation && permutation->affects(index);
        const std::vector<float> unpermutedImportance = permuted ? importance : std::vector<float>{};
        if (permuted && !importance.empty()) {
            permutation->permuteColumns(index, importance.data());
        }
        const auto quantizeRows = [&](const float *x, uint8_t *dst, uint64_t n, const std::vector<float> &weights) {
            if (weights.empty()) {
                // The start-up path's kernel: the same bytes as fromFloat (KernelTest), vectorised where it exists.
                traits->quantizeRow(x, dst, int64_t(n * rowLength));
                return;
            }
            for (uint64_t i = 0; i < n; ++i) {
                traits->fromFloatWeighted(x + i * rowLength, dst + i * outRowBytes, int64_t(rowLength), weights.data());
            }
        };
        ErrorSums sums;
        ErrorSums unpermutedSums;
        std::mutex sumsMutex;
        pool.parallelFor(tensor.rowCount(), [&](size_t firstRow, size_t endRow) {
            const uint64_t chunkRows = std::max<uint64_t>(1, kChunkElements / rowLength);
            std::vector<float> x(chunkRows * rowLength);
            std::vector<float> q(options.report ? x.size() : 0);
            std::vector<uint8_t> out(chunkRows * outRowBytes);
            std::vector<uint8_t> scratch(permuted && options.report ? out.size() : 0);
            ErrorSums local;
            ErrorSums localUnpermuted;
            for (uint64_t r = firstRow; r < endRow; r += chunkRows) {
                checkCancel(cancel, outputPath);
                const uint64_t n = std::min<uint64_t>(chunkRows, endRow - r);
                const uint64_t elements = n * rowLength;
                uint8_t *dst = out.data();
                if (permuted) {
                    if (options.report) {
                        // The same rows without the permutation, measured only.
                        source.readRows(index, r, n, x.data());
                        quantizeRows(x.data(), scratch.data(), n, unpermutedImportance);
                        traits->toFloat(scratch.data(), q.data(), int64_t(elements));
                        localUnpermuted.add(x.data(), q.data(), elements);
                    }
                    permutation->readRows(index, r, n, x.data());
                } else {
                    source.readRows(index, r, n, x.data());
                }
                quantizeRows(x.data(), dst, n, importance);
                // Written from here rather than by the main thread afterwards: the copy into the page cache is
                // a sixth of the work and would otherwise run on one thread while the others wait.
                writer.writeTensorPart(index, r * outRowBytes, {dst, n * outRowBytes});
                if (options.report) {
                    traits->toFloat(dst, q.data(), int64_t(elements));
                    local.add(x.data(), q.data(), elements);
                }
            }
            const std::lock_guard lock(sumsMutex);
            sums.merge(local);
            unpermutedSums.merge(localUnpermuted);
        });
        writer.finishTensor(index);
        source.release(index);
        total.merge(sums);
        totalUnpermuted.merge(permuted ? unpermutedSums : sums);

        QuantTensorReport t;
        t.name = p.name;
        t.shape = p.shape;
        t.sourceType = p.sourceType;
        t.type = p.type;
        t.fallback = p.fallback;
        t.elements = tensor.elementCount();
        t.bytes = p.bytes;
        t.rmse = sums.rmse();
        t.maxAbsError = sums.maxAbs;
        t.meanRelError = sums.meanRel();
        if (permuted && options.report) {
            t.unpermuted = QuantError{unpermutedSums.rmse(), unpermutedSums.maxAbs, unpermutedSums.meanRel()};
        }
        t.warning = t.maxAbsError > kWarnMaxError || t.meanRelError > kWarnMeanRelError;
        if (t.fallback) {
            report.warnings.push_back(p.name + ": rows of " + std::to_string(rowLength) + " do not fit "
                                      + std::string(ggmlTypeName(quantTargetBaseType(options.target))) + "'s blocks; stored as "
                                      + std::string(ggmlTypeName(p.type)));
        }
        if (t.warning) {
            char line[256];
            std::snprintf(line, sizeof line, "%s: max error %.3g, mean relative error %.2f%%", p.name.c_str(), t.maxAbsError,
                          100.0 * t.meanRelError);
            report.warnings.emplace_back(line);
        }
        report.tensors.push_back(std::move(t));
        state.bytesDone += tensor.bytes;
    }
    writer.commit();
    if (progress) {
        state.tensorIndex = tensorPlan.size();
        state.tensorName.clear();
        progress(state);
    }

    report.rmse = total.rmse();
    report.maxAbsError = total.maxAbs;
    report.meanRelError = total.meanRel();
    if (permutation && options.report) {
        report.unpermuted = QuantError{totalUnpermuted.rmse(), totalUnpermuted.maxAbs, totalUnpermuted.meanRel()};
    }
    report.inputBytes = m_input.sizeBytes;
    report.outputBytes = std::filesystem::file_size(outputPath, ec);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

} // namespace hearth
