// SPDX-License-Identifier: MIT
#pragma once

#include "editor/Completion.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <memory>

namespace quarry {

struct Session;

/// What the editor's completion knows of a connection: datasets, their tables and the schemas
/// of tables a query names, each fetched once on a worker thread when first asked for.
class SchemaCache : public QObject {
    Q_OBJECT
public:
    explicit SchemaCache(QObject* parent = nullptr);
    void setSession(std::shared_ptr<Session> session);
    /// A Catalog over what is loaded; asking for an unloaded part starts loading it.
    Catalog catalog();
    /// Loads these tables' schemas (completion reports them as missing).
    void load(const std::vector<std::pair<std::string, std::string>>& tables);

signals:
    /// Something new arrived: a completion that was waiting may run again.
    void changed();

private:
    void fetch(const QString& key, std::function<void(Session&, QString&, std::vector<std::string>&, std::optional<Schema>&)> work);

    std::shared_ptr<Session> session_;
    std::optional<std::vector<std::string>> datasets_;
    QHash<QString, std::vector<std::string>> tables_;
    QHash<QString, Schema> schemas_;
    QSet<QString> loading_;
    quint64 generation_ = 0;
};

} // namespace quarry
