// SPDX-License-Identifier: MIT
#include "SchemaCache.h"

#include "Background.h"
#include "jobs/OnGui.h"
#include "jobs/Session.h"

#include <QPointer>

namespace quarry {

SchemaCache::SchemaCache(QObject* parent) : QObject(parent) {}

void SchemaCache::setSession(std::shared_ptr<Session> session) {
    session_ = std::move(session);
    datasets_.reset();
    tables_.clear();
    schemas_.clear();
    loading_.clear();
    ++generation_;
}

void SchemaCache::fetch(const QString& key,
                        std::function<void(Session&, QString&, std::vector<std::string>&, std::optional<Schema>&)> work) {
    if (!session_ || loading_.contains(key)) return;
    loading_.insert(key);
    QPointer<SchemaCache> self(this);
    auto session = session_;
    const quint64 generation = generation_;
    Background::run(this, [=](const CancelToken&) {
        QString error;
        std::vector<std::string> names;
        std::optional<Schema> schema;
        try {
            work(*session, error, names, schema);
        } catch (const std::exception&) {
            // Completion is best effort: an unreadable table simply offers nothing.
        }
        onGui([self, generation, key, names, schema] {
            if (!self || self->generation_ != generation) return;
            if (key == QStringLiteral("datasets")) self->datasets_ = names;
            else if (key.startsWith(QStringLiteral("tables:"))) self->tables_.insert(key.mid(7), names);
            else if (schema) self->schemas_.insert(key.mid(7), *schema);
            emit self->changed();
        });
    });
}

Catalog SchemaCache::catalog() {
    QPointer<SchemaCache> self(this);
    Catalog c;
    c.datasets = [self]() -> std::vector<std::string> {
        if (!self) return {};
        if (!self->datasets_) {
            self->fetch(QStringLiteral("datasets"), [](Session& s, QString&, std::vector<std::string>& out, std::optional<Schema>&) {
                for (const auto& d : s.client->listAllDatasets(s.project))
                    out.push_back(d["datasetReference"].value("datasetId", std::string()));
            });
            return {};
        }
        return *self->datasets_;
    };
    c.tables = [self](const std::string& dataset) -> std::vector<std::string> {
        if (!self) return {};
        const QString d = QString::fromStdString(dataset);
        if (!self->tables_.contains(d)) {
            self->fetch(QStringLiteral("tables:") + d, [dataset](Session& s, QString&, std::vector<std::string>& out, std::optional<Schema>&) {
                for (const auto& t : s.client->listAllTables(s.project, dataset))
                    out.push_back(t["tableReference"].value("tableId", std::string()));
            });
            return {};
        }
        return self->tables_.value(d);
    };
    c.schema = [self](const std::string& dataset, const std::string& table) -> std::optional<Schema> {
        if (!self) return std::nullopt;
        const QString key = QString::fromStdString(dataset + "." + table);
        const auto it = self->schemas_.constFind(key);
        if (it == self->schemas_.constEnd()) return std::nullopt;
        return *it;
    };
    return c;
}

void SchemaCache::load(const std::vector<std::pair<std::string, std::string>>& tables) {
    for (const auto& [dataset, table] : tables) {
        const QString key = QString::fromStdString(dataset + "." + table);
        if (schemas_.contains(key)) continue;
        fetch(QStringLiteral("schema:") + key, [dataset, table](Session& s, QString&, std::vector<std::string>&, std::optional<Schema>& out) {
            const auto t = s.client->getTable(TableRef{s.project, dataset, table});
            if (t.contains("schema")) out = Schema::fromJson(t["schema"]);
        });
    }
}

} // namespace quarry
