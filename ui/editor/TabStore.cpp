// SPDX-License-Identifier: MIT
#include "TabStore.h"

#include "jobs/OnGui.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSaveFile>

namespace quarry {
namespace {

const QString kIndex = QStringLiteral("tabs.json");

QString tabFile(const QString& dir, const QString& id) { return dir + QLatin1Char('/') + id + QStringLiteral(".tab.json"); }

bool validId(const QString& id) {
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    return re.match(id).hasMatch();
}

QString writeAtomically(const QString& path, const QByteArray& bytes) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return QObject::tr("%1: %2").arg(path, f.errorString());
    // Query text can hold what others on this computer should not read: the owner's alone.
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (f.write(bytes) != bytes.size()) return QObject::tr("%1: %2").arg(path, f.errorString());
    if (!f.commit()) return QObject::tr("%1: %2").arg(path, f.errorString());
    return {};
}

} // namespace

TabStore::TabStore(const QString& dir, QObject* parent) : QObject(parent), dir_(dir), writer_(new QObject) {
    writer_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, writer_, &QObject::deleteLater);
    thread_.setObjectName(QStringLiteral("tab-writer"));
    thread_.start();
}

TabStore::~TabStore() {
    flush();
    thread_.quit();
    thread_.wait();
}

QByteArray TabStore::encode(const TabState& s) {
    QJsonObject o{{QStringLiteral("id"), s.id},     {QStringLiteral("title"), s.title},
                  {QStringLiteral("text"), s.text}, {QStringLiteral("line"), s.line},
                  {QStringLiteral("index"), s.index}, {QStringLiteral("file"), s.file},
                  {QStringLiteral("legacy"), s.legacy}};
    if (!s.jobId.isEmpty())
        o.insert(QStringLiteral("job"), QJsonObject{{QStringLiteral("project"), s.jobProject}, {QStringLiteral("id"), s.jobId},
                                                    {QStringLiteral("location"), s.jobLocation},
                                                    {QStringLiteral("connection"), s.jobConnection}});
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<TabState> TabStore::decode(const QByteArray& bytes) {
    QJsonParseError err;
    const auto doc = QJsonDocument::fromJson(bytes, &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) return std::nullopt;
    const auto o = doc.object();
    TabState s;
    s.id = o.value(QStringLiteral("id")).toString();
    if (!validId(s.id) || !o.value(QStringLiteral("text")).isString()) return std::nullopt;
    s.title = o.value(QStringLiteral("title")).toString();
    s.text = o.value(QStringLiteral("text")).toString();
    s.line = std::max(0, o.value(QStringLiteral("line")).toInt());
    s.index = std::max(0, o.value(QStringLiteral("index")).toInt());
    s.file = o.value(QStringLiteral("file")).toString();
    s.legacy = o.value(QStringLiteral("legacy")).toBool();
    const auto job = o.value(QStringLiteral("job")).toObject();
    s.jobProject = job.value(QStringLiteral("project")).toString();
    s.jobId = job.value(QStringLiteral("id")).toString();
    s.jobLocation = job.value(QStringLiteral("location")).toString();
    s.jobConnection = job.value(QStringLiteral("connection")).toString();
    return s;
}

void TabStore::save(const TabState& tab) {
    if (!validId(tab.id)) return;
    const QString path = tabFile(dir_, tab.id), dir = dir_;
    const QByteArray bytes = encode(tab);
    QPointer<TabStore> self(this);
    QMetaObject::invokeMethod(writer_, [self, dir, path, bytes] {
        QDir().mkpath(dir);
        const QString error = writeAtomically(path, bytes);
        if (!error.isEmpty())
            onGui([self, error] {
                if (self) emit self->writeFailed(error);
            });
    }, Qt::QueuedConnection);
}

void TabStore::remove(const QString& id) {
    if (!validId(id)) return;
    const QString path = tabFile(dir_, id);
    QMetaObject::invokeMethod(writer_, [path] { QFile::remove(path); }, Qt::QueuedConnection);
}

void TabStore::saveOrder(const QStringList& ids) {
    const QString path = dir_ + QLatin1Char('/') + kIndex, dir = dir_;
    const QByteArray bytes = QJsonDocument(QJsonObject{{QStringLiteral("order"), QJsonArray::fromStringList(ids)}})
                                 .toJson(QJsonDocument::Compact);
    QMetaObject::invokeMethod(writer_, [dir, path, bytes] {
        QDir().mkpath(dir);
        writeAtomically(path, bytes);
    }, Qt::QueuedConnection);
}

void TabStore::flush() {
    if (QThread::currentThread() == &thread_ || !thread_.isRunning()) return;
    QMetaObject::invokeMethod(writer_, [] {}, Qt::BlockingQueuedConnection);
}

void TabStore::load() {
    const QString dir = dir_;
    QPointer<TabStore> self(this);
    QMetaObject::invokeMethod(writer_, [self, dir] {
        QList<TabState> tabs;
        QStringList order;
        QFile index(dir + QLatin1Char('/') + kIndex);
        if (index.open(QIODevice::ReadOnly))
            for (const auto& v : QJsonDocument::fromJson(index.readAll()).object().value(QStringLiteral("order")).toArray())
                order << v.toString();
        QHash<QString, TabState> byId;
        const auto files = QDir(dir).entryList({QStringLiteral("*.tab.json")}, QDir::Files, QDir::Name);
        for (const auto& name : files) {
            QFile f(dir + QLatin1Char('/') + name);
            if (!f.open(QIODevice::ReadOnly)) continue;
            if (auto s = decode(f.readAll())) byId.insert(s->id, *s);
        }
        // The index gives the order; tabs it does not list (saved after its last write) follow.
        for (const auto& id : order)
            if (byId.contains(id)) tabs << byId.take(id);
        QStringList rest = byId.keys();
        rest.sort();
        for (const auto& id : rest) tabs << byId.value(id);
        onGui([self, tabs] {
            if (self) emit self->loaded(tabs);
        });
    }, Qt::QueuedConnection);
}

} // namespace quarry
