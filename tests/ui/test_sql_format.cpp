// SPDX-License-Identifier: MIT
// Format SQL: the layout of typical queries, and over every query of the SQL test corpus the
// sandbox's own lexer sees the same tokens before and after (only white space and the case of
// reserved words may change), formatting twice changes nothing, and broken text is refused
// with its position.
#include "FailOnWarnings.h"
#include "editor/SqlFormat.h"
#include "sandbox/sql/Lexer.h"

#include <QDir>
#include <QFile>
#include <QtTest>

using namespace quarry;
namespace sql = quarry::sandbox::sql;

namespace {

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

QStringList corpus() {
    QStringList out;
    const QDir dir(QStringLiteral(QUARRY_SOURCE_DIR "/tests/data/sql/cases"));
    for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        QFile f(dir.filePath(name + QStringLiteral("/query.sql")));
        if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(name));
        const QString q = QString::fromUtf8(f.readAll()).trimmed();
        if (!q.isEmpty()) out << q;
    }
    return out;
}

// Same tokens in the same order; a reserved word may only have changed its case.
QString sameTokens(const std::string& a, const std::string& b) {
    const auto ta = sql::lex(a), tb = sql::lex(b);
    if (ta.size() != tb.size()) return QStringLiteral("%1 tokens became %2").arg(ta.size()).arg(tb.size());
    for (std::size_t i = 0; i < ta.size(); ++i) {
        if (ta[i].kind != tb[i].kind) return QStringLiteral("token %1 changed kind").arg(i);
        if (ta[i].text == tb[i].text) continue;
        if (ta[i].kind == sql::Tok::Ident && upper(ta[i].text) == tb[i].text && isReservedKeyword(tb[i].text)) continue;
        return QStringLiteral("token %1: '%2' became '%3'").arg(i).arg(QString::fromStdString(ta[i].text), QString::fromStdString(tb[i].text));
    }
    return {};
}

} // namespace

class TestSqlFormat : public QObject {
    Q_OBJECT
private slots:
    void init() { test::failOnQtWarnings(); }

    // Function names and non-reserved words (count, offset) keep the case they were written in.
    void laysOutClausesItemsAndSubqueries() {
        const auto r = formatSql(
            "select fullName, c.place as city, (select count(*) from unnest(children) ch where ch.age > 3) as kids "
            "from samples.persons p left join unnest(citiesLived) c with offset o "
            "where extract(year from current_date()) > 2000 and p.age between -1 and 99 "
            "group by 1, 2, 3 order by kids desc limit 10");
        QVERIFY(r.ok);
        QCOMPARE(QString::fromStdString(r.text), QStringLiteral(
            "SELECT fullName,\n"
            "       c.place AS city,\n"
            "       (\n"
            "         SELECT count(*)\n"
            "         FROM UNNEST(children) ch\n"
            "         WHERE ch.age > 3\n"
            "       ) AS kids\n"
            "FROM samples.persons p\n"
            "LEFT JOIN UNNEST(citiesLived) c WITH offset o\n"
            "WHERE EXTRACT(year FROM current_date()) > 2000 AND p.age BETWEEN -1 AND 99\n"
            "GROUP BY 1, 2, 3\n"
            "ORDER BY kids DESC\n"
            "LIMIT 10\n"));
    }

    void keepsCommentsStringsAndNamesExactly() {
        const std::string q = "#standardSQL\n-- the cities\nselect 'a  b', \"x\" , r'\\d+', `my-proj.d.Table` /* keep */ "
                              "from d.table where s = '''multi\nline''' union all select STRUCT<a INT64, b ARRAY<STRING>>(1, ['x'])";
        const auto r = formatSql(q);
        QVERIFY(r.ok);
        QVERIFY2(sameTokens(q, r.text).isEmpty(), qPrintable(sameTokens(q, r.text)));
        QVERIFY(r.text.find("'a  b'") != std::string::npos);
        QVERIFY(r.text.find("-- the cities\nSELECT") != std::string::npos);
        QVERIFY(r.text.find("FROM d.table") != std::string::npos); // a name that is a word stays as written
        QVERIFY(r.text.find("'''multi\nline'''") != std::string::npos);
        QVERIFY(r.text.find("STRUCT<a INT64, b ARRAY<STRING>>(1, ['x'])") != std::string::npos);
        QVERIFY(r.text.find("\nUNION ALL\nSELECT") != std::string::npos);
        QVERIFY(r.text.find("/* keep */") != std::string::npos);
    }

    void everyCorpusQueryKeepsItsTokensAndIsStable() {
        const QStringList queries = corpus();
        QVERIFY(queries.size() >= 100);
        int checked = 0;
        for (const QString& q : queries) {
            const std::string text = q.toStdString();
            try {
                sql::lex(text);
            } catch (const std::exception&) {
                continue; // a case about a lexer error: nothing to compare
            }
            const auto once = formatSql(text);
            QVERIFY2(once.ok, qPrintable(q + QStringLiteral("\n") + QString::fromStdString(once.error)));
            const QString diff = sameTokens(text, once.text);
            QVERIFY2(diff.isEmpty(), qPrintable(q + QStringLiteral("\n=> ") + QString::fromStdString(once.text) + diff));
            const auto twice = formatSql(once.text);
            QVERIFY2(twice.ok && twice.text == once.text,
                     qPrintable(QString::fromStdString(once.text) + QStringLiteral("\n=> ") + QString::fromStdString(twice.text)));
            ++checked;
        }
        qInfo("%d corpus queries formatted", checked);
        QVERIFY(checked >= 100);
    }

    void brokenTextIsRefusedWithItsPosition() {
        auto r = formatSql("SELECT 1,\n  'open");
        QVERIFY(!r.ok);
        QCOMPARE(QString::fromStdString(r.error), QStringLiteral("Cannot format: unterminated string at [2:3]"));
        r = formatSql("SELECT /* never closed");
        QVERIFY(!r.ok);
        QVERIFY(QString::fromStdString(r.error).contains(QStringLiteral("unterminated comment at [1:8]")));
        r = formatSql("SELECT `x");
        QVERIFY(!r.ok);
        QVERIFY(formatSql("").ok);
        QVERIFY(formatSql("   \n").ok);
        // Every prefix of a real query is either formatted with its tokens kept or refused.
        const std::string q = "WITH a AS (SELECT x, ARRAY(SELECT y FROM UNNEST(z) y) AS ys FROM `p.d.t` WHERE s IN ('a', \"b\")) "
                              "SELECT * EXCEPT (ys) REPLACE (x + 1 AS x) FROM a WINDOW w AS (PARTITION BY x ORDER BY x) -- end";
        for (std::size_t n = 0; n <= q.size(); ++n) {
            const std::string prefix = q.substr(0, n);
            const auto f = formatSql(prefix);
            if (!f.ok) continue;
            try {
                sql::lex(prefix);
            } catch (const std::exception&) {
                continue;
            }
            const QString diff = sameTokens(prefix, f.text);
            QVERIFY2(diff.isEmpty(), qPrintable(QString::fromStdString(prefix) + QStringLiteral(" => ") + QString::fromStdString(f.text) + diff));
        }
    }
};

QTEST_MAIN(TestSqlFormat)
#include "test_sql_format.moc"
