// SPDX-License-Identifier: GPL-3.0-or-later
#include "quant/ScaleSearch.h"

#include "quant/QuantUtil.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

namespace hearth::quant
{

namespace
{
// Groups whose largest value is below this are treated as all zero.
constexpr float kGroupMaxEps = 1e-15f;
constexpr int kMaxAffineGroup = 32;

int symmetricLevel(float v, int nmax)
{
    return std::clamp(nearestInt(v), -nmax, nmax - 1);
}

// The same with min/max of values rather than std::clamp's references, which the vectoriser handles.
int laneSymmetricLevel(float v, int nmax)
{
    return std::min(std::max(nearestInt(v), -nmax), nmax - 1);
}
}

float makeQxQuants(int n, int nmax, const float *x, int8_t *L, const float *weights)
{
    float max = 0;
    float amax = 0;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < kGroupMaxEps) {
        std::memset(L, 0, size_t(n));
        return 0.f;
    }
    const auto weight = [&](int i) { return weights ? weights[i] : x[i] * x[i]; };

    // The signed maximum maps to -nmax, the one level that has no positive counterpart.
    float iscale = -float(nmax) / max;
    float sumlx = 0;
    float suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = symmetricLevel(iscale * x[i], nmax);
        L[i] = int8_t(l + nmax);
        const float w = weight(i);
        sumlx += w * x[i] * float(l);
        suml2 += w * float(l) * float(l);
    }
    float scale = suml2 > 0 ? sumlx / suml2 : 0.0f;
    // With the least-squares scale, the weighted error is sum(w x^2) - sumlx^2 / suml2: maximise the latter.
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) {
            continue;
        }
        iscale = -(float(nmax) + 0.1f * float(is)) / max;
        sumlx = 0;
        suml2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = symmetricLevel(iscale * x[i], nmax);
            const float w = weight(i);
            sumlx += w * x[i] * float(l);
            suml2 += w * float(l) * float(l);
        }
        if (suml2 > 0 && sumlx * sumlx > best * suml2) {
            for (int i = 0; i < n; ++i) {
                L[i] = int8_t(nmax + symmetricLevel(iscale * x[i], nmax));
            }
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

void makeQxQuants16(int nmax, const float *x, int8_t *L, const float *weights, float *scales)
{
    constexpr int G = 16; // groups (lanes)
    constexpr int N = 16; // elements per group
    float xs[N][G];
    float ws[N][G];
    for (int g = 0; g < G; ++g) {
        for (int i = 0; i < N; ++i) {
            const float v = x[N * g + i];
            xs[i][g] = v;
            ws[i][g] = weights ? weights[N * g + i] : v * v;
        }
    }
    float max[G] = {};
    float amax[G] = {};
    for (int i = 0; i < N; ++i) {
        for (int g = 0; g < G; ++g) {
            const float ax = std::fabs(xs[i][g]);
            const bool larger = ax > amax[g];
            amax[g] = larger ? ax : amax[g];
            max[g] = larger ? xs[i][g] : max[g];
        }
    }
    const float fmax = float(nmax);
    int levels[N][G];
    int candidate[N][G];
    float scale[G];
    float best[G];
    float iscale[G];
    float sumlx[G] = {};
    float suml2[G] = {};
    for (int g = 0; g < G; ++g) {
        iscale[g] = -fmax / max[g];
    }
    for (int i = 0; i < N; ++i) {
        for (int g = 0; g < G; ++g) {
            const int l = laneSymmetricLevel(iscale[g] * xs[i][g], nmax);
            levels[i][g] = l;
            const float w = ws[i][g];
            sumlx[g] += w * xs[i][g] * float(l);
            suml2[g] += w * float(l) * float(l);
        }
    }
    for (int g = 0; g < G; ++g) {
        scale[g] = suml2[g] > 0 ? sumlx[g] / suml2[g] : 0.0f;
        best[g] = scale[g] * sumlx[g];
    }
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) {
            continue;
        }
        for (int g = 0; g < G; ++g) {
            iscale[g] = -(fmax + 0.1f * float(is)) / max[g];
            sumlx[g] = 0;
            suml2[g] = 0;
        }
        for (int i = 0; i < N; ++i) {
            for (int g = 0; g < G; ++g) {
                const int l = laneSymmetricLevel(iscale[g] * xs[i][g], nmax);
                candidate[i][g] = l;
                const float w = ws[i][g];
                sumlx[g] += w * xs[i][g] * float(l);
                suml2[g] += w * float(l) * float(l);
            }
        }
        bool better[G];
        for (int g = 0; g < G; ++g) {
            better[g] = suml2[g] > 0 && sumlx[g] * sumlx[g] > best[g] * suml2[g];
            const float s = sumlx[g] / suml2[g];
            scale[g] = better[g] ? s : scale[g];
            best[g] = better[g] ? s * sumlx[g] : best[g];
        }
        for (int i = 0; i < N; ++i) {
            for (int g = 0; g < G; ++g) {
                levels[i][g] = better[g] ? candidate[i][g] : levels[i][g];
            }
        }
    }
    for (int g = 0; g < G; ++g) {
        const bool zero = amax[g] < kGroupMaxEps;
        for (int i = 0; i < N; ++i) {
            L[N * g + i] = zero ? int8_t(0) : int8_t(levels[i][g] + nmax);
        }
        scales[g] = zero ? 0.f : scale[g];
    }
}

float makeQkxQuants(int n, int nmax, const float *x, const float *weights, uint8_t *L, float *minOut,
                    AffineSearch search)
{
    assert(n <= kMaxAffineGroup);
    float min = x[0];
    float max = x[0];
    float sumW = weights[0];
    float sumX = sumW * x[0];
    for (int i = 1; i < n; ++i) {
        min = std::min(min, x[i]);
        max = std::max(max, x[i]);
        sumW += weights[i];
        sumX += weights[i] * x[i];
    }
    min = std::min(min, 0.f); // the offset only ever lowers the range
    if (!(max > min)) {
        std::memset(L, 0, size_t(n));
        *minOut = -min;
        return 0.f;
    }
    // Levels for a candidate: clamp before rounding, since a refitted min can lie near max.
    const auto level = [nmax](float v) { return v > 0 ? nearestInt(std::min(v, float(nmax))) : 0; };
    const auto error = [&](const uint8_t *levels, float scale, float offset) {
        float sum = 0;
        for (int i = 0; i < n; ++i) {
            const float diff = scale * float(levels[i]) + offset - x[i];
            sum += weights[i] * (diff * diff);
        }
        return sum;
    };

    float iscale = float(nmax) / (max - min);
    float scale = 1 / iscale;
    for (int i = 0; i < n; ++i) {
        L[i] = uint8_t(level(iscale * (x[i] - min)));
    }
    float bestError = error(L, scale, min);

    uint8_t candidate[kMaxAffineGroup];
    for (int step = 0; step <= search.steps; ++step) {
        iscale = (search.rmin + search.rdelta * float(step) + float(nmax)) / (max - min);
        float sumL = 0;
        float sumL2 = 0;
        float sumXL = 0;
        for (int i = 0; i < n; ++i) {
            const int l = level(iscale * (x[i] - min));
            candidate[i] = uint8_t(l);
            const float w = weights[i];
            sumL += w * float(l);
            sumL2 += w * float(l) * float(l);
            sumXL += w * float(l) * x[i];
        }
        // Weighted least squares for scale and offset given the levels.
        const float D = sumW * sumL2 - sumL * sumL;
        if (D > 0) {
            float thisScale = (sumW * sumXL - sumX * sumL) / D;
            float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
            if (thisMin > 0) {
                thisMin = 0;
                thisScale = sumXL / sumL2;
            }
            const float thisError = error(candidate, thisScale, thisMin);
            if (thisError < bestError) {
                std::memcpy(L, candidate, size_t(n));
                bestError = thisError;
                scale = thisScale;
                min = thisMin;
            }
        }
    }
    *minOut = -min;
    return scale;
}

void makeQkxQuants8(int nmax, const float *x, const float *weights, uint8_t *L, float *scales, float *mins, AffineSearch search)
{
    constexpr int G = 8; // groups (lanes)
    constexpr int N = 32; // elements per group
    // Transposed copies: element i of every group side by side.
    float xs[N][G];
    float ws[N][G];
    for (int g = 0; g < G; ++g) {
        for (int i = 0; i < N; ++i) {
            xs[i][g] = x[N * g + i];
            ws[i][g] = weights[N * g + i];
        }
    }
    float min[G];
    float max[G];
    float sumW[G];
    float sumX[G];
    for (int g = 0; g < G; ++g) {
        min[g] = xs[0][g];
        max[g] = xs[0][g];
        sumW[g] = ws[0][g];
        sumX[g] = sumW[g] * xs[0][g];
    }
    for (int i = 1; i < N; ++i) {
        for (int g = 0; g < G; ++g) {
            min[g] = std::min(min[g], xs[i][g]);
            max[g] = std::max(max[g], xs[i][g]);
            sumW[g] += ws[i][g];
            sumX[g] += ws[i][g] * xs[i][g];
        }
    }
    // Groups with !(max > min) get all-zero levels; they run through the search harmlessly and are fixed up at the end.
    bool flat[G];
    float flatMin[G];
    for (int g = 0; g < G; ++g) {
        min[g] = std::min(min[g], 0.f);
        flat[g] = !(max[g] > min[g]);
        flatMin[g] = min[g];
    }
    const float fmax = float(nmax);
    // makeQkxQuants' level with selects instead of a branch (v <= 0 and NaN give 0 either way), so it vectorises.
    const auto level = [fmax](float v) {
        const float positive = v > 0 ? v : 0.f;
        return nearestInt(std::min(positive, fmax));
    };

    int levels[N][G];
    float scale[G];
    float bestError[G];
    float iscale[G];
    for (int g = 0; g < G; ++g) {
        iscale[g] = fmax / (max[g] - min[g]);
        scale[g] = 1 / iscale[g];
        bestError[g] = 0;
    }
    for (int i = 0; i < N; ++i) {
        for (int g = 0; g < G; ++g) {
            levels[i][g] = level(iscale[g] * (xs[i][g] - min[g]));
            const float diff = scale[g] * float(levels[i][g]) + min[g] - xs[i][g];
            bestError[g] += ws[i][g] * (diff * diff);
        }
    }

    int candidate[N][G];
    for (int step = 0; step <= search.steps; ++step) {
        float sumL[G] = {};
        float sumL2[G] = {};
        float sumXL[G] = {};
        for (int g = 0; g < G; ++g) {
            // The range uses the best offset so far, as makeQkxQuants does.
            iscale[g] = (search.rmin + search.rdelta * float(step) + fmax) / (max[g] - min[g]);
        }
        for (int i = 0; i < N; ++i) {
            for (int g = 0; g < G; ++g) {
                const int l = level(iscale[g] * (xs[i][g] - min[g]));
                candidate[i][g] = l;
                const float w = ws[i][g];
                sumL[g] += w * float(l);
                sumL2[g] += w * float(l) * float(l);
                sumXL[g] += w * float(l) * xs[i][g];
            }
        }
        float thisScale[G];
        float thisMin[G];
        bool valid[G];
        for (int g = 0; g < G; ++g) {
            const float D = sumW[g] * sumL2[g] - sumL[g] * sumL[g];
            valid[g] = D > 0;
            const float s = (sumW[g] * sumXL[g] - sumX[g] * sumL[g]) / D;
            const float m = (sumL2[g] * sumX[g] - sumL[g] * sumXL[g]) / D;
            thisScale[g] = m > 0 ? sumXL[g] / sumL2[g] : s;
            thisMin[g] = m > 0 ? 0.f : m;
        }
        float thisError[G] = {};
        for (int i = 0; i < N; ++i) {
            for (int g = 0; g < G; ++g) {
                const float diff = thisScale[g] * float(candidate[i][g]) + thisMin[g] - xs[i][g];
                thisError[g] += ws[i][g] * (diff * diff);
            }
        }
        bool better[G];
        for (int g = 0; g < G; ++g) {
            better[g] = valid[g] && thisError[g] < bestError[g];
            bestError[g] = better[g] ? thisError[g] : bestError[g];
            scale[g] = better[g] ? thisScale[g] : scale[g];
            min[g] = better[g] ? thisMin[g] : min[g];
        }
        for (int i = 0; i < N; ++i) {
            for (int g = 0; g < G; ++g) {
                levels[i][g] = better[g] ? candidate[i][g] : levels[i][g];
            }
        }
    }
    for (int g = 0; g < G; ++g) {
        for (int i = 0; i < N; ++i) {
            L[N * g + i] = flat[g] ? 0 : uint8_t(levels[i][g]);
        }
        scales[g] = flat[g] ? 0.f : scale[g];
        mins[g] = -(flat[g] ? flatMin[g] : min[g]);
    }
}

float makeQpQuants(int n, int nmax, const float *x, uint8_t *L, const float *weights)
{
    float max = 0;
    for (int i = 0; i < n; ++i) {
        max = std::max(max, x[i]);
    }
    if (max < kGroupMaxEps) {
        std::memset(L, 0, size_t(n));
        return 0.f;
    }
    const auto level = [nmax](float v) { return std::clamp(nearestInt(v), 0, nmax); };

    float iscale = float(nmax) / max;
    const float firstScale = 1 / iscale;
    float bestMse = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = x[i] - firstScale * float(level(iscale * x[i]));
        bestMse += weights[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0) {
            continue;
        }
        const float candidate = (0.1f * float(is) + float(nmax)) / max;
        const float scale = 1 / candidate;
        float mse = 0;
        for (int i = 0; i < n; ++i) {
            const float diff = x[i] - scale * float(level(candidate * x[i]));
            mse += weights[i] * diff * diff;
        }
        if (mse < bestMse) {
            bestMse = mse;
            iscale = candidate;
        }
    }

    float sumlx = 0;
    float suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = level(iscale * x[i]);
        L[i] = uint8_t(l);
        sumlx += weights[i] * x[i] * float(l);
        suml2 += weights[i] * float(l) * float(l);
    }
    // Coordinate descent: move one level to the best value for the current scale when that raises
    // sumlx^2 / suml2, i.e. lowers the least-squares error.
    for (int pass = 0; pass < 5; ++pass) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = weights[i];
            float slx = sumlx - w * x[i] * float(L[i]);
            float sl2 = suml2 - w * float(L[i]) * float(L[i]);
            if (slx > 0 && sl2 > 0) {
                const int newL = std::clamp(nearestInt(x[i] * sl2 / slx), 0, nmax);
                if (newL != L[i]) {
                    slx += w * x[i] * float(newL);
                    sl2 += w * float(newL) * float(newL);
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = uint8_t(newL);
                        sumlx = slx;
                        suml2 = sl2;
                        ++changed;
                    }
                }
            }
        }
        if (changed == 0) {
            break;
        }
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

} // namespace hearth::quant
