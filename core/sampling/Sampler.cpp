// SPDX-License-Identifier: GPL-3.0-or-later
#include "sampling/Sampler.h"

#include "util/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth
{

namespace
{
uint64_t resolveSeed(uint64_t seed)
{
    if (seed != 0) {
        return seed;
    }
    std::random_device device;
    const uint64_t drawn = (uint64_t(device()) << 32) | device();
    return drawn == 0 ? 1 : drawn;
}
}

Sampler::Sampler(SamplingParams params)
    : m_params(params)
    , m_seed(resolveSeed(params.seed))
    , m_rng(m_seed)
{
}

void Sampler::accept(int32_t token)
{
    if (m_params.repeatLastN == 0) {
        return;
    }
    m_history.push_back(token);
    const auto limit = static_cast<size_t>(m_params.repeatLastN);
    if (m_params.repeatLastN > 0 && m_history.size() > limit) {
        m_history.erase(m_history.begin(), m_history.end() - static_cast<std::ptrdiff_t>(limit));
    }
}

void Sampler::reset()
{
    m_history.clear();
}

void Sampler::applyPenalties(std::span<float> logits) const
{
    if (m_params.repeatPenalty == 1.0f || m_history.empty()) {
        return;
    }
    // llama.cpp penalises a token once however often it occurred.
    std::vector<int32_t> distinct = m_history;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    for (const int32_t token : distinct) {
        if (token < 0 || static_cast<size_t>(token) >= logits.size()) {
            continue;
        }
        float &logit = logits[static_cast<size_t>(token)];
        logit = logit <= 0.0f ? logit * m_params.repeatPenalty : logit / m_params.repeatPenalty;
    }
}

double Sampler::nextUniform()
{
    // 53 random bits: the same draws on every platform, unlike std::uniform_real_distribution.
    return static_cast<double>(m_rng() >> 11) * 0x1.0p-53;
}

int32_t Sampler::sample(std::span<const float> logits)
{
    if (logits.empty()) {
        throw Error("sampler: the model produced no logits");
    }
    if (logits.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
        throw Error("sampler: more logits than token ids");
    }
    constexpr float negInf = -std::numeric_limits<float>::infinity();
    m_logits.assign(logits.begin(), logits.end());
    for (float &logit : m_logits) {
        if (std::isnan(logit)) {
            logit = negInf; // keeps the ordering below a strict weak order
        }
    }
    applyPenalties(m_logits);

    m_candidates.resize(m_logits.size());
    for (size_t i = 0; i < m_logits.size(); ++i) {
        m_candidates[i] = {static_cast<int32_t>(i), m_logits[i]};
    }
    // Highest logit first; equal logits by id, so results never depend on the sort's stability.
    const auto higher = [](const Candidate &a, const Candidate &b) {
        return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
    };

    if (m_params.temperature <= 0.0f) {
        return std::min_element(m_candidates.begin(), m_candidates.end(), higher)->id;
    }

    // Top-k, leaving the survivors sorted for the stages below.
    size_t keep = m_candidates.size();
    if (m_params.topK > 0) {
        keep = std::min(keep, static_cast<size_t>(m_params.topK));
    }
    std::partial_sort(m_candidates.begin(), m_candidates.begin() + static_cast<std::ptrdiff_t>(keep), m_candidates.end(), higher);
    m_candidates.resize(keep);

    const float maxLogit = m_candidates.front().logit;
    if (std::isinf(maxLogit)) {
        // +inf: that token is certain; -inf: nothing is possible, take the lowest id.
        return m_candidates.front().id;
    }

    // Top-p: the smallest prefix whose probability (at temperature 1, over the top-k survivors) reaches p.
    if (m_params.topP < 1.0f) {
        m_weights.resize(m_candidates.size());
        double total = 0.0;
        for (size_t i = 0; i < m_candidates.size(); ++i) {
            m_weights[i] = std::exp(double(m_candidates[i].logit) - double(maxLogit));
            total += m_weights[i];
        }
        double cumulative = 0.0;
        for (size_t i = 0; i < m_candidates.size(); ++i) {
            cumulative += m_weights[i] / total;
            if (cumulative >= double(m_params.topP)) {
                m_candidates.resize(i + 1);
                break;
            }
        }
    }

    // Min-p: tokens at least minP times as likely as the most likely one, i.e. logit >= max + log(minP).
    if (m_params.minP > 0.0f) {
        const double threshold = double(maxLogit) + std::log(double(m_params.minP));
        const auto firstBelow = std::find_if(m_candidates.begin() + 1, m_candidates.end(), [threshold](const Candidate &c) {
            return double(c.logit) < threshold;
        });
        m_candidates.erase(firstBelow, m_candidates.end());
    }

    // Temperature, softmax and the draw.
    const double invTemperature = 1.0 / double(m_params.temperature);
    m_weights.resize(m_candidates.size());
    double total = 0.0;
    for (size_t i = 0; i < m_candidates.size(); ++i) {
        m_weights[i] = std::exp((double(m_candidates[i].logit) - double(maxLogit)) * invTemperature);
        total += m_weights[i];
    }
    const double target = nextUniform() * total;
    double cumulative = 0.0;
    size_t lastPossible = 0; // rounding can leave target at the total: then the last token with weight
    for (size_t i = 0; i < m_candidates.size(); ++i) {
        cumulative += m_weights[i];
        if (m_weights[i] > 0.0) {
            lastPossible = i;
        }
        if (target < cumulative) {
            return m_candidates[i].id;
        }
    }
    return m_candidates[lastPossible].id;
}

} // namespace hearth
