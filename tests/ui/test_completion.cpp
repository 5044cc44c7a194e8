// SPDX-License-Identifier: MIT
// Completion of nested field paths: UNNEST and table aliases, RECORD columns at any depth,
// backtick paths, datasets and tables, missing schemas reported for loading, and no crash at
// any cursor position of hostile text.
#include "FailOnWarnings.h"
#include "editor/Completion.h"

#include <QFile>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace quarry;

namespace {

Schema persons() {
    QFile f(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/schema.json"));
    if (!f.open(QIODevice::ReadOnly)) qFatal("no persons schema");
    return Schema::fromJson(nlohmann::json::parse(f.readAll().toStdString()));
}

Catalog catalog(bool withSchema = true) {
    Catalog c;
    c.datasets = [] { return std::vector<std::string>{"samples", "sales"}; };
    c.tables = [](const std::string& d) {
        return d == "samples" ? std::vector<std::string>{"persons", "shakespeare"} : std::vector<std::string>{};
    };
    c.schema = [withSchema](const std::string& d, const std::string& t) -> std::optional<Schema> {
        if (withSchema && d == "samples" && t == "persons") return persons();
        return std::nullopt;
    };
    return c;
}

// Completes at the '|' in `text`.
QStringList at(std::string text, const Catalog& c = catalog()) {
    const auto cursor = text.find('|');
    text.erase(cursor, 1);
    QStringList names;
    for (const auto& i : complete(text, cursor, c).items) names << QString::fromStdString(i.text);
    return names;
}

} // namespace

class TestCompletion : public QObject {
    Q_OBJECT
private slots:
    void init() { test::failOnQtWarnings(); }

    void unnestAliasGivesTheElementFields() {
        QCOMPARE(at("SELECT c.| FROM samples.persons, UNNEST(citiesLived) c"),
                 (QStringList{QStringLiteral("place"), QStringLiteral("yearsLived")}));
        QCOMPARE(at("SELECT c.| FROM samples.persons AS p CROSS JOIN UNNEST(p.children) AS c"),
                 (QStringList{QStringLiteral("name"), QStringLiteral("gender"), QStringLiteral("age")}));
        QCOMPARE(at("SELECT ch.na| FROM samples.persons p, p.children ch"), QStringList{QStringLiteral("name")});
    }

    void recordColumnsAtAnyDepth() {
        QCOMPARE(at("SELECT p.phoneNumber.| FROM samples.persons AS p"),
                 (QStringList{QStringLiteral("areaCode"), QStringLiteral("number")}));
        QCOMPARE(at("SELECT phoneNumber.a| FROM samples.persons"), QStringList{QStringLiteral("areaCode")});
        QCOMPARE(at("SELECT x.| FROM `sandbox.samples.persons` x"),
                 (QStringList{QStringLiteral("kind"), QStringLiteral("fullName"), QStringLiteral("age"), QStringLiteral("gender"),
                              QStringLiteral("phoneNumber"), QStringLiteral("children"), QStringLiteral("citiesLived")}));
        // A scalar has no fields: nothing to offer after its dot.
        QVERIFY(at("SELECT y.| FROM samples.persons, UNNEST(citiesLived) c, UNNEST(c.yearsLived) y").isEmpty());
        QVERIFY(at("SELECT p.fullName.| FROM samples.persons p").isEmpty());
    }

    void namesInScopeThenKeywords() {
        const QStringList all = at("SELECT f| FROM samples.persons p");
        QCOMPARE(all, (QStringList{QStringLiteral("fullName"), QStringLiteral("FROM"), QStringLiteral("FULL")}));
        const QStringList bare = at("SELECT | FROM samples.persons p");
        QVERIFY(bare.indexOf(QStringLiteral("p")) < bare.indexOf(QStringLiteral("SELECT")));
        QVERIFY(bare.contains(QStringLiteral("citiesLived")));
        QVERIFY(bare.contains(QStringLiteral("samples")));
    }

    void datasetsAndTables() {
        QCOMPARE(at("SELECT * FROM samples.|"), (QStringList{QStringLiteral("persons"), QStringLiteral("shakespeare")}));
        QCOMPARE(at("SELECT * FROM samples.sh|"), QStringList{QStringLiteral("shakespeare")});
        QCOMPARE(at("SELECT * FROM sa|"), (QStringList{QStringLiteral("samples"), QStringLiteral("sales")}));
    }

    void unknownSchemasAreReportedForLoading() {
        const auto c = complete("SELECT c. FROM samples.persons, UNNEST(citiesLived) c", 9, catalog(false));
        QCOMPARE(c.missing.size(), std::size_t(1));
        QCOMPARE(c.missing[0].first, std::string("samples"));
        QCOMPARE(c.missing[0].second, std::string("persons"));
        QVERIFY(c.items.empty());
        QCOMPARE(c.replaceFrom, std::size_t(9));
    }

    void commentsAndStringsAreNotCode() {
        QCOMPARE(at("SELECT c.| FROM samples.persons -- , UNNEST(children) c\n, UNNEST(citiesLived) c"),
                 (QStringList{QStringLiteral("place"), QStringLiteral("yearsLived")}));
        QCOMPARE(at("SELECT 'FROM x.y', c.| FROM samples.persons, UNNEST(citiesLived) c"),
                 (QStringList{QStringLiteral("place"), QStringLiteral("yearsLived")}));
    }

    void hostileTextNeverCrashes() {
        const std::vector<std::string> texts = {
            "SELECT `unterminated.path. FROM", "SELECT 'open string FROM samples.persons p, UNNEST(p.",
            "FROM FROM FROM , , UNNEST(((( AS AS", "/* never closed SELECT p. FROM samples.persons p",
            "SELECT ````.``.`.` FROM `.`", std::string("SELECT \xff\xfe.\x80 FROM samples.persons"),
            "SELECT a.b.c.d.e.f.g.h FROM samples.persons a, UNNEST(a.children) b, UNNEST(b.x.y) c",
            std::string(3000, '.') + "x", std::string(2000, '(') + "UNNEST" + std::string(2000, ')')};
        std::size_t calls = 0;
        for (const auto& t : texts)
            for (std::size_t i = 0; i <= t.size(); ++i) {
                const auto c = complete(t, i, catalog());
                QVERIFY(c.replaceFrom <= i);
                ++calls;
            }
        QVERIFY(calls > 5000);
    }
};

QTEST_MAIN(TestCompletion)
#include "test_completion.moc"
