// SPDX-License-Identifier: GPL-3.0-or-later
// hearth-oracle-logits: a test tool built by scripts/llamacpp-oracle.sh against llama.cpp's public API (never
// part of Hearth). It feeds token ids (no tokenizer involved, so only the forward pass is compared) and prints
// the logits of every prompt position and the greedy continuation, for tests/compat/LlamaCppCompatTest.
//
//   hearth-oracle-logits MODEL.gguf N_GREEDY ID [ID...]
//
// Output, one record a line:  vocab V / logits POS x0 x1 ... / greedy ID ID ...
// Exit status 2 when llama.cpp cannot load the model (its log, on stderr, says why).
#include "llama.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

static void quietLog(ggml_log_level level, const char *text, void *)
{
    if (level >= GGML_LOG_LEVEL_WARN) {
        std::fputs(text, stderr);
    }
}

static llama_token argmax(const float *logits, int n)
{
    return llama_token(std::max_element(logits, logits + n) - logits);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s MODEL.gguf N_GREEDY ID [ID...]\n", argv[0]);
        return 1;
    }
    const int greedy = std::atoi(argv[2]);
    std::vector<llama_token> prompt;
    for (int i = 3; i < argc; ++i) {
        prompt.push_back(llama_token(std::atoi(argv[i])));
    }

    llama_log_set(quietLog, nullptr);
    llama_backend_init();
    llama_model_params mparams = llama_model_default_params();
    mparams.n_gpu_layers = 0;
    llama_model *model = llama_model_load_from_file(argv[1], mparams);
    if (!model) {
        std::fprintf(stderr, "%s: llama.cpp could not load the model\n", argv[1]);
        return 2;
    }
    llama_context_params cparams = llama_context_default_params();
    cparams.n_ctx = uint32_t(prompt.size() + greedy + 8);
    cparams.n_batch = cparams.n_ctx;
    cparams.n_ubatch = cparams.n_ctx;
    cparams.n_threads = 2;
    cparams.n_threads_batch = 2;
    llama_context *ctx = llama_init_from_model(model, cparams);
    if (!ctx) {
        std::fprintf(stderr, "%s: llama.cpp could not create a context\n", argv[1]);
        return 2;
    }
    const int vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    std::printf("vocab %d\n", vocab);

    llama_batch batch = llama_batch_init(int32_t(prompt.size()), 0, 1);
    for (size_t i = 0; i < prompt.size(); ++i) {
        batch.token[i] = prompt[i];
        batch.pos[i] = llama_pos(i);
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = 1;
    }
    batch.n_tokens = int32_t(prompt.size());
    if (llama_decode(ctx, batch) != 0) {
        std::fprintf(stderr, "llama_decode failed on the prompt\n");
        return 3;
    }
    for (size_t i = 0; i < prompt.size(); ++i) {
        const float *logits = llama_get_logits_ith(ctx, int32_t(i));
        std::printf("logits %zu", i);
        for (int v = 0; v < vocab; ++v) {
            std::printf(" %.9g", double(logits[v]));
        }
        std::printf("\n");
    }

    std::printf("greedy");
    llama_token next = argmax(llama_get_logits_ith(ctx, -1), vocab);
    for (int step = 0; step < greedy; ++step) {
        std::printf(" %d", next);
        batch.n_tokens = 1;
        batch.token[0] = next;
        batch.pos[0] = llama_pos(prompt.size() + size_t(step));
        batch.logits[0] = 1;
        if (llama_decode(ctx, batch) != 0) {
            std::fprintf(stderr, "llama_decode failed at greedy step %d\n", step);
            return 3;
        }
        next = argmax(llama_get_logits_ith(ctx, -1), vocab);
    }
    std::printf("\n");

    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
