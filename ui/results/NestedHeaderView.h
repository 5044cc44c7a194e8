// SPDX-License-Identifier: MIT
#pragma once

#include <QHeaderView>
#include <utility>
#include <vector>

namespace quarry {

/// A horizontal header with one band per nesting level: a RECORD's name spans the columns of
/// its fields (as the BigQuery console draws it), leaves fill the bands below them. Reads the
/// path of each column from the model's ResultModel::HeaderPathRole.
class NestedHeaderView : public QHeaderView {
    Q_OBJECT
public:
    explicit NestedHeaderView(QWidget* parent = nullptr);
    QSize sizeHint() const override;
    void setModel(QAbstractItemModel* model) override;
    /// The columns [first, last] that share the path prefix of `column` up to `level`.
    std::pair<int, int> span(int column, int level) const;
    /// The RECORD a double-click at `pos` toggles (its dotted path), or empty.
    QString recordAt(const QPoint& pos) const;

signals:
    /// A RECORD's band (or a collapsed RECORD's column) was double-clicked.
    void toggleRecord(const QString& path);

protected:
    void paintSection(QPainter* painter, const QRect& rect, int logicalIndex) const override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;

private:
    QStringList pathOf(int column) const;
    int levels() const;
    int bandHeight() const;
    void ensureLayout() const;

    // Read from the model once per change of columns (reset, insert, remove, header change).
    mutable int levels_ = -1; ///< -1 when the columns changed
    mutable std::vector<QStringList> paths_;
    mutable std::vector<std::vector<std::pair<int, int>>> spans_; ///< [column][level]
};

} // namespace quarry
