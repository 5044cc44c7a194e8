// SPDX-License-Identifier: MIT
// Every GUI test class calls failOnQtWarnings() in init(): any Qt warning during a test
// function then fails it (QTest::ignoreMessage still excuses an expected one). The offscreen
// platform's own limits ("This plugin does not support ...") are not the app's.
#pragma once

#include <QRegularExpression>
#include <QtTest>

namespace quarry::test {

inline void failOnQtWarnings() {
    QTest::failOnWarning(QRegularExpression(QStringLiteral("^(?!This plugin does not support ).*"),
                                            QRegularExpression::DotMatchesEverythingOption));
}

} // namespace quarry::test
