// SPDX-License-Identifier: MIT
#include "NestedHeaderView.h"

#include "ResultModel.h"

#include <QPainter>
#include <QStyleOptionHeader>

namespace quarry {

NestedHeaderView::NestedHeaderView(QWidget* parent) : QHeaderView(Qt::Horizontal, parent) {
    setSectionsClickable(true);
    setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
}

QStringList NestedHeaderView::pathOf(int column) const {
    if (!model()) return {};
    return model()->headerData(column, Qt::Horizontal, ResultModel::HeaderPathRole).toStringList();
}

void NestedHeaderView::setModel(QAbstractItemModel* m) {
    if (model()) disconnect(model(), nullptr, this, nullptr);
    QHeaderView::setModel(m);
    levels_ = -1;
    if (!m) return;
    const auto invalidate = [this] {
        levels_ = -1;
        updateGeometry();
    };
    connect(m, &QAbstractItemModel::modelReset, this, invalidate);
    connect(m, &QAbstractItemModel::columnsInserted, this, invalidate);
    connect(m, &QAbstractItemModel::columnsRemoved, this, invalidate);
    connect(m, &QAbstractItemModel::headerDataChanged, this, invalidate);
}

int NestedHeaderView::levels() const {
    if (levels_ > 0) return levels_;
    int n = 1;
    if (model())
        for (int c = 0; c < model()->columnCount(); ++c) n = std::max(n, static_cast<int>(pathOf(c).size()));
    levels_ = n;
    return n;
}

int NestedHeaderView::bandHeight() const { return fontMetrics().height() + 8; }

QSize NestedHeaderView::sizeHint() const {
    QSize s = QHeaderView::sizeHint();
    s.setHeight(std::max(s.height(), bandHeight() * levels()));
    return s;
}

std::pair<int, int> NestedHeaderView::span(int column, int level) const {
    const QStringList path = pathOf(column);
    const auto prefix = path.mid(0, level + 1);
    auto same = [&](int c) {
        const QStringList p = pathOf(c);
        return p.size() > level + 1 && p.mid(0, level + 1) == prefix;
    };
    if (path.size() <= level + 1) return {column, column}; // the leaf itself
    int first = column, last = column;
    while (first > 0 && same(first - 1)) --first;
    while (last + 1 < count() && same(last + 1)) ++last;
    return {first, last};
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
