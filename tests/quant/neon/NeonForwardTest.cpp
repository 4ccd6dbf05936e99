// SPDX-License-Identifier: GPL-3.0-or-later
// Hearth's whole forward pass on aarch64 (run under qemu-user): the real stories260K model from ../shared,
// tokenized and evaluated with the kernels of the active path, against llama.cpp's reference (prompt ids,
// logits after the prompt, 64 greedy tokens) as LlamaReferenceTest checks it on x86. A plain C++ program,
// not Qt Test, only because no Qt for aarch64 exists on the build machine (so the JSON is read by hand).
//
// Usage: NeonForwardTest SHARED_DIR   (exits 77, "skipped", when the model or the reference is absent)
#include "cpu/CpuFeatures.h"
#include "model/LlamaContext.h"
#include "model/LlamaModel.h"
#include "tokenizer/Tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace hearth;

namespace
{
struct Case {
    std::string prompt;
    std::vector<int32_t> tokens;
    std::vector<double> lastLogits;
    std::vector<int32_t> greedy;
};

// The reference file's layout: "cases": [{"prompt": "...", "tokens": [...], "last_logits": [...], "greedy": [...]}];
// the prompts hold no escaped characters.
class ReferenceReader
{
public:
    explicit ReferenceReader(std::string text)
        : m_text(std::move(text))
    {
    }

    bool next(Case &c)
    {
        return string("\"prompt\"", c.prompt) && numbers("\"tokens\"", c.tokens) && numbers("\"last_logits\"", c.lastLogits)
            && numbers("\"greedy\"", c.greedy);
    }

private:
    bool seek(const char *key)
    {
        const size_t at = m_text.find(key, m_pos);
        if (at == std::string::npos) {
            return false;
        }
        m_pos = m_text.find_first_of("\"[", at + std::string(key).size());
        return m_pos != std::string::npos;
    }

    bool string(const char *key, std::string &out)
    {
        if (!seek(key) || m_text[m_pos] != '"') {
            return false;
        }
        const size_t end = m_text.find('"', m_pos + 1);
        out = m_text.substr(m_pos + 1, end - m_pos - 1);
        m_pos = end + 1;
        return true;
    }

    template<typename T>
    bool numbers(const char *key, std::vector<T> &out)
    {
        if (!seek(key) || m_text[m_pos] != '[') {
            return false;
        }
        const size_t end = m_text.find(']', m_pos);
        std::istringstream list(m_text.substr(m_pos + 1, end - m_pos - 1));
        out.clear();
        for (std::string item; std::getline(list, item, ',');) {
            out.push_back(T(std::strtod(item.c_str(), nullptr)));
        }
        m_pos = end + 1;
        return true;
    }

    std::string m_text;
    size_t m_pos = 0;
};

int32_t argmax(std::span<const float> logits)
{
    return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

std::string join(const std::vector<int32_t> &ids)
{
    std::string s;
    for (const int32_t id : ids) {
        s += (s.empty() ? "" : " ") + std::to_string(id);
    }
    return s;
}
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s SHARED_DIR\n", argv[0]);
        return 2;
    }
    const std::string shared = argv[1];
    const std::string modelPath = shared + "/models/stories260K.gguf";
    std::ifstream referenceFile(shared + "/reference/stories260K-llamacpp.json");
    if (!referenceFile || !std::ifstream(modelPath)) {
        std::printf("SKIP: %s or its reference is absent\n", modelPath.c_str());
        return 77;
    }
    std::stringstream text;
    text << referenceFile.rdbuf();
    ReferenceReader reader(text.str());

    // The scalar path has LlamaReferenceTest's tolerance. The SIMD paths sum in another order, and the F16 KV cache
    // (llama.cpp's too) now and then rounds a key or value that differs in its last float bits to the neighbouring
    // half: one F16 step is 2^-11 relative, about 5e-3 on these logits (|logit| <= 10). Measured: 3.0e-3 on the second
    // prompt; with an F32 cache neon stays within 2e-6 of the scalar path, and with the scalar F32 dot product (double
    // sums) in place of neon's it is back at 5e-5 from llama.cpp.
    const double tolerance = cpu::activePath() == cpu::Path::Scalar ? 1e-3 : 5e-3;
    std::printf("path %s, logit tolerance %g\n", cpu::pathName(cpu::activePath()).data(), tolerance);
    int failures = 0;
    int cases = 0;
    try {
        const auto model = LlamaModel::load(modelPath);
        for (Case c; reader.next(c); ++cases) {
            const std::vector<int32_t> prompt = model->tokenizer().encode(c.prompt, true);
            if (prompt != c.tokens) {
                std::printf("FAIL \"%s\": tokens %s, reference %s\n", c.prompt.c_str(), join(prompt).c_str(), join(c.tokens).c_str());
                ++failures;
                continue;
            }
            LlamaContext context(*model, ContextParams{.nCtx = 256, .nThreads = 2});
            std::span<const float> logits = context.eval(prompt);
            double maxDiff = logits.size() == c.lastLogits.size() ? 0.0 : INFINITY;
            for (size_t i = 0; i < logits.size() && i < c.lastLogits.size(); ++i) {
                maxDiff = std::max(maxDiff, std::abs(double(logits[i]) - c.lastLogits[i]));
            }
            std::vector<int32_t> greedy;
            while (greedy.size() < c.greedy.size()) {
                greedy.push_back(argmax(logits));
                logits = context.eval(std::span(&greedy.back(), 1));
            }
            const bool ok = maxDiff <= tolerance && greedy == c.greedy && c.greedy.size() == 64;
            std::printf("%s \"%s\": max |logit - llama.cpp| = %g, %zu greedy tokens %s\n", ok ? "PASS" : "FAIL", c.prompt.c_str(), maxDiff,
                        greedy.size(), greedy == c.greedy ? "match" : ("differ: " + join(greedy)).c_str());
            failures += ok ? 0 : 1;
        }
    } catch (const std::exception &e) {
        std::printf("FAIL: %s\n", e.what());
        return 1;
    }
    if (cases != 3) {
        std::printf("FAIL: %d cases read from the reference, expected 3\n", cases);
        return 1;
    }
    return failures == 0 ? 0 : 1;
}
