// SPDX-License-Identifier: MIT
// Background work with an owner: results reach the GUI thread while the owner lives, the
// owner's end cancels the work and drops its result, a caller's token cancels it too, and
// shutdown joins everything (the application's own cleanups finish first).
#include "FailOnWarnings.h"
#include "Background.h"

#include <QApplication>
#include <QThread>
#include <QtTest>
#include <atomic>
#include <chrono>
#include <memory>

using namespace quarry;
using namespace std::chrono_literals;

class TestBackground : public QObject {
    Q_OBJECT

private slots:
    void init() { test::failOnQtWarnings(); }

    void theResultReachesTheGuiThread() {
        QObject owner;
        int got = 0;
        QThread* ranOn = nullptr;
        QThread* doneOn = nullptr;
        Background::run(
            &owner,
            [&ranOn](const CancelToken&) {
                ranOn = QThread::currentThread();
                return 42;
            },
            [&](int v) {
                got = v;
                doneOn = QThread::currentThread();
            });
        QTRY_COMPARE(got, 42);
        QVERIFY(ranOn != QApplication::instance()->thread());
        QCOMPARE(doneOn, QApplication::instance()->thread());
        QTRY_COMPARE(Background::instance().pending(), 0);
    }

    void theOwnersEndCancelsTheWorkAndDropsItsResult() {
        auto owner = std::make_unique<QObject>();
        std::atomic<bool> started{false}, cancelled{false};
        bool doneCalled = false;
        Background::run(
            owner.get(),
            [&](const CancelToken& cancel) {
                started = true;
                cancelled = !cancel.waitFor(60s); // false: woken by the cancel
                return 1;
            },
            [&](int) { doneCalled = true; });
        QTRY_VERIFY(started.load());
        owner.reset();
        QTRY_VERIFY_WITH_TIMEOUT(cancelled.load(), 5000);
        QTRY_COMPARE(Background::instance().pending(), 0);
        QTest::qWait(50); // a queued result would have been delivered by now
        QVERIFY(!doneCalled);
    }

    void theCallersTokenCancelsTheWork() {
        QObject owner;
        auto token = std::make_shared<CancelToken>();
        std::atomic<bool> started{false}, cancelled{false};
        Background::runWith(&owner, token, [&](const CancelToken& cancel) {
            started = true;
            cancelled = !cancel.waitFor(60s);
        });
        QTRY_VERIFY(started.load());
        token->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(cancelled.load(), 5000);
        QTRY_COMPARE(Background::instance().pending(), 0);
    }

    void workThatThrowsIsReportedAsAWarning() {
        QObject owner;
        QTest::ignoreMessage(QtWarningMsg, "a background task failed: broken");
        Background::run(&owner, [](const CancelToken&) -> int { throw std::runtime_error("broken"); }, [](int) {});
        QTRY_COMPARE(Background::instance().pending(), 0);
    }

    // Last: after shutdown nothing starts in this process.
    void shutdownCancelsOwnedWorkLetsCleanupsFinishAndJoins() {
        QObject owner;
        std::atomic<bool> ownedCancelled{false}, cleanupDone{false}, started{false};
        Background::run(&owner, [&](const CancelToken& cancel) {
            started = true;
            ownedCancelled = !cancel.waitFor(60s);
        });
        Background::run(nullptr, [&](const CancelToken& cancel) {
            // An application-owned cleanup: not cancelled while it takes a moment.
            cleanupDone = cancel.waitFor(300ms);
        });
        QTRY_VERIFY(started.load());
        Background::instance().shutdown();
        QCOMPARE(Background::instance().pending(), 0);
        QVERIFY(ownedCancelled.load());
        QVERIFY(cleanupDone.load());
        bool ran = false;
        Background::run(&owner, [&](const CancelToken&) { ran = true; });
        QTest::qWait(50);
        QVERIFY(!ran);
    }
};

QTEST_MAIN(TestBackground)
#include "test_background.moc"
