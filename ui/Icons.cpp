// SPDX-License-Identifier: MIT
#include "Icons.h"

#include <QGuiApplication>
#include <QIconEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPalette>
#include <QPixmap>

namespace quarry::icons {
namespace {

class VectorIcon : public QIconEngine {
public:
    explicit VectorIcon(Kind k) : kind_(k) {}
    QIconEngine* clone() const override { return new VectorIcon(kind_); }
    QString key() const override { return QStringLiteral("quarry-vector"); }

    void paint(QPainter* p, const QRect& rect, QIcon::Mode mode, QIcon::State) override {
        const QPalette pal = QGuiApplication::palette();
        const bool disabled = mode == QIcon::Disabled;
        const QColor text = pal.color(disabled ? QPalette::Disabled : QPalette::Normal, QPalette::WindowText);
        const QColor grey = pal.color(QPalette::Disabled, QPalette::WindowText);
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        const qreal s = std::min(rect.width(), rect.height());
        p->translate(rect.x() + (rect.width() - s) / 2.0, rect.y() + (rect.height() - s) / 2.0);
        p->scale(s / 16.0, s / 16.0); // paths below are on a 16x16 grid
        switch (kind_) {
        case Kind::Run: {
            QPainterPath tri;
            tri.moveTo(4, 2.5);
            tri.lineTo(13.5, 8);
            tri.lineTo(4, 13.5);
            tri.closeSubpath();
            p->fillPath(tri, disabled ? grey : QColor(0x2e, 0xa0, 0x4f));
            break;
        }
        case Kind::Stop:
            p->setPen(Qt::NoPen);
            p->setBrush(disabled ? grey : QColor(0xd0, 0x44, 0x44));
            p->drawRoundedRect(QRectF(3.5, 3.5, 9, 9), 1.5, 1.5);
            break;
        case Kind::Refresh: {
            QPen pen(text, 1.8, Qt::SolidLine, Qt::RoundCap);
            p->setPen(pen);
            p->drawArc(QRectF(3, 3, 10, 10), 60 * 16, 280 * 16);
            QPainterPath head;
            head.moveTo(10.2, 1.8);
            head.lineTo(13.6, 4.4);
            head.lineTo(9.6, 5.8);
            head.closeSubpath();
            p->fillPath(head, text);
            break;
        }
        case Kind::NewTab: {
            QPen pen(text, 1.4);
            pen.setJoinStyle(Qt::RoundJoin);
            p->setPen(pen);
            p->setBrush(Qt::NoBrush);
            QPainterPath page;
            page.moveTo(3.5, 1.5);
            page.lineTo(9.5, 1.5);
            page.lineTo(12.5, 4.5);
            page.lineTo(12.5, 14.5);
            page.lineTo(3.5, 14.5);
            page.closeSubpath();
            p->drawPath(page);
            QPen plus(disabled ? grey : QColor(0x2e, 0xa0, 0x4f), 1.8, Qt::SolidLine, Qt::RoundCap);
            p->setPen(plus);
            p->drawLine(QPointF(8, 7), QPointF(8, 12));
            p->drawLine(QPointF(5.5, 9.5), QPointF(10.5, 9.5));
            break;
        }
        }
        p->restore();
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override {
        return scaledPixmap(size, mode, state, 1.0);
    }

    // QIcon passes the size in device pixels here, with the scale it is for.
    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state, qreal scale) override {
        QPixmap pm(size);
        pm.fill(Qt::transparent);
        {
            QPainter p(&pm);
            paint(&p, QRect(QPoint(0, 0), size), mode, state);
        }
        pm.setDevicePixelRatio(scale);
        return pm;
    }

private:
    Kind kind_;
};

} // namespace

QIcon icon(Kind kind) { return QIcon(new VectorIcon(kind)); }

} // namespace quarry::icons
