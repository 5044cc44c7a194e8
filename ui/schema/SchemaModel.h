// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractItemModel>
#include <QHash>
#include <memory>
#include <vector>

namespace quarry {

struct Session;

/// The schema tree: project → datasets → tables and views → fields, nested fields under their
/// RECORD with type and mode. Each level loads when first expanded (canFetchMore/fetchMore),
/// on a worker thread; a failed load shows its error as a child row. refresh() reloads.
class SchemaModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum class Kind { Project, Dataset, Table, View, Field, Message };
    enum Role {
        KindRole = Qt::UserRole + 1, ///< int(Kind)
        QualifiedNameRole,           ///< `project.dataset.table` or a field path for the editor
        LoadingRole,                 ///< the node's children are being fetched
    };

    struct Node;   ///< a tree node (opaque outside the model)
    struct Loaded; ///< what a worker fetched for one node

    explicit SchemaModel(QObject* parent = nullptr);
    ~SchemaModel() override;

    void setSession(std::shared_ptr<Session> session);
    /// Drops what was loaded below `index` (everything for an invalid index) and reloads it
    /// when next expanded.
    void refresh(const QModelIndex& index = {});

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;
    bool hasChildren(const QModelIndex& parent = {}) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;

    /// Finds a child by name under `parent` (for tests and "reveal in tree").
    QModelIndex find(const QModelIndex& parent, const QString& name) const;

signals:
    /// A level finished loading (or failed); `parent` is where rows were inserted.
    void loaded(const QModelIndex& parent);

private:
    Node* nodeOf(const QModelIndex& i) const;
    QModelIndex indexOf(Node* n, int column = 0) const;
    void insertLoaded(quint64 serial, std::shared_ptr<Loaded> result);
    void forget(Node* n);
    Node* adopt(Node* parent, std::unique_ptr<Node> child);

    std::shared_ptr<Session> session_;
    std::unique_ptr<Node> root_;
    QHash<quint64, Node*> live_;
    quint64 nextSerial_ = 1;
};

} // namespace quarry
