// SPDX-License-Identifier: MIT
#include "SchemaModel.h"

#include "Background.h"
#include "jobs/OnGui.h"
#include "jobs/Session.h"
#include "value/Schema.h"

#include <QApplication>
#include <QCoreApplication>
#include <QDateTime>
#include <tuple>
#include <QMimeData>
#include <QPointer>
#include <QStyle>

namespace quarry {

struct SchemaModel::Node {
    Kind kind = Kind::Message;
    QString name, type, details, qualified;
    bool error = false;
    bool loaded = true, loading = false;
    quint64 serial = 0;
    int row = 0;
    Node* parent = nullptr;
    std::vector<std::unique_ptr<Node>> children;
    std::string project, dataset, table; ///< where the node lives (for loading)
};

struct SchemaModel::Loaded {
    std::vector<std::unique_ptr<Node>> children;
    QString details;
};

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

std::unique_ptr<SchemaModel::Node> message(const QString& text, bool error) {
    auto n = std::make_unique<SchemaModel::Node>();
    n->kind = SchemaModel::Kind::Message;
    n->name = text;
    n->error = error;
    return n;
}

QString jsonText(const Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    return it->is_string() ? qs(it->get<std::string>()) : qs(it->dump());
}

QString tableDetails(const Json& t) {
    QStringList lines;
    lines << qs(t.value("type", std::string("TABLE")));
    if (const auto rows = jsonText(t, "numRows"); !rows.isEmpty()) lines << QObject::tr("%1 rows").arg(rows);
    if (const auto bytes = jsonText(t, "numBytes"); !bytes.isEmpty())
        lines << QObject::tr("%1 stored").arg(formatBytes(bytes.toULongLong()));
    if (const auto m = jsonText(t, "lastModifiedTime"); !m.isEmpty())
        lines << QObject::tr("modified %1").arg(QDateTime::fromMSecsSinceEpoch(m.toLongLong(), Qt::UTC).toString(Qt::ISODate));
    if (const auto loc = jsonText(t, "location"); !loc.isEmpty()) lines << QObject::tr("location %1").arg(loc);
    // How it is partitioned and clustered: what a filter must name to be billed less.
    if (const Json tp = t.value("timePartitioning", Json::object()); !tp.empty())
        lines << QObject::tr("partitioned by %1 on %2")
                     .arg(qs(tp.value("type", std::string("DAY"))).toLower(), qs(tp.value("field", std::string("_PARTITIONTIME"))));
    if (const Json rp = t.value("rangePartitioning", Json::object()); !rp.empty()) {
        const Json r = rp.value("range", Json::object());
        lines << QObject::tr("partitioned by ranges of %1: %2 to %3, every %4")
                     .arg(qs(rp.value("field", std::string())), jsonText(r, "start"), jsonText(r, "end"), jsonText(r, "interval"));
    }
    if (t.value("requirePartitionFilter", false)) lines << QObject::tr("queries must filter on the partitioning column");
    if (const Json cl = t.value("clustering", Json::object()).value("fields", Json::array()); cl.is_array() && !cl.empty()) {
        QStringList fields;
        for (const auto& f : cl)
            if (f.is_string()) fields << qs(f.get<std::string>());
        lines << QObject::tr("clustered by %1").arg(fields.join(QStringLiteral(", ")));
    }
    // A snapshot or clone says of which table, and as of when.
    for (const auto& [key, text, time] : {std::tuple{"snapshotDefinition", QT_TR_NOOP("snapshot of %1 as of %2"), "snapshotTime"},
                                          std::tuple{"cloneDefinition", QT_TR_NOOP("clone of %1 as of %2"), "cloneTime"}})
        if (const Json def = t.value(key, Json::object()); def.is_object() && !def.empty()) {
            const Json base = def.value("baseTableReference", Json::object());
            lines << QObject::tr(text).arg(QStringLiteral("%1.%2.%3").arg(jsonText(base, "projectId"), jsonText(base, "datasetId"),
                                                                          jsonText(base, "tableId")),
                                           jsonText(def, time));
        }
    if (const auto d = jsonText(t, "description"); !d.isEmpty()) lines << d;
    return lines.join(QLatin1Char('\n'));
}

void addFields(SchemaModel::Node* parent, const std::vector<Field>& fields, const QString& prefix) {
    for (const auto& f : fields) {
        auto n = std::make_unique<SchemaModel::Node>();
        n->kind = SchemaModel::Kind::Field;
        n->name = qs(f.name);
        n->type = qs(f.typeDescription());
        n->qualified = prefix.isEmpty() ? n->name : prefix + QLatin1Char('.') + n->name;
        if (!f.description.empty()) n->details = qs(f.description);
        addFields(n.get(), f.fields, n->qualified);
        n->parent = parent;
        n->row = static_cast<int>(parent->children.size());
        parent->children.push_back(std::move(n));
    }
}

} // namespace

SchemaModel::SchemaModel(QObject* parent) : QAbstractItemModel(parent), root_(std::make_unique<Node>()) {}
SchemaModel::~SchemaModel() = default;

SchemaModel::Node* SchemaModel::adopt(Node* parent, std::unique_ptr<Node> child) {
    child->parent = parent;
    child->row = static_cast<int>(parent->children.size());
    std::function<void(Node*)> mark = [&](Node* n) {
        n->serial = nextSerial_++;
        live_.insert(n->serial, n);
        for (auto& c : n->children) {
            c->parent = n;
            mark(c.get());
        }
    };
    mark(child.get());
    parent->children.push_back(std::move(child));
    return parent->children.back().get();
}

void SchemaModel::forget(Node* n) {
    live_.remove(n->serial);
    for (auto& c : n->children) forget(c.get());
}

void SchemaModel::setSession(std::shared_ptr<Session> session) {
    beginResetModel();
    for (auto& c : root_->children) forget(c.get());
    root_->children.clear();
    session_ = std::move(session);
    if (session_) {
        auto p = std::make_unique<Node>();
        p->kind = Kind::Project;
        p->name = qs(session_->project);
        p->type = session_->label;
        p->project = session_->project;
        p->qualified = QLatin1Char('`') + p->name + QLatin1Char('`');
        p->loaded = false;
        adopt(root_.get(), std::move(p));
    }
    endResetModel();
}

void SchemaModel::refresh(const QModelIndex& index) {
    if (!index.isValid()) {
        setSession(session_);
        return;
    }
    Node* n = nodeOf(index);
    if (n->kind != Kind::Project && n->kind != Kind::Dataset && n->kind != Kind::Table && n->kind != Kind::View) return;
    if (!n->children.empty()) {
        beginRemoveRows(index.siblingAtColumn(0), 0, static_cast<int>(n->children.size()) - 1);
        for (auto& c : n->children) forget(c.get());
        n->children.clear();
        endRemoveRows();
    }
    n->loaded = false;
    n->loading = false;
    // A new serial: an answer still on its way for the old contents is dropped.
    live_.remove(n->serial);
    n->serial = nextSerial_++;
    live_.insert(n->serial, n);
}

SchemaModel::Node* SchemaModel::nodeOf(const QModelIndex& i) const {
    return i.isValid() ? static_cast<Node*>(i.internalPointer()) : root_.get();
}

QModelIndex SchemaModel::indexOf(Node* n, int column) const {
    if (!n || n == root_.get()) return {};
    return createIndex(n->row, column, n);
}

QModelIndex SchemaModel::index(int row, int column, const QModelIndex& parent) const {
    if (!hasIndex(row, column, parent)) return {};
    Node* p = nodeOf(parent);
    return createIndex(row, column, p->children[static_cast<std::size_t>(row)].get());
}

QModelIndex SchemaModel::parent(const QModelIndex& child) const {
    if (!child.isValid()) return {};
    return indexOf(static_cast<Node*>(child.internalPointer())->parent);
}

int SchemaModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() && parent.column() != 0) return 0;
    return static_cast<int>(nodeOf(parent)->children.size());
}

int SchemaModel::columnCount(const QModelIndex&) const { return 2; }

bool SchemaModel::hasChildren(const QModelIndex& parent) const {
    if (parent.isValid() && parent.column() != 0) return false;
    const Node* n = nodeOf(parent);
    return !n->loaded || !n->children.empty();
}

bool SchemaModel::canFetchMore(const QModelIndex& parent) const {
    if (!parent.isValid() || parent.column() != 0) return false;
    const Node* n = nodeOf(parent);
    return !n->loaded && !n->loading && session_;
}

void SchemaModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent)) return;
    Node* n = nodeOf(parent);
    n->loading = true;
    emit dataChanged(parent, parent, {LoadingRole});
    const Kind kind = n->kind;
    const std::string project = n->project, dataset = n->dataset, table = n->table;
    const quint64 serial = n->serial;
    auto session = session_;
    QPointer<SchemaModel> self(this);
    Background::run(this, [=](const CancelToken& cancel) {
        auto out = std::make_shared<Loaded>();
        try {
            if (kind == Kind::Project) {
                for (const auto& d : session->client->listAllDatasets(project, &cancel)) {
                    auto c = std::make_unique<Node>();
                    c->kind = Kind::Dataset;
                    c->project = project;
                    c->dataset = d["datasetReference"].value("datasetId", std::string());
                    c->name = qs(c->dataset);
                    c->type = tr("DATASET");
                    c->details = jsonText(d, "location");
                    c->qualified = QStringLiteral("`%1.%2`").arg(qs(project), c->name);
                    c->loaded = false;
                    out->children.push_back(std::move(c));
                }
                if (out->children.empty()) out->children.push_back(message(tr("no datasets"), false));
            } else if (kind == Kind::Dataset) {
                for (const auto& t : session->client->listAllTables(project, dataset, &cancel)) {
                    auto c = std::make_unique<Node>();
                    const std::string type = t.value("type", std::string("TABLE"));
                    c->kind = type == "VIEW" ? Kind::View : Kind::Table;
                    c->project = project;
                    c->dataset = dataset;
                    c->table = t["tableReference"].value("tableId", std::string());
                    c->name = qs(c->table);
                    c->type = qs(type);
                    c->qualified = QStringLiteral("`%1.%2.%3`").arg(qs(project), qs(dataset), c->name);
                    c->loaded = false;
                    out->children.push_back(std::move(c));
                }
                if (out->children.empty()) out->children.push_back(message(tr("no tables"), false));
            } else {
                const Json t = session->client->getTable(TableRef{project, dataset, table}, &cancel);
                out->details = tableDetails(t);
                Node holder;
                if (t.contains("schema")) addFields(&holder, Schema::fromJson(t["schema"]).fields, {});
                out->children = std::move(holder.children);
            }
        } catch (const std::exception& e) {
            out->children.clear();
            out->children.push_back(message(QString::fromUtf8(e.what()), true));
        }
        onGui([self, serial, out] {
            if (self) self->insertLoaded(serial, out);
        });
    });
}

void SchemaModel::insertLoaded(quint64 serial, std::shared_ptr<Loaded> result) {
    Node* n = live_.value(serial, nullptr);
    if (!n || n->loaded) return; // refreshed or removed meanwhile
    const QModelIndex at = indexOf(n);
    n->loading = false;
    n->loaded = true;
    if (!result->details.isEmpty()) n->details = result->details;
    if (!result->children.empty()) {
        beginInsertRows(at, 0, static_cast<int>(result->children.size()) - 1);
        for (auto& c : result->children) adopt(n, std::move(c));
        endInsertRows();
    }
    emit dataChanged(at, indexOf(n, 1));
    emit loaded(at);
}

QVariant SchemaModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
    const Node* n = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        if (index.column() == 1) return n->loading ? tr("loading\u2026") : n->type;
        return n->name;
    case Qt::ToolTipRole:
        return n->details.isEmpty() ? QVariant() : QVariant(n->details);
    case Qt::DecorationRole: {
        if (index.column() != 0) return {};
        QStyle* s = QApplication::style();
        switch (n->kind) {
        case Kind::Project: return s->standardIcon(QStyle::SP_DriveNetIcon);
        case Kind::Dataset: return s->standardIcon(QStyle::SP_DirIcon);
        case Kind::Table: return s->standardIcon(QStyle::SP_FileDialogDetailedView);
        case Kind::View: return s->standardIcon(QStyle::SP_FileDialogContentsView);
        case Kind::Message: return n->error ? s->standardIcon(QStyle::SP_MessageBoxWarning) : QVariant();
        case Kind::Field: return {};
        }
        return {};
    }
    case Qt::ForegroundRole:
        if (n->kind == Kind::Message || index.column() == 1)
            return QApplication::palette().color(QPalette::Disabled, QPalette::Text);
        return {};
    case KindRole:
        return static_cast<int>(n->kind);
    case QualifiedNameRole:
        return n->qualified;
    case LoadingRole:
        return n->loading;
    default:
        return {};
    }
}

QVariant SchemaModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (section == 0) return tr("Name");
    if (section == 1) return tr("Type");
    return {};
}

Qt::ItemFlags SchemaModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (!nodeOf(index)->qualified.isEmpty()) f |= Qt::ItemIsDragEnabled;
    return f;
}

QStringList SchemaModel::mimeTypes() const { return {QStringLiteral("text/plain")}; }

QMimeData* SchemaModel::mimeData(const QModelIndexList& indexes) const {
    QStringList names;
    for (const auto& i : indexes)
        if (i.column() == 0 && !nodeOf(i)->qualified.isEmpty()) names << nodeOf(i)->qualified;
    if (names.isEmpty()) return nullptr;
    auto* m = new QMimeData;
    m->setText(names.join(QStringLiteral(", ")));
    return m;
}

QModelIndex SchemaModel::find(const QModelIndex& parent, const QString& name) const {
    const Node* p = nodeOf(parent);
    for (const auto& c : p->children)
        if (c->name == name) return indexOf(c.get());
    return {};
}

} // namespace quarry
