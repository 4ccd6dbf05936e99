// SPDX-License-Identifier: GPL-3.0-or-later
// MessageListModel (streaming growth, rendering, stats line) and the Markdown renderer it uses.
#include "MarkdownRenderer.h"
#include "MessageListModel.h"

#include <KLocalizedString>
#include <QAbstractItemModelTester>
#include <QGuiApplication>
#include <QLocale>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>
#include <QTextDocument>

using namespace Qt::StringLiterals;

class MessageListModelTest : public QObject
{
    Q_OBJECT

private:
    static hearth::StoredMessage message(qint64 id, const QString &role, const QString &content)
    {
        hearth::StoredMessage m;
        m.id = id;
        m.role = role;
        m.content = content;
        return m;
    }

private Q_SLOTS:
    void initTestCase()
    {
        KLocalizedString::setApplicationDomain("hearth");
    }

    void streaming()
    {
        MessageListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMessages({message(1, u"user"_s, u"Hi"_s)});
        QCOMPARE(model.rowCount(), 1);
        model.append(message(2, u"assistant"_s, {}), true);
        QCOMPARE(model.data(model.index(1), MessageListModel::StreamingRole).toBool(), true);

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.appendToLast(u"Hel"_s);
        model.appendToLast(u"lo **there**"_s);
        QCOMPARE(changed.size(), 2);
        QCOMPARE(model.data(model.index(1), MessageListModel::ContentRole).toString(), u"Hello **there**"_s);
        // The HTML follows the content: bold text is rendered as bold.
        const QString html = model.data(model.index(1), MessageListModel::HtmlRole).toString();
        QTextDocument document;
        document.setHtml(html);
        QCOMPARE(document.toPlainText(), u"Hello there"_s);
        QVERIFY(html.contains(u"font-weight:700"_s) || html.contains(u"font-weight:600"_s));

        hearth::StoredMessage done = message(2, u"assistant"_s, u"Hello there"_s);
        done.stats = QJsonObject{{u"timeToFirstTokenMs"_s, 12.4}, {u"tokensPerSecond"_s, 99.94}, {u"contextUsed"_s, 30}, {u"contextSize"_s, 2048}};
        model.replaceLast(done);
        QCOMPARE(model.data(model.index(1), MessageListModel::StreamingRole).toBool(), false);
        QCOMPARE(model.data(model.index(1), MessageListModel::StatsRole).toString(),
                 u"First token after 12 ms · 99.9 tokens/s · context 30 of %1"_s.arg(QLocale().toString(2048)));
        QCOMPARE(model.rowOf(2), 1);
        QCOMPARE(model.messages().size(), 2);

        model.removeLast();
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0), MessageListModel::StatsRole).toString(), QString());
    }

    void themeChangeRerenders()
    {
        MessageListModel model;
        model.setMessages({message(1, u"assistant"_s, u"```cpp\nint x = 1;\n```"_s)});
        const QString light = model.data(model.index(0), MessageListModel::HtmlRole).toString();
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setDarkTheme(true);
        QCOMPARE(changed.size(), 1);
        const QString dark = model.data(model.index(0), MessageListModel::HtmlRole).toString();
        QVERIFY(light != dark);
    }

    // Code blocks: coloured spans for a known language, the code itself unchanged, prose untouched.
    void highlightsCode()
    {
        const QString html = MarkdownRenderer::toHtml(u"Some *prose*.\n\n```cpp\nint main() { return 0; }\n```\n\nAfter."_s, false);
        QTextDocument document;
        document.setHtml(html);
        QCOMPARE(document.toPlainText(), u"Some prose.\nint main() { return 0; }\nAfter."_s);
        // The keyword "return" and the type "int" get colours of their own: more than one colour in the block.
        QTextBlock code = document.begin().next();
        QCOMPARE(code.text(), u"int main() { return 0; }"_s);
        QSet<QRgb> colours;
        for (auto it = code.begin(); !it.atEnd(); ++it) {
            colours.insert(it.fragment().charFormat().foreground().color().rgb());
        }
        QVERIFY2(colours.size() >= 2, qPrintable(html));
        QVERIFY(code.blockFormat().background().style() != Qt::NoBrush);

        // An unknown language stays plain, still a code block.
        const QString plain = MarkdownRenderer::toHtml(u"```nosuchlanguage\na b c\n```"_s, false);
        QTextDocument plainDocument;
        plainDocument.setHtml(plain);
        QCOMPARE(plainDocument.toPlainText(), u"a b c"_s);

        // A single newline is a line break, as the model meant it, not a space.
        QTextDocument lines;
        lines.setHtml(MarkdownRenderer::toHtml(u"one\ntwo\n\nthree"_s, false));
        QCOMPARE(lines.toPlainText(), u"one\ntwo\nthree"_s);

        // HTML in a message is text, not markup.
        const QString escaped = MarkdownRenderer::toHtml(u"<b>not bold</b> & <script>"_s, false);
        QVERIFY(!escaped.contains(u"<script>"_s));
        QTextDocument escapedDocument;
        escapedDocument.setHtml(escaped);
        QCOMPARE(escapedDocument.toPlainText(), u"<b>not bold</b> & <script>"_s);
    }
};

QTEST_MAIN(MessageListModelTest)
#include "MessageListModelTest.moc"
