// SPDX-License-Identifier: GPL-3.0-or-later
// ConversationListModel over a real store: order, sections, search, rename, pin, delete and undo.
#include "ConversationListModel.h"

#include <KLocalizedString>
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class ConversationListModelTest : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_files = 0;

    static qint64 addChat(hearth::ConversationStore &store, const QString &title, const QString &text)
    {
        const qint64 id = store.createConversation(title);
        hearth::StoredMessage m;
        m.role = u"user"_s;
        m.content = text;
        store.addMessage(id, m);
        return id;
    }

    QStringList titles(const ConversationListModel &model) const
    {
        QStringList list;
        for (int i = 0; i < model.rowCount(); ++i) {
            list.append(model.data(model.index(i), ConversationListModel::TitleRole).toString());
        }
        return list;
    }

private Q_SLOTS:
    void initTestCase()
    {
        KLocalizedString::setApplicationDomain("hearth");
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
    }

    void sections_data()
    {
        QTest::addColumn<int>("daysAgo");
        QTest::addColumn<bool>("pinned");
        QTest::addColumn<QString>("section");
        QTest::newRow("today") << 0 << false << u"Today"_s;
        QTest::newRow("yesterday") << 1 << false << u"Yesterday"_s;
        QTest::newRow("six days") << 6 << false << u"This week"_s;
        QTest::newRow("seven days") << 7 << false << u"Older"_s;
        QTest::newRow("pinned and old") << 300 << true << u"Pinned"_s;
    }

    void sections()
    {
        QFETCH(int, daysAgo);
        QFETCH(bool, pinned);
        QFETCH(QString, section);
        const QDate today(2026, 3, 10);
        const QDateTime updated = QDateTime(today.addDays(-daysAgo), QTime(12, 0)).toUTC();
        QCOMPARE(ConversationListModel::sectionFor(updated, pinned, today), section);
    }

    void listAndEdit()
    {
        hearth::ConversationStore store;
        QVERIFY(store.open(m_dir.filePath(u"list%1.sqlite"_s.arg(++m_files))));
        const qint64 old = addChat(store, u"Old"_s, u"about volcanoes"_s);
        QTest::qWait(5);
        const qint64 mid = addChat(store, u"Mid"_s, u"about rivers"_s);
        QTest::qWait(5);
        const qint64 recent = addChat(store, u"Recent"_s, u"about volcanoes and rivers"_s);

        ConversationListModel model(&store);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(titles(model), (QStringList{u"Recent"_s, u"Mid"_s, u"Old"_s}));
        QCOMPARE(model.data(model.index(0), ConversationListModel::SectionRole).toString(), u"Today"_s);
        QCOMPARE(model.roleNames().value(ConversationListModel::IdRole), "conversationId");

        QVERIFY(model.setPinned(old, true));
        QCOMPARE(titles(model), (QStringList{u"Old"_s, u"Recent"_s, u"Mid"_s}));
        QCOMPARE(model.data(model.index(0), ConversationListModel::SectionRole).toString(), u"Pinned"_s);

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(model.rename(mid, u"  Middle  "_s));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(store.conversation(mid)->title, u"Middle"_s);
        QVERIFY(!model.rename(mid, u"   "_s)); // an empty title is refused

        // Search: FTS hits with snippets, in a section of their own.
        QSignalSpy countSpy(&model, &ConversationListModel::countChanged);
        model.setFilter(u"volcano"_s);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(countSpy.size(), 1);
        QCOMPARE(model.data(model.index(0), ConversationListModel::SectionRole).toString(), u"Search results"_s);
        QVERIFY(model.data(model.index(0), ConversationListModel::SnippetRole).toString().contains(u"<b>volcanoes</b>"_s));
        model.setFilter(u"rivers volcanoes"_s);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0), ConversationListModel::IdRole).toLongLong(), recent);
        model.setFilter(QString());
        QCOMPARE(model.rowCount(), 3);

        // Delete, then undo: the same conversation with its messages, under its id.
        QSignalSpy removed(&model, &ConversationListModel::removed);
        QVERIFY(!model.canUndoRemove());
        QVERIFY(model.remove(recent));
        QCOMPARE(removed.size(), 1);
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(!store.conversation(recent));
        QVERIFY(model.canUndoRemove());
        QCOMPARE(model.undoRemove(), recent);
        QVERIFY(!model.canUndoRemove());
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(store.messages(recent).size(), 1);
        QCOMPARE(model.undoRemove(), 0);
        QVERIFY(!model.remove(424242));
    }
};

QTEST_GUILESS_MAIN(ConversationListModelTest)
#include "ConversationListModelTest.moc"
