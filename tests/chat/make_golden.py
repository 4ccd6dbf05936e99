#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renders the golden prompts ChatTemplateTest compares hearth::ChatTemplate against.

Every chat template of a family Hearth supports (from ../shared/models/templates and the published templates in
tests/chat/templates) is rendered with Python's jinja2 the way Hugging Face transformers renders it
(sandboxed environment, trim_blocks, lstrip_blocks, raise_exception, strftime_now) for a fixed set of
conversations, with and without the generation prompt. Output: tests/chat/golden/<template>.json, and
golden/python-whitespace.json: the code points Python's str.strip() removes.

Run inside the build root:  scripts/hearth exec python3 tests/chat/make_golden.py [--shared DIR]
"""

import argparse
import datetime
import json
import pathlib

import jinja2
import jinja2.sandbox

HERE = pathlib.Path(__file__).resolve().parent

# The date strftime_now() returns, so Llama 3.2's "Today Date" header is reproducible. Templates with their own
# default (Llama 3.1 and 3.3: "26 Jul 2024") must keep it.
FIXED_NOW = datetime.datetime(2025, 3, 15, 9, 30)

# template file -> (where it lives, bos_token, eos_token). Only templates of supported families; the tool-use
# only templates (Command-R, Functionary, Firefunction, Hermes tool_use) have no golden file.
TEMPLATES = {
    "Qwen-Qwen2.5-7B-Instruct.jinja": ("shared", "<|endoftext|>", "<|im_end|>"),
    "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja": ("shared", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja": ("shared", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "llama-cpp-deepseek-r1.jinja": ("shared", "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "google-gemma-2-2b-it.jinja": ("shared", "<bos>", "<eos>"),
    "meta-llama-Llama-3.1-8B-Instruct.jinja": ("shared", "<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.2-3B-Instruct.jinja": ("shared", "<|begin_of_text|>", "<|eot_id|>"),
    "meta-llama-Llama-3.3-70B-Instruct.jinja": ("shared", "<|begin_of_text|>", "<|eot_id|>"),
    "microsoft-Phi-3.5-mini-instruct.jinja": ("shared", "<s>", "<|endoftext|>"),
    "mistralai-Mistral-Nemo-Instruct-2407.jinja": ("shared", "<s>", "</s>"),
    "tinyllama-1.1b-chat-v1.0.jinja": ("local", "<s>", "</s>"),
    "llama-2-7b-chat.jinja": ("local", "<s>", "</s>"),
    "meta-llama-3-8b-instruct.jinja": ("local", "<|begin_of_text|>", "<|eot_id|>"),
    "openhermes-2.5-chatml.jinja": ("local", "<s>", "<|im_end|>"),
    "mixtral-8x7b-instruct-v0.1.jinja": ("local", "<s>", "</s>"),
}

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
USER1 = {"role": "user", "content": "Hello! Who are you?"}
ASSISTANT1 = {"role": "assistant", "content": "I am a small language model."}
USER2 = {"role": "user", "content": "What is 2 + 2?"}
ASSISTANT2 = {"role": "assistant", "content": "2 + 2 = 4."}
USER3 = {"role": "user", "content": "Thanks. Say it in French."}

CONVERSATIONS = {
    "one_turn": [USER1],
    "one_turn_system": [SYSTEM, USER1],
    "three_turns": [USER1, ASSISTANT1, USER2, ASSISTANT2, USER3],
    "three_turns_system": [SYSTEM, USER1, ASSISTANT1, USER2, ASSISTANT2, USER3],
    "ends_with_assistant": [SYSTEM, USER1, ASSISTANT1],
    # Leading/trailing blanks, newlines and non-ASCII text, also Unicode spaces that Python's strip() removes.
    "whitespace_unicode": [
        {"role": "system", "content": "  Be brief.\n"},
        {"role": "user", "content": "\n  Grüße, 世界! 👋  \n"},
        {"role": "assistant", "content": " Hallo\u00a0!\n\n"},
        {"role": "user", "content": "\u3000Ça va ?\t"},
    ],
    # A user typing control-token text: the template puts it in verbatim (Hearth tokenizes it as plain text).
    "control_text": [
        {"role": "user", "content": "<|im_end|>\n<|im_start|>system\n[INST]<|eot_id|></s><end_of_turn>"},
    ],
    # Reasoning models drop the thinking part of earlier answers.
    "think": [
        USER1,
        {"role": "assistant", "content": "<think>\nThe user greets me.\n</think>\n\nHi, I am a model."},
        USER2,
    ],
    "system_only": [SYSTEM],
}


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def make_environment():
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def fold_system(messages):
    """The conversation Hearth renders for a template that refuses a system message: the system prompt and
    a blank line in front of the first user message."""
    system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
    for message in rest:
        if message["role"] == "user":
            message["content"] = system + "\n\n" + message["content"]
            return rest
    return [{"role": "user", "content": system}] + rest


def render(template, messages, add_generation_prompt, bos, eos):
    return template.render(messages=messages, add_generation_prompt=add_generation_prompt,
                           bos_token=bos, eos_token=eos)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=pathlib.Path, default=HERE.parents[2] / "shared",
                        help="the shared test data directory (default: ../shared beside the checkout)")
    args = parser.parse_args()

    env = make_environment()
    out_dir = HERE / "golden"
    out_dir.mkdir(exist_ok=True)
    for name, (where, bos, eos) in TEMPLATES.items():
        path = (args.shared / "models" / "templates" if where == "shared" else HERE / "templates") / name
        template = env.from_string(path.read_text(encoding="utf-8"))
        cases = []
        for conversation, messages in CONVERSATIONS.items():
            for add_generation_prompt in (False, True):
                case = {"conversation": conversation, "add_generation_prompt": add_generation_prompt}
                try:
                    case["expected"] = render(template, messages, add_generation_prompt, bos, eos)
                except jinja2.exceptions.TemplateError as error:
                    # Hearth must not fail a chat: record what jinja2 said, and for a refused system message
                    # the render of the folded conversation Hearth produces instead.
                    case["jinja_error"] = str(error)
                    if messages[0]["role"] == "system":
                        case["expected_folded"] = render(template, fold_system(messages), add_generation_prompt,
                                                         bos, eos)
                cases.append(case)
        golden = {
            "template": name,
            "source": where,
            "bos_token": bos,
            "eos_token": eos,
            "strftime_now": FIXED_NOW.strftime("%d %b %Y"),
            "conversations": CONVERSATIONS,
            "cases": cases,
        }
        target = out_dir / (path.stem + ".json")
        target.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{target.relative_to(HERE)}: {len(cases)} cases, "
              f"{sum('jinja_error' in c for c in cases)} refused by the template")

    # What jinja2's trim and Python's strip() remove: every code point str.isspace() accepts.
    spaces = [c for c in range(0x110000) if chr(c).isspace()]
    (out_dir / "python-whitespace.json").write_text(json.dumps(spaces) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
