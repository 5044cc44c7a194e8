// SPDX-License-Identifier: MIT
// What a screen reader and a keyboard-only user need: every control that takes the keyboard
// focus in the main window and its dialogs has an accessible name (read through QAccessible,
// as assistive technology reads it), each dialog has a default button, Tab moves through its
// controls, and Esc closes it.
#include "MainWindow.h"
#include "WindowTest.h"
#include "connections/ConnectionDialog.h"
#include "connections/KeyPairWizard.h"
#include "upload/UploadDialog.h"

#include <QAbstractButton>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QApplication>
#include <QDialog>
#include <QFile>
#include <QPointer>
#include <QPushButton>
#include <QtTest>
#include <memory>

using namespace quarry;

namespace {

/// The focusable, visible controls under `root` that a screen reader would announce without
/// a name.
QStringList unnamed(QWidget* root) {
    QStringList out;
    for (QWidget* w : root->findChildren<QWidget*>()) {
        if (!w->isVisibleTo(root) || !(w->focusPolicy() & Qt::TabFocus) || !w->isEnabled()) continue;
        // A spin box's text field is announced as the spin box, which carries the name.
        if (auto* spin = qobject_cast<QAbstractSpinBox*>(w->parentWidget())) {
            if (QAccessible::queryAccessibleInterface(spin)->text(QAccessible::Name).trimmed().isEmpty())
                out << QStringLiteral("QAbstractSpinBox '%1'").arg(spin->objectName());
            continue;
        }
        QAccessibleInterface* a = QAccessible::queryAccessibleInterface(w);
        if (!a) continue;
        if (a->text(QAccessible::Name).trimmed().isEmpty())
            out << QStringLiteral("%1 '%2' (parent %3)")
                       .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName(),
                            w->parentWidget() ? QString::fromLatin1(w->parentWidget()->metaObject()->className()) : QString());
    }
    return out;
}

/// Tab from the first control visits at least `min` distinct controls of the dialog.
int tabStops(QDialog* d) {
    d->activateWindow();
    if (!QTest::qWaitForWindowActive(d)) return 0;
    QSet<QWidget*> seen;
    for (int i = 0; i < 40; ++i) {
        QWidget* f = QApplication::focusWidget();
        if (!f || !d->isAncestorOf(f)) break;
        seen.insert(f);
        QTest::keyClick(f, Qt::Key_Tab);
    }
    return seen.size();
}

bool hasDefaultButton(QDialog* d) {
    for (auto* b : d->findChildren<QPushButton*>())
        if (b->isDefault() || b->autoDefault()) return true;
    return false;
}

/// Names on every control, a default button, at least four Tab stops, Esc closes it.
bool worksByKeyboard(QDialog* dialog) {
    QPointer<QDialog> d(dialog);
    const QStringList missing = unnamed(d);
    if (!missing.isEmpty()) qWarning("unnamed controls: %s", qPrintable(missing.join(QStringLiteral(", "))));
    const int stops = tabStops(d);
    if (stops < 4) qWarning("only %d Tab stops", stops);
    const bool defaultButton = hasDefaultButton(d);
    if (!defaultButton) qWarning("no default button");
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
    const bool closed = QTest::qWaitFor([&] { return !d || !d->isVisible(); }, 5000);
    if (!closed) qWarning("Esc did not close it");
    return missing.isEmpty() && stops >= 4 && defaultButton && closed;
}

} // namespace

class TestAccessibility : public QObject {
    Q_OBJECT
    test::WindowFixture fixture_;

private slots:
    void init() { QVERIFY(fixture_.begin()); }
    void cleanup() {
        const QString warnings = fixture_.end();
        QVERIFY2(warnings.isEmpty(), qPrintable(warnings));
    }

    void theMainWindowsControlsHaveNames() {
        auto w = test::openWindow();
        const QStringList missing = unnamed(w.get());
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));
    }

    void theConnectionDialogWorksByKeyboard() {
        auto w = test::openWindow();
        QPointer<QDialog> d = w->addConnection();
        QVERIFY(d);
        QVERIFY(QTest::qWaitForWindowExposed(d));
        QVERIFY(worksByKeyboard(d));
    }

    void theUploadDialogWorksByKeyboard() {
        auto w = test::openWindow();
        const QString file = fixture_.home() + QStringLiteral("/persons.json");
        QVERIFY(QFile::copy(QStringLiteral(QUARRY_SOURCE_DIR "/resources/samples/persons/persons.ndjson"), file));
        QVERIFY(test::dropFiles(w.get(), {file}));
        const auto dialogs = w->findChildren<UploadDialog*>();
        QCOMPARE(dialogs.size(), 1);
        QPointer<UploadDialog> d = dialogs.first();
        QVERIFY(QTest::qWaitForWindowExposed(d));
        QTRY_VERIFY_WITH_TIMEOUT(d->schemaReady(), 10000);
        QVERIFY(worksByKeyboard(d));
    }

    void theKeyPairWizardHasNames() {
        auto w = test::openWindow();
        auto* d = qobject_cast<ConnectionDialog*>(w->addConnection());
        QVERIFY(d);
        KeyPairWizard* k = d->openKeyPairWizard();
        QVERIFY(QTest::qWaitForWindowExposed(k));
        const QStringList missing = unnamed(k);
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));
        QVERIFY(hasDefaultButton(k));
        QTest::keyClick(k, Qt::Key_Escape);
        QTRY_VERIFY(!k->isVisible());
    }
};

QTEST_MAIN(TestAccessibility)
#include "test_accessibility.moc"
