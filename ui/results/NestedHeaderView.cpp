// SPDX-License-Identifier: MIT
#include "NestedHeaderView.h"

#include "ResultModel.h"

#include <QMouseEvent>
#include <QPainter>
#include <QStyleOptionHeader>

namespace quarry {

NestedHeaderView::NestedHeaderView(QWidget* parent) : QHeaderView(Qt::Horizontal, parent) {
    setSectionsClickable(true);
    setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
}

QStringList NestedHeaderView::pathOf(int column) const {
    ensureLayout();
    return column >= 0 && column < static_cast<int>(paths_.size()) ? paths_[static_cast<std::size_t>(column)] : QStringList();
}

void NestedHeaderView::setModel(QAbstractItemModel* m) {
    if (model()) disconnect(model(), nullptr, this, nullptr);
    QHeaderView::setModel(m);
    paths_.clear();
    levels_ = -1;
    if (!m) return;
    const auto invalidate = [this] {
        paths_.clear();
        levels_ = -1;
        updateGeometry();
    };
    connect(m, &QAbstractItemModel::modelReset, this, invalidate);
    connect(m, &QAbstractItemModel::columnsInserted, this, invalidate);
    connect(m, &QAbstractItemModel::columnsRemoved, this, invalidate);
    connect(m, &QAbstractItemModel::headerDataChanged, this, invalidate);
}

void NestedHeaderView::ensureLayout() const {
    // Paths and spans change only with the columns: read them once, not on every paint.
    if (levels_ > 0) return;
    const int n = model() ? model()->columnCount() : 0;
    paths_.assign(static_cast<std::size_t>(n), {});
    int levels = 1;
    for (int c = 0; c < n; ++c) {
        paths_[static_cast<std::size_t>(c)] = model()->headerData(c, Qt::Horizontal, ResultModel::HeaderPathRole).toStringList();
        levels = std::max(levels, static_cast<int>(paths_[static_cast<std::size_t>(c)].size()));
    }
    spans_.assign(static_cast<std::size_t>(n), std::vector<std::pair<int, int>>(static_cast<std::size_t>(levels)));
    for (int level = 0; level < levels; ++level) {
        auto inner = [&](int c) { return paths_[static_cast<std::size_t>(c)].size() > level + 1; };
        auto prefix = [&](int c) { return paths_[static_cast<std::size_t>(c)].mid(0, level + 1); };
        for (int c = 0; c < n;) {
            int last = c;
            if (inner(c))
                while (last + 1 < n && inner(last + 1) && prefix(last + 1) == prefix(c)) ++last;
            for (int k = c; k <= last; ++k)
                spans_[static_cast<std::size_t>(k)][static_cast<std::size_t>(level)] = inner(k) ? std::make_pair(c, last) : std::make_pair(k, k);
            c = last + 1;
        }
    }
    levels_ = levels;
}

int NestedHeaderView::levels() const {
    ensureLayout();
    return levels_;
}

int NestedHeaderView::bandHeight() const { return fontMetrics().height() + 8; }

QSize NestedHeaderView::sizeHint() const {
    QSize s = QHeaderView::sizeHint();
    s.setHeight(std::max(s.height(), bandHeight() * levels()));
    return s;
}

std::pair<int, int> NestedHeaderView::span(int column, int level) const {
    ensureLayout();
    if (column < 0 || column >= static_cast<int>(spans_.size()) || level < 0 || level >= levels_) return {column, column};
    return spans_[static_cast<std::size_t>(column)][static_cast<std::size_t>(level)];
}

QString NestedHeaderView::recordAt(const QPoint& pos) const {
    const int column = logicalIndexAt(pos);
    if (column < 0 || !model()) return {};
    const QStringList path = pathOf(column);
    const int band = std::max(1, height() / std::max(1, levels()));
    const int level = pos.y() / band;
    if (level < path.size() - 1) return path.mid(0, level + 1).join(QLatin1Char('.')); // a record's band
    if (model()->headerData(column, Qt::Horizontal, ResultModel::CollapsedRole).toBool()) {
        QStringList names = path;
        names.last().remove(QStringLiteral("\u25b8 "));
        return names.join(QLatin1Char('.'));
    }
    return {};
}

void NestedHeaderView::mouseDoubleClickEvent(QMouseEvent* e) {
    const QString record = recordAt(e->position().toPoint());
    if (record.isEmpty()) {
        QHeaderView::mouseDoubleClickEvent(e);
        return;
    }
    emit toggleRecord(record);
}

void NestedHeaderView::paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const {
    const QStringList path = pathOf(logicalIndex);
    if (path.size() <= 1) {
        QHeaderView::paintSection(painter, rect, logicalIndex);
        return;
    }
    const int band = rect.height() / std::max(1, levels());
    for (int level = 0; level < path.size(); ++level) {
        const bool leaf = level == path.size() - 1;
        QRect cell = rect;
        cell.setTop(rect.top() + level * band);
        if (!leaf) cell.setHeight(band);
        // A group's cell covers all its columns; each section paints its own slice, so the
        // text runs across the span and nothing outside this section is touched.
        if (!leaf) {
            const auto [first, last] = span(logicalIndex, level);
            const int x0 = sectionViewportPosition(first);
            const int x1 = sectionViewportPosition(last) + sectionSize(last);
            cell.setLeft(x0);
            cell.setRight(x1 - 1);
        }
        QStyleOptionHeader opt;
        initStyleOption(&opt);
        opt.rect = cell;
        opt.section = logicalIndex;
        opt.text = path[level];
        opt.textAlignment = leaf ? Qt::AlignLeft | Qt::AlignVCenter : Qt::AlignHCenter | Qt::AlignVCenter;
        opt.position = QStyleOptionHeader::Middle;
        opt.iconAlignment = Qt::AlignVCenter;
        painter->save();
        painter->setClipRect(rect.intersected(QRect(rect.left(), cell.top(), rect.width(), cell.height())));
        style()->drawControl(QStyle::CE_Header, &opt, painter, this);
        painter->restore();
    }
}

} // namespace quarry
