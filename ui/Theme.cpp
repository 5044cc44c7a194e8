// SPDX-License-Identifier: MIT
#include "Theme.h"

#include <QApplication>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusVariant>
#include <QStyle>
#include <QStyleFactory>

namespace quarry::theme {
namespace {

// The portal's color-scheme: 0 no preference, 1 prefer dark, 2 prefer light.
void applyPortalValue(const QVariant& v) {
    QVariant inner = v;
    while (inner.canConvert<QDBusVariant>() && inner.userType() == qMetaTypeId<QDBusVariant>()) inner = inner.value<QDBusVariant>().variant();
    bool ok = false;
    const uint scheme = inner.toUInt(&ok);
    if (ok) apply(scheme == 1 ? Scheme::Dark : Scheme::Light);
}

class PortalListener : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
public slots:
    void settingChanged(const QString& ns, const QString& key, const QDBusVariant& value) {
        if (ns == QStringLiteral("org.freedesktop.appearance") && key == QStringLiteral("color-scheme")) applyPortalValue(value.variant());
    }
};

} // namespace

bool isDark(const QPalette& p) { return p.color(QPalette::Base).lightness() < 128; }

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x30), base(0x1e, 0x1f, 0x22), text(0xdf, 0xe1, 0xe5), mid(0x3c, 0x3f, 0x41);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2c));
    p.setColor(QPalette::ToolTipBase, mid);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x8f, 0x94));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4b));
    p.setColor(QPalette::Midlight, mid);
    p.setColor(QPalette::Mid, QColor(0x32, 0x34, 0x37));
    p.setColor(QPalette::Dark, QColor(0x19, 0x1a, 0x1c));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x65, 0xca));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x58, 0x9d, 0xf6));
    p.setColor(QPalette::LinkVisited, QColor(0xa5, 0x80, 0xe6));
    const QColor disabled(0x7a, 0x7d, 0x82);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

void apply(Scheme scheme) {
    static const QString original = QApplication::style() ? QApplication::style()->name() : QString();
    static const QPalette light = QApplication::palette();
    if (scheme == Scheme::Dark) {
        if (QApplication::style()->name().compare(QStringLiteral("fusion"), Qt::CaseInsensitive) != 0)
            QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPalette());
    } else {
        if (!original.isEmpty() && QApplication::style()->name() != original) QApplication::setStyle(QStyleFactory::create(original));
        QApplication::setPalette(light);
    }
}

void followSystem(QObject* context) {
    const QByteArray forced = qgetenv("QUARRY_THEME").toLower();
    if (forced == "dark" || forced == "light") {
        apply(forced == "dark" ? Scheme::Dark : Scheme::Light);
        return;
    }
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) return;
    const QString service = QStringLiteral("org.freedesktop.portal.Desktop"), path = QStringLiteral("/org/freedesktop/portal/desktop"),
                  iface = QStringLiteral("org.freedesktop.portal.Settings");
    QDBusMessage read = QDBusMessage::createMethodCall(service, path, iface, QStringLiteral("Read"));
    read << QStringLiteral("org.freedesktop.appearance") << QStringLiteral("color-scheme");
    auto* watcher = new QDBusPendingCallWatcher(bus.asyncCall(read, 2000), context);
    QObject::connect(watcher, &QDBusPendingCallWatcher::finished, context, [](QDBusPendingCallWatcher* w) {
        const QDBusPendingReply<QVariant> reply = *w;
        if (!reply.isError()) applyPortalValue(reply.value());
        w->deleteLater();
    });
    auto* listener = new PortalListener(context);
    bus.connect(service, path, iface, QStringLiteral("SettingChanged"), listener,
                SLOT(settingChanged(QString, QString, QDBusVariant)));
}

} // namespace quarry::theme

#include "Theme.moc"
