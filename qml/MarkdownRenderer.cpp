// SPDX-License-Identifier: GPL-3.0-or-later
#include "MarkdownRenderer.h"

#include <KSyntaxHighlighting/AbstractHighlighter>
#include <KSyntaxHighlighting/Definition>
#include <KSyntaxHighlighting/Format>
#include <KSyntaxHighlighting/Repository>
#include <KSyntaxHighlighting/State>
#include <KSyntaxHighlighting/Theme>

#include <QFontDatabase>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>

#include <vector>

using namespace Qt::StringLiterals;
namespace KSH = KSyntaxHighlighting;

namespace
{
// The syntax definitions are read from disk once.
KSH::Repository &repository()
{
    static KSH::Repository repo;
    return repo;
}

// Collects the formats of one line; the caller applies them to the document.
class LineHighlighter : public KSH::AbstractHighlighter
{
public:
    struct Span {
        int offset;
        int length;
        KSH::Format format;
    };

    KSH::State highlight(const QString &line, const KSH::State &state)
    {
        m_spans.clear();
        return highlightLine(line, state);
    }
    const std::vector<Span> &spans() const
    {
        return m_spans;
    }

protected:
    void applyFormat(int offset, int length, const KSH::Format &format) override
    {
        if (length > 0 && !format.isDefaultTextStyle(theme())) {
            m_spans.push_back({offset, length, format});
        }
    }

private:
    std::vector<Span> m_spans;
};

bool isCode(const QTextBlock &block)
{
    const QTextBlockFormat format = block.blockFormat();
    return format.hasProperty(QTextFormat::BlockCodeFence) || format.hasProperty(QTextFormat::BlockCodeLanguage);
}

KSH::Definition definitionFor(const QString &language)
{
    if (language.isEmpty()) {
        return {};
    }
    KSH::Definition definition = repository().definitionForName(language);
    return definition.isValid() ? definition : repository().definitionForFileName(u"code."_s + language);
}
}

// Models (and people) mean a single newline as a line break, Markdown as a space: mark each as a hard break
// (two trailing spaces) outside code fences.
static QString withHardBreaks(const QString &markdown)
{
    QStringList lines = markdown.split(u'\n');
    bool inFence = false;
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        if (lines[i].trimmed().startsWith(u"```"_s) || lines[i].trimmed().startsWith(u"~~~"_s)) {
            inFence = !inFence;
            continue;
        }
        if (!inFence && !lines[i].trimmed().isEmpty() && !lines[i + 1].trimmed().isEmpty()
            && !lines[i + 1].trimmed().startsWith(u"```"_s)) {
            lines[i] += u"  "_s;
        }
    }
    return lines.join(u'\n');
}

QString MarkdownRenderer::toHtml(const QString &markdown, bool darkTheme)
{
    QTextDocument document;
    // HTML typed in a message (or produced by a model) is shown as text, never interpreted.
    document.setMarkdown(withHardBreaks(markdown), QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub | QTextDocument::MarkdownNoHTML));

    const KSH::Theme theme = repository().defaultTheme(darkTheme ? KSH::Repository::DarkTheme : KSH::Repository::LightTheme);
    const QColor background = QColor::fromRgb(theme.editorColor(KSH::Theme::BackgroundColor));
    const QColor foreground = QColor::fromRgb(theme.textColor(KSH::Theme::Normal));
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    LineHighlighter highlighter;
    highlighter.setTheme(theme);
    KSH::State state;
    QString currentLanguage;
    bool inCode = false;
    QTextCursor cursor(&document);
    for (QTextBlock block = document.begin(); block.isValid(); block = block.next()) {
        if (!isCode(block)) {
            inCode = false;
            continue;
        }
        const QString language = block.blockFormat().stringProperty(QTextFormat::BlockCodeLanguage).trimmed().toLower();
        if (!inCode || language != currentLanguage) {
            // A new code block: start the highlighter's state afresh.
            highlighter.setDefinition(definitionFor(language));
            state = KSH::State();
            currentLanguage = language;
            inCode = true;
        }
        QTextBlockFormat blockFormat = block.blockFormat();
        blockFormat.setBackground(background);
        cursor.setPosition(block.position());
        cursor.setBlockFormat(blockFormat);

        QTextCharFormat base;
        base.setFont(fixed);
        base.setForeground(foreground);
        cursor.setPosition(block.position());
        cursor.setPosition(block.position() + block.length() - 1, QTextCursor::KeepAnchor);
        cursor.mergeCharFormat(base);

        if (!highlighter.definition().isValid()) {
            continue;
        }
        state = highlighter.highlight(block.text(), state);
        for (const LineHighlighter::Span &span : highlighter.spans()) {
            QTextCharFormat format;
            if (span.format.hasTextColor(theme)) {
                format.setForeground(span.format.textColor(theme));
            }
            if (span.format.isBold(theme)) {
                format.setFontWeight(QFont::Bold);
            }
            if (span.format.isItalic(theme)) {
                format.setFontItalic(true);
            }
            cursor.setPosition(block.position() + span.offset);
            cursor.setPosition(block.position() + span.offset + span.length, QTextCursor::KeepAnchor);
            cursor.mergeCharFormat(format);
        }
    }
    return document.toHtml();
}
